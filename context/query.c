/*
 * query.c - the Context Loom's ranker: named rules, summed, explained.
 *
 * Data model: a candidate is a file that at least one positive rule fired for.
 * Each candidate holds at most one hit per rule (points plus one line of
 * evidence) and the line ranges that made it relevant (matched symbol bodies,
 * best-matching chunks). Its score is the sum of its hits. Candidates are
 * ranked by score, then by path, so the order is total and the same on every
 * run; the top N are packed into the token budget (pack_*) and written out as
 * the ledger, a JSON document.
 *
 * Lexical relevance is BM25 over chunks of about 50 lines rather than whole
 * files (a long file is otherwise drowned by its length). The task's selective
 * terms (rare in the index) decide which chunks match; its common terms only
 * add their share to those chunks, so they cost little (see bm25.c).
 */
#define _GNU_SOURCE
#include "context/query.h"

#include <ctype.h>
#include <git2.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context/bm25.h"
#include "context/index.h"
#include "context/ledger.h"
#include "context/token.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/hmap.h"
#include "core/kv.h"
#include "core/utf8.h"
#include "core/xalloc.h"

#define RARE_TERMS       24   /* selective terms searched at most */
#define RARE_SHARE       0.03 /* a term is selective in at most this share of chunks, */
#define RARE_FLOOR       5000 /* ... or in at most this many */
#define COMMON_TERMS     16   /* common terms scored at most */
#define COMMON_SHARE     0.5  /* commoner terms are dropped: their IDF is about 0 */
#define COMMON_DRIVERS   3    /* with no selective term, the rarest few drive the match */
#define BM25_CHUNKS      1500 /* best chunks examined */
#define RANGES_PER_FILE  3    /* best chunks kept per file for packing */
#define SYMBOL_MAX_FILES 20   /* a name defined in more files is not evidence */
#define STEM_MAX_FILES   10   /* a stem naming more files is not a mention */
#define STRONG_SCORE     20.0 /* score that makes a file's neighbours relevant */
#define STRONG_MAX       5    /* strong files whose imports are followed */
#define IMPORTERS_MAX    40   /* a file imported by more is a hub: in-edges ignored */
#define CONTEXT_LINES    3    /* lines kept around a matched region */

struct range {
	int s, e;        /* 1-based inclusive lines */
	double weight;   /* higher = packed first */
	const char *why; /* static: "symbol", "match" */
};

struct hit {
	double points;
	char *evidence;
};

struct cand {
	int64_t id;
	char *path, *lang, *skip;
	int lines, git, age;
	int64_t tokens;
	unsigned flags;
	int loaded;
	struct hit hit[RULE__COUNT];
	int has[RULE__COUNT];
	double score;
	double bm25, pathbm25;
	struct range *ranges;
	size_t nranges, ranges_cap;
	/* packing results */
	struct range *slices;
	size_t nslices, slices_cap;
	size_t packed_tokens;
	char *left_out;
};

struct tagpat {
	char *pattern;
	const char *source; /* "--tag", "@ in the task", ".loom/tags" */
	size_t matched;
};

struct q {
	struct repo *r;
	struct db *d;
	const struct query_opts *o;
	struct rules rules;
	struct cand **c;
	size_t nc, ccap;
	struct hmap byid; /* key: the 8 bytes of cand.id */
	struct tagpat *tags;
	size_t ntags, tags_cap;
	char **terms; /* search terms, in task order */
	size_t nterms, terms_cap;
	char **all_terms; /* every term of the task, for the path rule */
	size_t nall;
	int64_t *dfs;
	int64_t nchunks;      /* chunks in the index */
	int64_t rare_limit;   /* df of a selective term, at most */
	int64_t driver_limit; /* terms with df up to this drive the match */
	cJSON *notes;
};

/* ---- candidates ---- */

static struct cand *cand_get(struct q *q, int64_t id)
{
	size_t *pos = hmap_get(&q->byid, (const char *)&id, sizeof(id));
	struct cand *c;

	if (pos)
		return q->c[*pos];
	c = xcalloc(1, sizeof(*c));
	c->id = id;
	c->age = -1;
	XGROW(q->c, q->ccap, q->nc + 1);
	q->c[q->nc] = c;
	hmap_put(&q->byid, (const char *)&c->id, sizeof(c->id), q->nc);
	q->nc++;
	return c;
}

/* Adds points for a rule; evidence lines of repeated hits are joined. */
static void cand_hit(struct cand *c, int rule, double points, const char *evidence)
{
	struct hit *h = &c->hit[rule];

	h->points += points;
	if (!c->has[rule]) {
		c->has[rule] = 1;
		h->evidence = xstrdup(evidence);
	} else if (strlen(h->evidence) < 200) {
		char *s = xasprintf("%s; %s", h->evidence, evidence);
		free(h->evidence);
		h->evidence = s;
	}
}

static void cand_range(struct cand *c, int s, int e, double weight, const char *why)
{
	XGROW(c->ranges, c->ranges_cap, c->nranges + 1);
	c->ranges[c->nranges++] = (struct range){ s, e, weight, why };
}

static void cand_free(struct cand *c)
{
	int i;

	for (i = 0; i < RULE__COUNT; i++)
		free(c->hit[i].evidence);
	free(c->path);
	free(c->lang);
	free(c->skip);
	free(c->ranges);
	free(c->slices);
	free(c->left_out);
	free(c);
}

static void note(struct q *q, const char *fmt, ...) LOOM_PRINTF(2, 3);
static void note(struct q *q, const char *fmt, ...)
{
	va_list ap;
	struct buf b = BUF_INIT;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	cJSON_AddItemToArray(q->notes, cJSON_CreateString(b.ptr));
	buf_release(&b);
}

/* ---- tags ---- */

static void add_tag(struct q *q, const char *pattern, size_t n, const char *source)
{
	char *p;
	size_t i;

	while (n >= 2 && pattern[0] == '.' && pattern[1] == '/')
		pattern += 2, n -= 2;
	{
		/* an absolute path inside the repository becomes relative */
		size_t k = strlen(q->r->root);
		if (n > k + 1 && !strncmp(pattern, q->r->root, k) && pattern[k] == '/') {
			pattern += k + 1;
			n -= k + 1;
		}
	}
	while (n > 1 && pattern[n - 1] == '/')
		n--;
	if (!n)
		return;
	p = xstrndup(pattern, n);
	for (i = 0; i < q->ntags; i++)
		if (!strcmp(q->tags[i].pattern, p)) {
			free(p);
			return;
		}
	XGROW(q->tags, q->tags_cap, q->ntags + 1);
	q->tags[q->ntags++] = (struct tagpat){ p, source, 0 };
}

/* "@path" words of the task: '@' at the start of a word, up to whitespace or quotes. */
static void task_tags(struct q *q, const char *task)
{
	const char *p;

	for (p = task; (p = strchr(p, '@')); p++) {
		const char *s = p + 1, *e = s;
		if (p > task && !isspace((unsigned char)p[-1]) && !strchr("([{'\"`,", p[-1]))
			continue; /* an e-mail address or a decorator, not a tag */
		while (*e && !isspace((unsigned char)*e) && !strchr("'\"`,;()[]{}<>", *e))
			e++;
		while (e > s && strchr(".:!?", e[-1]))
			e--; /* sentence punctuation */
		if (e > s)
			add_tag(q, s, (size_t)(e - s), "@ in the task");
	}
}

