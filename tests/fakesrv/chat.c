/*
 * chat.c - turning a reply file into a chat answer on the wire.
 *
 * The reply text is first cut at the earliest stop sequence the request gave,
 * then split into pieces (struct piece) of at most 4 bytes that end on UTF-8
 * character boundaries, then limited to the request's token budget. Each piece
 * is one "token": one SSE event (llama.cpp and OpenAI styles) or one NDJSON
 * line (Ollama style), sent as one HTTP chunk of a chunked body. The usage
 * numbers are the reply file's, or else counted with the fake tokenizer
 * (prompt) and the pieces (completion); timings are derived from them at fixed
 * fake rates so that they are reproducible. A fault changes one step of this
 * sequence; its position N counts token pieces and is clamped to their number.
 */
#include "tests/fakesrv/chat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/utf8.h"

#define CHAT_PIECE_MAX 4

/* Fixed fake speeds, so that timings follow from the token counts. */
#define CHAT_PROMPT_MS    1.0  /* per prompt token */
#define CHAT_PREDICTED_MS 20.0 /* per generated token */
#define CHAT_LOAD_MS      1.0  /* Ollama's load_duration */

struct piece {
	size_t off, len;
};

/* One answer in progress. */
struct chat {
	struct http_conn *c;
	enum chat_style style;
	const struct chat_server *srv;
	const struct reply *r;
	char id[64];
	double created;
	struct piece *pieces; /* the tokens to send, after the stop cut and the limit */
	size_t npieces, cap;
	const char *finish; /* "stop" or "length" */
	long prompt, completion, cached;
	int stream, include_usage;
};

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Bytes in the piece at s: whole characters up to 4 bytes, stopping at whitespace if asked. */
static size_t piece_len(const char *s, size_t n, int stop_at_space)
{
	size_t len = 0;

	while (len < n) {
		size_t k = utf8_seq_len((const unsigned char *)s + len, n - len);
		if (!k)
			k = 1;
		if (len && (len + k > CHAT_PIECE_MAX || (stop_at_space && is_space(s[len]))))
			break;
		len += k;
	}
	return len;
}

/* FNV-1a, folded into small ids the way a 32k vocabulary would look. */
static long token_id(const char *s, size_t n)
{
	unsigned long h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = ((h ^ (unsigned char)s[i]) * 16777619u) & 0xffffffffu;
	return (long)(h % 32000) + 1;
}

size_t chat_tokenize(const char *s, size_t n, cJSON *ids)
{
	size_t pos = 0, count = 0;

	while (pos < n) {
		size_t len = 0;
		if (is_space((unsigned char)s[pos]))
			while (pos + len < n && is_space((unsigned char)s[pos + len]))
				len++;
		else
			len = piece_len(s + pos, n - pos, 1);
		if (ids)
			cJSON_AddItemToArray(ids,
			                     cJSON_CreateNumber((double)token_id(s + pos, len)));
		count++;
		pos += len;
	}
	return count;
}

static const struct {
	int status;
	const char *type;
} error_types[] = {
	{ 400, "invalid_request_error" }, { 401, "authentication_error" },
	{ 403, "permission_error" },      { 404, "not_found_error" },
	{ 429, "rate_limit_error" },      { 501, "not_supported_error" },
	{ 503, "unavailable_error" },
};

static const char *error_type(int status)
{
	size_t i;

	for (i = 0; i < sizeof(error_types) / sizeof(error_types[0]); i++)
		if (error_types[i].status == status)
			return error_types[i].type;
	return status < 500 ? "invalid_request_error" : "server_error";
}

/* {"code":..,"message":..,"type":..}, the inner object of llama.cpp and OpenAI errors */
static cJSON *error_object(int code, const char *message, const char *type)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "code", code);
	cJSON_AddStringToObject(o, "message", message);
	cJSON_AddStringToObject(o, "type", type);
	return o;
}

/* Sends obj (deleted here) as a whole JSON response; echoed request bytes become UTF-8. */
static int send_json(struct http_conn *c, int status, const char *extra, cJSON *obj)
{
	char *p = cJSON_PrintUnformatted(obj), *s = utf8_sanitize(p, strlen(p));
	int r = http_respond(c, status, "application/json; charset=utf-8", extra, s, strlen(s));

	cJSON_free(p);
	free(s);
	cJSON_Delete(obj);
	return r;
}

static int send_error_object(struct http_conn *c, enum chat_style style, int status,
                             const char *extra, const char *message, cJSON *inner)
{
	cJSON *o = cJSON_CreateObject();

	if (style == CHAT_OLLAMA) {
		cJSON_AddStringToObject(o, "error", message);
		cJSON_Delete(inner);
	} else {
		cJSON_AddItemToObject(o, "error",
		                      inner ? inner
		                            : error_object(status, message, error_type(status)));
	}
	return send_json(c, status, extra, o);
}

