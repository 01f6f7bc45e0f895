/*
 * worker.c - the runtime of a worker process: one role in its own sandbox.
 *
 * Each worker executable (loom-worker-model for the Architect and the Coder,
 * loom-worker-explorer for the Explorer; agents/bin/) is a main() that calls
 * worker_main() with its role's operations (agents/worker.h). Started by the
 * session core (agents/workers.c) with the session directory. Before it gives
 * up its rights it opens everything it will ever need: its inbox and outbox,
 * its life lock, the session's settings, and what the role prepares (the
 * model server's addresses and certificates, or the repository and its
 * index). Then it restricts itself (agents/sandbox.c), says hello, and serves
 * requests one at a time.
 *
 * Two threads: the main thread runs one request at a time; the watcher thread
 * tails the inbox (cancel, shutdown, new requests) and, while a request is in
 * flight (queued or running), sends a heartbeat every IPC_HEARTBEAT_MS, also
 * while a long model call runs. An idle worker sends nothing and sleeps in
 * chan_wait with no timeout until its inbox changes: a session waiting for
 * its user takes no CPU. Sends go through one mutex so records never
 * interleave. A request may run twice (the core re-sends
 * the in-flight request to a restarted worker), so handlers have no effect
 * beyond their reply: the Explorer only reads, the others only talk.
 */
#define _GNU_SOURCE
#include "agents/worker.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "agents/sandbox.h"
#include "core/config.h"
#include "core/exitcode.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "ipc/chan.h"
#include "ipc/proto.h"
#include "ipc/session.h"

struct job {
	char *id;
	char *kind;
	cJSON *payload;
	struct job *next;
};

struct worker {
	const struct worker_ops *ops;
	struct worker_env env;
	struct chan_reader in;
	struct chan_writer out;
	pthread_mutex_t send_lock;
	pthread_mutex_t lock; /* guards the queue, current, stop */
	pthread_cond_t cond;
	struct job *queue;
	char *current; /* the id of the request running now */
	int stop;
	volatile sig_atomic_t cancel;
	struct chan_waiter waiter; /* on the inbox, set up before the sandbox */
};

static int send_rec(struct worker *w, enum ipc_type t, cJSON *fields)
{
	struct error e = ERROR_INIT;
	int rc;

	pthread_mutex_lock(&w->send_lock);
	rc = chan_send(&w->out, t, fields, &e);
	pthread_mutex_unlock(&w->send_lock);
	cJSON_Delete(fields);
	return rc;
}

static int on_token(void *ctx, const char *text, size_t n)
{
	struct worker *w = ctx;
	cJSON *f = cJSON_CreateObject();
	char *t = xstrndup(text, n);

	pthread_mutex_lock(&w->lock);
	cJSON_AddStringToObject(f, "id", w->current ? w->current : "");
	pthread_mutex_unlock(&w->lock);
	cJSON_AddStringToObject(f, "text", t);
	free(t);
	send_rec(w, IPC_TOKEN, f);
	return 0;
}

/* The inbox's records: queue requests, act on cancel and shutdown at once. */
static int inbox_record(void *ctx, const struct chan_msg *msg)
{
	struct worker *w = ctx;
	const cJSON *id;

	if (msg->status != CHAN_RECORD)
		return 0;
	id = cJSON_GetObjectItemCaseSensitive(msg->rec, "id");
	pthread_mutex_lock(&w->lock);
	if (msg->type == IPC_SHUTDOWN) {
		w->stop = 1;
		w->cancel = 1;
	} else if (msg->type == IPC_CANCEL) {
		if (w->current && cJSON_IsString(id) && !strcmp(id->valuestring, w->current))
			w->cancel = 1;
	} else if (msg->type == IPC_REQUEST) {
		struct job *j = xcalloc(1, sizeof(*j)), **tail = &w->queue;
		j->id = xstrdup(id->valuestring);
		j->kind = xstrdup(cJSON_GetObjectItemCaseSensitive(msg->rec, "kind")->valuestring);
		j->payload =
		        cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(msg->rec, "payload"), 1);
		while (*tail)
			tail = &(*tail)->next;
		*tail = j;
	}
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

/*
 * Whether a request is in flight: queued, or running on the main thread. Only
 * then does the worker owe the core heartbeats.
 */
static int in_flight(struct worker *w, int *stop)
{
	int busy;

	pthread_mutex_lock(&w->lock);
	busy = w->queue || w->current;
	*stop = w->stop;
	pthread_mutex_unlock(&w->lock);
	return busy;
}

/*
 * Tails the inbox. While a request is in flight it wakes for a heartbeat
 * every IPC_HEARTBEAT_MS (the main thread may be deep in a model call); while
 * idle it sleeps with no timeout, woken only by the inbox, so an idle session
 * costs no CPU (with inotify; see ipc/chan.h for the poll fallback).
 */
