#!/usr/bin/env bash
# The workers' sandbox (agents/sandbox.c), proven with loom-sandbox-check: each
# role applies its Landlock policy to itself, exactly as a worker does, then
# tries what it must and must not do. Every attempt is first shown to work
# without a sandbox (role "none"), so each refusal below is the kernel's:
# EACCES for files and TCP, EPERM for signals and abstract unix sockets.
. "$(dirname "$0")/lib.sh"
CHECK=${LOOMSANDBOXCHECK:?LOOMSANDBOXCHECK must point at the loom-sandbox-check binary}
PY="python3 -S"

# check WHAT STATUS ROLE ARGS...: runs the check with the channel files already
# open on fds 3 (read) and 4 (append), as a worker gets them; report in $T/out.
# Only the run without Landlock (status 3) may write to stderr: a sanitizer
# report from inside the sandbox fails the test.
check() {
  local what=$1 want=$2 got=0
  shift 2
  "$CHECK" "$@" 3<"$T/chan.in" 4>>"$T/chan.out" >"$T/out" 2>"$T/err" || got=$?
  [ "$got" = "$want" ] ||
    fail "$what: exit $got, expected $want; stdout: $(cat "$T/out"); stderr: $(cat "$T/err")"
  [ "$got" = 3 ] || [ ! -s "$T/err" ] || fail "$what: unexpected stderr: $(cat "$T/err")"
}
# expect_report WHAT EXPECTED: the attempts' lines (the report minus its first line)
expect_report() {
  expect_eq "$1" "$2" "$(tail -n +2 "$T/out")"
}

R="$T/repo"
mkrepo "$R"
"$LOOM" index "$R" 2>/dev/null
printf 'request\n' >"$T/chan.in"
: >"$T/chan.out"
# a file no role may create, directly in /tmp; removed on exit along with $T
TMPFILE=/tmp/loom-sandbox-test.$$
trap "rm -f '$TMPFILE'; $(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")" EXIT

# --- without Landlock: a warning, no failure ------------------------------------
# A seccomp filter makes landlock_create_ruleset fail with ENOSYS, as in a container.
case $(uname -m) in
x86_64 | aarch64)
  check "no landlock" 3 explorer --repo "$R" --index "$R/.loom" --no-landlock -- read /etc/hostname
  expect_eq "the one warning" "loom: warning: this kernel has no Landlock: workers run without a sandbox" "$(cat "$T/err")"
  expect_eq "reported" "sandbox: not applied" "$(head -n1 "$T/out")"
  expect_report "nothing restricted" "read /etc/hostname: ok"
  ok "without Landlock the worker warns once and runs unrestricted"
  ;;
esac

