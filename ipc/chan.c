/*
 * chan.c - JSONL channel files: one writer appends records, one reader tails them.
 *
 * A channel is a regular file of lines, each one JSON object ending in '\n'
 * (ipc/proto.h, docs/PROTOCOL.md). The writer numbers its records 1, 2, 3, ...
 * ("seq") and keeps the last number; reopening a file continues after the last
 * complete record in it, found by reading the file backwards from its end, so
 * numbering survives a worker's restart. The reader keeps a byte offset, the
 * unfinished last line (at most max_line bytes: a longer line is reported and
 * skipped up to its '\n', never buffered) and the last seq it delivered; it
 * reads with pread() from its offset, so nothing depends on the descriptor's
 * file position.
 *
 * What is atomic, and why. The writer builds the whole line in memory and hands
 * it to one write() on an O_APPEND descriptor. O_APPEND makes "move to the end
 * of the file and write" a single step, so writers never overwrite each other.
 * That one write() also lands as one contiguous run of bytes: on Linux a write
 * to a regular file on a local filesystem (ext4, xfs, btrfs, tmpfs) holds the
 * inode's lock for the whole copy, so another process's write() cannot land
 * inside it, whatever its size. This is a Linux property, not a POSIX promise
 * across processes: POSIX's PIPE_BUF rule (4096 bytes on Linux) is about pipes
 * and FIFOs and says nothing here, and NFS or FUSE filesystems may not honour
 * it, which is one reason the session directory lives in XDG_RUNTIME_DIR or a
 * local temporary directory. What can still split a line is a short write: the
 * disk filling up, a file size limit, or a fatal signal (SIGKILL) arriving
 * during the copy. The loop then writes the rest in a second write() (except
 * after SIGKILL, which leaves a partial last line), and another writer's line
 * could land in between; each channel has one writer, so in Loom it cannot, and
 * with several writers a line split that way is reported by the reader as a bad
 * record, never misread. Readers do not take the inode's lock and may see a
 * line being written, but only a prefix of it (the copy runs front to back and
 * the file's size grows behind it), which is why only lines ending in '\n' are
 * handled. After a failed or partial write, and when a file opens on an
 * unfinished line, the writer starts its next record with '\n', so a fragment
 * always ends up alone on its line rather than glued to a record. A writer
 * cannot tell a dead writer's fragment from a live writer's line in progress:
 * with several writers on one file, one opening in the middle of another's
 * write adds an empty line (seen in the tests), which readers skip.
 *
 * The waiter sleeps in poll() on the caller's descriptors plus an inotify
 * descriptor watching the files; a file it could not watch (no inotify, or
 * IPC_NO_INOTIFY set) has its size checked every poll_ms instead, poll()
 * sleeping in between.
 */
#define _GNU_SOURCE
#include "ipc/chan.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fs.h"

#define CHUNK     65536
#define MAX_JSINT 9007199254740992.0 /* 2^53: the largest integer a double holds exactly */

/* --- reading records ---------------------------------------------------- */

