#!/usr/bin/env bash
# The verifying loop with loom-fakesrv: each proposal is checked in a scratch
# copy before it is shown; a model that fails then succeeds is retried with
# the check's error; one that thrashes gets its step split; one that never
# succeeds leaves a labelled TODO and exit status 3; a check that hangs is
# killed at its time limit; a check that prints megabytes is capped; the
# user's files are never touched by a check.
. "$(dirname "$0")/lib.sh"

R="$T/repo"
mkrepo "$R"
cd "$R"
"$LOOM" index

# the check: a compile-error look-alike when the code says sumx, a failing test
# until the checksum is printed in hex
cat >"$T/check.sh" <<'SH'
#!/bin/sh
if grep -q sumx lib/util.c; then
  echo "lib/util.c:14:9: error: 'sumx' undeclared (first use in this function)"
  exit 1
fi
grep -q 'checksum %lx' lib/util.c || { echo "FAIL: test_checksum: expected hex output"; exit 1; }
echo "all tests passed"
SH
chmod +x "$T/check.sh"
CHECK="sh $T/check.sh"

PLAN='{"steps": [{"goal": "Make run_util print the checksum in hex", "files": ["lib/util.c"]}]}'
BAD='lib/util.c
<<<<<<< SEARCH
	printf("checksum %lu\n", sum);
=======
	printf("checksum %lx\n", sumx);
>>>>>>> REPLACE'
GOOD='lib/util.c
<<<<<<< SEARCH
	printf("checksum %lu\n", sum);
=======
	printf("checksum %lx\n", sum);
>>>>>>> REPLACE'
cp lib/util.c "$T/util.before"
sed 's/checksum %lu/checksum %lx/' "$T/util.before" >"$T/util.want"

events() { python3 -c 'import json,sys; print(" ".join(json.loads(l)["event"] for l in open(sys.argv[1])))' "$1"; }

# --- fails, then succeeds: retried with the check's error --------------------
reply "$T/retry" 001 '' "$PLAN"
reply "$T/retry" 002 '' "$BAD"
reply "$T/retry" 003 "expect: messages[3].content ~ \"'sumx' undeclared\"
expect: messages[3].content ~ \"check\"" "$GOOD"
reply "$T/retry" 004 'expect: messages[0].content ~ "learn from its mistakes"
expect: messages[1].content ~ "sumx'"'"' undeclared"
expect: messages[1].content ~ "The change that passed"' 'Use the variable sum in run_util: there is no sumx.' 
srv_start retry
LOOM_ROUTES="undefined-name=fixer-7b+lora:2@0.5 rust-borrow=+lora:1@1" \
  "$LOOM" run --approve=all --json --check "$CHECK" --endpoint "$URL" "print the checksum in hex" \
  >"$T/events" 2>"$T/err" || fail "retry: $(cat "$T/err")"
expect_match "events" "plan .*ledger .*proposal applied summary" "$(events "$T/events")"
python3 - "$T/retry.log" <<'PY' || fail "routing: $(cat "$T/retry.log" | head -c 3000)"
import json, sys
chats = [json.loads(l)["body"] for l in open(sys.argv[1]) if json.loads(l)["path"] == "/v1/chat/completions"]
first, retry = chats[1], chats[2]
assert first["model"] != "fixer-7b" and "lora" not in first, first.get("model")
assert retry["model"] == "fixer-7b", retry["model"]
assert retry["lora"] == [{"id": 2, "scale": 0.5}], retry["lora"]
PY
python3 - "$T/events" <<'PY' || fail "retry: check events: $(grep '"check"' "$T/events")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
checks = [e for e in ev if e["event"] == "check"]
base = [c for c in checks if c.get("baseline")]
step = [c for c in checks if not c.get("baseline")]
assert len(base) == 1 and not base[0]["passed"] and "expected hex" in base[0]["output"], base
assert [c["passed"] for c in step] == [False, True], step
assert step[0]["class"] == "undefined-name", step[0]
prop = [e for e in ev if e["event"] == "proposal"][0]
summary = ev[-1]
assert summary["applied"] == 1 and summary["failed"] == 0 and summary["todo"] == [], summary
PY
cmp -s lib/util.c "$T/util.want" || fail "retry: the file is not the passing proposal: $(diff "$T/util.want" lib/util.c)"
expect_eq "four model calls: plan, two edits, the lesson" 4 "$(requests retry /v1/chat/completions)"
expect_match "the lesson is kept, with where it came from" "^- Use the variable sum in run_util: there is no sumx\.$" "$(cat .loom/lessons)"
expect_match "its origin" "^  from: step 'Make run_util print the checksum in hex' on [0-9-]+: the check .* failed \(undefined-name\), then passed$" "$(cat .loom/lessons)"
expect_status "loom lessons" 0 "$LOOM" lessons
expect_match "loom lessons lists it" "^1\. Use the variable sum in run_util" "$(cat "$T/out")"
srv_stop
"$LOOM" undo >/dev/null
ok "a proposal that fails its check goes back to the Coder with the error; the passing one is shown and applied"
ok "the retry of an undefined-name error is routed to its model and LoRA adapter, per request"

