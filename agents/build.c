/*
 * build.c - `loom build SPEC`: a night build, one verified slot at a time.
 *
 * A spec (docs/BUILD.md) lists slots, each a unit of code with a contract and
 * its own test command. For each slot in order: a cached answer for the same
 * contract and test is tried first (no tokens); else the Coder worker writes
 * it (one capped call, agents/slot.c), the slot's test runs in the scratch
 * copy (agents/verify.c) against the target assembled from the verified
 * pieces, the candidate and stubs, and a failure goes back with its error. A
 * slot whose attempts all fail differently is split by the Architect into
 * helpers and a combiner; one that never passes becomes a labelled stub and
 * a TODO.
 *
 * Every state change is one SQLite transaction in .loom/build.db and the
 * target is rewritten (apply_set, so `loom undo` works) after each verified
 * slot, so a build killed at any moment resumes where it stopped with what
 * it had verified intact. The session's model calls are synchronous
 * (workers_call): a build does one thing at a time, by design.
 */
#define _GNU_SOURCE
#include "agents/cli.h"
#include "agents/build.h"

#include <fcntl.h>
#include <getopt.h>
#include <git2.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agents/verify.h"
#include "agents/workers.h"
#include "context/index.h"
#include "context/repo.h"
#include "core/apply.h"
#include "core/buf.h"
#include "core/exitcode.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/log.h"
#include "core/path.h"
#include "core/xalloc.h"

#define BUILD_EXIT_STUBS  3     /* some slots are stubs */
#define BUILD_MAX_TOKENS  512   /* a slot reply's cap by default */
#define BUILD_ATTEMPTS    3     /* model attempts per slot before a split or a stub */
#define BUILD_TEST_MS     60000 /* a slot test's time limit by default */
#define BUILD_SPEC_MAX    (1 << 20)
#define BUILD_ERRLINE_MAX 160

enum slot_state { SLOT_TODO, SLOT_DOING, SLOT_VERIFIED, SLOT_STUB };
static const char *const state_names[] = { "todo", "doing", "verified", "stub" };

struct slot {
	const char *name, *signature, *contract, *test; /* in the spec's cJSON */
	char key[GIT_OID_HEXSZ + 1];                    /* the slot cache's key */
	enum slot_state state;
	char *code;       /* verified code, or the stub */
	char *last_code;  /* the last failed attempt, for the retry */
	char *last_error; /* its trimmed error */
	char *errors;     /* each failed attempt's first error line, '\n'-separated */
	char *split;      /* a split in progress, as JSON (see split_slot), or NULL */
	int attempts;
	long tokens; /* spent on this slot, over every run */
	char *why;   /* a stub's reason */
};

struct build {
	struct repo r;
	struct config conf;
	struct workers ws;
	int workers_up, rootfd, lockfd, json, keep, max_tokens, max_attempts;
	long test_ms;
	struct verify *v;
	sqlite3 *db;
	cJSON *spec;
	char spec_hash[GIT_OID_HEXSZ + 1];
	const char *target, *lang, *prelude, *postlude;
	struct slot *s;
	size_t n;
	long tokens, saved; /* this run's tokens; tokens the cache saved */
	int verified, cached, restored, stubs, split;
};

static volatile sig_atomic_t cancelled;

static void on_signal(int sig)
{
	(void)sig;
	cancelled = 1;
	index_interrupt = 1;
}

static void hash_hex(const void *data, size_t len, char out[GIT_OID_HEXSZ + 1])
{
	git_oid oid;

	git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB);
	git_oid_tostr(out, GIT_OID_HEXSZ + 1, &oid);
}

static void event(struct build *b, cJSON *ev)
{
	if (b->json) {
		char *s = cJSON_PrintUnformatted(ev);
		printf("%s\n", s);
		fflush(stdout);
		free(s);
	}
	cJSON_Delete(ev);
}

/* --- the checkpoint and the cache (.loom/build.db) ---------------------------- */

static const char schema_sql[] =
        "PRAGMA journal_mode=WAL;"
        "CREATE TABLE IF NOT EXISTS slot_cache(key TEXT PRIMARY KEY, code TEXT NOT NULL,"
        " tokens INTEGER NOT NULL, created INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS build_state(spec TEXT NOT NULL, slot TEXT NOT NULL,"
        " state TEXT NOT NULL, code TEXT, attempts INTEGER NOT NULL, tokens INTEGER NOT NULL,"
        " last_code TEXT, last_error TEXT, errors TEXT, split TEXT, PRIMARY KEY(spec, slot));";

static int db_open_build(struct build *b, struct error *e)
{
	char *path = fs_join(b->r.loom_dir, "build.db");
	char *msg = NULL;
	int rc = 0;

	if (fs_mkdir_p(b->r.loom_dir, 0755, e) < 0) {
		free(path);
		return -1;
	}
	if (sqlite3_open_v2(path, &b->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	            SQLITE_OK ||
	    (sqlite3_busy_timeout(b->db, 10000),
	     sqlite3_exec(b->db, schema_sql, NULL, NULL, &msg) != SQLITE_OK))
		rc = error_set(e, "%s: %s", path, msg ? msg : sqlite3_errmsg(b->db));
	sqlite3_free(msg);
	free(path);
	return rc;
}

/* One build at a time per repository: they would share the scratch copy and the target. */
static int lock_build(struct build *b, struct error *e)
{
	char *path = fs_join(b->r.loom_dir, "build.lock");
	int rc = 0;

	b->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (b->lockfd < 0)
		rc = error_errno(e, "cannot open %s", path);
	else if (flock(b->lockfd, LOCK_EX | LOCK_NB) < 0)
		rc = error_set(e, "another loom build is running in this repository");
	free(path);
	return rc;
}

static int db_fail(struct build *b, struct error *e)
{
	return error_set(e, "build.db: %s", sqlite3_errmsg(b->db));
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? xstrdup((const char *)t) : NULL;
}

/* Checkpoints one slot: a single statement, so a transaction of its own. */
static int save_slot(struct build *b, const struct slot *s, struct error *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(b->db,
	                       "INSERT OR REPLACE INTO build_state VALUES(?,?,?,?,?,?,?,?,?,?)", -1,
	                       &st, NULL) != SQLITE_OK)
		return db_fail(b, e);
	bind_text(st, 1, b->spec_hash);
	bind_text(st, 2, s->name);
	bind_text(st, 3, state_names[s->state]);
	bind_text(st, 4, s->state == SLOT_STUB ? s->why : s->code);
	sqlite3_bind_int(st, 5, s->attempts);
	sqlite3_bind_int64(st, 6, s->tokens);
	bind_text(st, 7, s->last_code);
	bind_text(st, 8, s->last_error);
	bind_text(st, 9, s->errors);
	bind_text(st, 10, s->split);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(b, e);
}

