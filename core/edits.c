/*
 * edits.c - the Coder's edit blocks: reading them out of a reply, applying one.
 *
 * Parsing walks the reply once, line by line (CRLF and a missing last newline
 * are the same as LF). Outside a block it only remembers what a block may need
 * to look back at: the last significant line (not blank, not a fence), the
 * last line that looked like a path since the previous block, and whether it
 * is inside a fence that holds blocks. A SEARCH marker starts a block, which
 * reads on to its '=======' and REPLACE markers; a fence right after a path
 * line that holds no SEARCH marker is a whole new file. To decide that, the
 * fence is read ahead once, so each line is read at most twice. Paths are
 * checked with path_check() and every part is capped at EDITS_MAX_PART bytes,
 * so a hostile reply costs bounded memory and linear time.
 *
 * Applying never touches a file. An exact match is counted with
 * Knuth-Morris-Pratt, so overlapping matches count and the time stays linear;
 * it must start a line (after that line's indentation at most), so "x = 1;"
 * never edits the middle of "max = 1;". The whitespace-tolerant match maps
 * each normalised line to a small integer (core/hmap) and runs the same
 * algorithm over lines, which also yields the longest run of the block's
 * first lines found in the file, for the hint. When that match shows the
 * block indented by one consistent prefix more or less than the file, the new
 * lines are shifted by the same prefix.
 */
#include "core/edits.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/hmap.h"
#include "core/path.h"
#include "core/utf8.h"

/* One reply line: t[start..start+len) without "\n" or "\r\n"; no is 1-based. */
struct line {
	size_t start, len;
	int no;
};

struct cursor {
	const char *t;
	size_t n, pos;
	int no;
};

static int next_line(struct cursor *c, struct line *l)
{
	const char *nl;
	size_t end;

	if (c->pos >= c->n)
		return 0;
	nl = memchr(c->t + c->pos, '\n', c->n - c->pos);
	end = nl ? (size_t)(nl - c->t) : c->n;
	l->start = c->pos;
	l->len = end - c->pos;
	if (l->len && c->t[end - 1] == '\r')
		l->len--;
	if (c->no < INT_MAX)
		c->no++;
	l->no = c->no;
	c->pos = nl ? end + 1 : c->n;
	return 1;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* ASCII case-insensitive comparison of n bytes of s with lower (lowercase) */
static int same_folded(const char *s, const char *lower, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
		if (c != lower[i])
			return 0;
	}
	return 1;
}

/* 1 when the line is 5 to 9 of ch, then (if word) blanks and word, then only blanks */
static int is_marker(const char *s, size_t len, char ch, const char *word)
{
	size_t i = 0, w;

	while (i < len && s[i] == ch)
		i++;
	if (i < 5 || i > 9)
		return 0;
	if (word) {
		while (i < len && is_blank(s[i]))
			i++;
		w = strlen(word);
		if (len - i < w || !same_folded(s + i, word, w))
			return 0;
		i += w;
	}
	while (i < len && is_blank(s[i]))
		i++;
	return i == len;
}

/* The run of 3 or more '`' or '~' opening the line (after up to 3 spaces), or 0. */
static size_t fence_open(const char *s, size_t len, char *mark, size_t *info)
{
	size_t i = 0, k;

	while (i < 3 && i < len && s[i] == ' ')
		i++;
	if (i >= len || (s[i] != '`' && s[i] != '~'))
		return 0;
	for (k = 0; i + k < len && s[i + k] == s[i]; k++)
		;
	*mark = s[i];
	*info = i + k;
	return k >= 3 ? k : 0;
}

static int closes_fence(const char *s, size_t len, char mark, size_t k)
{
	size_t i = 0, run = 0;

	while (i < 3 && i < len && s[i] == ' ')
		i++;
	while (i < len && s[i] == mark) {
		i++;
		run++;
	}
	while (i < len && is_blank(s[i]))
		i++;
	return run >= k && i == len;
}

/* Fences whose content is never a file: a diff shown to the user is not one. */
static const char *const not_file_fences[] = { "diff", "patch" };

