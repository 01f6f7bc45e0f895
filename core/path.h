/* path.h - the one definition of a safe repository path proposed by a model. */
#ifndef LOOM_PATH_H
#define LOOM_PATH_H

#include <stddef.h>

#include "error.h"

/* The longest path path_check() accepts, in bytes. */
#define PATH_MAX_LEN 4096

/*
 * Accepts a path relative to the repository root that is safe to create or
 * change: 1..PATH_MAX_LEN bytes of valid UTF-8 without control characters,
 * '/'-separated, not absolute (no leading '/', drive letter or backslash), no
 * empty, '.' or '..' component, and nothing that is or is under .git (any
 * component that folds to ".git" on a case-insensitive, NTFS or 8.3
 * filesystem). Returns 0, or -1 with a message naming the path and the rule,
 * such as "'../x' leaves the repository".
 */
int path_check(const char *path, struct error *e);
/* The same for n bytes that need not be NUL-terminated; a NUL byte is refused. */
int path_check_n(const char *path, size_t n, struct error *e);

#endif
