/*
 * draw.c - UTF-8 text on a curses screen, by display columns.
 *
 * Text is decoded with mbrtowc in the process's locale (the interface sets a
 * UTF-8 one) and measured with wcwidth. Invalid bytes (there should be none:
 * the model sanitizes what it keeps) are drawn as U+FFFD, one column.
 */
#define _GNU_SOURCE
#include "tui/draw.h"

#include <curses.h>
#include <string.h>
#include <wchar.h>

/* Decodes one character at p (n bytes left): its length (>= 1) and width. */
static size_t decode(const char *p, size_t n, wchar_t *wc, int *width)
{
	mbstate_t st;
	size_t k;

	memset(&st, 0, sizeof(st));
	k = mbrtowc(wc, p, n, &st);
	if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
		*wc = 0xFFFD;
		*width = 1;
		return 1;
	}
	if (*wc == '\t') {
		*width = 8;
	} else if (*wc < 0x20 || *wc == 0x7f) {
		*width = 2;
	} else {
		int cw = wcwidth(*wc);
		*width = cw < 0 ? 1 : cw;
		if (cw < 0)
			*wc = 0xFFFD;
	}
	return k;
}

int draw_width(const char *text, size_t len)
{
	size_t i = 0;
	int w = 0;

	while (i < len) {
		wchar_t wc;
		int cw;
		i += decode(text + i, len - i, &wc, &cw);
		w += cw;
	}
	return w;
}

int draw_text(int y, int x, int w, unsigned long attr, const char *text, size_t len)
{
	size_t i = 0;
	int col = 0;

	if (w <= 0)
		return 0;
	attrset((attr_t)attr);
	move(y, x);
	while (i < len && col < w) {
		wchar_t wc, buf[2] = { 0, 0 };
		int cw;
		size_t k = decode(text + i, len - i, &wc, &cw);

		if (wc == '\t') {
			int to = 8 - (col % 8);
			while (to-- > 0 && col < w) {
				addch(' ');
				col++;
			}
		} else if (wc < 0x20 || wc == 0x7f) {
			if (col + 2 > w)
				break;
			addch('^');
			addch(wc == 0x7f ? '?' : (chtype)(wc + '@'));
			col += 2;
		} else {
			if (col + cw > w)
				break;
			buf[0] = wc;
			addnwstr(buf, 1);
			col += cw;
		}
		i += k;
	}
	return col;
}

void draw_fill(int y, int x, int w, unsigned long attr)
{
	if (w <= 0)
		return;
	attrset((attr_t)attr);
	mvhline(y, x, ' ', w);
}

void draw_clear(struct rect r, unsigned long attr)
{
	int i;

	for (i = 0; i < r.h; i++)
		draw_fill(r.y + i, r.x, r.w, attr);
}

size_t draw_wrap(const char *text, size_t len, int w,
                 void (*fn)(void *ctx, const char *start, size_t n), void *ctx)
{
	size_t i = 0, lines = 0;

	if (w < 1)
		w = 1;
	for (;;) {
		size_t start = i, brk = (size_t)-1, end;
		int col = 0;

		while (i < len && text[i] != '\n') {
			wchar_t wc;
			int cw;
			size_t k = decode(text + i, len - i, &wc, &cw);
			if (wc == '\t')
				cw = 8 - (col % 8);
			if (col + cw > w && i > start)
				break;
			if (wc == ' ')
				brk = i;
			col += cw;
			i += k;
		}
		if (i < len && text[i] != '\n') {
			/* the line is full: break at its last space, else mid-word */
			if (text[i] == ' ') {
				end = i++;
			} else if (brk != (size_t)-1 && brk > start) {
				end = brk;
				i = brk + 1;
			} else {
				end = i;
			}
		} else {
			end = i;
			if (fn)
				fn(ctx, text + start, end - start);
			lines++;
			if (i >= len)
				break;
			i++; /* past the '\n' */
			continue;
		}
		if (fn)
			fn(ctx, text + start, end - start);
		lines++;
	}
	return lines;
}
