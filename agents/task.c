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
#include <time.h>

#include "agents/lessons.h"
#include "agents/route.h"
#include "agents/verify.h"
#include "core/apply.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/path.h"
#include "core/utf8.h"
#include "core/xalloc.h"

enum { PLANNING, EXPLORING, CODING, VERIFYING, SPLITTING, REVIEW, DONE };

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
	free(t->reply);
	t->prev = t->feedback = t->reply = NULL;
	cJSON_Delete(t->check);
	t->check = NULL;
	t->checking = 0;
	t->check_attempt = 0;
	t->route = NULL;
	if (t->ver && verify_running(t->ver) && t->baseline != 1)
		verify_cancel(t->ver);
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

static const cJSON *step_json(const struct task *t)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(t->plan, "steps"), t->step - 1);
}

static const char *goal(const struct task *t)
{
	return json_str(step_json(t), "goal");
}

/* Asks the Coder for the current step's edits (with the last reply's correction, if any). */
static int send_code(struct task *t)
{
	cJSON *p = cJSON_CreateObject();
	struct error e = ERROR_INIT;
	unsigned long id;

	cJSON_AddStringToObject(p, "goal", goal(t));
	if (t->lessons) {
		char *c = xasprintf("%s\n%s", t->lessons, t->map.text);
		cJSON_AddStringToObject(p, "context", c);
		free(c);
	} else {
		cJSON_AddStringToObject(p, "context", t->map.text);
	}
	cJSON_AddStringToObject(p, "format", t->format == CODER_WHOLE ? "whole" : "search-replace");
	if (t->route) {
		const struct route *rt = t->route;
		cJSON *arr;
		size_t i;
		if (rt->model)
			cJSON_AddStringToObject(p, "model", rt->model);
		arr = cJSON_AddArrayToObject(p, "lora");
		for (i = 0; i < rt->nlora; i++) {
			cJSON *l = cJSON_CreateObject();
			cJSON_AddNumberToObject(l, "id", rt->lora[i].id);
			cJSON_AddNumberToObject(l, "scale", rt->lora[i].scale);
			cJSON_AddItemToArray(arr, l);
		}
	}
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
	if (config_long(env->conf, CONF_CONTEXT_BUDGET) > 0 &&
	    budget > config_long(env->conf, CONF_CONTEXT_BUDGET))
		budget = (int)config_long(env->conf, CONF_CONTEXT_BUDGET);
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
	t->todos = cJSON_CreateArray();
	{
		struct routes *rs = xcalloc(1, sizeof(*rs));
		struct error re = ERROR_INIT;
		if (routes_parse(config_get(env->conf, CONF_ROUTES), rs, &re) < 0) {
			free(rs);
			rs = NULL;
			t->route_error = xstrdup(re.msg);
		}
		t->routes = rs;
	}
	{
		struct lessons ls;
		struct error le = ERROR_INIT;
		if (lessons_load(&ls, env->r->loom_dir, &le) == 0) {
			t->lessons = lessons_prompt(&ls, LESSONS_BUDGET);
			lessons_release(&ls);
		}
	}
	/* the Architect sees the lessons after the summary, the Coder before the context */
	t->summary = xasprintf("%s%s%s", summary ? summary : "", t->lessons ? "\n" : "",
	                       t->lessons ? t->lessons : "");
	cJSON_AddStringToObject(p, "request", request);
	cJSON_AddStringToObject(p, "summary", t->summary);
	id = workers_send(env->ws, WORKER_ARCHITECT, "plan", p, e);
	cJSON_Delete(p);
	if (!id) {
		t->state = DONE;
		t->stopped = 1;
		task_release(t); /* safe to call again */
		return -1;
	}
	t->state = PLANNING;
	if (env->check && *env->check) {
		/* the check of the work tree as it is, while the Architect plans: what
		   "no worse" means for the steps' checks */
		struct error ce = ERROR_INIT;
		t->ver = verify_new(env->r);
		if (verify_start(t->ver, env->check, env->check_limit_ms, NULL, 0, &ce) < 0) {
			emit(t, TASK_NOTE, NULL, ce.msg);
			verify_free(t->ver);
			t->ver = NULL;
		} else {
			t->baseline = 1;
		}
	}
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
	if (t->route_error)
		emit(t, TASK_NOTE, NULL, t->route_error);
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
	if (!cJSON_IsObject(t->map.ledger) || !json_str(t->map.ledger, "query_id")) {
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
		const char *kind = json_str(it, "kind");
		int fuzzy = 0;

		/* the worker checked the paths; the core checks again: it is not trusted */
		memset(&ed, 0, sizeof(ed));
		ed.kind = kind && !strcmp(kind, "whole") ? EDIT_WHOLE : EDIT_REPLACE;
		ed.path = (char *)json_str(it, "path");
		ed.search = (char *)json_str(it, "search");
		ed.replace = (char *)json_str(it, "replace");
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

static void propose(struct task *t)
{
	cJSON *j;

	t->proposed++;
	t->state = REVIEW;
	j = task_proposal_json(t);
	emit(t, TASK_PROPOSAL, j, NULL);
	cJSON_Delete(j);
}

/* Starts the check of the step's proposal, or waits for the baseline's to end first. */
static void check_step(struct task *t)
{
	struct verify_file *vf;
	struct error e = ERROR_INIT;
	size_t i;
	int rc;

	t->state = VERIFYING;
	t->checking = 1;
	if (t->baseline == 1)
		return; /* started when the baseline's check ends */
	vf = xcalloc(t->nfiles + 1, sizeof(*vf));
	for (i = 0; i < t->nfiles; i++) {
		vf[i].path = t->files[i].path;
		vf[i].data = t->files[i].diff.deleted ? NULL
		             : t->files[i].new.ptr    ? t->files[i].new.ptr
		                                      : "";
		vf[i].len = t->files[i].new.len;
	}
	rc = verify_start(t->ver, t->env->check, t->env->check_limit_ms, vf, t->nfiles, &e);
	free(vf);
	if (rc < 0) {
		/* the proposal goes to the user unchecked, saying so */
		emit(t, TASK_NOTE, NULL, e.msg);
		t->checking = 0;
		propose(t);
		return;
	}
	t->checking = 2;
	t->checks++;
}

static int compile_class(const char *k)
{
	return !strcmp(k, "syntax") || !strcmp(k, "undefined-name") ||
	       !strcmp(k, "type-mismatch") || !strcmp(k, "link") || !strcmp(k, "rust-borrow") ||
	       !strcmp(k, "rust-missing-derive");
}

/* Error-looking lines of a trimmed output: a rough measure of how bad a failure is. */
static int count_errors(const char *s)
{
	int n = 0;

	while (s && *s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char line[512];
		snprintf(line, sizeof(line), "%.*s", (int)(len < 511 ? len : 511), s);
		if (strstr(line, "error") || strstr(line, "Error") || strstr(line, "FAIL") ||
		    strstr(line, "panicked") || strstr(line, "Assertion"))
			n++;
		s = nl ? nl + 1 : NULL;
	}
	return n;
}

static cJSON *check_json(const struct verify_result *r, int baseline)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddBoolToObject(c, "passed", r->passed);
	cJSON_AddNumberToObject(c, "status", r->status);
	cJSON_AddBoolToObject(c, "timed_out", r->timed_out);
	cJSON_AddNumberToObject(c, "seconds", r->seconds);
	cJSON_AddStringToObject(c, "class", r->klass);
	cJSON_AddStringToObject(c, "output", r->output ? r->output : "");
	if (baseline)
		cJSON_AddBoolToObject(c, "baseline", 1);
	return c;
}

/* The first line of s, at most n bytes, into buf. */
static const char *first_line(const char *s, char *buf, size_t n)
{
	size_t len = s ? strcspn(s, "\n") : 0;

	snprintf(buf, n, "%.*s", (int)(len < n - 1 ? len : n - 1), s ? s : "");
	return buf;
}

static void todo(struct task *t, const char *why)
{
	cJSON *o = cJSON_CreateObject();
	char msg[1024];

	cJSON_AddStringToObject(o, "goal", goal(t));
	cJSON_AddStringToObject(o, "error", why);
	cJSON_AddItemToArray(t->todos, o);
	t->todo++;
	snprintf(msg, sizeof(msg), "TODO: '%s' still fails the check: %s", goal(t), why);
	step_failed(t, msg);
}

static void send_split(struct task *t, const char *err);

/* Asks the Architect to split the current step into smaller ones (after its lesson, if any). */
static void split(struct task *t, const char *err)
{
	files_release(t);
	t->state = SPLITTING;
	if (t->lesson_id) {
		free(t->split_wait);
		t->split_wait = xstrdup(err);
		return;
	}
	send_split(t, err);
}

static void send_split(struct task *t, const char *err)
{
	struct buf req = BUF_INIT;
	const cJSON *f;
	cJSON *p = cJSON_CreateObject();
	struct error e = ERROR_INIT;

	buf_addf(&req,
	         "A step of a larger change keeps failing its check. Split it into 2 to 4 smaller "
	         "steps, each a small change on its own, in order.\nStep: %s\nFiles:",
	         goal(t));
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(step_json(t), "files"))
	        buf_addf(&req, " %s", f->valuestring);
	buf_addf(&req, "\nThe check `%s` failed with:\n%s", t->env->check, err);
	cJSON_AddStringToObject(p, "request", req.ptr);
	cJSON_AddStringToObject(p, "summary", t->summary ? t->summary : "");
	buf_release(&req);
	if (!workers_send(t->env->ws, WORKER_ARCHITECT, "plan", p, &e)) {
		cJSON_Delete(p);
		todo(t, e.msg);
		return;
	}
	cJSON_Delete(p);
}

