/*
 * scan.c - one walk of the work tree that yields every indexable file.
 *
 * Data model: the git index is loaded once and turned into two hash sets, the
 * tracked paths and the directories that contain tracked paths. The walk then
 * descends with openat()/fstatat() (no path re-resolution per file):
 * directories holding tracked files are always entered, other directories only
 * when libgit2 says they are not ignored, and an untracked file is listed only
 * when it is not ignored. This is what `git status` does, and it costs about as
 * much: one stat per file and one ignore check per untracked entry.
 *
 * A tracked file whose stat data still matches its index entry (and is not
 * "racily clean", i.e. modified in the same second the index was written) has
 * the index entry's blob id as its content hash, so a cold index never hashes
 * the bulk of a clean checkout.
 */
#define _GNU_SOURCE
#include "context/scan.h"

#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/gitx.h"
#include "core/hmap.h"
#include "core/xalloc.h"

/* Read-only state shared by the walking threads, plus the directory queue. */
struct walker {
	struct repo *r;
	struct scan *out;
	git_index *ix;
	const git_index_entry **tracked; /* stage-0 (or first) entries, sorted by path */
	size_t ntracked;
	struct hmap dirs;     /* directories holding tracked files */
	struct hmap gitlinks; /* submodule paths */
	char **dir_keys;      /* storage for the dirs keys */
	size_t ndir_keys, dir_keys_cap;
	int64_t index_mtime_ns;
	int rootfd;

	pthread_mutex_t lock; /* guards everything below, and libgit2's ignore calls */
	pthread_cond_t cond;
	char **queue; /* directories still to read, relative to the root */
	size_t nqueue, queue_cap;
	int busy; /* threads currently reading a directory */
	size_t unreadable;
	char *first_unreadable;
};

/* One thread's output: its own file list, merged after the walk. */
struct walk_out {
	struct walker *w;
	struct scan_file *v;
	size_t n, cap;
	struct buf path;
};

