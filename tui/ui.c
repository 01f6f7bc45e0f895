/*
 * ui.c - the terminal interface's model: the conversation, the plan, the
 * ledger, the proposal under review and the status, with no curses.
 *
 * Invariants: every text is valid UTF-8 (model output is sanitized on the
 * way in); the diff pane's lines (dl) point into the diffs of the proposal
 * under review, which the task owns and keeps until the review ends, and are
 * dropped (ui_clear_proposal) before it does; cur_file/cur_hunk name an
 * existing hunk, or are -1 when the proposal has none.
 */
#include "tui/ui.h"

#include <stdlib.h>
#include <string.h>

#include "core/diff.h"
#include "core/utf8.h"
#include "core/xalloc.h"

void ui_init(struct ui *u)
{
	memset(u, 0, sizeof(*u));
	u->input = (struct line)LINE_INIT;
	u->cur_file = u->cur_hunk = -1;
	u->dirty = UI_DIRTY_ALL;
}

static void entry_release(struct ui_entry *e)
{
	free(e->text);
}

void ui_clear(struct ui *u)
{
	size_t i;

	for (i = 0; i < u->nentries; i++)
		entry_release(&u->entries[i]);
	u->nentries = 0;
	u->conv_scroll = 0;
	u->dirty |= UI_DIRTY_CONV;
}

void ui_release(struct ui *u)
{
	size_t i;

	ui_clear(u);
	free(u->entries);
	for (i = 0; i < u->nsteps; i++)
		free(u->steps[i].goal);
	free(u->steps);
	cJSON_Delete(u->ledger);
	free(u->expanded);
	ui_clear_proposal(u);
	free(u->dl);
	ui_set_check(u, NULL);
	line_release(&u->input);
	for (i = 0; i < u->ncompletions; i++)
		free(u->completions[i]);
	free(u->completions);
	memset(u, 0, sizeof(*u));
}

struct ui_entry *ui_add(struct ui *u, enum ui_entry_kind kind, int step, const char *text)
{
	struct ui_entry *e;

	XGROW(u->entries, u->cap, u->nentries + 1);
	e = &u->entries[u->nentries++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->step = step;
	e->text = utf8_sanitize(text, strlen(text));
	e->len = strlen(e->text);
	u->dirty |= UI_DIRTY_CONV;
	return e;
}

/* The entry streaming for step: the newest model entry of the step since the user's last message. */
static struct ui_entry *streaming(struct ui *u, int step)
{
	size_t i;

	for (i = u->nentries; i-- > 0;) {
		struct ui_entry *e = &u->entries[i];
		if (e->kind == UI_MODEL && e->step == step)
			return e;
		if (e->kind == UI_USER || e->kind == UI_STEP || e->kind == UI_PLAN)
			return NULL;
	}
	return NULL;
}

void ui_stream(struct ui *u, int step, const char *text, size_t n)
{
	/* notes that come meanwhile (a check's result) do not split the model's text */
	struct ui_entry *e = streaming(u, step);
	char *add = utf8_sanitize(text, n);
	size_t k = strlen(add);

	if (!e) {
		ui_add(u, UI_MODEL, step, add);
	} else {
		e->text = xrealloc(e->text, e->len + k + 1);
		memcpy(e->text + e->len, add, k + 1);
		e->len += k;
		e->wrap_width = 0; /* wrap again */
	}
	free(add);
	u->stream_chars += k;
	u->dirty |= UI_DIRTY_CONV;
}

void ui_set_plan(struct ui *u, const cJSON *plan)
{
	const cJSON *s;
	size_t i;

	for (i = 0; i < u->nsteps; i++)
		free(u->steps[i].goal);
	free(u->steps);
	u->nsteps = (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(plan, "steps"));
	u->steps = xcalloc(u->nsteps + 1, sizeof(*u->steps));
	i = 0;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(plan, "steps"))
	{
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(s, "goal");
		const char *t = cJSON_IsString(g) ? g->valuestring : "";
		u->steps[i].goal = utf8_sanitize(t, strlen(t));
		u->steps[i++].state = UI_TODO;
	}
	u->dirty |= UI_DIRTY_CONV;
}

void ui_step_state(struct ui *u, int step, enum ui_step_state s)
{
	if (step >= 1 && (size_t)step <= u->nsteps) {
		u->steps[step - 1].state = s;
		u->dirty |= UI_DIRTY_CONV;
	}
}

void ui_set_ledger(struct ui *u, cJSON *ledger)
{
	int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(ledger, "files"));

	cJSON_Delete(u->ledger);
	free(u->expanded);
	u->ledger = ledger;
	u->expanded = xcalloc((size_t)n + 1, 1);
	u->ledger_sel = 0;
	u->ledger_scroll = 0;
	u->dirty |= UI_DIRTY_LEDGER | UI_DIRTY_STATUS;
}

static void dl_add(struct ui *u, int file, int hunk, char origin, const char *text, size_t len)
{
	XGROW(u->dl, u->dlcap, u->ndl + 1);
	u->dl[u->ndl].file = file;
	u->dl[u->ndl].hunk = hunk;
	u->dl[u->ndl].origin = origin;
	u->dl[u->ndl].text = text;
	u->dl[u->ndl].len = len;
	u->ndl++;
}

