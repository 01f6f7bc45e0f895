/*
 * structured.c - contract-checked model replies with a bounded retry.
 *
 * A small model that breaks an output format is told exactly what is wrong and
 * gets another try; it is never asked to "try harder". The conversation grows
 * by the model's broken reply and one user line with the violation, so the
 * model sees its own mistake. The schema derived from the same contract table
 * constrains decoding on servers that support it, which makes violations rare
 * there; everywhere the validator has the last word.
 */
#include "core/structured.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"

int structured_chat(struct model *m, const struct model_request *r, const struct contract *c,
                    int retries, cJSON **doc, int *attempts, struct error *e)
{
	struct model_request req = *r;
	struct model_msg *msgs = xcalloc(r->nmsgs + 2 * (size_t)retries + 1, sizeof(*msgs));
	char **owned = xcalloc(2 * (size_t)retries + 1, sizeof(*owned));
	char *schema = contract_schema(c);
	size_t nmsgs = r->nmsgs, nowned = 0, i;
	int attempt, rc = -1;

	*doc = NULL;
	*attempts = 0;
	memcpy(msgs, r->msgs, r->nmsgs * sizeof(*msgs));
	req.schema = schema;
	for (attempt = 0; attempt <= retries; attempt++) {
		struct model_reply reply = MODEL_REPLY_INIT;
		struct error why = ERROR_INIT;

		req.msgs = msgs;
		req.nmsgs = nmsgs;
		(*attempts)++;
		if (model_chat(m, &req, &reply, e) < 0) {
			buf_release(&reply.text);
			break;
		}
		if (contract_parse(c, reply.text.ptr, reply.text.len, doc, &why) == 0) {
			buf_release(&reply.text);
			rc = 0;
			break;
		}
		if (attempt == retries) {
			error_set(e,
			          "the model's reply broke the '%s' contract %d time%s; last: %s",
			          c->name, attempt + 1, attempt ? "s" : "", why.msg);
			m->fail = MODEL_FAIL_STREAM;
			buf_release(&reply.text);
			break;
		}
		/* show the model its reply and exactly what is wrong with it */
		owned[nowned] = buf_detach(&reply.text, NULL);
		msgs[nmsgs++] = (struct model_msg){ "assistant", owned[nowned++] };
		owned[nowned] = xasprintf("That reply is not valid: %s. Reply again with only the "
		                          "corrected JSON.",
		                          why.msg);
		msgs[nmsgs++] = (struct model_msg){ "user", owned[nowned++] };
	}
	for (i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	free(msgs);
	free(schema);
	return rc;
}