/* Restores what an earlier, unfinished run of the same spec checkpointed. */
static int load_slots(struct build *b, struct error *e)
{
	sqlite3_stmt *st;
	size_t i;

	if (sqlite3_prepare_v2(b->db,
	                       "SELECT state, code, attempts, tokens, last_code, last_error, "
	                       "errors, split FROM build_state WHERE spec=? AND slot=?",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_fail(b, e);
	for (i = 0; i < b->n; i++) {
		struct slot *s = &b->s[i];
		const char *state;
		sqlite3_reset(st);
		bind_text(st, 1, b->spec_hash);
		bind_text(st, 2, s->name);
		if (sqlite3_step(st) != SQLITE_ROW)
			continue;
		state = (const char *)sqlite3_column_text(st, 0);
		s->state = !strcmp(state, "verified") ? SLOT_VERIFIED
		           : !strcmp(state, "stub")   ? SLOT_STUB
		           : !strcmp(state, "doing")  ? SLOT_DOING
		                                      : SLOT_TODO;
		if (s->state == SLOT_STUB)
			s->why = col_dup(st, 1);
		else
			s->code = col_dup(st, 1);
		s->attempts = sqlite3_column_int(st, 2);
		s->tokens = (long)sqlite3_column_int64(st, 3);
		s->last_code = col_dup(st, 4);
		s->last_error = col_dup(st, 5);
		s->errors = col_dup(st, 6);
		s->split = col_dup(st, 7);
	}
	sqlite3_finalize(st);
	return 0;
}

/* A finished build's checkpoint is dropped: the next run starts over, from the cache. */
static int forget_build(struct build *b, struct error *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(b->db, "DELETE FROM build_state WHERE spec=?", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(b, e);
	bind_text(st, 1, b->spec_hash);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(b, e);
}

static int cache_get(struct build *b, const char *key, char **code, long *tokens)
{
	sqlite3_stmt *st;
	int found = 0;

	*code = NULL;
	*tokens = 0;
	if (sqlite3_prepare_v2(b->db, "SELECT code, tokens FROM slot_cache WHERE key=?", -1, &st,
	                       NULL) != SQLITE_OK)
		return 0;
	bind_text(st, 1, key);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*code = col_dup(st, 0);
		*tokens = (long)sqlite3_column_int64(st, 1);
		found = *code != NULL;
	}
	sqlite3_finalize(st);
	return found;
}

static int cache_put(struct build *b, const char *key, const char *code, long tokens,
                     struct error *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(b->db, "INSERT OR REPLACE INTO slot_cache VALUES(?,?,?,?)", -1, &st,
	                       NULL) != SQLITE_OK)
		return db_fail(b, e);
	bind_text(st, 1, key);
	bind_text(st, 2, code);
	sqlite3_bind_int64(st, 3, tokens);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(b, e);
}

/*
 * The cache key: the language, signature, contract and test command, and the
 * content of the files the command names (a path, or a Python module
 * a.b.c as a/b/c.py), so an edited test misses the cache.
 */
static void slot_key(struct build *b, struct slot *s, const char *salt)
{
	struct buf k = BUF_INIT;
	char *words = xstrdup(s->test), *w, *save = NULL;

	buf_addf(&k, "%s%c%s%c%s%c%s%c%s%c", b->lang, 0, s->signature, 0, s->contract, 0, s->test,
	         0, salt ? salt : "", 0);
	for (w = strtok_r(words, " \t\n'\"", &save); w; w = strtok_r(NULL, " \t\n'\"", &save)) {
		char *mod = NULL, *p;
		struct buf f = BUF_INIT;
		struct error e = ERROR_INIT;
		unsigned mode;
		if (!strchr(w, '/') && strchr(w, '.') && w[0] != '.') {
			mod = xasprintf("%s.py", w);
			for (p = mod; p < mod + strlen(mod) - 3; p++)
				if (*p == '.')
					*p = '/';
		}
		if (path_check(w, &e) == 0 &&
		    apply_read(b->rootfd, w, APPLY_MAX_SIZE, &f, &mode, &e) == 1) {
			buf_addf(&k, "%s%c", w, 0);
			buf_add(&k, f.ptr, f.len);
		} else if (mod && path_check(mod, &e) == 0 && (buf_reset(&f), 1) &&
		           apply_read(b->rootfd, mod, APPLY_MAX_SIZE, &f, &mode, &e) == 1) {
			buf_addf(&k, "%s%c", mod, 0);
			buf_add(&k, f.ptr, f.len);
		}
		buf_release(&f);
		free(mod);
	}
	hash_hex(k.ptr, k.len, s->key);
	buf_release(&k);
	free(words);
}

/* --- stubs and assembly --------------------------------------------------------- */

/* why as one short line without the characters that would end a string or comment */
static char *clean_line(const char *why)
{
	struct buf b = BUF_INIT;
	const char *p;

	for (p = why ? why : ""; *p && *p != '\n' && b.len < BUILD_ERRLINE_MAX; p++) {
		if (*p == '"' || *p == '\\')
			buf_addch(&b, '\'');
		else if (*p == '{' || *p == '}')
			buf_addch(&b, *p == '{' ? '(' : ')'); /* todo!'s format string */
		else if (*p == '*' && p[1] == '/')
			buf_addch(&b, '+');
		else if ((unsigned char)*p >= ' ')
			buf_addch(&b, *p);
	}
	return buf_detach(&b, NULL);
}

/* The signature without the opening brace or semicolon a C or Rust one may end with. */
static char *bare_signature(const char *sig)
{
	size_t n = strlen(sig);

	while (n && strchr(" \t\n{;", sig[n - 1]))
		n--;
	return xstrndup(sig, n);
}

/* A labelled stub: the signature and a body that fails loudly, saying why. */
char *build_stub(const char *lang, const char *sig, const char *name, const char *why)
{
	char *w = clean_line(why), *bare = bare_signature(sig), *r;
	size_t ind = strspn(sig, " \t");

	if (!strcmp(lang, "python"))
		r = xasprintf("%s\n%.*s    raise NotImplementedError(\"TODO(loom): %s: %s\")\n",
		              sig, (int)ind, sig, name, w);
	else if (!strcmp(lang, "rust"))
		r = xasprintf("%s {\n    todo!(\"TODO(loom): %s: %s\")\n}\n", bare, name, w);
	else if (!strcmp(lang, "c"))
		r = xasprintf("%s\n{\n\t/* TODO(loom): %s: %s */\n\tabort();\n}\n", bare, name, w);
	else
		r = xasprintf("%s\n/* TODO(loom): %s: %s */\n", sig, name, w);
	free(w);
	free(bare);
	return r;
}

/* Appends a unit after a blank line (two in Python, as PEP 8 has it). */
static void add_unit(const struct build *b, struct buf *out, const char *code)
{
	if (out->len && out->ptr[out->len - 1] != '\n')
		buf_addch(out, '\n');
	if (out->len)
		buf_adds(out, strcmp(b->lang, "python") ? "\n" : "\n\n");
	buf_adds(out, code);
}

/*
 * The target as it would be with slot `cur` holding `code` (a candidate, or a
 * marker for the prompt): prelude, the verified pieces and stubs in order,
 * postlude.
 */
static char *assemble(const struct build *b, size_t cur, const char *code)
{
	struct buf out = BUF_INIT;
	size_t i;

	buf_adds(&out, b->prelude);
	for (i = 0; i < b->n; i++) {
		const struct slot *s = &b->s[i];
		if (i == cur && code) {
			add_unit(b, &out, code);
		} else if (s->state == SLOT_VERIFIED || s->state == SLOT_STUB) {
			add_unit(b, &out, s->code);
		} else {
			char *st = build_stub(b->lang, s->signature, s->name, "not built yet");
			add_unit(b, &out, st);
			free(st);
		}
	}
	if (*b->postlude)
		add_unit(b, &out, b->postlude);
	if (out.len && out.ptr[out.len - 1] != '\n')
		buf_addch(&out, '\n');
	return buf_detach(&out, NULL);
}

/* Writes the target as it stands (best so far) through the undo journal, if it changed. */
static int write_target(struct build *b, struct error *e)
{
	char *text = assemble(b, (size_t)-1, NULL), *journal;
	struct buf old = BUF_INIT;
	struct apply_file af;
	struct apply_opts ao = APPLY_OPTS_INIT;
	struct apply_result res;
	unsigned mode;
	int had, rc = 0;

	had = apply_read(b->rootfd, b->target, APPLY_MAX_SIZE, &old, &mode, e);
	if (had < 0) {
		free(text);
		buf_release(&old);
		return -1;
	}
	if (had && old.len == strlen(text) && !memcmp(old.ptr, text, old.len)) {
		free(text);
		buf_release(&old);
		return 0;
	}
	af.path = b->target;
	af.old_text = had ? (old.ptr ? old.ptr : "") : NULL;
	af.old_len = old.len;
	af.new_text = text;
	af.new_len = strlen(text);
	ao.message = "loom build";
	journal = fs_join(b->r.loom_dir, "undo");
	rc = apply_set(b->r.root, journal, &af, 1, &ao, &res, e);
	free(journal);
	free(text);
	buf_release(&old);
	return rc;
}

/* --- the model and the tests ------------------------------------------------------ */

static int ensure_workers(struct build *b, struct error *e)
{
	struct index_opts io = INDEX_OPTS_INIT;
	struct index_stats ist;

	if (b->workers_up)
		return 0;
	/* the Explorer worker reads the index; only a build that calls the model needs them */
	if (index_refresh_apart(&b->r, &io, &ist, e) < 0 ||
	    workers_start(&b->ws, b->r.root, &b->conf, b->keep, e) < 0)
		return -1;
	b->ws.cancel = &cancelled;
	b->workers_up = 1;
	return 0;
}

/*
 * One model request; its tokens are added to *tokens. 1 done, 0 the reply
 * could not be used (e says why: an attempt that failed, not the build), -1
 * failed, -2 cancelled.
 */
static int ask(struct build *b, enum worker_role role, const char *kind, cJSON *payload,
               cJSON **result, long *tokens, struct error *e)
{
	uint64_t before;
	const char *fail = NULL;
	int rc;

	if (ensure_workers(b, e) < 0)
		return -1;
	cJSON_AddNumberToObject(payload, "max_tokens", b->max_tokens);
	before = b->ws.tokens_in + b->ws.tokens_out;
	rc = workers_call(&b->ws, role, kind, payload, result, &fail, e);
	*tokens += (long)(b->ws.tokens_in + b->ws.tokens_out - before);
	b->tokens += (long)(b->ws.tokens_in + b->ws.tokens_out - before);
	if (rc < 0 && (cancelled || (fail && !strcmp(fail, "cancelled"))))
		return -2;
	if (rc < 0)
		return fail && !strcmp(fail, "contract") ? 0 : -1;
	return 1;
}

static cJSON *ask_payload(const struct build *b, const char *sig, const char *contract,
                          const char *target, const char *prev, const char *error)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "lang", b->lang);
	cJSON_AddStringToObject(p, "signature", sig);
	cJSON_AddStringToObject(p, "contract", contract);
	cJSON_AddStringToObject(p, "target", target);
	if (prev && error) {
		cJSON_AddStringToObject(p, "prev", prev);
		cJSON_AddStringToObject(p, "error", error);
	}
	return p;
}

