/*
 * utf8.c - strict UTF-8 validation (no overlongs, no surrogates, <= U+10FFFF).
 *
 * File contents, paths and model replies are arbitrary bytes; JSON and the
 * terminal need valid UTF-8, so invalid bytes are replaced, never passed on.
 */
#include "core/utf8.h"

#include "core/buf.h"

size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned int cp;

	if (!n)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0) {
		len = 2;
		cp = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		len = 3;
		cp = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

char *utf8_sanitize(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b = BUF_INIT;
	size_t i = 0, start = 0;

	buf_grow(&b, n);
	while (i < n) {
		size_t k = p[i] ? utf8_seq_len(p + i, n - i) : 0;
		if (k) {
			i += k;
			continue;
		}
		buf_add(&b, s + start, i - start);
		buf_adds(&b, "\xef\xbf\xbd");
		start = ++i;
	}
	buf_add(&b, s + start, i - start);
	return buf_detach(&b, NULL);
}
