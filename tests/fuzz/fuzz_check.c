/*
 * fuzz_check.c - libFuzzer target for reading a check's output
 * (core/check_output.c). The first two bytes pick max_bytes (0..65535); the
 * rest is the output. The trimmed text must be within the bound, valid UTF-8,
 * free of escapes and carriage returns, and end in a newline; the class must
 * be one of the names; and an output without '\r' must read the same with
 * every "\n" as "\r\n". Anything else aborts, as would a crash, leak or
 * out-of-bounds read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/check.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *t, size_t max)
{
	size_t n = strlen(t), i = 0, k;

	if (n > max || (n && t[n - 1] != '\n') || memchr(t, '\x1b', n) || memchr(t, '\r', n))
		abort();
	while (i < n) {
		if (!(k = utf8_seq_len((const unsigned char *)t + i, n - i)))
			abort();
		i += k;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *out = (const char *)data + 2, *cls;
	size_t n, max, i;
	struct check_loc loc;
	char *t, *t2;
	int known = 0;

	if (size < 2)
		return 0;
	max = (size_t)data[0] << 8 | data[1];
	n = size - 2;
	t = check_trim(out, n, max);
	check_text(t, max);
	cls = check_classify(out, n, 0);
	for (i = 0; check_class_names[i]; i++)
		known |= !strcmp(cls, check_class_names[i]);
	if (!known || strcmp(check_classify(out, n, 1), "timeout"))
		abort();
	if (check_locate(out, n, &loc) && (!loc.file[0] || strlen(loc.file) >= CHECK_FILE_MAX))
		abort();
	if (!memchr(out, '\r', n)) {
		struct buf crlf = BUF_INIT;
		for (i = 0; i < n; i++) {
			if (out[i] == '\n')
				buf_addch(&crlf, '\r');
			buf_addch(&crlf, out[i]);
		}
		t2 = check_trim(crlf.ptr, crlf.len, max);
		if (strcmp(t, t2) || strcmp(check_classify(crlf.ptr, crlf.len, 0), cls))
			abort();
		free(t2);
		buf_release(&crlf);
	}
	free(t);
	return 0;
}