/* Reads n bytes at off; -1 on error or when the file is shorter. */
static int pread_full(int fd, char *p, size_t n, uint64_t off)
{
	while (n) {
		ssize_t r = pread(fd, p, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/* A positive integer seq from item, or 0 when it is not one. */
static uint64_t seq_of(const cJSON *item)
{
	if (!cJSON_IsNumber(item) || item->valuedouble < 1 || item->valuedouble > MAX_JSINT ||
	    item->valuedouble != (double)(uint64_t)item->valuedouble)
		return 0;
	return (uint64_t)item->valuedouble;
}

/* Sets e's message and returns st: parse_line's way out. */
static enum chan_status bad(struct error *e, enum chan_status st, const char *fmt, ...)
        LOOM_PRINTF(3, 4);
static enum chan_status bad(struct error *e, enum chan_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return st;
}

/*
 * Parses one line (no '\n') into a record and checks its envelope and schema.
 * Returns CHAN_RECORD with *rec, *type and *seq set; or a report status with
 * the problem in e, and *rec set when the line was JSON (the caller deletes it
 * either way).
 */
static enum chan_status parse_line(const char *p, size_t n, cJSON **rec, int *type, uint64_t *seq,
                                   struct error *e)
{
	const char *end = NULL;
	const cJSON *v, *t;

	*type = -1;
	*seq = 0;
	*rec = cJSON_ParseWithLengthOpts(p, n, &end, 0);
	if (!*rec)
		return bad(e, CHAN_BAD_RECORD, "not JSON");
	if (end != p + n)
		return bad(e, CHAN_BAD_RECORD, "bytes after the JSON value");
	if (!cJSON_IsObject(*rec))
		return bad(e, CHAN_BAD_RECORD, "not a JSON object");
	v = cJSON_GetObjectItemCaseSensitive(*rec, "v");
	if (!cJSON_IsNumber(v))
		return bad(e, CHAN_BAD_RECORD, "'v' missing or not a number");
	if (v->valuedouble != IPC_VERSION)
		return bad(e, CHAN_BAD_VERSION, "protocol version %g, expected %d", v->valuedouble,
		           IPC_VERSION);
	*seq = seq_of(cJSON_GetObjectItemCaseSensitive(*rec, "seq"));
	if (!*seq)
		return bad(e, CHAN_BAD_RECORD, "'seq' missing or not a positive integer");
	t = cJSON_GetObjectItemCaseSensitive(*rec, "type");
	if (!cJSON_IsString(t))
		return bad(e, CHAN_BAD_RECORD, "'type' missing or not a string");
	*type = ipc_type_parse(t->valuestring);
	if (*type < 0)
		return bad(e, CHAN_BAD_RECORD, "unknown record type '%.64s'", t->valuestring);
	if (ipc_check((enum ipc_type) * type, *rec, e) < 0)
		return CHAN_BAD_RECORD;
	return CHAN_RECORD;
}

/* The offset of the last '\n' before end, -1 when there is none, -2 on a read error. */
static int64_t newline_before(int fd, uint64_t end, char *blk)
{
	while (end > 0) {
		size_t n = end > CHUNK ? CHUNK : (size_t)end;
		const char *nl;

		if (pread_full(fd, blk, n, end - n) < 0)
			return -2;
		nl = memrchr(blk, '\n', n);
		if (nl)
			return (int64_t)(end - n) + (nl - blk);
		end -= n;
	}
	return -1;
}

/*
 * Reads a channel file backwards: *complete is the size of its complete lines
 * (the offset after its last '\n'), *size its size, *seq the seq of the last
 * valid record (0 if none). Lines that are not valid records are passed over;
 * each candidate line is read once, so the cost is linear in what is scanned.
 */
static int tail_scan(int fd, const char *name, uint64_t *seq, uint64_t *complete, uint64_t *size,
                     struct error *e)
{
	char *blk = xmalloc(CHUNK);
	struct buf line = BUF_INIT;
	struct stat st;
	int64_t end, prev;
	int r = -1;

	*seq = 0;
	if (fstat(fd, &st) < 0) {
		error_errno(e, "cannot stat '%s'", name);
		goto out;
	}
	*size = (uint64_t)st.st_size;
	end = newline_before(fd, *size, blk);
	if (end == -2)
		goto fail;
	*complete = (uint64_t)(end + 1);
	while (end >= 0 && !*seq) {
		size_t n;
		prev = newline_before(fd, (uint64_t)end, blk);
		if (prev == -2)
			goto fail;
		n = (size_t)(end - prev - 1);
		if (n && n < IPC_MAX_LINE) {
			cJSON *rec;
			int type;
			uint64_t s;
			struct error ignored = ERROR_INIT;

			buf_reset(&line);
			if (buf_grow(&line, n) < 0 ||
			    pread_full(fd, line.ptr, n, (uint64_t)prev + 1) < 0)
				goto fail;
			buf_setlen(&line, n);
			if (parse_line(line.ptr, n, &rec, &type, &s, &ignored) == CHAN_RECORD)
				*seq = s;
			cJSON_Delete(rec);
		}
		end = prev;
	}
	r = 0;
	goto out;
fail:
	error_errno(e, "cannot read '%s'", name);
out:
	buf_release(&line);
	free(blk);
	return r;
}

/* --- writer ------------------------------------------------------------- */

static int writer_setup(struct chan_writer *w, int fd, int rfd, const char *name, struct error *e)
{
	uint64_t complete = 0, size = 0;

	w->fd = fd;
	w->name = xstrdup(name);
	w->seq = 0;
	w->terminate = 0;
	if (tail_scan(rfd, name, &w->seq, &complete, &size, e) < 0) {
		chan_writer_close(w);
		return -1;
	}
	w->terminate = complete != size;
	return 0;
}

int chan_writer_open(struct chan_writer *w, const char *path, struct error *e)
{
	struct stat st, rst;
	int fd, rfd, r;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return error_errno(e, "cannot open '%s'", path);
	/* the numbering is read back through a second, read-only descriptor */
	rfd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (rfd < 0 || fstat(fd, &st) < 0 || fstat(rfd, &rst) < 0) {
		error_errno(e, "cannot read '%s'", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		error_set(e, "channel '%s' is not a regular file", path);
		goto fail;
	}
	if (st.st_dev != rst.st_dev || st.st_ino != rst.st_ino) {
		error_set(e, "channel '%s' was replaced while being opened", path);
		goto fail;
	}
	r = writer_setup(w, fd, rfd, path, e);
	close(rfd);
	return r;
fail:
	if (rfd >= 0)
		close(rfd);
	close(fd);
	return -1;
}

int chan_writer_fd(struct chan_writer *w, int fd, const char *name, struct error *e)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fstat(fd, &st) < 0) {
		error_errno(e, "cannot use the descriptor of '%s'", name);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		error_set(e, "channel '%s' is not a regular file", name);
		goto fail;
	}
	if ((fl & O_ACCMODE) != O_RDWR) {
		error_set(e, "channel '%s' must be open for reading and writing", name);
		goto fail;
	}
	if (!(fl & O_APPEND) && fcntl(fd, F_SETFL, fl | O_APPEND) < 0) {
		error_errno(e, "cannot set O_APPEND on '%s'", name);
		goto fail;
	}
	return writer_setup(w, fd, fd, name, e);
fail:
	close(fd);
	return -1;
}

void chan_writer_close(struct chan_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	free(w->name);
	w->name = NULL;
}

/* One write() for the whole line, more only after a short write. Returns bytes written. */
static size_t write_all(int fd, const char *p, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = write(fd, p + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			break;
		}
		done += (size_t)r;
	}
	return done;
}

int chan_send(struct chan_writer *w, enum ipc_type type, const cJSON *fields, struct error *e)
{
	struct buf line = BUF_INIT_MAX(IPC_MAX_LINE + 1); /* + the '\n' ending a fragment */
	const char *name = ipc_type_name(type);
	cJSON none = { 0 };
	const cJSON *c;
	char *body = NULL;
	size_t lead, done;
	int r = -1;

	if (w->fd < 0)
		return error_set(e, "cannot send: the channel is closed");
	if (!name)
		return error_set(e, "cannot send to '%s': unknown record type %d", w->name,
		                 (int)type);
	none.type = cJSON_Object;
	if (!fields)
		fields = &none;
	for (c = cJSON_IsObject(fields) ? fields->child : NULL; c; c = c->next)
		if (c->string && (!strcmp(c->string, "v") || !strcmp(c->string, "seq") ||
		                  !strcmp(c->string, "type")))
			return error_set(e, "cannot send to '%s': field '%s' is reserved", w->name,
			                 c->string);
	if (ipc_check(type, fields, e) < 0)
		return error_prefix(e, "cannot send to '%s'", w->name);

	lead = w->terminate ? 1 : 0;
	if (lead)
		buf_addch(&line, '\n');
	buf_addf(&line, "{\"v\":%d,\"seq\":%" PRIu64 ",\"type\":\"%s\"", IPC_VERSION, w->seq + 1,
	         name);
	if (fields->child) {
		body = cJSON_PrintUnformatted(fields);
		if (!body) {
			error_set(e, "cannot send to '%s': cannot encode the '%s' record", w->name,
			          name);
			goto out;
		}
		/* body is "{...}": its fields go after the envelope's */
		if (buf_addch(&line, ',') < 0 || buf_adds(&line, body + 1) < 0)
			goto too_long;
	} else if (buf_addch(&line, '}') < 0) {
		goto too_long;
	}
	if (buf_addch(&line, '\n') < 0 || line.len - lead > IPC_MAX_LINE)
		goto too_long;

	done = write_all(w->fd, line.ptr, line.len);
	if (done < line.len) {
		error_errno(e, "cannot write to '%s'", w->name);
		if (done > lead)
			w->terminate =
			        1; /* a fragment is left: the next record starts a new line */
		else if (done == lead)
			w->terminate = 0;
		goto out;
	}
	w->seq++;
	w->terminate = 0;
	r = 0;
	goto out;
too_long:
	error_set(e, "cannot send to '%s': the '%s' record is longer than %zu bytes", w->name, name,
	          IPC_MAX_LINE);
out:
	free(body);
	buf_release(&line);
	return r;
}

/* --- reader ------------------------------------------------------------- */

static int reader_setup(struct chan_reader *r, int fd, const char *name, struct error *e)
{
	struct stat st;

	r->fd = fd;
	r->name = xstrdup(name);
	r->offset = 0;
	buf_init(&r->line, 0);
	r->skipping = 0;
	r->seq = 0;
	r->discard_at = 0;
	r->max_line = IPC_MAX_LINE;
	r->chunk = xmalloc(CHUNK);
	if (fstat(fd, &st) < 0) {
		error_errno(e, "cannot stat '%s'", name);
		chan_reader_close(r);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		error_set(e, "channel '%s' is not a regular file", name);
		chan_reader_close(r);
		return -1;
	}
	return 0;
}

int chan_reader_open(struct chan_reader *r, const char *path, struct error *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0) {
		r->fd = -1;
		r->name = NULL;
		r->chunk = NULL;
		buf_init(&r->line, 0);
		return error_errno(e, "cannot open '%s'", path);
	}
	return reader_setup(r, fd, path, e);
}