# the verified failure -> fix pair, exported as a fine-tuning set
expect_status "export-training" 0 "$LOOM" export-training
python3 - "$T/out" <<'PY' || fail "export-training: $(cat "$T/out")"
import json, sys
ex = [json.loads(l) for l in open(sys.argv[1])]
assert len(ex) == 1, ex
m = ex[0]["messages"]
assert [x["role"] for x in m] == ["system", "user", "assistant", "user", "assistant"], m
assert "Reply only with edit blocks" in m[0]["content"], m[0]
assert m[1]["content"].startswith("Step: Make run_util print the checksum in hex"), m[1]
assert "sumx" in m[2]["content"] and "'sumx' undeclared" in m[3]["content"], m
assert "checksum %lx" in m[4]["content"] and "sumx" not in m[4]["content"], m[4]
PY
expect_status "export-training --direct --out" 0 "$LOOM" export-training --direct --out "$T/direct.jsonl"
expect_eq "direct: step and fix only" "system user assistant" \
  "$(python3 -c 'import json,sys; print(" ".join(m["role"] for m in json.loads(open(sys.argv[1]).readline())["messages"]))' "$T/direct.jsonl")"
ok "loom export-training writes the verified failure and its fix as chat-format JSONL"

# --- thrashes: the step is split into smaller ones ---------------------------
SPLIT='{"steps": [{"goal": "Print the checksum in hex in run_util", "files": ["lib/util.c"]}, {"goal": "Say in the comment that the checksum is hex", "files": ["lib/util.c"]}]}'
COMMENT='lib/util.c
<<<<<<< SEARCH
/* run_util prints the checksum of a file */
=======
/* run_util prints the checksum of a file, in hex */
>>>>>>> REPLACE'
reply "$T/split" 001 'expect: messages[1].content ~ "Lessons learned in this repository"' "$PLAN"
reply "$T/split" 002 'expect: messages[1].content ~ "- Use the variable sum in run_util"' "$BAD"
reply "$T/split" 003 '' "$BAD"
reply "$T/split" 004 '' "$BAD"
reply "$T/split" 005 'expect: messages[1].content ~ "Split it into"
expect: messages[1].content ~ "sumx'"'"' undeclared"' "$SPLIT"
reply "$T/split" 006 'expect: messages[1].content ~ "Step: Print the checksum in hex"' "$GOOD"
reply "$T/split" 007 'expect: messages[1].content ~ "Step: Say in the comment"' "$COMMENT"
srv_start split
"$LOOM" run --approve=all --json --check "$CHECK" --endpoint "$URL" "print the checksum in hex" \
  >"$T/events" 2>"$T/err" || fail "split: $(cat "$T/err")"
python3 - "$T/events" <<'PY' || fail "split: $(cat "$T/events")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
plans = [e for e in ev if e["event"] == "plan"]
assert len(plans) == 2, plans
assert [s["goal"] for s in plans[1]["steps"]] == ["Print the checksum in hex in run_util", "Say in the comment that the checksum is hex"], plans[1]
s = ev[-1]
assert s["steps"] == 2 and s["applied"] == 2 and s["todo"] == [], s
PY
grep -q 'checksum %lx' lib/util.c && grep -q 'a file, in hex' lib/util.c || fail "split: the parts were not applied"
srv_stop
"$LOOM" undo >/dev/null && "$LOOM" undo >/dev/null
cmp -s lib/util.c "$T/util.before" || fail "split: undo twice did not restore the file"
ok "a step that keeps failing is split by the Architect, and its parts pass and apply"

# --- never succeeds: a labelled TODO, exit 3, nothing written ------------------
reply "$T/never" 001 '' "$PLAN"
reply "$T/never" 002 '' "$BAD"
reply "$T/never" 003 '' "$BAD"
reply "$T/never" 004 '' "$BAD"
reply "$T/never" 005 '' '{"steps": [{"goal": "Make run_util print the checksum in hex", "files": ["lib/util.c"]}]}'
srv_start never
expect_status "never: exit 3" 3 env LOOM_ROUTES="borow=x" "$LOOM" run --approve=all --check "$CHECK" --endpoint "$URL" "print the checksum in hex"
expect_match "a bad route: one line, the run goes on" "routes: 'borow=x': no error class 'borow'" "$(cat "$T/out" "$T/err")"
expect_match "a labelled TODO in the transcript" "TODO: 'Make run_util print the checksum in hex' still fails the check" "$(cat "$T/out" "$T/err")"
expect_match "and in the summary" "^TODO: Make run_util print the checksum in hex" "$(cat "$T/out")"
cmp -s lib/util.c "$T/util.before" || fail "never: the file changed"
srv_stop
ok "a step that never passes becomes a TODO in the transcript and the summary; exit 3; the file is untouched"

