#!/usr/bin/env bash
# loom run against loom-fakesrv: plan -> ledger -> diff -> applied content byte for
# byte; partial approval on a terminal; hostile model output refused and fed
# back; a file changed between proposal and apply re-proposed; undo and commit.
. "$(dirname "$0")/lib.sh"

R="$T/repo"
mkrepo "$R"
cd "$R"
"$LOOM" index

PLAN='{"steps": [{"goal": "Make run_util print the checksum in hex", "files": ["lib/util.c"]}]}'
EDIT_HEX='lib/util.c
<<<<<<< SEARCH
	printf("checksum %lu\n", sum);
=======
	printf("checksum %lx\n", sum);
>>>>>>> REPLACE'
EDIT_TWO='lib/util.c
<<<<<<< SEARCH
/* run_util prints the checksum of a file */
=======
/* run_util prints the checksum of a file, in hex */
>>>>>>> REPLACE
lib/util.c
<<<<<<< SEARCH
	printf("checksum %lu\n", sum);
=======
	printf("checksum %lx\n", sum);
>>>>>>> REPLACE'

# --- the whole flow, every hunk approved -----------------------------------
reply "$T/all" 001 'expect: messages[0].content ~ "You plan a change"
expect: messages[1].content ~ "Request: print the checksum in hex"
expect: response_format.type = "json_schema"
fault: stall 300' "$PLAN"
reply "$T/all" 002 'expect: messages[0].content ~ "Reply only with edit blocks"
expect: messages[1].content ~ "Step: Make run_util print the checksum in hex"
expect: messages[1].content ~ "--- lib/util.c (lines"' "$EDIT_HEX"
srv_start all
cp lib/util.c "$T/util.before"
"$LOOM" run --approve=all --json --endpoint "$URL" "print the checksum in hex" >"$T/events" 2>"$T/err" ||
  fail "run --approve=all: $(cat "$T/err")"
sed 's/checksum %lu/checksum %lx/' "$T/util.before" >"$T/util.want"
cmp -s lib/util.c "$T/util.want" || fail "applied content differs: $(diff "$T/util.want" lib/util.c)"
expect_eq "events" "plan ledger proposal applied summary" "$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["event"] for l in open(sys.argv[1])))' "$T/events")"
expect_eq "ledger tags the step's file" lib/util.c "$(python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1])][1]["files"][0]["path"])' "$T/events")"
expect_eq "summary" '{"event": "summary", "steps": 1, "proposed": 1, "applied": 1, "failed": 0}' \
  "$(tail -n1 "$T/events" | python3 -c 'import json,sys; s=json.load(sys.stdin); assert s["tokens"]["prompt"] > 0 and s["tokens"]["generated"] > 0, s; del s["timing"], s["memory_kb"], s["tokens"]; print(json.dumps(s))')"
# the model's time is what the server took (the plan stalled 300 ms); Loom's is the rest
tail -n1 "$T/events" >"$T/summary"
python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["timing"]
assert 300 <= t["plan_model_ms"] <= t["plan_ms"] < 3000, t
assert abs(t["model_ms"] - t["plan_model_ms"] - t["steps_model_ms"]) < 0.01, t
assert t["steps_model_ms"] <= t["steps_ms"], t
assert t["total_ms"] >= t["index_ms"] + t["start_ms"] + t["plan_ms"] + t["steps_ms"], t
m = json.load(open(sys.argv[1]))["memory_kb"]
assert all(1000 < m[k] < 1000000 for k in ("core", "architect", "explorer", "coder")), m
' "$T/summary" || fail "timing: $(tail -n1 "$T/events")"
srv_stop
ok "plan -> ledger -> proposal -> applied: the file holds exactly the edit"

expect_status "undo" 0 "$LOOM" undo
cmp -s lib/util.c "$T/util.before" || fail "undo did not restore lib/util.c"
ok "loom undo restores the file"

# --- --approve=none prints, writes nothing ----------------------------------
reply "$T/none" 001 '' "$PLAN"
reply "$T/none" 002 '' "$EDIT_HEX"
srv_start none
expect_status "approve none" 0 "$LOOM" run --approve=none --endpoint "$URL" "print the checksum in hex"
expect_match "diff printed" '^\+	printf\("checksum %lx' "$(cat "$T/out")"
cmp -s lib/util.c "$T/util.before" || fail "--approve=none wrote the file"
srv_stop
expect_status "ask without a terminal" 2 "$LOOM" run --endpoint "$URL" "anything" </dev/null
expect_match "ask needs a terminal" "needs a terminal to ask on" "$(cat "$T/err")"
ok "--approve=none only prints; --approve=ask refuses to wait without a terminal"

