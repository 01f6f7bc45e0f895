#!/usr/bin/env bash
# The loom executable: help, version, exit codes for usage errors.
. "$(dirname "$0")/lib.sh"

out=$("$LOOM" --help)
expect_match "--help lists index" "^  index " "$out"
expect_match "--help lists query" "^  query " "$out"
expect_match "--help documents exit codes" "0 success, 1 failure, 2 usage error" "$out"
ok "--help"

expect_match "--version" "^loom [0-9]+\.[0-9]+\.[0-9]+$" "$("$LOOM" --version)"
ok "--version"

expect_status "unknown command" 2 "$LOOM" frobnicate
expect_match "unknown command message" "unknown command 'frobnicate'" "$(cat "$T/err")"
expect_status "bad option" 2 "$LOOM" index --no-such-option
expect_status "bad --max-size" 2 "$LOOM" index --max-size lots
expect_status "bad --budget" 2 "$LOOM" query --budget -5 task
expect_status "bad --top" 2 "$LOOM" query --top zero task
expect_status "two paths" 2 "$LOOM" index a b
ok "usage errors exit 2"

for c in index query ledger; do
  expect_status "$c --help" 0 "$LOOM" "$c" --help
  expect_match "$c --help" "^usage: loom $c" "$(cat "$T/out")"
done
ok "subcommand help"

expect_status "missing repository" 1 "$LOOM" index "$T/nope"
expect_match "missing repository message" "cannot open repository '.*nope'" "$(cat "$T/err")"
echo x >"$T/file"
expect_status "a file is not a repository" 1 "$LOOM" index "$T/file"
expect_match "file message" "is not a directory" "$(cat "$T/err")"
git init -q --bare "$T/bare.git"
expect_status "bare repository" 1 "$LOOM" index "$T/bare.git"
expect_match "bare message" "bare repository" "$(cat "$T/err")"
ok "bad repository paths fail with one line"
