/* gitx.h - libgit2 set-up and its errors in loom's error style. */
#ifndef LOOM_GITX_H
#define LOOM_GITX_H

#include <git2.h>

#include "core/error.h"

/* Initializes libgit2 once per process (thread-safe, idempotent). */
void gitx_init(void);
/* Sets e to "what: <libgit2's last error>"; always returns -1. */
int gitx_error(struct error *e, const char *what);

#endif
