/* roles.h - what the Architect, the Explorer and the Coder each do, as plain functions. */
#ifndef LOOM_ROLES_H
#define LOOM_ROLES_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "context/db.h"
#include "context/repo.h"
#include "context/rules.h"
#include "core/edits.h"
#include "core/error.h"
#include "core/model.h"

/* Streamed model text goes here while a role works (may be NULL). */
struct role_io {
	int (*on_token)(void *ctx, const char *text, size_t n);
	void *ctx;
	const volatile sig_atomic_t *cancel;
	int max_tokens;
	double temperature;
	long long seed;
	int retries; /* contract or format violations fed back, at most */
	/* a route for this request (agents/route.h): another model, LoRA adapters */
	const char *model;
	const struct model_lora *lora;
	size_t nlora;
};

/* A request's settings from io: its limits, sampling, token stream, cancel flag and route. */
static inline void role_request(struct model_request *req, const struct role_io *io)
{
	req->max_tokens = io->max_tokens;
	req->temperature = io->temperature;
	req->seed = io->seed;
	req->on_token = io->on_token;
	req->ctx = io->ctx;
	req->cancel = io->cancel;
	req->model = io->model;
	req->lora = io->lora;
	req->nlora = io->nlora;
}

/*
 * The Architect: the user's request plus a short repository summary become a
 * plan, {"steps": [{"goal", "files"}]} (core/contract.h's contract_plan),
 * through a contract-checked model call. No filesystem access is needed.
 * On success *plan is owned by the caller.
 */
int architect_plan(struct model *m, const struct role_io *io, const char *request,
                   const char *summary, cJSON **plan, struct error *e);

/* A Context Map: what the Explorer packs for one step. */
struct context_map {
	cJSON *ledger; /* the Context Loom ledger, with the packed text of each slice */
	char *text;    /* the packed slices as prompt text, "--- PATH (lines A-B) ---" headers */
	int whole;     /* every packed file is packed whole (the whole-file edit format can work) */
};

/*
 * The Explorer: a Context Loom query for a step's goal, with the step's files
 * tagged, packed to budget tokens. Read-only on the repository; no model call.
 */
int explorer_map(struct repo *r, struct db *d, const char *goal, const char *const *tags,
                 size_t ntags, size_t budget, const struct rules *rules, struct context_map *out,
                 struct error *e);
void context_map_release(struct context_map *cm);

enum coder_format { CODER_SEARCH_REPLACE, CODER_WHOLE };

/*
 * The Coder: a step's goal and its Context Map become edit blocks. It never
 * writes or reads a file. prev_reply and feedback, when not NULL, are the
 * previous reply and the whole correction to show after it as the user's next
 * message (why it could not be used: an edit that did not apply, a check that
 * failed, and what to send instead). A reply
 * with no usable blocks is retried with the parser's message, io->retries
 * times. On success *reply holds the model's text (caller frees).
 */
int coder_propose(struct model *m, const struct role_io *io, const char *goal, const char *context,
                  enum coder_format format, const char *prev_reply, const char *feedback,
                  struct edits *out, char **reply, struct error *e);

/* The edit format for a model: whole files for models under 3B parameters, when known. */
enum coder_format coder_default_format(const struct model *m, const char *setting);

/* One unit a night build asks for (agents/slot.c, docs/BUILD.md). */
struct slot_ask {
	const char *lang;      /* "python", "c", "rust": for the prompt */
	const char *signature; /* the unit's signature, to be kept exactly */
	const char *contract;  /* what it must do, in plain language */
	const char *target;    /* the file as it stands, the unit marked "<<< THIS UNIT >>>" */
	const char *prev;      /* the previous attempt's code, or NULL */
	const char *error;     /* its test's trimmed error, or NULL */
};

/*
 * The Coder fills one slot: a single model call capped at io->max_tokens
 * tokens with stop sequences, whose reply is the unit's code; code fences and
 * prose around them are stripped. On success *code is the code, ending in a
 * newline (caller frees). -1 with e set on a model failure or an empty reply.
 */
int slot_write(struct model *m, const struct role_io *io, const struct slot_ask *a, char **code,
               struct error *e);
/* The unit's code in a model reply: a fence's content if there is one; caller frees. */
char *slot_strip(const char *text);

/*
 * The Architect splits a slot that thrashes: a reply {"helpers": [{"name",
 * "signature", "contract"}] (2-3), "combiner": "code"}, read leniently and
 * checked here (retried io->retries times with the problem). On success
 * *parts is that object (caller deletes).
 */
int slot_decompose(struct model *m, const struct role_io *io, const struct slot_ask *a,
                   cJSON **parts, struct error *e);

#endif
