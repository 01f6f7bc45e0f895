/* edits.h - the Coder's edit blocks: parsing a reply, applying one block to a file. */
#ifndef LOOM_EDITS_H
#define LOOM_EDITS_H

#include <stddef.h>

#include "buf.h"
#include "error.h"

enum edit_kind {
	EDIT_REPLACE, /* <<<<<<< SEARCH / ======= / >>>>>>> REPLACE */
	EDIT_WHOLE    /* a path line, then a fenced block holding the whole new file */
};

/* One block. Strings are owned by the struct edits that holds it. */
struct edit {
	enum edit_kind kind;
	char *path; /* accepted by path_check() */
	char *search; /* EDIT_REPLACE: old lines, each ending in '\n'; "" = create; NULL for EDIT_WHOLE */
	char *replace; /* EDIT_REPLACE: new lines, each ending in '\n'; EDIT_WHOLE: the new file */
	int line;      /* 1-based line of the block in the reply (its SEARCH marker or fence) */
};

struct edits {
	struct edit *v;
	size_t n, cap;
};
#define EDITS_INIT                                                                                 \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

#define EDITS_MAX      64                /* blocks in one reply */
#define EDITS_MAX_PART ((size_t)1 << 20) /* bytes of one SEARCH, REPLACE or whole file */

/*
 * Parses the edit blocks of a reply (n bytes, any bytes) into out, which must
 * be empty, in reply order. Lenient about form (decorated path lines, marker
 * lengths 5-9, fences or none, CRLF, no final newline), strict about substance:
 * every path passes path_check(), every block is complete, at most EDITS_MAX
 * blocks of at most EDITS_MAX_PART bytes per part. Returns 0, or -1 with out
 * empty and a message naming the reply line ("line 14: SEARCH block for
 * 'src/a.c' has no '======='", "no edit blocks in the reply").
 */
int edits_parse(const char *text, size_t n, struct edits *out, struct error *e);
/*
 * Applies one block to a file's content (n bytes; content NULL = the file
 * does not exist), appending the new content to out. EDIT_WHOLE: the new file.
 * EDIT_REPLACE with an empty SEARCH creates a file that does not exist or is
 * empty. Otherwise the SEARCH text must occur exactly once: byte for byte,
 * starting a line (indentation aside), or, failing that, line by line ignoring
 * indentation, trailing whitespace and the width of runs of blanks; then
 * *fuzzy (if not NULL) is set to 1 and the file's matched lines are replaced,
 * keeping its line endings, and shifted by the indentation the block lacked or
 * had in excess when that is one consistent prefix. Returns 0, or -1
 * with out unchanged and a message for the model ("'src/a.c': the SEARCH text
 * does not match (first line found at line 42, the block differs at line 44)").
 * Touches no file.
 */
int edits_apply(const struct edit *ed, const char *content, size_t n, struct buf *out, int *fuzzy,
                struct error *e);
/* Frees every block and leaves es empty. */
void edits_release(struct edits *es);

#endif
