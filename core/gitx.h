/* gitx.h - libgit2 set-up and its errors in loom's error style. */
#ifndef LOOM_GITX_H
#define LOOM_GITX_H

#include <git2.h>

#include "core/error.h"

/* Initializes libgit2 once per process (thread-safe, idempotent). */
void gitx_init(void);
/* Sets e to "what: <libgit2's last error>"; always returns -1. */
int gitx_error(struct error *e, const char *what);

/*
 * Makes dir a new git repository (or opens the one there) and commits every
 * file in it that is not ignored, with message, as the configured user (else
 * "loom <loom@localhost>"). For fixtures: the sample of `loom demo`, the tasks
 * of `loom eval`. Returns 0, or -1 with e set.
 */
int gitx_commit_all(const char *dir, const char *message, struct error *e);

#endif
