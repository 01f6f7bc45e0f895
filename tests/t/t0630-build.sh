#!/usr/bin/env bash
# loom build with loom-fakesrv: a spec's slots filled one at a time, each
# checked by its own test. A slot that fails then succeeds is retried with
# its error; one that thrashes is split into helpers and a combiner; one that
# never succeeds becomes a labelled stub and a TODO (exit 3); a build killed
# mid-slot resumes with nothing lost and nothing done twice; a second run
# takes every slot from the cache at zero tokens.
. "$(dirname "$0")/lib.sh"

R="$T/repo"
mkdir -p "$R/src" "$R/tests"
cd "$R"
# a test per slot, stdlib unittest
unit() { # NAME EXPR EXPECTED
  cat >"tests/test_$1.py" <<PY
import unittest
from src import text


class T(unittest.TestCase):
    def test_$1(self):
        self.assertEqual($2, $3)
PY
}
unit slugify 'text.slugify("Hello, World!")' '"hello-world"'
unit words 'text.count_words("a b  c")' '3'
unit pair 'text.parse_pair(" k = v ")' '("k", "v")'
unit shout 'text.shout("hi")' '"HI!"'
unit never 'text.never_right(2)' '42'
echo '# demo' >README.md
git init -q && git add -A && git commit -qm "initial import"

slot() { # NAME SIGNATURE CONTRACT
  printf '{"name": "%s", "signature": "%s", "contract": "%s", "test": "python3 -m unittest -q tests.test_%s"}' \
    "$1" "$2" "$3" "$1"
}
spec() { # FILE SLOT...
  local f=$1 sep=""
  shift
  {
    printf '{"target": "src/text.py", "lang": "python", "prelude": "\\"\\"\\"Text helpers, built by loom build.\\"\\"\\"\\nimport re\\n", "slots": ['
    for s in "$@"; do printf '%s%s' "$sep" "$s"; sep=", "; done
    printf ']}\n'
  } >"$f"
}
SLUG=$(slot slugify 'def slugify(s: str) -> str:' 'lower case, runs of non-alphanumerics become one dash, no dash at either end')
WORDS=$(slot words 'def count_words(s: str) -> int:' 'the number of blank-separated words')
spec "$T/spec1.json" "$SLUG" "$WORDS"

SLUG_BAD='def slugify(s: str) -> str:
    return s.lower()'
