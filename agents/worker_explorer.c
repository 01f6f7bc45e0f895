/*
 * worker_explorer.c - the Explorer as a worker: Context Loom queries on the
 * repository and its index, read-only, no model and no network code. Before
 * the sandbox it opens the repository and the index; the sandbox then leaves
 * it reading the repository (and what git and SQLite need beside it).
 */
#include "agents/worker.h"

#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "context/db.h"
#include "context/repo.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/xalloc.h"

struct explorer_state {
	struct repo r;
	struct db d;
	char **extra; /* the policy's read-only paths outside the repository */
	size_t nextra;
	struct rules rules; /* the rules setting's weights, read before the sandbox */
	int have_rules;
};

static int prepare(struct worker_env *w, struct error *e)
{
	struct explorer_state *st = xcalloc(1, sizeof(*st));
	const char *path;

	st->r = (struct repo)REPO_INIT;
	st->d = (struct db)DB_INIT;
	w->state = st;
	if (repo_open(w->repo, &st->r, e) < 0 || db_open(&st->r, &st->d, e) < 0)
		return -1;
	/* the rules setting: a weights file instead of .loom/rules (for loom eval --compare) */
	path = config_get(&w->conf, CONF_RULES);
	if (*path) {
		char *full = path[0] == '/' ? xstrdup(path) : fs_join(st->r.root, path);
		if (access(full, R_OK) < 0) {
			error_errno(e, "rules: cannot read %s", full);
			free(full);
			return -1;
		}
		rules_defaults(&st->rules);
		rules_load(&st->rules, full);
		st->have_rules = 1;
		free(full);
	}
	return 0;
}

static void policy(struct worker_env *w, struct sandbox_policy *p)
{
	struct explorer_state *st = w->state;

	p->repo_root = st->r.root;
	p->index_dir = st->r.loom_dir;
	st->extra = repo_outside_paths(&st->r, &st->nextra);
	p->read_only = (const char *const *)st->extra;
	p->nread_only = st->nextra;
	db_temp_dir(st->r.loom_dir); /* the sandbox leaves it no other place to write */
}

static cJSON *handle(struct worker_env *w, const char *kind, const cJSON *p, const char **fail,
                     struct error *e)
{
	struct explorer_state *st = w->state;
	struct context_map map;
	const cJSON *t, *tags = cJSON_GetObjectItemCaseSensitive(p, "tags");
	const cJSON *budget = cJSON_GetObjectItemCaseSensitive(p, "budget");
	const char **tv;
	size_t nt = 0;
	cJSON *res;
	int rc;

	if (strcmp(kind, "explore") != 0) {
		*fail = "bad-request";
		error_set(e, "the explorer does not do '%s'", kind);
		return NULL;
	}
	tv = xcalloc((size_t)cJSON_GetArraySize(tags) + 1, sizeof(*tv));
	cJSON_ArrayForEach(t, tags) if (cJSON_IsString(t)) tv[nt++] = t->valuestring;
	rc = explorer_map(&st->r, &st->d, json_text(p, "goal"), tv, nt,
	                  cJSON_IsNumber(budget) && budget->valuedouble >= 1
	                          ? (size_t)budget->valuedouble
	                          : 4096,
	                  st->have_rules ? &st->rules : NULL, &map, e);
	free(tv);
	if (rc < 0) {
		*fail = "context";
		return NULL;
	}
	res = cJSON_CreateObject();
	cJSON_AddItemToObject(res, "ledger", map.ledger);
	map.ledger = NULL;
	cJSON_AddStringToObject(res, "text", map.text);
	cJSON_AddBoolToObject(res, "whole", map.whole);
	context_map_release(&map);
	return res;
}

static void done(struct worker_env *w)
{
	struct explorer_state *st = w->state;
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->nextra; i++)
		free(st->extra[i]);
	free(st->extra);
	db_close(&st->d);
	repo_close(&st->r);
	free(st);
	w->state = NULL;
}

const struct worker_ops worker_explorer_ops = {
	"loom-worker-explorer",
	1u << SANDBOX_EXPLORER,
	prepare,
	policy,
	NULL,
	handle,
	NULL,
	NULL,
	done,
};
