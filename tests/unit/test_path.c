/* test_path.c - path_check(): what a model may name, and the exact refusals. */
#include <string.h>

#include "check.h"
#include "core/error.h"
#include "core/path.h"
#include "core/utf8.h"

/* Returns the message for a refused path, or "ok". */
static const char *verdict(const char *path, struct error *e)
{
	if (path_check(path, e) == 0)
		return "ok";
	return e->msg;
}

static void test_accepts(void)
{
	static const char *const good[] = {
		"a",
		"src/a.c",
		"docs/CONTRIBUTING.md",
		".gitignore",
		".github/ci.yml",
		"a/.gitkeep",
		"git/x",
		"a..b",
		"...",
		"x/..y/z",
		"caf\xc3\xa9.txt",
		"Makefile",
		"ab:c",
		"~/x",
		".git2/x",
		"dir/.gitattributes",
	};
	struct error e = ERROR_INIT;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK_STR(verdict(good[i], &e), "ok");
}

static void test_refuses(void)
{
	static const struct {
		const char *path, *msg;
	} bad[] = {
		{ "", "empty path" },
		{ "/etc/passwd", "'/etc/passwd' is an absolute path" },
		{ "C:/Windows/x", "'C:/Windows/x' is an absolute path" },
		{ "c:x", "'c:x' is an absolute path" },
		{ "a:b", "'a:b' is an absolute path" },
		{ "a\\b", "'a\\b' contains a backslash" },
		{ "..\\x", "'..\\x' contains a backslash" },
		{ "../x", "'../x' leaves the repository" },
		{ "../../etc/passwd", "'../../etc/passwd' leaves the repository" },
		{ "a/../../x", "'a/../../x' leaves the repository" },
		{ "a/../b", "'a/../b' has a '..' component" },
		{ "..", "'..' leaves the repository" },
		{ "a/..", "'a/..' has a '..' component" },
		{ "x/..//../y", "'x/..//../y' leaves the repository" },
		{ "a/./b", "'a/./b' has a '.' component" },
		{ ".", "'.' has a '.' component" },
		{ "./a", "'./a' has a '.' component" },
		{ "a//b", "'a//b' has an empty component" },
		{ "src/", "'src/' has an empty component" },
		{ ".git", "'.git' is inside .git" },
		{ ".git/config", "'.git/config' is inside .git" },
		{ ".GIT/x", "'.GIT/x' is inside .git" },
		{ "sub/.Git/hooks/pre-commit", "'sub/.Git/hooks/pre-commit' is inside .git" },
		{ ".git./x", "'.git./x' is inside .git" },
		{ ".git /x", "'.git /x' is inside .git" },
		{ "GIT~1/config", "'GIT~1/config' is inside .git" },
		{ "a\nb", "'a\\x0ab' contains a control character" },
		{ "a\tb", "'a\\x09b' contains a control character" },
		{ "a\x7f", "'a\\x7f' contains a control character" },
		{ "a\xc2\x85", "'a\\xc2\\x85' contains a control character" },
		{ "a\xff/b", "'a\\xff/b' is not valid UTF-8" },
		{ "a\xc0\xaf", "'a\\xc0\\xaf' is not valid UTF-8" },
		{ "\xed\xa0\x80", "'\\xed\\xa0\\x80' is not valid UTF-8" },
	};
	struct error e = ERROR_INIT;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(path_check(bad[i].path, &e), -1);
		CHECK_STR(e.msg, bad[i].msg);
	}
	CHECK_INT(path_check(NULL, &e), -1);
	CHECK_STR(e.msg, "empty path");
}

static void test_lengths_and_nul(void)
{
	char longp[PATH_MAX_LEN + 2];
	struct error e = ERROR_INIT;

	memset(longp, 'a', sizeof(longp));
	longp[PATH_MAX_LEN] = '\0';
	CHECK_INT(path_check(longp, &e), 0);
	longp[PATH_MAX_LEN] = 'a';
	longp[PATH_MAX_LEN + 1] = '\0';
	CHECK_INT(path_check(longp, &e), -1);
	CHECK(!strncmp(e.msg, "'aaaa", 5));
	CHECK(strstr(e.msg, "...' is longer than 4096 bytes") != NULL);
	CHECK(strlen(e.msg) < 140);

	CHECK_INT(path_check_n("a\0b", 3, &e), -1);
	CHECK_STR(e.msg, "'a\\x00b' contains a control character");
	CHECK_INT(path_check_n("src/a.c", 7, &e), 0);
	CHECK_INT(path_check_n("src/a.cXYZ", 7, &e), 0); /* only n bytes count */
	CHECK_INT(path_check_n("src/", 4, &e), -1);
	CHECK_STR(e.msg, "'src/' has an empty component");
}

static void test_excerpt(void)
{
	char out[16];

	CHECK_STR(utf8_excerpt(out, sizeof(out), "short", 5), "short");
	CHECK_STR(utf8_excerpt(out, sizeof(out), "0123456789abcdefghij", 20), "0123456789ab...");
	CHECK_STR(utf8_excerpt(out, sizeof(out), "\x01\xff", 2), "\\x01\\xff");
	/* a multi-byte character is never cut in two */
	CHECK_STR(utf8_excerpt(out, sizeof(out), "0123456789a\xc3\xa9zzz", 16), "0123456789a...");
	CHECK_STR(utf8_excerpt(out, sizeof(out), "0123456789abcd\xc3\xa9", 16), "0123456789ab...");
	CHECK_STR(utf8_excerpt(out, sizeof(out), "0123456789abc\xc3\xa9", 15),
	          "0123456789abc\xc3\xa9");
}

int main(void)
{
	test_accepts();
	test_refuses();
	test_lengths_and_nul();
	test_excerpt();
	return check_done("test_path");
}
