/*
 * token.c - the one tokenizer: index text, task text and paths all go through
 * token_each(), so a term in a task matches the same term in the index.
 *
 * A word is a maximal run of word bytes (ASCII alphanumerics and any byte >= 0x80,
 * so UTF-8 words survive whole). Identifiers split into parts at '_' (already a
 * separator) and at case changes: "parseArgs" -> parse|args, "HTTPServer" ->
 * http|server; digits stay with the part before them ("ext4", "x86").
 * Parts are lowercased and light-stemmed (plural 's' forms only), then numbers,
 * hex literals, hash-like hex strings, one-letter parts, over-long parts and stop
 * words are dropped. The stemmer is idempotent, which matters: FTS5 re-tokenizes
 * the terms Loom puts in a MATCH expression.
 *
 * Term-frequency capping keeps the index small and fast to build: repeating an
 * identifier 40 times in one chunk adds almost nothing to BM25 after the first
 * few (its tf term saturates), so only TOKEN_TF_CAP occurrences are indexed.
 */
#include "context/token.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* Word bytes: ASCII letters and digits, and every non-ASCII byte. */
static const unsigned char word_byte[256] = {
	['0' ... '9'] = 1,
	['A' ... 'Z'] = 1,
	['a' ... 'z'] = 1,
	[0x80 ... 0xFF] = 1,
};

static inline int is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}
static inline int is_lower(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || c >= 0x80;
}
static inline int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}
static inline int is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline uint64_t term_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h ? h : 1;
}

/* Stems plural forms in place; returns the new length. Idempotent. */
static size_t stem(char *s, size_t n)
{
	if (n < 4 || s[n - 1] != 's' || (unsigned char)s[n - 2] >= 0x80)
		return n;
	if (n >= 5 && s[n - 3] == 'i' && s[n - 2] == 'e') { /* entries -> entry */
		s[n - 3] = 'y';
		return n - 2;
	}
	if (s[n - 2] == 'e') {
		if (s[n - 3] == 'x') /* indexes -> index */
			return n - 2;
		if (n >= 5 && s[n - 4] == 's' && s[n - 3] == 's') /* classes -> class */
			return n - 2;
		if (n >= 5 && s[n - 3] == 'h' && (s[n - 4] == 's' || s[n - 4] == 'c') &&
		    !(s[n - 4] == 'c' && n >= 6 && s[n - 5] == 'a')) /* patches, pushes */
			return n - 2;
	}
	if (s[n - 2] == 's' || s[n - 2] == 'u' || s[n - 2] == 'i')
		return n; /* class, status, analysis */
	return n - 1;
}

/* Stop words as written; they are stemmed into the lookup set at first use. */
static const char *const stop_list[] = {
	/* English */
	"a",
	"about",
	"after",
	"all",
	"also",
	"an",
	"and",
	"any",
	"are",
	"as",
	"at",
	"be",
	"been",
	"before",
	"being",
	"but",
	"by",
	"can",
	"could",
	"did",
	"do",
	"does",
	"doing",
	"done",
	"each",
	"either",
	"etc",
	"for",
	"from",
	"had",
	"has",
	"have",
	"he",
	"her",
	"here",
	"his",
	"how",
	"however",
	"if",
	"in",
	"into",
	"is",
	"it",
	"its",
	"just",
	"may",
	"me",
	"might",
	"more",
	"most",
	"much",
	"must",
	"my",
	"no",
	"nor",
	"not",
	"now",
	"of",
	"on",
	"once",
	"one",
	"only",
	"or",
	"other",
	"our",
	"out",
	"over",
	"own",
	"same",
	"she",
	"should",
	"so",
	"some",
	"such",
	"than",
	"that",
	"the",
	"their",
	"them",
	"then",
	"there",
	"these",
	"they",
	"this",
	"those",
	"through",
	"to",
	"too",
	"under",
	"until",
	"up",
	"upon",
	"us",
	"very",
	"via",
	"was",
	"we",
	"were",
	"what",
	"when",
	"where",
	"whether",
	"which",
	"while",
	"who",
	"whom",
	"why",
	"will",
	"with",
	"within",
	"without",
	"would",
	"yet",
	"you",
	"your",
	/* keywords common to most of the languages indexed */
	"auto",
	"bool",
	"break",
	"case",
	"char",
	"const",
	"continue",
	"def",
	"default",
	"define",
	"elif",
	"else",
	"endif",
	"enum",
	"extern",
	"false",
	"fi",
	"fn",
	"func",
	"function",
	"goto",
	"ifdef",
	"ifndef",
	"import",
	"include",
	"inline",
	"int",
	"let",
	"long",
	"none",
	"null",
	"nullptr",
	"private",
	"protected",
	"public",
	"pub",
	"return",
	"self",
	"short",
	"signed",
	"sizeof",
	"static",
	"struct",
	"switch",
	"true",
	"typedef",
	"undef",
	"unsigned",
	"var",
	"void",
	"volatile",
	"while",
	"u8",
	"u16",
	"u32",
	"u64",
	"s8",
	"s16",
	"s32",
	"s64",
	"uint8",
	"uint16",
	"uint32",
	"uint64",
	"int8",
	"int16",
	"int32",
	"int64",
	"size",
};

