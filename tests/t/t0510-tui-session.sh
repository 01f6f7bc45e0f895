#!/usr/bin/env bash
# The terminal interface, continued: NO_COLOR, a hunk edited in $EDITOR, the
# check command's output in the diff pane, @path completion and tags, the
# session saved and reopened with --resume, SIGTERM, no model server, broken
# themes and key bindings, and no terminal at all.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-tui.sh"

R="$T/repo"
mkrepo "$R"
cd "$R"
"$LOOM" index

# --- no terminal: one line, nothing else ------------------------------------
expect_status "no terminal" 1 "$LOOM" "$R" </dev/null
expect_match "says why" "needs a terminal" "$(cat "$T/err")"
expect_eq "one line" 1 "$(wc -l <"$T/err")"
ok "without a terminal: one line and status 1"

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

# an editor that turns the proposal's "%lx" into "%lX" in the hunk it is given
cat >"$T/editor" <<'SH'
#!/bin/sh
sed -i 's/^+\(.*\)%lx/+\1%lX/' "$1"
SH
chmod +x "$T/editor"
mkdir -p .loom
printf 'check = grep -c lX lib/util.c && echo CHECK-RAN\n' >.loom/config

# --- NO_COLOR, @path completion, edit a hunk, the check ----------------------
tui_start 200 50 "$R" LOOM_ENDPOINT="$URL" NO_COLOR=1 EDITOR="$T/editor"
wait_for "first frame" "Conversation"
wait_for "index" "index fresh"
type_text "print the checksum in hex @lib/ut"
keys Tab
wait_for "@path completed" "@lib/util\\.[ch]|lib/util\\.c +lib/util\\.h"
keys Tab
wait_for "second Tab picks one" "› print the checksum in hex @lib/util\\.c"
keys Enter
wait_for "proposal" "2 to decide" 10
# no colour at all: only attributes (bold, reverse, ...) in the escape codes
colours=$(tm capture-pane -p -e -t loom | grep -Eo $'\e\\[[0-9;]*m' | tr -d '\e[m' | tr ';' '\n' | grep -E '^(3[0-9]|4[0-9]|9[0-7]|10[0-7])$' | sort -u | tr '\n' ' ' || :)
expect_eq "no colour codes under NO_COLOR" "" "$colours"
tm capture-pane -p -e -t loom | grep -q $'\e\\[[0-9;]*7m' || fail "no reverse video under NO_COLOR (the status bar should be reversed)"
ok "NO_COLOR: attributes only, no colours"
cp lib/util.c "$T/util.before"
keys n      # the second hunk
keys e      # edit it in $EDITOR
wait_for "edited hunk approved" "the edited hunk is approved"
keys x      # the first (undecided) hunk: reject
wait_for "decided" "1 approved, 1 rejected, 0 to decide"
keys Enter
wait_for "applied" "applied 1 file"
sed 's/checksum %lu/checksum %lX/' "$T/util.before" >"$T/util.want"
cmp -s lib/util.c "$T/util.want" || fail "the edited hunk was not applied as edited: $(diff "$T/util.want" lib/util.c)"
ok "e edits a hunk in \$EDITOR; the file holds the edited hunk and not the rejected one"
wait_for "the check ran after the change" "check: 'grep -c lX lib/util.c && echo CHECK-RAN' passed"
keys Tab Tab   # conversation -> ledger -> diff
wait_for "check output in the diff pane" "CHECK-RAN"
expect_match "its title" "exit 0" "$(screen)"
ok "the check runs after the change and its output shows in the diff pane"

# the ledger pane: t tags the selected file, r runs the query again with it
keys BTab      # the diff pane has the focus: back to the ledger
wait_for "ledger focused" "Ledger · query"
keys End t
wait_for "tagged from the ledger" "tagged [^ ]+: r runs the query again"
keys r
wait_for "query run again" "the ledger of query"
expect_match "tagged file marked" "[0-9] # " "$(screen)"
keys Tab Tab   # back to the conversation
ok "the ledger pane tags a file and runs the query again"

# wide characters in the input line
type_text "héllo 日本語 ok"
wait_for "UTF-8 and wide characters" "› héllo 日本語 ok"
keys C-u
wait_gone "Ctrl-U clears" "héllo"

# tags: /tag, /untag
type_text "/untag @$(sed -n 's/.*tagged \([^ ]*\): r runs.*/\1/p' <<<"$(screen)" | head -n1)"
keys Enter
wait_for "untagged" "untagged 1 path"
type_text "/tag src/cli.c"
keys Enter
wait_for "tagged" "tagged 1 path"
type_text "/tag"
keys Enter
wait_for "tags listed" "tags: src/cli\\.c( |$)"
type_text "/nosuch"
keys Enter
wait_for "unknown command" "unknown command '/nosuch'"
keys F1
wait_for "help overlay" "Diff pane"
expect_match "help lists bindings" "a +approve" "$(screen)"
keys Escape
wait_gone "help closed" "approve the selected hunk|approve the hunk"
ok "/tag, unknown commands in one line, the help overlay from the key map"

