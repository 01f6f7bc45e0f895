/* rules.h - the named scoring rules of the Context Loom and their weights. */
#ifndef LOOM_RULES_H
#define LOOM_RULES_H

#include "core/error.h"

enum rule_id {
	RULE_TAG,          /* path matches a --tag, an @path in the task, or .loom/tags */
	RULE_GIT_MODIFIED, /* modified, staged, untracked or conflicted */
	RULE_PATH_MENTION, /* the task names the file's path */
	RULE_NAME_MENTION, /* the task names the file's basename or stem */
	RULE_SYMBOL,       /* a symbol named in the task is defined in the file */
	RULE_BM25,         /* lexical relevance of the best chunk, scaled to the best file */
	RULE_PATH_TERMS,   /* task words appear in the file's path */
	RULE_NEIGHBOUR,    /* imports, or is imported by, a strong file */
	RULE_RECENT,       /* changed in recent commits */
	RULE_GENERATED,    /* penalty: generated file */
	RULE_VENDORED,     /* penalty: vendored third-party code */
	RULE_LOCK,         /* penalty: dependency lock file */
	RULE_MINIFIED,     /* penalty: minified file */
	RULE_TEST,         /* test file (penalty by default) */
	RULE__COUNT
};

struct rule_def {
	const char *name;       /* as written in .loom/rules and the ledger */
	double points;          /* default weight */
	const char *fires_when; /* one line for docs and --help */
};

extern const struct rule_def rule_defs[RULE__COUNT];

/* The weights in force for a query. */
struct rules {
	double w[RULE__COUNT];
};

/* Fills r with the documented defaults. */
void rules_defaults(struct rules *r);
/*
 * Reads "name = points" lines ('#' starts a comment) from path over the
 * current weights. A missing file is not an error. A bad line is reported as a
 * warning naming the file and line and ignored; returns the number of such lines.
 */
int rules_load(struct rules *r, const char *path);
/* Returns the rule with this name, or -1. */
int rules_find(const char *name);

#endif