static void tags_file(struct q *q)
{
	char *path = fs_join(q->r->conf_dir, "tags");
	FILE *f = fopen(path, "r");
	char line[1024];

	free(path);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *s = kv_trim(line);
		if (*s && *s != '#')
			add_tag(q, s, strlen(s), ".loom/tags");
	}
	fclose(f);
}

static int has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static void match_tags(struct q *q)
{
	sqlite3_stmt *by_path = db_prepare(q->d, "SELECT id FROM files WHERE path GLOB ?1");
	sqlite3_stmt *by_name = db_prepare(q->d, "SELECT id FROM files WHERE name GLOB ?1");
	sqlite3_stmt *exact = db_prepare(q->d, "SELECT id FROM files WHERE path = ?1");
	sqlite3_stmt *under =
	        db_prepare(q->d, "SELECT id FROM files WHERE path > ?1 AND path < ?2");
	size_t i;

	for (i = 0; i < q->ntags; i++) {
		struct tagpat *t = &q->tags[i];
		sqlite3_stmt *st;
		char *lo = NULL, *hi = NULL, *ev;
		if (has_glob(t->pattern)) {
			st = strchr(t->pattern, '/') ? by_path : by_name;
			sqlite3_bind_text(st, 1, t->pattern, -1, SQLITE_STATIC);
		} else {
			st = exact;
			sqlite3_bind_text(st, 1, t->pattern, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_ROW) {
				/* not a file: a directory, everything under it */
				sqlite3_reset(st);
				lo = xasprintf("%s/", t->pattern);
				hi = xasprintf("%s0", t->pattern); /* '0' follows '/' */
				st = under;
				sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
			} else {
				sqlite3_reset(st);
			}
		}
		ev = !strcmp(t->source, "--tag")        ? xasprintf("--tag '%s'", t->pattern)
		     : !strcmp(t->source, ".loom/tags") ? xasprintf(".loom/tags: '%s'", t->pattern)
		                                        : xasprintf("@%s in the task", t->pattern);
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct cand *c = cand_get(q, sqlite3_column_int64(st, 0));
			if (!c->has[RULE_TAG]) {
				cand_hit(c, RULE_TAG, q->rules.w[RULE_TAG], ev);
				t->matched++;
			}
		}
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		free(ev);
		free(lo);
		free(hi);
		if (!t->matched)
			note(q, "tag '%s' (%s) matched no file", t->pattern, t->source);
	}
	sqlite3_finalize(by_path);
	sqlite3_finalize(by_name);
	sqlite3_finalize(exact);
	sqlite3_finalize(under);
}

/* ---- git ---- */

static void git_rule(struct q *q)
{
	/* the literal matches the partial index files_dirty */
	sqlite3_stmt *st =
	        db_prepare(q->d, "SELECT id, git FROM files WHERE git & 30 != 0 ORDER BY id");

	while (sqlite3_step(st) == SQLITE_ROW) {
		int g = sqlite3_column_int(st, 1);
		struct buf ev = BUF_INIT;
		buf_adds(&ev, "git:");
		if (g & DBGIT_CONFLICT)
			buf_adds(&ev, " merge conflict,");
		else if (g & DBGIT_MODIFIED)
			buf_adds(&ev, " modified in worktree,");
		if (g & DBGIT_STAGED)
			buf_adds(&ev, " staged,");
		if (g & DBGIT_UNTRACKED)
			buf_adds(&ev, " untracked,");
		buf_setlen(&ev, ev.len - 1);
		cand_hit(cand_get(q, sqlite3_column_int64(st, 0)), RULE_GIT_MODIFIED,
		         q->rules.w[RULE_GIT_MODIFIED], ev.ptr);
		buf_release(&ev);
	}
	sqlite3_finalize(st);
}

/* ---- words of the task: mentions and symbols ---- */

struct word {
	char *s;   /* the word, stripped of surrounding punctuation */
	int ident; /* looks like code: '_', camelCase, digits, '()' or '::' */
};

