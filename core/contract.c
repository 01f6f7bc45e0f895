/*
 * contract.c - structured model output: find the JSON, then hold it to a table.
 *
 * Extraction is lenient and runs first. The reply (after a BOM and a leading
 * <think>...</think> block, which reasoning models fill with drafts) is
 * searched for candidates: in the content of ```json (or untagged) fences
 * first, then in the whole reply. A candidate starts at a '{', or at a '['
 * before a '{' (an array of objects is skipped whole, not mined for its first
 * item). A structural scan follows it, tracking strings and the stack of open
 * brackets; it ends where the candidate closes, at the first byte that cannot
 * be JSON, or at the end of the region. The scan records the only repairs
 * made (a trailing comma before '}' or ']' turned into a space, so offsets
 * stay those of the reply; closers appended when the text stops right after a
 * complete value) and refuses what cJSON would let through: raw control
 * characters, "\u0000" (at which cJSON would silently cut a string) and
 * non-JSON numbers. The repaired copy is then parsed by cJSON. A candidate
 * that fails is skipped whole and the search resumes after it, so candidates
 * never overlap and the work stays linear in the reply's length.
 *
 * Validation is strict and runs second, over the cJSON tree: each object's
 * keys must be known, then each field is checked in table order, depth first,
 * and the first problem becomes a one-line message naming its JSON path
 * ("steps[2].goal: missing"). The same tables produce the JSON Schema.
 */
#include "core/contract.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/path.h"
#include "core/utf8.h"

#define BOM "\xef\xbb\xbf"

/* Why a candidate failed; the message is formatted once, for the one reported. */
enum cand_fault {
	CF_NONE,
	CF_INVALID,    /* not JSON at pos */
	CF_CUT_STRING, /* the region ends inside a string */
	CF_CUT,        /* the region ends inside the object, not after a complete value */
	CF_NUL,        /* "\u0000" at pos */
	CF_CONTROL,    /* raw control character in a string at pos */
	CF_DEEP,       /* nesting passes CONTRACT_MAX_DEPTH at pos */
	CF_ARRAY,      /* valid JSON, but an array where an object was wanted */
};

struct cand {
	enum cand_fault fault;
	size_t pos;   /* offset in the reply where the fault was seen */
	int jsonlike; /* "{" then '"' or '}', or "[{": meant as JSON, so its fault is the news */
};

/* One scan's results, reused from candidate to candidate. */
struct scan {
	size_t end;    /* one past the last byte scanned */
	size_t *blank; /* offsets of trailing commas to turn into spaces */
	size_t nblank, capblank;
	size_t depth;    /* open brackets left when the region ended */
	struct buf copy; /* the repaired candidate handed to cJSON */
	char stack[CONTRACT_MAX_DEPTH];
};

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* strchr() that does not find the terminating NUL */
static int in_set(char c, const char *set)
{
	return c && strchr(set, c);
}

/* Length of the JSON number at t[i..to), or 0 if the token there is not one. */
static size_t number_len(const char *t, size_t i, size_t to)
{
	size_t j = i, d;

	if (j < to && t[j] == '-')
		j++;
	if (j < to && t[j] == '0') {
		j++;
	} else {
		for (d = j; j < to && is_digit(t[j]); j++)
			;
		if (j == d)
			return 0;
	}
	if (j < to && t[j] == '.') {
		for (d = ++j; j < to && is_digit(t[j]); j++)
			;
		if (j == d)
			return 0;
	}
	if (j < to && (t[j] == 'e' || t[j] == 'E')) {
		j++;
		if (j < to && (t[j] == '+' || t[j] == '-'))
			j++;
		for (d = j; j < to && is_digit(t[j]); j++)
			;
		if (j == d)
			return 0;
	}
	/* a number runs into the next delimiter, never into letters or more digits */
	if (j < to && !is_ws(t[j]) && !in_set(t[j], ",]}"))
		return 0;
	return j - i;
}

