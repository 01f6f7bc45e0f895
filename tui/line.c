/*
 * line.c - the input line's editing model, with no curses in it.
 *
 * The line is one struct buf of UTF-8 kept valid at all times: whatever comes
 * in goes through utf8_sanitize (invalid bytes and NUL become U+FFFD), and an
 * edit that would pass LINE_TEXT_MAX bytes is refused whole. Pasted newlines
 * stay in the text; only the view turns them into a glyph. The cursor is a
 * byte offset on a unit boundary, a unit being a code point and the zero-width
 * code points after it (combining marks, variation selectors, ZWJ), so no
 * motion or deletion splits "e" from its accent; only the text's first unit
 * may start with a mark (it then has no base). Words are runs of iswalnum
 * characters and '_', '-', '.', so '/' and '@' separate path components.
 * The history is an array of owned strings, oldest first; browsing keeps the
 * typed text aside as the draft and shows copies of the entries, so nothing
 * reaches the history but line_submit and line_history_add. The view's scroll
 * offset is a byte offset kept here; line_view snaps it back to a unit
 * boundary, since edits may have moved the text under it.
 */
#define _GNU_SOURCE
#include "tui/line.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

#include "core/utf8.h"
#include "core/xalloc.h"

/* An escaped history line is at most twice the longest entry. */
#define HIST_LINE_MAX (2 * LINE_TEXT_MAX)

/* The code point at s (n > 0 bytes left) and its length in *k; invalid bytes read as U+FFFD. */
static uint32_t cp_decode(const char *s, size_t n, size_t *k)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = utf8_seq_len(p, n), i;
	uint32_t cp;

	if (!len) {
		*k = 1;
		return 0xFFFD;
	}
	*k = len;
	if (len == 1)
		return p[0];
	cp = p[0] & (0xFFu >> (len + 1));
	for (i = 1; i < len; i++)
		cp = (cp << 6) | (p[i] & 0x3F);
	return cp;
}

static uint32_t cp_at(const char *s, size_t len, size_t i)
{
	size_t k;
	return cp_decode(s + i, len - i, &k);
}

static int cp_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
}

/* Zero-width code points join the unit before them. */
static int cp_is_mark(uint32_t cp)
{
	return !cp_is_control(cp) && wcwidth((wchar_t)cp) == 0;
}

static int cp_is_word(uint32_t cp)
{
	return cp == '_' || cp == '-' || cp == '.' || iswalnum((wint_t)cp);
}

/* Bidirectional controls would reorder the row on the terminal: never drawn. */
static int cp_is_bidi(uint32_t cp)
{
	return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

static int is_boundary(const char *s, size_t len, size_t i)
{
	if (i == 0 || i >= len)
		return 1;
	if (((unsigned char)s[i] & 0xC0) == 0x80)
		return 0;
	return !cp_is_mark(cp_at(s, len, i));
}

static size_t unit_next(const char *s, size_t len, size_t i)
{
	size_t k;

	if (i >= len)
		return len;
	cp_decode(s + i, len - i, &k);
	for (i += k; i < len && cp_is_mark(cp_decode(s + i, len - i, &k)); i += k)
		;
	return i;
}

static size_t unit_prev(const char *s, size_t len, size_t i)
{
	while (i > 0) {
		do
			i--;
		while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80);
		if (is_boundary(s, len, i))
			break;
	}
	return i;
}

/* Separators, then a word, before i. */
static size_t word_prev(const char *s, size_t len, size_t i)
{
	size_t j;

	while (i > 0 && !cp_is_word(cp_at(s, len, j = unit_prev(s, len, i))))
		i = j;
	while (i > 0 && cp_is_word(cp_at(s, len, j = unit_prev(s, len, i))))
		i = j;
	return i;
}

static size_t word_next(const char *s, size_t len, size_t i)
{
	while (i < len && !cp_is_word(cp_at(s, len, i)))
		i = unit_next(s, len, i);
	while (i < len && cp_is_word(cp_at(s, len, i)))
		i = unit_next(s, len, i);
	return i;
}

