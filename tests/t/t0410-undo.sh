#!/usr/bin/env bash
# Applying change sets (through loom-applytest, core/apply as 'loom run' will
# use it) and 'loom undo': partial hunks byte for byte, every refusal writing
# nothing, modes, undo of tracked, untracked, created and deleted files, of a
# commit, after HEAD moved on, after a crash, with --force, and --list.
. "$(dirname "$0")/lib.sh"
: "${LOOMAPPLYTEST:?LOOMAPPLYTEST must point at the loom-applytest binary}"
A=$LOOMAPPLYTEST

R="$T/repo"
mkrepo "$R"
cd "$R"
P="$T/proposals"
mkdir -p "$P"

# snapshot: every file's bytes and mode, and git's view, to compare later
snapshot() {
  (find . -path ./.git -prune -o -path ./.loom -prune -o -type f -print0 | sort -z |
     xargs -0 sh -c 'for f; do printf "%s %s " "$f" "$(stat -c %a "$f")"; cksum <"$f"; done' sh
   git status --porcelain --untracked-files=all) >"$1"
}
no_tmp() {
  local left
  left=$(find . -name '.loom-*.tmp' | head -n 3)
  expect_eq "$1: temporary files left" "" "$left"
}
sets() { find .loom/undo -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l; }

expect_match "--help lists undo" "^  undo " "$("$LOOM" --help)"
expect_status "undo --help" 0 "$LOOM" undo --help
expect_match "undo --help" "^usage: loom undo" "$(cat "$T/out")"
expect_status "undo: bad option" 2 "$LOOM" undo --bogus
expect_status "undo: an argument" 2 "$LOOM" undo extra
expect_status "nothing to undo yet" 1 "$LOOM" undo
expect_eq "nothing to undo message" "loom: error: nothing to undo" "$(cat "$T/err")"
expect_eq "empty list" "the undo journal is empty" "$("$LOOM" undo --list)"
ok "usage, nothing to undo"

# --- partial approval: exactly the approved hunks, byte for byte --------------
python3 - "$P" <<'PY'
import sys
p = sys.argv[1]
old = open("src/cli.c", "rb").read()
new = old.replace(b"#include <stdio.h>\n", b"#include <stdio.h>\n#include <stdlib.h>\n", 1)
new = new.replace(b"\t\treturn 2;\n", b"\t\treturn EXIT_FAILURE;\n", 1)
open(p + "/cli.all", "wb").write(new)
# what approving only the second hunk must give
want = old.replace(b"\t\treturn 2;\n", b"\t\treturn EXIT_FAILURE;\n", 1)
open(p + "/cli.want", "wb").write(want)
PY
"$A" --show-diff --hunks 2 src/cli.c "$P/cli.all" >"$T/out" 2>"$T/err" || fail "partial apply: $(cat "$T/err")"
expect_eq "the proposal's diff" "--- a/src/cli.c
+++ b/src/cli.c
@@ -1,4 +1,5 @@
 #include <stdio.h>
+#include <stdlib.h>
 #include \"cli.h\"
 #include \"../lib/util.h\"
 
@@ -17,6 +18,6 @@ int main(int argc, char **argv)
 {
 	struct opts o = {0};
 	if (parse_args(argc, argv, &o) < 0)
-		return 2;
+		return EXIT_FAILURE;
 	return run_util(o.file);
 }
applied change set 1" "$(cat "$T/out")"
cmp src/cli.c "$P/cli.want" || fail "partial approval: src/cli.c is not the second hunk alone"
"$LOOM" undo >/dev/null
git diff --quiet || fail "undo of the partial apply left a difference"
# the patch text is a real patch: git applies it to the original
sed '$d' "$T/out" >"$T/cli.patch"
git apply --check "$T/cli.patch" || fail "git cannot apply the proposal's diff"
ok "partial approval applies only the approved hunk; the diff is a patch git accepts"

# CRLF and no final newline, both hunks of a file, one rejected
printf 'one\r\ntwo\r\nthree\r\nfour\r\nfive\r\nsix\r\nseven\r\neight\r\nnine\r\nlast' >win.txt
git add win.txt && git commit -qm "a CRLF file"
printf 'ONE\r\ntwo\r\nthree\r\nfour\r\nfive\r\nsix\r\nseven\r\neight\r\nnine\r\nLAST' >"$P/win.new"
"$A" --hunks 2 win.txt "$P/win.new" >/dev/null
expect_eq "CRLF, second hunk only" "$(printf 'one\r\ntwo\r\nthree\r\nfour\r\nfive\r\nsix\r\nseven\r\neight\r\nnine\r\nLAST' | od -c)" "$(od -c <win.txt)"
"$LOOM" undo >/dev/null
"$A" --hunks none win.txt "$P/win.new" >/dev/null
git diff --quiet win.txt || fail "no hunk approved changed win.txt"
"$LOOM" undo >/dev/null
ok "CRLF and a missing final newline kept byte for byte"

