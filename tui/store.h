/*
 * store.h - the session saved to disk, so `loom --resume` reopens it after a
 * quit or a crash: the conversation, the plan with its ticks, the ledger, the
 * session's tags and the proposal under review with its decisions.
 */
#ifndef LOOM_STORE_H
#define LOOM_STORE_H

#include <stddef.h>

#include "core/error.h"
#include "tui/ui.h"

#define STORE_VERSION 1
#define STORE_MAX     (64u << 20) /* a larger session file is not read */

/*
 * Writes the session to path as JSON, through a temporary file renamed over
 * it (mode 0600), so a crash leaves the old file or the new one, never half.
 * -1 with e set when it cannot be written; path is then untouched.
 */
int store_save(const char *path, const struct ui *u, const char *const *tags, size_t ntags,
               struct error *e);
/*
 * Reads a session written by store_save into u (its conversation, plan and
 * ledger are replaced; a proposal comes back as text in the diff pane, with
 * its decisions, since the task that made it is gone) and *tags (caller
 * frees each and the array). Returns 1, 0 when there is no file, -1 with e
 * set when it cannot be read or is not a session (u unchanged then).
 */
int store_load(const char *path, struct ui *u, char ***tags, size_t *ntags, struct error *e);

#endif
