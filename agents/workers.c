/*
 * workers.c - the session core: starting, feeding and watching the workers.
 *
 * Each worker is an executable beside this one (loom-worker-model for the
 * Architect and the Coder, loom-worker-explorer for the Explorer) run as
 * `loom-worker-X --session DIR -C REPO --parent PID ROLE`; it talks only
 * through its inbox and outbox in the session directory (ipc/). The core
 * writes requests to inboxes and sleeps in one wait on all outboxes; it never
 * blocks on a worker otherwise.
 *
 * A worker is lost when its process has exited (waitpid), or when, with a
 * request in flight, nothing, not even a heartbeat, came from it for
 * IPC_SILENT_MS (it is then killed). Every such case goes through
 * worker_lost(), the one function that reaps it, drops the fragment a
 * half-written record left in its outbox, starts it again and re-sends the
 * request it was working on. Handlers are safe to run twice: the Explorer
 * only reads and the others only talk to the model.
 *
 * An idle worker writes nothing, so the core has nothing to time while no
 * request is in flight and its wait has no timer. Each worker's pidfd is in
 * the wait, so a death wakes the core at once: workers_pump reaps a dead idle
 * worker, and the next workers_send to its role starts a new one. (Without
 * pidfds, before Linux 5.3, the death is seen by the next pump or send.)
 */
#define _GNU_SOURCE
#include "agents/workers.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/log.h"
#include "core/proc.h"
#include "core/xalloc.h"
#include "ipc/proto.h"

extern char **environ;

static const char *const role_names[WORKER__COUNT] = {
	[WORKER_ARCHITECT] = "architect",
	[WORKER_EXPLORER] = "explorer",
	[WORKER_CODER] = "coder",
};

#define HELLO_MS  15000 /* a worker must say hello within this */
#define CANCEL_MS 2000  /* a cancelled request's grace before the core gives up on it */
/* without a pidfd to wake it, how often a busy worker's process is checked */
#define CHECK_MS 1000

const char *workers_role_name(enum worker_role r)
{
	return role_names[r];
}

char *workers_bin(const char *exe, enum worker_role r)
{
	const char *slash = strrchr(exe, '/');

	return xasprintf("%.*s%s", slash ? (int)(slash - exe + 1) : 0, exe,
	                 r == WORKER_EXPLORER ? "loom-worker-explorer" : "loom-worker-model");
}

void workers_reply_release(struct workers_reply *r)
{
	cJSON_Delete(r->result);
	free(r->error);
	r->result = NULL;
	r->error = NULL;
	r->kind[0] = '\0';
}

/* What a read of one outbox is looking for, and what came. */
struct read_ctx {
	struct workers *ws;
	enum worker_role r;
	int starting;             /* waiting for a new worker's hello (or its start error) */
	int hello;                /* a hello came */
	struct workers_reply got; /* the in-flight request's result or error, or the start error */
	int have;
};

static void finish(struct read_ctx *c, cJSON *result, const char *error, const char *kind)
{
	c->got.result = result;
	c->got.error = error ? xstrdup(error) : NULL;
	snprintf(c->got.kind, sizeof(c->got.kind), "%s", kind ? kind : "");
	c->have = 1;
}

