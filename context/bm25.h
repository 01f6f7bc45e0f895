/* bm25.h - the FTS5 ranking function the Context Loom scores chunks with. */
#ifndef LOOM_BM25_H
#define LOOM_BM25_H

#include <sqlite3.h>

#include "core/error.h"

#define BM25_K1 1.2
#define BM25_B  0.75

/*
 * Registers the FTS5 auxiliary function loom_bm25(table, w0, w1, ...).
 * wi is the weight (the IDF) of the i-th phrase of the MATCH expression; 0
 * makes a phrase count for nothing (a repeated term). It returns the Okapi
 * BM25 score of the row: the sum over phrases of
 *   wi * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)).
 */
int bm25_register(fts5_api *api, struct error *e);

/* The IDF FTS5's own bm25() uses: ln((n - df + 0.5) / (df + 0.5)), at least 1e-6. */
double bm25_idf(double n, double df);

#endif
