/*
 * session.c - the session directory: creating it, naming its files, removing it.
 *
 * A session is a directory BASE/loom-UID-PID-RANDOM, mode 0700, made with one
 * mkdir() (which fails rather than reuse anything already there) and owned by
 * the process PID. That process holds an flock on its session.lock for the
 * session's whole life; each worker likewise holds one on its ROLE.lock. A
 * lock dies with the last descriptor of its open file, that is with the
 * process, however it ends, so "is the lock free" is how liveness is tested.
 *
 * A directory is stale, and session_clean_stale removes it, only when all of
 * these hold: its name carries our uid, it is a real directory owned by us,
 * it has no "kept" file, no lock file in it is held, and the PID in its name
 * is not a live process. The last test covers the moment between a creator's
 * mkdir() and its flock(); it can only make cleaning wait (a reused pid),
 * never remove a live session. The cleaner holds session.lock while it
 * removes, so two cleaners never work on the same directory. Removal walks
 * the directory with openat() and never follows a symbolic link (it removes
 * the link), so nothing outside the directory is touched, nor anything in it
 * that belongs to another user.
 */
#define _GNU_SOURCE
#include "ipc/session.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/fs.h"

#define LOCK_NAME "session.lock"
#define KEPT_NAME "kept"
#define MAX_DEPTH 8

static const char *const suffixes[] = {
	[SESSION_INBOX] = ".in.jsonl",
	[SESSION_OUTBOX] = ".out.jsonl",
	[SESSION_LOCK] = ".lock",
};

char *session_base_dir(void)
{
	static const char *const vars[] = { "XDG_RUNTIME_DIR", "TMPDIR" };
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);
		if (v && *v && fs_is_dir(v))
			return xstrdup(v);
	}
	return xstrdup("/tmp");
}

static int role_ok(const char *role)
{
	size_t i, n = strlen(role);

	if (!n || n > 32 || role[0] < 'a' || role[0] > 'z' || !strcmp(role, "session"))
		return 0;
	for (i = 0; i < n; i++)
		if (!((role[i] >= 'a' && role[i] <= 'z') || (role[i] >= '0' && role[i] <= '9') ||
		      role[i] == '_' || role[i] == '-'))
			return 0;
	return 1;
}

char *session_path(const struct session *s, const char *role, enum session_file kind)
{
	if (!s->dir || !role_ok(role) || (unsigned)kind > SESSION_LOCK)
		return NULL;
	return xasprintf("%s/%s%s", s->dir, role, suffixes[kind]);
}

/* Eight hex digits, from getrandom() or, failing that, the clock. */
static void random_name(char out[9])
{
	unsigned char b[4];

	if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b)) {
		uint64_t t = fs_now_ns() ^ ((uint64_t)getpid() << 20);
		memcpy(b, &t, sizeof(b));
	}
	snprintf(out, 9, "%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
}

int session_create(struct session *s, const char *base, struct error *e)
{
	char *b = base ? xstrdup(base) : session_base_dir(), *dir = NULL;
	char rnd[9], name[64];
	struct stat st;
	int i, dfd, fd = -1;

	s->dir = NULL;
	s->lock_fd = -1;
	for (i = 0; i < 16 && !dir; i++) {
		random_name(rnd);
		snprintf(name, sizeof(name), "loom-%u-%ld-%s", (unsigned)getuid(), (long)getpid(),
		         rnd);
		dir = fs_join(b, name);
		if (mkdir(dir, 0700) < 0) {
			if (errno != EEXIST) {
				error_errno(e, "cannot create '%s'", dir);
				free(dir);
				free(b);
				return -1;
			}
			free(dir);
			dir = NULL;
		}
	}
	free(b);
	if (!dir)
		return error_set(e, "cannot create a session directory: every name tried exists");
	/* through a descriptor, so nothing swapped in under the name is touched */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* mkdir()'s mode went through the umask */
	if (dfd < 0 || fchmod(dfd, 0700) < 0 || fstat(dfd, &st) < 0) {
		error_errno(e, "cannot set up '%s'", dir);
		goto fail;
	}
	if (st.st_uid != getuid()) {
		error_set(e, "'%s' is not owned by this user", dir);
		goto fail;
	}
	fd = openat(dfd, LOCK_NAME, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		error_errno(e, "cannot create '%s/%s'", dir, LOCK_NAME);
		goto fail;
	}
	/* blocking: only a cleaner can hold it now, for as long as it takes to see we live */
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			error_errno(e, "cannot lock '%s/%s'", dir, LOCK_NAME);
			goto fail;
		}
	}
	close(dfd);
	s->dir = dir;
	s->lock_fd = fd;
	return 0;