/* Runs a slot's test on the target with `text` in place. 1 passed, 0 failed, -1, -2 cancelled. */
static int run_test(struct build *b, const char *test, const char *text, char **error,
                    struct error *e)
{
	struct verify_file f = { b->target, text, strlen(text) };
	struct verify_result res;
	int rc;

	*error = NULL;
	if (verify_start(b->v, test, b->test_ms, &f, 1, e) < 0)
		return -1;
	while (!verify_poll(b->v, &res)) {
		struct pollfd p = { verify_fd(b->v), POLLIN, 0 };
		if (cancelled) {
			verify_cancel(b->v);
			return -2;
		}
		poll(&p, p.fd >= 0 ? 1 : 0, 200);
	}
	if (res.status < 0) {
		rc = error_set(e, "the test could not run: %s", res.output ? res.output : "");
	} else {
		rc = res.passed;
		if (!rc)
			*error = xstrdup(res.output && *res.output ? res.output
			                 : res.timed_out           ? "the test timed out"
			                                 : "the test failed, saying nothing");
	}
	verify_result_release(&res);
	return rc;
}

static int is_exception(const char *l, size_t n)
{
	size_t k = 0;

	while (k < n && (l[k] == '_' || l[k] == '.' || (l[k] >= 'A' && l[k] <= 'Z') ||
	                 (l[k] >= 'a' && l[k] <= 'z') || (l[k] >= '0' && l[k] <= '9')))
		k++;
	return k >= 5 && (k == n || l[k] == ':') &&
	       (!strncmp(l + k - 5, "Error", 5) || (k >= 9 && !strncmp(l + k - 9, "Exception", 9)));
}

