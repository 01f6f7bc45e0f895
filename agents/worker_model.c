/*
 * worker_model.c - the Architect and the Coder as workers: they talk to the
 * model server and to nothing else. Before the sandbox they resolve the
 * endpoint (and read its certificates); the sandbox then leaves them no
 * filesystem and, where the kernel can, no port but the model's.
 */
#include "agents/lessons.h"
#include "agents/prompts.h"
#include "agents/worker.h"

#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/xalloc.h"

struct model_state {
	struct model m;
	struct model_net net;
};

static int prepare(struct worker_env *w, struct error *e)
{
	struct model_state *st = xcalloc(1, sizeof(*st));

	const char *dir = config_get(&w->conf, CONF_PROMPTS);

	st->net = (struct model_net)MODEL_NET_INIT;
	w->state = st;
	/* the prompts setting, read now: the sandbox opens no file later */
	if (*dir) {
		char *full = dir[0] == '/' || !w->repo ? xstrdup(dir) : fs_join(w->repo, dir);
		int rc = prompts_load_dir(full, e);
		free(full);
		if (rc < 0)
			return -1;
	}
	return model_net_prepare(&st->net, config_get(&w->conf, CONF_ENDPOINT), NULL, e);
}

static void policy(struct worker_env *w, struct sandbox_policy *p)
{
	p->model_port = ((struct model_state *)w->state)->net.port;
}

static int ready(struct worker_env *w, struct error *e)
{
	struct model_state *st = w->state;

	st->m.net = &st->net;
	return model_open(&st->m, &w->conf, e);
}

static cJSON *edits_json(const struct edits *es)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < es->n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", es->v[i].path);
		cJSON_AddStringToObject(o, "kind",
		                        es->v[i].kind == EDIT_WHOLE ? "whole" : "replace");
		if (es->v[i].search)
			cJSON_AddStringToObject(o, "search", es->v[i].search);
		cJSON_AddStringToObject(o, "replace", es->v[i].replace ? es->v[i].replace : "");
		cJSON_AddNumberToObject(o, "line", es->v[i].line);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

/* Why a request failed: MODEL_OK means every call worked but no reply met the contract. */
static const char *fail_kind(const struct model *m)
{
	static const char *const names[] = {
		[MODEL_OK] = "contract",        [MODEL_FAIL_CONNECT] = "connect",
		[MODEL_FAIL_HTTP] = "http",     [MODEL_FAIL_OVERFLOW] = "overflow",
		[MODEL_FAIL_STREAM] = "stream", [MODEL_FAIL_CANCELLED] = "cancelled",
		[MODEL_FAIL_TOKEN] = "stopped",
	};
	return names[m->fail];
}

static cJSON *handle(struct worker_env *w, const char *kind, const cJSON *p, const char **fail,
                     struct error *e)
{
	struct model_state *st = w->state;
	cJSON *res = cJSON_CreateObject();

