/*
 * check_output.c - what a failing check's output says (check.h): its errors
 * trimmed for a small context, its class, where its first error is.
 *
 * One scanner serves all three. It reads the output once, line by line,
 * each line cleaned first (ANSI escapes, NULs and other control characters
 * removed, invalid UTF-8 replaced, cut at LINE_KEEP bytes, trailing blanks
 * dropped), so every later step sees short, valid UTF-8 text.
 *
 * Lines group into blocks. A block starts at a line one of the recognisers
 * (the table `recogs`, one per form of error a tool prints) claims, and its
 * recogniser then takes the following lines that belong to it, keeping some
 * (source excerpt, caret, notes, a test's assertion message, a traceback's
 * last frames) and skipping others (gutters, backtraces, runtime frames),
 * until a line it does not take, which is then looked at afresh. A finished
 * block that is an error (warnings are read, so their excerpts are not taken
 * for anything else, then dropped) and not a duplicate is shown if it fits,
 * else counted; the first one naming a file gives the location. Outside
 * blocks the scanner keeps the last few lines, which a block may adopt as its
 * prelude (node prints the source line before the error it belongs to).
 *
 * Classification is line by line, beside the blocks: each line is matched
 * against the table `patterns`, which sets a bit per class; the class is the
 * first set bit in priority order.
 *
 * Memory is bounded whatever the input: a line, a few blocks of BLOCK_MAX
 * bytes, the tail's TAIL_LINES lines, the result (max_bytes), and a table of
 * SEEN_SLOTS hashes for deduplication (when it is three quarters full, later
 * blocks are counted without it).
 */
#include "core/check.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/utf8.h"
#include "core/xalloc.h"

#define LINE_KEEP    400  /* bytes of a line kept; the rest becomes "..." */
#define BLOCK_MAX    4096 /* bytes of one block kept */
#define BLOCK_LINES  16   /* lines of one block kept */
#define TAIL_LINES   30   /* lines shown when no error is recognised */
#define RECENT       4    /* lines outside blocks remembered for a prelude */
#define SEEN_SLOTS   8192 /* deduplication hashes */
#define MORE_RESERVE 40   /* bytes kept free for the "[N more errors]" line */

enum {
	C_TIMEOUT,
	C_SYNTAX,
	C_DERIVE,
	C_BORROW,
	C_UNDEF,
	C_TYPE,
	C_LINK,
	C_ASSERT,
	C_TEST,
	C_OTHER,
};

const char *const check_class_names[] = {
	"timeout",
	"syntax",
	"rust-missing-derive",
	"rust-borrow",
	"undefined-name",
	"type-mismatch",
	"link",
	"assertion",
	"test-failure",
	"other",
	NULL,
};

/* ---- small string helpers (every line is NUL-terminated) ---- */

static int starts(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static int ends(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	return n >= k && !memcmp(s + n - k, p, k);
}

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static int is_blank(const char *s)
{
	return !*skip_ws(s);
}

/* Case-insensitive strstr. */
static const char *has_ci(const char *s, const char *p)
{
	size_t k = strlen(p);

	for (; *s; s++)
		if (!strncasecmp(s, p, k))
			return s;
	return NULL;
}

/* p in s as a word (no letter or digit either side), in any case. */
static int has_word_ci(const char *s, const char *p)
{
	const char *q = s;
	size_t k = strlen(p);

	while ((q = has_ci(q, p)) != NULL) {
		if ((q == s || !isalnum((unsigned char)q[-1])) && !isalnum((unsigned char)q[k]))
			return 1;
		q++;
	}
	return 0;
}

/* A line of at least ten '=' or '-' alone: unittest's and pytest's rules. */
static int is_rule(const char *s)
{
	size_t n = 0;
	char c = *s;

	if (c != '=' && c != '-')
		return 0;
	while (s[n] == c)
		n++;
	if (s[n] == '\0')
		return n >= 10;
	/* pytest's banners: "===== FAILURES =====" */
	return c == '=' && n >= 3 && s[n] == ' ';
}

/* A gutter with nothing in it: "  |", "      |   |", as rustc and gcc draw them. */
static int is_gutter(const char *s)
{
	s = skip_ws(s);
	while (isdigit((unsigned char)*s))
		s++;
	s = skip_ws(s);
	if (*s != '|')
		return 0;
	while (*s == '|' || *s == ' ' || *s == '\t')
		s++;
	return !*s;
}

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h ? h : 1;
}

/* ---- locations ---- */

static int set_loc(struct check_loc *l, const char *file, size_t n, long line, long col)
{
	if (n >= 2 && file[0] == '.' && file[1] == '/') {
		file += 2;
		n -= 2;
	}
	if (!n || n >= CHECK_FILE_MAX)
		return 0;
	memcpy(l->file, file, n);
	l->file[n] = '\0';
	l->line = line;
	l->col = col;
	return 1;
}

static int path_char(char c)
{
	return c && !isspace((unsigned char)c) && !strchr(":()'\"`,[]{}<>", c);
}

/*
 * "path:line" or "path:line:col" starting at s, with a path that has a '.'
 * or '/' (so "Test #2:" or "line:5" are not paths). Returns the end, or NULL.
 */
static const char *loc_at(const char *s, struct check_loc *l)
{
	const char *p = s, *q;
	long line, col = 0;
	int pathy = 0;

	while (path_char(*p)) {
		pathy |= *p == '.' || *p == '/';
		p++;
	}
	if (p == s || !pathy || *p != ':' || !isdigit((unsigned char)p[1]))
		return NULL;
	line = strtol(p + 1, (char **)&q, 10);
	if (*q == ':' && isdigit((unsigned char)q[1]))
		col = strtol(q + 1, (char **)&q, 10);
	if (line <= 0 || !set_loc(l, s, (size_t)(p - s), line, col))
		return NULL;
	return q;
}

/* The first (or, with last set, the last) "path:line" in s that starts a word. */
static int loc_find(const char *s, struct check_loc *l, int last)
{
	const char *p;
	struct check_loc t;
	int found = 0;

	for (p = s; *p; p++) {
		if (p != s && !strchr(" \t('\"`[", p[-1]))
			continue;
		if (loc_at(p, &t)) {
			*l = t;
			found = 1;
			if (!last)
				break;
		}
	}
	return found;
}

/* Python's `File "path", line N[, in f]` at s; the path may hold anything but a quote. */
static int py_file(const char *s, struct check_loc *l)
{
	const char *p, *q;

	if (!starts(s, "File \""))
		return 0;
	p = s + 6;
	q = strstr(p, "\", line ");
	if (!q || !isdigit((unsigned char)q[8]))
		return 0;
	if (l && !set_loc(l, p, (size_t)(q - p), strtol(q + 8, NULL, 10), 0))
		l->file[0] = '\0';
	return 1;
}

/* A traceback's frame line: `  File "path", line N, in f`. */
static int py_frame(const char *s, struct check_loc *l)
{
	return starts(s, "  ") && py_file(s + 2, l);
}

/* A frame in the Python installation, not the project: it says less about the bug. */
static int py_lib(const char *file)
{
	return file[0] == '<' || strstr(file, "/lib/python") || strstr(file, "site-packages") ||
	       strstr(file, "dist-packages");
}

/* ---- diagnostics ---- */

enum { SEV_NONE, SEV_NOTE, SEV_WARNING, SEV_ERROR };

struct diag {
	int sev;
	int form;     /* 1 rustc "error[E0382]: ", 2 "path:line:col: error: ", 3 "prog: error: " */
	char code[8]; /* rustc's error code, "" when none */
	const char *msg; /* after the severity */
	struct check_loc loc;
	int has_loc;
};

static const char *severity(const char *p, int *sev)
{
	static const struct {
		const char *word;
		int sev;
	} sevs[] = {
		{ "error: ", SEV_ERROR },
		{ "fatal error: ", SEV_ERROR },
		{ "warning: ", SEV_WARNING },
		{ "note: ", SEV_NOTE },
	};
	size_t i;

	for (i = 0; i < sizeof(sevs) / sizeof(sevs[0]); i++)
		if (starts(p, sevs[i].word)) {
			*sev = sevs[i].sev;
			return p + strlen(sevs[i].word);
		}
	return NULL;
}

