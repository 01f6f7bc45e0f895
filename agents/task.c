/*
 * task.c - one request carried through the roles, as a state machine.
 *
 * States: PLANNING (the Architect's request in flight), EXPLORING (the
 * Explorer's, for the current step), CODING (the Coder's), REVIEW (a proposal
 * waits for task_apply or task_skip), DONE. Only the workers' replies
 * (task_pump) and the caller's decision move it on, so nothing here blocks:
 * the caller's loop sleeps in workers_wait. Each step's proposal is built in
 * memory from the files as they are on disk (struct task_file); a Coder reply
 * whose blocks do not apply is sent back with the exact reason, TASK_RETRIES
 * times; a proposal whose files changed on disk by the time it is approved is
 * made again, TASK_REPROPOSE times. Only task_apply writes the user's files,
 * through core/apply (atomic, checked, journaled).
 *
 * A step fails (counted in failed, the task goes on) when the Coder's replies
 * never apply or change nothing, or the model call fails; the task stops
 * (stopped) when a worker is lost or the Explorer fails, and is cancelled when
 * the workers report a cancel.
 */
#include "agents/task.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/apply.h"
#include "core/fs.h"
#include "core/path.h"
#include "core/utf8.h"
#include "core/xalloc.h"

enum { PLANNING, EXPLORING, CODING, REVIEW, DONE };

static void emit(struct task *t, enum task_event ev, const cJSON *data, const char *msg)
{
	if (t->fn)
		t->fn(t->ctx, t, ev, ev == TASK_PLAN || ev == TASK_DONE ? 0 : t->step, data, msg);
}

static void files_release(struct task *t)
{
	size_t i;

	for (i = 0; i < t->nfiles; i++) {
		free(t->files[i].path);
		buf_release(&t->files[i].old);
		buf_release(&t->files[i].new);
		diff_release(&t->files[i].diff);
		free(t->files[i].approved);
	}
	t->nfiles = 0;
}

static void step_release(struct task *t)
{
	files_release(t);
	if (t->have_map)
		context_map_release(&t->map);
	t->have_map = 0;
	free(t->prev);
	free(t->feedback);
	t->prev = t->feedback = NULL;
}

static void finish(struct task *t, int stopped)
{
	uint64_t model = t->env->ws->model_us;

	if (t->state == DONE)
		return;
	if (t->step > 0) {
		t->steps_ns = fs_now_ns() - t->t0;
		t->steps_model_us = model - t->model0;
	}
	t->stopped = stopped;
	t->state = DONE;
	step_release(t);
	emit(t, TASK_DONE, NULL, NULL);
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *step_json(const struct task *t)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(t->plan, "steps"), t->step - 1);
}

static const char *goal(const struct task *t)
{
	return str(step_json(t), "goal");
}

/* Asks the Coder for the current step's edits (with the last reply's correction, if any). */
static int send_code(struct task *t)
{
	cJSON *p = cJSON_CreateObject();
	struct error e = ERROR_INIT;
	unsigned long id;

	cJSON_AddStringToObject(p, "goal", goal(t));
	cJSON_AddStringToObject(p, "context", t->map.text);
	cJSON_AddStringToObject(p, "format", t->format == CODER_WHOLE ? "whole" : "search-replace");
	if (t->prev && t->feedback) {
		cJSON_AddStringToObject(p, "prev_reply", t->prev);
		cJSON_AddStringToObject(p, "feedback", t->feedback);
	}
	id = workers_send(t->env->ws, WORKER_CODER, "code", p, &e);
	cJSON_Delete(p);
	if (!id) {
		emit(t, TASK_ERROR, NULL, e.msg);
		finish(t, 1);
		return -1;
	}
	t->state = CODING;
	return 0;
}

