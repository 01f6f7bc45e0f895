#!/usr/bin/env bash
# loom index: what is indexed, incrementality, git status, and consistency.
. "$(dirname "$0")/lib.sh"

R="$T/repo"
mkrepo "$R"
cd "$R"

expect_status "first index" 0 "$LOOM" index --stats --verify
expect_eq "files" 8 "$(index_stat files)"
expect_eq "read" 8 "$(index_stat read)"
[ -f .loom/index.db ] || fail "no .loom/index.db"
expect_eq ".loom ignores itself" "" "$(git status --porcelain)"
ok "cold index of a git repository"

expect_status "second index" 0 "$LOOM" index --stats
expect_eq "nothing re-read" 0 "$(index_stat read)"
ok "unchanged files are not re-read"

echo "int extra(void) { return 1; }" >>lib/util.c
echo "scratch" >notes.txt
mkdir -p build && echo "ignored" >build/out.txt
rm src/cli.h
expect_status "incremental" 0 "$LOOM" index --stats --verify
expect_eq "files now" 8 "$(index_stat files)"
expect_eq "read now" 2 "$(index_stat read)"
expect_eq "removed" 1 "$(index_stat removed)"
ok "changed and new files read, deleted removed, ignored skipped"

db="$R/.loom/index.db"
sql() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); [print("|".join(map(str,r))) for r in c.execute(sys.argv[2])]' "$db" "$1"; }
expect_eq "git bits of lib/util.c (tracked+modified)" 3 "$(sql "select git from files where path='lib/util.c'")"
expect_eq "git bits of notes.txt (untracked)" 8 "$(sql "select git from files where path='notes.txt'")"
expect_eq "ignored file absent" "" "$(sql "select path from files where path like 'build/%'")"
git add notes.txt
expect_status "after git add" 0 "$LOOM" index --stats
expect_eq "staged new file" 5 "$(sql "select git from files where path='notes.txt'")"
expect_status "again, the git state unchanged" 0 "$LOOM" index --stats
expect_eq "staged bits kept from the cache" 5 "$(sql "select git from files where path='notes.txt'")"
git reset -q notes.txt
expect_status "after git reset" 0 "$LOOM" index --stats
expect_eq "unstaged again" 8 "$(sql "select git from files where path='notes.txt'")"
git add notes.txt
expect_eq "language" "c|python" "$(sql "select group_concat(lang,'|') from (select distinct lang from files where lang in ('c','python') order by lang)")"
ok "git status and language recorded"

touch lib/util.c
expect_status "touch only" 0 "$LOOM" index --stats --verify
expect_eq "touched file read" 1 "$(index_stat read)"
expect_eq "touched file not re-indexed" 0 "$(index_stat indexed)"
ok "a touched but unchanged file is hashed, not re-indexed"

# history: the index and a fresh index of the same state agree exactly
git add -A && git commit -qm "second"
for i in 1 2 3; do echo "line $i of churn" >>lib/tasks.py; "$LOOM" index >/dev/null 2>&1; done
sed -i 's/checksum/digest/' lib/util.c
"$LOOM" index --verify 2>"$T/err" || fail "verify after churn: $(cat "$T/err")"
"$LOOM" query --json "checksum digest of a file" >"$T/incremental.json"
"$LOOM" query --json "task summary done" >>"$T/incremental.json"
rm -rf .loom
"$LOOM" query --json "checksum digest of a file" >"$T/fresh.json"
"$LOOM" query --json "task summary done" >>"$T/fresh.json"
cmp -s "$T/incremental.json" "$T/fresh.json" || fail "incremental and fresh indexes rank differently:
$(diff "$T/incremental.json" "$T/fresh.json" | head -20)"
ok "an incrementally maintained index answers exactly like a fresh one"

# a plain directory, not a git repository
P="$T/plain"
mkdir -p "$P/a" "$P/.hg"
echo "def hello(): pass" >"$P/a/x.py"
echo "hg" >"$P/.hg/store"
expect_status "plain directory" 0 "$LOOM" index --stats --verify "$P"
expect_eq "plain files" 1 "$(index_stat files)"
ok "a directory that is not a git repository"

# an empty repository
E="$T/empty"
git init -q "$E"
expect_status "empty repository" 0 "$LOOM" index --stats --verify "$E"
expect_eq "no files" 0 "$(index_stat files)"
ok "an empty repository"

# a subdirectory indexes the whole repository
expect_status "from a subdirectory" 0 "$LOOM" index --stats "$R/lib"
expect_match "root reported" "in '$R'" "$(cat "$T/err")"
ok "a subdirectory path means its repository"
