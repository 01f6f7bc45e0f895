/*
 * run.c - `loom run`: the whole flow without a screen, for people and scripts.
 *
 * Plan (Architect) -> for each step: Context Map (Explorer) -> edit blocks
 * (Coder) -> proposals as hunks -> approval -> checked atomic apply with an
 * undo journal. Every proposal is built against the files as they are on disk:
 * an edit block that does not apply goes back to the Coder with the exact
 * reason (a bounded number of times), and a file the user changed between the
 * proposal and the apply is re-proposed, never overwritten.
 *
 * Output is text for people, or with --json one JSON object per line per event
 * (plan, ledger, proposal, applied, error, summary) for scripts.
 */
#define _GNU_SOURCE
#include "agents/cli.h"

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agents/roles.h"
#include "agents/workers.h"
#include "context/index.h"
#include "context/summary.h"
#include "core/apply.h"
#include "core/diff.h"
#include "core/exitcode.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/path.h"
#include "core/proc.h"
#include "core/utf8.h"
#include "core/xalloc.h"

#define RUN_RETRIES      2 /* edit blocks that do not apply, fed back per step */
#define RUN_REPROPOSE    1 /* re-proposals when the user changed a file meanwhile */
#define RUN_EXIT_PARTIAL 3 /* some steps produced no usable proposal */

enum approve { APPROVE_ASK, APPROVE_ALL, APPROVE_NONE };

static volatile sig_atomic_t cancelled;

static void on_signal(int sig)
{
	(void)sig;
	cancelled = 1;
	index_interrupt = 1;
}

/* One file of a step's proposal. */
struct prop {
	char *path;
	struct buf old; /* as read when the proposal was made */
	int existed;
	struct buf new; /* after all of the step's edit blocks */
	struct diff diff;
	unsigned char *approved; /* per hunk */
};

struct run {
	struct repo r;
	struct db d;
	struct model m;
	struct config conf;
	enum approve approve;
	int json, commit, rootfd, keep;
	struct workers ws;
	FILE *tty; /* for --approve=ask */
	struct role_io io;
	int steps, proposed, applied_steps, failed;
	/* where the time went (ns; model time in us as the workers report it) */
	uint64_t t0, index_ns, start_ns, plan_ns, steps_ns;
	uint64_t plan_model_us, steps_model_us;
};

static double ms(uint64_t ns)
{
	return (double)(ns / 1000) / 1000.0;
}

static void event(struct run *run, cJSON *ev)
{
	if (run->json) {
		char *s = cJSON_PrintUnformatted(ev);
		printf("%s\n", s);
		fflush(stdout);
		free(s);
	}
	cJSON_Delete(ev);
}

static cJSON *event_new(const char *type, int step)
{
	cJSON *ev = cJSON_CreateObject();

	cJSON_AddStringToObject(ev, "event", type);
	if (step > 0)
		cJSON_AddNumberToObject(ev, "step", step);
	return ev;
}

static void report_error(struct run *run, int step, const char *msg)
{
	cJSON *ev = event_new("error", step);

	cJSON_AddStringToObject(ev, "message", msg);
	event(run, ev);
	if (!run->json) {
		if (step > 0)
			log_error("step %d: %s", step, msg);
		else
			log_error("%s", msg);
	}
}

static void prop_release(struct prop *p)
{
	free(p->path);
	buf_release(&p->old);
	buf_release(&p->new);
	diff_release(&p->diff);
	free(p->approved);
}

/* The proposal's file for path, read from disk the first time it is named. */
static struct prop *prop_get(struct run *run, struct prop **v, size_t *n, size_t *cap,
                             const char *path, struct error *e)
{
	size_t i;
	unsigned mode;
	int rc;
	struct prop *p;

	for (i = 0; i < *n; i++)
		if (!strcmp((*v)[i].path, path))
			return &(*v)[i];
	XGROW(*v, *cap, *n + 1);
	p = &(*v)[*n];
	memset(p, 0, sizeof(*p));
	p->diff = (struct diff)DIFF_INIT;
	rc = apply_read(run->rootfd, path, APPLY_MAX_SIZE, &p->old, &mode, e);
	if (rc < 0) {
		buf_release(&p->old);
		return NULL;
	}
	p->path = xstrdup(path);
	p->existed = rc == 1;
	buf_add(&p->new, p->old.ptr, p->old.len);
	(*n)++;
	return p;
}

