/* workers.h - the session core's side of the three worker processes. */
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

struct worker_proc {
	pid_t pid;              /* 0 when not running */
	struct chan_writer in;  /* its inbox, written here */
	struct chan_reader out; /* its outbox, read here */
	int watch;              /* its outbox in the waiter */
	uint64_t heard_ns;      /* when a record last came from it */
	int restarts;           /* times lost and restarted */
	long maxrss_kb; /* its peak resident memory (KiB, VmHWM) as last seen; kept after stop */
};

struct workers {
	struct session s;
	char *exe;                /* this executable */
	char *bin[WORKER__COUNT]; /* each role's worker executable, beside it */
	char *repo;               /* the repository root */
	struct worker_proc w[WORKER__COUNT];
	struct chan_waiter waiter;
	unsigned long next_id;
	uint64_t model_us; /* the model server's time, as the workers reported it */
	int timeout_ms;    /* per request; LOOM_WORKER_TIMEOUT (seconds) overrides */
	/* streamed model text of the running request, or NULL; text NULL: a
	   restarted worker streams the request again from its start */
	int (*on_token)(void *ctx, enum worker_role r, const char *text, size_t n);
	void *ctx;
	const volatile sig_atomic_t *cancel; /* the caller's Ctrl-C */
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
 * Sends a request to one worker and waits for its result, relaying token
 * records to on_token. A worker that dies (or goes silent for IPC_SILENT_MS)
 * meanwhile is restarted and the request sent again, through one function.
 * On success *result is the result's payload (the caller deletes it). -1 with
 * e set on the worker's error, a timeout, too many restarts or a cancel;
 * *kind (if not NULL) then says which ("cancelled", "timeout", "lost", or the
 * worker's own kind).
 */
int workers_call(struct workers *ws, enum worker_role r, const char *kind, const cJSON *payload,
                 cJSON **result, const char **fail, struct error *e);

/* Asks every worker to stop, kills those that do not, removes the session directory. */
void workers_stop(struct workers *ws);

#endif
