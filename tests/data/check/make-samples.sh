#!/bin/bash
# make-samples.sh - regenerates the real tool outputs that tests/unit/test_check.c
# reads: each sample is what a compiler or test runner printed for a tiny broken
# program, byte for byte (colours, curly quotes and all). Not run by the tests;
# run it by hand (bash tests/data/check/make-samples.sh) when a tool's format
# changes, and review the diff. A tool that is not installed keeps its old
# samples. The programs are built under /tmp/loom-check-samples, so the paths
# in the samples stay the same from run to run; thread ids, temporary object
# names and timings do not, and the tests do not depend on them.
#
# The samples in the repository came from: gcc 12.2, clang 14, ld.lld 14,
# GNU make 4.3, CMake/CTest 3.25, rustc/cargo 1.95, Python 3.11 (unittest),
# pytest 7.2, node 20 (node --test), npm 11, go 1.19.
set -u
OUT=$(cd "$(dirname "$0")" && pwd)
W=/tmp/loom-check-samples
rm -rf "$W" && mkdir -p "$W" && cd "$W" || exit 1
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset RUST_BACKTRACE
have() { command -v "$1" >/dev/null 2>&1 || { echo "skipped: no $1" >&2; return 1; }; }
# sample NAME DIR COMMAND...: runs COMMAND in DIR, keeps its output and error as NAME.txt
sample() { local name=$1 dir=$2; shift 2; (cd "$dir" && "$@") >"$OUT/$name.txt" 2>&1; echo "$name: exit $?"; }

# ---- C: gcc, clang, the linkers, make, assert, ctest ----
mkdir c && cd c
printf '#include <stdio.h>\n\nint main(void)\n{\n\tint x = 1\n\tprintf("%%d\\n", x);\n\treturn 0;\n}\n' >syntax.c
printf '#include <stdio.h>\n\nint main(void)\n{\n\tint total = 0;\n\tfor (int i = 0; i < 3; i++)\n\t\ttotal += countr;\n\tprintf("%%d\\n", total);\n\treturn 0;\n}\n' >undeclared.c
printf 'int main(void)\n{\n\treturn helper(3);\n}\n' >implicit.c
printf 'struct point {\n\tint x, y;\n};\n\nint main(void)\n{\n\tstruct point p = { 1, 2 };\n\tint n;\n\tchar *s = "abc";\n\tint *ip = s;\n\tn = p;\n\treturn n + *ip;\n}\n' >types.c
printf '#include "config_gen.h"\n\nint main(void) { return 0; }\n' >fatal.c
printf 'int compute(int);\n\nint main(void)\n{\n\treturn compute(2);\n}\n' >link.c
printf '#include <stdio.h>\n\nint main(void)\n{\n\tint unused;\n\tlong big = 1;\n\tprintf("%%d\\n", big);\n\treturn missing_fn();\n}\n' >warn.c
printf '#include <vector>\nint main() {\n\tstd::vector<int> v;\n\treturn cnt + v.size();\n}\n' >scope.cpp
cd ..
if have gcc; then
	sample gcc-syntax c gcc -Wall -c syntax.c
	sample gcc-undeclared c gcc -Wall -c undeclared.c
	sample gcc-implicit c gcc -Wall -Werror=implicit-function-declaration -c implicit.c
	sample gcc-types c gcc -Wall -Werror=incompatible-pointer-types -c types.c
	sample gcc-fatal c gcc -c fatal.c
	sample gcc-link c gcc -g link.c -o link
	sample gcc-warn-color c gcc -fdiagnostics-color=always -Wall -c warn.c
	sample gcc-warn-link-color c gcc -fdiagnostics-color=always -Wall warn.c -o warn
fi
have g++ && sample gxx-scope c g++ -c scope.cpp
if have clang; then
	sample clang-syntax c clang -Wall -c syntax.c
	sample clang-undeclared c clang -Wall -c undeclared.c
	sample clang-implicit c clang -Wall -Werror=implicit-function-declaration -c implicit.c
	sample clang-types c clang -Wall -Werror=incompatible-pointer-types -c types.c
	sample clang-fatal c clang -c fatal.c
	sample clang-link c clang -g link.c -o link
	sample clang-warn-color c clang -fdiagnostics-color=always -Wall -c warn.c
	have ld.lld && sample clang-lld c clang -fuse-ld=lld link.c -o link
