#!/usr/bin/env bash
# loom index on hostile trees: odd files and names, damage, races, interruption.
. "$(dirname "$0")/lib.sh"

R="$T/repo"
mkrepo "$R"
cd "$R"

# binary, huge, invalid UTF-8, odd names, symlinks out of the repository
printf 'head\0tail zebrafinch' >blob.bin
python3 -c 'print("quokka " * 400)' >huge.txt
printf 'caf\xe9 \xff\xfe wombat\n' >latin1.txt
printf 'spaces wallaby\n' >"with space.txt"
printf 'newline numbat\n' >"$(printf 'new\nline.txt')"
printf 'unicode bilby\n' >"ünï cødé.txt"
printf 'bad name dingo\n' >"$(printf 'bad\xffname.txt')"
ln -s /etc/passwd passwd-link
ln -s /etc etc-link
mkdir -p deep && ln -s ../.. deep/loop
expect_status "odd tree" 0 "$LOOM" index --stats --verify --max-size 2k
db="$R/.loom/index.db"
sql() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); [print("|".join(map(str,r))) for r in c.execute(sys.argv[2])]' "$db" "$1"; }
expect_eq "binary skipped" "binary" "$(sql "select skip from files where path='blob.bin'")"
expect_eq "huge skipped" "larger than 2048 bytes" "$(sql "select skip from files where path='huge.txt'")"
expect_eq "symlink recorded, not followed" "symbolic link" "$(sql "select skip from files where path='passwd-link'")"
expect_eq "symlinked dir not entered" "" "$(sql "select path from files where path like 'etc-link/%'")"
expect_eq "loop not entered" "" "$(sql "select path from files where path like 'deep/loop/%'")"
expect_eq "odd names indexed" 4 "$(sql "select count(*) from files where skip is null and path in ('with space.txt', 'new
line.txt', 'ünï cødé.txt', 'latin1.txt')")"
ok "binary, huge, invalid UTF-8, odd names and symlinks"

expect_status "the size limit is remembered" 0 "$LOOM" index --stats
expect_eq "nothing re-read under the same limit" 0 "$(index_stat read)"
expect_status "a larger limit" 0 "$LOOM" index --stats --max-size 1M
expect_eq "the huge file is read now" 1 "$(index_stat read)"
expect_eq "and indexed" 1 "$(sql "select count(*) from files where path='huge.txt' and skip is null")"
expect_status "a smaller limit again" 0 "$LOOM" index --stats --verify --max-size 2k
expect_eq "the huge file is skipped again" "larger than 2048 bytes" "$(sql "select skip from files where path='huge.txt'")"
ok "--max-size is remembered; changing it re-reads the files it moves across"

git add -A && git commit -qm "odd files"
"$LOOM" query --json "zebrafinch quokka root wallaby numbat bilby wombat dingo" >"$T/q.json" 2>"$T/err" ||
  fail "query over odd files: $(cat "$T/err")"
paths=$(json "' '.join(sorted(f['path'] for f in j['files']))" "$T/q.json")
expect_no_match "binary content not searchable" "blob.bin" "$paths"
expect_no_match "huge content not searchable" "huge.txt" "$paths"
expect_no_match "symlink target not read" "passwd" "$paths"
expect_match "names with spaces found" "with space.txt" "$paths"
expect_match "invalid UTF-8 content found" "latin1.txt" "$paths"
expect_match "invalid UTF-8 name made valid" "bad\\\\ufffdname.txt|bad.name.txt" "$(python3 -c 'import json,sys; print(json.dumps([f["path"] for f in json.load(open(sys.argv[1]))["files"]]))' "$T/q.json")"
ok "query JSON stays valid over odd names and content"

"$LOOM" query --json --tag blob.bin "anything" >"$T/q.json"
expect_eq "tagged binary left out with reason" "not indexed: binary" \
  "$(json "[f for f in j['files'] if f['path']=='blob.bin'][0]['left_out']" "$T/q.json")"
ok "a tagged binary file says why it is not packed"

# a damaged database is rebuilt with one notice
printf 'this is not a database, it is %0400d' 0 >"$db"
rm -f "$db-wal" "$db-shm"
expect_status "damaged database" 0 "$LOOM" index --verify
expect_match "damage notice" "damaged.*rebuilding" "$(cat "$T/err")"
ok "a damaged database is rebuilt"

python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version=999"); c.commit()' "$db"
expect_status "future schema" 0 "$LOOM" index --verify
expect_match "schema notice" "schema 999.*rebuilding" "$(cat "$T/err")"
ok "a database of another schema version is rebuilt"

# two indexers at once: both succeed, the database stays whole
rm -rf .loom
"$LOOM" index 2>"$T/e1" & p1=$!
"$LOOM" index 2>"$T/e2" & p2=$!
wait $p1 || fail "first concurrent index: $(cat "$T/e1")"
wait $p2 || fail "second concurrent index: $(cat "$T/e2")"
expect_status "verify after concurrent runs" 0 "$LOOM" index --verify
[ -d "$T/cache/loom" ] && fail "a racing indexer fell back to the cache directory"
ok "concurrent indexers wait for each other"

# thousands of untracked files, then an interrupted index that the next run completes
python3 - <<'P'
import os
os.makedirs("gen", exist_ok=True)
for i in range(6000):
    with open("gen/f%05d.c" % i, "w") as f:
        f.write("int gen_%d(int x)\n{\n\treturn x * %d + %d;\n}\n" % (i, i, i) * 20)
P
"$LOOM" index & pid=$!
sleep 0.3
kill -INT $pid 2>/dev/null || true
st=0; wait $pid || st=$?
[ "$st" = 130 ] || [ "$st" = 0 ] || fail "interrupted index exited $st"
expect_status "index after interruption" 0 "$LOOM" index --stats --verify
[ "$st" = 0 ] || [ "$(index_stat read)" -gt 0 ] || fail "nothing left to do after an interruption"
expect_eq "all untracked files listed" 6000 "$(sql "select count(*) from files where path like 'gen/%'")"
ok "thousands of untracked files; an interrupted index (exit $st) is completed by the next"

# unreadable files and directories, and a read-only repository: run as another user
if [ "$(id -u)" = 0 ]; then
  as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
else
  as_user() { "$@"; }
fi
RO="$T/ro"
mkrepo "$RO"
mkdir -p "$RO/secret-dir" && echo "hidden" >"$RO/secret-dir/x.txt"
echo "private" >"$RO/secret.txt"
chmod 755 "$T" "$T/home"
mkdir -p "$T/cache" && chmod 777 "$T/cache"
git config --global --add safe.directory "$RO"
chmod 000 "$RO/secret.txt" "$RO/secret-dir"
if [ "$(id -u)" = 0 ]; then
  chmod -R a+rX "$RO" 2>/dev/null || true
  chmod 000 "$RO/secret.txt" "$RO/secret-dir"
else
  chmod a-w "$RO"
fi
st=0; as_user "$LOOM" index --stats --verify "$RO" >"$T/out" 2>"$T/err" || st=$?
expect_eq "read-only repository indexes" 0 "$st"
expect_match "says where the index went" "read-only; the index is kept in '$T/cache/loom/ro-" "$(cat "$T/err")"
expect_match "unreadable directory reported" "could not be read \(first: 'secret-dir'\)" "$(cat "$T/err")"
[ -e "$RO/.loom" ] && fail "a read-only repository got a .loom directory"
cachedb=$(ls "$T"/cache/loom/ro-*/index.db)
expect_match "unreadable file recorded" "unreadable: cannot open 'secret.txt': Permission denied" \
  "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select skip from files where path=?", ("secret.txt",)).fetchone()[0])' "$cachedb")"
ok "read-only repository, unreadable file and directory"
