/*
 * ledger.c - the evidence ledger: why each file is in the model's context.
 *
 * A ledger is the JSON document query_run() builds; it is stored whole in
 * table queries, keyed by a content hash, so `loom ledger` reprints exactly
 * what `loom query` printed, and identical queries on an identical repository
 * share one id. Text output is rendered from the JSON, never from the live
 * query, so both forms always agree.
 */
#include "context/ledger.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "core/xalloc.h"

int ledger_store(struct db *d, cJSON *doc, struct error *e)
{
	char *json = cJSON_PrintUnformatted(doc), hex[GIT_OID_HEXSZ + 1];
	git_oid oid;
	sqlite3_stmt *st;
	int rc;

	if (!json)
		return error_set(e, "cannot encode the ledger");
	git_odb_hash(&oid, json, strlen(json), GIT_OBJECT_BLOB);
	free(json);
	git_oid_tostr(hex, sizeof(hex), &oid);
	hex[12] = '\0';
	/* the id goes first: it is what people read and pass back */
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "query_id");
	{
		cJSON *id = cJSON_CreateString(hex);
		id->string = xstrdup("query_id"); /* freed by cJSON with free() */
		if (doc->child)
			cJSON_InsertItemInArray(doc, 0, id);
		else
			cJSON_AddItemToObject(doc, "query_id", id);
	}
	json = cJSON_PrintUnformatted(doc);
	st = db_prepare(d, "INSERT OR REPLACE INTO queries(id, seq, created, json) VALUES(?1,"
	                   " (SELECT coalesce(max(seq), 0) + 1 FROM queries), ?2, ?3)");
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(st, 3, json, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	free(json);
	if (rc != SQLITE_DONE)
		return error_set(e, "cannot store the ledger: %s", sqlite3_errmsg(d->h));
	st = db_prepare(d, "DELETE FROM queries WHERE seq <= (SELECT max(seq) FROM queries) - ?1");
	sqlite3_bind_int(st, 1, LEDGER_KEEP);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return 0;
}

int ledger_load(struct db *d, const char *id, cJSON **doc, struct error *e)
{
	sqlite3_stmt *st;
	char *lo = NULL, *hi = NULL;
	int rc, n = 0;
	const char *json = NULL;

	*doc = NULL;
	if (id) {
		size_t k;
		for (k = 0; id[k]; k++)
			if (!strchr("0123456789abcdef", id[k]) || k >= 40)
				return error_set(e, "'%s' is not a query id", id);
		if (!k)
			return error_set(e, "'' is not a query id");
		lo = xstrdup(id);
		hi = xasprintf("%sg", id); /* 'g' follows every hex digit */
		st = db_prepare(d, "SELECT json FROM queries WHERE id >= ?1 AND id < ?2 LIMIT 2");
		sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	} else {
		st = db_prepare(d, "SELECT json FROM queries ORDER BY seq DESC LIMIT 1");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == 0)
			*doc = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
		json = "";
	}
	sqlite3_finalize(st);
	free(lo);
	free(hi);
	if (n > 1) {
		cJSON_Delete(*doc);
		*doc = NULL;
		return error_set(e, "query id '%s' is ambiguous", id);
	}
	if (!json)
		return id ? error_set(e, "no stored ledger has id '%s'", id)
		          : error_set(e, "no ledger is stored yet: run 'loom query' first");
	if (!*doc)
		return error_set(e, "the stored ledger is damaged");
	return 0;
}

char *ledger_json(const cJSON *doc)
{
	char *s = cJSON_PrintUnformatted(doc);
	char *line = xasprintf("%s\n", s ? s : "{}");

	free(s);
	return line;
}

void ledger_print_text(FILE *f, const cJSON *doc)
{
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(doc, "files");
	const cJSON *notes = cJSON_GetObjectItemCaseSensitive(doc, "notes");
	const cJSON *terms = cJSON_GetObjectItemCaseSensitive(doc, "terms");
	const cJSON *x, *y;

	fprintf(f, "query %s: %d of %d tokens used, %d candidate files\n",
	        json_text(doc, "query_id"), (int)json_num(doc, "tokens_used"),
	        (int)json_num(doc, "budget"), (int)json_num(doc, "candidates"));
	if (cJSON_GetArraySize(terms) > 0) {
		fputs("terms:", f);
		cJSON_ArrayForEach(x, terms)
		        fprintf(f, " %s", cJSON_IsString(x) ? x->valuestring : "");
		fputc('\n', f);
	}
	cJSON_ArrayForEach(x, notes)
	        fprintf(f, "note: %s\n", cJSON_IsString(x) ? x->valuestring : "");
	cJSON_ArrayForEach(x, files)
	{
		const cJSON *slices = cJSON_GetObjectItemCaseSensitive(x, "slices");
		const cJSON *packed = cJSON_GetObjectItemCaseSensitive(x, "packed");

		fprintf(f, "\n%3d. %-50s %7.2f", (int)json_num(x, "rank"), json_text(x, "path"),
		        json_num(x, "score"));
		if (cJSON_IsTrue(packed)) {
			int first = 1;
			fprintf(f, "  packed %d tokens:", (int)json_num(x, "tokens"));
			cJSON_ArrayForEach(y, slices)
			{
				fprintf(f, "%s%d-%d", first ? " " : ",",
				        (int)json_num(y, "start_line"),
				        (int)json_num(y, "end_line"));
				first = 0;
			}
			fputc('\n', f);
		} else {
			fputs("  not packed\n", f);
		}
		cJSON_ArrayForEach(y, cJSON_GetObjectItemCaseSensitive(x, "rules"))
		        fprintf(f, "       %-13s %+7.2f  %s\n", json_text(y, "rule"),
		                json_num(y, "points"), json_text(y, "evidence"));
		if (*json_text(x, "left_out"))
			fprintf(f, "       left out: %s\n", json_text(x, "left_out"));
		cJSON_ArrayForEach(y, slices)
		{
			const char *text = json_text(y, "text");
			size_t n = strlen(text);
			if (!n)
				continue;
			fprintf(f, "       --- %s:%d-%d ---\n", json_text(x, "path"),
			        (int)json_num(y, "start_line"), (int)json_num(y, "end_line"));
			fwrite(text, 1, n, f);
			if (text[n - 1] != '\n')
				fputc('\n', f);
		}
	}
	if (!cJSON_GetArraySize((cJSON *)files))
		fputs("no files\n", f);
}

void ledger_print(FILE *f, const cJSON *doc, int json)
{
	if (json) {
		char *s = ledger_json(doc);
		fputs(s, f);
		free(s);
	} else {
		ledger_print_text(f, doc);
	}
}
