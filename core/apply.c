/*
 * apply.c - writing approved changes to the user's files; nothing else in Loom does.
 *
 * A change set is a list of files, each (path, the content the proposal was
 * made against or "did not exist", the new content or "delete"). Every path
 * is reached from a descriptor of the repository root one component at a
 * time, with fstatat(AT_SYMLINK_NOFOLLOW) and openat(O_NOFOLLOW|O_DIRECTORY),
 * and every later operation on the file (read, create, rename, unlink) is
 * relative to the descriptor of its directory, so no symbolic link is ever
 * followed and no path is resolved twice by name.
 *
 * The order is fixed: take the journal's lock, roll back a set a crash left
 * pending, check every file (path rules, symbolic links, size, binary, and
 * that its bytes on disk still equal the proposal's old text), journal the
 * set (core/undo.c), write the files, mark the set applied, and only then,
 * when asked, commit. A file is written as a temporary file beside it
 * (O_CREAT|O_EXCL, a random name), fsynced, given the old mode, renamed over
 * the target (RENAME_NOREPLACE when the file is new) and the directory
 * fsynced, so each file is either all old or all new. Just before the rename
 * the target's stat data is compared with what the check saw, which narrows
 * the window in which an editor's save could be lost to that one call. A
 * failed write restores the files already written from the journal.
 *
 * Invariant: when apply_set() returns -1, the work tree is as it was (or the
 * message says which rollback failed); when it returns 0, the journal holds
 * an applied set that undo_last() can restore.
 */
#define _GNU_SOURCE
#include "core/apply.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/gitx.h"
#include "core/log.h"
#include "core/path.h"
#include "core/undo.h"

/* What the check saw of a file, to notice a change just before the rename. */
struct guard {
	int exists;
	struct stat st;
};

/* A checked file: its state on disk and the directories its creation needs. */
struct prep {
	struct guard g;
	unsigned mode;
	char **dirs;
	size_t ndirs;
};

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
 * Opens the directory holding path, component by component from rootfd,
 * never following a symbolic link. Returns 0 with *dirfd (the caller closes
 * it), 1 when a directory is missing and create is 0 (*missing = the offset
 * in path of the first missing component), or -1.
 */
static int open_parent(int rootfd, const char *path, int create, int *dirfd, size_t *missing,
                       struct error *e)
{
	const char *p = path, *slash;
	int fd = -1;

	while ((slash = strchr(p, '/'))) {
		char comp[NAME_MAX + 1];
		size_t n = (size_t)(slash - p), upto = (size_t)(slash - path);
		int at = fd < 0 ? rootfd : fd, nfd;
		struct stat st;

		if (n == 0 || n > NAME_MAX) {
			error_set(e, "cannot write '%s': a component is empty or too long", path);
			goto fail;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (fstatat(at, comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT) {
				error_errno(e, "cannot write '%s': cannot stat '%.*s'", path,
				            (int)upto, path);
				goto fail;
			}
			if (!create) {
				if (fd >= 0)
					close(fd);
				*missing = (size_t)(p - path);
				*dirfd = -1;
				return 1;
			}
			if (mkdirat(at, comp, 0755) < 0 && errno != EEXIST) {
				error_errno(e, "cannot create '%.*s'", (int)upto, path);
				goto fail;
			}
			fsync(at);
		} else if (S_ISLNK(st.st_mode)) {
			error_set(e, "cannot write '%s': '%.*s' is a symbolic link", path,
			          (int)upto, path);
			goto fail;
		} else if (!S_ISDIR(st.st_mode)) {
			error_set(e, "cannot write '%s': '%.*s' is not a directory", path,
			          (int)upto, path);
			goto fail;
		}
		nfd = openat(at, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			if (errno == ELOOP)
				error_set(e, "cannot write '%s': '%.*s' is a symbolic link", path,
				          (int)upto, path);
			else
				error_errno(e, "cannot write '%s': cannot open '%.*s'", path,
				            (int)upto, path);
			goto fail;
		}
		if (fd >= 0)
			close(fd);
		fd = nfd;
		p = slash + 1;
	}
	if (fd < 0 && (fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0)) < 0)
		return error_errno(e, "cannot write '%s'", path);
	*dirfd = fd;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/*
 * Looks at path below rootfd: 1 with its stat (and its content appended to
 * out, unless out is NULL), 0 when absent (*missing as open_parent, or
 * SIZE_MAX when only the file is missing), -1 on a link, a special file, a
 * file over max bytes or an error.
 */
static int look(int rootfd, const char *path, size_t max, struct buf *out, struct stat *st,
                size_t *missing, struct error *e)
{
	const char *base = base_name(path);
	int dfd, fd, rc;

	*missing = SIZE_MAX;
	rc = open_parent(rootfd, path, 0, &dfd, missing, e);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (fstatat(dfd, base, st, AT_SYMLINK_NOFOLLOW) < 0) {
		int err = errno;
		close(dfd);
		if (err == ENOENT)
			return 0;
		errno = err;
		return error_errno(e, "cannot stat '%s'", path);
	}
	if (S_ISLNK(st->st_mode)) {
		close(dfd);
		return error_set(e, "cannot write '%s': it is a symbolic link", path);
	}
	if (!S_ISREG(st->st_mode)) {
		close(dfd);
		return error_set(e, "cannot write '%s': it is not a regular file", path);
	}
	if (max && (uint64_t)st->st_size > max) {
		close(dfd);
		return error_set(e, "'%s' is larger than the limit of %zu bytes", path, max);
	}
	if (!out) {
		close(dfd);
		return 1;
	}
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	close(dfd);
	if (fd < 0)
		return error_errno(e, "cannot open '%s'", path);
	rc = fs_read_fd(fd, path, max, out, e);
	close(fd);
	return rc < 0 ? -1 : 1;
}

int apply_read(int rootfd, const char *path, size_t max, struct buf *out, unsigned *mode,
               struct error *e)
{
	struct stat st;
	size_t missing;
	int rc = look(rootfd, path, max, out, &st, &missing, e);

