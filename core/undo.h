/* undo.h - the on-disk journal of applied change sets, and undoing them. */
#ifndef LOOM_UNDO_H
#define LOOM_UNDO_H

#include <git2.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"

#define UNDO_KEEP 100 /* change sets kept; older ones are pruned when a set begins */

enum undo_state {
	UNDO_PENDING,    /* journaled, files being written; after a crash: interrupted */
	UNDO_APPLIED,    /* every file written */
	UNDO_UNDONE,     /* restored by 'loom undo' */
	UNDO_ROLLED_BACK /* a write failed or the apply was interrupted; files restored */
};

/* One file of a change set. Hashes are git blob ids in hex ("" when absent). */
struct undo_file {
	char *path;
	int old_exists;
	unsigned old_mode; /* permission bits */
	size_t old_size;
	char old_hash[GIT_OID_HEXSZ + 1];
	int new_exists;
	size_t new_size;
	char new_hash[GIT_OID_HEXSZ + 1];
	char **dirs; /* directories the apply created for it, outermost first */
	size_t ndirs;
	/* with a commit: the git index entry of path before it */
	int index_known, index_had;
	unsigned index_mode;
	char index_oid[GIT_OID_HEXSZ + 1];
};

/* A change set; everything is owned by it (undo_set_release). */
struct undo_set {
	unsigned long id;
	enum undo_state state;
	long long time; /* seconds since the epoch, when it was journaled */
	char *message;
	char commit[GIT_OID_HEXSZ + 1]; /* "" when not committed */
	struct undo_file *files;
	size_t nfiles;
};

/* An open, locked journal directory. */
struct undo {
	char *dir;
	int dirfd, lockfd;
};
#define UNDO_INIT                                                                                  \
	{                                                                                          \
		NULL, -1, -1                                                                       \
	}

/*
 * Opens the journal in dir (created, mode 0700, if missing), waiting for its
 * lock, which is held until undo_close(): one apply or undo at a time. Removes
 * set directories whose journaling never completed (nothing was written for
 * them). Returns 0, or -1 when dir cannot be created, opened or locked.
 */
int undo_open(const char *dir, struct undo *u, struct error *e);
void undo_close(struct undo *u);

/* The git blob id of n bytes, in hex. */
void undo_hash(const char *data, size_t n, char hex[GIT_OID_HEXSZ + 1]);
/*
 * Journals s as a new set: gives it the next id, stores old_data[i] (files[i]
 * .old_size bytes) for each file that existed, then the manifest with s->state,
 * each fsynced; prunes sets beyond UNDO_KEEP. Returns 0, or -1 with nothing
 * journaled.
 */
int undo_begin(struct undo *u, struct undo_set *s, const char *const *old_data, struct error *e);
/* Rewrites the manifest of s (its state, commit, index entries) atomically; 0 or -1. */
int undo_save(struct undo *u, const struct undo_set *s, struct error *e);
/* Loads set id into s (must be released by the caller); -1 when missing or damaged. */
int undo_load(struct undo *u, unsigned long id, struct undo_set *s, struct error *e);
void undo_set_release(struct undo_set *s);
/* What undo_restore() does with a file that is in neither of its states. */
enum undo_how {
	UNDO_CAREFUL, /* refuse: it changed since the set was applied */
	UNDO_FORCE,   /* restore it anyway */
	UNDO_OURS     /* leave it: someone else wrote it (rolling back a failed apply) */
};

/*
 * Puts every file of s back in its previous state (content, mode, or absent)
 * below rootfd, and removes the directories the set created when empty. A
 * file already in its previous state is left alone. A file that is in
 * neither state changed since: with UNDO_CAREFUL nothing is restored and -1
 * comes back naming them ("'a.c' and 'b.c' changed since change set 4 was
 * applied"). Returns 0, or -1.
 */
int undo_restore(struct undo *u, const struct undo_set *s, int rootfd, enum undo_how how,
                 struct error *e);
/*
 * Rolls back the newest set when an earlier process left it pending (a crash
 * between its files), removing its temporary files, and appends one line
 * about it to report. Returns 1 when it rolled one back, 0 when there was
 * none, -1 when it cannot (a file changed since, and not force).
 */
int undo_recover(struct undo *u, int rootfd, int force, struct buf *report, struct error *e);
/*
 * 'loom undo': recovers an interrupted set if there is one, else restores the
 * newest applied set below root (see undo_restore). For a committed set, when
 * HEAD is still its commit, HEAD moves back to the parent and the git index
 * entries of its paths are restored (git may be NULL: then files only); when
 * HEAD moved on the commit stays and only the files are restored. Appends
 * what was done to report, one line each. Returns 0, or -1 ("nothing to
 * undo", the files that changed since, a git failure).
 */
int undo_last(struct undo *u, const char *root, git_repository *git, int force, struct buf *report,
              struct error *e);
/* Appends the journal, newest first, one line per set and one per file; 0 or -1. */
int undo_list(struct undo *u, struct buf *out, struct error *e);

#endif
