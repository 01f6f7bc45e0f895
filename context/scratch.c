/*
 * scratch.c - the scratch copy: a mirror of the work tree kept by a manifest.
 *
 * Data model (the reasons are in scratch.h): LOOM_DIR/scratch/N/ holds
 *   lock      flock()ed by the process using copy N, for as long as it does;
 *   tree/     the copy; tree/.git is the copy's own small repository;
 *   manifest  what sync copied: per path, the work tree's stat data when it
 *             was copied and the copy's stat data as written (struct mf_rec),
 *             sorted by path, plus the git state the copy's index was made
 *             from; written whole (temporary file, rename) after a sync;
 *   pending   paths scratch_put() wrote and no revert or sync has put back.
 *
 * Invariant: every path in the manifest was copied from the work tree into
 * tree/, and its copy is unchanged since if its stat data still equals the
 * recorded one. Anything in tree/ the manifest does not list is the checks'
 * (outputs, caches) and is left alone; only the paths in pending can differ
 * from the work tree without the stat data saying so.
 *
 * A sync is a merge of two sorted lists, the scan (context/scan.c: the work
 * tree's files, with stat data) and the manifest: a path in both whose two
 * stat records still match is skipped, with one fstatat() in the copy (those
 * run while the scan runs, on every core); the rest is copied (on every
 * core) or removed. Both trees are walked with a stack of open directory
 * descriptors (struct dirs): each component is opened with O_NOFOLLOW
 * relative to its parent, and sorted paths share their parents, so a file
 * costs one fstatat() on each side and no path is resolved twice by name. In the copy, whatever stands in the way of a work tree path (a
 * check's file where a directory goes, a link) is removed; in the work tree
 * nothing is ever created or followed, and a path that vanished since the
 * scan is treated as gone.
 */
#define _GNU_SOURCE
#include "context/scratch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "context/scan.h"
#include "core/apply.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/gitx.h"
#include "core/hmap.h"
#include "core/path.h"

#ifndef FICLONE
#define FICLONE _IOW(0x94, 9, int)
#endif

/* A file modified this close to its copying may change again without its stat data showing it. */
#define RACY_NS ((int64_t)2000000000)

/* ------------------------------------------------------------------ manifest */

#define MF_MAGIC "loomscr1"
#define MF_RACY  1u /* copied within RACY_NS of its last change: copy again next time */
#define MF_GONE  2u /* in memory only: dropped (vanished, or not copied), not saved */

/* One path, on disk as is (a cache on this machine, never moved elsewhere). */
struct mf_rec {
	int64_t size, mtime_ns, ctime_ns; /* the work tree's file when it was copied */
	uint64_t ino;
	int64_t s_size, s_mtime_ns, s_ctime_ns; /* the copy as written */
	uint64_t s_ino;
	uint32_t mode, s_mode; /* st_mode of each: type and permission bits */
	uint32_t flags;        /* MF_* */
	uint32_t pathlen;      /* the path follows, then a NUL */
};

/* The copy's .git/index as written, to notice a check that changed it. */
struct mf_ix {
	uint64_t ino;
	int64_t size, mtime_ns, ctime_ns;
};

struct mf_head {
	char magic[8];
	uint64_t count;
	char git_sig[128]; /* scan_git_sig() when the copy's index was made; "" for none */
	struct mf_ix ix;
};

struct mf_entry {
	struct mf_rec r;
	const char *path; /* borrowed: from the loaded file or from the scan */
};

struct manifest {
	struct mf_head h;
	struct mf_entry *v; /* sorted by path (strcmp), no duplicates */
	size_t n, cap;
	char *data; /* the file as loaded: the old paths point into it */
};

