/* diff.h - a proposal for one file as a unified diff in hunks, and applying some of them. */
#ifndef LOOM_DIFF_H
#define LOOM_DIFF_H

#include <stddef.h>

#include "buf.h"
#include "error.h"

/* Lines of context around each change, as git's default. */
#define DIFF_CONTEXT 3

/* One line of a hunk. */
struct diff_line {
	char origin;      /* ' ' in both, '-' only in the old text, '+' only in the new */
	const char *text; /* its bytes, with its '\n' (so "\r\n" too) when it has one */
	size_t len;
};

/* A span of changes with its context. Line numbers as in the header, 1-based. */
struct diff_hunk {
	int old_start, old_lines; /* old_lines 0: old_start is the line it inserts after */
	int new_start, new_lines; /* new_lines 0: new_start is the line it deleted after */
	char *header;             /* "@@ -3,7 +3,8 @@ int main(void)", no newline */
	struct diff_line *lines;  /* nlines lines, in order */
	size_t nlines;
};

/* Everything is owned by the struct; release with diff_release(). */
struct diff {
	char *path;
	int created, deleted;    /* the old (new) side does not exist */
	struct diff_hunk *hunks; /* in file order, never overlapping */
	size_t nhunks;
	char *patch; /* the whole unified diff: "--- a/path", "+++ b/path", then the hunks */
	size_t patch_len;
	/* private: the lines and their bytes */
	struct diff_line *line_v;
	size_t line_n;
	char *bytes;
};
#define DIFF_INIT                                                                                  \
	{                                                                                          \
		NULL, 0, 0, NULL, 0, NULL, 0, NULL, 0, NULL                                        \
	}

/*
 * Diffs a proposal for path (libgit2's xdiff, DIFF_CONTEXT lines of context,
 * any bytes treated as text). old_text NULL: the file does not exist (the
 * patch says /dev/null); new_text NULL: the proposal deletes it. A line without
 * a final newline is followed in the patch by "\ No newline at end of file".
 * Identical sides give no hunks and an empty patch. Returns 0 with out filled
 * (it must be DIFF_INIT or released), or -1 with out empty when libgit2 fails.
 */
int diff_make(const char *path, const char *old_text, size_t old_len, const char *new_text,
              size_t new_len, struct diff *out, struct error *e);
/*
 * Rebuilds a file from its old text (n bytes) and the hunks of a diff made
 * from it, taking each hunk whose approved[i] is non-zero (approved NULL: all)
 * and keeping the old lines of the others, byte for byte. Appends the result
 * to out. Returns 0, or -1 with out unchanged when the hunks do not fit the
 * text ("hunk 2 does not match the old text at line 14").
 */
int diff_apply_hunks(const char *old_text, size_t n, const struct diff_hunk *hunks, size_t nhunks,
                     const unsigned char *approved, struct buf *out, struct error *e);
/* Frees everything and leaves d as DIFF_INIT. */
void diff_release(struct diff *d);

#endif
