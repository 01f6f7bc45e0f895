/* test_stream.c - SSE and NDJSON framing, whatever the chunking. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/stream.h"

/* The events seen, as "D[data]" "X[[DONE]]" "E[data]" "C[data]", and when to stop. */
struct log {
	struct buf b;
	int stop_after; /* stop at this event (1-based); 0 = never */
	int seen;
};

static int record(void *ctx, enum stream_event ev, const char *data, size_t n)
{
	static const char tag[] = { [STREAM_DATA] = 'D',
		                    [STREAM_DONE] = 'X',
		                    [STREAM_ERROR] = 'E',
		                    [STREAM_COMMENT] = 'C' };
	struct log *l = ctx;

	CHECK(data[n] == '\0');
	buf_addch(&l->b, tag[ev]);
	buf_addch(&l->b, '[');
	buf_add(&l->b, data, n);
	buf_addch(&l->b, ']');
	return ++l->seen == l->stop_after;
}

/*
 * Feeds text in chunks of the given size (0 = whole) and ends the stream; the
 * result is the event log, then "=" and the return codes of the last feed and
 * of stream_end, then the error message if any.
 */
static char *run(enum stream_kind kind, size_t max_line, const char *text, size_t n, size_t chunk)
{
	struct stream s;
	struct log l = { BUF_INIT, 0, 0 };
	struct error e = ERROR_INIT;
	size_t i, step;
	int rf = 0, re;

	stream_init(&s, kind, max_line);
	for (i = 0; i < n && rf == 0; i += step) {
		step = chunk && chunk < n - i ? chunk : n - i;
		rf = stream_feed(&s, text + i, step, record, &l, &e);
	}
	re = stream_end(&s, record, &l, &e);
	buf_addf(&l.b, "=%d,%d%s%s", rf, re, e.msg[0] ? " " : "", e.msg);
	stream_release(&s);
	return buf_detach(&l.b, NULL);
}

/* The same text must give the same result whole, byte by byte and in odd chunks. */
static void expect(enum stream_kind kind, size_t max_line, const char *text, const char *want,
                   int line)
{
	static const size_t chunks[] = { 0, 1, 2, 3, 7, 64 };
	size_t i;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		char *got = run(kind, max_line, text, strlen(text), chunks[i]);
		if (strcmp(got, want) != 0) {
			fprintf(stderr, "%s:%d: chunk %zu: expected \"%s\", got \"%s\"\n", __FILE__,
			        line, chunks[i], want, got);
			check_failures++;
		}
		free(got);
	}
}
#define EXPECT(kind, max, text, want) expect((kind), (max), (text), (want), __LINE__)

static void test_sse_llama(void)
{
	/* what llama-server's /v1/chat/completions sends, keep-alive included */
	EXPECT(STREAM_SSE, 0,
	       "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n"
	       ": ping\n\n"
	       "data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\n"
	       "data: [DONE]\n\n",
	       "D[{\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}]C[ping]"
	       "D[{\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}]X[[DONE]]=0,0");
	/* llama.cpp's own error line, and a standard error event */
	EXPECT(STREAM_SSE, 0, "error: {\"code\":500,\"message\":\"boom\"}\n\n",
	       "E[{\"code\":500,\"message\":\"boom\"}]=0,0");
	EXPECT(STREAM_SSE, 0, "event: error\ndata: {\"message\":\"x\"}\n\ndata: after\n\n",
	       "E[{\"message\":\"x\"}]D[after]=0,0");
	/* the event type lasts for one event only */
	EXPECT(STREAM_SSE, 0, "event: error\n\ndata: a\n\n", "D[a]=0,0");
}