static int is_ident_char(int c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

/* Splits the task at whitespace into words stripped of quotes and punctuation. */
static struct word *task_words(const char *task, size_t *n)
{
	struct word *v = NULL;
	size_t cap = 0;
	const char *p = task;

	*n = 0;
	while (*p) {
		const char *s, *e;
		int call = 0;
		while (*p && isspace((unsigned char)*p))
			p++;
		s = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		e = p;
		while (s < e && strchr("'\"`([{<*@", *s))
			s++;
		while (e > s && strchr("'\"`)]}>,;:.!?*", e[-1])) {
			if (e[-1] == ')' && e - s >= 3 && e[-2] == '(')
				call = 1;
			e--;
		}
		if (e - s >= 2 && e[-1] == ')' && e[-2] == '(')
			e -= 2, call = 1;
		if (e - s < 2 || e - s > 200)
			continue;
		XGROW(v, cap, *n + 1);
		v[*n].s = xstrndup(s, (size_t)(e - s));
		{
			const char *k;
			int lower = 0, upper_after_lower = 0, under = 0, digit = 0;
			for (k = s; k < e; k++) {
				if (*k == '_')
					under = 1;
				else if (isdigit((unsigned char)*k))
					digit = 1;
				else if (isupper((unsigned char)*k) && lower)
					upper_after_lower = 1;
				else if (islower((unsigned char)*k))
					lower = 1;
			}
			v[*n].ident = call || under || upper_after_lower || (digit && lower) ||
			              strstr(v[*n].s, "::") || strstr(v[*n].s, "->");
		}
		(*n)++;
	}
	return v;
}

/* Every file st returns (?1 bound to s) gets the rule's hit; returns how many did. */
static int hit_rows(struct q *q, sqlite3_stmt *st, const char *s, int rule, double points,
                    const char *ev)
{
	int n = 0;

	sqlite3_bind_text(st, 1, s, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cand_hit(cand_get(q, sqlite3_column_int64(st, 0)), rule, points, ev);
		n++;
	}
	sqlite3_reset(st);
	return n;
}

static void mention_rules(struct q *q, struct word *w, size_t nw)
{
	sqlite3_stmt *exact = db_prepare(q->d, "SELECT id FROM files WHERE path = ?1");
	sqlite3_stmt *suffix = db_prepare(q->d, "SELECT id FROM files WHERE path GLOB '*/' || ?1");
	sqlite3_stmt *name = db_prepare(q->d, "SELECT id FROM files WHERE name = ?1");
	sqlite3_stmt *stem = db_prepare(q->d, "SELECT id FROM files WHERE name > ?1 AND name < ?2"
	                                      " LIMIT ?3");
	double path_pts = q->rules.w[RULE_PATH_MENTION], name_pts = q->rules.w[RULE_NAME_MENTION];
	size_t i;

	for (i = 0; i < nw; i++) {
		const char *s = w[i].s;
		char *ev;
		int found;

		if (has_glob(s))
			continue;
		if (strchr(s, '/')) {
			/* a whole path, or else a trailing part of one */
			ev = xasprintf("the task names '%s'", s);
			if (!hit_rows(q, exact, s, RULE_PATH_MENTION, path_pts, ev))
				hit_rows(q, suffix, s, RULE_PATH_MENTION, path_pts, ev);
			free(ev);
			continue;
		}
		if (strchr(s, '.')) {
			ev = xasprintf("the task names '%s'", s);
			found = hit_rows(q, name, s, RULE_NAME_MENTION, name_pts, ev);
			free(ev);
			if (found)
				continue;
		}
		if (strlen(s) >= 4 && !strchr(s, '.') && !token_is_stop(s, strlen(s))) {
			/* a stem: "scanner" names scanner.c and scanner.h, when few files share it */
			char *lo = xasprintf("%s.", s),
			     *hi = xasprintf("%s/", s); /* '/' follows '.' */
			int64_t ids[STEM_MAX_FILES + 1];
			int k = 0, j;
			sqlite3_bind_text(stem, 1, lo, -1, SQLITE_STATIC);
			sqlite3_bind_text(stem, 2, hi, -1, SQLITE_STATIC);
			sqlite3_bind_int(stem, 3, STEM_MAX_FILES + 1);
			while (sqlite3_step(stem) == SQLITE_ROW && k <= STEM_MAX_FILES)
				ids[k++] = sqlite3_column_int64(stem, 0);
			sqlite3_reset(stem);
			if (k > 0 && k <= STEM_MAX_FILES) {
				ev = xasprintf("the task names '%s', the file's stem", s);
				for (j = 0; j < k; j++)
					cand_hit(cand_get(q, ids[j]), RULE_NAME_MENTION,
					         name_pts / 2, ev);
				free(ev);
			}
			free(lo);
			free(hi);
		}
	}
	sqlite3_finalize(exact);
	sqlite3_finalize(suffix);
	sqlite3_finalize(name);
	sqlite3_finalize(stem);
}

/* Identifier-like parts of a word: "a.b", "a::b" and "a->b" give each side too. */
static void symbol_names(const char *s, char ***out, size_t *n, size_t *cap)
{
	const char *p = s;

	while (*p) {
		const char *b;
		while (*p && !is_ident_char((unsigned char)*p))
			p++;
		b = p;
		while (*p && is_ident_char((unsigned char)*p))
			p++;
		if (p - b >= 3 && !isdigit((unsigned char)*b)) {
			XGROW(*out, *cap, *n + 1);
			(*out)[(*n)++] = xstrndup(b, (size_t)(p - b));
		}
	}
}

static void symbol_rule(struct q *q, struct word *w, size_t nw)
{
	sqlite3_stmt *count = db_prepare(q->d, "SELECT count(DISTINCT file_id) FROM symbols"
	                                       " WHERE name = ?1");
	sqlite3_stmt *defs = db_prepare(q->d, "SELECT s.file_id, s.kind, s.line, s.end_line, f.path"
	                                      " FROM symbols s JOIN files f ON f.id = s.file_id"
	                                      " WHERE s.name = ?1 ORDER BY f.path, s.line");
	char **names = NULL;
	size_t nn = 0, cap = 0, i, j;
	int *ident = NULL;
	size_t icap = 0;

	/* every identifier-like part of every word, first occurrence only */
	for (i = 0; i < nw; i++) {
		size_t before = nn;
		symbol_names(w[i].s, &names, &nn, &cap);
		XGROW(ident, icap, nn + 1);
		for (j = before; j < nn; j++)
			ident[j] = w[i].ident;
	}
	for (i = 0; i < nn; i++) {
		const char *name = names[i];
		int files, dup = 0;
		int64_t last = -1;
		double pts;

		for (j = 0; j < i && !dup; j++)
			dup = !strcmp(names[j], name);
		if (dup || (!ident[i] && token_is_stop(name, strlen(name))))
			continue;
		sqlite3_bind_text(count, 1, name, -1, SQLITE_STATIC);
		files = sqlite3_step(count) == SQLITE_ROW ? sqlite3_column_int(count, 0) : 0;
		sqlite3_reset(count);
		if (files == 0 || files > SYMBOL_MAX_FILES)
			continue;
		pts = q->rules.w[RULE_SYMBOL] * (files <= 2 ? 1.0 : 2.0 / files) *
		      (ident[i] ? 1.0 : 0.5);
		sqlite3_bind_text(defs, 1, name, -1, SQLITE_STATIC);
		while (sqlite3_step(defs) == SQLITE_ROW) {
			int64_t id = sqlite3_column_int64(defs, 0);
			struct cand *c = cand_get(q, id);
			int line = sqlite3_column_int(defs, 2), end = sqlite3_column_int(defs, 3);
			cand_range(c, line, end, 3.0, "symbol");
			if (id != last) {
				char *ev =
				        xasprintf("symbol '%s' defined at %s:%d", name,
				                  (const char *)sqlite3_column_text(defs, 4), line);
				cand_hit(c, RULE_SYMBOL, pts, ev);
				free(ev);
			}
			last = id;
		}
		sqlite3_reset(defs);
	}
	for (i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	free(ident);
	sqlite3_finalize(count);
	sqlite3_finalize(defs);
}

/* ---- lexical rules ---- */

/* The position of term (n bytes) in terms[0..count), or -1. */
static ssize_t term_index(char *const *terms, size_t count, const char *term, size_t n)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strlen(terms[i]) == n && !memcmp(terms[i], term, n))
			return (ssize_t)i;
	return -1;
}

static int term_cb(void *ctx, const char *term, size_t n, size_t start, size_t end)
{
	struct q *q = ctx;
	(void)start;
	(void)end;

	if (term_index(q->terms, q->nterms, term, n) >= 0)
		return 0;
	XGROW(q->terms, q->terms_cap, q->nterms + 1);
	q->terms[q->nterms++] = xstrndup(term, n);
	return 0;
}

/* Document frequencies of the terms; keeps the most selective, in task order. */
/* Removes term i (and its df), keeping the order of the rest. */
static void drop_term(struct q *q, size_t i)
{
	free(q->terms[i]);
	memmove(q->terms + i, q->terms + i + 1, (q->nterms - i - 1) * sizeof(*q->terms));
	memmove(q->dfs + i, q->dfs + i + 1, (q->nterms - i - 1) * sizeof(*q->dfs));
	q->nterms--;
}

/* Index of the most common term whose df is in (lo, hi], or -1. Ties: the later in order. */
static ssize_t most_common(const struct q *q, int64_t lo, int64_t hi)
{
	ssize_t worst = -1;
	size_t j;

	for (j = 0; j < q->nterms; j++)
		if (q->dfs[j] > lo && q->dfs[j] <= hi &&
		    (worst < 0 || q->dfs[j] > q->dfs[worst] ||
		     (q->dfs[j] == q->dfs[worst] && strcmp(q->terms[j], q->terms[worst]) > 0)))
			worst = (ssize_t)j;
	return worst;
}

/*
 * Looks up each term's document frequency and keeps, in task order, at most
 * RARE_TERMS selective terms (in at most RARE_SHARE of all chunks) and
 * COMMON_TERMS common ones (in at most COMMON_SHARE); absent terms and
 * commoner ones are dropped. Sets q->rare_limit.
 */
