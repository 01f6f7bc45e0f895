#!/bin/sh
# run.sh - greet's tests: each case runs ./greet and compares what it prints.
fails=0

# check EXPECTED ARGS...
check() {
	want=$1
	shift
	got=$(./greet "$@" 2>&1)
	if [ "$got" = "$want" ]; then
		echo "ok   greet $*"
	else
		echo "FAIL greet $*: expected [$want], got [$got]"
		fails=$((fails + 1))
	fi
}

check "Hello, Ada!" Ada
check "HELLO, ADA!" --shout Ada
check "Hi, Ada!
Hi, Bo!" --greeting Hi Ada Bo
check "greet: unknown option '--loud' (see greet --help)" --loud Ada

[ "$fails" -eq 0 ] || { echo "$fails failed"; exit 1; }
echo "all passed"