int chat_send_error(struct http_conn *c, enum chat_style style, int status, const char *extra,
                    const char *message)
{
	return send_error_object(c, style, status, extra, message, NULL);
}

/* Ollama's timestamps: RFC 3339 with nanoseconds, UTC. */
static void add_created_at(cJSON *o)
{
	struct timespec ts;
	struct tm tm;
	char s[64], full[96];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(full, sizeof(full), "%s.%09ldZ", s, ts.tv_nsec);
	cJSON_AddStringToObject(o, "created_at", full);
}

static cJSON *usage_object(const struct chat *ch)
{
	cJSON *u = cJSON_CreateObject();

	cJSON_AddNumberToObject(u, "prompt_tokens", (double)ch->prompt);
	cJSON_AddNumberToObject(u, "completion_tokens", (double)ch->completion);
	cJSON_AddNumberToObject(u, "total_tokens", (double)(ch->prompt + ch->completion));
	if (ch->style == CHAT_OPENAI) {
		cJSON *d = cJSON_AddObjectToObject(u, "prompt_tokens_details");
		cJSON_AddNumberToObject(d, "cached_tokens", (double)ch->cached);
	}
	return u;
}

static cJSON *timings_object(const struct chat *ch)
{
	cJSON *t = cJSON_CreateObject();
	long prompt_n = ch->prompt - ch->cached;

	cJSON_AddNumberToObject(t, "cache_n", (double)ch->cached);
	cJSON_AddNumberToObject(t, "prompt_n", (double)prompt_n);
	cJSON_AddNumberToObject(t, "prompt_ms", prompt_n * CHAT_PROMPT_MS);
	cJSON_AddNumberToObject(t, "prompt_per_token_ms", CHAT_PROMPT_MS);
	cJSON_AddNumberToObject(t, "prompt_per_second", 1000.0 / CHAT_PROMPT_MS);
	cJSON_AddNumberToObject(t, "predicted_n", (double)ch->completion);
	cJSON_AddNumberToObject(t, "predicted_ms", ch->completion * CHAT_PREDICTED_MS);
	cJSON_AddNumberToObject(t, "predicted_per_token_ms", CHAT_PREDICTED_MS);
	cJSON_AddNumberToObject(t, "predicted_per_second", 1000.0 / CHAT_PREDICTED_MS);
	return t;
}

/* The fields every OpenAI-style object starts with. */
static cJSON *openai_object(const struct chat *ch, const char *object)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", ch->id);
	cJSON_AddStringToObject(o, "object", object);
	cJSON_AddNumberToObject(o, "created", ch->created);
	cJSON_AddStringToObject(o, "model", ch->srv->model);
	cJSON_AddStringToObject(o, "system_fingerprint", "b0000-fake");
	return o;
}

/* A chat.completion.chunk whose one choice has delta and finish (NULL: null). */
static cJSON *openai_chunk(const struct chat *ch, cJSON *delta, const char *finish)
{
	cJSON *o = openai_object(ch, "chat.completion.chunk");
	cJSON *choice = cJSON_CreateObject();

	cJSON_AddNumberToObject(choice, "index", 0);
	cJSON_AddItemToObject(choice, "delta", delta);
	if (finish)
		cJSON_AddStringToObject(choice, "finish_reason", finish);
	else
		cJSON_AddNullToObject(choice, "finish_reason");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "choices"), choice);
	return o;
}

static cJSON *message_object(const char *content, size_t len)
{
	cJSON *m = cJSON_CreateObject();
	char *s = xstrndup(content, len);

	cJSON_AddStringToObject(m, "role", "assistant");
	cJSON_AddStringToObject(m, "content", s);
	free(s);
	return m;
}

/* An Ollama /api/chat object; the final one (done) carries the counts. */
static cJSON *ollama_object(const struct chat *ch, const char *content, size_t len, int done)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "model", ch->srv->model);
	add_created_at(o);
	cJSON_AddItemToObject(o, "message", message_object(content, len));
	cJSON_AddBoolToObject(o, "done", done);
	if (done) {
		double prompt_ns = ch->prompt * CHAT_PROMPT_MS * 1e6;
		double eval_ns = ch->completion * CHAT_PREDICTED_MS * 1e6;
		cJSON_AddStringToObject(o, "done_reason", ch->finish);
		cJSON_AddNumberToObject(o, "total_duration",
		                        CHAT_LOAD_MS * 1e6 + prompt_ns + eval_ns);
		cJSON_AddNumberToObject(o, "load_duration", CHAT_LOAD_MS * 1e6);
		cJSON_AddNumberToObject(o, "prompt_eval_count", (double)ch->prompt);
		cJSON_AddNumberToObject(o, "prompt_eval_duration", prompt_ns);
		cJSON_AddNumberToObject(o, "eval_count", (double)ch->completion);
		cJSON_AddNumberToObject(o, "eval_duration", eval_ns);
	}
	return o;
}