static int step_depth(const struct task *t)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(step_json(t), "depth");
	return cJSON_IsNumber(d) ? d->valueint : 0;
}

static void on_split(struct task *t, struct workers_reply *r)
{
	cJSON *plan, *steps, *all, *s, *copy;
	int n, k, depth = step_depth(t);
	char msg[256];

	if (r->error) {
		if (fatal_reply(t, r))
			return;
		todo(t, r->error);
		return;
	}
	plan = cJSON_GetObjectItemCaseSensitive(r->result, "plan");
	steps = cJSON_GetObjectItemCaseSensitive(plan, "steps");
	n = cJSON_GetArraySize(steps);
	if (n < 2 || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(steps, 0),
	                                                              "goal"))) {
		todo(t, n < 2 ? "the architect could not split the step"
		              : "the architect sent a malformed plan");
		return;
	}
	/* the step is replaced by its parts, one level deeper */
	all = cJSON_GetObjectItemCaseSensitive(t->plan, "steps");
	k = t->step - 1;
	cJSON_DeleteItemFromArray(all, k);
	cJSON_ArrayForEach(s, steps)
	{
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(s, "goal")))
			continue;
		copy = cJSON_Duplicate(s, 1);
		cJSON_DeleteItemFromObjectCaseSensitive(copy, "depth");
		cJSON_AddNumberToObject(copy, "depth", depth + 1);
		cJSON_InsertItemInArray(all, k++, copy);
	}
	n = k - (t->step - 1);
	t->steps = cJSON_GetArraySize(all);
	{
		cJSON *ev = cJSON_Duplicate(t->plan, 1), *sp = cJSON_AddObjectToObject(ev, "split");
		cJSON_AddNumberToObject(sp, "step", t->step);
		cJSON_AddNumberToObject(sp, "into", n);
		snprintf(msg, sizeof(msg), "step %d is split into %d smaller steps", t->step, n);
		emit(t, TASK_NOTE, NULL, msg);
		emit(t, TASK_PLAN, ev, NULL);
		cJSON_Delete(ev);
	}
	t->step--;
	next_step(t);
}

