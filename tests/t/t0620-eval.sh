#!/usr/bin/env bash
# loom eval with loom-fakesrv: a suite run headless, each task in a fresh copy
# of its fixture, judged by its own check; the report as a table and as JSON;
# --compare keeps the better configuration as the repository's default, and
# only when it scores at least as well.
. "$(dirname "$0")/lib.sh"

SUITE="$LOOM_TESTS/data/eval"
R="$T/repo"
mkrepo "$R"
cd "$R"

HEX_PLAN='{"steps": [{"goal": "Print the checksum in hex", "files": ["util.c"]}]}'
HEX_GOOD='util.c
<<<<<<< SEARCH
	printf("checksum %lu\n", sum);
=======
	printf("checksum %lx\n", sum);
>>>>>>> REPLACE'
HEX_BAD='util.c
<<<<<<< SEARCH
/* print_sum prints a checksum */
=======
/* print_sum prints a checksum (in hex) */
>>>>>>> REPLACE'
ADD_PLAN='{"steps": [{"goal": "Make add return the sum", "files": ["calc.py"]}]}'
ADD_GOOD='calc.py
<<<<<<< SEARCH
    return a - b
=======
    return a + b
>>>>>>> REPLACE'
ADD_BAD='calc.py
<<<<<<< SEARCH
    return a - b
=======
    return b - a
>>>>>>> REPLACE'
ONE_STEP='{"steps": [{"goal": "x", "files": []}]}'

# the good model: a plan and a passing edit per task (tasks run in id order: add, hex)
good() {
  reply "$T/$1" 001 '' "$ADD_PLAN"
  reply "$T/$1" 002 '' "$ADD_GOOD"
  reply "$T/$1" 003 '' "$HEX_PLAN"
  reply "$T/$1" 004 '' "$HEX_GOOD"
}
# the bad one: edits that never pass, three times, and a split that cannot split
bad() {
  local n=0 task plan edit
  for task in add hex; do
    if [ $task = add ]; then plan=$ADD_PLAN edit=$ADD_BAD; else plan=$HEX_PLAN edit=$HEX_BAD; fi
    reply "$T/$1" "$(printf %03d $((n += 1)))" '' "$plan"
    reply "$T/$1" "$(printf %03d $((n += 1)))" '' "$edit"
    reply "$T/$1" "$(printf %03d $((n += 1)))" '' "$edit"
    reply "$T/$1" "$(printf %03d $((n += 1)))" '' "$edit"
    reply "$T/$1" "$(printf %03d $((n += 1)))" '' "$ONE_STEP"
  done
}

suite_sum() { (cd "$SUITE" && find . -print0 | sort -z | xargs -0 ls -ld --time-style=+%s; find . -type f -print0 | sort -z | xargs -0 md5sum) | md5sum; }
SUM0=$(suite_sum)

# --- one suite, the report -----------------------------------------------------
good g1
srv_start g1
LOOM_ENDPOINT=$URL "$LOOM" eval --json "$SUITE" >"$T/report" 2>"$T/err" || fail "eval: $(cat "$T/err")"
python3 - "$T/report" <<'PY' || fail "eval report: $(cat "$T/report")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["total"] == 2 and r["passed"] == 2 and r["pass_rate"] == 1, r
ts = {t["id"]: t for t in r["tasks"]}
assert sorted(ts) == ["add", "hex"], ts
for t in ts.values():
    assert t["passed"] and t["attempts"] == 2, t       # the baseline's check and the step's
    assert t["tokens_prompt"] > 0 and t["tokens_generated"] > 0, t
    assert t["harness_ms"] > 0 and t["model_ms"] >= 0, t
assert r["tokens"] == sum(t["tokens_prompt"] + t["tokens_generated"] for t in ts.values()), r
PY
srv_stop
ok "loom eval runs each task in a copy of its fixture and its check decides"
[ "$(suite_sum)" = "$SUM0" ] || fail "the suite's files changed"

# --- the table ------------------------------------------------------------------
good g2
srv_start g2
LOOM_ENDPOINT=$URL "$LOOM" eval "$SUITE" >"$T/table" 2>"$T/err" || fail "eval table: $(cat "$T/err")"
expect_match "a row per task" "^add +pass " "$(cat "$T/table")"
expect_match "the totals" "passed 2 of 2 \\(100%\\)" "$(cat "$T/table")"
srv_stop

# --- --only: just the tasks named (whole ids: "he" names none) -----------------
reply "$T/o1" 001 '' "$HEX_PLAN"
reply "$T/o1" 002 '' "$HEX_GOOD"
srv_start o1
LOOM_ENDPOINT=$URL "$LOOM" eval --json --only hex "$SUITE" >"$T/only" 2>"$T/err" || fail "eval --only: $(cat "$T/err")"
expect_eq "one task" "1 hex" "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["total"], r["tasks"][0]["id"])' "$T/only")"
srv_stop
expect_status "--only with no such id" 1 "$LOOM" eval --only he "$SUITE"
expect_match "says so" "no tasks in .* with those ids" "$(cat "$T/err")"
ok "--only runs the tasks named, by whole ids"

# --- a failing model: exit 1, the failures said ----------------------------------
bad b1
srv_start b1
expect_status "failing suite" 1 env LOOM_ENDPOINT="$URL" "$LOOM" eval "$SUITE"
expect_match "failures in the table" "^hex +FAIL " "$(cat "$T/out")"
expect_match "totals" "passed 0 of 2" "$(cat "$T/out")"
srv_stop
ok "a model that never passes: each task FAIL with why, exit 1"

# --- --compare: the challenger wins and becomes the default ---------------------
bad ca
srv_start ca
URL_A=$URL
good cb
srv_start cb
URL_B=$URL
printf 'endpoint = %s\nmax_tokens = 500\n' "$URL_A" >"$T/a.conf"
printf 'endpoint = %s\nmax_tokens = 777\n' "$URL_B" >"$T/b.conf"
"$LOOM" eval --compare "$T/a.conf" "$T/b.conf" "$SUITE" >"$T/cmp" 2>"$T/err" || fail "compare: $(cat "$T/err")"
expect_match "champion B" "champion: $T/b.conf \\(2 of 2 passed\\)" "$(cat "$T/cmp")"
expect_match "B's settings written" "^max_tokens = 777$" "$(cat .loom/config)"
expect_match "B's endpoint written" "^endpoint = $URL_B$" "$(cat .loom/config)"
ok "--compare: the challenger passes more, so its settings become the repository's default"

# --- --compare: the challenger loses; nothing is written ------------------------
good ga
srv_start ga
URL_A=$URL
bad gb
srv_start gb
URL_B=$URL
printf 'endpoint = %s\nmax_tokens = 500\n' "$URL_A" >"$T/a.conf"
printf 'endpoint = %s\nmax_tokens = 999\n' "$URL_B" >"$T/b.conf"
cp .loom/config "$T/config.before"
"$LOOM" eval --compare "$T/a.conf" "$T/b.conf" "$SUITE" >"$T/cmp" 2>"$T/err" || fail "compare 2: $(cat "$T/err")"
expect_match "champion A" "champion: $T/a.conf \\(2 of 2 passed\\)" "$(cat "$T/cmp")"
cmp -s .loom/config "$T/config.before" || fail "a losing challenger changed .loom/config"
ok "--compare: a challenger that scores worse changes nothing"

expect_status "a bad configuration" 1 "$LOOM" eval --compare "$T/nosuch.conf" "$T/b.conf" "$SUITE"
expect_match "one line" "cannot read the configuration" "$(cat "$T/err")"
expect_status "usage" 2 "$LOOM" eval
ok "bad input: one line each"
