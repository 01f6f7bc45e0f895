/*
 * pane_conv.c - the conversation pane: the transcript, wrapped to the pane's
 * width, with the plan drawn as a checklist whose steps tick off.
 *
 * The transcript is drawn from the bottom up: conv_scroll screen lines above
 * the end (0 follows new text). Each entry caches how many screen lines it
 * takes at the width it was last wrapped to, so a frame costs the entries on
 * screen, not the whole transcript.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "tui/term.h"
#include "tui/view.h"

static const char *prefix(const struct ui_entry *e)
{
	switch (e->kind) {
	case UI_USER: return "› ";
	case UI_ERROR: return "✗ ";
	case UI_NOTE: return "· ";
	case UI_STEP: return "▸ ";
	default: return "";
	}
}

static enum theme_slot slot_of(const struct ui *u, const struct ui_entry *e, int last)
{
	switch (e->kind) {
	case UI_USER: return THEME_USER;
	case UI_MODEL: return last && u->busy ? THEME_STREAMING : THEME_ASSISTANT;
	case UI_ERROR: return THEME_ERROR;
	case UI_NOTE: return THEME_NOTE;
	case UI_STEP: return THEME_TITLE;
	default: return THEME_DEFAULT;
	}
}

/* The plan's lines: a heading, then one line per step (goals cut to the width). */
static size_t plan_lines(const struct ui *u)
{
	return u->nsteps + 1;
}

static size_t entry_lines(const struct ui *u, struct ui_entry *e, int w)
{
	if (e->kind == UI_PLAN)
		return plan_lines(u);
	if (e->wrap_width != w) {
		int pw = draw_width(prefix(e), strlen(prefix(e)));
		e->nwrapped = draw_wrap(e->text, e->len, w - pw, NULL, NULL);
		e->wrap_width = w;
	}
	return e->nwrapped;
}

struct emit {
	struct rect r;
	int y;       /* next screen row */
	size_t skip; /* lines of this entry to skip (above the top) */
	size_t line; /* this entry's line number */
	const char *pfx;
	int pw;
	unsigned long attr;
};

static void emit_line(void *ctx, const char *s, size_t n)
{
	struct emit *m = ctx;

	if (m->line++ < m->skip || m->y >= m->r.y + m->r.h)
		return;
	if (m->line == 1)
		draw_text(m->y, m->r.x, m->pw, m->attr, m->pfx, strlen(m->pfx));
	draw_text(m->y, m->r.x + m->pw, m->r.w - m->pw, m->attr, s, n);
	m->y++;
}

static void draw_plan(const struct ui *u, struct emit *m)
{
	static const char *const box[] = { "[ ] ", "[…] ", "[x] ", "[!] ", "[-] " };
	static const enum theme_slot slot[] = { THEME_PLAN_TODO, THEME_PLAN_DOING, THEME_PLAN_DONE,
		                                THEME_PLAN_FAILED, THEME_PLAN_TODO };
	char buf[32];
	size_t i;

	for (i = 0; i < plan_lines(u); i++, m->line++) {
		int col;
		if (m->line < m->skip || m->y >= m->r.y + m->r.h)
			continue;
		if (i == 0) {
			draw_text(m->y, m->r.x, m->r.w, term_style(THEME_TITLE), "Plan", 4);
		} else {
			const struct ui_step *s = &u->steps[i - 1];
			int n = snprintf(buf, sizeof(buf), "  %s%zu. ", box[s->state], i);
			col = draw_text(m->y, m->r.x, m->r.w, term_style(slot[s->state]), buf,
			                (size_t)n);
			draw_text(m->y, m->r.x + col, m->r.w - col, term_style(slot[s->state]),
			          s->goal, strlen(s->goal));
		}
		m->y++;
	}
}

void view_conv(struct ui *u, struct rect r, int focused)
{
	size_t total = 0, top, i, at = 0;
	struct emit m;
	int h;

	draw_clear(r, term_style(THEME_DEFAULT));
	r = view_title(r, focused, "Conversation", 12);
	r.w--; /* a column apart from the border */
	h = r.h;
	if (h <= 0 || r.w < 4)
		return;
	for (i = 0; i < u->nentries; i++)
		total += entry_lines(u, &u->entries[i], r.w);
	if (!u->nentries) {
		static const char *const hello[] = {
			"Ask for a change to this repository, for example:",
			"  make the parser reject an empty file name",
			"Loom plans it in small steps, shows why each file is in the model's",
			"context (the Ledger), and lets you approve each hunk (the Diff).",
			"Type /help for the commands, ? for the keys.",
		};
		view_hint(r, hello, sizeof(hello) / sizeof(hello[0]));
		return;
	}
	if (u->conv_scroll > (total > (size_t)h ? total - (size_t)h : 0))
		u->conv_scroll = total > (size_t)h ? total - (size_t)h : 0;
	top = total > (size_t)h + u->conv_scroll ? total - (size_t)h - u->conv_scroll : 0;
	memset(&m, 0, sizeof(m));
	m.r = r;
	m.y = r.y;
	for (i = 0; i < u->nentries && m.y < r.y + r.h; i++) {
		struct ui_entry *e = &u->entries[i];
		size_t n = entry_lines(u, e, r.w);
		if (at + n <= top) {
			at += n;
			continue;
		}
		m.skip = top > at ? top - at : 0;
		m.line = 0;
		m.pfx = prefix(e);
		m.pw = draw_width(m.pfx, strlen(m.pfx));
		m.attr = term_style(slot_of(u, e, i + 1 == u->nentries));
		if (e->kind == UI_PLAN)
			draw_plan(u, &m);
		else
			draw_wrap(e->text, e->len, r.w - m.pw, emit_line, &m);
		at += n;
	}
}
