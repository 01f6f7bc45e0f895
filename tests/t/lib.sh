# lib.sh - sourced by every end-to-end test: a private temporary world and helpers.
#
# Each test runs the real loom binary ($LOOM) in its own temporary directory,
# with HOME, XDG dirs and git configuration pointing inside it, and removes it
# on exit. Assertions print what was expected and what came, then fail.
set -eu
: "${LOOM:?LOOM must point at the loom binary}"
LOOM_TESTS=${LOOM_TESTS:-$(cd "$(dirname "$0")/.." && pwd)}

T=$(mktemp -d "${TMPDIR:-/tmp}/loom-test.XXXXXX")
SRV_PIDS=""
trap 'for p in $SRV_PIDS; do kill "$p" 2>/dev/null || :; done; chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"' EXIT
export HOME="$T/home" XDG_CACHE_HOME="$T/cache" XDG_CONFIG_HOME="$T/config"
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
unset LOOM_ENDPOINT LOOM_API LOOM_MODEL
mkdir -p "$HOME"
git config --global user.email test@loom.invalid
git config --global user.name "loom test"
git config --global init.defaultBranch main
git config --global advice.detachedHead false

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
  [ "$2" = "$3" ] || fail "$1: expected [$2], got [$3]"
}
# expect_match WHAT REGEX TEXT
expect_match() {
  printf '%s' "$3" | grep -Eq -- "$2" || fail "$1: [$2] not found in:
$3"
}
# expect_no_match WHAT REGEX TEXT
expect_no_match() {
  if printf '%s' "$3" | grep -Eq -- "$2"; then fail "$1: [$2] unexpectedly in:
$3"; fi
}
# expect_status WHAT CODE COMMAND... : runs the command, checks its exit status
expect_status() {
  local what=$1 want=$2 got=0
  shift 2
  "$@" >"$T/out" 2>"$T/err" || got=$?
  [ "$got" = "$want" ] || fail "$what: exit $got, expected $want; stderr: $(cat "$T/err")"
}

# json EXPR FILE: evaluates a Python expression over the JSON document j in FILE
json() {
  python3 -c 'import json,sys; j=json.load(open(sys.argv[2])); print(eval(sys.argv[1]))' "$1" "$2"
}

# index_stat FIELD: from a "loom index --stats" line on stderr ($T/err), e.g. "read"
index_stat() {
  sed -n "s/.* \([0-9][0-9]*\) $1[ ,].*/\1/p" "$T/err" | head -n1
}

# mkrepo DIR: a small C and Python project, committed
mkrepo() {
  mkdir -p "$1/src" "$1/lib" "$1/tests"
  cat >"$1/src/cli.c" <<'C'
#include <stdio.h>
#include "cli.h"
#include "../lib/util.h"

/* parse_args reads the command line into opts */
int parse_args(int argc, char **argv, struct opts *o)
{
	int i;
	for (i = 1; i < argc; i++) {
		if (argv[i][0] != '-')
			o->file = argv[i];
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	if (parse_args(argc, argv, &o) < 0)
		return 2;
	return run_util(o.file);
}
C
  cat >"$1/src/cli.h" <<'C'
#ifndef CLI_H
#define CLI_H
struct opts {
	const char *file;
};
int parse_args(int argc, char **argv, struct opts *o);
#endif
C
  cat >"$1/lib/util.h" <<'C'
#ifndef UTIL_H
#define UTIL_H
int run_util(const char *file);
#endif
C
  cat >"$1/lib/util.c" <<'C'
#include <stdio.h>
#include "util.h"

/* run_util prints the checksum of a file */
int run_util(const char *file)
{
	FILE *f = fopen(file, "rb");
	unsigned long sum = 0;
	int c;
	if (!f)
		return 1;
	while ((c = fgetc(f)) != EOF)
		sum = sum * 31 + (unsigned long)c;
	fclose(f);
	printf("checksum %lu\n", sum);
	return 0;
}
C
  cat >"$1/lib/tasks.py" <<'P'
import json


class TaskStore:
    """Keeps tasks as dicts in a JSON file."""

    def __init__(self, path):
        self.path = path
        self.tasks = []

    def load(self):
        with open(self.path) as f:
            self.tasks = json.load(f)

    def mark_done(self, name):
        for task in self.tasks:
            if task["name"] == name:
                task["done"] = True


def summary(tasks):
    return "%d tasks, %d done" % (len(tasks), sum(1 for t in tasks if t["done"]))
P
  cat >"$1/tests/test_tasks.py" <<'P'
from lib.tasks import TaskStore, summary


def test_summary():
    assert summary([{"name": "a", "done": True}]) == "1 tasks, 1 done"
P
  printf 'build/\n*.o\n' >"$1/.gitignore"
  printf '# Demo\n\nA tiny checksum tool with a task list.\n' >"$1/README.md"
  (cd "$1" && git init -q && git add -A && git commit -qm "initial import")
}

# reply DIR NAME HEADERS TEXT: writes the fake server's reply file DIR/NAME.reply
reply() {
  local headers=$3
  mkdir -p "$1"
  [ -z "$headers" ] || [ "${headers%$'\n'}" != "$headers" ] || headers="$headers"$'\n'
  printf '%s---\n%s\n' "$headers" "$4" >"$1/$2.reply"
}

# srv_start NAME [OPTIONS...]: runs loom-fakesrv on the script $T/NAME; sets PID and URL
srv_start() {
  local name=$1 i
  shift
  : "${LOOMFAKESRV:?LOOMFAKESRV must point at the loom-fakesrv binary}"
  mkdir -p "$T/$name"
  rm -f "$T/$name.port"
  "$LOOMFAKESRV" --script "$T/$name" --port-file "$T/$name.port" --log "$T/$name.log" "$@" \
    >/dev/null 2>>"$T/$name.err" &
  PID=$!
  SRV_PIDS="$SRV_PIDS $PID"
  for i in $(seq 100); do
    [ -s "$T/$name.port" ] && break
    kill -0 "$PID" 2>/dev/null || fail "$name: server died: $(cat "$T/$name.err")"
    sleep 0.05
  done
  expect_match "$name: port file" '^[0-9]+$' "$(cat "$T/$name.port")"
  URL=http://127.0.0.1:$(cat "$T/$name.port")
}

# srv_stop: SIGTERM, then the server must exit 0
srv_stop() {
  local st=0
  kill -TERM "$PID"
  wait "$PID" || st=$?
  expect_eq "exit status after SIGTERM" 0 "$st"
}

# requests NAME PATH: how many requests for PATH the server NAME logged
requests() {
  python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["path"]==sys.argv[2]))' "$T/$1.log" "$2"
}