static void select_terms(struct q *q, int64_t nchunks)
{
	sqlite3_stmt *st;
	size_t i, nrare = 0, ncommon = 0;
	int64_t common_limit = (int64_t)(COMMON_SHARE * (double)nchunks);
	ssize_t k;

	q->nchunks = nchunks;
	q->rare_limit = (int64_t)(RARE_SHARE * (double)nchunks);
	if (q->rare_limit < RARE_FLOOR)
		q->rare_limit = RARE_FLOOR;
	q->all_terms = xcalloc(q->nterms + 1, sizeof(*q->all_terms));
	for (i = 0; i < q->nterms; i++)
		q->all_terms[i] = xstrdup(q->terms[i]);
	q->nall = q->nterms;
	q->dfs = xcalloc(q->nterms + 1, sizeof(*q->dfs));
	if (sqlite3_exec(q->d->h,
	                 "CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab USING"
	                 " fts5vocab(main, fts_body, row)",
	                 NULL, NULL, NULL) != SQLITE_OK) {
		while (q->nterms)
			drop_term(q, q->nterms - 1);
		return;
	}
	st = db_prepare(q->d, "SELECT doc FROM temp.vocab WHERE term = ?1");
	for (i = 0; i < q->nterms; i++) {
		sqlite3_bind_text(st, 1, q->terms[i], -1, SQLITE_STATIC);
		q->dfs[i] = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	for (i = q->nterms; i-- > 0;)
		if (q->dfs[i] == 0 || (q->dfs[i] > q->rare_limit && q->dfs[i] > common_limit))
			drop_term(q, i);
	for (i = 0; i < q->nterms; i++) {
		if (q->dfs[i] <= q->rare_limit)
			nrare++;
		else
			ncommon++;
	}
	for (; nrare > RARE_TERMS; nrare--)
		drop_term(q, (size_t)most_common(q, 0, q->rare_limit));
	for (; ncommon > COMMON_TERMS; ncommon--)
		drop_term(q, (size_t)most_common(q, q->rare_limit, INT64_MAX));
	/* nothing selective: the rarest common terms drive the match instead */
	if (!nrare)
		for (i = 0; i < COMMON_DRIVERS && (k = most_common(q, -1, INT64_MAX)) >= 0; i++)
			q->dfs[k] = -q->dfs[k]; /* marked; flipped back below */
	for (i = 0; i < q->nterms; i++)
		if (q->dfs[i] < 0) {
			q->dfs[i] = -q->dfs[i];
			q->driver_limit = q->driver_limit > q->dfs[i] ? q->driver_limit : q->dfs[i];
		}
	if (nrare)
		q->driver_limit = q->rare_limit;
}

static char *match_expr(char **terms, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		buf_addf(&b, "%s\"%s\"", i ? " OR " : "", terms[i]);
	return buf_detach(&b, NULL);
}

/*
 * The MATCH expression and the loom_bm25() weights for the selected terms:
 * "(d1 OR d2) AND (d1 OR d2 OR c1)" where the d are the driving (selective)
 * terms and the c the common ones; the repeated d phrases weigh nothing.
 */
static void bm25_query(struct q *q, struct buf *expr, struct buf *weights)
{
	size_t i, ndrive = 0, ncommon = 0;
	struct buf drive = BUF_INIT;

	for (i = 0; i < q->nterms; i++) {
		if (q->dfs[i] <= q->driver_limit)
			buf_addf(&drive, "%s\"%s\"", ndrive++ ? " OR " : "", q->terms[i]);
		else
			ncommon++;
	}
	for (i = 0; i < q->nterms; i++)
		if (q->dfs[i] <= q->driver_limit)
			buf_addf(weights, ", %.17g",
			         bm25_idf((double)q->nchunks, (double)q->dfs[i]));
	if (!ncommon) {
		buf_add(expr, drive.ptr, drive.len);
		buf_release(&drive);
		return;
	}
	buf_addf(expr, "(%s) AND (%s", drive.ptr, drive.ptr);
	for (i = 0; i < ndrive; i++)
		buf_adds(weights, ", 0");
	for (i = 0; i < q->nterms; i++)
		if (q->dfs[i] > q->driver_limit) {
			buf_addf(expr, " OR \"%s\"", q->terms[i]);
			buf_addf(weights, ", %.17g",
			         bm25_idf((double)q->nchunks, (double)q->dfs[i]));
		}
	buf_addch(expr, ')');
	buf_release(&drive);
}

static void bm25_rule(struct q *q)
{
	sqlite3_stmt *st;
	struct buf expr = BUF_INIT, weights = BUF_INIT;
	char *sql;
	double best = 0;
	size_t i;
	struct cand **hits = NULL;
	size_t nhits = 0, hcap = 0;

	if (!q->nterms)
		return;
	bm25_query(q, &expr, &weights);
	sql = xasprintf("SELECT c.id >> ?3, c.start_line, c.end_line, m.s FROM"
	                " (SELECT rowid AS r, loom_bm25(fts_body%s) AS s FROM fts_body"
	                "  WHERE fts_body MATCH ?1 ORDER BY s DESC, rowid LIMIT ?2) m"
	                " JOIN chunks c ON c.id = m.r ORDER BY m.s DESC, c.id",
	                weights.ptr);
	st = db_prepare(q->d, sql);
	free(sql);
	sqlite3_bind_text(st, 1, expr.ptr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, BM25_CHUNKS);
	sqlite3_bind_int(st, 3, DB_CHUNK_BITS);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct cand *c = cand_get(q, sqlite3_column_int64(st, 0));
		double sc = sqlite3_column_double(st, 3);
		size_t kept = 0, k;
		if (sc <= 0)
			continue;
		if (c->bm25 == 0) {
			c->bm25 = sc;
			XGROW(hits, hcap, nhits + 1);
			hits[nhits++] = c;
		}
		if (sc > best)
			best = sc;
		for (k = 0; k < c->nranges; k++)
			kept += !strcmp(c->ranges[k].why, "match");
		if (kept < RANGES_PER_FILE)
			cand_range(c, sqlite3_column_int(st, 1), sqlite3_column_int(st, 2),
			           2.0 - (double)kept * 0.1, "match");
	}
	sqlite3_finalize(st);
	buf_release(&expr);
	buf_release(&weights);
	for (i = 0; i < nhits && best > 0; i++) {
		struct cand *c = hits[i];
		/* evidence is filled in after ranking, when the chunk text is read */
		cand_hit(c, RULE_BM25, q->rules.w[RULE_BM25] * c->bm25 / best, "bm25");
	}
	free(hits);
}

static void path_terms_rule(struct q *q)
{
	sqlite3_stmt *st;
	char *expr;
	double best = 0;
	size_t i;
	struct cand **hits = NULL;
	size_t nhits = 0, hcap = 0;

	if (!q->nall)
		return;
	expr = match_expr(q->all_terms, q->nall);
	st = db_prepare(q->d, "SELECT rowid, -bm25(fts_path) FROM fts_path WHERE fts_path MATCH ?1"
	                      " ORDER BY rank LIMIT 500");
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct cand *c = cand_get(q, sqlite3_column_int64(st, 0));
		c->pathbm25 = sqlite3_column_double(st, 1);
		if (c->pathbm25 > best)
			best = c->pathbm25;
		XGROW(hits, hcap, nhits + 1);
		hits[nhits++] = c;
	}
	sqlite3_finalize(st);
	free(expr);
	for (i = 0; i < nhits && best > 0; i++)
		cand_hit(hits[i], RULE_PATH_TERMS,
		         q->rules.w[RULE_PATH_TERMS] * hits[i]->pathbm25 / best, "path");
	free(hits);
}

/* ---- per-file facts and the rules that follow from them ---- */