static int fence_is_file(const char *s, size_t len, size_t info)
{
	size_t i, e, w;

	while (info < len && is_blank(s[info]))
		info++;
	for (e = info; e < len && !is_blank(s[e]); e++)
		;
	for (i = 0; i < sizeof(not_file_fences) / sizeof(not_file_fences[0]); i++) {
		w = strlen(not_file_fences[i]);
		if (e - info == w && same_folded(s + info, not_file_fences[i], w))
			return 0;
	}
	return 1;
}

/* Names without a '.' or '/' that are still taken for paths on a line of their own. */
static const char *const bare_names[] = {
	"Makefile", "GNUmakefile", "makefile", "Dockerfile", "Containerfile", "Gemfile",
	"Rakefile", "Procfile",    "Justfile", "justfile",   "Vagrantfile",   "Jenkinsfile",
	"LICENSE",  "COPYING",     "README",   "AUTHORS",    "NEWS",
};

/* 1 when s[0..len) looks like a file path rather than a word of prose */
static int looks_like_path(const char *s, size_t len)
{
	size_t i;

	if (!len || s[len - 1] == '.')
		return 0;
	/* code has these, repository paths practically never ("(group)/[id].tsx" do occur) */
	for (i = 0; i < len; i++)
		if (is_blank(s[i]) || (s[i] && strchr("`;=,\"'<>|*?{}", s[i])))
			return 0;
	if (memchr(s, '/', len) || memchr(s, '.', len))
		return 1;
	for (i = 0; i < sizeof(bare_names) / sizeof(bare_names[0]); i++)
		if (strlen(bare_names[i]) == len && !memcmp(bare_names[i], s, len))
			return 1;
	return 0;
}

static const char *const path_prefixes[] = { "file:", "path:", "filename:" };

/*
 * Finds the path a line names: the whole line once decorations are stripped
 * ("### ", "- ", "File:", "Path:", "**", backticks, a final ':'), or else the
 * one backquoted path-like word in it. 1 with *at and *len set, else 0.
 */
static int path_of_line(const char *s, size_t len, size_t *at, size_t *plen)
{
	size_t a = 0, b = len, a0, b0, i, w, found = 0, start = 0;

	do {
		a0 = a;
		b0 = b;
		while (a < b && is_blank(s[a]))
			a++;
		while (b > a && is_blank(s[b - 1]))
			b--;
		while (a < b && s[a] == '#')
			a++;
		if (b - a >= 2 && (s[a] == '-' || s[a] == '*') && s[a + 1] == ' ')
			a += 2;
		for (i = 0; i < sizeof(path_prefixes) / sizeof(path_prefixes[0]); i++) {
			w = strlen(path_prefixes[i]);
			if (b - a >= w && same_folded(s + a, path_prefixes[i], w))
				a += w;
		}
		if (b - a >= 2 && s[a] == '*' && s[a + 1] == '*')
			a += 2;
		if (b - a >= 2 && s[b - 1] == '*' && s[b - 2] == '*')
			b -= 2;
		while (a < b && s[a] == '`')
			a++;
		while (b > a && s[b - 1] == '`')
			b--;
		if (b > a && s[b - 1] == ':')
			b--;
	} while (a != a0 || b != b0);
	if (looks_like_path(s + a, b - a)) {
		*at = a;
		*plen = b - a;
		return 1;
	}
	for (i = 0; i < len; i++) {
		if (s[i] != '`')
			continue;
		if (!start) {
			start = i + 1;
			continue;
		}
		if (looks_like_path(s + start, i - start)) {
			if (found++)
				return 0; /* two paths: which one? */
			*at = start;
			*plen = i - start;
		}
		start = 0;
	}
	return found == 1;
}

struct parser {
	const char *t;
	struct cursor cur;
	struct edits *out;
	struct error *e;
	int last_is_text; /* the last significant line was text (not a block's end) */
	struct line last; /* that line */
	int have_path;    /* a path-like line was seen since the previous block */
	struct line path; /* the last such line */
	int in_fence;     /* inside a fence that holds blocks */
	char fence_mark;
	size_t fence_len;
};