static int on_record(void *ctx, const struct chan_msg *m)
{
	struct read_ctx *c = ctx;
	struct worker_proc *w = &c->ws->w[c->r];
	const cJSON *id, *x;
	char busy[32];
	int mine;

	w->heard_ns = fs_now_ns();
	if (m->status != CHAN_RECORD) {
		if (m->problem)
			log_warn("%s outbox: %s", role_names[c->r], m->problem);
		return 0;
	}
	id = cJSON_GetObjectItemCaseSensitive(m->rec, "id");
	snprintf(busy, sizeof(busy), "r%lu", w->busy);
	mine = !c->starting && w->busy && cJSON_IsString(id) && !strcmp(id->valuestring, busy);
	x = cJSON_GetObjectItemCaseSensitive(m->rec, "model_us");
	if (cJSON_IsNumber(x) && x->valuedouble > 0)
		c->ws->model_us += (uint64_t)x->valuedouble; /* re-sent work counted too */
	x = cJSON_GetObjectItemCaseSensitive(m->rec, "usage");
	if (cJSON_IsObject(x)) {
		const cJSON *in = cJSON_GetObjectItemCaseSensitive(x, "in");
		const cJSON *out = cJSON_GetObjectItemCaseSensitive(x, "out");
		if (cJSON_IsNumber(in) && in->valuedouble > 0)
			c->ws->tokens_in += (uint64_t)in->valuedouble;
		if (cJSON_IsNumber(out) && out->valuedouble > 0)
			c->ws->tokens_out += (uint64_t)out->valuedouble;
	}
	switch (m->type) {
	case IPC_HELLO:
		x = cJSON_GetObjectItemCaseSensitive(m->rec, "protocol");
		if (x->valuedouble != IPC_VERSION) {
			char msg[128];
			snprintf(msg, sizeof(msg),
			         "it speaks protocol %g, not %d (a stale loom executable?)",
			         x->valuedouble, IPC_VERSION);
			finish(c, NULL, msg, "start");
			return 1;
		}
		c->hello = 1;
		return c->starting;
	case IPC_TOKEN:
		x = cJSON_GetObjectItemCaseSensitive(m->rec, "text");
		if (mine && c->ws->on_token && cJSON_IsString(x))
			c->ws->on_token(c->ws->ctx, c->r, x->valuestring, strlen(x->valuestring));
		break;
	case IPC_RESULT:
		if (mine) {
			finish(c,
			       cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(m->rec, "payload"),
			                       1),
			       NULL, NULL);
			return 1;
		}
		break;
	case IPC_ERROR:
		/* an error with the id "" is the worker's own: it could not start */
		if (mine || (c->starting && cJSON_IsString(id) && !*id->valuestring)) {
			const cJSON *k = cJSON_GetObjectItemCaseSensitive(m->rec, "kind");
			x = cJSON_GetObjectItemCaseSensitive(m->rec, "message");
			finish(c, NULL, cJSON_IsString(x) ? x->valuestring : "failed",
			       cJSON_IsString(k) ? k->valuestring : "");
			return 1;
		}
		break;
	default: break;
	}
	return 0;
}

static int spawn(struct workers *ws, enum worker_role r, struct error *e)
{
	/* options first: the worker's getopt stops at the role */
	char parent[24];
	char *argv[] = { ws->bin[r], "--session",           ws->s.dir, "-C", ws->repo, "--parent",
		         parent,     (char *)role_names[r], NULL };
	pid_t pid;
	int rc;

	/* the worker dies with the thread that spawns it: call this from the main thread */
	snprintf(parent, sizeof(parent), "%ld", (long)getpid());
	rc = posix_spawn(&pid, ws->bin[r], NULL, NULL, argv, environ);

	if (rc != 0) {
		errno = rc;
		return error_errno(e, "cannot start the %s", role_names[r]);
	}
	ws->w[r].pid = pid;
	ws->w[r].heard_ns = fs_now_ns();
	/*
	 * Its pidfd turns readable when it exits, waking the core's wait. The pid
	 * cannot be reused before the core reaps it, so there is no race. Where
	 * the kernel has none (ENOSYS), death is found by polling instead.
	 */
#ifdef SYS_pidfd_open
	ws->w[r].pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
	chan_waiter_set_fd(&ws->waiter, ws->w[r].pid_watch, ws->w[r].pidfd);
	return 0;
}

/* Forgets worker r's process, reaped or about to be: its pid and its pidfd. */
static void forget(struct workers *ws, enum worker_role r)
{
	struct worker_proc *w = &ws->w[r];

	chan_waiter_set_fd(&ws->waiter, w->pid_watch, -1);
	if (w->pidfd >= 0)
		close(w->pidfd);
	w->pidfd = -1;
	w->pid = 0;
}

/* Notes the most memory worker r has used, while it is alive to say. */
static void note_memory(struct workers *ws, enum worker_role r)
{
	long kib = ws->w[r].pid ? proc_peak_rss_kib(ws->w[r].pid) : -1;

	if (kib > ws->w[r].maxrss_kb)
		ws->w[r].maxrss_kb = kib;
}

static int is_dead(struct workers *ws, enum worker_role r)
{
	pid_t p;

	if (!ws->w[r].pid)
		return 1;
	p = waitpid(ws->w[r].pid, NULL, WNOHANG);
	if (p == ws->w[r].pid || (p < 0 && errno == ECHILD)) {
		forget(ws, r);
		return 1;
	}
	return 0;
}