/* Sends raw bytes as one chunk of the stream. */
static int send_raw(struct chat *ch, const char *s)
{
	return http_chunk(ch->c, s, strlen(s));
}

/* Sends obj (deleted here) as one SSE data event or one NDJSON line. */
static int send_object(struct chat *ch, cJSON *obj)
{
	char *s = cJSON_PrintUnformatted(obj);
	struct buf b = BUF_INIT;
	int r;

	if (ch->style != CHAT_OLLAMA)
		buf_adds(&b, "data: ");
	buf_adds(&b, s);
	buf_adds(&b, ch->style == CHAT_OLLAMA ? "\n" : "\n\n");
	r = http_chunk(ch->c, b.ptr, b.len);
	buf_release(&b);
	cJSON_free(s);
	cJSON_Delete(obj);
	return r;
}

static int send_piece(struct chat *ch, size_t i)
{
	const char *s = ch->r->text + ch->pieces[i].off;
	size_t n = ch->pieces[i].len;
	cJSON *delta;
	char *t;

	if (ch->style == CHAT_OLLAMA)
		return send_object(ch, ollama_object(ch, s, n, 0));
	delta = cJSON_CreateObject();
	t = xstrndup(s, n);
	cJSON_AddStringToObject(delta, "content", t);
	free(t);
	return send_object(ch, openai_chunk(ch, delta, NULL));
}

static int send_end(struct chat *ch)
{
	cJSON *o;

	if (ch->style == CHAT_OLLAMA)
		return send_object(ch, ollama_object(ch, "", 0, 1));
	o = openai_chunk(ch, cJSON_CreateObject(), ch->finish);
	if (ch->style == CHAT_LLAMA) {
		cJSON_AddItemToObject(o, "usage", usage_object(ch));
		cJSON_AddItemToObject(o, "timings", timings_object(ch));
	}
	if (send_object(ch, o) < 0)
		return -1;
	if (ch->style == CHAT_OPENAI && ch->include_usage) {
		o = openai_object(ch, "chat.completion.chunk");
		cJSON_AddArrayToObject(o, "choices");
		cJSON_AddItemToObject(o, "usage", usage_object(ch));
		if (send_object(ch, o) < 0)
			return -1;
	}
	return send_raw(ch, "data: [DONE]\n\n");
}

static int send_malformed(struct chat *ch)
{
	struct buf b = BUF_INIT;
	int r;

	if (ch->style == CHAT_OLLAMA) {
		buf_adds(&b, "{\"model\":");
		buf_add_json_str(&b, ch->srv->model, strlen(ch->srv->model));
		buf_adds(&b, ",\"message\":{\"role\":\"assistant\",\"content\":\"x\"\n");
	} else {
		buf_adds(&b, "data: {\"choices\":[{\"delta\":{\"content\":\"x\"\n\n");
	}
	r = http_chunk(ch->c, b.ptr, b.len);
	buf_release(&b);
	return r;
}

static const char injected[] = "fake server: injected error";

/* The mid-stream error of each style; the stream ends after it. */
static int send_stream_error(struct chat *ch)
{
	cJSON *o;
	char *s;
	int r;

	if (ch->style == CHAT_OLLAMA) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "error", injected);
		return send_object(ch, o);
	}
	if (ch->style == CHAT_OPENAI) {
		o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "error", error_object(500, injected, "server_error"));
		return send_object(ch, o);
	}
	o = error_object(500, injected, "server_error");
	s = cJSON_PrintUnformatted(o);
	r = send_raw(ch, "error: ") < 0 || send_raw(ch, s) < 0 || send_raw(ch, "\n\n") < 0 ? -1 : 0;
	cJSON_free(s);
	cJSON_Delete(o);
	return r;
}

