/*
 * summary.c - the repository summary the Architect plans from.
 *
 * A small model planning a change needs to know what kind of project it is
 * looking at and where things live, not its contents: counts by language, the
 * top-level layout, and what changed lately. Every list is ordered by count
 * then name, so the text is the same for the same index.
 */
#include "context/summary.h"

#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"

/*
 * Appends "label: a (n), b (m), ..." for the rows of sql (text, count), within
 * the cap; without the counts when counts is 0.
 */
static void list(struct buf *b, struct db *d, const char *label, const char *sql, size_t most,
                 int counts)
{
	sqlite3_stmt *st = db_prepare(d, sql);
	size_t k = 0;

	while (sqlite3_step(st) == SQLITE_ROW && k < most) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		long long n = sqlite3_column_int64(st, 1);
		if (b->len + strlen(name) + 32 > SUMMARY_MAX - 64)
			break;
		buf_addf(b, "%s%s", k++ ? ", " : label, name);
		if (counts)
			buf_addf(b, " (%lld)", n);
	}
	if (k)
		buf_addch(b, '\n');
	sqlite3_finalize(st);
}

char *summary_text(struct repo *r, struct db *d)
{
	struct buf b = BUF_INIT;
	const char *name = strrchr(r->root, '/');
	sqlite3_stmt *st = db_prepare(d, "SELECT count(*) FROM files WHERE skip IS NULL");
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;

	sqlite3_finalize(st);
	buf_addf(&b, "Repository '%s': %lld text files%s.\n", name ? name + 1 : r->root, n,
	         r->git ? ", a git repository" : "");
	list(&b, d, "Languages: ",
	     "SELECT lang, count(*) AS n FROM files WHERE skip IS NULL AND lang != 'text'"
	     " GROUP BY lang ORDER BY n DESC, lang LIMIT 8",
	     8, 1);
	list(&b, d, "Top level: ",
	     "SELECT CASE WHEN instr(path, '/') > 0 THEN substr(path, 1, instr(path, '/')) ELSE "
	     "path"
	     " END AS top, count(*) AS n FROM files WHERE skip IS NULL GROUP BY top"
	     " ORDER BY n DESC, top LIMIT 24",
	     24, 1);
	list(&b, d, "Changed lately: ",
	     "SELECT h.path, h.age FROM history h JOIN files f ON f.path = h.path"
	     " WHERE f.skip IS NULL ORDER BY h.age, h.path LIMIT 10",
	     10, 0);
	if (b.len > SUMMARY_MAX)
		buf_setlen(&b, SUMMARY_MAX);
	return buf_detach(&b, NULL);
}