static void test_sse_fields(void)
{
	EXPECT(STREAM_SSE, 0, "data: a\ndata: b\n\n", "D[a\nb]=0,0");
	EXPECT(STREAM_SSE, 0, "data:a\n\n", "D[a]=0,0");
	EXPECT(STREAM_SSE, 0, "data:  a\n\n", "D[ a]=0,0");
	EXPECT(STREAM_SSE, 0, "data\n\n", "D[]=0,0");
	EXPECT(STREAM_SSE, 0, "data:\ndata:\n\n", "D[\n]=0,0");
	EXPECT(STREAM_SSE, 0, "id: 7\nretry: 100\nfoo: bar\ndata: x\n\n", "D[x]=0,0");
	EXPECT(STREAM_SSE, 0, "\n\n\nid: 1\n\n", "=0,0");
	EXPECT(STREAM_SSE, 0, ":\n\n", "C[]=0,0");
	EXPECT(STREAM_SSE, 0, "Data: x\n\n", "=0,0"); /* field names are case-sensitive */
	EXPECT(STREAM_SSE, 0, "data: [DONE] \n\n", "D[[DONE] ]=0,0");
	EXPECT(STREAM_SSE, 0, "event: error\ndata: [DONE]\n\n", "E[[DONE]]=0,0");
	EXPECT(STREAM_SSE, 0,
	       "\xef\xbb\xbf"
	       "data: bom\n\n",
	       "D[bom]=0,0");
	EXPECT(STREAM_SSE, 0,
	       "data: a\n\n\xef\xbb\xbf"
	       "data: b\n\n",
	       "D[a]=0,0");
}

static void test_sse_line_ends(void)
{
	EXPECT(STREAM_SSE, 0, "data: a\r\n\r\ndata: b\r\n\r\n", "D[a]D[b]=0,0");
	EXPECT(STREAM_SSE, 0, "data: a\r\rdata: b\r\r", "D[a]D[b]=0,0");
	EXPECT(STREAM_SSE, 0, "data: a\r\ndata: b\n\r\n", "D[a\nb]=0,0");
	/* "\r\n\n" is two line ends: the second dispatches */
	EXPECT(STREAM_SSE, 0, "data: a\r\n\ndata: b\n\r\r\n", "D[a]D[b]=0,0");
}

static void test_sse_done_and_end(void)
{
	EXPECT(STREAM_SSE, 0, "data: [DONE]\n\ndata: more\n\n", "X[[DONE]]=0,0");
	EXPECT(STREAM_SSE, 0, "data: [DONE]\n\ndata: cut", "X[[DONE]]=0,0");
	EXPECT(STREAM_SSE, 0, "data: a\n\ndata: cut",
	       "D[a]=0,-1 stream ended in the middle of a line");
	EXPECT(STREAM_SSE, 0, "data: a\n\ndata: b\n",
	       "D[a]=0,-1 stream ended in the middle of an event");
	EXPECT(STREAM_SSE, 0, "data: a\n\ndata: b\r",
	       "D[a]=0,-1 stream ended in the middle of an event");
	EXPECT(STREAM_SSE, 0, ": ping", "=0,-1 stream ended in the middle of a line");
	EXPECT(STREAM_SSE, 0, "", "=0,0");
	EXPECT(STREAM_SSE, 0, "data: a\n\n: ping\n", "D[a]C[ping]=0,0");
}

static void test_limits(void)
{
	EXPECT(STREAM_SSE, 16, "data: 0123456789\n\n", "D[0123456789]=0,0");
	EXPECT(STREAM_SSE, 16, "data: 0123456789A\n\n", "=-1,-1 stream already failed");
	EXPECT(STREAM_SSE, 8, "data:123\ndata:456\ndata:7\n\n", "=-1,-1 stream already failed");
	EXPECT(STREAM_NDJSON, 4, "1234\n12345\n", "D[1234]=-1,-1 stream already failed");

	/* the first failure says what happened */
	{
		struct stream s;
		struct log l = { BUF_INIT, 0, 0 };
		struct error e = ERROR_INIT;
		char big[100];

		memset(big, 'x', sizeof(big));
		stream_init(&s, STREAM_SSE, 16);
		CHECK_INT(stream_feed(&s, "data: ", 6, record, &l, &e), 0);
		CHECK_INT(stream_feed(&s, big, sizeof(big), record, &l, &e), -1);
		CHECK_STR(e.msg, "stream line longer than 16 bytes");
		CHECK_INT(stream_feed(&s, "\n\n", 2, record, &l, &e), -1);
		CHECK_STR(e.msg, "stream already failed");
		stream_release(&s);

		stream_init(&s, STREAM_SSE, 8);
		CHECK_INT(stream_feed(&s, "data:123\ndata:456\ndata:7\n", 25, record, &l, &e), -1);
		CHECK_STR(e.msg, "stream event longer than 8 bytes");
		stream_release(&s);
		CHECK_STR(l.b.ptr, "");
		buf_release(&l.b);
	}
}