/*
 * Reaps every worker that has exited. A dead worker's pidfd stays readable
 * until then, and would keep every wait from sleeping. A busy one found dead
 * here is restarted by the next workers_pump (its pid is 0), an idle one by
 * the next workers_send to its role.
 */
static void reap(struct workers *ws)
{
	int i;

	for (i = 0; i < WORKER__COUNT; i++)
		if (ws->w[i].pid)
			is_dead(ws, (enum worker_role)i);
}

/*
 * Starts worker r and waits for its hello. One that dies before it (killed, or
 * crashed) is started again, within the session's restart allowance.
 */
static int start_one(struct workers *ws, enum worker_role r, struct error *e)
{
	for (;;) {
		struct read_ctx c = { ws, r, 1, 0, WORKERS_REPLY_INIT, 0 };
		uint64_t end;

		if (spawn(ws, r, e) < 0)
			return -1;
		end = fs_now_ns() + (uint64_t)HELLO_MS * 1000000u;
		for (;;) {
			if (chan_read(&ws->w[r].out, on_record, &c, e) < 0)
				return -1;
			if (c.hello || c.have || fs_now_ns() >= end || is_dead(ws, r))
				break;
			reap(ws); /* another's death must not turn this wait into a spin */
			if (chan_wait(&ws->waiter, 100, e) < 0)
				return -1;
		}
		if (c.have) {
			error_set(e, "the %s could not start: %s", role_names[r], c.got.error);
			workers_reply_release(&c.got);
			return -1;
		}
		if (c.hello)
			return 0;
		if (!is_dead(ws, r))
			return error_set(e, "the %s did not start within %d s", role_names[r],
			                 HELLO_MS / 1000);
		if (++ws->w[r].restarts > WORKERS_RESTARTS)
			return error_set(e,
			                 "the %s exited before it was ready, %d times; giving up",
			                 role_names[r], ws->w[r].restarts);
		log_warn("the %s stopped; restarting it", role_names[r]);
		if (chan_reader_discard_partial(&ws->w[r].out, e) < 0)
			return -1;
	}
}

static int send_request(struct workers *ws, enum worker_role r, struct error *e)
{
	struct worker_proc *w = &ws->w[r];
	cJSON *f = cJSON_CreateObject();
	char id[32];
	int rc;

	snprintf(id, sizeof(id), "r%lu", w->busy);
	cJSON_AddStringToObject(f, "id", id);
	cJSON_AddStringToObject(f, "kind", w->kind);
	cJSON_AddItemToObject(f, "payload", cJSON_Duplicate(w->payload, 1));
	rc = chan_send(&w->in, IPC_REQUEST, f, e);
	cJSON_Delete(f);
	w->sent_ns = fs_now_ns();
	w->cancel_ns = 0;
	return rc;
}

/*
 * The one "worker lost" path: reap (killing a hung worker), drop the fragment
 * it may have left, start it again and re-send what it was doing (if resend).
 */
static int worker_lost(struct workers *ws, enum worker_role r, int resend, struct error *e)
{
	struct worker_proc *w = &ws->w[r];

	note_memory(ws, r); /* a hung one: what it had */
	if (w->pid) {
		kill(w->pid, SIGKILL);
		waitpid(w->pid, NULL, 0);
		forget(ws, r);
	}
	if (++w->restarts > WORKERS_RESTARTS)
		return error_set(e, "the %s was lost %d times; giving up", role_names[r],
		                 w->restarts);
	log_warn("the %s stopped; restarting it", role_names[r]);
	if (chan_reader_discard_partial(&w->out, e) < 0 || start_one(ws, r, e) < 0)
		return -1;
	if (!resend || !w->busy)
		return 0;
	if (ws->on_token)
		ws->on_token(ws->ctx, r, NULL, 0); /* what it streamed starts over */
	return send_request(ws, r, e);
}

/* Ends worker r's request in flight with reply c->got. */
static void done(struct workers *ws, enum worker_role r, struct read_ctx *c)
{
	struct worker_proc *w = &ws->w[r];

	note_memory(ws, r);
	workers_reply_release(&w->done);
	w->done = c->got;
	w->done.id = w->busy;
	w->has_done = 1;
	w->busy = 0;
	cJSON_Delete(w->payload);
	w->payload = NULL;
}

