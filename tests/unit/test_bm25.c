/* test_bm25.c - loom_bm25() agrees with FTS5's own bm25() and ranks common terms too. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "context/bm25.h"
#include "context/token.h"
#include "core/buf.h"

static const char *const docs[] = {
	"parse the command line arguments into options",
	"the journal replay reads every block of the journal",
	"parse options parse options parse options",
	"a checksum of a file, printed in hex",
	"free the list of buffers and unlock the journal",
	"lock the list, add the buffer, unlock the list",
};

static fts5_api *api_of(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st;

	sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return api;
}

static double df(sqlite3 *db, const char *term)
{
	sqlite3_stmt *st;
	double n = 0;

	sqlite3_prepare_v2(db, "SELECT doc FROM v WHERE term = ?1", -1, &st, NULL);
	sqlite3_bind_text(st, 1, term, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return n;
}

int main(void)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	struct error e = ERROR_INIT;
	fts5_api *api;
	size_t i;
	int rows = 0, bad = 0;
	char sql[512];
	const double n = sizeof(docs) / sizeof(docs[0]);
	double w_parse, w_journal, w_list;

	CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
	api = api_of(db);
	CHECK(api != NULL);
	CHECK_INT(token_fts5_register(api, &e), 0);
	CHECK_INT(bm25_register(api, &e), 0);
	sqlite3_exec(db,
	             "CREATE VIRTUAL TABLE f USING fts5(text, tokenize='loom', content='');"
	             "CREATE VIRTUAL TABLE v USING fts5vocab(f, row);",
	             NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO f(rowid, text) VALUES(?1, ?2)", -1, &st, NULL);
	for (i = 0; i < (size_t)n; i++) {
		struct buf terms = BUF_INIT;
		struct token_tf *tf = token_tf_new();
		token_stream(docs[i], strlen(docs[i]), tf, &terms);
		token_tf_free(tf);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i + 1);
		sqlite3_bind_text(st, 2, terms.ptr, -1, SQLITE_TRANSIENT);
		CHECK_INT(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
		buf_release(&terms);
	}
	sqlite3_finalize(st);

	w_parse = bm25_idf(n, df(db, "parse"));
	w_journal = bm25_idf(n, df(db, "journal"));
	w_list = bm25_idf(n, df(db, "list"));
	CHECK(df(db, "parse") == 2 && df(db, "journal") == 2 && df(db, "list") == 2);

	/* with the IDFs FTS5 itself derives, the scores are FTS5's, sign flipped */
	snprintf(sql, sizeof(sql),
	         "SELECT rowid, -bm25(f), loom_bm25(f, %.17g, %.17g, %.17g) FROM f"
	         " WHERE f MATCH '\"parse\" OR \"journal\" OR \"list\"' ORDER BY rowid",
	         w_parse, w_journal, w_list);
	CHECK_INT(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		double a = sqlite3_column_double(st, 1), b = sqlite3_column_double(st, 2);
		rows++;
		if (fabs(a - b) > 1e-9 * fabs(a)) {
			fprintf(stderr, "row %lld: bm25 %.12g, loom_bm25 %.12g\n",
			        (long long)sqlite3_column_int64(st, 0), a, b);
			bad++;
		}
	}
	sqlite3_finalize(st);
	CHECK_INT(rows, 5); /* all but the checksum line */
	CHECK_INT(bad, 0);

	/* "journal" drives; "list" only scores the rows journal matched; repeats weigh 0 */
	snprintf(sql, sizeof(sql),
	         "SELECT rowid, loom_bm25(f, %.17g, 0, %.17g) AS s FROM f"
	         " WHERE f MATCH '(\"journal\") AND (\"journal\" OR \"list\")' ORDER BY s DESC",
	         w_journal, w_list);
	CHECK_INT(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(st), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int64(st, 0), 5); /* journal and list */
	CHECK_INT(sqlite3_step(st), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int64(st, 0), 2); /* journal only */
	CHECK_INT(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);

	CHECK(bm25_idf(10, 9) == 1e-6);
	CHECK(fabs(bm25_idf(10, 1) - log(9.5 / 1.5)) < 1e-12);
	sqlite3_close(db);
	return check_done("test_bm25");
}