# --- refusals: one line, nothing written, no temporary file, no journal entry ---
ln -s "$T" outlink
ln -s README.md readme-link
printf 'x\0y\n' >"$P/binary"
printf 'new\n' >"$P/new"
head -c 3000 /dev/zero | tr '\0' 'a' >"$P/big"
printf 'not what is there\n' >"$P/stale"
git add outlink readme-link && git commit -qm links
snapshot "$T/before"
n=$(sets)
refuse() { # refuse WHAT MESSAGE ARGS...
  local what=$1 msg=$2
  shift 2
  expect_status "$what" 1 "$A" "$@"
  expect_eq "$what: message" "loom-applytest: error: $msg" "$(cat "$T/err")"
  snapshot "$T/after"
  cmp -s "$T/before" "$T/after" || fail "$what: the work tree changed: $(diff "$T/before" "$T/after")"
  no_tmp "$what"
  expect_eq "$what: journal entries" "$n" "$(sets)"
}
refuse "absolute path" "'/etc/passwd' is an absolute path" --absent /etc/passwd "$P/new"
refuse "'..' escape" "'../escape.txt' leaves the repository" --absent ../escape.txt "$P/new"
refuse "inside .git" "'.git/config' is inside .git" .git/config "$P/new"
refuse "a symbolic link on the way out" "cannot write 'outlink/evil.txt': 'outlink' is a symbolic link" \
  --absent outlink/evil.txt "$P/new"
[ ! -e "$T/evil.txt" ] || fail "a file was written through the symbolic link"
refuse "a symbolic link as the file" "cannot write 'readme-link': it is a symbolic link" \
  --old README.md readme-link "$P/new"
refuse "over --max-size" "'src/cli.c' is larger than the limit of 1000 bytes" --max-size 1000 \
  src/cli.c "$P/big"
refuse "binary" "'lib/util.c' is a binary file" lib/util.c "$P/binary"
refuse "changed since the proposal" \
  "'README.md' changed since the proposal was made; propose the change again" \
  --old "$P/stale" README.md "$P/new"
refuse "created meanwhile" \
  "'README.md' changed since the proposal was made; propose the change again" \
  --absent README.md "$P/new"
refuse "one bad file refuses the set" "'lib/util.c' is a binary file" \
  src/cli.c "$P/new" lib/util.c "$P/binary"
ok "refusals write nothing and leave no temporary file"

# --- a set over tracked, untracked, created and deleted files; modes -----------
chmod 755 lib/tasks.py
printf 'scratch notes\nno final newline' >notes.txt # untracked
git add lib/tasks.py && git commit -qm "executable"
snapshot "$T/before"
printf 'print("hi")\n' >"$P/tasks.py"
printf 'more notes\n' >"$P/notes"
printf '#pragma once\n' >"$P/gen.h"
"$A" --message "add the generated header" lib/tasks.py "$P/tasks.py" notes.txt "$P/notes" \
  --absent gen/deep/gen.h "$P/gen.h" README.md - >"$T/out" 2>"$T/err" || fail "apply: $(cat "$T/err")"
expect_match "applied" "^applied change set [0-9]+$" "$(cat "$T/out")"
id=$(sed -n 's/^applied change set \([0-9]*\)$/\1/p' "$T/out")
expect_eq "mode kept" 755 "$(stat -c %a lib/tasks.py)"
expect_eq "new file mode" "$(printf '%o' $((0644 & ~0$(umask))))" "$(stat -c %a gen/deep/gen.h)"
cmp lib/tasks.py "$P/tasks.py" && cmp notes.txt "$P/notes" && cmp gen/deep/gen.h "$P/gen.h" ||
  fail "applied contents differ"
[ ! -e README.md ] || fail "README.md was not deleted"
no_tmp "apply"
out=$("$LOOM" undo --list)
expect_match "list: the set" "^$id  [0-9-]+ [0-9:]+  applied  add the generated header$" "$out"
expect_match "list: its files" "    M lib/tasks.py
    M notes.txt
    A gen/deep/gen.h
    D README.md" "$out"