/*
 * A verified failure and its fix: the step, the context it was given, the
 * reply that failed the check, the error fed back, and the reply that then
 * passed, appended to .loom/fixes.jsonl for `loom export-training`.
 */
static void record_fix(struct task *t, const struct verify_result *res)
{
	cJSON *o = cJSON_CreateObject();
	char *line, *path = fs_join(t->env->r->loom_dir, "fixes.jsonl");
	FILE *f;

	cJSON_AddNumberToObject(o, "time", (double)time(NULL));
	cJSON_AddStringToObject(o, "goal", goal(t));
	cJSON_AddStringToObject(o, "format", t->format == CODER_WHOLE ? "whole" : "search-replace");
	cJSON_AddStringToObject(o, "context", t->map.text ? t->map.text : "");
	cJSON_AddStringToObject(o, "failed", t->prev ? t->prev : "");
	cJSON_AddStringToObject(o, "feedback", t->feedback ? t->feedback : "");
	cJSON_AddStringToObject(o, "class", t->fail_class);
	cJSON_AddStringToObject(o, "check", t->env->check);
	cJSON_AddStringToObject(o, "fixed", t->reply ? t->reply : "");
	cJSON_AddNumberToObject(o, "seconds", res->seconds);
	line = cJSON_PrintUnformatted(o);
	f = fopen(path, "a");
	if (f) {
		fprintf(f, "%s\n", line);
		fclose(f);
	}
	free(line);
	free(path);
	cJSON_Delete(o);
}