# --- a check that hangs is killed at the time limit --------------------------
reply "$T/hang" 001 '' "$PLAN"
reply "$T/hang" 002 '' "$GOOD"
reply "$T/hang" 003 '' "$GOOD"
reply "$T/hang" 004 '' "$GOOD"
reply "$T/hang" 005 '' '{"steps": [{"goal": "x", "files": []}]}'
srv_start hang
t0=$(date +%s)
expect_status "hang: exit 3" 3 "$LOOM" run --approve=all --check "sleep 120 # loom-hang-check" --check-timeout 1 \
  --endpoint "$URL" "print the checksum in hex"
t1=$(date +%s)
[ $((t1 - t0)) -lt 20 ] || fail "hang: took $((t1 - t0)) s"
expect_match "killed" "killed at the time limit" "$(cat "$T/out" "$T/err")"
sleep 0.2
[ -z "$(pgrep -f loom-hang-check || :)" ] || fail "hang: the check's process is still running"
srv_stop
ok "a check that hangs is killed at its time limit, with every process it started"

# --- a check that prints megabytes is capped --------------------------------
# it passes before the change, and after it fails loudly
cat >"$T/loud.sh" <<'SH'
#!/bin/sh
grep -q 'checksum %lx' lib/util.c || { echo fine; exit 0; }
head -c 6000000 /dev/zero | tr '\0' 'x'
echo
echo "lib/util.c:3:1: error: expected ';' before 'int'"
exit 1
SH
reply "$T/loud" 001 '' "$PLAN"
reply "$T/loud" 002 '' "$GOOD"
reply "$T/loud" 003 '' "$GOOD"
reply "$T/loud" 004 '' "$GOOD"
reply "$T/loud" 005 '' '{"steps": [{"goal": "x", "files": []}]}'
srv_start loud
expect_status "loud: exit 3" 3 "$LOOM" run --approve=all --json --check "sh $T/loud.sh" --endpoint "$URL" "print the checksum in hex"
python3 - "$T/loud.log" "$T/out" <<'PY' || fail "loud: the check's output was not capped"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
chats = [r for r in reqs if r["path"] == "/v1/chat/completions"]
fb = chats[2]["body"]["messages"][3]["content"]
assert "expected ';'" in fb, fb[-500:]
assert len(fb) < 4000, len(fb)
for l in open(sys.argv[2]):
    assert len(l) < 300000, len(l)
PY
srv_stop
ok "a check printing megabytes: its output is capped, and the Coder gets the error, not the noise"

# --- the settings loom eval --compare compares: retry budget, context budget,
# rule weights, prompts -------------------------------------------------------
mkdir -p "$T/prompts"
printf 'CUSTOM CODER PROMPT: reply with edit blocks.\n' >"$T/prompts/coder.txt"
printf 'tag = 77\n' >"$T/weights"
reply "$T/set" 001 '' "$PLAN"
reply "$T/set" 002 'expect: messages[0].content ~ "CUSTOM CODER PROMPT"' "$BAD"
reply "$T/set" 003 '' '{"steps": [{"goal": "x", "files": []}]}'
srv_start set
expect_status "settings: exit 3" 3 env LOOM_CHECK_RETRIES=0 LOOM_CONTEXT_BUDGET=300 LOOM_RULES="$T/weights" \
  LOOM_PROMPTS="$T/prompts" "$LOOM" run --json --approve=all --check "$CHECK" --endpoint "$URL" "print the checksum in hex"
expect_eq "check_retries = 0: no retry, straight to the split" 3 "$(requests set /v1/chat/completions)"
python3 - "$T/out" <<'PY' || fail "settings: $(grep ledger "$T/out")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
led = [e for e in ev if e["event"] == "ledger"][0]
f = [x for x in led["files"] if x["path"] == "lib/util.c"][0]
assert f["score"] >= 77, f
PY
srv_stop
reply "$T/set2" 001 '' "$PLAN"
srv_start set2
expect_status "a rules file that is not there" 1 env LOOM_RULES="$T/nosuch" \
  "$LOOM" run --approve=all --endpoint "$URL" "print the checksum in hex"
expect_match "one line naming it" "rules: cannot read $T/nosuch" "$(cat "$T/err")"
srv_stop
ok "check_retries, context_budget, rules and prompts settings change what the run does (for loom eval --compare)"