/*
 * A compiler's message line, at column 0: rustc's "error[E0382]: msg" or
 * "warning: msg"; gcc's, clang's, ld's "path:line[:col]: error: msg" (go's
 * "path.go:line:col: msg" has no severity and is an error); a tool's own
 * "prog: error: msg" (collect2, clang, cc1, ld.lld).
 */
static int diag_parse(const char *s, struct diag *d)
{
	const char *p, *q;

	memset(d, 0, sizeof(*d));
	if (starts(s, "error") || starts(s, "warning")) {
		d->sev = s[0] == 'e' ? SEV_ERROR : SEV_WARNING;
		p = s + (s[0] == 'e' ? 5 : 7);
		if (*p == '[') {
			q = strchr(p, ']');
			if (!q || q - p - 1 <= 0 || q - p - 1 >= (long)sizeof(d->code))
				return 0;
			memcpy(d->code, p + 1, (size_t)(q - p - 1));
			p = q + 1;
		}
		if (p[0] != ':' || p[1] != ' ')
			return 0;
		d->form = 1;
		d->msg = p + 2;
		return 1;
	}
	if (!path_char(s[0]))
		return 0;
	if ((p = loc_at(s, &d->loc)) != NULL && p[0] == ':' && p[1] == ' ') {
		d->has_loc = 1;
		d->form = 2;
		if ((d->msg = severity(p + 2, &d->sev)) != NULL)
			return 1;
		if (d->loc.col && ends(d->loc.file, strlen(d->loc.file), ".go")) {
			d->sev = SEV_ERROR;
			d->msg = p + 2;
			return 1;
		}
		return 0;
	}
	for (p = s; path_char(*p); p++)
		;
	if (p == s || p[0] != ':' || p[1] != ' ' || !(d->msg = severity(p + 2, &d->sev)))
		return 0;
	d->has_loc = 0;
	d->form = 3;
	return 1;
}

/*
 * An exception line: Python's "NameError: msg" at column 0 (a dotted name
 * counts by its last part), also after pytest's "E" marker; node's
 * "AssertionError [ERR_ASSERTION]: msg"; TAP's "  name: 'TypeError'".
 * Returns the name's length (0: not one) and sets *name and *msg.
 */
static size_t exc_name(const char *s, const char **name, const char **msg)
{
	const char *p = s, *q, *last;

	if (s[0] == 'E' && (s[1] == ' ' || s[1] == '\0'))
		p = skip_ws(s + 1);
	else if (starts(skip_ws(s), "name: '") && s[0] == ' ') {
		p = skip_ws(s) + 7;
		q = strchr(p, '\'');
		if (!q)
			return 0;
		*name = p;
		*msg = "";
		return (size_t)(q - p);
	}
	if (!isalpha((unsigned char)*p) && *p != '_')
		return 0;
	for (q = last = p; isalnum((unsigned char)*q) || *q == '_' || *q == '.'; q++)
		if (*q == '.')
			last = q + 1;
	if (q[0] == ' ' && q[1] == '[') {
		const char *r = strchr(q, ']');
		if (!r)
			return 0;
		q = r + 1;
	}
	if (q[0] != ':' || (q[1] != ' ' && q[1] != '\0') || !*last)
		return 0;
	*name = last;
	*msg = skip_ws(q + 1);
	for (p = last; isalnum((unsigned char)*p) || *p == '_'; p++)
		;
	return (size_t)(p - last);
}

/* ---- classification patterns (docs/CHECKS.md lists them; keep both in step) ---- */

enum how {
	M_ERR_START, /* a compiler error without a rustc code whose message starts with a */
	M_ERR_HAS,   /* a compiler error without a rustc code whose message contains a, any case */
	M_RUST,      /* a rustc error with code a, whose message contains b if set */
	M_DERIVE,    /* rustc E0277 naming one of the derivable traits */
	M_EXC,       /* an exception named a, whose message starts with b if set */
	M_START,     /* a line starting with a, and containing b if set */
	M_HAS,       /* a line containing a, and b if set */
	M_PYTEST_E,  /* a pytest "E" line whose text starts with a */
	M_GO_LOG,    /* a go test's log line under "--- FAIL:" with the word a, in any case */
};

struct pattern {
	int cls;
	enum how how;
	const char *a, *b;
};

