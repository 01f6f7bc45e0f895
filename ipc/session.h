/* session.h - the per-session directory of channel files, its lock, and worker liveness. */
#ifndef LOOM_IPC_SESSION_H
#define LOOM_IPC_SESSION_H

#include "core/error.h"

/*
 * A session directory, BASE/loom-UID-PID-RANDOM (mode 0700), holds per worker
 * ROLE.in.jsonl, ROLE.out.jsonl and ROLE.lock, plus session.lock, which the
 * owning process holds (flock) for the session's whole life.
 */
struct session {
	char *dir;   /* the directory's path; owned; NULL before session_create */
	int lock_fd; /* session.lock, held with LOCK_EX; -1 when not held */
	int keep;    /* set for --keep-session: session_remove leaves the directory */
};
#define SESSION_INIT                                                                               \
	{                                                                                          \
		NULL, -1, 0                                                                        \
	}

/* The files of one worker. */
enum session_file {
	SESSION_INBOX,  /* ROLE.in.jsonl: the session core writes, the worker reads */
	SESSION_OUTBOX, /* ROLE.out.jsonl: the worker writes, the session core reads */
	SESSION_LOCK    /* ROLE.lock: held (flock) by the worker while it lives */
};

/*
 * Where session directories go: $XDG_RUNTIME_DIR if it names a directory,
 * else $TMPDIR if it does, else /tmp. The result is owned by the caller.
 */
char *session_base_dir(void);
/*
 * Creates a new session directory under base (NULL: session_base_dir()) and
 * takes its session.lock. Returns -1 when the directory or its lock cannot be
 * made; nothing is left behind then.
 */
int session_create(struct session *s, const char *base, struct error *e);
/*
 * The path of a worker's file, owned by the caller; NULL when role is not a
 * plain name (1 to 32 of [a-z0-9_-], starting with a letter, not "session").
 */
char *session_path(const struct session *s, const char *role, enum session_file kind);
/*
 * Creates a worker's three files, empty, mode 0600 (files that exist are
 * kept). Returns -1 for a bad role or when a file cannot be created.
 */
int session_add_worker(struct session *s, const char *role, struct error *e);
/*
 * Ends the session: removes the directory and everything in it (entries of
 * other users and anything outside it are never touched; symbolic links are
 * removed, not followed), then releases session.lock. With keep set, leaves
 * the directory with a "kept" file in it, which session_clean_stale respects.
 * Returns -1 when something could not be removed (the lock is released and
 * s emptied anyway).
 */
int session_remove(struct session *s, struct error *e);
/*
 * Removes the session directories under base (NULL: session_base_dir()) left
 * by crashed runs of this user: loom-UID-* with our uid in the name, owned by
 * us, without a "kept" file, whose session.lock nobody holds and whose owner's
 * pid is not a live process. Returns how many it removed, or -1 when base
 * cannot be read.
 */
int session_clean_stale(const char *base, struct error *e);

/*
 * For a worker: opens lock_path and takes its flock (LOCK_EX), retrying for a
 * moment while the session core is testing it. The worker keeps the returned
 * descriptor open for its whole life; the lock goes with the last descriptor of
 * that open file, so it must be opened in the worker, not inherited from the
 * core. Returns -1 when the file cannot be opened or another process holds it.
 */
int session_worker_lock(const char *lock_path, struct error *e);
/*
 * Whether role's worker holds its ROLE.lock: tested with LOCK_EX | LOCK_NB,
 * released at once when it was free. Returns 1 when held, 0 when free or the
 * file does not exist, -1 when it cannot be tested.
 */
int session_worker_alive(const struct session *s, const char *role, struct error *e);

#endif