/* Starts step t->step + 1, or ends the task after the last. */
static void next_step(struct task *t)
{
	const struct task_env *env = t->env;
	cJSON *p, *tags;
	const cJSON *f;
	struct error e = ERROR_INIT;
	size_t i;
	int budget;

	step_release(t);
	if (t->step >= t->steps) {
		finish(t, 0);
		return;
	}
	t->step++;
	t->attempt = t->repropose = 0;
	emit(t, TASK_STEP, step_json(t), goal(t));
	/* the step's own files are tagged: the Architect named them */
	p = cJSON_CreateObject();
	tags = cJSON_AddArrayToObject(p, "tags");
	for (i = 0; i < env->ntags; i++)
		cJSON_AddItemToArray(tags, cJSON_CreateString(env->tags[i]));
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(step_json(t), "files"))
	        cJSON_AddItemToArray(tags, cJSON_CreateString(f->valuestring));
	cJSON_AddStringToObject(p, "goal", goal(t));
	budget = env->m->n_ctx - env->max_tokens - 2 * MODEL_MSG_OVERHEAD -
	         (int)model_estimate_tokens(strlen(goal(t)) + 1200);
	cJSON_AddNumberToObject(p, "budget", budget > 256 ? budget : 256);
	if (!workers_send(env->ws, WORKER_EXPLORER, "explore", p, &e)) {
		cJSON_Delete(p);
		emit(t, TASK_ERROR, NULL, e.msg);
		finish(t, 1);
		return;
	}
	cJSON_Delete(p);
	t->state = EXPLORING;
}

int task_start(struct task *t, const struct task_env *env, const char *request, const char *summary,
               task_fn fn, void *ctx, struct error *e)
{
	cJSON *p = cJSON_CreateObject();
	unsigned long id;

	memset(t, 0, sizeof(*t));
	t->env = env;
	t->fn = fn;
	t->ctx = ctx;
	t->t0 = fs_now_ns();
	t->model0 = env->ws->model_us;
	cJSON_AddStringToObject(p, "request", request);
	cJSON_AddStringToObject(p, "summary", summary ? summary : "");
	id = workers_send(env->ws, WORKER_ARCHITECT, "plan", p, e);
	cJSON_Delete(p);
	if (!id) {
		t->state = DONE;
		t->stopped = 1;
		return -1;
	}
	t->state = PLANNING;
	return 0;
}

/* A failed reply: cancelled, or a lost worker, ends the task; true then. */
static int fatal_reply(struct task *t, const struct workers_reply *r)
{
	if (!strcmp(r->kind, "cancelled")) {
		t->cancelled = 1;
		emit(t, TASK_ERROR, NULL, r->error);
		finish(t, 1);
		return 1;
	}
	if (!strcmp(r->kind, "lost")) {
		emit(t, TASK_ERROR, NULL, r->error);
		finish(t, 1);
		return 1;
	}
	return 0;
}

static void on_plan(struct task *t, struct workers_reply *r)
{
	const cJSON *steps, *s;

	t->plan_ns = fs_now_ns() - t->t0;
	t->plan_model_us = t->env->ws->model_us - t->model0;
	t->t0 = fs_now_ns();
	t->model0 = t->env->ws->model_us;
	if (r->error) {
		if (!strcmp(r->kind, "cancelled"))
			t->cancelled = 1;
		emit(t, TASK_ERROR, NULL, r->error);
		finish(t, 1);
		return;
	}
	t->plan = cJSON_DetachItemFromObjectCaseSensitive(r->result, "plan");
	steps = cJSON_GetObjectItemCaseSensitive(t->plan, "steps");
	if (!cJSON_IsArray(steps)) {
		emit(t, TASK_ERROR, NULL, "the architect sent a malformed plan");
		finish(t, 1);
		return;
	}
	cJSON_ArrayForEach(s,
	                   steps) if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(s, "goal")))
	{
		emit(t, TASK_ERROR, NULL, "the architect sent a step without a goal");
		finish(t, 1);
		return;
	}
	t->steps = cJSON_GetArraySize(steps);
	emit(t, TASK_PLAN, t->plan, NULL);
	next_step(t);
}

