/*
 * workers.h - the session core's side of the three worker processes.
 *
 * Idle costs nothing: a worker with no request in flight writes no
 * heartbeats and sleeps until its inbox changes, and the core's workers_wait
 * has no timer while no request is in flight (see workers_wait).
 */
#ifndef LOOM_WORKERS_H
#define LOOM_WORKERS_H

#include <cjson/cJSON.h>
#include <signal.h>
#include <sys/types.h>

#include "core/config.h"
#include "core/error.h"
#include "ipc/chan.h"
#include "ipc/session.h"

enum worker_role { WORKER_ARCHITECT, WORKER_EXPLORER, WORKER_CODER, WORKER__COUNT };

#define WORKERS_TIMEOUT_MS 600000 /* a request answered by nothing but heartbeats, at most */
#define WORKERS_RESTARTS   3      /* a worker lost more often than this in a session fails */

/* What came back for a request: its result's payload, or an error. */
struct workers_reply {
	unsigned long id;
	cJSON *result; /* owned by the reply; NULL on error */
	char *error;   /* owned; NULL on success */
	char kind[32]; /* the error's kind: the worker's own, or "timeout", "lost", "cancelled" */
};
#define WORKERS_REPLY_INIT                                                                         \
	{                                                                                          \
		0, NULL, NULL, ""                                                                  \
	}
void workers_reply_release(struct workers_reply *r);

struct worker_proc {
	pid_t pid;              /* 0 when not running (or dead and reaped) */
	int pidfd;              /* its pidfd, woken by its exit; -1 when none */
	int pid_watch;          /* the pidfd's place in the waiter */
	struct chan_writer in;  /* its inbox, written here */
	struct chan_reader out; /* its outbox, read here */
	int watch;              /* its outbox in the waiter */
	uint64_t heard_ns;      /* when a record last came from it (silence counts while busy) */
	int restarts;           /* times lost and restarted */
	long maxrss_kb; /* its peak resident memory (KiB, VmHWM) as last seen; kept after stop */
	/* the request in flight (busy != 0), kept to be sent again to a restarted worker */
	unsigned long busy;
	char kind[32];
	cJSON *payload;
	uint64_t sent_ns, cancel_ns; /* cancel_ns: when a cancel was sent, 0 if none */
	struct workers_reply done;   /* the last finished request's reply, until taken */
	int has_done;
};

struct workers {
	struct session s;
	char *exe;                /* this executable */
	char *bin[WORKER__COUNT]; /* each role's worker executable, beside it */
	char *repo;               /* the repository root */
	struct worker_proc w[WORKER__COUNT];
	struct chan_waiter waiter; /* the outboxes; a caller may add its own descriptors */
	unsigned long next_id;
	uint64_t model_us;              /* the model server's time, as the workers reported it */
	uint64_t tokens_in, tokens_out; /* the model's tokens, prompt and generated, as reported */
	int timeout_ms;                 /* per request; LOOM_WORKER_TIMEOUT (seconds) overrides */
	int silent_ms; /* IPC_SILENT_MS; LOOM_WORKER_SILENT (seconds, at least 2) overrides */
	/* streamed model text of the running request, or NULL; text NULL: a
	   restarted worker streams the request again from its start */
	int (*on_token)(void *ctx, enum worker_role r, const char *text, size_t n);
	void *ctx;
	const volatile sig_atomic_t *cancel; /* non-zero: cancel what is in flight (Ctrl-C) */
};

const char *workers_role_name(enum worker_role r);
/* The path of role r's worker executable, beside exe (the loom executable); caller frees. */
char *workers_bin(const char *exe, enum worker_role r);

/*
 * Removes stale session directories of crashed runs, creates this session's
 * (kept after workers_stop when keep is set), writes the effective settings
 * for the workers, and starts the three workers, each waiting for its hello.
 * -1 with e set when one cannot start; everything started is stopped again.
 */
int workers_start(struct workers *ws, const char *repo_root, const struct config *conf, int keep,
                  struct error *e);

/*
 * Sends a request to worker r without waiting. A worker found dead first (it
 * died while idle) is restarted. Returns the request's id, or 0 with e set
 * when r already has a request in flight (one at a time per role) or cannot
 * be written to.
 */
unsigned long workers_send(struct workers *ws, enum worker_role r, const char *kind,
                           const cJSON *payload, struct error *e);

/*
 * Reads what the workers wrote, relays streamed tokens to on_token, and
 * finishes requests: with their result or error, or with an error of kind
 * "timeout" (no answer within timeout_ms; the worker is restarted), "lost"
 * (the worker died more than WORKERS_RESTARTS times), or "cancelled" (after
 * *cancel was set, when the worker does not answer the cancel within 2 s). A
 * worker with a request in flight that dies, or goes silent for silent_ms
 * (counted from the request or the last record, whichever is later), is
 * restarted and its request sent again, through one function. An idle worker
 * sends nothing and is never held to silence; one found dead is reaped here
 * and restarted by the next workers_send to it. Never blocks beyond reading
 * (and starting a lost worker). Returns how many requests finished (see
 * workers_take), -1 with e when an outbox cannot be read.
 */
int workers_pump(struct workers *ws, struct error *e);

/*
 * Sleeps in one wait on the outboxes, the workers' pidfds and the caller's
 * descriptors (see ipc/chan.h); call workers_pump after it returns. The wait
 * ends early by itself when a request in flight reaches a deadline pump must
 * check (its timeout, its worker's silence, a cancel's grace), so a caller
 * may always pass -1, and needs a finite timeout only for its own sake. With
 * no request in flight and timeout_ms -1 it sleeps until a worker writes or
 * dies, or a caller's descriptor is ready: no timer, no CPU (with inotify; in
 * poll mode the files are checked every CHAN_POLL_MS).
 */
int workers_wait(struct workers *ws, int timeout_ms, struct error *e);

/* Whether worker r has a request in flight. */
int workers_busy(const struct workers *ws, enum worker_role r);

/*
 * Takes the reply of worker r's last finished request: 1 with *out filled
 * (release it with workers_reply_release), 0 when there is none.
 */
int workers_take(struct workers *ws, enum worker_role r, struct workers_reply *out);

/* Asks every worker with a request in flight to cancel it (replies follow through pump). */
void workers_cancel(struct workers *ws);

/*
 * Sends a request and waits for its reply (send, then wait and pump). On
 * success *result is the result's payload (the caller deletes it). -1 with e
 * set on the worker's error, a timeout, too many restarts or a cancel; *fail
 * (if not NULL) then says which ("cancelled", "timeout", "lost", or the
 * worker's own kind).
 */
int workers_call(struct workers *ws, enum worker_role r, const char *kind, const cJSON *payload,
                 cJSON **result, const char **fail, struct error *e);

/* Asks every worker to stop, kills those that do not, removes the session directory. */
void workers_stop(struct workers *ws);

#endif