static void *watcher(void *arg)
{
	struct worker *w = arg;
	struct error e = ERROR_INIT;
	const uint64_t period = (uint64_t)IPC_HEARTBEAT_MS * 1000000u;
	uint64_t beat = 0; /* when the last heartbeat went, while busy */
	int busy = 0, stop = 0;

	for (;;) {
		int timeout = -1;

		if (busy) {
			uint64_t now = fs_now_ns();
			timeout = now - beat >= period
			                  ? 0
			                  : (int)((beat + period - now + 999999) / 1000000);
		}
		chan_wait(&w->waiter, timeout, &e);
		if (chan_read(&w->in, inbox_record, w, &e) < 0)
			break;
		if (!in_flight(w, &stop)) {
			busy = 0; /* the request that just ended had its heartbeats */
		} else if (!busy) {
			busy = 1; /* a request came: the first beat is due a period later */
			beat = fs_now_ns();
		} else if (fs_now_ns() - beat >= period) {
			send_rec(w, IPC_HEARTBEAT, cJSON_CreateObject());
			beat = fs_now_ns();
		}
		if (stop)
			break;
	}
	return NULL;
}

/* The session's settings and the role's own preparations, before the sandbox. */
static int prepare(struct worker *w, const char *session_dir, struct error *e)
{
	char *conf = fs_join(session_dir, "config.json");
	struct buf text = BUF_INIT;
	cJSON *j, *it;

	config_init(&w->env.conf);
	if (fs_read_file(conf, 1 << 20, &text, e) < 0) {
		free(conf);
		return -1;
	}
	free(conf);
	j = cJSON_ParseWithLength(text.ptr, text.len);
	buf_release(&text);
	cJSON_ArrayForEach(it, j)
	{
		int k = config_find(it->string);
		if (k >= 0 && cJSON_IsString(it))
			config_set(&w->env.conf, (enum config_key)k, it->valuestring,
			           CONF_FROM_FLAG, "session", e);
	}
	cJSON_Delete(j);
	w->env.io.max_tokens = (int)config_long(&w->env.conf, CONF_MAX_TOKENS);
	w->env.io.temperature = config_double(&w->env.conf, CONF_TEMPERATURE);
	w->env.io.seed = config_long(&w->env.conf, CONF_SEED);
	w->env.io.retries = 2;
	w->env.io.cancel = &w->cancel;
	w->env.io.on_token = on_token;
	w->env.io.ctx = w;
	return w->ops->prepare(&w->env, e);
}

static int restrict_self(struct worker *w, struct error *e)
{
	struct sandbox_policy p = SANDBOX_POLICY_INIT;

	p.role = w->env.role;
	w->ops->policy(&w->env, &p);
	return sandbox_apply(&p, e) < 0 ? -1 : 0;
}

static cJSON *usage_zero(void)
{
	cJSON *u = cJSON_CreateObject();

	cJSON_AddNumberToObject(u, "in", 0);
	cJSON_AddNumberToObject(u, "out", 0);
	return u;
}

static uint64_t busy(struct worker *w)
{
	return w->ops->busy_ns ? w->ops->busy_ns(&w->env) : 0;
}

