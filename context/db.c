/*
 * db.c - schema and life cycle of .loom/index.db.
 *
 * The database is a cache: everything in it can be rebuilt from the work tree,
 * so a damaged or outdated file is removed and rebuilt rather than repaired.
 * It runs in WAL mode so that a reader (loom ledger, a query in another
 * terminal) never waits for a writer, and every write batch is its own
 * transaction: an interrupted index leaves whole files indexed or not at all.
 *
 * The body text of files is indexed by the contentless FTS5 table "fts_body" whose
 * rows are the chunks of table "chunks" (same rowid). It stores no copy of the
 * text: deleting a chunk re-tokenizes its old text, which comes from git's
 * object database (a blob id) or, for text git does not have, from "stash".
 */
#define _GNU_SOURCE
#include "context/db.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "context/bm25.h"
#include "context/token.h"
#include "core/log.h"

static const char schema_sql[] =
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
        "CREATE TABLE files("
        " id INTEGER PRIMARY KEY,"
        " path TEXT NOT NULL UNIQUE,"
        " name TEXT NOT NULL," /* basename, for mentions and import lookups */
        " size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,"
        " ino INTEGER NOT NULL,"
        " hash BLOB,"                      /* git blob id of the indexed content */
        " git INTEGER NOT NULL DEFAULT 0," /* DBGIT_* */
        " lang TEXT NOT NULL DEFAULT 'text',"
        " lines INTEGER NOT NULL DEFAULT 0,"
        " tokens INTEGER NOT NULL DEFAULT 0,"
        " flags INTEGER NOT NULL DEFAULT 0," /* DBF_* */
        " skip TEXT);"                       /* why the content is not indexed */
        "CREATE TABLE history(path TEXT PRIMARY KEY, age INTEGER NOT NULL) WITHOUT ROWID;"
        "CREATE INDEX files_name ON files(name);"
        "CREATE INDEX files_dirty ON files(id) WHERE git & 30 != 0;" /* see DBGIT_* */
        /* id = file id << DB_CHUNK_BITS | chunk number: a file's chunks are one id range */
        "CREATE TABLE chunks(id INTEGER PRIMARY KEY,"
        " start_line INTEGER NOT NULL, end_line INTEGER NOT NULL);"
        "CREATE TABLE symbols(file_id INTEGER NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,"
        " line INTEGER NOT NULL, end_line INTEGER NOT NULL);"
        "CREATE TABLE imports(file_id INTEGER NOT NULL, target TEXT NOT NULL,"
        " base TEXT NOT NULL, line INTEGER NOT NULL, local INTEGER NOT NULL);"
        "CREATE TABLE stash(hash BLOB PRIMARY KEY, content BLOB NOT NULL);"
        "CREATE VIRTUAL TABLE fts_body USING fts5(text, tokenize='loom', content='', detail=full);"
        "CREATE VIRTUAL TABLE fts_path USING fts5(path, tokenize='loom');"
        "CREATE TABLE queries(id TEXT PRIMARY KEY, seq INTEGER NOT NULL, created INTEGER NOT NULL,"
        " json TEXT NOT NULL);"
        "CREATE INDEX queries_seq ON queries(seq);";

/*
 * Secondary indexes of the bulk tables. A cold build drops them and creates them
 * at the end (one sort beats millions of random B-tree inserts); the next
 * refresh creates any that an interrupted build left missing.
 */
static const char index_sql[] = "CREATE INDEX IF NOT EXISTS symbols_name ON symbols(name);"
                                "CREATE INDEX IF NOT EXISTS symbols_file ON symbols(file_id);"
                                "CREATE INDEX IF NOT EXISTS imports_base ON imports(base);"
                                "CREATE INDEX IF NOT EXISTS imports_file ON imports(file_id);";

int db_drop_bulk_indexes(struct db *d, struct error *e)
{
	return db_exec(d,
	               "DROP INDEX IF EXISTS symbols_name; DROP INDEX IF EXISTS symbols_file;"
	               "DROP INDEX IF EXISTS imports_base; DROP INDEX IF EXISTS imports_file;",
	               e);
}

int db_create_bulk_indexes(struct db *d, struct error *e)
{
	return db_exec(d, index_sql, e);
}

