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

#endif
