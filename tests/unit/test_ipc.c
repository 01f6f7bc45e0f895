/* test_ipc.c - ipc/: the schema, channel files between real processes, waking, sessions. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "core/buf.h"
#include "core/fs.h"
#include "ipc/chan.h"
#include "ipc/proto.h"
#include "ipc/session.h"

static char tmp[] = "/tmp/loom-test-ipc-XXXXXX";

static char *tpath(const char *name)
{
	return xasprintf("%s/%s", tmp, name);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void write_raw(const char *path, const char *s, size_t n)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, s, n) == (ssize_t)n);
	close(fd);
}

static void touch(const char *path)
{
	write_raw(path, "", 0);
}

/* Exit status of a child: 0 on success, else what went wrong, for CHECK_INT. */
static int reap(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* Blocks until the child writes a byte on the pipe (or dies). Returns the byte read. */
static int wait_signal(int fd)
{
	char c = 0;
	ssize_t n;
	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 ? c : -1;
}

static void signal_parent(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		_exit(99);
}

/* A token record's text for seq: lengths vary, a few are 200 KB, with escapes and UTF-8. */
static void text_for(uint64_t seq, struct buf *b)
{
	static const char *const units[] = { "a",  "b",        "\"",           "\\",
		                             "\n", "\xc3\xa9", "\xe6\x97\xa5", "x",
		                             "\t", "z" };
	size_t i, len = seq % 97 == 0 ? 200000 : (size_t)((seq * 7919) % 3000);

	buf_reset(b);
	buf_addf(b, "%" PRIu64 ":", seq);
	for (i = 0; i < len; i++)
		buf_adds(b, units[(seq + i) % 10]);
}

static cJSON *token(const char *id, const char *text)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "text", text);
	return o;
}

static int send_token(struct chan_writer *w, const char *id, const char *text, struct error *e)
{
	cJSON *o = token(id, text);
	int r = chan_send(w, IPC_TOKEN, o, e);
	cJSON_Delete(o);
	return r;
}

/* What a reader delivered. */
struct got {
	int n[CHAN_BAD_RECORD + 1]; /* messages per status */
	struct buf log;             /* "R1 R2 gap R5 dup ..." */
	char problem[512];          /* the last report's problem */
	uint64_t nrec, last_seq;    /* records, and the last one's seq */
	int check_text;             /* compare each token's text with text_for(seq) */
	int bad_text;               /* records whose text was wrong */
	int out_of_order;           /* records whose seq was not last_seq + 1 */
	int stop_after;             /* when non-zero: ask to stop after this many records */
	uint64_t stamp;             /* the last token's text as a number */
	struct buf scratch;
};

#define GOT_INIT(check)                                                                            \
	{                                                                                          \
		{ 0 }, BUF_INIT, "", 0, 0, (check), 0, 0, 0, 0, BUF_INIT                           \
	}

static int collect(void *ctx, const struct chan_msg *m)
{
	static const char *const names[] = {
		[CHAN_RECORD] = "R",      [CHAN_GAP] = "gap",
		[CHAN_DUPLICATE] = "dup", [CHAN_BAD_VERSION] = "version",
		[CHAN_TOO_LONG] = "long", [CHAN_BAD_RECORD] = "bad"
	};
	struct got *g = ctx;

	g->n[m->status]++;
	if (g->log.len < 4096) {
		buf_addf(&g->log, "%s%s", g->log.len ? " " : "", names[m->status]);
		if (m->status == CHAN_RECORD)
			buf_addf(&g->log, "%" PRIu64, m->seq);
	}
	if (m->status != CHAN_RECORD) {
		CHECK(m->problem != NULL);
		snprintf(g->problem, sizeof(g->problem), "%s", m->problem ? m->problem : "");
		return 0;
	}
	CHECK(m->problem == NULL);
	CHECK(m->rec != NULL);
	if (m->seq != g->last_seq + 1)
		g->out_of_order++;
	g->last_seq = m->seq;
	g->nrec++;
	if (m->type == IPC_TOKEN) {
		const char *text = cJSON_GetObjectItem(m->rec, "text")->valuestring;
		if (g->check_text) {
			text_for(m->seq, &g->scratch);
			if (strcmp(text, g->scratch.ptr))
				g->bad_text++;
		}
		g->stamp = strtoull(text, NULL, 10);
	}
	return g->stop_after && g->nrec % (uint64_t)g->stop_after == 0;
}

static void got_release(struct got *g)
{
	buf_release(&g->log);
	buf_release(&g->scratch);
}

static void test_proto(void)
{
	struct error e = ERROR_INIT;
	cJSON *o;
	int t;

	for (t = 0; t < IPC_TYPE_COUNT; t++)
		CHECK_INT(ipc_type_parse(ipc_type_name((enum ipc_type)t)), t);
	CHECK_STR(ipc_type_name(IPC_HEARTBEAT), "heartbeat");
	CHECK(ipc_type_name((enum ipc_type)IPC_TYPE_COUNT) == NULL);
	CHECK_INT(ipc_type_parse("Request"), -1);
	CHECK_INT(ipc_schema[IPC_REQUEST].dir, IPC_INBOX);
	CHECK_INT(ipc_schema[IPC_HELLO].dir, IPC_OUTBOX);

	o = cJSON_Parse("{\"id\":\"r1\",\"kind\":\"plan\",\"payload\":{}}");
	CHECK_INT(ipc_check(IPC_REQUEST, o, &e), 0);
	cJSON_DeleteItemFromObject(o, "payload");
	CHECK_INT(ipc_check(IPC_REQUEST, o, &e), -1);
	CHECK_STR(e.msg, "'payload' missing in a 'request' record");
	cJSON_AddStringToObject(o, "payload", "x");
	CHECK_INT(ipc_check(IPC_REQUEST, o, &e), -1);
	CHECK_STR(e.msg, "'payload' must be an object in a 'request' record");
	cJSON_Delete(o);
	o = cJSON_Parse("{\"pid\":12.5,\"role\":\"coder\",\"protocol\":1}");
	CHECK_INT(ipc_check(IPC_HELLO, o, &e), -1);
	CHECK_STR(e.msg, "'pid' must be an integer in a 'hello' record");
	cJSON_Delete(o);
	o = cJSON_Parse("{\"id\":\"a\",\"id\":\"b\"}");
	CHECK_INT(ipc_check(IPC_CANCEL, o, &e), -1);
	CHECK_STR(e.msg, "field 'id' twice in a 'cancel' record");
	cJSON_Delete(o);
	o = cJSON_Parse("{\"v\":2,\"seq\":3,\"type\":\"heartbeat\",\"extra\":true}");
	CHECK_INT(ipc_check(IPC_HEARTBEAT, o, &e), -1);
	CHECK_STR(e.msg, "unknown field 'extra' in a 'heartbeat' record");
	cJSON_Delete(o);
}

