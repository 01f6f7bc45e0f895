/* test_edits.c - edit blocks in the forms small models write, and applying them. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/buf.h"
#include "core/edits.h"
#include "core/error.h"

/* edits_parse() as text: "KIND path @line S[search] R[replace]" per block, or the error. */
static char *parse_n(const char *reply, size_t n)
{
	struct edits es = EDITS_INIT;
	struct error e = ERROR_INIT;
	struct buf b = BUF_INIT;
	size_t i;

	if (edits_parse(reply, n, &es, &e) < 0) {
		CHECK(es.n == 0 && es.v == NULL);
		buf_addf(&b, "error: %s", e.msg);
		return buf_detach(&b, NULL);
	}
	for (i = 0; i < es.n; i++) {
		const struct edit *ed = &es.v[i];
		if (ed->kind == EDIT_WHOLE)
			buf_addf(&b, "%sWHOLE %s @%d R[%s]", i ? " | " : "", ed->path, ed->line,
			         ed->replace);
		else
			buf_addf(&b, "%sREPLACE %s @%d S[%s] R[%s]", i ? " | " : "", ed->path,
			         ed->line, ed->search, ed->replace);
	}
	edits_release(&es);
	return buf_detach(&b, NULL);
}

#define PARSE(reply, want)                                                                         \
	do {                                                                                       \
		char *got_ = parse_n((reply), strlen(reply));                                      \
		CHECK_STR(got_, want);                                                             \
		free(got_);                                                                        \
	} while (0)

