#!/usr/bin/env bash
# The worker processes under loom run: kill -9 of each mid-request, a truncated
# outbox line, a worker that never answers, stale and kept session directories;
# idle workers: no CPU and no records, replaced when killed, not held to
# silence (a busy one is).
. "$(dirname "$0")/lib.sh"

export XDG_RUNTIME_DIR="$T/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
R="$T/repo"
mkrepo "$R"
cd "$R"
"$LOOM" index
cp lib/util.c "$T/util.before"
sed 's/checksum %lu/checksum %lx/' "$T/util.before" >"$T/util.want"

PLAN='{"steps": [{"goal": "Make run_util print the checksum in hex", "files": ["lib/util.c"]}]}'
EDIT='lib/util.c
<<<<<<< SEARCH
	printf("checksum %lu\n", sum);
=======
	printf("checksum %lx\n", sum);
>>>>>>> REPLACE'

# worker_pid ROLE: the pid of this test's running worker for ROLE
worker_pid() {
  pgrep -f -- "loom-worker-[a-z]* --session $XDG_RUNTIME_DIR/.* $1\$" | head -n1
}
# streaming ROLE: waits until ROLE's outbox shows model tokens arriving (mid-request)
streaming() {
  local i
  for i in $(seq 400); do
    grep -qs '"type":"token"' "$XDG_RUNTIME_DIR"/loom-*/"$1".out.jsonl && return 0
    sleep 0.025
  done
  fail "the $1 never started streaming: $(cat "$T/err")"
}
# switches PID: the context switches of all of PID's threads so far (a thread's
# own are in its task directory; /proc/PID/status has only the main thread's)
switches() {
  cat /proc/"$1"/task/*/status | awk '/^(non)?voluntary_ctxt_switches:/ {n += $2} END {print n}'
}
# ask_start ARGS...: runs loom ARGS on a terminal (a pty) in the background, as
# a person would for --approve=ask; the driver's pid is $ASK, loom's (the
# core's) is in $T/core.pid. At each "apply this hunk?" the driver creates
# $T/question.N, and types what $T/answer.N holds once it exists (see answer);
# what loom printed, stderr included, is in $T/pty at the end.
ask_start() {
  rm -f "$T"/question.* "$T"/answer.* "$T/core.pid"
  python3 - "$LOOM" "$T" "$@" <<'P' &
import os, pty, sys, time
loom, t, args = sys.argv[1], sys.argv[2], sys.argv[3:]
parent = os.getppid()
pid, fd = pty.fork()
if pid == 0:
    os.execv(loom, [loom] + args)
open(t + "/core.pid", "w").write("%d\n" % pid)
buf, asked = b"", 0
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    buf += chunk
    while buf.count(b"apply this hunk? [y/n]") > asked:
        asked += 1
        open("%s/question.%d" % (t, asked), "w").close()
        deadline = time.time() + 60
        while not os.path.exists("%s/answer.%d" % (t, asked)):
            # the test gave up (it failed and exited): so does loom
            if time.time() > deadline or os.getppid() != parent:
                os.kill(pid, 9)
                break
            time.sleep(0.02)
        else:
            os.write(fd, open("%s/answer.%d" % (t, asked), "rb").read())
open(t + "/pty", "wb").write(buf)
_, st = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(st))
P
  ASK=$!
}
# await_question N: waits until loom asks its Nth question
await_question() {
  local i
  for i in $(seq 1200); do
    [ -e "$T/question.$1" ] && return 0
    kill -0 "$ASK" 2>/dev/null || break
    sleep 0.025
  done
  fail "no question $1: $(cat "$T/pty" 2>/dev/null)"
}
# answer N TEXT: types TEXT and Enter at question N
answer() {
  printf '%s\n' "$2" >"$T/answer.$1.tmp" && mv "$T/answer.$1.tmp" "$T/answer.$1"
}
# requests_to NAME TEXT: chat requests the server NAME logged whose body has TEXT
# (the server logs a request when it has answered it)
requests_to() {
  python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["path"].endswith("/completions") and sys.argv[2] in json.dumps(json.loads(l)["body"])))' "$T/$1.log" "$2"
}

# --- kill -9 of the Architect and of the Coder mid-request: restarted, re-sent
reply "$T/kill" 001 'fault: drip 200' "$PLAN"
reply "$T/kill" 002 '' "$PLAN"
reply "$T/kill" 003 'fault: drip 200' "$EDIT"
reply "$T/kill" 004 '' "$EDIT"
srv_start kill
"$LOOM" run --approve=all --endpoint "$URL" "print the checksum in hex" >"$T/out" 2>"$T/err" &
run=$!
for role in architect coder; do
  streaming $role
  pid=$(worker_pid $role)
  [ -n "$pid" ] || fail "no $role worker running: $(cat "$T/err")"
  kill -9 "$pid"
done
wait $run || fail "run after kills: $(cat "$T/err")"
cmp -s lib/util.c "$T/util.want" || fail "after the kills the file is not as proposed"
expect_match "architect restarted" "the architect stopped; restarting it" "$(cat "$T/err")"
expect_match "coder restarted" "the coder stopped; restarting it" "$(cat "$T/err")"
expect_eq "plan asked twice" 2 "$(requests_to kill 'You plan')"
expect_eq "edits asked twice" 2 "$(requests_to kill 'edit blocks')"
srv_stop
"$LOOM" undo >/dev/null
ok "kill -9 of the Architect and the Coder mid-request: restarted, the request re-sent, the run completes"

# --- the Explorer killed with a request in flight: restarted, request re-sent --
# Stopped (SIGSTOP) before its request comes, so that the request is surely
# sent and unanswered when the kill lands; then killed.
reply "$T/explorer" 001 'fault: drip 50' "$PLAN"
reply "$T/explorer" 002 '' "$EDIT"
srv_start explorer
"$LOOM" run --approve=all --endpoint "$URL" "print the checksum in hex" >"$T/out" 2>"$T/err" &
run=$!
for i in $(seq 200); do [ -n "$(worker_pid explorer)" ] && grep -qs '"type":"hello"' "$XDG_RUNTIME_DIR"/loom-*/explorer.out.jsonl && break; sleep 0.025; done
pid=$(worker_pid explorer)
kill -STOP "$pid"
for i in $(seq 200); do grep -qs '"type":"request"' "$XDG_RUNTIME_DIR"/loom-*/explorer.in.jsonl && break; sleep 0.025; done
grep -qs '"kind":"explore"' "$XDG_RUNTIME_DIR"/loom-*/explorer.in.jsonl || fail "no explore request was sent: $(cat "$T/err")"
kill -9 "$pid"
wait $run || fail "run after the explorer's death: $(cat "$T/err")"
expect_match "explorer restarted" "the explorer stopped; restarting it" "$(cat "$T/err")"
expect_eq "one restart" 1 "$(grep -c 'restarting it' "$T/err")"
cmp -s lib/util.c "$T/util.want" || fail "explorer restart: the file is not as proposed"
srv_stop
"$LOOM" undo >/dev/null
ok "kill -9 of the Explorer with its request in flight: restarted, the request re-sent, the run completes"

# --- idle workers cost nothing: no heartbeats, no wake-ups --------------------
# The session waits at its y/n question with every request answered: the core
# reads the terminal, the workers have nothing in flight. The context switches
# of each process (all its threads) over 3 s: an idle worker used to wake
# twice a second and write a heartbeat every second (6 switches or more).
reply "$T/idle" 001 '' "$PLAN"
reply "$T/idle" 002 '' "$EDIT"
srv_start idle
ask_start run --endpoint "$URL" "print the checksum in hex"
await_question 1
sleep 1.1 # the last request's heartbeat timer runs out (a worker wakes once for it)
declare -A pid before after
pid[core]=$(cat "$T/core.pid")
for role in architect explorer coder; do
  pid[$role]=$(worker_pid $role)
  [ -n "${pid[$role]}" ] || fail "no $role worker at the question"
done
records=$(cat "$XDG_RUNTIME_DIR"/loom-*/*.out.jsonl | wc -l)
for k in core architect explorer coder; do before[$k]=$(switches "${pid[$k]}"); done
sleep 3
for k in core architect explorer coder; do after[$k]=$(switches "${pid[$k]}"); done
expect_eq "records written while idle" "$records" "$(cat "$XDG_RUNTIME_DIR"/loom-*/*.out.jsonl | wc -l)"
figures=""
for k in architect explorer coder core; do
  n=$((after[$k] - before[$k]))
  figures="$figures $k $n,"
  # without inotify the files are polled by size: idle is not free (ipc/chan.h)
  [ "$n" -le 2 ] || [ -n "${IPC_NO_INOTIFY:-}" ] || fail "the idle $k switched $n times in 3 s"
done
answer 1 y
wait $ASK || fail "run at the terminal: $(cat "$T/pty")"
cmp -s lib/util.c "$T/util.want" || fail "idle: the file is not as proposed"
srv_stop
"$LOOM" undo >/dev/null
ok "idle at the question for 3 s: no records; context switches:${figures%,}"

# --- an idle worker that dies: reaped at once, replaced when next asked ---------
# Two steps. While the Coder streams step 1 the Architect (done, idle) is
# killed: with no request to send it the core still reaps it (no zombie by
# the first question), and does not restart it. At the question the idle
# Explorer and Coder are killed: step 2 gets new ones and completes.
PLAN2='{"steps": [{"goal": "Make run_util print the checksum in hex", "files": ["lib/util.c"]}, {"goal": "Reject an empty file name in parse_args", "files": ["src/cli.c"]}]}'
EDIT2='src/cli.c
<<<<<<< SEARCH
		if (argv[i][0] != '"'"'-'"'"')
=======
		if (!argv[i][0])
			return -1;
		if (argv[i][0] != '"'"'-'"'"')
>>>>>>> REPLACE'
cp src/cli.c "$T/cli.before"
reply "$T/idlekill" 001 '' "$PLAN2"
reply "$T/idlekill" 002 'fault: drip 100' "$EDIT"
reply "$T/idlekill" 003 '' "$EDIT2"
srv_start idlekill
ask_start run --endpoint "$URL" "print the checksum in hex, reject empty names"
streaming coder
arch=$(worker_pid architect)
[ -n "$arch" ] || fail "no architect while the coder streams"
kill -9 "$arch"
await_question 1
[ -e "/proc/$arch" ] && fail "the idle architect, killed, was not reaped: $(grep State "/proc/$arch/status")"
old=" $(worker_pid explorer) $(worker_pid coder) "
kill -9 $old
answer 1 y
await_question 2
for role in explorer coder; do
  p=$(worker_pid $role)
  [ -n "$p" ] && [ "${old/ $p /}" = "$old" ] || fail "no new $role for step 2"
done
answer 2 y
wait $ASK || fail "run after idle kills: $(cat "$T/pty")"
cmp -s lib/util.c "$T/util.want" || fail "idle kills: step 1's file is not as proposed"
grep -q 'return -1;' src/cli.c || fail "idle kills: step 2 was not applied: $(cat "$T/pty")"
expect_match "explorer replaced" "the explorer stopped; restarting it" "$(cat "$T/pty")"
expect_match "coder replaced" "the coder stopped; restarting it" "$(cat "$T/pty")"
expect_no_match "the architect, not asked again, not restarted" "the architect stopped" "$(cat "$T/pty")"
srv_stop
"$LOOM" undo >/dev/null
"$LOOM" undo >/dev/null
cmp -s src/cli.c "$T/cli.before" || fail "undo of step 2"
cmp -s lib/util.c "$T/util.before" || fail "undo of step 1"
ok "idle workers killed: reaped at once, replaced when next asked; the run completes"

# --- a truncated last line in an outbox is dropped; the record comes again -----
reply "$T/trunc" 001 '' "$PLAN"
reply "$T/trunc" 002 'fault: drip 200' "$EDIT"
reply "$T/trunc" 003 '' "$EDIT"
srv_start trunc
"$LOOM" run --approve=all --keep-session --endpoint "$URL" "print the checksum in hex" >"$T/out" 2>"$T/err" &
run=$!
streaming coder
pid=$(worker_pid coder)
outbox=$(ls "$XDG_RUNTIME_DIR"/loom-*/coder.out.jsonl | head -n1)
printf '{"v":2,"seq":999,"type":"result","id":"r3","payload":{"reply":"half a rec' >>"$outbox"
kill -9 "$pid"
wait $run || fail "run after a truncated line: $(cat "$T/err")"
cmp -s lib/util.c "$T/util.want" || fail "truncated line: the file is not as proposed"
expect_no_match "the fragment was not read as a record" "half a rec" "$(cat "$T/out" "$T/err")"
srv_stop
ls -d "$XDG_RUNTIME_DIR"/loom-* >/dev/null 2>&1 || fail "--keep-session removed the session directory"
rm -rf "$XDG_RUNTIME_DIR"/loom-*
"$LOOM" undo >/dev/null
ok "a truncated outbox line is ignored, the request re-sent; --keep-session keeps the directory"

# --- a worker that never answers: a timeout, not a hang -----------------------
reply "$T/hang" 001 '' "$PLAN"
reply "$T/hang" 002 'fault: stall 20000' "$EDIT"
srv_start hang
start=$(date +%s)
st=0; LOOM_WORKER_TIMEOUT=2 "$LOOM" run --approve=all --endpoint "$URL" "x" >"$T/out" 2>"$T/err" || st=$?
elapsed=$(( $(date +%s) - start ))
expect_eq "the step fails" 3 "$st"
expect_match "timeout message" "the coder did not answer within 2 s" "$(cat "$T/err")"
[ "$elapsed" -lt 15 ] || fail "a hung worker held the run for $elapsed s"
srv_stop
cmp -s lib/util.c "$T/util.before" || fail "a timed-out step wrote the file"
ok "a worker that never answers ends in a timeout error after $elapsed s"

# --- silence counts only while busy: a stopped idle worker is left alone, a
# stopped busy one is replaced (LOOM_WORKER_SILENT=2 shortens IPC_SILENT_MS).
# The Architect's model call stalls 4 s with no token: its heartbeats keep it.
# Meanwhile the Coder is stopped (SIGSTOP) from its hello until the plan is
# in, silent while idle; then stopped again mid-reply: killed after 2 s of
# silence, restarted, asked again.
reply "$T/silent" 001 'fault: stall 4000' "$PLAN"
reply "$T/silent" 002 'fault: drip 200' "$EDIT"
reply "$T/silent" 003 '' "$EDIT"
srv_start silent
start=$(date +%s)
LOOM_WORKER_SILENT=2 "$LOOM" run --approve=all --endpoint "$URL" "print the checksum in hex" >"$T/out" 2>"$T/err" &
run=$!
for i in $(seq 400); do grep -qs '"type":"hello"' "$XDG_RUNTIME_DIR"/loom-*/coder.out.jsonl && break; sleep 0.01; done
coder=$(worker_pid coder)
[ -n "$coder" ] || fail "no coder: $(cat "$T/err")"
kill -STOP "$coder"
t0=$(date +%s%N)
for i in $(seq 1000); do grep -qs '"type":"result"' "$XDG_RUNTIME_DIR"/loom-*/architect.out.jsonl && break; sleep 0.01; done
idle_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$idle_ms" -gt 2500 ] || fail "the plan came after $idle_ms ms: the idle coder was not stopped long enough"
expect_eq "the idle coder, stopped, is the same process" "$coder" "$(worker_pid coder)"
beats=$(grep -c '"type":"heartbeat"' "$XDG_RUNTIME_DIR"/loom-*/architect.out.jsonl)
[ "$beats" -ge 2 ] || fail "the architect sent $beats heartbeats during a 4 s model call"
kill -CONT "$coder"
streaming coder
kill -STOP "$coder"
wait $run || fail "run after a silent coder: $(cat "$T/err")"
elapsed=$(( $(date +%s) - start ))
cmp -s lib/util.c "$T/util.want" || fail "silence: the file is not as proposed"
expect_eq "one restart, the busy one's" 1 "$(grep -c 'restarting it' "$T/err")"
expect_match "the coder restarted" "the coder stopped; restarting it" "$(cat "$T/err")"
expect_eq "edits asked twice" 2 "$(requests_to silent 'edit blocks')"
[ "$elapsed" -lt 20 ] || fail "a silent busy worker held the run for $elapsed s"
srv_stop
"$LOOM" undo >/dev/null
ok "silence: heartbeats ($beats) through a stalled model call; an idle coder stopped for $idle_ms ms is left alone, one stopped mid-request replaced (run: $elapsed s)"

# --- stale session directories of crashed runs are removed ---------------------
stale="$XDG_RUNTIME_DIR/loom-$(id -u)-999999-deadbeef"
mkdir -m 700 "$stale" && touch "$stale/session.lock" "$stale/coder.out.jsonl"
reply "$T/stale" 001 '' "$PLAN"
reply "$T/stale" 002 '' "$EDIT"
srv_start stale
"$LOOM" run --approve=none --endpoint "$URL" "x" >"$T/out" 2>"$T/err" || fail "run: $(cat "$T/err")"
[ -e "$stale" ] && fail "the stale session directory is still there"
expect_eq "this run's own directory is removed" "" "$(ls "$XDG_RUNTIME_DIR")"
srv_stop
ok "a stale session directory is cleaned up; the run's own is removed at exit"

# --- prompts: short, and what the roles send ---------------------------------
for p in architect coder coder-whole ask; do
  n=$(wc -c <"$LOOM_SRC/agents/prompts/$p.txt")
  [ "$n" -lt 3000 ] || fail "prompt $p has $n bytes (over ~1000 tokens)"
done
ok "every system prompt is well under 1,000 tokens"

# --- the core killed -9: its workers go with it --------------------------------
reply "$T/orphan" 001 'fault: stall 20000' "$PLAN"
srv_start orphan
"$LOOM" run --approve=none --endpoint "$URL" "x" >"$T/out" 2>"$T/err" &
run=$!
for i in $(seq 200); do [ -n "$(worker_pid coder)" ] && break; sleep 0.025; done
sleep 0.3 # the architect is now waiting on the stalled model
[ -n "$(worker_pid architect)" ] || fail "no workers running: $(cat "$T/err")"
# the real workers went through sandbox_apply (which sets no_new_privs first)
for role in architect explorer coder; do
  expect_eq "$role: NoNewPrivs" 1 "$(awk '/^NoNewPrivs:/ {print $2}' /proc/"$(worker_pid $role)"/status)"
done
kill -9 $run
wait $run 2>/dev/null || true
for i in $(seq 100); do
  [ -z "$(worker_pid architect)$(worker_pid explorer)$(worker_pid coder)" ] && break
  sleep 0.02
done
expect_eq "workers left behind" "" "$(worker_pid architect)$(worker_pid explorer)$(worker_pid coder)"
srv_stop
rm -rf "$XDG_RUNTIME_DIR"/loom-*
ok "running workers are confined (no_new_privs); kill -9 of the core takes them with it"

# --- each worker executable carries only its role's libraries --------------------
bindir=$(dirname "$LOOM")
ldd "$bindir/loom-worker-explorer" >"$T/ldd.explorer"
ldd "$bindir/loom-worker-model" >"$T/ldd.model"
grep -q libsqlite3 "$T/ldd.explorer" || fail "the explorer does not link SQLite? $(cat "$T/ldd.explorer")"
grep -q libcurl "$T/ldd.model" || fail "the model worker does not link libcurl? $(cat "$T/ldd.model")"
expect_eq "network libraries in the explorer" "" "$(grep -E 'libcurl|libnghttp2|libssl' "$T/ldd.explorer")"
expect_eq "repository libraries in the model worker" "" "$(grep -E 'libgit2|libsqlite3' "$T/ldd.model")"
ok "the explorer has no network library, the architect and coder no libgit2 or SQLite"

# --- a loom without its workers says so, and writes nothing ---------------------
mkdir "$T/lonely"
cp "$LOOM" "$T/lonely/loom"
srv_start lonely
st=0; "$T/lonely/loom" run --approve=all --endpoint "$URL" "x" >"$T/out" 2>"$T/err" || st=$?
dst=0; "$T/lonely/loom" doctor --endpoint "$URL" >"$T/doctor" 2>&1 || dst=$?
srv_stop
expect_eq "doctor's status" 1 "$dst"
expect_match "doctor names the missing worker" "problem: cannot run the explorer's worker '$T/lonely/loom-worker-explorer'" "$(cat "$T/doctor")"
expect_eq "exit status" 1 "$st"
expect_match "message" "cannot run the architect's worker '$T/lonely/loom-worker-model'" "$(cat "$T/err")"
expect_eq "one line" 1 "$(wc -l <"$T/err")"
cmp -s lib/util.c "$T/util.before" || fail "a run without workers changed a file"
ok "loom without its worker executables: one clear error; loom doctor names them"
