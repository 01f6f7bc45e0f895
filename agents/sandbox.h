/* sandbox.h - each worker role's limits, enforced by the kernel (Landlock). */
#ifndef LOOM_SANDBOX_H
#define LOOM_SANDBOX_H

#include <stddef.h>

#include "core/error.h"

enum sandbox_role { SANDBOX_ARCHITECT, SANDBOX_EXPLORER, SANDBOX_CODER };

/*
 * What a role may touch. Architect and Coder: no file at all, TCP connect to
 * model_port only. Explorer: read beneath repo_root and the read_only paths,
 * read-write beneath index_dir, no network. Paths must exist (missing
 * read_only entries are skipped); what a role does not use is ignored.
 */
struct sandbox_policy {
	enum sandbox_role role;
	const char *repo_root; /* Explorer: read-only beneath it */
	const char *index_dir; /* Explorer: read-write beneath it (index.db, -wal, -shm, lock) */
	/* Explorer: more read-only files or directories, e.g. a worktree's git directory
	 * outside repo_root, or git's global configuration */
	const char *const *read_only;
	size_t nread_only;
	int model_port; /* Architect, Coder: the TCP port they may connect to; 0 = none */
};
#define SANDBOX_POLICY_INIT                                                                        \
	{                                                                                          \
		SANDBOX_ARCHITECT, NULL, NULL, NULL, 0, 0                                          \
	}

/* The newest Landlock ABI this file knows the rights of; newer kernels get these. */
#define SANDBOX_ABI_KNOWN 7

/* What the caller prints (log_warn) when sandbox_apply returns 0. */
#define SANDBOX_NO_LANDLOCK "this kernel has no Landlock: workers run without a sandbox"

/* The running kernel's Landlock ABI version; 0 when Landlock is unavailable (an old
 * kernel, disabled at boot, or a container's seccomp filter refusing the syscall). */
int sandbox_abi(void);

/*
 * Restricts the calling thread, and every thread and process it starts later,
 * to p's role for good: sets no_new_privs, builds a ruleset handling every
 * access right the running ABI knows (so rights the role does not need are
 * denied, newer ones included) and enforces it. Call it before starting any
 * thread: threads that already exist keep their rights. File descriptors open
 * before the call keep working (the IPC channels). The Explorer must point
 * SQLite's temporary files (large sorts) into index_dir first (db_temp_dir),
 * since /tmp is out of its reach.
 *
 * Returns the ABI enforced (> 0); 0 when the kernel has no Landlock and
 * nothing was done (the caller warns with SANDBOX_NO_LANDLOCK and carries
 * on); -1 with e set when a path of the policy cannot be opened or the
 * kernel refuses the ruleset, in which case nothing was enforced.
 *
 * In sanitizer builds, LeakSanitizer's exit-time check reads /proc, which no
 * role may: a restricted process leaves with _exit (after flushing stdio).
 */
int sandbox_apply(const struct sandbox_policy *p, struct error *e);

/* One line for `loom doctor`: "Landlock ABI 7: filesystem, network and IPC scopes
 * enforced per role", or "not available: running without a sandbox". Static storage,
 * valid until the next call. */
const char *sandbox_level(void);

/* "architect", "explorer", "coder" */
const char *sandbox_role_name(enum sandbox_role r);
/* The role named s; -1 if none. */
int sandbox_role_parse(const char *s);

#endif