/*
 * Scans the candidate at t[start] ('{' or '[') up to to. Returns 1 when it
 * closed (sc->end just after it), 0 when the region ended inside it after a
 * complete value (sc->depth brackets open), or -1 with c->fault set.
 */
static int scan_candidate(const char *t, size_t start, size_t to, struct scan *sc, struct cand *c)
{
	size_t i, k, last = start, prev = start; /* the last two significant bytes */
	int in_str = 0;
	char ch;

	sc->depth = 0;
	sc->nblank = 0;
	for (i = start; i < to; i++) {
		ch = t[i];
		if (in_str) {
			if (ch == '"') {
				in_str = 0;
				prev = last;
				last = i;
			} else if (ch == '\\') {
				if (i + 1 < to && t[i + 1] == 'u' && to - i >= 6 &&
				    !memcmp(t + i + 2, "0000", 4)) {
					c->fault = CF_NUL;
					break;
				}
				i++; /* the escaped byte; cJSON checks the escape itself */
			} else if ((unsigned char)ch < 0x20) {
				c->fault = CF_CONTROL;
				break;
			}
			continue;
		}
		if (is_ws(ch))
			continue;
		if (ch == '{' || ch == '[') {
			if (sc->depth == CONTRACT_MAX_DEPTH) {
				c->fault = CF_DEEP;
				break;
			}
			sc->stack[sc->depth++] = ch;
		} else if (ch == '}' || ch == ']') {
			if (!sc->depth || sc->stack[sc->depth - 1] != (ch == '}' ? '{' : '[')) {
				c->fault = CF_INVALID;
				break;
			}
			/* a trailing comma after a value, not after '{', '[', ',' or ':' */
			if (t[last] == ',' && !in_set(t[prev], "{[,:")) {
				XGROW(sc->blank, sc->capblank, sc->nblank + 1);
				sc->blank[sc->nblank++] = last;
			}
			if (--sc->depth == 0) {
				sc->end = i + 1;
				return 1;
			}
		} else if (ch == '"') {
			in_str = 1;
		} else if (ch == '-' || is_digit(ch)) {
			k = number_len(t, i, to);
			if (!k) {
				c->fault = CF_INVALID;
				break;
			}
			i += k - 1;
		} else if ((unsigned char)ch < 0x20 || ch == 0x7f) {
			c->fault = CF_INVALID;
			break;
		}
		prev = last;
		last = i;
	}
	if (c->fault != CF_NONE) {
		c->pos = i;
		sc->end = i + 1;
		return -1;
	}
	sc->end = to;
	if (in_str) {
		c->fault = CF_CUT_STRING;
		c->pos = to;
		return -1;
	}
	/* closing is unambiguous only right after a complete string, object or array */
	if (!in_set(t[last], "\"}]") || last == start) {
		c->fault = CF_CUT;
		c->pos = to;
		return -1;
	}
	return 0;
}

/*
 * Tries the candidate at t[start]; returns 0 with *out set, or -1 with c set.
 * sc->end is where the search for the next candidate resumes.
 */
static int try_candidate(const char *t, size_t start, size_t to, struct scan *sc, cJSON **out,
                         struct cand *c)
{
	struct buf *copy = &sc->copy;
	const char *end = NULL;
	size_t i, j;
	cJSON *doc;

	for (j = start + 1; j < to && is_ws(t[j]); j++)
		;
	c->fault = CF_NONE;
	c->jsonlike = t[start] == '[' || (j < to && (t[j] == '"' || t[j] == '}'));
	if (scan_candidate(t, start, to, sc, c) < 0)
		return -1;
	buf_reset(copy);
	buf_add(copy, t + start, sc->end - start);
	for (i = 0; i < sc->nblank; i++)
		copy->ptr[sc->blank[i] - start] = ' ';
	while (sc->depth)
		buf_addch(copy, sc->stack[--sc->depth] == '{' ? '}' : ']');
	doc = cJSON_ParseWithLengthOpts(copy->ptr, copy->len, &end, 0);
	if (doc && end)
		while (end < copy->ptr + copy->len && is_ws(*end))
			end++;
	if (doc && cJSON_IsObject(doc) && end == copy->ptr + copy->len) {
		*out = doc;
		return 0;
	}
	c->fault = doc && end == copy->ptr + copy->len ? CF_ARRAY : CF_INVALID;
	c->pos = start;
	cJSON_Delete(doc);
	if (c->fault == CF_INVALID && end && end >= copy->ptr + (sc->end - start))
		c->fault = CF_CUT; /* the closers we added did not make it whole */
	else if (c->fault == CF_INVALID && end && end >= copy->ptr)
		c->pos = start + (size_t)(end - copy->ptr);
	return -1;
}

