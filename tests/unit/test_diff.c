/* test_diff.c - proposals as hunks, and rebuilding a file from any subset of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/buf.h"
#include "core/diff.h"
#include "core/error.h"

/* diff_apply_hunks() with the given approvals, as a new string (or "error: ..."). */
static char *rebuild(const char *old, size_t n, const struct diff *d, const unsigned char *ok)
{
	struct buf b = BUF_INIT;
	struct error e = ERROR_INIT;

	if (diff_apply_hunks(old, n, d->hunks, d->nhunks, ok, &b, &e) < 0) {
		CHECK_INT(b.len, 0);
		buf_addf(&b, "error: %s", e.msg);
	}
	return buf_detach(&b, NULL);
}

static void test_patch_text(void)
{
	const char *old = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n"
	                  "eleven\ntwelve\nthirteen\nfourteen\n";
	const char *new = "one\nTWO\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n"
	                  "eleven\ntwelve\nthirteen\nfourteen\nfifteen\n";
	struct diff d = DIFF_INIT;
	struct error e = ERROR_INIT;
	unsigned char first[] = { 1, 0 }, second[] = { 0, 1 };
	char *s;

	CHECK_INT(diff_make("src/n.txt", old, strlen(old), new, strlen(new), &d, &e), 0);
	CHECK_INT(d.nhunks, 2);
	CHECK_STR(d.patch, "--- a/src/n.txt\n+++ b/src/n.txt\n"
	                   "@@ -1,5 +1,5 @@\n one\n-two\n+TWO\n three\n four\n five\n"
	                   "@@ -12,3 +12,4 @@ eleven\n twelve\n thirteen\n fourteen\n+fifteen\n");
	CHECK_INT(d.patch_len, strlen(d.patch));
	CHECK_STR(d.hunks[0].header, "@@ -1,5 +1,5 @@");
	CHECK_INT(d.hunks[0].old_start, 1);
	CHECK_INT(d.hunks[0].old_lines, 5);
	CHECK_INT(d.hunks[0].nlines, 6);
	CHECK(d.hunks[0].lines[1].origin == '-' && d.hunks[0].lines[1].len == 4 &&
	      !memcmp(d.hunks[0].lines[1].text, "two\n", 4));
	CHECK(d.hunks[0].lines[2].origin == '+');
	CHECK_INT(d.hunks[1].old_start, 12);
	CHECK_INT(d.hunks[1].new_lines, 4);
	s = rebuild(old, strlen(old), &d, first);
	CHECK_STR(s, "one\nTWO\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n"
	             "eleven\ntwelve\nthirteen\nfourteen\n");
	free(s);
	s = rebuild(old, strlen(old), &d, second);
	CHECK_STR(s, "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n"
	             "eleven\ntwelve\nthirteen\nfourteen\nfifteen\n");
	free(s);
	diff_release(&d);
	CHECK(d.hunks == NULL && d.patch == NULL);

	/* identical sides: nothing at all */
	CHECK_INT(diff_make("a", old, strlen(old), old, strlen(old), &d, &e), 0);
	CHECK_INT(d.nhunks, 0);
	CHECK_STR(d.patch, "");
	diff_release(&d);
}