static void load_cand(struct cand *c, sqlite3_stmt *meta, sqlite3_stmt *hist)
{
	if (c->loaded)
		return;
	c->loaded = 1;
	sqlite3_bind_int64(meta, 1, c->id);
	if (sqlite3_step(meta) == SQLITE_ROW) {
		c->path = xstrdup((const char *)sqlite3_column_text(meta, 0));
		c->lang = xstrdup((const char *)sqlite3_column_text(meta, 1));
		c->lines = sqlite3_column_int(meta, 2);
		c->tokens = sqlite3_column_int64(meta, 3);
		c->flags = (unsigned)sqlite3_column_int(meta, 4);
		c->git = sqlite3_column_int(meta, 5);
		if (sqlite3_column_type(meta, 6) != SQLITE_NULL)
			c->skip = xstrdup((const char *)sqlite3_column_text(meta, 6));
	} else {
		c->path = xstrdup("");
		c->lang = xstrdup("text");
	}
	sqlite3_reset(meta);
	sqlite3_bind_text(hist, 1, c->path, -1, SQLITE_STATIC);
	if (sqlite3_step(hist) == SQLITE_ROW)
		c->age = sqlite3_column_int(hist, 0);
	sqlite3_reset(hist);
}

static int task_is_about_tests(const char *task)
{
	static const char *const words[] = { "test",  "tests",    "testing", "spec",
		                             "specs", "unittest", "pytest",  "regression" };
	size_t i;
	const char *p;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		for (p = task; (p = strcasestr(p, words[i])); p++) {
			size_t n = strlen(words[i]);
			if ((p == task || !isalnum((unsigned char)p[-1])) &&
			    !isalnum((unsigned char)p[n]))
				return 1;
		}
	return 0;
}

static void file_rules(struct q *q, struct cand *c, int about_tests, int depth)
{
	if (c->age >= 0 && depth > 0) {
		char ev[64];
		snprintf(ev, sizeof(ev), "history: changed %d commit%s before HEAD", c->age,
		         c->age == 1 ? "" : "s");
		if (c->age == 0)
			snprintf(ev, sizeof(ev), "history: changed by HEAD");
		cand_hit(c, RULE_RECENT, q->rules.w[RULE_RECENT] * (double)(depth - c->age) / depth,
		         ev);
	}
	if (c->flags & DBF_GENERATED)
		cand_hit(c, RULE_GENERATED, q->rules.w[RULE_GENERATED],
		         "penalty: marked as generated");
	if (c->flags & DBF_VENDORED)
		cand_hit(c, RULE_VENDORED, q->rules.w[RULE_VENDORED], "penalty: vendored code");
	if (c->flags & DBF_LOCK)
		cand_hit(c, RULE_LOCK, q->rules.w[RULE_LOCK], "penalty: dependency lock file");
	if (c->flags & DBF_MINIFIED)
		cand_hit(c, RULE_MINIFIED, q->rules.w[RULE_MINIFIED], "penalty: minified");
	if ((c->flags & DBF_TEST) && !about_tests)
		cand_hit(c, RULE_TEST, q->rules.w[RULE_TEST],
		         "test file; the task is not about tests");
}

static double cand_score(const struct cand *c)
{
	double s = 0;
	int i;

	for (i = 0; i < RULE__COUNT; i++)
		if (c->has[i])
			s += c->hit[i].points;
	return s;
}

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = *(const struct cand *const *)a, *y = *(const struct cand *const *)b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* ---- neighbours over import edges ---- */

/* The directory part of path, with its trailing '/', as a new string ("" at the root). */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? xstrndup(path, (size_t)(slash - path + 1)) : xstrdup("");
}

/* Normalizes "a/./b/../c" in place; returns 0, or -1 if it climbs above the root. */
static int normalize(char *p)
{
	char *out = p, *s = p;

	while (*s) {
		char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 0 || (n == 1 && s[0] == '.')) {
			/* skip */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			if (out == p)
				return -1;
			out--;
			while (out > p && out[-1] != '/')
				out--;
		} else {
			memmove(out, s, n);
			out += n;
			*out++ = '/';
		}
		s += n;
		if (*s)
			s++;
	}
	if (out > p)
		out--;
	*out = '\0';
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix) && (a == b || s[a - b - 1] == '/');
}

/*
 * Does the import target written in importer (language lang) name file path?
 * Language rules: C-like includes resolve against the importer's directory and
 * then any directory; Python and Java modules are dotted paths; JavaScript and
 * Rust relative forms resolve against the importer's directory.
 */
static int import_names(const char *lang, const char *importer, const char *target, int local,
                        const char *path)
{
	char buf[1024];
	char *dir = dir_of(importer);
	int ok = 0;

	if (!strcmp(lang, "python")) {
		const char *t = target;
		int dots = 0;
		char *p;
		while (*t == '.')
			t++, dots++;
		if (dots) {
			char *base = xstrdup(dir);
			int k;
			for (k = 1; k < dots; k++) {
				size_t n = strlen(base);
				if (n)
					base[n - 1] = '\0';
				p = strrchr(base, '/');
				if (p)
					p[1] = '\0';
				else
					base[0] = '\0';
			}
			snprintf(buf, sizeof(buf), "%s%s", base, t);
			free(base);
		} else {
			snprintf(buf, sizeof(buf), "%s", t);
		}
		for (p = buf + (dots ? strlen(dir) : 0); *p; p++)
			if (*p == '.')
				*p = '/';
		{
			char *a = xasprintf("%s.py", buf), *b = xasprintf("%s/__init__.py", buf);
			ok = dots ? (!strcmp(path, a) || !strcmp(path, b))
			          : (ends_with(path, a) || ends_with(path, b));
			free(a);
			free(b);
		}
	} else if (!strcmp(lang, "java")) {
		char *p;
		snprintf(buf, sizeof(buf), "%s.java", target);
		for (p = buf; p < buf + strlen(target); p++)
			if (*p == '.')
				*p = '/';
		ok = ends_with(path, buf);
	} else if (!strcmp(lang, "javascript") || !strcmp(lang, "typescript")) {
		static const char *const ext[] = { "",          ".js",       ".ts",  ".tsx",
			                           ".jsx",      ".mjs",      ".cjs", "/index.js",
			                           "/index.ts", "/index.tsx" };
		size_t k;
		if (target[0] == '.') {
			snprintf(buf, sizeof(buf), "%s%s", dir, target);
			if (normalize(buf) == 0)
				for (k = 0; k < sizeof(ext) / sizeof(ext[0]) && !ok; k++) {
					char *cand = xasprintf("%s%s", buf, ext[k]);
					ok = !strcmp(cand, path);
					free(cand);
				}
		}
	} else if (!strcmp(lang, "rust")) {
		const char *t = target;
		char *p;
		if (!strncmp(t, "crate::", 7))
			t += 7;
		else if (!strncmp(t, "self::", 6) || !strncmp(t, "super::", 7))
			t = strchr(t, ':') + 2;
		snprintf(buf, sizeof(buf), "%s", t);
		for (p = buf; *p; p++)
			if (*p == ':')
				memmove(p, p + 1, strlen(p)), *p = '/';
		/* a::b::Item names a/b.rs, a/b/mod.rs, or a.rs */
		while (*buf && !ok) {
			char *a = xasprintf("%s.rs", buf), *b = xasprintf("%s/mod.rs", buf);
			ok = ends_with(path, a) || ends_with(path, b);
			free(a);
			free(b);
			p = strrchr(buf, '/');
			if (!p)
				break;
			*p = '\0';
		}
	} else if (!strcmp(lang, "go")) {
		char *d = dir_of(path);
		size_t n = strlen(d);
		if (n)
			d[n - 1] = '\0';
		ok = *d && ends_with(d, target);
		free(d);
	} else {
		/* C, C++, assembly, device trees, shell: a relative file path */
		if (local) {
			snprintf(buf, sizeof(buf), "%s%s", dir, target);
			if (normalize(buf) == 0 && !strcmp(buf, path))
				ok = 1;
		}
		if (!ok && strncmp(target, "../", 3))
			ok = ends_with(path, target);
	}
	free(dir);
	return ok;
}

