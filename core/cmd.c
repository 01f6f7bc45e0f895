/*
 * cmd.c - a shell command in the background (see cmd.h).
 *
 * The command gets its own process group so that a time limit or a cancel
 * kills what it started too (make's children, a test binary), not only the
 * shell. Output beyond the cap is read and counted but not kept, so a
 * command printing megabytes neither blocks on a full pipe nor fills memory.
 */
#define _GNU_SOURCE
#include "core/cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/xalloc.h"

struct shell {
	const char *line, *dir;
};

static int run_shell(void *ctx)
{
	struct shell *sh = ctx;

	if (sh->dir && chdir(sh->dir) < 0)
		return 126;
	execl("/bin/sh", "sh", "-c", sh->line, (char *)NULL);
	return 127;
}

int cmd_start(struct cmd *c, const char *line, const char *dir, long limit_ms, size_t cap,
              struct error *e)
{
	struct shell sh = { line, dir };

	return cmd_start_fn(c, run_shell, &sh, line, limit_ms, cap, e);
}

int cmd_start_fn(struct cmd *c, int (*fn)(void *ctx), void *ctx, const char *what, long limit_ms,
                 size_t cap, struct error *e)
{
	int p[2];
	pid_t pid;

	*c = (struct cmd)CMD_INIT;
	if (pipe2(p, O_CLOEXEC) < 0)
		return error_errno(e, "cannot run '%s'", what);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return error_errno(e, "cannot run '%s'", what);
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(126);
		_exit(fn(ctx));
	}
	/* both sides, so the kill below can never miss the group */
	setpgid(pid, pid);
	close(p[1]);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	c->pid = pid;
	c->fd = p[0];
	c->cap = cap;
	c->t0 = fs_now_ns();
	c->limit_ns = limit_ms > 0 ? (uint64_t)limit_ms * 1000000u : 0;
	return 0;
}

static void keep_ring(struct cmd *c, const char *p, size_t n)
{
	size_t half = c->cap / 2, k;

	while (n) {
		k = half - c->ring_at < n ? half - c->ring_at : n;
		memcpy(c->ring + c->ring_at, p, k);
		c->ring_at = (c->ring_at + k) % half;
		p += k;
		n -= k;
	}
}

/* Keeps all of the output up to the cap, then its head and, in a ring, its tail. */
static void keep(struct cmd *c, const char *p, size_t n)
{
	size_t half = c->cap / 2;

	c->total += n;
	if (!c->ring && c->out.len + n <= c->cap) {
		buf_add(&c->out, p, n);
		return;
	}
	if (half == 0)
		return;
	if (!c->ring) {
		/* past the cap: the head stays, what came after it starts the tail */
		c->ring = xcalloc(half + 1, 1);
		c->ring_at = 0;
		if (c->out.len > half) {
			keep_ring(c, c->out.ptr + half, c->out.len - half);
			buf_setlen(&c->out, half);
		}
	}
	keep_ring(c, p, n);
}

/* The head, a line saying how much is left out, and the tail, in order. */
static void finish_output(struct cmd *c)
{
	size_t half = c->cap / 2;

	if (!c->ring)
		return;
	c->dropped = c->total - c->out.len - half;
	buf_addf(&c->out, "\n[... %llu bytes of output left out ...]\n",
	         (unsigned long long)c->dropped);
	buf_add(&c->out, c->ring + c->ring_at, half - c->ring_at);
	buf_add(&c->out, c->ring, c->ring_at);
	free(c->ring);
	c->ring = NULL;
}

static void drain(struct cmd *c)
{
	char blk[16384];
	ssize_t n;

	while (c->fd >= 0) {
		n = read(c->fd, blk, sizeof(blk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0 || errno != EAGAIN) {
				close(c->fd);
				c->fd = -1;
			}
			return;
		}
		keep(c, blk, (size_t)n);
	}
}

static int reap(struct cmd *c, int block)
{
	int st;
	pid_t r;

	do
		r = waitpid(c->pid, &st, block ? 0 : WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return 0;
	c->status = r < 0 ? 127 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	drain(c);
	finish_output(c);
	c->pid = 0;
	c->done = 1;
	c->seconds = (double)(fs_now_ns() - c->t0) / 1e9;
	return 1;
}

int cmd_poll(struct cmd *c)
{
	if (c->done)
		return 1;
	if (!c->pid)
		return 0;
	drain(c);
	if (c->limit_ns && fs_now_ns() - c->t0 > c->limit_ns) {
		c->timed_out = 1;
		cmd_kill(c);
		return 1;
	}
	if (!reap(c, 0))
		return 0;
	/* the shell ended: what is in the pipe is its output (a leftover background
	   process that still holds the pipe does not keep the command going) */
	drain(c);
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	return 1;
}

void cmd_kill(struct cmd *c)
{
	if (!c->pid)
		return;
	kill(-c->pid, SIGKILL);
	kill(c->pid, SIGKILL);
	drain(c);
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	reap(c, 1);
}

void cmd_release(struct cmd *c)
{
	cmd_kill(c);
	if (c->fd >= 0)
		close(c->fd);
	buf_release(&c->out);
	free(c->ring);
	*c = (struct cmd)CMD_INIT;
}