# --- partial approval on a terminal: the first hunk yes, the second no -----
reply "$T/ask" 001 '' "$PLAN"
reply "$T/ask" 002 '' "$EDIT_TWO"
srv_start ask
python3 - "$LOOM" "$URL" "$T/ask.out" <<'P' || fail "interactive run: $(cat "$T/ask.out")"
import os, pty, sys, time
loom, url, out = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(loom, [loom, "run", "--endpoint", url, "print the checksum in hex"])
buf, answers = b"", [b"y\n", b"n\n"]
deadline = time.time() + 30
while time.time() < deadline:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    buf += chunk
    if buf.count(b"apply this hunk? [y/n]") > 2 - len(answers):
        os.write(fd, answers.pop(0))
open(out, "wb").write(buf)
_, st = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(st))
P
sed '4s|.*|/* run_util prints the checksum of a file, in hex */|' "$T/util.before" >"$T/util.want"
cmp -s lib/util.c "$T/util.want" || fail "partial approval: $(diff "$T/util.want" lib/util.c)"
srv_stop
"$LOOM" undo >/dev/null
ok "per-hunk approval on a terminal applies exactly the approved hunk"

# --- hostile edit blocks: refused, the exact reason fed back ------------------
mkdir -p "$T/outside" && echo "precious" >"$T/outside/x"
ln -s lib/util.c link.c
git add link.c && git commit -qm "a symlink"
reply "$T/hostile" 001 '' "$PLAN"
reply "$T/hostile" 002 '' $'/etc/passwd\n<<<<<<< SEARCH\nroot\n=======\npwned\n>>>>>>> REPLACE'
reply "$T/hostile" 003 'expect: messages[-1].content ~ "is an absolute path"' \
  $'../outside/x\n<<<<<<< SEARCH\nprecious\n=======\npwned\n>>>>>>> REPLACE'
reply "$T/hostile" 004 'expect: messages[-1].content ~ "leaves the repository"' \
  $'.git/config\n<<<<<<< SEARCH\n[core]\n=======\n[pwned]\n>>>>>>> REPLACE'
srv_start hostile
"$LOOM" run --approve=all --endpoint "$URL" "print the checksum in hex" >"$T/out" 2>"$T/err" && fail "hostile paths were accepted"
expect_match "gives up with the last reason" "could not be read 3 times; last: .*'.git/config' is inside .git" "$(cat "$T/err")"
srv_stop
reply "$T/hostile2" 001 '' "$PLAN"
reply "$T/hostile2" 002 '' $'link.c\n<<<<<<< SEARCH\n\tfclose(f);\n=======\n\tpwned();\n>>>>>>> REPLACE'
reply "$T/hostile2" 003 'expect: messages[-1].content ~ "symbolic link"' \
  $'lib/util.c\n<<<<<<< SEARCH\n#include\n=======\n#import\n>>>>>>> REPLACE'
reply "$T/hostile2" 004 'expect: messages[-1].content ~ "matches 2 times"' \
  $'lib/util.c\n<<<<<<< SEARCH\n\tnot in the file at all;\n=======\n\tx;\n>>>>>>> REPLACE'
srv_start hostile2
st=0; "$LOOM" run --approve=all --endpoint "$URL" "print the checksum in hex" >"$T/out" 2>"$T/err" || st=$?
expect_eq "a step without a usable proposal" 3 "$st"
expect_match "last reason" "'lib/util.c': the SEARCH text does not match" "$(cat "$T/err")"
srv_stop
cmp -s lib/util.c "$T/util.before" || fail "hostile output changed lib/util.c"
expect_eq "outside untouched" precious "$(cat "$T/outside/x")"
expect_eq "nothing else changed" "" "$(git status --porcelain)"
ok "absolute, ../, .git/, symlinked, twice-matching and non-matching blocks: refused, fed back, nothing written"

reply "$T/huge" 001 '' "$PLAN"
for i in 2 3 4; do
  reply "$T/huge" 00$i '' "$(python3 -c 'print("blah " * 400000)')"
done
srv_start huge
st=0; "$LOOM" run --approve=all --max-tokens 200 --endpoint "$URL" "x" >"$T/out" 2>"$T/err" || st=$?
expect_eq "an enormous reply" 3 "$st"
expect_match "no blocks" "no edit blocks in the reply" "$(cat "$T/err")"
srv_stop
ok "an enormous reply is capped and refused"