fail:
	if (fd >= 0) {
		unlinkat(dfd, LOCK_NAME, 0);
		close(fd);
	}
	if (dfd >= 0)
		close(dfd);
	rmdir(dir);
	free(dir);
	return -1;
}

int session_add_worker(struct session *s, const char *role, struct error *e)
{
	enum session_file k;

	if (!s->dir || !role_ok(role))
		return error_set(e, "bad worker role '%.40s'", role);
	for (k = SESSION_INBOX; k <= SESSION_LOCK; k++) {
		char *path = session_path(s, role, k);
		int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			error_errno(e, "cannot create '%s'", path);
			free(path);
			return -1;
		}
		close(fd);
		free(path);
	}
	return 0;
}

/*
 * Removes everything in the directory open as fd (taken over and closed),
 * whose path is path, never following a symbolic link and leaving entries of
 * other users. Returns -1 with the first problem when something was left.
 */
static int remove_in(int fd, const char *path, uid_t uid, int depth, struct error *e)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		error_errno(e, "cannot read '%s'", path);
		close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		struct stat st;

		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT && !r)
				r = error_errno(e, "cannot stat '%s/%s'", path, n);
			continue;
		}
		if (st.st_uid != uid) {
			if (!r)
				r = error_set(e, "'%s/%s' belongs to another user: left in place",
				              path, n);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			char *sub = fs_join(path, n);
			int sfd = depth < MAX_DEPTH
			                  ? openat(dirfd(d), n,
			                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
			                  : -1;
			if (sfd < 0) {
				if (!r)
					r = depth < MAX_DEPTH
					            ? error_errno(e, "cannot open '%s'", sub)
					            : error_set(e, "'%s' is nested too deep", sub);
			} else if (remove_in(sfd, sub, uid, depth + 1, e) < 0) {
				r = -1;
			} else if (unlinkat(dirfd(d), n, AT_REMOVEDIR) < 0 && errno != ENOENT &&
			           !r) {
				r = error_errno(e, "cannot remove '%s'", sub);
			}
			free(sub);
		} else if (unlinkat(dirfd(d), n, 0) < 0 && errno != ENOENT && !r) {
			r = error_errno(e, "cannot remove '%s/%s'", path, n);
		}
	}
	closedir(d);
	return r;
}