static void test_parse_forms(void)
{
	/* the canonical form, inside a fence, with prose around */
	PARSE("I'll bump the counter.\n\nsrc/a.c\n```c\n<<<<<<< SEARCH\nint x = 1;\n=======\nint x "
	      "= 2;\n>>>>>>> REPLACE\n```\n\nThat's it!",
	      "REPLACE src/a.c @5 S[int x = 1;\n] R[int x = 2;\n]");
	/* the path repeated inside the fence, or only there */
	PARSE("src/a.c\n```c\nsrc/a.c\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```",
	      "REPLACE src/a.c @4 S[a\n] R[b\n]");
	PARSE("```python\napp/main.py\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```",
	      "REPLACE app/main.py @3 S[a\n] R[b\n]");
	/* no fence at all */
	PARSE("src/a.c\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n",
	      "REPLACE src/a.c @2 S[a\n] R[b\n]");
	/* decorated path lines */
	PARSE("**src/a.c**\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE",
	      "REPLACE src/a.c @2 S[a\n] R[b\n]");
	PARSE("`src/a.c`\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE",
	      "REPLACE src/a.c @2 S[a\n] R[b\n]");
	PARSE("**`src/a.c`**:\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE",
	      "REPLACE src/a.c @2 S[a\n] R[b\n]");
	PARSE("### src/a.c\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE",
	      "REPLACE src/a.c @2 S[a\n] R[b\n]");
	PARSE("File: src/a.c\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE",
	      "REPLACE src/a.c @2 S[a\n] R[b\n]");
	PARSE("Path: `src/a.c`\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE",
	      "REPLACE src/a.c @2 S[a\n] R[b\n]");
	PARSE("**File:** `src/a.c`\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE",
	      "REPLACE src/a.c @2 S[a\n] R[b\n]");
	PARSE("- src/a.c:\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE",
	      "REPLACE src/a.c @2 S[a\n] R[b\n]");
	PARSE("Makefile\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE",
	      "REPLACE Makefile @2 S[a\n] R[b\n]");
	/* the one backquoted path in a line of prose */
	PARSE("In `src/main.c`, rename `foo`:\n<<<<<<< SEARCH\nfoo\n=======\nbar\n>>>>>>> REPLACE",
	      "REPLACE src/main.c @2 S[foo\n] R[bar\n]");
	/* a path line a little above the block, prose between */
	PARSE("src/a.c\nThis fixes the off-by-one.\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE",
	      "REPLACE src/a.c @3 S[a\n] R[b\n]");
	/* marker lengths 5 to 9, blanks after the words, any case */
	PARSE("a.c\n<<<<< SEARCH\na\n=====\nb\n>>>>> REPLACE\nb.c\n<<<<<<<<< SEARCH  "
	      "\na\n========= "
	      "\nb\n>>>>>>>>>  REPLACE\nc.c\n<<<<<<<search\na\n=======\nb\n>>>>>>> Replace",
	      "REPLACE a.c @2 S[a\n] R[b\n] | REPLACE b.c @8 S[a\n] R[b\n] | REPLACE c.c @14 "
	      "S[a\n] "
	      "R[b\n]");
	/* CRLF, and no final newline */
	PARSE("src/a.c\r\n<<<<<<< SEARCH\r\n\tx();\r\n=======\r\n\ty();\r\n>>>>>>> REPLACE",
	      "REPLACE src/a.c @2 S[\tx();\n] R[\ty();\n]");
	/* several blocks for one file: later ones reuse the path */
	PARSE("src/a.c\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n<<<<<<< "
	      "SEARCH\nc\n=======\nd\n"
	      ">>>>>>> REPLACE\n\nAnd another one:\n\n```\n<<<<<<< SEARCH\ne\n=======\nf\n>>>>>>> "
	      "REPLACE\n```",
	      "REPLACE src/a.c @2 S[a\n] R[b\n] | REPLACE src/a.c @7 S[c\n] R[d\n] | REPLACE "
	      "src/a.c "
	      "@16 S[e\n] R[f\n]");
	/* two files */
	PARSE("a.c\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n\nb.c\n<<<<<<< "
	      "SEARCH\nc\n=======\n"
	      "d\n>>>>>>> REPLACE\n",
	      "REPLACE a.c @2 S[a\n] R[b\n] | REPLACE b.c @9 S[c\n] R[d\n]");
	/* an empty SEARCH creates a file; an empty REPLACE deletes lines */
	PARSE("src/new.c\n<<<<<<< SEARCH\n=======\nint x;\n>>>>>>> REPLACE",
	      "REPLACE src/new.c @2 S[] R[int x;\n]");
	PARSE("a.c\n<<<<<<< SEARCH\ngone();\n=======\n>>>>>>> REPLACE",
	      "REPLACE a.c @2 S[gone();\n] R[]");
	/* in the new lines, '=======' and fences are content */
	PARSE("README.md\n<<<<<<< "
	      "SEARCH\nTitle\n=======\nTitle\n=======\n```sh\nmake\n```\n>>>>>>> "
	      "REPLACE\n",
	      "REPLACE README.md @2 S[Title\n] R[Title\n=======\n```sh\nmake\n```\n]");
	/* blank lines inside a block are kept */
	PARSE("a.c\n<<<<<<< SEARCH\na\n\nb\n=======\n\n>>>>>>> REPLACE",
	      "REPLACE a.c @2 S[a\n\nb\n] R[\n]");
	/* a line of code above a block is not its path */
	PARSE("a.c\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\nx.y();\n<<<<<<< "
	      "SEARCH\nc\n=======\nd\n"
	      ">>>>>>> REPLACE",
	      "REPLACE a.c @2 S[a\n] R[b\n] | REPLACE a.c @8 S[c\n] R[d\n]");
	PARSE("app/(auth)/[id]/+page.svelte\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE",
	      "REPLACE app/(auth)/[id]/+page.svelte @2 S[a\n] R[b\n]");
	/* 4 or 10 marker characters are text, not markers */
	PARSE("a.c\n<<<< SEARCH\na\n====\nb\n>>>> REPLACE\n", "error: no edit blocks in the reply");
	PARSE("a.c\n<<<<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n",
	      "error: no edit blocks in the reply");
}

