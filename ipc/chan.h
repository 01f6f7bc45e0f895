/* chan.h - JSONL file channels: appending records, tailing them, waiting for them. */
#ifndef LOOM_IPC_CHAN_H
#define LOOM_IPC_CHAN_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/error.h"
#include "ipc/proto.h"

/*
 * The writing end of a channel file: appends one record per line, each with
 * "v", "seq" and "type" first. A channel file has one writer at a time (the
 * session core for an inbox, the worker for its outbox); see chan.c for what is
 * atomic when there are more.
 */
struct chan_writer {
	int fd;        /* O_APPEND descriptor, owned; -1 when closed */
	char *name;    /* the file's name, for messages; owned */
	uint64_t seq;  /* the last seq written (or found in the file): the next is seq + 1 */
	int terminate; /* the file ends in an unfinished line: the next record starts with '\n' */
};
#define CHAN_WRITER_INIT                                                                           \
	{                                                                                          \
		-1, NULL, 0, 0                                                                     \
	}

/*
 * Opens path for appending (O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
 * O_NOFOLLOW, mode 0600) and continues its numbering: seq starts after the
 * last complete record already in the file, so a restarted worker goes on
 * where the dead one stopped. Returns -1 when the file cannot be opened or
 * read back.
 */
int chan_writer_open(struct chan_writer *w, const char *path, struct error *e);
/*
 * Same, from a descriptor the writer takes over (closed by chan_writer_close,
 * even on failure): a worker gets its channel descriptors before its sandbox
 * drops its filesystem rights. fd must be a regular file open for reading and
 * writing (O_RDWR), so the last seq can be read back; O_APPEND is set if
 * missing. name is used in messages. Returns -1 for a write-only or
 * non-regular descriptor, or when the file cannot be read.
 */
int chan_writer_fd(struct chan_writer *w, int fd, const char *name, struct error *e);
/*
 * Appends one record: {"v":IPC_VERSION,"seq":N,"type":"...", fields...}.
 * fields is a JSON object with exactly the type's fields (NULL for none); it is
 * only read. The whole line is built first, then written with one write()
 * (more only after a short write). Returns -1, with nothing written and seq
 * unchanged, when fields do not match the schema or the line would be longer
 * than IPC_MAX_LINE; -1 also when the write fails (then a partial line may be
 * left, and the next record starts on a new line).
 */
int chan_send(struct chan_writer *w, enum ipc_type type, const cJSON *fields, struct error *e);
/* Closes the descriptor; the writer can be opened again. */
void chan_writer_close(struct chan_writer *w);

/* What the reader hands its callback. */
enum chan_status {
	CHAN_RECORD,      /* a valid record, in order: act on it */
	CHAN_GAP,         /* report: seq skipped some numbers; the record follows as CHAN_RECORD */
	CHAN_DUPLICATE,   /* report: seq not above the last one; the record is dropped */
	CHAN_BAD_VERSION, /* report: "v" is not IPC_VERSION; the record is dropped */
	CHAN_TOO_LONG,  /* report: a line over the limit; skipped up to its '\n', never buffered */
	CHAN_BAD_RECORD /* report: not JSON, not an object, or not matching the schema; dropped */
};

struct chan_msg {
	enum chan_status status;
	int type;            /* the record's enum ipc_type, or -1 when unknown */
	const cJSON *rec;    /* the parsed line; NULL when it was not JSON or too long */
	uint64_t seq;        /* the record's seq; 0 when unknown */
	uint64_t last;       /* the seq before it (for gaps and duplicates) */
	uint64_t offset;     /* where the line starts in the file */
	const char *problem; /* reports: one line ("seq 7 after 4: 2 records missing"); else NULL */
};

/*
 * Receives each record and each report, in file order. m and everything it
 * points to are valid only during the call (cJSON_Duplicate what must be kept).
 * The callback must not call chan_read on the same reader. A non-zero return
 * stops chan_read after this line.
 */
typedef int (*chan_fn)(void *ctx, const struct chan_msg *m);

/*
 * The reading end: tails a channel file by byte offset. Only complete lines
 * are handled; a trailing line without its '\n' stays in line (a writer may be
 * writing it, or may have died in the middle of it).
 */
struct chan_reader {
	int fd;              /* owned; -1 when closed */
	char *name;          /* for messages; owned */
	uint64_t offset;     /* the next byte to read */
	struct buf line;     /* the unfinished line: the bytes before offset since the last '\n' */
	int skipping;        /* inside an over-long line: bytes are dropped up to its '\n' */
	uint64_t seq;        /* the last seq delivered; 0 before the first */
	uint64_t discard_at; /* when non-zero: at this offset an unfinished line is dropped */
	size_t max_line;     /* the longest line, '\n' included; may be lowered after opening */
	char *chunk;         /* read buffer; owned */
};
#define CHAN_READER_INIT                                                                           \
	{                                                                                          \
		-1, NULL, 0, BUF_INIT, 0, 0, 0, IPC_MAX_LINE, NULL                                 \
	}

