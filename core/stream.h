/* stream.h - framing of streamed HTTP bodies: Server-Sent Events and NDJSON. */
#ifndef LOOM_STREAM_H
#define LOOM_STREAM_H

#include <stddef.h>

#include "buf.h"
#include "error.h"

enum stream_kind {
	STREAM_SSE,   /* text/event-stream: llama.cpp, OpenAI-compatible servers */
	STREAM_NDJSON /* one JSON value per line: Ollama */
};

enum stream_event {
	STREAM_DATA,   /* an event's data (SSE) or one non-blank line (NDJSON) */
	STREAM_DONE,   /* SSE data "[DONE]"; everything after it is ignored */
	STREAM_ERROR,  /* SSE "event: error" data, or llama.cpp's "error: ..." line */
	STREAM_COMMENT /* SSE ": ..." line (llama.cpp's keep-alive pings) */
};

/*
 * Receives each event. data is NUL-terminated at data[n] and valid only during
 * the call; its bytes are passed on as received (not checked for UTF-8). The
 * callback must not call back into the same stream. A non-zero return stops
 * the stream.
 */
typedef int (*stream_fn)(void *ctx, enum stream_event ev, const char *data, size_t n);

/* The line limit used when stream_init() is given 0. */
#define STREAM_MAX_LINE ((size_t)1 << 20)

/*
 * A push parser: bytes arrive in arbitrary chunks, even one at a time, and the
 * events are the same however the body is split. line holds the unfinished
 * line; data the pending SSE event's data.
 */
struct stream {
	enum stream_kind kind;
	size_t max_line; /* the longest line, and the longest SSE event data */
	struct buf line; /* the line so far, without its terminator */
	struct buf data; /* SSE: data lines of the pending event, each + '\n' */
	int error_event; /* SSE: the pending event said "event: error" */
	int after_cr;    /* SSE: the last byte was '\r', so a '\n' next ends nothing */
	int seen_line;   /* a line has been completed (a BOM is only stripped before) */
	int state;       /* 0 open, else STREAM_STATE_* */
};
#define STREAM_STATE_FINISHED 1 /* after STREAM_DONE or stream_end() */
#define STREAM_STATE_STOPPED  2 /* the callback returned non-zero */
#define STREAM_STATE_FAILED   3 /* stream_feed() or stream_end() returned -1 */
#define STREAM_INIT(kind)                                                                          \
	{                                                                                          \
		(kind), STREAM_MAX_LINE, BUF_INIT, BUF_INIT, 0, 0, 0, 0                            \
	}

/* Sets up an empty parser; max_line 0 means STREAM_MAX_LINE. */
void stream_init(struct stream *s, enum stream_kind kind, size_t max_line);
/*
 * Parses n more bytes of the body, calling fn for each complete event. Returns
 * 0 when all bytes were taken (or ignored, after STREAM_DONE), 1 when fn
 * stopped the stream (it then ignores all further bytes and returns 1 again),
 * or -1 when a line or an SSE event's data passes max_line ("stream line
 * longer than N bytes", "stream event longer than N bytes"); after -1 every
 * call fails again.
 */
int stream_feed(struct stream *s, const char *bytes, size_t n, stream_fn fn, void *ctx,
                struct error *e);
/*
 * Ends the body. NDJSON: a last line without a newline is still delivered.
 * SSE (as the WHATWG spec says): an unterminated last line and an event
 * without its blank line are dropped, and the call returns -1 with "stream
 * ended in the middle of a line" or "stream ended in the middle of an event";
 * a body that ends between events, or after STREAM_DONE, returns 0. Returns 1
 * when fn stops the stream. Afterwards the parser takes no more bytes.
 */
int stream_end(struct stream *s, stream_fn fn, void *ctx, struct error *e);
/* Frees the buffers; the parser may then be set up again with stream_init(). */
void stream_release(struct stream *s);

#endif