int chan_reader_fd(struct chan_reader *r, int fd, const char *name, struct error *e)
{
	return reader_setup(r, fd, name, e);
}

void chan_reader_close(struct chan_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	free(r->name);
	r->name = NULL;
	free(r->chunk);
	r->chunk = NULL;
	buf_release(&r->line);
}

int chan_reader_skip_to_end(struct chan_reader *r, struct error *e)
{
	uint64_t seq, complete, size;

	if (tail_scan(r->fd, r->name, &seq, &complete, &size, e) < 0)
		return -1;
	r->offset = complete;
	r->seq = seq;
	r->skipping = 0;
	r->discard_at = 0;
	buf_reset(&r->line);
	return 0;
}

/* Empties the unfinished line, giving back what a big one took. */
static void clear_line(struct chan_reader *r)
{
	if (r->line.cap > CHUNK)
		buf_release(&r->line);
	buf_reset(&r->line);
}

/* Forgets the unfinished line, over-long or not, and any pending discard. */
static void drop_partial(struct chan_reader *r)
{
	clear_line(r);
	r->skipping = 0;
	r->discard_at = 0;
}

int chan_reader_discard_partial(struct chan_reader *r, struct error *e)
{
	struct stat st;

	if (fstat(r->fd, &st) < 0)
		return error_errno(e, "cannot stat '%s'", r->name);
	if ((uint64_t)st.st_size <= r->offset)
		drop_partial(r);
	else
		r->discard_at = (uint64_t)st.st_size;
	return 0;
}

