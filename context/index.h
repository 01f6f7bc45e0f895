/* index.h - building and refreshing the Context Loom index. */
#ifndef LOOM_INDEX_H
#define LOOM_INDEX_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "context/db.h"
#include "context/lang.h"
#include "context/repo.h"
#include "core/error.h"

#define INDEX_MAX_FILE_SIZE_DEFAULT (1u << 20)
#define INDEX_HISTORY_DEFAULT       100

struct index_opts {
	size_t max_file_size; /* larger files are recorded but not read; 0 = as last time */
	int progress;         /* draw "files done / total" on stderr */
	int history;          /* commits of history read for the recency rule */
	/* called (at most every 100 ms) with the files done of those to read, or NULL */
	void (*on_progress)(void *ctx, size_t done, size_t total);
	void *progress_ctx;
};
#define INDEX_OPTS_INIT                                                                            \
	{                                                                                          \
		0, 0, INDEX_HISTORY_DEFAULT, NULL, NULL                                            \
	}

struct index_stats {
	size_t files;    /* files in the repository now */
	size_t read;     /* files read because they were new or changed */
	size_t indexed;  /* of those, files whose content was (re)indexed */
	size_t removed;  /* files gone since the last run */
	size_t skipped;  /* files recorded without content (binary, too large, ...) */
	uint64_t bytes;  /* bytes read */
	double seconds;  /* wall time */
	int interrupted; /* stopped early by index_interrupt */
	int rebuilt;     /* the full-text index had to be rebuilt */
};

/* Set from a signal handler to stop a refresh at the next file boundary. */
extern volatile sig_atomic_t index_interrupt;

/*
 * Brings the index of r up to date with its work tree: new and changed files are
 * read and indexed, unchanged ones are not opened, deleted ones are removed.
 * Takes the index lock for the duration. Returns 0 (also when interrupted:
 * st->interrupted says so and the database is consistent), -1 on failure.
 */
int index_refresh(struct repo *r, struct db *d, const struct index_opts *o, struct index_stats *st,
                  struct error *e);

/*
 * The same, done by a child process (fork) that opens its own connection to
 * the index and exits when done, so that the memory a refresh needs (tens of
 * MiB on a large tree) is given back whole instead of staying in a long-lived
 * caller's heap. The caller must have no other threads, and no database
 * connection it uses after (SQLite connections do not survive a fork): open
 * one afterwards. A signal that sets index_interrupt in the caller is passed
 * on to the child.
 */
int index_refresh_apart(struct repo *r, const struct index_opts *o, struct index_stats *st,
                        struct error *e);

/* A refresh running in a child process, for a caller with an event loop. */
struct index_job {
	pid_t pid;
	int fd;             /* readable when the child has news: poll it, then index_refresh_poll */
	size_t done, total; /* its progress: files read of those to read */
	int interrupted;    /* index_interrupt was passed on */
};

/*
 * Starts index_refresh_apart's child and returns at once. -1 with e set when
 * it cannot be started.
 */
int index_refresh_begin(struct repo *r, const struct index_opts *o, struct index_job *job,
                        struct error *e);
/*
 * Takes in what the child sent: progress (job->done, job->total), or its end.
 * Returns 0 while it runs (block 0 only), 1 when it ended well (*st filled),
 * -1 with e set when it failed. After 1 or -1 the job is over.
 */
int index_refresh_poll(struct index_job *job, int block, struct index_stats *st, struct error *e);
/* Stops a running refresh (it leaves the index consistent) and waits for the child. */
void index_refresh_abort(struct index_job *job);

/*
 * Checks the index against itself and the work tree: SQLite's quick_check, the
 * full-text indexes' integrity-check, chunk and path row counts, and that the
 * files table lists exactly the files a scan finds now. -1 with e on the first
 * problem. Meant for tests and for users who suspect damage.
 */
int index_verify(struct repo *r, struct db *d, struct error *e);

/*
 * The stem an import target written in language l is looked up by: its last
 * path or module component without extension ("linux/list.h" -> "list",
 * "./util.js" -> "util", "crate::net::tcp" -> "tcp"; for Python and Java the
 * last dotted component: "os.path" -> "path"). With LANG_NONE a file name's
 * stem ("tasks.py" -> "tasks"). Written into buf (size n); returns buf.
 */
char *index_import_base(enum lang l, const char *target, char *buf, size_t n);

#endif
