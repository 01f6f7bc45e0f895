/* test_token.c - the tokenizer, the term stream, the rules file and import stems. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "context/index.h"
#include "context/rules.h"
#include "context/token.h"
#include "core/buf.h"

static char *stream(const char *text, int capped)
{
	struct buf b = BUF_INIT;
	struct token_tf *tf = capped ? token_tf_new() : NULL;

	token_stream(text, strlen(text), tf, &b);
	token_tf_free(tf);
	return buf_detach(&b, NULL);
}

#define EXPECT_TERMS(text, want)                                                                   \
	do {                                                                                       \
		char *got_ = stream(text, 0);                                                      \
		CHECK_STR(got_, want);                                                             \
		free(got_);                                                                        \
	} while (0)

static void test_split(void)
{
	EXPECT_TERMS("parseArgs parse_args HTTPServer", "parse arg parse arg http server");
	EXPECT_TERMS("ext4_journal utf8Decode x86", "ext4 journal utf8 decode x86");
	EXPECT_TERMS("IOError getHTTPResponseCode", "io error get http response code");
	EXPECT_TERMS("0x1f 12345 deadbeefcafe01 a b", "");
	EXPECT_TERMS("the return of the static int", "");
	EXPECT_TERMS("caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87",
	             "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87");
}

static void test_stem(void)
{
	EXPECT_TERMS("buffers entries indexes classes patches pushes caches",
	             "buffer entry index class patch push cache");
	EXPECT_TERMS("status analysis process bus args", "status analysis process bus arg");
	/* idempotent: FTS5 re-tokenizes the terms put in a MATCH expression */
	EXPECT_TERMS("buffer entry index class patch push cache status",
	             "buffer entry index class patch push cache status");
}

static void test_cap(void)
{
	char *got = stream("foo foo foo foo foo foo bar foo", 1);
	CHECK_STR(got, "foo foo foo foo bar");
	free(got);
	got = stream("foo foo foo foo foo foo bar foo", 0);
	CHECK_STR(got, "foo foo foo foo foo foo bar foo");
	free(got);
}

static void test_hostile(void)
{
	size_t n = 1 << 20, i;
	char *big = malloc(n + 1);
	char *got;

	for (i = 0; i < n; i++)
		big[i] = (char)(i * 7919 % 251 + 1);
	big[n] = '\0';
	got = stream(big, 1);
	CHECK(got != NULL);
	free(got);
	memset(big, 'a', n - 1);
	big[n - 1] = '\0';
	got = stream(big, 1); /* one over-long word: dropped */
	CHECK_STR(got, "");
	free(got);
	free(big);
	CHECK_INT(token_estimate(0), 0);
	CHECK_INT(token_estimate(1), 1);
	CHECK_INT(token_estimate(300), 100);
	CHECK_INT(token_estimate(301), 101);
}

static void test_rules(void)
{
	struct rules r;
	char path[] = "/tmp/loom-test-rules-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fputs("# comment\n tag = 12.5 \nnope = 1\nbm25 = x\ntest=-1000\nrecent = 1001\n\n", f);
	fclose(f);
	rules_defaults(&r);
	CHECK(r.w[RULE_TAG] == 40);
	CHECK(r.w[RULE_GIT_MODIFIED] == 8);
	CHECK_INT(rules_load(&r, path), 3);
	CHECK(r.w[RULE_TAG] == 12.5);
	CHECK(r.w[RULE_TEST] == -1000);
	CHECK(r.w[RULE_RECENT] == rule_defs[RULE_RECENT].points);
	CHECK(r.w[RULE_BM25] == rule_defs[RULE_BM25].points);
	CHECK_INT(rules_load(&r, "/nonexistent/rules"), 0);
	CHECK_INT(rules_find("git_modified"), RULE_GIT_MODIFIED);
	CHECK_INT(rules_find("gitmodified"), -1);
	remove(path);
}

static void test_import_base(void)
{
	char b[64];

	CHECK_STR(index_import_base(LANG_C, "linux/list.h", b, sizeof(b)), "list");
	CHECK_STR(index_import_base(LANG_PYTHON, "os.path", b, sizeof(b)), "path");
	CHECK_STR(index_import_base(LANG_PYTHON, "a.b.c", b, sizeof(b)), "c");
	CHECK_STR(index_import_base(LANG_JS, "./util.js", b, sizeof(b)), "util");
	CHECK_STR(index_import_base(LANG_TS, "../lib/util", b, sizeof(b)), "util");
	CHECK_STR(index_import_base(LANG_RUST, "crate::net::tcp", b, sizeof(b)), "tcp");
	CHECK_STR(index_import_base(LANG_C, "util.h", b, sizeof(b)), "util");
	CHECK_STR(index_import_base(LANG_PYTHON, "..m", b, sizeof(b)), "m");
	CHECK_STR(index_import_base(LANG_PYTHON, ".", b, sizeof(b)), "");
	CHECK_STR(index_import_base(LANG_GO, "github.com/x/y", b, sizeof(b)), "y");
	CHECK_STR(index_import_base(LANG_JAVA, "java.util.List", b, sizeof(b)), "List");
	CHECK_STR(index_import_base(LANG_NONE, "tasks.py", b, sizeof(b)), "tasks");
	CHECK_STR(index_import_base(LANG_NONE, ".bashrc", b, sizeof(b)), ".bashrc");
	CHECK_STR(index_import_base(LANG_NONE, "a.tar.gz", b, sizeof(b)), "a.tar");
}

int main(void)
{
	test_split();
	test_stem();
	test_cap();
	test_hostile();
	test_rules();
	test_import_base();
	return check_done("test_token");
}
