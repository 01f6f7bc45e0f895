#!/bin/sh
# run.sh - hexd's tests: each case feeds INPUT (printf %b escapes) to ./hexd
fails=0

# check INPUT EXPECTED ARGS...
check() {
    input=$1
    want=$2
    shift 2
    got=$(printf '%b' "$input" | ./hexd "$@" 2>&1)
    if [ "$got" = "$want" ]; then
        echo "ok   hexd $*"
    else
        echo "FAIL hexd $*: expected [$want], got [$got]"
        fails=$((fails + 1))
    fi
}

check 'hi\n' "00000000  68 69 0a"
check '' ""
check 'abcdefghijklmnopqrst' "00000000  61 62 63 64 65 66 67 68 69 6a 6b 6c 6d 6e 6f 70
00000010  71 72 73 74"
check 'abcdef' "00000000  61 62 63 64
00000004  65 66" -w 4
check 'x' "hexd: bad width '0'" -w 0

# -n COUNT: only the first COUNT bytes
check 'abcdef' "00000000  61 62 63" -n 3
check 'abcdefgh' "00000000  61 62
00000002  63 64
00000004  65" -n 5 -w 2
check 'ab' "00000000  61 62" -n 10
check 'x' "hexd: bad count 'abc'" -n abc

check 'x' "hexd: unknown option '-x'
usage: hexd [-w WIDTH] [-n COUNT] [FILE]" -x

[ "$fails" -eq 0 ] || { echo "$fails failed"; exit 1; }
echo "all passed"