/*
 * The line of an error that names it, to tell attempts apart and label a
 * stub: a compiler's first "error:" line, else Python's last exception line
 * (unittest prints the same header for different failures), else a Rust
 * panic, else the first line that says something.
 */
char *build_error_line(const char *err)
{
	const char *p = err, *exc = NULL, *panic = NULL, *first = NULL;
	size_t exc_n = 0, panic_n = 0, first_n = 0;

	while (*p) {
		size_t n = strcspn(p, "\n");
		size_t k = strspn(p, " \t");
		const char *l = p + k;
		size_t ln = n - k;
		char line[BUILD_ERRLINE_MAX * 2];
		snprintf(line, sizeof(line), "%.*s",
		         (int)(ln < sizeof(line) - 1 ? ln : sizeof(line) - 1), l);
		if (strstr(line, "error:") || strstr(line, "error["))
			return xstrndup(l, ln < BUILD_ERRLINE_MAX ? ln : BUILD_ERRLINE_MAX);
		if (is_exception(l, ln)) {
			exc = l;
			exc_n = ln;
		} else if (!panic && strstr(line, "panicked")) {
			panic = l;
			panic_n = ln;
		} else if (!first && ln && strspn(l, "-=") < ln && strncmp(l, "Traceback", 9)) {
			first = l;
			first_n = ln;
		}
		p += n + (p[n] == '\n');
	}
	if (!exc) {
		exc = panic ? panic : first;
		exc_n = panic ? panic_n : first_n;
	}
	return exc ? xstrndup(exc, exc_n < BUILD_ERRLINE_MAX ? exc_n : BUILD_ERRLINE_MAX)
	           : xstrdup("");
}