fi

mkdir make1 && cd make1
printf 'CFLAGS = -Wall -Wextra -g\n\nall: calc\n\ncalc: calc.o util.o\n\t$(CC) $(CFLAGS) -o $@ $^\n\ntest: calc\n\t./calc 2 2\n' >Makefile
printf '#include <stdio.h>\n#include <stdlib.h>\n#include "util.h"\n\nint main(int argc, char **argv)\n{\n\tint unused;\n\tif (argc < 3)\n\t\treturn 2;\n\tprintf("%%d\\n", add(atoi(argv[1]), atoi(argv[2]));\n\treturn 0;\n}\n' >calc.c
printf 'int add(int a, int b);\n' >util.h
printf '#include "util.h"\n\nint add(int a, int b)\n{\n\treturn a + c;\n}\n' >util.c
cd ..
if have make && have gcc; then
	sample make-gcc-C make1 env LANG=C LC_ALL=C make -k test
	sample make-gcc-color make1 make -k test CFLAGS="-Wall -Wextra -g -fdiagnostics-color=always"
	rm -f make1/*.o
fi

mkdir make2 && cd make2
printf 'CFLAGS = -Wall -g\n\ntest: test_calc\n\t./test_calc\n\ntest_calc: test_calc.c\n\t$(CC) $(CFLAGS) -o $@ $<\n' >Makefile
printf '#include <assert.h>\n#include <stdio.h>\n\nstatic int add(int a, int b) { return a - b; }\n\nint main(void)\n{\n\tassert(add(1, 1) == 2);\n\tputs("ok");\n\treturn 0;\n}\n' >test_calc.c
cd ..
have make && have gcc && sample make-assert make2 make test

mkdir cmake1 && cd cmake1
printf 'cmake_minimum_required(VERSION 3.16)\nproject(demo C)\nenable_testing()\nadd_executable(t_ok t_ok.c)\nadd_executable(t_fail t_fail.c)\nadd_test(NAME t_ok COMMAND t_ok)\nadd_test(NAME t_fail COMMAND t_fail)\n' >CMakeLists.txt
printf 'int main(void) { return 0; }\n' >t_ok.c
printf '#include <stdio.h>\n\nint main(void)\n{\n\tint got = 3, want = 4;\n\tif (got != want) {\n\t\tfprintf(stderr, "t_fail.c:6: expected %%d, got %%d\\n", want, got);\n\t\treturn 1;\n\t}\n\treturn 0;\n}\n' >t_fail.c
cd ..
# the command check_detect() proposes for this CMakeLists.txt
have cmake && sample ctest cmake1 sh -c 'cmake -S . -B .loom/check-build && cmake --build .loom/check-build -j2 && cd .loom/check-build && ctest --output-on-failure'

# ---- Rust ----
if have cargo; then
	mkdir rs && cd rs
	for n in borrow derive derive2 mismatch syntax unresolved testfail panic offdep; do
		cargo new --quiet --lib "$n"
	done
	cat >borrow/src/lib.rs <<'EOF'
pub fn total(v: Vec<i32>) -> i32 {
    let w = v;
    let s: i32 = w.iter().sum();
    s + v.len() as i32
}

pub fn push_while_reading(v: &mut Vec<i32>) {
    let first = &v[0];
    v.push(*first);
    println!("{}", first);
}
EOF
	cat >derive/src/lib.rs <<'EOF'
pub struct Point {
    pub x: i32,
    pub y: i32,
}

pub fn show(p: &Point) -> String {
    format!("{:?}", p)
}

pub fn same(a: &Point, b: &Point) -> bool {
    a == b
}
EOF
	cat >derive2/src/lib.rs <<'EOF'
pub struct Config {
    pub name: String,
}

fn dup<T: Clone>(t: &T) -> T {
    t.clone()
}

pub fn copy(c: &Config) -> Config {
    dup(c)
}
EOF
	cat >mismatch/src/lib.rs <<'EOF'
pub fn count(items: &[u32]) -> u32 {
    let n: u32 = items.len();
    n
}
EOF
	cat >syntax/src/lib.rs <<'EOF'
pub fn add(a: i32, b: i32) -> i32 {
    let c = a + b
    c
}
EOF
	cat >unresolved/src/lib.rs <<'EOF'
pub fn area(w: f64, h: f64) -> f64 {
    let a = w * height;
    a
}
EOF
	cat >testfail/src/lib.rs <<'EOF'
pub fn add(a: i32, b: i32) -> i32 {
    a - b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_small_numbers() {
        assert_eq!(add(2, 2), 4);
    }

    #[test]
    fn adds_zero() {
        assert_eq!(add(0, 0), 0);
    }
}
EOF
	cat >panic/src/lib.rs <<'EOF'
pub fn parse(s: &str) -> u32 {
    s.parse().unwrap()
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses() {
        assert!(super::parse("12") == 13, "parse gave the wrong number");
        let v: Vec<u32> = Vec::new();
        let _ = v[3];
    }

    #[test]
    fn parses_garbage() {
        super::parse("x");
    }
}
EOF
	# a dependency that is not in cargo's cache, as a change might add one
	sed -i 's/^\[dependencies\]$/[dependencies]\nrand = "0.8"/' offdep/Cargo.toml
	cd ..
	for n in borrow derive derive2 mismatch syntax unresolved testfail; do
		sample "cargo-$n" "rs/$n" cargo test --quiet --offline
	done
	# one test thread, so the two failures are always printed in the same order
	sample cargo-panic rs/panic cargo test --quiet --offline -- --test-threads=1
	sample cargo-offline-dep rs/offdep cargo test --quiet --offline
	sample cargo-testfail-backtrace rs/testfail env RUST_BACKTRACE=1 cargo test --quiet --offline
fi

# ---- Python: unittest, pytest ----
mkdir -p py/u1/tests py/u2/tests py/plain py/pt/tests py/pt2/tests
cat >py/u1/calc.py <<'EOF'
def add(a, b):
    return a - b


def scale(v, k):
    return [x * k for x in v] + k
EOF
touch py/u1/tests/__init__.py py/u2/tests/__init__.py
cat >py/u1/tests/test_calc.py <<'EOF'
import unittest

from calc import add, scale


class CalcTest(unittest.TestCase):
    def test_add(self):
        self.assertEqual(add(2, 2), 4)

    def test_scale(self):
        self.assertEqual(scale([1, 2], 2), [2, 4])

    def test_total(self):
        self.assertEqual(totl([1, 2]), 3)

    def test_ok(self):
        self.assertTrue(True)


if __name__ == "__main__":
    unittest.main()
EOF
printf 'def add(a, b):\n    return (a + b\n' >py/u2/calc.py
printf 'import unittest\n\nfrom calc import add\n\n\nclass CalcTest(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(2, 2), 4)\n' >py/u2/tests/test_calc.py
printf 'def f():\n    x = 1\n      return x\n' >py/plain/indent.py
cat >py/plain/name.py <<'EOF'
import json


def load(path):
    with open(path) as f:
        return jsn.load(f)


def main():
    print(load("/dev/null"))


main()
EOF
printf 'def add(a, b):\n    return a - b\n\n\ndef mean(v):\n    return sum(v) / len(v)\n' >py/pt/calc.py
printf '[pytest]\ntestpaths = tests\n' >py/pt/pytest.ini
cat >py/pt/tests/test_calc.py <<'EOF'
import pytest

from calc import add, mean


def test_add():
    assert add(2, 2) == 4


def test_mean_empty():
    assert mean([]) == 0


@pytest.mark.parametrize("a,b", [(1, 1), (2, 3)])
def test_add_param(a, b):
    result = add(a, b)
    assert result == a + b, f"add({a}, {b}) gave {result}"


def test_ok():
    assert add(1, 0) == 1
EOF
printf '[pytest]\n' >py/pt2/pytest.ini
printf 'def test_x(:\n    pass\n' >py/pt2/tests/test_bad.py
if have python3; then
	sample py-unittest py/u1 python3 -m unittest discover -s tests -t . -q
	sample py-unittest-syntax py/u2 python3 -m unittest discover -s tests -t . -q
	sample py-indent py/plain python3 indent.py
	sample py-nameerror py/plain python3 name.py
fi
# pytest: whichever python3 has it (Debian's python3-pytest is for /usr/bin/python3)
for py in python3 /usr/bin/python3; do
	if "$py" -m pytest --version >/dev/null 2>&1; then
		sample pytest py/pt "$py" -m pytest -q
		sample pytest-syntax py/pt2 "$py" -m pytest -q
		break
	fi
done

# ---- node, npm ----
mkdir -p js/a js/b js/c
cat >js/a/index.js <<'EOF'
const fs = require("fs");

function load(path) {
  if (!fs.existsSync(path)) {
    throw new Error(`config not found: ${path}`);
  }
  return JSON.parse(fs.readFileSync(path, "utf8"));
}

load("/nonexistent/config.json");
EOF
printf '{\n  "name": "a",\n  "version": "1.0.0",\n  "scripts": {\n    "test": "node index.js"\n  }\n}\n' >js/a/package.json
printf 'function sum(a, b) {\n  return a - b;\n}\nmodule.exports = { sum };\n' >js/b/sum.js
cat >js/b/sum.test.js <<'EOF'
const test = require("node:test");
const assert = require("node:assert");
const { sum } = require("./sum");

test("adds two numbers", () => {
  assert.strictEqual(sum(2, 3), 5);
});

test("adds zero", () => {
  assert.strictEqual(sum(0, 0), 0);
});

test("calls a missing helper", () => {
  assert.ok(total([1]));
});
EOF
printf '{\n  "name": "b",\n  "version": "1.0.0",\n  "scripts": {\n    "test": "node --test"\n  }\n}\n' >js/b/package.json
printf 'function f(x) {\n  return g(x;\n}\nmodule.exports = f;\n' >js/c/bad.js
printf 'const assert = require("assert");\nconst f = require("./bad");\nassert.equal(f(1), 2);\n' >js/c/t.js
printf 'const assert = require("assert");\nfunction double(x) { return x + x + 1; }\nassert.deepStrictEqual({ n: double(2) }, { n: 4 });\n' >js/c/u.js
if have npm; then
	sample npm-error js/a npm test --silent
	sample node-test js/b npm test --silent
fi
if have node; then
	sample node-syntax js/c node t.js
	sample node-assert js/c node u.js
fi

# ---- go ----
if have go; then
	export GOPATH=$W/gopath GOCACHE=$W/gocache GOFLAGS= GOPROXY=off
	for d in build syn test pan tbuild; do
		mkdir -p "go/$d"
		printf 'module example.com/shapes\n\ngo 1.19\n' >"go/$d/go.mod"
	done
	printf 'package shapes\n\nfunc Area(w, h int) int {\n\tvar name int = "square"\n\treturn w * hieght + name\n}\n' >go/build/shapes.go
	printf 'package shapes\n\nfunc Area(w, h int) int {\n\treturn w * h +\n}\n' >go/syn/shapes.go
	printf 'package shapes\n\nfunc Area(w, h int) int {\n\treturn w + h\n}\n\nfunc Sides(name string) int {\n\tm := map[string]int{"square": 4}\n\treturn m[name]\n}\n' >go/test/shapes.go
	cat >go/test/shapes_test.go <<'EOF'
package shapes

import "testing"

func TestArea(t *testing.T) {
	if got, want := Area(2, 3), 6; got != want {
		t.Errorf("Area(2, 3) = %d, want %d", got, want)
	}
}

func TestSides(t *testing.T) {
	if Sides("triangle") != 3 {
		t.Fatal("a triangle has three sides")
	}
}

func TestOK(t *testing.T) {}
EOF
	printf 'package shapes\n\nfunc Nth(v []int, i int) int {\n\treturn v[i]\n}\n' >go/pan/shapes.go
	printf 'package shapes\n\nimport "testing"\n\nfunc TestNth(t *testing.T) {\n\tif Nth([]int{1, 2, 3}, 3) != 3 {\n\t\tt.Fail()\n\t}\n}\n' >go/pan/shapes_test.go
	printf 'package shapes\n\nfunc Area(w, h int) int { return w * h }\n' >go/tbuild/shapes.go
	printf 'package shapes\n\nimport "testing"\n\nfunc TestArea(t *testing.T) {\n\tif Perimeter(2, 3) != 10 {\n\t\tt.Fail()\n\t}\n}\n' >go/tbuild/shapes_test.go
	sample go-build go/build go test ./...
	sample go-syntax go/syn go test ./...
	sample go-test go/test go test ./...
	sample go-panic go/pan go test ./...
	sample go-test-build go/tbuild go test ./...
fi