static void add_edit(struct parser *p, enum edit_kind kind, char *path, char *search, char *replace,
                     int line)
{
	struct edit *ed;

	XGROW(p->out->v, p->out->cap, p->out->n + 1);
	ed = &p->out->v[p->out->n++];
	ed->kind = kind;
	ed->path = path;
	ed->search = search;
	ed->replace = replace;
	ed->line = line;
	p->last_is_text = 0;
	p->have_path = 0;
}

/* The checked path named by line l, owned by the caller; NULL with p->e set. */
static char *take_path(struct parser *p, const struct line *l, size_t at, size_t len)
{
	if (path_check_n(p->t + l->start + at, len, p->e) < 0) {
		error_prefix(p->e, "line %d", l->no);
		return NULL;
	}
	return xstrndup(p->t + l->start + at, len);
}

static int add_line(struct buf *b, const char *s, size_t len)
{
	if (buf_add(b, s, len) < 0 || buf_addch(b, '\n') < 0)
		return -1;
	return 0;
}

/* The part of a block being read, and what its end or a cut-off is called. */
static const struct {
	const char *part;
	const char *missing;
} block_parts[] = {
	{ "SEARCH", "'======='" },
	{ "REPLACE", "'>>>>>>> REPLACE'" },
};

/* The SEARCH marker is line m: reads the block up to its REPLACE marker. */
static int read_block(struct parser *p, const struct line *m)
{
	struct buf part[2] = { BUF_INIT_MAX(EDITS_MAX_PART), BUF_INIT_MAX(EDITS_MAX_PART) };
	struct line l;
	size_t at, len;
	char *path = NULL;
	const char *s;
	int in = 0;

	if (p->have_path && path_of_line(p->t + p->path.start, p->path.len, &at, &len))
		path = take_path(p, &p->path, at, len);
	else if (p->out->n)
		path = xstrdup(p->out->v[p->out->n - 1].path);
	else
		return error_set(p->e, "line %d: SEARCH block has no file path before it", m->no);
	if (!path)
		return -1;
	while (next_line(&p->cur, &l)) {
		s = p->t + l.start;
		if (in == 0 && is_marker(s, l.len, '=', NULL)) {
			in = 1;
			continue;
		}
		if (in == 1 && is_marker(s, l.len, '>', "replace")) {
			if (p->out->n == EDITS_MAX) {
				error_set(p->e, "more than %d edit blocks in the reply", EDITS_MAX);
				goto fail;
			}
			add_edit(p, EDIT_REPLACE, path, buf_detach(&part[0], NULL),
			         buf_detach(&part[1], NULL), m->no);
			return 0;
		}
		if (is_marker(s, l.len, '<', "search") ||
		    (in == 0 && is_marker(s, l.len, '>', "replace")))
			break;
		if (add_line(&part[in], s, l.len) < 0) {
			error_set(p->e, "line %d: the %s text for '%s' is longer than %zu bytes",
			          m->no, block_parts[in].part, path, EDITS_MAX_PART);
			goto fail;
		}
	}
	error_set(p->e, "line %d: SEARCH block for '%s' has no %s", m->no, path,
	          block_parts[in].missing);
fail:
	free(path);
	buf_release(&part[0]);
	buf_release(&part[1]);
	return -1;
}

/*
 * The fence opened at line o (k bytes of mark). If it holds a SEARCH marker it
 * is only a wrapper; if it follows a path line it is a whole file; else it is
 * skipped.
 */
