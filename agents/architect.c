/*
 * architect.c - the Architect: a request becomes a plan of small steps.
 *
 * One contract-checked model call (core/structured.c) with a short system
 * prompt (agents/prompts/architect.txt) and a user message holding the
 * repository summary and the request. The plan's shape is contract_plan; its
 * paths have already passed path_check() when this returns.
 */
#include "agents/roles.h"

#include <stdlib.h>

#include "agents/prompts.h"
#include "core/buf.h"
#include "core/structured.h"

int architect_plan(struct model *m, const struct role_io *io, const char *request,
                   const char *summary, cJSON **plan, struct error *e)
{
	struct buf user = BUF_INIT;
	struct model_msg msgs[2];
	struct model_request req = { 0 };
	int attempts, rc;

	buf_addf(&user, "Repository summary:\n%s\nRequest: %s\n", summary, request);
	msgs[0] = (struct model_msg){ "system", prompt_get("architect") };
	msgs[1] = (struct model_msg){ "user", user.ptr };
	req.msgs = msgs;
	req.nmsgs = 2;
	role_request(&req, io);
	rc = structured_chat(m, &req, &contract_plan, io->retries, plan, &attempts, e);
	buf_release(&user);
	return rc;
}
