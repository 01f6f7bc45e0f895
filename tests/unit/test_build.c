/* test_build.c - loom build's stubs and error lines, and the slot reply's code. */
#include <stdlib.h>
#include <string.h>

#include "agents/build.h"
#include "agents/roles.h"
#include "check.h"

static void check_owned(char *got, const char *want, int line)
{
	if (!got || strcmp(got, want)) {
		fprintf(stderr, "test_build.c:%d: expected \"%s\", got \"%s\"\n", line, want,
		        got ? got : "(null)");
		check_failures++;
	}
	free(got);
}
#define CHECK_OWNED(got, want) check_owned((got), (want), __LINE__)

static void test_stubs(void)
{
	CHECK_OWNED(build_stub("python", "def f(x: int) -> int:", "f", "AssertionError: 1 != 2"),
	            "def f(x: int) -> int:\n"
	            "    raise NotImplementedError(\"TODO(loom): f: AssertionError: 1 != 2\")\n");
	/* a method keeps its indentation; quotes and backslashes cannot end the string */
	CHECK_OWNED(build_stub("python", "    def g(self):", "g", "KeyError: \"k\\n\""),
	            "    def g(self):\n"
	            "        raise NotImplementedError(\"TODO(loom): g: KeyError: 'k'n'\")\n");
	CHECK_OWNED(build_stub("c", "int parse(const char *s) {", "parse",
	                       "x.c:3: error: oops */ here\nmore"),
	            "int parse(const char *s)\n{\n\t/* TODO(loom): parse: x.c:3: error: oops +/ "
	            "here */\n\tabort();\n}\n");
	/* todo!'s message is a format string: no braces */
	CHECK_OWNED(build_stub("rust", "pub fn f(v: &[u8]) -> u32", "f", "expected {x}"),
	            "pub fn f(v: &[u8]) -> u32 {\n    todo!(\"TODO(loom): f: expected (x)\")\n}\n");
	{
		char *s = build_stub("python", "def f():", "f", NULL);
		CHECK(s && strstr(s, "TODO(loom): f: \")"));
		free(s);
	}
}

static void test_error_line(void)
{
	/* unittest prints the same header for different failures: the exception names it */
	CHECK_OWNED(build_error_line("E\n======\nERROR: test_x (tests.test_x.T.test_x)\n-----\n"
	                             "Traceback (most recent call last):\n  File \"x.py\", line 3\n"
	                             "NameError: name 'y' is not defined\n"),
	            "NameError: name 'y' is not defined");
	CHECK_OWNED(build_error_line("F\nFAIL: test_x\nAssertionError: 2 != 42\n"),
	            "AssertionError: 2 != 42");
	CHECK_OWNED(build_error_line("src/a.c: In function 'f':\nsrc/a.c:4:9: error: 'z' "
	                             "undeclared\nsrc/a.c:5:1: error: second\n"),
	            "src/a.c:4:9: error: 'z' undeclared");
	CHECK_OWNED(build_error_line("running 1 test\nthread 'main' panicked at src/lib.rs:3:5:\n"),
	            "thread 'main' panicked at src/lib.rs:3:5:");
	CHECK_OWNED(build_error_line("\n  \nsomething went wrong\nlater\n"),
	            "something went wrong");
	CHECK_OWNED(build_error_line(""), "");
}

static void test_strip(void)
{
	CHECK_OWNED(slot_strip("def f():\n    return 1\n\n"), "def f():\n    return 1\n");
	CHECK_OWNED(slot_strip("Here it is:\n```python\ndef f():\n    return 1\n```\nDone."),
	            "def f():\n    return 1\n");
	/* cut by the stop sequence: an unclosed fence runs to the end */
	CHECK_OWNED(slot_strip("```c\nint f(void)\n{\n\treturn 1;\n}"),
	            "int f(void)\n{\n\treturn 1;\n}\n");
	CHECK_OWNED(slot_strip("```\n```"), "\n");
}

int main(void)
{
	test_stubs();
	test_error_line();
	test_strip();
	return check_done("test_build");
}