expect_match "list: earlier sets undone" "^1  .*  undone  test change$" "$out"
ok "a set applied: mode kept, file created in new directories, file deleted"

# undo in a new process: refused while a file differs, then exact
printf 'edited by me\n' >>notes.txt
expect_status "undo refuses a changed file" 1 "$LOOM" undo
expect_eq "refusal names it" "loom: error: 'notes.txt' changed since change set $id was applied ('loom undo --force' restores them anyway)" "$(cat "$T/err")"
cmp -s lib/tasks.py "$P/tasks.py" || fail "a refused undo restored something"
printf 'more notes\n' >notes.txt
expect_status "undo" 0 "$LOOM" undo
expect_eq "undo says what" "undid change set $id (4 files): add the generated header" "$(cat "$T/out")"
snapshot "$T/after"
cmp -s "$T/before" "$T/after" || fail "undo is not exact: $(diff "$T/before" "$T/after")"
[ ! -e gen ] || fail "the created directories stayed"
expect_eq "untracked file bytes" "$(printf 'scratch notes\nno final newline' | od -c)" "$(od -c <notes.txt)"
no_tmp "undo"
ok "undo restores exact bytes and modes: tracked, untracked, created, deleted"

# --force
"$A" notes.txt "$P/notes" >/dev/null
printf 'mine\n' >notes.txt
expect_status "undo refused" 1 "$LOOM" undo
expect_status "undo --force" 0 "$LOOM" undo --force
expect_eq "forced restore" "$(printf 'scratch notes\nno final newline')" "$(cat notes.txt)"
ok "--force restores a file that changed since"

# --- commit: only the applied files; undo moves HEAD back, other staging kept ---
printf 'staged by the user\n' >>lib/util.h
git add lib/util.h
printf 'unstaged by the user\n' >>tests/test_tasks.py
head0=$(git rev-parse HEAD)
snapshot "$T/before"
printf 'int run_util(const char *file);\nint run_more(void);\n' >"$P/util.h.unused"
printf 'print("committed")\n' >"$P/tasks2.py"
"$A" --commit --message "rewrite tasks" lib/tasks.py "$P/tasks2.py" --absent docs/new.md "$P/new" \
  >"$T/out" 2>"$T/err" || fail "commit: $(cat "$T/err")"
expect_match "commit reported" "^applied change set [0-9]+ as commit [0-9a-f]{40}$" "$(cat "$T/out")"
expect_eq "HEAD's parent" "$head0" "$(git rev-parse HEAD~1)"
expect_eq "commit message" "loom: rewrite tasks" "$(git log -1 --format=%B | sed '/^$/d')"
expect_eq "identity from git config" "loom test <test@loom.invalid>" "$(git log -1 --format='%an <%ae>')"
expect_eq "exactly the applied files" "docs/new.md
lib/tasks.py" "$(git show --name-only --format= HEAD)"
expect_eq "git status after the commit" "M  lib/util.h
 M tests/test_tasks.py
?? notes.txt" "$(git status --porcelain)"
expect_status "undo the commit" 0 "$LOOM" undo
expect_match "HEAD moved back" "^HEAD is back at ${head0:0:7}; commit [0-9a-f]{7} is undone$" "$(cat "$T/out")"
expect_eq "HEAD" "$head0" "$(git rev-parse HEAD)"
snapshot "$T/after"
cmp -s "$T/before" "$T/after" || fail "undo of the commit is not exact: $(diff "$T/before" "$T/after")"
expect_eq "the user's staged change" "M  lib/util.h" "$(git status --porcelain lib/util.h)"
ok "--commit commits exactly the applied files; undo moves HEAD back and keeps the user's staging"

# HEAD moved on: files restored, the commit stays
"$A" --commit --message "second" lib/tasks.py "$P/tasks2.py" >/dev/null
loomc=$(git rev-parse HEAD)
git commit -qm "the user's own commit"
userc=$(git rev-parse HEAD)
expect_status "undo after HEAD moved" 0 "$LOOM" undo
expect_match "commit stays" "^commit ${loomc:0:7} stays in history" "$(cat "$T/out")"
expect_eq "HEAD untouched" "$userc" "$(git rev-parse HEAD)"
expect_eq "file restored" "$(git show "$head0:lib/tasks.py")" "$(cat lib/tasks.py)"
git reset -q --hard "$head0"
printf 'staged by the user\n' >>lib/util.h
ok "undo after HEAD moved on restores the files and keeps the commit"