# SIGTERM: the terminal comes back, the session is saved
kill -TERM "$(tui_pid)"
wait_for "exited on SIGTERM" "\\[loom exited 130\\]"
expect_eq "alternate screen left" 0 "$(tm display -p -t loom '#{alternate_on}')"
ok "SIGTERM: exit 130, the terminal restored"
tui_stop

# --- --resume ----------------------------------------------------------------
[ -s .loom/session.json ] || fail "no session saved"
tui_start 200 50 "$R" LOOM_ENDPOINT="$URL" -- --resume
wait_for "resumed" "resumed the last session"
expect_match "the conversation is back" "print the checksum in hex" "$(screen)"
expect_match "the plan is back, ticked" "\\[x\\] 1\\. Make run_util" "$(screen)"
expect_match "the ledger is back" "Ledger · query" "$(screen)"
type_text "/tag"
keys Enter
wait_for "tags are back" "tags: src/cli\\.c"
type_text "/quit"
keys Enter
wait_for "exited" "\\[loom exited 0\\]"
tui_stop
ok "--resume reopens the conversation, the plan, the ledger and the tags"
srv_stop

# --- Esc cancels a generation; an 8-colour terminal -------------------------
reply "$T/slow" 001 'fault: stall 20000' "$PLAN"
srv_start slow
TUI_TERM=screen tui_start 100 30 "$R" LOOM_ENDPOINT="$URL"
wait_for "index" "index fresh"
type_text "slow one"
keys Enter
wait_for "working" "working… Esc cancels"
keys Escape
wait_for "cancelled" "cancelled after 0 of 0 steps|cancelled" 5
wait_gone "no longer busy" "working… Esc cancels" 5
colours=$(tm capture-pane -p -e -t loom | grep -Eo $'\e\\[[0-9;]*m' | tr -d '\e[m' | tr ';' '\n' | grep -E '^(38|48|9[0-7]|10[0-7])$' | sort -u | tr '\n' ' ' || :)
expect_eq "8 colours only: no 256-colour or bright codes" "" "$colours"
tm capture-pane -p -e -t loom | grep -Eq $'\e\\[([0-9;]*;)?3[0-7](;[0-9;]*)?m' || fail "no basic colours on an 8-colour terminal"
type_text "/quit"
keys Enter
wait_for "exited" "\\[loom exited 0\\]"
tui_stop
kill -TERM "$PID"; wait "$PID" || :
ok "Esc cancels the running generation; an 8-colour terminal gets 8 colours"

# --- no model server; broken theme and keys ----------------------------------
printf 'default = 300\n' >"$T/bad.theme"
printf 'keys = aprove=y\n' >>.loom/config
tui_start 100 30 "$R" LOOM_ENDPOINT=http://127.0.0.1:9 -- --theme "$T/bad.theme"
wait_for "bad theme: one line naming it" "bad\\.theme' line 1: '300' is not a colour"
wait_for "bad keys: one line" "keys: 'aprove=y': no action 'aprove'"
wait_for "no model server" "cannot connect|connection refused|Could not connect|nothing answers"
type_text "hello"
keys Enter
wait_for "request refused in one line" "no model server: /model tries again"
type_text "/quit"
keys Enter
wait_for "exited" "\\[loom exited 0\\]"
tui_stop
ok "no model server, a broken theme and a bad key binding: one line each, and the session goes on"

# --- the model server comes up after the session started ---------------------
sed -i '/^keys = /d' .loom/config
git checkout -q -- lib/util.c
reply "$T/late" 001 '' "$PLAN"
reply "$T/late" 002 '' "$EDIT_TWO"
srv_start late
port=$(cat "$T/late.port")
srv_stop
tui_start 120 30 "$R" LOOM_ENDPOINT="http://127.0.0.1:$port"
wait_for "no server yet" "cannot reach the model server"
srv_start late --port "$port"
type_text "/model"
keys Enter
wait_for "connected now" "model: fake-model.gguf at"
wait_for "the workers start then" "A○ E○ C○"
type_text "print the checksum in hex"
keys Enter
wait_for "the request goes through" "to decide" 10
keys a      # a decision, then quit in the middle of the review
keys BTab BTab   # from the diff pane back to the input line
type_text "/quit"
keys Enter
wait_for "exited" "\\[loom exited 0\\]"
tui_stop
srv_stop
ok "a model server started after the session: /model connects and the workers start"

tui_start 120 30 "$R" LOOM_ENDPOINT="http://127.0.0.1:$port" -- --resume
wait_for "resumed" "resumed the last session"
type_text "/diff"
keys Enter
wait_for "the proposal under review comes back, with its decision" "The proposal under review when"
expect_match "its approved hunk" "\\[✓\\] @@" "$(screen)"
keys BTab BTab
type_text "/quit"
keys Enter
wait_for "exited" "\\[loom exited 0\\]"
tui_stop
ok "quitting in the middle of a review saves it; --resume shows it with its decisions"