static void test_edges(void)
{
	struct diff d = DIFF_INIT;
	struct error e = ERROR_INIT;
	char *s;

	/* no final newline on the old side, then on the new side, then on both */
	CHECK_INT(diff_make("f", "a\nb", 3, "a\nb\nc\n", 6, &d, &e), 0);
	CHECK_STR(d.patch, "--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n a\n-b\n"
	                   "\\ No newline at end of file\n+b\n+c\n");
	s = rebuild("a\nb", 3, &d, NULL);
	CHECK_STR(s, "a\nb\nc\n");
	free(s);
	s = rebuild("a\nb", 3, &d, (const unsigned char *)"\0");
	CHECK_STR(s, "a\nb");
	free(s);
	diff_release(&d);
	CHECK_INT(diff_make("f", "a\nb\n", 4, "a\nc", 3, &d, &e), 0);
	CHECK_STR(d.patch, "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
	                   "\\ No newline at end of file\n");
	s = rebuild("a\nb\n", 4, &d, NULL);
	CHECK_STR(s, "a\nc");
	free(s);
	diff_release(&d);
	CHECK_INT(diff_make("f", "x\ny", 3, "x\nz", 3, &d, &e), 0);
	s = rebuild("x\ny", 3, &d, NULL);
	CHECK_STR(s, "x\nz");
	free(s);
	diff_release(&d);

	/* CRLF lines keep their "\r\n" */
	CHECK_INT(diff_make("w.txt", "a\r\nb\r\nc\r\n", 9, "a\r\nB\r\nc\r\n", 9, &d, &e), 0);
	CHECK_STR(d.patch, "--- a/w.txt\n+++ b/w.txt\n@@ -1,3 +1,3 @@\n a\r\n-b\r\n+B\r\n c\r\n");
	s = rebuild("a\r\nb\r\nc\r\n", 9, &d, NULL);
	CHECK_STR(s, "a\r\nB\r\nc\r\n");
	free(s);
	diff_release(&d);

	/* creation and deletion */
	CHECK_INT(diff_make("new.c", NULL, 0, "int x;\n", 7, &d, &e), 0);
	CHECK(d.created && !d.deleted);
	CHECK_STR(d.patch, "--- /dev/null\n+++ b/new.c\n@@ -0,0 +1 @@\n+int x;\n");
	CHECK_INT(d.hunks[0].old_start, 0);
	CHECK_INT(d.hunks[0].old_lines, 0);
	s = rebuild("", 0, &d, NULL);
	CHECK_STR(s, "int x;\n");
	free(s);
	s = rebuild(NULL, 0, &d, (const unsigned char *)"\0");
	CHECK_STR(s, "");
	free(s);
	diff_release(&d);
	CHECK_INT(diff_make("old.c", "a\nb\n", 4, NULL, 0, &d, &e), 0);
	CHECK(!d.created && d.deleted);
	CHECK_STR(d.patch, "--- a/old.c\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n");
	s = rebuild("a\nb\n", 4, &d, NULL);
	CHECK_STR(s, "");
	free(s);
	diff_release(&d);
	/* an empty file created: headers, no hunk */
	CHECK_INT(diff_make("e", NULL, 0, "", 0, &d, &e), 0);
	CHECK_INT(d.nhunks, 0);
	CHECK_STR(d.patch, "--- /dev/null\n+++ b/e\n");
	diff_release(&d);

	/* NUL bytes are still lines */
	CHECK_INT(diff_make("z", "a\0b\nc\n", 6, "a\0b\nd\n", 6, &d, &e), 0);
	CHECK_INT(d.nhunks, 1);
	{
		struct buf b = BUF_INIT;
		CHECK_INT(diff_apply_hunks("a\0b\nc\n", 6, d.hunks, d.nhunks, NULL, &b, &e), 0);
		CHECK(b.len == 6 && !memcmp(b.ptr, "a\0b\nd\n", 6));
		buf_release(&b);
	}
	diff_release(&d);

	/* hunks that do not fit the text are refused, out unchanged */
	CHECK_INT(diff_make("f", "a\nb\nc\n", 6, "a\nB\nc\n", 6, &d, &e), 0);
	s = rebuild("a\nX\nc\n", 6, &d, NULL);
	CHECK_STR(s, "error: hunk 1 does not match the old text at line 2");
	free(s);
	s = rebuild("", 0, &d, NULL);
	CHECK_STR(s, "error: hunk 1 does not match the old text at line 1");
	free(s);
	diff_release(&d);
}

static unsigned long long rng_state = 88172645463325252ull;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

/* A random line: mostly distinct, sometimes one of the lines code repeats. */
static void add_line(struct buf *b, const char *eol, int *uniq)
{
	static const char *common[] = { "}", "", "\treturn 0;", "\t\tbreak;", "{" };

	if (rnd(4) == 0)
		buf_adds(b, common[rnd(5)]);
	else
		buf_addf(b, "line %d %c", (*uniq)++, 'a' + rnd(26));
	buf_adds(b, eol);
}

