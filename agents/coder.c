/*
 * coder.c - the Coder: a step and its Context Map become edit blocks.
 *
 * The reply is parsed by core/edits.c; a reply without usable blocks goes back
 * to the model with the parser's one-line message, a bounded number of times.
 * Whether each block applies to the real file is checked by the caller, who
 * can read files (the Coder cannot): its message comes back here as feedback.
 */
#include "agents/roles.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "agents/prompts.h"
#include "core/buf.h"
#include "core/xalloc.h"

enum coder_format coder_default_format(const struct model *m, const char *setting)
{
	if (setting && !strcmp(setting, "whole"))
		return CODER_WHOLE;
	if (setting && !strcmp(setting, "search-replace"))
		return CODER_SEARCH_REPLACE;
	/* small models are far more reliable writing whole files than exact SEARCH text */
	return m->params_b > 0 && m->params_b < 3.0 ? CODER_WHOLE : CODER_SEARCH_REPLACE;
}

int coder_propose(struct model *m, const struct role_io *io, const char *goal, const char *context,
                  enum coder_format format, const char *prev_reply, const char *feedback,
                  struct edits *out, char **reply, struct error *e)
{
	struct buf user = BUF_INIT;
	/* the system prompt, the step, an earlier reply and its correction, 8 retries */
	struct model_msg msgs[4 + 2 * 8];
	size_t nmsgs = 0, i;
	char *owned[2 + 2 * 8];
	size_t nowned = 0;
	int attempt, rc = -1, retries = io->retries < 8 ? io->retries : 8;

	*reply = NULL;
	buf_addf(&user, "Step: %s\n\n%s", goal, context);
	msgs[nmsgs++] =
	        (struct model_msg){ "system",
		                    prompt_get(format == CODER_WHOLE ? "coder-whole" : "coder") };
	msgs[nmsgs++] = (struct model_msg){ "user", user.ptr };
	if (prev_reply && feedback) {
		owned[nowned++] = xstrdup(prev_reply);
		msgs[nmsgs++] = (struct model_msg){ "assistant", owned[nowned - 1] };
		/* the caller's whole correction: why the last reply failed, what to send */
		owned[nowned++] = xstrdup(feedback);
		msgs[nmsgs++] = (struct model_msg){ "user", owned[nowned - 1] };
	}
	for (attempt = 0; attempt <= retries; attempt++) {
		struct model_request req = { 0 };
		struct model_reply r = MODEL_REPLY_INIT;
		struct error why = ERROR_INIT;

		req.msgs = msgs;
		req.nmsgs = nmsgs;
		role_request(&req, io);
		if (model_chat(m, &req, &r, e) < 0) {
			buf_release(&r.text);
			break;
		}
		if (edits_parse(r.text.ptr, r.text.len, out, &why) == 0) {
			*reply = buf_detach(&r.text, NULL);
			rc = 0;
			break;
		}
		if (attempt == retries || nmsgs + 2 > sizeof(msgs) / sizeof(msgs[0])) {
			error_set(e, "the model's edits could not be read %d time%s; last: %s",
			          attempt + 1, attempt ? "s" : "", why.msg);
			buf_release(&r.text);
			break;
		}
		owned[nowned++] = buf_detach(&r.text, NULL);
		msgs[nmsgs++] = (struct model_msg){ "assistant", owned[nowned - 1] };
		owned[nowned++] = xasprintf("That reply has no usable edit blocks: %s. Reply again "
		                            "with edit blocks only.",
		                            why.msg);
		msgs[nmsgs++] = (struct model_msg){ "user", owned[nowned - 1] };
	}
	for (i = 0; i < nowned; i++)
		free(owned[i]);
	buf_release(&user);
	return rc;
}