/* 1 when the '[' at t[i] is followed by '{', blanks aside */
static int opens_objects(const char *t, size_t i, size_t to)
{
	for (i++; i < to && is_ws(t[i]); i++)
		;
	return i < to && t[i] == '{';
}

/* Looks for a good candidate in t[from..to); keeps the most telling fault in *first. */
static int search_region(const char *t, size_t from, size_t to, struct scan *sc, cJSON **out,
                         struct cand *first)
{
	struct cand c;
	size_t i;

	for (; from < to; from = sc->end) {
		/* an array of objects is a candidate too, so it is skipped whole, not mined */
		for (i = from; i < to && t[i] != '{' && (t[i] != '[' || !opens_objects(t, i, to));
		     i++)
			;
		if (i == to)
			break;
		if (try_candidate(t, i, to, sc, out, &c) == 0)
			return 0;
		if (first->fault == CF_NONE || (c.jsonlike && !first->jsonlike))
			*first = c;
	}
	return -1;
}

/*
 * The run of 3 or more '`' or '~' opening the line t[i..e) (after up to three
 * spaces), or 0; *mark gets its byte and *info where the info string starts.
 */
static size_t fence_open(const char *t, size_t i, size_t e, char *mark, size_t *info)
{
	size_t j, k;

	for (j = 0; j < 3 && i < e && t[i] == ' '; j++)
		i++;
	if (i >= e || (t[i] != '`' && t[i] != '~'))
		return 0;
	for (k = 0; i + k < e && t[i + k] == t[i]; k++)
		;
	*mark = t[i];
	*info = i + k;
	return k >= 3 ? k : 0;
}

static size_t line_end(const char *t, size_t i, size_t n)
{
	const char *nl = memchr(t + i, '\n', n - i);
	return nl ? (size_t)(nl - t) : n;
}

/* 1 when a fence's info string (t[i..e)) is empty or starts with "json" */
static int json_info(const char *t, size_t i, size_t e)
{
	while (i < e && is_ws(t[i]))
		i++;
	if (i == e)
		return 1;
	return e - i >= 4 && (t[i] | 0x20) == 'j' && (t[i + 1] | 0x20) == 's' &&
	       (t[i + 2] | 0x20) == 'o' && (t[i + 3] | 0x20) == 'n';
}

/* 1 when the line t[i..e) closes a fence opened with k bytes of mark m */
static int closes_fence(const char *t, size_t i, size_t e, char m, size_t k)
{
	size_t j, run;

	for (j = 0; j < 3 && i < e && t[i] == ' '; j++)
		i++;
	for (run = 0; i < e && t[i] == m; run++)
		i++;
	while (i < e && is_ws(t[i]))
		i++;
	return run >= k && i == e;
}

/* The first pass: the content of each JSON or untagged fence, in order. */
static int search_fences(const char *t, size_t i, size_t n, struct scan *sc, cJSON **out,
                         struct cand *first)
{
	size_t e, k, info, body, close, next, j, le;
	char m;

	while (i < n) {
		e = line_end(t, i, n);
		k = fence_open(t, i, e, &m, &info);
		if (!k) {
			i = e + 1;
			continue;
		}
		body = e < n ? e + 1 : n;
		close = next = n; /* an unclosed fence runs to the end of the reply */
		for (j = body; j < n; j = le + 1) {
			le = line_end(t, j, n);
			if (closes_fence(t, j, le, m, k)) {
				close = j;
				next = le + 1;
				break;
			}
		}
		if (json_info(t, info, e) && search_region(t, body, close, sc, out, first) == 0)
			return 0;
		i = next;
	}
	return -1;
}