#define STOP_SLOTS 1024
static uint64_t stop_set[STOP_SLOTS]; /* open addressing on term_hash, 0 = empty */
static pthread_once_t stop_once = PTHREAD_ONCE_INIT;

static void stop_init(void)
{
	size_t i;
	char tmp[TOKEN_MAX];

	for (i = 0; i < sizeof(stop_list) / sizeof(stop_list[0]); i++) {
		size_t n = strlen(stop_list[i]);
		uint64_t h;
		size_t slot;

		memcpy(tmp, stop_list[i], n);
		n = stem(tmp, n);
		h = term_hash(tmp, n);
		for (slot = h & (STOP_SLOTS - 1); stop_set[slot] && stop_set[slot] != h;
		     slot = (slot + 1) & (STOP_SLOTS - 1))
			;
		stop_set[slot] = h;
	}
}

static int stop_has(uint64_t h)
{
	size_t slot;

	for (slot = h & (STOP_SLOTS - 1); stop_set[slot]; slot = (slot + 1) & (STOP_SLOTS - 1))
		if (stop_set[slot] == h)
			return 1;
	return 0;
}

int token_is_stop(const char *term, size_t n)
{
	pthread_once(&stop_once, stop_init);
	return stop_has(term_hash(term, n));
}

/* Per-call term counts for the tf cap: a stamped open-addressing table. */
struct tf_table {
	uint64_t *key;
	uint32_t *stamp;
	uint8_t *count;
	size_t cap, used;
	uint32_t gen;
};

static void tf_reset(struct tf_table *t, size_t expect)
{
	size_t want = 64;

	while (want < expect * 2 && want < (1u << 20))
		want *= 2;
	if (want > t->cap) {
		free(t->key);
		free(t->stamp);
		free(t->count);
		t->key = xcalloc(want, sizeof(*t->key));
		t->stamp = xcalloc(want, sizeof(*t->stamp));
		t->count = xcalloc(want, sizeof(*t->count));
		t->cap = want;
		t->gen = 0;
	}
	t->used = 0;
	if (++t->gen == 0) {
		memset(t->stamp, 0, t->cap * sizeof(*t->stamp));
		t->gen = 1;
	}
}

/* Returns 1 if the term may be emitted once more. */
static int tf_admit(struct tf_table *t, uint64_t h, size_t cap)
{
	size_t slot, mask = t->cap - 1;

	if (t->used * 2 >= t->cap)
		return 1; /* table full: stop capping rather than grow mid-call */
	for (slot = h & mask; t->stamp[slot] == t->gen; slot = (slot + 1) & mask) {
		if (t->key[slot] == h) {
			if (t->count[slot] >= cap)
				return 0;
			t->count[slot]++;
			return 1;
		}
	}
	t->stamp[slot] = t->gen;
	t->key[slot] = h;
	t->count[slot] = 1;
	t->used++;
	return 1;
}

struct token_tf {
	struct tf_table t;
};

struct token_tf *token_tf_new(void)
{
	return xcalloc(1, sizeof(struct token_tf));
}

void token_tf_free(struct token_tf *tf)
{
	if (!tf)
		return;
	free(tf->t.key);
	free(tf->t.stamp);
	free(tf->t.count);
	free(tf);
}

struct scan {
	size_t tf_cap;
	struct tf_table *tf;
	token_fn fn;
	void *ctx;
};