static void stream(struct chat *ch)
{
	const struct fault *f = &ch->r->fault;
	size_t at = f->n < (long)ch->npieces ? (size_t)f->n : ch->npieces, i;
	long k;

	if (http_head(ch->c, 200,
	              ch->style == CHAT_OLLAMA ? "application/x-ndjson" : "text/event-stream", NULL,
	              -1) < 0)
		return;
	if (ch->style != CHAT_OLLAMA &&
	    send_object(ch, openai_chunk(ch, message_object("", 0), NULL)) < 0)
		return;
	for (k = 0; f->kind == FAULT_PING && k < f->count; k++)
		if (http_pause(f->ms) < 0 ||
		    (ch->style != CHAT_OLLAMA && send_raw(ch, ": ping\n\n")))
			return;
	for (i = 0; i <= ch->npieces; i++) {
		if (i == at) {
			switch (f->kind) {
			case FAULT_STALL:
				if (http_pause(f->ms) < 0)
					return;
				break;
			case FAULT_TRUNCATE:
				if (f->clean)
					http_chunk_end(ch->c);
				http_close(ch->c);
				return;
			case FAULT_RESET: http_reset(ch->c); return;
			case FAULT_MALFORMED:
				if (send_malformed(ch) < 0)
					return;
				break;
			case FAULT_ERROR:
				if (send_stream_error(ch) == 0)
					http_chunk_end(ch->c);
				http_close(ch->c);
				return;
			default: break;
			}
		}
		if (i == ch->npieces)
			break;
		if (f->kind == FAULT_DRIP && i > 0 && http_pause(f->ms) < 0)
			return;
		if (send_piece(ch, i) < 0)
			return;
	}
	if (send_end(ch) == 0)
		http_chunk_end(ch->c);
}

static void whole(struct chat *ch)
{
	const struct fault *f = &ch->r->fault;
	size_t len =
	        ch->npieces ? ch->pieces[ch->npieces - 1].off + ch->pieces[ch->npieces - 1].len : 0;
	long delay = f->kind == FAULT_DRIP    ? f->ms * (long)ch->npieces
	             : f->kind == FAULT_STALL ? f->ms
	             : f->kind == FAULT_PING  ? f->ms * f->count
	                                      : 0;
	cJSON *o, *choice;
	char *s;
	size_t n;

	if (http_pause(delay) < 0)
		return;
	if (f->kind == FAULT_ERROR) {
		chat_send_error(ch->c, ch->style, 500, NULL, injected);
		return;
	}
	if (ch->style == CHAT_OLLAMA) {
		o = ollama_object(ch, ch->r->text, len, 1);
	} else {
		o = openai_object(ch, "chat.completion");
		choice = cJSON_CreateObject();
		cJSON_AddNumberToObject(choice, "index", 0);
		cJSON_AddItemToObject(choice, "message", message_object(ch->r->text, len));
		cJSON_AddStringToObject(choice, "finish_reason", ch->finish);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "choices"), choice);
		cJSON_AddItemToObject(o, "usage", usage_object(ch));
		if (ch->style == CHAT_LLAMA)
			cJSON_AddItemToObject(o, "timings", timings_object(ch));
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	n = strlen(s);
	if (f->kind == FAULT_MALFORMED)
		n--;
	if (f->kind == FAULT_TRUNCATE || f->kind == FAULT_RESET) {
		if (http_head(ch->c, 200, "application/json; charset=utf-8", NULL, (long)n) == 0)
			http_send(ch->c, s, n / 2);
		if (f->kind == FAULT_RESET)
			http_reset(ch->c);
		else
			http_close(ch->c);
	} else {
		http_respond(ch->c, 200, "application/json; charset=utf-8", NULL, s, n);
	}
	cJSON_free(s);
}

/* Adds the text of one message's content: a string, or an array of {"text":..} parts. */
static long content_tokens(const cJSON *content)
{
	const cJSON *part;
	long n = 0;

	if (cJSON_IsString(content))
		return (long)chat_tokenize(content->valuestring, strlen(content->valuestring),
		                           NULL);
	cJSON_ArrayForEach(part, content)
	{
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(part, "text");
		if (cJSON_IsString(t))
			n += (long)chat_tokenize(t->valuestring, strlen(t->valuestring), NULL);
	}
	return n;
}

static long prompt_tokens(const cJSON *body)
{
	const cJSON *m;
	long n = 0;

	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(body, "messages"))
	{
		n += content_tokens(cJSON_GetObjectItemCaseSensitive(m, "content"));
	}
	return n;
}

/* The first of the named fields that is a number; -1 (no limit) when none is, or it is negative. */
static long token_limit(const cJSON *body, enum chat_style style)
{
	static const char *const llama[] = { "max_tokens", "max_completion_tokens", "n_predict",
		                             NULL };
	static const char *const ollama[] = { "options.num_predict", NULL };
	const char *const *f = style == CHAT_OLLAMA ? ollama : llama;

	for (; *f; f++) {
		const cJSON *v = script_lookup(body, *f);
		if (cJSON_IsNumber(v))
			return v->valuedouble < 0 ? -1 : (long)v->valuedouble;
	}
	return -1;
}