static int count_lines(const char *t, size_t pos)
{
	int line = 1;
	size_t i;

	for (i = 0; i < pos && line < INT_MAX; i++)
		line += t[i] == '\n';
	return line;
}

/* The messages for a candidate's fault; those with a position name its line. */
static const struct {
	const char *what;
	int at_line;
} cand_faults[] = {
	[CF_NONE] = { "no JSON object in the reply", 0 },
	[CF_INVALID] = { "the JSON is invalid", 1 },
	[CF_CUT_STRING] = { "the JSON is cut off inside a string", 0 },
	[CF_CUT] = { "the JSON is cut off", 0 },
	[CF_NUL] = { "the JSON has a NUL character (\\u0000) in a string", 1 },
	[CF_CONTROL] = { "the JSON has a raw control character in a string", 1 },
	[CF_DEEP] = { "the JSON nests too deeply", 1 },
	[CF_ARRAY] = { "the JSON is an array, not an object", 0 },
};

static int cand_error(const char *t, size_t n, const struct cand *c, struct error *e)
{
	char near[40];

	if (!cand_faults[c->fault].at_line)
		return error_set(e, "%s", cand_faults[c->fault].what);
	if (c->fault != CF_INVALID)
		return error_set(e, "%s at line %d", cand_faults[c->fault].what,
		                 count_lines(t, c->pos));
	if (c->pos >= n)
		return error_set(e, "%s at the end of the reply", cand_faults[c->fault].what);
	utf8_excerpt(near, sizeof(near), t + c->pos, n - c->pos < 24 ? n - c->pos : 24);
	return error_set(e, "%s at line %d, near '%s'", cand_faults[c->fault].what,
	                 count_lines(t, c->pos), near);
}

/* Where the answer starts after a reasoning model's leading <think>...</think>, else from. */
static size_t skip_think(const char *t, size_t from, size_t n)
{
	static const char open[] = "<think>", close[] = "</think>";
	const char *lt;
	size_t i = from;

	while (i < n && is_ws(t[i]))
		i++;
	if (n - i < sizeof(open) - 1 || memcmp(t + i, open, sizeof(open) - 1))
		return from;
	for (i += sizeof(open) - 1; (lt = memchr(t + i, '<', n - i)); i = (size_t)(lt - t) + 1)
		if (n - (size_t)(lt - t) >= sizeof(close) - 1 &&
		    !memcmp(lt, close, sizeof(close) - 1))
			return (size_t)(lt - t) + sizeof(close) - 1;
	return from; /* never closed: the thinking may be all there is */
}

int contract_extract(const char *text, size_t n, cJSON **out, struct error *e)
{
	struct cand first = { CF_NONE, 0, 0 };
	struct scan *sc;
	size_t from = 0;
	int r;

	*out = NULL;
	if (!text) {
		text = "";
		n = 0;
	}
	if (n >= 3 && !memcmp(text, BOM, 3))
		from = 3;
	from = skip_think(text, from, n);
	sc = xmalloc(sizeof(*sc));
	sc->blank = NULL;
	sc->nblank = sc->capblank = 0;
	buf_init(&sc->copy, 0);
	r = search_fences(text, from, n, sc, out, &first) == 0 ||
	    search_region(text, from, n, sc, out, &first) == 0;
	buf_release(&sc->copy);
	free(sc->blank);
	free(sc);
	return r ? 0 : cand_error(text, n, &first, e);
}

/* Validation: the path of the value being checked, and where problems go. */
struct vctx {
	struct buf path; /* "steps[2].goal"; empty at the top level */
	struct error *e;
};

