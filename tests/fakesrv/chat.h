/* chat.h - the fake server's chat answers in three wire styles, faults included. */
#ifndef LOOM_FAKESRV_CHAT_H
#define LOOM_FAKESRV_CHAT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "tests/fakesrv/http.h"
#include "tests/fakesrv/script.h"

enum chat_style {
	CHAT_LLAMA,  /* llama.cpp's OpenAI-compatible endpoint: usage and timings always */
	CHAT_OPENAI, /* plain OpenAI: usage only when asked for */
	CHAT_OLLAMA, /* Ollama's /api/chat: NDJSON */
};

struct chat_server {
	const char *model;
	long n_ctx;
};

/*
 * The fake tokenizer: one token per run of whitespace, and one per piece of at
 * most 4 bytes (whole UTF-8 characters) of a run of other bytes. Returns the
 * number of tokens; appends their ids to ids (a cJSON array) when not NULL.
 */
size_t chat_tokenize(const char *s, size_t n, cJSON *ids);

/*
 * Sends the family's error JSON with status; extra is more header lines or
 * NULL. Returns 0, or -1 when the client is gone.
 */
int chat_send_error(struct http_conn *c, enum chat_style style, int status, const char *extra,
                    const char *message);

/*
 * Answers one chat request (body: its parsed JSON object) from reply r, or with
 * HTTP 500 when r is NULL (the script is exhausted): checks r's expectations,
 * injects its fault, streams or not as the request asks. seq numbers the
 * response id. A fault may close or reset c; otherwise the caller closes it.
 */
void chat_answer(struct http_conn *c, enum chat_style style, const struct chat_server *srv,
                 const cJSON *body, const struct reply *r, unsigned long seq);

#endif
