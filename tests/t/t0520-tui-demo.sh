#!/usr/bin/env bash
# loom demo in a real terminal: the labelled scripted model, the request typed
# in, two steps ticking off, per-hunk approval, make test passing after the
# change, and nothing left running afterwards.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-tui.sh"

export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
D="$T/demo"

tui_start 160 45 "$T" -- demo "$D"
wait_for "labelled as a scripted model" "scripted model \\(demo\\)"
wait_for "the intro says so" "The model is a script, not a real model"
wait_for "the request is typed in" "› add a --count option to the greeter"
wait_for "index" "index fresh"
keys Enter
wait_for "the plan" "\\[…\\] 1\\. Add a --count N option" 20
wait_for "step 1's proposal" "3 hunks: 0 approved, 0 rejected, 3 to decide" 20
keys a x
wait_for "one approved, one rejected" "1 approved, 1 rejected, 1 to decide"
keys p a   # back to the rejected hunk: approve it after all
wait_for "changed our mind" "2 approved, 0 rejected, 1 to decide"
keys A
wait_for "the rest approved" "3 approved, 0 rejected, 0 to decide"
keys Enter
wait_for "step 1 applied" "step 1: applied 1 file"
wait_for "step 2's proposal" "step 2: a proposal of 2 hunks in 2 files" 20
keys A Enter
wait_for "both steps ticked" "\\[x\\] 2\\. Test --count" 20
wait_for "done" "done: 2 of 2 steps applied"
expect_match "checked before the change" "check before the change: passed" "$(screen)"
expect_match "each proposal checked before it was shown" "step 2: check passed in" "$(screen)"
(cd "$D" && make -s test >/dev/null 2>&1) || fail "make test fails in the demo repository after the change"
expect_match "the files changed" "src/main.c" "$(cd "$D" && git status --short)"
ok "loom demo: the whole flow in a terminal, the scripted model labelled, the change passing its test"

type_text "/quit"
keys Enter
wait_for "exited" "\\[loom exited 0\\]"
expect_match "says where the repository is" "the sample repository is in" "$(screen)"
[ -z "$(pgrep -f "loom-fakesrv.*$TMPDIR" || :)" ] || fail "the scripted server is still running"
[ -z "$(ls -A "$TMPDIR")" ] || fail "left in \$TMPDIR: $(ls -A "$TMPDIR")"
tui_stop
ok "quitting the demo stops the scripted server and leaves no temporary files"