/* Every attempt failed, each differently: the slot is too big for the model. */
static int thrashes(const struct slot *s)
{
	const char *p = s->errors ? s->errors : "";
	char *lines[BUILD_ATTEMPTS * 4];
	size_t n = 0, i, j;
	int same = 0;

	while (*p && n < sizeof(lines) / sizeof(lines[0])) {
		size_t k = strcspn(p, "\n");
		lines[n++] = xstrndup(p, k);
		p += k + (p[k] == '\n');
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			same |= !strcmp(lines[i], lines[j]);
	for (i = 0; i < n; i++)
		free(lines[i]);
	return n >= 2 && !same;
}

static void note_error(struct slot *s, const char *code, char *error)
{
	char *fl = build_error_line(error), *all;

	free(s->last_code);
	s->last_code = xstrdup(code);
	free(s->last_error);
	s->last_error = error;
	all = xasprintf("%s%s%s", s->errors ? s->errors : "", s->errors ? "\n" : "", fl);
	free(s->errors);
	s->errors = all;
	free(fl);
}

static void verified(struct slot *s, char *code)
{
	free(s->code);
	s->code = code;
	s->state = SLOT_VERIFIED;
	free(s->last_code);
	free(s->last_error);
	free(s->split);
	s->last_code = s->last_error = s->split = NULL;
}

/* Checkpoints a split in progress with the slot: a resumed build goes on from it. */
static int save_split(struct build *b, struct slot *s, const cJSON *sp, struct error *e)
{
	free(s->split);
	s->split = cJSON_PrintUnformatted(sp);
	return save_slot(b, s, e);
}

/*
 * A slot that thrashed, split: the Architect's helpers are written by the
 * Coder (their test is the slot's: none can pass alone), then tested
 * together with its combiner, up to max_attempts rounds. The split, each
 * helper's code and each round's error are checkpointed as they come
 * (s->split: {"parts", "codes", "round", "next", "error"}), so a build killed
 * mid-split asks for nothing it already had.
 * 1 verified, 0 not, -1 error, -2 cancelled.
 */
static int split_slot(struct build *b, size_t i, struct error *e)
{
	struct slot *s = &b->s[i];
	cJSON *sp = s->split ? cJSON_Parse(s->split) : NULL, *parts, *helpers, *codes;
	const char *combiner;
	int nh, h, round, rc = 0;

	if (!sp) {
		char *target = assemble(b, i, "<<< THIS UNIT >>>\n");
		cJSON *p = ask_payload(b, s->signature, s->contract, target, s->last_code,
		                       s->errors),
		      *res = NULL;
		free(target);
		rc = ask(b, WORKER_ARCHITECT, "decompose", p, &res, &s->tokens, e);
		cJSON_Delete(p);
		if (rc <= 0) {
			cJSON_Delete(res);
			return rc == -2 ? -2 : 0;
		}
		sp = cJSON_CreateObject();
		cJSON_AddItemToObject(sp, "parts",
		                      cJSON_DetachItemFromObjectCaseSensitive(res, "parts"));
		cJSON_Delete(res);
		nh = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
		        cJSON_GetObjectItem(sp, "parts"), "helpers"));
		codes = cJSON_AddArrayToObject(sp, "codes");
		for (h = 0; h < nh; h++)
			cJSON_AddItemToArray(codes, cJSON_CreateNull());
		cJSON_AddNumberToObject(sp, "round", 0);
		cJSON_AddNumberToObject(sp, "next", 0);
		cJSON_AddNullToObject(sp, "error");
		if (save_split(b, s, sp, e) < 0) {
			cJSON_Delete(sp);
			return -1;
		}
	}
	parts = cJSON_GetObjectItemCaseSensitive(sp, "parts");
	helpers = cJSON_GetObjectItemCaseSensitive(parts, "helpers");
	combiner = json_str(parts, "combiner");
	codes = cJSON_GetObjectItemCaseSensitive(sp, "codes");
	nh = cJSON_GetArraySize(helpers);
	if (!combiner || nh < 1 || cJSON_GetArraySize(codes) != nh ||
	    !cJSON_IsNumber(cJSON_GetObjectItem(sp, "round")) ||
	    !cJSON_IsNumber(cJSON_GetObjectItem(sp, "next"))) {
		cJSON_Delete(sp);
		return error_set(e, "%s: the checkpointed split is damaged", s->name);
	}
	rc = 0;
	b->split++;
	if (!b->json)
		printf("  %s: split into %d helper%s\n", s->name, nh, nh == 1 ? "" : "s");
	for (round = cJSON_GetObjectItem(sp, "round")->valueint; round < b->max_attempts && !rc;
	     round++) {
		struct buf unit = BUF_INIT;
		char *text, *error = NULL;
		for (h = cJSON_GetObjectItem(sp, "next")->valueint; h < nh; h++) {
			cJSON *hj = cJSON_GetArrayItem(helpers, h), *r = NULL, *p;
			struct buf shown = BUF_INIT;
			int k, ok;
			/* the file with the other helpers as they stand and the combiner */
			for (k = 0; k < nh; k++) {
				const char *c = cJSON_IsString(cJSON_GetArrayItem(codes, k))
				                        ? cJSON_GetArrayItem(codes, k)->valuestring
				                        : json_str(cJSON_GetArrayItem(helpers, k),
				                                   "signature");
				add_unit(b, &shown, k == h ? "<<< THIS UNIT >>>\n" : c);
			}
			add_unit(b, &shown, combiner);
			text = assemble(b, i, shown.ptr);
			buf_release(&shown);
			p = ask_payload(b, json_str(hj, "signature"), json_str(hj, "contract"),
			                text,
			                cJSON_IsString(cJSON_GetArrayItem(codes, h))
			                        ? cJSON_GetArrayItem(codes, h)->valuestring
			                        : NULL,
			                json_str(sp, "error"));
			free(text);
			ok = ask(b, WORKER_CODER, "slot", p, &r, &s->tokens, e);
			cJSON_Delete(p);
			if (ok < 0) {
				cJSON_Delete(r);
				cJSON_Delete(sp);
				return ok;
			}
			/* an unusable reply is an empty helper: the round's test says so */
			cJSON_ReplaceItemInArray(
			        codes, h, cJSON_CreateString(ok ? json_text(r, "code") : ""));
			cJSON_Delete(r);
			cJSON_SetNumberValue(cJSON_GetObjectItem(sp, "next"), h + 1);
			if (save_split(b, s, sp, e) < 0) {
				cJSON_Delete(sp);
				return -1;
			}
		}
		for (h = 0; h < nh; h++)
			add_unit(b, &unit, cJSON_GetArrayItem(codes, h)->valuestring);
		add_unit(b, &unit, combiner);
		text = assemble(b, i, unit.ptr);
		rc = run_test(b, s->test, text, &error, e);
		free(text);
		if (rc < 0) {
			buf_release(&unit);
			cJSON_Delete(sp);
			return rc;
		}
		s->attempts++;
		if (rc == 1) {
			verified(s, buf_detach(&unit, NULL));
		} else {
			free(s->last_error);
			s->last_error = xstrdup(error);
			cJSON_ReplaceItemInObject(sp, "error", cJSON_CreateString(error));
			cJSON_SetNumberValue(cJSON_GetObjectItem(sp, "round"), round + 1);
			cJSON_SetNumberValue(cJSON_GetObjectItem(sp, "next"), 0);
			if (save_split(b, s, sp, e) < 0)
				rc = -1;
		}
		free(error);
		buf_release(&unit);
	}
	cJSON_Delete(sp);
	return rc;
}