st=0
"$CHECK" coder >"$T/out" 2>"$T/err" || st=$?
LEVEL=$(head -n1 "$T/out")
LEVEL=${LEVEL#sandbox: }
"$LOOM" doctor --endpoint http://127.0.0.1:1 >"$T/doctor" 2>&1 || :
if [ "$st" = 3 ] && [ "$LEVEL" = "not applied" ]; then
  grep -Fxq "$(printf '  %-16s %s' sandbox "not available: running without a sandbox")" "$T/doctor" ||
    fail "doctor does not say the sandbox is not available: $(cat "$T/doctor")"
  echo "skipped - this kernel has no Landlock: the enforcement assertions were not run"
  exit 0
fi
expect_eq "probe exit status ($(cat "$T/err"))" 0 "$st"
expect_match "enforced" "^Landlock ABI [0-9]+: filesystem" "$LEVEL"
grep -Fxq "$(printf '  %-16s %s' sandbox "$LEVEL")" "$T/doctor" ||
  fail "doctor's sandbox line is not [$LEVEL]: $(cat "$T/doctor")"
ABI=$(printf '%s' "$LEVEL" | sed 's/^Landlock ABI \([0-9]*\).*/\1/')
ok "loom doctor reports the enforcement level: $LEVEL"
[ "$ABI" -ge 6 ] || fail "these assertions expect Landlock ABI 6 or newer (TCP rules, scopes); this kernel has $ABI"

# Listeners that each role will try: two TCP ports (only the first is the
# model's) and an abstract unix socket; a process to signal.
ABSTRACT=loom-sandbox-test-$$
$PY -c '
import os, socket, sys, time
tcp = []
for _ in range(2):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    tcp.append(s)
u = socket.socket(socket.AF_UNIX)
u.bind("\0" + sys.argv[2])
u.listen(64)
open(sys.argv[1] + ".tmp", "w").write("%d %d\n" % tuple(s.getsockname()[1] for s in tcp))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(300)
' "$T/ports" "$ABSTRACT" &
SRV_PIDS="$SRV_PIDS $!"
sleep 300 &
VICTIM=$!
SRV_PIDS="$SRV_PIDS $VICTIM"
for i in $(seq 100); do [ -s "$T/ports" ] && break; sleep 0.05; done
read -r MODEL_PORT OTHER_PORT <"$T/ports" || fail "the listeners did not start"

# --- without a sandbox every attempt works ---------------------------------------
check "control" 0 none -- read "$R/src/cli.c" read /etc/passwd list "$R" write "$R/README.md" \
  create "$T/control" fdread 3 fdwrite 4 connect "$MODEL_PORT" connect "$OTHER_PORT" bind 0 \
  unix "$ABSTRACT" signal "$VICTIM"
expect_report "control" "read $R/src/cli.c: ok
read /etc/passwd: ok
list $R: ok
write $R/README.md: ok
create $T/control: ok
fdread 3: ok
fdwrite 4: ok
connect $MODEL_PORT: ok
connect $OTHER_PORT: ok
bind 0: ok
unix $ABSTRACT: ok
signal $VICTIM: ok"
(cd "$R" && git checkout -q README.md)
ok "control: without a sandbox each attempt succeeds"

# --- Architect and Coder: no file at all, the model's port only --------------------
for role in architect coder; do
  : >"$T/chan.out"
  check "$role" 1 "$role" --port "$MODEL_PORT" -- read "$R/src/cli.c" read /etc/passwd \
    list "$R" list / write "$R/README.md" create "$R/new.c" create "$T/$role-new" \
    create "$TMPFILE" mkdir "$T/$role-dir" fdread 3 fdwrite 4 connect "$MODEL_PORT" \
    connect "$OTHER_PORT" bind 0 bind "$MODEL_PORT" unix "$ABSTRACT" signal "$VICTIM"
  expect_eq "$role: level" "sandbox: $LEVEL" "$(head -n1 "$T/out")"
  expect_report "$role" "read $R/src/cli.c: EACCES
read /etc/passwd: EACCES
list $R: EACCES
list /: EACCES
write $R/README.md: EACCES
create $R/new.c: EACCES
create $T/$role-new: EACCES
create $TMPFILE: EACCES
mkdir $T/$role-dir: EACCES
fdread 3: ok
fdwrite 4: ok
connect $MODEL_PORT: ok
connect $OTHER_PORT: EACCES
bind 0: EACCES
bind $MODEL_PORT: EACCES
unix $ABSTRACT: EPERM
signal $VICTIM: EPERM"
  expect_eq "$role: wrote its channel" "x" "$(cat "$T/chan.out")"
  for f in "$R/new.c" "$T/$role-new" "$TMPFILE" "$T/$role-dir"; do
    [ ! -e "$f" ] || fail "$role: '$f' was created"
  done
  expect_eq "$role: repository untouched" "" "$(git -C "$R" status --porcelain)"
  kill -0 "$VICTIM" || fail "$role: the signalled process is gone"
  ok "$role: reads, lists and creates nothing (not even in /tmp), keeps its open channels, connects to the model's port only, binds nothing, signals and reaches no socket outside"
done

# --- Explorer: reads the repository, writes only its index ---------------------------
: >"$T/chan.out"
check "explorer" 1 explorer --repo "$R" --index "$R/.loom" -- read "$R/src/cli.c" \
  list "$R/src" read "$R/.git/HEAD" read /etc/passwd list / write "$R/README.md" \
  create "$R/new.c" remove "$R/README.md" truncate "$R/README.md" mkdir "$R/newdir" \
  create "$T/outside" create "$TMPFILE" create "$R/.loom/scratch" write "$R/.loom/scratch" \
  truncate "$R/.loom/scratch" remove "$R/.loom/scratch" sqlite "$R/.loom/check.db" \
  fdread 3 fdwrite 4 connect "$MODEL_PORT" connect "$OTHER_PORT" bind 0 \
  unix "$ABSTRACT" signal "$VICTIM"
expect_report "explorer" "read $R/src/cli.c: ok
list $R/src: ok
read $R/.git/HEAD: ok
read /etc/passwd: EACCES
list /: EACCES
write $R/README.md: EACCES
create $R/new.c: EACCES
remove $R/README.md: EACCES
truncate $R/README.md: EACCES
mkdir $R/newdir: EACCES
create $T/outside: EACCES
create $TMPFILE: EACCES
create $R/.loom/scratch: ok
write $R/.loom/scratch: ok
truncate $R/.loom/scratch: ok
remove $R/.loom/scratch: ok
sqlite $R/.loom/check.db: ok
fdread 3: ok
fdwrite 4: ok
connect $MODEL_PORT: EACCES
connect $OTHER_PORT: EACCES
bind 0: EACCES
unix $ABSTRACT: EPERM
signal $VICTIM: EPERM"
expect_eq "explorer: repository untouched" "" "$(git -C "$R" status --porcelain)"
for f in "$R/new.c" "$R/newdir" "$T/outside" "$TMPFILE" "$R/.loom/scratch"; do
  [ ! -e "$f" ] || fail "explorer: '$f' exists"
done
# the database is whole, in WAL mode, and was closed cleanly (no -wal or -shm left)
expect_eq "explorer: rows written" "20000 wal" "$($PY -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("select count(*) from t").fetchone()[0], db.execute("pragma journal_mode").fetchone()[0])
' "$R/.loom/check.db")"
[ ! -e "$R/.loom/check.db-wal" ] && [ ! -e "$R/.loom/check.db-shm" ] || fail "explorer: -wal or -shm left behind"
ok "explorer: reads the repository, creates, writes, truncates and removes only in its index (SQLite in WAL mode, with a sort spilled to temporary files), no network"

# The Explorer's real work: refresh the Context Loom index and rank. libgit2
# also reads git's configuration outside the repository (repo_outside_paths).
echo "/* checksum of the file */" >>"$R/lib/util.c"
check "explorer query" 0 explorer --repo "$R" --index "$R/.loom" --git-paths -- query "checksum of a file"
expect_report "explorer query" "query checksum of a file: ok lib/util.c"
check "explorer query, git's config unreadable" 1 explorer --repo "$R" --index "$R/.loom" -- query checksum
expect_match "git's config is outside" "^query checksum: error .*'$HOME/.gitconfig'.*Permission denied" "$(tail -n +2 "$T/out")"
(cd "$R" && git checkout -q lib/util.c)
git -C "$R" worktree add -q "$T/wt"
mkdir "$T/wt/.loom"
check "explorer in a worktree" 0 explorer --repo "$T/wt" --index "$T/wt/.loom" --git-paths -- \
  query "run_util prints the checksum"
expect_report "explorer in a worktree" "query run_util prints the checksum: ok lib/util.c"
check "worktree, git directory unreadable" 1 explorer --repo "$T/wt" --index "$T/wt/.loom" \
  --read-only "$HOME" -- query checksum
expect_match "its git directory is outside" "^query checksum: error .*'$R/.git/worktrees/wt/.*Permission denied" "$(tail -n +2 "$T/out")"
ok "explorer: refreshes and queries the index inside its sandbox, in a worktree too (its git directory lies outside)"

# --- the model client inside the sandbox: names and certificates fetched before --------
# A host name other than localhost (which libcurl resolves itself) that means 127.0.0.1.
NAME=$($PY -c '
import socket
n = socket.gethostname()
try:
    if n != "localhost" and set(socket.gethostbyname_ex(n)[2]) == {"127.0.0.1"}:
        print(n)
except OSError:
    pass
')
HOST=${NAME:-localhost}
reply "$T/model" 001 'expect: messages[0].content = "hello"' "OK"
srv_start model --api llamacpp
PORT=${URL##*:}
check "coder chats" 0 coder --endpoint "http://$HOST:$PORT" -- open x chat hello
expect_report "coder chats" "open x: ok llamacpp
chat hello: ok 'OK'"
check "wrong port" 1 architect --endpoint "http://$HOST:$PORT" --port "$MODEL_PORT" -- open x
expect_match "only the allowed port" "^open x: error cannot reach the model server" "$(tail -n +2 "$T/out")"
if [ -n "$NAME" ]; then
  # without model_net the sandboxed client cannot read /etc/hosts or /etc/resolv.conf
  LOOM_ENDPOINT="http://$NAME:$PORT" check "unprepared name" 1 architect --port "$PORT" -- open x
  expect_match "no resolver inside" "^open x: error .*Could not resolve host: $NAME" "$(tail -n +2 "$T/out")"
  ok "model client: '$NAME' resolved before restricting, used through CURLOPT_RESOLVE; unresolvable inside the sandbox"
else
  echo "note: no host name besides localhost means 127.0.0.1 here: pre-resolution checked by test_sandbox only"
fi
srv_stop
ok "architect/coder: the model client works inside the sandbox on the allowed port only"

if command -v openssl >/dev/null; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
    -subj "/CN=$HOST" -addext "subjectAltName=DNS:$HOST" 2>/dev/null
  $PY -c '
import http.server, os, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"{\"object\": \"list\", \"data\": [{\"id\": \"tls-model\"}]}"
        self.send_response(200 if self.path == "/v1/models" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
s.socket = ctx.wrap_socket(s.socket, server_side=True)
open(sys.argv[3] + ".tmp", "w").write("%d\n" % s.server_address[1])
os.rename(sys.argv[3] + ".tmp", sys.argv[3])
s.serve_forever()
' "$T/cert.pem" "$T/key.pem" "$T/tls.port" &
  SRV_PIDS="$SRV_PIDS $!"
  for i in $(seq 100); do [ -s "$T/tls.port" ] && break; sleep 0.05; done
  TLS="https://$HOST:$(cat "$T/tls.port")"
  LOOM_API=openai check "https" 0 architect --endpoint "$TLS" --ca "$T/cert.pem" -- open x
  expect_report "https" "open x: ok openai"
  LOOM_API=openai check "https, default bundle" 1 architect --endpoint "$TLS" -- open x
  expect_match "still verified" "^open x: error .*(self-signed|self signed)" "$(tail -n +2 "$T/out")"
  ok "https inside the sandbox: the CA bundle read before restricting (CURLOPT_CAINFO_BLOB), certificates still verified"
else
  echo "note: no openssl command: https inside the sandbox not tested"
fi
