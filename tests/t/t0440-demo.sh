#!/usr/bin/env bash
# loom demo: the embedded sample and script, replayed headless through the real
# roles against loom-fakesrv, give exactly the scripted plan, proposals and
# files (and the sample's own test passes); a non-empty DIR is refused with
# nothing written; `loom demo DIR` leaves a git repository with one commit and
# no server, no temporary directory behind it.
. "$(dirname "$0")/lib.sh"

export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"

# --- the embedded files are tui/demo/, byte for byte --------------------------
expect_status "export" 0 "$LOOM" demo --export "$T/d"
D="$T/d"
if [ -n "${LOOM_SRC:-}" ]; then
  diff -r "$LOOM_SRC/tui/demo/repo" "$D/repo" >"$T/diff" || fail "exported repo differs: $(cat "$T/diff")"
  diff -r "$LOOM_SRC/tui/demo/script" "$D/script" >"$T/diff" || fail "exported script differs: $(cat "$T/diff")"
  expect_eq "request" "$(cat "$LOOM_SRC/tui/demo/request.txt")" "$(cat "$D/request")"
fi
[ -x "$D/repo/tests/run.sh" ] || fail "tests/run.sh (#!) is not executable"
[ ! -x "$D/repo/Makefile" ] || fail "Makefile is executable"
expect_match "env names the server's options" '^# fakesrv: --api llamacpp ' "$(cat "$D/env")"
expect_status "export into a non-empty directory" 1 "$LOOM" demo --export "$D"
ok "--export writes tui/demo/ as it is in the source tree, modes by #!, and the settings"

# --- (a) the script through the real roles, as the demo runs it ---------------
A="$T/a"
cp -r "$D/repo" "$A"
(cd "$A" && git init -q && git add -A && git commit -qm sample)
cp -r "$D/repo" "$T/before"
cp -r "$D/script" "$T/demo"
# shellcheck disable=SC2046 # the options are words
srv_start demo $(sed -n 's/^# fakesrv: //p' "$D/env")
(
  set -a
  . "$D/env"
  set +a
  cd "$A"
  # a user's settings that would break the script are overridden by the demo's
  mkdir -p "$XDG_CONFIG_HOME/loom"
  printf 'model = qwen2.5-coder-1.5b\nmax_tokens = 64\napi_key_env = HOME\n' >"$XDG_CONFIG_HOME/loom/config"
  LOOM_ENDPOINT=$URL exec "$LOOM" run --approve=all --commit --json "$(cat "$D/request")"
) >"$T/events" 2>"$T/err" || fail "replay: $(cat "$T/err") $(cat "$T/demo.err")"
srv_stop
expect_eq "every reply used, each once" 3 "$(requests demo /v1/chat/completions)"
expect_eq "no expectation failed" "" "$(cat "$T/demo.err")"

# the expected files: the scripted SEARCH/REPLACE blocks applied to the sample
# by this independent reader (each SEARCH must match exactly once)
python3 - "$T/demo" "$T/before" "$T/events" "$A" <<'P' || fail "events or files differ from the script"
import json, os, re, sys
script, before, events, after = sys.argv[1:5]

def reply(name):
    text = open(os.path.join(script, name)).read()
    return text.split("\n---\n", 1)[1][:-1]

def blocks(text):
    out, path = [], None
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        l = lines[i]
        if l == "<<<<<<< SEARCH":
            j = lines.index("=======", i)
            k = lines.index(">>>>>>> REPLACE", j)
            s = "".join(x + "\n" for x in lines[i + 1:j])
            r = "".join(x + "\n" for x in lines[j + 1:k])
            out.append((path, s, r))
            i = k + 1
            continue
        m = re.search(r"`([^`]+)`", l)
        if m:
            path = m.group(1)
        elif l and " " not in l:
            path = l
        i += 1
    return out

allev = [json.loads(l) for l in open(events)]
# every proposal is checked with `make test` first (the baseline too), and passes
checks = [e for e in allev if e["event"] == "check"]
assert [(c.get("baseline", False), c["passed"]) for c in checks] == [(True, True), (False, True), (False, True)], checks
evs = [e for e in allev if e["event"] != "check"]
names = [e["event"] for e in evs]
assert names == ["plan", "ledger", "proposal", "applied", "ledger", "proposal", "applied",
                 "summary"], names
