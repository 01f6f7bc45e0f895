/*
 * app.c - the interactive session: one event loop around the model of the
 * screen (ui.h), the views (view.h), the task (agents/task.h), the workers,
 * the index refresh and the check command.
 *
 * The loop sleeps in one poll() over the terminal, a self-pipe for signals,
 * the model probe's pipe, the index job's pipe, the check's output and the
 * workers' outboxes, with a timeout only while something is under way (the
 * spinner, a check's time limit, the workers' silence rule): an idle session
 * makes no wake-ups. Nothing in it waits on the model or a large disk job:
 * the model server is probed by a thread, the index is refreshed by a child
 * process, the roles run in the workers. Each turn handles what is ready,
 * then draws what changed, once (view_draw, one doupdate); streamed tokens
 * are coalesced into at most one frame per FRAME_NS.
 *
 * Stderr is sent to .loom/session.log while the screen is ours (the workers
 * inherit it), and messages of the core's log go to the conversation.
 */
#define _GNU_SOURCE
#include "tui/app.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agents/lessons.h"
#include "agents/task.h"
#include "agents/workers.h"
#include "context/db.h"
#include "context/index.h"
#include "context/summary.h"
#include "core/check.h"
#include "core/cmd.h"
#include "core/exitcode.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/log.h"
#include "core/proc.h"
#include "core/undo.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "tui/keys.h"
#include "tui/store.h"
#include "tui/term.h"
#include "tui/theme.h"
#include "tui/view.h"

#define FRAME_NS       16000000u   /* at most one frame per 16 ms while text streams in */
#define SPIN_MS        120         /* the spinner's step */
#define CTRL_C_NS      2000000000u /* a second Ctrl-C within this quits */
#define CHECK_CAP      (256 * 1024)
#define CHECK_LIMIT_MS (10 * 60 * 1000)
#define SAVE_NS        1000000000u /* the session is saved at most once a second */

enum probe_state { PROBE_IDLE, PROBE_RUNNING, PROBE_OK, PROBE_FAILED };

struct app {
	struct ui u;
	const struct tui_opts *o;
	struct repo r;
	struct db d;
	int have_db;
	struct config conf;
	struct theme theme;
	struct keymap km;
	int rootfd;

	/* the model server, probed by a thread */
	struct model m;
	enum probe_state probe;
	pthread_t probe_thread;
	int probe_pipe[2];
	struct error probe_err;

	/* the index refresh, in a child process */
	struct index_job job;
	int indexing;
	struct index_stats ist;

	struct workers ws;
	int workers_up;
	struct task tk;
	int task_on; /* tk started and not yet released */
	struct task_env env;
	char **tags; /* the session's tags */
	size_t ntags, ctags;
	char **req_tags; /* the running request's: the session's and its @paths */
	size_t nreq_tags;
	char *pending; /* a request typed before the session was ready */
	unsigned long rerun_id;
	int stream_step;

	struct cmd check;
	int checking;
	uint64_t check_shown; /* the running check's output shown so far, in bytes */
	int job_watch, check_watch, ws_check_watch; /* in waiter, and in the workers' waiter */
	int stdin_watch, ws_stdin_watch, ws_task_watch;
	int checked_all;      /* the proposal applied was checked and applied whole */
	int proposal_checked; /* the proposal under review passed the check (or no worse) */

	int sigpipe[2];
	struct chan_waiter waiter; /* before the workers start; theirs after */
	int saved_stderr;
	char *log_path, *session_path, *history_path;
	uint64_t last_frame, last_save, ctrl_c_at, t_start, spin_at;
	int save_due;
	int exit_code;
	volatile sig_atomic_t cancel;

	/* LOOM_TUI_STATS: frame and latency figures, written to the log at exit */
	int stats;
	uint64_t first_frame_ns, key_ns;
	long index_rss_kib, core_at_index_kib;
	uint64_t *frame_ns, *lat_ns;
	size_t nframe, cframe, nlat, clat;
};

static struct app *the_app;
static pthread_t main_thread;
static int sig_fd = -1;

/* ---- small helpers ---- */

