/*
 * view.c - the layout and the frame: the tab bar, the panes, the input line,
 * the status bar and the help overlay, drawn from the model.
 *
 * Two layouts. Wide (at least VIEW_WIDE columns and 20 rows): the
 * conversation on the left, the ledger over the diff on the right. Narrow
 * (80x24 and the like): the focused pane takes the whole middle, and the tab
 * bar says which it is. Only what is dirty is drawn again, into curses'
 * virtual screen, and the terminal is updated once per frame (doupdate).
 */
#define _GNU_SOURCE
#include "tui/view.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui/keys.h"
#include "tui/term.h"

#define VIEW_WIDE 120

static const char *const pane_names[UI__PANES] = {
	[UI_CONV] = "Conversation",
	[UI_LEDGER] = "Ledger",
	[UI_DIFF] = "Diff",
};

void view_layout(const struct ui *u, struct layout *l)
{
	int mid_y = 1, mid_h = u->rows - 3, i;

	memset(l, 0, sizeof(*l));
	if (mid_h < 1)
		mid_h = 1;
	l->tabs = (struct rect){ 0, 0, 1, u->cols };
	l->input = (struct rect){ u->rows - 2, 0, 1, u->cols };
	l->status = (struct rect){ u->rows - 1, 0, 1, u->cols };
	l->wide = u->cols >= VIEW_WIDE && u->rows >= 20;
	if (l->wide) {
		int left = u->cols * 45 / 100, right = u->cols - left - 1;
		int top = mid_h * 2 / 5;
		/* each pane's first row is its title */
		l->pane[UI_CONV] = (struct rect){ mid_y, 0, mid_h, left };
		l->pane[UI_LEDGER] = (struct rect){ mid_y, left + 1, top, right };
		l->pane[UI_DIFF] = (struct rect){ mid_y + top, left + 1, mid_h - top, right };
		for (i = 0; i < UI__PANES; i++)
			l->shown[i] = 1;
	} else {
		for (i = 0; i < UI__PANES; i++)
			l->pane[i] = (struct rect){ mid_y, 0, mid_h, u->cols };
		l->shown[u->focus] = 1;
	}
}

int view_pane_at(const struct ui *u, int y, int x)
{
	struct layout l;
	int i;

	view_layout(u, &l);
	if (y == 0 && !l.wide) {
		/* a click on a tab's name */
		int col = 1;
		for (i = 0; i < UI__PANES; i++) {
			int w = (int)strlen(pane_names[i]) + 2;
			if (x >= col && x < col + w)
				return i;
			col += w + 1;
		}
		return -1;
	}
	for (i = 0; i < UI__PANES; i++) {
		struct rect r = l.pane[i];
		if (l.shown[i] && y >= r.y && y < r.y + r.h && x >= r.x && x < r.x + r.w)
			return i;
	}
	return -1;
}

static void draw_tabs(struct ui *u, const struct layout *l)
{
	char buf[64];
	int col = 1, i;

	draw_fill(0, 0, u->cols, term_style(THEME_TITLE));
	if (l->wide) {
		col += draw_text(0, col, u->cols - col, term_style(THEME_TITLE), "Loom", 4) + 2;
	} else {
		for (i = 0; i < UI__PANES; i++) {
			enum theme_slot s = (int)u->focus == i ? THEME_TITLE_FOCUS : THEME_TITLE;
			int n = snprintf(buf, sizeof(buf), " %s ", pane_names[i]);
			col += draw_text(0, col, u->cols - col, term_style(s), buf, (size_t)n) + 1;
		}
	}
	{
		char hint[96], a[32], b[32];
		int w;
		keys_describe_in(u->keys, KA_NEXT_PANE, KW_CONV, a, sizeof(a));
		keys_describe_in(u->keys, KA_HELP, u->focus == UI_CONV ? KW_INPUT : KW_DIFF, b,
		                 sizeof(b));
		snprintf(hint, sizeof(hint), "%s: pane  %s: help", a, b);
		w = draw_width(hint, strlen(hint));
		if (u->cols - w - 1 > col)
			draw_text(0, u->cols - w - 1, w, term_style(THEME_TITLE), hint,
			          strlen(hint));
	}
}

