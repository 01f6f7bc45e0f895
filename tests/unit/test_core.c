/* test_core.c - buf, hmap, utf8 and error: the core helpers every layer uses. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/hmap.h"
#include "core/utf8.h"

static void test_buf(void)
{
	struct buf b = BUF_INIT, capped = BUF_INIT_MAX(8);
	char *s;
	size_t n;
	int i;

	CHECK_STR(b.ptr, "");
	CHECK_INT(buf_adds(&b, "hello"), 0);
	CHECK_INT(buf_addf(&b, " %d %s", 42, "world"), 0);
	CHECK_STR(b.ptr, "hello 42 world");
	CHECK_INT(b.len, 14);
	for (i = 0; i < 1000; i++)
		buf_addch(&b, 'x');
	CHECK_INT(b.len, 1014);
	CHECK(b.ptr[b.len] == '\0');
	s = buf_detach(&b, &n);
	CHECK_INT(n, 1014);
	CHECK_STR(b.ptr, "");
	free(s);

	CHECK_INT(buf_adds(&capped, "12345678"), 0);
	CHECK_INT(buf_adds(&capped, "9"), -1);
	CHECK_STR(capped.ptr, "12345678");
	buf_reset(&capped);
	CHECK_INT(buf_addf(&capped, "%s", "123456789"), -1);
	CHECK_STR(capped.ptr, "");
	buf_release(&capped);
	buf_release(&b);

	buf_add_json_str(&b, "a\"b\\c\n\x01\xff", 8);
	CHECK_STR(b.ptr, "\"a\\\"b\\\\c\\n\\u0001\\ufffd\"");
	buf_release(&b);
}

static void test_hmap(void)
{
	struct hmap m = HMAP_INIT;
	char keys[2000][16];
	int i, bad = 0;

	for (i = 0; i < 2000; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		CHECK_INT(hmap_put(&m, keys[i], strlen(keys[i]), (size_t)i), 1);
	}
	CHECK_INT(hmap_put(&m, keys[7], strlen(keys[7]), 70), 0);
	for (i = 0; i < 2000; i++) {
		size_t *v = hmap_get(&m, keys[i], strlen(keys[i]));
		if (!v || *v != (i == 7 ? 70u : (size_t)i))
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK(hmap_get(&m, "k2000", 5) == NULL);
	CHECK(hmap_get(&m, "k1", 1) == NULL); /* a prefix is another key */
	CHECK_INT(m.used, 2000);
	hmap_release(&m);
	CHECK(hmap_get(&m, "k1", 2) == NULL);
}

static void test_utf8(void)
{
	char *s;

	CHECK_INT(utf8_seq_len((const unsigned char *)"\xc3\xa9", 2), 2);
	CHECK_INT(utf8_seq_len((const unsigned char *)"\xc3", 1), 0);
	CHECK_INT(utf8_seq_len((const unsigned char *)"\xc0\x80", 2), 0);     /* overlong */
	CHECK_INT(utf8_seq_len((const unsigned char *)"\xed\xa0\x80", 3), 0); /* surrogate */
	CHECK_INT(utf8_seq_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);
	s = utf8_sanitize("caf\xc3\xa9 \xff\0x", 9);
	CHECK_STR(s, "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbdx");
	free(s);
}

static void test_error(void)
{
	struct error e = ERROR_INIT;
	char longname[600];

	CHECK_INT(error_set(&e, "cannot open '%s'", "x"), -1);
	CHECK_STR(e.msg, "cannot open 'x'");
	error_prefix(&e, "index");
	CHECK_STR(e.msg, "index: cannot open 'x'");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	error_set(&e, "%s", longname);
	CHECK_INT(strlen(e.msg), sizeof(e.msg) - 1);
	error_prefix(&e, "more");
	CHECK_INT(strlen(e.msg), sizeof(e.msg) - 1);
	CHECK(!strncmp(e.msg, "more: aaa", 9));
}

int main(void)
{
	test_buf();
	test_hmap();
	test_utf8();
	test_error();
	return check_done("test_core");
}
