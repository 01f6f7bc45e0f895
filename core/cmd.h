/*
 * cmd.h - a shell command run in the background, for an event loop: its
 * output collected up to a cap, a time limit, and a kill that reaches every
 * process it started.
 */
#ifndef LOOM_CMD_H
#define LOOM_CMD_H

#include <stdint.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/error.h"

struct cmd {
	pid_t pid;        /* the shell, leader of its own process group; 0 when not running */
	int fd;           /* its standard output and error, non-blocking; -1 when closed */
	struct buf out;   /* what it wrote: all of it up to the cap, else its first and its
	                     last cap / 2 bytes around a line saying how much is left out */
	size_t cap;       /* bytes kept */
	uint64_t dropped; /* bytes left out */
	char *ring;       /* the last cap / 2 bytes, while it runs past the cap */
	size_t ring_at;   /* where the next byte goes in ring */
	uint64_t total;   /* bytes written */
	uint64_t t0, limit_ns;
	int status;    /* when done: the exit status, or 128 + the signal that ended it */
	int timed_out; /* killed at the time limit */
	int done;
	double seconds; /* wall time, when done */
};
#define CMD_INIT                                                                                   \
	{                                                                                          \
		0, -1, BUF_INIT, 0, 0, NULL, 0, 0, 0, 0, 0, 0, 0, 0                                \
	}

/*
 * Starts `/bin/sh -c line` in dir with standard input from /dev/null and
 * standard output and error into one pipe, in a new process group. limit_ms:
 * the time it may take (0: no limit); cap: the bytes of output kept (its head
 * and its tail, where errors tend to be). -1 with e set when it cannot start.
 */
int cmd_start(struct cmd *c, const char *line, const char *dir, long limit_ms, size_t cap,
              struct error *e);
/*
 * The same with a function instead of a shell: the child process (in its new
 * process group, output into the pipe) runs fn(ctx) and exits with what it
 * returns; fn may exec. what names it in messages.
 */
int cmd_start_fn(struct cmd *c, int (*fn)(void *ctx), void *ctx, const char *what, long limit_ms,
                 size_t cap, struct error *e);
/*
 * Reads what the command wrote since the last call, without blocking, and
 * kills its process group at the time limit. Returns 1 once it has ended
 * (done, status and seconds set; the output is complete), else 0.
 */
int cmd_poll(struct cmd *c);
/* Kills the process group and reaps the shell (done is then set); safe when not running. */
void cmd_kill(struct cmd *c);
/* Kills it if still running, frees the output, leaves c as CMD_INIT. */
void cmd_release(struct cmd *c);

#endif
