/* error.h - a recoverable failure's cause, as one line a user can read. */
#ifndef LOOM_ERROR_H
#define LOOM_ERROR_H

#include "xalloc.h"

/*
 * Fallible functions take a struct error * and return -1 after filling it in.
 * Messages follow one style: lowercase, no trailing period, names in quotes,
 * what went wrong first ("cannot open 'x': permission denied").
 */
struct error {
	char msg[512]; /* empty when no error was set */
};
#define ERROR_INIT                                                                                 \
	{                                                                                          \
		{                                                                                  \
			0                                                                          \
		}                                                                                  \
	}

/* Sets the message (replacing any earlier one); always returns -1. */
int error_set(struct error *e, const char *fmt, ...) LOOM_PRINTF(2, 3);
/* Puts "prefix: " in front of the current message; always returns -1. */
int error_prefix(struct error *e, const char *fmt, ...) LOOM_PRINTF(2, 3);
/* Sets "what: strerror(errno)" from the current errno; always returns -1. */
int error_errno(struct error *e, const char *fmt, ...) LOOM_PRINTF(2, 3);

#endif