/* A bounded excerpt of s for the lesson request. */
static char *excerpt(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n <= max)
		return xstrdup(s ? s : "");
	while (max && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return xasprintf("%.*s\n[...]", (int)max, s);
}

/* Asks the Architect, idle while the Coder's fix is checked, for the rule the fix teaches. */
static void ask_lesson(struct task *t)
{
	struct error e = ERROR_INIT;
	cJSON *p;
	char *x;
	char day[16];
	time_t now = time(NULL);
	struct tm tmv;

	if (t->lesson_id || workers_busy(t->env->ws, WORKER_ARCHITECT))
		return;
	p = cJSON_CreateObject();
	x = excerpt(t->feedback, 1500);
	cJSON_AddStringToObject(p, "error", x);
	free(x);
	x = excerpt(t->prev, 1500);
	cJSON_AddStringToObject(p, "failed", x);
	free(x);
	x = excerpt(t->reply, 1500);
	cJSON_AddStringToObject(p, "fixed", x);
	free(x);
	t->lesson_id = workers_send(t->env->ws, WORKER_ARCHITECT, "lesson", p, &e);
	cJSON_Delete(p);
	if (!t->lesson_id)
		return;
	localtime_r(&now, &tmv);
	strftime(day, sizeof(day), "%Y-%m-%d", &tmv);
	free(t->lesson_from);
	t->lesson_from =
	        xasprintf("step '%s' on %s: the check `%s` failed (%s), then passed", goal(t), day,
	                  t->env->check, t->fail_class[0] ? t->fail_class : "other");
}

/* Takes the Architect's lesson when it is done; then a split that waited for it. */
static void pump_lesson(struct task *t)
{
	struct workers *ws = t->env->ws;
	struct workers_reply r = WORKERS_REPLY_INIT;
	struct error e = ERROR_INIT;
	char msg[512];

	if (!t->lesson_id || !ws->w[WORKER_ARCHITECT].has_done ||
	    ws->w[WORKER_ARCHITECT].done.id != t->lesson_id)
		return;
	workers_take(ws, WORKER_ARCHITECT, &r);
	t->lesson_id = 0;
	if (r.result && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(r.result, "rule"))) {
		const char *rule = cJSON_GetObjectItemCaseSensitive(r.result, "rule")->valuestring;
		int rc = lessons_add(t->env->r->loom_dir, rule, t->lesson_from, &e);
		if (rc == 1) {
			t->lessons_learned++;
			snprintf(msg, sizeof(msg), "lesson learned: %s", rule);
			emit(t, TASK_NOTE, NULL, msg);
		} else if (rc < 0) {
			emit(t, TASK_NOTE, NULL, e.msg);
		}
	}
	workers_reply_release(&r);
	if (t->split_wait && t->state == SPLITTING) {
		char *err = t->split_wait;
		t->split_wait = NULL;
		send_split(t, err);
		free(err);
	}
}

