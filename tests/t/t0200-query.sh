#!/usr/bin/env bash
# loom query and loom ledger: the rules, their evidence, packing, determinism.
. "$(dirname "$0")/lib.sh"

R="$T/repo"
mkrepo "$R"
cd "$R"
"$LOOM" index

# rule lookup in a ledger: points and evidence of RULE for PATH
rule() { json "[r for f in j['files'] if f['path']=='$2' for r in f['rules'] if r['rule']=='$1'][0]['$3']" "$4"; }
has_rule() { json "any(r['rule']=='$1' for f in j['files'] if f['path']=='$2' for r in f['rules'])" "$3"; }

"$LOOM" query --json --tag lib/util.c "how is the checksum computed" >"$T/q.json"
expect_eq "tag points" 40 "$(rule tag lib/util.c points "$T/q.json")"
expect_eq "tag evidence" "--tag 'lib/util.c'" "$(rule tag lib/util.c evidence "$T/q.json")"
expect_eq "tagged file ranks first" lib/util.c "$(json "j['files'][0]['path']" "$T/q.json")"
expect_match "bm25 evidence" "^bm25: checksum×[0-9]+ .*\(lines [0-9]+-[0-9]+\)$" "$(rule bm25 lib/util.c evidence "$T/q.json")"
ok "--tag: +40 with evidence; bm25 evidence names terms and lines"

"$LOOM" query --json "look at @src/cli.c and fix it" >"$T/q.json"
expect_eq "@path evidence" "@src/cli.c in the task" "$(rule tag src/cli.c evidence "$T/q.json")"
expect_eq "@path tags" 1 "$(json "[t['matched'] for t in j['tags'] if t['pattern']=='src/cli.c'][0]" "$T/q.json")"
ok "@path in the task tags the file"

mkdir -p .loom && printf '# tags\nlib/*.py\n' >.loom/tags
"$LOOM" query --json "anything at all" >"$T/q.json"
expect_eq ".loom/tags evidence" ".loom/tags: 'lib/*.py'" "$(rule tag lib/tasks.py evidence "$T/q.json")"
rm .loom/tags
ok ".loom/tags globs"

"$LOOM" query --json --tag does/not/exist "checksum" >"$T/q.json"
expect_match "unmatched tag noted" "tag 'does/not/exist' \(--tag\) matched no file" "$(json "'|'.join(j['notes'])" "$T/q.json")"
ok "a tag that matches nothing is said so in the ledger"

echo "/* checksum tweak */" >>lib/util.c
"$LOOM" query --json "checksum" >"$T/q.json"
expect_eq "git_modified points" 8 "$(rule git_modified lib/util.c points "$T/q.json")"
expect_eq "git_modified evidence" "git: modified in worktree" "$(rule git_modified lib/util.c evidence "$T/q.json")"
echo "new" >fresh.txt
"$LOOM" query --json "" >"$T/q.json"
expect_eq "untracked evidence" "git: untracked" "$(rule git_modified fresh.txt evidence "$T/q.json")"
expect_match "empty task noted" "the task is empty" "$(json "'|'.join(j['notes'])" "$T/q.json")"
rm fresh.txt
git checkout -q lib/util.c
ok "git_modified: modified and untracked files, +8 with evidence; empty task"

"$LOOM" query --json "parse_args() rejects a file name" >"$T/q.json"
expect_match "symbol evidence" "^symbol 'parse_args' defined at src/cli\.(c:6|h:[0-9]+)" "$(rule symbol src/cli.c evidence "$T/q.json")"
expect_eq "cli.c symbol evidence line" "symbol 'parse_args' defined at src/cli.c:6" "$(rule symbol src/cli.c evidence "$T/q.json")"
ok "symbol rule names where the symbol is defined"

"$LOOM" query --json --tag src/cli.c "options" >"$T/q.json"
expect_match "include neighbour" "imported by 'src/cli.c' \(line 3\), a strong file" "$(rule neighbour lib/util.h evidence "$T/q.json")"
ok "neighbour: files a strong file includes"

"$LOOM" query --json "task summary done" >"$T/q.json"
expect_eq "test file penalised" "-5" "$(rule test tests/test_tasks.py points "$T/q.json")"
"$LOOM" query --json "the summary test fails" >"$T/q.json"
expect_eq "not when the task is about tests" False "$(has_rule test tests/test_tasks.py "$T/q.json")"
ok "test files score less unless the task is about tests"