/* Replaces text[a, b) with s[0, k); -1 past the cap, the text unchanged. */
static int text_splice(struct line *l, size_t a, size_t b, const char *s, size_t k)
{
	struct buf *t = &l->text;
	size_t tail = t->len - b;

	if (a == b && !k)
		return 0;
	if (k > b - a && buf_grow(t, k - (b - a)) < 0)
		return -1;
	memmove(t->ptr + a + k, t->ptr + b, tail);
	if (k)
		memcpy(t->ptr + a, s, k);
	buf_setlen(t, a + k + tail);
	return 0;
}

/* Moves off forward to the end of the unit it falls in (an insertion may join units). */
static size_t snap_forward(const struct line *l, size_t off)
{
	while (off < l->text.len && !is_boundary(l->text.ptr, l->text.len, off))
		off++;
	return off;
}

static size_t snap_back(const struct line *l, size_t off)
{
	if (off > l->text.len)
		off = l->text.len;
	while (off > 0 && !is_boundary(l->text.ptr, l->text.len, off))
		off--;
	return off;
}

/* Replaces text[a, b) with n bytes of s, sanitized, and puts the cursor after them. */
static int replace(struct line *l, size_t a, size_t b, const char *s, size_t n)
{
	char *clean = utf8_sanitize(s, n);
	size_t k = strlen(clean);

	if (text_splice(l, a, b, clean, k) < 0) {
		free(clean);
		return -1;
	}
	free(clean);
	l->cursor = snap_forward(l, a + k);
	return 1;
}

/* Sets the text to s, known valid and within the cap. */
static void set_raw(struct line *l, const char *s)
{
	buf_reset(&l->text);
	buf_adds(&l->text, s);
	l->cursor = l->text.len;
}

static void end_browsing(struct line *l)
{
	free(l->draft);
	l->draft = NULL;
}

static void hist_drop(struct line *l, size_t k)
{
	size_t i;

	if (!k)
		return;
	for (i = 0; i < k; i++)
		free(l->hist[i]);
	memmove(l->hist, l->hist + k, (l->nhist - k) * sizeof(*l->hist));
	l->nhist -= k;
	if (l->draft)
		l->hist_pos = l->hist_pos > k ? l->hist_pos - k : 0;
}

static int is_blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n')
			return 0;
	return 1;
}

/*
 * Adds a copy of s (valid, within the cap) unless blank or a repeat; the oldest
 * entries go once there are more than LINE_HISTORY_MAX + slack, so a long file
 * loads in linear time.
 */
static int hist_push(struct line *l, const char *s, size_t slack)
{
	if (is_blank(s) || (l->nhist && strcmp(l->hist[l->nhist - 1], s) == 0))
		return 0;
	XGROW(l->hist, l->hist_cap, l->nhist + 1);
	l->hist[l->nhist++] = xstrdup(s);
	if (l->nhist > LINE_HISTORY_MAX + slack)
		hist_drop(l, l->nhist - LINE_HISTORY_MAX);
	return 1;
}

void line_release(struct line *l)
{
	buf_release(&l->text);
	buf_release(&l->kill);
	hist_drop(l, l->nhist);
	free(l->hist);
	l->hist = NULL;
	l->hist_cap = 0;
	end_browsing(l);
	l->cursor = l->scroll = l->hist_pos = l->draft_cursor = 0;
}

int line_insert(struct line *l, const char *s, size_t n)
{
	if (!n)
		return 0;
	return replace(l, l->cursor, l->cursor, s, n);
}

int line_set_text(struct line *l, const char *s, size_t n)
{
	char *clean = utf8_sanitize(s, n);
	size_t k = strlen(clean);
	int changed = k != l->text.len || memcmp(clean, l->text.ptr, k) != 0;

	if (k > LINE_TEXT_MAX) {
		free(clean);
		return -1;
	}
	changed |= l->cursor != k;
	set_raw(l, clean);
	free(clean);
	return changed;
}