static void draw_input(struct ui *u, const struct layout *l)
{
	struct line_view v = LINE_VIEW_INIT;
	const char *prompt = u->focus == UI_CONV ? "› " : "  ";
	int pw = draw_width(prompt, strlen(prompt));

	draw_fill(l->input.y, 0, u->cols, term_style(THEME_INPUT));
	draw_text(l->input.y, 0, pw, term_style(THEME_INPUT_PROMPT), prompt, strlen(prompt));
	line_view(&u->input, u->cols, pw, &v);
	draw_text(l->input.y, pw, u->cols - pw, term_style(THEME_INPUT), v.text.ptr, v.text.len);
	if (!u->input.text.len && u->focus == UI_CONV) {
		const char *ph = u->busy ? "working… Esc cancels"
		                         : "ask for a change, /help for commands, @path to tag";
		draw_text(l->input.y, pw, u->cols - pw, term_style(THEME_HELP_TEXT), ph,
		          strlen(ph));
	}
	if (u->focus == UI_CONV) {
		move(l->input.y, v.cursor_col < u->cols ? v.cursor_col : u->cols - 1);
		curs_set(1);
	} else {
		curs_set(0);
	}
	line_view_release(&v);
	/* Tab completion candidates, over the line above */
	if (u->ncompletions > 1 && l->input.y > 0) {
		int col = 0;
		size_t i;
		draw_fill(l->input.y - 1, 0, u->cols, term_style(THEME_COMPLETION));
		for (i = 0; i < u->ncompletions && col < u->cols; i++) {
			enum theme_slot s = i == u->completion_sel ? THEME_COMPLETION_SELECTED
			                                           : THEME_COMPLETION;
			col += draw_text(l->input.y - 1, col, u->cols - col, term_style(s),
			                 u->completions[i], strlen(u->completions[i]));
			col += draw_text(l->input.y - 1, col, u->cols - col,
			                 term_style(THEME_COMPLETION), "  ", 2);
		}
	}
}

static void draw_status(struct ui *u, const struct layout *l)
{
	static const char spin[] = "|/-\\";
	static const char *const wname[3] = { "A", "E", "C" };
	char buf[512];
	int n, col = 0, i;
	unsigned long st = term_style(THEME_STATUS);

	draw_fill(l->status.y, 0, u->cols, st);
	if (u->busy) {
		n = snprintf(buf, sizeof(buf), " %c ", spin[u->spin % 4]);
		col += draw_text(l->status.y, col, u->cols - col, term_style(THEME_SPINNER), buf,
		                 (size_t)n);
	} else {
		col += draw_text(l->status.y, col, u->cols - col, st, " ", 1);
	}
	n = snprintf(buf, sizeof(buf), "%s", u->model[0] ? u->model : "model: connecting…");
	col += draw_text(l->status.y, col, u->cols - col,
	                 strstr(u->model, "cannot") ? term_style(THEME_STATUS_ERROR) : st, buf,
	                 (size_t)n);
	if (u->n_ctx > 0) {
		n = snprintf(buf, sizeof(buf), " │ ctx %d/%d", u->ctx_used, u->n_ctx);
		col += draw_text(l->status.y, col, u->cols - col, st, buf, (size_t)n);
	}
	if (u->tok_s > 0) {
		n = snprintf(buf, sizeof(buf), " │ %.1f tok/s", u->tok_s);
		col += draw_text(l->status.y, col, u->cols - col, st, buf, (size_t)n);
	}
	col += draw_text(l->status.y, col, u->cols - col, st, " │ ", strlen(" │ "));
	for (i = 0; i < 3; i++) {
		static const char *const mark[] = { "·", "○", "●", "✗" };
		enum theme_slot s = u->worker[i] == UI_W_BUSY   ? THEME_STATUS_BUSY
		                    : u->worker[i] == UI_W_LOST ? THEME_STATUS_ERROR
		                                                : THEME_STATUS;
		n = snprintf(buf, sizeof(buf), "%s%s ", wname[i], mark[u->worker[i]]);
		col += draw_text(l->status.y, col, u->cols - col, term_style(s), buf, (size_t)n);
	}
	n = snprintf(buf, sizeof(buf), "│ %s", u->index_state);
	draw_text(l->status.y, col, u->cols - col, st, buf, (size_t)n);
}

/* Lines of the help overlay that do not come from the key map. */
static const char *const help_tail[] = {
	"Input line",
	"  Enter             send the request, or run the /command",
	"  Up / Down         history; PgUp / PgDn scroll the conversation",
	"  Tab               complete @path (tags a file) and /commands",
	"  C-a C-e C-w C-u C-k C-y  start, end, delete word, kill, yank",
	"Commands",
	"  /tag PATH  /untag PATH  /ledger  /diff  /undo  /test",
	"  /check [yes|off|CMD]  /lessons [edit]  /model  /theme [NAME]",
	"  /clear  /help  /quit",
	"Keys are set with 'keys = ACTION=KEY ...' in the config (README, Keys).",
};