	if (rc == 1)
		*mode = st.st_mode & 07777;
	return rc;
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* 0 when the target is still what the check saw, else -1 with the message. */
static int guard_ok(int dfd, const char *path, const struct guard *g, struct error *e)
{
	struct stat st;
	int exists = fstatat(dfd, base_name(path), &st, AT_SYMLINK_NOFOLLOW) == 0;

	if (exists == g->exists && (!exists || same_file(&st, &g->st)))
		return 0;
	return error_set(e, "'%s' changed since the proposal was made; propose the change again",
	                 path);
}

static unsigned long long random64(void)
{
	unsigned long long r;
	struct timespec ts;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
		return r;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((unsigned long long)ts.tv_nsec << 20) ^ (unsigned long long)ts.tv_sec ^
	       ((unsigned long long)getpid() << 40);
}

/* The hook of apply_set(), if any, for the file being written. */
struct hook {
	int (*fn)(size_t i, int renaming, void *arg);
	void *arg;
	size_t i;
};

static int put(int rootfd, const char *path, const struct apply_state *to, const struct guard *g,
               const char *tag, const struct hook *h, struct error *e)
{
	const char *base = base_name(path);
	char tmp[96];
	size_t missing;
	int dfd, fd = -1, rc, tries;

	rc = open_parent(rootfd, path, to->exists, &dfd, &missing, e);
	if (rc != 0)
		return rc < 0 ? -1 : 0; /* deleting below a missing directory: already absent */
	if (!to->exists) {
		if (g && guard_ok(dfd, path, g, e) < 0)
			goto fail;
		if (unlinkat(dfd, base, 0) < 0 && errno != ENOENT) {
			error_errno(e, "cannot remove '%s'", path);
			goto fail;
		}
		fsync(dfd);
		close(dfd);
		return 0;
	}
	for (tries = 0; tries < 16; tries++) {
		snprintf(tmp, sizeof(tmp), ".loom-%s-%016llx.tmp", tag, random64());
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		error_errno(e, "cannot create a temporary file beside '%s'", path);
		goto fail;
	}
	if (write_all(fd, to->data, to->len) < 0) {
		error_errno(e, "cannot write '%s'", path);
		goto fail_tmp;
	}
	/* after the write, which may clear set-user-ID bits */
	if (to->mode && fchmod(fd, to->mode & 07777) < 0) {
		error_errno(e, "cannot set the mode of '%s'", path);
		goto fail_tmp;
	}
	if (fsync(fd) < 0) {
		error_errno(e, "cannot write '%s': fsync", path);
		goto fail_tmp;
	}
	rc = close(fd);
	fd = -1;
	if (rc < 0) {
		error_errno(e, "cannot write '%s'", path);
		goto fail_tmp;
	}
	if (h && h->fn && h->fn(h->i, 1, h->arg) != 0) {
		error_set(e, "cannot write '%s': stopped by the test hook", path);
		goto fail_tmp;
	}
	if (g && guard_ok(dfd, path, g, e) < 0)
		goto fail_tmp;
	rc = -1;
	if (g && !g->exists) {
		rc = renameat2(dfd, tmp, dfd, base, RENAME_NOREPLACE);
		if (rc < 0 && errno == EEXIST) {
			error_set(e,
			          "'%s' changed since the proposal was made; propose the change "
			          "again",
			          path);
			goto fail_tmp;
		}
		if (rc < 0 && errno != EINVAL && errno != ENOSYS) {
			error_errno(e, "cannot rename over '%s'", path);
			goto fail_tmp;
		}
	}
	if (rc < 0 && renameat(dfd, tmp, dfd, base) < 0) {
		error_errno(e, "cannot rename over '%s'", path);
		goto fail_tmp;
	}
	if (fsync(dfd) < 0) {
		/* the rename happened; the caller's rollback finds the new content */
		error_errno(e, "cannot write '%s': fsync of its directory", path);
		goto fail;
	}
	close(dfd);
	return 0;
fail_tmp:
	if (fd >= 0)
		close(fd);
	unlinkat(dfd, tmp, 0);
fail:
	close(dfd);
	return -1;
}

int apply_put(int rootfd, const char *path, const struct apply_state *st, const char *tag,
              struct error *e)
{
	return put(rootfd, path, st, NULL, tag, NULL, e);
}

void apply_rmdir(int rootfd, const char *dir)
{
	size_t missing;
	int dfd;

	if (open_parent(rootfd, dir, 0, &dfd, &missing, NULL) != 0)
		return;
	/* AT_REMOVEDIR neither follows a symbolic link nor removes a file */
	if (unlinkat(dfd, base_name(dir), AT_REMOVEDIR) == 0)
		fsync(dfd);
	close(dfd);
}

void apply_sweep(int rootfd, const char *path, const char *tag)
{
	char prefix[80];
	size_t missing, pn;
	struct dirent *de;
	DIR *d;
	int dfd, lfd, removed = 0;

	if (open_parent(rootfd, path, 0, &dfd, &missing, NULL) != 0)
		return;
	pn = (size_t)snprintf(prefix, sizeof(prefix), ".loom-%s-", tag);
	if ((lfd = fcntl(dfd, F_DUPFD_CLOEXEC, 0)) < 0 || !(d = fdopendir(lfd))) {
		if (lfd >= 0)
			close(lfd);
		close(dfd);
		return;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n > pn + 4 && !strncmp(de->d_name, prefix, pn) &&
		    !strcmp(de->d_name + n - 4, ".tmp") && unlinkat(dfd, de->d_name, 0) == 0)
			removed = 1;
	}
	closedir(d);
	if (removed)
		fsync(dfd);
	close(dfd);
}

static int has_nul(const char *s, size_t n)
{
	return s && memchr(s, '\0', n < APPLY_BINARY_PROBE ? n : APPLY_BINARY_PROBE) != NULL;
}

static void prep_release(struct prep *p, size_t n)
{
	size_t i, j;

	for (i = 0; p && i < n; i++) {
		for (j = 0; j < p[i].ndirs; j++)
			free(p[i].dirs[j]);
		free(p[i].dirs);
	}
	free(p);
}

static int check_one(int rootfd, const struct apply_file *f, size_t max, struct prep *p,
                     struct error *e)
{
	const char *path = f->path;
	struct buf cur = BUF_INIT;
	size_t missing;
	int rc;