/*
 * Applies the Coder's edit blocks to the files on disk, in memory. Returns 0,
 * or -1 with e saying which block did not apply and why (fed back to the Coder).
 */
static int build(struct run *run, const struct edits *es, struct prop **v, size_t *n, size_t *cap,
                 struct error *e)
{
	size_t i;

	for (i = 0; i < es->n; i++) {
		const struct edit *ed = &es->v[i];
		struct prop *p = prop_get(run, v, n, cap, ed->path, e);
		struct buf out = BUF_INIT_MAX(APPLY_MAX_SIZE);
		int fuzzy = 0;

		if (!p)
			return -1;
		if (edits_apply(ed, p->existed || p->new.len ? p->new.ptr : NULL, p->new.len, &out,
		                &fuzzy, e) < 0) {
			buf_release(&out);
			return -1;
		}
		buf_release(&p->new);
		p->new = out;
	}
	return 0;
}

/* Asks about one hunk on the terminal; 1 approve, 0 reject. */
static int ask_hunk(struct run *run, const struct prop *p, const struct diff_hunk *h)
{
	char line[64];
	size_t k;

	fprintf(run->tty, "\n%s\n%s\n", p->path, h->header);
	for (k = 0; k < h->nlines; k++) {
		char *t = utf8_sanitize(h->lines[k].text, h->lines[k].len);
		fprintf(run->tty, "%c%s", h->lines[k].origin, t);
		if (!h->lines[k].len || h->lines[k].text[h->lines[k].len - 1] != '\n')
			fputc('\n', run->tty);
		free(t);
	}
	for (;;) {
		fprintf(run->tty, "apply this hunk? [y/n] ");
		fflush(run->tty);
		if (!fgets(line, sizeof(line), run->tty) || cancelled)
			return 0;
		if (line[0] == 'y' || line[0] == 'Y')
			return 1;
		if (line[0] == 'n' || line[0] == 'N')
			return 0;
	}
}

static cJSON *proposal_json(int step, struct prop *v, size_t n)
{
	cJSON *ev = event_new("proposal", step), *files = cJSON_AddArrayToObject(ev, "files");
	size_t i, k;

	for (i = 0; i < n; i++) {
		cJSON *f = cJSON_CreateObject(), *hs = cJSON_CreateArray();
		char *s = utf8_sanitize(v[i].diff.patch, v[i].diff.patch_len);
		cJSON_AddStringToObject(f, "path", v[i].path);
		cJSON_AddBoolToObject(f, "created", v[i].diff.created);
		cJSON_AddBoolToObject(f, "deleted", v[i].diff.deleted);
		cJSON_AddStringToObject(f, "diff", s);
		free(s);
		for (k = 0; k < v[i].diff.nhunks; k++) {
			const struct diff_hunk *h = &v[i].diff.hunks[k];
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "header", h->header);
			cJSON_AddNumberToObject(o, "old_start", h->old_start);
			cJSON_AddNumberToObject(o, "old_lines", h->old_lines);
			cJSON_AddNumberToObject(o, "new_start", h->new_start);
			cJSON_AddNumberToObject(o, "new_lines", h->new_lines);
			cJSON_AddBoolToObject(o, "approved", v[i].approved && v[i].approved[k]);
			cJSON_AddItemToArray(hs, o);
		}
		cJSON_AddItemToObject(f, "hunks", hs);
		cJSON_AddItemToArray(files, f);
	}
	return ev;
}