/*
 * docs/PROTOCOL.md's example lines are exactly what chan_send writes for their
 * fields, they read back as records, and every type has one.
 */
static void test_doc_examples(void)
{
	static const char suffix[] = "tests/unit/test_ipc.c";
	struct chan_writer w[2] = { CHAN_WRITER_INIT, CHAN_WRITER_INIT };
	struct buf doc = BUF_INIT, want[2] = { BUF_INIT, BUF_INIT }, got = BUF_INIT;
	struct error e = ERROR_INIT;
	size_t flen = strlen(__FILE__);
	char *docpath, *line, *files[2] = { tpath("doc.in.jsonl"), tpath("doc.out.jsonl") };
	int seen[IPC_TYPE_COUNT] = { 0 }, t, d;

	CHECK(flen > strlen(suffix) && !strcmp(__FILE__ + flen - strlen(suffix), suffix));
	docpath = xasprintf("%.*sdocs/PROTOCOL.md", (int)(flen - strlen(suffix)), __FILE__);
	CHECK_INT(fs_read_file(docpath, 0, &doc, &e), 0);
	for (d = 0; d < 2; d++)
		CHECK_INT(chan_writer_open(&w[d], files[d], &e), 0);
	for (line = strtok(doc.ptr, "\n"); line; line = strtok(NULL, "\n")) {
		cJSON *o;
		const char *type;
		if (strncmp(line, "{\"v\":", 5))
			continue;
		o = cJSON_Parse(line);
		type = cJSON_GetStringValue(cJSON_GetObjectItem(o, "type"));
		t = type ? ipc_type_parse(type) : -1;
		CHECK(t >= 0);
		if (t < 0) {
			cJSON_Delete(o);
			continue;
		}
		seen[t]++;
		d = ipc_schema[t].dir;
		buf_addf(&want[d], "%s\n", line);
		cJSON_DeleteItemFromObject(o, "v");
		cJSON_DeleteItemFromObject(o, "seq");
		cJSON_DeleteItemFromObject(o, "type");
		CHECK_INT(chan_send(&w[d], (enum ipc_type)t, o, &e), 0);
		cJSON_Delete(o);
	}
	for (t = 0; t < IPC_TYPE_COUNT; t++)
		CHECK(seen[t] >= 1);
	for (d = 0; d < 2; d++) {
		struct chan_reader r = CHAN_READER_INIT;
		struct got g = GOT_INIT(0);
		chan_writer_close(&w[d]);
		buf_reset(&got);
		CHECK_INT(fs_read_file(files[d], 0, &got, &e), 0);
		CHECK_STR(got.ptr, want[d].ptr);
		CHECK_INT(chan_reader_open(&r, files[d], &e), 0);
		CHECK_INT(chan_read(&r, collect, &g, &e), 0);
		CHECK_STR(g.log.ptr, d == IPC_INBOX ? "R1 R2 R3" : "R1 R2 R3 R4 R5 R6");
		chan_reader_close(&r);
		got_release(&g);
		buf_release(&want[d]);
		free(files[d]);
	}
	buf_release(&got);
	buf_release(&doc);
	free(docpath);
}

/* chan_send's exact lines, its refusals, and numbering across reopening. */
static void test_writer(void)
{
	struct chan_writer w = CHAN_WRITER_INIT;
	struct error e = ERROR_INIT;
	struct buf b = BUF_INIT;
	char *path = tpath("writer.jsonl");
	cJSON *o;
	int fd;

	CHECK_INT(chan_writer_open(&w, path, &e), 0);
	CHECK_INT(w.seq, 0);
	o = cJSON_Parse("{\"id\":\"r1\",\"kind\":\"plan\",\"payload\":{\"task\":\"a \\\"b\\\"\"}}");
	CHECK_INT(chan_send(&w, IPC_REQUEST, o, &e), 0);
	cJSON_Delete(o);
	CHECK_INT(chan_send(&w, IPC_HEARTBEAT, NULL, &e), 0);
	CHECK_INT(fs_read_file(path, 0, &b, &e), 0);
	CHECK_STR(b.ptr, "{\"v\":2,\"seq\":1,\"type\":\"request\",\"id\":\"r1\",\"kind\":\"plan\","
	                 "\"payload\":{\"task\":\"a \\\"b\\\"\"}}\n"
	                 "{\"v\":2,\"seq\":2,\"type\":\"heartbeat\"}\n");

	/* refused: nothing written, seq unchanged */
	o = cJSON_Parse("{\"seq\":9,\"id\":\"r1\"}");
	CHECK_INT(chan_send(&w, IPC_CANCEL, o, &e), -1);
	CHECK(strstr(e.msg, "field 'seq' is reserved") != NULL);
	cJSON_Delete(o);
	CHECK_INT(chan_send(&w, IPC_CANCEL, NULL, &e), -1);
	CHECK(strstr(e.msg, "cannot send to '") &&
	      strstr(e.msg, "': 'id' missing in a 'cancel' record"));
	CHECK_INT(chan_send(&w, (enum ipc_type)42, NULL, &e), -1);
	CHECK_INT(w.seq, 2);
	CHECK_INT(file_size(path), b.len);
	chan_writer_close(&w);

	/* reopening continues the numbering */
	CHECK_INT(chan_writer_open(&w, path, &e), 0);
	CHECK_INT(w.seq, 2);
	CHECK_INT(w.terminate, 0);
	CHECK_INT(send_token(&w, "r1", "hi", &e), 0);
	chan_writer_close(&w);

	/* from a descriptor: must be readable, gets O_APPEND */
	fd = open(path, O_WRONLY | O_CLOEXEC);
	CHECK_INT(chan_writer_fd(&w, fd, "writer.jsonl", &e), -1);
	CHECK_STR(e.msg, "channel 'writer.jsonl' must be open for reading and writing");
	fd = open(path, O_RDWR | O_CLOEXEC);
	CHECK_INT(chan_writer_fd(&w, fd, "writer.jsonl", &e), 0);
	CHECK(fcntl(w.fd, F_GETFL) & O_APPEND);
	CHECK_INT(w.seq, 3);
	CHECK_INT(send_token(&w, "r1", "there", &e), 0);
	chan_writer_close(&w);
	buf_reset(&b);
	fs_read_file(path, 0, &b, &e);
	CHECK(strstr(b.ptr, "\n{\"v\":2,\"seq\":4,\"type\":\"token\",\"id\":\"r1\",\"text\":"
	                    "\"there\"}\n") != NULL);
	CHECK(strstr(b.ptr,
	             "\n{\"v\":2,\"seq\":3,\"type\":\"token\",\"id\":\"r1\",\"text\":\"hi\"}\n") !=
	      NULL);

	CHECK_INT(chan_writer_open(&w, tmp, &e), -1); /* a directory */
	buf_release(&b);
	free(path);
}

