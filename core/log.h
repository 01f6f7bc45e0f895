/* log.h - one-line messages to the user on stderr. */
#ifndef LOOM_LOG_H
#define LOOM_LOG_H

#include "xalloc.h"

/* "loom: error: ..." */
void log_error(const char *fmt, ...) LOOM_PRINTF(1, 2);
/* "loom: warning: ..." */
void log_warn(const char *fmt, ...) LOOM_PRINTF(1, 2);
/* "loom: ..." - a notice the user should see once */
void log_note(const char *fmt, ...) LOOM_PRINTF(1, 2);

enum log_level { LOG_ERROR, LOG_WARN, LOG_NOTE };
/*
 * Sends every message to sink instead of stderr (the terminal interface shows
 * them in place); NULL sends them to stderr again. msg has no prefix and no
 * newline.
 */
void log_set_sink(void (*sink)(void *ctx, enum log_level level, const char *msg), void *ctx);

#endif
