/*
 * pane_diff.c - the diff pane: the files of the proposal under review and
 * their hunks, each hunk marked with its decision, the hunk under the cursor
 * marked in the gutter; below them, the output of the last check (/test).
 *
 * The proposal is flattened into ui->dl once, when it arrives, so a frame
 * draws the rows on screen and nothing else: a 10,000-line diff costs what a
 * 10-line one does.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "tui/term.h"
#include "tui/view.h"

/* The rows the check's output takes: a blank row, then its lines. */
static size_t check_lines(const struct ui *u)
{
	return u->ncheck ? u->ncheck + 1 : 0;
}

/* Row k of them (0: the blank row). */
static const char *check_line(const struct ui *u, size_t k, size_t *len)
{
	if (k == 0 || k > u->ncheck) {
		*len = 0;
		return "";
	}
	*len = u->check_off[k] - u->check_off[k - 1] - 1;
	return u->check + u->check_off[k - 1];
}

static unsigned char decision(const struct ui *u, const struct ui_diff_line *l)
{
	if (l->hunk < 0 || (size_t)l->file >= u->ndfiles || (size_t)l->hunk >= u->nhunks[l->file])
		return 0;
	return u->decision[l->file][l->hunk];
}

static void draw_line(const struct ui *u, int y, struct rect r, const struct ui_diff_line *l)
{
	unsigned char d = decision(u, l);
	int cur = l->file == u->cur_file && l->hunk == u->cur_hunk && l->hunk >= 0;
	enum theme_slot s;
	const char *gutter = cur ? "▌" : " ";
	int col;
	size_t len = l->len;

	col = draw_text(y, r.x, r.w, term_style(THEME_DIFF_HUNK), gutter, strlen(gutter));
	while (len && (l->text[len - 1] == '\n' || l->text[len - 1] == '\r'))
		len--;
	switch (l->origin) {
	case 'F': {
		char buf[32];
		size_t i, a = 0, x = 0, n = u->nhunks[l->file];
		int k;
		for (i = 0; i < n; i++) {
			a += u->decision[l->file][i] == 1;
			x += u->decision[l->file][i] == 2;
		}
		col += draw_text(y, r.x + col, r.w - col, term_style(THEME_DIFF_FILE), l->text,
		                 len);
		k = snprintf(buf, sizeof(buf), "  %zu/%zu approved", a, n);
		if (x)
			k += snprintf(buf + k, sizeof(buf) - (size_t)k, ", %zu rejected", x);
		draw_text(y, r.x + col, r.w - col, term_style(THEME_NOTE), buf, (size_t)k);
		return;
	}
	case '@': {
		static const char *const mark[] = { "[ ] ", "[✓] ", "[✗] " };
		static const enum theme_slot ms[] = { THEME_DIFF_HUNK, THEME_DIFF_APPROVED,
			                              THEME_DIFF_REJECTED };
		unsigned long attr = term_style(ms[d]) | (cur ? term_style(THEME_CURSOR) : 0);
		col += draw_text(y, r.x + col, r.w - col, attr, mark[d], strlen(mark[d]));
		draw_text(y, r.x + col, r.w - col, term_style(THEME_DIFF_HUNK), l->text, len);
		return;
	}
	case '+': s = d == 2 ? THEME_DIFF_REJECTED : THEME_DIFF_ADD; break;
	case '-': s = d == 2 ? THEME_DIFF_REJECTED : THEME_DIFF_DEL; break;
	case '\\': s = THEME_NOTE; break;
	default: s = THEME_DIFF_CONTEXT; break;
	}
	{
		char o = l->origin == '\\' ? '\\' : l->origin;
		col += draw_text(y, r.x + col, r.w - col, term_style(s), &o, 1);
		if (l->origin == '\\')
			draw_text(y, r.x + col, r.w - col, term_style(s),
			          " No newline at end of file", 26);
		else
			draw_text(y, r.x + col, r.w - col, term_style(s), l->text, len);
	}
}

void view_diff(struct ui *u, struct rect r, int focused)
{
	char title[160];
	size_t a = 0, x = 0, total = 0, i, k, nrows, nc;
	int n, y;

	draw_clear(r, term_style(THEME_DEFAULT));
	for (i = 0; i < u->ndfiles; i++)
		for (k = 0; k < u->nhunks[i]; k++) {
			total++;
			a += u->decision[i][k] == 1;
			x += u->decision[i][k] == 2;
		}
	if (u->ndfiles)
		n = snprintf(title, sizeof(title),
		             "Diff · %zu file%s · %zu hunk%s: %zu approved, %zu rejected, %zu to "
		             "decide",
		             u->ndfiles, u->ndfiles == 1 ? "" : "s", total, total == 1 ? "" : "s",
		             a, x, total - a - x);
	else
		n = snprintf(title, sizeof(title), "Diff");
	r = view_title(r, focused, title, (size_t)n);
	if (r.h <= 0 || r.w < 8)
		return;
	nc = check_lines(u);
	nrows = u->ndl + nc;
	if (!nrows) {
		static const char *const none[] = {
			"No proposal to review. When the Coder proposes a change, its",
			"hunks show here: a approves, x rejects, n/p move, e edits,",
			"A approves the rest, Enter applies what you approved.",
		};
		view_hint(r, none, sizeof(none) / sizeof(none[0]));
		return;
	}
	if (u->diff_follow && u->cur_file >= 0) {
		size_t at = ui_hunk_line(u, u->cur_file, u->cur_hunk);
		/* the hunk's header near the top, with its file's header when it is the first */
		if (at < u->diff_scroll || at >= u->diff_scroll + (size_t)r.h - 1)
			u->diff_scroll = at > 0 && u->cur_hunk == 0 ? at - 1 : at;
		u->diff_follow = 0;
	}
	if (u->diff_scroll + (size_t)r.h > nrows)
		u->diff_scroll = nrows > (size_t)r.h ? nrows - (size_t)r.h : 0;
	for (y = 0; y < r.h && u->diff_scroll + (size_t)y < nrows; y++) {
		size_t row = u->diff_scroll + (size_t)y;
		if (row < u->ndl) {
			draw_line(u, r.y + y, r, &u->dl[row]);
		} else {
			size_t len;
			const char *t = check_line(u, row - u->ndl, &len);
			draw_text(r.y + y, r.x + 1, r.w - 1,
			          term_style(row - u->ndl == 1 ? THEME_DIFF_FILE
			                                       : THEME_DIFF_CONTEXT),
			          t, len);
		}
	}
}

size_t view_diff_rows(const struct ui *u)
{
	return u->ndl + check_lines(u);
}