	if (w->role == SANDBOX_ARCHITECT && !strcmp(kind, "plan")) {
		cJSON *plan = NULL;
		if (architect_plan(&st->m, &w->io, json_text(p, "request"), json_text(p, "summary"),
		                   &plan, e) < 0)
			goto fail;
		cJSON_AddItemToObject(res, "plan", plan);
	} else if (w->role == SANDBOX_ARCHITECT && !strcmp(kind, "lesson")) {
		char *rule = NULL;
		if (lesson_distill(&st->m, &w->io, json_text(p, "error"), json_text(p, "failed"),
		                   json_text(p, "fixed"), &rule, e) < 0)
			goto fail;
		cJSON_AddStringToObject(res, "rule", rule);
		free(rule);
	} else if (w->role == SANDBOX_CODER && !strcmp(kind, "code")) {
		struct edits es = EDITS_INIT;
		char *reply = NULL;
		const char *fmt = json_str(p, "format");
		struct model_lora lora[8];
		const cJSON *l, *lv = cJSON_GetObjectItemCaseSensitive(p, "lora");
		size_t nl = 0;
		int rc;
		/* a route for this request: another model, LoRA adapters (agents/route.h) */
		cJSON_ArrayForEach(l, lv)
		{
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(l, "id");
			const cJSON *sc = cJSON_GetObjectItemCaseSensitive(l, "scale");
			if (nl < 8 && cJSON_IsNumber(id) && cJSON_IsNumber(sc)) {
				lora[nl].id = id->valueint;
				lora[nl++].scale = sc->valuedouble;
			}
		}
		w->io.model = json_str(p, "model");
		w->io.lora = lora;
		w->io.nlora = nl;
		rc = coder_propose(
		        &st->m, &w->io, json_text(p, "goal"), json_text(p, "context"),
		        fmt && !strcmp(fmt, "whole") ? CODER_WHOLE : CODER_SEARCH_REPLACE,
		        json_str(p, "prev_reply"), json_str(p, "feedback"), &es, &reply, e);
		w->io.model = NULL;
		w->io.lora = NULL;
		w->io.nlora = 0;
		if (rc < 0)
			goto fail;
		cJSON_AddStringToObject(res, "reply", reply);
		cJSON_AddItemToObject(res, "edits", edits_json(&es));
		edits_release(&es);
		free(reply);
	} else if ((w->role == SANDBOX_CODER && !strcmp(kind, "slot")) ||
	           (w->role == SANDBOX_ARCHITECT && !strcmp(kind, "decompose"))) {
		struct slot_ask a = { json_str(p, "lang"),     json_str(p, "signature"),
			              json_str(p, "contract"), json_str(p, "target"),
			              json_str(p, "prev"),     json_str(p, "error") };
		const cJSON *mt = cJSON_GetObjectItemCaseSensitive(p, "max_tokens");
		struct role_io io = w->io;
		int rc;
		/* a night build's hard cap on this one reply */
		if (cJSON_IsNumber(mt) && mt->valueint > 0)
			io.max_tokens = mt->valueint;
		if (!a.lang || !a.signature || !a.contract || !a.target) {
			error_set(e, "%s: lang, signature, contract and target are needed", kind);
			*fail = "bad-request";
			cJSON_Delete(res);
			return NULL;
		}
		if (kind[0] == 's') {
			char *code = NULL;
			rc = slot_write(&st->m, &io, &a, &code, e);
			if (rc == 0)
				cJSON_AddStringToObject(res, "code", code);
			free(code);
		} else {
			cJSON *parts = NULL;
			rc = slot_decompose(&st->m, &io, &a, &parts, e);
			if (rc == 0)
				cJSON_AddItemToObject(res, "parts", parts);
		}
		if (rc < 0)
			goto fail;
	} else {
		error_set(e, "the %s does not do '%s'", sandbox_role_name(w->role), kind);
		*fail = "bad-request";
		cJSON_Delete(res);
		return NULL;
	}
	return res;
fail:
	*fail = fail_kind(&st->m);
	cJSON_Delete(res);
	return NULL;
}

static uint64_t busy_ns(struct worker_env *w)
{
	return w->state ? ((struct model_state *)w->state)->m.busy_ns : 0;
}

static void tokens(struct worker_env *w, uint64_t *in, uint64_t *out)
{
	struct model_state *st = w->state;

	*in = st ? st->m.tokens_in : 0;
	*out = st ? st->m.tokens_out : 0;
}

static void done(struct worker_env *w)
{
	struct model_state *st = w->state;

	if (!st)
		return;
	model_close(&st->m);
	model_net_release(&st->net);
	free(st);
	w->state = NULL;
}

const struct worker_ops worker_model_ops = {
	"loom-worker-model",
	1u << SANDBOX_ARCHITECT | 1u << SANDBOX_CODER,
	prepare,
	policy,
	ready,
	handle,
	busy_ns,
	tokens,
	done,
};
