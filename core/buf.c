/*
 * buf.c - growable, NUL-terminated byte buffer with an optional size cap.
 *
 * The empty buffer points at a shared one-byte string so that callers can read
 * b->ptr at any time without checking for NULL. Growth doubles; the cap (max)
 * protects against unbounded input such as a model that never stops talking.
 */
#include "buf.h"

#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char buf_empty[1];

void buf_init(struct buf *b, size_t max)
{
	b->ptr = buf_empty;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void buf_release(struct buf *b)
{
	if (b->cap)
		free(b->ptr);
	buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->cap)
		b->ptr[0] = '\0';
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p;

	if (len)
		*len = b->len;
	p = b->cap ? b->ptr : xstrdup("");
	buf_init(b, b->max);
	return p;
}

int buf_grow(struct buf *b, size_t n)
{
	size_t need;

	if (b->max && (n > b->max || b->len > b->max - n))
		return -1;
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	if (!b->cap) {
		char *p = NULL;
		size_t cap = 0;
		XGROW(p, cap, need < 64 ? 64 : need);
		p[0] = '\0';
		b->ptr = p;
		b->cap = cap;
		return 0;
	}
	xgrow((void **)&b->ptr, &b->cap, need, 1);
	return 0;
}

void buf_setlen(struct buf *b, size_t len)
{
	if (len > b->len && !b->cap)
		fatal("buf_setlen past an empty buffer");
	b->len = len;
	b->ptr[len] = '\0';
}

int buf_add(struct buf *b, const void *data, size_t n)
{
	if (buf_grow(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->ptr + b->len, data, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return 0;
}

int buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_addch(struct buf *b, int c)
{
	char ch = (char)c;
	return buf_add(b, &ch, 1);
}

int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(b->ptr + b->len, b->cap ? b->cap - b->len : 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -1;
	if (b->cap && (size_t)n < b->cap - b->len) {
		if (b->max && b->len + (size_t)n > b->max) {
			b->ptr[b->len] = '\0';
			return -1;
		}
		b->len += (size_t)n;
		return 0;
	}
	if (buf_grow(b, (size_t)n) < 0) {
		b->ptr[b->len] = '\0';
		return -1;
	}
	vsnprintf(b->ptr + b->len, b->cap - b->len, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

int buf_add_json_str(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0, k;
	int r = buf_addch(b, '"');

	while (i < n && r == 0) {
		unsigned char c = p[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			continue;
		}
		r |= buf_add(b, s + start, i - start);
		if (c >= 0x80) {
			k = utf8_seq_len(p + i, n - i);
			if (k) {
				r |= buf_add(b, s + i, k);
				i += k;
			} else {
				r |= buf_adds(b, "\\ufffd");
				i++;
			}
		} else {
			switch (c) {
			case '"': r |= buf_adds(b, "\\\""); break;
			case '\\': r |= buf_adds(b, "\\\\"); break;
			case '\n': r |= buf_adds(b, "\\n"); break;
			case '\t': r |= buf_adds(b, "\\t"); break;
			case '\r': r |= buf_adds(b, "\\r"); break;
			default: r |= buf_addf(b, "\\u%04x", c); break;
			}
			i++;
		}
		start = i;
	}
	r |= buf_add(b, s + start, i - start);
	r |= buf_addch(b, '"');
	return r ? -1 : 0;
}