static void neighbour_rule(struct q *q, sqlite3_stmt *meta, sqlite3_stmt *hist)
{
	sqlite3_stmt *outs = db_prepare(q->d, "SELECT target, base, local, line FROM imports"
	                                      " WHERE file_id = ?1 ORDER BY line, target");
	sqlite3_stmt *by_stem =
	        db_prepare(q->d, "SELECT id, path FROM files WHERE (name > ?1 AND"
	                         " name < ?2) OR name = ?3 ORDER BY path LIMIT 200");
	sqlite3_stmt *go_dir = db_prepare(q->d, "SELECT id, path FROM files WHERE path GLOB"
	                                        "'*' || ?1 || '/*' ORDER BY path LIMIT 200");
	sqlite3_stmt *ins =
	        db_prepare(q->d, "SELECT i.file_id, i.target, i.local, i.line, f.path,"
	                         " f.lang FROM imports i JOIN files f ON f.id = i.file_id"
	                         " WHERE i.base = ?1 ORDER BY f.path, i.line LIMIT ?2");
	struct cand **strong = NULL;
	size_t nstrong = 0, strong_cap = 0, i;

	for (i = 0; i < q->nc; i++)
		q->c[i]->score = cand_score(q->c[i]);
	if (q->nc)
		qsort(q->c, q->nc, sizeof(*q->c), cmp_cand);
	for (i = 0; i < q->nc; i++)
		hmap_put(&q->byid, (const char *)&q->c[i]->id, sizeof(int64_t), i);
	for (i = 0; i < q->nc && nstrong < STRONG_MAX && q->c[i]->score >= STRONG_SCORE; i++) {
		XGROW(strong, strong_cap, nstrong + 1);
		strong[nstrong++] = q->c[i];
	}
	for (i = 0; i < nstrong; i++) {
		struct cand *s = strong[i];
		char stem[256], *lo, *hi, *ev;
		const char *name = strrchr(s->path, '/');
		int count = 0;
		struct cand *found[IMPORTERS_MAX + 1];
		int64_t found_line[IMPORTERS_MAX + 1];
		int k;

		name = name ? name + 1 : s->path;
		/* out-edges: what the strong file imports */
		sqlite3_bind_int64(outs, 1, s->id);
		while (sqlite3_step(outs) == SQLITE_ROW) {
			const char *target = (const char *)sqlite3_column_text(outs, 0);
			const char *base = (const char *)sqlite3_column_text(outs, 1);
			int local = sqlite3_column_int(outs, 2), line = sqlite3_column_int(outs, 3);
			sqlite3_stmt *look = !strcmp(s->lang, "go") ? go_dir : by_stem;
			if (!*base)
				continue;
			if (look == go_dir) {
				sqlite3_bind_text(look, 1, target, -1, SQLITE_STATIC);
			} else {
				lo = xasprintf("%s.", base);
				hi = xasprintf("%s/", base);
				sqlite3_bind_text(look, 1, lo, -1, SQLITE_TRANSIENT);
				sqlite3_bind_text(look, 2, hi, -1, SQLITE_TRANSIENT);
				sqlite3_bind_text(look, 3, base, -1, SQLITE_STATIC);
				free(lo);
				free(hi);
			}
			while (sqlite3_step(look) == SQLITE_ROW) {
				int64_t id = sqlite3_column_int64(look, 0);
				const char *path = (const char *)sqlite3_column_text(look, 1);
				struct cand *c;
				if (id == s->id ||
				    !import_names(s->lang, s->path, target, local, path))
					continue;
				c = cand_get(q, id);
				load_cand(c, meta, hist);
				if (!c->has[RULE_NEIGHBOUR]) {
					ev = xasprintf("imported by '%s' (line %d), a strong file",
					               s->path, line);
					cand_hit(c, RULE_NEIGHBOUR, q->rules.w[RULE_NEIGHBOUR], ev);
					free(ev);
				}
			}
			sqlite3_reset(look);
			sqlite3_clear_bindings(look);
		}
		sqlite3_reset(outs);

		/* in-edges: files that import the strong one, unless it is a hub */
		index_import_base(LANG_NONE, name, stem, sizeof(stem));
		sqlite3_bind_text(ins, 1, stem, -1, SQLITE_STATIC);
		sqlite3_bind_int(ins, 2, 2000);
		while (sqlite3_step(ins) == SQLITE_ROW) {
			const char *target = (const char *)sqlite3_column_text(ins, 1);
			const char *ipath = (const char *)sqlite3_column_text(ins, 4);
			const char *ilang = (const char *)sqlite3_column_text(ins, 5);
			int64_t id = sqlite3_column_int64(ins, 0);
			if (id == s->id || !import_names(ilang, ipath, target,
			                                 sqlite3_column_int(ins, 2), s->path))
				continue;
			if (count > 0 && found[count - 1]->id == id)
				continue;
			if (count == IMPORTERS_MAX) {
				count++;
				break;
			}
			found_line[count] = sqlite3_column_int(ins, 3);
			found[count++] = cand_get(q, id);
		}
		sqlite3_reset(ins);
		if (count > IMPORTERS_MAX) {
			note(q,
			     "'%s' is imported by more than %d files: its importers are not "
			     "neighbours",
			     s->path, IMPORTERS_MAX);
			continue;
		}
		for (k = 0; k < count; k++) {
			struct cand *c = found[k];
			load_cand(c, meta, hist);
			if (!c->has[RULE_NEIGHBOUR]) {
				ev = xasprintf("imports '%s' (line %lld), a strong file", s->path,
				               (long long)found_line[k]);
				cand_hit(c, RULE_NEIGHBOUR, q->rules.w[RULE_NEIGHBOUR], ev);
				free(ev);
			}
		}
	}
	free(strong);
	sqlite3_finalize(outs);
	sqlite3_finalize(by_stem);
	sqlite3_finalize(go_dir);
	sqlite3_finalize(ins);
}

/* ---- after ranking: evidence that needs the text, and packing ---- */

struct lines {
	struct buf text;
	size_t *off; /* off[k] = start of line k+1; off[n] = end */
	int n;
};

static int read_lines(struct q *q, const char *path, struct lines *l)
{
	char *full = fs_join(q->r->root, path);
	struct error e = ERROR_INIT;
	size_t i, cap = 0;
	int rc;

	buf_init(&l->text, 0);
	l->off = NULL;
	l->n = 0;
	rc = fs_read_file(full, 0, &l->text, &e);
	free(full);
	if (rc < 0)
		return -1;
	for (i = 0; i < l->text.len; i++)
		if (i == 0 || l->text.ptr[i - 1] == '\n') {
			XGROW(l->off, cap, (size_t)l->n + 2);
			l->off[l->n++] = i;
		}
	XGROW(l->off, cap, (size_t)l->n + 2);
	l->off[l->n] = l->text.len;
	return 0;
}

static void lines_release(struct lines *l)
{
	buf_release(&l->text);
	free(l->off);
}

static size_t lines_tokens(const struct lines *l, int s, int e)
{
	return token_estimate(l->off[e] - l->off[s - 1]);
}

