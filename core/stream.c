/*
 * stream.c - turning a streamed HTTP body into events, whatever its chunking.
 *
 * The body is cut into lines first: SSE lines end in "\n", "\r\n" or "\r" (a
 * "\r" at the end of one chunk and a "\n" at the start of the next are one
 * terminator, remembered in after_cr); NDJSON lines end in "\n" alone, since
 * a bare "\r" is whitespace inside JSON, and lose one trailing "\r". Each
 * complete line is handled at once, so the only state carried between calls
 * is the unfinished line, the pending SSE event and a few flags; both buffers
 * are bounded by max_line, checked before anything is appended, so hostile
 * input costs at most that much memory and time linear in its length. SSE
 * fields follow the WHATWG rules (one optional space after the colon, data
 * lines joined with "\n", a blank line dispatches, an event with no data line
 * is not dispatched, unknown fields ignored) plus llama.cpp's "error:" line.
 */
#include "core/stream.h"

#include <string.h>

#define BOM "\xef\xbb\xbf"

void stream_init(struct stream *s, enum stream_kind kind, size_t max_line)
{
	s->kind = kind;
	s->max_line = max_line ? max_line : STREAM_MAX_LINE;
	buf_init(&s->line, 0);
	buf_init(&s->data, 0);
	s->error_event = 0;
	s->after_cr = 0;
	s->seen_line = 0;
	s->state = 0;
}

void stream_release(struct stream *s)
{
	buf_release(&s->line);
	buf_release(&s->data);
}

/* Hands one event to the callback; 1 when it asks to stop. */
static int emit(struct stream *s, stream_fn fn, void *ctx, enum stream_event ev, const char *data,
                size_t n)
{
	if (fn(ctx, ev, data, n) != 0) {
		s->state = STREAM_STATE_STOPPED;
		return 1;
	}
	return 0;
}

static int fail(struct stream *s)
{
	s->state = STREAM_STATE_FAILED;
	return -1;
}

/* The blank line: the pending event, if it has data, goes out (WHATWG "dispatch"). */
static int sse_dispatch(struct stream *s, stream_fn fn, void *ctx)
{
	enum stream_event ev = s->error_event ? STREAM_ERROR : STREAM_DATA;
	int r;

	s->error_event = 0;
	if (!s->data.len)
		return 0;
	buf_setlen(&s->data, s->data.len - 1); /* the '\n' after the last data line */
	if (ev == STREAM_DATA && s->data.len == 6 && !memcmp(s->data.ptr, "[DONE]", 6)) {
		ev = STREAM_DONE;
		s->state = STREAM_STATE_FINISHED;
	}
	r = emit(s, fn, ctx, ev, s->data.ptr, s->data.len);
	buf_reset(&s->data);
	return r;
}

static int sse_data(struct stream *s, const char *v, size_t n, stream_fn fn, void *ctx,
                    struct error *e)
{
	if (n + 1 > s->max_line || s->data.len > s->max_line - (n + 1)) {
		error_set(e, "stream event longer than %zu bytes", s->max_line);
		return fail(s);
	}
	buf_add(&s->data, v, n);
	buf_addch(&s->data, '\n');
	return 0;
}

static int sse_event(struct stream *s, const char *v, size_t n, stream_fn fn, void *ctx,
                     struct error *e)
{
	s->error_event = n == 5 && !memcmp(v, "error", 5);
	return 0;
}

static int sse_error(struct stream *s, const char *v, size_t n, stream_fn fn, void *ctx,
                     struct error *e)
{
	return emit(s, fn, ctx, STREAM_ERROR, v, n);
}

static const struct sse_field {
	const char *name;
	int (*handle)(struct stream *s, const char *v, size_t n, stream_fn fn, void *ctx,
	              struct error *e);
} sse_fields[] = {
	{ "data", sse_data },
	{ "event", sse_event },
	{ "error", sse_error }, /* llama.cpp's own: "error: {json}" */
};

/* One complete SSE line l (n bytes, NUL-terminated at l[n]). */
static int sse_line(struct stream *s, const char *l, size_t n, stream_fn fn, void *ctx,
                    struct error *e)
{
	const char *colon, *v;
	size_t name_len, vn, i;