unsigned long workers_send(struct workers *ws, enum worker_role r, const char *kind,
                           const cJSON *payload, struct error *e)
{
	struct worker_proc *w = &ws->w[r];
	struct read_ctx drain = { ws, r, 0, 0, WORKERS_REPLY_INIT, 0 };

	if (w->busy) {
		error_set(e, "the %s is busy", role_names[r]);
		return 0;
	}
	/* what it said while nobody asked it anything (heartbeats) is old news */
	if (chan_read(&w->out, on_record, &drain, e) < 0)
		return 0;
	workers_reply_release(&drain.got);
	/* one that died while idle is replaced now, before it is given work */
	if (is_dead(ws, r) && worker_lost(ws, r, 0, e) < 0)
		return 0;
	w->busy = ++ws->next_id;
	snprintf(w->kind, sizeof(w->kind), "%s", kind);
	w->payload = cJSON_Duplicate(payload, 1);
	if (send_request(ws, r, e) < 0) {
		cJSON_Delete(w->payload);
		w->payload = NULL;
		w->busy = 0;
		return 0;
	}
	return ws->next_id;
}

/* Since when a busy worker's silence counts: its request went, or it was last heard. */
static uint64_t last_sign(const struct worker_proc *w)
{
	return w->heard_ns > w->sent_ns ? w->heard_ns : w->sent_ns;
}

int workers_pump(struct workers *ws, struct error *e)
{
	int i, n = 0;

	for (i = 0; i < WORKER__COUNT; i++) {
		enum worker_role r = (enum worker_role)i;
		struct worker_proc *w = &ws->w[r];
		struct read_ctx c = { ws, r, 0, 0, WORKERS_REPLY_INIT, 0 };
		struct error le = ERROR_INIT;
		uint64_t now;

		if (!w->busy) {
			/*
			 * Idle: no silence rule (it owes no heartbeats), but a dead
			 * one is reaped now and replaced when next asked for work.
			 */
			if (w->pid)
				is_dead(ws, r);
			continue;
		}
		if (chan_read(&w->out, on_record, &c, e) < 0)
			return -1;
		if (c.have) {
			done(ws, r, &c);
			n++;
			continue;
		}
		now = fs_now_ns();
		if (ws->cancel && *ws->cancel && !w->cancel_ns)
			workers_cancel(ws);
		if (w->cancel_ns && now - w->cancel_ns > (uint64_t)CANCEL_MS * 1000000u) {
			finish(&c, NULL, "cancelled", "cancelled");
		} else if (!w->cancel_ns &&
		           now - w->sent_ns > (uint64_t)ws->timeout_ms * 1000000u) {
			char msg[96];
			snprintf(msg, sizeof(msg), "the %s did not answer within %d s",
			         role_names[r], ws->timeout_ms / 1000);
			finish(&c, NULL, msg, "timeout");
			/* it may still be at it: a fresh one takes the next request */
			if (worker_lost(ws, r, 0, &le) < 0)
				log_warn("%s", le.msg);
		} else if (is_dead(ws, r)) {
			/* it may have answered just before it died: that answer stands */
			if (chan_read(&w->out, on_record, &c, e) < 0)
				return -1;
			if (!c.have && worker_lost(ws, r, 1, &le) < 0)
				finish(&c, NULL, le.msg, "lost");
		} else if (now - last_sign(w) > (uint64_t)ws->silent_ms * 1000000u) {
			if (worker_lost(ws, r, 1, &le) < 0)
				finish(&c, NULL, le.msg, "lost");
		}
		if (c.have) {
			done(ws, r, &c);
			n++;
		}
	}
	return n;
}

/*
 * How long workers_pump can wait before it has something to check: the
 * earliest deadline of a request in flight (its timeout, its worker's
 * silence, a cancel's grace), 0 when a cancel is yet to be sent, -1 (no limit)
 * when no request is in flight.
 */
