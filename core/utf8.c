/*
 * utf8.c - strict UTF-8 validation (no overlongs, no surrogates, <= U+10FFFF).
 *
 * File contents, paths and model replies are arbitrary bytes; JSON and the
 * terminal need valid UTF-8, so invalid bytes are replaced, never passed on.
 */
#include "core/utf8.h"

#include "core/buf.h"

#include <string.h>

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

/* Bytes the character at s (k bytes, 0 = invalid) takes in an excerpt. */
static size_t excerpt_width(const unsigned char *s, size_t *k)
{
	int escape = !*k || s[0] < 0x20 || s[0] == 0x7f || (s[0] == 0xc2 && s[1] < 0xa0);

	if (escape)
		*k = 1;
	return escape ? 4 : *k;
}

char *utf8_excerpt(char *dst, size_t size, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i, o = 0, k, w, room;

	if (size < 8) {
		if (size)
			dst[0] = '\0';
		return dst;
	}
	/* room for "..." is kept only when the whole text does not fit */
	for (i = 0; i < n && o < size; i += k) {
		k = utf8_seq_len(p + i, n - i);
		o += excerpt_width(p + i, &k);
	}
	room = o < size ? size - 1 : size - 4;
	for (i = 0, o = 0; i < n; i += k) {
		k = utf8_seq_len(p + i, n - i);
		w = excerpt_width(p + i, &k);
		if (o + w > room) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		if (w != k) { /* an escaped byte */
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[p[i] >> 4];
			dst[o++] = hex[p[i] & 15];
		} else {
			memcpy(dst + o, s + i, k);
			o += k;
		}
	}
	dst[o] = '\0';
	return dst;
}