static void test_parse_whole(void)
{
	PARSE("Here is the new file.\n\nsrc/new.c\n```c\n#include <stdio.h>\n\nint "
	      "main(void)\n{\n\treturn "
	      "0;\n}\n```\n",
	      "WHOLE src/new.c @4 R[#include <stdio.h>\n\nint main(void)\n{\n\treturn 0;\n}\n]");
	PARSE("**`docs/a.md`**\r\n````markdown\r\n# A\r\n```sh\r\nmake\r\n```\r\n````\r\n",
	      "WHOLE docs/a.md @2 R[# A\n```sh\nmake\n```\n]");
	PARSE("empty.txt\n```\n```", "WHOLE empty.txt @2 R[]");
	/* code without a path line above it is an illustration */
	PARSE("Run the tests with:\n```sh\nmake test\n```\n", "error: no edit blocks in the reply");
	PARSE("src/a.c\n```diff\n-a\n+b\n```\n", "error: no edit blocks in the reply");
	/* a block, then a whole file */
	PARSE("a.c\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n\nb.c\n```\nnew\n```",
	      "REPLACE a.c @2 S[a\n] R[b\n] | WHOLE b.c @9 R[new\n]");
	/* the fence after a block is not a whole file for that block's path */
	PARSE("a.c\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```\nmake\n```",
	      "REPLACE a.c @2 S[a\n] R[b\n]");
	/* a whole file cut off must not truncate the file */
	PARSE("src/new.c\n```c\nint main(void)\n{\n",
	      "error: line 2: the code block for 'src/new.c' is not closed");
}

static void test_parse_errors(void)
{
	char *big, *got;
	size_t i, n;

	PARSE("", "error: no edit blocks in the reply");
	PARSE("I don't think any change is needed.", "error: no edit blocks in the reply");
	PARSE("src/a.c\n<<<<<<< SEARCH\nfoo\nbar\n",
	      "error: line 2: SEARCH block for 'src/a.c' has no '======='");
	PARSE("x\n\nsrc/a.c\n```\n<<<<<<< SEARCH\nfoo\n>>>>>>> REPLACE\n```",
	      "error: line 5: SEARCH block for 'src/a.c' has no '======='");
	PARSE("src/a.c\n<<<<<<< SEARCH\nfoo\n=======\nbar\n",
	      "error: line 2: SEARCH block for 'src/a.c' has no '>>>>>>> REPLACE'");
	PARSE("src/a.c\n<<<<<<< SEARCH\nfoo\n=======\nbar\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> "
	      "REPLACE\n",
	      "error: line 2: SEARCH block for 'src/a.c' has no '>>>>>>> REPLACE'");
	PARSE("<<<<<<< SEARCH\nfoo\n=======\nbar\n>>>>>>> REPLACE\n",
	      "error: line 1: SEARCH block has no file path before it");
	PARSE("Change this:\n<<<<<<< SEARCH\nfoo\n=======\nbar\n>>>>>>> REPLACE\n",
	      "error: line 2: SEARCH block has no file path before it");
	/* hostile paths are refused, naming the line of the path */
	PARSE("/etc/passwd\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\n",
	      "error: line 1: '/etc/passwd' is an absolute path");
	PARSE("x\n../../.bashrc\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\n",
	      "error: line 2: '../../.bashrc' leaves the repository");
	PARSE(".git/config\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\n",
	      "error: line 1: '.git/config' is inside .git");
	PARSE("`.GIT/hooks/pre-commit`\n```sh\nrm -rf ~\n```\n",
	      "error: line 1: '.GIT/hooks/pre-commit' is inside .git");
	PARSE("src\\a.c\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\n",
	      "error: line 1: 'src\\a.c' contains a backslash");
	PARSE("src/./a.c\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\n",
	      "error: line 1: 'src/./a.c' has a '.' component");
	PARSE("a\xff.c\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\n",
	      "error: line 1: 'a\\xff.c' is not valid UTF-8");
	{
		static const char nul[] = "a\0b.c\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\n";
		got = parse_n(nul, sizeof(nul) - 1);
	}
	CHECK_STR(got, "error: line 1: 'a\\x00b.c' contains a control character");
	free(got);
	/* a good block before a bad one: nothing is returned */
	PARSE("a.c\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n../b.c\n<<<<<<< "
	      "SEARCH\n=======\n>>>>>>> "
	      "REPLACE\n",
	      "error: line 7: '../b.c' leaves the repository");

	/* at most EDITS_MAX blocks */
	big = malloc(100 * 64);
	n = 0;
	n += (size_t)sprintf(big + n, "a.c\n");
	for (i = 0; i < 65; i++)
		n += (size_t)sprintf(big + n, "<<<<<<< SEARCH\n%zu\n=======\nx\n>>>>>>> REPLACE\n",
		                     i);
	got = parse_n(big, n);
	CHECK_STR(got, "error: more than 64 edit blocks in the reply");
	free(got);
	n = 4;
	for (i = 0; i < 64; i++)
		n += (size_t)sprintf(big + n, "<<<<<<< SEARCH\n%zu\n=======\nx\n>>>>>>> REPLACE\n",
		                     i);
	got = parse_n(big, n);
	CHECK(!strncmp(got, "REPLACE a.c @2 S[0\n]", 20));
	free(got);
	free(big);

	/* at most EDITS_MAX_PART bytes per part */
	n = EDITS_MAX_PART + 100;
	big = malloc(n + 100);
	memcpy(big, "a.c\n<<<<<<< SEARCH\n", 19);
	memset(big + 19, 'x', n - 19);
	for (i = 1000; i < n; i += 1000)
		big[i] = '\n';
	strcpy(big + n, "\n=======\n>>>>>>> REPLACE\n");
	got = parse_n(big, strlen(big));
	CHECK_STR(got, "error: line 2: the SEARCH text for 'a.c' is longer than 1048576 bytes");
	free(got);
	memcpy(big, "a.c\n```\n", 8);
	strcpy(big + n, "\n```\n");
	got = parse_n(big, strlen(big));
	CHECK_STR(got, "error: line 2: the new content of 'a.c' is longer than 1048576 bytes");
	free(got);
	free(big);
}