static void slot_event(struct build *b, const struct slot *s, const char *status, long tokens,
                       long saved)
{
	cJSON *ev = cJSON_CreateObject();

	cJSON_AddStringToObject(ev, "event", "slot");
	cJSON_AddStringToObject(ev, "name", s->name);
	cJSON_AddStringToObject(ev, "status", status);
	cJSON_AddNumberToObject(ev, "attempts", s->attempts);
	cJSON_AddNumberToObject(ev, "tokens", (double)tokens);
	if (saved)
		cJSON_AddNumberToObject(ev, "saved", (double)saved);
	if (s->state == SLOT_STUB)
		cJSON_AddStringToObject(ev, "why", s->why ? s->why : "");
	event(b, ev);
	if (!b->json) {
		if (s->state == SLOT_STUB)
			printf("  %s: stub after %d attempt%s (%ld tokens): %s\n", s->name,
			       s->attempts, s->attempts == 1 ? "" : "s", tokens, s->why);
		else if (saved)
			printf("  %s: %s, 0 tokens (the cache saved %ld)\n", s->name, status,
			       saved);
		else
			printf("  %s: %s after %d attempt%s (%ld tokens)\n", s->name, status,
			       s->attempts, s->attempts == 1 ? "" : "s", tokens);
		fflush(stdout);
	}
}

/* Fills slot i. 0 decided (verified or stub), -1 error, -2 cancelled. */
static int fill_slot(struct build *b, size_t i, struct error *e)
{
	struct slot *s = &b->s[i];
	long run_tokens = 0, before = s->tokens, cached_tokens;
	char *code = NULL, *error = NULL, *text;
	int rc;

	if (s->state == SLOT_VERIFIED || s->state == SLOT_STUB) {
		b->restored++;
		if (s->state == SLOT_STUB) {
			char *st = build_stub(b->lang, s->signature, s->name, s->why);
			free(s->code);
			s->code = st;
			b->stubs++;
		} else {
			b->verified++;
		}
		slot_event(b, s, "restored", 0, 0);
		return 0;
	}
	/* a cached answer still passes its test once: the file around it may differ */
	if (s->state == SLOT_TODO && cache_get(b, s->key, &code, &cached_tokens)) {
		text = assemble(b, i, code);
		rc = run_test(b, s->test, text, &error, e);
		free(text);
		if (rc < 0) {
			free(code);
			return rc;
		}
		if (rc == 1) {
			verified(s, code);
			b->verified++;
			b->cached++;
			b->saved += cached_tokens;
			if (save_slot(b, s, e) < 0 || write_target(b, e) < 0)
				return -1;
			slot_event(b, s, "cached", 0, cached_tokens);
			return 0;
		}
		if (!b->json)
			printf("  %s: the cached code fails its test now; asking the model\n",
			       s->name);
		free(code);
		free(error);
		error = NULL;
	}
	s->state = SLOT_DOING;
	while (s->attempts < b->max_attempts) {
		cJSON *p, *r = NULL;
		text = assemble(b, i, "<<< THIS UNIT >>>\n");
		p = ask_payload(b, s->signature, s->contract, text, s->last_code, s->last_error);
		free(text);
		rc = ask(b, WORKER_CODER, "slot", p, &r, &s->tokens, e);
		cJSON_Delete(p);
		if (rc < 0) {
			cJSON_Delete(r);
			return rc;
		}
		code = xstrdup(rc ? json_text(r, "code") : "");
		cJSON_Delete(r);
		if (rc == 0) {
			/* no code in the reply: a failed attempt, fed back like a test's error */
			error = xasprintf("The reply could not be used: %s", e->msg);
		} else {
			text = assemble(b, i, code);
			rc = run_test(b, s->test, text, &error, e);
			free(text);
			if (rc < 0) {
				free(code);
				return rc;
			}
		}
		s->attempts++;
		if (rc == 1) {
			verified(s, code);
			break;
		}
		note_error(s, code, error);
		free(code);
		error = NULL;
		/* the attempt is kept: a resumed build goes on from it */
		if (save_slot(b, s, e) < 0)
			return -1;
	}
	if (s->state != SLOT_VERIFIED && (s->split || thrashes(s))) {
		rc = split_slot(b, i, e);
		if (rc < 0)
			return rc;
	}
	run_tokens = s->tokens - before;
	if (s->state == SLOT_VERIFIED) {
		b->verified++;
		if (cache_put(b, s->key, s->code, s->tokens, e) < 0 || save_slot(b, s, e) < 0 ||
		    write_target(b, e) < 0)
			return -1;
		slot_event(b, s, "verified", run_tokens, 0);
		return 0;
	}
	free(s->why);
	s->why = build_error_line(s->last_error ? s->last_error : "no attempt passed");
	free(s->code);
	s->code = build_stub(b->lang, s->signature, s->name, s->why);
	s->state = SLOT_STUB;
	b->stubs++;
	if (save_slot(b, s, e) < 0)
		return -1;
	slot_event(b, s, "stub", run_tokens, 0);
	return 0;
}

/* --- the spec --------------------------------------------------------------------- */

