/* apply.h - the one place Loom writes the user's files: checked, atomic, journaled. */
#ifndef LOOM_APPLY_H
#define LOOM_APPLY_H

#include <git2.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"

#define APPLY_MAX_SIZE     ((size_t)1 << 20) /* default limit on a file's size, old or new */
#define APPLY_BINARY_PROBE 8192              /* a NUL in this many first bytes makes it binary */

/* One file of a change set. */
struct apply_file {
	const char *path;     /* relative to the root; must pass path_check() */
	const char *old_text; /* what the proposal was made against; NULL: the file did not exist */
	size_t old_len;
	const char *new_text; /* what to write; NULL: delete the file ("" writes an empty file) */
	size_t new_len;
};

struct apply_opts {
	size_t max_size;     /* 0: APPLY_MAX_SIZE */
	const char *message; /* what the change does (the step's goal), for journal and commit */
	git_repository *git; /* the repository whose work tree is the root; NULL: none */
	int commit;          /* also commit exactly these files on HEAD (needs git) */
	/*
	 * Test hook, NULL in Loom: runs before file i is written (renaming 0) and
	 * again between its temporary file and the rename (renaming 1); a non-zero
	 * return makes that write fail. Tests use it to fail or crash mid-set.
	 */
	int (*hook)(size_t i, int renaming, void *arg);
	void *hook_arg;
};
#define APPLY_OPTS_INIT                                                                            \
	{                                                                                          \
		0, NULL, NULL, 0, NULL, NULL                                                       \
	}

struct apply_result {
	unsigned long id;               /* the change set's number in the undo journal */
	char commit[GIT_OID_HEXSZ + 1]; /* the commit made, "" for none */
	char warning[512];              /* "" or why the applied files were not committed */
};

/*
 * Checks a change set against the work tree at root without writing: every
 * refusal apply_set() makes before it writes. Returns 0, or -1 with one line
 * naming the first file refused and why: a path path_check() refuses or
 * under .loom/, a path through a symbolic link or a non-directory, a target
 * that is a symbolic link or not a regular file, a file over the size limit
 * (old, new or on disk), a binary file (a NUL in the first APPLY_BINARY_PROBE
 * bytes of either side), a path given twice, and a file whose content (or
 * existence) is no longer what the proposal was made against ("'src/a.c'
 * changed since the proposal was made; propose the change again").
 */
int apply_check(const char *root, const struct apply_file *files, size_t n,
                const struct apply_opts *o, struct error *e);
/*
 * Applies a change set to the work tree at root, all or nothing as far as the
 * OS allows. Under the journal's lock (journal_dir, created if needed): rolls
 * back a set an earlier process left half-applied (saying so on stderr),
 * checks every file as apply_check() does, journals the set (previous
 * contents, modes, new hashes; fsynced before the first write), then writes
 * each file atomically (a temporary file in its directory, fsync, its old mode
 * or 0644 minus the umask, rename, fsync of the directory; missing parent
 * directories are created, a deleted file is unlinked) and marks the set
 * applied. When a write fails the files already written are restored from the
 * journal. With o->commit, then commits exactly these files (see
 * apply_commit in apply.c); a failed commit leaves the files applied and says
 * why in res->warning. Returns 0 with res filled, or -1 with nothing changed
 * in the work tree (or, if the rollback itself failed, a message saying so).
 */
int apply_set(const char *root, const char *journal_dir, const struct apply_file *files, size_t n,
              const struct apply_opts *o, struct apply_result *res, struct error *e);

/* The primitives below are shared with core/undo.c; paths are relative to rootfd. */

/* What a file is, or is to become. */
struct apply_state {
	int exists;
	unsigned mode; /* permission bits; 0 for a new file: 0644 minus the umask */
	const char *data;
	size_t len;
};

/*
 * Reads the file at path below the directory rootfd, following no symbolic
 * link on the way. Returns 1 with its content appended to out and its
 * permission bits in *mode, 0 when it does not exist (nor a directory on its
 * way), or -1 when it is a symbolic link, not a regular file, passes through
 * one, holds more than max bytes (max 0: no limit) or cannot be read.
 */
int apply_read(int rootfd, const char *path, size_t max, struct buf *out, unsigned *mode,
               struct error *e);
/*
 * Makes path below rootfd be st, atomically, creating missing directories
 * (mode 0755) without following symbolic links; a temporary file is named
 * ".loom-TAG-<random>.tmp". Returns 0, or -1 with the file as it was.
 */
int apply_put(int rootfd, const char *path, const struct apply_state *st, const char *tag,
              struct error *e);
/* Removes the directory dir below rootfd if it is empty; never fails. */
void apply_rmdir(int rootfd, const char *dir);
/* Removes the temporary files ".loom-TAG-*.tmp" a crash left beside path; never fails. */
void apply_sweep(int rootfd, const char *path, const char *tag);

#endif
