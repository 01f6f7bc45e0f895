/*
 * store.c - the session file (see store.h): one JSON document,
 * {"version", "saved", "entries", "steps", "ledger", "tags", "proposal"}.
 */
#define _GNU_SOURCE
#include "tui/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/xalloc.h"

static const char *const kinds[] = {
	[UI_USER] = "user", [UI_MODEL] = "model", [UI_PLAN] = "plan",     [UI_STEP] = "step",
	[UI_NOTE] = "note", [UI_ERROR] = "error", [UI_OUTPUT] = "output",
};
static const char *const states[] = {
	[UI_TODO] = "todo",     [UI_DOING] = "doing",     [UI_DONE] = "done",
	[UI_FAILED] = "failed", [UI_SKIPPED] = "skipped",
};

static int find(const char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		if (v[i] && !strcmp(v[i], s))
			return (int)i;
	return -1;
}

/* The proposal under review as {"files": [{"path", "hunks": [{"text", "decision"}]}]}. */
static cJSON *proposal_json(const struct ui *u)
{
	cJSON *p = cJSON_CreateObject(), *files = cJSON_AddArrayToObject(p, "files");
	cJSON *file = NULL, *hunks = NULL, *hunk = NULL;
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i <= u->ndl; i++) {
		const struct ui_diff_line *l = i < u->ndl ? &u->dl[i] : NULL;
		if (hunk && (!l || l->origin == '@' || l->origin == 'F')) {
			cJSON_AddStringToObject(hunk, "text", b.ptr ? b.ptr : "");
			buf_reset(&b);
			hunk = NULL;
		}
		if (!l)
			break;
		if (l->origin == 'F') {
			char *path = xstrndup(l->text, l->len);
			file = cJSON_CreateObject();
			cJSON_AddStringToObject(file, "path", path);
			free(path);
			hunks = cJSON_AddArrayToObject(file, "hunks");
			cJSON_AddItemToArray(files, file);
			continue;
		}
		if (l->origin == '@') {
			hunk = cJSON_CreateObject();
			cJSON_AddNumberToObject(hunk, "decision", u->decision[l->file][l->hunk]);
			cJSON_AddItemToArray(hunks, hunk);
			buf_add(&b, l->text, l->len);
			buf_addch(&b, '\n');
			continue;
		}
		if (!hunk)
			continue;
		buf_addch(&b, l->origin);
		if (l->origin == '\\')
			buf_adds(&b, " No newline at end of file\n");
		else
			buf_add(&b, l->text, l->len);
		if (l->origin != '\\' && (!l->len || l->text[l->len - 1] != '\n'))
			buf_addch(&b, '\n');
	}
	buf_release(&b);
	return p;
}

int store_save(const char *path, const struct ui *u, const char *const *tags, size_t ntags,
               struct error *e)
{
	cJSON *doc = cJSON_CreateObject(), *arr, *o;
	char *text, *tmp;
	size_t i, n;
	int fd, rc = 0;

	cJSON_AddNumberToObject(doc, "version", STORE_VERSION);
	cJSON_AddNumberToObject(doc, "saved", (double)time(NULL));
	arr = cJSON_AddArrayToObject(doc, "entries");
	for (i = 0; i < u->nentries; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "kind", kinds[u->entries[i].kind]);
		if (u->entries[i].step)
			cJSON_AddNumberToObject(o, "step", u->entries[i].step);
		cJSON_AddStringToObject(o, "text", u->entries[i].text);
		cJSON_AddItemToArray(arr, o);
	}
	arr = cJSON_AddArrayToObject(doc, "steps");
	for (i = 0; i < u->nsteps; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "goal", u->steps[i].goal);
		cJSON_AddStringToObject(o, "state", states[u->steps[i].state]);
		cJSON_AddItemToArray(arr, o);
	}
	if (u->ledger)
		cJSON_AddItemReferenceToObject(doc, "ledger", u->ledger);
	arr = cJSON_AddArrayToObject(doc, "tags");
	for (i = 0; i < ntags; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(tags[i]));
	if (u->ndl)
		cJSON_AddItemToObject(doc, "proposal", proposal_json(u));
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	if (!text)
		return error_set(e, "cannot save the session: out of memory");
	tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	n = strlen(text);
	if (fd < 0 || write(fd, text, n) != (ssize_t)n || write(fd, "\n", 1) != 1 ||
	    fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		rc = error_errno(e, "cannot save the session in %s", path);
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	}
	free(tmp);
	free(text);
	return rc;
}