static int read_fence(struct parser *p, const struct line *o, char mark, size_t k, size_t info)
{
	struct cursor ahead = p->cur;
	struct buf body = BUF_INIT_MAX(EDITS_MAX_PART);
	struct line l;
	size_t at, len, close_at = 0;
	const char *s;
	char *path;
	int closed = 0;

	while (next_line(&ahead, &l)) {
		s = p->t + l.start;
		if (is_marker(s, l.len, '<', "search")) {
			p->in_fence = 1;
			p->fence_mark = mark;
			p->fence_len = k;
			return 0;
		}
		if (closes_fence(s, l.len, mark, k)) {
			closed = 1;
			close_at = l.start;
			break;
		}
	}
	if (!p->last_is_text || !fence_is_file(p->t + o->start, o->len, info) ||
	    !path_of_line(p->t + p->last.start, p->last.len, &at, &len)) {
		p->cur = ahead; /* an illustration, not an edit */
		return 0;
	}
	if (!(path = take_path(p, &p->last, at, len)))
		return -1;
	if (!closed) {
		error_set(p->e, "line %d: the code block for '%s' is not closed", o->no, path);
		goto fail;
	}
	if (p->out->n == EDITS_MAX) {
		error_set(p->e, "more than %d edit blocks in the reply", EDITS_MAX);
		goto fail;
	}
	while (next_line(&p->cur, &l) && l.start < close_at) {
		if (add_line(&body, p->t + l.start, l.len) < 0) {
			error_set(p->e, "line %d: the new content of '%s' is longer than %zu bytes",
			          o->no, path, EDITS_MAX_PART);
			goto fail;
		}
	}
	p->cur = ahead;
	add_edit(p, EDIT_WHOLE, path, NULL, buf_detach(&body, NULL), o->no);
	return 0;
fail:
	free(path);
	buf_release(&body);
	return -1;
}

int edits_parse(const char *text, size_t n, struct edits *out, struct error *e)
{
	struct parser p = { 0 };
	struct line l;
	size_t k, info, at, len;
	const char *s;
	char mark;

	p.t = text ? text : "";
	p.cur.t = p.t;
	p.cur.n = text ? n : 0;
	p.out = out;
	p.e = e;
	while (next_line(&p.cur, &l)) {
		s = p.t + l.start;
		if (is_marker(s, l.len, '<', "search")) {
			if (read_block(&p, &l) < 0)
				goto fail;
			continue;
		}
		if (p.in_fence && closes_fence(s, l.len, p.fence_mark, p.fence_len)) {
			p.in_fence = 0;
			continue;
		}
		if ((k = fence_open(s, l.len, &mark, &info))) {
			if (!p.in_fence && read_fence(&p, &l, mark, k, info) < 0)
				goto fail;
			continue;
		}
		for (k = 0; k < l.len && is_blank(s[k]); k++)
			;
		if (k == l.len)
			continue;
		p.last_is_text = 1;
		p.last = l;
		if (path_of_line(s, l.len, &at, &len)) {
			p.have_path = 1;
			p.path = l;
		}
	}
	if (!out->n)
		return error_set(e, "no edit blocks in the reply");
	return 0;
fail:
	edits_release(out);
	return -1;
}

void edits_release(struct edits *es)
{
	size_t i;

	for (i = 0; i < es->n; i++) {
		free(es->v[i].path);
		free(es->v[i].search);
		free(es->v[i].replace);
	}
	free(es->v);
	es->v = NULL;
	es->n = es->cap = 0;
}

/* A line of a file or a SEARCH text: s[start..start+len) then a '\n' if nl. */
struct fline {
	size_t start, len;
	int nl;
	size_t id; /* its normalised form's number */
};

static size_t split_lines(const char *s, size_t n, struct fline **out)
{
	struct fline *v = NULL;
	size_t count = 0, cap = 0, i = 0;
	const char *nl;

	while (i < n) {
		nl = memchr(s + i, '\n', n - i);
		XGROW(v, cap, count + 1);
		v[count].start = i;
		v[count].len = (nl ? (size_t)(nl - s) : n) - i;
		v[count].nl = nl != NULL;
		i += v[count].len + (nl != NULL);
		count++;
	}
	*out = v;
	return count;
}

/* Appends the line without indentation and trailing blanks, runs of blanks as one space. */
static void normalise(struct buf *b, const char *s, size_t len)
{
	size_t i = 0;
	int gap = 0;

	while (i < len && is_blank(s[i]))
		i++;
	for (; i < len; i++) {
		if (is_blank(s[i])) {
			gap = 1;
			continue;
		}
		if (gap)
			buf_addch(b, ' ');
		gap = 0;
		buf_addch(b, s[i]);
	}
}