static const struct pattern patterns[] = {
	/* syntax */
	{ C_SYNTAX, M_ERR_START, "expected ", NULL },
	{ C_SYNTAX, M_ERR_START, "syntax error", NULL },
	{ C_SYNTAX, M_ERR_START, "unexpected closing delimiter", NULL },
	{ C_SYNTAX, M_ERR_START, "mismatched closing delimiter", NULL },
	{ C_SYNTAX, M_ERR_START, "this file contains an unclosed delimiter", NULL },
	{ C_SYNTAX, M_ERR_START, "stray ", NULL },
	{ C_SYNTAX, M_ERR_START, "missing terminating ", NULL },
	{ C_SYNTAX, M_ERR_START, "unterminated ", NULL },
	{ C_SYNTAX, M_ERR_START, "extraneous closing brace", NULL },
	{ C_SYNTAX, M_EXC, "SyntaxError", NULL },
	{ C_SYNTAX, M_EXC, "IndentationError", NULL },
	{ C_SYNTAX, M_EXC, "TabError", NULL },
	/* rust-missing-derive */
	{ C_DERIVE, M_DERIVE, NULL, NULL },
	{ C_DERIVE, M_RUST, "E0369", "binary operation `==`" },
	{ C_DERIVE, M_RUST, "E0369", "binary operation `!=`" },
	{ C_DERIVE, M_RUST, "E0369", "binary operation `<`" },
	{ C_DERIVE, M_RUST, "E0369", "binary operation `>`" },
	{ C_DERIVE, M_RUST, "E0369", "binary operation `<=`" },
	{ C_DERIVE, M_RUST, "E0369", "binary operation `>=`" },
	{ C_DERIVE, M_RUST, "E0599", "no method named `clone` found" },
	{ C_DERIVE, M_RUST, "E0599", "named `default` found" },
	{ C_DERIVE, M_START, "help: consider annotating ", "with `#[derive(" },
	/* rust-borrow: the borrow checker's errors */
	{ C_BORROW, M_RUST, "E0373", NULL },
	{ C_BORROW, M_RUST, "E0382", NULL },
	{ C_BORROW, M_RUST, "E0384", NULL },
	{ C_BORROW, M_RUST, "E0499", NULL },
	{ C_BORROW, M_RUST, "E0502", NULL },
	{ C_BORROW, M_RUST, "E0503", NULL },
	{ C_BORROW, M_RUST, "E0505", NULL },
	{ C_BORROW, M_RUST, "E0506", NULL },
	{ C_BORROW, M_RUST, "E0507", NULL },
	{ C_BORROW, M_RUST, "E0515", NULL },
	{ C_BORROW, M_RUST, "E0521", NULL },
	{ C_BORROW, M_RUST, "E0594", NULL },
	{ C_BORROW, M_RUST, "E0596", NULL },
	{ C_BORROW, M_RUST, "E0597", NULL },
	{ C_BORROW, M_RUST, "E0713", NULL },
	{ C_BORROW, M_RUST, "E0716", NULL },
	/* undefined-name */
	{ C_UNDEF, M_ERR_HAS, "undeclared", NULL },
	{ C_UNDEF, M_ERR_HAS, "implicit declaration of function", NULL },
	{ C_UNDEF, M_ERR_HAS, "unknown type name", NULL },
	{ C_UNDEF, M_ERR_HAS, "was not declared in this scope", NULL },
	{ C_UNDEF, M_ERR_HAS, "no member named", NULL },
	{ C_UNDEF, M_ERR_HAS, "file not found", NULL },
	{ C_UNDEF, M_ERR_HAS, "no such file or directory", NULL },
	{ C_UNDEF, M_ERR_START, "undefined: ", NULL },
	{ C_UNDEF, M_ERR_HAS, "has no field or method", NULL },
	{ C_UNDEF, M_RUST, "E0405", NULL },
	{ C_UNDEF, M_RUST, "E0412", NULL },
	{ C_UNDEF, M_RUST, "E0422", NULL },
	{ C_UNDEF, M_RUST, "E0425", NULL },
	{ C_UNDEF, M_RUST, "E0432", NULL },
	{ C_UNDEF, M_RUST, "E0433", NULL },
	{ C_UNDEF, M_RUST, "E0560", NULL },
	{ C_UNDEF, M_RUST, "E0583", NULL },
	{ C_UNDEF, M_RUST, "E0599", NULL },
	{ C_UNDEF, M_RUST, "E0609", NULL },
	{ C_UNDEF, M_EXC, "NameError", NULL },
	{ C_UNDEF, M_EXC, "UnboundLocalError", NULL },
	{ C_UNDEF, M_EXC, "ModuleNotFoundError", NULL },
	{ C_UNDEF, M_EXC, "ImportError", "cannot import name" },
	{ C_UNDEF, M_EXC, "AttributeError", NULL },
	{ C_UNDEF, M_EXC, "ReferenceError", NULL },
	/* type-mismatch */
	{ C_TYPE, M_RUST, "E0308", NULL },
	{ C_TYPE, M_RUST, "E0061", NULL },
	{ C_TYPE, M_ERR_HAS, "incompatible type", NULL },
	{ C_TYPE, M_ERR_HAS, "incompatible pointer type", NULL },
	{ C_TYPE, M_ERR_HAS, "conflicting types for", NULL },
	{ C_TYPE, M_ERR_HAS, "invalid operands to binary", NULL },
	{ C_TYPE, M_ERR_HAS, "too few arguments to function", NULL },
	{ C_TYPE, M_ERR_HAS, "too many arguments to function", NULL },
	{ C_TYPE, M_ERR_HAS, "cannot convert", NULL },
	{ C_TYPE, M_ERR_HAS, "mismatched types", NULL },
	{ C_TYPE, M_ERR_START, "cannot use ", NULL },
	{ C_TYPE, M_EXC, "TypeError", NULL },
	/* link */
	{ C_LINK, M_HAS, "undefined reference to ", NULL },
	{ C_LINK, M_HAS, "multiple definition of ", NULL },
	{ C_LINK, M_HAS, "ld returned ", " exit status" },
	{ C_LINK, M_HAS, "linker command failed", NULL },
	{ C_LINK, M_HAS, "undefined symbol", NULL },
	{ C_LINK, M_HAS, "Undefined symbols for architecture", NULL },
	{ C_LINK, M_HAS, "cannot find -l", NULL },
	{ C_LINK, M_START, "error: linking with `", NULL },
	/* assertion */
	{ C_ASSERT, M_START, "thread '", "panicked at " },
	{ C_ASSERT, M_HAS, "Assertion `", "' failed" },
	{ C_ASSERT, M_HAS, "Assertion failed: ", NULL },
	{ C_ASSERT, M_EXC, "AssertionError", NULL },
	{ C_ASSERT, M_PYTEST_E, "assert ", NULL },
	{ C_ASSERT, M_GO_LOG, "got", NULL },
	{ C_ASSERT, M_GO_LOG, "want", NULL },
	{ C_ASSERT, M_GO_LOG, "expected", NULL },
	/* test-failure */
	{ C_TEST, M_START, "test result: FAILED", NULL },
	{ C_TEST, M_START, "error: test failed", NULL },
	{ C_TEST, M_START, "--- FAIL: ", NULL },
	{ C_TEST, M_START, "FAIL\t", NULL },
	{ C_TEST, M_START, "FAILED (", NULL },
	{ C_TEST, M_START, "FAILED ", "::" },
	{ C_TEST, M_HAS, "= FAILURES =", NULL },
	{ C_TEST, M_START, "The following tests FAILED:", NULL },
	{ C_TEST, M_HAS, " Test #", "***Failed" },
	{ C_TEST, M_START, "not ok ", NULL },
};

/* The traits `#[derive]` provides, as rustc names them in E0277. */
static const char *const derivable[] = {
	"Debug", "Clone", "Copy", "PartialEq", "Eq", "PartialOrd", "Ord", "Hash", "Default",
};

/* E0277 says "`T` doesn't implement `Debug`" or "the trait bound `T: Clone` is not satisfied". */
static int rust_derive(const struct diag *d)
{
	size_t i;
	char want[64];

	if (strcmp(d->code, "E0277"))
		return 0;
	if (strstr(d->msg, "can't compare `"))
		return 1;
	for (i = 0; i < sizeof(derivable) / sizeof(derivable[0]); i++) {
		const char *p;
		snprintf(want, sizeof(want), "implement `%s`", derivable[i]);
		if (strstr(d->msg, want))
			return 1;
		snprintf(want, sizeof(want), "%s` is not satisfied", derivable[i]);
		p = strstr(d->msg, want);
		if (p && p > d->msg && (p[-1] == ' ' || p[-1] == ':'))
			return 1;
	}
	return 0;
}

/* ---- the scanner ---- */

struct scan;
struct block;

/* One form of error a tool prints. */
struct recog {
	/* 1 when the line starts a block of this form */
	int (*starts)(const char *s);
	/* takes the first line; NULL: keeps it */
	void (*begin)(struct scan *sc, struct block *b, const char *s, size_t n);
	/* 1 when the line belongs to the block (kept or not), 0 when it ends it */
	int (*take)(struct scan *sc, struct block *b, const char *s, size_t n);
	/* completes the text at the end; NULL: it is complete */
	void (*end)(struct scan *sc, struct block *b);
};

/* A part of a block: some lines, capped. */
struct part {
	struct buf b;
	int lines;
};

struct block {
	const struct recog *r; /* NULL when no block is open */
	int error;             /* an error (shown), not a warning */
	int sub;               /* the recogniser's state */
	int count, count2;     /* the recogniser's counters */
	struct part text;      /* the block as shown */
	/*
	 * Tracebacks: fr[0] and fr[1] the last two frames outside the library,
	 * fr[2] the last frame when it is the library's, cur the frame being
	 * read, more the exception. pytest: fr[0] the last '>' line, fr[1] the
	 * last location line, more the "E" lines.
	 */
	struct part fr[3], cur, more;
	int last_lib;
	struct check_loc loc, frame_loc;
	int has_loc, loc_strong, has_user_frame;
};

struct scan {
	int want_text;
	size_t budget;
	struct buf line; /* the current line, cleaned */
	struct block blk;
	struct buf recent[RECENT]; /* lines outside blocks since the last block, oldest first */
	int nrecent;
	struct buf tail[TAIL_LINES]; /* the last lines, a ring */
	size_t nlines;               /* lines read */
	struct buf out;              /* the blocks shown so far */
	int full;                    /* a block did not fit: later ones are only counted */
	size_t errors, unshown;
	uint64_t *seen;
	size_t nseen;
	unsigned classes;                   /* a bit per class seen */
	const struct pattern *hit[C_OTHER]; /* the first pattern that set each */
	struct check_loc loc;
	int has_loc;
	int pytest_sections, ctest_tests;
};

static int is_start(const char *s);

static void add_to(struct part *p, const char *s, size_t n, int max_lines)
{
	if (p->lines >= max_lines || p->b.len + n + 1 > BLOCK_MAX)
		return;
	buf_add(&p->b, s, n);
	buf_addch(&p->b, '\n');
	p->lines++;
}

static void keep(struct block *b, const char *s, size_t n)
{
	add_to(&b->text, s, n, BLOCK_LINES);
}