plan = json.loads(reply("001-architect-plan.reply"))
assert evs[0]["steps"] == plan["steps"], evs[0]
files = {}
def text(p):
    if p not in files:
        files[p] = open(os.path.join(before, p)).read()
    return files[p]
want_hunks = [{"src/main.c": 3}, {"tests/run.sh": 1, "README.md": 1}]
for step, name in enumerate(["002-coder-step1.reply", "003-coder-step2.reply"]):
    prop, applied = evs[2 + 3 * step], evs[3 + 3 * step]
    touched = []
    for path, s, r in blocks(reply(name)):
        assert text(path).count(s) == 1, (path, s)
        files[path] = text(path).replace(s, r)
        if path not in touched:
            touched.append(path)
    got = {f["path"]: len(f["hunks"]) for f in prop["files"]}
    assert [f["path"] for f in prop["files"]] == touched, prop
    assert got == want_hunks[step], got
    assert all(h["approved"] for f in prop["files"] for h in f["hunks"]), prop
    assert applied["files"] == touched, applied
s = evs[-1]
assert (s["steps"], s["proposed"], s["applied"], s["failed"]) == (2, 2, 2, 0), s
for path, want in files.items():
    got = open(os.path.join(after, path)).read()
    assert got == want, "%s:\n%s\nwanted:\n%s" % (path, got, want)
P
cd "$A"
goal2=$(grep -m1 "\"event\":\"plan\"" "$T/events" | python3 -c 'import json,sys; print(json.load(sys.stdin)["steps"][1]["goal"])')
expect_eq "one commit per step" "loom: $goal2" "$(git log -1 --format=%s)"
expect_eq "step 1's commit" "src/main.c" "$(git show --name-only --format= HEAD~1)"
expect_eq "only the scripted files changed" "README.md src/main.c tests/run.sh" \
  "$(git diff --name-only HEAD~2 | tr '\n' ' ' | sed 's/ $//')"
if command -v make >/dev/null && command -v cc >/dev/null; then
  make -s test >"$T/make.out" 2>&1 || fail "make test after the demo's change: $(cat "$T/make.out")"
  expect_match "the new tests ran" "ok   greet --count 2 Ada" "$(cat "$T/make.out")"
  git clean -qfdx -e .loom
else
  echo "# skipped make test: no make or cc"
fi
cd "$T"
ok "the script replays through Architect, Explorer and Coder: the plan, 3 + 1 + 1 hunks, the files as scripted, make test passes"

# --- (b) refusals: nothing written ------------------------------------------
mkdir "$T/full" && echo mine >"$T/full/keep"
expect_status "a non-empty DIR" 1 "$LOOM" demo "$T/full"
expect_eq "one line" 1 "$(wc -l <"$T/err")"
expect_eq "its text" "loom: error: '$T/full' is not empty: give a new or empty directory" "$(cat "$T/err")"
expect_eq "nothing on stdout" "" "$(cat "$T/out")"
expect_eq "the directory untouched" "keep" "$(ls -A "$T/full")"
echo x >"$T/afile"
expect_status "a file as DIR" 1 "$LOOM" demo "$T/afile"
expect_eq "one line" 1 "$(wc -l <"$T/err")"
expect_status "two directories" 2 "$LOOM" demo "$T/x" "$T/y"
[ ! -e "$T/x" ] && [ ! -e "$T/y" ] || fail "a usage error created a directory"
expect_eq "nothing in TMPDIR" "" "$(ls -A "$TMPDIR")"
expect_status "help" 0 "$LOOM" demo --help
expect_match "help" "^usage: loom demo \[DIR\]" "$(cat "$T/out")"
ok "a non-empty DIR or a file is refused in one line, status 1, with nothing written; two DIRs are a usage error"

