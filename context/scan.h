/* scan.h - which files a repository holds right now, with their git state. */
#ifndef LOOM_SCAN_H
#define LOOM_SCAN_H

#include <git2.h>
#include <stddef.h>
#include <stdint.h>

#include "context/repo.h"
#include "core/error.h"

enum {
	SCAN_TRACKED = 1 << 0,    /* in the git index */
	SCAN_STAGED = 1 << 1,     /* index differs from HEAD (only when asked for) */
	SCAN_CONFLICT = 1 << 2,   /* unmerged entry */
	SCAN_SYMLINK = 1 << 3,    /* a symbolic link: recorded, never followed */
	SCAN_STAT_CLEAN = 1 << 4, /* stat matches the index entry: content == oid */
};

struct scan_file {
	char *path;       /* repository-relative, '/'-separated, owned */
	int64_t size;     /* bytes */
	int64_t mtime_ns; /* modification time */
	int64_t ctime_ns; /* status change time */
	uint64_t ino;     /* inode number */
	unsigned flags;   /* SCAN_* */
	git_oid oid;      /* the index entry's blob id when SCAN_TRACKED */
};

/* Invariant: v[0..n) is sorted by path (bytewise) with no duplicates. */
struct scan {
	struct scan_file *v;
	size_t n, cap;
	int is_git;             /* the root is a git work tree */
	char git_sig[128];      /* identifies the state of .git/index and HEAD */
	size_t unreadable;      /* directories that could not be opened */
	char *first_unreadable; /* the first of them, for the message */
};
#define SCAN_INIT                                                                                  \
	{                                                                                          \
		NULL, 0, 0, 0, { 0 }, 0, NULL                                                      \
	}

/*
 * Lists the work tree's files: for a git repository the tracked files that are
 * present plus the untracked ones that are not ignored (.gitignore, info/exclude
 * and core.excludesFile, through libgit2); for a plain directory every file
 * outside .git, .hg, .svn and .loom. Symbolic links are listed, never followed.
 * Submodules and nested repositories are skipped. With want_staged the
 * SCAN_STAGED flags are computed (a HEAD-to-index diff, which reads trees from
 * the object database); without it they are left clear, for a caller that
 * knows them already because git_sig has not changed.
 * Fails only when the root itself or the git index cannot be read.
 */
int scan_run(struct repo *r, struct scan *s, int want_staged, struct error *e);
void scan_release(struct scan *s);
/*
 * A signature of the git state the staged flags depend on: the index file's
 * stat data and HEAD. Cheap: no file is read.
 */
void scan_git_sig(struct repo *r, char *sig, size_t n);
/* Returns the file with exactly this path, or NULL. */
struct scan_file *scan_find(struct scan *s, const char *path);

#endif