static int64_t ts_ns(struct timespec ts)
{
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t real_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts_ns(ts);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * A path the manifest or the pending list may name: relative, no empty, '.'
 * or '..' component, and not the copy's own .git. Anything else in those
 * files means they were damaged; following it could leave the copy.
 */
static int rel_ok(const char *p)
{
	const char *c = p;

	if (!*p || *p == '/')
		return 0;
	if (!strcmp(p, ".git") || !strncmp(p, ".git/", 5))
		return 0;
	for (;;) {
		size_t n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (!c[n])
			return 1;
		c += n + 1;
	}
}

static void mf_add(struct manifest *m, const struct mf_rec *r, const char *path)
{
	XGROW(m->v, m->cap, m->n + 1);
	m->v[m->n].r = *r;
	m->v[m->n].path = path;
	m->n++;
}

static void mf_release(struct manifest *m)
{
	free(m->v);
	free(m->data);
	memset(m, 0, sizeof(*m));
}

/* 1 with m loaded, 0 when there is none or it is damaged (the copy is then made again). */
static int mf_load(int slotfd, struct manifest *m)
{
	struct buf b = BUF_INIT;
	struct error ignored = ERROR_INIT;
	size_t off, k;

	memset(m, 0, sizeof(*m));
	if (fs_read_fileat(slotfd, "manifest", 0, &b, &ignored) < 0)
		return 0;
	if (b.len < sizeof(m->h))
		goto bad;
	memcpy(&m->h, b.ptr, sizeof(m->h));
	if (memcmp(m->h.magic, MF_MAGIC, sizeof(m->h.magic)) != 0 ||
	    !memchr(m->h.git_sig, '\0', sizeof(m->h.git_sig)))
		goto bad;
	off = sizeof(m->h);
	for (k = 0; k < m->h.count; k++) {
		struct mf_rec r;
		const char *path;
		if (b.len - off < sizeof(r))
			goto bad;
		memcpy(&r, b.ptr + off, sizeof(r));
		off += sizeof(r);
		if (!r.pathlen || r.pathlen >= b.len - off)
			goto bad;
		path = b.ptr + off;
		if (path[r.pathlen] || memchr(path, '\0', r.pathlen) || !rel_ok(path) ||
		    (m->n && strcmp(m->v[m->n - 1].path, path) >= 0) || (r.flags & MF_GONE))
			goto bad;
		mf_add(m, &r, path);
		off += r.pathlen + 1;
	}
	if (off != b.len)
		goto bad;
	m->data = buf_detach(&b, NULL);
	return 1;
bad:
	buf_release(&b);
	mf_release(m);
	return 0;
}

/* Writes m, leaving out MF_GONE entries: a temporary file, then a rename. */
static int mf_save(int slotfd, struct manifest *m, struct error *e)
{
	struct buf b = BUF_INIT;
	struct mf_head h = m->h;
	size_t i;
	int fd, rc = -1;

	memcpy(h.magic, MF_MAGIC, sizeof(h.magic));
	h.count = 0;
	for (i = 0; i < m->n; i++)
		h.count += !(m->v[i].r.flags & MF_GONE);
	buf_add(&b, &h, sizeof(h));
	for (i = 0; i < m->n; i++) {
		struct mf_rec r = m->v[i].r;
		if (r.flags & MF_GONE)
			continue;
		r.pathlen = (uint32_t)strlen(m->v[i].path);
		buf_add(&b, &r, sizeof(r));
		buf_add(&b, m->v[i].path, r.pathlen + 1);
	}
	fd = openat(slotfd, "manifest.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	            0600);
	if (fd < 0) {
		error_errno(e, "cannot write the scratch copy's manifest");
		goto out;
	}
	if (write_all(fd, b.ptr, b.len) < 0) {
		error_errno(e, "cannot write the scratch copy's manifest");
		close(fd);
		unlinkat(slotfd, "manifest.tmp", 0);
		goto out;
	}
	close(fd);
	/* no fsync: the copy is disposable, and a damaged manifest only makes it again */
	if (renameat(slotfd, "manifest.tmp", slotfd, "manifest") < 0) {
		error_errno(e, "cannot write the scratch copy's manifest");
		goto out;
	}
	rc = 0;
out:
	buf_release(&b);
	return rc;
}

static struct mf_entry *mf_find(struct manifest *m, const char *path)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->v[mid].path, path);
		if (!c)
			return &m->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ------------------------------------------------------------ pending paths */

/* The pending paths: NUL-separated in b, pointers into it in *v (the caller frees both). */
static void pending_load(int slotfd, struct buf *b, const char ***v, size_t *n)
{
	struct error ignored = ERROR_INIT;
	size_t cap = 0, off;

	*v = NULL;
	*n = 0;
	if (fs_read_fileat(slotfd, "pending", 0, b, &ignored) < 0)
		return;
	for (off = 0; off < b->len;) {
		const char *p = b->ptr + off;
		size_t len = strlen(p);
		if (rel_ok(p)) {
			XGROW(*v, cap, *n + 1);
			(*v)[(*n)++] = p;
		}
		off += len + 1;
	}
}

/* Notes path as written by a proposal, before it is. */
static int pending_add(int slotfd, const char *path, struct error *e)
{
	int fd = openat(slotfd, "pending", O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	                0600);
	int rc;

	if (fd < 0)
		return error_errno(e, "cannot note '%s' in the scratch copy", path);
	rc = write_all(fd, path, strlen(path) + 1);
	if (rc < 0)
		error_errno(e, "cannot note '%s' in the scratch copy", path);
	close(fd);
	return rc;
}

/* Rewrites the pending list as the n paths in v (none: removes it). */
static int pending_set(int slotfd, const char *const *v, size_t n, struct error *e)
{
	struct buf b = BUF_INIT;
	size_t i;
	int fd, rc = 0;

	if (!n) {
		if (unlinkat(slotfd, "pending", 0) < 0 && errno != ENOENT)
			return error_errno(e, "cannot clear the scratch copy's pending list");
		return 0;
	}
	for (i = 0; i < n; i++)
		buf_add(&b, v[i], strlen(v[i]) + 1);
	fd = openat(slotfd, "pending.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	            0600);
	if (fd < 0 || write_all(fd, b.ptr, b.len) < 0 ||
	    renameat(slotfd, "pending.tmp", slotfd, "pending") < 0)
		rc = error_errno(e, "cannot write the scratch copy's pending list");
	if (fd >= 0)
		close(fd);
	buf_release(&b);
	return rc;
}

/* ------------------------------------------------------- directory stacks */

/*
 * The open directories from a root down to the last directory asked for: a
 * walk of sorted paths reopens only the components that differ.
 */
struct dirs {
	int root;       /* not owned */
	struct buf cur; /* the deepest open directory's path, "" = the root */
	struct level {
		int fd;     /* this directory */
		size_t end; /* the length of its path in cur */
	} * lv;             /* lv[i]: level i below the root */
	size_t depth, cap;
};

static void dirs_init(struct dirs *d, int root)
{
	memset(d, 0, sizeof(*d));
	d->root = root;
	d->cur = (struct buf)BUF_INIT;
}

static void dirs_pop(struct dirs *d, size_t keep)
{
	while (d->depth > keep)
		close(d->lv[--d->depth].fd);
	buf_setlen(&d->cur, keep ? d->lv[keep - 1].end : 0);
}

static void dirs_release(struct dirs *d)
{
	dirs_pop(d, 0);
	buf_release(&d->cur);
	free(d->lv);
}

/* Opens directory name below at, never following a link; make: create it, removing what is in the way. */
static int open_dir(int at, const char *name, int make);
static int remove_at(int dfd, const char *name);

/*
 * The descriptor of the directory dir[0..len) ("" is the root), owned by d
 * and valid until the next call. make 0: -1 with errno when a component is
 * missing, a link or not a directory; make 1 (the copy only): missing
 * directories are made, and whatever stands in the way is removed.
 */
static int dirs_at(struct dirs *d, const char *dir, size_t len, int make)
{
	size_t keep = 0, start;

	while (keep < d->depth) {
		size_t end = d->lv[keep].end;
		if (end > len || memcmp(d->cur.ptr, dir, end) != 0 ||
		    (end < len && dir[end] != '/'))
			break;
		keep++;
	}
	dirs_pop(d, keep);
	start = keep ? d->lv[keep - 1].end + 1 : 0;
	while (start < len) {
		const char *slash = memchr(dir + start, '/', len - start);
		size_t end = slash ? (size_t)(slash - dir) : len, n = end - start;
		char name[NAME_MAX + 1];
		int fd;

		if (n == 0 || n > NAME_MAX || (n == 1 && dir[start] == '.') ||
		    (n == 2 && dir[start] == '.' && dir[start + 1] == '.')) {
			errno = EINVAL;
			return -1;
		}
		memcpy(name, dir + start, n);
		name[n] = '\0';
		fd = open_dir(d->depth ? d->lv[d->depth - 1].fd : d->root, name, make);
		if (fd < 0)
			return -1;
		XGROW(d->lv, d->cap, d->depth + 1);
		d->lv[d->depth].fd = fd;
		d->lv[d->depth].end = end;
		d->depth++;
		if (start)
			buf_addch(&d->cur, '/');
		buf_add(&d->cur, name, n);
		start = end + 1;
	}
	return d->depth ? d->lv[d->depth - 1].fd : d->root;
}

/* A descriptor of its own for the directory rel below root (see dirs_at), or -1. */
static int open_rel_dir(int root, const char *rel, int make)
{
	struct dirs d;
	int fd;

	dirs_init(&d, root);
	fd = dirs_at(&d, rel, strlen(rel), make);
	if (fd >= 0)
		fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	dirs_release(&d);
	return fd;
}

/* The length of path's directory part ("" for a top-level path). */
static size_t dir_len(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? (size_t)(s - path) : 0;
}

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* ----------------------------------------------------------- removing */

static int empty_dir(int fd);

/* Removes the directory name below dfd and everything in it, following no link. */
static int rm_tree(int dfd, const char *name)
{
	struct stat st;
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == EACCES) {
		/* a check may leave directories without permissions (Go's module cache) */
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
		    fchmodat(dfd, name, 0700, 0) == 0)
			fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ENOTDIR || errno == ELOOP)
			return unlinkat(dfd, name, 0) == 0 || errno == ENOENT ? 0 : -1;
		return -1;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 0700) != 0700)
		fchmod(fd, (st.st_mode & 07777) | 0700);
	if (empty_dir(fd) < 0)
		return -1;
	return unlinkat(dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT ? 0 : -1;
}

/* Removes everything in the directory fd (which it closes); 0 or -1. */
static int empty_dir(int fd)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (remove_at(dirfd(d), de->d_name) < 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

/* Removes name below dfd whatever it is (a directory with its contents); 0 when absent. */
static int remove_at(int dfd, const char *name)
{
	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	/* Linux says EISDIR for a directory, POSIX EPERM */
	if (errno == EISDIR || errno == EPERM)
		return rm_tree(dfd, name);
	return -1;
}

static int open_dir(int at, const char *name, int make)
{
	int tries;

	for (tries = 0; tries < 3; tries++) {
		int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 || !make)
			return fd;
		if (errno == ENOTDIR || errno == ELOOP) {
			/* a file or a link where the work tree has a directory */
			if (unlinkat(at, name, 0) < 0 && errno != ENOENT)
				return -1;
		} else if (errno != ENOENT) {
			return -1;
		}
		if (mkdirat(at, name, 0755) < 0 && errno != EEXIST)
			return -1;
	}
	errno = ELOOP;
	return -1;
}