int worker_main(int argc, char **argv, const struct worker_ops *ops)
{
	struct worker w;
	struct error e = ERROR_INIT;
	const char *session_dir = NULL, *repo = ".";
	long parent = 0;
	char *in, *out, *lockp;
	pthread_t tid;
	int c, role, lockfd, rc = LOOM_EXIT_FAIL;
	static const struct option opts[] = {
		{ "session", required_argument, NULL, 's' },
		{ "parent", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};

	while ((c = getopt_long(argc, argv, "+C:", opts, NULL)) != -1) {
		if (c == 's')
			session_dir = optarg;
		else if (c == 'C')
			repo = optarg;
		else if (c == 'p')
			parent = strtol(optarg, NULL, 10);
		else
			return LOOM_EXIT_USAGE;
	}
	if (optind >= argc || !session_dir || (role = sandbox_role_parse(argv[optind])) < 0 ||
	    !(ops->roles & 1u << role)) {
		log_error("usage: %s --session DIR [-C REPO] [--parent PID] ROLE (started by loom)",
		          ops->name);
		return LOOM_EXIT_USAGE;
	}
	memset(&w, 0, sizeof(w));
	w.ops = ops;
	w.env.role = (enum sandbox_role)role;
	w.env.repo = repo;
	w.in = (struct chan_reader)CHAN_READER_INIT;
	w.out = (struct chan_writer)CHAN_WRITER_INIT;
	pthread_mutex_init(&w.send_lock, NULL);
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	/*
	 * A worker never outlives the core that started it: killed with it, and
	 * gone at once if the core died before this line ran.
	 */
	if (parent > 0 && (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != (pid_t)parent))
		return LOOM_EXIT_FAIL;
	signal(SIGINT, SIG_IGN); /* the core decides: a Ctrl-C reaches it as a cancel */
	signal(SIGPIPE, SIG_IGN);

	{
		struct session s = SESSION_INIT;
		s.dir = (char *)session_dir;
		in = session_path(&s, argv[optind], SESSION_INBOX);
		out = session_path(&s, argv[optind], SESSION_OUTBOX);
		lockp = session_path(&s, argv[optind], SESSION_LOCK);
	}
	chan_waiter_init(&w.waiter);
	lockfd = session_worker_lock(lockp, &e);
	/*
	 * What the inbox already holds was sent to a worker before this one (it
	 * was lost); the core re-sends what still matters after our hello.
	 */
	if (lockfd < 0 || chan_reader_open(&w.in, in, &e) < 0 ||
	    chan_reader_skip_to_end(&w.in, &e) < 0 || chan_waiter_add_file(&w.waiter, in, &e) < 0 ||
	    chan_writer_open(&w.out, out, &e) < 0 || prepare(&w, session_dir, &e) < 0 ||
	    restrict_self(&w, &e) < 0 || (ops->ready && ops->ready(&w.env, &e) < 0)) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "id", "");
		cJSON_AddStringToObject(f, "message", e.msg);
		cJSON_AddStringToObject(f, "kind", "start");
		cJSON_AddNumberToObject(f, "model_us", 0);
		cJSON_AddItemToObject(f, "usage", usage_zero());
		if (w.out.fd >= 0)
			send_rec(&w, IPC_ERROR, f);
		else
			cJSON_Delete(f);
		goto out;
	}
	{
		cJSON *f = cJSON_CreateObject();
		cJSON_AddNumberToObject(f, "pid", (double)getpid());
		cJSON_AddStringToObject(f, "role", argv[optind]);
		cJSON_AddNumberToObject(f, "protocol", IPC_VERSION);
		send_rec(&w, IPC_HELLO, f);
	}
	if (pthread_create(&tid, NULL, watcher, &w) != 0)
		fatal("cannot start the worker's watcher thread");
	for (;;) {
		struct job *j;
		cJSON *res, *f;
		uint64_t t0, in0, out0;
		const char *fail;

		pthread_mutex_lock(&w.lock);
		while (!w.queue && !w.stop)
			pthread_cond_wait(&w.cond, &w.lock);
		if (w.stop) {
			pthread_mutex_unlock(&w.lock);
			break;
		}
		j = w.queue;
		w.queue = j->next;
		w.current = j->id;
		w.cancel = 0;
		pthread_mutex_unlock(&w.lock);

		e.msg[0] = '\0';
		fail = "failed";
		t0 = busy(&w);
		in0 = out0 = 0;
		if (ops->tokens)
			ops->tokens(&w.env, &in0, &out0);
		res = ops->handle(&w.env, j->kind, j->payload, &fail, &e);
		f = res ? res : cJSON_CreateObject();
		if (res) {
			cJSON *wrap = cJSON_CreateObject();
			cJSON_AddStringToObject(wrap, "id", j->id);
			cJSON_AddItemToObject(wrap, "payload", res);
			f = wrap;
		} else {
			cJSON_AddStringToObject(f, "id", j->id);
			cJSON_AddStringToObject(f, "message", e.msg);
			cJSON_AddStringToObject(f, "kind", w.cancel ? "cancelled" : fail);
		}
		/* how long of it the model server took, and its tokens: the core's accounts */
		cJSON_AddNumberToObject(f, "model_us", (double)((busy(&w) - t0) / 1000u));
		{
			uint64_t in1 = 0, out1 = 0;
			cJSON *u = cJSON_AddObjectToObject(f, "usage");
			if (ops->tokens)
				ops->tokens(&w.env, &in1, &out1);
			cJSON_AddNumberToObject(u, "in", (double)(in1 - in0));
			cJSON_AddNumberToObject(u, "out", (double)(out1 - out0));
		}
		send_rec(&w, res ? IPC_RESULT : IPC_ERROR, f);
		pthread_mutex_lock(&w.lock);
		w.current = NULL;
		pthread_mutex_unlock(&w.lock);
		free(j->id);
		free(j->kind);
		cJSON_Delete(j->payload);
		free(j);
	}
	pthread_join(tid, NULL);
	rc = LOOM_EXIT_OK;
out:
	while (w.queue) {
		struct job *j = w.queue;
		w.queue = j->next;
		free(j->id);
		free(j->kind);
		cJSON_Delete(j->payload);
		free(j);
	}
	ops->done(&w.env);
	config_release(&w.env.conf);
	chan_waiter_release(&w.waiter);
	chan_reader_close(&w.in);
	chan_writer_close(&w.out);
	free(in);
	free(out);
	free(lockp);
	/* the life lock goes with the process */
	_exit(rc);
}
