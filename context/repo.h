/* repo.h - the repository Loom works on and where its index lives. */
#ifndef LOOM_REPO_H
#define LOOM_REPO_H

#include <git2.h>

#include "core/error.h"

struct repo {
	char *root;          /* absolute worktree root, no trailing '/' */
	git_repository *git; /* NULL when the directory is not a git repository */
	char *loom_dir;      /* holds index.db: root/.loom, or a cache dir when read-only */
	char *db_path;       /* loom_dir/index.db */
	char *conf_dir;      /* root/.loom: user files (rules, tags, config) are read here */
	int in_cache;        /* 1 when the repository could not be written */
};
#define REPO_INIT                                                                                  \
	{                                                                                          \
		NULL, NULL, NULL, NULL, NULL, 0                                                    \
	}

/*
 * Opens the repository containing path (or the plain directory path when it is
 * not inside a git repository), creates .loom/ with a .gitignore that ignores
 * it, or falls back to $XDG_CACHE_HOME/loom/... when the repository is
 * read-only, saying so once on stderr. Fails on a missing path, a file, or a
 * bare repository.
 */
int repo_open(const char *path, struct repo *r, struct error *e);
void repo_close(struct repo *r);

/*
 * What reading r with libgit2 opens outside r->root: the git directory and the
 * common directory when they lie elsewhere (a linked worktree, a separate git
 * directory), git's system, global and XDG configuration (the XDG directory
 * also holds the global ignore and attributes files), and core.excludesFile
 * and core.attributesFile when set. Some may not exist. For a sandbox that
 * lets a process read the repository and nothing else (agents/sandbox.h);
 * files named by include.path are not followed. Never fails; *n is the count;
 * the caller frees each path and the array.
 */
char **repo_outside_paths(const struct repo *r, size_t *n);

#endif
