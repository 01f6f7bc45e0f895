/*
 * explorer.c - the Explorer: a step's goal becomes a Context Map.
 *
 * A Context Loom query with the step's files tagged, packed to the budget,
 * with the text of every slice. No model call, nothing written but the index
 * (and its stored ledger). The map's text is what the Coder sees.
 */
#include "agents/roles.h"

#include <stdlib.h>
#include <string.h>

#include "context/query.h"
#include "core/buf.h"

int explorer_map(struct repo *r, struct db *d, const char *goal, const char *const *tags,
                 size_t ntags, size_t budget, const struct rules *rules, struct context_map *out,
                 struct error *e)
{
	struct query_opts qo = { 0 };
	struct buf text = BUF_INIT;
	const cJSON *f, *s;
	int whole = 1, packed = 0;

	memset(out, 0, sizeof(*out));
	qo.task = goal;
	qo.tags = tags;
	qo.ntags = ntags;
	qo.budget = budget;
	qo.top = QUERY_TOP_DEFAULT;
	qo.content = 1;
	qo.rules = rules;
	if (query_run(r, d, &qo, &out->ledger, e) < 0)
		return -1;
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(out->ledger, "files"))
	{
		const char *path = cJSON_GetObjectItemCaseSensitive(f, "path")->valuestring;
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "packed")))
			continue;
		packed++;
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(f, "slices"))
		{
			const cJSON *t = cJSON_GetObjectItemCaseSensitive(s, "text");
			const cJSON *why = cJSON_GetObjectItemCaseSensitive(s, "why");
			if (!cJSON_IsString(t))
				continue;
			if (!cJSON_IsString(why) || strcmp(why->valuestring, "whole file"))
				whole = 0;
			buf_addf(&text, "--- %s (lines %d-%d) ---\n", path,
			         cJSON_GetObjectItemCaseSensitive(s, "start_line")->valueint,
			         cJSON_GetObjectItemCaseSensitive(s, "end_line")->valueint);
			buf_adds(&text, t->valuestring);
			if (text.len && text.ptr[text.len - 1] != '\n')
				buf_addch(&text, '\n');
		}
	}
	out->text = buf_detach(&text, NULL);
	out->whole = packed > 0 && whole;
	return 0;
}

void context_map_release(struct context_map *cm)
{
	cJSON_Delete(cm->ledger);
	free(cm->text);
	memset(cm, 0, sizeof(*cm));
}