static const struct {
	int json; /* cJSON type bits that fit */
	const char *name;
	const char *schema; /* JSON Schema "type" */
} ct_types[] = {
	[CT_OBJECT] = { cJSON_Object, "an object", "object" },
	[CT_ARRAY] = { cJSON_Array, "an array", "array" },
	[CT_STRING] = { cJSON_String, "a string", "string" },
	[CT_INTEGER] = { cJSON_Number, "an integer", "integer" },
	[CT_BOOLEAN] = { cJSON_True | cJSON_False, "a boolean", "boolean" },
	[CT_PATH] = { cJSON_String, "a string", "string" },
};

static const struct {
	int json;
	const char *name;
} json_types[] = {
	{ cJSON_Object, "an object" }, { cJSON_Array, "an array" }, { cJSON_String, "a string" },
	{ cJSON_Number, "a number" },  { cJSON_True, "a boolean" }, { cJSON_False, "a boolean" },
	{ cJSON_NULL, "null" },
};

static const char *json_type_name(const cJSON *v)
{
	size_t i;

	for (i = 0; i < sizeof(json_types) / sizeof(json_types[0]); i++)
		if ((v->type & 0xff) == json_types[i].json)
			return json_types[i].name;
	return "an unknown value";
}

static int problem(struct vctx *v, const char *fmt, ...) LOOM_PRINTF(2, 3);
static int problem(struct vctx *v, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return error_set(v->e, "%s: %s", v->path.len ? v->path.ptr : "top level", what);
}

static void path_cut(struct vctx *v, size_t len)
{
	if (len)
		buf_setlen(&v->path, len);
	else
		buf_reset(&v->path);
}

/* Appends ".key" (or "key" at the top level), the key quoted safely. */
static void path_key(struct vctx *v, const char *key)
{
	char show[72];

	if (v->path.len)
		buf_addch(&v->path, '.');
	buf_adds(&v->path, utf8_excerpt(show, sizeof(show), key, strlen(key)));
}

static int check_value(struct vctx *v, const struct contract_field *f, const cJSON *item);

static const struct contract_field *field_named(const struct contract_field *f, const char *key)
{
	size_t i;

	for (i = 0; i < f->nfields; i++)
		if (!strcmp(f->fields[i].name, key))
			return &f->fields[i];
	return NULL;
}

static int check_object(struct vctx *v, const struct contract_field *f, const cJSON *obj)
{
	const cJSON *child, *found;
	size_t i, count, len = v->path.len;

	for (child = obj->child; child; child = child->next) {
		if (!field_named(f, child->string ? child->string : "")) {
			path_key(v, child->string ? child->string : "");
			return problem(v, "unknown field");
		}
	}
	for (i = 0; i < f->nfields; i++) {
		count = 0;
		found = NULL;
		for (child = obj->child; child; child = child->next) {
			if (child->string && !strcmp(child->string, f->fields[i].name) && !count++)
				found = child;
		}
		path_key(v, f->fields[i].name);
		if (!found && f->fields[i].required)
			return problem(v, "missing");
		if (count > 1)
			return problem(v, "duplicate key");
		if (found && check_value(v, &f->fields[i], found) < 0)
			return -1;
		path_cut(v, len);
	}
	return 0;
}

static int check_array(struct vctx *v, const struct contract_field *f, const cJSON *arr)
{
	const cJSON *item;
	size_t count = 0, i, len = v->path.len;

	for (item = arr->child; item; item = item->next)
		count++;
	if (count < (size_t)(f->min > 0 ? f->min : 0))
		return problem(v, "too few items (%zu, at least %ld)", count, f->min);
	if (f->max > 0 && count > (size_t)f->max)
		return problem(v, "too many items (%zu, at most %ld)", count, f->max);
	for (item = arr->child, i = 0; item; item = item->next, i++) {
		buf_addf(&v->path, "[%zu]", i);
		if (check_value(v, f->items, item) < 0)
			return -1;
		path_cut(v, len);
	}
	return 0;
}