static void part_set(struct part *p, const char *s, size_t n)
{
	buf_reset(&p->b);
	p->lines = 0;
	add_to(p, s, n, BLOCK_LINES);
}

static void part_append(struct part *to, const struct part *from)
{
	const char *s = from->b.ptr, *nl;

	while ((nl = strchr(s, '\n')) != NULL) {
		add_to(to, s, (size_t)(nl - s), BLOCK_LINES);
		s = nl + 1;
	}
}

static void part_swap(struct part *a, struct part *b)
{
	struct part t = *a;
	*a = *b;
	*b = t;
}

static void block_loc(struct block *b, const struct check_loc *l, int strong)
{
	if (b->loc_strong && !strong)
		return;
	b->loc = *l;
	b->has_loc = 1;
	b->loc_strong = strong;
}

/* -- Python tracebacks, and unittest's FAIL and ERROR blocks that hold one -- */

enum { TB_TITLE, TB_FRAMES, TB_EXC };

static int tb_starts(const char *s)
{
	return starts(s, "Traceback (most recent call last):") || py_frame(s, NULL);
}

static void frame_open(struct block *b, const char *s, size_t n)
{
	memset(&b->frame_loc, 0, sizeof(b->frame_loc));
	py_frame(s, &b->frame_loc);
	part_set(&b->cur, s, n);
}

/* A frame outside the library replaces the older of the two kept; one inside it, the last. */
static void frame_close(struct block *b)
{
	if (!b->cur.b.len)
		return;
	if (b->frame_loc.file[0] && !py_lib(b->frame_loc.file)) {
		part_swap(&b->fr[0], &b->fr[1]);
		part_swap(&b->fr[1], &b->cur);
		b->last_lib = 0;
		b->has_user_frame = 1;
		block_loc(b, &b->frame_loc, 1);
	} else {
		part_swap(&b->fr[2], &b->cur);
		b->last_lib = 1;
		if (b->frame_loc.file[0])
			block_loc(b, &b->frame_loc, 0);
	}
	buf_reset(&b->cur.b);
	b->cur.lines = 0;
}

static void tb_begin(struct scan *sc, struct block *b, const char *s, size_t n)
{
	b->sub = TB_FRAMES;
	if (starts(s, "Traceback"))
		keep(b, s, n);
	else
		frame_open(b, s, n);
}

static int tb_take(struct scan *sc, struct block *b, const char *s, size_t n)
{
	switch (b->sub) {
	case TB_TITLE:
		if (s[0] == '=' && is_rule(s))
			return 0;
		if (starts(s, "Traceback (most recent call last):")) {
			keep(b, s, n);
			b->sub = TB_FRAMES;
		} else if (!is_blank(s) && !is_rule(s) && b->count++ < 2) {
			keep(b, s, n);
		}
		return 1;
	case TB_EXC:
		if (is_blank(s) || is_rule(s) || is_start(s))
			return 0;
		add_to(&b->more, s, n, 4);
		return 1;
	}
	if (py_frame(s, NULL)) {
		frame_close(b);
		frame_open(b, s, n);
		return 1;
	}
	if (starts(s, "    ")) {
		/* the frame's source line and its carets */
		if (b->cur.b.len)
			add_to(&b->cur, s, n, 3);
		return 1;
	}
	if (starts(s, "  ")) /* "[Previous line repeated 996 more times]" */
		return 1;
	frame_close(b);
	if (is_blank(s) || starts(s, "Traceback"))
		return 0;
	add_to(&b->more, s, n, 4);
	b->sub = TB_EXC;
	return 1;
}

static void tb_end(struct scan *sc, struct block *b)
{
	frame_close(b);
	part_append(&b->text, &b->fr[0]);
	part_append(&b->text, &b->fr[1]);
	if (b->last_lib || !b->has_user_frame)
		part_append(&b->text, &b->fr[2]);
	part_append(&b->text, &b->more);
}

/* unittest: "FAIL: test_add (tests.test_calc.CalcTest.test_add)" */
static int unittest_starts(const char *s)
{
	size_t n = strlen(s);
	return (starts(s, "FAIL: ") || starts(s, "ERROR: ")) && ends(s, n, ")") && strstr(s, " (");
}

static void unittest_begin(struct scan *sc, struct block *b, const char *s, size_t n)
{
	keep(b, s, n);
	b->sub = TB_TITLE;
}

/* -- pytest -- */

/* A failure's section: "_____ test_add _____" (not the "_ _ _" between frames). */
static int pytest_starts(const char *s)
{
	size_t n = strlen(s);
	return starts(s, "___") && ends(s, n, "___") && strchr(s, ' ') && strspn(s, "_ ") < n;
}

static void pytest_begin(struct scan *sc, struct block *b, const char *s, size_t n)
{
	const char *p = s + strspn(s, "_ ");
	size_t k = strlen(p);

	while (k && (p[k - 1] == '_' || p[k - 1] == ' '))
		k--;
	buf_addf(&b->text.b, "___ %.*s ___\n", (int)k, p);
	b->text.lines++;
}

static int pytest_take(struct scan *sc, struct block *b, const char *s, size_t n)
{
	struct check_loc l;
	const char *e;

	if (pytest_starts(s) || (s[0] == '=' && is_rule(s)))
		return 0;
	if (s[0] == '>') {
		part_set(&b->fr[0], s, n);
	} else if (s[0] == 'E' && (s[1] == ' ' || !s[1])) {
		/* a SyntaxError's own frame is the best location there is */
		add_to(&b->more, s, n, 8);
		if (py_file(skip_ws(s + 1), &l))
			block_loc(b, &l, 1);
	} else if ((e = loc_at(s, &l)) != NULL && e[0] == ':' && e[1] == ' ' &&
	           !starts(e + 2, "in ")) {
		/* "tests/test_calc.py:7: AssertionError": where the last frame failed */
		part_set(&b->fr[1], s, n);
		block_loc(b, &l, 0);
	}
	return 1;
}

static void pytest_end(struct scan *sc, struct block *b)
{
	part_append(&b->text, &b->fr[0]);
	part_append(&b->text, &b->more);
	part_append(&b->text, &b->fr[1]);
	sc->pytest_sections++;
}

/* The short summary, "FAILED tests/x.py::test_y - msg": shown only without the sections. */
static int pysum_starts(const char *s)
{
	const char *p;

	if (starts(s, "FAILED "))
		p = s + 7;
	else if (starts(s, "ERROR "))
		p = s + 6;
	else
		return 0;
	return strstr(p, "::") || strstr(p, ".py");
}

static void pysum_begin(struct scan *sc, struct block *b, const char *s, size_t n)
{
	const char *p = strchr(s, ' ') + 1, *e = p;
	struct check_loc l = { { 0 }, 0, 0 };

	keep(b, s, n);
	while (*e && *e != ' ' && !(e[0] == ':' && e[1] == ':'))
		e++;
	if (set_loc(&l, p, (size_t)(e - p), 0, 0))
		block_loc(b, &l, 0);
}

static int take_none(struct scan *sc, struct block *b, const char *s, size_t n)
{
	return 0;
}

static void pysum_end(struct scan *sc, struct block *b)
{
	if (sc->pytest_sections)
		b->error = 0;
}

/* -- Rust -- */

/* What cargo and rustc say after the errors, which names none of them. */
static const char *const rust_summaries[] = {
	"error: could not compile", "error: aborting due to", "error: test failed",
	"error: build failed",      "warning: build failed",  "warning: `",
};

static int rustc_starts(const char *s)
{
	struct diag d;
	size_t i;

	if ((s[0] != 'e' && s[0] != 'w') || !diag_parse(s, &d) || d.form != 1)
		return 0;
	for (i = 0; i < sizeof(rust_summaries) / sizeof(rust_summaries[0]); i++)
		if (starts(s, rust_summaries[i]))
			return 0;
	return 1;
}

enum { RS_BODY, RS_BLANK };

/*
 * A rustc diagnostic runs to a blank line; gutters are dropped; cargo's
 * "Caused by:" after a blank line still belongs to its error.
 */