static int read_spec(struct build *b, const char *path, struct error *e)
{
	struct buf text = BUF_INIT;
	const cJSON *slots, *sj;
	size_t i = 0;
	int rc = -1;

	if (fs_read_file(path, BUILD_SPEC_MAX, &text, e) < 0)
		return -1;
	hash_hex(text.ptr ? text.ptr : "", text.len, b->spec_hash);
	b->spec = cJSON_ParseWithLength(text.ptr ? text.ptr : "", text.len);
	if (!b->spec || !cJSON_IsObject(b->spec)) {
		error_set(e, "%s: not a JSON object", path);
		goto out;
	}
	b->target = json_str(b->spec, "target");
	b->lang = json_str(b->spec, "lang");
	b->prelude = json_text(b->spec, "prelude");
	b->postlude = json_text(b->spec, "postlude");
	slots = cJSON_GetObjectItemCaseSensitive(b->spec, "slots");
	if (!b->target || path_check(b->target, e) < 0) {
		error_set(e, "%s: target: %s", path, b->target ? e->msg : "missing");
		goto out;
	}
	if (!b->lang ||
	    (strcmp(b->lang, "python") && strcmp(b->lang, "c") && strcmp(b->lang, "rust"))) {
		error_set(e, "%s: lang: python, c or rust", path);
		goto out;
	}
	if (!cJSON_IsArray(slots) || !cJSON_GetArraySize(slots)) {
		error_set(e, "%s: slots: an array of at least one slot", path);
		goto out;
	}
	b->n = (size_t)cJSON_GetArraySize(slots);
	b->s = xcalloc(b->n, sizeof(*b->s));
	cJSON_ArrayForEach(sj, slots)
	{
		struct slot *s = &b->s[i];
		size_t k;
		s->name = json_str(sj, "name");
		s->signature = json_str(sj, "signature");
		s->contract = json_str(sj, "contract");
		s->test = json_str(sj, "test");
		if (!s->name || !*s->name || !s->signature || !s->contract || !s->test) {
			error_set(e,
			          "%s: slots[%zu]: name, signature, contract and test are needed",
			          path, i);
			goto out;
		}
		for (k = 0; k < i; k++)
			if (!strcmp(b->s[k].name, s->name)) {
				error_set(e, "%s: slots[%zu]: the name '%s' is taken", path, i,
				          s->name);
				goto out;
			}
		i++;
	}
	rc = 0;
out:
	buf_release(&text);
	return rc;
}

static int write_todo(struct build *b, struct error *e)
{
	char *path = fs_join(b->r.loom_dir, "build-todo.md");
	struct buf t = BUF_INIT;
	size_t i;
	FILE *f;
	int rc = 0;

	if (!b->stubs) {
		unlink(path);
		free(path);
		return 0;
	}
	buf_addf(&t, "# TODO: slots of %s that loom build could not verify\n\n", b->target);
	for (i = 0; i < b->n; i++)
		if (b->s[i].state == SLOT_STUB)
			buf_addf(&t, "- [ ] `%s` (%s): %s\n  - test: `%s`\n  - last error: %s\n",
			         b->s[i].name, b->s[i].signature, b->s[i].contract, b->s[i].test,
			         b->s[i].why ? b->s[i].why : "");
	f = fopen(path, "w");
	if (!f || fwrite(t.ptr, 1, t.len, f) != t.len)
		rc = error_errno(e, "cannot write %s", path);
	if (f && fclose(f) != 0 && rc == 0)
		rc = error_errno(e, "cannot write %s", path);
	buf_release(&t);
	free(path);
	return rc;
}

static const char build_usage[] =
        "usage: loom build [-C PATH] [--json] [--endpoint URL] [--api API] [--model NAME]\n"
        "                  [--max-tokens N] [--attempts N] [--test-timeout S] SPEC\n"
        "\n"
        "Builds the target of SPEC (docs/BUILD.md) one slot at a time: each slot's code\n"
        "is written by the model, checked by the slot's own test, retried with the\n"
        "error, split into helpers when it thrashes, and a labelled stub (and a line of\n"
        ".loom/build-todo.md) when it never passes. Solved slots are cached; a killed\n"
        "build resumes where it stopped.\n"
        "\n"
        "  --max-tokens N    cap on each reply's tokens (default 512)\n"
        "  --attempts N      model attempts per slot before a split or a stub (default 3)\n"
        "  --test-timeout S  seconds a slot's test may take (default 60)\n"
        "  --json            one JSON event per line: slot, summary\n"
        "\n"
        "exit status: 0 every slot verified, 1 failure, 2 usage, 3 some slots are stubs,\n"
        "130 interrupted (run it again to resume)\n";

static long number_arg(const char *flag, const char *arg, long lo, long hi)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (end == arg || *end || v < lo || v > hi) {
		log_error("%s: '%s' is not a number from %ld to %ld", flag, arg, lo, hi);
		return -1;
	}
	return v;
}

