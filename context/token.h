/* token.h - how text becomes search terms, and how many model tokens it costs. */
#ifndef LOOM_TOKEN_H
#define LOOM_TOKEN_H

#include <sqlite3.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

#define TOKEN_MAX    48 /* longer words are not indexed */
#define TOKEN_TF_CAP 4  /* occurrences of one term indexed per chunk (BM25 saturates) */

/*
 * Called once per term with the normalized term (lowercase, light-stemmed, not
 * NUL-terminated) and the byte range [start, end) of the word it came from.
 * A non-zero return stops the scan and is returned by token_each().
 */
typedef int (*token_fn)(void *ctx, const char *term, size_t n, size_t start, size_t end);

/* Term counts for the tf cap; reusable across calls, one per thread. */
struct token_tf;
struct token_tf *token_tf_new(void);
void token_tf_free(struct token_tf *tf);

/*
 * Splits text into terms: words are runs of ASCII letters, digits and non-ASCII
 * bytes; identifiers split further at '_' (a separator) and at camelCase
 * boundaries; ASCII is lowercased; plurals are stripped ("buffers" -> "buffer",
 * "entries" -> "entry"); numbers, hex literals, one-letter words, words longer
 * than TOKEN_MAX and stop words are dropped. With tf non-NULL a term is
 * emitted at most TOKEN_TF_CAP times per call. Deterministic; never fails.
 */
int token_each(const char *text, size_t n, struct token_tf *tf, token_fn fn, void *ctx);

/*
 * Appends the terms of text, capped as above, to out separated by single
 * spaces: the form in which text is stored in the full-text index, so that the
 * expensive part of tokenizing runs on the indexing threads, not in SQLite.
 */
void token_stream(const char *text, size_t n, struct token_tf *tf, struct buf *out);

/* 1 if the normalized term is a stop word. */
int token_is_stop(const char *term, size_t n);

/*
 * Registers the FTS5 tokenizer "loom". It splits on spaces only: every text
 * given to the index must come from token_stream(), and every MATCH term from
 * token_each().
 */
int token_fts5_register(fts5_api *api, struct error *e);

/*
 * Estimated model tokens for n bytes of text: ceil(n / 3). Code in common BPE
 * vocabularies averages 3.2-4 bytes per token, so this errs on the high side
 * and a packed context never overruns the budget the user gave.
 */
size_t token_estimate(size_t nbytes);

#endif