struct count_ctx {
	char **terms;
	size_t n;
	int *counts;
};

static int count_cb(void *ctx, const char *term, size_t n, size_t start, size_t end)
{
	struct count_ctx *cc = ctx;
	ssize_t i = term_index(cc->terms, cc->n, term, n);
	(void)start;
	(void)end;

	if (i >= 0)
		cc->counts[i]++;
	return 0;
}

/* "bm25: parse×3 arg×2 (lines 40-89)" from the best chunk's text. */
static void bm25_evidence(struct q *q, struct cand *c, const struct lines *l)
{
	struct buf ev = BUF_INIT;
	struct count_ctx cc = { q->terms, q->nterms, xcalloc(q->nterms + 1, sizeof(int)) };
	const struct range *best = NULL;
	size_t i, shown = 0;

	for (i = 0; i < c->nranges; i++)
		if (!strcmp(c->ranges[i].why, "match") &&
		    (!best || c->ranges[i].weight > best->weight))
			best = &c->ranges[i];
	buf_adds(&ev, "bm25:");
	if (best && l && best->e <= l->n) {
		token_each(l->text.ptr + l->off[best->s - 1], l->off[best->e] - l->off[best->s - 1],
		           NULL, count_cb, &cc);
		for (i = 0; i < q->nterms && shown < 6; i++)
			if (cc.counts[i]) {
				buf_addf(&ev, " %s\xc3\x97%d", q->terms[i], cc.counts[i]);
				shown++;
			}
		buf_addf(&ev, " (lines %d-%d)", best->s, best->e);
	}
	free(c->hit[RULE_BM25].evidence);
	c->hit[RULE_BM25].evidence = buf_detach(&ev, NULL);
	free(cc.counts);
}

static void path_evidence(struct q *q, struct cand *c)
{
	struct buf ev = BUF_INIT;
	struct count_ctx cc = { q->all_terms, q->nall, xcalloc(q->nall + 1, sizeof(int)) };
	size_t i;

	token_each(c->path, strlen(c->path), NULL, count_cb, &cc);
	buf_adds(&ev, "path:");
	for (i = 0; i < q->nall; i++)
		if (cc.counts[i])
			buf_addf(&ev, " %s", q->all_terms[i]);
	free(c->hit[RULE_PATH_TERMS].evidence);
	c->hit[RULE_PATH_TERMS].evidence = buf_detach(&ev, NULL);
	free(cc.counts);
}

static int cmp_range_weight(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return x->s - y->s;
}

static int cmp_range_line(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	return x->s != y->s ? x->s - y->s : x->e - y->e;
}

/* Tokens for the "--- path (lines a-b) ---" header each file gets in the context. */
static size_t header_tokens(const char *path)
{
	return token_estimate(strlen(path) + 24);
}

static void add_slice(struct cand *c, int s, int e, const char *why)
{
	XGROW(c->slices, c->slices_cap, c->nslices + 1);
	c->slices[c->nslices++] = (struct range){ s, e, 0, why };
}

/* Packs the candidate into *left tokens: the whole file if small, else its slices. */
static void pack_file(struct q *q, struct cand *c, const struct lines *l, size_t *left)
{
	size_t budget = q->o->budget, head = header_tokens(c->path), small = budget / 4;
	size_t share = budget / 3, limit, i, used = 0;
	struct range *r;

	if (small < 256)
		small = 256;
	if (share < 512)
		share = 512;
	if (c->skip) {
		c->left_out = xasprintf("not indexed: %s", c->skip);
		return;
	}
	if (!l) {
		c->left_out = xstrdup("could not be read at query time");
		return;
	}
	if (l->n == 0) {
		c->left_out = xstrdup("empty file");
		return;
	}
	if (*left <= head) {
		c->left_out = xasprintf("budget exhausted (the file alone needs %zu tokens)",
		                        lines_tokens(l, 1, l->n) + head);
		return;
	}
	{
		size_t whole = lines_tokens(l, 1, l->n);
		if (whole + head <= *left && whole <= small) {
			add_slice(c, 1, l->n, "whole file");
			c->packed_tokens = whole + head;
			*left -= c->packed_tokens;
			return;
		}
	}
	/* one big file must not take the whole budget: its slices get a third */
	limit = *left < share + head ? *left : share + head;
	r = xmalloc((c->nranges + 1) * sizeof(*r));
	if (c->nranges) {
		memcpy(r, c->ranges, c->nranges * sizeof(*r));
		qsort(r, c->nranges, sizeof(*r), cmp_range_weight);
	} else {
		r[0] = (struct range){ 1, l->n, 1.0, "head" };
	}
	used = head;
	for (i = 0; i < (c->nranges ? c->nranges : 1); i++) {
		int s = r[i].s - CONTEXT_LINES, e = r[i].e + CONTEXT_LINES;
		size_t k, need;
		int overlap = 0;
		if (s < 1)
			s = 1;
		if (e > l->n)
			e = l->n;
		if (s > e)
			continue;
		for (k = 0; k < c->nslices; k++)
			if (s <= c->slices[k].e + 1 && e >= c->slices[k].s - 1) {
				/* extend an existing slice instead of adding an overlapping one */
				int ns = s < c->slices[k].s ? s : c->slices[k].s;
				int ne = e > c->slices[k].e ? e : c->slices[k].e;
				need = lines_tokens(l, ns, ne) -
				       lines_tokens(l, c->slices[k].s, c->slices[k].e);
				if (used + need <= limit) {
					used += need;
					c->slices[k].s = ns;
					c->slices[k].e = ne;
				}
				overlap = 1;
				break;
			}
		if (overlap)
			continue;
		need = lines_tokens(l, s, e);
		if (used + need > limit) {
			/* cut the region to what fits, if that is still worth showing */
			while (e > s && used + lines_tokens(l, s, e) > limit)
				e--;
			if (e - s + 1 < 8 || used + lines_tokens(l, s, e) > limit)
				break;
			need = lines_tokens(l, s, e);
		}
		add_slice(c, s, e, r[i].why);
		used += need;
	}
	free(r);
	if (!c->nslices) {
		size_t smallest = (size_t)-1;
		for (i = 0; i < c->nranges; i++) {
			int s = c->ranges[i].s - CONTEXT_LINES, e = c->ranges[i].e + CONTEXT_LINES;
			size_t t;
			if (s < 1)
				s = 1;
			if (e > l->n)
				e = l->n;
			if (s > e)
				continue;
			t = lines_tokens(l, s, e < s + 7 ? e : s + 7) + head;
			if (t < smallest)
				smallest = t;
		}
		if (smallest == (size_t)-1)
			smallest = lines_tokens(l, 1, l->n < 8 ? l->n : 8) + head;
		c->left_out = xasprintf("budget: needs at least %zu tokens, %zu available to it",
		                        smallest, limit);
		return;
	}
	qsort(c->slices, c->nslices, sizeof(*c->slices), cmp_range_line);
	c->packed_tokens = used;
	*left -= used;
}

/* ---- output ---- */

static double round2(double x)
{
	return round(x * 100.0) / 100.0;
}