static int rustc_take(struct scan *sc, struct block *b, const char *s, size_t n)
{
	struct check_loc l;
	const char *p;

	if (b->sub == RS_BLANK) {
		if (!starts(s, "Caused by:"))
			return 0;
		b->sub = RS_BODY;
	} else if (is_blank(s)) {
		b->sub = RS_BLANK;
		return 1;
	}
	if (starts(s, "error") || starts(s, "warning"))
		return 0;
	if (is_gutter(s))
		return 1;
	p = skip_ws(s);
	if (starts(p, "--> ") && !b->has_loc && loc_at(p + 4, &l))
		block_loc(b, &l, 0);
	keep(b, s, n);
	return 1;
}

static void rustc_begin(struct scan *sc, struct block *b, const char *s, size_t n)
{
	keep(b, s, n);
	b->error = s[0] == 'e';
}

/* "thread 'tests::x' (1563) panicked at src/lib.rs:11:9:", before 1.73 "... at 'msg', src/x.rs:2:5" */
static int panic_starts(const char *s)
{
	return starts(s, "thread '") && strstr(s, "panicked at ");
}

static void panic_begin(struct scan *sc, struct block *b, const char *s, size_t n)
{
	struct check_loc l;

	keep(b, s, n);
	if (loc_find(strstr(s, "panicked at "), &l, 1))
		block_loc(b, &l, 0);
}

enum { PN_MSG, PN_TRACE, PN_DONE };

static int panic_take(struct scan *sc, struct block *b, const char *s, size_t n)
{
	switch (b->sub) {
	case PN_MSG:
		if (is_blank(s))
			return 0;
		if (starts(s, "stack backtrace:"))
			b->sub = PN_TRACE;
		else if (starts(s, "note: "))
			b->sub = PN_DONE;
		else if (b->count++ < 8)
			keep(b, s, n);
		return 1;
	case PN_TRACE:
		if (s[0] == ' ')
			return 1;
		if (starts(s, "note: ")) {
			b->sub = PN_DONE;
			return 1;
		}
		return 0;
	}
	return 0;
}

/* -- Go -- */

static int gofail_starts(const char *s)
{
	return starts(s, "--- FAIL: ");
}

/* The test's log lines, "    shapes_test.go:7: Area(2, 3) = 5, want 6", and its subtests. */
static int gofail_take(struct scan *sc, struct block *b, const char *s, size_t n)
{
	struct check_loc l;
	const char *p = skip_ws(s), *e;

	if (s[0] != ' ' && s[0] != '\t')
		return 0;
	if (!b->has_loc && (e = loc_at(p, &l)) != NULL && e[0] == ':' &&
	    ends(l.file, strlen(l.file), ".go"))
		block_loc(b, &l, 0);
	if (b->count++ < 12)
		keep(b, s, n);
	return 1;
}

static int gopanic_starts(const char *s)
{
	return starts(s, "panic: ");
}

/* Frames of the runtime and the testing package, which say nothing of the bug. */
static int go_std_frame(const char *s)
{
	static const char *const std[] = { "runtime.",    "testing.", "panic(",
		                           "created by ", "reflect.", "sync." };
	size_t i;

	for (i = 0; i < sizeof(std) / sizeof(std[0]); i++)
		if (starts(s, std[i]))
			return 1;
	return 0;
}

enum { GP_MSG, GP_BLANK, GP_FRAMES, GP_DONE };

/*
 * The panic's message, then from the goroutine's trace the first frame
 * outside the runtime and testing (a function line, then its "\tfile:line").
 */
static int gopanic_take(struct scan *sc, struct block *b, const char *s, size_t n)
{
	struct check_loc l;

	switch (b->sub) {
	case GP_MSG:
		if (is_blank(s)) {
			b->sub = GP_BLANK;
			return 1;
		}
		if (s[0] == '\t') /* "\tpanic: ..." says it again */
			return 1;
		if (is_start(s) || b->count++ >= 3)
			return 0;
		keep(b, s, n);
		return 1;
	case GP_BLANK:
		if (!starts(s, "goroutine "))
			return 0;
		b->sub = GP_FRAMES;
		return 1;
	case GP_FRAMES:
	case GP_DONE:
		if (is_blank(s))
			return 0;
		if (s[0] == '\t') {
			if (b->sub == GP_FRAMES && b->fr[0].b.len) {
				part_append(&b->text, &b->fr[0]);
				keep(b, s, n);
				if (loc_at(s + 1, &l))
					block_loc(b, &l, 0);
				b->sub = GP_DONE;
			}
			return 1;
		}
		if (!strchr(s, '(') && !starts(s, "created by "))
			return 0;
		buf_reset(&b->fr[0].b);
		b->fr[0].lines = 0;
		if (!go_std_frame(s))
			part_set(&b->fr[0], s, n);
		return 1;
	}
	return 0;
}

/* -- TAP (node --test), ctest -- */

static int tap_starts(const char *s)
{
	return starts(s, "not ok ") && isdigit((unsigned char)s[7]);
}

enum { TAP_KEYS, TAP_ERROR, TAP_STACK, TAP_END };

