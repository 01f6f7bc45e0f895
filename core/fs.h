/* fs.h - small filesystem helpers shared by every layer. */
#ifndef LOOM_FS_H
#define LOOM_FS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

/*
 * Reads the file at path into b (appending). Fails with -1 when it cannot be
 * opened or read, or when it holds more than max bytes (max 0 = no limit).
 */
int fs_read_file(const char *path, size_t max, struct buf *b, struct error *e);
/* Same, from an open descriptor; name is used in messages. */
int fs_read_fd(int fd, const char *name, size_t max, struct buf *b, struct error *e);
/* Same, for a file relative to the directory fd dirfd, never following a final symlink. */
int fs_read_fileat(int dirfd, const char *path, size_t max, struct buf *b, struct error *e);
/* Creates dir and its parents with the given mode; 0 if it exists already. */
int fs_mkdir_p(const char *dir, int mode, struct error *e);
/* Joins a and b with one '/'; the result is owned by the caller. */
char *fs_join(const char *a, const char *b);
/* Returns 1 if path is an existing directory. */
int fs_is_dir(const char *path);
/* Monotonic clock in nanoseconds. */
uint64_t fs_now_ns(void);

#endif