static void on_map(struct task *t, struct workers_reply *r)
{
	const cJSON *text;

	if (r->error) {
		if (!strcmp(r->kind, "cancelled"))
			t->cancelled = 1;
		emit(t, TASK_ERROR, NULL, r->error);
		finish(t, 1);
		return;
	}
	memset(&t->map, 0, sizeof(t->map));
	t->map.ledger = cJSON_DetachItemFromObjectCaseSensitive(r->result, "ledger");
	text = cJSON_GetObjectItemCaseSensitive(r->result, "text");
	t->map.text = xstrdup(cJSON_IsString(text) ? text->valuestring : "");
	t->map.whole = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->result, "whole"));
	t->have_map = 1;
	if (!cJSON_IsObject(t->map.ledger) || !str(t->map.ledger, "query_id")) {
		emit(t, TASK_ERROR, NULL, "the explorer sent a malformed context map");
		finish(t, 1);
		return;
	}
	emit(t, TASK_LEDGER, t->map.ledger, NULL);
	t->format = coder_default_format(t->env->m, config_get(t->env->conf, CONF_EDIT_FORMAT));
	if (t->format == CODER_WHOLE && !t->map.whole) {
		/* whole files need whole files in the context */
		if (!strcmp(config_get(t->env->conf, CONF_EDIT_FORMAT), "whole"))
			emit(t, TASK_NOTE, NULL,
			     "edit format: the Context Map holds parts of files, not whole files; "
			     "asking for search-replace blocks");
		t->format = CODER_SEARCH_REPLACE;
	}
	send_code(t);
}

/* The proposal's file for path, read from disk the first time it is named. */
static struct task_file *file_get(struct task *t, const char *path, struct error *e)
{
	struct task_file *f;
	unsigned mode;
	size_t i;
	int rc;

	for (i = 0; i < t->nfiles; i++)
		if (!strcmp(t->files[i].path, path))
			return &t->files[i];
	XGROW(t->files, t->cap, t->nfiles + 1);
	f = &t->files[t->nfiles];
	memset(f, 0, sizeof(*f));
	f->diff = (struct diff)DIFF_INIT;
	rc = apply_read(t->env->rootfd, path, APPLY_MAX_SIZE, &f->old, &mode, e);
	if (rc < 0) {
		buf_release(&f->old);
		return NULL;
	}
	f->path = xstrdup(path);
	f->existed = rc == 1;
	buf_add(&f->new, f->old.ptr, f->old.len);
	t->nfiles++;
	return f;
}

/*
 * Applies the Coder's edit blocks (as the worker sent them) to the files on
 * disk, in memory. Returns 0, or -1 with e saying which block did not apply
 * and why (fed back to the Coder).
 */
static int build(struct task *t, const cJSON *edits, struct error *e)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, edits)
	{
		struct edit ed;
		struct task_file *f;
		struct buf out = BUF_INIT_MAX(APPLY_MAX_SIZE);
		const char *kind = str(it, "kind");
		int fuzzy = 0;

		/* the worker checked the paths; the core checks again: it is not trusted */
		memset(&ed, 0, sizeof(ed));
		ed.kind = kind && !strcmp(kind, "whole") ? EDIT_WHOLE : EDIT_REPLACE;
		ed.path = (char *)str(it, "path");
		ed.search = (char *)str(it, "search");
		ed.replace = (char *)str(it, "replace");
		if (!ed.path || !ed.replace || path_check(ed.path, e) < 0)
			return error_prefix(e, "the coder sent a malformed edit");
		f = file_get(t, ed.path, e);
		if (!f)
			return -1;
		if (edits_apply(&ed, f->existed || f->new.len ? f->new.ptr : NULL, f->new.len, &out,
		                &fuzzy, e) < 0) {
			buf_release(&out);
			return -1;
		}
		buf_release(&f->new);
		f->new = out;
	}
	return 0;
}

