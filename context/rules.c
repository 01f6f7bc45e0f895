/*
 * rules.c - the table of scoring rules and the weights file.
 *
 * A file's score is the plain sum of the points of the rules that fire for it;
 * the table below is the single definition of the rules' names and default
 * weights (docs/SCORING.md explains each). Users override weights per
 * repository in .loom/rules.
 */
#include "context/rules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/kv.h"
#include "core/log.h"

const struct rule_def rule_defs[RULE__COUNT] = {
	[RULE_TAG] = { "tag", 40,
	               "the path matches a --tag, an @path in the task, or a glob in .loom/tags" },
	[RULE_GIT_MODIFIED] = { "git_modified", 8,
	                        "git reports the file modified, staged, untracked or conflicted" },
	[RULE_PATH_MENTION] = { "path_mention", 30, "the task names the file's path" },
	[RULE_NAME_MENTION] = { "name_mention", 16,
	                        "the task names the file's basename (or its stem, for half)" },
	[RULE_SYMBOL] = { "symbol", 12,
	                  "a symbol the task names is defined in the file (shared names score "
	                  "less)" },
	[RULE_BM25] = { "bm25", 20,
	                "BM25 of the file's best chunk, scaled so the best file gets the full "
	                "weight" },
	[RULE_PATH_TERMS] = { "path_terms", 8,
	                      "words of the task appear in the file's path, scaled like bm25" },
	[RULE_NEIGHBOUR] = { "neighbour", 2, "the file imports, or is imported by, a strong file" },
	[RULE_RECENT] = { "recent", 10,
	                  "a recent commit changed the file (newer commits score more)" },
	[RULE_GENERATED] = { "generated", -10, "the file says it is generated" },
	[RULE_VENDORED] = { "vendored", -10,
	                    "the file is under vendor/, third_party/, node_modules/ ..." },
	[RULE_LOCK] = { "lock", -20, "the file is a dependency lock file" },
	[RULE_MINIFIED] = { "minified", -15, "the file is minified (.min.* or very long lines)" },
	[RULE_TEST] = { "test", -5, "the file is a test (unless the task is about tests)" },
};

void rules_defaults(struct rules *r)
{
	int i;

	for (i = 0; i < RULE__COUNT; i++)
		r->w[i] = rule_defs[i].points;
}

int rules_find(const char *name)
{
	int i;

	for (i = 0; i < RULE__COUNT; i++)
		if (!strcmp(rule_defs[i].name, name))
			return i;
	return -1;
}

static int rule_line(void *ctx, const char *path, int lineno, const char *name, const char *val)
{
	struct rules *r = ctx;
	int id = rules_find(name);
	char *end;
	double v = strtod(val, &end);

	if (id < 0) {
		log_warn("%s:%d: unknown rule '%s'; line ignored", path, lineno, name);
		return -1;
	}
	if (end == val || *end || !isfinite(v) || fabs(v) > 1000) {
		log_warn("%s:%d: '%s' is not a number of points (-1000..1000); line ignored", path,
		         lineno, val);
		return -1;
	}
	r->w[id] = v;
	return 0;
}

int rules_load(struct rules *r, const char *path)
{
	return kv_read(path, rule_line, r);
}