# --- a file changed between proposal and apply is re-proposed, not overwritten
reply "$T/stale" 001 '' "$PLAN"
reply "$T/stale" 002 '' "$EDIT_HEX"
reply "$T/stale" 003 '' "$EDIT_HEX"
srv_start stale
python3 - "$LOOM" "$URL" "$T/stale.out" "$R/lib/util.c" <<'P' || fail "stale run: $(cat "$T/stale.out")"
import os, pty, sys, time
loom, url, out, path = sys.argv[1:5]
pid, fd = pty.fork()
if pid == 0:
    os.execv(loom, [loom, "run", "--endpoint", url, "print the checksum in hex"])
buf, asked = b"", 0
deadline = time.time() + 30
while time.time() < deadline:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    buf += chunk
    n = buf.count(b"apply this hunk? [y/n]")
    if n > asked:
        if asked == 0:  # the user edits the file while Loom waits
            with open(path, "a") as f:
                f.write("/* the user's own line */\n")
        os.write(fd, b"y\n")
        asked = n
open(out, "wb").write(buf)
_, st = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(st))
P
expect_match "re-proposed" "changed on disk since the proposal: proposing again" "$(cat "$T/stale.out")"
grep -q "the user's own line" lib/util.c || fail "the user's edit was overwritten"
grep -q 'checksum %lx' lib/util.c || fail "the re-proposed edit was not applied"
expect_eq "coder asked twice" 2 "$(python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if "edit blocks" in json.dumps(json.loads(l)["body"])))' "$T/stale.log")"
srv_stop
"$LOOM" undo >/dev/null
git checkout -q lib/util.c
ok "a file changed between proposal and apply is re-proposed against the new content"

# --- --commit, and undo of the commit ----------------------------------------
reply "$T/commit" 001 '' "$PLAN"
reply "$T/commit" 002 '' "$EDIT_HEX"
srv_start commit
echo "staged by the user" >>README.md && git add README.md
head_before=$(git rev-parse HEAD)
"$LOOM" run --approve=all --commit --endpoint "$URL" "print the checksum in hex" >"$T/out" 2>"$T/err" || fail "commit run: $(cat "$T/err")"
expect_eq "one new commit" "$head_before" "$(git rev-parse HEAD~1)"
expect_eq "the commit holds only the step's file" lib/util.c "$(git show --name-only --format= HEAD)"
expect_match "commit message" "^loom: Make run_util print the checksum in hex" "$(git log -1 --format=%s)"
expect_match "the user's staging kept" "^M  README.md" "$(git status --porcelain)"
srv_stop
expect_status "undo the commit" 0 "$LOOM" undo
expect_eq "HEAD moved back" "$head_before" "$(git rev-parse HEAD)"
cmp -s lib/util.c "$T/util.before" || fail "undo after commit did not restore lib/util.c"
expect_match "the user's staging still kept" "^M  README.md" "$(git status --porcelain)"
ok "--commit commits only the step's files; undo moves HEAD back and restores them"

# --- the edit format: chosen by setting, whole files applied byte for byte ------
git reset -q README.md && git checkout -q README.md
sed 's/checksum %lu/checksum %lx/' "$T/util.before" >"$T/util.want"
{ printf 'lib/util.c\n```\n'; cat "$T/util.want"; printf '```\n'; } >"$T/whole.reply"
reply "$T/whole" 001 '' "$PLAN"
reply "$T/whole" 002 'expect: messages[0].content ~ "Reply with the complete new content of every file"' "$(cat "$T/whole.reply")"
srv_start whole
LOOM_EDIT_FORMAT=search-replace "$LOOM" run --approve=all --edit-format=whole --endpoint "$URL" \
  "print the checksum in hex" >"$T/out" 2>"$T/err" || fail "whole-file run: $(cat "$T/err") $(cat "$T/whole.err")"
cmp -s lib/util.c "$T/util.want" || fail "whole file not applied as given: $(diff "$T/util.want" lib/util.c)"
srv_stop
"$LOOM" undo >/dev/null
expect_status "a bad --edit-format" 2 "$LOOM" run --approve=none --edit-format=diff "x"
expect_match "its message" "^loom: error: --edit-format: edit_format: 'diff' is not one of auto, search-replace, whole" "$(head -n1 "$T/err")"
ok "--edit-format=whole (over LOOM_EDIT_FORMAT) asks for whole files and applies one byte for byte; a bad value is a usage error"
