/*
 * worker.h - the runtime every worker process shares, and what a role plugs in.
 *
 * A worker executable is a main() that hands worker_main() its role's
 * operations. The Architect and the Coder (agents/worker_model.c) talk to the
 * model server and link libcurl but neither libgit2 nor SQLite; the Explorer
 * (agents/worker_explorer.c) reads the repository and its index and has no
 * network code at all. Each executable carries only its own libraries: less
 * memory per process, less code within reach of a compromised worker.
 */
#ifndef LOOM_WORKER_H
#define LOOM_WORKER_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "agents/roles.h"
#include "agents/sandbox.h"
#include "core/config.h"
#include "core/error.h"

/* What a role sees of its worker. */
struct worker_env {
	enum sandbox_role role;
	const char *repo;   /* the -C directory */
	struct config conf; /* the session's settings */
	struct role_io io;  /* limits, cancel flag and token stream, set up for the role */
	void *state;        /* the role's own */
};

struct worker_ops {
	const char *name; /* executable name, for messages */
	unsigned roles;   /* the roles it serves, as 1u << enum sandbox_role */
	/* Opens all the role will need, before the sandbox closes the filesystem. */
	int (*prepare)(struct worker_env *w, struct error *e);
	/* Fills the role's sandbox policy (p->role is set); what it allocates is freed by done. */
	void (*policy)(struct worker_env *w, struct sandbox_policy *p);
	/* After the sandbox, before hello (may be NULL). */
	int (*ready)(struct worker_env *w, struct error *e);
	/* One request: the result's payload, or NULL with e set and *fail its error kind. */
	cJSON *(*handle)(struct worker_env *w, const char *kind, const cJSON *payload,
	                 const char **fail, struct error *e);
	/* The model server's time so far, all requests together (may be NULL). */
	uint64_t (*busy_ns)(struct worker_env *w);
	/* Gives back what prepare, policy and ready took. */
	void (*done)(struct worker_env *w);
};

/*
 * The worker's whole life: `NAME --session DIR [-C REPO] [--parent PID] ROLE`.
 * Never returns (the life lock goes with the process).
 */
int worker_main(int argc, char **argv, const struct worker_ops *ops);

extern const struct worker_ops worker_model_ops;    /* agents/worker_model.c */
extern const struct worker_ops worker_explorer_ops; /* agents/worker_explorer.c */

#endif