static cJSON *cand_json(struct q *q, const struct cand *c, size_t rank, const struct lines *l)
{
	cJSON *f = cJSON_CreateObject(), *rules = cJSON_CreateArray(),
	      *slices = cJSON_CreateArray();
	int i;
	size_t k;

	{
		char *p = utf8_sanitize(c->path, strlen(c->path));
		cJSON_AddStringToObject(f, "path", p);
		free(p);
	}
	cJSON_AddNumberToObject(f, "rank", (double)rank);
	cJSON_AddNumberToObject(f, "score", round2(c->score));
	cJSON_AddBoolToObject(f, "packed", c->nslices > 0);
	cJSON_AddNumberToObject(f, "tokens", (double)c->packed_tokens);
	cJSON_AddStringToObject(f, "lang", c->lang);
	cJSON_AddNumberToObject(f, "lines", c->lines);
	for (i = 0; i < RULE__COUNT; i++) {
		cJSON *h;
		if (!c->has[i])
			continue;
		h = cJSON_CreateObject();
		cJSON_AddStringToObject(h, "rule", rule_defs[i].name);
		cJSON_AddNumberToObject(h, "points", round2(c->hit[i].points));
		cJSON_AddStringToObject(h, "evidence", c->hit[i].evidence);
		cJSON_AddItemToArray(rules, h);
	}
	cJSON_AddItemToObject(f, "rules", rules);
	for (k = 0; k < c->nslices; k++) {
		cJSON *s = cJSON_CreateObject();
		const struct range *r = &c->slices[k];
		cJSON_AddNumberToObject(s, "start_line", r->s);
		cJSON_AddNumberToObject(s, "end_line", r->e);
		cJSON_AddNumberToObject(s, "tokens", (double)lines_tokens(l, r->s, r->e));
		cJSON_AddStringToObject(s, "why", r->why);
		if (q->o->content) {
			/* JSON needs valid UTF-8 without NULs: replace what is not */
			char *t = utf8_sanitize(l->text.ptr + l->off[r->s - 1],
			                        l->off[r->e] - l->off[r->s - 1]);
			cJSON_AddStringToObject(s, "text", t);
			free(t);
		}
		cJSON_AddItemToArray(slices, s);
	}
	cJSON_AddItemToObject(f, "slices", slices);
	if (c->left_out)
		cJSON_AddStringToObject(f, "left_out", c->left_out);
	return f;
}

static void q_release(struct q *q)
{
	size_t i;

	for (i = 0; i < q->nc; i++)
		cand_free(q->c[i]);
	free(q->c);
	hmap_release(&q->byid);
	for (i = 0; i < q->ntags; i++)
		free(q->tags[i].pattern);
	free(q->tags);
	for (i = 0; i < q->nterms; i++)
		free(q->terms[i]);
	free(q->terms);
	for (i = 0; i < q->nall; i++)
		free(q->all_terms[i]);
	free(q->all_terms);
	free(q->dfs);
}

int query_run(struct repo *r, struct db *d, const struct query_opts *o, cJSON **out,
              struct error *e)
{
	struct q q = { 0 };
	struct word *words;
	size_t nwords, i, left, used = 0, top;
	int64_t nchunks = 0;
	int about_tests, depth = INDEX_HISTORY_DEFAULT;
	sqlite3_stmt *st, *meta, *hist;
	cJSON *doc, *files, *arr;
	const char *task = o->task ? o->task : "";

	q.r = r;
	q.d = d;
	q.o = o;
	q.notes = cJSON_CreateArray();
	if (o->rules) {
		q.rules = *o->rules;
	} else {
		char *path = fs_join(r->conf_dir, "rules");
		rules_defaults(&q.rules);
		rules_load(&q.rules, path);
		free(path);
	}
	{
		char *h = db_meta_get(d, "history_head"), *slash = h ? strrchr(h, '/') : NULL;
		if (slash && atoi(slash + 1) > 0)
			depth = atoi(slash + 1);
		free(h);
	}
	st = db_prepare(d, "SELECT count(*) FROM chunks");
	if (sqlite3_step(st) == SQLITE_ROW)
		nchunks = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);

	for (i = 0; i < o->ntags; i++)
		add_tag(&q, o->tags[i], strlen(o->tags[i]), "--tag");
	task_tags(&q, task);
	tags_file(&q);
	match_tags(&q);
	git_rule(&q);
	words = task_words(task, &nwords);
	mention_rules(&q, words, nwords);
	symbol_rule(&q, words, nwords);
	for (i = 0; i < nwords; i++)
		free(words[i].s);
	free(words);
	token_each(task, strlen(task), NULL, term_cb, &q);
	select_terms(&q, nchunks);
	bm25_rule(&q);
	path_terms_rule(&q);
	if (!*task && !q.ntags)
		note(&q, "the task is empty: only tags and git status can rank files");

	meta = db_prepare(
	        d, "SELECT path, lang, lines, tokens, flags, git, skip FROM files WHERE id=?1");
	hist = db_prepare(d, "SELECT age FROM history WHERE path=?1");
	about_tests = task_is_about_tests(task);
	for (i = 0; i < q.nc; i++)
		load_cand(q.c[i], meta, hist);
	neighbour_rule(&q, meta, hist);
	for (i = 0; i < q.nc; i++) {
		load_cand(q.c[i], meta, hist);
		file_rules(&q, q.c[i], about_tests, depth);
		q.c[i]->score = cand_score(q.c[i]);
	}
	sqlite3_finalize(meta);
	sqlite3_finalize(hist);
	if (q.nc)
		qsort(q.c, q.nc, sizeof(*q.c), cmp_cand);
	if (!q.nc && *task)
		note(&q, "no file matched the task");

	doc = cJSON_CreateObject();
	{
		char *t = utf8_sanitize(task, strlen(task));
		cJSON_AddStringToObject(doc, "task", t);
		free(t);
	}
	cJSON_AddNumberToObject(doc, "budget", (double)o->budget);
	files = cJSON_CreateArray();
	left = o->budget;
	top = o->top < q.nc ? o->top : q.nc;
	for (i = 0; i < top; i++) {
		struct cand *c = q.c[i];
		struct lines l;
		int have = !c->skip && read_lines(&q, c->path, &l) == 0;
		if (c->has[RULE_BM25])
			bm25_evidence(&q, c, have ? &l : NULL);
		if (c->has[RULE_PATH_TERMS])
			path_evidence(&q, c);
		pack_file(&q, c, have ? &l : NULL, &left);
		used += c->packed_tokens;
		cJSON_AddItemToArray(files, cand_json(&q, c, i + 1, have ? &l : NULL));
		if (have)
			lines_release(&l);
	}
	cJSON_AddNumberToObject(doc, "tokens_used", (double)used);
	cJSON_AddNumberToObject(doc, "top", (double)o->top);
	cJSON_AddNumberToObject(doc, "candidates", (double)q.nc);
	arr = cJSON_CreateArray();
	for (i = 0; i < q.nterms; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(q.terms[i]));
	cJSON_AddItemToObject(doc, "terms", arr);
	arr = cJSON_CreateArray();
	for (i = 0; i < q.ntags; i++) {
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "pattern", q.tags[i].pattern);
		cJSON_AddStringToObject(t, "source", q.tags[i].source);
		cJSON_AddNumberToObject(t, "matched", (double)q.tags[i].matched);
		cJSON_AddItemToArray(arr, t);
	}
	cJSON_AddItemToObject(doc, "tags", arr);
	cJSON_AddItemToObject(doc, "notes", q.notes);
	cJSON_AddItemToObject(doc, "files", files);
	q_release(&q);

	if (ledger_store(d, doc, e) < 0) {
		cJSON_Delete(doc);
		return -1;
	}
	*out = doc;
	return 0;
}
