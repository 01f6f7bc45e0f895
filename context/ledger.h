/* ledger.h - storing, loading and printing evidence ledgers. */
#ifndef LOOM_LEDGER_H
#define LOOM_LEDGER_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "context/db.h"
#include "core/error.h"

#define LEDGER_KEEP 200 /* ledgers kept per repository; older ones are pruned */

/*
 * Gives doc its "query_id" (the first 12 hex digits of the SHA-1 of the
 * ledger's own JSON, so the same ledger always has the same id) as its first
 * field and stores it as the newest ledger.
 */
int ledger_store(struct db *d, cJSON *doc, struct error *e);
/* Loads the ledger with this id (a unique prefix will do), or the newest when id is NULL. */
int ledger_load(struct db *d, const char *id, cJSON **doc, struct error *e);
/* The ledger as one line of JSON followed by a newline; the caller frees it. */
char *ledger_json(const cJSON *doc);
/* The ledger for people: ranked files, their rules, points, evidence and slices. */
void ledger_print_text(FILE *f, const cJSON *doc);
/* ledger_json() (json non-zero) or ledger_print_text() to f. */
void ledger_print(FILE *f, const cJSON *doc, int json);

#endif