/* Did any file change on disk since the proposal read it? */
static const char *stale(struct run *run, struct prop *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct buf now = BUF_INIT;
		struct error e = ERROR_INIT;
		unsigned mode;
		int rc = apply_read(run->rootfd, v[i].path, APPLY_MAX_SIZE, &now, &mode, &e);
		int same = rc == (v[i].existed ? 1 : 0) &&
		           (!v[i].existed ||
		            (now.len == v[i].old.len && !memcmp(now.ptr, v[i].old.ptr, now.len)));
		buf_release(&now);
		if (!same)
			return v[i].path;
	}
	return NULL;
}

/* The Explorer worker's Context Map for a step. */
static int explore(struct run *run, const char *goal, const char **tags, size_t ntags, int budget,
                   struct context_map *map, struct error *e)
{
	cJSON *p = cJSON_CreateObject(), *res = NULL, *t = cJSON_AddArrayToObject(p, "tags");
	size_t i;
	int rc;

	memset(map, 0, sizeof(*map));
	cJSON_AddStringToObject(p, "goal", goal);
	for (i = 0; i < ntags; i++)
		cJSON_AddItemToArray(t, cJSON_CreateString(tags[i]));
	cJSON_AddNumberToObject(p, "budget", budget);
	rc = workers_call(&run->ws, WORKER_EXPLORER, "explore", p, &res, NULL, e);
	cJSON_Delete(p);
	if (rc < 0)
		return -1;
	map->ledger = cJSON_DetachItemFromObjectCaseSensitive(res, "ledger");
	map->text = xstrdup(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(res, "text"))
	                            ? cJSON_GetObjectItemCaseSensitive(res, "text")->valuestring
	                            : "");
	map->whole = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "whole"));
	cJSON_Delete(res);
	if (!cJSON_IsObject(map->ledger) ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(map->ledger, "query_id")))
		return error_set(e, "the explorer sent a malformed context map");
	return 0;
}

static char *strfield(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
}

/*
 * The Coder worker's edit blocks. Returns 0, or -1 with e set and *rc the
 * step's outcome (-1 when the run must stop: cancelled or a worker lost).
 */
static int code(struct run *run, const char *goal, const char *context, enum coder_format format,
                const char *prev, const char *feedback, struct edits *es, char **reply, int *rc,
                struct error *e)
{
	cJSON *p = cJSON_CreateObject(), *res = NULL;
	const cJSON *it;
	const char *fail = NULL;
	int r;

	cJSON_AddStringToObject(p, "goal", goal);
	cJSON_AddStringToObject(p, "context", context);
	cJSON_AddStringToObject(p, "format", format == CODER_WHOLE ? "whole" : "search-replace");
	if (prev && feedback) {
		cJSON_AddStringToObject(p, "prev_reply", prev);
		cJSON_AddStringToObject(p, "feedback", feedback);
	}
	r = workers_call(&run->ws, WORKER_CODER, "code", p, &res, &fail, e);
	cJSON_Delete(p);
	if (r < 0) {
		*rc = fail && (!strcmp(fail, "cancelled") || !strcmp(fail, "lost")) ? -1 : 0;
		return -1;
	}
	*reply = strfield(res, "reply");
	/* the worker parsed and checked the paths; the core keeps its own copies */
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(res, "edits"))
	{
		struct edit ed;
		char *kind = strfield(it, "kind");
		struct error pe = ERROR_INIT;
		memset(&ed, 0, sizeof(ed));
		ed.kind = kind && !strcmp(kind, "whole") ? EDIT_WHOLE : EDIT_REPLACE;
		free(kind);
		ed.path = strfield(it, "path");
		ed.search = strfield(it, "search");
		ed.replace = strfield(it, "replace");
		if (!ed.path || !ed.replace || path_check(ed.path, &pe) < 0) {
			free(ed.path);
			free(ed.search);
			free(ed.replace);
			cJSON_Delete(res);
			*rc = 0;
			return error_set(e, "the coder sent a malformed edit: %s", pe.msg);
		}
		XGROW(es->v, es->cap, es->n + 1);
		es->v[es->n++] = ed;
	}
	cJSON_Delete(res);
	return 0;
}