static void draw_help(struct ui *u)
{
	char keys[64], line[160];
	const char *lines[64];
	char store[48][160];
	size_t n = 0, ns = 0, i;
	int g, k, w, h, y0, x0;

	for (g = 0; g < KG__COUNT; g++) {
		lines[n++] = keys_group_title((enum key_group)g);
		for (k = 0; k < KA__COUNT && ns < 48; k++) {
			if (keys_action_group((enum key_action)k) != (enum key_group)g)
				continue;
			keys_describe(u->keys, (enum key_action)k, keys, sizeof(keys));
			snprintf(line, sizeof(line), "  %-16s  %s", keys,
			         keys_action_help((enum key_action)k));
			memcpy(store[ns], line, sizeof(line));
			lines[n++] = store[ns++];
		}
	}
	for (i = 0; i < sizeof(help_tail) / sizeof(help_tail[0]) && n < 64; i++)
		lines[n++] = help_tail[i];
	w = 84 < u->cols - 2 ? 84 : u->cols - 2;
	h = (int)n + 2 < u->rows ? (int)n + 2 : u->rows;
	y0 = (u->rows - h) / 2;
	x0 = (u->cols - w) / 2;
	if (w < 10 || h < 3)
		return;
	draw_clear((struct rect){ y0, x0, h, w }, term_style(THEME_HELP_TEXT));
	for (i = 0; i < n && (int)i + 1 < h - 1; i++) {
		enum theme_slot s = lines[i][0] != ' ' ? THEME_HELP_KEY : THEME_HELP_TEXT;
		draw_text(y0 + 1 + (int)i, x0 + 2, w - 4, term_style(s), lines[i],
		          strlen(lines[i]));
	}
}

void view_draw(struct ui *u)
{
	struct layout l;
	int i;

	if (!u->dirty)
		return;
	view_layout(u, &l);
	if (u->dirty == UI_DIRTY_ALL || u->help)
		u->dirty = UI_DIRTY_ALL;
	if (u->dirty & UI_DIRTY_ALL & ~UI_DIRTY_INPUT & ~UI_DIRTY_STATUS)
		draw_tabs(u, &l);
	if (l.wide && u->dirty == UI_DIRTY_ALL) {
		/* the column between the conversation and the right-hand panes */
		attrset((attr_t)term_style(THEME_BORDER));
		mvvline(l.pane[UI_LEDGER].y, l.pane[UI_LEDGER].x - 1, ACS_VLINE, l.pane[UI_CONV].h);
	}
	for (i = 0; i < UI__PANES; i++) {
		static const unsigned bit[UI__PANES] = { UI_DIRTY_CONV, UI_DIRTY_LEDGER,
			                                 UI_DIRTY_DIFF };
		if (!l.shown[i] || !(u->dirty & bit[i]))
			continue;
		if (i == UI_CONV)
			view_conv(u, l.pane[i], u->focus == UI_CONV);
		else if (i == UI_LEDGER)
			view_ledger(u, l.pane[i], u->focus == UI_LEDGER);
		else
			view_diff(u, l.pane[i], u->focus == UI_DIFF);
	}
	if (u->dirty & UI_DIRTY_STATUS)
		draw_status(u, &l);
	if (u->help)
		draw_help(u);
	draw_input(u, &l); /* last: it places the cursor */
	u->dirty = 0;
	wnoutrefresh(stdscr);
	doupdate();
}

struct rect view_title(struct rect r, int focused, const char *title, size_t n)
{
	unsigned long st = term_style(focused ? THEME_TITLE_FOCUS : THEME_TITLE);

	draw_fill(r.y, r.x, r.w, st);
	draw_text(r.y, r.x + 1, r.w - 1, st, title, n);
	r.y++;
	r.h--;
	return r;
}

void view_hint(struct rect r, const char *const *lines, size_t n)
{
	size_t i;

	for (i = 0; i < n && (int)i < r.h; i++)
		draw_text(r.y + (int)i, r.x + 1, r.w - 1, term_style(THEME_NOTE), lines[i],
		          strlen(lines[i]));
}

int view_page(const struct ui *u, enum ui_pane p)
{
	struct layout l;

	view_layout(u, &l);
	return l.pane[p].h > 3 ? l.pane[p].h - 2 : 1;
}