# no identity configured: loom's own
mkdir -p "$T/nohome"
HOME="$T/nohome" XDG_CONFIG_HOME="$T/nohome" "$A" --commit --message anon lib/tasks.py "$P/tasks2.py" >/dev/null
expect_eq "fallback identity" "loom <loom@localhost>" "$(git log -1 --format='%an <%ae>')"
"$LOOM" undo >/dev/null
expect_eq "HEAD back" "$head0" "$(git rev-parse HEAD)"
ok "commits without a git identity are signed loom <loom@localhost>"

# --- failures mid-set: a failed write rolls back; a crash is recovered ----------
git checkout -q -- lib/util.h
snapshot "$T/before"
expect_status "2nd write fails" 1 "$A" --fail-at 2 lib/tasks.py "$P/tasks2.py" README.md "$P/new"
expect_eq "rolled back" "loom-applytest: error: cannot write 'README.md': stopped by the test hook; nothing was changed" "$(cat "$T/err")"
snapshot "$T/after"
cmp -s "$T/before" "$T/after" || fail "a failed set left changes: $(diff "$T/before" "$T/after")"
no_tmp "failed write"
expect_match "list: rolled back" "^[0-9]+  .*  rolled-back  test change$" "$("$LOOM" undo --list)"

expect_status "a crash before the 2nd rename" 3 "$A" --crash-at 2:rename lib/tasks.py "$P/tasks2.py" \
  --absent added.txt "$P/new"
cmp -s lib/tasks.py "$P/tasks2.py" || fail "the crash happened before the first file"
[ -n "$(find . -name '.loom-*.tmp')" ] || fail "the crash left no temporary file to clean"
expect_match "list: interrupted" "^[0-9]+  .*  interrupted  test change$" "$("$LOOM" undo --list)"
expect_status "undo after the crash" 0 "$LOOM" undo
expect_match "recovery said so" "^rolled back change set [0-9]+: it was interrupted before it completed \(2 files\)$" "$(cat "$T/out")"
snapshot "$T/after"
cmp -s "$T/before" "$T/after" || fail "recovery is not exact: $(diff "$T/before" "$T/after")"
no_tmp "recovery"

# a crash recovered by the next apply instead
expect_status "crash again" 3 "$A" --crash-at 2 lib/tasks.py "$P/tasks2.py" README.md "$P/new"
expect_status "next apply" 0 "$A" notes.txt "$P/notes"
expect_match "next apply rolled back first" "rolled back change set [0-9]+: it was interrupted" "$(cat "$T/err")"
expect_eq "first file of the crashed set" "$(git show HEAD:lib/tasks.py)" "$(cat lib/tasks.py)"
"$LOOM" undo >/dev/null
snapshot "$T/after"
cmp -s "$T/before" "$T/after" || fail "after the recovered crash: $(diff "$T/before" "$T/after")"
ok "a failed 2nd write rolls the 1st back; a crash is rolled back by the next run"

# several sets undone one after the other, each by a new process
"$A" --message one README.md "$P/new" >/dev/null
"$A" --message two README.md "$P/big" >/dev/null
expect_status "undo two" 0 "$LOOM" undo
expect_match "undo two says" "^undid change set [0-9]+ \(1 file\): two$" "$(cat "$T/out")"
expect_eq "after undo two" "new" "$(cat README.md)"
expect_status "undo one with -C" 0 "$LOOM" undo -C "$R/src"
expect_match "undo one says" "^undid change set [0-9]+ \(1 file\): one$" "$(cat "$T/out")"
snapshot "$T/after"
cmp -s "$T/before" "$T/after" || fail "two undos: $(diff "$T/before" "$T/after")"
ok "undo walks back through the sets, across processes, with -C"

# a commit on an unborn branch: undo leaves the branch unborn again
U="$T/unborn"
mkdir -p "$U"
git -C "$U" init -q
"$A" -C "$U" --commit --absent first.txt "$P/new" >/dev/null
expect_eq "root commit" "loom: test change" "$(git -C "$U" log -1 --format=%s)"
expect_status "undo the root commit" 0 "$LOOM" undo -C "$U"
expect_match "unborn again" "^the branch has no commit again; commit [0-9a-f]{7} is undone$" "$(cat "$T/out")"
if git -C "$U" rev-parse -q --verify HEAD >/dev/null; then fail "HEAD still resolves"; fi
[ ! -e "$U/first.txt" ] || fail "first.txt was not removed"
expect_eq "nothing staged" "" "$(git -C "$U" status --porcelain)"
ok "undo of a root commit leaves the branch unborn"