void ui_clear_proposal(struct ui *u)
{
	size_t i;

	for (i = 0; i < u->ndfiles; i++)
		free(u->decision[i]);
	free(u->decision);
	free(u->nhunks);
	u->decision = NULL;
	u->nhunks = NULL;
	u->ndfiles = 0;
	u->ndl = 0;
	u->diff_scroll = 0;
	u->cur_file = u->cur_hunk = -1;
	u->dirty |= UI_DIRTY_DIFF;
}

void ui_set_proposal(struct ui *u, const char *const *paths, const struct diff *const *diffs,
                     size_t nfiles)
{
	size_t i, h, k;

	ui_clear_proposal(u);
	u->ndfiles = nfiles;
	u->decision = xcalloc(nfiles + 1, sizeof(*u->decision));
	u->nhunks = xcalloc(nfiles + 1, sizeof(*u->nhunks));
	for (i = 0; i < nfiles; i++) {
		const struct diff *d = diffs[i];
		u->nhunks[i] = d->nhunks;
		u->decision[i] = xcalloc(d->nhunks + 1, 1);
		dl_add(u, (int)i, -1, 'F', paths[i], strlen(paths[i]));
		for (h = 0; h < d->nhunks; h++) {
			const struct diff_hunk *hk = &d->hunks[h];
			dl_add(u, (int)i, (int)h, '@', hk->header, strlen(hk->header));
			for (k = 0; k < hk->nlines; k++)
				dl_add(u, (int)i, (int)h, hk->lines[k].origin, hk->lines[k].text,
				       hk->lines[k].len);
			if (u->cur_file < 0) {
				u->cur_file = (int)i;
				u->cur_hunk = (int)h;
			}
		}
	}
	u->dirty |= UI_DIRTY_DIFF | UI_DIRTY_STATUS;
}

int ui_hunk_move(struct ui *u, int delta)
{
	int f = u->cur_file, h = u->cur_hunk;

	if (f < 0)
		return 0;
	while (delta > 0) {
		if ((size_t)h + 1 < u->nhunks[f]) {
			h++;
		} else {
			int g = f + 1;
			while ((size_t)g < u->ndfiles && !u->nhunks[g])
				g++;
			if ((size_t)g >= u->ndfiles)
				break;
			f = g;
			h = 0;
		}
		delta--;
	}
	while (delta < 0) {
		if (h > 0) {
			h--;
		} else {
			int g = f - 1;
			while (g >= 0 && !u->nhunks[g])
				g--;
			if (g < 0)
				break;
			f = g;
			h = (int)u->nhunks[g] - 1;
		}
		delta++;
	}
	if (f == u->cur_file && h == u->cur_hunk)
		return 0;
	u->cur_file = f;
	u->cur_hunk = h;
	u->diff_follow = 1;
	u->dirty |= UI_DIRTY_DIFF;
	return 1;
}

void ui_hunk_next_undecided(struct ui *u)
{
	size_t total = 0, i;
	int f0 = u->cur_file, h0 = u->cur_hunk;

	for (i = 0; i < u->ndfiles; i++)
		total += u->nhunks[i];
	for (i = 0; i < total; i++) {
		if (!ui_hunk_move(u, 1)) {
			/* wrap to the first hunk */
			while (ui_hunk_move(u, -1))
				;
		}
		if (!u->decision[u->cur_file][u->cur_hunk])
			return;
	}
	u->cur_file = f0;
	u->cur_hunk = h0;
}

size_t ui_hunk_line(const struct ui *u, int file, int hunk)
{
	size_t i;

	for (i = 0; i < u->ndl; i++)
		if (u->dl[i].file == file && u->dl[i].hunk == hunk)
			return i;
	return 0;
}

int ui_tagged(const struct ui *u, const char *path)
{
	size_t i;

	for (i = 0; i < u->ntags; i++)
		if (!strcmp(u->tags[i], path))
			return 1;
	return 0;
}

void ui_stream_done(struct ui *u, int step, const char *summary)
{
	struct ui_entry *e = streaming(u, step);

	if (!e)
		return;
	free(e->text);
	e->text = utf8_sanitize(summary, strlen(summary));
	e->len = strlen(e->text);
	e->kind = UI_NOTE;
	e->wrap_width = 0;
	u->dirty |= UI_DIRTY_CONV;
}

void ui_set_check(struct ui *u, char *text)
{
	size_t i, n = 0, k = 0;

	free(u->check);
	free(u->check_off);
	u->check = text;
	u->check_len = text ? strlen(text) : 0;
	u->check_off = NULL;
	u->ncheck = 0;
	u->dirty |= UI_DIRTY_DIFF;
	if (!u->check_len)
		return;
	for (i = 0; i < u->check_len; i++)
		n += text[i] == '\n';
	n += text[u->check_len - 1] != '\n';
	u->check_off = xcalloc(n + 1, sizeof(*u->check_off));
	for (i = 0; i < u->check_len; i++)
		if (i == 0 || text[i - 1] == '\n')
			u->check_off[k++] = i;
	/* one past the last line's '\n', as if a text without one had it */
	u->check_off[n] = u->check_len + (text[u->check_len - 1] != '\n');
	u->ncheck = n;
}