static int check_string(struct vctx *v, const struct contract_field *f, const cJSON *str)
{
	const char *s = str->valuestring ? str->valuestring : "";
	size_t len = strlen(s), i, k;
	char show[72];
	struct buf list = BUF_INIT;
	int r;

	for (i = 0; i < len; i += k)
		if (!(k = utf8_seq_len((const unsigned char *)s + i, len - i)))
			return problem(v, "not valid UTF-8");
	if (len < (size_t)(f->min > 0 ? f->min : 0))
		return problem(v, "too short (%zu bytes, at least %ld)", len, f->min);
	if (f->max > 0 && len > (size_t)f->max)
		return problem(v, "too long (%zu bytes, at most %ld)", len, f->max);
	if (f->type == CT_PATH && path_check_n(s, len, v->e) < 0)
		return error_prefix(v->e, "%s", v->path.len ? v->path.ptr : "top level");
	if (f->type != CT_STRING || !f->enum_values)
		return 0;
	for (i = 0; f->enum_values[i]; i++)
		if (!strcmp(s, f->enum_values[i]))
			return 0;
	for (i = 0; f->enum_values[i]; i++)
		buf_addf(&list, "%s'%s'", i ? ", " : "", f->enum_values[i]);
	r = problem(v, "'%s' is not one of %s", utf8_excerpt(show, sizeof(show), s, len), list.ptr);
	buf_release(&list);
	return r;
}

static int check_integer(struct vctx *v, const struct contract_field *f, const cJSON *num)
{
	double d = num->valuedouble;

	if (!isfinite(d) || d != floor(d))
		return problem(v, "%.15g is not an integer", d);
	if (d < (double)f->min)
		return problem(v, "too small (%.15g, at least %ld)", d, f->min);
	if (f->max && d > (double)f->max)
		return problem(v, "too large (%.15g, at most %ld)", d, f->max);
	return 0;
}

static int check_nothing_more(struct vctx *v, const struct contract_field *f, const cJSON *b)
{
	return 0;
}

static int (*const ct_checks[])(struct vctx *v, const struct contract_field *f,
                                const cJSON *item) = {
	[CT_OBJECT] = check_object,   [CT_ARRAY] = check_array,          [CT_STRING] = check_string,
	[CT_INTEGER] = check_integer, [CT_BOOLEAN] = check_nothing_more, [CT_PATH] = check_string,
};

static int check_value(struct vctx *v, const struct contract_field *f, const cJSON *item)
{
	if (!(item->type & ct_types[f->type].json))
		return problem(v, "expected %s, got %s", ct_types[f->type].name,
		               json_type_name(item));
	return ct_checks[f->type](v, f, item);
}

int contract_validate(const struct contract *c, const cJSON *doc, struct error *e)
{
	struct vctx v = { BUF_INIT, e };
	int r;

	if (!doc)
		return error_set(e, "no JSON document");
	r = check_value(&v, c->root, doc);
	buf_release(&v.path);
	return r;
}

