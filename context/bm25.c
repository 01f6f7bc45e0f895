/*
 * bm25.c - BM25 as an FTS5 auxiliary function that is told each term's IDF.
 *
 * FTS5's built-in bm25() finds the document frequency of every phrase by
 * visiting every row that contains it, once per query. For a term found in a
 * tenth of the Linux kernel's chunks that alone costs more than the rest of
 * the query. The Context Loom already knows each term's document frequency
 * (from the fts5vocab table, which reads it from the index directly), so this
 * function takes the IDFs as arguments and computes, per matched row, the same
 * Okapi BM25 from the row's term frequencies and length.
 *
 * That also lets a query match only the rows holding a selective term while
 * scoring common terms too: the MATCH expression
 *   (rare1 OR rare2) AND (rare1 OR rare2 OR common1 OR common2)
 * is cheap to evaluate (the left side drives it), and the repeated phrases get
 * weight 0.
 */
#include "context/bm25.h"

#include <math.h>
#include <stdlib.h>

#include "core/xalloc.h"

double bm25_idf(double n, double df)
{
	double idf = log((n - df + 0.5) / (df + 0.5));
	return idf > 1e-6 ? idf : 1e-6;
}

/* Per query: the average chunk length, computed on the first row. */
struct avg {
	double avgdl;
};

static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
                    sqlite3_value **val)
{
	struct avg *a = api->xGetAuxdata(fts, 0);
	double tf_small[64], *tf = tf_small, score = 0, norm;
	int ninst = 0, i, dl = 0, nphrase = api->xPhraseCount(fts);

	if (!a) {
		sqlite3_int64 rows = 0, tokens = 0;
		a = xmalloc(sizeof(*a));
		api->xRowCount(fts, &rows);
		api->xColumnTotalSize(fts, 0, &tokens);
		a->avgdl = rows > 0 && tokens > 0 ? (double)tokens / (double)rows : 1.0;
		if (api->xSetAuxdata(fts, a, free) != SQLITE_OK) {
			sqlite3_result_error_code(ctx, SQLITE_NOMEM);
			return;
		}
	}
	if (nphrase > 64)
		tf = xcalloc((size_t)nphrase, sizeof(*tf));
	for (i = 0; i < nphrase && i < 64; i++)
		tf[i] = 0;
	if (api->xInstCount(fts, &ninst) != SQLITE_OK ||
	    api->xColumnSize(fts, 0, &dl) != SQLITE_OK) {
		sqlite3_result_error(ctx, "loom_bm25: cannot read the row", -1);
		goto out;
	}
	for (i = 0; i < ninst; i++) {
		int phrase, col, off;
		if (api->xInst(fts, i, &phrase, &col, &off) == SQLITE_OK && phrase >= 0 &&
		    phrase < nphrase)
			tf[phrase] += 1;
	}
	norm = BM25_K1 * (1 - BM25_B + BM25_B * (double)dl / a->avgdl);
	for (i = 0; i < nphrase && i < nval; i++) {
		double w = sqlite3_value_double(val[i]);
		if (tf[i] > 0 && w > 0)
			score += w * tf[i] * (BM25_K1 + 1) / (tf[i] + norm);
	}
	sqlite3_result_double(ctx, score);
out:
	if (tf != tf_small)
		free(tf);
}

int bm25_register(fts5_api *api, struct error *e)
{
	int rc = api->xCreateFunction(api, "loom_bm25", NULL, rank_fn, NULL);

	if (rc != SQLITE_OK)
		return error_set(e, "cannot register loom_bm25: %s", sqlite3_errstr(rc));
	return 0;
}
