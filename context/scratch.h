/*
 * scratch.h - a private copy of the work tree, where proposals are checked.
 *
 * The verifying loop applies a proposal to a scratch copy of the repository
 * and runs the check command there, so the user reviews diffs that already
 * pass. The copy must be the user's WORK TREE as it is now (uncommitted
 * changes, untracked files), since that is what the proposal was made
 * against, and checking in it must never disturb the user's files or .git.
 *
 * What it is: a mirror copy, LOOM_DIR/scratch/N/tree, of exactly the files
 * context/scan.c lists (tracked files present in the work tree plus untracked
 * files git does not ignore; in a plain directory every file outside .git,
 * .hg, .svn and .loom), with a small .git of its own. Not a libgit2 worktree,
 * because:
 *  - a worktree is registered in the user's .git/worktrees (it shows in `git
 *    worktree list`, and a crash leaves it registered until someone prunes
 *    it); a mirror writes nothing outside LOOM_DIR;
 *  - a worktree is a checkout of HEAD, and the proposal was made against the
 *    work tree: the dirty and untracked files would be copied on top anyway,
 *    and the checkout, which inflates every blob from the packs, costs what
 *    the copy costs (a local `git clone` of linux-source-6.1, nearly all
 *    checkout, took 7.2 s here; a first copy 5-8 s, a reflink far less);
 *  - a re-sync is then the same stat walk as `git status` on both sides,
 *    against a manifest of what was copied; a worktree would need its own
 *    index of the overlaid files to be incremental.
 * Git metadata, for the rare check that needs it: the copy's .git has the
 * user's object store as an alternate (read only: objects a check writes stay
 * in the copy), HEAD detached at the user's HEAD commit, a copy of the user's
 * info/exclude and shallow file, and the user's index with the stat data of
 * the copies, so `git status`, `git diff` and `git ls-files` in the copy say
 * what they say in the work tree and stay fast. Refs and the user's config
 * are not copied (`git describe` finds no tag). It also stops git's search
 * for a repository at the copy: without it, git in a check would find the
 * user's repository above .loom/ and could rewrite its index. (The caller
 * running the check should still unset GIT_DIR, GIT_WORK_TREE and
 * GIT_INDEX_FILE, which override that search.)
 *
 * Copies: FICLONE first (btrfs, XFS, bcachefs: the blocks are shared
 * copy-on-write, so the first copy costs metadata only), else
 * copy_file_range (in the kernel), else read/write. Never hard links: a hard
 * link is the user's inode. Builds mostly write new files, but whatever a
 * check writes in place (formatters, code generators, `touch`, chmod, any
 * open(O_TRUNC) of a source) would silently change the user's file, and
 * shared mtimes would make the user's make and the scratch's fool each other.
 * Permission bits are copied (set-id bits dropped); mtimes are NOT: a copy is
 * as new as its copying, so make in the scratch sees every changed source as
 * newer than the outputs built from the previous one (a preserved mtime, after
 * `git checkout` of an older version or `cp -p`, could be older than them).
 *
 * Incremental: the manifest (LOOM_DIR/scratch/N/manifest) records, for each
 * file copied, the work tree's stat data (size, mtime, ctime, inode, type)
 * and the copy's. scratch_sync() copies a file again when either changed (so
 * a check that rewrote a source in the scratch is undone) or when it was
 * "racy" (modified within 2 s of being copied: a rewrite in the same clock
 * tick could keep its stat data); it removes the files the work tree no
 * longer has, and the directories that leaves empty. Anything in the copy
 * that the manifest does not list belongs to the checks (build outputs,
 * ignored or not, caches) and is never touched: the scratch keeps its own
 * artifacts, so `make` there rebuilds only what changed. A work tree path
 * wins over a check's file or directory in its way. No manifest (a first
 * open, a crash during it) means the copy is emptied and made again.
 *
 * Proposals: scratch_put() writes a file through core/apply's apply_put()
 * (every component opened with O_NOFOLLOW, missing directories made with
 * mkdirat, a symbolic link or a non-directory in the way refused, as for the
 * real tree); the path is noted in LOOM_DIR/scratch/N/pending first, so a
 * crash before scratch_revert() is put right by the next sync.
 *
 * Symbolic links are copied as links, never followed (an absolute link points
 * where it pointed: into the user's tree, if it did). Submodules and nested
 * repositories are skipped, as the scan skips them; empty directories are not
 * mirrored. Untracked files over opts.max_untracked (64 MiB: an untracked
 * model or data set is rarely what a check needs, and rarely cheap to copy)
 * are not copied but counted; a plain directory (not git) of more than
 * opts.max_plain bytes (2 GiB) is refused, since nothing says what in it is
 * source.
 *
 * Concurrency: each copy N has a lock file flock()ed for the scratch's whole
 * life. A second Loom on the same repository takes the next free copy
 * (scratch/1, ...; at most SCRATCH_SLOTS) rather than waiting: a session
 * holds its scratch for as long as it runs, and a check can take minutes.
 * A copy nobody holds is reused by the next session.
 *
 * Layering: the scratch needs the scan (context/scan.h), so it is in context/.
 */
