/*
 * slot.c - the model's side of a night build (agents/build.c): one unit of
 * code for one slot, or a slot that thrashes split into helpers.
 *
 * Small models do best with one small, fully specified unit at a time, so a
 * slot request is a single capped call: the signature, the contract, the file
 * as it stands and, on a retry, the previous attempt and its test's error.
 */
#include "agents/roles.h"

#include <stdlib.h>
#include <string.h>

#include "agents/prompts.h"
#include "core/buf.h"
#include "core/contract.h"
#include "core/xalloc.h"

/* Where a reply ends: a closed fence, or the model starting to explain or test. */
static const char *const slot_stops[] = { "\n```\n", "\nif __name__ ==", "\n#[cfg(test)]" };

static void user_text(struct buf *b, const struct slot_ask *a)
{
	buf_addf(b, "Language: %s\nSignature: %s\nContract: %s\n\nThe file:\n%s\n", a->lang,
	         a->signature, a->contract, a->target);
	if (a->prev && a->error)
		buf_addf(b, "\nThe previous attempt:\n%s\nIts test failed:\n%s\n", a->prev,
		         a->error);
}

char *slot_strip(const char *text)
{
	const char *s = text, *open = strstr(text, "```"), *end;
	struct buf b = BUF_INIT;

	if (open) {
		/* the fence's content: from the line after the opening to the closing one */
		const char *nl = strchr(open, '\n');
		s = nl ? nl + 1 : open + strlen(open);
		end = strstr(s, "```");
		if (!end)
			end = s + strlen(s);
	} else {
		end = s + strlen(s);
	}
	while (s < end && (*s == '\n' || *s == '\r'))
		s++;
	while (end > s && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	buf_add(&b, s, (size_t)(end - s));
	buf_addch(&b, '\n');
	return buf_detach(&b, NULL);
}

int slot_write(struct model *m, const struct role_io *io, const struct slot_ask *a, char **code,
               struct error *e)
{
	struct buf user = BUF_INIT;
	struct model_msg msgs[2];
	struct model_request req = { 0 };
	struct model_reply r = MODEL_REPLY_INIT;
	int rc;

	*code = NULL;
	user_text(&user, a);
	msgs[0] = (struct model_msg){ "system", prompt_get("slot") };
	msgs[1] = (struct model_msg){ "user", user.ptr };
	req.msgs = msgs;
	req.nmsgs = 2;
	role_request(&req, io);
	req.stop = slot_stops;
	req.nstop = sizeof(slot_stops) / sizeof(slot_stops[0]);
	rc = model_chat(m, &req, &r, e);
	buf_release(&user);
	if (rc < 0) {
		buf_release(&r.text);
		return -1;
	}
	*code = slot_strip(r.text.ptr ? r.text.ptr : "");
	buf_release(&r.text);
	if (!strcmp(*code, "\n")) {
		free(*code);
		*code = NULL;
		return error_set(e, "the model's reply had no code");
	}
	return 0;
}

/* The problem with a decomposition, or NULL when it can be used. */
static const char *parts_problem(const cJSON *p)
{
	const cJSON *h, *hs = cJSON_GetObjectItemCaseSensitive(p, "helpers");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(p, "combiner");
	int n;

	if (!cJSON_IsArray(hs))
		return "helpers: missing";
	n = cJSON_GetArraySize(hs);
	if (n < 1 || n > 3)
		return "helpers: give 2 or 3";
	cJSON_ArrayForEach(h, hs)
	{
		static const char *const keys[] = { "name", "signature", "contract" };
		size_t k;
		for (k = 0; k < 3; k++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, keys[k]);
			if (!cJSON_IsString(v) || !*v->valuestring)
				return "each helper needs a name, a signature and a contract";
		}
	}
	if (!cJSON_IsString(c) || !*c->valuestring)
		return "combiner: missing";
	return NULL;
}

int slot_decompose(struct model *m, const struct role_io *io, const struct slot_ask *a,
                   cJSON **parts, struct error *e)
{
	struct buf user = BUF_INIT;
	struct model_msg msgs[4];
	char *owned = NULL;
	int attempt, rc = -1;

	*parts = NULL;
	user_text(&user, a);
	msgs[0] = (struct model_msg){ "system", prompt_get("decompose") };
	msgs[1] = (struct model_msg){ "user", user.ptr };
	for (attempt = 0; attempt <= io->retries; attempt++) {
		struct model_request req = { 0 };
		struct model_reply r = MODEL_REPLY_INIT;
		struct error why = ERROR_INIT;
		const char *bad;
		cJSON *doc = NULL;

		req.msgs = msgs;
		req.nmsgs = attempt ? 4 : 2;
		role_request(&req, io);
		if (model_chat(m, &req, &r, e) < 0) {
			buf_release(&r.text);
			break;
		}
		bad = contract_extract(r.text.ptr ? r.text.ptr : "", r.text.len, &doc, &why) < 0
		              ? why.msg
		              : parts_problem(doc);
		if (!bad) {
			*parts = doc;
			buf_release(&r.text);
			rc = 0;
			break;
		}
		cJSON_Delete(doc);
		if (attempt == io->retries) {
			error_set(e, "the model's split could not be used: %s", bad);
			buf_release(&r.text);
			break;
		}
		/* only the last bad reply and its correction are kept */
		free(owned);
		owned = buf_detach(&r.text, NULL);
		msgs[2] = (struct model_msg){ "assistant", owned };
		msgs[3] = (struct model_msg){ "user", "That reply cannot be used (see the rules). "
			                              "Reply with the JSON object only." };
	}
	free(owned);
	buf_release(&user);
	return rc;
}
