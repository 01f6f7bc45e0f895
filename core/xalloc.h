/* xalloc.h - allocation that never returns NULL, and the fatal exit path. */
#ifndef LOOM_XALLOC_H
#define LOOM_XALLOC_H

#include <stddef.h>

#if defined(__GNUC__)
#define LOOM_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define LOOM_NORETURN     __attribute__((noreturn))
#else
#define LOOM_PRINTF(f, a)
#define LOOM_NORETURN
#endif

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Formats into a new string owned by the caller. */
char *xasprintf(const char *fmt, ...) LOOM_PRINTF(1, 2);

/* Grows *p (an array of elsize-byte items, *cap of them) to hold at least need. */
void xgrow(void **p, size_t *cap, size_t need, size_t elsize);
#define XGROW(arr, cap, need) xgrow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/*
 * A hook run once before a fatal exit, so a front end can restore the terminal.
 * Only one hook is kept; passing NULL removes it.
 */
void fatal_set_hook(void (*hook)(void));
/* Prints "loom: fatal: ..." to stderr, runs the hook and exits with status 1. */
LOOM_NORETURN void fatal(const char *fmt, ...) LOOM_PRINTF(1, 2);

#endif