/* Gives every line of both texts the number of its normalised form. */
static void number_lines(const char *a, struct fline *la, size_t na, const char *b,
                         struct fline *lb, size_t nb)
{
	struct buf norm = BUF_INIT;
	struct hmap ids = HMAP_INIT;
	size_t *off = xmalloc((na + nb + 1) * sizeof(*off)), i, *v, next = 0;

	for (i = 0; i < na + nb; i++) {
		struct fline *l = i < na ? &la[i] : &lb[i - na];
		off[i] = norm.len;
		normalise(&norm, (i < na ? a : b) + l->start, l->len);
	}
	off[na + nb] = norm.len;
	/* the keys point into norm, so it must be complete before the first put */
	for (i = 0; i < na + nb; i++) {
		struct fline *l = i < na ? &la[i] : &lb[i - na];
		const char *key = norm.ptr + off[i];
		size_t klen = off[i + 1] - off[i];

		if ((v = hmap_get(&ids, key, klen))) {
			l->id = *v;
		} else {
			l->id = next++;
			hmap_put(&ids, key, klen, l->id);
		}
	}
	hmap_release(&ids);
	buf_release(&norm);
	free(off);
}

/* The matches of a pattern in a text, and the longest run of its first items. */
struct kmp {
	size_t count;    /* occurrences, overlapping ones included */
	size_t first;    /* index of the first occurrence */
	size_t best;     /* the most pattern items matched in a row, from its first */
	size_t best_end; /* index of the last text item of that run */
};

static size_t byte_at(const void *v, size_t i)
{
	return ((const unsigned char *)v)[i];
}

static size_t line_at(const void *v, size_t i)
{
	return ((const struct fline *)v)[i].id;
}

/*
 * Knuth-Morris-Pratt over n items of text and m > 0 of pat; at() reads one
 * item. An occurrence counts only if accept (when not NULL) takes its start;
 * starts come in increasing order.
 */
static void kmp(struct kmp *res, const void *text, size_t n, const void *pat, size_t m,
                size_t (*at)(const void *v, size_t i), int (*accept)(void *ctx, size_t start),
                void *ctx)
{
	size_t *fail = xmalloc(m * sizeof(*fail)), i, j = 0;

	fail[0] = 0;
	for (i = 1; i < m; i++) {
		while (j && at(pat, i) != at(pat, j))
			j = fail[j - 1];
		if (at(pat, i) == at(pat, j))
			j++;
		fail[i] = j;
	}
	memset(res, 0, sizeof(*res));
	for (i = 0, j = 0; i < n; i++) {
		while (j && at(text, i) != at(pat, j))
			j = fail[j - 1];
		if (at(text, i) == at(pat, j))
			j++;
		if (j > res->best) {
			res->best = j;
			res->best_end = i;
		}
		if (j == m) {
			if ((!accept || accept(ctx, i + 1 - m)) && !res->count++)
				res->first = i + 1 - m;
			j = fail[j - 1];
		}
	}
	free(fail);
}

/*
 * Whether a position starts a line, indentation aside. A cursor moves only
 * forward, since KMP reports starts in order: linear however many matches.
 */
struct anchor {
	const char *t;
	size_t pos; /* the cursor */
	int ok;     /* t[pos] has only blanks between it and the line's start */
};

static int anchored(void *ctx, size_t start)
{
	struct anchor *a = ctx;

	for (; a->pos < start; a->pos++)
		a->ok = a->t[a->pos] == '\n' || (a->ok && is_blank(a->t[a->pos]));
	return a->ok;
}

/* Appends text with its '\n's written as the file writes them. */
static int add_with_eol(struct buf *out, const char *s, size_t n, int crlf, int drop_last_nl)
{
	size_t i, start = 0;

	if (drop_last_nl && n && s[n - 1] == '\n')
		n -= n >= 2 && s[n - 2] == '\r' ? 2 : 1;
	if (!crlf)
		return buf_add(out, s, n);
	for (i = 0; i < n; i++) {
		if (s[i] != '\n' || (i && s[i - 1] == '\r'))
			continue;
		if (buf_add(out, s + start, i - start) < 0 || buf_add(out, "\r\n", 2) < 0)
			return -1;
		start = i + 1;
	}
	return buf_add(out, s + start, n - start);
}

