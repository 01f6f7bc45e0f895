/* buf.h - the one growable byte buffer, with an optional hard size cap. */
#ifndef LOOM_BUF_H
#define LOOM_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "xalloc.h"

/*
 * Invariants: ptr is never NULL and ptr[len] == '\0'; cap is the allocated size
 * (0 while ptr points at the shared empty string); max, when non-zero, is the
 * largest len the buffer accepts: an append that would pass it fails with -1 and
 * leaves the buffer unchanged.
 */
struct buf {
	char *ptr;  /* contents, NUL-terminated */
	size_t len; /* bytes used, excluding the NUL */
	size_t cap; /* bytes allocated, 0 when ptr is buf_empty */
	size_t max; /* 0 = unlimited, else the cap on len */
};

extern char buf_empty[1];
#define BUF_INIT                                                                                   \
	{                                                                                          \
		buf_empty, 0, 0, 0                                                                 \
	}
#define BUF_INIT_MAX(m)                                                                            \
	{                                                                                          \
		buf_empty, 0, 0, (m)                                                               \
	}

void buf_init(struct buf *b, size_t max);
/* Frees the contents and leaves an empty buffer (max kept). */
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
/* Returns the contents, owned by the caller, and leaves the buffer empty. */
char *buf_detach(struct buf *b, size_t *len);

/* Appends; each returns 0, or -1 when the cap would be passed (nothing appended). */
int buf_add(struct buf *b, const void *data, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addch(struct buf *b, int c);
int buf_addf(struct buf *b, const char *fmt, ...) LOOM_PRINTF(2, 3);
int buf_vaddf(struct buf *b, const char *fmt, va_list ap);
/* Makes room for n more bytes; -1 when the cap would be passed. */
int buf_grow(struct buf *b, size_t n);
void buf_setlen(struct buf *b, size_t len);
/* Appends s as a JSON string literal, quotes included; invalid UTF-8 becomes U+FFFD. */
int buf_add_json_str(struct buf *b, const char *s, size_t n);

#endif