static int next_check_ms(const struct workers *ws)
{
	uint64_t now = fs_now_ns(), next = UINT64_MAX, at;
	int i;

	for (i = 0; i < WORKER__COUNT; i++) {
		const struct worker_proc *w = &ws->w[i];

		if (!w->busy)
			continue;
		if (w->cancel_ns) {
			at = w->cancel_ns + (uint64_t)CANCEL_MS * 1000000u;
		} else {
			if (ws->cancel && *ws->cancel)
				return 0;
			at = w->sent_ns + (uint64_t)ws->timeout_ms * 1000000u;
		}
		if (last_sign(w) + (uint64_t)ws->silent_ms * 1000000u < at)
			at = last_sign(w) + (uint64_t)ws->silent_ms * 1000000u;
		if (w->pidfd < 0 && now + (uint64_t)CHECK_MS * 1000000u < at)
			at = now + (uint64_t)CHECK_MS * 1000000u;
		if (at < next)
			next = at;
	}
	if (next == UINT64_MAX)
		return -1;
	/* pump's checks are "more than": wake just past the deadline */
	return next <= now ? 1 : (int)((next - now) / 1000000u) + 1;
}

int workers_wait(struct workers *ws, int timeout_ms, struct error *e)
{
	int check = next_check_ms(ws);

	if (check >= 0 && (timeout_ms < 0 || check < timeout_ms))
		timeout_ms = check;
	return chan_wait(&ws->waiter, timeout_ms, e);
}

int workers_busy(const struct workers *ws, enum worker_role r)
{
	return ws->w[r].busy != 0;
}

int workers_take(struct workers *ws, enum worker_role r, struct workers_reply *out)
{
	if (!ws->w[r].has_done)
		return 0;
	*out = ws->w[r].done;
	ws->w[r].done = (struct workers_reply)WORKERS_REPLY_INIT;
	ws->w[r].has_done = 0;
	return 1;
}

void workers_cancel(struct workers *ws)
{
	int i;

	for (i = 0; i < WORKER__COUNT; i++) {
		struct worker_proc *w = &ws->w[i];
		struct error e = ERROR_INIT;
		char id[32];
		cJSON *f;

		if (!w->busy || w->cancel_ns)
			continue;
		snprintf(id, sizeof(id), "r%lu", w->busy);
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "id", id);
		chan_send(&w->in, IPC_CANCEL, f, &e);
		cJSON_Delete(f);
		w->cancel_ns = fs_now_ns(); /* it has a moment to answer "cancelled" */
	}
}

int workers_call(struct workers *ws, enum worker_role r, const char *kind, const cJSON *payload,
                 cJSON **result, const char **fail, struct error *e)
{
	static char kind_buf[32];
	struct workers_reply rep = WORKERS_REPLY_INIT;

	*result = NULL;
	if (fail)
		*fail = NULL;
	if (!workers_send(ws, r, kind, payload, e))
		return -1;
	while (!workers_take(ws, r, &rep)) {
		if (workers_pump(ws, e) < 0 || (!ws->w[r].has_done && workers_wait(ws, -1, e) < 0))
			return -1;
	}
	if (rep.error) {
		snprintf(kind_buf, sizeof(kind_buf), "%s", rep.kind);
		if (fail)
			*fail = kind_buf;
		error_set(e, "%s", rep.error);
		workers_reply_release(&rep);
		return -1;
	}
	*result = rep.result;
	return 0;
}

int workers_start(struct workers *ws, const char *repo_root, const struct config *conf, int keep,
                  struct error *e)
{
	struct error ignore = ERROR_INIT;
	cJSON *j;
	char *path, *text, *env = getenv("LOOM_WORKER_TIMEOUT");
	const char *silent = getenv("LOOM_WORKER_SILENT");
	long silent_s = silent ? strtol(silent, NULL, 10) : 0;
	int i;
	FILE *f;