/* The limit: a line of exactly IPC_MAX_LINE bytes passes both ways, one byte more does not. */
static void test_limits(void)
{
	struct chan_writer w = CHAN_WRITER_INIT;
	struct chan_reader r = CHAN_READER_INIT;
	struct error e = ERROR_INIT;
	struct got g = GOT_INIT(0);
	char *path = tpath("limits.jsonl"), *text;
	const char *head = "{\"v\":2,\"seq\":1,\"type\":\"token\",\"id\":\"t\",\"text\":\"";
	size_t room = IPC_MAX_LINE - strlen(head) - strlen("\"}\n"), before;
	struct buf line = BUF_INIT;

	CHECK_INT(chan_writer_open(&w, path, &e), 0);
	text = xmalloc(room + 2);
	memset(text, 'x', room + 1);
	text[room + 1] = '\0';
	CHECK_INT(send_token(&w, "t", text, &e), -1);
	CHECK(strstr(e.msg, "the 'token' record is longer than 8388608 bytes") != NULL);
	CHECK_INT(file_size(path), 0);
	text[room] = '\0';
	CHECK_INT(send_token(&w, "t", text, &e), 0);
	CHECK_INT(file_size(path), IPC_MAX_LINE);

	/* an over-long line written behind chan_send's back, then a good one */
	buf_adds(&line, "{\"v\":2,\"seq\":2,\"type\":\"token\",\"id\":\"t\",\"text\":\"");
	buf_adds(&line, text);
	buf_adds(&line, "yy\"}\n");
	write_raw(path, line.ptr, line.len);
	before = file_size(path);
	CHECK_INT(send_token(&w, "t", "after", &e), 0);
	CHECK_INT(w.seq, 2);
	chan_writer_close(&w);

	CHECK_INT(chan_reader_open(&r, path, &e), 0);
	CHECK_INT(chan_read(&r, collect, &g, &e), 0);
	CHECK_STR(g.log.ptr, "R1 long R2");
	CHECK_INT(g.n[CHAN_TOO_LONG], 1);
	CHECK(strstr(g.problem, "limits.jsonl' at byte 8388608: line longer than 8388608 bytes: "
	                        "skipped") != NULL);
	CHECK_INT(r.offset, before + strlen("{\"v\":2,\"seq\":2,\"type\":\"token\",\"id\":\"t\","
	                                    "\"text\":\"after\"}\n"));
	CHECK_INT(r.line.cap, 0); /* the big lines' memory was given back */
	chan_reader_close(&r);

	/* a small limit: max_line - 1 bytes of content pass, max_line do not */
	buf_reset(&line);
	buf_reset(&g.log);
	CHECK_INT(chan_reader_open(&r, path, &e), 0);
	r.max_line = 40;
	r.offset = file_size(path);
	r.seq = 2;
	write_raw(path, "{\"v\":2,\"seq\":3,\"type\":\"heartbeat\"     }\n", 40);  /* 39 + '\n' */
	write_raw(path, "{\"v\":2,\"seq\":4,\"type\":\"heartbeat\"      }\n", 41); /* 40 + '\n' */
	write_raw(path, "{\"v\":2,\"seq\":4,\"type\":\"heartbeat\"}\n", 35);
	CHECK_INT(chan_read(&r, collect, &g, &e), 0);
	CHECK_STR(g.log.ptr, "R3 long R4");
	chan_reader_close(&r);

	got_release(&g);
	buf_release(&line);
	free(text);
	free(path);
}

/* Bad lines are reported with their offset and dropped; the good ones around them still come. */
static void test_bad_lines(void)
{
	static const struct {
		const char *line, *log, *problem;
	} cases[] = {
		{ "not json", "bad", "not JSON" },
		{ "[1,2]", "bad", "not a JSON object" },
		{ "{\"v\":2,\"seq\":1,\"type\":\"heartbeat\"} x", "bad",
		  "bytes after the JSON value" },
		{ "{\"seq\":1,\"type\":\"heartbeat\"}", "bad", "'v' missing or not a number" },
		{ "{\"v\":3,\"seq\":1,\"type\":\"heartbeat\"}", "version",
		  "protocol version 3, expected 2" },
		{ "{\"v\":2,\"seq\":0,\"type\":\"heartbeat\"}", "bad",
		  "'seq' missing or not a positive integer" },
		{ "{\"v\":2,\"seq\":1.5,\"type\":\"heartbeat\"}", "bad",
		  "'seq' missing or not a positive integer" },
		{ "{\"v\":2,\"seq\":1,\"type\":\"bogus\"}", "bad", "unknown record type 'bogus'" },
		{ "{\"v\":2,\"seq\":1,\"type\":\"cancel\"}", "bad",
		  "'id' missing in a 'cancel' record" },
		{ "", "", "" },
	};
	struct error e = ERROR_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct chan_reader r = CHAN_READER_INIT;
		struct got g = GOT_INIT(0);
		char *path = tpath("bad.jsonl"), *want;

		unlink(path);
		write_raw(path, "{\"v\":2,\"seq\":1,\"type\":\"heartbeat\"}\n", 35);
		write_raw(path, cases[i].line, strlen(cases[i].line));
		write_raw(path, "\n{\"v\":2,\"seq\":2,\"type\":\"heartbeat\"}\n", 36);
		CHECK_INT(chan_reader_open(&r, path, &e), 0);
		CHECK_INT(chan_read(&r, collect, &g, &e), 0);
		want = xasprintf("R1%s%s R2", *cases[i].log ? " " : "", cases[i].log);
		CHECK_STR(g.log.ptr, want);
		free(want);
		if (*cases[i].problem) {
			want = xasprintf("'%s' at byte 35: %s", path, cases[i].problem);
			CHECK_STR(g.problem, want);
			free(want);
		}
		chan_reader_close(&r);
		got_release(&g);
		free(path);
	}
}