/* Calls fn with a report; its return value. */
static int report(struct chan_reader *r, struct chan_msg *m, enum chan_status st, struct error *why,
                  chan_fn fn, void *ctx)
{
	error_prefix(why, "'%s' at byte %" PRIu64, r->name, m->offset);
	m->status = st;
	m->problem = why->msg;
	return fn(ctx, m);
}

/* One complete line (without its '\n') starting at offset. Returns fn's verdict. */
static int handle_line(struct chan_reader *r, const char *p, size_t n, uint64_t offset, chan_fn fn,
                       void *ctx)
{
	struct chan_msg m = { CHAN_RECORD, -1, NULL, 0, 0, offset, NULL };
	struct error why = ERROR_INIT;
	enum chan_status st;
	cJSON *rec;
	int stop;

	if (!n)
		return 0; /* only ever the '\n' a writer puts after a dead writer's fragment */
	st = parse_line(p, n, &rec, &m.type, &m.seq, &why);
	m.rec = rec;
	m.last = r->seq;
	if (st != CHAN_RECORD) {
		stop = report(r, &m, st, &why, fn, ctx);
	} else if (m.seq <= r->seq) {
		error_set(&why, "seq %" PRIu64 " after %" PRIu64 ": duplicate dropped", m.seq,
		          r->seq);
		stop = report(r, &m, CHAN_DUPLICATE, &why, fn, ctx);
	} else {
		stop = 0;
		if (m.seq != r->seq + 1) {
			error_set(&why, "seq %" PRIu64 " after %" PRIu64 ": %" PRIu64 " missing",
			          m.seq, r->seq, m.seq - r->seq - 1);
			stop = report(r, &m, CHAN_GAP, &why, fn, ctx);
		}
		r->seq = m.seq;
		m.status = CHAN_RECORD;
		m.problem = NULL;
		if (!stop)
			stop = fn(ctx, &m);
	}
	cJSON_Delete(rec);
	return stop;
}

