/* db.h - the Context Loom's SQLite database: schema, opening, locking. */
#ifndef LOOM_DB_H
#define LOOM_DB_H

#include <sqlite3.h>

#include "context/repo.h"
#include "core/error.h"

/* Bump on any change to the schema below; older databases are rebuilt. */
#define DB_SCHEMA_VERSION 1

/* chunks.id = files.id << DB_CHUNK_BITS | the chunk's number in its file */
#define DB_CHUNK_BITS 20

/* files.git bits */
enum {
	DBGIT_TRACKED = 1,
	DBGIT_MODIFIED = 2, /* work tree differs from the index */
	DBGIT_STAGED = 4,   /* index differs from HEAD */
	DBGIT_UNTRACKED = 8,
	DBGIT_CONFLICT = 16,
};
/* The bits of the git_modified rule; SQL in db.c and query.c spells it as 30. */
#define DBGIT_DIRTY 30
_Static_assert(DBGIT_DIRTY == (DBGIT_MODIFIED | DBGIT_STAGED | DBGIT_UNTRACKED | DBGIT_CONFLICT),
               "DBGIT_DIRTY must match the literal used in SQL");

/* files.flags bits: why a file is penalised */
enum {
	DBF_GENERATED = 1,
	DBF_VENDORED = 2,
	DBF_LOCK = 4,
	DBF_MINIFIED = 8,
	DBF_TEST = 16,
};

struct db {
	sqlite3 *h;
	int lockfd; /* flock held while writing, -1 otherwise */
};
#define DB_INIT                                                                                    \
	{                                                                                          \
		NULL, -1                                                                           \
	}

/*
 * Opens (creating when missing) the index database of r. A database with
 * another schema version, or one SQLite reports as corrupt, is removed and
 * recreated empty with a one-line notice on stderr.
 */
int db_open(struct repo *r, struct db *d, struct error *e);
void db_close(struct db *d);
/*
 * Makes SQLite put the temporary files of large sorts in dir instead of
 * /var/tmp or /tmp (which a sandboxed reader cannot write). Call it before any
 * thread starts, as SQLite asks of whoever sets sqlite3_temp_directory.
 */
void db_temp_dir(const char *dir);
/* Removes the database files of r (index.db and its -wal/-shm). */
void db_remove(struct repo *r);

/*
 * Takes the repository's index lock (loom_dir/index.lock), waiting for another
 * loom that holds it and saying so once on a terminal. -1 if interrupted.
 */
int db_lock(struct repo *r, struct db *d, struct error *e);
void db_unlock(struct db *d);

/* Drops / creates the secondary indexes of symbols and imports (see db.c). */
int db_drop_bulk_indexes(struct db *d, struct error *e);
int db_create_bulk_indexes(struct db *d, struct error *e);
/* Runs SQL with no results; on failure fills e with sqlite's message. */
int db_exec(struct db *d, const char *sql, struct error *e);
/* Prepares a statement; fatal on failure (the SQL is loom's own, so it is a bug). */
sqlite3_stmt *db_prepare(struct db *d, const char *sql);
/* meta table access; get returns a malloc'd string or NULL. */
char *db_meta_get(struct db *d, const char *key);
int db_meta_set(struct db *d, const char *key, const char *value, struct error *e);
/* 1 when rc means the database file itself is damaged. */
int db_is_corrupt(int rc);

#endif