static void test_stop(void)
{
	struct stream s = STREAM_INIT(STREAM_SSE);
	struct log l = { BUF_INIT, 2, 0 };
	struct error e = ERROR_INIT;
	const char *t = "data: 1\n\ndata: 2\n\ndata: 3\n\n";

	CHECK_INT(stream_feed(&s, t, strlen(t), record, &l, &e), 1);
	CHECK_STR(l.b.ptr, "D[1]D[2]");
	CHECK_INT(stream_feed(&s, t, strlen(t), record, &l, &e), 1);
	CHECK_INT(stream_end(&s, record, &l, &e), 1);
	CHECK_STR(l.b.ptr, "D[1]D[2]");
	CHECK_STR(e.msg, "");
	stream_release(&s);
	buf_release(&l.b);
}

static void test_ndjson(void)
{
	/* what Ollama's /api/chat sends */
	EXPECT(STREAM_NDJSON, 0,
	       "{\"message\":{\"content\":\"Hel\"},\"done\":false}\n"
	       "{\"message\":{\"content\":\"lo\"},\"done\":false}\n"
	       "{\"done\":true}\n",
	       "D[{\"message\":{\"content\":\"Hel\"},\"done\":false}]"
	       "D[{\"message\":{\"content\":\"lo\"},\"done\":false}]D[{\"done\":true}]=0,0");
	EXPECT(STREAM_NDJSON, 0, "{\"a\":1}\r\n\r\n  \n{\"b\":2}\r\n",
	       "D[{\"a\":1}]D[{\"b\":2}]=0,0");
	EXPECT(STREAM_NDJSON, 0, "{\"a\":1}\n{\"b\":2}", "D[{\"a\":1}]D[{\"b\":2}]=0,0");
	EXPECT(STREAM_NDJSON, 0, "{\"a\":\r1}\n", "D[{\"a\":\r1}]=0,0");
	EXPECT(STREAM_NDJSON, 0, "data: [DONE]\n", "D[data: [DONE]]=0,0");
	EXPECT(STREAM_NDJSON, 0, "\xef\xbb\xbf{}\n", "D[{}]=0,0");
	EXPECT(STREAM_NDJSON, 0, "", "=0,0");
	EXPECT(STREAM_NDJSON, 0, "  ", "=0,0");
}

/* Random chunkings of a mixed stream all agree with the whole feed. */
static void test_random_chunks(void)
{
	const char *t = "\xef\xbb\xbf: hi\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\nevent: error\r"
	                "data: e\r\rerror: {}\nid: 3\n\ndata: x\n\n\ndata: [DONE]\n\ndata: y\n\n";
	size_t n = strlen(t), i, step;
	char *whole = run(STREAM_SSE, 0, t, n, 0);
	unsigned seed = 12345;
	int round;

	CHECK_STR(whole, "C[hi]D[{\"a\":\n1}]E[e]E[{}]D[x]X[[DONE]]=0,0");
	for (round = 0; round < 500; round++) {
		struct stream s = STREAM_INIT(STREAM_SSE);
		struct log l = { BUF_INIT, 0, 0 };
		struct error e = ERROR_INIT;
		int rf = 0, re;

		for (i = 0; i < n; i += step) {
			seed = seed * 1103515245u + 12345u;
			step = 1 + (seed >> 16) % 9;
			if (step > n - i)
				step = n - i;
			rf = stream_feed(&s, t + i, step, record, &l, &e);
		}
		re = stream_end(&s, record, &l, &e);
		buf_addf(&l.b, "=%d,%d", rf, re);
		CHECK_STR(l.b.ptr, whole);
		buf_release(&l.b);
		stream_release(&s);
	}
	free(whole);
}

int main(void)
{
	test_sse_llama();
	test_sse_fields();
	test_sse_line_ends();
	test_sse_done_and_end();
	test_limits();
	test_stop();
	test_ndjson();
	test_random_chunks();
	return check_done("test_stream");
}
