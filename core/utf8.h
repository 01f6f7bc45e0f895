/* utf8.h - validating UTF-8 from untrusted sources (files, paths, models). */
#ifndef LOOM_UTF8_H
#define LOOM_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if invalid. */
size_t utf8_seq_len(const unsigned char *s, size_t n);
/*
 * Copies n bytes of s, replacing each invalid byte and each NUL with U+FFFD,
 * so the result is valid UTF-8 and a C string. The caller frees it.
 */
char *utf8_sanitize(const char *s, size_t n);
/*
 * Writes a printable excerpt of the n bytes at s into dst (size bytes, at least 8),
 * for quoting untrusted names in messages: valid UTF-8 is copied, control
 * characters (C0, DEL, C1) and invalid bytes become \xNN, and what does not fit
 * is cut at a character boundary and marked with "...". Returns dst, always
 * NUL-terminated; never allocates.
 */
char *utf8_excerpt(char *dst, size_t size, const char *s, size_t n);

#endif