/* One step; returns 1 applied (or proposed, with --approve=none), 0 failed, -1 fatal. */
static int run_step(struct run *run, int step, const char *goal, const cJSON *files,
                    const char *const *user_tags, size_t nuser_tags)
{
	struct context_map map;
	struct error e = ERROR_INIT;
	const char **tags = NULL;
	size_t ntags = 0, tcap = 0, i, k, n = 0, cap = 0;
	struct prop *v = NULL;
	char *reply = NULL, *prev = NULL, *feedback = NULL;
	const cJSON *f;
	int attempt, repropose, rc = 0, budget;
	enum coder_format format;
	cJSON *ev;

	/* the step's own files are tagged: the Architect named them */
	for (i = 0; i < nuser_tags; i++) {
		XGROW(tags, tcap, ntags + 1);
		tags[ntags++] = user_tags[i];
	}
	cJSON_ArrayForEach(f, files)
	{
		XGROW(tags, tcap, ntags + 1);
		tags[ntags++] = f->valuestring;
	}
	budget = run->m.n_ctx - run->io.max_tokens - 2 * MODEL_MSG_OVERHEAD -
	         (int)model_estimate_tokens(strlen(goal) + 1200);
	if (explore(run, goal, tags, ntags, budget > 256 ? budget : 256, &map, &e) < 0) {
		report_error(run, step, e.msg);
		free(tags);
		return -1;
	}
	ev = event_new("ledger", step);
	cJSON_AddStringToObject(
	        ev, "query_id",
	        cJSON_GetObjectItemCaseSensitive(map.ledger, "query_id")->valuestring);
	{
		cJSON *fs = cJSON_AddArrayToObject(ev, "files");
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(map.ledger, "files"))
		{
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(
			        o, "path",
			        cJSON_GetObjectItemCaseSensitive(f, "path")->valuestring);
			cJSON_AddNumberToObject(
			        o, "score",
			        cJSON_GetObjectItemCaseSensitive(f, "score")->valuedouble);
			cJSON_AddBoolToObject(
			        o, "packed",
			        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "packed")));
			cJSON_AddItemToArray(fs, o);
		}
	}
	if (!run->json)
		printf("\nstep %d: %s\n  context: query %s, %d tokens\n", step, goal,
		       cJSON_GetObjectItemCaseSensitive(map.ledger, "query_id")->valuestring,
		       cJSON_GetObjectItemCaseSensitive(map.ledger, "tokens_used")->valueint);
	event(run, ev);
	format = coder_default_format(&run->m, config_get(&run->conf, CONF_EDIT_FORMAT));
	if (format == CODER_WHOLE && !map.whole) {
		/* whole files need whole files in the context */
		if (!strcmp(config_get(&run->conf, CONF_EDIT_FORMAT), "whole") && !run->json)
			printf("  edit format: the Context Map holds parts of files, not whole "
			       "files; asking for search-replace blocks\n");
		format = CODER_SEARCH_REPLACE;
	}

	for (repropose = 0; repropose <= RUN_REPROPOSE; repropose++) {
		for (attempt = 0; attempt <= RUN_RETRIES; attempt++) {
			struct edits es = EDITS_INIT;
			for (i = 0; i < n; i++)
				prop_release(&v[i]);
			n = 0;
			free(reply);
			reply = NULL;
			if (code(run, goal, map.text, format, prev, feedback, &es, &reply, &rc,
			         &e) < 0) {
				report_error(run, step, e.msg);
				edits_release(&es);
				goto out;
			}
			if (build(run, &es, &v, &n, &cap, &e) == 0) {
				edits_release(&es);
				break;
			}
			edits_release(&es);
			free(prev);
			free(feedback);
			prev = xstrdup(reply);
			feedback = xstrdup(e.msg);
			if (attempt == RUN_RETRIES) {
				report_error(run, step, e.msg);
				goto out;
			}
		}
		/* the proposal: one diff per changed file */
		for (i = 0, k = 0; i < n; i++) {
			if (v[i].existed && v[i].new.len == v[i].old.len &&
			    !memcmp(v[i].new.ptr, v[i].old.ptr, v[i].old.len)) {
				prop_release(&v[i]);
				continue;
			}
			if (k != i)
				v[k] = v[i];
			if (diff_make(v[k].path, v[k].existed ? v[k].old.ptr : NULL, v[k].old.len,
			              v[k].new.ptr, v[k].new.len, &v[k].diff, &e) < 0) {
				report_error(run, step, e.msg);
				n = k + 1;
				goto out;
			}
			v[k].approved = xcalloc(v[k].diff.nhunks + 1, 1);
			k++;
		}
		n = k;
		if (!n) {
			report_error(run, step, "the edits change nothing");
			goto out;
		}
		run->proposed++;
		for (i = 0; i < n; i++)
			for (k = 0; k < v[i].diff.nhunks; k++)
				v[i].approved[k] = run->approve == APPROVE_ALL ||
				                   (run->approve == APPROVE_ASK &&
				                    ask_hunk(run, &v[i], &v[i].diff.hunks[k]));
		if (!run->json)
			for (i = 0; i < n; i++)
				fwrite(v[i].diff.patch, 1, v[i].diff.patch_len, stdout);
		event(run, proposal_json(step, v, n));
		if (run->approve == APPROVE_NONE) {
			rc = 1;
			goto out;
		}
		if (!stale(run, v, n))
			break;
		if (repropose == RUN_REPROPOSE) {
			report_error(run, step, "files keep changing on disk; not applied");
			goto out;
		}
		if (!run->json)
			printf("  %s changed on disk since the proposal: proposing again\n",
			       stale(run, v, n));
		free(prev);
		free(feedback);
		prev = feedback = NULL;
	}

	/* apply the approved hunks, journaled for loom undo */
	{
		struct apply_file *af = xcalloc(n + 1, sizeof(*af));
		struct buf *outs = xcalloc(n + 1, sizeof(*outs));
		struct apply_opts ao = APPLY_OPTS_INIT;
		struct apply_result res;
		size_t m = 0, approved = 0;
		char *journal = fs_join(run->r.loom_dir, "undo");

		for (i = 0; i < n; i++) {
			size_t h;
			int any = 0;
			for (h = 0; h < v[i].diff.nhunks; h++)
				any |= v[i].approved[h];
			if (!any)
				continue;
			buf_init(&outs[m], 0);
			if (diff_apply_hunks(v[i].old.ptr, v[i].old.len, v[i].diff.hunks,
			                     v[i].diff.nhunks, v[i].approved, &outs[m], &e) < 0) {
				report_error(run, step, e.msg);
				break;
			} else {
				af[m].new_text = outs[m].ptr;
				af[m].new_len = outs[m].len;
			}
			af[m].path = v[i].path;
			af[m].old_text = v[i].existed ? v[i].old.ptr : NULL;
			af[m].old_len = v[i].old.len;
			m++;
			approved++;
		}
		ao.message = goal;
		ao.git = run->r.git;
		ao.commit = run->commit;
		if (!approved) {
			if (!run->json)
				printf("  nothing approved\n");
			rc = 1;
		} else if (i == n && apply_set(run->r.root, journal, af, m, &ao, &res, &e) == 0) {
			cJSON *ap = event_new("applied", step), *paths = cJSON_CreateArray();
			for (i = 0; i < m; i++)
				cJSON_AddItemToArray(paths, cJSON_CreateString(af[i].path));
			cJSON_AddItemToObject(ap, "files", paths);
			cJSON_AddNumberToObject(ap, "undo", (double)res.id);
			if (res.commit[0])
				cJSON_AddStringToObject(ap, "commit", res.commit);
			if (res.warning[0])
				cJSON_AddStringToObject(ap, "warning", res.warning);
			if (!run->json)
				printf("  applied %zu file%s (undo set %lu%s%s)\n", m,
				       m == 1 ? "" : "s", res.id, res.commit[0] ? ", commit " : "",
				       res.commit[0] ? res.commit : "");
			event(run, ap);
			run->applied_steps++;
			rc = 1;
		} else if (i == n) {
			report_error(run, step, e.msg);
		}
		for (i = 0; i < m; i++)
			buf_release(&outs[i]);
		free(outs);
		free(af);
		free(journal);
	}