static int64_t ts_ns(struct timespec ts)
{
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void add_file(struct walk_out *o, const struct stat *st, unsigned flags, const git_oid *oid)
{
	struct scan_file *f;

	XGROW(o->v, o->cap, o->n + 1);
	f = &o->v[o->n++];
	f->path = xstrndup(o->path.ptr, o->path.len);
	f->size = st->st_size;
	f->mtime_ns = ts_ns(st->st_mtim);
	f->ctime_ns = ts_ns(st->st_ctim);
	f->ino = st->st_ino;
	f->flags = flags;
	if (oid)
		git_oid_cpy(&f->oid, oid);
	else
		memset(&f->oid, 0, sizeof(f->oid));
}

/* Does the worktree stat still match what git recorded in the index entry? */
static int stat_matches(const struct walker *w, const git_index_entry *ie, const struct stat *st)
{
	int64_t ie_mtime = (int64_t)ie->mtime.seconds * 1000000000 + ie->mtime.nanoseconds;

	if ((uint32_t)st->st_size != ie->file_size || (uint32_t)st->st_ino != ie->ino)
		return 0;
	if ((uint32_t)st->st_mtim.tv_sec != (uint32_t)ie->mtime.seconds ||
	    (ie->mtime.nanoseconds && (uint32_t)st->st_mtim.tv_nsec != ie->mtime.nanoseconds))
		return 0;
	if (S_ISLNK(st->st_mode) != ((ie->mode & 0170000) == 0120000))
		return 0;
	/* racily clean: written within the index's own timestamp granularity */
	if (ie_mtime / 1000000000 >= w->index_mtime_ns / 1000000000)
		return 0;
	return 1;
}

static int is_ignored(struct walker *w, const char *rel)
{
	int ignored = 0, rc;

	pthread_mutex_lock(&w->lock);
	rc = git_ignore_path_is_ignored(&ignored, w->r->git, rel);
	pthread_mutex_unlock(&w->lock);
	return rc < 0 ? 0 : ignored; /* when in doubt, list it: a missing file is worse */
}

static void queue_dir(struct walker *w, const char *rel, size_t len)
{
	pthread_mutex_lock(&w->lock);
	XGROW(w->queue, w->queue_cap, w->nqueue + 1);
	w->queue[w->nqueue++] = xstrndup(rel, len);
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

/* Decides whether a subdirectory is walked; returns 1 to queue it. */
static int want_dir(struct walker *w, int dirfd, const char *name, const char *rel, size_t len,
                    int top)
{
	if (!strcmp(name, ".git") || (top && !strcmp(name, ".loom")))
		return 0;
	if (!w->r->git)
		return strcmp(name, ".hg") && strcmp(name, ".svn");
	if (hmap_get(&w->gitlinks, rel, len))
		return 0;
	if (hmap_get(&w->dirs, rel, len))
		return 1;
	if (is_ignored(w, rel))
		return 0;
	{
		/* an untracked nested repository is not ours to index */
		char *dotgit = xasprintf("%s/.git", name);
		int nested = faccessat(dirfd, dotgit, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
		free(dotgit);
		return !nested;
	}
}

/* The index entry of a tracked path (binary search: entries are sorted). */
static const git_index_entry *tracked_find(const struct walker *w, const char *path)
{
	size_t lo = 0, hi = w->ntracked;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(w->tracked[mid]->path, path);
		if (!c)
			return w->tracked[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void visit(struct walk_out *o, int dirfd, const char *name, unsigned char dtype, int top)
{
	struct walker *w = o->w;
	struct stat st;
	size_t base = o->path.len;
	const git_index_entry *ie;

	if (base)
		buf_addch(&o->path, '/');
	buf_adds(&o->path, name);
	if (dtype != DT_DIR) {
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			goto out;
		dtype = S_ISDIR(st.st_mode)   ? DT_DIR
		        : S_ISREG(st.st_mode) ? DT_REG
		        : S_ISLNK(st.st_mode) ? DT_LNK
		                              : DT_UNKNOWN;
	}
	if (dtype == DT_DIR) {
		if (want_dir(w, dirfd, name, o->path.ptr, o->path.len, top))
			queue_dir(w, o->path.ptr, o->path.len);
		goto out;
	}
	if (dtype != DT_REG && dtype != DT_LNK)
		goto out; /* fifos, sockets, devices */
	ie = w->r->git ? tracked_find(w, o->path.ptr) : NULL;
	if (ie) {
		unsigned flags = SCAN_TRACKED;
		if (git_index_entry_is_conflict(ie))
			flags |= SCAN_CONFLICT;
		else if (stat_matches(w, ie, &st))
			flags |= SCAN_STAT_CLEAN;
		if (S_ISLNK(st.st_mode))
			flags |= SCAN_SYMLINK;
		add_file(o, &st, flags, &ie->id);
	} else {
		if (w->r->git && is_ignored(w, o->path.ptr))
			goto out;
		add_file(o, &st, S_ISLNK(st.st_mode) ? SCAN_SYMLINK : 0, NULL);
	}
out:
	buf_setlen(&o->path, base);
}

/* Reads the directory rel ("" = the root) and visits its entries. */
static void walk_one(struct walk_out *o, const char *rel)
{
	struct walker *w = o->w;
	int fd = *rel ? openat(w->rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
	              : dup(w->rootfd);
	DIR *d;
	struct dirent *de;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		pthread_mutex_lock(&w->lock);
		if (!w->unreadable++)
			w->first_unreadable = xstrdup(*rel ? rel : ".");
		pthread_mutex_unlock(&w->lock);
		return;
	}
	buf_reset(&o->path);
	buf_adds(&o->path, rel);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		visit(o, dirfd(d), de->d_name, de->d_type, !*rel);
	}
	closedir(d);
}

static void *walk_thread(void *arg)
{
	struct walk_out *o = arg;
	struct walker *w = o->w;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		char *rel;
		while (!w->nqueue && w->busy)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->nqueue)
			break; /* nothing queued and nobody can queue more */
		rel = w->queue[--w->nqueue];
		w->busy++;
		pthread_mutex_unlock(&w->lock);
		walk_one(o, rel);
		free(rel);
		pthread_mutex_lock(&w->lock);
		if (!--w->busy)
			pthread_cond_broadcast(&w->cond);
	}
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

#define WALK_THREADS_MAX 4

/* Walks the tree from the root with a few threads and merges their lists. */
static void walk_tree(struct walker *w)
{
	struct walk_out outs[WALK_THREADS_MAX];
	pthread_t tids[WALK_THREADS_MAX];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int nthreads = ncpu < 1 ? 1 : ncpu > WALK_THREADS_MAX ? WALK_THREADS_MAX : (int)ncpu;
	int i, started = 0;
	struct scan *s = w->out;

	w->queue = NULL;
	w->nqueue = w->queue_cap = 0;
	XGROW(w->queue, w->queue_cap, 1);
	w->queue[w->nqueue++] = xstrdup("");
	for (i = 0; i < nthreads; i++) {
		outs[i] = (struct walk_out){ w, NULL, 0, 0, BUF_INIT };
		if (i > 0 && pthread_create(&tids[i], NULL, walk_thread, &outs[i]) != 0)
			break;
		started = i + 1;
	}
	walk_thread(&outs[0]);
	for (i = 1; i < started; i++)
		pthread_join(tids[i], NULL);
	{
		size_t total = 0;
		for (i = 0; i < started; i++)
			total += outs[i].n;
		s->v = xmalloc((total + 1) * sizeof(*s->v));
		s->cap = total + 1;
	}
	for (i = 0; i < started; i++) {
		if (outs[i].n)
			memcpy(s->v + s->n, outs[i].v, outs[i].n * sizeof(*s->v));
		s->n += outs[i].n;
		free(outs[i].v);
		buf_release(&outs[i].path);
	}
	free(w->queue);
	s->unreadable = w->unreadable;
	s->first_unreadable = w->first_unreadable;
}

static void add_dir_prefixes(struct walker *w, const char *path)
{
	const char *slash;

	for (slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
		size_t len = (size_t)(slash - path);
		if (hmap_get(&w->dirs, path, len))
			continue;
		/* the key must outlive the map: keep a copy */
		XGROW(w->dir_keys, w->dir_keys_cap, w->ndir_keys + 1);
		w->dir_keys[w->ndir_keys] = xstrndup(path, len);
		hmap_put(&w->dirs, w->dir_keys[w->ndir_keys], len, 1);
		w->ndir_keys++;
	}
}

static int load_index(struct walker *w, struct error *e)
{
	size_t i, n, prev_dirlen = (size_t)-1;
	const char *prev = NULL;
	struct stat st;
	char *ixpath;

	/* an index of our own, not the repository's cached one: freed after the scan */
	ixpath = xasprintf("%sindex", git_repository_path(w->r->git));
	if (git_index_open(&w->ix, ixpath) < 0) {
		free(ixpath);
		return gitx_error(e, "cannot read the git index");
	}
	if (stat(ixpath, &st) == 0)
		w->index_mtime_ns = ts_ns(st.st_mtim);
	else
		memset(&st, 0, sizeof(st));
	free(ixpath);

	n = git_index_entrycount(w->ix);
	w->tracked = xcalloc(n + 1, sizeof(*w->tracked));
	for (i = 0; i < n; i++) {
		const git_index_entry *ie = git_index_get_byindex(w->ix, i);
		const char *slash = strrchr(ie->path, '/');
		size_t dirlen = slash ? (size_t)(slash - ie->path) : 0;
		if ((ie->mode & 0170000) == 0160000) {
			hmap_put(&w->gitlinks, ie->path, strlen(ie->path), i);
			continue;
		}
		/* conflicts list a path up to three times: keep the first stage */
		if (!w->ntracked || strcmp(w->tracked[w->ntracked - 1]->path, ie->path))
			w->tracked[w->ntracked++] = ie;
		/* entries are sorted: siblings share a directory already recorded */
		if (dirlen != prev_dirlen || (prev && memcmp(prev, ie->path, dirlen)))
			add_dir_prefixes(w, ie->path);
		prev = ie->path;
		prev_dirlen = dirlen;
	}
	scan_git_sig(w->r, w->out->git_sig, sizeof(w->out->git_sig));
	return 0;
}

void scan_git_sig(struct repo *r, char *sig, size_t n)
{
	git_oid head;
	char hex[GIT_OID_HEXSZ + 1] = "unborn";
	char *ixpath;
	struct stat st;

	if (!r->git) {
		snprintf(sig, n, "not git");
		return;
	}
	ixpath = xasprintf("%sindex", git_repository_path(r->git));
	if (stat(ixpath, &st) < 0)
		memset(&st, 0, sizeof(st));
	free(ixpath);
	if (git_reference_name_to_id(&head, r->git, "HEAD") == 0)
		git_oid_tostr(hex, sizeof(hex), &head);
	snprintf(sig, n, "%lld.%lld.%llu.%lld:%s", (long long)st.st_mtim.tv_sec,
	         (long long)st.st_mtim.tv_nsec, (unsigned long long)st.st_ino,
	         (long long)st.st_size, hex);
}

static int mark_staged(struct walker *w, struct error *e)
{
	git_object *tree = NULL;
	git_diff *diff = NULL;
	size_t i, n;
	int unborn = git_repository_head_unborn(w->r->git) == 1;

	if (!unborn && git_revparse_single(&tree, w->r->git, "HEAD^{tree}") < 0)
		return gitx_error(e, "cannot read HEAD");
	if (git_diff_tree_to_index(&diff, w->r->git, (git_tree *)tree, w->ix, NULL) < 0) {
		git_object_free(tree);
		return gitx_error(e, "cannot compare HEAD with the index");
	}
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		struct scan_file *f = scan_find(w->out, d->new_file.path);
		if (f)
			f->flags |= SCAN_STAGED;
	}
	git_diff_free(diff);
	git_object_free(tree);
	return 0;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct scan_file *)a)->path, ((const struct scan_file *)b)->path);
}