int store_load(const char *path, struct ui *u, char ***tags, size_t *ntags, struct error *e)
{
	struct buf b = BUF_INIT;
	cJSON *doc, *x;
	const cJSON *ver;
	size_t cap = 0, i;

	*tags = NULL;
	*ntags = 0;
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (fs_read_file(path, STORE_MAX, &b, e) < 0)
		return -1;
	doc = cJSON_ParseWithLength(b.ptr ? b.ptr : "", b.len);
	buf_release(&b);
	ver = cJSON_GetObjectItemCaseSensitive(doc, "version");
	if (!cJSON_IsObject(doc) || !cJSON_IsNumber(ver)) {
		cJSON_Delete(doc);
		return error_set(e, "%s is not a saved session", path);
	}
	if (ver->valueint != STORE_VERSION) {
		cJSON_Delete(doc);
		return error_set(e, "%s was saved by another version of loom (%d)", path,
		                 ver->valueint);
	}
	ui_clear(u);
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(doc, "entries"))
	{
		int k = find(kinds, sizeof(kinds) / sizeof(kinds[0]), json_str(x, "kind"));
		const cJSON *step = cJSON_GetObjectItemCaseSensitive(x, "step");
		if (k < 0 || !json_str(x, "text"))
			continue;
		ui_add(u, (enum ui_entry_kind)k, cJSON_IsNumber(step) ? step->valueint : 0,
		       json_str(x, "text"));
	}
	{
		/* the plan, through ui_set_plan's shape, then its ticks */
		cJSON *plan = cJSON_CreateObject(), *steps = cJSON_AddArrayToObject(plan, "steps");
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(doc, "steps"))
		{
			cJSON *s = cJSON_CreateObject();
			cJSON_AddStringToObject(s, "goal", json_text(x, "goal"));
			cJSON_AddItemToArray(steps, s);
		}
		ui_set_plan(u, plan);
		cJSON_Delete(plan);
		i = 0;
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(doc, "steps"))
		{
			int st = find(states, sizeof(states) / sizeof(states[0]),
			              json_str(x, "state"));
			ui_step_state(u, (int)++i, st < 0 ? UI_TODO : (enum ui_step_state)st);
		}
	}
	x = cJSON_DetachItemFromObjectCaseSensitive(doc, "ledger");
	if (cJSON_IsObject(x))
		ui_set_ledger(u, x);
	else
		cJSON_Delete(x);
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(doc, "tags")) if (cJSON_IsString(x))
	{
		XGROW(*tags, cap, *ntags + 1);
		(*tags)[(*ntags)++] = xstrdup(x->valuestring);
	}
	x = cJSON_GetObjectItemCaseSensitive(doc, "proposal");
	if (x) {
		static const char *const mark[] = { "[ ] ", "[✓] ", "[✗] " };
		struct buf t = BUF_INIT;
		const cJSON *f, *h;
		buf_adds(&t,
		         "The proposal under review when the session was saved (not applied; ask "
		         "again to go on)\n");
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(x, "files"))
		{
			buf_addf(&t, "%s\n", json_str(f, "path") ? json_str(f, "path") : "?");
			cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(f, "hunks"))
			{
				const cJSON *d = cJSON_GetObjectItemCaseSensitive(h, "decision");
				int k = cJSON_IsNumber(d) && d->valueint >= 0 && d->valueint <= 2
				                ? d->valueint
				                : 0;
				buf_addf(&t, "%s%s", mark[k], json_text(h, "text"));
			}
		}
		ui_set_check(u, buf_detach(&t, NULL));
	}
	cJSON_Delete(doc);
	u->dirty = UI_DIRTY_ALL;
	return 1;
}
