/*
 * verify.h - a proposal checked before the user sees it: its files put into
 * a scratch copy of the repository and the repository's check command run
 * there, in a child process the caller's event loop watches, with a time
 * limit and an output cap.
 */
#ifndef LOOM_VERIFY_H
#define LOOM_VERIFY_H

#include <stddef.h>

#include "context/repo.h"
#include "core/error.h"

/* One file of a proposal: its new content, or data NULL when it is deleted. */
struct verify_file {
	const char *path;
	const char *data;
	size_t len;
};

struct verify_result {
	int passed;     /* the check exited 0 */
	int status;     /* its exit status, 128 + signal, or -1 when it could not run */
	int timed_out;  /* killed at the time limit */
	double seconds; /* its wall time */
	char *output;   /* what matters of its output (core/check.h: check_trim), owned */
	char *full;     /* its whole output up to the cap, owned */
	char klass[32]; /* the failure's class (docs/CHECKS.md), "" when it passed */
};

struct verify;

/* A verifier for repository r (which must outlive it). */
struct verify *verify_new(struct repo *r);
void verify_free(struct verify *v);

/*
 * Starts a check of the work tree with files put over it (n may be 0: the
 * work tree as it is, a baseline): a child process brings the scratch copy in
 * line with the work tree, writes the files, runs `sh -c check` there and
 * puts the scratch back. -1 with e set when a check is already running or the
 * child cannot start.
 */
int verify_start(struct verify *v, const char *check, long limit_ms,
                 const struct verify_file *files, size_t n, struct error *e);
/* The descriptor to watch while a check runs (readable when it has news), else -1. */
int verify_fd(const struct verify *v);
/* Whether a check is running. */
int verify_running(const struct verify *v);
/* Reads what is there; 1 when the check ended, with *out filled (release it), else 0. */
int verify_poll(struct verify *v, struct verify_result *out);
/* Stops a running check (its whole process group). */
void verify_cancel(struct verify *v);
void verify_result_release(struct verify_result *r);

#endif