/* Turns the built files into per-file diffs; 0 when something changed. */
static int make_diffs(struct task *t, struct error *e)
{
	size_t i, k;

	for (i = 0, k = 0; i < t->nfiles; i++) {
		struct task_file *f = &t->files[i];
		if (f->existed && f->new.len == f->old.len &&
		    !memcmp(f->new.ptr, f->old.ptr, f->old.len)) {
			free(f->path);
			buf_release(&f->old);
			buf_release(&f->new);
			continue;
		}
		if (k != i)
			t->files[k] = *f;
		f = &t->files[k++];
		if (diff_make(f->path, f->existed ? f->old.ptr : NULL, f->old.len, f->new.ptr,
		              f->new.len, &f->diff, e) < 0) {
			t->nfiles = k;
			return -1;
		}
		f->approved = xcalloc(f->diff.nhunks + 1, 1);
	}
	t->nfiles = k;
	return k ? 0 : error_set(e, "the edits change nothing");
}

static void step_failed(struct task *t, const char *msg)
{
	t->failed++;
	emit(t, TASK_ERROR, NULL, msg);
	next_step(t);
}

static void on_code(struct task *t, struct workers_reply *r)
{
	struct error e = ERROR_INIT;
	char *reply;

	if (r->error) {
		if (fatal_reply(t, r))
			return;
		step_failed(t, r->error);
		return;
	}
	files_release(t);
	reply = xstrdup(str(r->result, "reply") ? str(r->result, "reply") : "");
	if (build(t, cJSON_GetObjectItemCaseSensitive(r->result, "edits"), &e) < 0) {
		files_release(t);
		free(t->prev);
		free(t->feedback);
		t->prev = reply;
		t->feedback = xstrdup(e.msg);
		if (t->attempt++ >= TASK_RETRIES) {
			step_failed(t, e.msg);
			return;
		}
		send_code(t);
		return;
	}
	free(reply);
	if (make_diffs(t, &e) < 0) {
		step_failed(t, e.msg);
		return;
	}
	t->proposed++;
	t->state = REVIEW;
	{
		cJSON *j = task_proposal_json(t);
		emit(t, TASK_PROPOSAL, j, NULL);
		cJSON_Delete(j);
	}
}

void task_pump(struct task *t)
{
	static const enum worker_role waits[] = {
		[PLANNING] = WORKER_ARCHITECT,
		[EXPLORING] = WORKER_EXPLORER,
		[CODING] = WORKER_CODER,
	};
	struct workers_reply r = WORKERS_REPLY_INIT;
	int state = t->state;

	if (state != PLANNING && state != EXPLORING && state != CODING)
		return;
	if (!workers_take(t->env->ws, waits[state], &r))
		return;
	if (state == PLANNING)
		on_plan(t, &r);
	else if (state == EXPLORING)
		on_map(t, &r);
	else
		on_code(t, &r);
	workers_reply_release(&r);
}

int task_running(const struct task *t)
{
	return t->state != DONE;
}

int task_reviewing(const struct task *t)
{
	return t->state == REVIEW;
}

size_t task_nfiles(const struct task *t)
{
	return t->state == REVIEW ? t->nfiles : 0;
}

const struct task_file *task_file(const struct task *t, size_t i)
{
	return i < task_nfiles(t) ? &t->files[i] : NULL;
}

void task_approve(struct task *t, size_t i, size_t h, int yes)
{
	if (i < task_nfiles(t) && h < t->files[i].diff.nhunks)
		t->files[i].approved[h] = yes != 0;
}

