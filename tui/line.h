/* line.h - the input line's editing model: text, cursor, kill, history, completion, view. */
#ifndef LOOM_TUI_LINE_H
#define LOOM_TUI_LINE_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

/* The most bytes the line holds; an insertion past it is refused whole. */
#define LINE_TEXT_MAX 65536
/* The most history entries kept; older ones are dropped first. */
#define LINE_HISTORY_MAX 1000

/*
 * Character classes come from the C library: the caller sets a UTF-8 locale
 * (setlocale(LC_ALL, "") or "C.UTF-8") before using a line. A unit is a code
 * point with the zero-width code points (combining marks) that follow it; the
 * cursor moves and deletes by units.
 *
 * The fields are read-only for callers: text.ptr and text.len are the line,
 * cursor is a byte offset into it.
 */
struct line {
	struct buf text;     /* valid UTF-8 without NUL, at most LINE_TEXT_MAX bytes */
	size_t cursor;       /* byte offset, always on a unit boundary */
	size_t scroll;       /* byte offset of the first unit line_view shows */
	struct buf kill;     /* what the last kill removed, for line_yank */
	char **hist;         /* history entries, oldest first, owned */
	size_t nhist;        /* entries in hist */
	size_t hist_cap;     /* entries allocated */
	size_t hist_pos;     /* the entry shown while browsing */
	char *draft;         /* the text typed before browsing, NULL when not browsing */
	size_t draft_cursor; /* its cursor */
};
#define LINE_INIT                                                                                  \
	{                                                                                          \
		BUF_INIT_MAX(LINE_TEXT_MAX), 0, 0, BUF_INIT, NULL, 0, 0, 0, NULL, 0                \
	}

/* Frees everything the line owns and leaves it empty, as LINE_INIT. */
void line_release(struct line *l);

/*
 * Editing. Each returns 1 when the text or the cursor changed and 0 when there
 * was nothing to do; those that add text return -1 when the result would pass
 * LINE_TEXT_MAX, leaving the line unchanged. Added text may hold newlines
 * (they stay: the view shows them as a glyph); invalid UTF-8 and NUL bytes in
 * it become U+FFFD.
 */
int line_insert(struct line *l, const char *s, size_t n);
/* Replaces the text, cursor at its end; the history position is kept. */
int line_set_text(struct line *l, const char *s, size_t n);
/* Empties the line and ends history browsing (the draft is dropped). */
int line_clear(struct line *l);
int line_delete_back(struct line *l);    /* Backspace: the unit before the cursor */
int line_delete_forward(struct line *l); /* Delete: the unit at the cursor */
/*
 * The kills keep what they remove for line_yank, replacing what an earlier kill
 * kept (consecutive kills do not add up). Words (here and for the word motions) are runs of alphanumerics and
 * '_', '-', '.'; spaces, '/', '@' and other punctuation separate them, so
 * Ctrl-W on "@src/foo.c" leaves "@src/", then "@", then "".
 */
int line_kill_word_back(struct line *l); /* Ctrl-W: separators, then a word, before the cursor */
int line_kill_end(struct line *l);       /* Ctrl-K */
int line_kill_start(struct line *l);     /* Ctrl-U */
int line_yank(struct line *l);           /* Ctrl-Y: inserts the last killed text */
/* Ctrl-T: swaps the units around the cursor (the last two at the end). */
int line_transpose(struct line *l);

/* Motions; each returns 1 when the cursor moved. */
int line_left(struct line *l);
int line_right(struct line *l);
int line_word_left(struct line *l);  /* Alt-B: to the start of this or the previous word */
int line_word_right(struct line *l); /* Alt-F: to the end of this or the next word */
int line_home(struct line *l);
int line_end(struct line *l);
/* Puts the cursor at off, moved back to the start of the unit it falls in. */
int line_set_cursor(struct line *l, size_t off);

/*
 * History. Entries made only of spaces, tabs and newlines, and repeats of the
 * newest entry, are not added.
 *
 * line_submit returns the text (owned by the caller), adds it to the history,
 * and leaves the line empty and not browsing.
 */