/* The step's check ended: propose, retry with the error, split, or give up as a TODO. */
static void on_checked(struct task *t, struct verify_result *res)
{
	char line[300], msg[600];
	int acceptable = 0;

	t->checking = 0;
	t->check_s += res->seconds;
	cJSON_Delete(t->check);
	t->check = check_json(res, 0);
	if (res->passed) {
		snprintf(msg, sizeof(msg), "check passed in %.1f s", res->seconds);
	} else {
		/* never worse than before the change: a check that failed before may still
		   fail the same way, no more */
		acceptable = t->baseline == 3 && !res->timed_out &&
		             !(compile_class(res->klass) && !compile_class(t->baseline_class)) &&
		             count_errors(res->output) <= t->baseline_errors;
		snprintf(msg, sizeof(msg), "check failed%s%s%s: %s%s", res->klass[0] ? " (" : "",
		         res->klass, res->klass[0] ? ")" : "",
		         res->timed_out ? "killed at the time limit"
		                        : first_line(res->output, line, sizeof(line)),
		         acceptable ? "; it failed as much before the change, so this is no worse"
		                    : "");
	}
	emit(t, TASK_CHECK, t->check, msg);
	if (res->passed && t->check_attempt > 0) {
		record_fix(t, res);
		ask_lesson(t);
	}
	if (res->passed || acceptable) {
		propose(t);
		return;
	}
	snprintf(t->fail_class, sizeof(t->fail_class), "%s", res->klass);
	if (t->check_attempt++ < config_long(t->env->conf, CONF_CHECK_RETRIES)) {
		struct buf fb = BUF_INIT;
		buf_addf(
		        &fb,
		        "Your edits applied, but the repository's check `%s` then failed%s:\n%s\n"
		        "Send edit blocks again, against the files as they were, so that the check "
		        "passes.",
		        t->env->check, res->timed_out ? " (it took too long and was killed)" : "",
		        res->output ? res->output : "");
		free(t->prev);
		free(t->feedback);
		t->prev = t->reply;
		t->reply = NULL;
		t->feedback = buf_detach(&fb, NULL);
		files_release(t);
		t->route = t->routes ? route_for(t->routes, res->klass) : NULL;
		if (t->route) {
			char how[256], note[400];
			route_describe(t->route, how, sizeof(how));
			snprintf(note, sizeof(note), "the error is %s: the retry goes to %s",
			         res->klass, how);
			emit(t, TASK_NOTE, NULL, note);
		}
		send_code(t);
		return;
	}
	if (step_depth(t) < TASK_SPLIT_DEPTH) {
		split(t, res->output ? res->output : "");
		return;
	}
	todo(t, res->timed_out ? "killed at the time limit"
	                       : first_line(res->output, line, sizeof(line)));
}

static void on_baseline(struct task *t, struct verify_result *res)
{
	char line[300], msg[600];

	t->baseline = res->passed ? 2 : 3;
	t->check_s += res->seconds;
	snprintf(t->baseline_class, sizeof(t->baseline_class), "%s", res->klass);
	t->baseline_errors = count_errors(res->output);
	if (res->passed)
		snprintf(msg, sizeof(msg), "check before the change: passed in %.1f s",
		         res->seconds);
	else
		snprintf(msg, sizeof(msg), "check before the change: failed%s%s%s: %s",
		         res->klass[0] ? " (" : "", res->klass, res->klass[0] ? ")" : "",
		         res->timed_out ? "killed at the time limit"
		                        : first_line(res->output, line, sizeof(line)));
	{
		cJSON *c = check_json(res, 1);
		emit(t, TASK_CHECK, c, msg);
		cJSON_Delete(c);
	}
	t->checks++;
	if (t->state == VERIFYING && t->checking == 1)
		check_step(t);
}