/* The first file that changed on disk since the proposal read it, or NULL. */
static const char *stale(const struct task *t)
{
	size_t i;

	for (i = 0; i < t->nfiles; i++) {
		const struct task_file *f = &t->files[i];
		struct buf now = BUF_INIT;
		struct error e = ERROR_INIT;
		unsigned mode;
		int rc = apply_read(t->env->rootfd, f->path, APPLY_MAX_SIZE, &now, &mode, &e);
		int same = rc == (f->existed ? 1 : 0) &&
		           (!f->existed ||
		            (now.len == f->old.len && !memcmp(now.ptr, f->old.ptr, now.len)));
		buf_release(&now);
		if (!same)
			return f->path;
	}
	return NULL;
}

/* Writes the approved hunks; returns -1 after TASK_ERROR. */
static int write_approved(struct task *t)
{
	struct apply_file *af = xcalloc(t->nfiles + 1, sizeof(*af));
	struct buf *outs = xcalloc(t->nfiles + 1, sizeof(*outs));
	struct apply_opts ao = APPLY_OPTS_INIT;
	struct apply_result res;
	struct error e = ERROR_INIT;
	char *journal = fs_join(t->env->r->loom_dir, "undo");
	size_t i, m = 0;
	int rc = 0;

	for (i = 0; i < t->nfiles && rc == 0; i++) {
		struct task_file *f = &t->files[i];
		size_t h;
		int any = 0;
		for (h = 0; h < f->diff.nhunks; h++)
			any |= f->approved[h];
		if (!any)
			continue;
		buf_init(&outs[m], 0);
		if (diff_apply_hunks(f->old.ptr, f->old.len, f->diff.hunks, f->diff.nhunks,
		                     f->approved, &outs[m], &e) < 0) {
			rc = -1;
			break;
		}
		af[m].path = f->path;
		af[m].old_text = f->existed ? f->old.ptr : NULL;
		af[m].old_len = f->old.len;
		af[m].new_text = outs[m].ptr;
		af[m].new_len = outs[m].len;
		m++;
	}
	ao.message = goal(t);
	ao.git = t->env->r->git;
	ao.commit = t->env->commit;
	if (rc == 0 && !m) {
		emit(t, TASK_NOTE, NULL, "nothing approved");
	} else if (rc == 0 && apply_set(t->env->r->root, journal, af, m, &ao, &res, &e) == 0) {
		cJSON *ap = cJSON_CreateObject(), *paths = cJSON_AddArrayToObject(ap, "files");
		for (i = 0; i < m; i++)
			cJSON_AddItemToArray(paths, cJSON_CreateString(af[i].path));
		cJSON_AddNumberToObject(ap, "undo", (double)res.id);
		if (res.commit[0])
			cJSON_AddStringToObject(ap, "commit", res.commit);
		if (res.warning[0])
			cJSON_AddStringToObject(ap, "warning", res.warning);
		t->applied++;
		emit(t, TASK_APPLIED, ap, NULL);
		cJSON_Delete(ap);
	} else {
		rc = -1;
	}
	if (rc < 0)
		emit(t, TASK_ERROR, NULL, e.msg);
	for (i = 0; i < m; i++)
		buf_release(&outs[i]);
	free(outs);
	free(af);
	free(journal);
	return rc;
}

void task_apply(struct task *t)
{
	const char *path;

	if (t->state != REVIEW)
		return;
	path = stale(t);
	if (path) {
		char msg[PATH_MAX + 64];
		if (t->repropose++ >= TASK_REPROPOSE) {
			step_failed(t, "files keep changing on disk; not applied");
			return;
		}
		snprintf(msg, sizeof(msg), "%s changed on disk since the proposal: proposing again",
		         path);
		emit(t, TASK_NOTE, NULL, msg);
		files_release(t);
		free(t->prev);
		free(t->feedback);
		t->prev = t->feedback = NULL;
		t->attempt = 0;
		send_code(t);
		return;
	}
	write_approved(t);
	next_step(t);
}

void task_skip(struct task *t)
{
	if (t->state == REVIEW)
		next_step(t);
}