int db_is_corrupt(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

int db_exec(struct db *d, const char *sql, struct error *e)
{
	char *msg = NULL;
	int rc = sqlite3_exec(d->h, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		error_set(e, "index database: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *db_prepare(struct db *d, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(d->h, sql, -1, &st, NULL) != SQLITE_OK)
		fatal("bad sql '%.60s': %s", sql, sqlite3_errmsg(d->h));
	return st;
}

char *db_meta_get(struct db *d, const char *key)
{
	sqlite3_stmt *st = db_prepare(d, "SELECT value FROM meta WHERE key=?1");
	char *v = NULL;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

int db_meta_set(struct db *d, const char *key, const char *value, struct error *e)
{
	sqlite3_stmt *st = db_prepare(d, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)");
	int rc;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return error_set(e, "index database: %s", sqlite3_errmsg(d->h));
	return 0;
}

void db_remove(struct repo *r)
{
	const char *sfx[] = { "", "-wal", "-shm", "-journal" };
	size_t i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		char *p = xasprintf("%s%s", r->db_path, sfx[i]);
		unlink(p);
		free(p);
	}
}

/* Opens the file and reads its schema version; -1 with *rc set on failure. */
static int open_raw(struct repo *r, struct db *d, int *version, int *rc)
{
	sqlite3_stmt *st;

	*rc = sqlite3_open_v2(r->db_path, &d->h,
	                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                      NULL);
	if (*rc != SQLITE_OK)
		return -1;
	sqlite3_extended_result_codes(d->h, 1);
	sqlite3_busy_timeout(d->h, 10000);
	*rc = sqlite3_prepare_v2(d->h, "PRAGMA user_version", -1, &st, NULL);
	if (*rc != SQLITE_OK)
		return -1;
	*rc = sqlite3_step(st);
	*version = *rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (*rc != SQLITE_ROW)
		return -1;
	*rc = SQLITE_OK;
	if (*version == 0) {
		/* a file with tables but no version is not one of ours */
		*rc = sqlite3_prepare_v2(d->h, "SELECT count(*) FROM sqlite_master", -1, &st, NULL);
		if (*rc != SQLITE_OK)
			return -1;
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0)
			*version = -1;
		*rc = sqlite3_finalize(st);
		if (*rc != SQLITE_OK)
			return -1;
	}
	return 0;
}

/* Creates the schema unless another process did so first (checked under the write lock). */
static int create_schema(struct db *d, struct error *e)
{
	sqlite3_stmt *st;
	char *sql;
	int r, version = 0;

	if (db_exec(d, "PRAGMA journal_mode=WAL", e) < 0 || db_exec(d, "BEGIN IMMEDIATE", e) < 0)
		return -1;
	st = db_prepare(d, "PRAGMA user_version");
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version == DB_SCHEMA_VERSION)
		return db_exec(d, "COMMIT", e);
	sql = xasprintf("%s PRAGMA user_version=%d;", schema_sql, DB_SCHEMA_VERSION);
	r = db_exec(d, sql, e);
	free(sql);
	if (r == 0)
		r = db_exec(d,
		            "INSERT INTO fts_body(fts_body, rank) VALUES('pgsz', 4050);"
		            "INSERT INTO fts_body(fts_body, rank) VALUES('automerge', 8);"
		            "INSERT INTO fts_body(fts_body, rank) VALUES('crisismerge', 64);"
		            "INSERT INTO fts_body(fts_body, rank) VALUES('hashsize', 8388608);",
		            e);
	if (r == 0)
		r = db_exec(d, "COMMIT", e);
	else
		sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

/* Registers Loom's tokenizer and ranking function with the connection. */
static int fts5_extend(sqlite3 *h, struct error *e)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(h, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return error_set(e, "this sqlite has no fts5: %s", sqlite3_errmsg(h));
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (!api)
		return error_set(e, "this sqlite has no fts5 api");
	if (token_fts5_register(api, e) < 0 || bm25_register(api, e) < 0)
		return -1;
	return 0;
}

int db_open(struct repo *r, struct db *d, struct error *e)
{
	int version = -1, rc, attempt;

	*d = (struct db)DB_INIT;
	for (attempt = 0; attempt < 2; attempt++) {
		if (open_raw(r, d, &version, &rc) == 0 &&
		    (version == DB_SCHEMA_VERSION || version == 0))
			break;
		if (d->h) {
			sqlite3_close_v2(d->h);
			d->h = NULL;
		}
		if (attempt)
			return error_set(e, "cannot open index database '%s': %s", r->db_path,
			                 sqlite3_errstr(rc));
		if (rc == SQLITE_OK && version < 0)
			log_note("'%s' is not a loom index database; rebuilding it", r->db_path);
		else if (rc == SQLITE_OK)
			log_note("index database was built by another loom version (schema %d, "
			         "this one uses %d); rebuilding",
			         version, DB_SCHEMA_VERSION);
		else if (db_is_corrupt(rc))
			log_note("index database '%s' is damaged (%s); rebuilding", r->db_path,
			         sqlite3_errstr(rc));
		else
			return error_set(e, "cannot open index database '%s': %s", r->db_path,
			                 sqlite3_errstr(rc));
		db_remove(r);
	}
	if (fts5_extend(d->h, e) < 0)
		goto fail;
	/*
	 * 1 MiB of page cache: readers (queries) are as fast with it as with
	 * more, the kernel's page cache holds the file anyway (docs/PERFORMANCE.md);
	 * a refresh raises it for its writes (context/index.c).
	 */
	if (db_exec(d,
	            "PRAGMA synchronous=NORMAL;"
	            "PRAGMA cache_size=-1024; PRAGMA foreign_keys=OFF;",
	            e) < 0)
		goto fail;
	if (version == 0) {
		/* creators take the index lock: two first runs must not race */
		int created;
		if (db_lock(r, d, e) < 0)
			goto fail;
		created = create_schema(d, e);
		db_unlock(d);
		if (created < 0)
			goto fail;
	}
	return 0;
fail:
	db_close(d);
	return -1;
}

void db_temp_dir(const char *dir)
{
	sqlite3_free(sqlite3_temp_directory);
	sqlite3_temp_directory = sqlite3_mprintf("%s", dir);
}

void db_close(struct db *d)
{
	db_unlock(d);
	if (d->h)
		sqlite3_close_v2(d->h);
	d->h = NULL;
}

int db_lock(struct repo *r, struct db *d, struct error *e)
{
	char *path = xasprintf("%s/index.lock", r->loom_dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0) {
		error_errno(e, "cannot open lock '%s'", path);
		free(path);
		return -1;
	}
	free(path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK) {
			close(fd);
			return error_errno(e, "cannot lock the index");
		}
		if (isatty(STDERR_FILENO))
			log_note("waiting for another loom to finish indexing...");
		if (flock(fd, LOCK_EX) < 0) {
			int err = errno;
			close(fd);
			if (err == EINTR)
				return error_set(e, "interrupted while waiting for the index lock");
			errno = err;
			return error_errno(e, "cannot lock the index");
		}
	}
	d->lockfd = fd;
	return 0;
}

void db_unlock(struct db *d)
{
	if (d->lockfd >= 0) {
		flock(d->lockfd, LOCK_UN);
		close(d->lockfd);
	}
	d->lockfd = -1;
}