/* Gaps are reported and the record delivered; duplicates reported and dropped. */
static void test_seq(void)
{
	struct chan_writer w = CHAN_WRITER_INIT;
	struct chan_reader r = CHAN_READER_INIT;
	struct error e = ERROR_INIT;
	struct got g = GOT_INIT(0);
	char *path = tpath("seq.jsonl");

	CHECK_INT(chan_writer_open(&w, path, &e), 0);
	CHECK_INT(chan_reader_open(&r, path, &e), 0);
	chan_send(&w, IPC_HEARTBEAT, NULL, &e);
	chan_send(&w, IPC_HEARTBEAT, NULL, &e);
	w.seq = 4;
	chan_send(&w, IPC_HEARTBEAT, NULL, &e);
	CHECK_INT(chan_read(&r, collect, &g, &e), 0);
	CHECK_STR(g.log.ptr, "R1 R2 gap R5");
	CHECK(strstr(g.problem, "seq 5 after 2: 2 missing") != NULL);
	w.seq = 2;
	chan_send(&w, IPC_HEARTBEAT, NULL, &e);
	w.seq = 5;
	chan_send(&w, IPC_HEARTBEAT, NULL, &e);
	CHECK_INT(chan_read(&r, collect, &g, &e), 0);
	CHECK_STR(g.log.ptr, "R1 R2 gap R5 dup R6");
	CHECK(strstr(g.problem, "seq 3 after 5: duplicate dropped") != NULL);
	CHECK_INT(r.seq, 6);

	/* a callback that stops: the rest comes on the next call */
	buf_reset(&g.log);
	g.stop_after = 1;
	chan_send(&w, IPC_HEARTBEAT, NULL, &e);
	chan_send(&w, IPC_HEARTBEAT, NULL, &e);
	CHECK_INT(chan_read(&r, collect, &g, &e), 1);
	CHECK_STR(g.log.ptr, "R7");
	CHECK_INT(chan_read(&r, collect, &g, &e), 1);
	CHECK_INT(chan_read(&r, collect, &g, &e), 0);
	CHECK_STR(g.log.ptr, "R7 R8");

	/* skip_to_end: only what comes next, numbering checked from the last record */
	chan_reader_close(&r);
	CHECK_INT(chan_reader_open(&r, path, &e), 0);
	write_raw(path, "{\"v\":2,\"seq\":9,\"ty", 18);
	CHECK_INT(chan_reader_skip_to_end(&r, &e), 0);
	CHECK_INT(r.seq, 8);
	CHECK_INT(r.offset, file_size(path) - 18);
	write_raw(path, "pe\":\"heartbeat\"}\n", 17);
	buf_reset(&g.log);
	g.stop_after = 0;
	CHECK_INT(chan_read(&r, collect, &g, &e), 0);
	CHECK_STR(g.log.ptr, "R9");
	chan_reader_close(&r);
	chan_writer_close(&w);
	got_release(&g);
	free(path);
}

/* Many records from a child process, read while they are being written, in any chunking. */
static void test_stream(void)
{
	enum { N = 3000 };
	struct chan_reader r = CHAN_READER_INIT;
	struct chan_waiter wt;
	struct error e = ERROR_INIT;
	struct got g = GOT_INIT(1);
	char *path = tpath("stream.jsonl"), *raw = tpath("dribble.jsonl");
	uint64_t deadline;
	pid_t pid;
	int i;

	touch(path);
	pid = fork();
	if (pid == 0) {
		struct chan_writer w = CHAN_WRITER_INIT;
		struct buf b = BUF_INIT;
		if (chan_writer_open(&w, path, &e) < 0)
			_exit(1);
		srand(7);
		for (i = 1; i <= N; i++) {
			text_for((uint64_t)i, &b);
			if (send_token(&w, "s", b.ptr, &e) < 0)
				_exit(2);
			if (rand() % 50 == 0)
				sleep_ms(rand() % 3);
		}
		_exit(0);
	}
	chan_waiter_init(&wt);
	CHECK_INT(chan_waiter_add_file(&wt, path, &e), 0);
	CHECK_INT(chan_reader_open(&r, path, &e), 0);
	srand(11);
	deadline = fs_now_ns() + 60000000000u;
	while (g.nrec < N && fs_now_ns() < deadline) {
		chan_wait(&wt, 100, &e);
		if (rand() % 3 == 0)
			sleep_ms(rand() % 2);
		CHECK(chan_read(&r, collect, &g, &e) == 0);
	}
	CHECK_INT(reap(pid), 0);
	CHECK_INT(chan_read(&r, collect, &g, &e), 0);
	CHECK_INT(g.nrec, N);
	CHECK_INT(g.n[CHAN_RECORD], N);
	CHECK_INT(g.bad_text, 0);
	CHECK_INT(g.out_of_order, 0);
	CHECK_INT(g.n[CHAN_BAD_RECORD] + g.n[CHAN_GAP] + g.n[CHAN_DUPLICATE], 0);
	CHECK_INT(r.offset, file_size(path));
	chan_reader_close(&r);
	chan_waiter_release(&wt);

	/* a writer that dribbles its lines out a few bytes at a time */
	touch(raw);
	pid = fork();
	if (pid == 0) {
		struct buf b = BUF_INIT, line = BUF_INIT;
		int fd = open(raw, O_WRONLY | O_APPEND | O_CLOEXEC);
		srand(3);
		for (i = 1; i <= 300; i++) {
			cJSON *o;
			char *s;
			size_t off = 0;
			text_for((uint64_t)i, &b);
			o = token("d", b.ptr);
			s = cJSON_PrintUnformatted(o);
			buf_reset(&line);
			buf_addf(&line, "{\"v\":2,\"seq\":%d,\"type\":\"token\",%s\n", i, s + 1);
			while (off < line.len) {
				size_t n = 1 + (size_t)rand() % 700;
				if (n > line.len - off)
					n = line.len - off;
				if (write(fd, line.ptr + off, n) != (ssize_t)n)
					_exit(1);
				off += n;
				if (rand() % 8 == 0)
					sleep_ms(1);
			}
			free(s);
			cJSON_Delete(o);
		}
		_exit(0);
	}
	memset(g.n, 0, sizeof(g.n));
	g.nrec = g.last_seq = 0;
	CHECK_INT(chan_reader_open(&r, raw, &e), 0);
	deadline = fs_now_ns() + 60000000000u;
	while (g.nrec < 300 && fs_now_ns() < deadline) {
		sleep_ms(1);
		CHECK(chan_read(&r, collect, &g, &e) == 0);
	}
	CHECK_INT(reap(pid), 0);
	CHECK_INT(g.nrec, 300);
	CHECK_INT(g.bad_text + g.out_of_order, 0);
	CHECK_INT(g.n[CHAN_BAD_RECORD] + g.n[CHAN_GAP] + g.n[CHAN_TOO_LONG], 0);
	chan_reader_close(&r);
	got_release(&g);
	free(path);
	free(raw);
}

