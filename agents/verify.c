/*
 * verify.c - a proposal checked in a scratch copy of the repository (see
 * verify.h).
 *
 * Everything that touches the disk happens in a child process (core/cmd.c),
 * so the caller's event loop never waits on it: the child brings the scratch
 * copy (context/scratch.h) in line with the work tree, puts the proposal's
 * files over it, runs the check as its own child there, puts the scratch
 * back, and exits with the check's status. All of them share one process
 * group, which the time limit kills whole.
 *
 * A child killed half-way leaves proposal files in the scratch: the scratch
 * notes each path before it writes it, and its next sync puts them back.
 */
#define _GNU_SOURCE
#include "agents/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "context/scratch.h"
#include "core/check.h"
#include "core/cmd.h"
#include "core/fs.h"
#include "core/utf8.h"
#include "core/xalloc.h"

#define VERIFY_CAP     (256 * 1024) /* output kept */
#define VERIFY_TRIM    1536         /* bytes of it a small model is given */
#define VERIFY_NOT_RUN 254          /* the child's status when the check could not run */
#define VERIFY_MARK    "loom: verify: "

struct verify {
	struct repo *r;
	struct cmd c;
	int running;
	/* for the child */
	const char *check;
	const struct verify_file *files;
	size_t nfiles;
};

struct verify *verify_new(struct repo *r)
{
	struct verify *v = xcalloc(1, sizeof(*v));

	v->r = r;
	v->c = (struct cmd)CMD_INIT;
	return v;
}

void verify_free(struct verify *v)
{
	if (!v)
		return;
	cmd_release(&v->c);
	free(v);
}

/* The child: scratch, files, check, revert. Its exit status is the check's. */
static int child(void *ctx)
{
	struct verify *v = ctx;
	struct scratch s = SCRATCH_INIT;
	struct scratch_stats st0;
	struct error e = ERROR_INIT;
	size_t i;
	int st = 0;
	pid_t pid;

	if (scratch_open(&s, v->r, NULL, &st0, &e) < 0) {
		fprintf(stderr, VERIFY_MARK "%s\n", e.msg);
		return VERIFY_NOT_RUN;
	}
	for (i = 0; i < v->nfiles; i++)
		if (scratch_put(&s, v->files[i].path, v->files[i].data, v->files[i].len, 0644, &e) <
		    0) {
			fprintf(stderr, VERIFY_MARK "%s\n", e.msg);
			st = VERIFY_NOT_RUN;
			break;
		}
	if (!st) {
		pid = fork();
		if (pid == 0) {
			/* git in the check must find the copy's own .git, not the user's */
			unsetenv("GIT_DIR");
			unsetenv("GIT_WORK_TREE");
			unsetenv("GIT_INDEX_FILE");
			unsetenv("GIT_COMMON_DIR");
			if (chdir(s.dir) < 0)
				_exit(126);
			execl("/bin/sh", "sh", "-c", v->check, (char *)NULL);
			_exit(127);
		}
		if (pid < 0) {
			fprintf(stderr, VERIFY_MARK "cannot run the check: %s\n", strerror(errno));
			st = VERIFY_NOT_RUN;
		} else {
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			if (st == VERIFY_NOT_RUN)
				st = 1; /* the check's own 254 is a failure like any other */
		}
	}
	/* back to the work tree for the next check (what a kill leaves, the next sync puts back) */
	if (v->nfiles && scratch_revert(&s, v->r, NULL, 0, &e) < 0)
		fprintf(stderr, VERIFY_MARK "%s\n", e.msg);
	scratch_close(&s);
	return st;
}

int verify_start(struct verify *v, const char *check, long limit_ms,
                 const struct verify_file *files, size_t n, struct error *e)
{
	if (v->running)
		return error_set(e, "a check is already running");
	cmd_release(&v->c);
	v->check = check;
	v->files = files;
	v->nfiles = n;
	/* the child gets its own copy of files and check at fork: they need not outlive this */
	if (cmd_start_fn(&v->c, child, v, check, limit_ms, VERIFY_CAP, e) < 0)
		return -1;
	v->files = NULL;
	v->nfiles = 0;
	v->running = 1;
	return 0;
}

int verify_fd(const struct verify *v)
{
	return v->running ? v->c.fd : -1;
}

int verify_running(const struct verify *v)
{
	return v->running;
}

int verify_poll(struct verify *v, struct verify_result *out)
{
	const char *text;
	size_t n;

	if (!v->running || !cmd_poll(&v->c))
		return 0;
	v->running = 0;
	memset(out, 0, sizeof(*out));
	text = v->c.out.ptr ? v->c.out.ptr : "";
	n = v->c.out.len;
	out->full = utf8_sanitize(text, n);
	out->seconds = v->c.seconds;
	out->timed_out = v->c.timed_out;
	out->status = v->c.status;
	if (out->status == VERIFY_NOT_RUN && strstr(out->full, VERIFY_MARK)) {
		out->status = -1;
		out->output = xstrdup(strstr(out->full, VERIFY_MARK) + strlen(VERIFY_MARK));
		return 1;
	}
	out->passed = !out->timed_out && out->status == 0;
	if (!out->passed) {
		out->output = check_trim(out->full, strlen(out->full), VERIFY_TRIM);
		snprintf(out->klass, sizeof(out->klass), "%s",
		         check_classify(out->full, strlen(out->full), out->timed_out));
	} else {
		out->output = xstrdup("");
	}
	return 1;
}

void verify_cancel(struct verify *v)
{
	if (v->running)
		cmd_kill(&v->c);
	v->running = 0;
}

void verify_result_release(struct verify_result *r)
{
	free(r->output);
	free(r->full);
	memset(r, 0, sizeof(*r));
}
