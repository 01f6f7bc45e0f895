/*
 * undo.c - the journal of applied change sets, on disk, and undoing them.
 *
 * The journal is a directory the caller chooses (Loom: .loom/undo/). It holds
 * a lock file, flock()ed by whoever applies or undoes, and one directory per
 * change set, named by its number ("000042"), holding:
 *
 *   manifest.json  the set: state, time, message, commit, and per file its
 *                  path, previous state (mode, size, git blob id, or null
 *                  when it did not exist), new state (size, blob id, or null
 *                  when deleted), the directories its creation made, and
 *                  with a commit the git index entry the path had before
 *   N.old          the previous content of file N, when it existed
 *
 * Every file is written by apply_put(): a temporary file, fsync, rename,
 * fsync of the directory. A set is journaled (contents first, the manifest
 * last, in state "pending") before any of the user's files is written, and
 * marked "applied" after the last one; so a set directory without a manifest
 * never touched the work tree (it is removed on open), and a "pending" one
 * whose process is gone (it would hold the lock) was interrupted between its
 * files, and is rolled back on the next open by undo_recover().
 *
 * Restoring compares each file on disk with the set's two states by size and
 * blob id: a file in its new state is restored, one already in its old state
 * is left alone (so an undo interrupted half-way can be run again), and
 * anything else changed since and is only overwritten with force. The
 * manifest is the only thing ever rewritten, and always atomically.
 */
#define _GNU_SOURCE
#include "core/undo.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/apply.h"
#include "core/fs.h"
#include "core/gitx.h"
#include "core/json.h"
#include "core/path.h"

#define UNDO_VERSION 1
#define MANIFEST     "manifest.json"

static const char *const state_names[] = { "pending", "applied", "undone", "rolled-back" };

void undo_hash(const char *data, size_t n, char hex[GIT_OID_HEXSZ + 1])
{
	git_oid oid;

	gitx_init();
	git_odb_hash(&oid, n ? data : "", n, GIT_OBJECT_BLOB);
	git_oid_tostr(hex, GIT_OID_HEXSZ + 1, &oid);
}

static int cmp_ids(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	return x < y ? -1 : x > y;
}

/* The set numbers in the journal, ascending; the caller frees *ids. */
static size_t list_ids(struct undo *u, unsigned long **ids)
{
	struct dirent *de;
	size_t n = 0, cap = 0;
	DIR *d;
	int fd = fcntl(u->dirfd, F_DUPFD_CLOEXEC, 0);

	*ids = NULL;
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	rewinddir(d); /* the duplicate shares its offset with u->dirfd */
	while ((de = readdir(d))) {
		const char *s = de->d_name;
		char *end;
		unsigned long v;
		if (*s < '0' || *s > '9')
			continue;
		v = strtoul(s, &end, 10);
		if (*end || v == 0)
			continue;
		XGROW(*ids, cap, n + 1);
		(*ids)[n++] = v;
	}
	closedir(d);
	if (n)
		qsort(*ids, n, sizeof(**ids), cmp_ids);
	return n;
}

static void set_name(char *name, size_t size, unsigned long id)
{
	snprintf(name, size, "%06lu", id);
}

