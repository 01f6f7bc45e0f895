/* query.h - ranking and packing the files relevant to a task: the ledger. */
#ifndef LOOM_QUERY_H
#define LOOM_QUERY_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "context/db.h"
#include "context/repo.h"
#include "context/rules.h"
#include "core/error.h"

#define QUERY_BUDGET_DEFAULT 4096
#define QUERY_TOP_DEFAULT    20

struct query_opts {
	const char *task;        /* the task text (may be empty) */
	const char *const *tags; /* --tag values */
	size_t ntags;
	size_t budget;             /* tokens for the packed context */
	size_t top;                /* files listed in the ledger */
	int content;               /* put the packed text in each slice */
	const struct rules *rules; /* weights; NULL = defaults plus .loom/rules */
};

/*
 * Ranks the files of an up-to-date index for the task and packs the best into
 * the budget. On success *out is the ledger, a JSON object owned by the
 * caller (see docs/SCORING.md for its fields), and it has been stored in the
 * database under its query_id. Deterministic: the same index state and options
 * give a byte-identical ledger. -1 with e set on failure.
 */
int query_run(struct repo *r, struct db *d, const struct query_opts *o, cJSON **out,
              struct error *e);

#endif