/* The length of text up to the earliest stop sequence in body. */
static size_t cut_at_stop(const char *text, size_t len, const cJSON *body, enum chat_style style)
{
	const cJSON *stop = script_lookup(body, style == CHAT_OLLAMA ? "options.stop" : "stop");
	const cJSON *s;
	size_t cut = len;

	if (cJSON_IsString(stop)) {
		const char *hit = *stop->valuestring ? strstr(text, stop->valuestring) : NULL;
		return hit && (size_t)(hit - text) < len ? (size_t)(hit - text) : len;
	}
	cJSON_ArrayForEach(s, stop)
	{
		const char *hit;
		if (!cJSON_IsString(s) || !*s->valuestring)
			continue;
		hit = strstr(text, s->valuestring);
		if (hit && (size_t)(hit - text) < cut)
			cut = (size_t)(hit - text);
	}
	return cut;
}

/* Answers when the reply's expectations hold; returns -1 after answering 400 otherwise. */
static int check(struct http_conn *c, enum chat_style style, const cJSON *body,
                 const struct reply *r)
{
	struct buf why = BUF_INIT;
	char *msg;

	if (script_check(r, body, &why) == 0)
		return 0;
	msg = xasprintf("fake server: expectation failed: %s", why.ptr);
	fprintf(stderr, "loom-fakesrv: %s: %s\n", r->name, msg + strlen("fake server: "));
	chat_send_error(c, style, 400, NULL, msg);
	free(msg);
	buf_release(&why);
	return -1;
}

void chat_answer(struct http_conn *c, enum chat_style style, const struct chat_server *srv,
                 const cJSON *body, const struct reply *r, unsigned long seq)
{
	struct chat ch;
	const struct fault *f;
	size_t len, pos;
	long limit;

	if (!r) {
		fprintf(stderr, "loom-fakesrv: script exhausted\n");
		chat_send_error(c, style, 500, NULL, "fake server: script exhausted");
		return;
	}
	if (check(c, style, body, r) < 0)
		return;
	memset(&ch, 0, sizeof(ch));
	ch.c = c;
	ch.style = style;
	ch.srv = srv;
	ch.r = r;
	ch.created = (double)time(NULL);
	snprintf(ch.id, sizeof(ch.id), "chatcmpl-fake-%lu", seq);
	ch.prompt = r->has_usage ? r->prompt : prompt_tokens(body);
	ch.cached = r->cached;
	f = &r->fault;
	if (f->kind == FAULT_HTTP) {
		char *msg = xasprintf("fake server: injected HTTP %d %s", f->code,
		                      http_reason(f->code));
		char *extra = f->retry_after >= 0
		                      ? xasprintf("Retry-After: %ld\r\n", f->retry_after)
		                      : NULL;
		chat_send_error(c, style, f->code, extra, msg);
		free(msg);
		free(extra);
		return;
	}
	if (f->kind == FAULT_OVERFLOW) {
		static const char llama[] = "the request exceeds the available context size, try "
		                            "increasing it";
		cJSON *inner = error_object(400, llama, "exceed_context_size_error");
		cJSON_AddNumberToObject(inner, "n_prompt_tokens", (double)ch.prompt);
		cJSON_AddNumberToObject(inner, "n_ctx", (double)srv->n_ctx);
		if (style == CHAT_OLLAMA)
			send_error_object(c, style, 500, NULL,
			                  "the input length exceeds the context length", inner);
		else
			send_error_object(c, style, 400, NULL, llama, inner);
		return;
	}
	len = cut_at_stop(r->text, r->len, body, style);
	limit = token_limit(body, style);
	ch.finish = "stop";
	for (pos = 0; pos < len;) {
		size_t n = piece_len(r->text + pos, len - pos, 0);
		if (limit >= 0 && ch.npieces == (size_t)limit) {
			ch.finish = "length";
			break;
		}
		XGROW(ch.pieces, ch.cap, ch.npieces + 1);
		ch.pieces[ch.npieces].off = pos;
		ch.pieces[ch.npieces++].len = n;
		pos += n;
	}
	ch.completion = r->has_usage ? r->completion : (long)ch.npieces;
	ch.include_usage = cJSON_IsTrue(script_lookup(body, "stream_options.include_usage"));
	if (style == CHAT_OLLAMA)
		ch.stream = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(body, "stream"));
	else
		ch.stream = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "stream"));
	if (ch.stream)
		stream(&ch);
	else
		whole(&ch);
	free(ch.pieces);
}