# --- (c) loom demo DIR: a git repository with one commit, and no server after --
# demo_ran NAME: checks what `loom demo` said and left ($T/out, $T/err)
demo_ran() {
  local dir=$1 note pid port
  note=$(grep '^loom: demo: the scripted model server' "$T/err") || fail "no server note: $(cat "$T/err")"
  pid=$(printf '%s' "$note" | sed -n 's/.*(loom-fakesrv, pid \([0-9]*\)).*/\1/p')
  port=$(printf '%s' "$note" | sed -n 's/.*http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p')
  [ -n "$pid" ] && [ -n "$port" ] || fail "note: $note"
  if kill -0 "$pid" 2>/dev/null; then fail "the server $pid still runs"; fi
  python3 -c 'import socket,sys
s = socket.socket()
try:
    s.connect(("127.0.0.1", int(sys.argv[1]))); sys.exit(1)
except ConnectionRefusedError:
    pass' "$port" || fail "something still listens on $port"
  expect_eq "where it is, last" "the sample repository is in $dir; remove it with rm -rf $dir" \
    "$(tail -n1 "$T/out")"
  expect_eq "one commit" 1 "$(git -C "$dir" rev-list --count HEAD)"
  expect_eq "clean" "" "$(git -C "$dir" status --porcelain)"
  expect_eq "the sample's files" "$(cd "$D/repo" && find . -type f | sort)" \
    "$(cd "$dir" && find . -path ./.git -prune -o -path ./.loom -prune -o -type f -print | sort)"
  diff -r -x .git -x .loom "$D/repo" "$dir" >"$T/diff" || fail "files differ: $(cat "$T/diff")"
  expect_match "run.sh committed executable" "^100755 " "$(git -C "$dir" ls-files -s tests/run.sh)"
  expect_match "the author is the user's" "^loom test <test@loom.invalid>" \
    "$(git -C "$dir" log -1 --format='%an <%ae>')"
}
st=0
"$LOOM" demo "$T/c" </dev/null >"$T/out" 2>"$T/err" || st=$?
# the session needs a terminal: 0 from a session that ran, 1 from one that could not
[ "$st" = 0 ] || [ "$st" = 1 ] || fail "loom demo DIR: exit $st: $(cat "$T/err")"
demo_ran "$T/c"
expect_eq "the script's directory is gone" "" "$(ls -A "$TMPDIR")"
if grep -q '^tui_run (stub): ' "$T/out"; then
  expect_match "label" "label=scripted model \(demo\)$" "$(cat "$T/out")"
  expect_match "prefill" "prefill=$(cat "$D/request")$" "$(cat "$T/out")"
  expect_match "the session's directory" "dir=$T/c$" "$(cat "$T/out")"
  expect_match "intro says it is scripted" "intro: .*script" "$(cat "$T/out")"
fi

mkdir "$T/empty"
st=0
"$LOOM" demo "$T/empty" </dev/null >"$T/out" 2>"$T/err" || st=$?
[ "$st" = 0 ] || [ "$st" = 1 ] || fail "loom demo EMPTYDIR: exit $st: $(cat "$T/err")"
demo_ran "$T/empty"

st=0
"$LOOM" demo </dev/null >"$T/out" 2>"$T/err" || st=$?
[ "$st" = 0 ] || [ "$st" = 1 ] || fail "loom demo: exit $st: $(cat "$T/err")"
dflt=$(ls -d "$TMPDIR"/loom-demo-*)
expect_eq "only the repository in TMPDIR" "$dflt" "$(ls -d "$TMPDIR"/*)"
demo_ran "$dflt"
ok "loom demo [DIR]: one commit of the sample by the user, the server stopped and its port closed, no temporary files left"

# --- no loom-fakesrv beside loom: one line, the repository still said --------
mkdir "$T/bin" && cp "$LOOM" "$T/bin/loom"
for w in loom-worker-model loom-worker-explorer; do cp "$(dirname "$LOOM")/$w" "$T/bin/"; done
expect_status "no server" 1 "$T/bin/loom" demo "$T/nosrv"
expect_match "says which" "^loom: error: cannot run the scripted model server '$T/bin/loom-fakesrv'" "$(cat "$T/err")"
expect_eq "and where the repository is" "the sample repository is in $T/nosrv; remove it with rm -rf $T/nosrv" "$(cat "$T/out")"
expect_eq "no other temporary file" "$dflt" "$(ls -d "$TMPDIR"/*)"
ok "without loom-fakesrv beside loom: one line naming it, and where the repository was left"