static int too_many(struct error *e, const char *show, size_t count, const char *how)
{
	return error_set(e,
	                 "'%s': the SEARCH text matches %zu times%s; include more surrounding "
	                 "lines so it matches once",
	                 show, count, how);
}

/* Nothing matched: says how close the file came, as a hint for the model. */
static int no_match(struct error *e, const char *show, const struct kmp *k, struct fline *fl,
                    size_t nf, struct fline *sl, size_t ns, const char *search)
{
	size_t i, j, *first_at, nid = 0, start, a;

	for (a = 0; a < sl[0].len && is_blank(search[sl[0].start + a]); a++)
		;
	if (k->best && a < sl[0].len) {
		start = k->best_end + 1 - k->best;
		if (k->best_end + 1 == nf)
			return error_set(
			        e,
			        "'%s': the SEARCH text does not match (first line found at "
			        "line %zu, the file ends before the block does)",
			        show, start + 1);
		return error_set(e,
		                 "'%s': the SEARCH text does not match (first line found at line "
		                 "%zu, the block differs at line %zu)",
		                 show, start + 1, k->best_end + 2);
	}
	for (i = 0; i < nf; i++)
		nid = fl[i].id + 1 > nid ? fl[i].id + 1 : nid;
	first_at = xmalloc((nid + 1) * sizeof(*first_at));
	for (i = 0; i < nid; i++)
		first_at[i] = SIZE_MAX;
	for (i = nf; i-- > 0;)
		first_at[fl[i].id] = i;
	for (j = 0; j < ns; j++) {
		/* blank lines are everywhere: they say nothing */
		for (a = 0; a < sl[j].len && is_blank(search[sl[j].start + a]); a++)
			;
		if (a == sl[j].len || sl[j].id >= nid || first_at[sl[j].id] == SIZE_MAX)
			continue;
		i = first_at[sl[j].id];
		free(first_at);
		return error_set(e,
		                 "'%s': the SEARCH text does not match (its first line is not in "
		                 "the file; line %zu of the block is, at line %zu)",
		                 show, j + 1, i + 1);
	}
	free(first_at);
	return error_set(e, "'%s': the SEARCH text does not match", show);
}

static int is_blank_line(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_blank(s[i]))
			return 0;
	return 1;
}

