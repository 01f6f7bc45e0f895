/*
 * error.c - filling in struct error.
 *
 * A fixed-size message keeps the error path free of allocation, so it works even
 * when the failure was an allocation limit; over-long messages are truncated.
 */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* dst = "a: b", truncated to fit */
static void join(char *dst, size_t size, const char *a, const char *b)
{
	size_t la = strnlen(a, size - 1), lb;

	memcpy(dst, a, la);
	if (la + 2 < size) {
		dst[la++] = ':';
		dst[la++] = ' ';
	}
	lb = strnlen(b, size - 1 - la);
	memcpy(dst + la, b, lb);
	dst[la + lb] = '\0';
}

int error_set(struct error *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int error_prefix(struct error *e, const char *fmt, ...)
{
	char pre[256], old[sizeof(e->msg)];
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	join(e->msg, sizeof(e->msg), pre, old);
	return -1;
}

int error_errno(struct error *e, const char *fmt, ...)
{
	int saved = errno;
	char what[384];
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	join(e->msg, sizeof(e->msg), what, strerror(saved));
	errno = saved;
	return -1;
}