static int too_long(struct chan_reader *r, uint64_t offset, chan_fn fn, void *ctx)
{
	struct chan_msg m = { CHAN_TOO_LONG, -1, NULL, 0, r->seq, offset, NULL };
	struct error why = ERROR_INIT;

	error_set(&why, "line longer than %zu bytes: skipped", r->max_line);
	clear_line(r);
	r->skipping = 1;
	return report(r, &m, CHAN_TOO_LONG, &why, fn, ctx);
}

/* Takes n bytes read at r->offset. Returns 1 when fn asked to stop (offset is then after the line). */
static int feed(struct chan_reader *r, const char *p, size_t n, chan_fn fn, void *ctx)
{
	const char *s = p, *end = p + n;
	uint64_t base = r->offset;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t piece = (size_t)((nl ? nl : end) - s);
		uint64_t start = base + (uint64_t)(s - p) - r->line.len;
		int stop = 0;

		if (!nl) {
			if (!r->skipping && r->line.len + piece >= r->max_line)
				stop = too_long(r, start, fn, ctx);
			else if (!r->skipping)
				buf_add(&r->line, s, piece);
			r->offset = base + n;
			return stop ? 1 : 0;
		}
		if (r->skipping) {
			r->skipping = 0;
		} else if (r->line.len + piece >= r->max_line) {
			stop = too_long(r, start, fn, ctx);
			r->skipping = 0;
		} else if (r->line.len) {
			buf_add(&r->line, s, piece);
			stop = handle_line(r, r->line.ptr, r->line.len, start, fn, ctx);
			clear_line(r);
		} else {
			stop = handle_line(r, s, piece, start, fn, ctx);
		}
		s = nl + 1;
		if (stop) {
			r->offset = base + (uint64_t)(s - p);
			return 1;
		}
	}
	r->offset = base + n;
	return 0;
}

int chan_read(struct chan_reader *r, chan_fn fn, void *ctx, struct error *e)
{
	for (;;) {
		size_t want = CHUNK;
		ssize_t n;

		if (r->discard_at) {
			if (r->offset >= r->discard_at) {
				drop_partial(r);
				continue;
			}
			if (r->discard_at - r->offset < want)
				want = (size_t)(r->discard_at - r->offset);
		}
		n = pread(r->fd, r->chunk, want, (off_t)r->offset);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return error_errno(e, "cannot read '%s'", r->name);
		}
		if (n == 0)
			return 0;
		if (feed(r, r->chunk, (size_t)n, fn, ctx))
			return 1;
	}
}

/* --- waiting ------------------------------------------------------------ */

void chan_waiter_init(struct chan_waiter *w)
{
	const char *off = getenv("IPC_NO_INOTIFY");

	memset(w, 0, sizeof(*w));
	w->ifd = -1;
	w->poll_ms = CHAN_POLL_MS;
	if (!off || !*off)
		w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
}

static struct chan_watch *new_watch(struct chan_waiter *w)
{
	struct chan_watch *x;

	XGROW(w->watch, w->capwatch, w->nwatch + 1);
	x = &w->watch[w->nwatch++];
	memset(x, 0, sizeof(*x));
	x->fd = -1;
	x->wd = -1;
	return x;
}

int chan_waiter_add_file(struct chan_waiter *w, const char *path, struct error *e)
{
	struct chan_watch *x;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		return error_errno(e, "cannot watch '%s'", path);
	if (fstat(fd, &st) < 0) {
		error_errno(e, "cannot watch '%s'", path);
		close(fd);
		return -1;
	}
	x = new_watch(w);
	x->fd = fd;
	x->is_file = 1;
	x->size = (uint64_t)st.st_size;
	/* a file inotify cannot watch (its watch limit reached) is checked by size instead */
	if (w->ifd >= 0)
		x->wd = inotify_add_watch(w->ifd, path, IN_MODIFY | IN_CLOSE_WRITE);
	return (int)(w->nwatch - 1);
}

int chan_waiter_add_fd(struct chan_waiter *w, int fd, short events)
{
	struct chan_watch *x = new_watch(w);

	x->fd = fd;
	x->events = events;
	return (int)(w->nwatch - 1);
}