char *line_submit(struct line *l);
/* Adds s (n bytes) as the newest entry: 1 added, 0 skipped, -1 longer than LINE_TEXT_MAX. */
int line_history_add(struct line *l, const char *s, size_t n);
/*
 * Up and Down: the first Up keeps the text typed so far as the draft; Down past
 * the newest entry brings the draft back with its cursor. The text shown is a
 * copy: editing it leaves the history alone, and moving to another entry drops
 * those edits. Each returns 1 when the text was replaced, 0 at either end.
 */
int line_history_prev(struct line *l);
int line_history_next(struct line *l);
/*
 * Replaces the history with the entries of the file at path, keeping the newest
 * LINE_HISTORY_MAX; a missing file is an empty history. The file holds one entry
 * a line with '\' and newline escaped as "\\" and "\n"; lines that are not valid
 * UTF-8, hold NUL or a stray escape, or are too long are skipped. On failure
 * (unreadable file) returns -1 and leaves the history as it was.
 */
int line_history_load(struct line *l, const char *path, struct error *e);
/*
 * Writes the history to path in that format through a temporary file in the
 * same directory renamed over it, mode 0600. The directory must exist. Returns
 * -1 when it cannot be written; path is then untouched.
 */
int line_history_save(const struct line *l, const char *path, struct error *e);

/* Completion: the caller finds candidates for the token under the cursor. */
enum line_token_kind {
	LINE_TOKEN_NONE,    /* nothing to complete */
	LINE_TOKEN_PATH,    /* "@path": a word starting with '@' */
	LINE_TOKEN_COMMAND, /* "/command": the first word of a line starting with '/' */
};
/*
 * A token is the word (between spaces, tabs or newlines) the cursor is in or
 * just after; a cursor on a word's first byte is not in it. text[start] is the
 * '@' or '/'; the user has typed text[start + 1 .. cursor) so far; the token
 * runs to end. For LINE_TOKEN_NONE, start = end = cursor.
 */
struct line_token {
	enum line_token_kind kind;
	size_t start;
	size_t end;
};
struct line_token line_token_at_cursor(const struct line *l);
/*
 * Replaces the token's text after its '@' or '/' (the whole token, also past the
 * cursor) with candidate, which carries no '@' or '/' of its own, and puts the
 * cursor after it. When final (a whole name, not a directory such as "src/"),
 * a space follows: the one already there, or a new one. Returns 1, 0 when
 * there is no token, -1 when the result would pass LINE_TEXT_MAX (unchanged).
 * Tokens end at whitespace, so a name holding a space does not complete.
 */
int line_complete(struct line *l, const char *candidate, int final);
/*
 * The longest prefix all n candidates share, cut back to a unit boundary so it
 * never ends inside a character or before a combining mark. Owned by the
 * caller; "" when n is 0.
 */
char *line_common_prefix(const char *const *cands, size_t n);

/*
 * What to draw after the prompt. Columns come from wcwidth: wide characters
 * take 2, a combining mark 0 (with its base); newline shows as U+23CE (⏎),
 * tab as U+2192 (→), other C0 controls and DEL as ^X (2 columns), C1 controls
 * as U+FFFD; bidirectional controls are not drawn. Hidden text is marked by '<'
 * on the left and '>' on the right, one column each, when the area is at least
 * 4 columns; a wide character that does not fit before '>' leaves a space.
 * One column is always kept for the cursor after the text's end.
 */
struct line_view {
	struct buf text;   /* UTF-8 to draw right after the prompt, cols columns */
	int cols;          /* columns text takes, at most width - prompt_width */
	int cursor_col;    /* the cursor's column on the row, counting the prompt */
	size_t start, end; /* the bytes of the line shown: [start, end) */
	int left, right;   /* 1 when text is hidden on that side */
};
#define LINE_VIEW_INIT                                                                             \
	{                                                                                          \
		BUF_INIT, 0, 0, 0, 0, 0, 0                                                         \
	}
/*
 * Lays the line out in width columns, the first prompt_width taken by the
 * prompt, into v (its text is replaced). The scroll offset is kept in the line
 * and moves only when the cursor would leave the visible part, then by a
 * quarter of the area more, so typing does not scroll on every key.
 */
void line_view(struct line *l, int width, int prompt_width, struct line_view *v);
void line_view_release(struct line_view *v);

#endif