	if (path_check(path, e) < 0)
		return -1;
	if (!strncmp(path, ".loom/", 6) || !strcmp(path, ".loom"))
		return error_set(e, "'%s' is inside loom's own directory", path);
	if (!f->old_text && !f->new_text)
		return error_set(
		        e, "'%s': nothing to apply, the file neither exists nor is created", path);
	if ((f->old_text && f->old_len > max) || (f->new_text && f->new_len > max))
		return error_set(e, "'%s' is larger than the limit of %zu bytes", path, max);
	if (has_nul(f->old_text, f->old_len) || has_nul(f->new_text, f->new_len))
		return error_set(e, "'%s' is a binary file", path);
	rc = look(rootfd, path, max, &cur, &p->g.st, &missing, e);
	if (rc < 0) {
		buf_release(&cur);
		return -1;
	}
	p->g.exists = rc;
	p->mode = rc ? (unsigned)(p->g.st.st_mode & 07777) : 0;
	if (rc != (f->old_text != NULL) ||
	    (rc && (cur.len != f->old_len || memcmp(cur.ptr, f->old_text, cur.len) != 0))) {
		buf_release(&cur);
		return error_set(
		        e, "'%s' changed since the proposal was made; propose the change again",
		        path);
	}
	buf_release(&cur);
	/* the directories a new file needs, outermost first */
	if (!rc && f->new_text && missing != SIZE_MAX) {
		const char *s = path + missing;
		size_t cap = 0;
		while ((s = strchr(s, '/'))) {
			XGROW(p->dirs, cap, p->ndirs + 1);
			p->dirs[p->ndirs++] = xstrndup(path, (size_t)(s - path));
			s++;
		}
	}
	return 0;
}

/* Checks every file; returns the preps (the caller frees them with prep_release) or NULL. */
static struct prep *check_all(int rootfd, const struct apply_file *files, size_t n, size_t max,
                              struct error *e)
{
	struct prep *p = xcalloc(n ? n : 1, sizeof(*p));
	size_t i, j;