static size_t indent_of(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* The matched file lines' indentation against the block's: the same prefix more or less. */
struct shift {
	const char *prefix;
	size_t n;
	int add; /* 1: the file has prefix more, so new lines get it; 0: they lose it */
};

/*
 * Finds the one shift that turns the block's indentation into the file's on
 * every non-blank matched line. Returns 1 with *sh set, or 0 when there is none
 * (or it is nothing); then the new lines are used as written.
 */
static int indent_shift(const char *content, const struct fline *fl, const char *search,
                        const struct fline *sl, size_t k, struct shift *sh)
{
	const char *f, *s, *p;
	size_t i, fi, si, d;
	int have = 0, add;

	for (i = 0; i < k; i++) {
		f = content + fl[i].start;
		s = search + sl[i].start;
		if (is_blank_line(f, fl[i].len) || is_blank_line(s, sl[i].len))
			continue;
		fi = indent_of(f, fl[i].len);
		si = indent_of(s, sl[i].len);
		add = fi >= si;
		d = add ? fi - si : si - fi;
		p = add ? f : s;
		if (add ? memcmp(f + d, s, si) : memcmp(s + d, f, fi))
			return 0; /* tabs against spaces: no one shift */
		if (!have) {
			sh->prefix = p;
			sh->n = d;
			sh->add = add;
			have = 1;
		} else if (d != sh->n || (d && (add != sh->add || memcmp(p, sh->prefix, d)))) {
			return 0;
		}
	}
	return have && sh->n > 0;
}

/* Appends the new lines with the shift applied to each non-blank one. */
static void reindent(struct buf *b, const char *rep, const struct shift *sh)
{
	const char *nl;
	size_t len;

	for (; *rep; rep += len) {
		nl = strchr(rep, '\n');
		len = nl ? (size_t)(nl - rep) + 1 : strlen(rep);
		if (is_blank_line(rep, len - (nl != NULL))) {
			buf_add(b, rep, len);
		} else if (sh->add) {
			buf_add(b, sh->prefix, sh->n);
			buf_add(b, rep, len);
		} else if (len > sh->n && !memcmp(rep, sh->prefix, sh->n)) {
			buf_add(b, rep + sh->n, len - sh->n);
		} else {
			buf_add(b, rep, len);
		}
	}
}

/* The line-by-line match that ignores whitespace differences. */
static int apply_fuzzy(const struct edit *ed, const char *show, const char *content, size_t n,
                       struct buf *out, int *fuzzy, struct error *e)
{
	struct buf shifted = BUF_INIT;
	const char *rep = ed->replace ? ed->replace : "";
	struct fline *fl, *sl, *first;
	size_t nf = split_lines(content, n, &fl), ns, after;
	struct shift sh = { NULL, 0, 0 };
	struct kmp k;
	int r = -1, crlf;

	ns = split_lines(ed->search, strlen(ed->search), &sl);
	number_lines(content, fl, nf, ed->search, sl, ns);
	kmp(&k, fl, nf, sl, ns, line_at, NULL, NULL);
	if (k.count > 1) {
		too_many(e, show, k.count, " when whitespace is ignored");
	} else if (!k.count) {
		no_match(e, show, &k, fl, nf, sl, ns, ed->search);
	} else {
		first = &fl[k.first];
		if (indent_shift(content, first, ed->search, sl, ns, &sh)) {
			reindent(&shifted, rep, &sh);
			rep = shifted.ptr;
		}
		crlf = first->nl && first->len && content[first->start + first->len - 1] == '\r';
		after = first[ns - 1].start + first[ns - 1].len + first[ns - 1].nl;
		r = buf_add(out, content, first->start);
		if (r == 0)
			r = add_with_eol(out, rep, strlen(rep), crlf, !first[ns - 1].nl);
		if (r == 0)
			r = buf_add(out, content + after, n - after);
		if (r < 0)
			error_set(e, "'%s': the edited file is too large", show);
		else if (fuzzy)
			*fuzzy = 1;
	}
	buf_release(&shifted);
	free(fl);
	free(sl);
	return r;
}

int edits_apply(const struct edit *ed, const char *content, size_t n, struct buf *out, int *fuzzy,
                struct error *e)
{
	const char *rep = ed->replace ? ed->replace : "";
	struct anchor a = { content, 0, 1 };
	size_t len = out->len, m;
	char show[96];
	struct kmp k;
	int r;

	if (fuzzy)
		*fuzzy = 0;
	utf8_excerpt(show, sizeof(show), ed->path ? ed->path : "", ed->path ? strlen(ed->path) : 0);
	if (!content)
		n = 0;
	if (ed->kind == EDIT_WHOLE || !ed->search || !ed->search[0]) {
		if (ed->kind != EDIT_WHOLE && n)
			return error_set(
			        e, "'%s' already exists; an empty SEARCH only creates files", show);
		r = buf_adds(out, rep);
	} else if (!content) {
		return error_set(e, "'%s' does not exist; an empty SEARCH creates it", show);
	} else {
		m = strlen(ed->search);
		kmp(&k, content, n, ed->search, m, byte_at, anchored, &a);
		if (k.count > 1)
			return too_many(e, show, k.count, "");
		if (!k.count) {
			r = apply_fuzzy(ed, show, content, n, out, fuzzy, e);
			if (r < 0)
				goto undo;
			return 0;
		}
		r = buf_add(out, content, k.first);
		if (r == 0)
			r = buf_adds(out, rep);
		if (r == 0)
			r = buf_add(out, content + k.first + m, n - k.first - m);
	}
	if (r == 0)
		return 0;
	error_set(e, "'%s': the edited file is too large", show);
undo:
	if (len)
		buf_setlen(out, len);
	else
		buf_reset(out);
	return -1;
}