	if (!n)
		return sse_dispatch(s, fn, ctx);
	colon = memchr(l, ':', n);
	name_len = colon ? (size_t)(colon - l) : n;
	v = colon ? colon + 1 : l + n;
	vn = (size_t)(l + n - v);
	if (vn && v[0] == ' ') {
		v++;
		vn--;
	}
	if (!name_len)
		return emit(s, fn, ctx, STREAM_COMMENT, v, vn);
	for (i = 0; i < sizeof(sse_fields) / sizeof(sse_fields[0]); i++)
		if (strlen(sse_fields[i].name) == name_len &&
		    !memcmp(sse_fields[i].name, l, name_len))
			return sse_fields[i].handle(s, v, vn, fn, ctx, e);
	return 0; /* id:, retry: and anything unknown */
}

/* One complete NDJSON line: blank lines carry nothing. */
static int ndjson_line(struct stream *s, const char *l, size_t n, stream_fn fn, void *ctx)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (l[i] != ' ' && l[i] != '\t' && l[i] != '\r')
			return emit(s, fn, ctx, STREAM_DATA, l, n);
	return 0;
}

/* The line in s->line is complete: handle it and start the next. */
static int end_line(struct stream *s, stream_fn fn, void *ctx, struct error *e)
{
	const char *l = s->line.ptr;
	size_t n = s->line.len;
	int r;

	if (!s->seen_line && n >= 3 && !memcmp(l, BOM, 3)) {
		l += 3;
		n -= 3;
	}
	s->seen_line = 1;
	if (s->kind == STREAM_NDJSON) {
		if (n && l[n - 1] == '\r')
			s->line.ptr[l - s->line.ptr + --n] = '\0';
		r = ndjson_line(s, l, n, fn, ctx);
	} else {
		r = sse_line(s, l, n, fn, ctx, e);
	}
	buf_reset(&s->line);
	return r;
}

/* What feed and end answer once the stream no longer takes bytes. */
static int closed(const struct stream *s, struct error *e)
{
	if (s->state == STREAM_STATE_FAILED)
		return error_set(e, "stream already failed");
	return s->state == STREAM_STATE_STOPPED ? 1 : 0;
}

int stream_feed(struct stream *s, const char *bytes, size_t n, stream_fn fn, void *ctx,
                struct error *e)
{
	size_t i = 0, j;
	int r;

	if (s->state)
		return closed(s, e);
	while (i < n) {
		if (s->after_cr) {
			s->after_cr = 0;
			if (bytes[i] == '\n') {
				i++;
				continue;
			}
		}
		if (s->kind == STREAM_NDJSON) {
			const char *nl = memchr(bytes + i, '\n', n - i);
			j = nl ? (size_t)(nl - bytes) : n;
		} else {
			for (j = i; j < n && bytes[j] != '\n' && bytes[j] != '\r'; j++)
				;
		}
		if (j - i > s->max_line || s->line.len > s->max_line - (j - i)) {
			error_set(e, "stream line longer than %zu bytes", s->max_line);
			return fail(s);
		}
		buf_add(&s->line, bytes + i, j - i);
		if (j == n)
			break;
		s->after_cr = bytes[j] == '\r';
		i = j + 1;
		r = end_line(s, fn, ctx, e);
		if (r)
			return r;
		if (s->state)
			return 0; /* STREAM_DONE: the rest is ignored */
	}
	return 0;
}

int stream_end(struct stream *s, stream_fn fn, void *ctx, struct error *e)
{
	int r = 0;

	if (s->state)
		return closed(s, e);
	if (s->kind == STREAM_NDJSON) {
		if (s->line.len)
			r = end_line(s, fn, ctx, e);
	} else if (s->line.len) {
		r = error_set(e, "stream ended in the middle of a line");
	} else if (s->data.len) {
		r = error_set(e, "stream ended in the middle of an event");
	}
	if (r < 0)
		return fail(s);
	if (!s->state)
		s->state = STREAM_STATE_FINISHED;
	buf_reset(&s->line);
	buf_reset(&s->data);
	return r;
}