/* The hunks of diff(old, got) must be exactly the approved hunks of d. */
static int same_hunks(const struct diff *d, const unsigned char *ok, const struct diff *got)
{
	size_t i, k = 0, j;

	for (i = 0; i < d->nhunks; i++) {
		const struct diff_hunk *a = &d->hunks[i], *b;
		if (!ok[i])
			continue;
		if (k >= got->nhunks)
			return 0;
		b = &got->hunks[k++];
		if (a->old_start != b->old_start || a->old_lines != b->old_lines ||
		    a->new_lines != b->new_lines || a->nlines != b->nlines)
			return 0;
		for (j = 0; j < a->nlines; j++)
			if (a->lines[j].origin != b->lines[j].origin ||
			    a->lines[j].len != b->lines[j].len ||
			    memcmp(a->lines[j].text, b->lines[j].text, a->lines[j].len) != 0)
				return 0;
	}
	return k == got->nhunks;
}

static void test_property(void)
{
	int round, checked = 0, subsets = 0;

	for (round = 0; round < 1500; round++) {
		struct buf old = BUF_INIT, new = BUF_INIT, got = BUF_INIT;
		struct diff d = DIFF_INIT, back = DIFF_INIT;
		struct error e = ERROR_INIT;
		const char *eol = rnd(5) == 0 ? "\r\n" : "\n";
		int lines = (int)(rnd(4) ? rnd(60) : rnd(300)), i, uniq = 0, nouniq = 100000;
		unsigned char ok[64];
		unsigned long mask, nmasks;

		for (i = 0; i < lines; i++) {
			unsigned r = rnd(20);
			size_t start = old.len;

			add_line(&old, eol, &uniq);
			if (r == 0) /* deleted */
				continue;
			if (r == 1) /* replaced */
				add_line(&new, eol, &nouniq);
			else
				buf_add(&new, old.ptr + start, old.len - start);
			if (r == 2) /* a line inserted after it */
				add_line(&new, eol, &nouniq);
		}
		if (rnd(4) == 0 && old.len && old.ptr[old.len - 1] == '\n')
			buf_setlen(&old, old.len - 1);
		if (rnd(4) == 0 && new.len &&new.ptr[new.len - 1] == '\n')
			buf_setlen(&new, new.len - 1);

		if (diff_make("p", old.ptr, old.len, new.ptr, new.len, &d, &e) < 0) {
			CHECK(!"diff_make failed");
			continue;
		}
		CHECK(d.nhunks <= sizeof(ok));
		/* all hunks give the new text, none the old */
		CHECK_INT(diff_apply_hunks(old.ptr, old.len, d.hunks, d.nhunks, NULL, &got, &e), 0);
		CHECK(got.len == new.len && !memcmp(got.ptr, new.ptr, new.len));
		buf_reset(&got);
		memset(ok, 0, sizeof(ok));
		CHECK_INT(diff_apply_hunks(old.ptr, old.len, d.hunks, d.nhunks, ok, &got, &e), 0);
		CHECK(got.len == old.len && !memcmp(got.ptr, old.ptr, old.len));
		buf_reset(&got);
		/* every subset (or 64 random ones) gives exactly those hunks */
		nmasks = d.nhunks <= 6 ? 1ul << d.nhunks : 64;
		for (mask = 0; mask < nmasks; mask++) {
			size_t h;
			unsigned long m = d.nhunks <= 6 ? mask : (unsigned long)rnd(1u << 30);
			for (h = 0; h < d.nhunks; h++)
				ok[h] = d.nhunks <= 6 ? (m >> h) & 1 : rnd(2);
			buf_reset(&got);
			CHECK_INT(
			        diff_apply_hunks(old.ptr, old.len, d.hunks, d.nhunks, ok, &got, &e),
			        0);
			CHECK_INT(diff_make("p", old.ptr, old.len, got.ptr, got.len, &back, &e), 0);
			if (!same_hunks(&d, ok, &back)) {
				fprintf(stderr,
				        "round %d: subset %lu of %zu hunks differs:\n%s\n---\n%s",
				        round, m, d.nhunks, d.patch, back.patch);
				check_failures++;
			}
			diff_release(&back);
			subsets++;
		}
		checked += d.nhunks > 0;
		diff_release(&d);
		buf_release(&old);
		buf_release(&new);
		buf_release(&got);
	}
	CHECK(checked > 1200);
	CHECK(subsets > 20000);
}

int main(void)
{
	test_patch_text();
	test_edges();
	test_property();
	return check_done("test_diff");
}
