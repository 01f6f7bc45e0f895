/* test_check.c - core/check: detecting a repository's check command. */
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
	cmd = xasprintf("rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		CHECK(!"rm -rf");
	free(cmd);
	return check_done("test_check");
}
