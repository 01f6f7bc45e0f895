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
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fs.h"

int cmd_start(struct cmd *c, const char *line, const char *dir, long limit_ms, size_t cap,
              struct error *e)
{
	int p[2];
	pid_t pid;

	*c = (struct cmd)CMD_INIT;
	if (pipe2(p, O_CLOEXEC) < 0)
		return error_errno(e, "cannot run '%s'", line);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return error_errno(e, "cannot run '%s'", line);
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(126);
		if (dir && chdir(dir) < 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", line, (char *)NULL);
		_exit(127);
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
		if (c->out.len < c->cap) {
			size_t keep =
			        c->cap - c->out.len < (size_t)n ? c->cap - c->out.len : (size_t)n;
			buf_add(&c->out, blk, keep);
			c->dropped += (uint64_t)n - keep;
		} else {
			c->dropped += (uint64_t)n;
		}
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
	*c = (struct cmd)CMD_INIT;
}
