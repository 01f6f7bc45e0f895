#!/usr/bin/env bash
# The starter evaluation suite, eval/starter/ (format: eval/README.md). Every
# task.json is complete, with allowed values, and its id is its folder's name;
# the suite keeps its mix of languages and error classes; on a fresh git copy
# of repo/ the check fails within its timeout, with output of the class it
# names (a loose grep: core/check.c is the real classifier), and leaves the work
# tree clean; with solution/ laid over it the check passes, and 'files' lists
# exactly the files that differ. Rust tasks are skipped, each with a "skip"
# line, when cargo cannot run.
REAL_HOME=${HOME:-}
. "$(dirname "$0")/lib.sh"

SRC=${LOOM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
SUITE="$SRC/eval/starter"
[ -d "$SUITE" ] || fail "no suite at $SUITE"

# lib.sh moved HOME; rustup's proxies find their toolchains through it
if [ -z "${RUSTUP_HOME:-}" ] && [ -d "$REAL_HOME/.rustup" ]; then
  export RUSTUP_HOME="$REAL_HOME/.rustup"
fi
export CARGO_HOME="$T/cargo-home" CARGO_TARGET_DIR="$T/cargo-target" CARGO_TERM_COLOR=never
unset RUSTFLAGS CARGO_BUILD_TARGET MAKEFLAGS CFLAGS
ulimit -c 0 # an assert() that aborts must not leave a core file in the work tree
have_cargo=0
if cargo --version >/dev/null 2>&1; then have_cargo=1; fi

# --- task.json: every field, allowed values; the suite's mix; the README list ---
mkdir -p "$T/meta"
python3 - "$SUITE" "$SRC/eval/README.md" "$T/meta" <<'PY' || fail "task.json validation"
import json, os, re, sys

suite, readme, meta = sys.argv[1:4]
FIELDS = {"id": str, "task": str, "check": str, "lang": str, "kind": str,
          "class": str, "timeout": int, "files": list}
LANGS = {"c", "python", "rust"}
KINDS = {"compile-error", "failing-test", "feature"}
CLASSES = {"rust-borrow", "rust-missing-derive", "type-mismatch", "syntax", "undefined-name",
           "link", "assertion", "test-failure", "other"}
errors = []
tasks = []
names = set()


def walk(root):
    """the files under root, as sorted relative paths"""
    out = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for f in files:
            out.append(os.path.relpath(os.path.join(d, f), root))
    return sorted(out)


for name in sorted(os.listdir(suite)):
    d = os.path.join(suite, name)
    names.add(name)
    bad = lambda msg: errors.append(f"{name}: {msg}")
    if not os.path.isdir(d):
        bad("not a task directory")
        continue
    extra = set(os.listdir(d)) - {"task.json", "repo", "solution"}
    if extra:
        bad(f"unexpected entries {sorted(extra)} (only task.json, repo/, solution/)")
    try:
        with open(os.path.join(d, "task.json"), encoding="utf-8") as f:
            t = json.load(f)
    except (OSError, ValueError) as e:
        bad(f"task.json: {e}")
        continue
    if not isinstance(t, dict):
        bad("task.json is not an object")
        continue
    missing, unknown = FIELDS.keys() - t.keys(), t.keys() - FIELDS.keys()
    if missing:
        bad(f"missing fields {sorted(missing)}")
    if unknown:
        bad(f"unknown fields {sorted(unknown)}")
    if missing:
        continue
    mistyped = [k for k, ty in FIELDS.items() if not isinstance(t[k], ty) or isinstance(t[k], bool)]
    if mistyped:
        kinds = {str: "a string", int: "an integer", list: "a list"}
        bad(", ".join(f"'{k}' must be {kinds[FIELDS[k]]}" for k in mistyped))
        continue
    if t["id"] != name:
        bad(f"id '{t['id']}' is not the folder's name")
    if not re.fullmatch(r"(c|py|rs)-[a-z0-9]+(-[a-z0-9]+)*", name):
        bad("the id must be c-, py- or rs- and lowercase words joined by '-'")
    for k in ("task", "check"):
        if not t[k].strip() or "\n" in t[k]:
            bad(f"'{k}' must be one non-empty line")
    if t["lang"] not in LANGS:
        bad(f"lang '{t['lang']}' is not one of {sorted(LANGS)}")
    if t["kind"] not in KINDS:
        bad(f"kind '{t['kind']}' is not one of {sorted(KINDS)}")
    if t["class"] not in CLASSES:
        bad(f"class '{t['class']}' is not one of {sorted(CLASSES)}")
    if t["class"].startswith("rust-") and t["lang"] != "rust":
        bad(f"class '{t['class']}' on a {t['lang']} task")
    if not name.startswith({"c": "c-", "python": "py-", "rust": "rs-"}.get(t["lang"], "?")):
        bad(f"the id's prefix does not match lang '{t['lang']}'")
    if not 1 <= t["timeout"] <= 600:
        bad(f"timeout {t['timeout']} is not in 1..600 seconds")
    files = t["files"]
    if not files or not all(isinstance(f, str) for f in files) or len(set(files)) != len(files):
        bad("'files' must be a non-empty list of distinct paths")
        continue
    for f in files:
        if f.startswith("/") or "\\" in f or os.path.normpath(f) != f or f.split("/")[0] in ("..", ".git"):
            bad(f"'{f}' in files is not a plain relative path")
    repo, sol = os.path.join(d, "repo"), os.path.join(d, "solution")
    rfiles = walk(repo) if os.path.isdir(repo) else []
    sfiles = walk(sol) if os.path.isdir(sol) else []
    if not 1 <= len(rfiles) <= 6:
        bad(f"repo/ has {len(rfiles)} files, not 1..6")
    if sfiles != sorted(files):
        bad(f"solution/ holds {sfiles}, 'files' says {sorted(files)}")
    for f in rfiles + sfiles:
        parts = f.split("/")
        if {"target", "__pycache__", ".git"} & set(parts) or f.endswith((".o", ".pyc")):
            bad(f"'{f}' is a build product or git's own")
    if t["lang"] == "c" and "Makefile" not in rfiles:
        bad("a C fixture needs a Makefile")
    if t["lang"] == "rust":
        for f in ("Cargo.toml", "Cargo.lock", ".gitignore"):
            if f not in rfiles:
                bad(f"a Rust fixture needs {f}")
        if "Cargo.toml" in rfiles:
            with open(os.path.join(repo, "Cargo.toml")) as f:
                if re.search(r"^\[(.+\.)?(dev-|build-)?dependencies", f.read(), re.M):
                    bad("Cargo.toml must have no dependencies (the check runs --offline)")
    tasks.append(t)
    with open(os.path.join(meta, name), "w") as f:
        f.write("\n".join([t["lang"], t["class"], str(t["timeout"]), t["check"], *sorted(files)]) + "\n")


def count(**want):
    return sum(all(t[k] == v for k, v in want.items()) for t in tasks)


mix = [("tasks", len(tasks), 24)]
mix += [(f"{lang} tasks", count(lang=lang), n) for lang, n in (("c", 9), ("python", 9), ("rust", 6))]
mix += [(f"{lang} {kind} tasks", count(lang=lang, kind=kind), 2)
        for lang in ("c", "python") for kind in sorted(KINDS)]
mix += [(f"rust {cls} tasks", count(lang="rust", **{"class": cls}), n)
        for cls, n in (("rust-borrow", 2), ("rust-missing-derive", 2), ("type-mismatch", 1),
                       ("assertion", 1))]
for what, have, need in mix:
    if have < need:
        errors.append(f"the suite has {have} {what}, needs at least {need}")

# the README's task list: one row per task, with its lang, kind and class
rows = {}
with open(readme, encoding="utf-8") as f:
    text = f.read()
if "\n## The starter suite\n" not in text:
    errors.append("eval/README.md has no section '## The starter suite'")
else:
    for line in text.split("\n## The starter suite\n", 1)[1].splitlines():
        m = re.match(r"\|\s*`([a-z0-9-]+)`\s*\|\s*([a-z]+)\s*\|\s*([a-z-]+)\s*\|\s*([a-z-]+)\s*\|", line)
        if m:
            rows[m.group(1)] = m.group(2, 3, 4)
for t in tasks:
    if t["id"] not in rows:
        errors.append(f"eval/README.md does not list {t['id']}")
    elif rows[t["id"]] != (t["lang"], t["kind"], t["class"]):
        errors.append(f"eval/README.md lists {t['id']} as {rows[t['id']]}")
for extra in sorted(rows.keys() - names):
    errors.append(f"eval/README.md lists {extra}, which is not in the suite")

for e in errors:
    print("FAIL:", e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
n=$(find "$T/meta" -type f | wc -l)
ok "$n task.json files valid; the mix of languages and classes; eval/README.md lists them all"

# --- each task: fails before, passes after ---------------------------------------
# class_pattern CLASS: what the failing check's output must show, loosely
class_pattern() {
  case $1 in
  rust-borrow) echo 'error\[E0(382|499|502|505|506|507|597|716)\]' ;;
  rust-missing-derive) echo 'error\[E0(277|369|599)\]' ;;
  type-mismatch) echo 'error\[E0308\]|incompatible type|mismatched types|TypeError' ;;
  syntax) echo 'SyntaxError|IndentationError|error: expected|syntax error' ;;
  undefined-name) echo 'NameError|undeclared|implicit declaration|cannot import name|has no attribute|error\[E0425\]' ;;
  link) echo 'undefined reference|multiple definition|ld returned' ;;
  assertion) echo 'AssertionError|Assertion .* failed|assertion .*failed|panicked' ;;
  test-failure) echo 'FAIL|ERROR|[0-9]+ failed' ;;
  *) echo '.' ;;
  esac
}