	if (n == 0) {
		error_set(e, "the change set is empty");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		if (!files[i].path) {
			error_set(e, "file %zu of the change set has no path", i + 1);
			goto fail;
		}
		for (j = 0; j < i; j++)
			if (!strcmp(files[i].path, files[j].path)) {
				error_set(e, "'%s' appears twice in the change set", files[i].path);
				goto fail;
			}
		if (check_one(rootfd, &files[i], max, &p[i], e) < 0)
			goto fail;
	}
	return p;
fail:
	prep_release(p, n);
	return NULL;
}

static int open_root(const char *root, struct error *e)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		error_errno(e, "cannot open '%s'", root);
	return fd;
}

int apply_check(const char *root, const struct apply_file *files, size_t n,
                const struct apply_opts *o, struct error *e)
{
	struct prep *p;
	int rootfd = open_root(root, e);

	if (rootfd < 0)
		return -1;
	p = check_all(rootfd, files, n, o && o->max_size ? o->max_size : APPLY_MAX_SIZE, e);
	close(rootfd);
	if (!p)
		return -1;
	prep_release(p, n);
	return 0;
}

/* The message on one line, control characters as spaces. */
static char *one_line(const char *s)
{
	char *m = xstrdup(s ? s : ""), *p;

	for (p = m; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return m;
}

static int same_dir(const char *root, const char *workdir)
{
	char a[PATH_MAX], b[PATH_MAX];
	return realpath(root, a) && realpath(workdir, b) && !strcmp(a, b);
}

/* The index entry of path before the commit, into the journal's record. */
static void note_index_entry(git_index *idx, struct undo_file *f)
{
	const git_index_entry *ie = git_index_get_bypath(idx, f->path, 0);

	f->index_known = 1;
	f->index_had = ie != NULL;
	if (ie) {
		f->index_mode = ie->mode;
		git_oid_tostr(f->index_oid, sizeof(f->index_oid), &ie->id);
	}
}

/*
 * apply_commit: commits exactly the set's files on HEAD. The tree is HEAD's
 * tree with those paths replaced (blobs made from the work tree as 'git add'
 * would) or removed, built in an in-memory index, so the user's other staged
 * and unstaged changes are neither committed nor touched. The commit object is
 * made first and recorded in the journal with the index entries the paths had,
 * then HEAD (its branch, or HEAD itself when detached) moves to it, checked
 * against the parent it was made on, and only those paths' index entries are
 * updated to match.
 */
static int apply_commit(git_repository *git, int rootfd, struct undo *u, struct undo_set *s,
                        struct error *e)
{
	git_index *idx = NULL, *mem = NULL;
	git_reference *head = NULL, *moved = NULL;
	git_commit *parent = NULL;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	git_oid parent_id, tree_id, commit_id;
	char *msg = NULL;
	int rc = -1, has_parent;
	size_t i;

	/* apply_set() checked that root is git's work tree */
	has_parent = git_reference_name_to_id(&parent_id, git, "HEAD") == 0;
	if (has_parent && git_commit_lookup(&parent, git, &parent_id) < 0) {
		gitx_error(e, "cannot read HEAD");
		goto out;
	}
	if (git_repository_index(&idx, git) < 0 || git_index_read(idx, 0) < 0 ||
	    git_index_new(&mem) < 0) {
		gitx_error(e, "cannot read the git index");
		goto out;
	}
	if (parent) {
		git_tree *pt;
		if (git_commit_tree(&pt, parent) < 0 || git_index_read_tree(mem, pt) < 0) {
			gitx_error(e, "cannot read HEAD's tree");
			goto out;
		}
		git_tree_free(pt);
	}
	for (i = 0; i < s->nfiles; i++) {
		struct undo_file *f = &s->files[i];
		note_index_entry(idx, f);
		if (f->new_exists) {
			git_index_entry ent;
			struct stat st;
			memset(&ent, 0, sizeof(ent));
			if (fstatat(rootfd, f->path, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISREG(st.st_mode)) {
				error_errno(e, "cannot stat '%s'", f->path);
				goto out;
			}
			if (git_blob_create_from_workdir(&ent.id, git, f->path) < 0) {
				gitx_error(e, "cannot store a blob");
				goto out;
			}
			ent.path = f->path;
			ent.mode = (st.st_mode & S_IXUSR) ? GIT_FILEMODE_BLOB_EXECUTABLE
			                                  : GIT_FILEMODE_BLOB;
			if (git_index_add(mem, &ent) < 0) {
				gitx_error(e, "cannot build the commit's tree");
				goto out;
			}
		} else {
			git_index_remove(mem, f->path, 0);
		}
	}
	if (git_index_write_tree_to(&tree_id, mem, git) < 0 ||
	    git_tree_lookup(&tree, git, &tree_id) < 0) {
		gitx_error(e, "cannot write the commit's tree");
		goto out;
	}
	if (git_signature_default(&sig, git) < 0 &&
	    git_signature_now(&sig, "loom", "loom@localhost") < 0) {
		gitx_error(e, "cannot make a signature");
		goto out;
	}
	if (s->message && *s->message)
		msg = xasprintf("loom: %s\n", s->message);
	else
		msg = xasprintf("loom: apply change set %lu\n", s->id);
	if (git_commit_create(&commit_id, git, NULL, sig, sig, NULL, msg, tree, parent ? 1 : 0,
	                      (const git_commit **)&parent) < 0) {
		gitx_error(e, "cannot create the commit");
		goto out;
	}
	git_oid_tostr(s->commit, sizeof(s->commit), &commit_id);
	if (undo_save(u, s, e) < 0)
		goto out;
	if (git_reference_lookup(&head, git, "HEAD") < 0) {
		gitx_error(e, "cannot read HEAD");
		goto out;
	}
	if (git_reference_type(head) == GIT_REFERENCE_SYMBOLIC) {
		const char *branch = git_reference_symbolic_target(head);
		char *log = xasprintf("commit: %s", msg);
		log[strcspn(log, "\n")] = '\0';
		rc = has_parent ? git_reference_create_matching(&moved, git, branch, &commit_id, 1,
		                                                &parent_id, log)
		                : git_reference_create(&moved, git, branch, &commit_id, 0, log);
		free(log);
	} else {
		rc = git_repository_set_head_detached(git, &commit_id);
	}
	if (rc < 0) {
		struct error ignored = ERROR_INIT;
		gitx_error(e, "cannot move HEAD to the new commit");
		s->commit[0] = '\0';
		undo_save(u, s, &ignored);
		rc = -1;
		goto out;
	}
	rc = -1;
	for (i = 0; i < s->nfiles; i++) {
		const struct undo_file *f = &s->files[i];
		int r = f->new_exists ? git_index_add_bypath(idx, f->path)
		                      : git_index_remove_bypath(idx, f->path);
		if (r < 0) {
			gitx_error(e, "cannot update the git index");
			goto out;
		}
	}
	if (git_index_write(idx) < 0) {
		gitx_error(e, "cannot write the git index");
		goto out;
	}
	rc = 0;
out:
	free(msg);
	git_signature_free(sig);
	git_tree_free(tree);
	git_commit_free(parent);
	git_reference_free(head);
	git_reference_free(moved);
	git_index_free(mem);
	git_index_free(idx);
	return rc;
}

static void fill_set(struct undo_set *s, const struct apply_file *files, size_t n, struct prep *p,
                     const char *message)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->state = UNDO_PENDING;
	s->time = (long long)time(NULL);
	s->message = one_line(message);
	s->files = xcalloc(n, sizeof(*s->files));
	s->nfiles = n;
	for (i = 0; i < n; i++) {
		struct undo_file *f = &s->files[i];
		f->path = xstrdup(files[i].path);
		f->old_exists = files[i].old_text != NULL;
		f->old_mode = p[i].mode;
		if (f->old_exists) {
			f->old_size = files[i].old_len;
			undo_hash(files[i].old_text, files[i].old_len, f->old_hash);
		}
		f->new_exists = files[i].new_text != NULL;
		if (f->new_exists) {
			f->new_size = files[i].new_len;
			undo_hash(files[i].new_text, files[i].new_len, f->new_hash);
		}
		/* the set takes over the directory list */
		f->dirs = p[i].dirs;
		f->ndirs = p[i].ndirs;
		p[i].dirs = NULL;
		p[i].ndirs = 0;
	}
}

int apply_set(const char *root, const char *journal_dir, const struct apply_file *files, size_t n,
              const struct apply_opts *o, struct apply_result *res, struct error *e)
{
	static const struct apply_opts none = APPLY_OPTS_INIT;
	struct undo u = UNDO_INIT;
	struct undo_set s;
	struct prep *p = NULL;
	struct buf report = BUF_INIT;
	const char **olds = NULL;
	char tag[32], why[sizeof(e->msg)];
	size_t i;
	int rootfd, rc = -1;

	memset(&s, 0, sizeof(s));
	memset(res, 0, sizeof(*res));
	if (!o)
		o = &none;
	if (o->commit && !o->git)
		return error_set(e, "cannot commit: '%s' is not a git repository", root);
	if (o->commit &&
	    (!git_repository_workdir(o->git) || !same_dir(root, git_repository_workdir(o->git))))
		return error_set(e, "cannot commit: '%s' is not the work tree of its repository",
		                 root);
	if ((rootfd = open_root(root, e)) < 0)
		return -1;
	if (undo_open(journal_dir, &u, e) < 0)
		goto out;
	/* "change set 7 was interrupted and cannot be rolled back: ..." */
	if (undo_recover(&u, rootfd, 0, &report, e) < 0)
		goto out;
	if (report.len)
		log_note("%.*s", (int)(report.len - 1), report.ptr);
	if (!(p = check_all(rootfd, files, n, o->max_size ? o->max_size : APPLY_MAX_SIZE, e)))
		goto out;
	fill_set(&s, files, n, p, o->message);
	olds = xcalloc(n, sizeof(*olds));
	for (i = 0; i < n; i++)
		olds[i] = files[i].old_text;
	if (undo_begin(&u, &s, olds, e) < 0) {
		error_prefix(e, "cannot journal the change set");
		goto out;
	}
	res->id = s.id;
	snprintf(tag, sizeof(tag), "%06lu", s.id);
	for (i = 0; i <= n; i++) {
		struct error back = ERROR_INIT;

		if (i == n) {
			s.state = UNDO_APPLIED;
			if (undo_save(&u, &s, e) == 0)
				break;
		} else {
			struct apply_state to = { files[i].new_text != NULL, p[i].mode,
				                  files[i].new_text, files[i].new_len };
			struct hook h = { o->hook, o->hook_arg, i };
			if (o->hook && o->hook(i, 0, o->hook_arg) != 0)
				error_set(e, "cannot write '%s': stopped by the test hook",
				          files[i].path);
			else if (put(rootfd, files[i].path, &to, &p[i].g, tag, &h, e) == 0)
				continue;
		}
		/* a write (or marking the set applied) failed: put back what was written */
		memcpy(why, e->msg, sizeof(why));
		s.state = UNDO_PENDING;
		if (undo_restore(&u, &s, rootfd, UNDO_OURS, &back) < 0) {
			error_set(e, "%s; rolling back change set %lu failed: %s; see 'loom undo'",
			          why, s.id, back.msg);
			goto out;
		}
		s.state = UNDO_ROLLED_BACK;
		undo_save(&u, &s, &back);
		error_set(e, "%s; nothing was changed", why);
		goto out;
	}
	rc = 0;
	if (o->commit) {
		struct error ce = ERROR_INIT;
		if (apply_commit(o->git, rootfd, &u, &s, &ce) == 0) {
			memcpy(res->commit, s.commit, sizeof(res->commit));
		} else if (s.commit[0]) {
			/* HEAD moved, the index did not follow */
			memcpy(res->commit, s.commit, sizeof(res->commit));
			error_prefix(&ce, "committed, but");
			memcpy(res->warning, ce.msg, sizeof(res->warning));
		} else {
			error_prefix(&ce, "not committed");
			memcpy(res->warning, ce.msg, sizeof(res->warning));
		}
	}
out:
	free(olds);
	undo_set_release(&s);
	prep_release(p, n);
	buf_release(&report);
	undo_close(&u);
	close(rootfd);
	return rc;
}