/* Of the YAML block: the location, the error and its text, the name, the first frame of ours. */
static int tap_take(struct scan *sc, struct block *b, const char *s, size_t n)
{
	static const char *const keys[] = { "location:", "error:",  "name:",
		                            "expected:", "actual:", "operator:" };
	const char *p = skip_ws(s);
	struct check_loc l;
	size_t indent = (size_t)(p - s), i;

	if (is_blank(s))
		return b->sub != TAP_END;
	if (b->sub == TAP_END || (s[0] != ' ' && s[0] != '\t' && !starts(s, "#  ")))
		return 0;
	if (starts(s, "#  ")) {
		keep(b, s, n);
		return 1;
	}
	if (!strcmp(p, "...")) {
		b->sub = TAP_END;
		return 1;
	}
	if (indent > 2 && b->sub == TAP_ERROR) {
		if (*p && b->count++ < 4)
			keep(b, s, n);
		return 1;
	}
	if (indent > 2 && b->sub == TAP_STACK) {
		if (!strstr(p, "node:") && !strstr(p, "node_modules") && loc_find(p, &l, 0)) {
			keep(b, s, n);
			block_loc(b, &l, 1);
			b->sub = TAP_KEYS;
		}
		return 1;
	}
	b->sub = TAP_KEYS;
	if (starts(p, "stack:")) {
		b->sub = TAP_STACK;
		return 1;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (starts(p, keys[i])) {
			keep(b, s, n);
			if (i == 0 && loc_find(p, &l, 0))
				block_loc(b, &l, 0);
			if (i == 1)
				b->sub = TAP_ERROR;
		}
	return 1;
}

/* "2/2 Test #2: t_fail ...........***Failed    0.00 sec", and the output after it */
static int ctest_starts(const char *s)
{
	return strstr(s, " Test #") && strstr(s, "***");
}

static void ctest_begin(struct scan *sc, struct block *b, const char *s, size_t n)
{
	struct buf t = BUF_INIT;
	size_t i, j;

	/* the dots that align the results are no use to a model */
	for (i = 0; i < n; i++) {
		for (j = i; j < n && s[j] == '.'; j++)
			;
		if (j - i >= 4) {
			buf_adds(&t, "...");
			i = j - 1;
		} else {
			buf_addch(&t, s[i]);
		}
	}
	keep(b, t.ptr, t.len);
	buf_release(&t);
	sc->ctest_tests++;
}

static int ctest_take(struct scan *sc, struct block *b, const char *s, size_t n)
{
	struct check_loc l;

	if (is_blank(s) || is_start(s) || starts(skip_ws(s), "Start ") || strstr(s, "tests passed"))
		return 0;
	if (!b->has_loc && loc_at(s, &l))
		block_loc(b, &l, 0);
	if (b->count++ < 10)
		keep(b, s, n);
	return 1;
}

static int ctest_list_starts(const char *s)
{
	return starts(s, "The following tests FAILED:");
}

static int indented_take(struct scan *sc, struct block *b, const char *s, size_t n)
{
	if (s[0] != ' ' && s[0] != '\t')
		return 0;
	if (b->count++ < 10)
		keep(b, s, n);
	return 1;
}

/* The list names the tests; shown only when no test's own result line was. */
static void ctest_list_end(struct scan *sc, struct block *b)
{
	if (sc->ctest_tests)
		b->error = 0;
}

/* -- the linker, C's assert -- */

static int link_starts(const char *s)
{
	return strstr(s, "undefined reference to ") || strstr(s, "multiple definition of ") ||
	       strstr(s, "undefined symbol") || strstr(s, "cannot find -l") ||
	       strstr(s, "Undefined symbols for architecture");
}

/* ld says which function on the line before: "/usr/bin/ld: x.o: in function `main':". */
static void link_begin(struct scan *sc, struct block *b, const char *s, size_t n)
{
	struct check_loc l;

	if (sc->nrecent && strstr(sc->recent[sc->nrecent - 1].ptr, ": in function "))
		keep(b, sc->recent[sc->nrecent - 1].ptr, sc->recent[sc->nrecent - 1].len);
	keep(b, s, n);
	if (loc_find(s, &l, 0))
		block_loc(b, &l, 0);
}

/* ld.lld's ">>> referenced by t.c:5" */
static int link_take(struct scan *sc, struct block *b, const char *s, size_t n)
{
	if (!starts(s, ">>> ") || b->count++ >= 4)
		return 0;
	keep(b, s, n);
	return 1;
}

/* glibc: "prog: t.c:8: main: Assertion `x == 2' failed."; musl, BSD: "Assertion failed: ..." */
static int cassert_starts(const char *s)
{
	return (strstr(s, "Assertion `") && strstr(s, "' failed")) ||
	       strstr(s, "Assertion failed: ");
}

static void loc_begin(struct scan *sc, struct block *b, const char *s, size_t n)
{
	struct check_loc l;

	keep(b, s, n);
	if (loc_find(s, &l, 0))
		block_loc(b, &l, 0);
}

/* -- gcc, clang, go build -- */

enum { DG_FIRST, DG_GO, DG_PENDING, DG_BODY };

static int diag_starts(const char *s)
{
	struct diag d;

	if (!diag_parse(s, &d) || d.form == 1 || d.sev == SEV_NOTE)
		return 0;
	/* collect2's and clang's word that the link failed, after the link errors */
	return !starts(d.msg, "ld returned") && !starts(d.msg, "linker command failed");
}

static void diag_begin(struct scan *sc, struct block *b, const char *s, size_t n)
{
	struct diag d;

	diag_parse(s, &d);
	keep(b, s, n);
	b->error = d.sev == SEV_ERROR;
	if (d.has_loc)
		block_loc(b, &d.loc, 0);
	/* go prints no excerpt: a line at column 0 after it is never part of it */
	b->sub = d.has_loc && ends(d.loc.file, strlen(d.loc.file), ".go") ? DG_GO : DG_FIRST;
}

/* Lines after a diagnostic that end it though they follow it directly. */
static int diag_over(const char *s)
{
	static const char *const words[] = { "make: ",     "make[",
		                             "gmake",      "ninja: ",
		                             "FAILED: ",   "In file included from",
		                             "cc1: ",      "cc1plus: ",
		                             "collect2: ", "compilation terminated" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (starts(s, words[i]))
			return 1;
	return strstr(s, " generated.") || s[0] == '[';
}

/*
 * gcc's excerpt lines start with a blank ("    5 | code", "      |   ^~~");
 * clang's source line is the first after the message and starts at column 0
 * when the code does, so such a line is held until a caret line under it
 * shows it is the excerpt. Notes ("path:line:col: note: ...") belong to the
 * diagnostic before them.
 */
static int diag_take(struct scan *sc, struct block *b, const char *s, size_t n)
{
	struct diag d;

	if (b->sub == DG_PENDING) {
		b->sub = DG_BODY;
		if ((s[0] == ' ' || s[0] == '\t') && strchr(s, '^')) {
			part_append(&b->text, &b->fr[0]);
			keep(b, s, n);
			return 1;
		}
	}
	if (diag_parse(s, &d) && d.sev == SEV_NOTE && d.form == 2) {
		/* gcc's reminder after each first undeclared name says nothing new */
		if (!strstr(d.msg, "reported only once") && b->count++ < 3)
			keep(b, s, n);
		b->sub = DG_FIRST;
		return 1;
	}
	if (is_blank(s) || is_start(s) || diag_over(s))
		return 0;
	if (s[0] != ' ' && s[0] != '\t') {
		if (b->sub != DG_FIRST)
			return 0;
		part_set(&b->fr[0], s, n);
		b->sub = DG_PENDING;
		return 1;
	}
	if (b->sub != DG_GO)
		b->sub = DG_BODY;
	if (!is_gutter(s))
		keep(b, s, n);
	return 1;
}

/* -- exceptions outside a traceback: node's, and Python's without one -- */

static int exc_starts(const char *s)
{
	const char *name, *msg;
	size_t k;

	/* pytest's "E" lines and TAP's "  name:" belong to their blocks */
	if ((s[0] == 'E' && s[1] == ' ') || s[0] == ' ')
		return 0;
	k = exc_name(s, &name, &msg);
	return k >= 5 && (ends(name, k, "Error") || ends(name, k, "Exception"));
}

/* node prints "path:line", the source line and a caret before the error: adopted here. */
static void exc_begin(struct scan *sc, struct block *b, const char *s, size_t n)
{
	int i, from = -1;
	struct check_loc l;

	for (i = 0; i < sc->nrecent; i++) {
		const char *r = sc->recent[i].ptr, *e;
		if (!starts(r, "node:") && (e = loc_at(r, &l)) != NULL && !*e) {
			from = i;
			block_loc(b, &l, 1);
		}
	}
	for (i = from; from >= 0 && i < sc->nrecent; i++)
		if (!is_blank(sc->recent[i].ptr))
			keep(b, sc->recent[i].ptr, sc->recent[i].len);
	keep(b, s, n);
}

enum { EX_MSG, EX_BLANK, EX_FRAMES };

/*
 * The message (an assertion's diff may hold a blank line, not two), then
 * "at" frames: the first two of the project's kept, node's own and
 * node_modules' skipped, as is the error object node prints after them.
 */
static int exc_take(struct scan *sc, struct block *b, const char *s, size_t n)
{
	const char *p = skip_ws(s);
	struct check_loc l;

	if (starts(s, "Node.js v") || is_start(s))
		return 0;
	if (starts(p, "at ") && p > s) {
		b->sub = EX_FRAMES;
		if (!strstr(p, "node:") && !strstr(p, "node_modules") && b->count < 2) {
			b->count++;
			keep(b, s, n);
			if (loc_find(p, &l, 0))
				block_loc(b, &l, 0);
		}
		return 1;
	}
	if (b->sub == EX_FRAMES)
		return !is_blank(s) && (s[0] == ' ' || s[0] == '}');
	if (is_blank(s)) {
		if (b->sub == EX_BLANK)
			return 0;
		b->sub = EX_BLANK;
		return 1;
	}
	b->sub = EX_MSG;
	if (b->count2++ < 6)
		keep(b, s, n);
	return 1;
}

/* -- the table: tried in this order on each line outside a block -- */

static const struct recog recogs[] = {
	{ tb_starts, tb_begin, tb_take, tb_end },
	{ unittest_starts, unittest_begin, tb_take, tb_end },
	{ pytest_starts, pytest_begin, pytest_take, pytest_end },
	{ pysum_starts, pysum_begin, take_none, pysum_end },
	{ panic_starts, panic_begin, panic_take, NULL },
	{ gofail_starts, NULL, gofail_take, NULL },
	{ gopanic_starts, NULL, gopanic_take, NULL },
	{ tap_starts, NULL, tap_take, NULL },
	{ ctest_starts, ctest_begin, ctest_take, NULL },
	{ ctest_list_starts, NULL, indented_take, ctest_list_end },
	{ link_starts, link_begin, link_take, NULL },
	{ cassert_starts, loc_begin, take_none, NULL },
	{ rustc_starts, rustc_begin, rustc_take, NULL },
	{ diag_starts, diag_begin, diag_take, NULL },
	{ exc_starts, exc_begin, exc_take, NULL },
};

#define NRECOGS (sizeof(recogs) / sizeof(recogs[0]))

static int is_start(const char *s)
{
	size_t i;

	for (i = 0; i < NRECOGS; i++)
		if (recogs[i].starts(s))
			return 1;
	return 0;
}

/* ---- cleaning a line ---- */

/* The index past the escape sequence at s[i] (an ESC): CSI, OSC, DCS, charset or a lone one. */
static size_t skip_escape(const char *s, size_t n, size_t i)
{
	size_t j;

	if (i + 1 >= n)
		return n;
	switch (s[i + 1]) {
	case '[':
		for (j = i + 2; j < n && !(s[j] >= 0x40 && s[j] <= 0x7e); j++)
			;
		return j < n ? j + 1 : n;
	case ']':
	case 'P':
	case '_':
	case '^':
		for (j = i + 2; j < n; j++) {
			if (s[j] == '\a')
				return j + 1;
			if (s[j] == 0x1b && j + 1 < n && s[j + 1] == '\\')
				return j + 2;
		}
		return n;
	case '(':
	case ')':
	case '*':
	case '+': return i + 3 < n ? i + 3 : n;
	}
	return i + 2;
}

/*
 * dst = s without escapes and control characters (a tab stays), invalid
 * UTF-8 as U+FFFD, at most LINE_KEEP bytes and then "...", no trailing blanks.
 */
static void clean(struct buf *dst, const char *s, size_t n)
{
	static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
	size_t i = 0, k;
	int cut = 0;

	buf_reset(dst);
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		const char *add = s + i;
		size_t len;
		if (c == 0x1b) {
			i = skip_escape(s, n, i);
			continue;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			i++;
			continue;
		}
		k = c < 0x80 ? 1 : utf8_seq_len((const unsigned char *)s + i, n - i);
		len = k;
		if (!k) {
			add = replacement;
			len = 3;
			k = 1;
		}
		if (dst->len + len > LINE_KEEP) {
			cut = 1;
			break;
		}
		buf_add(dst, add, len);
		i += k;
	}
	while (dst->len && (dst->ptr[dst->len - 1] == ' ' || dst->ptr[dst->len - 1] == '\t'))
		buf_setlen(dst, dst->len - 1);
	if (cut)
		buf_adds(dst, "...");
}

/* ---- classification ---- */

static void classify_line(struct scan *sc, const char *s)
{
	struct diag d;
	const char *name = "", *msg = "";
	size_t i, k = exc_name(s, &name, &msg);
	int err = diag_parse(s, &d) && d.sev == SEV_ERROR;
	int golog =
	        sc->blk.r && sc->blk.r->starts == gofail_starts && (s[0] == ' ' || s[0] == '\t');

	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		const struct pattern *p = &patterns[i];
		int hit = 0;
		if (sc->classes & (1u << p->cls))
			continue;
		switch (p->how) {
		case M_ERR_START: hit = err && !d.code[0] && starts(d.msg, p->a); break;
		case M_ERR_HAS: hit = err && !d.code[0] && has_ci(d.msg, p->a); break;
		case M_RUST:
			hit = err && !strcmp(d.code, p->a) && (!p->b || strstr(d.msg, p->b));
			break;
		case M_DERIVE: hit = err && rust_derive(&d); break;
		case M_EXC:
			hit = k == strlen(p->a) && !strncmp(name, p->a, k) &&
			      (!p->b || starts(msg, p->b));
			break;
		case M_START: hit = starts(s, p->a) && (!p->b || strstr(s, p->b)); break;
		case M_HAS: hit = strstr(s, p->a) && (!p->b || strstr(s, p->b)); break;
		case M_PYTEST_E:
			hit = s[0] == 'E' && s[1] == ' ' && starts(skip_ws(s + 1), p->a);
			break;
		case M_GO_LOG: hit = golog && has_word_ci(s, p->a); break;
		}
		if (hit) {
			sc->classes |= 1u << p->cls;
			sc->hit[p->cls] = p;
		}
	}
}