int line_clear(struct line *l)
{
	int changed = l->text.len != 0;

	text_splice(l, 0, l->text.len, NULL, 0);
	l->cursor = l->scroll = 0;
	end_browsing(l);
	return changed;
}

int line_delete_back(struct line *l)
{
	size_t a;

	if (!l->cursor)
		return 0;
	a = unit_prev(l->text.ptr, l->text.len, l->cursor);
	text_splice(l, a, l->cursor, NULL, 0);
	l->cursor = a;
	return 1;
}

int line_delete_forward(struct line *l)
{
	if (l->cursor >= l->text.len)
		return 0;
	text_splice(l, l->cursor, unit_next(l->text.ptr, l->text.len, l->cursor), NULL, 0);
	return 1;
}

/* Removes text[a, b) into the kill buffer; the cursor goes to a. */
static int kill_range(struct line *l, size_t a, size_t b)
{
	if (a == b)
		return 0;
	buf_reset(&l->kill);
	buf_add(&l->kill, l->text.ptr + a, b - a);
	text_splice(l, a, b, NULL, 0);
	l->cursor = a;
	return 1;
}

int line_kill_word_back(struct line *l)
{
	return kill_range(l, word_prev(l->text.ptr, l->text.len, l->cursor), l->cursor);
}

int line_kill_end(struct line *l)
{
	return kill_range(l, l->cursor, l->text.len);
}

int line_kill_start(struct line *l)
{
	return kill_range(l, 0, l->cursor);
}

int line_yank(struct line *l)
{
	return line_insert(l, l->kill.ptr, l->kill.len);
}

int line_transpose(struct line *l)
{
	const char *s = l->text.ptr;
	size_t len = l->text.len, a, m, c;
	char *tmp;

	if (!l->cursor)
		return 0;
	m = l->cursor < len ? l->cursor : unit_prev(s, len, len);
	c = unit_next(s, len, m);
	a = unit_prev(s, len, m);
	if (a == m)
		return 0;
	tmp = xmalloc(c - a);
	memcpy(tmp, s + m, c - m);
	memcpy(tmp + (c - m), s + a, m - a);
	memcpy(l->text.ptr + a, tmp, c - a);
	free(tmp);
	l->cursor = snap_forward(l, c);
	return 1;
}

static int move_to(struct line *l, size_t off)
{
	if (off == l->cursor)
		return 0;
	l->cursor = off;
	return 1;
}

int line_left(struct line *l)
{
	return move_to(l, unit_prev(l->text.ptr, l->text.len, l->cursor));
}

int line_right(struct line *l)
{
	return move_to(l, unit_next(l->text.ptr, l->text.len, l->cursor));
}

int line_word_left(struct line *l)
{
	return move_to(l, word_prev(l->text.ptr, l->text.len, l->cursor));
}

int line_word_right(struct line *l)
{
	return move_to(l, word_next(l->text.ptr, l->text.len, l->cursor));
}

int line_home(struct line *l)
{
	return move_to(l, 0);
}

int line_end(struct line *l)
{
	return move_to(l, l->text.len);
}

int line_set_cursor(struct line *l, size_t off)
{
	return move_to(l, snap_back(l, off));
}

char *line_submit(struct line *l)
{
	char *s = xstrdup(l->text.ptr);

	hist_push(l, s, 0);
	line_clear(l);
	return s;
}

int line_history_add(struct line *l, const char *s, size_t n)
{
	char *clean = utf8_sanitize(s, n);
	int r = strlen(clean) > LINE_TEXT_MAX ? -1 : hist_push(l, clean, 0);

	free(clean);
	return r;
}

int line_history_prev(struct line *l)
{
	size_t pos = l->draft ? l->hist_pos : l->nhist;

	if (!pos)
		return 0;
	if (!l->draft) {
		l->draft = xstrdup(l->text.ptr);
		l->draft_cursor = l->cursor;
	}
	l->hist_pos = pos - 1;
	set_raw(l, l->hist[l->hist_pos]);
	return 1;
}