static int open_set(struct undo *u, unsigned long id)
{
	char name[32];

	set_name(name, sizeof(name), id);
	return openat(u->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Removes a set's directory and what it holds (files only); never fails. */
static void remove_set(struct undo *u, unsigned long id)
{
	char name[32];
	struct dirent *de;
	DIR *d;
	int fd = open_set(u, id);

	set_name(name, sizeof(name), id);
	if (fd >= 0 && (d = fdopendir(fd))) {
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	} else if (fd >= 0) {
		close(fd);
	}
	unlinkat(u->dirfd, name, AT_REMOVEDIR);
}

int undo_open(const char *dir, struct undo *u, struct error *e)
{
	unsigned long *ids;
	size_t n, i;

	*u = (struct undo)UNDO_INIT;
	if (fs_mkdir_p(dir, 0700, e) < 0)
		return error_prefix(e, "cannot create the undo journal");
	u->dir = xstrdup(dir);
	u->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (u->dirfd < 0) {
		error_errno(e, "cannot open the undo journal '%s'", dir);
		goto fail;
	}
	u->lockfd = openat(u->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (u->lockfd < 0) {
		error_errno(e, "cannot open the undo journal's lock in '%s'", dir);
		goto fail;
	}
	while (flock(u->lockfd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			error_errno(e, "cannot lock the undo journal '%s'", dir);
			goto fail;
		}
	}
	/* a set without its manifest was never complete: nothing was written for it */
	n = list_ids(u, &ids);
	for (i = 0; i < n; i++) {
		struct stat st;
		int fd = open_set(u, ids[i]);
		if (fd >= 0 && fstatat(fd, MANIFEST, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno == ENOENT)
			remove_set(u, ids[i]);
		if (fd >= 0)
			close(fd);
	}
	free(ids);
	return 0;
fail:
	undo_close(u);
	return -1;
}

void undo_close(struct undo *u)
{
	if (u->lockfd >= 0)
		close(u->lockfd); /* releases the lock */
	if (u->dirfd >= 0)
		close(u->dirfd);
	free(u->dir);
	*u = (struct undo)UNDO_INIT;
}

void undo_set_release(struct undo_set *s)
{
	size_t i, j;

	for (i = 0; i < s->nfiles; i++) {
		free(s->files[i].path);
		for (j = 0; j < s->files[i].ndirs; j++)
			free(s->files[i].dirs[j]);
		free(s->files[i].dirs);
	}
	free(s->files);
	free(s->message);
	memset(s, 0, sizeof(*s));
}

static cJSON *octal(unsigned v)
{
	char s[16];
	snprintf(s, sizeof(s), "%04o", v);
	return cJSON_CreateString(s);
}

static char *manifest_json(const struct undo_set *s)
{
	cJSON *doc = cJSON_CreateObject(), *files = cJSON_CreateArray();
	char *json;
	size_t i, j;

	cJSON_AddNumberToObject(doc, "version", UNDO_VERSION);
	cJSON_AddNumberToObject(doc, "id", (double)s->id);
	cJSON_AddStringToObject(doc, "state", state_names[s->state]);
	cJSON_AddNumberToObject(doc, "time", (double)s->time);
	cJSON_AddStringToObject(doc, "message", s->message ? s->message : "");
	if (s->commit[0])
		cJSON_AddStringToObject(doc, "commit", s->commit);
	for (i = 0; i < s->nfiles; i++) {
		const struct undo_file *f = &s->files[i];
		cJSON *o = cJSON_CreateObject(), *side;
		char blob[32];

		cJSON_AddStringToObject(o, "path", f->path);
		if (f->old_exists) {
			side = cJSON_AddObjectToObject(o, "old");
			cJSON_AddItemToObject(side, "mode", octal(f->old_mode));
			cJSON_AddNumberToObject(side, "size", (double)f->old_size);
			cJSON_AddStringToObject(side, "hash", f->old_hash);
			snprintf(blob, sizeof(blob), "%zu.old", i);
			cJSON_AddStringToObject(side, "content", blob);
		} else {
			cJSON_AddNullToObject(o, "old");
		}
		if (f->new_exists) {
			side = cJSON_AddObjectToObject(o, "new");
			cJSON_AddNumberToObject(side, "size", (double)f->new_size);
			cJSON_AddStringToObject(side, "hash", f->new_hash);
		} else {
			cJSON_AddNullToObject(o, "new");
		}
		if (f->ndirs) {
			cJSON *dirs = cJSON_AddArrayToObject(o, "created_dirs");
			for (j = 0; j < f->ndirs; j++)
				cJSON_AddItemToArray(dirs, cJSON_CreateString(f->dirs[j]));
		}
		if (f->index_known && f->index_had) {
			side = cJSON_AddObjectToObject(o, "index");
			cJSON_AddItemToObject(side, "mode", octal(f->index_mode));
			cJSON_AddStringToObject(side, "oid", f->index_oid);
		} else if (f->index_known) {
			cJSON_AddNullToObject(o, "index");
		}
		cJSON_AddItemToArray(files, o);
	}
	cJSON_AddItemToObject(doc, "files", files);
	json = cJSON_Print(doc);
	cJSON_Delete(doc);
	if (!json)
		fatal("out of memory");
	return json;
}

static int write_manifest(struct undo *u, const struct undo_set *s, struct error *e)
{
	char *json = manifest_json(s);
	struct apply_state st = { 1, 0600, json, strlen(json) };
	int fd = open_set(u, s->id), rc;

	if (fd < 0) {
		free(json);
		return error_errno(e, "cannot open change set %lu in the journal", s->id);
	}
	rc = apply_put(fd, MANIFEST, &st, "journal", e);
	close(fd);
	free(json);
	return rc;
}

int undo_save(struct undo *u, const struct undo_set *s, struct error *e)
{
	return write_manifest(u, s, e);
}

int undo_begin(struct undo *u, struct undo_set *s, const char *const *old_data, struct error *e)
{
	unsigned long *ids;
	size_t n = list_ids(u, &ids), i;
	char name[32];
	int fd = -1;

	s->id = n ? ids[n - 1] + 1 : 1;
	free(ids);
	for (;;) {
		set_name(name, sizeof(name), s->id);
		if (mkdirat(u->dirfd, name, 0700) == 0)
			break;
		if (errno != EEXIST)
			return error_errno(e, "cannot create '%s/%s'", u->dir, name);
		s->id++;
	}
	if ((fd = open_set(u, s->id)) < 0) {
		error_errno(e, "cannot open '%s/%s'", u->dir, name);
		goto fail;
	}
	for (i = 0; i < s->nfiles; i++) {
		char blob[32];
		struct apply_state st = { 1, 0600, old_data[i], s->files[i].old_size };
		if (!s->files[i].old_exists)
			continue;
		snprintf(blob, sizeof(blob), "%zu.old", i);
		if (apply_put(fd, blob, &st, "journal", e) < 0)
			goto fail;
	}
	close(fd);
	fd = -1;
	if (write_manifest(u, s, e) < 0)
		goto fail;
	if (fsync(u->dirfd) < 0) {
		error_errno(e, "cannot sync '%s'", u->dir);
		goto fail;
	}
	/* prune the oldest sets */
	n = list_ids(u, &ids);
	for (i = 0; i + UNDO_KEEP < n; i++)
		remove_set(u, ids[i]);
	free(ids);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	remove_set(u, s->id);
	return -1;
}

static int jnum(const cJSON *o, const char *key, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(v) || v->valuedouble < 0)
		return -1;
	*out = v->valuedouble;
	return 0;
}

static int jhash(const cJSON *o, const char *key, char out[GIT_OID_HEXSZ + 1])
{
	const char *s = json_str(o, key);
	if (!s || strlen(s) != GIT_OID_HEXSZ || strspn(s, "0123456789abcdef") != GIT_OID_HEXSZ)
		return -1;
	memcpy(out, s, GIT_OID_HEXSZ + 1);
	return 0;
}

static int jmode(const cJSON *o, const char *key, unsigned max, unsigned *out)
{
	const char *s = json_str(o, key);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return -1;
	v = strtoul(s, &end, 8);
	if (*end || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_file(const cJSON *o, struct undo_file *f, struct error *e)
{
	const cJSON *old = cJSON_GetObjectItemCaseSensitive(o, "old");
	const cJSON *new = cJSON_GetObjectItemCaseSensitive(o, "new");
	const cJSON *dirs = cJSON_GetObjectItemCaseSensitive(o, "created_dirs");
	const cJSON *idx = cJSON_GetObjectItemCaseSensitive(o, "index");
	const cJSON *d;
	const char *path = json_str(o, "path");
	size_t cap = 0;
	double v;

	if (!path || path_check(path, e) < 0)
		return error_set(e, "a file has no valid path");
	f->path = xstrdup(path);
	if (cJSON_IsObject(old)) {
		f->old_exists = 1;
		if (jmode(old, "mode", 07777, &f->old_mode) < 0 || jnum(old, "size", &v) < 0 ||
		    jhash(old, "hash", f->old_hash) < 0)
			return error_set(e, "'%s': bad previous state", path);
		f->old_size = (size_t)v;
	} else if (!cJSON_IsNull(old)) {
		return error_set(e, "'%s': no previous state", path);
	}
	if (cJSON_IsObject(new)) {
		f->new_exists = 1;
		if (jnum(new, "size", &v) < 0 || jhash(new, "hash", f->new_hash) < 0)
			return error_set(e, "'%s': bad new state", path);
		f->new_size = (size_t)v;
	} else if (!cJSON_IsNull(new)) {
		return error_set(e, "'%s': no new state", path);
	}
	cJSON_ArrayForEach(d, dirs)
	{
		if (!cJSON_IsString(d) || path_check(d->valuestring, e) < 0)
			return error_set(e, "'%s': bad created directory", path);
		XGROW(f->dirs, cap, f->ndirs + 1);
		f->dirs[f->ndirs++] = xstrdup(d->valuestring);
	}
	if (idx) {
		f->index_known = 1;
		if (cJSON_IsObject(idx)) {
			f->index_had = 1;
			if (jmode(idx, "mode", 0177777, &f->index_mode) < 0 ||
			    jhash(idx, "oid", f->index_oid) < 0)
				return error_set(e, "'%s': bad index entry", path);
		} else if (!cJSON_IsNull(idx)) {
			return error_set(e, "'%s': bad index entry", path);
		}
	}
	return 0;
}

static int parse_manifest(const char *json, struct undo_set *s, struct error *e)
{
	cJSON *doc = cJSON_Parse(json);
	const cJSON *files, *f;
	const char *state, *msg, *commit;
	double v;
	size_t i;
	int rc = -1;

	if (!doc) {
		error_set(e, "not JSON");
		goto out;
	}
	if (jnum(doc, "version", &v) < 0 || v != UNDO_VERSION) {
		error_set(e, "unknown version");
		goto out;
	}
	state = json_str(doc, "state");
	for (i = 0; state && i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (!strcmp(state, state_names[i]))
			break;
	if (!state || i == sizeof(state_names) / sizeof(state_names[0])) {
		error_set(e, "unknown state");
		goto out;
	}
	s->state = (enum undo_state)i;
	if (jnum(doc, "time", &v) < 0) {
		error_set(e, "no time");
		goto out;
	}
	s->time = (long long)v;
	msg = json_str(doc, "message");
	s->message = xstrdup(msg ? msg : "");
	commit = json_str(doc, "commit");
	if (commit && jhash(doc, "commit", s->commit) < 0) {
		error_set(e, "bad commit id");
		goto out;
	}
	files = cJSON_GetObjectItemCaseSensitive(doc, "files");
	if (!cJSON_IsArray(files) || cJSON_GetArraySize(files) == 0) {
		error_set(e, "no files");
		goto out;
	}
	s->nfiles = (size_t)cJSON_GetArraySize(files);
	s->files = xcalloc(s->nfiles, sizeof(*s->files));
	i = 0;
	cJSON_ArrayForEach(f, files)
	{
		if (!cJSON_IsObject(f) || parse_file(f, &s->files[i++], e) < 0) {
			if (!cJSON_IsObject(f))
				error_set(e, "a file is not an object");
			goto out;
		}
	}
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}

int undo_load(struct undo *u, unsigned long id, struct undo_set *s, struct error *e)
{
	struct buf b = BUF_INIT;
	int fd = open_set(u, id), rc;

	memset(s, 0, sizeof(*s));
	if (fd < 0)
		return error_set(e, "change set %lu is not in the journal", id);
	rc = fs_read_fileat(fd, MANIFEST, (size_t)64 << 20, &b, e);
	close(fd);
	if (rc == 0)
		rc = parse_manifest(b.ptr, s, e);
	buf_release(&b);
	if (rc < 0) {
		undo_set_release(s);
		return error_prefix(e, "change set %lu in '%s' is damaged", id, u->dir);
	}
	s->id = id;
	return 0;
}

/* Whether content (exists, b) is the state (exists, size, hash). */
static int is_state(int exists, const struct buf *b, int want, size_t size, const char *hash)
{
	char h[GIT_OID_HEXSZ + 1];

	if (exists != want)
		return 0;
	if (!exists)
		return 1;
	if (b->len != size)
		return 0;
	undo_hash(b->ptr, b->len, h);
	return !strcmp(h, hash);
}

/* "'a'", "'a' and 'b'", "'a', 'b' and 'c'" */
static void add_name(struct buf *list, size_t k, size_t total, const char *path)
{
	if (k)
		buf_adds(list, k + 1 == total ? " and " : ", ");
	buf_addf(list, "'%s'", path);
}

/* Reads the stored previous content of file i; checks its hash. */
static int load_old(struct undo *u, const struct undo_set *s, size_t i, struct buf *b,
                    struct error *e)
{
	const struct undo_file *f = &s->files[i];
	char blob[32], h[GIT_OID_HEXSZ + 1];
	int fd = open_set(u, s->id), rc;

	if (fd < 0)
		return error_errno(e, "cannot open change set %lu", s->id);
	snprintf(blob, sizeof(blob), "%zu.old", i);
	rc = fs_read_fileat(fd, blob, f->old_size + 1, b, e);
	close(fd);
	if (rc < 0)
		return error_prefix(e, "change set %lu", s->id);
	undo_hash(b->ptr, b->len, h);
	if (b->len != f->old_size || strcmp(h, f->old_hash) != 0)
		return error_set(e, "the journal's copy of '%s' in change set %lu is damaged",
		                 f->path, s->id);
	return 0;
}

int undo_restore(struct undo *u, const struct undo_set *s, int rootfd, enum undo_how how,
                 struct error *e)
{
	unsigned char *todo = xcalloc(s->nfiles ? s->nfiles : 1, 1);
	struct buf cur = BUF_INIT, changed = BUF_INIT;
	char tag[32];
	size_t i, j, nchanged = 0;
	int rc = -1;

	for (i = 0; i < s->nfiles; i++) {
		const struct undo_file *f = &s->files[i];
		size_t max = (f->old_size > f->new_size ? f->old_size : f->new_size) + 1;
		unsigned mode;
		int ex;

		buf_reset(&cur);
		ex = apply_read(rootfd, f->path, max, &cur, &mode, NULL);
		if (ex >= 0 && is_state(ex, &cur, f->new_exists, f->new_size, f->new_hash))
			todo[i] = 1;
		else if (ex >= 0 && is_state(ex, &cur, f->old_exists, f->old_size, f->old_hash))
			todo[i] = 0;
		else
			todo[i] = how == UNDO_OURS ? 0 : 2; /* changed since */
	}
	for (i = 0; i < s->nfiles; i++)
		nchanged += todo[i] == 2;
	if (nchanged && how == UNDO_CAREFUL) {
		for (i = 0, j = 0; i < s->nfiles; i++)
			if (todo[i] == 2)
				add_name(&changed, j++, nchanged, s->files[i].path);
		error_set(e, "%s changed since change set %lu was applied", changed.ptr, s->id);
		goto out;
	}
	snprintf(tag, sizeof(tag), "%06lu", s->id);
	for (i = s->nfiles; i-- > 0;) {
		const struct undo_file *f = &s->files[i];
		struct apply_state st = { f->old_exists, f->old_mode, NULL, 0 };
		if (!todo[i])
			continue;
		buf_reset(&cur);
		if (f->old_exists && load_old(u, s, i, &cur, e) < 0)
			goto out;
		st.data = cur.ptr;
		st.len = cur.len;
		if (apply_put(rootfd, f->path, &st, tag, e) < 0)
			goto out;
	}
	for (i = s->nfiles; i-- > 0;) {
		for (j = s->files[i].ndirs; j-- > 0;)
			apply_rmdir(rootfd, s->files[i].dirs[j]);
		apply_sweep(rootfd, s->files[i].path, tag);
	}
	rc = 0;
out:
	free(todo);
	buf_release(&cur);
	buf_release(&changed);
	return rc;
}

int undo_recover(struct undo *u, int rootfd, int force, struct buf *report, struct error *e)
{
	struct undo_set s;
	unsigned long *ids;
	size_t n = list_ids(u, &ids);
	int rc = 0;

	if (!n) {
		free(ids);
		return 0;
	}
	if (undo_load(u, ids[n - 1], &s, e) < 0) {
		free(ids);
		return -1;
	}
	free(ids);
	if (s.state == UNDO_PENDING) {
		if (undo_restore(u, &s, rootfd, force ? UNDO_FORCE : UNDO_CAREFUL, e) < 0) {
			error_prefix(e, "change set %lu was interrupted and cannot be rolled back",
			             s.id);
			rc = -1;
		} else {
			s.state = UNDO_ROLLED_BACK;
			rc = undo_save(u, &s, e) < 0 ? -1 : 1;
			if (rc == 1)
				buf_addf(report,
				         "rolled back change set %lu: it was interrupted before it "
				         "completed (%zu file%s)\n",
				         s.id, s.nfiles, s.nfiles == 1 ? "" : "s");
		}
	}
	undo_set_release(&s);
	return rc;
}

/* Where HEAD stands relative to the set's commit. */
enum head_rel { HEAD_AT, HEAD_PAST, HEAD_ELSEWHERE };

static enum head_rel head_relation(git_repository *git, const git_oid *commit)
{
	git_oid head;

	if (git_reference_name_to_id(&head, git, "HEAD") < 0)
		return HEAD_ELSEWHERE;
	if (git_oid_equal(&head, commit))
		return HEAD_AT;
	return git_graph_descendant_of(git, &head, commit) == 1 ? HEAD_PAST : HEAD_ELSEWHERE;
}

/* Staged entries of the set's paths that are no longer what the commit left; 0 or -1. */
static int index_changed(git_repository *git, const git_oid *commit, const struct undo_set *s,
                         struct buf *list, size_t *n, struct error *e)
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_index *idx = NULL;
	size_t i;
	int rc = -1;

	if (git_commit_lookup(&c, git, commit) < 0 || git_commit_tree(&tree, c) < 0 ||
	    git_repository_index(&idx, git) < 0 || git_index_read(idx, 0) < 0) {
		gitx_error(e, "cannot read the commit and the index");
		goto out;
	}
	for (i = 0; i < s->nfiles; i++) {
		const git_index_entry *ie = git_index_get_bypath(idx, s->files[i].path, 0);
		git_tree_entry *te = NULL;
		int same;
		git_tree_entry_bypath(&te, tree, s->files[i].path);
		same = (!ie && !te) || (ie && te && git_oid_equal(&ie->id, git_tree_entry_id(te)) &&
		                        ie->mode == (uint32_t)git_tree_entry_filemode(te));
		git_tree_entry_free(te);
		if (!same) {
			buf_addf(list, "%s'%s' (staged)", list->len ? ", " : "", s->files[i].path);
			(*n)++;
		}
	}
	rc = 0;
out:
	git_index_free(idx);
	git_tree_free(tree);
	git_commit_free(c);
	return rc;
}

/*
 * Moves HEAD (or its branch) from commit back to its parent, whose id goes
 * into hex; a root commit's branch is deleted, so it is unborn again.
 */
static int head_back(git_repository *git, const git_oid *commit, char *hex, size_t size,
                     struct error *e)
{
	git_commit *c = NULL;
	git_reference *head = NULL, *ref = NULL;
	int rc = -1;

	*hex = '\0'; /* stays empty for a root commit */
	if (git_commit_lookup(&c, git, commit) < 0 ||
	    git_reference_lookup(&head, git, "HEAD") < 0) {
		gitx_error(e, "cannot read HEAD");
		goto out;
	}
	if (git_commit_parentcount(c) > 0)
		git_oid_tostr(hex, size, git_commit_parent_id(c, 0));
	if (git_reference_type(head) == GIT_REFERENCE_SYMBOLIC) {
		const char *branch = git_reference_symbolic_target(head);
		if (git_commit_parentcount(c) > 0) {
			if (git_reference_create_matching(&ref, git, branch,
			                                  git_commit_parent_id(c, 0), 1, commit,
			                                  "loom undo: back to the parent") < 0) {
				gitx_error(e, "cannot move HEAD back");
				goto out;
			}
		} else if (git_reference_lookup(&ref, git, branch) < 0 ||
		           git_reference_delete(ref) < 0) {
			gitx_error(e, "cannot remove the branch's only commit");
			goto out;
		}
	} else if (git_commit_parentcount(c) == 0 ||
	           git_repository_set_head_detached(git, git_commit_parent_id(c, 0)) < 0) {
		gitx_error(e, "cannot move the detached HEAD back");
		goto out;
	}
	rc = 0;
out:
	git_reference_free(ref);
	git_reference_free(head);
	git_commit_free(c);
	return rc;
}

/* Puts back the index entries the set's paths had before the commit. */
static int index_back(git_repository *git, const struct undo_set *s, struct error *e)
{
	git_index *idx = NULL;
	size_t i;
	int rc = -1;

	if (git_repository_index(&idx, git) < 0 || git_index_read(idx, 0) < 0) {
		gitx_error(e, "cannot read the git index");
		goto out;
	}
	for (i = 0; i < s->nfiles; i++) {
		const struct undo_file *f = &s->files[i];
		int r = 0;
		if (!f->index_known)
			continue;
		if (f->index_had) {
			git_index_entry ent;
			memset(&ent, 0, sizeof(ent));
			ent.path = f->path;
			ent.mode = f->index_mode;
			r = git_oid_fromstr(&ent.id, f->index_oid);
			if (r == 0)
				r = git_index_add(idx, &ent);
		} else if (git_index_get_bypath(idx, f->path, 0)) {
			r = git_index_remove_bypath(idx, f->path);
		}
		if (r < 0) {
			gitx_error(e, "cannot restore the index entry of a file");
			goto out;
		}
	}
	if (git_index_write(idx) < 0) {
		gitx_error(e, "cannot write the git index");
		goto out;
	}
	rc = 0;
out:
	git_index_free(idx);
	return rc;
}

/* The newest set in state applied, loaded into s; 0, 1 when there is none, or -1. */
static int newest_applied(struct undo *u, struct undo_set *s, struct error *e)
{
	unsigned long *ids;
	size_t n = list_ids(u, &ids);
	int rc = 1;

	while (n-- > 0) {
		if (undo_load(u, ids[n], s, e) < 0) {
			rc = -1;
			break;
		}
		if (s->state == UNDO_APPLIED) {
			rc = 0;
			break;
		}
		undo_set_release(s);
	}
	free(ids);
	return rc;
}

int undo_last(struct undo *u, const char *root, git_repository *git, int force, struct buf *report,
              struct error *e)
{
	struct undo_set s;
	struct buf staged = BUF_INIT;
	enum head_rel rel = HEAD_ELSEWHERE;
	git_oid commit;
	size_t nstaged = 0;
	char parent[GIT_OID_HEXSZ + 1];
	int rootfd, rc = -1, r;

	memset(&s, 0, sizeof(s));
	if ((rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return error_errno(e, "cannot open '%s'", root);
	if ((r = undo_recover(u, rootfd, force, report, e)) != 0) {
		close(rootfd);
		return r < 0 ? -1 : 0;
	}
	if ((r = newest_applied(u, &s, e)) != 0) {
		if (r > 0)
			error_set(e, "nothing to undo");
		goto out;
	}
	if (s.commit[0] && git && git_oid_fromstr(&commit, s.commit) == 0) {
		rel = head_relation(git, &commit);
		if (rel == HEAD_AT && index_changed(git, &commit, &s, &staged, &nstaged, e) < 0)
			goto out;
		if (nstaged && !force) {
			error_set(e,
			          "%s changed in the git index since change set %lu was committed",
			          staged.ptr, s.id);
			goto out;
		}
	}
	if (undo_restore(u, &s, rootfd, force ? UNDO_FORCE : UNDO_CAREFUL, e) < 0)
		goto out;
	buf_addf(report, "undid change set %lu (%zu file%s)%s%s\n", s.id, s.nfiles,
	         s.nfiles == 1 ? "" : "s", *s.message ? ": " : "", s.message);
	if (s.commit[0] && git) {
		char shortc[8];
		memcpy(shortc, s.commit, 7);
		shortc[7] = '\0';
		if (rel == HEAD_AT) {
			if (head_back(git, &commit, parent, sizeof(parent), e) < 0 ||
			    index_back(git, &s, e) < 0) {
				error_prefix(e, "files restored, but");
				goto out;
			}
			if (*parent)
				buf_addf(report, "HEAD is back at %.7s; commit %s is undone\n",
				         parent, shortc);
			else
				buf_addf(report,
				         "the branch has no commit again; commit %s is "
				         "undone\n",
				         shortc);
		} else if (rel == HEAD_PAST) {
			buf_addf(report,
			         "commit %s stays in history: HEAD has moved on since, so only the "
			         "files were restored\n",
			         shortc);
		} else {
			buf_addf(report,
			         "commit %s is not in HEAD's history; only the files were "
			         "restored\n",
			         shortc);
		}
	}
	s.state = UNDO_UNDONE;
	if (undo_save(u, &s, e) < 0)
		goto out;
	rc = 0;
out:
	buf_release(&staged);
	undo_set_release(&s);
	close(rootfd);
	return rc;
}

int undo_list(struct undo *u, struct buf *out, struct error *e)
{
	unsigned long *ids;
	size_t n = list_ids(u, &ids), i;

	(void)e;
	if (!n)
		buf_adds(out, "the undo journal is empty\n");
	while (n-- > 0) {
		struct undo_set s;
		struct error le = ERROR_INIT;
		char when[32] = "?";
		time_t t;
		struct tm tm;

		if (undo_load(u, ids[n], &s, &le) < 0) {
			buf_addf(out, "%lu  damaged: %s\n", ids[n], le.msg);
			continue;
		}
		t = (time_t)s.time;
		if (localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		buf_addf(out, "%lu  %s  %s", s.id, when,
		         s.state == UNDO_PENDING ? "interrupted" : state_names[s.state]);
		if (s.commit[0])
			buf_addf(out, "  commit %.7s", s.commit);
		if (*s.message)
			buf_addf(out, "  %s", s.message);
		buf_addch(out, '\n');
		for (i = 0; i < s.nfiles; i++)
			buf_addf(out, "    %c %s\n",
			         !s.files[i].old_exists   ? 'A'
			         : !s.files[i].new_exists ? 'D'
			                                  : 'M',
			         s.files[i].path);
		undo_set_release(&s);
	}
	free(ids);
	return 0;
}
