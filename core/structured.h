/* structured.h - asking a model for a message that must meet a contract. */
#ifndef LOOM_STRUCTURED_H
#define LOOM_STRUCTURED_H

#include <cjson/cJSON.h>

#include "core/contract.h"
#include "core/model.h"

#define STRUCTURED_RETRIES_DEFAULT 2

/*
 * Runs the chat in r, asking for a reply that meets contract c: the server
 * constrains decoding to c's JSON schema where it can (llama.cpp, Ollama);
 * the reply is then extracted leniently and validated strictly. A violation is
 * fed back to the model as one precise line ("steps[2].goal: missing") and the
 * request retried, at most `retries` times. r->schema is ignored (c decides).
 * On success *doc is the validated document (the caller deletes it) and
 * *attempts the number of model calls made. -1 with e set otherwise: a model
 * failure as model_chat() reports it, or the last violation.
 */
int structured_chat(struct model *m, const struct model_request *r, const struct contract *c,
                    int retries, cJSON **doc, int *attempts, struct error *e);

#endif