cJSON *task_proposal_json(const struct task *t)
{
	cJSON *ev = cJSON_CreateObject(), *files = cJSON_AddArrayToObject(ev, "files");
	size_t i, k;

	for (i = 0; i < t->nfiles; i++) {
		const struct task_file *f = &t->files[i];
		cJSON *o = cJSON_CreateObject(), *hs = cJSON_CreateArray();
		char *s = utf8_sanitize(f->diff.patch, f->diff.patch_len);
		cJSON_AddStringToObject(o, "path", f->path);
		cJSON_AddBoolToObject(o, "created", f->diff.created);
		cJSON_AddBoolToObject(o, "deleted", f->diff.deleted);
		cJSON_AddStringToObject(o, "diff", s);
		free(s);
		for (k = 0; k < f->diff.nhunks; k++) {
			const struct diff_hunk *h = &f->diff.hunks[k];
			cJSON *hj = cJSON_CreateObject();
			cJSON_AddStringToObject(hj, "header", h->header);
			cJSON_AddNumberToObject(hj, "old_start", h->old_start);
			cJSON_AddNumberToObject(hj, "old_lines", h->old_lines);
			cJSON_AddNumberToObject(hj, "new_start", h->new_start);
			cJSON_AddNumberToObject(hj, "new_lines", h->new_lines);
			cJSON_AddBoolToObject(hj, "approved", f->approved && f->approved[k]);
			cJSON_AddItemToArray(hs, hj);
		}
		cJSON_AddItemToObject(o, "hunks", hs);
		cJSON_AddItemToArray(files, o);
	}
	return ev;
}

void task_release(struct task *t)
{
	step_release(t);
	free(t->files);
	t->files = NULL;
	t->cap = 0;
	cJSON_Delete(t->plan);
	t->plan = NULL;
}

char *task_hunk_text(const struct task *t, size_t i, size_t h)
{
	const struct task_file *f = task_file(t, i);
	const struct diff_hunk *hk;
	struct buf b = BUF_INIT;
	size_t k;

	if (!f || h >= f->diff.nhunks)
		return NULL;
	hk = &f->diff.hunks[h];
	buf_addf(&b,
	         "# %s, %s\n"
	         "# Edit the hunk as you want it applied, then save and quit.\n"
	         "# '-' lines are removed, '+' lines added, ' ' lines kept.\n"
	         "# To keep a line the proposal removes, turn its '-' into ' '.\n"
	         "# To leave out an added line, delete it. Add '+' lines freely.\n"
	         "# Do not change ' ' and '-' lines otherwise: they must match the file.\n"
	         "# Lines starting with '#' are ignored; an empty file keeps the hunk as it was.\n",
	         f->path, hk->header);
	for (k = 0; k < hk->nlines; k++) {
		const struct diff_line *l = &hk->lines[k];
		buf_addch(&b, l->origin);
		buf_add(&b, l->text, l->len);
		if (!l->len || l->text[l->len - 1] != '\n')
			buf_adds(&b, "\n\\ No newline at end of file\n");
	}
	return buf_detach(&b, NULL);
}

/* The edited lines of a hunk: each with its origin, text pointing into the edited text. */
static int parse_hunk_edit(char *text, size_t n, struct diff_hunk *out, struct error *e)
{
	size_t pos = 0, cap = 0, lineno = 0;

	memset(out, 0, sizeof(*out));
	while (pos < n) {
		char *nl = memchr(text + pos, '\n', n - pos);
		size_t end = nl ? (size_t)(nl - text) + 1 : n;
		char c = text[pos];
		lineno++;
		if (c == '#') {
			pos = end;
			continue;
		}
		if (c == '\\') {
			/* "\ No newline at end of file": the line before has no '\n' */
			if (out->nlines && out->lines[out->nlines - 1].len &&
			    out->lines[out->nlines - 1].text[out->lines[out->nlines - 1].len - 1] ==
			            '\n')
				out->lines[out->nlines - 1].len--;
			pos = end;
			continue;
		}
		if (c != ' ' && c != '+' && c != '-' && c != '\n') {
			free(out->lines);
			out->lines = NULL;
			return error_set(e, "line %zu starts with '%c', not ' ', '+', '-' or '#'",
			                 lineno, c);
		}
		XGROW(out->lines, cap, out->nlines + 1);
		/* an empty line is an empty context line, as editors strip trailing blanks */
		out->lines[out->nlines].origin = c == '\n' ? ' ' : c;
		out->lines[out->nlines].text = c == '\n' ? text + pos : text + pos + 1;
		out->lines[out->nlines].len = c == '\n' ? end - pos : end - pos - 1;
		if (c != '+')
			out->old_lines++;
		if (c != '-')
			out->new_lines++;
		out->nlines++;
		pos = end;
	}
	return 0;
}