/* Normalizes and emits one identifier part [s, s+n) found at offset start. */
static int emit_part(struct scan *sc, const char *s, size_t n, size_t start)
{
	char t[TOKEN_MAX];
	size_t i, m;
	int digits = 1, hex = 1, ascii = 1;
	uint64_t h;

	if (n > TOKEN_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!is_digit(c))
			digits = 0;
		if (!is_hex(c))
			hex = 0;
		if (c >= 0x80)
			ascii = 0;
		t[i] = (char)(is_upper(c) ? c + 32 : c);
	}
	if (digits || (ascii && n < 2) || (hex && n >= 12))
		return 0;
	m = stem(t, n);
	h = term_hash(t, m);
	if (m <= 10 && stop_has(h))
		return 0;
	if (sc->tf_cap && !tf_admit(sc->tf, h, sc->tf_cap))
		return 0;
	return sc->fn(sc->ctx, t, m, start, start + n);
}

/* Splits the word [s, s+n) at case boundaries and emits each part. */
static int emit_word(struct scan *sc, const char *text, size_t start, size_t n)
{
	const unsigned char *w = (const unsigned char *)text + start;
	size_t i, part = 0;
	int r;

	if (n >= 3 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X'))
		return 0; /* hex literal */
	for (i = 1; i < n; i++) {
		int cut = 0;
		if (is_upper(w[i]) && is_lower(w[i - 1]))
			cut = 1; /* parse|Args */
		else if (is_upper(w[i]) && is_digit(w[i - 1]) && i >= 2 && is_lower(w[i - 2]))
			cut = 1; /* utf8|Decode */
		else if (is_lower(w[i]) && w[i] < 0x80 && is_upper(w[i - 1]) && i >= 2 &&
		         is_upper(w[i - 2]))
			cut = 2; /* HTTP|Server: cut before the last capital */
		if (!cut)
			continue;
		{
			size_t end = cut == 2 ? i - 1 : i;
			if (end > part) {
				r = emit_part(sc, text + start + part, end - part, start + part);
				if (r)
					return r;
			}
			part = end;
		}
	}
	return emit_part(sc, text + start + part, n - part, start + part);
}

static int token_scan(const char *text, size_t n, struct scan *sc)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0;
	int r;

	pthread_once(&stop_once, stop_init);
	while (i < n) {
		size_t start;
		while (i < n && !word_byte[p[i]])
			i++;
		if (i >= n)
			break;
		start = i;
		while (i < n && word_byte[p[i]])
			i++;
		if (i - start > 4 * TOKEN_MAX)
			continue; /* base64, minified blobs */
		r = emit_word(sc, text, start, i - start);
		if (r)
			return r;
	}
	return 0;
}

int token_each(const char *text, size_t n, struct token_tf *tf, token_fn fn, void *ctx)
{
	struct scan sc = { 0, NULL, fn, ctx };

	if (tf) {
		sc.tf_cap = TOKEN_TF_CAP;
		sc.tf = &tf->t;
		tf_reset(sc.tf, n / 6 + 16);
	}
	return token_scan(text, n, &sc);
}

static int stream_cb(void *ctx, const char *term, size_t n, size_t start, size_t end)
{
	struct buf *out = ctx;
	(void)start;
	(void)end;
	if (out->len && out->ptr[out->len - 1] != ' ')
		buf_addch(out, ' ');
	buf_add(out, term, n);
	return 0;
}

void token_stream(const char *text, size_t n, struct token_tf *tf, struct buf *out)
{
	token_each(text, n, tf, stream_cb, out);
}

size_t token_estimate(size_t nbytes)
{
	return (nbytes + 2) / 3;
}

/* ---- the FTS5 tokenizer "loom": terms were made by token_stream() ---- */

static int fts_create(void *unused, const char **azArg, int nArg, Fts5Tokenizer **ppOut)
{
	static int instance;
	(void)unused;
	(void)azArg;
	(void)nArg;
	*ppOut = (Fts5Tokenizer *)&instance; /* stateless */
	return SQLITE_OK;
}

static void fts_delete(Fts5Tokenizer *t)
{
	(void)t;
}

static int fts_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int n,
                        int (*xToken)(void *, int, const char *, int, int, int))
{
	int i = 0, rc;
	(void)t;
	(void)flags;

	while (i < n) {
		int start;
		while (i < n && text[i] == ' ')
			i++;
		start = i;
		while (i < n && text[i] != ' ')
			i++;
		if (i > start &&
		    (rc = xToken(ctx, 0, text + start, i - start, start, i)) != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

int token_fts5_register(fts5_api *api, struct error *e)
{
	static fts5_tokenizer tok = { fts_create, fts_delete, fts_tokenize };
	int rc = api->xCreateTokenizer(api, "loom", NULL, &tok, NULL);

	if (rc != SQLITE_OK)
		return error_set(e, "cannot register the fts5 tokenizer: %s", sqlite3_errstr(rc));
	return 0;
}