/* ---- blocks ---- */

static void part_reset(struct part *p)
{
	buf_reset(&p->b);
	p->lines = 0;
}

static void part_release(struct part *p)
{
	buf_release(&p->b);
	p->lines = 0;
}

static void begin(struct scan *sc, const struct recog *r, const char *s, size_t n)
{
	struct block *b = &sc->blk;
	int i;

	part_reset(&b->text);
	for (i = 0; i < 3; i++)
		part_reset(&b->fr[i]);
	part_reset(&b->cur);
	part_reset(&b->more);
	b->r = r;
	b->error = 1;
	b->sub = b->count = b->count2 = 0;
	b->last_lib = b->has_loc = b->loc_strong = b->has_user_frame = 0;
	if (r->begin)
		r->begin(sc, b, s, n);
	else
		keep(b, s, n);
	sc->nrecent = 0;
}

/* 1 when the hash was seen before; records it otherwise. */
static int seen(struct scan *sc, uint64_t h)
{
	size_t i;

	if (sc->nseen >= SEEN_SLOTS / 4 * 3)
		return 0;
	if (!sc->seen)
		sc->seen = xcalloc(SEEN_SLOTS, sizeof(*sc->seen));
	for (i = (size_t)h % SEEN_SLOTS; sc->seen[i]; i = (i + 1) % SEEN_SLOTS)
		if (sc->seen[i] == h)
			return 1;
	sc->seen[i] = h;
	sc->nseen++;
	return 0;
}

/* Appends the whole lines of s[0..n) that fit in room bytes; else the first line cut. */
static void add_cut(struct buf *out, const char *s, size_t n, size_t room)
{
	size_t used = 0, k;
	const char *nl;

	while (used < n && (nl = memchr(s + used, '\n', n - used)) != NULL &&
	       (size_t)(nl - s) + 1 <= room)
		used = (size_t)(nl - s) + 1;
	if (!used && room >= 2) {
		k = room - 1;
		while (k && ((unsigned char)s[k] & 0xc0) == 0x80)
			k--;
		buf_add(out, s, k);
		buf_addch(out, '\n');
		return;
	}
	buf_add(out, s, used);
}

static size_t reserve(const struct scan *sc)
{
	return sc->budget >= 2 * MORE_RESERVE ? MORE_RESERVE : 0;
}

static void emit(struct scan *sc, const char *s, size_t n)
{
	size_t sep = sc->out.len ? 1 : 0;

	if (sc->full) {
		sc->unshown++;
		return;
	}
	if (sc->out.len + sep + n + reserve(sc) <= sc->budget) {
		if (sep)
			buf_addch(&sc->out, '\n');
		buf_add(&sc->out, s, n);
		return;
	}
	sc->full = 1;
	if (sc->out.len)
		sc->unshown++;
	else
		add_cut(&sc->out, s, n, sc->budget - reserve(sc));
}

static void finish(struct scan *sc)
{
	struct block *b = &sc->blk;
	const struct recog *r = b->r;

	b->r = NULL;
	if (r->end)
		r->end(sc, b);
	if (!b->error || !b->text.b.len || seen(sc, hash(b->text.b.ptr, b->text.b.len)))
		return;
	sc->errors++;
	if (!sc->has_loc && b->has_loc) {
		sc->loc = b->loc;
		sc->has_loc = 1;
	}
	if (sc->want_text)
		emit(sc, b->text.b.ptr, b->text.b.len);
}

/* ---- the scan ---- */