int line_history_next(struct line *l)
{
	if (!l->draft)
		return 0;
	if (l->hist_pos + 1 < l->nhist) {
		set_raw(l, l->hist[++l->hist_pos]);
		return 1;
	}
	set_raw(l, l->draft);
	l->cursor = l->draft_cursor;
	end_browsing(l);
	return 1;
}

/* Unescapes one history line into ent and adds it, unless it is not a valid entry. */
static void hist_load_entry(struct line *tmp, const char *s, size_t n, struct buf *ent)
{
	size_t i, k;

	buf_reset(ent);
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\') {
			if (++i == n || (s[i] != 'n' && s[i] != '\\'))
				return;
			c = s[i] == 'n' ? '\n' : '\\';
		} else if (c == '\0') {
			return;
		}
		if (buf_addch(ent, c) < 0)
			return;
	}
	for (i = 0; i < ent->len; i += k)
		if (!(k = utf8_seq_len((const unsigned char *)ent->ptr + i, ent->len - i)))
			return;
	hist_push(tmp, ent->ptr, LINE_HISTORY_MAX);
}

int line_history_load(struct line *l, const char *path, struct error *e)
{
	struct line tmp = LINE_INIT;
	struct buf cur = BUF_INIT_MAX(HIST_LINE_MAX), ent = BUF_INIT_MAX(LINE_TEXT_MAX);
	char chunk[16384];
	int fd, too_long = 0;
	ssize_t got;

	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	while (fd < 0 && errno == EINTR);
	if (fd < 0 && errno != ENOENT)
		return error_errno(e, "cannot open '%s'", path);
	while (fd >= 0 && (got = read(fd, chunk, sizeof(chunk))) != 0) {
		const char *p = chunk, *end = chunk + (got > 0 ? got : 0), *nl;
		if (got < 0) {
			if (errno == EINTR)
				continue;
			error_errno(e, "cannot read '%s'", path);
			close(fd);
			buf_release(&cur);
			buf_release(&ent);
			line_release(&tmp);
			return -1;
		}
		for (; p < end; p = nl + 1) {
			if (!(nl = memchr(p, '\n', (size_t)(end - p)))) {
				too_long |= buf_add(&cur, p, (size_t)(end - p)) < 0;
				break;
			}
			too_long |= buf_add(&cur, p, (size_t)(nl - p)) < 0;
			if (!too_long)
				hist_load_entry(&tmp, cur.ptr, cur.len, &ent);
			buf_reset(&cur);
			too_long = 0;
		}
	}
	if (fd >= 0)
		close(fd);
	if (!too_long && cur.len)
		hist_load_entry(&tmp, cur.ptr, cur.len, &ent);
	if (tmp.nhist > LINE_HISTORY_MAX)
		hist_drop(&tmp, tmp.nhist - LINE_HISTORY_MAX);
	end_browsing(l);
	hist_drop(l, l->nhist);
	free(l->hist);
	l->hist = tmp.hist;
	l->nhist = tmp.nhist;
	l->hist_cap = tmp.hist_cap;
	buf_release(&cur);
	buf_release(&ent);
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int line_history_save(const struct line *l, const char *path, struct error *e)
{
	struct buf out = BUF_INIT;
	char *tmp = xasprintf("%s.XXXXXX", path);
	const char *s;
	size_t i;
	int fd;

	for (i = 0; i < l->nhist; i++) {
		for (s = l->hist[i]; *s; s++) {
			if (*s == '\\')
				buf_adds(&out, "\\\\");
			else if (*s == '\n')
				buf_adds(&out, "\\n");
			else
				buf_addch(&out, *s);
		}
		buf_addch(&out, '\n');
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		error_errno(e, "cannot write '%s'", path);
		goto fail;
	}
	if (fchmod(fd, 0600) < 0 || write_all(fd, out.ptr, out.len) < 0 || fsync(fd) < 0) {
		error_errno(e, "cannot write '%s'", path);
		close(fd);
		unlink(tmp);
		goto fail;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		error_errno(e, "cannot write '%s'", path);
		unlink(tmp);
		goto fail;
	}
	free(tmp);
	buf_release(&out);
	return 0;
fail:
	free(tmp);
	buf_release(&out);
	return -1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

struct line_token line_token_at_cursor(const struct line *l)
{
	struct line_token t = { LINE_TOKEN_NONE, l->cursor, l->cursor };
	const char *s = l->text.ptr;
	size_t a = l->cursor, b = l->cursor;

	while (a > 0 && !is_space(s[a - 1]))
		a--;
	while (b < l->text.len && !is_space(s[b]))
		b++;
	if (a == l->cursor)
		return t;
	if (s[a] == '@')
		t.kind = LINE_TOKEN_PATH;
	else if (a == 0 && s[0] == '/')
		t.kind = LINE_TOKEN_COMMAND;
	else
		return t;
	t.start = a;
	t.end = b;
	return t;
}

int line_complete(struct line *l, const char *candidate, int final)
{
	struct line_token t = line_token_at_cursor(l);
	size_t n = strlen(candidate);
	int space = final && (t.end >= l->text.len || l->text.ptr[t.end] != ' ');
	char *with;

	if (t.kind == LINE_TOKEN_NONE)
		return 0;
	with = xmalloc(n + 1);
	memcpy(with, candidate, n);
	with[n] = ' ';
	if (replace(l, t.start + 1, t.end, with, n + (size_t)space) < 0) {
		free(with);
		return -1;
	}
	free(with);
	if (final && !space)
		l->cursor++;
	return 1;
}

char *line_common_prefix(const char *const *cands, size_t n)
{
	size_t p, i, j, k;
	int again;

	if (!n)
		return xstrdup("");
	p = strlen(cands[0]);
	for (i = 1; i < n; i++) {
		for (j = 0; j < p && cands[i][j] == cands[0][j]; j++)
			;
		p = j;
	}
	do {
		while (p > 0 && ((unsigned char)cands[0][p] & 0xC0) == 0x80)
			p--;
		again = 0;
		for (i = 0; i < n && p > 0 && !again; i++) {
			const char *c = cands[i] + p;
			again = *c && cp_is_mark(cp_decode(c, strlen(c), &k));
		}
		if (again)
			p--;
	} while (again);
	return xstrndup(cands[0], p);
}

/*
 * Appends unit text[a, b) as drawn to out (unless NULL) and returns its columns:
 * the one function for both, so widths and drawing always agree.
 */
static size_t unit_draw(const char *s, size_t len, size_t a, size_t b, struct buf *out)
{
	size_t k, i;
	uint32_t cp = cp_decode(s + a, len - a, &k);
	int w;

	if (cp == '\n' || cp == '\t' || (cp >= 0x80 && cp < 0xA0)) {
		if (out)
			buf_adds(out, cp == '\n'   ? "\xe2\x8f\x8e"   /* U+23CE */
			              : cp == '\t' ? "\xe2\x86\x92"   /* U+2192 */
			                           : "\xef\xbf\xbd"); /* U+FFFD */
		return 1;
	}
	if (cp_is_control(cp)) {
		if (out) {
			buf_addch(out, '^');
			buf_addch(out, (int)(cp ^ 0x40));
		}
		return 2;
	}
	w = wcwidth((wchar_t)cp);
	if (out && w == 0) /* a mark without a base: give it one */
		buf_addch(out, ' ');
	for (i = a; out && i < b; i += k) {
		cp = cp_decode(s + i, len - i, &k);
		if (!cp_is_bidi(cp))
			buf_add(out, s + i, k);
	}
	return w == 2 ? 2 : 1;
}

/* A unit's offset and its column counted from the text's start. */
struct cell {
	size_t off;
	size_t col;
};

struct layout {
	const struct cell *u; /* n units and the end */
	size_t n;
	size_t avail; /* columns after the prompt */
	int ind;      /* room for the '<' and '>' indicators */
};

static int lay_left(const struct layout *y, size_t si)
{
	return y->ind && si > 0;
}

/* The columns for the text when it starts at unit si, after the indicators. */
static size_t lay_area(const struct layout *y, size_t si)
{
	size_t left = (size_t)lay_left(y, si);
	size_t rest = y->u[y->n].col + 1 - y->u[si].col; /* + 1: the cursor after the end */
	size_t right = y->ind && rest > y->avail - left;

	return y->avail - left - right;
}

/* Whether the cursor's unit ci shows whole, margin columns from the right, when starting at si. */
static int lay_shows(const struct layout *y, size_t si, size_t ci, size_t margin)
{
	size_t cw = ci < y->n ? y->u[ci + 1].col - y->u[ci].col : 1;

	return ci >= si && y->u[ci].col - y->u[si].col + cw + margin <= lay_area(y, si);
}

/* The first unit to show: the current one while the cursor shows, else one a margin past it. */
static size_t lay_scroll(const struct layout *y, size_t si, size_t ci)
{
	size_t m = y->avail / 4, s;

	if (y->u[y->n].col + 1 <= y->avail)
		return 0;
	if (ci < si) {
		for (s = ci; s > 0 && y->u[ci].col - y->u[s].col < m; s--)
			;
		while (s < ci && !lay_shows(y, s, ci, 0))
			s++;
		return s;
	}
	if (lay_shows(y, si, ci, 0))
		return si;
	for (s = si; s < ci && !lay_shows(y, s, ci, m); s++)
		;
	if (!lay_shows(y, s, ci, m))
		for (s = si; s < ci && !lay_shows(y, s, ci, 0); s++)
			;
	return s;
}

void line_view(struct line *l, int width, int prompt_width, struct line_view *v)
{
	const char *s = l->text.ptr;
	size_t len = l->text.len, n = 0, cap = 0, i, j, si = 0, ci = 0, area, col = 0;
	struct cell *u = NULL;
	struct layout y;

	buf_reset(&v->text);
	v->cols = v->left = v->right = 0;
	v->start = v->end = l->cursor;
	if (prompt_width < 0)
		prompt_width = 0;
	if (width - prompt_width < 1) {
		v->cursor_col = width > 0 ? (prompt_width < width ? prompt_width : width - 1) : 0;
		return;
	}
	XGROW(u, cap, 1);
	u[0].off = u[0].col = 0;
	for (i = 0; i < len; i = j, n++) {
		j = unit_next(s, len, i);
		XGROW(u, cap, n + 2);
		u[n + 1].off = j;
		u[n + 1].col = u[n].col + unit_draw(s, len, i, j, NULL);
		if (u[n].off <= l->scroll)
			si = n;
		if (u[n].off == l->cursor)
			ci = n;
	}
	if (l->cursor == len)
		ci = n;
	y.u = u;
	y.n = n;
	y.avail = (size_t)(width - prompt_width);
	y.ind = y.avail >= 4;
	si = lay_scroll(&y, si, ci);
	l->scroll = u[si].off;
	area = lay_area(&y, si);
	v->left = lay_left(&y, si);
	v->right = v->left + area < y.avail;
	if (v->left)
		buf_addch(&v->text, '<');
	for (i = si; i < n && col + (u[i + 1].col - u[i].col) <= area; i++)
		col += unit_draw(s, len, u[i].off, u[i + 1].off, &v->text);
	v->start = u[si].off;
	v->end = u[i].off;
	for (; i < n && col < area; col++) /* a wide character that does not fit */
		buf_addch(&v->text, ' ');
	if (v->right)
		buf_addch(&v->text, '>');
	v->cols = v->left + (int)col + v->right;
	v->cursor_col = prompt_width + v->left + (int)(u[ci].col - u[si].col);
	free(u);
}

void line_view_release(struct line_view *v)
{
	buf_release(&v->text);
}