	memset(ws, 0, sizeof(*ws));
	ws->s = (struct session)SESSION_INIT;
	for (i = 0; i < WORKER__COUNT; i++) {
		ws->w[i].in = (struct chan_writer)CHAN_WRITER_INIT;
		ws->w[i].out = (struct chan_reader)CHAN_READER_INIT;
		ws->w[i].pidfd = ws->w[i].pid_watch = -1;
	}
	chan_waiter_init(&ws->waiter);
	ws->timeout_ms = env && atoi(env) > 0 ? atoi(env) * 1000 : WORKERS_TIMEOUT_MS;
	/* under two heartbeats' time a busy worker would be lost for one late beat */
	ws->silent_ms = silent_s * 1000 >= 2 * IPC_HEARTBEAT_MS && silent_s <= 86400
	                        ? (int)silent_s * 1000
	                        : IPC_SILENT_MS;
	ws->exe = realpath("/proc/self/exe", NULL);
	if (!ws->exe)
		return error_errno(e, "cannot find the loom executable");
	ws->repo = xstrdup(repo_root);
	for (i = 0; i < WORKER__COUNT; i++) {
		ws->bin[i] = workers_bin(ws->exe, (enum worker_role)i);
		if (access(ws->bin[i], X_OK) != 0) {
			error_errno(e, "cannot run the %s's worker '%s'", role_names[i],
			            ws->bin[i]);
			goto fail;
		}
	}
	session_clean_stale(NULL, &ignore);
	if (session_create(&ws->s, NULL, e) < 0)
		goto fail;
	ws->s.keep = keep;
	/* the effective settings, so every worker uses what the core uses */
	j = cJSON_CreateObject();
	for (i = 0; i < CONF__COUNT; i++)
		cJSON_AddStringToObject(j, config_name((enum config_key)i),
		                        config_get(conf, (enum config_key)i));
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	path = fs_join(ws->s.dir, "config.json");
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		error_errno(e, "cannot write '%s'", path);
		free(path);
		free(text);
		goto fail;
	}
	free(path);
	free(text);
	for (i = 0; i < WORKER__COUNT; i++) {
		char *in, *out;
		int rc;
		if (session_add_worker(&ws->s, role_names[i], e) < 0)
			goto fail;
		in = session_path(&ws->s, role_names[i], SESSION_INBOX);
		out = session_path(&ws->s, role_names[i], SESSION_OUTBOX);
		rc = chan_writer_open(&ws->w[i].in, in, e) < 0 ||
		     chan_reader_open(&ws->w[i].out, out, e) < 0 ||
		     (ws->w[i].watch = chan_waiter_add_file(&ws->waiter, out, e)) < 0;
		/* its pidfd's place, filled by each start */
		ws->w[i].pid_watch = chan_waiter_add_fd(&ws->waiter, -1, POLLIN);
		free(in);
		free(out);
		if (rc)
			goto fail;
	}
	for (i = 0; i < WORKER__COUNT; i++)
		if (start_one(ws, (enum worker_role)i, e) < 0)
			goto fail;
	return 0;
fail:
	workers_stop(ws);
	return -1;
}

void workers_stop(struct workers *ws)
{
	struct error e = ERROR_INIT;
	uint64_t end;
	int i, alive;

	if (!ws->exe)
		return; /* never started */
	for (i = 0; i < WORKER__COUNT; i++)
		note_memory(ws, (enum worker_role)i);
	for (i = 0; i < WORKER__COUNT; i++)
		if (ws->w[i].pid && ws->w[i].in.fd >= 0) {
			cJSON *f = cJSON_CreateObject();
			chan_send(&ws->w[i].in, IPC_SHUTDOWN, f, &e);
			cJSON_Delete(f);
		}
	end = fs_now_ns() + 2000000000ull;
	do {
		struct timespec ts = { 0, 20000000L };
		alive = 0;
		for (i = 0; i < WORKER__COUNT; i++)
			alive += !is_dead(ws, (enum worker_role)i);
		if (alive)
			nanosleep(&ts, NULL);
	} while (alive && fs_now_ns() < end);
	for (i = 0; i < WORKER__COUNT; i++) {
		if (ws->w[i].pid) {
			kill(ws->w[i].pid, SIGKILL);
			waitpid(ws->w[i].pid, NULL, 0);
		}
		forget(ws, (enum worker_role)i);
		chan_writer_close(&ws->w[i].in);
		chan_reader_close(&ws->w[i].out);
		cJSON_Delete(ws->w[i].payload);
		ws->w[i].payload = NULL;
		ws->w[i].busy = 0;
		workers_reply_release(&ws->w[i].done);
		ws->w[i].has_done = 0;
	}
	chan_waiter_release(&ws->waiter);
	if (ws->s.dir)
		session_remove(&ws->s, &e);
	for (i = 0; i < WORKER__COUNT; i++) {
		free(ws->bin[i]);
		ws->bin[i] = NULL;
	}
	free(ws->exe);
	free(ws->repo);
	ws->exe = ws->repo = NULL;
}