/* Removes each directory of dirs (sorted, deepest first) that is empty; never fails. */
static void prune_dirs(struct dirs *d, char **dirs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		size_t dl = dir_len(dirs[i]);
		int fd;
		if (i && !strcmp(dirs[i], dirs[i - 1]))
			continue;
		fd = dirs_at(d, dirs[i], dl, 0);
		if (fd >= 0)
			unlinkat(fd, base_of(dirs[i]), AT_REMOVEDIR);
	}
	dirs_pop(d, 0);
}

/* Every directory above path, for prune_dirs. */
static void note_parents(char ***v, size_t *n, size_t *cap, const char *path)
{
	size_t len = dir_len(path);

	while (len) {
		XGROW(*v, *cap, *n + 1);
		(*v)[(*n)++] = xstrndup(path, len);
		do
			len--;
		while (len && path[len] != '/');
	}
}

static int cmp_desc(const void *a, const void *b)
{
	return strcmp(*(char *const *)b, *(char *const *)a);
}

static void prune_and_free(struct dirs *d, char **v, size_t n)
{
	size_t i;

	if (n)
		qsort(v, n, sizeof(*v), cmp_desc);
	prune_dirs(d, v, n);
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Removes a file or link the copy has at path, leaving a directory (a check's) alone. */
static void remove_copy(struct dirs *dst, const char *path)
{
	int fd = dirs_at(dst, path, dir_len(path), 0);

	if (fd >= 0)
		unlinkat(fd, base_of(path), 0);
}

/* --------------------------------------------------------------- copying */

/* Copies the open file in to out: a reflink, else in the kernel, else read/write. */
static int copy_data(struct scratch *s, int in, int out, int64_t size)
{
	char chunk[65536];
	int64_t done = 0;

	int clone = __atomic_load_n(&s->clone, __ATOMIC_RELAXED);

	/* s->clone is shared by the copying threads: any of them may learn it first */
	if (clone >= 0 && size > 0) {
		if (ioctl(out, FICLONE, in) == 0) {
			__atomic_store_n(&s->clone, 1, __ATOMIC_RELAXED);
			return 0;
		}
		/* not this file system (or not between these two): stop trying */
		if (clone == 0 && (errno == EOPNOTSUPP || errno == ENOTTY || errno == EXDEV ||
		                   errno == EINVAL || errno == ENOSYS || errno == EPERM))
			__atomic_store_n(&s->clone, -1, __ATOMIC_RELAXED);
	}
	/* up to the size fstat() said: if the file grew since, its record says so */
	while (done < size) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)(size - done), 0);
		if (n > 0) {
			done += n;
			continue;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (!done && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
		              errno == EOPNOTSUPP || errno == EBADF))
			break;
		return -1;
	}
	while (done < size) {
		size_t want = size - done < (int64_t)sizeof(chunk) ? (size_t)(size - done)
		                                                   : sizeof(chunk);
		ssize_t n = read(in, chunk, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		if (write_all(out, chunk, (size_t)n) < 0)
			return -1;
		done += n;
	}
	return 0;
}

/* A link's target, NUL-terminated (the caller frees it), or NULL with errno. */
static char *read_link(int dfd, const char *name, int64_t size)
{
	size_t cap = size > 0 && size < PATH_MAX ? (size_t)size + 1 : PATH_MAX;

	for (;;) {
		char *t = xmalloc(cap);
		ssize_t n = readlinkat(dfd, name, t, cap);
		if (n < 0) {
			free(t);
			return NULL;
		}
		if ((size_t)n < cap) {
			t[n] = '\0';
			return t;
		}
		free(t);
		cap *= 2;
	}
}

static void fill_rec(struct mf_rec *r, const struct stat *src, const struct stat *copy,
                     int64_t racy_after)
{
	memset(r, 0, sizeof(*r));
	r->size = src->st_size;
	r->mtime_ns = ts_ns(src->st_mtim);
	r->ctime_ns = ts_ns(src->st_ctim);
	r->ino = src->st_ino;
	r->mode = src->st_mode;
	r->s_size = copy->st_size;
	r->s_mtime_ns = ts_ns(copy->st_mtim);
	r->s_ctime_ns = ts_ns(copy->st_ctim);
	r->s_ino = copy->st_ino;
	r->s_mode = copy->st_mode;
	if (r->mtime_ns > racy_after || r->ctime_ns > racy_after)
		r->flags |= MF_RACY;
}

/*
 * Copies base (path in messages) from the work tree's directory sdir into the
 * copy's directory ddir, replacing whatever is there. Returns 1 with *r
 * filled, 0 when the work tree no longer has a file or link there, or -1.
 */