int session_remove(struct session *s, struct error *e)
{
	int r = 0;

	if (!s->dir)
		return 0;
	if (s->keep) {
		char *kept = fs_join(s->dir, KEPT_NAME);
		int fd = open(kept, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			r = error_errno(e, "cannot create '%s'", kept);
		else
			close(fd);
		free(kept);
	} else {
		int fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			r = error_errno(e, "cannot open '%s'", s->dir);
		else if (remove_in(fd, s->dir, getuid(), 0, e) < 0)
			r = -1;
		else if (rmdir(s->dir) < 0)
			r = error_errno(e, "cannot remove '%s'", s->dir);
	}
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
	free(s->dir);
	s->dir = NULL;
	return r;
}

static int pid_alive(long pid)
{
	if (pid <= 0 || pid > INT_MAX)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* Whether a lock file other than session.lock in the directory sfd is held. */
static int worker_lock_held(int sfd)
{
	int dfd = openat(sfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), held = 0;
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return 1; /* cannot tell: assume it is */
	}
	while (!held && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		int fd;

		if (n < 6 || strcmp(de->d_name + n - 5, ".lock") || !strcmp(de->d_name, LOCK_NAME))
			continue;
		fd = openat(sfd, de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0)
			held = 1;
		close(fd);
	}
	closedir(d);
	return held;
}

/* Removes the session directory name under bfd if it is stale. Returns 1 when removed. */
static int clean_one(int bfd, const char *base, const char *name, long pid, uid_t uid)
{
	struct error ignored = ERROR_INIT;
	struct stat st;
	int sfd, lfd, removed = 0;
	char *path;

	if (fstatat(bfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != uid)
		return 0;
	sfd = openat(bfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return 0;
	if (fstatat(sfd, KEPT_NAME, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		close(sfd);
		return 0;
	}
	lfd = openat(sfd, LOCK_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if ((lfd < 0 && errno != ENOENT) || (lfd >= 0 && flock(lfd, LOCK_EX | LOCK_NB) < 0) ||
	    pid_alive(pid) || worker_lock_held(sfd)) {
		if (lfd >= 0)
			close(lfd);
		close(sfd);
		return 0;
	}
	path = fs_join(base, name);
	if (remove_in(sfd, path, uid, 0, &ignored) == 0 && unlinkat(bfd, name, AT_REMOVEDIR) == 0)
		removed = 1;
	free(path);
	if (lfd >= 0)
		close(lfd);
	return removed;
}

int session_clean_stale(const char *base, struct error *e)
{
	char *b = base ? xstrdup(base) : session_base_dir();
	char prefix[32];
	size_t plen;
	int fd, count = 0;
	uid_t uid = getuid();
	DIR *d;
	struct dirent *de;

	snprintf(prefix, sizeof(prefix), "loom-%u-", (unsigned)uid);
	plen = strlen(prefix);
	fd = open(b, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		error_errno(e, "cannot read '%s'", b);
		if (fd >= 0)
			close(fd);
		free(b);
		return -1;
	}
	while ((de = readdir(d))) {
		char *end;
		long pid;

		if (strncmp(de->d_name, prefix, plen) || de->d_name[plen] < '0' ||
		    de->d_name[plen] > '9')
			continue;
		errno = 0;
		pid = strtol(de->d_name + plen, &end, 10);
		if (errno || *end != '-' || !end[1])
			continue;
		count += clean_one(dirfd(d), b, de->d_name, pid, uid);
	}
	closedir(d);
	free(b);
	return count;
}

int session_worker_lock(const char *lock_path, struct error *e)
{
	struct timespec ms = { 0, 1000000 };
	int fd, i;

	fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return error_errno(e, "cannot open '%s'", lock_path);
	/* the session core's liveness test holds it for microseconds: wait that out */
	for (i = 0; i < 200; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			error_errno(e, "cannot lock '%s'", lock_path);
			close(fd);
			return -1;
		}
		nanosleep(&ms, NULL);
	}
	close(fd);
	return error_set(e, "'%s' is held by another process: the worker is already running",
	                 lock_path);
}

int session_worker_alive(const struct session *s, const char *role, struct error *e)
{
	char *path = session_path(s, role, SESSION_LOCK);
	int fd, r;

	if (!path)
		return error_set(e, "bad worker role '%.40s'", role);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		r = errno == ENOENT ? 0 : error_errno(e, "cannot open '%s'", path);
		free(path);
		return r;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		r = 0; /* free: released by the close below */
	else if (errno == EWOULDBLOCK)
		r = 1;
	else
		r = error_errno(e, "cannot test the lock '%s'", path);
	close(fd);
	free(path);
	return r;
}