void chan_waiter_set_fd(struct chan_waiter *w, int id, int fd)
{
	struct chan_watch *x;

	if (id < 0 || (size_t)id >= w->nwatch || w->watch[id].is_file)
		return;
	x = &w->watch[id];
	x->fd = fd;
	x->ready = 0;
	x->revents = 0;
}

int chan_waiter_ready(const struct chan_waiter *w, int id)
{
	return id >= 0 && (size_t)id < w->nwatch && w->watch[id].ready;
}

/* Reads every queued inotify event, marking the files they name. Returns -1 on a read error. */
static int drain_inotify(struct chan_waiter *w, struct error *e)
{
	_Alignas(struct inotify_event) char ev[4096];
	size_t i;

	for (;;) {
		ssize_t n = read(w->ifd, ev, sizeof(ev));
		const char *p;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return error_errno(e, "cannot read inotify events");
		for (p = ev; p < ev + n;) {
			const struct inotify_event *ie =
			        (const struct inotify_event *)(const void *)p;
			for (i = 0; i < w->nwatch; i++) {
				struct chan_watch *x = &w->watch[i];
				if (!x->is_file)
					continue;
				if ((ie->mask & IN_Q_OVERFLOW) || x->wd == ie->wd)
					x->ready = 1;
				if (x->wd == ie->wd && (ie->mask & IN_IGNORED))
					x->wd = -1; /* the watch is gone: fall back to the size */
			}
			p += sizeof(*ie) + ie->len;
		}
	}
}

int chan_wait(struct chan_waiter *w, int timeout_ms, struct error *e)
{
	uint64_t deadline = fs_now_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000u;
	size_t i;

	for (i = 0; i < w->nwatch; i++) {
		w->watch[i].ready = 0;
		w->watch[i].revents = 0;
	}
	XGROW(w->pfd, w->cappfd, w->nwatch + 1);
	for (;;) {
		int nready = 0, by_size = 0, slice, n;
		size_t np = 0, inotify_at = (size_t)-1;
		struct stat st;
		uint64_t now;

		for (i = 0; i < w->nwatch; i++) {
			struct chan_watch *x = &w->watch[i];
			if (!x->is_file || x->wd >= 0)
				continue;
			by_size = 1;
			if (fstat(x->fd, &st) == 0 && (uint64_t)st.st_size != x->size) {
				x->size = (uint64_t)st.st_size;
				x->ready = 1;
			}
		}
		for (i = 0; i < w->nwatch; i++) {
			if (w->watch[i].is_file)
				continue;
			w->pfd[np].fd = w->watch[i].fd;
			w->pfd[np].events = w->watch[i].events;
			w->pfd[np++].revents = 0;
		}
		if (w->ifd >= 0) {
			inotify_at = np;
			w->pfd[np].fd = w->ifd;
			w->pfd[np].events = POLLIN;
			w->pfd[np++].revents = 0;
		}
		for (i = 0; i < w->nwatch; i++)
			nready += w->watch[i].ready;

		now = fs_now_ns();
		if (nready || timeout_ms == 0)
			slice = 0;
		else if (timeout_ms < 0)
			slice = -1;
		else
			slice = now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
		if (by_size && (slice < 0 || slice > w->poll_ms))
			slice = w->poll_ms;

		n = poll(w->pfd, (nfds_t)np, slice);
		if (n < 0) {
			if (errno == EINTR)
				return 0;
			return error_errno(e, "cannot wait for the channels");
		}
		np = 0;
		for (i = 0; i < w->nwatch; i++) {
			if (w->watch[i].is_file)
				continue;
			w->watch[i].revents = w->pfd[np++].revents;
			if (w->watch[i].revents)
				w->watch[i].ready = 1;
		}
		if (inotify_at != (size_t)-1 && w->pfd[inotify_at].revents &&
		    drain_inotify(w, e) < 0)
			return -1;

		nready = 0;
		for (i = 0; i < w->nwatch; i++)
			nready += w->watch[i].ready;
		if (nready)
			return nready;
		if (timeout_ms >= 0 && fs_now_ns() >= deadline)
			return 0;
	}
}

void chan_waiter_release(struct chan_waiter *w)
{
	size_t i;

	for (i = 0; i < w->nwatch; i++)
		if (w->watch[i].is_file && w->watch[i].fd >= 0)
			close(w->watch[i].fd);
	if (w->ifd >= 0)
		close(w->ifd);
	free(w->watch);
	free(w->pfd);
	memset(w, 0, sizeof(*w));
	w->ifd = -1;
}