static int copy_file(struct scratch *s, int sdir, int ddir, const char *base, const char *path,
                     int64_t racy_after, struct mf_rec *r, uint64_t *bytes, struct error *e)
{
	struct stat st, cst;
	int in = -1, out = -1;

	if (fstatat(sdir, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return error_errno(e, "cannot stat '%s'", path);
	}
	if (S_ISLNK(st.st_mode)) {
		char *target = read_link(sdir, base, st.st_size);
		if (!target) {
			if (errno == ENOENT || errno == EINVAL)
				return 0; /* gone, or replaced by a file: the next sync sees it */
			return error_errno(e, "cannot read the link '%s'", path);
		}
		if (remove_at(ddir, base) < 0 || symlinkat(target, ddir, base) < 0 ||
		    fstatat(ddir, base, &cst, AT_SYMLINK_NOFOLLOW) < 0) {
			free(target);
			return error_errno(e, "cannot copy the link '%s' into the scratch copy",
			                   path);
		}
		free(target);
		fill_rec(r, &st, &cst, racy_after);
		*bytes += (uint64_t)st.st_size;
		return 1;
	}
	if (!S_ISREG(st.st_mode))
		return 0;
	in = openat(sdir, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (in < 0) {
		if (errno == ENOENT || errno == ELOOP)
			return 0;
		return error_errno(e, "cannot open '%s'", path);
	}
	/* the stat of what is read: a change after this shows at the next sync */
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(in);
		return 0;
	}
	/* a new file, so that a check's process holding the old one sees no change */
	out = openat(ddir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	             st.st_mode & 0777);
	if (out < 0 && errno == EEXIST) {
		if (remove_at(ddir, base) < 0) {
			error_errno(e, "cannot replace '%s' in the scratch copy", path);
			goto fail;
		}
		out = openat(ddir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		             st.st_mode & 0777);
	}
	if (out < 0) {
		error_errno(e, "cannot create '%s' in the scratch copy", path);
		goto fail;
	}
	if (copy_data(s, in, out, st.st_size) < 0) {
		error_errno(e, "cannot copy '%s' into the scratch copy", path);
		goto fail;
	}
	/* permission bits, not set-id ones: a copy is not the user's privileged program */
	if (fstat(out, &cst) < 0 ||
	    ((cst.st_mode & 07777) != (st.st_mode & 0777) &&
	     (fchmod(out, st.st_mode & 0777) < 0 || fstat(out, &cst) < 0))) {
		error_errno(e, "cannot copy '%s' into the scratch copy", path);
		goto fail;
	}
	close(in);
	if (close(out) < 0)
		return error_errno(e, "cannot copy '%s' into the scratch copy", path);
	fill_rec(r, &st, &cst, racy_after);
	*bytes += (uint64_t)st.st_size;
	return 1;
fail:
	close(in);
	if (out >= 0) {
		close(out);
		unlinkat(ddir, base, 0);
	}
	return -1;
}

/* copy_file() for a path, through the two directory stacks. */
static int copy_path(struct scratch *s, struct dirs *src, struct dirs *dst, const char *path,
                     int64_t racy_after, struct mf_rec *r, uint64_t *bytes, struct error *e)
{
	size_t dl = dir_len(path);
	int sfd, dfd;

	sfd = dirs_at(src, path, dl, 0);
	if (sfd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
			return 0; /* its directory went, or became a link, since the scan */
		return error_errno(e, "cannot open the directory of '%s'", path);
	}
	dfd = dirs_at(dst, path, dl, 1);
	if (dfd < 0)
		return error_errno(e, "cannot make the directory of '%s' in the scratch copy",
		                   path);
	return copy_file(s, sfd, dfd, base_of(path), path, racy_after, r, bytes, e);
}

static int same_source(const struct scan_file *f, const struct mf_rec *r)
{
	return f->size == r->size && f->mtime_ns == r->mtime_ns && f->ctime_ns == r->ctime_ns &&
	       f->ino == r->ino && !(f->flags & SCAN_SYMLINK) == !S_ISLNK(r->mode);
}

static int same_copy_stat(const struct stat *st, const struct mf_rec *r)
{
	return (uint64_t)st->st_ino == r->s_ino && st->st_size == r->s_size &&
	       ts_ns(st->st_mtim) == r->s_mtime_ns && ts_ns(st->st_ctim) == r->s_ctime_ns &&
	       st->st_mode == r->s_mode;
}

/* Is the copy of path still as written? Fills *st when it exists. */
static int same_copy(struct dirs *dst, const char *path, const struct mf_rec *r, struct stat *st)
{
	int fd = dirs_at(dst, path, dir_len(path), 0);

	return fd >= 0 && fstatat(fd, base_of(path), st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       same_copy_stat(st, r);
}

/* ---------------------------------------------------------- git metadata */

/* Makes name below dirfd hold exactly data, writing only when it differs. */
static int put_small(int dirfd, const char *name, const char *data, size_t n, struct error *e)
{
	struct buf cur = BUF_INIT;
	struct error ignored = ERROR_INIT;
	char tmp[NAME_MAX + 1];
	int fd, same;

	same = fs_read_fileat(dirfd, name, n + 1, &cur, &ignored) == 0 && cur.len == n &&
	       !memcmp(cur.ptr, data, n);
	buf_release(&cur);
	if (same)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.loom-tmp", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, data, n) < 0) {
		if (fd >= 0)
			close(fd);
		return error_errno(e, "cannot write the scratch copy's .git/%s", name);
	}
	close(fd);
	if (renameat(dirfd, tmp, dirfd, name) < 0)
		return error_errno(e, "cannot write the scratch copy's .git/%s", name);
	return 0;
}

/* A small file of the user's git directory dir (e.g. info/exclude) into b; 0 when absent. */
static int read_git_file(const char *dir, const char *name, struct buf *b)
{
	char *p = fs_join(dir, name);
	struct error ignored = ERROR_INIT;
	int rc = fs_read_file(p, 1 << 20, b, &ignored) == 0;

	free(p);
	return rc;
}

static int same_ix(const struct stat *st, const struct mf_ix *ix)
{
	return (uint64_t)st->st_ino == ix->ino && st->st_size == ix->size &&
	       ts_ns(st->st_mtim) == ix->mtime_ns && ts_ns(st->st_ctim) == ix->ctime_ns;
}

/*
 * The copy's index: the user's, with the stat data of each copy whose content
 * is the entry's blob (the work tree file was stat-clean against its entry
 * and is what was copied), so git in the copy trusts them as git in the work
 * tree does, instead of hashing every file once. Entries of files that differ
 * keep the user's stat data, which does not match the copy: git hashes those.
 */
static int write_index(struct scratch *s, struct repo *r, struct scan *sc, struct manifest *m,
                       struct dirs *dst, int gfd, struct error *e)
{
	char *from = xasprintf("%sindex", git_repository_path(r->git));
	char *tmp = xasprintf("%s/.git/index.loom-tmp", s->dir);
	git_index *ix = NULL;
	size_t i, j;
	int in = -1, out = -1, rc = -1;
	struct stat st;

	memset(&m->h.ix, 0, sizeof(m->h.ix));
	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		/* no index yet (nothing was ever added): none in the copy either */
		if (errno != ENOENT) {
			error_errno(e, "cannot read '%s'", from);
			goto out;
		}
		if (unlinkat(gfd, "index", 0) < 0 && errno != ENOENT) {
			error_errno(e, "cannot remove the scratch copy's .git/index");
			goto out;
		}
		rc = 0;
		goto out;
	}
	out = openat(gfd, "index.loom-tmp", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	             0644);
	if (out < 0 || fstat(in, &st) < 0 || copy_data(s, in, out, st.st_size) < 0) {
		error_errno(e, "cannot copy the git index into the scratch copy");
		goto out;
	}
	close(out);
	out = -1;
	if (git_index_open(&ix, tmp) < 0) {
		gitx_error(e, "cannot read the scratch copy's git index");
		goto out;
	}
	for (i = 0, j = 0; i < sc->n; i++) {
		const struct scan_file *f = &sc->v[i];
		const git_index_entry *ie;
		git_index_entry ne;
		struct stat cst;

		if ((f->flags & (SCAN_STAT_CLEAN | SCAN_CONFLICT)) != SCAN_STAT_CLEAN)
			continue;
		while (j < m->n && strcmp(m->v[j].path, f->path) < 0)
			j++;
		if (j == m->n || strcmp(m->v[j].path, f->path) != 0)
			continue;
		if ((m->v[j].r.flags & (MF_RACY | MF_GONE)) || !same_source(f, &m->v[j].r) ||
		    !same_copy(dst, f->path, &m->v[j].r, &cst))
			continue;
		if (!(ie = git_index_get_bypath(ix, f->path, 0)))
			continue;
		ne = *ie;
		ne.ctime.seconds = (int32_t)cst.st_ctim.tv_sec;
		ne.ctime.nanoseconds = (uint32_t)cst.st_ctim.tv_nsec;
		ne.mtime.seconds = (int32_t)cst.st_mtim.tv_sec;
		ne.mtime.nanoseconds = (uint32_t)cst.st_mtim.tv_nsec;
		ne.dev = (uint32_t)cst.st_dev;
		ne.ino = (uint32_t)cst.st_ino;
		ne.uid = (uint32_t)cst.st_uid;
		ne.gid = (uint32_t)cst.st_gid;
		ne.file_size = (uint32_t)cst.st_size;
		if (git_index_add(ix, &ne) < 0) {
			gitx_error(e, "cannot update the scratch copy's git index");
			goto out;
		}
	}
	/* submodules are not copied: an empty directory, as an uninitialised one has */
	for (i = 0; i < git_index_entrycount(ix); i++) {
		const git_index_entry *ie = git_index_get_byindex(ix, i);
		if (ie->mode == GIT_FILEMODE_COMMIT && rel_ok(ie->path))
			dirs_at(dst, ie->path, strlen(ie->path), 1);
	}
	dirs_pop(dst, 0);
	if (git_index_write(ix) < 0) {
		gitx_error(e, "cannot write the scratch copy's git index");
		goto out;
	}
	if (renameat(gfd, "index.loom-tmp", gfd, "index") < 0 ||
	    fstatat(gfd, "index", &st, AT_SYMLINK_NOFOLLOW) < 0) {
		error_errno(e, "cannot write the scratch copy's git index");
		goto out;
	}
	m->h.ix.ino = st.st_ino;
	m->h.ix.size = st.st_size;
	m->h.ix.mtime_ns = ts_ns(st.st_mtim);
	m->h.ix.ctime_ns = ts_ns(st.st_ctim);
	rc = 0;
out:
	if (ix)
		git_index_free(ix);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (rc < 0)
		unlinkat(gfd, "index.loom-tmp", 0);
	free(from);
	free(tmp);
	return rc;
}

