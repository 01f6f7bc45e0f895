/*
 * fs.c - reading whole files, creating directories, joining paths.
 *
 * Reads go through open()+read() with O_NOFOLLOW where a caller asks for it and
 * O_CLOEXEC always, so worker processes spawned later never inherit them.
 */
#define _GNU_SOURCE
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int fs_read_fd(int fd, const char *path, size_t max, struct buf *b, struct error *e)
{
	struct stat st;
	size_t start = b->len;

	if (fstat(fd, &st) < 0)
		return error_errno(e, "cannot stat '%s'", path);
	if (S_ISDIR(st.st_mode))
		return error_set(e, "cannot read '%s': is a directory", path);
	if (max && S_ISREG(st.st_mode) && (uint64_t)st.st_size > max)
		return error_set(e, "'%s' is larger than %zu bytes", path, max);
	if (S_ISREG(st.st_mode) && buf_grow(b, (size_t)st.st_size) < 0)
		return error_set(e, "'%s' does not fit in its buffer", path);
	for (;;) {
		ssize_t n;
		if (buf_grow(b, 65536) < 0)
			return error_set(e, "'%s' does not fit in its buffer", path);
		n = read(fd, b->ptr + b->len, b->cap - b->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			buf_setlen(b, start);
			return error_errno(e, "cannot read '%s'", path);
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		b->ptr[b->len] = '\0';
		if (max && b->len - start > max) {
			buf_setlen(b, start);
			return error_set(e, "'%s' is larger than %zu bytes", path, max);
		}
	}
	return 0;
}

int fs_read_file(const char *path, size_t max, struct buf *b, struct error *e)
{
	return fs_read_fileat(AT_FDCWD, path, max, b, e);
}

int fs_read_fileat(int dirfd, const char *path, size_t max, struct buf *b, struct error *e)
{
	int fd, r;

	do
		fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		if (errno == ELOOP)
			return error_set(e, "cannot read '%s': is a symbolic link", path);
		return error_errno(e, "cannot open '%s'", path);
	}
	r = fs_read_fd(fd, path, max, b, e);
	close(fd);
	return r;
}

int fs_mkdir_p(const char *dir, int mode, struct error *e)
{
	char *p = xstrdup(dir), *s;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST) {
			error_errno(e, "cannot create '%s'", p);
			free(p);
			return -1;
		}
		*s = '/';
	}
	if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST) {
		error_errno(e, "cannot create '%s'", p);
		free(p);
		return -1;
	}
	free(p);
	if (!fs_is_dir(dir))
		return error_set(e, "'%s' exists and is not a directory", dir);
	return 0;
}

char *fs_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	if (!la)
		return xstrdup(b);
	if (a[la - 1] == '/')
		return xasprintf("%s%s", a, b);
	return xasprintf("%s/%s", a, b);
}

int fs_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

uint64_t fs_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
