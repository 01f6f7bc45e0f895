#!/bin/sh
# run.sh - kvget's tests: each case runs ./kvget and compares what it prints.
fails=0

# check EXPECTED ARGS...
check() {
    want=$1
    shift
    got=$(./kvget "$@" 2>&1)
    if [ "$got" = "$want" ]; then
        echo "ok   kvget $*"
    else
        echo "FAIL kvget $*: expected [$want], got [$got]"
        fails=$((fails + 1))
    fi
}

check "127.0.0.1" tests/server.conf host
check "8080" tests/server.conf port
check "my server" tests/server.conf name
check "a=b is fine" tests/server.conf greeting
check "kvget: no key 'timeout' in tests/server.conf" tests/server.conf timeout
check "kvget: cannot open 'missing.conf'" missing.conf host
check "usage: kvget FILE KEY" tests/server.conf

[ "$fails" -eq 0 ] || { echo "$fails failed"; exit 1; }
echo "all passed"