/*
 * The copy's .git/config: a fresh repository's, plus the repository's own
 * settings that decide how git compares the work tree with the index (line
 * endings, modes, links, case), so `git status` agrees in both. Never the
 * whole file: core.worktree, core.fsmonitor, hooks or includes would reach
 * outside the copy.
 */
static void config_text(struct repo *r, struct buf *b)
{
	static const char *const keys[] = { "core.filemode",   "core.symlinks",
		                            "core.ignorecase", "core.precomposeunicode",
		                            "core.autocrlf",   "core.eol",
		                            "core.safecrlf",   "core.checkstat",
		                            "core.trustctime" };
	git_config *cfg = NULL, *local = NULL;
	size_t i;

	buf_adds(b, "[core]\n\trepositoryformatversion = 0\n\tbare = false\n"
	            "\tlogallrefupdates = false\n");
	if (git_repository_config_snapshot(&cfg, r->git) == 0 &&
	    git_config_open_level(&local, cfg, GIT_CONFIG_LEVEL_LOCAL) == 0) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			git_buf v = { 0 };
			if (git_config_get_string_buf(&v, local, keys[i]) == 0 &&
			    !strpbrk(v.ptr, "\n\"\\"))
				buf_addf(b, "\t%s = %s\n", keys[i] + 5, v.ptr);
			git_buf_dispose(&v);
		}
	}
	git_config_free(local);
	git_config_free(cfg);
	git_error_clear();
}

/*
 * The copy's .git: made if missing, its HEAD, alternates, info/exclude and
 * shallow file rewritten when they differ from the user's (a check may have
 * committed or changed them), its index remade when the user's index or HEAD
 * moved or a check changed the copy's index. *dirty is set when the manifest's
 * header changed.
 */
static int sync_git(struct scratch *s, struct repo *r, struct scan *sc, struct manifest *m,
                    struct dirs *dst, int *dirty, struct error *e)
{
	static const char *const subdirs[] = { "refs/heads", "refs/tags", "objects/pack", "info" };
	const char *common = git_repository_commondir(r->git);
	struct buf b = BUF_INIT;
	git_reference *head = NULL;
	git_oid oid;
	struct stat st;
	size_t i;
	int gfd, ofd = -1, rc = -1;

	gfd = open_dir(s->fd, ".git", 1);
	if (gfd < 0)
		return error_errno(e, "cannot make the scratch copy's .git");
	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		int fd = open_rel_dir(gfd, subdirs[i], 1);
		if (fd < 0) {
			error_errno(e, "cannot make the scratch copy's .git/%s", subdirs[i]);
			goto out;
		}
		close(fd);
	}
	config_text(r, &b);
	if (put_small(gfd, "config", b.ptr, b.len, e) < 0)
		goto out;
	buf_reset(&b);
	/* HEAD: detached at the user's commit; an unborn branch stays unborn */
	if (git_reference_name_to_id(&oid, r->git, "HEAD") == 0) {
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), &oid);
		buf_addf(&b, "%s\n", hex);
	} else if (git_reference_lookup(&head, r->git, "HEAD") == 0 &&
	           git_reference_type(head) == GIT_REFERENCE_SYMBOLIC) {
		buf_addf(&b, "ref: %s\n", git_reference_symbolic_target(head));
	} else {
		buf_adds(&b, "ref: refs/heads/main\n");
	}
	git_error_clear();
	if (put_small(gfd, "HEAD", b.ptr, b.len, e) < 0)
		goto out;
	/* the user's objects, read only: git never writes into an alternate */
	buf_reset(&b);
	buf_addf(&b, "%sobjects\n", common);
	if (strchr(b.ptr, '\n') != b.ptr + b.len - 1) {
		error_set(e, "the git directory's path '%s' holds a newline", common);
		goto out;
	}
	ofd = open_rel_dir(gfd, "objects/info", 1);
	if (ofd < 0) {
		error_errno(e, "cannot make the scratch copy's .git/objects/info");
		goto out;
	}
	if (put_small(ofd, "alternates", b.ptr, b.len, e) < 0)
		goto out;
	buf_reset(&b);
	read_git_file(common, "info/exclude", &b);
	{
		int ifd = open_rel_dir(gfd, "info", 1);
		int prc = ifd < 0 ? error_errno(e, "cannot open the scratch copy's .git/info")
		                  : put_small(ifd, "exclude", b.ptr, b.len, e);
		if (ifd >= 0)
			close(ifd);
		if (prc < 0)
			goto out;
	}
	buf_reset(&b);
	if (read_git_file(common, "shallow", &b)) {
		if (put_small(gfd, "shallow", b.ptr, b.len, e) < 0)
			goto out;
	} else {
		unlinkat(gfd, "shallow", 0);
	}
	if (strcmp(m->h.git_sig, sc->git_sig) != 0 ||
	    (fstatat(gfd, "index", &st, AT_SYMLINK_NOFOLLOW) == 0 ? !same_ix(&st, &m->h.ix)
	                                                          : m->h.ix.ino != 0)) {
		if (write_index(s, r, sc, m, dst, gfd, e) < 0)
			goto out;
		snprintf(m->h.git_sig, sizeof(m->h.git_sig), "%s", sc->git_sig);
		*dirty = 1;
	}
	rc = 0;
out:
	git_reference_free(head);
	buf_release(&b);
	if (ofd >= 0)
		close(ofd);
	close(gfd);
	return rc;
}

/* ------------------------------------------------------------ the pool */

/*
 * The two passes over many files (checking the copies, copying) run on a few
 * threads, one per core up to POOL_MAX: each takes the next block of
 * POOL_BLOCK consecutive items (so its directory stacks stay useful) until
 * none is left. The items are independent: two threads that both make a
 * directory find it made (EEXIST), and nothing else is shared but s->clone.
 */
#define POOL_MAX   4
#define POOL_BLOCK 256

struct pool;

struct worker {
	struct pool *p;
	struct dirs src, dst; /* the work tree's and the copy's */
	uint64_t bytes;
	int failed;
	struct error e;
};

struct pool {
	size_t n, next; /* items; the next block's first (atomic) */
	void (*fn)(struct worker *w, size_t i);
	void *arg;
	struct worker w[POOL_MAX];
	int nw;
};

static void *pool_thread(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->p;

	for (;;) {
		size_t b = __atomic_fetch_add(&p->next, POOL_BLOCK, __ATOMIC_RELAXED), i;
		if (b >= p->n)
			break;
		for (i = b; i < p->n && i < b + POOL_BLOCK; i++)
			p->fn(w, i);
	}
	dirs_pop(&w->src, 0);
	dirs_pop(&w->dst, 0);
	return NULL;
}

