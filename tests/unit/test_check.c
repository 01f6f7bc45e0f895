/*
 * test_check.c - core/check: detecting a repository's check command, and
 * trimming, classifying and locating what a failing check printed.
 *
 * The outputs are real: the .txt files in tests/data/check are what gcc, clang, ld, make,
 * ctest, cargo, python3 (unittest), pytest, node, npm and go printed for tiny
 * broken programs (tests/data/check/make-samples.sh makes them again). Each
 * classification pattern also has a line of its own below, in the table's
 * order, so a pattern without a test stands out.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/buf.h"
#include "core/check.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/utf8.h"
#include "core/xalloc.h"

/* ---- helpers ---- */

static char tmp[512];

static void put(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f;

	if (strchr(name, '/')) {
		char *d = xstrdup(p);
		struct error e = ERROR_INIT;
		*strrchr(d, '/') = '\0';
		fs_mkdir_p(d, 0755, &e);
		free(d);
	}
	f = fopen(p, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(p);
}

/* A new empty directory under tmp, owned by the caller. */
static char *newdir(const char *name)
{
	char *d = xasprintf("%s/%s", tmp, name);

	CHECK_INT(mkdir(d, 0755), 0);
	return d;
}

/* The candidates' commands, one per line. */
static char *detect(const char *dir)
{
	struct check_cands c = CHECK_CANDS_INIT;
	struct buf b = BUF_INIT;
	size_t i, n = check_detect(dir, &c);

	CHECK_INT(n, c.n);
	for (i = 0; i < c.n; i++) {
		buf_addf(&b, "%s\n", c.v[i].cmd);
		/* every candidate says why, in one line */
		CHECK(c.v[i].why[0] && !strchr(c.v[i].why, '\n'));
	}
	check_cands_release(&c);
	CHECK(c.n == 0 && c.v == NULL);
	return buf_detach(&b, NULL);
}

#define CHECK_DETECT(dir, want)                                                                    \
	do {                                                                                       \
		char *got_ = detect(dir);                                                          \
		CHECK_STR(got_, want);                                                             \
		free(got_);                                                                        \
	} while (0)

static int valid_utf8(const char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		k = utf8_seq_len((const unsigned char *)s + i, n - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

/* What every trimmed text must be, whatever the input. */
static void check_bounded(const char *t, size_t max)
{
	size_t n = strlen(t);

	CHECK(n <= max);
	CHECK(valid_utf8(t, n));
	CHECK(!strchr(t, '\x1b') && !strchr(t, '\r'));
	CHECK(n == 0 || t[n - 1] == '\n');
	if (n > max || !valid_utf8(t, n))
		fprintf(stderr, "  (%zu bytes, at most %zu)\n", n, max);
}

static int begins(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* A file of the source tree, found from this file's path. */
static char *source_path(const char *rel)
{
	static const char suffix[] = "tests/unit/test_check.c";
	size_t flen = strlen(__FILE__);

	CHECK(flen > strlen(suffix) && !strcmp(__FILE__ + flen - strlen(suffix), suffix));
	return xasprintf("%.*s%s", (int)(flen - strlen(suffix)), __FILE__, rel);
}

static char *sample_path(const char *name)
{
	char *rel = xasprintf("tests/data/check/%s.txt", name), *p = source_path(rel);

	free(rel);
	return p;
}

static void sample(const char *name, struct buf *b)
{
	struct error e = ERROR_INIT;
	char *p = sample_path(name);

	buf_reset(b);
	if (fs_read_file(p, 0, b, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		CHECK(!"sample missing");
	}
	free(p);
}

/* ---- detection ---- */

static void test_detect_make(void)
{
	char *d;

	d = newdir("make-test");
	put(d, "Makefile",
	    "CFLAGS = -O2\n"
	    "check := not a target\n"
	    "define RULE\n"
	    "check:\n"
	    "endef\n"
	    "all: prog\n"
	    "\tcheck: not a rule either, a recipe line\n"
	    "test: all\n"
	    "\t./prog --self-test\n");
	CHECK_DETECT(d, "make test\n");
	free(d);

	d = newdir("make-both");
	put(d, "makefile", ".PHONY: check test\r\ncheck test:: all\r\nall:\r\n");
	CHECK_DETECT(d, "make test\nmake check\n");
	free(d);

	d = newdir("make-build");
	put(d, "Makefile", "# test: in a comment\nall: prog\nprog: prog.o\n");
	CHECK_DETECT(d, "make\n");
	free(d);

	/* no default goal: only special targets, pattern rules and variables */
	d = newdir("make-none");
	put(d, "Makefile", ".PHONY: x\n%.o: %.c\n\t$(CC) -c $<\nX = 1\n");
	CHECK_DETECT(d, "");
	free(d);

	/* GNU make reads GNUmakefile first: its targets count, not Makefile's */
	d = newdir("make-gnu");
	put(d, "GNUmakefile", "all:\n\ttrue\n");
	put(d, "Makefile", "test:\n\ttrue\n");
	CHECK_DETECT(d, "make\n");
	free(d);

	/* a makefile that is a symbolic link is not read (it could point anywhere) */
	d = newdir("make-link");
	put(d, "real.mk", "test:\n");
	{
		char *l = xasprintf("%s/Makefile", d);
		CHECK_INT(symlink("real.mk", l), 0);
		free(l);
	}
	CHECK_DETECT(d, "");
	free(d);
}

static void test_detect_cmake(void)
{
	char *d;

	d = newdir("cmake-tests");
	put(d, "CMakeLists.txt", "project(x C)\nenable_testing()\nadd_subdirectory(tests)\n");
	CHECK_DETECT(d, "cmake -S . -B .loom/check-build && cmake --build .loom/check-build -j2 "
	                "&& cd .loom/check-build && ctest --output-on-failure\n");
	free(d);

	/* any case, blanks before '(' */
	d = newdir("cmake-addtest");
	put(d, "CMakeLists.txt", "PROJECT(x C)\nADD_TEST (NAME t COMMAND t)\n");
	CHECK_DETECT(d, "cmake -S . -B .loom/check-build && cmake --build .loom/check-build -j2 "
	                "&& cd .loom/check-build && ctest --output-on-failure\n");
	free(d);

	d = newdir("cmake-ctest");
	put(d, "CMakeLists.txt", "project(x C)\ninclude( CTest )\n");
	CHECK_DETECT(d, "cmake -S . -B .loom/check-build && cmake --build .loom/check-build -j2 "
	                "&& cd .loom/check-build && ctest --output-on-failure\n");
	free(d);

	/* commented out, or only part of a longer name: no tests, a build */
	d = newdir("cmake-build");
	put(d, "CMakeLists.txt",
	    "project(x C)\n# enable_testing()\nmy_add_test(x)\ninclude(CTestConfig)\n");
	CHECK_DETECT(d, "cmake -S . -B .loom/check-build && cmake --build .loom/check-build -j2\n");
	free(d);
}

static void test_detect_langs(void)
{
	char *d;

	d = newdir("cargo");
	put(d, "Cargo.toml", "[package]\nname = \"x\"\n");
	CHECK_DETECT(d, "cargo test --quiet --offline\n");
	free(d);

	d = newdir("cargo-ws");
	put(d, "Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\n");
	CHECK_DETECT(d, "cargo test --quiet --offline --workspace\n");
	free(d);

	d = newdir("go");
	put(d, "go.mod", "module example.com/x\n\ngo 1.19\n");
	CHECK_DETECT(d, "go test ./...\n");
	free(d);

	d = newdir("npm");
	put(d, "package.json", "{\"name\": \"x\", \"scripts\": {\"test\": \"node --test\"}}");
	CHECK_DETECT(d, "npm test --silent\n");
	free(d);

	/* npm init's placeholder fails on purpose; no test script; not JSON */
	d = newdir("npm-placeholder");
	put(d, "package.json",
	    "{\"scripts\": {\"test\": \"echo \\\"Error: no test specified\\\" && exit 1\"}}");
	CHECK_DETECT(d, "");
	free(d);
	d = newdir("npm-none");
	put(d, "package.json", "{\"scripts\": {\"build\": \"tsc\"}}");
	CHECK_DETECT(d, "");
	free(d);
	d = newdir("npm-broken");
	put(d, "package.json", "{\"scripts\": {\"test\": ");
	CHECK_DETECT(d, "");
	free(d);
}

static void test_detect_python(void)
{
	static const struct {
		const char *name, *file, *text;
	} pytest[] = {
		{ "pt-ini", "pytest.ini", "[pytest]\n" },
		{ "pt-pyproject", "pyproject.toml",
		  "[project]\nname = \"x\"\n\n[tool.pytest.ini_options]\naddopts = \"-q\"\n" },
		{ "pt-setup", "setup.cfg", "[metadata]\nname = x\n[tool:pytest]\n" },
		{ "pt-tox", "tox.ini", "[tox]\n[pytest]\n" },
		{ "pt-conftest", "conftest.py", "import pytest\n" },
	};
	size_t i;
	char *d;

	/* pytest's configuration, in each of its places; unittest is then not proposed */
	for (i = 0; i < sizeof(pytest) / sizeof(pytest[0]); i++) {
		d = newdir(pytest[i].name);
		put(d, pytest[i].file, pytest[i].text);
		put(d, "tests/test_x.py", "def test_x(): pass\n");
		CHECK_DETECT(d, "python3 -m pytest -q\n");
		free(d);
	}

	/* mentions that are not configuration */
	d = newdir("pt-not");
	put(d, "pyproject.toml", "[project]\ndescription = \"uses [tool.pytest]\"\n");
	put(d, "setup.cfg", "# [tool:pytest] later\n");
	CHECK_DETECT(d, "");
	free(d);

	/* unittest from the tests' directory, as a package when it is one */
	d = newdir("ut-plain");
	put(d, "tests/test_calc.py", "import unittest\n");
	CHECK_DETECT(d, "python3 -m unittest discover -s tests -q\n");
	free(d);
	d = newdir("ut-package");
	put(d, "test/__init__.py", "");
	put(d, "test/test_calc.py", "import unittest\n");
	CHECK_DETECT(d, "python3 -m unittest discover -s test -t . -q\n");
	free(d);
	d = newdir("ut-none");
	put(d, "tests/helpers.py", "");
	put(d, "test_top.py", "");
	CHECK_DETECT(d, "");
	free(d);
}

static void test_detect_order(void)
{
	struct check_cands c = CHECK_CANDS_INIT;
	char *d = newdir("all");

	CHECK_DETECT(d, "");
	put(d, "Makefile", "all:\ncheck:\n");
	put(d, "package.json", "{\"scripts\": {\"test\": \"jest\"}}");
	put(d, "CMakeLists.txt", "enable_testing()\n");
	put(d, "pytest.ini", "[pytest]\n");
	put(d, "Cargo.toml", "[package]\n");
	put(d, "go.mod", "module x\n");
	put(d, "tests/test_a.py", "");
	CHECK_DETECT(d, "make check\n"
	                "npm test --silent\n"
	                "cmake -S . -B .loom/check-build && cmake --build .loom/check-build -j2 && "
	                "cd .loom/check-build && ctest --output-on-failure\n"
	                "python3 -m pytest -q\n"
	                "cargo test --quiet --offline\n"
	                "go test ./...\n");

	/* appends to what the list holds; an unreadable root gives nothing */
	CHECK_INT(check_detect(d, &c), 6);
	CHECK_INT(check_detect(d, &c), 6);
	CHECK_INT(c.n, 12);
	CHECK_STR(c.v[0].why, "Makefile has a 'check' target");
	CHECK(strstr(c.v[4].why, "--offline") != NULL);
	CHECK_INT(check_detect("/nonexistent/loom-check", &c), 0);
	CHECK_INT(c.n, 12);
	check_cands_release(&c);
	free(d);
}

/* ---- classification: one line per pattern, in the table's order ---- */

struct pcase {
	const char *line, *cls, *why;
};

static const struct pcase pcases[] = {
	/* syntax */
	{ "syntax.c:5:11: error: expected ';' at end of declaration", "syntax",
	  "a compiler error starting 'expected '" },
	{ "./shapes.go:5:1: syntax error: unexpected }, expecting expression", "syntax",
	  "a compiler error starting 'syntax error'" },
	{ "error: unexpected closing delimiter: `}`", "syntax",
	  "a compiler error starting 'unexpected closing delimiter'" },
	{ "error: mismatched closing delimiter: `)`", "syntax",
	  "a compiler error starting 'mismatched closing delimiter'" },
	{ "error: this file contains an unclosed delimiter", "syntax",
	  "a compiler error starting 'this file contains an unclosed delimiter'" },
	{ "path.c:3:9: error: stray '\\' in program", "syntax",
	  "a compiler error starting 'stray '" },
	{ "path.c:2:16: error: missing terminating \" character", "syntax",
	  "a compiler error starting 'missing terminating '" },
	{ "path.c:4:1: error: unterminated comment", "syntax",
	  "a compiler error starting 'unterminated '" },
	{ "path.c:9:1: error: extraneous closing brace ('}')", "syntax",
	  "a compiler error starting 'extraneous closing brace'" },
	{ "SyntaxError: '(' was never closed", "syntax", "exception SyntaxError" },
	{ "IndentationError: unexpected indent", "syntax", "exception IndentationError" },
	{ "TabError: inconsistent use of tabs and spaces in indentation", "syntax",
	  "exception TabError" },
	/* rust-missing-derive */
	{ "error[E0277]: `Point` doesn't implement `Debug`", "rust-missing-derive",
	  "rustc error E0277 for a derivable trait" },
	{ "error[E0369]: binary operation `==` cannot be applied to type `&Point`",
	  "rust-missing-derive", "rustc error E0369 with 'binary operation `==`'" },
	{ "error[E0369]: binary operation `!=` cannot be applied to type `Point`",
	  "rust-missing-derive", "rustc error E0369 with 'binary operation `!=`'" },
	{ "error[E0369]: binary operation `<` cannot be applied to type `Point`",
	  "rust-missing-derive", "rustc error E0369 with 'binary operation `<`'" },
	{ "error[E0369]: binary operation `>` cannot be applied to type `Point`",
	  "rust-missing-derive", "rustc error E0369 with 'binary operation `>`'" },
	{ "error[E0369]: binary operation `<=` cannot be applied to type `Point`",
	  "rust-missing-derive", "rustc error E0369 with 'binary operation `<=`'" },
	{ "error[E0369]: binary operation `>=` cannot be applied to type `Point`",
	  "rust-missing-derive", "rustc error E0369 with 'binary operation `>=`'" },
	{ "error[E0599]: no method named `clone` found for struct `Config` in the current scope",
	  "rust-missing-derive", "rustc error E0599 with 'no method named `clone` found'" },
	{ "error[E0599]: no function or associated item named `default` found for struct `Config` "
	  "in the current scope",
	  "rust-missing-derive", "rustc error E0599 with 'named `default` found'" },
	{ "help: consider annotating `Point` with `#[derive(Debug)]`", "rust-missing-derive",
	  "a line starting 'help: consider annotating ' with 'with `#[derive('" },
	/* rust-borrow */
	{ "error[E0373]: closure may outlive the current function, but it borrows `x`, which is "
	  "owned by the current function",
	  "rust-borrow", "rustc error E0373" },
	{ "error[E0382]: borrow of moved value: `v`", "rust-borrow", "rustc error E0382" },
	{ "error[E0384]: cannot assign twice to immutable variable `x`", "rust-borrow",
	  "rustc error E0384" },
	{ "error[E0499]: cannot borrow `v` as mutable more than once at a time", "rust-borrow",
	  "rustc error E0499" },
	{ "error[E0502]: cannot borrow `*v` as mutable because it is also borrowed as immutable",
	  "rust-borrow", "rustc error E0502" },
	{ "error[E0503]: cannot use `x` because it was mutably borrowed", "rust-borrow",
	  "rustc error E0503" },
	{ "error[E0505]: cannot move out of `v` because it is borrowed", "rust-borrow",
	  "rustc error E0505" },
	{ "error[E0506]: cannot assign to `x` because it is borrowed", "rust-borrow",
	  "rustc error E0506" },
	{ "error[E0507]: cannot move out of `self.name` which is behind a shared reference",
	  "rust-borrow", "rustc error E0507" },
	{ "error[E0515]: cannot return reference to local variable `s`", "rust-borrow",
	  "rustc error E0515" },
	{ "error[E0521]: borrowed data escapes outside of function", "rust-borrow",
	  "rustc error E0521" },
	{ "error[E0594]: cannot assign to `p.x`, as `p` is not declared as mutable", "rust-borrow",
	  "rustc error E0594" },
	{ "error[E0596]: cannot borrow `v` as mutable, as it is not declared as mutable",
	  "rust-borrow", "rustc error E0596" },
	{ "error[E0597]: `s` does not live long enough", "rust-borrow", "rustc error E0597" },
	{ "error[E0713]: borrow may still be in use when destructor runs", "rust-borrow",
	  "rustc error E0713" },
	{ "error[E0716]: temporary value dropped while borrowed", "rust-borrow",
	  "rustc error E0716" },
	/* undefined-name */
	{ "undeclared.c:7:26: error: \xe2\x80\x98"
	  "countr\xe2\x80\x99 undeclared (first use in this "
	  "function)",
	  "undefined-name", "a compiler error containing 'undeclared'" },
	{ "implicit.c:3:16: error: implicit declaration of function \xe2\x80\x98helper\xe2\x80\x99 "
	  "[-Werror=implicit-function-declaration]",
	  "undefined-name", "a compiler error containing 'implicit declaration of function'" },
	{ "t.c:1:1: error: unknown type name 'size_tt'", "undefined-name",
	  "a compiler error containing 'unknown type name'" },
	{ "scope.cpp:4:16: error: \xe2\x80\x98"
	  "cnt\xe2\x80\x99 was not declared in this scope; did "
	  "you mean \xe2\x80\x98int\xe2\x80\x99?",
	  "undefined-name", "a compiler error containing 'was not declared in this scope'" },
	{ "t.c:8:11: error: no member named 'z' in 'struct point'", "undefined-name",
	  "a compiler error containing 'no member named'" },
	{ "fatal.c:1:10: fatal error: 'config_gen.h' file not found", "undefined-name",
	  "a compiler error containing 'file not found'" },
	{ "fatal.c:1:10: fatal error: config_gen.h: No such file or directory", "undefined-name",
	  "a compiler error containing 'no such file or directory'" },
	{ "./shapes.go:5:13: undefined: hieght", "undefined-name",
	  "a compiler error starting 'undefined: '" },
	{ "./shapes.go:9:4: p.Z undefined (type Point has no field or method Z)", "undefined-name",
	  "a compiler error containing 'has no field or method'" },
	{ "error[E0405]: cannot find trait `Shape` in this scope", "undefined-name",
	  "rustc error E0405" },
	{ "error[E0412]: cannot find type `Pointt` in this scope", "undefined-name",
	  "rustc error E0412" },
	{ "error[E0422]: cannot find struct, variant or union type `Pt` in this scope",
	  "undefined-name", "rustc error E0422" },
	{ "error[E0425]: cannot find value `height` in this scope", "undefined-name",
	  "rustc error E0425" },
	{ "error[E0432]: unresolved import `crate::util`", "undefined-name", "rustc error E0432" },
	{ "error[E0433]: failed to resolve: use of undeclared crate or module `fs`",
	  "undefined-name", "rustc error E0433" },
	{ "error[E0560]: struct `Point` has no field named `z`", "undefined-name",
	  "rustc error E0560" },
	{ "error[E0583]: file not found for module `util`", "undefined-name", "rustc error E0583" },
	{ "error[E0599]: no method named `lenght` found for struct `Vec<i32>` in the current scope",
	  "undefined-name", "rustc error E0599" },
	{ "error[E0609]: no field `z` on type `Point`", "undefined-name", "rustc error E0609" },
	{ "NameError: name 'totl' is not defined", "undefined-name", "exception NameError" },
	{ "UnboundLocalError: cannot access local variable 'n' where it is not associated with a "
	  "value",
	  "undefined-name", "exception UnboundLocalError" },
	{ "ModuleNotFoundError: No module named 'yaml'", "undefined-name",
	  "exception ModuleNotFoundError" },
	{ "ImportError: cannot import name 'ad' from 'calc' (/tmp/calc.py)", "undefined-name",
	  "exception ImportError: cannot import name" },
	{ "AttributeError: module 'json' has no attribute 'lods'", "undefined-name",
	  "exception AttributeError" },
	{ "ReferenceError: total is not defined", "undefined-name", "exception ReferenceError" },
	/* type-mismatch */
	{ "error[E0308]: mismatched types", "type-mismatch", "rustc error E0308" },
	{ "error[E0061]: this function takes 2 arguments but 1 argument was supplied",
	  "type-mismatch", "rustc error E0061" },
	{ "types.c:11:13: error: incompatible types when assigning to type "
	  "\xe2\x80\x98int\xe2\x80\x99 "
	  "from type \xe2\x80\x98struct point\xe2\x80\x99",
	  "type-mismatch", "a compiler error containing 'incompatible type'" },
	{ "types.c:10:19: error: initialization of \xe2\x80\x98int *\xe2\x80\x99 from incompatible "
	  "pointer type \xe2\x80\x98"
	  "char *\xe2\x80\x99 [-Werror=incompatible-pointer-types]",
	  "type-mismatch", "a compiler error containing 'incompatible pointer type'" },
	{ "t.c:3:5: error: conflicting types for 'add'", "type-mismatch",
	  "a compiler error containing 'conflicting types for'" },
	{ "t.c:9:11: error: invalid operands to binary + (have 'struct point' and 'int')",
	  "type-mismatch", "a compiler error containing 'invalid operands to binary'" },
	{ "t.c:6:9: error: too few arguments to function 'add'", "type-mismatch",
	  "a compiler error containing 'too few arguments to function'" },
	{ "t.c:6:9: error: too many arguments to function 'add'", "type-mismatch",
	  "a compiler error containing 'too many arguments to function'" },
	{ "t.cpp:4:16: error: cannot convert 'std::string' to 'int' in return", "type-mismatch",
	  "a compiler error containing 'cannot convert'" },
	{ "./x.go:4:9: invalid operation: a + s (mismatched types int and string)", "type-mismatch",
	  "a compiler error containing 'mismatched types'" },
	{ "./shapes.go:4:17: cannot use \"square\" (untyped string constant) as int value in "
	  "variable declaration",
	  "type-mismatch", "a compiler error starting 'cannot use '" },
	{ "TypeError: can only concatenate list (not \"int\") to list", "type-mismatch",
	  "exception TypeError" },
	/* link */
	{ "/tmp/lcs/c/link.c:5: undefined reference to `compute'", "link",
	  "a line containing 'undefined reference to '" },
	{ "/usr/bin/ld: b.o: multiple definition of `add'; a.o:a.c:1: first defined here", "link",
	  "a line containing 'multiple definition of '" },
	{ "collect2: error: ld returned 1 exit status", "link",
	  "a line containing 'ld returned ' with ' exit status'" },
	{ "clang: error: linker command failed with exit code 1 (use -v to see invocation)", "link",
	  "a line containing 'linker command failed'" },
	{ "ld.lld: error: undefined symbol: compute", "link",
	  "a line containing 'undefined symbol'" },
	{ "Undefined symbols for architecture arm64:", "link",
	  "a line containing 'Undefined symbols for architecture'" },
	{ "/usr/bin/ld: cannot find -lfoo: No such file or directory", "link",
	  "a line containing 'cannot find -l'" },
	{ "error: linking with `cc` failed: exit status: 1", "link",
	  "a line starting 'error: linking with `'" },
	/* assertion */
	{ "thread 'tests::adds' (1744) panicked at src/lib.rs:11:9:", "assertion",
	  "a line starting 'thread '' with 'panicked at '" },
	{ "test_calc: test_calc.c:8: main: Assertion `add(1, 1) == 2' failed.", "assertion",
	  "a line containing 'Assertion `' with '' failed'" },
	{ "Assertion failed: (x == 2), function main, file t.c, line 5.", "assertion",
	  "a line containing 'Assertion failed: '" },
	{ "AssertionError: 0 != 4", "assertion", "exception AssertionError" },
	{ "E       assert 0 == 4", "assertion", "a pytest E line starting 'assert '" },
	{ "--- FAIL: TestArea (0.00s)\n    shapes_test.go:7: Area(2, 3) = 5, got 6", "assertion",
	  "a go test's log under --- FAIL with the word 'got'" },
	{ "--- FAIL: TestArea (0.00s)\n    shapes_test.go:7: Area(2, 3) = 5, want 6", "assertion",
	  "a go test's log under --- FAIL with the word 'want'" },
	{ "--- FAIL: TestArea (0.00s)\n\tshapes_test.go:7: Expected 6", "assertion",
	  "a go test's log under --- FAIL with the word 'expected'" },
	/* test-failure */
	{ "test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out",
	  "test-failure", "a line starting 'test result: FAILED'" },
	{ "error: test failed, to rerun pass `--lib`", "test-failure",
	  "a line starting 'error: test failed'" },
	{ "--- FAIL: TestSides (0.00s)\n    shapes_test.go:13: a triangle has three sides",
	  "test-failure", "a line starting '--- FAIL: '" },
	{ "FAIL\texample.com/shapes\t0.002s", "test-failure", "a line starting 'FAIL\\t'" },
	{ "FAILED (failures=1, errors=2)", "test-failure", "a line starting 'FAILED ('" },
	{ "FAILED tests/test_calc.py::test_mean_empty - ZeroDivisionError: division by zero",
	  "test-failure", "a line starting 'FAILED ' with '::'" },
	{ "=================================== FAILURES ===================================",
	  "test-failure", "a line containing '= FAILURES ='" },
	{ "The following tests FAILED:", "test-failure",
	  "a line starting 'The following tests FAILED:'" },
	{ "2/2 Test #2: t_fail ...........................***Failed    0.00 sec", "test-failure",
	  "a line containing ' Test #' with '***Failed'" },
	{ "not ok 1 - adds two numbers", "test-failure", "a line starting 'not ok '" },
};

/* Lines that look like a pattern and are not one. */
static const struct pcase near_misses[] = {
	/* warnings never classify */
	{ "warn.c:8:16: warning: implicit declaration of function 'missing_fn'", "other", NULL },
	{ "t.c:3:1: warning: expected ';' at end of member declaration", "other", NULL },
	/* rustc's coded "expected ..." messages are not parse errors */
	{ "error[E0574]: expected struct, variant or union type, found enum `Shape`", "other",
	  NULL },
	/* not a derivable trait; not a comparison */
	{ "error[E0277]: `Point` doesn't implement `std::fmt::Display`", "other", NULL },
	{ "error[E0369]: binary operation `+` cannot be applied to type `Point`", "other", NULL },
	/* unittest's wrapper says nothing of the cause */
	{ "ImportError: Failed to import test module: tests.test_calc", "other", NULL },
	/* a go log line outside "--- FAIL:", and a word inside another */
	{ "    shapes_test.go:7: want 6", "other", NULL },
	{ "--- FAIL: TestX (0.00s)\n    x_test.go:3: I forgot the wanted thing", "test-failure",
	  NULL },
	/* not at the start of the line, or not the exception's name */
	{ "the log said: NameError: name 'x' is not defined", "other", NULL },
	{ "MyNameError: custom", "other", NULL },
	{ "ok 1 - adds\n# fail 0", "other", NULL },
};

static void test_patterns(void)
{
	char why[256];
	size_t i;

	for (i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		const struct pcase *c = &pcases[i];
		const char *cls = check_classify_why(c->line, strlen(c->line), 0, why, sizeof(why));
		if (strcmp(cls, c->cls) || strcmp(why, c->why))
			fprintf(stderr, "pattern %zu: '%s'\n", i, c->line);
		CHECK_STR(cls, c->cls);
		CHECK_STR(why, c->why);
		CHECK_STR(check_classify(c->line, strlen(c->line), 0), c->cls);
	}
	for (i = 0; i < sizeof(near_misses) / sizeof(near_misses[0]); i++) {
		const struct pcase *c = &near_misses[i];
		if (strcmp(check_classify(c->line, strlen(c->line), 0), c->cls))
			fprintf(stderr, "near miss %zu: '%s'\n", i, c->line);
		CHECK_STR(check_classify(c->line, strlen(c->line), 0), c->cls);
	}
}

/* The priority order decides between classes, whatever the lines' order. */
static void test_priority(void)
{
	static const struct {
		const char *out, *cls;
	} cases[] = {
		{ "util.c:5:20: error: 'c' undeclared (first use in this function)\n"
		  "calc.c:10:57: error: expected ')' before ';' token\n",
		  "syntax" },
		{ "error[E0308]: mismatched types\nerror[E0382]: borrow of moved value: `v`\n",
		  "rust-borrow" },
		{ "error[E0382]: use of moved value\nerror[E0277]: the trait bound `Config: Clone` "
		  "is "
		  "not satisfied\n",
		  "rust-missing-derive" },
		{ "TypeError: x\nNameError: name 'y' is not defined\n", "undefined-name" },
		{ "AssertionError: 1 != 2\nTypeError: unsupported operand\n", "type-mismatch" },
		{ "a.c:(.text+0x9): undefined reference to `f'\nAssertion failed: x\n", "link" },
		{ "test result: FAILED. 0 passed; 1 failed\nthread 'main' panicked at "
		  "src/main.rs:2:5:\n",
		  "assertion" },
		{ "", "other" },
	};
	char why[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(check_classify(cases[i].out, strlen(cases[i].out), 0), cases[i].cls);
	/* the time limit comes first of all; it is not in the output */
	CHECK_STR(check_classify_why(cases[0].out, strlen(cases[0].out), 1, why, sizeof(why)),
	          "timeout");
	CHECK_STR(why, "the check timed out");
	CHECK_STR(check_classify_why("", 0, 0, why, sizeof(why)), "other");
	CHECK_STR(why, "no pattern matched");
	CHECK_STR(check_classify(NULL, 0, 0), "other");
	/* a short buffer still gets a string */
	CHECK_STR(check_classify_why(cases[0].out, strlen(cases[0].out), 0, why, 8), "syntax");
	CHECK_STR(why, "a compi");
	/* the names, in priority order */
	CHECK_STR(check_class_names[0], "timeout");
	CHECK_STR(check_class_names[9], "other");
	CHECK(check_class_names[10] == NULL);
}

/* docs/CHECKS.md's table of classes lists every class, in priority order. */
static void test_doc(void)
{
	struct buf doc = BUF_INIT;
	struct error e = ERROR_INIT;
	char *p = source_path("docs/CHECKS.md"), *row;
	const char *at, *prev = NULL;
	size_t i;

	CHECK_INT(fs_read_file(p, 0, &doc, &e), 0);
	at = strstr(doc.ptr, "| class | meaning |");
	CHECK(at != NULL);
	for (i = 0; at && check_class_names[i]; i++) {
		row = xasprintf("\n| `%s` |", check_class_names[i]);
		prev = at;
		at = strstr(at, row);
		if (!at)
			fprintf(stderr, "docs/CHECKS.md: no row for %s after %.20s\n", row + 1,
			        prev);
		CHECK(at != NULL);
		free(row);
	}
	free(p);
	buf_release(&doc);
}

/* ---- the real samples ---- */

struct scase {
	const char *name, *cls;
	const char *file; /* NULL: no location */
	long line, col;
	const char *has[6], *hasnt[6];
};

#define SMP "/tmp/loom-check-samples/"

static const struct scase scases[] = {
	/* gcc, clang, the linkers, make */
	{ "gcc-syntax",
	  "syntax",
	  "syntax.c",
	  6,
	  9,
	  { "syntax.c:6:9: error: expected", "    6 |         printf(\"%d\\n\", x);", "^~~~~~" },
	  { "warning", "In function", "unused" } },
	{ "gcc-undeclared",
	  "undefined-name",
	  "undeclared.c",
	  7,
	  26,
	  { "undeclared (first use in this function)", "total += countr;" },
	  { "reported only once", "In function" } },
	{ "gcc-implicit",
	  "undefined-name",
	  "implicit.c",
	  3,
	  16,
	  { "implicit declaration of function", "return helper(3);" },
	  { "cc1:" } },
	{ "gcc-types",
	  "type-mismatch",
	  "types.c",
	  10,
	  19,
	  { "from incompatible pointer type", "incompatible types when assigning", "n = p;" },
	  { "cc1:" } },
	{ "gcc-fatal",
	  "undefined-name",
	  "fatal.c",
	  1,
	  10,
	  { "config_gen.h: No such file or directory", "#include \"config_gen.h\"" },
	  { "compilation terminated" } },
	{ "gcc-link",
	  "link",
	  SMP "c/link.c",
	  5,
	  0,
	  { "in function `main':", "link.c:5: undefined reference to `compute'" },
	  { "collect2" } },
	{ "gcc-warn-link-color",
	  "link",
	  NULL,
	  0,
	  0,
	  { "in function `main':", "warn.c:(.text+0x31): undefined reference to `missing_fn'" },
	  { "warning", "collect2", "%ld" } },
	{ "gxx-scope",
	  "undefined-name",
	  "scope.cpp",
	  4,
	  16,
	  { "was not declared in this scope", "return cnt + v.size();" },
	  { "In function" } },
	{ "clang-syntax",
	  "syntax",
	  "syntax.c",
	  5,
	  11,
	  { "error: expected ';' at end of declaration", "        int x = 1\n" },
	  { "generated" } },
	{ "clang-undeclared",
	  "undefined-name",
	  "undeclared.c",
	  7,
	  12,
	  { "use of undeclared identifier 'countr'", "total += countr;" },
	  { "generated" } },
	{ "clang-implicit",
	  "undefined-name",
	  "implicit.c",
	  3,
	  9,
	  { "implicit declaration of function 'helper'" },
	  { "generated" } },
	{ "clang-types",
	  "type-mismatch",
	  "types.c",
	  10,
	  7,
	  { "incompatible pointer types initializing", "from incompatible type 'struct point'",
	    "n = p;" },
	  { "generated" } },
	{ "clang-fatal",
	  "undefined-name",
	  "fatal.c",
	  1,
	  10,
	  { "'config_gen.h' file not found", "#include \"config_gen.h\"\n" },
	  { "generated" } },
	{ "clang-link",
	  "link",
	  SMP "c/link.c",
	  5,
	  0,
	  { "link.c:5: undefined reference to `compute'" },
	  { "clang: error" } },
	{ "clang-lld",
	  "link",
	  NULL,
	  0,
	  0,
	  { "ld.lld: error: undefined symbol: compute", ">>> referenced by link.c" },
	  { "clang: error" } },
	{ "make-gcc-C",
	  "syntax",
	  "calc.c",
	  10,
	  57,
	  { "calc.c:10:57: error: expected ')' before ';' token",
	    "calc.c:11:18: error: expected ';' before '}' token",
	    "util.c:5:20: error: 'c' undeclared" },
	  { "warning", "make:", "cc -Wall", "reported only once" } },
	{ "make-gcc-color",
	  "syntax",
	  "calc.c",
	  10,
	  57,
	  { "calc.c:10:57: error: expected \xe2\x80\x98)\xe2\x80\x99 before",
	    "util.c:5:20: error: \xe2\x80\x98"
	    "c\xe2\x80\x99 undeclared" },
	  { "warning", "make:", "\x1b", "[01m" } },
	{ "make-assert",
	  "assertion",
	  "test_calc.c",
	  8,
	  0,
	  { "test_calc: test_calc.c:8: main: Assertion `add(1, 1) == 2' failed.\n" },
	  { "make:", "./test_calc\n" } },
	{ "ctest",
	  "test-failure",
	  "t_fail.c",
	  6,
	  0,
	  { "2/2 Test #2: t_fail ...***Failed", "t_fail.c:6: expected 4, got 3" },
	  { "The following tests FAILED", "Start 1", "Passed", "C compiler" } },
	/* Rust */
	{ "cargo-borrow",
	  "rust-borrow",
	  "src/lib.rs",
	  4,
	  9,
	  { "error[E0382]: borrow of moved value: `v`", "value borrowed here after move",
	    "error[E0502]", "consider cloning" },
	  { "could not compile", "For more information", "Some errors", "\n  |\n" } },
	{ "cargo-derive",
	  "rust-missing-derive",
	  "src/lib.rs",
	  7,
	  21,
	  { "doesn't implement `Debug`", "#[derive(Debug)]", "error[E0369]",
	    "#[derive(PartialEq)]" },
	  { "could not compile" } },
	{ "cargo-derive2",
	  "rust-missing-derive",
	  "src/lib.rs",
	  10,
	  9,
	  { "the trait bound `Config: Clone` is not satisfied", "#[derive(Clone)]" },
	  { "could not compile" } },
	{ "cargo-mismatch",
	  "type-mismatch",
	  "src/lib.rs",
	  2,
	  18,
	  { "error[E0308]: mismatched types", "expected `u32`, found `usize`" },
	  { "could not compile" } },
	{ "cargo-syntax",
	  "syntax",
	  "src/lib.rs",
	  2,
	  18,
	  { "error: expected `;`, found `c`", "let c = a + b" },
	  { "could not compile" } },
	{ "cargo-unresolved",
	  "undefined-name",
	  "src/lib.rs",
	  2,
	  17,
	  { "error[E0425]: cannot find value `height` in this scope", "not found in this scope" },
	  { "could not compile" } },
	{ "cargo-testfail",
	  "assertion",
	  "src/lib.rs",
	  11,
	  9,
	  { "thread 'tests::adds_small_numbers'", "panicked at src/lib.rs:11:9:",
	    "assertion `left == right` failed\n  left: 0\n right: 4\n" },
	  { "test result", "running 2 tests", "RUST_BACKTRACE", "failures:" } },
	{ "cargo-testfail-backtrace",
	  "assertion",
	  "src/lib.rs",
	  11,
	  9,
	  { "panicked at src/lib.rs:11:9:", "assertion `left == right` failed" },
	  { "stack backtrace", "rust_begin_unwind", "Some details are omitted" } },
	{ "cargo-panic",
	  "assertion",
	  "src/lib.rs",
	  9,
	  9,
	  { "thread 'tests::parses'", "parse gave the wrong number",
	    "thread 'tests::parses_garbage'", "called `Result::unwrap()` on an `Err` value" },
	  { "test result", "--- FAILED" } },
	{ "cargo-offline-dep",
	  "other",
	  NULL,
	  0,
	  0,
	  { "error: no matching package named `rand` found", "location searched",
	    "you're using offline mode" },
	  { "" } },
	/* Python */
	{ "py-unittest",
	  "undefined-name",
	  SMP "py/u1/calc.py",
	  6,
	  0,
	  { "ERROR: test_scale", "TypeError: can only concatenate list", "ERROR: test_total",
	    "NameError: name 'totl' is not defined", "FAIL: test_add", "AssertionError: 0 != 4" },
	  { "Ran 4 tests", "------", "======", "FAILED (" } },
	{ "py-unittest-syntax",
	  "syntax",
	  SMP "py/u2/calc.py",
	  2,
	  0,
	  { "ERROR: tests.test_calc", "ImportError: Failed to import test module",
	    "File \"" SMP "py/u2/calc.py\", line 2", "SyntaxError: '(' was never closed" },
	  { "unittest/loader.py", "_get_module_from_name" } },
	{ "py-indent",
	  "syntax",
	  SMP "py/plain/indent.py",
	  3,
	  0,
	  { "line 3\n    return x\nIndentationError: unexpected indent\n" },
	  { "" } },
	{ "py-nameerror",
	  "undefined-name",
	  SMP "py/plain/name.py",
	  6,
	  0,
	  { "Traceback (most recent call last):", "line 10, in main", "line 6, in load",
	    "NameError: name 'jsn' is not defined" },
	  { "line 13, in <module>" } },
	{ "pytest",
	  "assertion",
	  "tests/test_calc.py",
	  7,
	  0,
	  { "___ test_add ___\n>       assert add(2, 2) == 4\nE       assert 0 == 4\n",
	    "tests/test_calc.py:7: AssertionError", "E       ZeroDivisionError: division by zero",
	    "calc.py:6: ZeroDivisionError", "___ test_add_param[2-3] ___" },
	  { "short test summary", "FAILED tests/", "a = 1, b = 1", "def test_add():", "[100%]" } },
	{ "pytest-syntax",
	  "syntax",
	  SMP "py/pt2/tests/test_bad.py",
	  1,
	  0,
	  { "___ ERROR collecting tests/test_bad.py ___",
	    "E       def test_x(:", "E   SyntaxError: invalid syntax" },
	  { "_pytest/python.py", "ast.py", "Interrupted" } },
	/* node, npm */
	{ "npm-error",
	  "other",
	  SMP "js/a/index.js",
	  5,
	  0,
	  { SMP "js/a/index.js:5\n    throw new Error(",
	    "Error: config not found: /nonexistent/config.json",
	    "    at load (" SMP "js/a/index.js:5:11)" },
	  { "node:internal", "Node.js v" } },
	{ "node-test",
	  "undefined-name",
	  SMP "js/b/sum.test.js",
	  6,
	  10,
	  { "not ok 1 - adds two numbers", "-1 !== 5", "name: 'AssertionError'",
	    "not ok 3 - calls a missing helper", "name: 'ReferenceError'" },
	  { "duration_ms", "async_hooks", "# Subtest", "ok 2", "# tests" } },
	{ "node-syntax",
	  "syntax",
	  SMP "js/c/bad.js",
	  2,
	  0,
	  { "bad.js:2\n  return g(x;\n           ^\nSyntaxError: missing ) after argument list\n" },
	  { "wrapSafe", "node:internal" } },
	{ "node-assert",
	  "assertion",
	  SMP "js/c/u.js",
	  3,
	  8,
	  { "AssertionError [ERR_ASSERTION]: Expected values to be strictly deep-equal:",
	    "+   n: 5\n-   n: 4\n", "at Object.<anonymous> (" SMP "js/c/u.js:3:8)" },
	  { "generatedMessage", "node:assert:90", "operator" } },
	/* go */
	{ "go-build",
	  "undefined-name",
	  "shapes.go",
	  4,
	  17,
	  { "./shapes.go:4:17: cannot use \"square\"", "./shapes.go:5:13: undefined: hieght" },
	  { "# example.com" } },
	{ "go-syntax",
	  "syntax",
	  "shapes.go",
	  5,
	  1,
	  { "./shapes.go:5:1: syntax error: unexpected }" },
	  { "# example.com" } },
	{ "go-test",
	  "assertion",
	  "shapes_test.go",
	  7,
	  0,
	  { "--- FAIL: TestArea (0.00s)\n    shapes_test.go:7: Area(2, 3) = 5, want 6\n",
	    "--- FAIL: TestSides", "a triangle has three sides" },
	  { "FAIL\texample.com", "\nFAIL\n" } },
	{ "go-panic",
	  "test-failure",
	  SMP "go/pan/shapes.go",
	  4,
	  0,
	  { "--- FAIL: TestNth", "panic: runtime error: index out of range [3] with length 3",
	    "example.com/shapes.Nth(...)\n\t" SMP "go/pan/shapes.go:4\n" },
	  { "testing.tRunner", "goroutine", "\tpanic:", "+0x" } },
	{ "go-test-build",
	  "undefined-name",
	  "shapes_test.go",
	  6,
	  5,
	  { "./shapes_test.go:6:5: undefined: Perimeter" },
	  { "[build failed]", "# example.com" } },
};

static void test_samples(void)
{
	struct buf b = BUF_INIT;
	struct check_loc l;
	size_t i, j;

	for (i = 0; i < sizeof(scases) / sizeof(scases[0]); i++) {
		const struct scase *c = &scases[i];
		char *t;
		int found, fails = check_failures;
		sample(c->name, &b);
		t = check_trim(b.ptr, b.len, 2000);
		check_bounded(t, 2000);
		CHECK_STR(check_classify(b.ptr, b.len, 0), c->cls);
		found = check_locate(b.ptr, b.len, &l);
		CHECK_INT(found, c->file != NULL);
		if (c->file && found) {
			CHECK_STR(l.file, c->file);
			CHECK_INT(l.line, c->line);
			CHECK_INT(l.col, c->col);
		}
		for (j = 0; j < 6 && c->has[j]; j++)
			if (!strstr(t, c->has[j])) {
				fprintf(stderr, "%s: missing \"%s\"\n", c->name, c->has[j]);
				CHECK(!"trimmed text lacks a line");
			}
		for (j = 0; j < 6 && c->hasnt[j]; j++)
			if (c->hasnt[j][0] && strstr(t, c->hasnt[j])) {
				fprintf(stderr, "%s: has \"%s\"\n", c->name, c->hasnt[j]);
				CHECK(!"trimmed text keeps noise");
			}
		if (check_failures != fails)
			fprintf(stderr, "--- %s trimmed:\n%s---\n", c->name, t);
		free(t);
	}
	buf_release(&b);
}

/* Warnings alone: the check failed for another reason, shown by the output's end. */
static void test_warnings_only(void)
{
	struct buf b = BUF_INIT;
	struct check_loc l;
	char *t;

	sample("gcc-warn-color", &b);
	t = check_trim(b.ptr, b.len, 2000);
	check_bounded(t, 2000);
	CHECK(strstr(t, "warn.c:5:13: warning: unused variable") != NULL);
	CHECK(!strstr(t, "earlier line"));
	CHECK_STR(check_classify(b.ptr, b.len, 0), "other");
	CHECK_INT(check_locate(b.ptr, b.len, &l), 0);
	CHECK_STR(l.file, "");
	free(t);
	sample("clang-warn-color", &b);
	t = check_trim(b.ptr, b.len, 2000);
	CHECK(strstr(t, "3 warnings generated.\n") != NULL);
	free(t);
	buf_release(&b);
}

/* ---- the bound: cut at a line, the rest counted ---- */

static void test_budget(void)
{
	struct buf b = BUF_INIT;
	char *full, *t;

	sample("py-unittest", &b);
	full = check_trim(b.ptr, b.len, 100000);
	CHECK(!strstr(full, "more error"));

	/* the first two blocks fit, the third is counted */
	t = check_trim(b.ptr, b.len, (size_t)(strstr(full, "FAIL: test_add") - full) + 40);
	check_bounded(t, 100000);
	CHECK(strstr(t, "NameError: name 'totl'") != NULL);
	CHECK(!strstr(t, "FAIL: test_add"));
	CHECK(strlen(t) > 16 && !strcmp(t + strlen(t) - 16, "\n[1 more error]\n"));
	free(t);

	/* the first block does not fit: its first lines, then the count */
	t = check_trim(b.ptr, b.len, 200);
	check_bounded(t, 200);
	CHECK(begins(t, "ERROR: test_scale (tests.test_calc.CalcTest.test_scale)\n"));
	CHECK(strstr(t, "\n[2 more errors]\n") != NULL);
	free(t);

	/* too small for the count: no count; smaller than a line: the line's start */
	t = check_trim(b.ptr, b.len, 60);
	check_bounded(t, 60);
	CHECK_STR(t, "ERROR: test_scale (tests.test_calc.CalcTest.test_scale)\n");
	free(t);
	t = check_trim(b.ptr, b.len, 20);
	check_bounded(t, 20);
	CHECK_STR(t, "ERROR: test_scale (\n");
	free(t);
	t = check_trim(b.ptr, b.len, 1);
	CHECK_STR(t, "");
	free(t);
	t = check_trim(b.ptr, b.len, 0);
	CHECK_STR(t, "");
	free(t);
	free(full);

	/* duplicates are shown and counted once: cargo compiles the lib twice */
	buf_reset(&b);
	buf_adds(&b, "error[E0425]: cannot find value `x` in this scope\n --> src/lib.rs:2:5\n\n");
	buf_adds(&b, "error[E0425]: cannot find value `x` in this scope\n --> src/lib.rs:2:5\n\n");
	buf_adds(&b, "error[E0425]: cannot find value `y` in this scope\n --> src/lib.rs:3:5\n\n");
	t = check_trim(b.ptr, b.len, 130);
	check_bounded(t, 130);
	CHECK_STR(t, "error[E0425]: cannot find value `x` in this scope\n --> src/lib.rs:2:5\n"
	             "[1 more error]\n");
	free(t);
	buf_release(&b);
}

/* Nothing recognised: the end of the output, blank runs squeezed, the earlier lines counted. */
static void test_tail(void)
{
	struct buf b = BUF_INIT;
	char *t;
	int i;

	for (i = 1; i <= 100; i++)
		buf_addf(&b, "step %d done\n", i);
	buf_adds(&b, "\n\n\nSegmentation fault (core dumped)\n\n\n");
	t = check_trim(b.ptr, b.len, 100000);
	check_bounded(t, 100000);
	CHECK(begins(t, "[76 earlier lines not shown]\nstep 77 done\n"));
	CHECK(strstr(t, "step 100 done\n\nSegmentation fault (core dumped)\n") != NULL);
	CHECK(t[strlen(t) - 2] == ')');
	free(t);
	t = check_trim(b.ptr, b.len, 100);
	check_bounded(t, 100);
	CHECK(strstr(t, "earlier lines not shown]\n") != NULL);
	CHECK(strstr(t, "Segmentation fault (core dumped)\n") != NULL);
	free(t);
	/* one long line, cut at 400 bytes, then cut again to the bound */
	buf_reset(&b);
	for (i = 0; i < 1000; i++)
		buf_adds(&b, "\xc3\xa9");
	t = check_trim(b.ptr, b.len, 1000);
	check_bounded(t, 1000);
	CHECK_INT(strlen(t), 404);
	CHECK(!strcmp(t + 400, "...\n"));
	free(t);
	t = check_trim(b.ptr, b.len, 10);
	check_bounded(t, 10);
	CHECK_STR(t, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n");
	free(t);
	t = check_trim("", 0, 100);
	CHECK_STR(t, "");
	free(t);
	t = check_trim(NULL, 0, 100);
	CHECK_STR(t, "");
	free(t);
	buf_release(&b);
}

/* ---- odd bytes ---- */

static char *crlf(const struct buf *b, size_t *n)
{
	struct buf o = BUF_INIT;
	size_t i;

	for (i = 0; i < b->len; i++) {
		if (b->ptr[i] == '\n')
			buf_addch(&o, '\r');
		buf_addch(&o, b->ptr[i]);
	}
	return buf_detach(&o, n);
}

static void test_odd_bytes(void)
{
	static const char *const names[] = { "make-gcc-color", "cargo-borrow", "py-unittest",
		                             "node-test",      "go-panic",     "pytest" };
	struct buf b = BUF_INIT, o = BUF_INIT;
	struct check_loc l1, l2;
	size_t i, n, k;
	char *a, *c, *s;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		sample(names[i], &b);
		a = check_trim(b.ptr, b.len, 3000);
		/* CRLF reads as LF */
		s = crlf(&b, &n);
		c = check_trim(s, n, 3000);
		CHECK_STR(c, a);
		CHECK_STR(check_classify(s, n, 0), check_classify(b.ptr, b.len, 0));
		CHECK_INT(check_locate(s, n, &l1), check_locate(b.ptr, b.len, &l2));
		CHECK_STR(l1.file, l2.file);
		free(c);
		free(s);
		/* no final newline */
		c = check_trim(b.ptr, b.len - 1, 3000);
		CHECK_STR(c, a);
		free(c);
		/* NULs and BELs between letters change nothing */
		buf_reset(&o);
		for (k = 0; k < b.len; k++) {
			buf_addch(&o, b.ptr[k]);
			if (k % 7 == 3 && isalnum((unsigned char)b.ptr[k]) &&
			    isalnum((unsigned char)b.ptr[k + 1]))
				buf_add(&o, "\0\a", 2);
		}
		c = check_trim(o.ptr, o.len, 3000);
		CHECK_STR(c, a);
		CHECK_STR(check_classify(o.ptr, o.len, 0), check_classify(b.ptr, b.len, 0));
		free(c);
		free(a);
	}
	/* invalid UTF-8 becomes U+FFFD; the rest is read as before */
	buf_reset(&b);
	buf_adds(&b, "t.c:3:5: error: \xff\xfe undeclared \xc3( here\n    3 | x\xe2\x82\n");
	a = check_trim(b.ptr, b.len, 1000);
	check_bounded(a, 1000);
	CHECK_STR(a, "t.c:3:5: error: \xef\xbf\xbd\xef\xbf\xbd undeclared \xef\xbf\xbd( here\n"
	             "    3 | x\xef\xbf\xbd\xef\xbf\xbd\n");
	CHECK_STR(check_classify(b.ptr, b.len, 0), "undefined-name");
	free(a);
	/* an escape cut off at the end of a line, an OSC hyperlink, a lone CR */
	buf_reset(&b);
	buf_adds(&b, "\x1b]8;;file:///t.c\x07t.c:1:1: error: expected ';'\x1b]8;;\x1b\\\x1b[1\n"
	             "progress 10%\rprogress 100%\n");
	a = check_trim(b.ptr, b.len, 1000);
	CHECK_STR(a, "t.c:1:1: error: expected ';'\n");
	free(a);
	buf_release(&b);
	buf_release(&o);
}

/* A tiny pseudo-random generator, so a failure repeats. */
static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static void test_big_and_random(void)
{
	static const char *const pieces[] = {
		"error[E0382]: borrow of moved value\n",
		" --> src/lib.rs:4:9\n",
		"  |\n",
		"t.c:1:2: error: x undeclared\n",
		"    1 | x\n",
		"Traceback (most recent call last):\n",
		"  File \"a.py\", line 3, in f\n",
		"    x()\n",
		"NameError: x\n",
		"--- FAIL: TestX (0.00s)\n",
		"    x_test.go:3: got 1, want 2\n",
		"not ok 1 - x\n",
		"  error: |-\n",
		"thread 'main' panicked at src/main.rs:1:1:\n",
		"Error: boom\n",
		"    at f (/x.js:1:2)\n",
		"___ test_x ___\n",
		"E   assert 1 == 2\n",
		"\x1b[31m",
		"\r\n",
		"\n",
		"\xff",
		"",
	};
	struct buf b = BUF_INIT;
	struct check_loc l;
	char *t;
	size_t i, max;
	int round;

	/* 5 MB of distinct errors: bounded, counted */
	for (i = 0; b.len < 5 * 1024 * 1024; i++)
		buf_addf(&b, "src/f%zu.c:%zu:1: error: 'v%zu' undeclared\n    %zu | v%zu;\n",
		         i % 977, i + 1, i, i + 1, i);
	t = check_trim(b.ptr, b.len, 4000);
	check_bounded(t, 4000);
	CHECK(strstr(t, "src/f0.c:1:1: error: 'v0' undeclared\n") == t);
	CHECK(strstr(t, " more errors]\n") != NULL);
	free(t);
	CHECK_STR(check_classify(b.ptr, b.len, 0), "undefined-name");
	CHECK_INT(check_locate(b.ptr, b.len, &l), 1);
	CHECK_STR(l.file, "src/f0.c");

	/* 5 MB on one line without a newline, then 5 MB of one error repeated */
	buf_reset(&b);
	while (b.len < 5 * 1024 * 1024)
		buf_adds(&b, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\x1b[1m");
	t = check_trim(b.ptr, b.len, 4000);
	check_bounded(t, 4000);
	CHECK_INT(strlen(t), 404);
	free(t);
	buf_reset(&b);
	while (b.len < 5 * 1024 * 1024)
		buf_adds(&b, "a.c:1:1: error: expected ';'\n");
	t = check_trim(b.ptr, b.len, 4000);
	CHECK_STR(t, "a.c:1:1: error: expected ';'\n");
	free(t);

	/* random mixtures of the forms, and random bytes */
	for (round = 0; round < 300; round++) {
		size_t pieces_n = 1 + rnd() % 200;
		buf_reset(&b);
		for (i = 0; i < pieces_n; i++) {
			if (rnd() % 5 == 0) {
				size_t k, len = rnd() % 40;
				for (k = 0; k < len; k++)
					buf_addch(&b, (int)(rnd() & 0xff));
			} else {
				buf_adds(&b, pieces[rnd() % (sizeof(pieces) / sizeof(pieces[0]))]);
			}
		}
		max = rnd() % 3000;
		t = check_trim(b.ptr, b.len, max);
		check_bounded(t, max);
		free(t);
		check_classify(b.ptr, b.len, 0);
		check_locate(b.ptr, b.len, &l);
		CHECK(strlen(l.file) < CHECK_FILE_MAX);
	}
	buf_release(&b);
}

/* Older forms that no sample here shows. */
static void test_other_forms(void)
{
	static const char old_panic[] =
	        "running 1 test\n"
	        "thread 'main' panicked at 'called `Option::unwrap()` on a `None` value', "
	        "src/main.rs:4:37\n"
	        "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
	static const char cargo_manifest[] = "error: failed to parse manifest at `/x/Cargo.toml`\n"
	                                     "\n"
	                                     "Caused by:\n"
	                                     "  missing field `name`\n";
	static const char perl_tap[] = "not ok 2 - adds\n"
	                               "#   Failed test 'adds'\n"
	                               "#   at t/add.t line 5.\n"
	                               "# Looks like you failed 1 test of 2.\n";
	static const char pysum[] = "F\n"
	                            "FAILED tests/test_a.py::test_x - assert 1 == 2\n"
	                            "1 failed in 0.01s\n";
	static const char ctest_list[] = "The following tests FAILED:\n"
	                                 "\t  2 - t_fail (Failed)\n"
	                                 "Errors while running CTest\n";
	struct check_loc l;
	char *t;

	t = check_trim(old_panic, strlen(old_panic), 1000);
	CHECK_STR(t, "thread 'main' panicked at 'called `Option::unwrap()` on a `None` value', "
	             "src/main.rs:4:37\n");
	free(t);
	CHECK_INT(check_locate(old_panic, strlen(old_panic), &l), 1);
	CHECK_STR(l.file, "src/main.rs");
	CHECK_INT(l.line, 4);
	CHECK_INT(l.col, 37);

	t = check_trim(cargo_manifest, strlen(cargo_manifest), 1000);
	CHECK_STR(t, "error: failed to parse manifest at `/x/Cargo.toml`\nCaused by:\n"
	             "  missing field `name`\n");
	free(t);

	t = check_trim(perl_tap, strlen(perl_tap), 1000);
	CHECK_STR(t, "not ok 2 - adds\n#   Failed test 'adds'\n#   at t/add.t line 5.\n");
	free(t);

	/* pytest's short summary alone (--tb=no): it is the error, with its file */
	t = check_trim(pysum, strlen(pysum), 1000);
	CHECK_STR(t, "FAILED tests/test_a.py::test_x - assert 1 == 2\n");
	free(t);
	CHECK_INT(check_locate(pysum, strlen(pysum), &l), 1);
	CHECK_STR(l.file, "tests/test_a.py");
	CHECK_INT(l.line, 0);

	/* ctest's list alone (no --output-on-failure) */
	t = check_trim(ctest_list, strlen(ctest_list), 1000);
	CHECK_STR(t, "The following tests FAILED:\n\t  2 - t_fail (Failed)\n");
	free(t);

	/* a path too long to return is no location */
	{
		struct buf b = BUF_INIT;
		size_t i;
		for (i = 0; i < CHECK_FILE_MAX; i++)
			buf_addch(&b, 'd');
		buf_adds(&b, ".c:1:1: error: expected ';'\n");
		CHECK_INT(check_locate(b.ptr, b.len, &l), 0);
		buf_release(&b);
	}
}

int main(void)
{
	const char *t = getenv("TMPDIR");
	char *cmd;

	snprintf(tmp, sizeof(tmp), "%s/loom-check-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	test_detect_make();
	test_detect_cmake();
	test_detect_langs();
	test_detect_python();
	test_detect_order();
	test_patterns();
	test_priority();
	test_doc();
	test_samples();
	test_warnings_only();
	test_budget();
	test_tail();
	test_odd_bytes();
	test_big_and_random();
	test_other_forms();
	cmd = xasprintf("rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		CHECK(!"rm -rf");
	free(cmd);
	return check_done("test_check");
}