int contract_parse(const struct contract *c, const char *text, size_t n, cJSON **out,
                   struct error *e)
{
	if (contract_extract(text, n, out, e) < 0)
		return -1;
	if (contract_validate(c, *out, e) < 0) {
		cJSON_Delete(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* Schema: written by hand so the keys come out in a fixed, readable order. */
static void schema_field(struct buf *b, const struct contract_field *f);

static void schema_object(struct buf *b, const struct contract_field *f)
{
	size_t i;
	int any = 0;

	buf_adds(b, ",\"properties\":{");
	for (i = 0; i < f->nfields; i++) {
		if (i)
			buf_addch(b, ',');
		buf_add_json_str(b, f->fields[i].name, strlen(f->fields[i].name));
		buf_addch(b, ':');
		schema_field(b, &f->fields[i]);
	}
	buf_adds(b, "},\"required\":[");
	for (i = 0; i < f->nfields; i++) {
		if (!f->fields[i].required)
			continue;
		if (any++)
			buf_addch(b, ',');
		buf_add_json_str(b, f->fields[i].name, strlen(f->fields[i].name));
	}
	buf_adds(b, "],\"additionalProperties\":false");
}

static void schema_array(struct buf *b, const struct contract_field *f)
{
	buf_adds(b, ",\"items\":");
	schema_field(b, f->items);
	if (f->min > 0)
		buf_addf(b, ",\"minItems\":%ld", f->min);
	if (f->max > 0)
		buf_addf(b, ",\"maxItems\":%ld", f->max);
}

static void schema_string(struct buf *b, const struct contract_field *f)
{
	size_t i;
	long min = f->min, max = f->max;

	if (f->type == CT_PATH) {
		min = min > 1 ? min : 1;
		max = max > 0 && max < PATH_MAX_LEN ? max : PATH_MAX_LEN;
	}
	if (min > 0)
		buf_addf(b, ",\"minLength\":%ld", min);
	if (max > 0)
		buf_addf(b, ",\"maxLength\":%ld", max);
	if (f->type != CT_STRING || !f->enum_values)
		return;
	buf_adds(b, ",\"enum\":[");
	for (i = 0; f->enum_values[i]; i++) {
		if (i)
			buf_addch(b, ',');
		buf_add_json_str(b, f->enum_values[i], strlen(f->enum_values[i]));
	}
	buf_addch(b, ']');
}

static void schema_integer(struct buf *b, const struct contract_field *f)
{
	if (f->min != LONG_MIN)
		buf_addf(b, ",\"minimum\":%ld", f->min);
	if (f->max)
		buf_addf(b, ",\"maximum\":%ld", f->max);
}

static void schema_nothing_more(struct buf *b, const struct contract_field *f) {}

static void (*const ct_schemas[])(struct buf *b, const struct contract_field *f) = {
	[CT_OBJECT] = schema_object,        [CT_ARRAY] = schema_array,
	[CT_STRING] = schema_string,        [CT_INTEGER] = schema_integer,
	[CT_BOOLEAN] = schema_nothing_more, [CT_PATH] = schema_string,
};

static void schema_field(struct buf *b, const struct contract_field *f)
{
	buf_adds(b, "{\"type\":");
	buf_add_json_str(b, ct_types[f->type].schema, strlen(ct_types[f->type].schema));
	if (f->description) {
		buf_adds(b, ",\"description\":");
		buf_add_json_str(b, f->description, strlen(f->description));
	}
	ct_schemas[f->type](b, f);
	buf_addch(b, '}');
}

char *contract_schema(const struct contract *c)
{
	struct buf b = BUF_INIT;

	schema_field(&b, c->root);
	return buf_detach(&b, NULL);
}

/* The Architect's plan. */
static const struct contract_field plan_file = {
	.type = CT_PATH,
	.required = 1,
	.description = "a file the step reads or changes, relative to the repository root",
};

static const struct contract_field plan_step_fields[] = {
	{
	        .name = "goal",
	        .type = CT_STRING,
	        .required = 1,
	        .min = 1,
	        .max = 400,
	        .description = "what this step changes and why, in one or two sentences",
	},
	{
	        .name = "files",
	        .type = CT_ARRAY,
	        .max = 12,
	        .items = &plan_file,
	        .description = "the files this step will touch",
	},
};

static const struct contract_field plan_step = {
	.type = CT_OBJECT,
	.required = 1,
	.fields = plan_step_fields,
	.nfields = sizeof(plan_step_fields) / sizeof(plan_step_fields[0]),
	.description = "one step of the plan",
};

static const struct contract_field plan_fields[] = {
	{
	        .name = "steps",
	        .type = CT_ARRAY,
	        .required = 1,
	        .min = 1,
	        .max = 12,
	        .items = &plan_step,
	        .description = "the steps, in the order they are to be done",
	},
};

static const struct contract_field plan_root = {
	.type = CT_OBJECT,
	.required = 1,
	.fields = plan_fields,
	.nfields = sizeof(plan_fields) / sizeof(plan_fields[0]),
	.description = "a plan for the task",
};

const struct contract contract_plan = { "plan", &plan_root };