/* Runs fn on items 0..n-1; the workers' results stay in p until pool_release(). */
static void pool_run(struct pool *p, size_t n, void (*fn)(struct worker *, size_t), void *arg,
                     int srcfd, int dstfd)
{
	pthread_t tid[POOL_MAX];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int want = n < 2 * POOL_BLOCK ? 1 : ncpu < 1 ? 1 : ncpu > POOL_MAX ? POOL_MAX : (int)ncpu;
	int i, started = 1;

	memset(p, 0, sizeof(*p));
	p->n = n;
	p->fn = fn;
	p->arg = arg;
	for (i = 0; i < want; i++) {
		p->w[i].p = p;
		dirs_init(&p->w[i].src, srcfd);
		dirs_init(&p->w[i].dst, dstfd);
		p->w[i].e = (struct error)ERROR_INIT;
	}
	p->nw = want;
	/* a thread that cannot start leaves its blocks to the others */
	for (i = 1; i < want && pthread_create(&tid[i], NULL, pool_thread, &p->w[i]) == 0; i++)
		started++;
	pool_thread(&p->w[0]);
	for (i = 1; i < started; i++)
		pthread_join(tid[i], NULL);
}

static void pool_release(struct pool *p)
{
	int i;

	for (i = 0; i < p->nw; i++) {
		dirs_release(&p->w[i].src);
		dirs_release(&p->w[i].dst);
	}
}

/* The first error of any worker into e; 1 if there was one. */
static int pool_error(struct pool *p, struct error *e)
{
	int i;

	for (i = 0; i < p->nw; i++)
		if (p->w[i].failed) {
			memcpy(e->msg, p->w[i].e.msg, sizeof(e->msg));
			return 1;
		}
	return 0;
}

/* ------------------------------------------------------------------ sync */

/* "2.5 GiB", "300 MiB", "16 bytes": buf holds at least 32 bytes. */
static const char *size_str(uint64_t n, char *buf)
{
	if (n >= (uint64_t)1 << 30)
		snprintf(buf, 32, "%.1f GiB", (double)n / (1 << 30));
	else if (n >= (uint64_t)1 << 20)
		snprintf(buf, 32, "%.1f MiB", (double)n / (1 << 20));
	else
		snprintf(buf, 32, "%llu bytes", (unsigned long long)n);
	return buf;
}

static const struct scratch_opts default_opts = { SCRATCH_MAX_UNTRACKED, SCRATCH_MAX_PLAIN };

/*
 * Is this scanned file one the copy mirrors? Untracked files over the limit
 * are not, nor (in a plain directory) a top-level file named .git, where the
 * copy keeps its own.
 */
static int wanted(const struct scratch *s, const struct scan_file *f)
{
	return rel_ok(f->path) &&
	       ((f->flags & SCAN_TRACKED) || (uint64_t)f->size <= s->o.max_untracked);
}

/* The pass that checks the copies: ok[i] when old entry i's copy is as written. */
struct check_pass {
	const struct manifest *old;
	unsigned char *ok;
};

static void check_item(struct worker *w, size_t i)
{
	struct check_pass *c = w->p->arg;
	struct stat st;

	c->ok[i] = same_copy(&w->dst, c->old->v[i].path, &c->old->v[i].r, &st);
}

/*
 * Loading the manifest and checking the copies need nothing from the scan, so
 * they run beside it, in a thread of their own (with the pool's threads).
 */
struct prep {
	struct scratch *s;
	struct manifest old;
	int have;          /* the manifest was there and sound */
	unsigned char *ok; /* ok[i]: old.v[i]'s copy is as written */
};

static void *prep_thread(void *arg)
{
	struct prep *p = arg;
	struct pool pool;
	struct check_pass cp;

	p->have = mf_load(p->s->slotfd, &p->old);
	p->ok = xcalloc(p->old.n + 1, 1);
	cp.old = &p->old;
	cp.ok = p->ok;
	pool_run(&pool, p->old.n, check_item, &cp, -1, p->s->fd);
	pool_release(&pool);
	return NULL;
}

/* A file to copy: its entry in the new manifest, and what the old one said. */
struct todo {
	size_t at;                  /* index in the new manifest */
	const struct mf_entry *old; /* NULL: new to the copy */
	int got;                    /* copy_path()'s result */
};

struct copy_pass {
	struct scratch *s;
	struct manifest *nw;
	struct todo *v;
	int64_t racy_after;
};

static void copy_item(struct worker *w, size_t i)
{
	struct copy_pass *c = w->p->arg;
	struct todo *t = &c->v[i];
	struct mf_entry *me = &c->nw->v[t->at];

	if (w->failed) {
		/* one message is enough; the rest keep their old records */
		t->got = -1;
		return;
	}
	t->got = copy_path(c->s, &w->src, &w->dst, me->path, c->racy_after, &me->r, &w->bytes,
	                   &w->e);
	if (t->got < 0)
		w->failed = 1;
}