/* A writer killed in the middle of a huge line, then a new one continuing its numbering. */
static void test_killed_writer(void)
{
	struct chan_reader r = CHAN_READER_INIT, r2 = CHAN_READER_INIT;
	struct error e = ERROR_INIT;
	struct got g = GOT_INIT(1);
	struct got g2 = GOT_INIT(1);
	char *path = tpath("killed.jsonl");
	size_t frag = (size_t)3 << 20, big = (size_t)4 << 20;
	size_t line =
	        strlen("{\"v\":2,\"seq\":1,\"type\":\"token\",\"id\":\"w\",\"text\":\"\"}\n") +
	        big - 1;
	uint64_t size;
	int p[2], i, caught = 0;
	pid_t pid;

	CHECK_INT(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		struct chan_writer w = CHAN_WRITER_INIT;
		struct buf b = BUF_INIT;
		close(p[0]);
		if (chan_writer_open(&w, path, &e) < 0)
			_exit(1);
		for (i = 1; i <= 10; i++) {
			text_for((uint64_t)i, &b);
			if (send_token(&w, "k", b.ptr, &e) < 0)
				_exit(2);
		}
		/* the first 3 MiB of record 11, as a write cut short by SIGKILL leaves it */
		buf_reset(&b);
		buf_adds(&b, "{\"v\":2,\"seq\":11,\"type\":\"token\",\"id\":\"k\",\"text\":\"");
		while (b.len < frag)
			buf_addch(&b, 'q');
		if (write(w.fd, b.ptr, b.len) != (ssize_t)b.len)
			_exit(3);
		signal_parent(p[1], 'k');
		pause();
		_exit(4);
	}
	close(p[1]);
	CHECK_INT(wait_signal(p[0]), 'k');
	kill(pid, SIGKILL);
	CHECK_INT(reap(pid), 128 + SIGKILL);
	close(p[0]);

	CHECK_INT(chan_reader_open(&r, path, &e), 0);
	CHECK_INT(chan_read(&r, collect, &g, &e), 0);
	CHECK_INT(g.nrec, 10);
	CHECK_INT(g.n[CHAN_BAD_RECORD] + g.n[CHAN_TOO_LONG], 0);
	CHECK_INT(r.line.len, frag); /* held, not delivered */
	CHECK_INT(chan_read(&r, collect, &g, &e), 0);
	CHECK_INT(g.nrec, 10);
	/* the core knows the worker died: it drops the fragment before restarting it */
	CHECK_INT(chan_reader_discard_partial(&r, &e), 0);

	pid = fork();
	if (pid == 0) {
		struct chan_writer w = CHAN_WRITER_INIT;
		struct buf b = BUF_INIT;
		if (chan_writer_open(&w, path, &e) < 0)
			_exit(1);
		if (w.seq != 10 || !w.terminate)
			_exit(2);
		text_for(11, &b);
		if (send_token(&w, "k", b.ptr, &e) < 0)
			_exit(3);
		_exit(0);
	}
	CHECK_INT(reap(pid), 0);
	buf_reset(&g.log);
	CHECK_INT(chan_read(&r, collect, &g, &e), 0);
	CHECK_STR(g.log.ptr, "R11");
	CHECK_INT(g.nrec, 11);
	CHECK_INT(g.bad_text, 0);
	CHECK_INT(r.line.len, 0);
	CHECK_INT(r.offset, file_size(path));
	chan_reader_close(&r);

	/* a reader that never discarded sees the fragment as one bad line, then record 11 */
	CHECK_INT(chan_reader_open(&r2, path, &e), 0);
	CHECK_INT(chan_read(&r2, collect, &g2, &e), 0);
	CHECK_INT(g2.nrec, 11);
	CHECK_INT(g2.n[CHAN_BAD_RECORD], 1);
	CHECK(strstr(g2.problem, "not JSON") != NULL);
	CHECK_INT(g2.out_of_order + g2.bad_text, 0);
	chan_reader_close(&r2);
	got_release(&g2);

	/* real kills during real 4 MiB writes: complete records only, in order, nothing else */
	for (i = 0; i < 4; i++) {
		struct got gk = GOT_INIT(0);
		char *kp = xasprintf("%s/kill%d.jsonl", tmp, i);

		touch(kp);
		pid = fork();
		if (pid == 0) {
			struct chan_writer w = CHAN_WRITER_INIT;
			char *text = xmalloc(big);
			memset(text, 'w', big - 1);
			text[big - 1] = '\0';
			if (chan_writer_open(&w, kp, &e) < 0)
				_exit(1);
			for (;;)
				if (send_token(&w, "w", text, &e) < 0)
					_exit(2);
		}
		while (file_size(kp) < ((uint64_t)(9 + i) << 20))
			sleep_ms(1);
		kill(pid, SIGKILL);
		CHECK_INT(reap(pid), 128 + SIGKILL);
		CHECK_INT(chan_reader_open(&r, kp, &e), 0);
		CHECK_INT(chan_read(&r, collect, &gk, &e), 0);
		size = file_size(kp);
		CHECK(gk.nrec >= 2);
		CHECK_INT(gk.out_of_order, 0);
		CHECK_INT(gk.n[CHAN_RECORD], (int)gk.nrec);
		CHECK_INT(gk.n[CHAN_BAD_RECORD] + gk.n[CHAN_TOO_LONG], 0);
		CHECK_INT(r.offset, size);
		CHECK_INT(r.line.len, size - gk.nrec * line); /* what follows the last record */
		caught += r.line.len != 0;
		chan_reader_close(&r);
		got_release(&gk);
		free(kp);
	}
	printf("test_ipc: SIGKILL landed inside a write %d time(s) out of 4\n", caught);
	got_release(&g);
	free(path);
}