int scan_run(struct repo *r, struct scan *s, int want_staged, struct error *e)
{
	struct walker w = { 0 };
	int rc = 0;
	size_t i;

	*s = (struct scan)SCAN_INIT;
	w.r = r;
	w.out = s;
	w.rootfd = -1;
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	s->is_git = r->git != NULL;
	if (r->git && load_index(&w, e) < 0) {
		rc = -1;
		goto done;
	}
	w.rootfd = open(r->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w.rootfd < 0) {
		rc = error_errno(e, "cannot open '%s'", r->root);
		goto done;
	}
	walk_tree(&w);
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_file);
	if (r->git && want_staged && mark_staged(&w, e) < 0)
		rc = -1;
done:
	if (w.ix)
		git_index_free(w.ix);
	free(w.tracked);
	hmap_release(&w.dirs);
	hmap_release(&w.gitlinks);
	for (i = 0; i < w.ndir_keys; i++)
		free(w.dir_keys[i]);
	free(w.dir_keys);
	if (w.rootfd >= 0)
		close(w.rootfd);
	pthread_mutex_destroy(&w.lock);
	pthread_cond_destroy(&w.cond);
	if (rc < 0)
		scan_release(s);
	return rc;
}

struct scan_file *scan_find(struct scan *s, const char *path)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->v[mid].path, path);
		if (!c)
			return &s->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void scan_release(struct scan *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].path);
	free(s->v);
	free(s->first_unreadable);
	*s = (struct scan)SCAN_INIT;
}
