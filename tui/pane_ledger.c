/*
 * pane_ledger.c - the evidence ledger pane: the ranked files of the current
 * step (or of a query the user re-ran), each with its score; an expanded file
 * shows every rule that scored it, with its points and evidence, and the line
 * ranges packed into the model's context.
 *
 * The rows are computed from the ledger JSON each frame (a ledger holds at
 * most `top` files, 20 by default), so expanding or tagging costs nothing to
 * keep in step.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "tui/term.h"
#include "tui/view.h"
#include "core/json.h"

/* The rows file i takes: one, plus its rules and slices when expanded. */
static size_t file_rows(const struct ui *u, const cJSON *f, size_t i)
{
	if (!u->expanded || !u->expanded[i])
		return 1;
	return 1 + (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(f, "rules")) +
	       (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(f, "slices")) +
	       (*json_text(f, "left_out") ? 1 : 0);
}

struct row {
	int y;
	struct rect r;
	size_t at, top;
};

/* Draws one row when it is inside the window; advances either way. */
static int row_visible(struct row *w)
{
	int ok = w->at >= w->top && w->y < w->r.y + w->r.h;
	w->at++;
	return ok;
}

static void draw_file(struct ui *u, struct row *w, const cJSON *f, size_t i)
{
	char buf[96];
	int selected = i == u->ledger_sel, col = 0, n;
	unsigned long sel = selected ? term_style(THEME_CURSOR) : 0;
	int packed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "packed"));
	const cJSON *x;

	if (row_visible(w)) {
		int y = w->y++;
		draw_fill(y, w->r.x, w->r.w, term_style(THEME_DEFAULT) | sel);
		n = snprintf(buf, sizeof(buf), "%s%6.1f ",
		             u->expanded && u->expanded[i] ? "▾" : "▸", json_num(f, "score"));
		col += draw_text(y, w->r.x + col, w->r.w - col,
		                 term_style(THEME_LEDGER_SCORE) | sel, buf, (size_t)n);
		n = snprintf(buf, sizeof(buf), "%s ",
		             ui_tagged(u, json_text(f, "path")) ? "#" : " ");
		col += draw_text(y, w->r.x + col, w->r.w - col, term_style(THEME_LEDGER_RULE) | sel,
		                 buf, (size_t)n);
		if (packed)
			n = snprintf(buf, sizeof(buf), " %5.0f tok", json_num(f, "tokens"));
		else
			n = snprintf(buf, sizeof(buf), "  left out");
		{
			int tw = n, pw = w->r.w - col - tw - 1;
			const char *p = json_text(f, "path");
			draw_text(y, w->r.x + col, pw, term_style(THEME_LEDGER_PATH) | sel, p,
			          strlen(p));
			if (pw > 0)
				draw_text(y, w->r.x + col + pw, tw + 1,
				          term_style(packed ? THEME_LEDGER_PACKED
				                            : THEME_LEDGER_DROPPED) |
				                  sel,
				          buf, (size_t)n);
		}
	}
	if (!u->expanded || !u->expanded[i])
		return;
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(f, "rules"))
	{
		const char *ev = json_text(x, "evidence");
		if (!row_visible(w))
			continue;
		col = 4;
		n = snprintf(buf, sizeof(buf), "%+6.1f ", json_num(x, "points"));
		col += draw_text(w->y, w->r.x + col, w->r.w - col, term_style(THEME_LEDGER_SCORE),
		                 buf, (size_t)n);
		n = snprintf(buf, sizeof(buf), "%-14s ", json_text(x, "rule"));
		col += draw_text(w->y, w->r.x + col, w->r.w - col, term_style(THEME_LEDGER_RULE),
		                 buf, (size_t)n);
		draw_text(w->y, w->r.x + col, w->r.w - col, term_style(THEME_LEDGER_EVIDENCE), ev,
		          strlen(ev));
		w->y++;
	}
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(f, "slices"))
	{
		const char *why = json_text(x, "why");
		if (!row_visible(w))
			continue;
		n = snprintf(buf, sizeof(buf), "    lines %.0f-%.0f (%.0f tok) ",
		             json_num(x, "start_line"), json_num(x, "end_line"),
		             json_num(x, "tokens"));
		col = draw_text(w->y, w->r.x, w->r.w, term_style(THEME_LEDGER_PACKED), buf,
		                (size_t)n);
		draw_text(w->y, w->r.x + col, w->r.w - col, term_style(THEME_LEDGER_EVIDENCE), why,
		          strlen(why));
		w->y++;
	}
	if (*json_text(f, "left_out") && row_visible(w)) {
		const char *lo = json_text(f, "left_out");
		col = draw_text(w->y, w->r.x, w->r.w, term_style(THEME_LEDGER_DROPPED),
		                "    left out: ", 14);
		draw_text(w->y, w->r.x + col, w->r.w - col, term_style(THEME_LEDGER_DROPPED), lo,
		          strlen(lo));
		w->y++;
	}
}

void view_ledger(struct ui *u, struct rect r, int focused)
{
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(u->ledger, "files"), *f;
	char title[160];
	size_t i = 0, sel_row = 0, sel_rows = 1, total = 0;
	struct row w;
	int n;

	draw_clear(r, term_style(THEME_DEFAULT));
	if (u->ledger)
		n = snprintf(title, sizeof(title),
		             "Ledger · query %s · %.0f/%.0f tokens · %d files",
		             json_text(u->ledger, "query_id"), json_num(u->ledger, "tokens_used"),
		             json_num(u->ledger, "budget"), cJSON_GetArraySize(files));
	else
		n = snprintf(title, sizeof(title), "Ledger");
	r = view_title(r, focused, title, (size_t)n);
	if (r.h <= 0 || r.w < 8)
		return;
	if (!u->ledger) {
		static const char *const none[] = {
			"No ledger yet. Each step of a request shows here which files",
			"the model is given and why: every rule, its points, its evidence.",
			"Enter expands a file, t tags or untags it, r runs the query again.",
		};
		view_hint(r, none, sizeof(none) / sizeof(none[0]));
		return;
	}
	/* keep the selected file's rows on screen */
	cJSON_ArrayForEach(f, files)
	{
		size_t k = file_rows(u, f, i);
		if (i == u->ledger_sel) {
			sel_row = total;
			sel_rows = k;
		}
		total += k;
		i++;
	}
	if (sel_row < u->ledger_scroll)
		u->ledger_scroll = sel_row;
	else if (sel_row + (sel_rows < (size_t)r.h ? sel_rows : 1) > u->ledger_scroll + (size_t)r.h)
		u->ledger_scroll = sel_row + (sel_rows < (size_t)r.h ? sel_rows : 1) - (size_t)r.h;
	memset(&w, 0, sizeof(w));
	w.r = r;
	w.y = r.y;
	w.top = u->ledger_scroll;
	i = 0;
	cJSON_ArrayForEach(f, files)
	{
		if (w.y >= r.y + r.h)
			break;
		draw_file(u, &w, f, i++);
	}
}