/* Two processes appending 1000 records each to one file: every line intact. */
static void test_concurrent(void)
{
	enum { N = 1000 };
	struct error e = ERROR_INIT;
	struct buf b = BUF_INIT;
	char *path = tpath("two.jsonl"), *s, *nl;
	int p[2], k, lines = 0, bad = 0, seen[2][N];
	pid_t pid[2];

	touch(path);
	CHECK_INT(pipe(p), 0);
	for (k = 0; k < 2; k++) {
		pid[k] = fork();
		if (pid[k] == 0) {
			struct chan_writer w = CHAN_WRITER_INIT;
			struct buf t = BUF_INIT;
			int i;
			char id[16];
			close(p[1]);
			if (chan_writer_open(&w, path, &e) < 0)
				_exit(1);
			wait_signal(p[0]); /* both start together: EOF when the parent closes */
			for (i = 0; i < N; i++) {
				size_t len = (size_t)(i % 3 == 0 ? 70000 : i % 3 == 1 ? 5000 : 20);
				buf_reset(&t);
				while (t.len < len)
					buf_addch(&t, "ab"[k]);
				snprintf(id, sizeof(id), "%c%d", "ab"[k], i);
				if (send_token(&w, id, t.ptr, &e) < 0)
					_exit(2);
			}
			_exit(0);
		}
	}
	close(p[0]);
	close(p[1]);
	CHECK_INT(reap(pid[0]), 0);
	CHECK_INT(reap(pid[1]), 0);

	memset(seen, 0, sizeof(seen));
	CHECK_INT(fs_read_file(path, 0, &b, &e), 0);
	for (s = b.ptr; (nl = memchr(s, '\n', b.len - (size_t)(s - b.ptr))); s = nl + 1) {
		cJSON *o;
		const cJSON *id, *t;
		/*
		 * A writer that opens while the other is in the middle of a line takes
		 * it for a dead writer's fragment and starts with '\n': an empty line,
		 * which readers skip (chan.c).
		 */
		if (nl == s)
			continue;
		o = cJSON_ParseWithLength(s, (size_t)(nl - s));
		id = cJSON_GetObjectItem(o, "id");
		t = cJSON_GetObjectItem(o, "text");
		lines++;
		if (!cJSON_IsString(id) || !cJSON_IsString(t) ||
		    (id->valuestring[0] != 'a' && id->valuestring[0] != 'b')) {
			bad++;
		} else {
			int w = id->valuestring[0] - 'a', i = atoi(id->valuestring + 1);
			size_t len = (size_t)(i % 3 == 0 ? 70000 : i % 3 == 1 ? 5000 : 20);
			if (i < 0 || i >= N || strlen(t->valuestring) != len ||
			    strspn(t->valuestring, w ? "b" : "a") != len)
				bad++;
			else
				seen[w][i]++;
		}
		cJSON_Delete(o);
	}
	CHECK_INT(lines, 2 * N);
	CHECK_INT(bad, 0);
	CHECK((size_t)(s - b.ptr) == b.len);
	for (k = 0; k < N; k++)
		if (seen[0][k] != 1 || seen[1][k] != 1)
			bad++;
	CHECK_INT(bad, 0);
	buf_release(&b);
	free(path);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Wake-ups: how soon after a write, that sleeping costs no CPU, and extra descriptors. */
static void test_wait_mode(int use_inotify)
{
	enum { SAMPLES = 25 };
	const char *mode = use_inotify ? "inotify" : "poll";
	struct chan_reader r = CHAN_READER_INIT;
	struct chan_writer w = CHAN_WRITER_INIT;
	struct chan_waiter wt;
	struct error e = ERROR_INIT;
	struct got g = GOT_INIT(0);
	char *path = xasprintf("%s/wait-%s.jsonl", tmp, mode), *other = tpath("other.jsonl");
	uint64_t lat[SAMPLES], t0, c0, wall, cpu;
	int p[2], fid, oid, pid_id, n, i;
	pid_t pid;

	if (use_inotify)
		unsetenv("IPC_NO_INOTIFY");
	else
		setenv("IPC_NO_INOTIFY", "1", 1);
	touch(path);
	touch(other);
	CHECK_INT(pipe(p), 0);
	chan_waiter_init(&wt);
	CHECK(use_inotify ? wt.ifd >= 0 : wt.ifd == -1);
	fid = chan_waiter_add_file(&wt, path, &e);
	oid = chan_waiter_add_file(&wt, other, &e);
	pid_id = chan_waiter_add_fd(&wt, p[0], POLLIN);
	CHECK_INT(fid, 0);
	CHECK_INT(oid, 1);
	CHECK_INT(pid_id, 2);
	CHECK_INT(chan_waiter_add_file(&wt, "/nonexistent/x", &e), -1);
	CHECK_INT(chan_reader_open(&r, path, &e), 0);

	/* nothing happens: it sleeps for the whole timeout and burns no CPU */
	t0 = fs_now_ns();
	c0 = cpu_ns();
	CHECK_INT(chan_wait(&wt, 300, &e), 0);
	cpu = cpu_ns() - c0;
	wall = fs_now_ns() - t0;
	CHECK(wall >= 299000000u && wall < 1000000000u);
	CHECK(cpu < 15000000u);
	printf("test_ipc: %s: idle 300 ms wait took %.1f ms, %.2f ms of CPU\n", mode, wall / 1e6,
	       cpu / 1e6);

	/* the extra descriptor (forked before any writer exists, so no close is seen) */
	pid = fork();
	if (pid == 0) {
		sleep_ms(30);
		signal_parent(p[1], 's');
		_exit(0);
	}
	CHECK_INT(chan_wait(&wt, 5000, &e), 1);
	CHECK(chan_waiter_ready(&wt, pid_id) && !chan_waiter_ready(&wt, fid));
	CHECK(wt.watch[pid_id].revents & POLLIN);
	CHECK_INT(wait_signal(p[0]), 's');
	CHECK_INT(reap(pid), 0);

	/* a descriptor watch pointed at none is not polled, and keeps its id for the next */
	chan_waiter_set_fd(&wt, pid_id, -1);
	signal_parent(p[1], 't');
	CHECK_INT(chan_wait(&wt, 0, &e), 0);
	chan_waiter_set_fd(&wt, pid_id, p[0]);
	CHECK_INT(chan_wait(&wt, 1000, &e), 1);
	CHECK(chan_waiter_ready(&wt, pid_id));
	CHECK_INT(wait_signal(p[0]), 't');
	chan_waiter_set_fd(&wt, fid, -1); /* a file's watch is not a descriptor's: ignored */
	chan_waiter_set_fd(&wt, 99, -1);
	CHECK(wt.watch[fid].fd >= 0);

	/* a write between two waits is not lost; only the file written is ready */
	CHECK_INT(chan_writer_open(&w, path, &e), 0);
	chan_send(&w, IPC_HEARTBEAT, NULL, &e);
	CHECK_INT(chan_wait(&wt, 1000, &e), 1);
	CHECK(chan_waiter_ready(&wt, fid) && !chan_waiter_ready(&wt, oid));
	CHECK(!chan_waiter_ready(&wt, pid_id) && !chan_waiter_ready(&wt, 7));
	chan_read(&r, collect, &g, &e);
	CHECK_INT(g.nrec, 1);
	CHECK_INT(chan_wait(&wt, 0, &e), 0);

	/* latency: a child stamps each record with the monotonic clock just before sending */
	pid = fork();
	if (pid == 0) {
		char stamp[32];
		srand(5);
		for (i = 0; i < SAMPLES; i++) {
			sleep_ms(5 + rand() % 15);
			snprintf(stamp, sizeof(stamp), "%" PRIu64, fs_now_ns());
			if (send_token(&w, "l", stamp, &e) < 0)
				_exit(1);
		}
		_exit(0);
	}
	/* a wake-up for something else (a close) can come just before a write: not a sample */
	for (n = 0; g.nrec < 1 + SAMPLES;) {
		uint64_t before = g.nrec, now;
		if (chan_wait(&wt, 5000, &e) <= 0)
			break;
		now = fs_now_ns();
		chan_read(&r, collect, &g, &e);
		if (g.nrec > before && g.stamp && g.stamp <= now)
			lat[n++] = now - g.stamp;
	}
	CHECK_INT(reap(pid), 0);
	CHECK_INT(g.nrec, 1 + SAMPLES);
	CHECK(n >= SAMPLES - 3);
	if (n > 0) {
		qsort(lat, (size_t)n, sizeof(lat[0]), cmp_u64);
		printf("test_ipc: %s: wake latency over %d writes: median %.3f ms, max %.3f ms\n",
		       mode, n, lat[n / 2] / 1e6, lat[n - 1] / 1e6);
		CHECK(lat[n / 2] < 10000000u);
		CHECK(lat[n - 1] < 250000000u);
	}
	CHECK_INT(g.out_of_order, 0);

	chan_writer_close(&w);
	chan_reader_close(&r);
	chan_waiter_release(&wt);
	close(p[0]);
	close(p[1]);
	got_release(&g);
	free(path);
	free(other);
	unsetenv("IPC_NO_INOTIFY");
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static void test_session(void)
{
	struct session s = SESSION_INIT, k = SESSION_INIT;
	struct error e = ERROR_INIT;
	char *base = tpath("base"), *base2 = tpath("base2"), *outside = tpath("outside"), *want;
	char *p, *link, *sub;
	const char *name;
	struct stat st;
	mode_t old;
	pid_t pid;

	CHECK_INT(mkdir(base, 0755), 0);
	CHECK_INT(mkdir(base2, 0755), 0);
	old = umask(0277); /* strips owner bits: the mode must still be 0700 */
	CHECK_INT(session_create(&s, base, &e), 0);
	umask(old);
	CHECK(s.dir && s.lock_fd >= 0);
	want = xasprintf("%s/loom-%u-%ld-", base, (unsigned)getuid(), (long)getpid());
	CHECK(!strncmp(s.dir, want, strlen(want)));
	name = s.dir + strlen(want);
	CHECK(strlen(name) == 8 && strspn(name, "0123456789abcdef") == 8);
	free(want);
	CHECK_INT(lstat(s.dir, &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_INT(st.st_mode & 07777, 0700);

	p = session_path(&s, "coder", SESSION_OUTBOX);
	want = xasprintf("%s/coder.out.jsonl", s.dir);
	CHECK_STR(p, want);
	free(p);
	free(want);
	CHECK(session_path(&s, "../x", SESSION_INBOX) == NULL);
	CHECK(session_path(&s, "session", SESSION_LOCK) == NULL);
	CHECK(session_path(&s, "", SESSION_LOCK) == NULL);
	CHECK_INT(session_add_worker(&s, "Coder", &e), -1);
	CHECK_STR(e.msg, "bad worker role 'Coder'");
	CHECK_INT(session_add_worker(&s, "coder", &e), 0);
	p = session_path(&s, "coder", SESSION_INBOX);
	CHECK_INT(stat(p, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	free(p);

	/* removal: everything inside, a link removed and not followed, nothing outside */
	touch(outside);
	link = xasprintf("%s/link", s.dir);
	sub = xasprintf("%s/sub", s.dir);
	CHECK_INT(symlink(outside, link), 0);
	CHECK_INT(mkdir(sub, 0700), 0);
	free(sub);
	sub = xasprintf("%s/sub/deeper.jsonl", s.dir);
	touch(sub);
	p = xstrdup(s.dir);
	CHECK_INT(session_remove(&s, &e), 0);
	CHECK(!exists(p));
	CHECK(exists(outside));
	CHECK(s.dir == NULL && s.lock_fd == -1);
	CHECK_INT(session_remove(&s, &e), 0);
	free(p);
	free(link);
	free(sub);

	/* kept (by a process now gone): the directory stays, and stale cleaning leaves it */
	pid = fork();
	if (pid == 0) {
		if (session_create(&k, base2, &e) < 0)
			_exit(1);
		k.keep = 1;
		if (session_remove(&k, &e) < 0 || k.dir)
			_exit(2);
		_exit(0);
	}
	CHECK_INT(reap(pid), 0);
	p = xasprintf("%s/loom-%u-%ld-", base2, (unsigned)getuid(), (long)pid);
	CHECK_INT(session_clean_stale(base2, &e), 0);
	{
		struct buf ls = BUF_INIT;
		char *cmd = xasprintf("ls -d %s*/kept", p);
		FILE *f = popen(cmd, "r");
		char got[1024];
		while (f && fgets(got, sizeof(got), f))
			buf_adds(&ls, got);
		CHECK(f && pclose(f) == 0);
		CHECK(!strncmp(ls.ptr, p, strlen(p)));
		buf_release(&ls);
		free(cmd);
	}
	free(p);

	/* where sessions go */
	setenv("XDG_RUNTIME_DIR", base, 1);
	setenv("TMPDIR", base2, 1);
	p = session_base_dir();
	CHECK_STR(p, base);
	free(p);
	CHECK_INT(session_create(&s, NULL, &e), 0);
	CHECK(!strncmp(s.dir, base, strlen(base)) && s.dir[strlen(base)] == '/');
	CHECK_INT(session_remove(&s, &e), 0);
	setenv("XDG_RUNTIME_DIR", "/nonexistent-loom-dir", 1);
	p = session_base_dir();
	CHECK_STR(p, base2);
	free(p);
	unsetenv("XDG_RUNTIME_DIR");
	unsetenv("TMPDIR");
	p = session_base_dir();
	CHECK_STR(p, "/tmp");
	free(p);

	free(base);
	free(base2);
	free(outside);
}

/* A child that creates a session (and maybe a worker holding its lock), reports, waits. */
static pid_t session_child(const char *base, int with_worker, char *dir, size_t size, pid_t *worker)
{
	int p[2];
	pid_t pid;
	ssize_t n;

	CHECK_INT(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		struct session s = SESSION_INIT;
		struct error e = ERROR_INIT;
		char msg[600];
		pid_t w = 0;
		close(p[0]);
		if (session_create(&s, base, &e) < 0)
			_exit(1);
		if (with_worker) {
			char *lock = session_path(&s, "coder", SESSION_LOCK);
			int q[2];
			if (session_add_worker(&s, "coder", &e) < 0 || pipe(q) < 0)
				_exit(2);
			w = fork();
			if (w == 0) {
				close(s.lock_fd); /* a worker keeps only its own lock */
				if (session_worker_lock(lock, &e) < 0)
					_exit(3);
				signal_parent(q[1], 'w');
				pause();
				_exit(4);
			}
			if (wait_signal(q[0]) != 'w')
				_exit(5);
		}
		snprintf(msg, sizeof(msg), "%ld %s", (long)w, s.dir);
		if (write(p[1], msg, strlen(msg)) < 0)
			_exit(6);
		close(p[1]);
		pause();
		_exit(7);
	}
	close(p[1]);
	n = read(p[0], dir, size - 1);
	close(p[0]);
	dir[n > 0 ? n : 0] = '\0';
	if (worker)
		*worker = (pid_t)strtol(dir, NULL, 10);
	memmove(dir, strchr(dir, ' ') ? strchr(dir, ' ') + 1 : dir, strlen(dir) + 1);
	return pid;
}

static void test_stale(void)
{
	struct session own = SESSION_INIT;
	struct error e = ERROR_INIT;
	char *base = tpath("stale"), dead[600], live[600], orphan[600], moved[600];
	char *fake_other, *fake_dead, *fake_new, *lockfile, *renamed;
	pid_t a, b, c, d, worker, gone;

	CHECK_INT(mkdir(base, 0700), 0);
	a = session_child(base, 0, dead, sizeof(dead), NULL);
	b = session_child(base, 0, live, sizeof(live), NULL);
	c = session_child(base, 1, orphan, sizeof(orphan), &worker);
	CHECK(exists(dead) && exists(live) && exists(orphan) && worker > 0);
	CHECK_INT(session_create(&own, base, &e), 0);
	kill(a, SIGKILL);
	CHECK_INT(reap(a), 128 + SIGKILL);
	kill(c, SIGKILL); /* its worker lives on, holding coder.lock */
	CHECK_INT(reap(c), 128 + SIGKILL);

	gone = fork();
	if (gone == 0)
		_exit(0);
	reap(gone);
	/* another user's name; a dead creator before its lock existed; a creator still alive */
	fake_other = xasprintf("%s/loom-%u-%ld-00000000", base, (unsigned)getuid() + 1, (long)gone);
	fake_dead = xasprintf("%s/loom-%u-%ld-11111111", base, (unsigned)getuid(), (long)gone);
	fake_new = xasprintf("%s/loom-%u-%ld-22222222", base, (unsigned)getuid(), (long)b);
	CHECK_INT(mkdir(fake_other, 0700), 0);
	CHECK_INT(mkdir(fake_dead, 0700), 0);
	CHECK_INT(mkdir(fake_new, 0700), 0);
	/* a held lock alone keeps a session (its owner's pid may be in another namespace) */
	d = session_child(base, 0, moved, sizeof(moved), NULL);
	renamed = xasprintf("%s/loom-%u-%ld-44444444", base, (unsigned)getuid(), (long)gone);
	CHECK_INT(rename(moved, renamed), 0);

	CHECK_INT(session_clean_stale(base, &e), 2);
	CHECK(!exists(dead));
	CHECK(!exists(fake_dead));
	CHECK(exists(live));
	CHECK(exists(own.dir));
	CHECK(exists(orphan));
	CHECK(exists(fake_other));
	CHECK(exists(fake_new));
	CHECK(exists(renamed));
	lockfile = xasprintf("%s/session.lock", live);
	CHECK(exists(lockfile));
	free(lockfile);

	/* the orphaned worker dies: now its session goes too */
	kill(worker, SIGKILL);
	CHECK_INT(reap(worker), 128 + SIGKILL); /* ours to reap: we are the subreaper */
	CHECK_INT(session_clean_stale(base, &e), 1);
	CHECK(!exists(orphan));
	CHECK_INT(session_clean_stale(base, &e), 0);

	/* a directory owned by someone else is never touched, even with our uid in its name */
	if (geteuid() == 0) {
		char *foreign =
		        xasprintf("%s/loom-%u-%ld-33333333", base, (unsigned)getuid(), (long)gone);
		CHECK_INT(mkdir(foreign, 0700), 0);
		CHECK_INT(chown(foreign, 65534, 65534), 0);
		CHECK_INT(session_clean_stale(base, &e), 0);
		CHECK(exists(foreign));
		rmdir(foreign);
		free(foreign);
	}

	kill(b, SIGKILL);
	CHECK_INT(reap(b), 128 + SIGKILL);
	kill(d, SIGKILL);
	CHECK_INT(reap(d), 128 + SIGKILL);
	CHECK_INT(session_clean_stale(base, &e), 3);
	CHECK(!exists(renamed));
	CHECK(!exists(live));
	CHECK(!exists(fake_new));
	CHECK(exists(own.dir));
	CHECK(exists(fake_other));
	CHECK_INT(session_clean_stale("/nonexistent-loom-dir", &e), -1);
	CHECK_INT(session_remove(&own, &e), 0);
	free(base);
	free(fake_other);
	free(fake_dead);
	free(fake_new);
	free(renamed);
}

/* A worker's liveness is its lock: held while it lives, free the moment it is killed. */
static void test_worker_alive(void)
{
	struct session s = SESSION_INIT;
	struct error e = ERROR_INIT;
	char *base = tpath("alive"), *lock;
	uint64_t t0;
	int p[2], fd;
	pid_t pid;

	CHECK_INT(mkdir(base, 0700), 0);
	CHECK_INT(session_create(&s, base, &e), 0);
	CHECK_INT(session_worker_alive(&s, "explorer", &e), 0); /* never started */
	CHECK_INT(session_worker_alive(&s, "x/y", &e), -1);
	CHECK_INT(session_add_worker(&s, "coder", &e), 0);
	CHECK_INT(session_worker_alive(&s, "coder", &e), 0);
	lock = session_path(&s, "coder", SESSION_LOCK);

	CHECK_INT(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		close(s.lock_fd);
		if (session_worker_lock(lock, &e) < 0)
			_exit(1);
		signal_parent(p[1], 'l');
		pause();
		_exit(2);
	}
	close(p[1]);
	CHECK_INT(wait_signal(p[0]), 'l');
	close(p[0]);
	CHECK_INT(session_worker_alive(&s, "coder", &e), 1);
	CHECK_INT(session_worker_alive(&s, "coder", &e), 1); /* testing did not take it */
	t0 = fs_now_ns();
	CHECK_INT(session_worker_lock(lock, &e), -1);
	CHECK(strstr(e.msg, "is held by another process: the worker is already running") != NULL);
	CHECK(fs_now_ns() - t0 < 2000000000u);
	kill(pid, SIGKILL);
	CHECK_INT(reap(pid), 128 + SIGKILL);
	CHECK_INT(session_worker_alive(&s, "coder", &e), 0);
	fd = session_worker_lock(lock, &e);
	CHECK(fd >= 0);
	CHECK_INT(session_worker_alive(&s, "coder", &e), 1);
	close(fd);
	CHECK_INT(session_worker_alive(&s, "coder", &e), 0);
	CHECK_INT(session_remove(&s, &e), 0);
	free(lock);
	free(base);
}

int main(void)
{
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	/* orphaned grandchildren (a killed session's worker) come back to us to be reaped */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	test_proto();
	test_writer();
	test_doc_examples();
	test_limits();
	test_bad_lines();
	test_seq();
	test_stream();
	test_killed_writer();
	test_concurrent();
	test_wait_mode(1);
	test_wait_mode(0);
	test_session();
	test_stale();
	test_worker_alive();
	if (!check_failures) {
		char *cmd = xasprintf("rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmp);
		free(cmd);
	}
	return check_done("test_ipc");
}