# the JSON contract
"$LOOM" query --json --top 3 --budget 300 "checksum of a file and task summary" >"$T/q.json"
expect_eq "keys" "True" "$(json "all(k in j for k in ('query_id','budget','tokens_used','files'))" "$T/q.json")"
expect_eq "budget" 300 "$(json "j['budget']" "$T/q.json")"
expect_eq "top" 3 "$(json "len(j['files'])" "$T/q.json")"
expect_eq "ranks" "[1, 2, 3]" "$(json "[f['rank'] for f in j['files']]" "$T/q.json")"
expect_eq "sorted best first" True "$(json "all(a['score']>=b['score'] for a,b in zip(j['files'],j['files'][1:]))" "$T/q.json")"
expect_eq "within budget" True "$(json "0 < j['tokens_used'] <= 300" "$T/q.json")"
expect_eq "tokens add up" True "$(json "j['tokens_used'] == sum(f['tokens'] for f in j['files'])" "$T/q.json")"
expect_eq "file fields" True "$(json "all(set(('path','rank','score','packed','rules','slices')) <= set(f) for f in j['files'])" "$T/q.json")"
expect_eq "slice fields" True "$(json "all(set(('start_line','end_line','tokens')) <= set(s) for f in j['files'] for s in f['slices'])" "$T/q.json")"
expect_eq "unpacked files say why" True "$(json "all(f['packed'] or f['left_out'] for f in j['files'])" "$T/q.json")"
expect_eq "score is the sum of the rules" True "$(json "all(abs(f['score']-sum(r['points'] for r in f['rules']))<0.02 for f in j['files'])" "$T/q.json")"
ok "--json contract, --top, --budget"

"$LOOM" query --json --content --budget 4000 --tag lib/util.h "run_util" >"$T/q.json"
expect_eq "small file packed whole" "[[1, 4, 'whole file']]" "$(json "[[s['start_line'],s['end_line'],s['why']] for f in j['files'] if f['path']=='lib/util.h' for s in f['slices']]" "$T/q.json")"
expect_eq "content is the file" "$(cat lib/util.h)" "$(json "[s['text'] for f in j['files'] if f['path']=='lib/util.h' for s in f['slices']][0].rstrip()" "$T/q.json")"
ok "--content packs small files whole"

# determinism and the stored ledger
"$LOOM" query "checksum of a file and task summary" >"$T/a.txt"
"$LOOM" query "checksum of a file and task summary" >"$T/b.txt"
cmp -s "$T/a.txt" "$T/b.txt" || fail "two identical queries differ"
"$LOOM" ledger >"$T/c.txt"
cmp -s "$T/a.txt" "$T/c.txt" || fail "loom ledger differs from the query's output"
"$LOOM" query --json "checksum of a file and task summary" >"$T/a.json"
id=$(json "j['query_id']" "$T/a.json")
"$LOOM" query "something else entirely" >/dev/null
"$LOOM" ledger --json "$id" >"$T/b.json"
cmp -s "$T/a.json" "$T/b.json" || fail "loom ledger ID --json differs from the query's JSON"
"$LOOM" ledger --json "${id:0:6}" >"$T/b.json"
cmp -s "$T/a.json" "$T/b.json" || fail "a unique id prefix finds the ledger"
expect_status "unknown id" 1 "$LOOM" ledger 0123456789ab
expect_match "unknown id message" "no stored ledger has id '0123456789ab'" "$(cat "$T/err")"
expect_status "bad id" 1 "$LOOM" ledger "x'; drop table files"
expect_match "bad id message" "is not a query id" "$(cat "$T/err")"
ok "deterministic output; loom ledger reprints a stored ledger byte for byte"

expect_status "no match" 0 "$LOOM" query --json "xyzzy plugh frobozz"
expect_eq "no files" 0 "$(json "len(j['files'])" "$T/out")"
expect_match "no match noted" "no file matched the task" "$(json "'|'.join(j['notes'])" "$T/out")"
ok "a query with no matches"

printf 'tag = 5\nnope = 3\nbm25 = lots\n' >.loom/rules
"$LOOM" query --json --tag lib/util.c "checksum" >"$T/q.json" 2>"$T/err"
expect_eq "rules file weight" 5 "$(rule tag lib/util.c points "$T/q.json")"
expect_match "bad rule line" "rules:2: unknown rule 'nope'; line ignored" "$(cat "$T/err")"
expect_match "bad points line" "rules:3: 'lots' is not a number" "$(cat "$T/err")"
rm .loom/rules
ok ".loom/rules overrides weights; bad lines are named and ignored"

printf 'checksum\nof a file\n' >"$T/task.txt"
"$LOOM" query --json --file "$T/task.txt" >"$T/a.json"
printf 'checksum\nof a file\n' | "$LOOM" query --json --file - >"$T/b.json"
expect_eq "task from file" "checksum
of a file
" "$(json "j['task']" "$T/a.json")
"
cmp -s "$T/a.json" "$T/b.json" || fail "--file - differs from --file PATH"
expect_status "file and args" 2 "$LOOM" query --file "$T/task.txt" extra words
ok "--file PATH and --file -"