static void remember(struct buf *ring, int size, int *count, const char *s, size_t n)
{
	if (*count == size) {
		struct buf t = ring[0];
		memmove(ring, ring + 1, (size_t)(size - 1) * sizeof(*ring));
		ring[size - 1] = t;
		(*count)--;
	}
	buf_reset(&ring[*count]);
	buf_add(&ring[*count], s, n);
	(*count)++;
}

static void feed(struct scan *sc)
{
	const char *s = sc->line.ptr;
	size_t n = sc->line.len, i;

	classify_line(sc, s);
	if (sc->want_text) {
		struct buf *t = &sc->tail[sc->nlines % TAIL_LINES];
		buf_reset(t);
		buf_add(t, s, n);
	}
	sc->nlines++;
	if (sc->blk.r) {
		if (sc->blk.r->take(sc, &sc->blk, s, n))
			return;
		finish(sc);
	}
	for (i = 0; i < NRECOGS; i++)
		if (recogs[i].starts(s)) {
			begin(sc, &recogs[i], s, n);
			return;
		}
	remember(sc->recent, RECENT, &sc->nrecent, s, n);
}

static void scan_run(struct scan *sc, const char *out, size_t n, size_t budget, int want_text)
{
	size_t i = 0, j;

	memset(sc, 0, sizeof(*sc));
	buf_init(&sc->line, 0);
	buf_init(&sc->out, 0);
	sc->budget = budget;
	sc->want_text = want_text;
	for (i = 0; i < RECENT; i++)
		buf_init(&sc->recent[i], 0);
	for (i = 0; i < TAIL_LINES; i++)
		buf_init(&sc->tail[i], 0);
	buf_init(&sc->blk.text.b, 0);
	for (i = 0; i < 3; i++)
		buf_init(&sc->blk.fr[i].b, 0);
	buf_init(&sc->blk.cur.b, 0);
	buf_init(&sc->blk.more.b, 0);
	for (i = 0; out && i < n; i = j + 1) {
		for (j = i; j < n && out[j] != '\n' && out[j] != '\r'; j++)
			;
		clean(&sc->line, out + i, j - i);
		feed(sc);
		if (j + 1 < n && out[j] == '\r' && out[j + 1] == '\n')
			j++;
	}
	if (sc->blk.r)
		finish(sc);
}

static void scan_release(struct scan *sc)
{
	struct block *b = &sc->blk;
	int i;

	buf_release(&sc->line);
	buf_release(&sc->out);
	for (i = 0; i < RECENT; i++)
		buf_release(&sc->recent[i]);
	for (i = 0; i < TAIL_LINES; i++)
		buf_release(&sc->tail[i]);
	part_release(&b->text);
	for (i = 0; i < 3; i++)
		part_release(&b->fr[i]);
	part_release(&b->cur);
	part_release(&b->more);
	free(sc->seen);
}

/* No error recognised: the last lines, blank runs squeezed, the earlier ones counted. */
static char *tail_text(struct scan *sc)
{
	struct buf res = BUF_INIT, body = BUF_INIT;
	size_t have = sc->nlines < TAIL_LINES ? sc->nlines : TAIL_LINES, end = sc->nlines;
	size_t first, room = sc->budget - reserve(sc), i;
	int blank_before = 0;

	while (end > sc->nlines - have && !sc->tail[(end - 1) % TAIL_LINES].len)
		end--;
	/* the most lines from the end that fit */
	for (first = end; first > sc->nlines - have; first--) {
		size_t len = 0;
		blank_before = 0;
		for (i = first - 1; i < end; i++) {
			const struct buf *t = &sc->tail[i % TAIL_LINES];
			if (!t->len && blank_before)
				continue;
			blank_before = !t->len;
			len += t->len + 1;
		}
		if (len > room)
			break;
	}
	blank_before = 1;
	for (i = first; i < end; i++) {
		const struct buf *t = &sc->tail[i % TAIL_LINES];
		if (!t->len && blank_before)
			continue;
		blank_before = !t->len;
		buf_add(&body, t->ptr, t->len);
		buf_addch(&body, '\n');
	}
	if (first == end && end > sc->nlines - have) {
		/* not even the last line fits: its start */
		const struct buf *t = &sc->tail[(end - 1) % TAIL_LINES];
		add_cut(&body, t->ptr, t->len, sc->budget);
		first = end - 1;
	}
	if (first)
		buf_addf(&res, "[%zu earlier line%s not shown]\n", first, first == 1 ? "" : "s");
	if (res.len + body.len > sc->budget)
		buf_reset(&res);
	buf_add(&res, body.ptr, body.len);
	buf_release(&body);
	return buf_detach(&res, NULL);
}

char *check_trim(const char *out, size_t n, size_t max_bytes)
{
	struct scan sc;
	char *res;

	scan_run(&sc, out, n, max_bytes, 1);
	if (!max_bytes) {
		res = xstrdup("");
	} else if (!sc.errors) {
		res = tail_text(&sc);
	} else {
		if (sc.unshown) {
			char more[64];
			int k = snprintf(more, sizeof(more), "[%zu more error%s]\n", sc.unshown,
			                 sc.unshown == 1 ? "" : "s");
			/* the reserve makes room for it; a bound too small for that omits it */
			if (sc.out.len + (size_t)k <= max_bytes)
				buf_add(&sc.out, more, (size_t)k);
		}
		res = buf_detach(&sc.out, NULL);
	}
	scan_release(&sc);
	return res;
}

/* What a pattern looks for, in words, for the transcript. */
static void describe(const struct pattern *p, char *why, size_t size)
{
	char a[96] = "", b[96] = "";
	size_t i, j;

	/* quoted with the tab a pattern may hold written as \t */
	for (i = 0, j = 0; p->a && p->a[i] && j + 3 < sizeof(a); i++)
		if (p->a[i] == '\t')
			a[j++] = '\\', a[j++] = 't';
		else
			a[j++] = p->a[i];
	a[j] = '\0';
	if (p->b)
		snprintf(b, sizeof(b), " with '%s'", p->b);
	switch (p->how) {
	case M_ERR_START: snprintf(why, size, "a compiler error starting '%s'", a); break;
	case M_ERR_HAS: snprintf(why, size, "a compiler error containing '%s'", a); break;
	case M_RUST: snprintf(why, size, "rustc error %s%s", a, b); break;
	case M_DERIVE: snprintf(why, size, "rustc error E0277 for a derivable trait"); break;
	case M_EXC:
		snprintf(why, size, "exception %s%s%s", a, p->b ? ": " : "", p->b ? p->b : "");
		break;
	case M_START: snprintf(why, size, "a line starting '%s'%s", a, b); break;
	case M_HAS: snprintf(why, size, "a line containing '%s'%s", a, b); break;
	case M_PYTEST_E: snprintf(why, size, "a pytest E line starting '%s'", a); break;
	case M_GO_LOG:
		snprintf(why, size, "a go test's log under --- FAIL with the word '%s'", a);
		break;
	}
}

const char *check_classify_why(const char *out, size_t n, int timed_out, char *why, size_t size)
{
	struct scan sc;
	int c;

	if (timed_out) {
		snprintf(why, size, "the check timed out");
		return check_class_names[C_TIMEOUT];
	}
	scan_run(&sc, out, n, 0, 0);
	scan_release(&sc);
	for (c = C_SYNTAX; c < C_OTHER; c++)
		if (sc.classes & (1u << c)) {
			describe(sc.hit[c], why, size);
			return check_class_names[c];
		}
	snprintf(why, size, "no pattern matched");
	return check_class_names[C_OTHER];
}

const char *check_classify(const char *out, size_t n, int timed_out)
{
	char why[256];

	return check_classify_why(out, n, timed_out, why, sizeof(why));
}

int check_locate(const char *out, size_t n, struct check_loc *loc)
{
	struct scan sc;

	scan_run(&sc, out, n, 0, 0);
	scan_release(&sc);
	memset(loc, 0, sizeof(*loc));
	if (!sc.has_loc)
		return 0;
	*loc = sc.loc;
	return 1;
}
