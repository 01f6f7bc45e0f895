/*
 * draw.h - text on the screen: UTF-8 drawn by display columns, clipped and
 * wrapped, never splitting a character. The only curses calls the panes make
 * go through here or through term.h.
 */
#ifndef LOOM_DRAW_H
#define LOOM_DRAW_H

#include <stddef.h>

/* A rectangle of the screen. */
struct rect {
	int y, x, h, w;
};

/*
 * Draws len bytes of UTF-8 text at (y, x) in at most w columns with the
 * curses attributes attr. Control characters show as '^X' (a tab as spaces to
 * the next multiple of 8 columns from x0, the line's first column); a wide
 * character that would not fit is left out. Returns the columns used.
 */
int draw_text(int y, int x, int w, unsigned long attr, const char *text, size_t len);
/* Fills w columns at (y, x) with spaces in attr. */
void draw_fill(int y, int x, int w, unsigned long attr);
/* Clears the rectangle to attr. */
void draw_clear(struct rect r, unsigned long attr);

/* The display width of len bytes of UTF-8 (controls count as 2, tabs as 8). */
int draw_width(const char *text, size_t len);

/*
 * Splits text into screen lines of at most w columns: at the last space that
 * fits, else mid-word; '\n' always ends a line. Calls fn(ctx, start, len) for
 * each line (without its '\n' or the space it broke at) when fn is not NULL.
 * Returns the number of lines (at least 1).
 */
size_t draw_wrap(const char *text, size_t len, int w,
                 void (*fn)(void *ctx, const char *start, size_t n), void *ctx);

#endif