/* A code point as UTF-8 (the input line holds UTF-8 whatever the locale). */
static size_t encode(unsigned c, char *b)
{
	if (c < 0x80) {
		b[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		b[0] = (char)(0xc0 | (c >> 6));
		b[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		b[0] = (char)(0xe0 | (c >> 12));
		b[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	b[0] = (char)(0xf0 | (c >> 18));
	b[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	b[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	b[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

static void note(struct app *a, const char *fmt, ...) LOOM_PRINTF(2, 3);
static void fail(struct app *a, const char *fmt, ...) LOOM_PRINTF(2, 3);

static void add_entry(struct app *a, enum ui_entry_kind kind, int step, const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return;
	ui_add(&a->u, kind, step, s);
	free(s);
	a->u.conv_scroll = 0;
	a->save_due = 1;
}

static void note(struct app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_entry(a, UI_NOTE, 0, fmt, ap);
	va_end(ap);
}

static void fail(struct app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_entry(a, UI_ERROR, 0, fmt, ap);
	va_end(ap);
	a->u.dirty |= UI_DIRTY_STATUS;
}

/* The core's log, shown in the conversation (from the main thread; others go to the log file). */
static void log_sink(void *ctx, enum log_level level, const char *msg)
{
	struct app *a = ctx;

	if (!pthread_equal(pthread_self(), main_thread)) {
		fprintf(stderr, "loom: %s\n", msg);
		return;
	}
	ui_add(&a->u, level == LOG_ERROR ? UI_ERROR : UI_NOTE, 0, msg);
	a->save_due = 1;
}

static void on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	if (sig_fd >= 0 && write(sig_fd, &c, 1) < 0) {
		/* the pipe is full: a signal is already waiting */
	}
	errno = saved;
}

static void stat_add(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
	XGROW(*v, *cap, *n + 1);
	(*v)[(*n)++] = x;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

static void stat_print(const char *what, uint64_t *v, size_t n)
{
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	fprintf(stderr, "loom: stats: %s n=%zu median_us=%.0f p95_us=%.0f max_us=%.0f\n", what, n,
	        (double)v[n / 2] / 1e3, (double)v[n * 95 / 100] / 1e3, (double)v[n - 1] / 1e3);
}

/* ---- the status bar ---- */

static void status_workers(struct app *a)
{
	int i;

	for (i = 0; i < 3; i++) {
		enum ui_worker_state s = UI_W_OFF;
		if (a->workers_up)
			s = a->ws.w[i].pid <= 0 ? UI_W_LOST
			    : a->ws.w[i].busy   ? UI_W_BUSY
			                        : UI_W_IDLE;
		if (a->u.worker[i] != s) {
			a->u.worker[i] = s;
			a->u.dirty |= UI_DIRTY_STATUS;
		}
	}
	if (a->u.busy != (a->task_on && task_running(&a->tk) && !task_reviewing(&a->tk))) {
		a->u.busy = !a->u.busy;
		a->u.dirty |= UI_DIRTY_STATUS | UI_DIRTY_CONV;
	}
}

static void status_model(struct app *a)
{
	if (a->o->label && a->probe == PROBE_OK)
		snprintf(a->u.model, sizeof(a->u.model), "%s", a->o->label);
	else if (a->probe == PROBE_OK)
		snprintf(a->u.model, sizeof(a->u.model), "%s (%s)",
		         a->m.name && *a->m.name ? a->m.name : "model", model_api_name(a->m.api));
	else if (a->probe == PROBE_FAILED)
		snprintf(a->u.model, sizeof(a->u.model), "model: cannot connect (/model retries)");
	else
		snprintf(a->u.model, sizeof(a->u.model), "model: connecting…");
	a->u.n_ctx = a->probe == PROBE_OK ? a->m.n_ctx : 0;
	a->u.dirty |= UI_DIRTY_STATUS;
}

/* ---- the model probe ---- */

static void *probe_main(void *arg)
{
	struct app *a = arg;
	char c = 1;

	if (model_open(&a->m, &a->conf, &a->probe_err) < 0)
		c = 0;
	if (write(a->probe_pipe[1], &c, 1) < 0) {
		/* the loop sees the thread end at the next probe_check anyway */
	}
	return NULL;
}

static void probe_start(struct app *a)
{
	if (a->probe == PROBE_RUNNING)
		return;
	if (a->probe == PROBE_OK)
		model_close(&a->m);
	memset(&a->m, 0, sizeof(a->m));
	a->probe_err = (struct error)ERROR_INIT;
	if (pthread_create(&a->probe_thread, NULL, probe_main, a) != 0) {
		fail(a, "cannot start the model probe: %s", strerror(errno));
		a->probe = PROBE_FAILED;
		return;
	}
	a->probe = PROBE_RUNNING;
	status_model(a);
}

static void start_pending(struct app *a);
static void workers_up(struct app *a);

static void probe_check(struct app *a)
{
	char c;

	if (a->probe != PROBE_RUNNING || read(a->probe_pipe[0], &c, 1) != 1)
		return;
	pthread_join(a->probe_thread, NULL);
	if (c) {
		a->probe = PROBE_OK;
		note(a, "model: %s at %s, %d tokens of context%s",
		     a->m.name && *a->m.name ? a->m.name : "(unnamed)", a->m.endpoint, a->m.n_ctx,
		     a->m.n_ctx_reported ? "" : " (assumed)");
	} else {
		a->probe = PROBE_FAILED;
		fail(a, "%s", a->probe_err.msg);
		note(a, "start llama-server (port 8080) or Ollama (port 11434), or set endpoint in "
		        ".loom/config; /model tries again");
		model_close(&a->m);
		memset(&a->m, 0, sizeof(a->m));
	}
	status_model(a);
	/* the workers wait for the model server and the index */
	if (a->probe == PROBE_OK && !a->workers_up && !a->indexing && a->have_db)
		workers_up(a);
	start_pending(a);
}

/* ---- the index and the workers ---- */

static void index_progress(struct app *a)
{
	if (a->job.total) {
		/* a bar of 10 cells, in eighths */
		static const char *const part[] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };
		size_t eighths = a->job.done >= a->job.total ? 80 : a->job.done * 80 / a->job.total;
		char bar[64] = "";
		size_t i, k = 0;
		for (i = 0; i < eighths / 8; i++)
			k += (size_t)snprintf(bar + k, sizeof(bar) - k, "█");
		k += (size_t)snprintf(bar + k, sizeof(bar) - k, "%s", part[eighths % 8]);
		for (i = eighths / 8 + (eighths % 8 != 0); i < 10; i++)
			k += (size_t)snprintf(bar + k, sizeof(bar) - k, " ");
		snprintf(a->u.index_state, sizeof(a->u.index_state), "indexing ▕%s▏ %zu/%zu", bar,
		         a->job.done, a->job.total);
	} else
		snprintf(a->u.index_state, sizeof(a->u.index_state), "indexing…");
	a->u.dirty |= UI_DIRTY_STATUS;
}

static int on_token(void *ctx, enum worker_role r, const char *text, size_t n)
{
	struct app *a = ctx;

	if (r == WORKER_EXPLORER)
		return 0;
	if (!text) {
		/* a restarted worker streams its request again from the start */
		ui_stream(&a->u, a->stream_step, "\n[the worker restarted; again:]\n", 32);
		return 0;
	}
	if (!a->u.stream_t0) {
		a->u.stream_t0 = fs_now_ns();
		a->u.stream_chars = 0;
	}
	ui_stream(&a->u, a->stream_step, text, n);
	a->u.conv_scroll = 0;
	{
		double s = (double)(fs_now_ns() - a->u.stream_t0) / 1e9;
		/* characters to tokens as the client estimates them */
		if (s > 0.2)
			a->u.tok_s = (double)model_estimate_tokens(a->u.stream_chars) / s;
	}
	a->u.dirty |= UI_DIRTY_STATUS;
	return 0;
}

static void workers_up(struct app *a)
{
	struct error e = ERROR_INIT;

	if (a->workers_up)
		return;
	if (workers_start(&a->ws, a->r.root, &a->conf, 0, &e) < 0) {
		fail(a, "%s", e.msg);
		return;
	}
	a->workers_up = 1;
	a->ws.on_token = on_token;
	a->ws.ctx = a;
	a->ws.cancel = &a->cancel;
	a->ws_stdin_watch = chan_waiter_add_fd(&a->ws.waiter, STDIN_FILENO, POLLIN);
	chan_waiter_add_fd(&a->ws.waiter, a->sigpipe[0], POLLIN);
	chan_waiter_add_fd(&a->ws.waiter, a->probe_pipe[0], POLLIN);
	a->ws_check_watch =
	        chan_waiter_add_fd(&a->ws.waiter, a->checking ? a->check.fd : -1, POLLIN);
	a->ws_task_watch = chan_waiter_add_fd(&a->ws.waiter, -1, POLLIN);
	status_workers(a);
	start_pending(a);
}

static void index_check(struct app *a)
{
	struct error e = ERROR_INIT;
	int rc;

	if (!a->indexing)
		return;
	rc = index_refresh_poll(&a->job, 0, &a->ist, &e);
	if (rc == 0) {
		index_progress(a);
		return;
	}
	a->indexing = 0;
	chan_waiter_set_fd(&a->waiter, a->job_watch, -1);
	{
		/* the refresh's child is reaped now, before any other child ends */
		struct rusage ru;
		if (getrusage(RUSAGE_CHILDREN, &ru) == 0)
			a->index_rss_kib = ru.ru_maxrss;
		/* the core's own peak so far: what it had beside the refresh */
		a->core_at_index_kib = proc_peak_rss_kib(0);
	}
	if (rc < 0) {
		fail(a, "index: %s", e.msg);
		snprintf(a->u.index_state, sizeof(a->u.index_state), "index failed");
	} else {
		snprintf(a->u.index_state, sizeof(a->u.index_state), "index fresh: %zu files",
		         a->ist.files);
	}
	a->u.dirty |= UI_DIRTY_STATUS;
	if (!a->have_db) {
		if (db_open(&a->r, &a->d, &e) < 0) {
			fail(a, "%s", e.msg);
			return;
		}
		a->have_db = 1;
	}
	if (!*config_get(&a->conf, CONF_CHECK)) {
		struct check_cands c = CHECK_CANDS_INIT;
		if (check_detect(a->r.root, &c))
			note(a,
			     "proposals are not checked: no check command; '%s' would do (%s): "
			     "/check yes uses it",
			     c.v[0].cmd, c.v[0].why);
		check_cands_release(&c);
	}
	/* the model worker probes the server as it starts: only once it is known to answer,
	   so that a server that does not answer never holds up the screen */
	if (a->probe == PROBE_OK)
		workers_up(a);
}

/* ---- the task ---- */

static void set_proposal(struct app *a)
{
	size_t n = task_nfiles(&a->tk), i;
	const char **paths = xcalloc(n + 1, sizeof(*paths));
	const struct diff **diffs = xcalloc(n + 1, sizeof(*diffs));

	for (i = 0; i < n; i++) {
		paths[i] = task_file(&a->tk, i)->path;
		diffs[i] = &task_file(&a->tk, i)->diff;
	}
	ui_set_proposal(&a->u, paths, diffs, n);
	free(paths);
	free(diffs);
}

static void start_check(struct app *a, const char *why);

static void on_event(void *ctx, struct task *t, enum task_event ev, int step, const cJSON *data,
                     const char *msg)
{
	struct app *a = ctx;
	const cJSON *x;
	size_t nh = 0, i;

	a->save_due = 1;
	switch (ev) {
	case TASK_PLAN:
		if (cJSON_GetObjectItemCaseSensitive(data, "split")) {
			/* a step was split: the steps before it keep their ticks */
			const cJSON *sp = cJSON_GetObjectItemCaseSensitive(data, "split");
			int at = cJSON_GetObjectItemCaseSensitive(sp, "step")->valueint;
			size_t n = a->u.nsteps, k;
			enum ui_step_state *keep = xcalloc(n + 1, sizeof(*keep));
			for (k = 0; k < n; k++)
				keep[k] = a->u.steps[k].state;
			ui_stream_done(&a->u, at, "the Architect's split:");
			ui_set_plan(&a->u, data);
			for (k = 0; k + 1 < (size_t)at && k < n && k < a->u.nsteps; k++)
				ui_step_state(&a->u, (int)k + 1, keep[k]);
			free(keep);
			break;
		}
		ui_stream_done(&a->u, 0, "the Architect's plan:");
		ui_set_plan(&a->u, data);
		ui_add(&a->u, UI_PLAN, 0, "");
		break;
	case TASK_STEP:
		a->stream_step = step;
		ui_step_state(&a->u, step, UI_DOING);
		{
			char *s = xasprintf("step %d of %d: %s", step, t->steps, msg ? msg : "");
			ui_add(&a->u, UI_STEP, step, s);
			free(s);
		}
		break;
	case TASK_LEDGER:
		ui_set_ledger(&a->u, cJSON_Duplicate(data, 1));
		x = cJSON_GetObjectItemCaseSensitive(data, "tokens_used");
		a->u.ctx_used = cJSON_IsNumber(x) ? x->valueint : 0;
		break;
	case TASK_NOTE: ui_add(&a->u, UI_NOTE, step, msg ? msg : ""); break;
	case TASK_CHECK: {
		const cJSON *passed = cJSON_GetObjectItemCaseSensitive(data, "passed");
		char *txt;
		if (step > 0) {
			txt = xasprintf("step %d: %s", step, msg ? msg : "");
			ui_add(&a->u, cJSON_IsTrue(passed) ? UI_NOTE : UI_ERROR, step, txt);
			free(txt);
		} else {
			ui_add(&a->u, cJSON_IsTrue(passed) ? UI_NOTE : UI_ERROR, step,
			       msg ? msg : "");
		}
		txt = xasprintf("$ %s   %s%s\n%s", config_get(&a->conf, CONF_CHECK),
		                cJSON_IsTrue(passed) ? "passed" : "failed",
		                cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(data, "baseline"))
		                        ? " (before the change)"
		                        : "",
		                json_text(data, "output"));
		ui_set_check(&a->u, utf8_sanitize(txt, strlen(txt)));
		free(txt);
		break;
	}
	case TASK_PROPOSAL:
		ui_stream_done(&a->u, step, "the Coder's edits, as a diff in the Diff pane");
		a->proposal_checked = cJSON_GetObjectItemCaseSensitive(data, "check") != NULL;
		set_proposal(a);
		for (i = 0; i < a->u.ndfiles; i++)
			nh += a->u.nhunks[i];
		{
			char *s = xasprintf(
			        "step %d: a proposal of %zu hunk%s in %zu file%s: review it "
			        "in the Diff pane (a approve, x reject, Enter apply)",
			        step, nh, nh == 1 ? "" : "s", a->u.ndfiles,
			        a->u.ndfiles == 1 ? "" : "s");
			ui_add(&a->u, UI_NOTE, step, s);
			free(s);
		}
		a->u.focus = UI_DIFF;
		a->u.dirty = UI_DIRTY_ALL;
		break;
	case TASK_APPLIED:
		x = cJSON_GetObjectItemCaseSensitive(data, "files");
		{
			const cJSON *undo = cJSON_GetObjectItemCaseSensitive(data, "undo");
			const cJSON *commit = cJSON_GetObjectItemCaseSensitive(data, "commit");
			int n = cJSON_GetArraySize(x);
			char *s = xasprintf("step %d: applied %d file%s (undo set %.0f%s%s; /undo "
			                    "restores)",
			                    step, n, n == 1 ? "" : "s",
			                    cJSON_IsNumber(undo) ? undo->valuedouble : 0,
			                    cJSON_IsString(commit) ? ", commit " : "",
			                    cJSON_IsString(commit) ? commit->valuestring : "");
			ui_add(&a->u, UI_NOTE, step, s);
			free(s);
		}
		if (*json_text(data, "warning"))
			ui_add(&a->u, UI_ERROR, step, json_text(data, "warning"));
		ui_step_state(&a->u, step, UI_DONE);
		/* a proposal checked whole and applied whole needs no second run */
		if (*config_get(&a->conf, CONF_CHECK) && !a->checked_all)
			start_check(a, "after the change");
		break;
	case TASK_ERROR:
		if (step > 0) {
			char *s = xasprintf("step %d: %s", step, msg ? msg : "");
			ui_add(&a->u, UI_ERROR, step, s);
			free(s);
			ui_step_state(&a->u, step, UI_FAILED);
		} else {
			ui_add(&a->u, UI_ERROR, 0, msg ? msg : "");
		}
		break;
	case TASK_DONE:
		for (i = 0; i < a->u.nsteps; i++)
			if (a->u.steps[i].state == UI_TODO || a->u.steps[i].state == UI_DOING)
				ui_step_state(&a->u, (int)i + 1, UI_SKIPPED);
		{
			char *s;
			if (t->cancelled)
				s = xasprintf("cancelled after %d of %d steps", t->applied,
				              t->steps);
			else
				s = xasprintf("done: %d of %d step%s applied%s", t->applied,
				              t->steps, t->steps == 1 ? "" : "s",
				              t->failed ? ", some failed (see above)" : "");
			ui_add(&a->u, UI_NOTE, 0, s);
			free(s);
		}
		ui_clear_proposal(&a->u);
		break;
	}
	a->u.conv_scroll = 0;
	a->u.dirty |= UI_DIRTY_STATUS;
}

static void free_req_tags(struct app *a)
{
	size_t i;

	for (i = 0; i < a->nreq_tags; i++)
		free(a->req_tags[i]);
	free(a->req_tags);
	a->req_tags = NULL;
	a->nreq_tags = 0;
}

/* The session's tags and the request's @path words. */
static void make_req_tags(struct app *a, const char *req)
{
	const char *p = req;
	size_t i, cap = 0;

	free_req_tags(a);
	for (i = 0; i < a->ntags; i++) {
		XGROW(a->req_tags, cap, a->nreq_tags + 1);
		a->req_tags[a->nreq_tags++] = xstrdup(a->tags[i]);
	}
	while ((p = strchr(p, '@'))) {
		size_t n;
		if (p > req && p[-1] != ' ' && p[-1] != '\t' && p[-1] != '\n') {
			p++;
			continue;
		}
		p++;
		n = strcspn(p, " \t\n");
		if (n) {
			XGROW(a->req_tags, cap, a->nreq_tags + 1);
			a->req_tags[a->nreq_tags++] = xstrndup(p, n);
		}
		p += n;
	}
}

static int ready(struct app *a)
{
	return a->probe == PROBE_OK && a->workers_up;
}

static void start_request(struct app *a, const char *req)
{
	struct error e = ERROR_INIT;
	char *summary;

	make_req_tags(a, req);
	memset(&a->env, 0, sizeof(a->env));
	a->env.r = &a->r;
	a->env.m = &a->m;
	a->env.conf = &a->conf;
	a->env.ws = &a->ws;
	a->env.rootfd = a->rootfd;
	a->env.max_tokens = (int)config_long(&a->conf, CONF_MAX_TOKENS);
	a->env.tags = (const char *const *)a->req_tags;
	a->env.ntags = a->nreq_tags;
	a->env.check = config_get(&a->conf, CONF_CHECK);
	a->env.check_limit_ms = CHECK_LIMIT_MS;
	summary = summary_text(&a->r, &a->d);
	a->cancel = 0;
	a->u.stream_t0 = 0;
	a->u.tok_s = 0;
	a->stream_step = 0;
	if (task_start(&a->tk, &a->env, req, summary, on_event, a, &e) < 0) {
		fail(a, "%s", e.msg);
		task_release(&a->tk);
	} else {
		a->task_on = 1;
	}
	free(summary);
	status_workers(a);
}

static void start_pending(struct app *a)
{
	char *req = a->pending;

	if (!req || !ready(a) || a->task_on)
		return;
	a->pending = NULL;
	start_request(a, req);
	free(req);
}

static void submit(struct app *a, const char *req)
{
	ui_add(&a->u, UI_USER, 0, req);
	a->u.conv_scroll = 0;
	a->save_due = 1;
	if (a->task_on) {
		fail(a, "a request is still running: Esc cancels it");
		return;
	}
	if (a->probe == PROBE_FAILED) {
		fail(a, "no model server: /model tries again");
		return;
	}
	if (!ready(a)) {
		free(a->pending);
		a->pending = xstrdup(req);
		note(a, "waiting for %s; the request starts then",
		     a->probe != PROBE_OK ? "the model server" : "the index");
		return;
	}
	start_request(a, req);
}

static void task_end_check(struct app *a)
{
	if (!a->task_on || task_running(&a->tk))
		return;
	task_release(&a->tk);
	a->task_on = 0;
	a->u.stream_t0 = 0;
	free_req_tags(a);
	status_workers(a);
	a->save_due = 1;
}

/* ---- the diff pane's decisions ---- */

static void decide(struct app *a, unsigned char d)
{
	struct ui *u = &a->u;

	if (u->cur_file < 0)
		return;
	u->decision[u->cur_file][u->cur_hunk] = d;
	ui_hunk_next_undecided(u);
	u->diff_follow = 1;
	u->dirty |= UI_DIRTY_DIFF;
	a->save_due = 1;
}

static void decide_rest(struct app *a, int file_only)
{
	struct ui *u = &a->u;
	size_t i, k;

	if (u->cur_file < 0)
		return;
	for (i = 0; i < u->ndfiles; i++) {
		if (file_only && (int)i != u->cur_file)
			continue;
		for (k = 0; k < u->nhunks[i]; k++)
			if (!u->decision[i][k])
				u->decision[i][k] = 1;
	}
	ui_hunk_next_undecided(u);
	u->dirty |= UI_DIRTY_DIFF;
	a->save_due = 1;
}

static void apply_decisions(struct app *a)
{
	struct ui *u = &a->u;
	size_t i, k, yes = 0, undecided = 0;

	if (!a->task_on || !task_reviewing(&a->tk) || u->cur_file < 0) {
		fail(a, "no proposal to apply");
		return;
	}
	for (i = 0; i < u->ndfiles; i++)
		for (k = 0; k < u->nhunks[i]; k++) {
			task_approve(&a->tk, i, k, u->decision[i][k] == 1);
			yes += u->decision[i][k] == 1;
			undecided += u->decision[i][k] == 0;
		}
	if (undecided)
		note(a, "%zu undecided hunk%s left out", undecided, undecided == 1 ? "" : "s");
	{
		size_t total = 0;
		for (i = 0; i < u->ndfiles; i++)
			total += u->nhunks[i];
		a->checked_all = a->proposal_checked && yes == total;
	}
	ui_clear_proposal(u);
	u->focus = UI_CONV;
	u->dirty = UI_DIRTY_ALL;
	if (yes)
		task_apply(&a->tk);
	else
		task_skip(&a->tk);
}

/* Runs the user's editor on path with the terminal given back to it; its exit status. */
static int run_editor(const char *path)
{
	const char *ed = getenv("VISUAL");
	pid_t pid;
	int st = 0;

	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	term_suspend();
	pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		if (the_app && the_app->saved_stderr >= 0)
			dup2(the_app->saved_stderr, STDERR_FILENO);
		/* $EDITOR may hold arguments ("code -w"), as git allows */
		execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", ed, path, (char *)NULL);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	term_resume();
	if (pid < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* e: the hunk under the cursor in $EDITOR, as `git add -p` does */
static void edit_hunk(struct app *a)
{
	struct ui *u = &a->u;
	struct error e = ERROR_INIT;
	struct buf text = BUF_INIT;
	char *hunk, *path;
	unsigned char **keep, *dec = NULL;
	size_t nf, i, f;
	int fd, rc;

	if (!a->task_on || !task_reviewing(&a->tk) || u->cur_file < 0)
		return;
	f = (size_t)u->cur_file;
	hunk = task_hunk_text(&a->tk, f, (size_t)u->cur_hunk);
	path = fs_join(a->r.loom_dir, "hunk-XXXXXX.diff");
	fd = mkstemps(path, 5);
	if (!hunk || fd < 0 || write(fd, hunk, strlen(hunk)) != (ssize_t)strlen(hunk)) {
		fail(a, "edit: cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	rc = run_editor(path);
	u->dirty = UI_DIRTY_ALL;
	clearok(curscr, TRUE);
	if (rc != 0) {
		fail(a, "edit: the editor exited with status %d; the hunk is unchanged", rc);
		goto out;
	}
	if (fs_read_file(path, 1 << 24, &text, &e) < 0) {
		fail(a, "edit: %s", e.msg);
		goto out;
	}
	if (task_edit_hunk(&a->tk, f, (size_t)u->cur_hunk, text.ptr ? text.ptr : "", text.len,
	                   u->decision[f], &dec, &e) < 0) {
		fail(a, "edit: %s", e.msg);
		goto out;
	}
	/* the file was diffed again: its hunks moved; the other files' decisions stay */
	nf = u->ndfiles;
	keep = xcalloc(nf + 1, sizeof(*keep));
	for (i = 0; i < nf; i++) {
		keep[i] = u->decision[i];
		u->decision[i] = NULL;
	}
	set_proposal(a);
	for (i = 0; i < nf && i < u->ndfiles; i++) {
		memcpy(u->decision[i], i == f ? dec : keep[i], u->nhunks[i]);
		free(keep[i]);
	}
	free(keep);
	note(a, "%s: the edited hunk is approved", task_file(&a->tk, f)->path);
	u->cur_file = (int)f;
	u->cur_hunk = 0;
	if (u->nhunks[f] == 0 || u->decision[f][0])
		ui_hunk_next_undecided(u);
	u->diff_follow = 1;
	a->save_due = 1;
out:
	if (fd >= 0)
		close(fd);
	unlink(path);
	free(path);
	free(hunk);
	free(dec);
	buf_release(&text);
}

/* ---- the ledger pane ---- */

static int tag_index(struct app *a, const char *path)
{
	size_t i;

	for (i = 0; i < a->ntags; i++)
		if (!strcmp(a->tags[i], path))
			return (int)i;
	return -1;
}

static void sync_tags(struct app *a)
{
	a->u.tags = (const char *const *)a->tags;
	a->u.ntags = a->ntags;
	a->u.dirty |= UI_DIRTY_LEDGER;
	a->save_due = 1;
}

static int tag(struct app *a, const char *path, int on)
{
	int i = tag_index(a, path);

	if (on && i < 0) {
		XGROW(a->tags, a->ctags, a->ntags + 1);
		a->tags[a->ntags++] = xstrdup(path);
	} else if (!on && i >= 0) {
		free(a->tags[i]);
		memmove(&a->tags[i], &a->tags[i + 1],
		        (a->ntags - (size_t)i - 1) * sizeof(*a->tags));
		a->ntags--;
	} else {
		return 0;
	}
	sync_tags(a);
	return 1;
}

static void rerun(struct app *a)
{
	struct error e = ERROR_INIT;
	cJSON *p, *tags;
	const char *goal = a->u.ledger ? json_text(a->u.ledger, "task") : "";
	size_t i;

	if (!a->workers_up) {
		fail(a, "the index is not ready yet");
		return;
	}
	if (workers_busy(&a->ws, WORKER_EXPLORER) || a->rerun_id) {
		fail(a, "the Explorer is busy; try again in a moment");
		return;
	}
	if (!*goal) {
		fail(a, "no query to run again: ask for a change first");
		return;
	}
	p = cJSON_CreateObject();
	tags = cJSON_AddArrayToObject(p, "tags");
	for (i = 0; i < a->ntags; i++)
		cJSON_AddItemToArray(tags, cJSON_CreateString(a->tags[i]));
	cJSON_AddStringToObject(p, "goal", goal);
	cJSON_AddNumberToObject(
	        p, "budget",
	        cJSON_GetObjectItemCaseSensitive(a->u.ledger, "budget")
	                ? cJSON_GetObjectItemCaseSensitive(a->u.ledger, "budget")->valuedouble
	                : 4096);
	a->rerun_id = workers_send(&a->ws, WORKER_EXPLORER, "explore", p, &e);
	cJSON_Delete(p);
	if (!a->rerun_id)
		fail(a, "%s", e.msg);
	else
		note(a, "running the query again with %zu tag%s", a->ntags,
		     a->ntags == 1 ? "" : "s");
}

static void rerun_check(struct app *a)
{
	struct workers_reply r = WORKERS_REPLY_INIT;

	if (!a->rerun_id || (a->task_on && task_running(&a->tk) && !task_reviewing(&a->tk)))
		return;
	if (!workers_take(&a->ws, WORKER_EXPLORER, &r))
		return;
	if (r.id == a->rerun_id) {
		if (r.result) {
			cJSON *l = cJSON_DetachItemFromObjectCaseSensitive(r.result, "ledger");
			if (l) {
				ui_set_ledger(&a->u, l);
				note(a, "the ledger of query %s", json_text(l, "query_id"));
			}
		} else {
			fail(a, "query: %s", r.error ? r.error : "failed");
		}
		a->rerun_id = 0;
	}
	workers_reply_release(&r);
}

static void ledger_key(struct app *a, int act)
{
	struct ui *u = &a->u;
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(u->ledger, "files");
	size_t n = (size_t)cJSON_GetArraySize(files);
	const cJSON *f;

	if (!n)
		return;
	f = cJSON_GetArrayItem(files, (int)u->ledger_sel);
	switch (act) {
	case KA_UP:
		if (u->ledger_sel > 0)
			u->ledger_sel--;
		break;
	case KA_DOWN:
		if (u->ledger_sel + 1 < n)
			u->ledger_sel++;
		break;
	case KA_PAGE_UP: u->ledger_sel = u->ledger_sel > 10 ? u->ledger_sel - 10 : 0; break;
	case KA_PAGE_DOWN:
		u->ledger_sel = u->ledger_sel + 10 < n ? u->ledger_sel + 10 : n - 1;
		break;
	case KA_TOP: u->ledger_sel = 0; break;
	case KA_BOTTOM: u->ledger_sel = n - 1; break;
	case KA_EXPAND: u->expanded[u->ledger_sel] = !u->expanded[u->ledger_sel]; break;
	case KA_TAG: {
		const char *p = json_text(f, "path");
		int on = tag_index(a, p) < 0;
		tag(a, p, on);
		note(a, "%s %s: r runs the query again", on ? "tagged" : "untagged", p);
		break;
	}
	case KA_RERUN: rerun(a); break;
	default: return;
	}
	u->dirty |= UI_DIRTY_LEDGER;
}

/* ---- the check (/test) ---- */

static void show_check(struct app *a, const char *title)
{
	struct buf b = BUF_INIT;
	char *clean;

	buf_adds(&b, title);
	buf_addch(&b, '\n');
	buf_add(&b, a->check.out.ptr, a->check.out.len);
	clean = utf8_sanitize(b.ptr ? b.ptr : "", b.len);
	ui_set_check(&a->u, clean);
	buf_release(&b);
}

/* The check's output is watched in whichever waiter the loop sleeps in; -1: not watched. */
static void watch_check(struct app *a, int fd)
{
	chan_waiter_set_fd(&a->waiter, a->check_watch, fd);
	if (a->workers_up)
		chan_waiter_set_fd(&a->ws.waiter, a->ws_check_watch, fd);
}

static void start_check(struct app *a, const char *why)
{
	struct error e = ERROR_INIT;
	const char *line = config_get(&a->conf, CONF_CHECK);
	char *t;

	if (!*line) {
		fail(a, "no check command: add 'check = make test' (or yours) to %s/config",
		     a->r.conf_dir);
		return;
	}
	if (a->checking) {
		fail(a, "the check is still running");
		return;
	}
	if (cmd_start(&a->check, line, a->r.root, CHECK_LIMIT_MS, CHECK_CAP, &e) < 0) {
		fail(a, "%s", e.msg);
		return;
	}
	a->checking = 1;
	a->check_shown = 0;
	watch_check(a, a->check.fd);
	t = xasprintf("$ %s   (running %s)", line, why);
	show_check(a, t);
	free(t);
	note(a, "check: running '%s' %s", line, why);
}

static void check_poll(struct app *a)
{
	char *t;
	const char *line = config_get(&a->conf, CONF_CHECK);

	if (!a->checking)
		return;
	if (!cmd_poll(&a->check)) {
		/* shown again only when it printed more, not on every turn of the loop */
		if (a->check.total != a->check_shown) {
			a->check_shown = a->check.total;
			t = xasprintf("$ %s   (running…)", line);
			show_check(a, t);
			free(t);
		}
		return;
	}
	a->checking = 0;
	watch_check(a, -1);
	if (a->check.timed_out)
		t = xasprintf("$ %s   killed after %.0f s", line, a->check.seconds);
	else
		t = xasprintf("$ %s   exit %d, %.1f s", line, a->check.status, a->check.seconds);
	show_check(a, t);
	if (a->check.timed_out)
		fail(a, "check: '%s' took too long and was killed", line);
	else if (a->check.status)
		fail(a, "check: '%s' failed (exit %d): its output is in the Diff pane", line,
		     a->check.status);
	else
		note(a, "check: '%s' passed in %.1f s", line, a->check.seconds);
	free(t);
	cmd_release(&a->check);
}

/* ---- commands ---- */

static void cmd_undo(struct app *a)
{
	struct undo un = UNDO_INIT;
	struct error e = ERROR_INIT;
	struct buf out = BUF_INIT;
	char *journal = fs_join(a->r.loom_dir, "undo");

	if (a->task_on && task_running(&a->tk) && !task_reviewing(&a->tk)) {
		fail(a, "a request is running: Esc cancels it first");
	} else if (!fs_is_dir(journal)) {
		fail(a, "nothing to undo");
	} else if (undo_open(journal, &un, &e) < 0) {
		fail(a, "undo: %s", e.msg);
	} else {
		if (undo_last(&un, a->r.root, a->r.git, 0, &out, &e) < 0)
			fail(a, "undo: %s%s", e.msg,
			     strstr(e.msg, " changed ")
			             ? " ('loom undo --force' restores them anyway)"
			             : "");
		else
			note(a, "%s", out.len ? out.ptr : "undone");
		undo_close(&un);
	}
	free(journal);
	buf_release(&out);
}

static void cmd_theme(struct app *a, const char *name)
{
	struct error e = ERROR_INIT;
	const char *const *names = theme_builtin_names();
	size_t i;

	if (!*name) {
		struct buf b = BUF_INIT;
		buf_addf(&b, "theme: %s; built in:", a->theme.name);
		for (i = 0; names[i]; i++)
			buf_addf(&b, " %s", names[i]);
		buf_adds(&b, " (or a theme file: themes/README.md)");
		note(a, "%s", b.ptr);
		buf_release(&b);
		return;
	}
	if (theme_load(&a->theme, name, &e) < 0)
		fail(a, "%s; using %s", e.msg, a->theme.name);
	else
		note(a, "theme: %s", a->theme.name);
	term_theme(&a->theme);
	a->u.theme_name = a->theme.name;
	a->u.dirty = UI_DIRTY_ALL;
	clearok(curscr, TRUE);
}

static void cmd_model(struct app *a)
{
	if (a->probe == PROBE_RUNNING) {
		note(a, "model: still connecting to %s", config_get(&a->conf, CONF_ENDPOINT));
		return;
	}
	if (a->probe == PROBE_OK)
		note(a, "model: %s, %s API at %s, %d tokens of context%s%s",
		     a->m.name && *a->m.name ? a->m.name : "(unnamed)", model_api_name(a->m.api),
		     a->m.endpoint, a->m.n_ctx,
		     a->m.n_ctx_reported ? "" : " (assumed: the server does not say)",
		     a->o->label ? "; this is a scripted model" : "");
	else
		note(a, "model: connecting to %s again", config_get(&a->conf, CONF_ENDPOINT));
	if (a->probe == PROBE_FAILED)
		probe_start(a);
}

static const char *const commands[] = { "tag",   "untag", "ledger",  "diff",  "undo",
	                                "test",  "check", "lessons", "model", "theme",
	                                "clear", "help",  "quit",    NULL };

/* /lessons: what was learned here; /lessons edit opens the file in $EDITOR. */
static void cmd_lessons(struct app *a, const char *arg)
{
	struct lessons l;
	struct error e = ERROR_INIT;
	size_t i;

	if (!strcmp(arg, "edit")) {
		char *path = lessons_path(a->r.loom_dir);
		if (lessons_add(a->r.loom_dir, "", NULL, &e) < 0)
			fail(a, "lessons: %s", e.msg);
		else if (run_editor(path) != 0)
			fail(a, "lessons: the editor failed");
		else
			note(a, "lessons: %s saved; the next request uses them", path);
		a->u.dirty = UI_DIRTY_ALL;
		clearok(curscr, TRUE);
		free(path);
		return;
	}
	if (*arg) {
		fail(a, "usage: /lessons [edit]");
		return;
	}
	if (lessons_load(&l, a->r.loom_dir, &e) < 0) {
		fail(a, "lessons: %s", e.msg);
		return;
	}
	if (!l.n)
		note(a, "no lessons yet: they come from changes that failed the check and then "
		        "passed");
	for (i = 0; i < l.n; i++)
		note(a, "lesson %zu: %s%s%s%s", i + 1, l.v[i].rule, l.v[i].from ? " (from " : "",
		     l.v[i].from ? l.v[i].from : "", l.v[i].from ? ")" : "");
	lessons_release(&l);
}

/* /check: the check command, set from the repository's suggestion or by hand, once. */
static void cmd_check(struct app *a, const char *arg)
{
	struct error e = ERROR_INIT;
	struct check_cands c = CHECK_CANDS_INIT;
	size_t n = check_detect(a->r.root, &c);
	const char *cur = config_get(&a->conf, CONF_CHECK), *set = NULL;
	char *path;

	if (!*arg) {
		if (*cur)
			note(a, "check: '%s' (from %s%s%s); /check off turns it off", cur,
			     config_source_name(a->conf.src[CONF_CHECK]),
			     a->conf.where[CONF_CHECK] ? ", " : "",
			     a->conf.where[CONF_CHECK] ? a->conf.where[CONF_CHECK] : "");
		else if (n)
			note(a,
			     "no check command; '%s' would do (%s): /check yes uses it, /check CMD "
			     "sets another",
			     c.v[0].cmd, c.v[0].why);
		else
			note(a, "no check command, and none found in the repository: /check CMD "
			        "sets one");
		check_cands_release(&c);
		return;
	}
	if (!strcmp(arg, "yes")) {
		if (!n) {
			fail(a, "no check command found in the repository: /check CMD sets one");
			check_cands_release(&c);
			return;
		}
		set = c.v[0].cmd;
	} else if (!strcmp(arg, "off")) {
		set = "";
	} else {
		set = arg;
	}
	path = fs_join(a->r.conf_dir, "config");
	if (config_write_key(path, CONF_CHECK, set, &e) < 0 ||
	    config_set(&a->conf, CONF_CHECK, set, CONF_FROM_REPO, "/check", &e) < 0)
		fail(a, "check: %s", e.msg);
	else if (*set)
		note(a, "check: '%s', saved in %s; each proposal is checked with it first", set,
		     path);
	else
		note(a, "check: off, saved in %s", path);
	free(path);
	check_cands_release(&c);
}

static void command(struct app *a, char *line)
{
	char *cmd = line + 1, *arg;
	size_t n = strcspn(cmd, " \t");

	arg = cmd + n;
	while (*arg == ' ' || *arg == '\t')
		arg++;
	cmd[n] = '\0';
	if (!strcmp(cmd, "tag") || !strcmp(cmd, "untag")) {
		int on = cmd[0] == 't', changed = 0;
		char *tok, *save = NULL;
		if (!*arg) {
			if (!a->ntags) {
				note(a, "no tags; /tag PATH adds one (or @PATH in a request)");
			} else {
				struct buf b = BUF_INIT;
				size_t i;
				buf_adds(&b, "tags:");
				for (i = 0; i < a->ntags; i++)
					buf_addf(&b, " %s", a->tags[i]);
				note(a, "%s", b.ptr);
				buf_release(&b);
			}
			return;
		}
		for (tok = strtok_r(arg, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
			if (*tok == '@')
				tok++;
			if (*tok && tag(a, tok, on))
				changed++;
			else if (*tok)
				note(a, "%s is %s tagged", tok, on ? "already" : "not");
		}
		if (changed)
			note(a, "%s %d path%s (%zu tag%s); they count for the next request",
			     on ? "tagged" : "untagged", changed, changed == 1 ? "" : "s", a->ntags,
			     a->ntags == 1 ? "" : "s");
	} else if (!strcmp(cmd, "ledger")) {
		a->u.focus = UI_LEDGER;
		a->u.dirty = UI_DIRTY_ALL;
	} else if (!strcmp(cmd, "diff")) {
		a->u.focus = UI_DIFF;
		a->u.dirty = UI_DIRTY_ALL;
	} else if (!strcmp(cmd, "undo")) {
		cmd_undo(a);
	} else if (!strcmp(cmd, "lessons")) {
		cmd_lessons(a, arg);
	} else if (!strcmp(cmd, "check")) {
		cmd_check(a, arg);
	} else if (!strcmp(cmd, "test")) {
		start_check(a, "on request");
	} else if (!strcmp(cmd, "model")) {
		cmd_model(a);
	} else if (!strcmp(cmd, "theme")) {
		cmd_theme(a, arg);
	} else if (!strcmp(cmd, "clear")) {
		ui_clear(&a->u);
		a->save_due = 1;
	} else if (!strcmp(cmd, "help")) {
		a->u.help = 1;
		a->u.dirty = UI_DIRTY_ALL;
	} else if (!strcmp(cmd, "quit") || !strcmp(cmd, "q") || !strcmp(cmd, "exit")) {
		a->u.quit = 1;
	} else {
		fail(a, "unknown command '/%s' (/help lists them)", cmd);
	}
}

/* ---- completion ---- */

static void free_completions(struct ui *u)
{
	size_t i;

	for (i = 0; i < u->ncompletions; i++)
		free(u->completions[i]);
	free(u->completions);
	u->completions = NULL;
	u->ncompletions = 0;
	u->completion_sel = 0;
}

static void add_cand(char ***v, size_t *n, size_t *cap, const char *s, size_t len)
{
	XGROW(*v, *cap, *n + 1);
	(*v)[(*n)++] = xstrndup(s, len);
}

/* Paths under the index that start with prefix: the next level only, like a shell. */
static void path_cands(struct app *a, const char *prefix, char ***v, size_t *n)
{
	sqlite3_stmt *st;
	size_t cap = 0, plen = strlen(prefix);
	char *hi;

	if (!a->have_db ||
	    sqlite3_prepare_v2(a->d.h,
	                       "SELECT path FROM files WHERE path >= ?1 AND path < ?2 "
	                       "ORDER BY path LIMIT 2000",
	                       -1, &st, NULL) != SQLITE_OK)
		return;
	hi = xasprintf("%s\xf4\x8f\xbf\xbf", prefix);
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && *n < 200) {
		const char *p = (const char *)sqlite3_column_text(st, 0);
		const char *slash = strchr(p + plen, '/');
		size_t len = slash ? (size_t)(slash - p) + 1 : strlen(p);
		if (*n && strlen((*v)[*n - 1]) == len && !strncmp((*v)[*n - 1], p, len))
			continue;
		add_cand(v, n, &cap, p, len);
	}
	sqlite3_finalize(st);
	free(hi);
}

static void complete(struct app *a)
{
	struct ui *u = &a->u;
	struct line_token t = line_token_at_cursor(&u->input);
	char *typed, **v = NULL;
	size_t n = 0, cap = 0, i;
	const char *text = u->input.text.ptr;

	if (u->ncompletions > 1) {
		/* Tab again: the next candidate */
		u->completion_sel = (u->completion_sel + 1) % u->ncompletions;
		line_complete(&u->input, u->completions[u->completion_sel],
		              u->completions[u->completion_sel]
		                            [strlen(u->completions[u->completion_sel]) - 1] != '/');
		u->dirty |= UI_DIRTY_INPUT;
		return;
	}
	free_completions(u);
	typed = xstrndup(text + t.start + 1, u->input.cursor - t.start - 1);
	if (t.kind == LINE_TOKEN_COMMAND) {
		for (i = 0; commands[i]; i++)
			if (!strncmp(commands[i], typed, strlen(typed)))
				add_cand(&v, &n, &cap, commands[i], strlen(commands[i]));
	} else if (t.kind == LINE_TOKEN_PATH) {
		path_cands(a, typed, &v, &n);
	} else if (!strncmp(text, "/theme ", 7)) {
		const char *const *names = theme_builtin_names();
		const char *w = text + t.start;
		size_t k = u->input.cursor - t.start;
		for (i = 0; names[i]; i++)
			if (!strncmp(names[i], w, k))
				add_cand(&v, &n, &cap, names[i], strlen(names[i]));
		if (n == 1) {
			line_set_text(&u->input, "/theme ", 7);
			line_insert(&u->input, v[0], strlen(v[0]));
		}
		free(typed);
		for (i = 0; i < n; i++)
			free(v[i]);
		free(v);
		u->dirty |= UI_DIRTY_INPUT;
		return;
	}
	free(typed);
	if (n == 1) {
		line_complete(&u->input, v[0], v[0][strlen(v[0]) - 1] != '/');
	} else if (n > 1) {
		char *common = line_common_prefix((const char *const *)v, n);
		if (strlen(common) > u->input.cursor - t.start - 1)
			line_complete(&u->input, common, 0);
		free(common);
		u->completions = v;
		u->ncompletions = n;
		u->completion_sel = n - 1; /* the first Tab again selects the first */
		v = NULL;
		u->dirty = UI_DIRTY_ALL;
	} else {
		beep();
	}
	if (v) {
		for (i = 0; i < n; i++)
			free(v[i]);
		free(v);
	}
	u->dirty |= UI_DIRTY_INPUT;
}

/* Whether Tab should complete rather than move to the next pane. */
static int completing(struct app *a)
{
	struct line_token t = line_token_at_cursor(&a->u.input);

	return a->u.focus == UI_CONV &&
	       (t.kind != LINE_TOKEN_NONE || a->u.ncompletions > 1 ||
	        (!strncmp(a->u.input.text.ptr ? a->u.input.text.ptr : "", "/theme ", 7) &&
	         a->u.input.cursor == a->u.input.text.len));
}

/* ---- keys ---- */

static void cancel(struct app *a)
{
	if (a->u.help) {
		a->u.help = 0;
		a->u.dirty = UI_DIRTY_ALL;
		return;
	}
	if (a->u.ncompletions) {
		free_completions(&a->u);
		a->u.dirty = UI_DIRTY_ALL;
		return;
	}
	if (a->task_on && task_running(&a->tk) && !task_reviewing(&a->tk)) {
		a->cancel = 1;
		note(a, "cancelling…");
	} else if (a->checking) {
		cmd_kill(&a->check);
		note(a, "check: cancelled");
	} else if (a->pending) {
		free(a->pending);
		a->pending = NULL;
		note(a, "the waiting request is dropped");
	}
}

static void scroll_pane(struct app *a, int act)
{
	struct ui *u = &a->u;
	size_t page = (size_t)view_page(u, u->focus);

	if (u->focus == UI_CONV) {
		switch (act) {
		case KA_UP: u->conv_scroll++; break;
		case KA_DOWN: u->conv_scroll = u->conv_scroll ? u->conv_scroll - 1 : 0; break;
		case KA_PAGE_UP: u->conv_scroll += page; break;
		case KA_PAGE_DOWN:
			u->conv_scroll = u->conv_scroll > page ? u->conv_scroll - page : 0;
			break;
		case KA_TOP: u->conv_scroll = (size_t)-1 / 2; break;
		case KA_BOTTOM: u->conv_scroll = 0; break;
		}
		u->dirty |= UI_DIRTY_CONV;
	} else if (u->focus == UI_DIFF) {
		size_t rows = view_diff_rows(u);
		switch (act) {
		case KA_UP: u->diff_scroll = u->diff_scroll ? u->diff_scroll - 1 : 0; break;
		case KA_DOWN: u->diff_scroll++; break;
		case KA_PAGE_UP:
			u->diff_scroll = u->diff_scroll > page ? u->diff_scroll - page : 0;
			break;
		case KA_PAGE_DOWN: u->diff_scroll += page; break;
		case KA_TOP: u->diff_scroll = 0; break;
		case KA_BOTTOM: u->diff_scroll = rows; break;
		}
		u->dirty |= UI_DIRTY_DIFF;
	}
}

static void focus(struct app *a, int delta)
{
	a->u.focus = (enum ui_pane)(((int)a->u.focus + delta + UI__PANES) % UI__PANES);
	free_completions(&a->u);
	a->u.dirty = UI_DIRTY_ALL;
}

static void input_key(struct app *a, int code, int fn)
{
	struct ui *u = &a->u;
	int changed = 1;

	if (!fn) {
		switch (code) {
		case '\n':
		case '\r': {
			char *s;
			if (!u->input.text.len)
				return;
			s = line_submit(&u->input);
			free_completions(u);
			u->dirty = UI_DIRTY_ALL;
			if (s[0] == '/')
				command(a, s);
			else
				submit(a, s);
			free(s);
			return;
		}
		case 1: line_home(&u->input); break;
		case 2: line_left(&u->input); break;
		case 4: line_delete_forward(&u->input); break;
		case 5: line_end(&u->input); break;
		case 6: line_right(&u->input); break;
		case 8:
		case 127: line_delete_back(&u->input); break;
		case 11: line_kill_end(&u->input); break;
		case 20: line_transpose(&u->input); break;
		case 21: line_kill_start(&u->input); break;
		case 23: line_kill_word_back(&u->input); break;
		case 25: line_yank(&u->input); break;
		case 12:
			clearok(curscr, TRUE);
			u->dirty = UI_DIRTY_ALL;
			break;
		default:
			if (code >= 0x20 && code != 0x7f) {
				char buf[8];
				size_t n = encode((unsigned)code, buf);
				if (line_insert(&u->input, buf, n) < 0)
					beep();
			} else {
				changed = 0;
			}
		}
	} else {
		switch (code) {
		case KEY_LEFT: line_left(&u->input); break;
		case KEY_RIGHT: line_right(&u->input); break;
		case KEY_HOME: line_home(&u->input); break;
		case KEY_END: line_end(&u->input); break;
		case KEY_BACKSPACE: line_delete_back(&u->input); break;
		case KEY_DC: line_delete_forward(&u->input); break;
		case KEY_UP: line_history_prev(&u->input); break;
		case KEY_DOWN: line_history_next(&u->input); break;
		case KEY_PPAGE: scroll_pane(a, KA_PAGE_UP); break;
		case KEY_NPAGE: scroll_pane(a, KA_PAGE_DOWN); break;
		case KEY_ENTER: input_key(a, '\n', 0); return;
		default: changed = 0;
		}
	}
	if (changed) {
		if (u->ncompletions) {
			free_completions(u);
			u->dirty = UI_DIRTY_ALL;
		}
		u->dirty |= UI_DIRTY_INPUT;
	}
}

static void mouse(struct app *a)
{
	MEVENT ev;
	int p;

	if (getmouse(&ev) != OK)
		return;
	p = view_pane_at(&a->u, ev.y, ev.x);
	if (ev.bstate & BUTTON1_PRESSED) {
		if (p >= 0 && p != (int)a->u.focus) {
			a->u.focus = (enum ui_pane)p;
			a->u.dirty = UI_DIRTY_ALL;
		}
	} else if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
		enum ui_pane keep = a->u.focus;
		int up = (ev.bstate & BUTTON4_PRESSED) != 0, i;
		if (p < 0)
			return;
		a->u.focus = (enum ui_pane)p;
		for (i = 0; i < 3; i++) {
			if (p == UI_LEDGER)
				ledger_key(a, up ? KA_UP : KA_DOWN);
			else
				scroll_pane(a, up ? KA_UP : KA_DOWN);
		}
		a->u.focus = keep;
	}
}

static void key(struct app *a, int fn, wint_t ch)
{
	struct ui *u = &a->u;
	int code = keys_code(fn, ch), act;
	enum key_where w = u->focus == UI_CONV     ? KW_INPUT
	                   : u->focus == UI_LEDGER ? KW_LEDGER
	                                           : KW_DIFF;

	if (fn && ch == KEY_RESIZE) {
		getmaxyx(stdscr, u->rows, u->cols);
		u->dirty = UI_DIRTY_ALL;
		clearok(curscr, TRUE);
		return;
	}
	if (fn && ch == KEY_MOUSE) {
		mouse(a);
		return;
	}
	act = keys_action(&a->km, w, code);
	if (act != KA_QUIT)
		a->ctrl_c_at = 0;
	if (u->help && act != KA_QUIT) {
		u->help = 0;
		u->dirty = UI_DIRTY_ALL;
		return;
	}
	if (act == KA_NEXT_PANE && completing(a)) {
		complete(a);
		return;
	}
	switch (act) {
	case KA_NEXT_PANE: focus(a, 1); return;
	case KA_PREV_PANE: focus(a, -1); return;
	case KA_CANCEL: cancel(a); return;
	case KA_QUIT:
		if (a->ctrl_c_at && fs_now_ns() - a->ctrl_c_at < CTRL_C_NS) {
			u->quit = 1;
		} else {
			a->ctrl_c_at = fs_now_ns();
			note(a, "press Ctrl-C again to quit%s",
			     a->task_on ? " (the running request is cancelled)" : "");
		}
		return;
	case KA_HELP:
		u->help = 1;
		u->dirty = UI_DIRTY_ALL;
		return;
	default: break;
	}
	if (w == KW_INPUT) {
		input_key(a, (int)ch, fn);
		return;
	}
	if (w == KW_LEDGER) {
		ledger_key(a, act);
		return;
	}
	switch (act) {
	case KA_APPROVE: decide(a, 1); break;
	case KA_REJECT: decide(a, 2); break;
	case KA_APPROVE_ALL: decide_rest(a, 0); break;
	case KA_APPROVE_FILE: decide_rest(a, 1); break;
	case KA_NEXT_HUNK: ui_hunk_move(u, 1); break;
	case KA_PREV_HUNK: ui_hunk_move(u, -1); break;
	case KA_EDIT_HUNK: edit_hunk(a); break;
	case KA_APPLY: apply_decisions(a); break;
	case KA_UP:
	case KA_DOWN:
	case KA_PAGE_UP:
	case KA_PAGE_DOWN:
	case KA_TOP:
	case KA_BOTTOM: scroll_pane(a, act); break;
	default: break;
	}
}

static void read_keys(struct app *a)
{
	wint_t ch;
	int r;

	while ((r = wget_wch(stdscr, &ch)) != ERR) {
		if (a->stats && !a->key_ns)
			a->key_ns = fs_now_ns();
		key(a, r == KEY_CODE_YES, ch);
		if (a->u.quit)
			return;
	}
}

/* ---- signals ---- */

static void read_signals(struct app *a)
{
	unsigned char c[16];
	ssize_t n, i;

	while ((n = read(a->sigpipe[0], c, sizeof(c))) > 0)
		for (i = 0; i < n; i++)
			if (c[i] == SIGTERM || c[i] == SIGHUP || c[i] == SIGINT) {
				a->u.quit = 1;
				a->exit_code = LOOM_EXIT_INTERRUPT;
			}
}

/* ---- the session file ---- */

static void save(struct app *a, int now)
{
	struct error e = ERROR_INIT;

	if (!a->save_due || (!now && fs_now_ns() - a->last_save < SAVE_NS))
		return;
	a->save_due = 0;
	a->last_save = fs_now_ns();
	if (store_save(a->session_path, &a->u, (const char *const *)a->tags, a->ntags, &e) < 0)
		fprintf(stderr, "loom: %s\n", e.msg);
}

static void resume(struct app *a)
{
	struct error e = ERROR_INIT;
	char **tags = NULL;
	size_t n = 0, i;
	int rc = store_load(a->session_path, &a->u, &tags, &n, &e);

	if (rc < 0) {
		fail(a, "resume: %s", e.msg);
		return;
	}
	if (rc == 0) {
		note(a, "resume: no earlier session in this repository");
		return;
	}
	for (i = 0; i < n; i++) {
		tag(a, tags[i], 1);
		free(tags[i]);
	}
	free(tags);
	note(a, "resumed the last session (the model starts afresh: ask again to go on)");
}

/* ---- the loop ---- */

/* The terminal hung up (closed without SIGHUP, or the descriptor went bad): leave, or spin. */
static int terminal_gone(struct app *a)
{
	const struct chan_waiter *w = a->workers_up ? &a->ws.waiter : &a->waiter;
	int id = a->workers_up ? a->ws_stdin_watch : a->stdin_watch;

	if (id < 0 || (size_t)id >= w->nwatch ||
	    !(w->watch[id].revents & (POLLHUP | POLLERR | POLLNVAL)))
		return 0;
	a->exit_code = LOOM_EXIT_INTERRUPT;
	return 1;
}

static int wait_timeout(struct app *a)
{
	uint64_t now = fs_now_ns();
	int t = -1;

	if (a->u.dirty) {
		uint64_t next = a->last_frame + FRAME_NS;
		t = next > now ? (int)((next - now) / 1000000u) + 1 : 0;
	}
	if (a->task_on && task_timeout_ms(&a->tk) >= 0 && (t < 0 || t > task_timeout_ms(&a->tk)))
		t = task_timeout_ms(&a->tk);
	if (a->u.busy && (t < 0 || t > SPIN_MS))
		t = SPIN_MS;
	if ((a->indexing || a->checking || a->ctrl_c_at || a->save_due) && (t < 0 || t > 1000))
		t = 1000;
	return t;
}

static void frame(struct app *a)
{
	uint64_t t0 = fs_now_ns();

	if (a->u.busy && t0 - a->spin_at >= (uint64_t)SPIN_MS * 1000000u) {
		a->u.spin++;
		a->spin_at = t0;
		a->u.dirty |= UI_DIRTY_STATUS;
	}
	if (a->ctrl_c_at && t0 - a->ctrl_c_at >= CTRL_C_NS)
		a->ctrl_c_at = 0;
	if (!a->u.dirty)
		return;
	/* a keypress is drawn at once; streamed text at most once per frame */
	if (!a->key_ns && !(a->u.dirty & ~(UI_DIRTY_CONV | UI_DIRTY_STATUS)) &&
	    t0 - a->last_frame < FRAME_NS)
		return;
	view_draw(&a->u);
	a->last_frame = fs_now_ns();
	if (a->stats) {
		if (!a->first_frame_ns)
			a->first_frame_ns = a->last_frame - a->t_start;
		stat_add(&a->frame_ns, &a->nframe, &a->cframe, a->last_frame - t0);
		if (a->key_ns)
			stat_add(&a->lat_ns, &a->nlat, &a->clat, a->last_frame - a->key_ns);
	}
	a->key_ns = 0;
}

static void loop(struct app *a)
{
	struct error e = ERROR_INIT;

	while (!a->u.quit) {
		int t;

		frame(a);
		t = wait_timeout(a);
		if (a->workers_up) {
			if (workers_wait(&a->ws, t, &e) < 0)
				break;
		} else if (chan_wait(&a->waiter, t, &e) < 0) {
			break;
		}
		read_signals(a);
		if (terminal_gone(a))
			break;
		read_keys(a);
		probe_check(a);
		index_check(a);
		check_poll(a);
		if (a->workers_up) {
			if (workers_pump(&a->ws, &e) < 0) {
				fail(a, "%s", e.msg);
				e = (struct error)ERROR_INIT;
			}
			if (a->task_on)
				task_pump(&a->tk);
			chan_waiter_set_fd(&a->ws.waiter, a->ws_task_watch,
			                   a->task_on ? task_fd(&a->tk) : -1);
			rerun_check(a);
			task_end_check(a);
			status_workers(a);
		}
		save(a, 0);
	}
	if (e.msg[0])
		fprintf(stderr, "loom: %s\n", e.msg);
}

/* ---- set-up and tear-down ---- */

static int redirect_stderr(struct app *a)
{
	int fd;

	a->log_path = fs_join(a->r.loom_dir, "session.log");
	fd = open(a->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	a->saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	return 0;
}

static void restore_stderr(struct app *a)
{
	if (a->saved_stderr >= 0) {
		fflush(stderr);
		dup2(a->saved_stderr, STDERR_FILENO);
		close(a->saved_stderr);
		a->saved_stderr = -1;
	}
}

static void fatal_restore(void)
{
	term_close();
	if (the_app)
		restore_stderr(the_app);
}

static int setup(struct app *a, struct error *e)
{
	struct index_opts io = INDEX_OPTS_INIT;
	struct sigaction sa;
	struct error te = ERROR_INIT;
	const char *theme;

	if (repo_open(a->o->dir ? a->o->dir : ".", &a->r, e) < 0)
		return -1;
	a->rootfd = open(a->r.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	config_load(&a->conf, a->r.conf_dir);
	theme = a->o->theme ? a->o->theme : config_get(&a->conf, CONF_THEME);
	if (theme_load(&a->theme, theme, &te) < 0)
		fail(a, "%s; using %s", te.msg, a->theme.name);
	te = (struct error)ERROR_INIT;
	if (keys_parse(&a->km, config_get(&a->conf, CONF_KEYS), &te) < 0)
		fail(a, "%s; using the default keys", te.msg);
	a->u.theme_name = a->theme.name;
	a->u.keys = &a->km;
	a->session_path = fs_join(a->r.loom_dir, "session.json");
	a->history_path = fs_join(a->r.loom_dir, "history");
	line_history_load(&a->u.input, a->history_path, &te);

	if (pipe2(a->sigpipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(a->probe_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return error_errno(e, "cannot make a pipe");
	sig_fd = a->sigpipe[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (term_open(e) < 0)
		return -1;
	fatal_set_hook(fatal_restore);
	term_theme(&a->theme);
	term_mouse(1);
	nodelay(stdscr, TRUE);
	getmaxyx(stdscr, a->u.rows, a->u.cols);
	redirect_stderr(a);
	log_set_sink(log_sink, a);

	if (a->o->resume)
		resume(a);
	if (a->o->intro)
		for (const char *const *l = a->o->intro; *l; l++)
			note(a, "%s", *l);
	if (a->o->prefill)
		line_set_text(&a->u.input, a->o->prefill, strlen(a->o->prefill));
	status_model(a);
	snprintf(a->u.index_state, sizeof(a->u.index_state), "indexing…");
	view_draw(&a->u);
	a->last_frame = fs_now_ns();
	if (a->stats)
		a->first_frame_ns = a->last_frame - a->t_start;

	/* the refresh forks: before any thread starts */
	chan_waiter_init(&a->waiter);
	a->stdin_watch = chan_waiter_add_fd(&a->waiter, STDIN_FILENO, POLLIN);
	chan_waiter_add_fd(&a->waiter, a->sigpipe[0], POLLIN);
	chan_waiter_add_fd(&a->waiter, a->probe_pipe[0], POLLIN);
	a->job_watch = chan_waiter_add_fd(&a->waiter, -1, POLLIN);
	a->check_watch = chan_waiter_add_fd(&a->waiter, -1, POLLIN);
	if (index_refresh_begin(&a->r, &io, &a->job, &te) < 0) {
		fail(a, "index: %s", te.msg);
		snprintf(a->u.index_state, sizeof(a->u.index_state), "index failed");
	} else {
		a->indexing = 1;
		chan_waiter_set_fd(&a->waiter, a->job_watch, a->job.fd);
	}
	probe_start(a);
	if (!a->indexing)
		index_check(a);
	return 0;
}

static void teardown(struct app *a)
{
	struct error e = ERROR_INIT;

	/* saved first: the proposal under review points into the task's diffs */
	a->save_due = 1;
	if (a->session_path)
		save(a, 1);
	ui_clear_proposal(&a->u);
	if (a->task_on) {
		if (task_running(&a->tk)) {
			a->cancel = 1;
			workers_cancel(&a->ws);
		}
		task_release(&a->tk);
		a->task_on = 0;
	}
	if (a->workers_up)
		workers_stop(&a->ws);
	if (a->indexing)
		index_refresh_abort(&a->job);
	if (a->checking)
		cmd_release(&a->check);
	if (a->probe == PROBE_RUNNING)
		pthread_join(a->probe_thread, NULL);
	if (a->probe == PROBE_RUNNING || a->probe == PROBE_OK)
		model_close(&a->m);
	if (a->history_path)
		line_history_save(&a->u.input, a->history_path, &e);
	log_set_sink(NULL, NULL);
	term_close();
	if (a->stats) {
		fprintf(stderr, "loom: stats: first_frame_us=%.0f\n",
		        (double)a->first_frame_ns / 1e3);
		stat_print("frame", a->frame_ns, a->nframe);
		stat_print("key_to_screen", a->lat_ns, a->nlat);
		fprintf(stderr,
		        "loom: stats: peak_rss_kib core=%ld architect=%ld explorer=%ld coder=%ld "
		        "index=%ld core_during_index=%ld\n",
		        proc_peak_rss_kib(0), a->ws.w[0].maxrss_kb, a->ws.w[1].maxrss_kb,
		        a->ws.w[2].maxrss_kb, a->index_rss_kib, a->core_at_index_kib);
	}
	restore_stderr(a);
	if (a->have_db)
		db_close(&a->d);
	if (a->rootfd >= 0)
		close(a->rootfd);
	chan_waiter_release(&a->waiter);
	sig_fd = -1;
	for (int i = 0; i < 2; i++) {
		if (a->sigpipe[i] > 0)
			close(a->sigpipe[i]);
		if (a->probe_pipe[i] > 0)
			close(a->probe_pipe[i]);
	}
	for (size_t i = 0; i < a->ntags; i++)
		free(a->tags[i]);
	free(a->tags);
	free_req_tags(a);
	free(a->pending);
	free(a->log_path);
	free(a->session_path);
	free(a->history_path);
	free(a->frame_ns);
	free(a->lat_ns);
	ui_release(&a->u);
	config_release(&a->conf);
	repo_close(&a->r);
}

int tui_run(const struct tui_opts *o)
{
	static const struct tui_opts none;
	struct app *a = xcalloc(1, sizeof(*a));
	struct error e = ERROR_INIT;
	int rc;

	a->t_start = fs_now_ns();
	a->o = o ? o : &none;
	a->r = (struct repo)REPO_INIT;
	a->d = (struct db)DB_INIT;
	a->rootfd = -1;
	a->saved_stderr = -1;
	a->stats = getenv("LOOM_TUI_STATS") != NULL;
	ui_init(&a->u);
	config_init(&a->conf);
	theme_default(&a->theme);
	keys_default(&a->km);
	main_thread = pthread_self();
	the_app = a;
	setlocale(LC_ALL, "");
	if (setup(a, &e) < 0) {
		rc = LOOM_EXIT_FAIL;
	} else {
		loop(a);
		rc = a->exit_code;
	}
	teardown(a);
	if (e.msg[0])
		log_error("%s", e.msg);
	the_app = NULL;
	free(a);
	return rc;
}

static const char tui_usage[] =
        "usage: loom [PATH] [--theme NAME] [--resume]\n"
        "\n"
        "Opens the interactive session on the repository at PATH (default: the current\n"
        "directory): ask for a change, read the evidence ledger, approve the diff hunk by\n"
        "hunk. ? shows the keys, /help the commands, Ctrl-C twice quits.\n"
        "\n"
        "  --theme NAME  dark, light, high-contrast, or a theme file (themes/README.md)\n"
        "  --resume      reopen this repository's last session: its conversation, plan,\n"
        "                ledger, tags and decisions\n";

int tui_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "theme", required_argument, NULL, 't' },
		{ "resume", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tui_opts o;
	int c;

	memset(&o, 0, sizeof(o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 't': o.theme = optarg; break;
		case 'r': o.resume = 1; break;
		case 'h': fputs(tui_usage, stdout); return LOOM_EXIT_OK;
		default: fputs(tui_usage, stderr); return LOOM_EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		log_error("usage: loom [PATH] [--theme NAME] [--resume]");
		return LOOM_EXIT_USAGE;
	}
	o.dir = optind < argc ? argv[optind] : ".";
	return tui_run(&o);
}