/* Opens path (which must exist) to read from its first byte. Returns -1 when it cannot. */
int chan_reader_open(struct chan_reader *r, const char *path, struct error *e);
/* Same, from a descriptor the reader takes over (closed by chan_reader_close, even on failure). */
int chan_reader_fd(struct chan_reader *r, int fd, const char *name, struct error *e);
/*
 * Skips what the file holds now, up to its last complete line, and takes the
 * last record's seq as the last one seen: a restarted worker reads only the
 * requests sent after it started. Returns -1 when the file cannot be read.
 */
int chan_reader_skip_to_end(struct chan_reader *r, struct error *e);
/*
 * Reads what was appended since the last call and calls fn for each complete
 * line: CHAN_RECORD for records, a report for anything else (empty lines are
 * ignored). Returns 0 when everything available was handled, 1 when fn asked
 * to stop (the rest is read next time), -1 when the file cannot be read.
 */
int chan_read(struct chan_reader *r, chan_fn fn, void *ctx, struct error *e);
/*
 * For the session core, once it knows the writer is dead and before a new
 * writer opens the file: the unfinished line the dead writer left is dropped
 * where the file ends now, so the next writer's first record is not glued to
 * it. Complete lines before that point are still delivered by chan_read.
 * Returns -1 when the file's size cannot be read.
 */
int chan_reader_discard_partial(struct chan_reader *r, struct error *e);
void chan_reader_close(struct chan_reader *r);

/* One thing a waiter watches. */
struct chan_watch {
	int fd;        /* FD: the caller's descriptor; FILE: ours, read-only, for its size */
	int wd;        /* FILE: its inotify watch, -1 in poll mode */
	int is_file;   /* 1 for a channel file, 0 for a caller's descriptor */
	short events;  /* FD: what to poll() for */
	short revents; /* FD: what poll() returned */
	uint64_t size; /* FILE: its size when last reported ready (poll mode) */
	int ready;     /* set by chan_wait */
};

/*
 * Waits for any of several channel files to change and for extra descriptors
 * (a terminal, a signal pipe). Files are watched with inotify (IN_MODIFY |
 * IN_CLOSE_WRITE); without it (inotify_init1 fails, or IPC_NO_INOTIFY is set
 * in the environment) their sizes are checked every poll_ms. Either way the
 * process sleeps in poll() between checks.
 *
 * Only with inotify does a wait with no timeout cost nothing while nothing
 * happens: the process wakes only when a file changes or a descriptor is
 * ready. In poll mode every file watched by size makes the wait wake every
 * poll_ms (CHAN_POLL_MS) to stat it, whatever the timeout, so an idle session
 * without inotify still wakes up to 200 times a second in each process that
 * waits on files (docs/PROTOCOL.md, "Waking").
 */
struct chan_waiter {
	int ifd;     /* inotify descriptor, or -1 in poll mode */
	int poll_ms; /* poll mode: how often file sizes are checked */
	struct chan_watch *watch;
	size_t nwatch, capwatch;
	struct pollfd *pfd; /* scratch for poll() */
	size_t cappfd;
};
/* Poll mode's check interval: the longest it takes to notice a write. */
#define CHAN_POLL_MS 5

/* Sets up an empty waiter, with inotify unless unavailable or IPC_NO_INOTIFY is set. */
void chan_waiter_init(struct chan_waiter *w);
/*
 * Watches a channel file (which must exist). Returns the watch's id (0, 1, ...
 * in the order added, files and descriptors alike), or -1 when the file
 * cannot be opened or watched.
 */
int chan_waiter_add_file(struct chan_waiter *w, const char *path, struct error *e);
/*
 * Watches a caller's descriptor for events (POLLIN, ...); it stays the caller's.
 * fd may be -1 (poll() skips it) to reserve an id for a descriptor set later.
 * Returns its id.
 */
int chan_waiter_add_fd(struct chan_waiter *w, int fd, short events);
/*
 * Points descriptor watch id at another descriptor, or at none (-1), keeping
 * its id and events: a child's pidfd that changes when the child is replaced.
 * Ids of files, and unknown ids, are ignored.
 */
void chan_waiter_set_fd(struct chan_waiter *w, int id, int fd);
/*
 * Sleeps until a watched file changed since it was last reported (or added),
 * a descriptor is ready, or timeout_ms passed (< 0: no limit). Returns how many
 * watches are ready (see chan_waiter_ready), 0 on timeout or when a signal
 * interrupted the wait, -1 when poll() or inotify fails.
 */
int chan_wait(struct chan_waiter *w, int timeout_ms, struct error *e);
/* Whether the watch id was ready after the last chan_wait. */
int chan_waiter_ready(const struct chan_waiter *w, int id);
/* Closes the inotify descriptor and the files' descriptors (not the caller's). */
void chan_waiter_release(struct chan_waiter *w);

#endif