int scratch_sync(struct scratch *s, struct repo *r, struct scratch_stats *st, struct error *e)
{
	struct scratch_stats none;
	struct scan sc = SCAN_INIT;
	struct manifest old, nw;
	struct dirs dst;
	struct pool pool;
	struct buf pbuf = BUF_INIT;
	struct hmap forced = HMAP_INIT;
	const char **pend = NULL;
	unsigned char *pseen = NULL, *ok = NULL;
	struct todo *todo = NULL;
	char **gone = NULL;
	size_t npend = 0, ngone = 0, gone_cap = 0, ntodo = 0, todo_cap = 0, i, j, k;
	uint64_t t0 = fs_now_ns();
	int64_t racy_after = real_now_ns() - RACY_NS;
	int rootfd = -1, rc = -1, dirty = 0, failed = 0, have, started, scan_rc;
	struct prep prep;
	pthread_t prep_tid;

	if (!st)
		st = &none;
	memset(st, 0, sizeof(*st));
	memset(&nw, 0, sizeof(nw));
	memset(&old, 0, sizeof(old));
	dirs_init(&dst, s->fd);
	memset(&prep, 0, sizeof(prep));
	prep.s = s;
	started = pthread_create(&prep_tid, NULL, prep_thread, &prep) == 0;
	scan_rc = scan_run(r, &sc, 0, e);
	if (started)
		pthread_join(prep_tid, NULL);
	else
		prep_thread(&prep);
	old = prep.old;
	ok = prep.ok;
	have = prep.have;
	if (scan_rc < 0)
		goto out;
	if (sc.unreadable) {
		/* a copy without them would fail the check for the wrong reason */
		error_set(e, "cannot read '%s' (and %zu more directories) to copy it",
		          sc.first_unreadable, sc.unreadable - 1);
		goto out;
	}
	if (!sc.is_git) {
		uint64_t total = 0;
		for (i = 0; i < sc.n; i++)
			if (wanted(s, &sc.v[i]))
				total += (uint64_t)sc.v[i].size;
		if (total > s->o.max_plain) {
			char have_s[32], max_s[32];
			error_set(e,
			          "'%s' is not a git repository and holds %s of files; the scratch "
			          "copy takes at most %s",
			          r->root, size_str(total, have_s),
			          size_str(s->o.max_plain, max_s));
			goto out;
		}
	}
	rootfd = open(r->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		error_errno(e, "cannot open '%s'", r->root);
		goto out;
	}
	if (!have) {
		/* a first copy, or one whose record was lost: make it again from nothing */
		int fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0 || empty_dir(fd) < 0) {
			error_errno(e, "cannot empty the scratch copy '%s'", s->dir);
			goto out;
		}
		unlinkat(s->slotfd, "pending", 0);
		dirty = 1;
	}
	nw.h = old.h;
	pending_load(s->slotfd, &pbuf, &pend, &npend);
	pseen = xcalloc(npend + 1, 1);
	for (k = 0; k < npend; k++)
		hmap_put(&forced, pend[k], strlen(pend[k]), k);

	/* the merge: keep, remove now, or copy below */
	for (i = 0, j = 0; i < sc.n || j < old.n;) {
		const struct scan_file *f = i < sc.n ? &sc.v[i] : NULL;
		const struct mf_entry *o = j < old.n ? &old.v[j] : NULL;
		int c = !f ? 1 : !o ? -1 : strcmp(f->path, o->path);
		const char *path = c > 0 ? o->path : f->path;
		size_t *fk = npend ? hmap_get(&forced, path, strlen(path)) : NULL;
		struct mf_rec none_rec;

		if (fk)
			pseen[*fk] = 1;
		if (c > 0 || (c == 0 && !wanted(s, f))) {
			/* the work tree no longer has it (or it grew past the limit) */
			remove_copy(&dst, o->path);
			note_parents(&gone, &ngone, &gone_cap, o->path);
			st->removed++;
			dirty = 1;
			j++;
			if (c == 0) {
				st->skipped += rel_ok(f->path);
				i++;
			}
			continue;
		}
		if (!wanted(s, f)) {
			st->skipped += rel_ok(f->path);
			i++;
			continue;
		}
		if (c == 0 && !fk && !(o->r.flags & MF_RACY) && same_source(f, &o->r) && ok[j]) {
			mf_add(&nw, &o->r, o->path);
			i++;
			j++;
			continue;
		}
		memset(&none_rec, 0, sizeof(none_rec));
		XGROW(todo, todo_cap, ntodo + 1);
		todo[ntodo].at = nw.n;
		todo[ntodo].old = c == 0 ? o : NULL;
		todo[ntodo].got = 0;
		ntodo++;
		mf_add(&nw, &none_rec, f->path);
		i++;
		if (c == 0)
			j++;
	}
	dirs_pop(&dst, 0);

	/* the copies, on every core */
	if (ntodo) {
		struct copy_pass cp = { s, &nw, todo, racy_after };
		dirty = 1;
		pool_run(&pool, ntodo, copy_item, &cp, rootfd, s->fd);
		for (k = 0; k < (size_t)pool.nw; k++)
			st->bytes += pool.w[k].bytes;
		failed = pool_error(&pool, e);
		pool_release(&pool);
	}
	for (k = 0; k < ntodo; k++) {
		struct mf_entry *me = &nw.v[todo[k].at];
		if (todo[k].got > 0) {
			st->copied++;
		} else if (todo[k].got < 0 && todo[k].old) {
			/* not copied: the old record no longer matches, so next time */
			me->r = todo[k].old->r;
		} else {
			/* gone since the scan (or failed to copy a new file) */
			me->r.flags |= MF_GONE;
			if (todo[k].old && todo[k].got == 0) {
				remove_copy(&dst, me->path);
				note_parents(&gone, &ngone, &gone_cap, me->path);
				st->removed++;
			}
		}
	}
	if (!failed) {
		/* proposal files the work tree never had */
		for (k = 0; k < npend; k++) {
			if (pseen[k])
				continue;
			remove_copy(&dst, pend[k]);
			note_parents(&gone, &ngone, &gone_cap, pend[k]);
		}
	}
	prune_and_free(&dst, gone, ngone);
	gone = NULL;
	ngone = 0;
	if (!failed && sc.is_git && sync_git(s, r, &sc, &nw, &dst, &dirty, e) < 0)
		failed = 1;
	if (!failed && !sc.is_git) {
		/* not (or no longer) a git repository: no .git of ours either */
		if (remove_at(s->fd, ".git") < 0) {
			error_errno(e, "cannot remove the scratch copy's .git");
			failed = 1;
		}
		if (nw.h.git_sig[0] || nw.h.ix.ino) {
			memset(nw.h.git_sig, 0, sizeof(nw.h.git_sig));
			memset(&nw.h.ix, 0, sizeof(nw.h.ix));
			dirty = 1;
		}
	}
	if (dirty) {
		struct error se = ERROR_INIT;
		if (mf_save(s->slotfd, &nw, failed ? &se : e) < 0 && !failed)
			goto out;
	}
	if (failed)
		goto out;
	if (npend && pending_set(s->slotfd, NULL, 0, e) < 0)
		goto out;
	rc = 0;
out:
	for (i = 0; i < nw.n; i++)
		st->files += !(nw.v[i].r.flags & MF_GONE);
	st->reflink = __atomic_load_n(&s->clone, __ATOMIC_RELAXED) == 1;
	st->git = sc.is_git;
	st->seconds = (double)(fs_now_ns() - t0) / 1e9;
	for (i = 0; i < ngone; i++)
		free(gone[i]);
	free(gone);
	dirs_release(&dst);
	if (rootfd >= 0)
		close(rootfd);
	hmap_release(&forced);
	free(pend);
	free(pseen);
	free(ok);
	free(todo);
	buf_release(&pbuf);
	mf_release(&nw);
	mf_release(&old);
	scan_release(&sc);
	return rc;
}

/* ----------------------------------------------------------- slots, open */

/*
 * Takes copy slot: 1 with *slotfd and *lockfd (locked), 0 when another
 * process holds it, -1 on an error.
 */