SLUG_OK='```python
def slugify(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")
```'
WORDS_OK='def count_words(s: str) -> int:
    return len(s.split())'

# --- fails, then succeeds: retried with the test's error -----------------------
reply "$T/retry" 001 'expect: max_tokens = 512
expect: stop[0] = "\n```\n"
expect: messages[1].content ~ "Signature: def slugify(s: str) -> str:"
expect: messages[1].content ~ "<<< THIS UNIT >>>"' "$SLUG_BAD"
reply "$T/retry" 002 'expect: messages[1].content ~ "Its test failed"
expect: messages[1].content ~ "hello-world"
expect: messages[1].content ~ "return s.lower()"' "$SLUG_OK"
reply "$T/retry" 003 'expect: messages[1].content ~ "Signature: def count_words"
expect: messages[1].content ~ "re.sub("' "$WORDS_OK"
srv_start retry
"$LOOM" build --endpoint "$URL" "$T/spec1.json" >"$T/out" 2>"$T/err" || fail "retry: $(cat "$T/out" "$T/err")"
expect_match "slugify: verified on the second attempt" "slugify: verified after 2 attempts \([1-9][0-9]* tokens\)" "$(cat "$T/out")"
expect_match "count_words: first attempt" "words: verified after 1 attempt " "$(cat "$T/out")"
expect_match "summary" "src/text.py: 2 slots, 2 verified \(0 from the cache, 0 restored\), 0 stubs; tokens [1-9]" "$(cat "$T/out")"
expect_eq "three model calls" 3 "$(requests retry /v1/chat/completions)"
srv_stop
expect_eq "the assembled file works" "hello-world 3" \
  "$(python3 -c 'from src import text; print(text.slugify("Hello, World!"), text.count_words("a b  c"))')"
expect_match "prelude first" '^"""Text helpers' "$(head -n1 src/text.py)"
expect_no_match "no fence in the file" '```' "$(cat src/text.py)"
FIRST_TOKENS=$(sed -n 's/.*; tokens \([0-9]*\),.*/\1/p' "$T/out")
# each verified slot was one change set: two undos remove the file
"$LOOM" undo >/dev/null || fail "loom undo after a build"
expect_match "one undo: count_words is a stub again" "TODO\(loom\): words: not built yet" "$(cat src/text.py)"
"$LOOM" undo >/dev/null || fail "the second loom undo"
[ ! -e src/text.py ] || fail "undo: the built file is still there"
ok "a slot that fails its test is retried with the error; the verified pieces are assembled"

# --- the second run: every slot from the cache, no model at all ---------------
srv_start cache
"$LOOM" build --json --endpoint "$URL" "$T/spec1.json" >"$T/events" 2>"$T/err" || fail "cache: $(cat "$T/err")"
python3 - "$T/events" "$FIRST_TOKENS" <<'PY' || fail "cache: $(cat "$T/events")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
slots = [e for e in ev if e["event"] == "slot"]
assert [(s["name"], s["status"], s["tokens"]) for s in slots] == [("slugify", "cached", 0), ("words", "cached", 0)], slots
s = ev[-1]
assert s["event"] == "summary" and s["tokens"] == 0 and s["cached"] == 2 and s["stubs"] == 0, s
assert s["tokens_saved"] == int(sys.argv[2]), (s, sys.argv[2])
PY
expect_eq "no request reached the model server" 0 "$(cat "$T/cache.log" 2>/dev/null | wc -l | tr -d ' ')"
srv_stop
expect_eq "the file again" "hello-world 3" \
  "$(python3 -c 'from src import text; print(text.slugify("Hello, World!"), text.count_words("a b  c"))')"
"$LOOM" build "$T/spec1.json" >"$T/out" 2>"$T/err" || fail "cache, no endpoint: $(cat "$T/err")"
expect_match "text: tokens 0" "tokens 0, saved by the cache $FIRST_TOKENS" "$(cat "$T/out")"
ok "a second run takes every solved slot from the cache: no model request, 0 tokens ($FIRST_TOKENS saved)"

# an edited test misses the cache
echo "# edited" >>tests/test_words.py
reply "$T/edited" 001 'expect: messages[1].content ~ "Signature: def count_words"' "$WORDS_OK"
srv_start edited
"$LOOM" build --endpoint "$URL" "$T/spec1.json" >"$T/out" 2>"$T/err" || fail "edited: $(cat "$T/err")"
expect_match "slugify cached" "slugify: cached" "$(cat "$T/out")"
expect_match "count_words asked again" "words: verified after 1 attempt" "$(cat "$T/out")"
expect_eq "one model call" 1 "$(requests edited /v1/chat/completions)"
srv_stop
ok "the cache key holds the test's files: an edited test asks the model again"

# --- thrashes: split into helpers and a trivial combiner --------------------------
PAIR=$(slot pair 'def parse_pair(s: str) -> tuple:' 'split \"key = value\" at the first =, both sides stripped')
spec "$T/spec2.json" "$PAIR"
reply "$T/thrash" 001 '' 'def parse_pair(s: str) -> tuple:
    return s.split("=")'
reply "$T/thrash" 002 '' 'def parse_pair(s: str) -> tuple:
    return tuple(undefined_name)'
reply "$T/thrash" 003 '' 'def parse_pair(s: str) -> tuple:
    raise KeyError("nope")'
reply "$T/thrash" 004 'expect: messages[0].content ~ "smaller helper functions"
expect: messages[1].content ~ "undefined_name"
expect: messages[1].content ~ "KeyError"' '{"helpers": [{"name": "split_once", "signature": "def _split_once(s: str) -> list:", "contract": "split at the first ="}, {"name": "strip_all", "signature": "def _strip_all(parts: list) -> tuple:", "contract": "strip each part, as a tuple"}], "combiner": "def parse_pair(s: str) -> tuple:\n    return _strip_all(_split_once(s))"}'
reply "$T/thrash" 005 'expect: messages[1].content ~ "Signature: def _split_once"
expect: messages[1].content ~ "return _strip_all(_split_once(s))"' 'def _split_once(s: str) -> list:
    return s.split("=", 1)'
reply "$T/thrash" 006 'expect: messages[1].content ~ "Signature: def _strip_all"' 'def _strip_all(parts: list) -> tuple:
    return tuple(p.strip() for p in parts)'
srv_start thrash
"$LOOM" build --json --endpoint "$URL" "$T/spec2.json" >"$T/events" 2>"$T/err" || fail "thrash: $(cat "$T/err" "$T/events")"
python3 - "$T/events" <<'PY' || fail "thrash: $(cat "$T/events")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
s = ev[-1]
assert s["verified"] == 1 and s["split"] == 1 and s["stubs"] == 0, s
PY
expect_eq "six model calls: three attempts, the split, two helpers" 6 "$(requests thrash /v1/chat/completions)"
srv_stop
expect_eq "the helpers and the combiner work" "('k', 'v')" "$(python3 -c 'from src import text; print(text.parse_pair(" k = v "))')"
expect_match "the helpers are in the file" "def _split_once" "$(cat src/text.py)"
ok "a slot whose attempts fail differently each time is split into helpers and a combiner"

# killed mid-split: the split and the first helper are not asked for again
python3 -c 'import sqlite3; c=sqlite3.connect(".loom/build.db"); c.execute("DELETE FROM slot_cache"); c.commit()'
for f in 001 002 003 004 005; do cp "$T/thrash/$f.reply" "$T/splitkill/$f.reply" 2>/dev/null || { mkdir -p "$T/splitkill"; cp "$T/thrash/$f.reply" "$T/splitkill/"; }; done
{ printf 'fault: stall 3000\n'; cat "$T/thrash/006.reply"; } >"$T/splitkill/006.reply"
cp "$T/thrash/006.reply" "$T/splitkill/007.reply"
srv_start splitkill
"$LOOM" build --endpoint "$URL" "$T/spec2.json" >"$T/out" 2>"$T/err" &
BPID=$!
for i in $(seq 200); do
  [ "$(requests splitkill /v1/chat/completions 2>/dev/null || echo 0)" -ge 6 ] && break
  sleep 0.05
done
expect_eq "the second helper's request is in flight" 6 "$(requests splitkill /v1/chat/completions)"
kill -9 "$BPID"
wait "$BPID" 2>/dev/null || :
"$LOOM" build --endpoint "$URL" "$T/spec2.json" >"$T/out" 2>"$T/err" || fail "split resume: $(cat "$T/out" "$T/err")"
expect_eq "seven model calls: only the one in flight again" 7 "$(requests splitkill /v1/chat/completions)"
srv_stop
expect_eq "the split slot works" "('k', 'v')" "$(python3 -c 'from src import text; print(text.parse_pair(" k = v "))')"
ok "a build killed mid-split resumes with the split and the helpers it had"

# --- never succeeds: a labelled stub, a TODO, exit 3 --------------------------------
SHOUT=$(slot shout 'def shout(s: str) -> str:' 'upper case and an exclamation mark')
NEVER=$(slot never 'def never_right(n: int) -> int:' 'the answer')
spec "$T/spec3.json" "$NEVER" "$SHOUT"
WRONG='def never_right(n: int) -> int:
    return n'
reply "$T/never" 001 '' "$WRONG"
reply "$T/never" 002 '' '```python
```'
reply "$T/never" 003 '' "$WRONG"
reply "$T/never" 004 'expect: messages[1].content ~ "Signature: def shout"' 'def shout(s: str) -> str:
    return s.upper() + "!"'
srv_start never
expect_status "never: exit 3" 3 "$LOOM" build --endpoint "$URL" "$T/spec3.json"
expect_match "the stub is reported" "never: stub after 3 attempts" "$(cat "$T/out")"
expect_match "the TODO line" "^TODO: never: the answer \(.*AssertionError: 2 != 42" "$(cat "$T/out")"
expect_eq "no split when errors repeat: four calls" 4 "$(requests never /v1/chat/completions)"
python3 - "$T/never.log" <<'PY' || fail "never: the empty reply's feedback: $(head -c 3000 "$T/never.log")"
import json, sys
chats = [json.loads(l)["body"] for l in open(sys.argv[1]) if json.loads(l)["path"] == "/v1/chat/completions"]
assert "The reply could not be used: the model's reply had no code" in chats[2]["messages"][1]["content"], chats[2]
PY
srv_stop
expect_match "a labelled stub in the file" 'raise NotImplementedError\("TODO\(loom\): never: AssertionError: 2 != 42"' "$(cat src/text.py)"
expect_eq "the other slot works" "HI!" "$(python3 -c 'from src import text; print(text.shout("hi"))')"
expect_match "the TODO list" '^- \[ \] `never` \(def never_right\(n: int\) -> int:\): the answer' "$(cat .loom/build-todo.md)"
ok "a slot that never passes becomes a labelled stub and a TODO; exit status 3"

# a C stub compiles, and fails loudly when called
mkdir -p csrc
cat >csrc/t_add.c <<'C'
#include <stdio.h>
int add(int a, int b);
int main(void) { return add(2, 3) == 5 ? 0 : (printf("add(2, 3) = %d\n", add(2, 3)), 1); }
C
git add csrc && git commit -qm "a C test"
printf '{"target": "csrc/add.c", "lang": "c", "prelude": "#include <stdlib.h>\n", "slots": [{"name": "add", "signature": "int add(int a, int b) {", "contract": "the sum", "test": "cc -Wall -Werror -o t_add csrc/add.c csrc/t_add.c && ./t_add"}]}\n' >"$T/spec-c.json"
reply "$T/cstub" 001 '' 'int add(int a, int b)
{
	return a - b;
}'
srv_start cstub
expect_status "C: exit 3" 3 "$LOOM" build --attempts 1 --endpoint "$URL" "$T/spec-c.json"
srv_stop
expect_match "a labelled C stub" 'TODO\(loom\): add: add\(2, 3\) = -1 \*/' "$(cat csrc/add.c)"
cc -Wall -Werror -o "$T/t_add" csrc/add.c csrc/t_add.c || fail "the C stub does not compile: $(cat csrc/add.c)"
st=0; "$T/t_add" 2>/dev/null || st=$?
expect_eq "the C stub aborts" 134 "$st"
ok "a C slot that never passes is a stub that compiles and aborts when called"

# one build at a time in a repository
exec 9>.loom/build.lock
flock -n 9
expect_status "a second build is refused" 1 "$LOOM" build "$T/spec1.json"
expect_match "says why" "another loom build is running in this repository" "$(cat "$T/err")"
exec 9>&-

# --- killed mid-build: resumes, nothing lost, nothing done twice ----------------------
spec "$T/spec4.json" "$SHOUT" "$SLUG" "$WORDS"
sqlite3 .loom/build.db 'DELETE FROM slot_cache' 2>/dev/null ||
  python3 -c 'import sqlite3; c=sqlite3.connect(".loom/build.db"); c.execute("DELETE FROM slot_cache"); c.commit()'
reply "$T/kill" 001 'expect: messages[1].content ~ "Signature: def shout"' 'def shout(s: str) -> str:
    return s.upper() + "!"'
reply "$T/kill" 002 'expect: messages[1].content ~ "Signature: def slugify"' "$SLUG_BAD"
reply "$T/kill" 003 'fault: stall 3000
expect: messages[1].content ~ "Signature: def slugify"' "$SLUG_OK"
reply "$T/kill" 004 'expect: messages[1].content ~ "Signature: def slugify"
expect: messages[1].content ~ "return s.lower()"
expect: messages[1].content ~ "Its test failed"' "$SLUG_OK"
reply "$T/kill" 005 'expect: messages[1].content ~ "Signature: def count_words"' "$WORDS_OK"
srv_start kill
"$LOOM" build --endpoint "$URL" "$T/spec4.json" >"$T/out" 2>"$T/err" &
BPID=$!
for i in $(seq 200); do
  [ "$(requests kill /v1/chat/completions 2>/dev/null || echo 0)" -ge 3 ] && break
  sleep 0.05
done
expect_eq "the second slot's second attempt is in flight" 3 "$(requests kill /v1/chat/completions)"
kill -9 "$BPID"
wait "$BPID" 2>/dev/null || :
expect_eq "the verified slot is on disk" "HI!" "$(python3 -c 'from src import text; print(text.shout("hi"))')"
"$LOOM" build --endpoint "$URL" "$T/spec4.json" >"$T/out" 2>"$T/err" || fail "resume: $(cat "$T/out" "$T/err")"
expect_match "shout restored, not redone" "shout: restored" "$(cat "$T/out")"
expect_match "slugify goes on from its failed attempt" "slugify: verified after 2 attempts" "$(cat "$T/out")"
expect_eq "five model calls in all: only the one in flight repeated" 5 "$(requests kill /v1/chat/completions)"
python3 - "$T/kill.log" <<'PY' || fail "kill: the requests: $(cat "$T/kill.log" | head -c 2000)"
import json, sys
chats = [json.loads(l)["body"] for l in open(sys.argv[1]) if json.loads(l)["path"] == "/v1/chat/completions"]
sigs = [c["messages"][1]["content"].split("\n")[1] for c in chats]
assert sigs == ["Signature: def shout(s: str) -> str:", "Signature: def slugify(s: str) -> str:",
                "Signature: def slugify(s: str) -> str:", "Signature: def slugify(s: str) -> str:",
                "Signature: def count_words(s: str) -> int:"], sigs
PY
srv_stop
expect_eq "the whole file" "HI! hello-world 3" \
  "$(python3 -c 'from src import text; print(text.shout("hi"), text.slugify("Hello, World!"), text.count_words("a b  c"))')"
ok "a build killed with SIGKILL mid-request resumes: the verified slot and the failed attempt are kept, nothing is asked twice but the request in flight"

# --- interrupted: exit 130, and the next run finishes ------------------------------
python3 -c 'import sqlite3; c=sqlite3.connect(".loom/build.db"); c.execute("DELETE FROM slot_cache"); c.commit()'
reply "$T/int" 001 'fault: stall 3000' "$SLUG_OK"
reply "$T/int" 002 'expect: messages[1].content ~ "Signature: def slugify"' "$SLUG_OK"
reply "$T/int" 003 'expect: messages[1].content ~ "Signature: def count_words"' "$WORDS_OK"
srv_start int
"$LOOM" build --endpoint "$URL" "$T/spec1.json" >"$T/out" 2>"$T/err" &
BPID=$!
for i in $(seq 200); do
  [ "$(requests int /v1/chat/completions 2>/dev/null || echo 0)" -ge 1 ] && break
  sleep 0.05
done
kill -INT "$BPID"
st=0
wait "$BPID" || st=$?
expect_eq "interrupted: exit 130" 130 "$st"
expect_match "says how to resume" "run the same command again to resume" "$(cat "$T/err")"
expect_status "the next run finishes" 0 "$LOOM" build --endpoint "$URL" "$T/spec1.json"
expect_eq "three model calls" 3 "$(requests int /v1/chat/completions)"
srv_stop
ok "Ctrl-C stops a build with exit status 130; the same command then finishes it"