/* edits_apply() as text: the new content (with "~" in front when fuzzy), or the error. */
static char *apply(enum edit_kind kind, const char *search, const char *replace,
                   const char *content)
{
	struct edit ed = { kind, "src/a.c", (char *)search, (char *)replace, 1 };
	struct error e = ERROR_INIT;
	struct buf out = BUF_INIT, r = BUF_INIT;
	int fuzzy = -1;

	if (edits_apply(&ed, content, content ? strlen(content) : 0, &out, &fuzzy, &e) < 0) {
		CHECK_INT(out.len, 0);
		CHECK_INT(fuzzy, 0);
		buf_addf(&r, "error: %s", e.msg);
	} else {
		buf_addf(&r, "%s%s", fuzzy ? "~" : "", out.ptr);
	}
	buf_release(&out);
	return buf_detach(&r, NULL);
}

#define APPLY(search, replace, content, want)                                                      \
	do {                                                                                       \
		char *got_ = apply(EDIT_REPLACE, (search), (replace), (content));                  \
		CHECK_STR(got_, want);                                                             \
		free(got_);                                                                        \
	} while (0)

static void test_apply_exact(void)
{
	APPLY("int x = 1;\n", "int x = 2;\n", "a\nint x = 1;\nb\n", "a\nint x = 2;\nb\n");
	APPLY("b\nc\n", "", "a\nb\nc\nd\n", "a\nd\n");
	APPLY("b\n", "B\nB2\n", "a\nb\n", "a\nB\nB2\n");
	APPLY("x = 1;\n", "x = 2;\n", "if (a)\n\tx = 1;\n", "if (a)\n\tx = 2;\n");
	APPLY("x\n", "y\n", "x\nx\n",
	      "error: 'src/a.c': the SEARCH text matches 2 times; include more surrounding lines "
	      "so it "
	      "matches once");
	APPLY("a\na\n", "b\n", "a\na\na\n",
	      "error: 'src/a.c': the SEARCH text matches 2 times; include more surrounding lines "
	      "so it "
	      "matches once");
	APPLY("f();\n", "g();\n", "f();\nf();\n  f();\n",
	      "error: 'src/a.c': the SEARCH text matches 3 times; include more surrounding lines "
	      "so it "
	      "matches once");
	/* a match starts a line, after its indentation at most: never mid-line */
	APPLY("x = 1;\n", "x = 2;\n", "max = 1;\n",
	      "error: 'src/a.c': the SEARCH text does not match");
	APPLY("x = 1;\n", "x = 2;\n", "int max = 1;\nx = 1;\n", "int max = 1;\nx = 2;\n");
	APPLY("x = 1;\n", "x = 2;\n", "  max = 1;\n\t\tx = 1;\n", "  max = 1;\n\t\tx = 2;\n");
	/* creating: empty SEARCH on a missing or empty file only */
	APPLY("", "int x;\n", NULL, "int x;\n");
	APPLY("", "int x;\n", "", "int x;\n");
	APPLY("", "int x;\n", "old\n",
	      "error: 'src/a.c' already exists; an empty SEARCH only creates files");
	APPLY("a\n", "b\n", NULL, "error: 'src/a.c' does not exist; an empty SEARCH creates it");
	{
		char *got = apply(EDIT_WHOLE, NULL, "all new\n", "old\n");
		CHECK_STR(got, "all new\n");
		free(got);
		got = apply(EDIT_WHOLE, NULL, "all new\n", NULL);
		CHECK_STR(got, "all new\n");
		free(got);
	}
}