static void summary(struct build *b)
{
	cJSON *ev = cJSON_CreateObject(), *todo = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->s[i].state == SLOT_STUB)
			cJSON_AddItemToArray(todo, cJSON_CreateString(b->s[i].name));
	cJSON_AddStringToObject(ev, "event", "summary");
	cJSON_AddStringToObject(ev, "target", b->target);
	cJSON_AddNumberToObject(ev, "slots", (double)b->n);
	cJSON_AddNumberToObject(ev, "verified", b->verified);
	cJSON_AddNumberToObject(ev, "cached", b->cached);
	cJSON_AddNumberToObject(ev, "restored", b->restored);
	cJSON_AddNumberToObject(ev, "split", b->split);
	cJSON_AddNumberToObject(ev, "stubs", b->stubs);
	cJSON_AddItemToObject(ev, "todo", todo);
	cJSON_AddNumberToObject(ev, "tokens", (double)b->tokens);
	cJSON_AddNumberToObject(ev, "tokens_saved", (double)b->saved);
	if (!b->json) {
		printf("%s: %zu slot%s, %d verified (%d from the cache, %d restored), %d stub%s; "
		       "tokens %ld, saved by the cache %ld\n",
		       b->target, b->n, b->n == 1 ? "" : "s", b->verified, b->cached, b->restored,
		       b->stubs, b->stubs == 1 ? "" : "s", b->tokens, b->saved);
		for (i = 0; i < b->n; i++)
			if (b->s[i].state == SLOT_STUB)
				printf("TODO: %s: %s (%s)\n", b->s[i].name, b->s[i].contract,
				       b->s[i].why);
		if (b->stubs)
			printf("the TODO list is in .loom/build-todo.md\n");
	}
	event(b, ev);
}

int cli_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "endpoint", required_argument, NULL, 'E' },
		{ "api", required_argument, NULL, 'A' },
		{ "model", required_argument, NULL, 'M' },
		{ "max-tokens", required_argument, NULL, 'X' },
		{ "attempts", required_argument, NULL, 'n' },
		{ "test-timeout", required_argument, NULL, 'T' },
		{ "keep-session", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct build b;
	struct config flags;
	struct error e = ERROR_INIT;
	struct sigaction sa;
	const char *dir = ".";
	size_t i;
	int c, rc = LOOM_EXIT_FAIL;
	long v;

	memset(&b, 0, sizeof(b));
	b.r = (struct repo)REPO_INIT;
	b.rootfd = b.lockfd = -1;
	b.max_tokens = BUILD_MAX_TOKENS;
	b.max_attempts = BUILD_ATTEMPTS;
	b.test_ms = BUILD_TEST_MS;
	config_init(&flags);
	config_init(&b.conf);
	while ((c = getopt_long(argc, argv, "+hC:", opts, NULL)) != -1) {
		switch (c) {
		case 'j': b.json = 1; break;
		case 'k': b.keep = 1; break;
		case 'C': dir = optarg; break;
		case 'E':
		case 'A':
		case 'M':
			if (agents_flag(&flags, c, optarg) < 0)
				goto usage;
			break;
		case 'X':
			if ((v = number_arg("--max-tokens", optarg, 16, 32768)) < 0)
				goto usage;
			b.max_tokens = (int)v;
			break;
		case 'n':
			if ((v = number_arg("--attempts", optarg, 1, BUILD_ATTEMPTS * 4)) < 0)
				goto usage;
			b.max_attempts = (int)v;
			break;
		case 'T':
			if ((v = number_arg("--test-timeout", optarg, 1, 86400)) < 0)
				goto usage;
			b.test_ms = v * 1000;
			break;
		case 'h':
			fputs(build_usage, stdout);
			rc = LOOM_EXIT_OK;
			goto out;
		default: goto usage;
		}
	}
	if (optind + 1 != argc) {
		log_error(optind == argc ? "no spec given" : "one spec at a time");
		goto usage;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	git_libgit2_init();
	if (read_spec(&b, argv[optind], &e) < 0 || repo_open(dir, &b.r, &e) < 0 ||
	    db_open_build(&b, &e) < 0 || lock_build(&b, &e) < 0)
		goto fail;
	b.rootfd = open(b.r.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	config_load(&b.conf, b.r.conf_dir);
	for (i = 0; i < CONF__COUNT; i++)
		if (flags.src[i] == CONF_FROM_FLAG)
			config_set(&b.conf, (enum config_key)i, flags.val[i], CONF_FROM_FLAG,
			           flags.where[i], &e);
	for (i = 0; i < b.n; i++)
		slot_key(&b, &b.s[i], NULL);
	if (load_slots(&b, &e) < 0)
		goto fail;
	b.v = verify_new(&b.r);
	if (!b.json)
		printf("building %s: %zu slot%s\n", b.target, b.n, b.n == 1 ? "" : "s");
	for (i = 0; i < b.n; i++) {
		int r = fill_slot(&b, i, &e);
		if (r == -2 || cancelled) {
			rc = LOOM_EXIT_INTERRUPT;
			log_error("interrupted: run the same command again to resume");
			goto out;
		}
		if (r < 0)
			goto fail;
	}
	if (write_target(&b, &e) < 0 || write_todo(&b, &e) < 0 || forget_build(&b, &e) < 0)
		goto fail;
	summary(&b);
	rc = b.stubs ? BUILD_EXIT_STUBS : LOOM_EXIT_OK;
	goto out;
fail:
	if (b.json) {
		cJSON *ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "event", "error");
		cJSON_AddStringToObject(ev, "message", e.msg);
		event(&b, ev);
	}
	log_error("%s", e.msg);
	rc = cancelled ? LOOM_EXIT_INTERRUPT : LOOM_EXIT_FAIL;
	goto out;
usage:
	fputs(build_usage, stderr);
	rc = LOOM_EXIT_USAGE;
out:
	if (b.workers_up)
		workers_stop(&b.ws);
	if (b.v)
		verify_free(b.v);
	for (i = 0; i < b.n; i++) {
		free(b.s[i].code);
		free(b.s[i].last_code);
		free(b.s[i].last_error);
		free(b.s[i].errors);
		free(b.s[i].split);
		free(b.s[i].why);
	}
	free(b.s);
	cJSON_Delete(b.spec);
	if (b.db)
		sqlite3_close(b.db);
	if (b.rootfd >= 0)
		close(b.rootfd);
	if (b.lockfd >= 0)
		close(b.lockfd);
	repo_close(&b.r);
	config_release(&b.conf);
	config_release(&flags);
	return rc;
}
