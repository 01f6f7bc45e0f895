# lib-tui.sh - sourced by the terminal interface's tests, after lib.sh: loom run in
# a real terminal, a private tmux server, driven by send-keys and read back
# with capture-pane.

command -v tmux >/dev/null || fail "tmux is needed for the terminal interface's tests"
TMUX_SOCK="$T/tmux.sock"
unset TMUX
trap 'tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || :; for p in $SRV_PIDS; do kill "$p" 2>/dev/null || :; done; chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"' EXIT

tm() { tmux -S "$TMUX_SOCK" "$@"; }

# tui_start W H DIR [ENV=VALUE...] [-- ARGS...]: loom on DIR in a WxH terminal
tui_start() {
  local w=$1 h=$2 dir=$3 envs="" args=""
  shift 3
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs="$envs $(printf '%q' "$1")"; shift; done
  [ $# -gt 0 ] && shift
  for a in "$@"; do args="$args $(printf '%q' "$a")"; done
  tm -f /dev/null new-session -d -s loom -x "$w" -y "$h" \
    "cd $(printf '%q' "$dir") && env TERM=${TUI_TERM:-tmux-256color}$envs $(printf '%q' "$LOOM")$args; echo \"[loom exited \$?]\"; sleep 60"
  tm set-option -t loom remain-on-exit on >/dev/null
}

screen() { tm capture-pane -p -t loom; }

# wait_for WHAT REGEX [SECONDS]: until the screen shows REGEX
wait_for() {
  local i n=$(( ${3:-10} * 20 ))
  for i in $(seq "$n"); do
    screen | grep -Eq -- "$2" && return 0
    sleep 0.05
  done
  fail "$1: [$2] not on the screen after ${3:-10} s:
$(screen)"
}

# wait_gone WHAT REGEX [SECONDS]: until the screen no longer shows REGEX
wait_gone() {
  local i n=$(( ${3:-10} * 20 ))
  for i in $(seq "$n"); do
    screen | grep -Eq -- "$2" || return 0
    sleep 0.05
  done
  fail "$1: [$2] still on the screen after ${3:-10} s:
$(screen)"
}

keys() { tm send-keys -t loom "$@"; }
# type TEXT: literal text, then nothing else
type_text() { tm send-keys -t loom -l -- "$1"; }

# tui_stop: ends the tmux server and waits until it is gone
tui_stop() {
  local i
  tm kill-server 2>/dev/null || :
  for i in $(seq 100); do
    tm has-session 2>/dev/null || { rm -f "$TMUX_SOCK"; return 0; }
    sleep 0.05
  done
}

# tui_pid: the loom process in the pane (the pane's shell runs it as its child)
tui_pid() { pgrep -P "$(tm display -p -t loom '#{pane_pid}')" -x loom; }

# switches PID: context switches of all the process's threads so far
switches() {
  cat /proc/"$1"/task/*/status 2>/dev/null |
    awk '/^(non)?voluntary_ctxt_switches/ { n += $2 } END { print n + 0 }'
}
