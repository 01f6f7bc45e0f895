#!/usr/bin/env bash
# The terminal interface in a real terminal (tmux): a request with the fake
# model server, the plan, the ledger with its evidence, the diff reviewed
# hunk by hunk, the file holding exactly the approved hunk, /undo, resizing,
# themes, and the terminal given back on quit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-tui.sh"

R="$T/repo"
mkrepo "$R"
cd "$R"
"$LOOM" index

PLAN='{"steps": [{"goal": "Make run_util print the checksum in hex", "files": ["lib/util.c"]}]}'
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
reply "$T/s" 001 '' "$PLAN"
reply "$T/s" 002 '' "$EDIT_TWO"
srv_start s
echo 'int touched;' >>src/cli.c   # git-modified: evidence in the ledger

tui_start 200 60 "$R" LOOM_ENDPOINT="$URL"
wait_for "first frame" "Conversation"
wait_for "index" "index fresh"
wait_for "model" "fake-model"
type_text "print the checksum in hex"
keys Enter
wait_for "plan" "\[x\] 1\. Make run_util print|\[…\] 1\. Make run_util" 10
wait_for "proposal" "Diff · 1 file · 2 hunks" 10
expect_no_match "the plan's JSON is folded away" '"steps"' "$(screen)"
expect_match "edit blocks folded into a line" "the Coder's edits, as a diff" "$(screen)"
expect_match "the plan as a checklist" "Plan" "$(screen)"

# the ledger: tag and git_modified evidence
keys BTab   # from the diff pane to the ledger
wait_for "ledger focused" "Ledger · query"
expect_match "ledger lists the step's file first" "80\.0 +lib/util\.c" "$(screen)"
keys Enter
wait_for "rules of lib/util.c" "tag +.*lib/util\.c"
keys Down Down
keys Enter
wait_for "git_modified evidence of src/cli.c" "git_modified"
expect_match "packed line ranges" "lines [0-9]+-[0-9]+ \([0-9]+ tok\)" "$(screen)"
ok "the ledger shows the ranked files, each rule with its points and evidence, the packed ranges"

# the diff: approve the first hunk, reject the second, apply
cp lib/util.c "$T/util.before"
keys Tab    # to the diff pane
wait_for "diff focused" "2 to decide"
keys a
wait_for "first approved" "1 approved, 0 rejected, 1 to decide"
keys x
wait_for "second rejected" "1 approved, 1 rejected, 0 to decide"
keys Enter
wait_for "applied" "applied 1 file"
wait_for "plan ticked" "\[x\] 1\. Make run_util"
wait_for "done" "done: 1 of 1 step applied"
sed 's|/\* run_util prints the checksum of a file \*/|/* run_util prints the checksum of a file, in hex */|' "$T/util.before" >"$T/util.want"
cmp -s lib/util.c "$T/util.want" || fail "the file does not hold exactly the approved hunk: $(diff "$T/util.want" lib/util.c)"
ok "approve one hunk, reject the other: the file holds exactly the approved one"

type_text "/undo"
keys Enter
wait_for "undone" "undid change set 1"
cmp -s lib/util.c "$T/util.before" || fail "/undo did not restore lib/util.c: $(diff "$T/util.before" lib/util.c)"
ok "/undo restores the file"

# the check command: suggested from the repository, set once by the user
type_text "/check"
keys Enter
wait_for "a suggestion, not run" "no check command; 'python3 -m unittest[^']*' would do"
type_text "/check yes"
keys Enter
wait_for "saved" "check: 'python3 -m unittest[^']*', saved in"
expect_match "in .loom/config" "^check = python3 -m unittest" "$(cat .loom/config)"
type_text "/check off"
keys Enter
wait_for "off" "check: off, saved in"
expect_match "off in .loom/config" "^check = $" "$(cat .loom/config)"
type_text "/lessons"
keys Enter
wait_for "no lessons yet" "no lessons yet"
ok "/check suggests the repository's check and saves it only when told; /lessons"

# idle: the core and the three workers sleep; no wake-ups in 3 s
if [ -z "${IPC_NO_INOTIFY:-}" ]; then
  sleep 1.2   # the session file is saved within a second of the last change
  core=$(tui_pid)
  pids="$core $(pgrep -P "$core" | tr '\n' ' ')"
  expect_eq "three workers" 4 "$(echo $pids | wc -w)"
  before=""; for p in $pids; do before="$before $(switches "$p")"; done
  sleep 3
  set -- $before
  for p in $pids; do
    d=$(( $(switches "$p") - $1 )); shift
    [ "$d" -le 2 ] || fail "idle: process $p ($(tr '\0' ' ' </proc/"$p"/cmdline | cut -c1-60)) switched $d times in 3 s"
  done
  ok "idle: the core and the workers make no wake-ups"
fi

# resizing: the narrow layout at 80x24 shows one pane with tabs; 200x60 the three
tm resize-window -t loom -x 80 -y 24
wait_for "narrow layout: tabs" "^ +Conversation +Ledger +Diff"
expect_match "status bar at 80 columns" "index fresh" "$(screen | tail -n1)"
keys Tab
wait_for "ledger tab" "Ledger · query"
keys BTab
tm resize-window -t loom -x 200 -y 60
wait_for "wide layout" "Conversation +│ Ledger"
ok "resizing to 80x24 and 200x60 redraws the layout"

# themes: the colours change, the text stays
before=$(tm capture-pane -p -e -t loom | tail -n1)
type_text "/theme light"
keys Enter
wait_for "theme note" "theme: Light"
after=$(tm capture-pane -p -e -t loom | tail -n1)
[ "$before" != "$after" ] || fail "the status bar's colours did not change with the theme"
type_text "/theme nosuch"
keys Enter
wait_for "bad theme: one line" "unknown theme 'nosuch'"
ok "/theme switches colours; an unknown theme is one line and the theme stays"

# quit: Ctrl-C twice; the terminal is given back
keys C-c
wait_for "first Ctrl-C asks" "press Ctrl-C again to quit"
keys C-c
wait_for "exited" "\[loom exited 0\]"
expect_eq "alternate screen left" 0 "$(tm display -p -t loom '#{alternate_on}')"
expect_eq "mouse reports off" 0 "$(tm display -p -t loom '#{mouse_any_flag}')"
expect_eq "keypad mode off" 0 "$(tm display -p -t loom '#{keypad_flag}')"
expect_eq "cursor shown" 1 "$(tm display -p -t loom '#{cursor_flag}')"
ok "Ctrl-C twice quits and the terminal is restored"
tui_stop