out:
	for (i = 0; i < n; i++)
		prop_release(&v[i]);
	free(v);
	free(reply);
	free(prev);
	free(feedback);
	free(tags);
	context_map_release(&map);
	return rc;
}

static const char run_usage[] =
        "usage: loom run [--tag PATH_OR_GLOB]... [--approve=ask|all|none] [--json] [--commit]\n"
        "                [-C PATH] [--endpoint URL] [--api API] [--model NAME]\n"
        "                [--max-tokens N] [--edit-format F] TASK...\n"
        "\n"
        "Plans the task, builds a Context Map and asks for edits for each step, shows\n"
        "them as diffs and applies the approved hunks (undo with 'loom undo').\n"
        "\n"
        "  --approve=ask   ask y/n for each hunk on the terminal (the default)\n"
        "  --approve=all   apply every hunk\n"
        "  --approve=none  only print the proposals\n"
        "  --json          one JSON event per line: plan, ledger, proposal, applied, error,\n"
        "                  summary\n"
        "  --commit        commit each applied step (only the files it changed)\n"
        "  --tag P         tag a file, directory or glob for every step; repeatable\n"
        "  --edit-format F the Coder's edits: search-replace, whole (whole files), or\n"
        "                  auto (the default: whole files for models under 3B parameters)\n"
        "  --keep-session  keep the workers' session directory (for debugging)\n"
        "\n"
        "exit status: 0 every step done, 1 failure, 2 usage, 3 some steps had no usable\n"
        "proposal, 130 interrupted\n";