/* Takes in a finished check, the baseline's or the step's. */
static void pump_check(struct task *t)
{
	struct verify_result res;
	const volatile sig_atomic_t *cancel = t->env->ws->cancel;

	if (!t->ver || !verify_running(t->ver))
		return;
	if (cancel && *cancel) {
		verify_cancel(t->ver);
		if (t->state == VERIFYING) {
			t->cancelled = 1;
			emit(t, TASK_ERROR, NULL, "cancelled");
			finish(t, 1);
		}
		t->baseline = t->baseline == 1 ? 0 : t->baseline;
		return;
	}
	if (!verify_poll(t->ver, &res))
		return;
	if (res.status < 0) {
		/* the scratch copy could not be made: no checks in this task, said once */
		char msg[600];
		snprintf(msg, sizeof(msg),
		         "the check could not run, so proposals are not checked: %s",
		         res.output ? res.output : "");
		emit(t, TASK_NOTE, NULL, msg);
		verify_result_release(&res);
		t->baseline = 0;
		verify_free(t->ver);
		t->ver = NULL;
		if (t->state == VERIFYING) {
			t->checking = 0;
			propose(t);
		}
		return;
	}
	if (t->baseline == 1)
		on_baseline(t, &res);
	else if (t->state == VERIFYING && t->checking == 2)
		on_checked(t, &res);
	verify_result_release(&res);
}

int task_fd(const struct task *t)
{
	return t->ver ? verify_fd(t->ver) : -1;
}

int task_timeout_ms(const struct task *t)
{
	return t->ver && verify_running(t->ver) ? 1000 : -1;
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
	reply = xstrdup(json_text(r->result, "reply"));
	if (build(t, cJSON_GetObjectItemCaseSensitive(r->result, "edits"), &e) < 0) {
		files_release(t);
		free(t->prev);
		free(t->feedback);
		t->prev = reply;
		t->feedback = xasprintf("That did not apply: %s. Reply again with corrected edit "
		                        "blocks only.",
		                        e.msg);
		if (t->attempt++ >= TASK_RETRIES) {
			step_failed(t, e.msg);
			return;
		}
		send_code(t);
		return;
	}
	free(t->reply);
	t->reply = reply;
	if (make_diffs(t, &e) < 0) {
		step_failed(t, e.msg);
		return;
	}
	if (t->ver)
		check_step(t);
	else
		propose(t);
}

void task_pump(struct task *t)
{
	static const enum worker_role waits[] = {
		[PLANNING] = WORKER_ARCHITECT,
		[EXPLORING] = WORKER_EXPLORER,
		[CODING] = WORKER_CODER,
		[SPLITTING] = WORKER_ARCHITECT,
	};
	struct workers_reply r = WORKERS_REPLY_INIT;
	int state;

	pump_check(t);
	pump_lesson(t);
	state = t->state;
	if (state == SPLITTING && (t->split_wait || t->lesson_id))
		return;
	if (state != PLANNING && state != EXPLORING && state != CODING && state != SPLITTING)
		return;
	if (!workers_take(t->env->ws, waits[state], &r))
		return;
	if (state == PLANNING)
		on_plan(t, &r);
	else if (state == EXPLORING)
		on_map(t, &r);
	else if (state == SPLITTING)
		on_split(t, &r);
	else
		on_code(t, &r);
	workers_reply_release(&r);
}

int task_running(const struct task *t)
{
	/* a lesson still being distilled keeps the task going until it is kept */
	return t->state != DONE || t->lesson_id;
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
	if (t->check)
		cJSON_AddItemToObject(ev, "check", cJSON_Duplicate(t->check, 1));
	return ev;
}

void task_release(struct task *t)
{
	step_release(t);
	if (t->ver)
		verify_free(t->ver);
	t->ver = NULL;
	cJSON_Delete(t->todos);
	t->todos = NULL;
	free(t->summary);
	t->summary = NULL;
	if (t->routes) {
		routes_release(t->routes);
		free(t->routes);
	}
	t->routes = NULL;
	free(t->route_error);
	t->route_error = NULL;
	free(t->lessons);
	free(t->lesson_from);
	free(t->split_wait);
	t->lessons = t->lesson_from = t->split_wait = NULL;
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