static void test_apply_fuzzy(void)
{
	/* indentation and trailing blanks differ: the file's lines are replaced */
	APPLY("if (x) {\n    y();\n}\n", "if (x) {\n\tz();\n}\n",
	      "a\n\tif (x) {\n\t\ty();  \n\t}\nb\n", "~a\nif (x) {\n\tz();\n}\nb\n");
	/* runs of blanks inside a line */
	APPLY("int  x =\t1;\n", "int x = 2;\n", "int x = 1;\nint y;\n", "~int x = 2;\nint y;\n");
	/* the block lost one level of indentation: the new lines get it back */
	APPLY("if (x) {\n\ty();\n}\n", "if (x) {\n\tz();\n\n\tw();\n}\n",
	      "void f(void)\n{\n\tif (x) {\n\t\ty();\n\t}\n}\n",
	      "~void f(void)\n{\n\tif (x) {\n\t\tz();\n\n\t\tw();\n\t}\n}\n");
	/* the block has four spaces too many: the new lines lose them */
	APPLY("    if (x) {\n    \ty();\n    }\n", "    if (x) {\n    \tz();\n    }\n",
	      "if (x) {\n\ty();\n}\n", "~if (x) {\n\tz();\n}\n");
	/* no one consistent shift: the new lines are used as written */
	APPLY("a();\n  b();\n", "c();\n", "\ta();\n\tb();\n", "~c();\n");
	/* a CRLF file keeps CRLF */
	APPLY("a\nb\n", "A\nB\nC\n", "0\r\na\r\nb\r\nc\r\n", "~0\r\nA\r\nB\r\nC\r\nc\r\n");
	/* the last line has no newline, and keeps having none */
	APPLY("b\n", "B\n", "a\nb", "~a\nB");
	APPLY("  b\n", "B\n", "a\nb  ", "~a\nB");
	/* ambiguous once whitespace is ignored */
	APPLY("  x();\n", "y();\n", "x();\n\tx();\n",
	      "error: 'src/a.c': the SEARCH text matches 2 times when whitespace is ignored; "
	      "include "
	      "more surrounding lines so it matches once");
	/* no match: the hint says how far the block got */
	APPLY("int a;\nint b;\nint c;\n", "x\n", "// header\nint a;\nint b;\nint d;\n",
	      "error: 'src/a.c': the SEARCH text does not match (first line found at line 2, the "
	      "block differs at line 4)");
	APPLY("int a;\nint b;\nint c;\n", "x\n", "int a;\nint b;\n",
	      "error: 'src/a.c': the SEARCH text does not match (first line found at line 1, the "
	      "file "
	      "ends before the block does)");
	APPLY("int z;\nint b;\n", "x\n", "int a;\nint b;\n",
	      "error: 'src/a.c': the SEARCH text does not match (its first line is not in the "
	      "file; "
	      "line 2 of the block is, at line 2)");
	APPLY("\nint z;\nint b;\n", "x\n", "\nint a;\nint b;\n",
	      "error: 'src/a.c': the SEARCH text does not match (its first line is not in the "
	      "file; "
	      "line 3 of the block is, at line 3)");
	APPLY("nothing\nlike it\n", "x\n", "int a;\n",
	      "error: 'src/a.c': the SEARCH text does not match");
	/* the longest run wins when the first line occurs more than once */
	APPLY("a\nb\nc\nZ\n", "x\n", "a\nq\na\nb\nc\nd\n",
	      "error: 'src/a.c': the SEARCH text does not match (first line found at line 3, the "
	      "block differs at line 6)");
}