int cli_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tag", required_argument, NULL, 't' },
		{ "approve", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "commit", no_argument, NULL, 'c' },
		{ "endpoint", required_argument, NULL, 'E' },
		{ "api", required_argument, NULL, 'A' },
		{ "model", required_argument, NULL, 'M' },
		{ "max-tokens", required_argument, NULL, 'X' },
		{ "edit-format", required_argument, NULL, 'F' },
		{ "keep-session", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run run;
	struct config flags;
	struct buf task = BUF_INIT_MAX(1 << 20);
	struct error e = ERROR_INIT;
	struct index_opts io = INDEX_OPTS_INIT;
	struct index_stats ist;
	struct sigaction sa;
	const char **tags = NULL, *dir = ".";
	size_t ntags = 0, tcap = 0, i;
	cJSON *plan = NULL;
	char *summary = NULL;
	int c, rc = LOOM_EXIT_FAIL, step;
	uint64_t t;

	memset(&run, 0, sizeof(run));
	run.rootfd = -1;
	run.r = (struct repo)REPO_INIT;
	run.d = (struct db)DB_INIT;
	run.approve = APPROVE_ASK;
	config_init(&flags);
	config_init(&run.conf);
	while ((c = getopt_long(argc, argv, "+hC:", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			XGROW(tags, tcap, ntags + 1);
			tags[ntags++] = optarg;
			break;
		case 'a':
			if (!strcmp(optarg, "ask"))
				run.approve = APPROVE_ASK;
			else if (!strcmp(optarg, "all"))
				run.approve = APPROVE_ALL;
			else if (!strcmp(optarg, "none"))
				run.approve = APPROVE_NONE;
			else {
				log_error("--approve: '%s' is not ask, all or none", optarg);
				goto usage;
			}
			break;
		case 'j': run.json = 1; break;
		case 'c': run.commit = 1; break;
		case 'k': run.keep = 1; break;
		case 'C': dir = optarg; break;
		case 'E':
		case 'A':
		case 'M':
		case 'X':
		case 'F':
			if (agents_flag(&flags, c, optarg) < 0)
				goto usage;
			break;
		case 'h':
			fputs(run_usage, stdout);
			rc = LOOM_EXIT_OK;
			goto out;
		default: goto usage;
		}
	}
	for (; optind < argc; optind++) {
		if (task.len)
			buf_addch(&task, ' ');
		if (buf_adds(&task, argv[optind]) < 0) {
			log_error("the task is longer than 1 MiB");
			goto usage;
		}
	}
	if (!task.len) {
		log_error("no task given");
		goto usage;
	}
	if (run.approve == APPROVE_ASK) {
		int fd = isatty(STDIN_FILENO) ? open("/dev/tty", O_RDWR | O_CLOEXEC) : -1;
		if (fd < 0 || !(run.tty = fdopen(fd, "r+"))) {
			if (fd >= 0)
				close(fd);
			log_error("--approve=ask needs a terminal to ask on; use --approve=all or "
			          "--approve=none");
			rc = LOOM_EXIT_USAGE;
			goto out;
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	run.t0 = fs_now_ns();
	/* the refresh's memory is a child's, given back when it ends */
	if (repo_open(dir, &run.r, &e) < 0 || index_refresh_apart(&run.r, &io, &ist, &e) < 0 ||
	    db_open(&run.r, &run.d, &e) < 0) {
		report_error(&run, 0, e.msg);
		goto out;
	}
	run.index_ns = fs_now_ns() - run.t0;
	run.rootfd = open(run.r.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	config_load(&run.conf, run.r.conf_dir);
	for (i = 0; i < CONF__COUNT; i++)
		if (flags.src[i] == CONF_FROM_FLAG)
			config_set(&run.conf, (enum config_key)i, flags.val[i], CONF_FROM_FLAG,
			           flags.where[i], &e);
	if (model_open(&run.m, &run.conf, &e) < 0) {
		report_error(&run, 0, e.msg);
		goto out;
	}
	run.io.max_tokens = (int)config_long(&run.conf, CONF_MAX_TOKENS);
	run.io.temperature = config_double(&run.conf, CONF_TEMPERATURE);
	run.io.seed = config_long(&run.conf, CONF_SEED);
	run.io.retries = 2;
	run.io.cancel = &cancelled;

	summary = summary_text(&run.r, &run.d);
	t = fs_now_ns();
	if (workers_start(&run.ws, run.r.root, &run.conf, run.keep, &e) < 0) {
		report_error(&run, 0, e.msg);
		goto out;
	}
	run.start_ns = fs_now_ns() - t;
	run.ws.cancel = &cancelled;
	t = fs_now_ns();
	{
		cJSON *p = cJSON_CreateObject(), *res = NULL;
		const char *fail = NULL;
		cJSON_AddStringToObject(p, "request", task.ptr);
		cJSON_AddStringToObject(p, "summary", summary);
		if (workers_call(&run.ws, WORKER_ARCHITECT, "plan", p, &res, &fail, &e) < 0) {
			cJSON_Delete(p);
			report_error(&run, 0, e.msg);
			rc = fail && !strcmp(fail, "cancelled") ? LOOM_EXIT_INTERRUPT
			                                        : LOOM_EXIT_FAIL;
			goto out;
		}
		cJSON_Delete(p);
		plan = cJSON_DetachItemFromObjectCaseSensitive(res, "plan");
		cJSON_Delete(res);
		if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(plan, "steps"))) {
			report_error(&run, 0, "the architect sent a malformed plan");
			goto out;
		}
	}
	run.plan_ns = fs_now_ns() - t;
	run.plan_model_us = run.ws.model_us;
	{
		cJSON *ev = event_new("plan", 0);
		cJSON_AddItemReferenceToObject(ev, "steps",
		                               cJSON_GetObjectItemCaseSensitive(plan, "steps"));
		event(&run, ev);
	}
	run.steps = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(plan, "steps"));
	if (!run.json) {
		const cJSON *s;
		int k = 0;
		printf("plan:\n");
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(plan, "steps"))
		        printf("  %d. %s\n", ++k,
		               cJSON_GetObjectItemCaseSensitive(s, "goal")->valuestring);
	}
	t = fs_now_ns();
	for (step = 1; step <= run.steps && !cancelled; step++) {
		const cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(plan, "steps"),
		                                    step - 1);
		int r = run_step(&run, step,
		                 cJSON_GetObjectItemCaseSensitive(s, "goal")->valuestring,
		                 cJSON_GetObjectItemCaseSensitive(s, "files"), tags, ntags);
		if (r < 0)
			break;
		if (r == 0)
			run.failed++;
	}
	run.steps_ns = fs_now_ns() - t;
	run.steps_model_us = run.ws.model_us - run.plan_model_us;
	/* the workers are done: stopping them now tells how much memory they took */
	workers_stop(&run.ws);
	{
		cJSON *ev = event_new("summary", 0), *tm, *mem;
		uint64_t total = fs_now_ns() - run.t0;
		double model = (double)(run.plan_model_us + run.steps_model_us) / 1000;
		long core_kb = proc_peak_rss_kib(0), worker_kb = 0;

		cJSON_AddNumberToObject(ev, "steps", run.steps);
		cJSON_AddNumberToObject(ev, "proposed", run.proposed);
		cJSON_AddNumberToObject(ev, "applied", run.applied_steps);
		cJSON_AddNumberToObject(ev, "failed", run.failed);
		tm = cJSON_AddObjectToObject(ev, "timing");
		cJSON_AddNumberToObject(tm, "total_ms", ms(total));
		cJSON_AddNumberToObject(tm, "model_ms", model);
		cJSON_AddNumberToObject(tm, "index_ms", ms(run.index_ns));
		cJSON_AddNumberToObject(tm, "start_ms", ms(run.start_ns));
		cJSON_AddNumberToObject(tm, "plan_ms", ms(run.plan_ns));
		cJSON_AddNumberToObject(tm, "plan_model_ms", (double)run.plan_model_us / 1000);
		cJSON_AddNumberToObject(tm, "steps_ms", ms(run.steps_ns));
		cJSON_AddNumberToObject(tm, "steps_model_ms", (double)run.steps_model_us / 1000);
		/* peak resident memory, KiB: this process, and each worker (its largest run) */
		mem = cJSON_AddObjectToObject(ev, "memory_kb");
		cJSON_AddNumberToObject(mem, "core", (double)core_kb);
		for (i = 0; i < WORKER__COUNT; i++) {
			long kb = run.ws.w[i].maxrss_kb;
			cJSON_AddNumberToObject(mem, workers_role_name((enum worker_role)i),
			                        (double)kb);
			worker_kb = kb > worker_kb ? kb : worker_kb;
		}
		if (!run.json) {
			printf("\n%d step%s: %d proposed, %d applied, %d failed\n", run.steps,
			       run.steps == 1 ? "" : "s", run.proposed, run.applied_steps,
			       run.failed);
			printf("time: %.1f s, of which the model %.1f s and Loom %.0f ms; "
			       "memory: %.1f MiB, workers up to %.1f MiB\n",
			       ms(total) / 1000, model / 1000, ms(total) - model,
			       (double)core_kb / 1024, (double)worker_kb / 1024);
		}
		event(&run, ev);
	}
	rc = cancelled           ? LOOM_EXIT_INTERRUPT
	     : run.failed        ? RUN_EXIT_PARTIAL
	     : step <= run.steps ? LOOM_EXIT_FAIL
	                         : LOOM_EXIT_OK;
	goto out;
usage:
	fputs(run_usage, stderr);
	rc = LOOM_EXIT_USAGE;
out:
	workers_stop(&run.ws);
	cJSON_Delete(plan);
	free(summary);
	if (run.tty)
		fclose(run.tty);
	if (run.rootfd >= 0)
		close(run.rootfd);
	model_close(&run.m);
	db_close(&run.d);
	repo_close(&run.r);
	config_release(&run.conf);
	config_release(&flags);
	buf_release(&task);
	free(tags);
	return rc;
}
