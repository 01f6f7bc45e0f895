/*
 * fuzz_stream.c - libFuzzer target for the SSE and NDJSON framing. The first
 * byte picks the kind and a small line limit, the second seeds a chunking; the
 * rest is the body. The body is fed whole and in random chunks (single bytes
 * included), and both must give the same events and the same outcome; any
 * difference aborts, as would a crash, leak or out-of-bounds read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int record(void *ctx, enum stream_event ev, const char *data, size_t n)
{
	struct buf *log = ctx;

	if (data[n] != '\0')
		abort();
	buf_addf(log, "%d:%zu:", (int)ev, n);
	buf_add(log, data, n);
	return 0;
}

/* Feeds the body in chunks from the seed (0 = whole); the log ends with the outcome. */
static void run(enum stream_kind kind, size_t max_line, const char *body, size_t n, unsigned seed,
                struct buf *log)
{
	struct stream s;
	struct error e = ERROR_INIT;
	size_t i, step;
	int failed = 0, r;

	stream_init(&s, kind, max_line);
	for (i = 0; i < n && !failed; i += step) {
		step = n - i;
		if (seed) {
			seed = seed * 1103515245u + 12345u;
			step = (seed >> 16) % 4 == 0 ? 1 : 1 + (seed >> 18) % 23;
			if (step > n - i)
				step = n - i;
		}
		failed = stream_feed(&s, body + i, step, record, log, &e) < 0;
	}
	r = stream_end(&s, record, log, &e);
	buf_addf(log, "|%d|%d", failed, r);
	stream_release(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf whole = BUF_INIT, chunked = BUF_INIT;
	enum stream_kind kind;
	size_t max_line;

	if (size < 2)
		return 0;
	kind = data[0] & 1 ? STREAM_NDJSON : STREAM_SSE;
	max_line = data[0] & 2 ? (size_t)(data[0] >> 2) + 1 : 0;
	run(kind, max_line, (const char *)data + 2, size - 2, 0, &whole);
	run(kind, max_line, (const char *)data + 2, size - 2, data[1] + 1u, &chunked);
	if (whole.len != chunked.len || memcmp(whole.ptr, chunked.ptr, whole.len) != 0) {
		fprintf(stderr, "chunking changed the events:\n%s\n%s\n", whole.ptr, chunked.ptr);
		abort();
	}
	buf_release(&whole);
	buf_release(&chunked);
	return 0;
}