static void test_apply_limits(void)
{
	struct edit ed = { EDIT_REPLACE, "a.c", "b\n", "0123456789\n", 1 };
	struct buf out = BUF_INIT_MAX(8);
	struct error e = ERROR_INIT;
	int fuzzy = 7;

	buf_adds(&out, "kept");
	CHECK_INT(edits_apply(&ed, "a\nb\n", 4, &out, &fuzzy, &e), -1);
	CHECK_STR(e.msg, "'a.c': the edited file is too large");
	CHECK_STR(out.ptr, "kept");
	CHECK_INT(fuzzy, 0);
	ed.search = "  b\n";
	CHECK_INT(edits_apply(&ed, "a\nb\n", 4, &out, NULL, &e), -1);
	CHECK_STR(e.msg, "'a.c': the edited file is too large");
	CHECK_STR(out.ptr, "kept");
	buf_release(&out);

	/* binary content and NUL bytes are just bytes */
	ed.search = "b\n";
	ed.replace = "c\n";
	CHECK_INT(edits_apply(&ed, "\0a\nb\n\0", 6, &out, &fuzzy, &e), 0);
	CHECK_INT(out.len, 6);
	CHECK(!memcmp(out.ptr, "\0a\nc\n\0", 6));
	buf_release(&out);
}

/* A parsed reply applied end to end. */
static void test_round_trip(void)
{
	const char *reply =
	        "Sure, here you go:\n\n`src/util.c`\n```c\n<<<<<<< SEARCH\nint add(int a, int "
	        "b)\n{\n    return a - b;\n}\n=======\nint add(int a, int b)\n{\n\treturn a "
	        "+ b;\n}\n>>>>>>> REPLACE\n```\n";
	const char *file = "#include \"util.h\"\n\nint add(int a, int b)\n{\n\treturn a - b;\n}\n";
	struct edits es = EDITS_INIT;
	struct error e = ERROR_INIT;
	struct buf out = BUF_INIT;
	int fuzzy = 0;

	CHECK_INT(edits_parse(reply, strlen(reply), &es, &e), 0);
	CHECK_INT(es.n, 1);
	CHECK_INT(edits_apply(&es.v[0], file, strlen(file), &out, &fuzzy, &e), 0);
	CHECK_INT(fuzzy, 1);
	CHECK_STR(out.ptr, "#include \"util.h\"\n\nint add(int a, int b)\n{\n\treturn a + b;\n}\n");
	buf_release(&out);
	edits_release(&es);
}

int main(void)
{
	test_parse_forms();
	test_parse_whole();
	test_parse_errors();
	test_apply_exact();
	test_apply_fuzzy();
	test_apply_limits();
	test_round_trip();
	return check_done("test_edits");
}
