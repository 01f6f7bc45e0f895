/*
 * symbols.c - definitions and imports found by one hand-written scanner per
 * language.
 *
 * Every scanner walks the text once, front to back, and keeps only a little
 * state: the line number, a bounded stack of open scopes (each remembers the
 * symbol whose end line its closing brace, "end" or dedent will set) and the
 * few tokens of the declaration being read. No byte is read more than a small,
 * fixed number of times (lookaheads are capped), so time is linear in the
 * size of the text, and every read is guarded by p < e, so no input - NUL
 * bytes, invalid UTF-8, unterminated comments, unbalanced braces - can make
 * a scanner read past its end. Names point into the text
 * until a symbol is kept, which costs the one allocation per symbol or import.
 *
 * The C family is the hot path (whole kernel trees): function bodies and
 * initializers are "opaque" scopes skipped by a tight loop that stops only at
 * braces, quotes, slashes and newlines; declarations are parsed token by token
 * only at file scope and inside namespaces and struct, union and class bodies.
 *
 * Scanners append symbols roughly in line order; a final pass sorts (by line,
 * then name) only when one came out of order.
 */
#include "context/symbols.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define NAME_MAX_LEN   128    /* longer names are skipped */
#define TARGET_MAX_LEN 1024   /* longer import targets are skipped */
#define MAX_SYMS       100000 /* per file */
#define MAX_IMPS       10000  /* per file */

/* The text being scanned and what this call has added to out. */
struct sx {
	struct syms *out;
	const unsigned char *s, *e; /* the text, [s, e) */
	size_t nsym, nimp;          /* added by this call, for the caps */
};

static inline int is_digit(unsigned c)
{
	return c - '0' < 10u;
}

static inline int is_alpha(unsigned c)
{
	return (c | 32) - 'a' < 26u;
}

/* A byte of a C identifier. */
static inline int is_idc(unsigned c)
{
	return is_alpha(c) || is_digit(c) || c == '_';
}

/* A byte of an identifier in languages that allow Unicode names. */
static inline int is_uidc(unsigned c)
{
	return is_idc(c) || c >= 0x80;
}