int task_edit_hunk(struct task *t, size_t i, size_t h, const char *text, size_t n,
                   const unsigned char *dec, unsigned char **dec_out, struct error *e)
{
	struct task_file *f = (struct task_file *)task_file(t, i);
	struct diff_hunk edited, *hunks;
	struct diff nd = DIFF_INIT;
	struct buf out = BUF_INIT;
	char *copy;
	size_t k, j;
	int lo, hi, rc = -1;

	*dec_out = NULL;
	if (!f || h >= f->diff.nhunks)
		return error_set(e, "no such hunk");
	copy = xstrndup(text, n);
	if (parse_hunk_edit(copy, n, &edited, e) < 0)
		goto out;
	if (!edited.nlines) {
		error_set(e, "the edited hunk is empty; the hunk is unchanged");
		goto out;
	}
	hunks = xcalloc(f->diff.nhunks, sizeof(*hunks));
	memcpy(hunks, f->diff.hunks, f->diff.nhunks * sizeof(*hunks));
	edited.old_start = hunks[h].old_start;
	edited.new_start = hunks[h].new_start;
	hunks[h] = edited;
	if (edited.old_lines != f->diff.hunks[h].old_lines ||
	    diff_apply_hunks(f->old.ptr, f->old.len, hunks, f->diff.nhunks, NULL, &out, e) < 0) {
		error_set(e,
		          "the edited hunk's ' ' and '-' lines no longer match the file; the hunk "
		          "is unchanged");
		free(hunks);
		goto out;
	}
	free(hunks);
	if (diff_make(f->path, f->existed ? f->old.ptr : NULL, f->old.len, out.ptr ? out.ptr : "",
	              out.len, &nd, e) < 0)
		goto out;
	/* decisions carry over to the hunks the edit did not touch */
	lo = f->diff.hunks[h].old_start;
	hi = lo + f->diff.hunks[h].old_lines;
	*dec_out = xcalloc(nd.nhunks + 1, 1);
	for (k = 0; k < nd.nhunks; k++) {
		const struct diff_hunk *x = &nd.hunks[k];
		int xlo = x->old_start, xhi = x->old_start + x->old_lines;
		if (xlo <= hi && xhi >= lo) {
			(*dec_out)[k] = 1;
			continue;
		}
		for (j = 0; j < f->diff.nhunks; j++)
			if (f->diff.hunks[j].old_start == x->old_start &&
			    f->diff.hunks[j].old_lines == x->old_lines &&
			    !strcmp(f->diff.hunks[j].header, x->header))
				(*dec_out)[k] = dec ? dec[j] : 0;
	}
	diff_release(&f->diff);
	f->diff = nd;
	nd = (struct diff)DIFF_INIT;
	buf_release(&f->new);
	f->new = out;
	out = (struct buf)BUF_INIT;
	free(f->approved);
	f->approved = xcalloc(f->diff.nhunks + 1, 1);
	rc = 0;
out:
	free(edited.lines);
	free(copy);
	buf_release(&out);
	diff_release(&nd);
	return rc;
}