# run_check DIR TIMEOUT CHECK: the check's status in $st, its output in $T/out
run_check() {
  st=0
  (cd "$1" && exec timeout -k 5 "$2" sh -c "$3") </dev/null >"$T/out" 2>&1 || st=$?
}

changed() { # the work tree's changes against the commit, as sorted paths
  git -C "$1" status --porcelain --untracked-files=all | cut -c4- | LC_ALL=C sort
}

t0=$SECONDS
ran=0 skipped=0
for meta in "$T/meta"/*; do
  id=${meta##*/}
  { read -r lang; read -r class; read -r timeout; read -r check; } <"$meta"
  files=$(tail -n +5 "$meta")
  if [ "$lang" = rust ] && [ "$have_cargo" = 0 ]; then
    echo "skip - $id: cargo is not available"
    skipped=$((skipped + 1))
    continue
  fi
  W="$T/work/$id"
  mkdir -p "$W"
  cp -R "$SUITE/$id/repo/." "$W"
  (cd "$W" && git init -q && git add -A && git commit -qm "$id: the fixture") ||
    fail "$id: cannot commit the fixture"

  s=$SECONDS
  run_check "$W" "$timeout" "$check"
  case $st in
  0) fail "$id: the check passes before the change:
$(tail -n 20 "$T/out")" ;;
  124 | 137) fail "$id: the check did not finish within ${timeout}s before the change" ;;
  esac
  grep -Eq -- "$(class_pattern "$class")" "$T/out" ||
    fail "$id: the failing output does not look like class '$class':
$(tail -n 30 "$T/out")"
  expect_eq "$id: work tree after the failing check (build products must be ignored)" "" "$(changed "$W")"

  git -C "$W" clean -fdxq
  cp -R "$SUITE/$id/solution/." "$W"
  expect_eq "$id: files the solution changes" "$files" "$(changed "$W")"
  run_check "$W" "$timeout" "$check"
  case $st in
  0) ;;
  124 | 137) fail "$id: the check did not finish within ${timeout}s after the change" ;;
  *) fail "$id: the check fails with the solution (exit $st):
$(tail -n 30 "$T/out")" ;;
  esac
  expect_eq "$id: work tree after the passing check" "$files" "$(changed "$W")"
  ok "$id ($lang, $class): fails before, passes after ($((SECONDS - s))s)"
  ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || fail "no task ran"
ok "$ran tasks checked, $skipped skipped, in $((SECONDS - t0))s"