static inline int is_hspace(unsigned c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static const unsigned char *skip_hspace(const unsigned char *p, const unsigned char *e)
{
	while (p < e && is_hspace(*p))
		p++;
	return p;
}

/* Is the n bytes at p exactly the word w? */
static inline int word_is(const unsigned char *p, size_t n, const char *w)
{
	return strlen(w) == n && !memcmp(p, w, n);
}

/* Accepts well-formed UTF-8 holding no control characters. */
static int text_ok(const unsigned char *p, size_t n)
{
	size_t i = 0, j, k;
	unsigned c, cp, min;

	while (i < n) {
		c = p[i];
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			k = 2, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, min = 0x10000;
		else
			return 0;
		if (n - i <= k)
			return 0;
		cp = c & (0x3fu >> k);
		for (j = 1; j <= k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

/*
 * Adds a symbol named by the n bytes at name and returns its index in out->v,
 * or -1 when the name is unfit (empty, too long, not UTF-8) or the file has
 * reached MAX_SYMS. Whitespace inside the name ("operator ==") is dropped
 * except a single space between two words ("operator new").
 */
static long sx_sym(struct sx *x, const unsigned char *name, size_t n, const char *kind, int line)
{
	unsigned char buf[NAME_MAX_LEN];
	struct syms *o = x->out;
	struct sym *y;
	size_t i, len = 0;
	unsigned odd = 0; /* some byte is not printable ASCII */
	int gap = 0;

	if (!n || n > 4 * NAME_MAX_LEN || x->nsym >= MAX_SYMS)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned c = name[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			gap = 1;
			continue;
		}
		if (gap && len && is_idc(buf[len - 1]) && is_idc(c)) {
			if (len == NAME_MAX_LEN)
				return -1;
			buf[len++] = ' ';
		}
		gap = 0;
		if (len == NAME_MAX_LEN)
			return -1;
		odd |= c - 0x20 >= 0x5fu;
		buf[len++] = (unsigned char)c;
	}
	if (!len || (odd && !text_ok(buf, len)))
		return -1;
	XGROW(o->v, o->cap, o->n + 1);
	y = &o->v[o->n];
	y->name = xstrndup((const char *)buf, len);
	y->kind = kind;
	y->line = line;
	y->end_line = line;
	x->nsym++;
	return (long)o->n++;
}

/* Sets the end line of symbol i (from sx_sym; -1 is ignored). */
static void sx_end(struct sx *x, long i, int line)
{
	if (i >= 0 && line > x->out->v[i].end_line)
		x->out->v[i].end_line = line;
}

/* Adds an import of the n bytes at target unless unfit or over MAX_IMPS. */
static void sx_imp(struct sx *x, const unsigned char *target, size_t n, int line, int local)
{
	struct syms *o = x->out;
	struct import *m;

	if (!n || n > TARGET_MAX_LEN || x->nimp >= MAX_IMPS || !text_ok(target, n))
		return;
	XGROW(o->imp, o->impcap, o->nimp + 1);
	m = &o->imp[o->nimp++];
	m->target = xstrndup((const char *)target, n);
	m->line = line;
	m->local = local;
	x->nimp++;
}

/* Skips a block comment whose body starts at p; nests when asked (Rust). */
static const unsigned char *skip_block_comment(const unsigned char *p, const unsigned char *e,
                                               int *line, int nest)
{
	int depth = 1, l = *line;

	while (p < e) {
		unsigned c = *p++;
		if (c == '\n') {
			l++;
		} else if (c == '*' && p < e && *p == '/') {
			p++;
			if (--depth == 0)
				break;
		} else if (nest && c == '/' && p < e && *p == '*') {
			p++;
			depth++;
		}
	}
	*line = l;
	return p;
}

/*
 * Skips a quoted literal whose body starts at p and returns the byte after
 * the closing quote q. A newline ends an unterminated literal (returned
 * unconsumed) unless multi is set; a backslash escapes the next byte.
 */
static const unsigned char *skip_quoted(const unsigned char *p, const unsigned char *e, unsigned q,
                                        int *line, int multi)
{
	int l = *line;

	while (p < e) {
		unsigned c = *p;
		if (c == q) {
			p++;
			break;
		}
		if (c == '\\') {
			if (p + 1 < e && p[1] == '\n')
				l++;
			p += p + 1 < e ? 2 : 1;
			continue;
		}
		if (c == '\n') {
			if (!multi)
				break;
			l++;
		}
		p++;
	}
	*line = l;
	return p;
}

/* ------------------------------------------------------------------------ */
/* C and C++                                                                 */
/* ------------------------------------------------------------------------ */

/* Token types of the file-scope declaration reader. */
enum {
	CT_NONE,
	CT_ID,
	CT_LP,
	CT_RP,
	CT_SEMI,
	CT_EQ,
	CT_COMMA,
	CT_COLON,
	CT_DCOLON,
	CT_STAR,
	CT_TILDE,
	CT_LT,
	CT_GT,
	CT_LBRK,
	CT_RBRK,
	CT_STR,
	CT_RB,
	CT_OTHER,
};

/* What an identifier means to the declaration reader. */
enum {
	K_NONE,
	K_CTRL,   /* if, sizeof...: never a function name */
	K_ATTR,   /* __attribute__, asm...: its (...) is not a parameter list */
	K_TYPE,   /* int, const...: a type, never a name */
	K_STRUCT, /* struct, union, enum, class: a type head follows */
	K_UNION,
	K_ENUM,
	K_CLASS,
	K_TYPEDEF,
	K_EXTERN,
	K_NAMESPACE,
	K_TEMPLATE,
	K_OPERATOR,
	K_USING,
	K_ACCESS, /* public:, private:... */
	K_FINAL,  /* final, in a class head */
};

/* The C and C++ keywords the declaration reader cares about, by class. */
static const struct ckw {
	unsigned char k;
	const char *c;   /* space-separated, keywords in C and C++ */
	const char *cpp; /* keywords only in C++ */
} ckw_tab[] = {
	{ K_CTRL,
	  "if else while for do switch case default return goto break continue sizeof typeof "
	  "__typeof__ __typeof typeof_unqual _Alignof alignof __alignof__ __alignof _Generic "
	  "defined offsetof __builtin_offsetof",
	  "new delete catch try co_return co_await co_yield requires this" },
	{ K_ATTR,
	  "__attribute__ __attribute __declspec _Alignas alignas asm __asm__ __asm "
	  "_Static_assert static_assert _Pragma __pragma __volatile__",
	  "decltype noexcept throw" },
	{ K_TYPE,
	  "void char short int long float double signed unsigned __signed__ _Bool bool _Complex "
	  "const volatile restrict __restrict inline __inline __inline__ static auto register "
	  "_Thread_local",
	  "typename virtual explicit constexpr consteval mutable friend" },
	{ K_STRUCT, "struct", "" },
	{ K_UNION, "union", "" },
	{ K_ENUM, "enum", "" },
	{ K_CLASS, "", "class" },
	{ K_TYPEDEF, "typedef", "" },
	{ K_EXTERN, "extern", "" },
	{ K_NAMESPACE, "", "namespace" },
	{ K_TEMPLATE, "", "template" },
	{ K_OPERATOR, "", "operator" },
	{ K_USING, "", "using" },
	{ K_ACCESS, "", "public private protected signals slots" },
	{ K_FINAL, "", "final" },
};

/*
 * A hash table over ckw_tab, built once: every identifier read at file scope
 * is looked up, so this must cost a hash and a compare, not a walk.
 */
#define CKW_SLOTS  512
#define CKW_MAXLEN 18

struct ckw_slot {
	const char *w; /* into ckw_tab, NULL when empty */
	unsigned char n, k, cpp;
};

static struct ckw_slot ckw_slots[CKW_SLOTS];
static pthread_once_t ckw_once = PTHREAD_ONCE_INIT;

static inline unsigned ckw_hash(const unsigned char *w, size_t n)
{
	unsigned h = (unsigned)n;
	size_t i;

	for (i = 0; i < n; i++)
		h = h * 31 + w[i];
	return (h ^ h >> 9) & (CKW_SLOTS - 1);
}

static void ckw_add(const char *w, size_t n, int k, int cpp)
{
	unsigned h = ckw_hash((const unsigned char *)w, n);

	while (ckw_slots[h].w)
		h = (h + 1) & (CKW_SLOTS - 1);
	ckw_slots[h].w = w;
	ckw_slots[h].n = (unsigned char)n;
	ckw_slots[h].k = (unsigned char)k;
	ckw_slots[h].cpp = (unsigned char)cpp;
}

static void ckw_init(void)
{
	size_t i, n;
	const char *w;
	int cpp;

	for (i = 0; i < sizeof(ckw_tab) / sizeof(ckw_tab[0]); i++)
		for (cpp = 0; cpp < 2; cpp++)
			for (w = cpp ? ckw_tab[i].cpp : ckw_tab[i].c; *w; w += n + (w[n] == ' ')) {
				n = strcspn(w, " ");
				ckw_add(w, n, ckw_tab[i].k, cpp);
			}
}

/* The keyword class of the identifier w (n bytes); C++ words count only in C++. */
static int c_kw(const unsigned char *w, size_t n, int cpp)
{
	const struct ckw_slot *k;
	unsigned h;

	if (n < 2 || n > CKW_MAXLEN || (w[0] != '_' && (w[0] < 'a' || w[0] > 'z')))
		return K_NONE;
	h = ckw_hash(w, n);
	for (k = &ckw_slots[h]; k->w; k = &ckw_slots[h = (h + 1) & (CKW_SLOTS - 1)])
		if (k->n == n && !memcmp(k->w, w, n))
			return !k->cpp || cpp ? k->k : K_NONE;
	return K_NONE;
}

struct cname {
	const unsigned char *p; /* NULL when unset */
	int len, line;
};

/*
 * The declaration being read at file scope (or in a namespace or type body).
 * It starts after ';', after a function body or at the start of a scope, and
 * holds only names pointing into the text and small counters.
 */
struct cstmt {
	struct cname cand;     /* function name candidate: an identifier before '(' */
	struct cname pid;      /* the identifier just read (while prev == CT_ID) */
	struct cname last;     /* last identifier outside (), [] and <>: typedef names */
	struct cname fp;       /* first identifier after "(*": typedef'd function pointers */
	struct cname head;     /* name after struct/union/enum/class */
	struct cname ns;       /* namespace name */
	struct cname use;      /* C++ "using NAME = ..." */
	struct cname p1;       /* identifier of a "(NAME)" group */
	const char *hkind;     /* kind of the type head */
	int paren, brk;        /* () and [] depth */
	int angle;             /* skipping a template <...> */
	int tangle;            /* < > depth outside parentheses (C++ template arguments) */
	int ids;               /* identifiers outside () since the last ')' */
	int ntok;              /* tokens outside () */
	int knrs;              /* ';' read as K&R parameter declarations */
	unsigned char cstate;  /* 0 no candidate, 1 in its parameters, 2 after them */
	unsigned char cqual;   /* candidate was written Class::name */
	unsigned char knr;     /* 1/2: parameters so far are a bare identifier list */
	unsigned char inknr;   /* reading K&R parameter declarations */
	unsigned char hstate;  /* 1 after struct/class..., 2 in its base list */
	unsigned char tdef;    /* a typedef */
	unsigned char eq;      /* '=' seen: a '{' now opens an initializer */
	unsigned char ext;     /* 1 after extern, 2 after extern "C" */
	unsigned char nsstate; /* after namespace */
	unsigned char tmpl;    /* after template: its <...> is skipped */
	unsigned char ctor;    /* ':' after the parameters: a constructor's initializers */
	unsigned char ustate;  /* 1 after using, 2 after using NAME, 3 done */
	unsigned char star;    /* the last tokens were "(*" */
	unsigned char p1ok;    /* the open (...) holds a single identifier so far */
	unsigned char p1valid; /* the (...) just closed held a single identifier */
	unsigned char pidqual; /* pid was written after "::" */
	unsigned char tqual;   /* a '~' came after "::" (Class::~Class) */
	unsigned char fpfn;    /* fp is followed by parameters: a function's name */
	unsigned char ltok;    /* "name<" opened the template arguments now closed */
	struct cname lt;       /* that name, for "f<int>(" */
	unsigned char prev;    /* previous token type */
	unsigned char prevkw;  /* keyword class of pid */
};

#define C_MAXSCOPE 256 /* deeper braces are skipped as opaque */
#define C_MAXSAVED 64  /* nested type bodies whose declaration resumes after them */
#define C_MAXCOND  64  /* nested #if tracked for brace balance */

struct cscope {
	long sym;             /* symbol whose end line the closing brace sets, or -1 */
	int inner;            /* plain braces open inside an opaque scope */
	unsigned char opaque; /* contents are not read for declarations */
	unsigned char resume; /* the enclosing declaration goes on after '}' */
	unsigned char cls;    /* C++ class body: functions in it are methods */
};

struct ccond {
	int nbrace, paren;    /* brace and paren depth at the #if */
	unsigned char parsed; /* some branch was read (not an "#if 0" one) */
};

struct cscan {
	struct sx *x;
	int cpp;
	int line;
	int depth;  /* scope[0..depth) */
	int lost;   /* braces opened past C_MAXSCOPE, skipped as opaque */
	int nbrace; /* every open brace, for #if/#else balance */
	int nsaved;
	int ncond, lostcond;
	struct cstmt st;
	struct cscope scope[C_MAXSCOPE];
	struct cstmt saved[C_MAXSAVED];
	struct ccond cond[C_MAXCOND];
};

static void c_reset(struct cstmt *s)
{
	memset(s, 0, sizeof(*s));
}

/* Bytes that stop the opaque-body skipper. */
static const unsigned char c_stop[256] = {
	['\n'] = 1, ['"'] = 1, ['\''] = 1, ['/'] = 1, ['{'] = 1, ['}'] = 1,
};

/*
 * Skips a C++ raw string R"delim( ... )delim"; p is at the opening quote.
 * Returns NULL when it is not one, so the caller reads an ordinary string.
 */
static const unsigned char *c_raw_string(const unsigned char *p, const unsigned char *e, int *line)
{
	const unsigned char *d = p + 1, *q;
	size_t dn;
	int l = *line;

	q = d;
	while (q < e && q - d <= 16 && *q != '(' && *q != ')' && *q != '\\' && *q != '"' &&
	       !is_hspace(*q) && *q != '\n')
		q++;
	if (q >= e || *q != '(')
		return NULL;
	dn = (size_t)(q - d);
	for (q++; q < e; q++) {
		if (*q == '\n')
			l++;
		else if (*q == ')' && (size_t)(e - q) > dn + 1 && !memcmp(q + 1, d, dn) &&
		         q[dn + 1] == '"') {
			*line = l;
			return q + dn + 2;
		}
	}
	*line = l;
	return e;
}

/* Skips the literal opened by the quote at p (string, char, raw string). */
static const unsigned char *c_literal(struct cscan *c, const unsigned char *p)
{
	const unsigned char *s = c->x->s, *e = c->x->e, *r;

	if (*p == '\'') {
		/* C++14 digit separator: 1'000'000 */
		if (c->cpp && p > s && is_digit(p[-1]) && p + 1 < e && is_idc(p[1]))
			return p + 1;
		return skip_quoted(p + 1, e, '\'', &c->line, 0);
	}
	if (c->cpp && p > s && p[-1] == 'R' &&
	    (p - 1 == s || !is_idc(p[-2]) || p[-2] == 'u' || p[-2] == 'U' || p[-2] == 'L' ||
	     p[-2] == '8')) {
		r = c_raw_string(p, e, &c->line);
		if (r)
			return r;
	}
	return skip_quoted(p + 1, e, '"', &c->line, 0);
}

/*
 * Skips to the end of a directive's logical line (backslash continuations and
 * comments included) and returns the newline that ends it, unconsumed.
 */
static const unsigned char *c_dir_end(struct cscan *c, const unsigned char *p)
{
	const unsigned char *e = c->x->e;

	while (p < e) {
		unsigned ch = *p;
		if (ch == '\n')
			break;
		if (ch == '\\') {
			if (p + 1 < e && p[1] == '\n') {
				c->line++;
				p += 2;
				continue;
			}
			if (p + 2 < e && p[1] == '\r' && p[2] == '\n') {
				c->line++;
				p += 3;
				continue;
			}
		} else if (ch == '/' && p + 1 < e && p[1] == '*') {
			p = skip_block_comment(p + 2, e, &c->line, 0);
			continue;
		} else if (ch == '/' && p + 1 < e && p[1] == '/') {
			/* a line comment may itself be continued with a backslash */
			while (p < e && *p != '\n') {
				if (*p == '\\' && p + 1 < e && p[1] == '\n') {
					c->line++;
					p++;
				}
				p++;
			}
			break;
		} else if (ch == '"' || ch == '\'') {
			p = skip_quoted(p + 1, e, ch, &c->line, 0);
			continue;
		}
		p++;
	}
	return p;
}

/*
 * Skips the lines of a conditional group nobody should read (#if 0, or the
 * #else of an #if whose first branch left braces unbalanced). Returns the '#'
 * of the directive that ends the skip - the matching #endif, or also an #else
 * or #elif when to_endif is 0 - or e.
 */
static const unsigned char *c_skip_group(struct cscan *c, const unsigned char *p, int to_endif)
{
	const unsigned char *e = c->x->e, *h, *w;
	int nest = 0;

	while (p < e) {
		p = memchr(p, '\n', (size_t)(e - p));
		if (!p)
			return e;
		p++;
		c->line++;
		h = p;
		while (h < e && (*h == ' ' || *h == '\t'))
			h++;
		if (h >= e || *h != '#')
			continue;
		w = h + 1;
		while (w < e && (*w == ' ' || *w == '\t'))
			w++;
		p = w;
		while (p < e && is_idc(*p))
			p++;
		if ((size_t)(p - w) >= 2 && w[0] == 'i' && w[1] == 'f') {
			nest++;
		} else if (word_is(w, (size_t)(p - w), "endif")) {
			if (!nest--)
				return h;
		} else if (!nest && !to_endif &&
		           ((size_t)(p - w) >= 4 &&
		            (!memcmp(w, "else", 4) || !memcmp(w, "elif", 4)))) {
			return h;
		}
	}
	return e;
}

enum { D_OTHER, D_DEFINE, D_INCLUDE, D_IF, D_ELSE, D_ENDIF };

static const struct {
	const char *w;
	size_t n;
	int d;
} c_dirs[] = {
	{ "define", 6, D_DEFINE },  { "include", 7, D_INCLUDE }, { "include_next", 12, D_INCLUDE },
	{ "import", 6, D_INCLUDE }, { "if", 2, D_IF },           { "ifdef", 5, D_IF },
	{ "ifndef", 6, D_IF },      { "elif", 4, D_ELSE },       { "elifdef", 7, D_ELSE },
	{ "elifndef", 8, D_ELSE },  { "else", 4, D_ELSE },       { "endif", 5, D_ENDIF },
};

/*
 * Handles the directive whose '#' is at p and returns the newline ending it,
 * unconsumed. #define adds a macro, #include an import; #if and #else keep
 * brace counts sane: "#if 0" groups are skipped, and so are the #else
 * branches of an #if whose first branch opened or closed braces, because the
 * branches are alternatives and reading both would count them twice.
 */
static const unsigned char *c_directive(struct cscan *c, const unsigned char *p)
{
	const unsigned char *e = c->x->e, *w, *q;
	struct ccond *cd;
	size_t i, n;
	int d;

again:
	p++;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	w = p;
	while (p < e && is_idc(*p))
		p++;
	n = (size_t)(p - w);
	d = D_OTHER;
	for (i = 0; i < sizeof(c_dirs) / sizeof(c_dirs[0]); i++)
		if (n == c_dirs[i].n && !memcmp(w, c_dirs[i].w, n)) {
			d = c_dirs[i].d;
			break;
		}
	switch (d) {
	case D_DEFINE: {
		long sym;
		p = skip_hspace(p, e);
		w = p;
		while (p < e && is_idc(*p))
			p++;
		/* "NAME(" is a function-like macro; anything else defines a constant */
		sym = p > w && !is_digit(*w)
		              ? sx_sym(c->x, w, (size_t)(p - w),
		                       p < e && *p == '(' ? "macro" : "constant", c->line)
		              : -1;
		p = c_dir_end(c, p);
		sx_end(c->x, sym, c->line);
		return p;
	}
	case D_INCLUDE:
		p = skip_hspace(p, e);
		if (p < e && (*p == '"' || *p == '<')) {
			unsigned close = *p == '"' ? '"' : '>';
			q = ++p;
			while (q < e && *q != close && *q != '\n')
				q++;
			if (q < e && *q == close)
				sx_imp(c->x, p, (size_t)(q - p), c->line, close == '"');
			p = q;
		}
		return c_dir_end(c, p);
	case D_IF:
		if (c->ncond == C_MAXCOND || c->lostcond) {
			c->lostcond++;
			break;
		}
		cd = &c->cond[c->ncond++];
		cd->nbrace = c->nbrace;
		cd->paren = c->st.paren;
		cd->parsed = 1;
		q = skip_hspace(p, e);
		if (n == 2 && q < e && *q == '0' && (q + 1 >= e || !is_idc(q[1]))) {
			cd->parsed = 0;
			p = c_skip_group(c, c_dir_end(c, p), 0);
			if (p < e)
				goto again;
			return p;
		}
		break;
	case D_ELSE:
		if (c->lostcond || !c->ncond)
			break;
		cd = &c->cond[c->ncond - 1];
		if (cd->parsed && (cd->nbrace != c->nbrace || cd->paren != c->st.paren)) {
			p = c_skip_group(c, c_dir_end(c, p), 1);
			if (p < e)
				goto again;
			return p;
		}
		cd->parsed = 1;
		break;
	case D_ENDIF:
		if (c->lostcond)
			c->lostcond--;
		else if (c->ncond)
			c->ncond--;
		break;
	}
	return c_dir_end(c, p);
}

static int c_in_class(const struct cscan *c)
{
	return c->depth > 0 && c->scope[c->depth - 1].cls;
}

/* Opens a scope at '{'; transparent ones that resume save the declaration. */
static void c_push(struct cscan *c, long sym, int opaque, int resume, int cls)
{
	struct cscope *sc;

	c->nbrace++;
	if (c->depth == C_MAXSCOPE) {
		c->lost++;
		return;
	}
	if (!opaque && resume) {
		if (c->nsaved == C_MAXSAVED)
			opaque = 1;
		else
			c->saved[c->nsaved++] = c->st;
	}
	sc = &c->scope[c->depth++];
	sc->sym = sym;
	sc->inner = 0;
	sc->opaque = (unsigned char)opaque;
	sc->resume = (unsigned char)resume;
	sc->cls = (unsigned char)cls;
	if (!opaque)
		c_reset(&c->st);
}

/* Closes the innermost scope at '}' and sets its symbol's end line. */
static void c_pop(struct cscan *c)
{
	struct cscope *sc;

	if (c->nbrace)
		c->nbrace--;
	if (c->lost) {
		c->lost--;
		return;
	}
	if (!c->depth) {
		c_reset(&c->st); /* a stray '}' */
		return;
	}
	sc = &c->scope[--c->depth];
	sx_end(c->x, sc->sym, c->line);
	if (!sc->resume)
		c_reset(&c->st);
	else if (!sc->opaque)
		c->st = c->saved[--c->nsaved];
	c->st.prev = CT_RB;
}

/* Skips opaque bodies until the scanner is back in a transparent scope. */
static const unsigned char *c_opaque(struct cscan *c, const unsigned char *p)
{
	const unsigned char *e = c->x->e, *h;
	struct cscope *sc;

	while (c->lost || (c->depth && c->scope[c->depth - 1].opaque)) {
		while (e - p >= 8 && !(c_stop[p[0]] | c_stop[p[1]] | c_stop[p[2]] | c_stop[p[3]] |
		                       c_stop[p[4]] | c_stop[p[5]] | c_stop[p[6]] | c_stop[p[7]]))
			p += 8;
		while (p < e && !c_stop[*p])
			p++;
		if (p >= e)
			return p;
		switch (*p) {
		case '\n':
			c->line++;
			p++;
			h = p;
			while (h < e && (*h == ' ' || *h == '\t'))
				h++;
			if (h < e && *h == '#')
				p = c_directive(c, h);
			break;
		case '"':
		case '\'': p = c_literal(c, p); break;
		case '/':
			if (p + 1 < e && p[1] == '*') {
				p = skip_block_comment(p + 2, e, &c->line, 0);
			} else if (p + 1 < e && p[1] == '/') {
				p = c_dir_end(c, p);
			} else {
				p++;
			}
			break;
		case '{':
			p++;
			c->nbrace++;
			if (c->lost)
				c->lost++;
			else
				c->scope[c->depth - 1].inner++;
			break;
		case '}':
			p++;
			sc = c->lost ? NULL : &c->scope[c->depth - 1];
			if (sc && sc->inner) {
				sc->inner--;
				if (c->nbrace)
					c->nbrace--;
			} else {
				c_pop(c);
			}
			break;
		}
	}
	return p;
}

/*
 * Emits the typedef the declaration names: the identifier after "(*" for
 * function pointers, else a function type's name ("typedef int fn(int);",
 * "typedef void (fn)(int);") unless another name follows its parameters.
 */
static void c_typedef(struct cscan *c)
{
	struct cstmt *s = &c->st;
	struct cname *nm = &s->last;

	if (s->fp.p)
		nm = &s->fp;
	else if (s->cstate && (!s->last.p || s->last.p <= s->cand.p))
		nm = &s->cand;

	if (nm->p)
		sx_sym(c->x, nm->p, (size_t)nm->len, "typedef", nm->line);
	s->fp.p = NULL;
	s->last.p = NULL;
}

/* An identifier (w, n bytes, keyword class kw) in a transparent scope. */
static void c_ident(struct cscan *c, const unsigned char *w, int n, int kw)
{
	struct cstmt *s = &c->st;
	struct cname nm = { w, n, c->line };

	if (s->angle)
		return;
	if (s->paren > 0) {
		if (s->paren == 1) {
			if (s->cstate == 1)
				s->knr = kw == K_NONE && s->knr == 1 ? 2 : 0;
			s->p1ok = s->prev == CT_LP && kw == K_NONE;
			if (s->p1ok)
				s->p1 = nm;
		}
		if (s->star && !s->fp.p && kw == K_NONE)
			s->fp = nm;
		s->star = 0;
		s->prev = CT_ID;
		s->pid = nm;
		s->prevkw = (unsigned char)kw;
		return;
	}
	s->ntok++;
	if (s->brk) {
		s->prev = CT_ID;
		s->prevkw = K_ATTR;
		return;
	}
	switch (kw) {
	case K_STRUCT:
	case K_UNION:
	case K_ENUM:
	case K_CLASS:
		/* "enum class Name" stays an enum */
		if (!(s->hstate == 1 && kw == K_CLASS && s->hkind && !strcmp(s->hkind, "enum"))) {
			s->hstate = 1;
			s->head.p = NULL;
			s->hkind = kw == K_STRUCT  ? "struct"
			           : kw == K_UNION ? "union"
			           : kw == K_ENUM  ? "enum"
			                           : "class";
		}
		s->ids++;
		break;
	case K_TYPEDEF: s->tdef = 1; break;
	case K_EXTERN: s->ext = 1; break;
	case K_NAMESPACE:
		s->nsstate = 1;
		s->ns.p = NULL;
		break;
	case K_TEMPLATE: s->tmpl = 1; break;
	case K_USING:
		if (s->ntok == 1)
			s->ustate = 1;
		break;
	case K_TYPE: s->ids++; break;
	case K_FINAL:
		/* "final" is a name outside class heads */
		if (s->hstate)
			break;
		/* fall through */
	case K_NONE:
		if (s->prev == CT_TILDE && w > c->x->s && w[-1] == '~') {
			nm.p--; /* a destructor keeps its '~' */
			nm.len++;
		}
		if (s->hstate == 1 && !s->tangle)
			s->head = nm;
		if (s->nsstate == 1)
			s->ns = nm;
		if (s->ustate == 1) {
			s->use = nm;
			s->ustate = 2;
		} else {
			s->ustate = 0;
		}
		if (!s->tangle)
			s->last = nm;
		s->ids++;
		kw = K_NONE;
		break;
	default: break;
	}
	s->pidqual = s->prev == CT_DCOLON || (s->prev == CT_TILDE && s->tqual);
	s->prev = CT_ID;
	s->pid = nm;
	s->prevkw = (unsigned char)kw;
}

/* Any token but an identifier, '{' and '}' in a transparent scope. */
static void c_token(struct cscan *c, int t)
{
	struct cstmt *s = &c->st;

	if (s->angle) {
		if (t == CT_LT)
			s->angle++;
		else if (t == CT_GT && !--s->angle)
			s->prev = CT_GT;
		return;
	}
	if (s->paren > 0) {
		/* K&R parameters are identifiers and commas only */
		if (s->paren == 1 && s->cstate == 1 && t != CT_RP)
			s->knr = t == CT_COMMA && s->knr == 2 ? 1 : 0;
		if (t == CT_LP) {
			/* int (*name(args))(int) { - a function returning a function pointer */
			if (s->paren == 1 && s->prev == CT_ID && s->fp.p && s->fp.p == s->pid.p)
				s->fpfn = 1;
			s->paren++;
		} else if (t == CT_RP) {
			if (!--s->paren) {
				if (s->cstate == 1)
					s->cstate = 2;
				s->ids = 0;
				s->p1valid = s->p1ok;
			}
		}
		if (t != CT_RP)
			s->p1ok = 0;
		s->star = t == CT_STAR && s->prev == CT_LP;
		s->prev = (unsigned char)t;
		return;
	}
	s->ntok++;
	switch (t) {
	case CT_LP:
		if (s->brk)
			break;
		if (s->prev == CT_ID && s->prevkw == K_NONE) {
			/* "__printf(1, 2) int f(" replaces the candidate; "f(x) __acquires(l)" does not */
			if (s->cstate == 0 || (s->cstate == 2 && s->ids >= 2 && !s->ctor)) {
				s->cand = s->pid;
				s->cqual = s->pidqual;
				s->cstate = 1;
				s->knr = 1;
				s->inknr = 0;
				s->ctor = 0;
			}
		} else if (s->prev == CT_GT && s->ltok && s->cstate == 0) {
			s->cand = s->lt; /* template <> void f<int>(int) */
			s->cqual = s->pidqual;
			s->cstate = 1;
			s->knr = 0;
		} else if (s->prev == CT_RP && s->p1valid && s->cstate == 0) {
			s->cand = s->p1; /* int (name)(args) */
			s->cqual = 0;
			s->cstate = 1;
			s->knr = 0;
		}
		if (s->hstate == 1 && !(s->prev == CT_ID && s->prevkw == K_ATTR))
			s->hstate = 0;
		if (s->prev == CT_ID && s->prevkw == K_ATTR && s->last.p == s->pid.p)
			s->last.p = NULL;
		s->paren = 1;
		s->p1ok = 0;
		s->star = 0;
		break;
	case CT_RP: break;
	case CT_STAR:
		if (s->hstate == 1)
			s->hstate = 0;
		break;
	case CT_EQ:
		if (s->brk)
			break;
		s->eq = 1;
		s->hstate = 0;
		if (s->ustate == 2) {
			sx_sym(c->x, s->use.p, (size_t)s->use.len, "typedef", s->use.line);
			s->ustate = 3;
		}
		if (s->inknr) {
			s->inknr = 0;
			s->cstate = 0;
		}
		break;
	case CT_COMMA:
		if (s->brk || s->tangle)
			break;
		if (s->tdef)
			c_typedef(c);
		if (!s->ctor && s->cstate == 2)
			s->cstate = 0;
		if (s->hstate == 1)
			s->hstate = 0;
		break;
	case CT_COLON:
		if (s->brk)
			break;
		if (s->hstate == 1) {
			s->hstate = 2;
		} else if (s->cstate == 2 && c->cpp) {
			s->ctor = 1;
		} else if (s->prev == CT_ID && s->prevkw == K_ACCESS) {
			c_reset(s);
			return;
		}
		break;
	case CT_LT:
		if (!c->cpp)
			break;
		if (s->tmpl) {
			s->angle = 1;
			s->tmpl = 0;
		} else if (s->hstate == 1) {
			s->angle = 1;
		} else {
			if (!s->tangle++ && s->prev == CT_ID && s->prevkw == K_NONE)
				s->lt = s->pid;
			else if (s->tangle == 1)
				s->lt.p = NULL;
		}
		break;
	case CT_GT:
		if (s->tangle && !--s->tangle && s->lt.p) {
			s->prev = CT_GT;
			s->ltok = 1;
			s->star = 0;
			return;
		}
		break;
	case CT_TILDE: s->tqual = s->prev == CT_DCOLON; break;
	case CT_LBRK: s->brk++; break;
	case CT_RBRK:
		if (s->brk)
			s->brk--;
		break;
	case CT_STR:
		if (s->prev == CT_ID && s->prevkw == K_EXTERN)
			s->ext = 2;
		break;
	case CT_DCOLON: break;
	default:
		if (s->hstate == 1)
			s->hstate = 0;
		break;
	}
	s->star = 0;
	s->ltok = 0;
	s->prev = (unsigned char)t;
}

static void c_semi(struct cscan *c)
{
	struct cstmt *s = &c->st;

	if (s->tdef && !s->paren)
		c_typedef(c);
	/* int f(a, b) int a; char *b; { - K&R parameter declarations */
	if (s->cstate == 2 && s->knr == 2 && !s->paren && !s->eq && !s->tdef && s->prev != CT_RP &&
	    s->prev != CT_RB && s->knrs < 32) {
		struct cname cand = s->cand;
		int knrs = s->knrs + 1;
		c_reset(s);
		s->cand = cand;
		s->cstate = 2;
		s->knr = 2;
		s->inknr = 1;
		s->knrs = knrs;
		s->prev = CT_SEMI;
		return;
	}
	c_reset(s);
	s->prev = CT_SEMI;
}

/* '{' in a transparent scope: decides what the braces hold. */
static void c_lbrace(struct cscan *c)
{
	struct cstmt *s = &c->st;
	long sym;

	s->angle = 0;
	s->tmpl = 0;
	if (s->paren || s->brk) {
		c_push(c, -1, 1, 1, 0);
	} else if (s->ext == 2 && s->prev == CT_STR) {
		c_push(c, -1, 0, 0, 0); /* extern "C" { */
	} else if (s->nsstate) {
		sym = s->ns.p ? sx_sym(c->x, s->ns.p, (size_t)s->ns.len, "namespace", s->ns.line)
		              : -1;
		c_push(c, sym, 0, 0, 0);
	} else if (s->hstate) {
		const char *kind = s->hkind;
		sym = s->head.p ? sx_sym(c->x, s->head.p, (size_t)s->head.len, kind, s->head.line)
		                : -1;
		s->hstate = 0;
		s->last.p = NULL;
		s->cstate = 0;
		s->inknr = 0;
		s->prev = CT_RB;
		if (!strcmp(kind, "enum"))
			c_push(c, sym, 1, 1, 0);
		else
			c_push(c, sym, 0, 1, c->cpp);
	} else if (s->eq) {
		c_push(c, -1, 1, 1, 0);
	} else if (s->cstate == 2 && !(s->ctor && (s->prev == CT_ID || s->prev == CT_GT))) {
		const char *kind = s->cqual || c_in_class(c) ? "method" : "function";
		sym = sx_sym(c->x, s->cand.p, (size_t)s->cand.len, kind, s->cand.line);
		c_push(c, sym, 1, 0, 0);
	} else if (s->cstate == 2) {
		c_push(c, -1, 1, 1, 0); /* Ctor() : member{init} */
	} else if (s->fpfn && !s->cstate) {
		sym = sx_sym(c->x, s->fp.p, (size_t)s->fp.len,
		             c_in_class(c) ? "method" : "function", s->fp.line);
		c_push(c, sym, 1, 0, 0);
	} else {
		c_push(c, -1, 1, 0, 0);
	}
}

/*
 * For "operator": returns the end of the operator's name ("operator==",
 * "operator()", "operator new[]"), the '(' of its parameters, or NULL.
 */
static const unsigned char *c_operator(const unsigned char *p, const unsigned char *e)
{
	const unsigned char *lim = e - p > 64 ? p + 64 : e;

	p = skip_hspace(p, lim);
	if (p < lim && *p == '(') {
		p = skip_hspace(p + 1, lim);
		if (p >= lim || *p != ')')
			return NULL;
		p++;
	}
	while (p < lim && *p != '(') {
		if (*p == ';' || *p == '{' || *p == '}' || *p == '\n')
			return NULL;
		p++;
	}
	return p < lim ? p : NULL;
}

static void scan_c(struct sx *x, int cpp)
{
	struct cscan cs, *c = &cs;
	const unsigned char *p = x->s, *e = x->e, *w;
	int bol = 1;

	pthread_once(&ckw_once, ckw_init);
	c->x = x;
	c->cpp = cpp;
	c->line = 1;
	c->depth = c->lost = c->nbrace = c->nsaved = c->ncond = c->lostcond = 0;
	c_reset(&c->st);
	while (p < e) {
		unsigned ch;

		if (c->lost || (c->depth && c->scope[c->depth - 1].opaque)) {
			p = c_opaque(c, p);
			bol = 0;
			continue;
		}
		ch = *p;
		if (ch == '\n') {
			c->line++;
			bol = 1;
			p++;
			continue;
		}
		if (is_hspace(ch)) {
			p++;
			continue;
		}
		if (ch == '#' && bol) {
			p = c_directive(c, p);
			continue;
		}
		bol = 0;
		if (is_alpha(ch) || ch == '_') {
			int kw;
			w = p;
			while (p < e && is_idc(*p))
				p++;
			if (p < e && (*p == '"' || *p == '\'') && p - w <= 3) {
				/* an encoding prefix: L"x", u8"x", R"(x)" */
				p = c_literal(c, p);
				c_token(c, CT_STR);
				continue;
			}
			kw = c_kw(w, (size_t)(p - w), cpp);
			if (kw == K_OPERATOR) {
				const unsigned char *q = c_operator(p, e);
				if (q) {
					p = q;
					kw = K_NONE;
				}
			}
			c_ident(c, w, (int)(p - w), kw);
			continue;
		}
		if (is_digit(ch)) {
			while (p < e && (is_idc(*p) || *p == '.' ||
			                 (*p == '\'' && cpp && p + 1 < e && is_idc(p[1]))))
				p++;
			c_token(c, CT_OTHER);
			continue;
		}
		switch (ch) {
		case '"':
		case '\'':
			p = c_literal(c, p);
			c_token(c, ch == '"' ? CT_STR : CT_OTHER);
			continue;
		case '/':
			if (p + 1 < e && p[1] == '*') {
				p = skip_block_comment(p + 2, e, &c->line, 0);
				continue;
			}
			if (p + 1 < e && p[1] == '/') {
				p = c_dir_end(c, p);
				continue;
			}
			c_token(c, CT_OTHER);
			break;
		case '{': c_lbrace(c); break;
		case '}': c_pop(c); break;
		case ';': c_semi(c); break;
		case '(': c_token(c, CT_LP); break;
		case ')': c_token(c, CT_RP); break;
		case ',': c_token(c, CT_COMMA); break;
		case '*': c_token(c, CT_STAR); break;
		case '~': c_token(c, CT_TILDE); break;
		case '[': c_token(c, CT_LBRK); break;
		case ']': c_token(c, CT_RBRK); break;
		case '<': c_token(c, CT_LT); break;
		case '>': c_token(c, CT_GT); break;
		case ':':
			if (p + 1 < e && p[1] == ':') {
				p++;
				c_token(c, CT_DCOLON);
			} else {
				c_token(c, CT_COLON);
			}
			break;
		case '=':
			if (p + 1 < e && p[1] == '=') {
				p++;
				c_token(c, CT_OTHER);
			} else {
				c_token(c, CT_EQ);
			}
			break;
		case '-':
			if (p + 1 < e && p[1] == '>')
				p++; /* "->" is no '>' */
			c_token(c, CT_OTHER);
			break;
		case '!':
		case '+':
		case '%':
		case '^':
		case '|':
		case '&':
			/* compound assignment and comparison operators are no '=' */
			if (p + 1 < e && p[1] == '=')
				p++;
			c_token(c, CT_OTHER);
			break;
		default: c_token(c, CT_OTHER); break;
		}
		p++;
	}
}

/* ------------------------------------------------------------------------ */
/* Python                                                                    */
/* ------------------------------------------------------------------------ */

#define PY_MAXBLK 128

struct pyblk {
	long sym;
	int indent;
	int cls; /* a class body: functions in it are methods */
};

/* Does the physical line at p open a def or class (after its indentation)? */
static int py_def_line(const unsigned char *p, const unsigned char *e)
{
	p = skip_hspace(p, e);
	if (e - p > 6 && !memcmp(p, "async", 5) && is_hspace(p[5]))
		p = skip_hspace(p + 5, e);
	if (e - p > 4 && !memcmp(p, "def", 3) && is_hspace(p[3]))
		return 1;
	return e - p > 6 && !memcmp(p, "class", 5) && is_hspace(p[5]);
}

/* Skips a string literal at the quote p (triple-quoted ones span lines). */
static const unsigned char *py_string(const unsigned char *p, const unsigned char *e, int *line)
{
	unsigned q = *p;

	if (e - p >= 3 && p[1] == q && p[2] == q) {
		for (p += 3; p < e; p++) {
			if (*p == '\\') {
				if (p + 1 < e && p[1] == '\n')
					(*line)++;
				p++;
			} else if (*p == '\n') {
				(*line)++;
			} else if (*p == q && e - p >= 3 && p[1] == q && p[2] == q) {
				return p + 3;
			}
		}
		return e;
	}
	return skip_quoted(p + 1, e, q, line, 0);
}

/*
 * Finds the end of the logical line starting at p: the newline outside
 * brackets, strings and backslash continuations. Returns it unconsumed, with
 * *line its line. An unclosed bracket is given up at a line opening a def or
 * class, which no expression can hold.
 */
static const unsigned char *py_logical_end(const unsigned char *p, const unsigned char *e,
                                           int *line)
{
	int depth = 0;

	while (p < e) {
		switch (*p) {
		case '\n':
			if (!depth || py_def_line(p + 1, e))
				return p;
			(*line)++;
			p++;
			break;
		case '#':
			while (p < e && *p != '\n')
				p++;
			break;
		case '\\':
			if (p + 1 < e && p[1] == '\n') {
				(*line)++;
				p += 2;
			} else if (p + 2 < e && p[1] == '\r' && p[2] == '\n') {
				(*line)++;
				p += 3;
			} else {
				p++;
			}
			break;
		case '(':
		case '[':
		case '{':
			depth++;
			p++;
			break;
		case ')':
		case ']':
		case '}':
			if (depth)
				depth--;
			p++;
			break;
		case '\'':
		case '"': p = py_string(p, e, line); break;
		default: p++; break;
		}
	}
	return p;
}

/* Skips blanks, tabs and backslash-newlines inside one logical line. */
static const unsigned char *py_gap(const unsigned char *p, const unsigned char *e)
{
	for (;;) {
		p = skip_hspace(p, e);
		if (p < e && *p == '\\' && p + 1 < e && p[1] == '\n')
			p += 2;
		else
			return p;
	}
}

/* Reads a dotted module name ("a.b.c", "..m", ".") at p. */
static const unsigned char *py_dotted(const unsigned char *p, const unsigned char *e)
{
	while (p < e && (is_uidc(*p) || *p == '.'))
		p++;
	return p;
}

/* "import a.b as c, d" or "from ..m import y": adds the modules named. */
static void py_import(struct sx *x, const unsigned char *p, const unsigned char *e, int from,
                      int line)
{
	const unsigned char *w;

	if (from) {
		w = p = py_gap(p, e);
		p = py_dotted(p, e);
		if (p > w)
			sx_imp(x, w, (size_t)(p - w), line, *w == '.');
		return;
	}
	for (;;) {
		w = p = py_gap(p, e);
		p = py_dotted(p, e);
		if (p == w)
			return;
		sx_imp(x, w, (size_t)(p - w), line, *w == '.');
		p = py_gap(p, e);
		if (e - p > 3 && p[0] == 'a' && p[1] == 's' && is_hspace(p[2])) {
			p = py_gap(p + 2, e);
			while (p < e && is_uidc(*p))
				p++;
			p = py_gap(p, e);
		}
		if (p >= e || *p != ',')
			return;
		p++;
	}
}

static void scan_py(struct sx *x)
{
	const unsigned char *p = x->s, *e = x->e, *q, *w, *stmt;
	struct pyblk blk[PY_MAXBLK];
	int nblk = 0, line = 1, last = 1, indent, l0;

	while (p < e) {
		indent = 0;
		for (q = p; q < e && (*q == ' ' || *q == '\t' || *q == '\f'); q++)
			indent = *q == '\t' ? (indent / 8 + 1) * 8 : *q == ' ' ? indent + 1 : 0;
		if (q < e && *q == '\r' && (q + 1 == e || q[1] == '\n'))
			q++;
		if (q >= e)
			break;
		if (*q == '\n' || *q == '#') {
			/* blank and comment lines close nothing */
			q = memchr(q, '\n', (size_t)(e - q));
			if (!q)
				break;
			p = q + 1;
			line++;
			continue;
		}
		while (nblk && blk[nblk - 1].indent >= indent) {
			nblk--;
			sx_end(x, blk[nblk].sym, last);
		}
		l0 = line;
		stmt = q;
		w = q;
		while (q < e && is_uidc(*q))
			q++;
		if (word_is(w, (size_t)(q - w), "async") && q < e && is_hspace(*q)) {
			w = q = skip_hspace(q, e);
			while (q < e && is_uidc(*q))
				q++;
		}
		p = py_logical_end(stmt, e, &line);
		/* a string left open runs to the end: its last line is the last with text */
		last = p == e && e[-1] == '\n' && line > l0 ? line - 1 : line;
		if (q < e && is_hspace(*q) &&
		    (word_is(w, (size_t)(q - w), "def") || word_is(w, (size_t)(q - w), "class"))) {
			int cls = *w == 'c';
			const char *kind = cls                         ? "class"
			                   : nblk && blk[nblk - 1].cls ? "method"
			                                               : "function";
			long sym;
			w = q = skip_hspace(q, e);
			while (q < e && is_uidc(*q))
				q++;
			sym = sx_sym(x, w, (size_t)(q - w), kind, l0);
			sx_end(x, sym, last);
			if (nblk < PY_MAXBLK) {
				blk[nblk].sym = sym;
				blk[nblk].indent = indent;
				blk[nblk].cls = cls;
				nblk++;
			}
		} else if (q < e && is_hspace(*q) && word_is(w, (size_t)(q - w), "import")) {
			py_import(x, q, p, 0, l0);
		} else if (q < e && is_hspace(*q) && word_is(w, (size_t)(q - w), "from")) {
			py_import(x, q, p, 1, l0);
		}
		if (p < e) {
			p++;
			line++;
		}
	}
	while (nblk) {
		nblk--;
		sx_end(x, blk[nblk].sym, last);
	}
}

/* ------------------------------------------------------------------------ */
/* Ruby                                                                      */
/* ------------------------------------------------------------------------ */

/*
 * Ruby blocks close with "end"; conventional indentation pairs each "end"
 * with its opener, which spares tracking every if/do/begin in between.
 */

#define RB_MAXBLK 128

struct rbblk {
	long sym;
	int indent;
	int cls; /* class or module: defs in it are methods */
};

/* The newline ending the line at p, or e. */
static const unsigned char *line_end(const unsigned char *p, const unsigned char *e)
{
	const unsigned char *q = memchr(p, '\n', (size_t)(e - p));

	return q ? q : e;
}

/* Does the line [p, e) end with the word "end" (a one-line definition)? */
static int rb_ends_line(const unsigned char *p, const unsigned char *e)
{
	while (e > p && is_hspace(e[-1]))
		e--;
	return e - p >= 4 && !memcmp(e - 3, "end", 3) && !is_uidc(e[-4]);
}

static void scan_ruby(struct sx *x)
{
	const unsigned char *p = x->s, *e = x->e, *q, *w, *eol;
	struct rbblk blk[RB_MAXBLK];
	int nblk = 0, line = 0, indent, nclass = 0;
	size_t n;

	for (; p < e; p = eol + (eol < e)) {
		line++;
		eol = line_end(p, e);
		if (eol - p >= 6 && !memcmp(p, "=begin", 6)) {
			while (eol < e) {
				p = eol + 1;
				line++;
				eol = line_end(p, e);
				if (eol - p >= 4 && !memcmp(p, "=end", 4))
					break;
			}
			continue;
		}
		indent = 0;
		for (q = p; q < eol && (*q == ' ' || *q == '\t'); q++)
			indent = *q == '\t' ? (indent / 8 + 1) * 8 : indent + 1;
		w = q;
		while (q < eol && is_uidc(*q))
			q++;
		n = (size_t)(q - w);
		if (word_is(w, n, "end") && (q == eol || !is_uidc(*q))) {
			while (nblk && blk[nblk - 1].indent > indent)
				nclass -= blk[--nblk].cls;
			if (nblk && blk[nblk - 1].indent == indent) {
				nblk--;
				nclass -= blk[nblk].cls;
				sx_end(x, blk[nblk].sym, line);
			}
			continue;
		}
		if ((word_is(w, n, "private") || word_is(w, n, "protected") ||
		     word_is(w, n, "public") || word_is(w, n, "module_function")) &&
		    q < eol && is_hspace(*q)) {
			w = q = skip_hspace(q, eol);
			while (q < eol && is_uidc(*q))
				q++;
			n = (size_t)(q - w);
		}
		if (q < eol && !is_hspace(*q) && *q != '(' && *q != '\'' && *q != '"')
			continue;
		if (word_is(w, n, "def")) {
			const unsigned char *nm;
			long sym;
			q = skip_hspace(q, eol);
			if (eol - q > 5 && !memcmp(q, "self.", 5))
				q += 5;
			nm = q;
			while (q < eol && !is_hspace(*q) && *q != '(' && *q != ';' && *q != '#')
				q++;
			sym = sx_sym(x, nm, (size_t)(q - nm), nclass ? "method" : "function", line);
			q = skip_hspace(q, eol);
			if (q < eol && *q == '(') {
				while (q < eol && *q != ')')
					q++;
				q = skip_hspace(q + (q < eol), eol);
			}
			/* one-line and endless definitions have no "end" of their own */
			if (rb_ends_line(w, eol) ||
			    (q < eol && *q == '=' && (q + 1 == eol || q[1] != '=')))
				continue;
			if (nblk < RB_MAXBLK) {
				blk[nblk].sym = sym;
				blk[nblk].indent = indent;
				blk[nblk].cls = 0;
				nblk++;
			}
		} else if (word_is(w, n, "class") || word_is(w, n, "module")) {
			const unsigned char *seg;
			long sym = -1;
			q = seg = skip_hspace(q, eol);
			while (q < eol && (is_uidc(*q) || *q == ':')) {
				if (*q == ':')
					seg = q + 1; /* Outer::Inner names Inner */
				q++;
			}
			if (q > seg)
				sym = sx_sym(x, seg, (size_t)(q - seg),
				             *w == 'c' ? "class" : "module", line);
			if (rb_ends_line(w, eol))
				continue;
			/* "class << self" has no name but still ends with "end" */
			if (nblk < RB_MAXBLK) {
				blk[nblk].sym = sym;
				blk[nblk].indent = indent;
				blk[nblk].cls = 1;
				nblk++;
				nclass++;
			}
		} else if (word_is(w, n, "require") || word_is(w, n, "require_relative") ||
		           word_is(w, n, "load")) {
			int rel = n == 16;
			q = skip_hspace(q, eol);
			if (q < eol && *q == '(')
				q = skip_hspace(q + 1, eol);
			if (q < eol && (*q == '\'' || *q == '"')) {
				unsigned quote = *q++;
				const unsigned char *t = q;
				while (q < eol && *q != quote)
					q++;
				if (q < eol)
					sx_imp(x, t, (size_t)(q - t), line, rel || *t == '.');
			}
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Make                                                                      */
/* ------------------------------------------------------------------------ */

/* Special targets such as .PHONY are settings, not definitions. */
static int mk_special(const unsigned char *w, size_t n)
{
	return n >= 2 && w[0] == '.' && w[1] >= 'A' && w[1] <= 'Z';
}

/* Adds one import per word of an include line, [p, eol). */
static void mk_include(struct sx *x, const unsigned char *p, const unsigned char *eol, int line)
{
	const unsigned char *w;

	for (;;) {
		p = skip_hspace(p, eol);
		if (p >= eol || *p == '#' || *p == '\\')
			return;
		w = p;
		while (p < eol && !is_hspace(*p))
			p++;
		sx_imp(x, w, (size_t)(p - w), line, 1);
	}
}

static void scan_make(struct sx *x)
{
	const unsigned char *p = x->s, *e = x->e, *q, *w, *eol, *colon;
	long t0 = -1, t1 = -1; /* targets of the rule whose recipe may follow */
	int line = 0, cont = 0, recipe = 0, was;
	size_t n;

	for (; p < e; p = eol + (eol < e)) {
		line++;
		eol = line_end(p, e);
		was = cont;
		q = eol;
		while (q > p && is_hspace(q[-1]))
			q--;
		cont = q > p && q[-1] == '\\';
		if (was || (*p == '\t' && t0 >= 0)) {
			/* continuation and recipe lines belong to the rule above */
			if ((was && recipe) || !was) {
				recipe = 1;
				for (long i = t0; i >= 0 && i <= t1; i++)
					sx_end(x, i, line);
			}
			continue;
		}
		recipe = 0;
		w = q = skip_hspace(p, eol);
		while (q < eol && *q != ':' && *q != '=' && *q != '#' && !is_hspace(*q))
			q++;
		n = (size_t)(q - w);
		if (n == 6 && !memcmp(w, "define", 6)) {
			long sym;
			const unsigned char *nm = q = skip_hspace(q, eol);
			while (q < eol && !is_hspace(*q) && *q != '=')
				q++;
			sym = sx_sym(x, nm, (size_t)(q - nm), "macro", line);
			while (eol < e) {
				p = eol + 1;
				line++;
				eol = line_end(p, e);
				q = skip_hspace(p, eol);
				if (eol - q >= 5 && !memcmp(q, "endef", 5))
					break;
			}
			sx_end(x, sym, line);
			t0 = -1;
			continue;
		}
		if (word_is(w, n, "include") || word_is(w, n, "-include") ||
		    word_is(w, n, "sinclude")) {
			mk_include(x, q, eol, line);
			t0 = -1;
			continue;
		}
		if (w != p || w == eol || *w == '#')
			continue;
		/* a rule has a ':' before any '=' outside $(...) */
		colon = NULL;
		{
			int depth = 0;
			for (q = p; q < eol && !colon; q++) {
				if (*q == '$' && q + 1 < eol && (q[1] == '(' || q[1] == '{')) {
					depth++;
					q++;
				} else if (depth && (*q == ')' || *q == '}')) {
					depth--;
				} else if (!depth && (*q == '=' || *q == '#' || *q == ';')) {
					break;
				} else if (!depth && *q == ':') {
					if (q + 1 < eol && q[1] == '=')
						break;
					if (q + 2 < eol && q[1] == ':' && q[2] == '=')
						break;
					colon = q;
				}
			}
		}
		if (!colon) {
			t0 = -1;
			continue;
		}
		t0 = t1 = -1;
		for (q = p; q < colon;) {
			long sym;
			q = skip_hspace(q, colon);
			w = q;
			while (q < colon && !is_hspace(*q))
				q++;
			n = (size_t)(q - w);
			if (!n || memchr(w, '$', n) || mk_special(w, n))
				continue;
			sym = sx_sym(x, w, n, "target", line);
			if (sym >= 0) {
				if (t0 < 0)
					t0 = sym;
				t1 = sym;
			}
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Shell                                                                     */
/* ------------------------------------------------------------------------ */

/*
 * A word-level scanner: quotes, $(...), ${...} and here-documents are skipped
 * so that only '{' and '}' standing as words count as braces. A function is
 * "name()" or "function name" in command position followed by its body.
 */

#define SH_MAXFN 64
#define SH_MAXHD 8

struct shdoc {
	const unsigned char *w; /* terminator word */
	size_t n;
	int tabs; /* "<<-": leading tabs before the terminator are allowed */
};

/* Skips the balanced (...) or {...} opened just before p, quotes included. */
static const unsigned char *sh_group(const unsigned char *p, const unsigned char *e, unsigned open,
                                     unsigned close, int *line)
{
	int depth = 1;

	while (p < e) {
		unsigned c = *p;
		if (c == '\n') {
			(*line)++;
		} else if (c == '\\') {
			if (p + 1 < e && p[1] == '\n')
				(*line)++;
			p += p + 1 < e ? 2 : 1;
			continue;
		} else if (c == '\'') {
			p = skip_quoted(p + 1, e, '\'', line, 1);
			continue;
		} else if (c == '"') {
			p = skip_quoted(p + 1, e, '"', line, 1);
			continue;
		} else if (c == open) {
			depth++;
		} else if (c == close && !--depth) {
			return p + 1;
		}
		p++;
	}
	return p;
}

/* Skips one word from p: plain bytes, quotes and expansions; sets *plain. */
static const unsigned char *sh_word(const unsigned char *p, const unsigned char *e, int *line,
                                    int *plain)
{
	*plain = 1;
	while (p < e) {
		unsigned c = *p;
		if (is_hspace(c) || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' ||
		    c == ')' || c == '<' || c == '>')
			break;
		if (c == '\'' || c == '"' || c == '`') {
			*plain = 0;
			p = skip_quoted(p + 1, e, c, line, 1);
		} else if (c == '\\') {
			*plain = 0;
			if (p + 1 < e && p[1] == '\n')
				(*line)++;
			p += p + 1 < e ? 2 : 1;
		} else if (c == '$' && p + 1 < e && (p[1] == '(' || p[1] == '{')) {
			*plain = 0;
			p = sh_group(p + 2, e, p[1], p[1] == '(' ? ')' : '}', line);
		} else if (c == '$' && p + 1 < e && p[1] == '\'') {
			*plain = 0;
			p = skip_quoted(p + 2, e, '\'', line, 1);
		} else {
			p++;
		}
	}
	return p;
}

/* Skips the bodies of here-documents queued on the line that just ended. */
static const unsigned char *sh_heredocs(const unsigned char *p, const unsigned char *e,
                                        struct shdoc *hd, int nhd, int *line)
{
	const unsigned char *eol, *q;
	int i;

	for (i = 0; i < nhd && p < e; i++) {
		for (; p < e; p = eol + (eol < e)) {
			eol = line_end(p, e);
			q = p;
			if (hd[i].tabs)
				while (q < eol && *q == '\t')
					q++;
			(*line)++;
			if ((size_t)(eol - q) >= hd[i].n && !memcmp(q, hd[i].w, hd[i].n) &&
			    (eol - q == (long)hd[i].n ||
			     (eol - q == (long)hd[i].n + 1 && eol[-1] == '\r'))) {
				p = eol + (eol < e);
				break;
			}
		}
	}
	return p;
}

static const char *const sh_keep_cmd[] = {
	"then", "do", "else", "elif", "if", "while", "until", "time", "!", "exec", "command",
};

static void scan_sh(struct sx *x)
{
	const unsigned char *p = x->s, *e = x->e, *w, *q;
	struct {
		long sym;
		int depth;
	} fn[SH_MAXFN];
	struct shdoc hd[SH_MAXHD];
	struct cname pend = { NULL, 0, 0 };
	int line = 1, cmd = 1, depth = 0, nfn = 0, nhd = 0, plain;
	enum { SH_NONE, SH_FNKW, SH_SRC, SH_BODY } want = SH_NONE;
	size_t i, n;

	while (p < e) {
		unsigned c = *p;
		if (c == '\n') {
			line++;
			p++;
			if (nhd) {
				p = sh_heredocs(p, e, hd, nhd, &line);
				nhd = 0;
			}
			cmd = 1;
			if (want != SH_BODY)
				want = SH_NONE;
			continue;
		}
		if (is_hspace(c)) {
			p++;
			continue;
		}
		if (c == '#') {
			p = line_end(p, e);
			continue;
		}
		if (c == ';' || c == '&' || c == '|' || c == '(' || c == ')') {
			if (c == '(' && want == SH_BODY) {
				/* name() ( subshell body ) */
				sx_sym(x, pend.p, (size_t)pend.len, "function", pend.line);
			}
			want = SH_NONE;
			cmd = 1;
			p++;
			continue;
		}
		if (c == '<' && p + 1 < e && p[1] == '<') {
			int tabs = 0;
			if (p + 2 < e && p[2] == '<') {
				p += 3;
				continue;
			}
			p += 2;
			if (p < e && *p == '-') {
				tabs = 1;
				p++;
			}
			p = skip_hspace(p, e);
			if (p < e && (*p == '\'' || *p == '"'))
				p++;
			else if (p < e && *p == '\\')
				p++;
			w = p;
			while (p < e && (is_idc(*p) || *p == '-' || *p == '.' || *p == '!'))
				p++;
			/* "(( x << 2 ))" shifts; a here-document word starts otherwise */
			if (p > w && !is_digit(*w) && nhd < SH_MAXHD) {
				hd[nhd].w = w;
				hd[nhd].n = (size_t)(p - w);
				hd[nhd].tabs = tabs;
				nhd++;
			}
			if (p < e && (*p == '\'' || *p == '"'))
				p++;
			continue;
		}
		if (c == '<' || c == '>') {
			p++;
			continue;
		}
		if (c == '{' && (cmd || want == SH_BODY) &&
		    (p + 1 == e || is_hspace(p[1]) || p[1] == '\n')) {
			depth++;
			if (want == SH_BODY && nfn < SH_MAXFN) {
				fn[nfn].sym =
				        sx_sym(x, pend.p, (size_t)pend.len, "function", pend.line);
				fn[nfn].depth = depth;
				nfn++;
			}
			want = SH_NONE;
			cmd = 1;
			p++;
			continue;
		}
		if (c == '}' && cmd &&
		    (p + 1 == e || is_hspace(p[1]) || p[1] == '\n' || p[1] == ';' || p[1] == ')' ||
		     p[1] == '&' || p[1] == '|')) {
			if (nfn && fn[nfn - 1].depth == depth) {
				nfn--;
				sx_end(x, fn[nfn].sym, line);
			}
			if (depth)
				depth--;
			cmd = 0;
			p++;
			continue;
		}
		w = p;
		p = sh_word(p, e, &line, &plain);
		if (p == w) {
			p++;
			continue;
		}
		n = (size_t)(p - w);
		if (!cmd) {
			continue;
		}
		if (want == SH_FNKW) {
			pend.p = w;
			pend.len = (int)n;
			pend.line = line;
			want = SH_BODY;
			q = skip_hspace(p, e);
			if (q + 1 < e && *q == '(' && skip_hspace(q + 1, e) < e &&
			    *skip_hspace(q + 1, e) == ')')
				p = skip_hspace(q + 1, e) + 1;
			continue;
		}
		if (want == SH_SRC) {
			const unsigned char *t = w;
			size_t tn = n;
			if (tn >= 2 && (*t == '"' || *t == '\'') && t[tn - 1] == *t) {
				t++;
				tn -= 2;
			}
			sx_imp(x, t, tn, line, tn && *t != '/');
			want = SH_NONE;
			cmd = 0;
			continue;
		}
		want = SH_NONE;
		if (plain && word_is(w, n, "function")) {
			want = SH_FNKW;
			continue;
		}
		if (plain && (word_is(w, n, "source") || word_is(w, n, "."))) {
			want = SH_SRC;
			continue;
		}
		for (i = 0; i < sizeof(sh_keep_cmd) / sizeof(sh_keep_cmd[0]); i++)
			if (plain && word_is(w, n, sh_keep_cmd[i]))
				break;
		if (i < sizeof(sh_keep_cmd) / sizeof(sh_keep_cmd[0]))
			continue;
		cmd = 0;
		/* name () */
		q = skip_hspace(p, e);
		if (plain && q < e && *q == '(') {
			q = skip_hspace(q + 1, e);
			if (q < e && *q == ')') {
				pend.p = w;
				pend.len = (int)n;
				pend.line = line;
				want = SH_BODY;
				cmd = 1;
				p = q + 1;
			}
		}
	}
}

/* ------------------------------------------------------------------------ */
/* A shared lexer for Go, Rust, Java, JavaScript and TypeScript              */
/* ------------------------------------------------------------------------ */

/*
 * The lexer skips comments and literals (each language's own kinds: Rust's
 * nested comments, raw strings and lifetimes, Go's raw strings, Java's text
 * blocks, JavaScript's templates and regular expressions) and hands the
 * parsers identifiers, strings and punctuation with their line. Parsers
 * therefore never see a brace inside a string.
 */

enum { TK_EOF, TK_ID, TK_STR, TK_NUM, TK_OP };
enum { OP_DCOLON = 256, OP_ARROW, OP_FAT, OP_LIFETIME };

struct tok {
	int t;                  /* TK_* */
	int c;                  /* TK_OP: the character, or OP_* */
	const unsigned char *p; /* TK_ID: the name; TK_STR: the contents */
	int n;
	int line; /* where the token starts */
	int nl;   /* a newline separates it from the token before */
};

#define LX_MAXTMPL  32
#define LX_MAXREGEX 1024 /* longest regular expression literal looked for */

struct lex {
	const unsigned char *s, *p, *e;
	enum lang l;
	int line;
	int nl;
	struct tok prev;              /* the token returned last, for regex detection */
	const unsigned char *noregex; /* JS: a '/' before this is a division */
	int braces;                   /* JS: '{' open, to find the '}' that closes "${" */
	int tmpl[LX_MAXTMPL];         /* JS: value of braces at each open "${" */
	int ntmpl;
};

static void lx_init(struct lex *lx, struct sx *x, enum lang l)
{
	memset(lx, 0, sizeof(*lx));
	lx->s = lx->p = lx->noregex = x->s;
	lx->e = x->e;
	lx->l = l;
	lx->line = 1;
	lx->prev.t = TK_EOF;
}

static int lx_js(const struct lex *lx)
{
	return lx->l == LANG_JS || lx->l == LANG_TS;
}

static int lx_idc(const struct lex *lx, unsigned c)
{
	return is_uidc(c) || (c == '$' && (lx_js(lx) || lx->l == LANG_JAVA));
}

/* Can a '/' after the previous token start a regular expression? */
static int js_regex_ok(const struct tok *t)
{
	static const char *const kw[] = { "return", "typeof", "instanceof", "in",    "of",
		                          "new",    "delete", "void",       "throw", "case",
		                          "do",     "else",   "yield",      "await" };
	size_t i;

	switch (t->t) {
	case TK_EOF: return 1;
	case TK_NUM:
	case TK_STR: return 0;
	case TK_ID:
		for (i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
			if (word_is(t->p, (size_t)t->n, kw[i]))
				return 1;
		return 0;
	default: return t->c != ')' && t->c != ']' && t->c != '}';
	}
}

/* Scans a template literal's text from p up to its end or to a "${". */
static void lx_template(struct lex *lx, struct tok *t, const unsigned char *p)
{
	const unsigned char *e = lx->e, *b = p;

	t->t = TK_STR;
	while (p < e) {
		if (*p == '\\') {
			if (p + 1 < e && p[1] == '\n')
				lx->line++;
			p += p + 1 < e ? 2 : 1;
			continue;
		}
		if (*p == '`') {
			t->p = b;
			t->n = (int)(p - b);
			lx->p = p + 1;
			return;
		}
		if (*p == '$' && p + 1 < e && p[1] == '{' && lx->ntmpl < LX_MAXTMPL) {
			lx->tmpl[lx->ntmpl++] = lx->braces;
			t->p = b;
			t->n = (int)(p - b);
			lx->p = p + 2;
			return;
		}
		if (*p == '\n')
			lx->line++;
		p++;
	}
	t->p = b;
	t->n = (int)(p - b);
	lx->p = p;
}

/* Skips a Rust raw string r#"..."# whose '#'s or quote start at p. */
static const unsigned char *rs_raw(const unsigned char *p, const unsigned char *e, int *line)
{
	size_t h = 0, k;

	while (p < e && *p == '#' && h < 256)
		p++, h++;
	if (p >= e || *p != '"' || h > 255)
		return NULL; /* Rust allows at most 255 '#' */
	for (p++; p < e; p++) {
		if (*p == '\n') {
			(*line)++;
		} else if (*p == '"') {
			for (k = 0; k < h && p + 1 + k < e && p[1 + k] == '#'; k++)
				;
			if (k == h)
				return p + 1 + h;
		}
	}
	return e;
}

/* Skips a Rust attribute "#[...]" or "#![...]" whose '[' is at p. */
static const unsigned char *rs_attr(const unsigned char *p, const unsigned char *e, int *line)
{
	int depth = 0;

	for (; p < e; p++) {
		if (*p == '[') {
			depth++;
		} else if (*p == ']') {
			if (!--depth)
				return p + 1;
		} else if (*p == '"') {
			p = skip_quoted(p + 1, e, '"', line, 1) - 1;
		} else if (*p == '\n') {
			(*line)++;
		}
	}
	return e;
}

/* Length of the UTF-8 sequence led by c (1 for ASCII and stray bytes). */
static int utf8_len(unsigned c)
{
	return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

static void lx_next(struct lex *lx, struct tok *t)
{
	const unsigned char *p = lx->p, *e = lx->e, *b, *q;
	unsigned c;
	int js = lx_js(lx), rust = lx->l == LANG_RUST;

	for (;;) {
		if (p >= e) {
			t->t = TK_EOF;
			t->line = lx->line;
			t->nl = 1;
			lx->p = p;
			return;
		}
		c = *p;
		if (c == '\n') {
			lx->line++;
			lx->nl = 1;
			p++;
		} else if (is_hspace(c)) {
			p++;
		} else if (c == '/' && p + 1 < e && p[1] == '/') {
			p = line_end(p, e);
		} else if (c == '/' && p + 1 < e && p[1] == '*') {
			int l0 = lx->line;
			p = skip_block_comment(p + 2, e, &lx->line, rust);
			if (lx->line != l0)
				lx->nl = 1;
		} else if (c == '#' && rust && p + 1 < e && (p[1] == '[' || p[1] == '!')) {
			q = p[1] == '!' ? p + 2 : p + 1;
			if (q < e && *q == '[') {
				p = rs_attr(q, e, &lx->line);
			} else {
				break;
			}
		} else if (c == '#' && js && p == lx->s && p + 1 < e && p[1] == '!') {
			p = line_end(p, e); /* #!/usr/bin/env node */
		} else {
			break;
		}
	}
	t->line = lx->line;
	t->nl = lx->nl;
	lx->nl = 0;
	b = p;
	if (lx_idc(lx, c) || (c == '#' && js && p + 1 < e && lx_idc(lx, p[1]))) {
		p++;
		while (p < e && lx_idc(lx, *p))
			p++;
		if (rust && p < e && (*p == '"' || *p == '#' || *p == '\'')) {
			size_t n = (size_t)(p - b);
			if (*p == '#' && n == 1 && *b == 'r' && p + 1 < e && is_uidc(p[1])) {
				/* raw identifier r#type */
				b = ++p;
				while (p < e && is_uidc(*p))
					p++;
			} else if ((word_is(b, n, "r") || word_is(b, n, "br") ||
			            word_is(b, n, "cr")) &&
			           (q = rs_raw(p, e, &lx->line))) {
				t->t = TK_STR;
				t->p = p;
				t->n = (int)(q - p);
				lx->p = q;
				goto out;
			} else if ((word_is(b, n, "b") || word_is(b, n, "c")) && *p != '#') {
				q = skip_quoted(p + 1, e, *p, &lx->line, *p == '"');
				t->t = TK_STR;
				t->p = p + 1;
				t->n = (int)(q - p - 1);
				lx->p = q;
				goto out;
			}
		}
		t->t = TK_ID;
		t->p = b;
		t->n = (int)(p - b);
		lx->p = p;
		goto out;
	}
	if (is_digit(c) || (c == '.' && p + 1 < e && is_digit(p[1]))) {
		p++;
		while (p < e && (is_idc(*p) || (*p == '.' && p + 1 < e && is_digit(p[1]))))
			p++;
		t->t = TK_NUM;
		t->p = b;
		t->n = (int)(p - b);
		lx->p = p;
		goto out;
	}
	if (c == '"' || (c == '\'' && (js || lx->l == LANG_GO || lx->l == LANG_JAVA)) ||
	    (c == '`' && lx->l == LANG_GO)) {
		if (c == '"' && lx->l == LANG_JAVA && e - p >= 3 && p[1] == '"' && p[2] == '"') {
			/* text block """...""" */
			for (q = p + 3; q < e; q++) {
				if (*q == '\\') {
					q++;
					if (q < e && *q == '\n')
						lx->line++;
				} else if (*q == '\n') {
					lx->line++;
				} else if (*q == '"' && e - q >= 3 && q[1] == '"' && q[2] == '"') {
					break;
				}
			}
			t->p = p + 3;
			t->n = (int)((q < e ? q : e) - p - 3);
			q = q < e ? q + 3 : e;
		} else if (c == '`') {
			for (q = p + 1; q < e && *q != '`'; q++)
				if (*q == '\n')
					lx->line++;
			t->p = p + 1;
			t->n = (int)(q - p - 1);
			q += q < e;
		} else {
			q = skip_quoted(p + 1, e, c, &lx->line, rust);
			t->p = p + 1;
			t->n = (int)(q - p - 1);
			if (q > p + 1 && q[-1] == c)
				t->n--;
		}
		t->t = TK_STR;
		lx->p = q;
		goto out;
	}
	if (c == '\'' && rust) {
		int k = p + 1 < e ? utf8_len(p[1]) : 1;
		if (p + 1 < e && p[1] == '\\') {
			q = skip_quoted(p + 1, e, '\'', &lx->line, 0);
		} else if (e - p > k + 1 && p[1 + k] == '\'') {
			q = p + k + 2;
		} else {
			/* a lifetime: 'a, 'static */
			q = p + 1;
			while (q < e && is_uidc(*q))
				q++;
			t->t = TK_OP;
			t->c = OP_LIFETIME;
			lx->p = q;
			goto out;
		}
		t->t = TK_STR;
		t->p = p + 1;
		t->n = (int)(q - p - 1);
		lx->p = q;
		goto out;
	}
	if (c == '`' && js) {
		lx_template(lx, t, p + 1);
		goto out;
	}
	if (c == '/' && js && p >= lx->noregex && js_regex_ok(&lx->prev)) {
		/* a regex ends on its line, and soon: the cap keeps failed guesses linear */
		const unsigned char *lim = e - p > LX_MAXREGEX ? p + LX_MAXREGEX : e;
		int cls = 0;
		for (q = p + 1; q < lim && *q != '\n'; q++) {
			if (*q == '\\')
				q += q + 1 < e && q[1] != '\n';
			else if (*q == '[')
				cls = 1;
			else if (*q == ']')
				cls = 0;
			else if (*q == '/' && !cls)
				break;
		}
		if (q < lim && *q == '/') {
			q++;
			while (q < e && is_idc(*q))
				q++;
			t->t = TK_STR;
			t->p = p;
			t->n = (int)(q - p);
			lx->p = q;
			goto out;
		}
		lx->noregex = q; /* no regex starts before where this guess failed */
	}
	if (c == '}' && js && lx->ntmpl && lx->tmpl[lx->ntmpl - 1] == lx->braces) {
		/* the '}' closing "${": the template goes on */
		lx->ntmpl--;
		lx_template(lx, t, p + 1);
		goto out;
	}
	t->t = TK_OP;
	t->c = (int)c;
	q = p + 1;
	if (q < e) {
		if (c == ':' && *q == ':')
			t->c = OP_DCOLON, q++;
		else if (c == '-' && *q == '>')
			t->c = OP_ARROW, q++;
		else if (c == '=' && *q == '>')
			t->c = OP_FAT, q++;
	}
	if (js && c == '{')
		lx->braces++;
	else if (js && c == '}' && lx->braces)
		lx->braces--;
	lx->p = q;
out:
	lx->prev = *t;
}

/* Is t the punctuation c? */
static inline int tk_op(const struct tok *t, int c)
{
	return t->t == TK_OP && t->c == c;
}

/* Is t the identifier w? */
static inline int tk_is(const struct tok *t, const char *w)
{
	return t->t == TK_ID && word_is(t->p, (size_t)t->n, w);
}

/* Scopes whose closing brace ends a symbol, shared by the lexer's parsers. */
#define BR_MAXSCOPE 256

struct brscope {
	long sym;
	int depth; /* brace depth inside the scope */
	int kind;  /* parser's own kind of scope */
};

struct brstack {
	struct brscope v[BR_MAXSCOPE];
	int n;
	int depth; /* braces open */
};

/* '{': opens a scope for sym (may be -1) when kind or sym says it matters. */
static void br_open(struct brstack *b, long sym, int kind)
{
	b->depth++;
	if ((sym >= 0 || kind) && b->n < BR_MAXSCOPE) {
		b->v[b->n].sym = sym;
		b->v[b->n].depth = b->depth;
		b->v[b->n].kind = kind;
		b->n++;
	}
}

/* '}': closes the innermost scope if it began at this depth. */
static void br_close(struct sx *x, struct brstack *b, int line)
{
	if (!b->depth)
		return;
	if (b->n && b->v[b->n - 1].depth == b->depth) {
		b->n--;
		sx_end(x, b->v[b->n].sym, line);
	}
	b->depth--;
}

/* Kind of the scope the parser is directly inside, or 0. */
static int br_kind(const struct brstack *b)
{
	return b->n && b->v[b->n - 1].depth == b->depth ? b->v[b->n - 1].kind : 0;
}

/* ------------------------------------------------------------------------ */
/* Go                                                                        */
/* ------------------------------------------------------------------------ */

enum {
	G_NONE,
	G_FUNC,   /* after "func" */
	G_RECV,   /* in the receiver's parentheses */
	G_FNAME,  /* after the receiver, expecting the name */
	G_FAFTER, /* after the name, expecting '(' or '[' */
	G_FSIG,   /* in the signature, until the body's '{' */
	G_TYPE,   /* after "type" */
	G_TNAME,  /* in a type group, expecting a name or ')' */
	G_TSPEC,  /* after a type's name */
	G_TBRK,   /* in a type's [...] */
	G_TBODY,  /* after struct/interface, expecting '{' */
	G_TREST,  /* in the rest of a type spec */
	G_IMPORT, /* after "import" */
	G_IGROUP, /* in import ( ... ) */
};

static void scan_go(struct sx *x)
{
	struct lex lx;
	struct tok t, prev = { 0 };
	struct brstack bs, *b = &bs;
	struct tok name = { 0 };
	long sym = -1, push = -1;
	int st = G_NONE, nest = 0, lit = 0, method = 0, group = 0, first = 1, again;

	lx_init(&lx, x, LANG_GO);
	b->n = b->depth = 0;
	for (;; prev = t, first = 0) {
		lx_next(&lx, &t);
		if (t.t == TK_EOF)
			break;
		do {
			again = 0;
			switch (st) {
			case G_NONE:
				if (b->depth || t.t != TK_ID || !(t.nl || first))
					break;
				if (tk_is(&t, "func"))
					st = G_FUNC, method = 0;
				else if (tk_is(&t, "type"))
					st = G_TYPE, group = 0;
				else if (tk_is(&t, "import"))
					st = G_IMPORT;
				break;
			case G_FUNC:
				if (tk_op(&t, '(')) {
					st = G_RECV, nest = 1, method = 1;
				} else if (t.t == TK_ID) {
					st = G_FAFTER, name = t;
				} else {
					st = G_NONE, again = 1;
				}
				break;
			case G_RECV:
				if (tk_op(&t, '('))
					nest++;
				else if (tk_op(&t, ')') && !--nest)
					st = G_FNAME;
				break;
			case G_FNAME:
				if (t.t == TK_ID)
					st = G_FAFTER, name = t;
				else
					st = G_NONE, again = 1;
				break;
			case G_FAFTER:
				/* "func() int {" is a literal; a declaration's name has '(' or '[' next */
				if (tk_op(&t, '(') || tk_op(&t, '['))
					st = G_FSIG, nest = 1, lit = 0;
				else
					st = G_NONE, again = 1;
				break;
			case G_FSIG:
				if (t.nl && !nest && !lit) {
					st = G_NONE, again = 1; /* no body: implemented elsewhere */
				} else if (tk_op(&t, '(') || tk_op(&t, '[')) {
					nest++;
				} else if ((tk_op(&t, ')') || tk_op(&t, ']')) && nest) {
					nest--;
				} else if (tk_op(&t, '{') && !nest) {
					if (lit || tk_is(&prev, "struct") ||
					    tk_is(&prev, "interface")) {
						lit++; /* func f() interface{} { */
					} else {
						push = sx_sym(x, name.p, (size_t)name.n,
						              method ? "method" : "function",
						              name.line);
						st = G_NONE;
					}
				} else if (tk_op(&t, '}') && lit) {
					lit--;
				}
				break;
			case G_TYPE:
				if (tk_op(&t, '('))
					st = G_TNAME, group = 1, nest = 0;
				else if (t.t == TK_ID)
					st = G_TSPEC, name = t;
				else
					st = G_NONE, again = 1;
				break;
			case G_TNAME:
				if (t.t == TK_ID)
					st = G_TSPEC, name = t;
				else if (tk_op(&t, ')'))
					st = G_NONE;
				break;
			case G_TSPEC:
				if (tk_op(&t, '[')) {
					st = G_TBRK, nest = 1;
				} else if (tk_is(&t, "struct") || tk_is(&t, "interface")) {
					sym = sx_sym(x, name.p, (size_t)name.n,
					             *t.p == 's' ? "struct" : "interface",
					             name.line);
					st = G_TBODY;
				} else {
					sx_sym(x, name.p, (size_t)name.n, "type", name.line);
					st = G_TREST, nest = 0, again = 1;
				}
				break;
			case G_TBRK:
				if (tk_op(&t, '['))
					nest++;
				else if (tk_op(&t, ']') && !--nest)
					st = G_TSPEC;
				break;
			case G_TBODY:
				if (tk_op(&t, '{'))
					push = sym;
				st = G_TREST, nest = 0, again = !tk_op(&t, '{');
				break;
			case G_TREST:
				if (b->depth)
					break; /* inside a struct or interface body */
				if (group && tk_op(&t, ')') && !nest) {
					st = G_NONE;
				} else if (tk_op(&t, '(')) {
					nest++;
				} else if (tk_op(&t, ')')) {
					nest--;
				} else if (t.nl && !nest && !tk_op(&t, '{')) {
					st = group ? G_TNAME : G_NONE;
					again = 1;
				}
				break;
			case G_IMPORT:
				if (tk_op(&t, '(')) {
					st = G_IGROUP;
				} else if (t.t == TK_STR) {
					sx_imp(x, t.p, (size_t)t.n, t.line, t.n && *t.p == '.');
					st = G_NONE;
				} else if (t.t != TK_ID && !tk_op(&t, '.')) {
					st = G_NONE, again = 1;
				}
				break;
			case G_IGROUP:
				if (t.t == TK_STR)
					sx_imp(x, t.p, (size_t)t.n, t.line, t.n && *t.p == '.');
				else if (tk_op(&t, ')'))
					st = G_NONE;
				break;
			}
		} while (again);
		if (tk_op(&t, '{')) {
			br_open(b, push, 0);
			push = -1;
		} else if (tk_op(&t, '}')) {
			br_close(x, b, t.line);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Rust                                                                      */
/* ------------------------------------------------------------------------ */

enum {
	R_NONE,
	R_PUB,    /* after "pub": maybe (crate) */
	R_PUBGRP, /* in pub(...) */
	R_EXTERN, /* after "extern": an ABI string, "crate", fn or a block */
	R_CRATE,  /* extern crate NAME */
	R_CONST,  /* after "const": an item name or a qualifier of fn */
	R_FN,     /* after "fn", expecting the name */
	R_FSIG,   /* in the signature, until '{' or ';' */
	R_NAME,   /* after struct/enum/..., expecting the name */
	R_ITEM,   /* after a type's name, until '{' or ';' */
	R_SEMI,   /* in a const, static or type item, until ';' */
	R_IMPL,   /* in an impl header */
	R_MACRO,  /* after macro_rules */
	R_MBODY,  /* after the macro's name */
	R_USE,    /* in a use tree */
};

enum { RS_ITEM = 1, RS_IMPL, RS_TRAIT };

#define RS_USEBUF   512
#define RS_USEDEPTH 16

/* A use tree being read: "a::{b, c::{d, e}}" gives a::b, a::c::d, a::c::e. */
struct rsuse {
	unsigned char buf[RS_USEBUF];
	size_t len;
	size_t stack[RS_USEDEPTH]; /* len at each open '{' */
	int nst, deep;             /* deep: '{' past RS_USEDEPTH */
	int pending;               /* a path is waiting for ',', '}' or ';' */
	int alias;                 /* after "as" */
	int full;                  /* buf overflowed: drop this path */
	int line;
};

static void rs_use_emit(struct sx *x, struct rsuse *u)
{
	size_t n = u->len;
	const unsigned char *b = u->buf;
	int local;

	if (!u->pending || u->full)
		goto out;
	if (n >= 2 && b[n - 1] == ':' && b[n - 2] == ':')
		n -= 2;
	local = (n >= 5 && !memcmp(b, "crate", 5) && (n == 5 || b[5] == ':')) ||
	        (n >= 4 && !memcmp(b, "self", 4) && (n == 4 || b[4] == ':')) ||
	        (n >= 5 && !memcmp(b, "super", 5) && (n == 5 || b[5] == ':'));
	sx_imp(x, b, n, u->line, local);
out:
	u->pending = 0;
	u->full = 0;
}

static void rs_use_add(struct rsuse *u, const unsigned char *p, size_t n)
{
	if (u->len + n > RS_USEBUF) {
		u->full = 1;
		return;
	}
	memcpy(u->buf + u->len, p, n);
	u->len += n;
}

/* One token of a use tree; returns 1 at its ';'. */
static int rs_use_tok(struct sx *x, struct rsuse *u, const struct tok *t)
{
	if (u->alias) {
		u->alias = 0;
		if (t->t == TK_ID)
			return 0;
	}
	if (tk_is(t, "as")) {
		u->alias = 1;
	} else if (t->t == TK_ID) {
		/* a::{self, b} imports a itself */
		if (word_is(t->p, (size_t)t->n, "self") && u->len >= 2 && u->buf[u->len - 1] == ':')
			u->len -= 2;
		else
			rs_use_add(u, t->p, (size_t)t->n);
		u->pending = 1;
	} else if (tk_op(t, OP_DCOLON)) {
		if (u->len)
			rs_use_add(u, (const unsigned char *)"::", 2);
	} else if (tk_op(t, '*')) {
		rs_use_add(u, (const unsigned char *)"*", 1);
		u->pending = 1;
	} else if (tk_op(t, '{')) {
		if (u->nst < RS_USEDEPTH)
			u->stack[u->nst++] = u->len;
		else
			u->deep++;
	} else if (tk_op(t, ',')) {
		rs_use_emit(x, u);
		u->len = u->nst ? u->stack[u->nst - 1] : 0;
	} else if (tk_op(t, '}')) {
		rs_use_emit(x, u);
		if (u->deep)
			u->deep--;
		else if (u->nst)
			u->nst--;
		u->len = u->nst ? u->stack[u->nst - 1] : 0;
	} else if (tk_op(t, ';')) {
		rs_use_emit(x, u);
		return 1;
	}
	return 0;
}

static void scan_rust(struct sx *x)
{
	struct lex lx;
	struct tok t, name = { 0 };
	struct brstack bs, *b = &bs;
	struct rsuse u;
	const char *kind = NULL;
	long sym = -1, push = -1;
	int st = R_NONE, ipos = 1, nest = 0, angle = 0, pkind = 0, sdepth = 0, again;
	int used, inwhere = 0;

	lx_init(&lx, x, LANG_RUST);
	b->n = b->depth = 0;
	for (;;) {
		lx_next(&lx, &t);
		if (t.t == TK_EOF)
			break;
		used = 0;
		do {
			again = 0;
			switch (st) {
			case R_NONE:
				if (!ipos)
					break;
				if (t.t != TK_ID) {
					ipos = 0;
					break;
				}
				if (tk_is(&t, "pub")) {
					st = R_PUB;
				} else if (tk_is(&t, "async") || tk_is(&t, "unsafe") ||
				           tk_is(&t, "default") || tk_is(&t, "auto")) {
					/* qualifiers keep the item position */
				} else if (tk_is(&t, "extern")) {
					st = R_EXTERN;
				} else if (tk_is(&t, "const")) {
					st = R_CONST;
				} else if (tk_is(&t, "fn")) {
					st = R_FN;
				} else if (tk_is(&t, "struct") || tk_is(&t, "enum") ||
				           tk_is(&t, "union") || tk_is(&t, "trait") ||
				           tk_is(&t, "mod") || tk_is(&t, "type") ||
				           tk_is(&t, "static")) {
					static const char *const kinds[] = { "struct", "enum",
						                             "union",  "trait",
						                             "module", "type",
						                             "static" };
					static const char *const words[] = { "struct", "enum",
						                             "union",  "trait",
						                             "mod",    "type",
						                             "static" };
					size_t i;
					for (i = 0; !tk_is(&t, words[i]); i++)
						;
					kind = kinds[i];
					st = R_NAME;
				} else if (tk_is(&t, "impl")) {
					st = R_IMPL, angle = 0, inwhere = 0, nest = 0,
					name.p = NULL;
				} else if (tk_is(&t, "macro_rules")) {
					st = R_MACRO;
				} else if (tk_is(&t, "use")) {
					memset(&u, 0, sizeof(u));
					u.line = t.line;
					st = R_USE;
				} else {
					ipos = 0;
				}
				break;
			case R_PUB:
				if (tk_op(&t, '('))
					st = R_PUBGRP, nest = 1;
				else
					st = R_NONE, again = 1;
				break;
			case R_PUBGRP:
				if (tk_op(&t, '('))
					nest++;
				else if (tk_op(&t, ')') && !--nest)
					st = R_NONE;
				break;
			case R_EXTERN:
				if (tk_is(&t, "crate"))
					st = R_CRATE;
				else if (t.t != TK_STR)
					st = R_NONE, again = 1;
				break;
			case R_CRATE:
				if (t.t == TK_ID)
					sx_imp(x, t.p, (size_t)t.n, t.line, 0);
				st = R_NONE;
				break;
			case R_CONST:
				if (tk_is(&t, "fn") || tk_is(&t, "unsafe") || tk_is(&t, "async") ||
				    tk_is(&t, "extern")) {
					st = R_NONE, again = 1;
				} else if (t.t == TK_ID && !tk_is(&t, "_")) {
					sym = sx_sym(x, t.p, (size_t)t.n, "const", t.line);
					st = R_SEMI, nest = 0, sdepth = b->depth;
				} else {
					st = R_NONE, ipos = 0;
				}
				break;
			case R_FN:
				if (t.t == TK_ID)
					st = R_FSIG, name = t, nest = 0;
				else
					st = R_NONE, again = 1;
				break;
			case R_FSIG:
				if (tk_op(&t, '(') || tk_op(&t, '['))
					nest++;
				else if ((tk_op(&t, ')') || tk_op(&t, ']')) && nest)
					nest--;
				else if (tk_op(&t, ';') && !nest)
					st = R_NONE; /* a declaration in a trait or extern block */
				else if (tk_op(&t, '{') && !nest) {
					int k = br_kind(b);
					push = sx_sym(x, name.p, (size_t)name.n,
					              k == RS_IMPL || k == RS_TRAIT ? "method"
					                                            : "function",
					              name.line);
					pkind = RS_ITEM;
					st = R_NONE;
				}
				break;
			case R_NAME:
				if (!strcmp(kind, "static") &&
				    (tk_is(&t, "mut") || tk_is(&t, "ref")))
					break;
				if (t.t != TK_ID) {
					st = R_NONE, again = 1, ipos = 0;
					break;
				}
				sym = sx_sym(x, t.p, (size_t)t.n, kind, t.line);
				name = t;
				nest = 0;
				sdepth = b->depth;
				st = !strcmp(kind, "type") || !strcmp(kind, "static") ? R_SEMI
				                                                      : R_ITEM;
				break;
			case R_ITEM:
				if (tk_op(&t, '(') || tk_op(&t, '['))
					nest++;
				else if ((tk_op(&t, ')') || tk_op(&t, ']')) && nest)
					nest--;
				else if (tk_op(&t, '{') && !nest) {
					push = sym;
					pkind = !strcmp(kind, "trait") ? RS_TRAIT : RS_ITEM;
					st = R_NONE;
				} else if (tk_op(&t, ';') && !nest) {
					sx_end(x, sym, t.line);
					if (!strcmp(kind, "module"))
						sx_imp(x, name.p, (size_t)name.n, name.line, 1);
					st = R_NONE;
				}
				break;
			case R_SEMI:
				if (tk_op(&t, '(') || tk_op(&t, '['))
					nest++;
				else if ((tk_op(&t, ')') || tk_op(&t, ']')) && nest)
					nest--;
				else if (tk_op(&t, ';') && !nest && b->depth == sdepth) {
					sx_end(x, sym, t.line);
					st = R_NONE;
				}
				break;
			case R_IMPL:
				if (tk_op(&t, '(') || tk_op(&t, '[')) {
					nest++; /* impl From<[T; N]> for ... */
				} else if ((tk_op(&t, ')') || tk_op(&t, ']')) && nest) {
					nest--;
				} else if (nest) {
					break;
				} else if (tk_op(&t, '{')) {
					push = name.p ? sx_sym(x, name.p, (size_t)name.n, "impl",
					                       name.line)
					              : -1;
					pkind = RS_IMPL;
					st = R_NONE;
				} else if (tk_op(&t, ';')) {
					st = R_NONE;
				} else if (inwhere) {
					break;
				} else if (tk_op(&t, '<')) {
					angle++;
				} else if (tk_op(&t, '>')) {
					if (angle)
						angle--;
				} else if (angle) {
					break;
				} else if (tk_is(&t, "for")) {
					name.p = NULL; /* impl Trait for Type: the type names it */
				} else if (tk_is(&t, "where")) {
					inwhere = 1;
				} else if (t.t == TK_ID && !tk_is(&t, "dyn") && !tk_is(&t, "mut") &&
				           !tk_is(&t, "const") && !tk_is(&t, "unsafe")) {
					name = t;
				}
				break;
			case R_MACRO:
				if (t.t == TK_ID) {
					sym = sx_sym(x, t.p, (size_t)t.n, "macro", t.line);
					st = R_MBODY;
				} else if (!tk_op(&t, '!')) {
					st = R_NONE, again = 1;
				}
				break;
			case R_MBODY:
				if (tk_op(&t, '{'))
					push = sym, pkind = RS_ITEM;
				st = R_NONE;
				break;
			case R_USE:
				used = 1;
				if (rs_use_tok(x, &u, &t))
					st = R_NONE;
				break;
			}
		} while (again);
		if (used)
			continue;
		if (tk_op(&t, '{')) {
			br_open(b, push, pkind);
			push = -1;
			pkind = 0;
			ipos = 1;
		} else if (tk_op(&t, '}')) {
			br_close(x, b, t.line);
			ipos = 1;
		} else if (tk_op(&t, ';')) {
			ipos = 1;
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Java                                                                      */
/* ------------------------------------------------------------------------ */

/*
 * Types are found anywhere (local and nested classes too); methods only
 * directly in a type body, where a member is read from one ';', '{' or '}' to
 * the next: "mods <T> Type name(params) throws X {" has a body, an abstract
 * or interface method ends in ';', a field has '=' before any '('.
 */

enum { JV_CLASS = 1, JV_ENUM, JV_BODY };

#define JV_IMPBUF 512

struct jvmember {
	struct tok cand;  /* method name */
	int state;        /* 0 before the name, 1 in the parameters, 2 after them */
	int nest;         /* ( depth in the member */
	int eq;           /* a field initializer */
	int annot, anest; /* 1 after '@', 2 after its name, 3 in its arguments */
};

/* The kind of type "class", "@interface", ... declare, or NULL. */
static const char *jv_decl_kind(const struct tok *t, const struct tok *prev)
{
	static const char *const words[] = { "class", "interface", "enum", "record" };
	size_t i;

	if (t->t != TK_ID)
		return NULL;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (tk_is(t, words[i]))
			return i == 1 && tk_op(prev, '@') ? "annotation" : words[i];
	return NULL;
}

static void scan_java(struct sx *x)
{
	struct lex lx;
	struct tok t, prev = { 0 }, dname = { 0 };
	struct brstack bs, *b = &bs;
	struct jvmember m;
	unsigned char ibuf[JV_IMPBUF];
	const char *dkind = NULL;
	size_t ilen = 0;
	int dstate = 0, dnest = 0, imp = 0, ifull = 0, iline = 0, k;

	lx_init(&lx, x, LANG_JAVA);
	b->n = b->depth = 0;
	memset(&m, 0, sizeof(m));
	for (;; prev = t) {
		lx_next(&lx, &t);
		if (t.t == TK_EOF)
			break;
		if (imp) {
			/* import [static] a.b.C[.*]; */
			if (tk_op(&t, ';')) {
				if (!ifull)
					sx_imp(x, ibuf, ilen, iline, 0);
				imp = 0;
			} else if (t.t == TK_ID || tk_op(&t, '.') || tk_op(&t, '*')) {
				const unsigned char *w =
				        t.t == TK_ID
				                ? t.p
				                : (const unsigned char *)(t.c == '.' ? "." : "*");
				size_t n = t.t == TK_ID ? (size_t)t.n : 1;
				if (!ilen && tk_is(&t, "static"))
					;
				else if (ilen + n > sizeof(ibuf))
					ifull = 1;
				else
					memcpy(ibuf + ilen, w, n), ilen += n;
			}
			continue;
		}
		if (!b->depth && tk_is(&t, "import")) {
			imp = 1, ilen = 0, ifull = 0, iline = t.line;
			continue;
		}
		k = br_kind(b);
		/* do { } while (0) so that "continue" ends this token's reading */
		do {
			if (dstate == 1) {
				if (t.t == TK_ID) {
					dname = t, dstate = 2, dnest = 0;
					continue;
				}
				dstate = 0; /* "record" was a plain name after all */
			}
			if (dstate == 2) {
				if (tk_op(&t, '('))
					dnest++;
				else if (tk_op(&t, ')') && dnest)
					dnest--;
				else if (tk_op(&t, ';') && !dnest)
					dstate = 0;
				if (!tk_op(&t, '{') || dnest)
					continue;
			}
			if (!tk_op(&prev, '.') && jv_decl_kind(&t, &prev)) {
				dkind = jv_decl_kind(&t, &prev);
				dstate = 1;
				m.annot = 0;
				continue;
			}
			if (k != JV_CLASS)
				break;
			/* a member of a class body */
			if (m.annot == 1) {
				m.annot = t.t == TK_ID ? 2 : 0;
				continue;
			}
			if (m.annot == 2) {
				if (tk_op(&t, '.')) {
					m.annot = 1;
					continue;
				}
				if (tk_op(&t, '(')) {
					m.annot = 3, m.anest = 1;
					continue;
				}
				m.annot = 0;
			}
			if (m.annot == 3) {
				if (tk_op(&t, '('))
					m.anest++;
				else if (tk_op(&t, ')') && !--m.anest)
					m.annot = 0;
				continue;
			}
			if (tk_op(&t, '@')) {
				m.annot = 1;
			} else if (tk_op(&t, '(')) {
				if (!m.nest && !m.state && !m.eq && prev.t == TK_ID &&
				    !tk_is(&prev, "synchronized") && !tk_is(&prev, "static"))
					m.cand = prev, m.state = 1;
				m.nest++;
			} else if (tk_op(&t, ')')) {
				if (m.nest && !--m.nest && m.state == 1)
					m.state = 2;
			} else if (tk_op(&t, '=') && !m.nest) {
				m.eq = 1;
			} else if (tk_op(&t, ';') && !m.nest) {
				memset(&m, 0, sizeof(m));
			}
		} while (0);
		if (tk_op(&t, '{')) {
			long sym = -1;
			int kind = 0;
			if (dstate == 2) {
				sym = sx_sym(x, dname.p, (size_t)dname.n, dkind, dname.line);
				kind = *dkind == 'e' ? JV_ENUM : JV_CLASS;
				dstate = 0;
			} else if (k == JV_CLASS && m.state == 2 && !m.eq && !m.nest) {
				sym = sx_sym(x, m.cand.p, (size_t)m.cand.n, "method", m.cand.line);
				kind = JV_BODY;
			}
			br_open(b, sym, kind);
			memset(&m, 0, sizeof(m));
		} else if (tk_op(&t, '}')) {
			br_close(x, b, t.line);
			if (br_kind(b) == JV_CLASS)
				memset(&m, 0, sizeof(m));
		} else if (tk_op(&t, ';') && k == JV_ENUM) {
			b->v[b->n - 1].kind = JV_CLASS; /* the enum's constants end here */
		}
	}
}

/* ------------------------------------------------------------------------ */
/* JavaScript and TypeScript                                                 */
/* ------------------------------------------------------------------------ */

/*
 * Several small state machines read the token stream side by side: one for a
 * function whose body is awaited ("function f(...) {", a class method), one
 * for a class member, one for "const f = (...) =>" at the top level, one for
 * class, interface, enum and namespace heads and one for "type X =". Each
 * knows the brace depth and the paren depth it started at and ignores tokens
 * nested deeper, so object and type literals pass through them untouched.
 */

enum { JK_CLASS = 1, JK_NS, JK_BODY };

#define JS_MAXDEPTH 256

struct jsfn {
	struct tok name;
	const char *kind;
	int state;       /* 0 none, 1 after "function", 2 before '(', 3 in the parameters,
			    4 after them, 5 in the return type */
	int depth, nest; /* where its '{' must come */
	int angle;
};

/* Does t end an expression (so that a newline after it ends a statement)? */
static int js_ends_expr(const struct tok *t)
{
	return t->t == TK_ID || t->t == TK_STR || t->t == TK_NUM ||
	       (t->t == TK_OP && (t->c == ')' || t->c == ']' || t->c == '}'));
}

/* In a return type, is a '{' after t a type literal rather than the body? */
static int js_type_brace(const struct tok *t)
{
	return t->t == TK_OP &&
	       (t->c == ':' || t->c == '|' || t->c == '&' || t->c == ',' || t->c == '<' ||
	        t->c == '(' || t->c == '[' || t->c == '?' || t->c == OP_FAT);
}

static void scan_js(struct sx *x, enum lang l)
{
	struct lex lx;
	struct tok t, prev = { 0 }, vname = { 0 }, dname = { 0 }, tyname = { 0 }, mname = { 0 };
	struct brstack bs, *b = &bs;
	struct jsfn f;
	int nests[JS_MAXDEPTH]; /* paren depth outside each open brace */
	const char *dkind = NULL;
	long bodysym = -1;
	int nest = 0, bodywait = 0, bw, dot, top, k;
	int v = 0, vnest = 0, vdepth = 0;
	int d = 0, ddepth = 0, dnest = 0;
	int ty = 0, tyangle = 0;
	int m = 0, mdeco = 0, mangle = 0;
	int imp = 0, from = 0, req = 0;
	/* a.b = function: 1 after a name, 2 after '.', 3 after '=', 4 at "function" */
	int a = 0;
	int aproto = 0; /* 2: the name is dotted, 1: it went through ".prototype" */
	struct tok aname = { 0 };

	lx_init(&lx, x, l);
	b->n = b->depth = 0;
	memset(&f, 0, sizeof(f));
	for (;; prev = t) {
		lx_next(&lx, &t);
		if (t.t == TK_EOF)
			break;
		dot = tk_op(&prev, '.');
		top = !b->depth || br_kind(b) == JK_NS;
		k = br_kind(b);
		bw = bodywait;
		bodywait = 0;

		/* imports: import ... from 'x', import 'x', export ... from 'x', require('x') */
		if (t.t == TK_STR) {
			if (from || req == 2 || (imp && tk_is(&prev, "import"))) {
				sx_imp(x, t.p, (size_t)t.n, t.line, t.n && *t.p == '.');
				if (from)
					imp = 0;
			}
			from = req = 0;
		} else if (!dot && tk_is(&t, "import")) {
			imp = 1, req = 1, from = 0;
		} else if (!dot && tk_is(&t, "export")) {
			imp = 1, req = 0;
		} else if (!dot && tk_is(&t, "require")) {
			req = 1;
		} else if (!dot && imp && tk_is(&t, "from")) {
			from = 1, req = 0;
		} else if (tk_op(&t, '(') && req == 1) {
			req = 2;
		} else {
			req = from = 0;
			if (tk_op(&t, ';'))
				imp = 0;
		}

		/* a.b.c = function (...) {...}, at the start of a statement */
		if (a == 3 && tk_is(&t, "async")) {
			/* still waiting for "function" */
		} else if (a == 3 && tk_is(&t, "function")) {
			a = 4;
		} else if (t.t == TK_ID &&
		           (a == 2 || (!dot && (!prev.t || t.nl || tk_op(&prev, ';') ||
		                                tk_op(&prev, '{') || tk_op(&prev, '}'))))) {
			if (a != 2)
				aproto = 0;
			else if (tk_is(&aname, "prototype"))
				aproto |= 1;
			a = 1, aname = t;
		} else if (a == 1 && tk_op(&t, '.')) {
			a = 2, aproto |= 2;
		} else if (a == 1 && tk_op(&t, '=') && (aproto & 2) && !tk_is(&aname, "exports")) {
			a = 3;
		} else {
			a = 0, aproto = 0;
		}

		/* functions whose body is awaited */
		if (a == 4) {
			memset(&f, 0, sizeof(f));
			f.state = 1;
			f.kind = aproto & 1 ? "method" : "function";
			f.depth = b->depth;
			f.nest = nest;
			f.name = aname;
			a = aproto = 0;
		} else if (!dot && tk_is(&t, "function")) {
			memset(&f, 0, sizeof(f));
			f.state = 1;
			f.kind = "function";
			f.depth = b->depth;
			f.nest = nest;
			if (v == 3)
				f.name = vname; /* const f = function () {...} */
			v = 0;
		} else if (f.state && b->depth == f.depth) {
			switch (f.state) {
			case 1:
				if (t.t == TK_ID)
					f.name = t, f.state = 2;
				else if (tk_op(&t, '(') && f.name.p)
					f.state = 3;
				else if (!tk_op(&t, '*'))
					f.state = 0;
				break;
			case 2:
				if (tk_op(&t, '<'))
					f.angle++;
				else if (tk_op(&t, '>') && f.angle)
					f.angle--;
				else if (tk_op(&t, '(') && !f.angle)
					f.state = 3;
				else if (!f.angle)
					f.state = 0;
				break;
			case 3:
				if (tk_op(&t, ')') && nest == f.nest + 1)
					f.state = 4;
				break;
			case 4:
				if (tk_op(&t, ':'))
					f.state = 5;
				else if (!tk_op(&t, '{'))
					f.state = 0;
				break;
			case 5:
				if (nest == f.nest && (tk_op(&t, ';') || (t.nl && t.t == TK_ID &&
				                                          js_ends_expr(&prev))))
					f.state = 0;
				break;
			}
		}

		/* class members */
		if (k == JK_CLASS) {
			if (mdeco == 3) {
				if (tk_op(&t, ')') && nest == 1)
					mdeco = 0;
			} else if (nest) {
				if (m == 6 && tk_op(&t, ']') && nest == 1)
					m = 1;
			} else {
				if (t.nl && (m == 1 || m == 3 || m == 4) && js_ends_expr(&prev))
					m = 0; /* a field without ';' */
				if (mdeco == 2) {
					if (tk_op(&t, '('))
						mdeco = 3;
					else if (tk_op(&t, '.'))
						mdeco = 1;
					else
						mdeco = 0;
				} else if (mdeco == 1) {
					mdeco = t.t == TK_ID ? 2 : 0;
				} else if (tk_op(&t, '@')) {
					mdeco = 1;
				} else if (m == 0 || (m == 1 && (t.t == TK_ID || t.t == TK_STR ||
				                                 t.t == TK_NUM))) {
					/* modifiers (static, async, get...) are overwritten by the name */
					if (t.t == TK_ID || t.t == TK_STR || t.t == TK_NUM)
						mname = t, m = 1;
					else if (tk_op(&t, '['))
						mname.p = NULL, mname.n = 0, m = 6;
				} else if (m == 1) {
					if (tk_op(&t, '(')) {
						memset(&f, 0, sizeof(f));
						f.state = 3;
						f.name = mname;
						f.kind = "method";
						f.depth = b->depth;
						f.nest = 0;
						m = 2;
					} else if (tk_op(&t, '<')) {
						m = 7, mangle = 1;
					} else if (tk_op(&t, '=')) {
						m = 3;
					} else if (tk_op(&t, ';')) {
						m = 0;
					} else if (!tk_op(&t, '?') && !tk_op(&t, '!') &&
					           !tk_op(&t, '*')) {
						m = 4;
					}
				} else if (m == 7) {
					if (tk_op(&t, '<'))
						mangle++;
					else if (tk_op(&t, '>') && !--mangle)
						m = 1;
				} else if (m == 3 && tk_op(&t, OP_FAT)) {
					/* handler = (e) => {...} */
					bodysym = sx_sym(x, mname.p, (size_t)mname.n, "method",
					                 mname.line);
					bodywait = 1;
					m = 4;
				} else if (tk_op(&t, ';')) {
					m = 0;
				}
			}
		}

		/* const f = (...) => ..., at the top level */
		if (v == 4) {
			if (tk_op(&t, ')') && nest == vnest + 1 && b->depth == vdepth)
				v = 5;
		} else if (top && !nest) {
			switch (v) {
			case 0:
				if (!dot &&
				    (tk_is(&t, "const") || tk_is(&t, "let") || tk_is(&t, "var")))
					v = 1;
				break;
			case 1:
				v = t.t == TK_ID ? 2 : 0;
				vname = t;
				break;
			case 2: v = tk_op(&t, '=') ? 3 : tk_op(&t, ':') ? 7 : 0; break;
			case 7:
				if (tk_op(&t, '='))
					v = 3;
				else if (tk_op(&t, ';'))
					v = 0;
				break;
			case 3:
				if (tk_op(&t, '('))
					v = 4, vnest = nest, vdepth = b->depth;
				else if (tk_op(&t, '<'))
					v = 8;
				else if (t.t == TK_ID && !tk_is(&t, "async"))
					v = tk_is(&t, "function") || tk_is(&t, "class") ? 0 : 6;
				else if (t.t != TK_ID)
					v = 0;
				break;
			case 8:
				if (tk_op(&t, '>'))
					v = 3;
				break;
			case 5:
			case 6:
			case 9:
				if (tk_op(&t, OP_FAT)) {
					bodysym = sx_sym(x, vname.p, (size_t)vname.n, "function",
					                 vname.line);
					bodywait = 1;
					v = 0;
				} else if (v == 5 && tk_op(&t, ':')) {
					v = 9; /* a return type */
				} else if (v != 9 || tk_op(&t, ';')) {
					v = 0;
				}
				break;
			}
		}

		/* class, interface, enum and namespace heads */
		if (!dot && t.t == TK_ID &&
		    (tk_is(&t, "class") || tk_is(&t, "interface") || tk_is(&t, "enum") ||
		     tk_is(&t, "namespace") || tk_is(&t, "module"))) {
			dkind = *t.p == 'm' || *t.p == 'n' ? "namespace"
			        : *t.p == 'c'              ? "class"
			        : *t.p == 'i'              ? "interface"
			                                   : "enum";
			if (v != 3 || *dkind != 'c')
				dname.p = NULL, dname.n = 0;
			else
				dname = vname; /* const A = class {...} */
			d = 1, ddepth = b->depth, dnest = nest;
		} else if (d == 1) {
			if (tk_is(&t, "extends") || tk_is(&t, "implements"))
				d = 2;
			else if (t.t == TK_ID)
				dname = t, d = 2;
			else if (!tk_op(&t, '{'))
				d = 0;
		} else if (d == 2 && tk_op(&t, ';')) {
			d = 0;
		}

		/* type X = ... */
		if (ty == 0) {
			if (!dot && tk_is(&t, "type"))
				ty = 1;
		} else if (ty == 1) {
			ty = t.t == TK_ID ? 2 : 0;
			tyname = t;
		} else if (ty == 2) {
			if (tk_op(&t, '<')) {
				ty = 3, tyangle = 1;
			} else {
				if (tk_op(&t, '=')) {
					bodysym = sx_sym(x, tyname.p, (size_t)tyname.n, "type",
					                 tyname.line);
					bodywait = 1;
				}
				ty = 0;
			}
		} else if (ty == 3) {
			if (tk_op(&t, '<'))
				tyangle++;
			else if (tk_op(&t, '>') && !--tyangle)
				ty = 2;
		}

		/* braces and parentheses */
		if (tk_op(&t, '{')) {
			long sym = -1;
			int kind = 0;
			if (d && b->depth == ddepth && nest == dnest) {
				if (dname.p)
					sym = sx_sym(x, dname.p, (size_t)dname.n, dkind,
					             dname.line);
				kind = *dkind == 'c' ? JK_CLASS : *dkind == 'n' ? JK_NS : JK_BODY;
				d = 0;
				m = 0;
			} else if (bw) {
				sym = bodysym;
				kind = JK_BODY;
			} else if ((f.state == 4 || f.state == 5) && b->depth == f.depth &&
			           nest == f.nest && !(f.state == 5 && js_type_brace(&prev))) {
				sym = sx_sym(x, f.name.p, (size_t)f.name.n, f.kind, f.name.line);
				kind = JK_BODY;
				f.state = 0;
			}
			if (b->depth < JS_MAXDEPTH)
				nests[b->depth] = nest;
			nest = 0;
			br_open(b, sym, kind);
		} else if (tk_op(&t, '}')) {
			br_close(x, b, t.line);
			nest = b->depth < JS_MAXDEPTH ? nests[b->depth] : 0;
			if (br_kind(b) == JK_CLASS)
				m = 0;
		} else if (tk_op(&t, '(') || tk_op(&t, '[')) {
			nest++;
		} else if ((tk_op(&t, ')') || tk_op(&t, ']')) && nest) {
			nest--;
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Dispatch, order and release                                               */
/* ------------------------------------------------------------------------ */

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	int r;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if ((r = strcmp(x->name, y->name)))
		return r;
	if (x->end_line != y->end_line)
		return x->end_line < y->end_line ? -1 : 1;
	return strcmp(x->kind, y->kind);
}

static int imp_cmp(const void *a, const void *b)
{
	const struct import *x = a, *y = b;
	int r;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if ((r = strcmp(x->target, y->target)))
		return r;
	return x->local - y->local;
}

/* Restores the sort order from index n0 on, where this call began adding. */
static void syms_order(struct syms *o, size_t n0, size_t i0)
{
	size_t i;

	for (i = n0 ? n0 : 1; i < o->n; i++)
		if (sym_cmp(&o->v[i - 1], &o->v[i]) > 0) {
			qsort(o->v, o->n, sizeof(o->v[0]), sym_cmp);
			break;
		}
	for (i = i0 ? i0 : 1; i < o->nimp; i++)
		if (o->imp[i - 1].line > o->imp[i].line) {
			qsort(o->imp, o->nimp, sizeof(o->imp[0]), imp_cmp);
			break;
		}
}

void syms_extract(enum lang l, const char *text, size_t n, struct syms *out)
{
	struct sx x;
	size_t n0 = out->n, i0 = out->nimp;

	if (!text || !n)
		return;
	x.out = out;
	x.s = (const unsigned char *)text;
	x.e = x.s + n;
	x.nsym = x.nimp = 0;
	switch (l) {
	case LANG_C: scan_c(&x, 0); break;
	case LANG_CPP: scan_c(&x, 1); break;
	case LANG_PYTHON: scan_py(&x); break;
	case LANG_JS:
	case LANG_TS: scan_js(&x, l); break;
	case LANG_GO: scan_go(&x); break;
	case LANG_RUST: scan_rust(&x); break;
	case LANG_JAVA: scan_java(&x); break;
	case LANG_SHELL: scan_sh(&x); break;
	case LANG_RUBY: scan_ruby(&x); break;
	case LANG_MAKE: scan_make(&x); break;
	default: return;
	}
	syms_order(out, n0, i0);
}

void syms_release(struct syms *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].name);
	for (i = 0; i < s->nimp; i++)
		free(s->imp[i].target);
	free(s->v);
	free(s->imp);
	s->v = NULL;
	s->imp = NULL;
	s->n = s->cap = s->nimp = s->impcap = 0;
}