static int take_slot(int bfd, int slot, int *slotfd, int *lockfd, struct error *e)
{
	char name[16];
	int tries;

	snprintf(name, sizeof(name), "%d", slot);
	for (tries = 0; tries < 8; tries++) {
		struct stat a, b;
		int sfd, lfd;

		if (mkdirat(bfd, name, 0700) < 0 && errno != EEXIST)
			return error_errno(e, "cannot make scratch copy %d", slot);
		sfd = openat(bfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd < 0) {
			if (errno == ENOENT)
				continue; /* removed meanwhile */
			return error_errno(e, "cannot open scratch copy %d", slot);
		}
		lfd = openat(sfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (lfd < 0) {
			close(sfd);
			if (errno == ENOENT)
				continue;
			return error_errno(e, "cannot open the lock of scratch copy %d", slot);
		}
		if (flock(lfd, LOCK_EX | LOCK_NB) < 0) {
			int err = errno;
			close(lfd);
			close(sfd);
			if (err == EWOULDBLOCK)
				return 0;
			errno = err;
			return error_errno(e, "cannot lock scratch copy %d", slot);
		}
		/* scratch_remove() unlinks the lock before letting go: is ours still the one? */
		if (fstat(lfd, &a) == 0 && fstatat(sfd, "lock", &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev && fstat(sfd, &a) == 0 &&
		    fstatat(bfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev) {
			*slotfd = sfd;
			*lockfd = lfd;
			return 1;
		}
		close(lfd);
		close(sfd);
	}
	return error_set(e, "cannot lock scratch copy %d: it keeps being removed", slot);
}

int scratch_open(struct scratch *s, struct repo *r, const struct scratch_opts *o,
                 struct scratch_stats *st, struct error *e)
{
	char *base = fs_join(r->loom_dir, "scratch");
	int bfd = -1, slot, got = 0;

	*s = (struct scratch)SCRATCH_INIT;
	s->o = o ? *o : default_opts;
	if (!s->o.max_untracked)
		s->o.max_untracked = default_opts.max_untracked;
	if (!s->o.max_plain)
		s->o.max_plain = default_opts.max_plain;
	if (mkdir(base, 0700) < 0 && errno != EEXIST) {
		error_errno(e, "cannot make '%s'", base);
		goto fail;
	}
	bfd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (bfd < 0) {
		error_errno(e, "cannot open '%s'", base);
		goto fail;
	}
	for (slot = 0; slot < SCRATCH_SLOTS; slot++) {
		got = take_slot(bfd, slot, &s->slotfd, &s->lockfd, e);
		if (got)
			break;
	}
	if (got < 0)
		goto fail;
	if (!got) {
		error_set(e, "all %d scratch copies of '%s' are in use by other loom processes",
		          SCRATCH_SLOTS, r->root);
		goto fail;
	}
	s->slot = slot;
	s->fd = open_dir(s->slotfd, "tree", 1);
	if (s->fd < 0) {
		error_errno(e, "cannot make '%s/%d/tree'", base, slot);
		goto fail;
	}
	s->dir = xasprintf("%s/%d/tree", base, slot);
	close(bfd);
	bfd = -1;
	if (scratch_sync(s, r, st, e) < 0)
		goto fail;
	free(base);
	return 0;
fail:
	if (bfd >= 0)
		close(bfd);
	free(base);
	scratch_close(s);
	return -1;
}

void scratch_close(struct scratch *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->slotfd >= 0)
		close(s->slotfd);
	if (s->lockfd >= 0)
		close(s->lockfd); /* releases the flock */
	free(s->dir);
	*s = (struct scratch)SCRATCH_INIT;
}

/* ------------------------------------------------------ proposals, revert */

static int proposal_path(const char *path, struct error *e)
{
	if (path_check(path, e) < 0)
		return -1;
	if (!strncmp(path, ".loom/", 6) || !strcmp(path, ".loom"))
		return error_set(e, "'%s' is inside loom's own directory", path);
	return 0;
}

int scratch_put(struct scratch *s, const char *path, const char *data, size_t n, unsigned mode,
                struct error *e)
{
	struct apply_state to;
	struct buf cur = BUF_INIT;
	unsigned old_mode = 0;
	int rc;

	if (proposal_path(path, e) < 0)
		return -1;
	/* what is there now: refuses a link, a non-file, a link or file on the way */
	rc = apply_read(s->fd, path, 0, &cur, &old_mode, e);
	buf_release(&cur);
	if (rc < 0)
		return -1;
	if (pending_add(s->slotfd, path, e) < 0)
		return -1;
	to.exists = data != NULL;
	to.mode = mode ? mode & 0777 : rc == 1 ? old_mode & 0777 : 0644;
	to.data = data ? data : "";
	to.len = data ? n : 0;
	return apply_put(s->fd, path, &to, "scratch", e);
}

int scratch_revert(struct scratch *s, struct repo *r, const char *const *paths, size_t n,
                   struct error *e)
{
	struct manifest m;
	struct dirs src, dst;
	struct buf pbuf = BUF_INIT;
	const char **pend = NULL, **keep = NULL;
	char **gone = NULL;
	size_t npend = 0, nkeep = 0, keep_cap = 0, ngone = 0, gone_cap = 0, i, k;
	int64_t racy_after = real_now_ns() - RACY_NS;
	int have, rootfd = -1, rc = -1, dirty = 0;
	uint64_t bytes = 0;

	pending_load(s->slotfd, &pbuf, &pend, &npend);
	if (!paths) {
		paths = pend;
		n = npend;
	}
	for (i = 0; i < n; i++)
		if (proposal_path(paths[i], e) < 0)
			goto free_pending;
	have = mf_load(s->slotfd, &m);
	rootfd = open(r->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		error_errno(e, "cannot open '%s'", r->root);
		mf_release(&m);
		goto free_pending;
	}
	dirs_init(&src, rootfd);
	dirs_init(&dst, s->fd);
	for (i = 0; i < n; i++) {
		struct mf_entry *me = have ? mf_find(&m, paths[i]) : NULL;
		int got = 0;

		if (me && !(me->r.flags & MF_GONE)) {
			struct mf_rec rec;
			got = copy_path(s, &src, &dst, paths[i], racy_after, &rec, &bytes, e);
			if (got < 0)
				goto out;
			if (got)
				me->r = rec;
			else
				me->r.flags |= MF_GONE;
			dirty = 1;
		}
		if (!got) {
			remove_copy(&dst, paths[i]);
			note_parents(&gone, &ngone, &gone_cap, paths[i]);
		}
		dirs_pop(&dst, 0);
		/* what a crash of apply_put() may have left beside it */
		apply_sweep(s->fd, paths[i], "scratch");
	}
	rc = 0;
out:
	prune_and_free(&dst, gone, ngone);
	if (dirty && have) {
		struct error se = ERROR_INIT;
		if (mf_save(s->slotfd, &m, rc < 0 ? &se : e) < 0)
			rc = -1;
	}
	if (rc == 0) {
		/* what stays pending: the pending paths not reverted now */
		for (k = 0; k < npend; k++) {
			for (i = 0; i < n; i++)
				if (!strcmp(pend[k], paths[i]))
					break;
			if (i == n) {
				XGROW(keep, keep_cap, nkeep + 1);
				keep[nkeep++] = pend[k];
			}
		}
		if (pending_set(s->slotfd, keep, nkeep, e) < 0)
			rc = -1;
	}
	free(keep);
	dirs_release(&src);
	dirs_release(&dst);
	close(rootfd);
	mf_release(&m);
free_pending:
	free(pend);
	buf_release(&pbuf);
	return rc;
}

/* ---------------------------------------------------------------- remove */

int scratch_remove(struct repo *r, struct error *e)
{
	char *base = fs_join(r->loom_dir, "scratch");
	int bfd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), kept = 0, rc = 0;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d;

	if (bfd < 0) {
		free(base);
		if (errno == ENOENT)
			return 0;
		return error_errno(e, "cannot open the scratch copies of '%s'", r->root);
	}
	d = fdopendir(fcntl(bfd, F_DUPFD_CLOEXEC, 0));
	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		XGROW(names, cap, n + 1);
		names[n++] = xstrdup(de->d_name);
	}
	if (d)
		closedir(d);
	for (i = 0; i < n; i++) {
		int sfd = openat(bfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int lfd;
		if (sfd < 0) {
			/* not a copy: a stray file */
			if (remove_at(bfd, names[i]) < 0)
				rc = -1;
			continue;
		}
		lfd = openat(sfd, "lock", O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (lfd >= 0 && flock(lfd, LOCK_EX | LOCK_NB) < 0) {
			kept++;
			close(lfd);
			close(sfd);
			continue;
		}
		/* ours now: everything but the lock, then the lock, then the directory */
		{
			DIR *sd = fdopendir(fcntl(sfd, F_DUPFD_CLOEXEC, 0));
			struct dirent *se;
			while (sd && (se = readdir(sd))) {
				if (!strcmp(se->d_name, ".") || !strcmp(se->d_name, "..") ||
				    !strcmp(se->d_name, "lock"))
					continue;
				if (remove_at(sfd, se->d_name) < 0)
					rc = -1;
			}
			if (sd)
				closedir(sd);
		}
		unlinkat(sfd, "lock", 0);
		if (unlinkat(bfd, names[i], AT_REMOVEDIR) < 0 && errno != ENOENT)
			rc = -1;
		if (lfd >= 0)
			close(lfd);
		close(sfd);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	close(bfd);
	if (kept)
		rc = error_set(e, "%d scratch cop%s of '%s' in use by another loom process kept",
		               kept, kept == 1 ? "y" : "ies", r->root);
	else if (rc < 0)
		error_errno(e, "cannot remove all of '%s'", base);
	else if (rmdir(base) < 0 && errno != ENOENT)
		rc = error_errno(e, "cannot remove '%s'", base);
	free(base);
	return rc;
}