#ifndef LOOM_SCRATCH_H
#define LOOM_SCRATCH_H

#include <stddef.h>
#include <stdint.h>

#include "context/repo.h"
#include "core/error.h"

#define SCRATCH_SLOTS         4                    /* copies of one repository at once */
#define SCRATCH_MAX_UNTRACKED ((uint64_t)64 << 20) /* an untracked file larger is not copied */
#define SCRATCH_MAX_PLAIN     ((uint64_t)2 << 30)  /* a plain directory larger is refused */

struct scratch_opts {
	uint64_t max_untracked; /* 0: SCRATCH_MAX_UNTRACKED */
	uint64_t max_plain;     /* 0: SCRATCH_MAX_PLAIN */
};

struct scratch {
	char *dir;  /* the copy's root: LOOM_DIR/scratch/N/tree */
	int fd;     /* its descriptor */
	int slot;   /* N */
	int slotfd; /* LOOM_DIR/scratch/N: lock, manifest, pending */
	int lockfd; /* the flock()ed lock file; held until scratch_close() */
	int clone;  /* FICLONE: 1 works here, 0 not tried yet, -1 unsupported */
	struct scratch_opts o;
};
#define SCRATCH_INIT                                                                               \
	{                                                                                          \
		NULL, -1, -1, -1, -1, 0,                                                           \
		{                                                                                  \
			0, 0                                                                       \
		}                                                                                  \
	}

/* What one scratch_open() or scratch_sync() did. */
struct scratch_stats {
	size_t files;   /* files and symbolic links the copy mirrors now */
	size_t copied;  /* copied by this call: new, changed, or changed in the scratch */
	size_t removed; /* removed: the work tree no longer has them */
	size_t skipped; /* untracked files over max_untracked, not copied */
	uint64_t bytes; /* bytes copied */
	int reflink;    /* copies share their blocks with the work tree (FICLONE) */
	int git;        /* the copy has git metadata (the repository is a git repository) */
	double seconds; /* wall time */
};

/*
 * Takes the first free copy of r (creating it if needed) and brings it in line
 * with the work tree (scratch_sync). o may be NULL (the defaults); st may be
 * NULL. Returns 0, or -1 with s as SCRATCH_INIT: all SCRATCH_SLOTS copies in
 * use by other processes, a plain directory over max_plain, an unreadable
 * root or git index, a copy that cannot be written.
 */
int scratch_open(struct scratch *s, struct repo *r, const struct scratch_opts *o,
                 struct scratch_stats *st, struct error *e);
/*
 * Makes the copy equal the work tree again, changing only what differs (see
 * the top of this file), and puts back anything scratch_put() left without a
 * scratch_revert(). Files the check made are kept. st may be NULL. Returns 0,
 * or -1 with the copy consistent with its manifest (the next sync completes it).
 */
int scratch_sync(struct scratch *s, struct repo *r, struct scratch_stats *st, struct error *e);
/*
 * Writes a proposed file into the copy: data (n bytes) with permission bits
 * mode (0: the existing file's, or 0644 for a new one), or removes the file
 * when data is NULL. path is relative and must pass path_check() and not be
 * under .loom/; no symbolic link is followed on the way, and a path through a
 * symbolic link or a non-directory, or a target that is a symbolic link or not
 * a regular file, is refused as apply_set() would refuse it. Returns 0 or -1.
 */
int scratch_put(struct scratch *s, const char *path, const char *data, size_t n, unsigned mode,
                struct error *e);
/*
 * Puts the copy back to the work tree's version of paths (n of them; paths
 * NULL: every path scratch_put() wrote since the last sync or revert): a file
 * the copy mirrors is copied from the work tree again (or removed if the work
 * tree no longer has it); any other path is removed from the copy, with the
 * directories that leaves empty. Returns 0 or -1.
 */
int scratch_revert(struct scratch *s, struct repo *r, const char *const *paths, size_t n,
                   struct error *e);
/* Releases the copy for another process; the files stay for the next session. */
void scratch_close(struct scratch *s);
/*
 * Removes every copy of r that no process holds (`loom clean`), and
 * LOOM_DIR/scratch when none is left. Returns 0, or -1 saying how many copies
 * are in use and were kept.
 */
int scratch_remove(struct repo *r, struct error *e);

#endif
