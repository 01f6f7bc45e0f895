/*
 * script.c - reply files: parsing them, handing them out in order, checking
 * a request against their expectations.
 *
 * A reply file is data, in the manner of curl's test files: header lines
 * ("fault:", "expect:", "usage:", '#' comments, blank lines), a line "---",
 * then the reply text byte for byte minus one final newline. Every file is
 * parsed when the server starts, so a typo fails the test at once, naming file
 * and line, instead of surfacing as a puzzling client error. Reply text that is
 * not UTF-8 (or holds NUL) is repaired with U+FFFD: JSON cannot carry it. The script is a
 * queue: each chat request takes the next reply, whatever the outcome.
 */
#include "tests/fakesrv/script.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/fs.h"
#include "core/utf8.h"

#define SCRIPT_MAX_FILE (16 * 1024 * 1024)

/* Parses a non-negative decimal number; -1 when s is anything else. */
static long parse_count(const char *s)
{
	char *end;
	long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	return *end || errno ? -1 : v;
}

static int fault_ms(struct fault *f, char **arg, int n)
{
	return (f->ms = parse_count(arg[0])) < 0 ? -1 : 0;
}

static int fault_n(struct fault *f, char **arg, int n)
{
	return (f->n = parse_count(arg[0])) < 0 ? -1 : 0;
}

static int fault_stall(struct fault *f, char **arg, int n)
{
	if ((f->ms = parse_count(arg[0])) < 0)
		return -1;
	if (n == 1)
		return 0;
	if (n != 3 || strcmp(arg[1], "after") != 0)
		return -1;
	return (f->n = parse_count(arg[2])) < 0 ? -1 : 0;
}

static int fault_ping(struct fault *f, char **arg, int n)
{
	f->ms = parse_count(arg[0]);
	f->count = parse_count(arg[1]);
	return f->ms < 0 || f->count < 0 ? -1 : 0;
}

static int fault_http(struct fault *f, char **arg, int n)
{
	long code = parse_count(arg[0]);

	if (code < 400 || code > 599)
		return -1;
	f->code = (int)code;
	if (n == 1)
		return 0;
	if (n != 3 || strcmp(arg[1], "retry-after") != 0)
		return -1;
	return (f->retry_after = parse_count(arg[2])) < 0 ? -1 : 0;
}

static int fault_truncate(struct fault *f, char **arg, int n)
{
	if ((f->n = parse_count(arg[0])) < 0)
		return -1;
	if (n == 2 && strcmp(arg[1], "clean") != 0)
		return -1;
	f->clean = n == 2;
	return 0;
}

static int fault_none(struct fault *f, char **arg, int n)
{
	return 0;
}

static const struct {
	const char *name;
	enum fault_kind kind;
	int min, max; /* arguments */
	int (*parse)(struct fault *f, char **arg, int n);
	const char *syntax;
} faults[] = {
	{ "drip", FAULT_DRIP, 1, 1, fault_ms, "drip MS" },
	{ "stall", FAULT_STALL, 1, 3, fault_stall, "stall MS [after N]" },
	{ "ping", FAULT_PING, 2, 2, fault_ping, "ping MS COUNT" },
	{ "http", FAULT_HTTP, 1, 3, fault_http, "http CODE [retry-after SECONDS], CODE 400-599" },
	{ "truncate", FAULT_TRUNCATE, 1, 2, fault_truncate, "truncate N [clean]" },
	{ "malformed", FAULT_MALFORMED, 1, 1, fault_n, "malformed N" },
	{ "error", FAULT_ERROR, 1, 1, fault_n, "error N" },
	{ "overflow", FAULT_OVERFLOW, 0, 0, fault_none, "overflow" },
	{ "reset", FAULT_RESET, 1, 1, fault_n, "reset N" },
};

/* Splits s in place at blanks; returns the number of words (at most max). */
static int split(char *s, char **word, int max)
{
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return n;
		if (n == max)
			return max + 1;
		word[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

static int parse_fault(struct reply *r, char *v, struct error *e)
{
	char *word[5];
	int n = split(v, word, 4);
	size_t i;

	if (r->fault.kind != FAULT_NONE)
		return error_set(e, "more than one fault");
	if (n == 0)
		return error_set(e, "fault without a name");
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		if (strcmp(word[0], faults[i].name) != 0)
			continue;
		if (n - 1 < faults[i].min || n - 1 > faults[i].max ||
		    faults[i].parse(&r->fault, word + 1, n - 1) < 0)
			return error_set(e, "bad fault '%s': the syntax is '%s'", word[0],
			                 faults[i].syntax);
		r->fault.kind = faults[i].kind;
		return 0;
	}
	return error_set(e, "unknown fault '%s'", word[0]);
}

/* A path is KEY or [INDEX] steps, keys separated by '.': a.b[0][-1].c */
static int path_valid(const char *p)
{
	if (!*p || *p == '.')
		return 0;
	while (*p) {
		if (*p == '[') {
			p++;
			if (*p == '-')
				p++;
			if (*p < '0' || *p > '9')
				return 0;
			while (*p >= '0' && *p <= '9')
				p++;
			if (*p++ != ']')
				return 0;
		} else {
			size_t k = strcspn(p, ".[]");
			if (!k)
				return 0;
			p += k;
		}
		if (*p == '.' && (!p[1] || p[1] == '.' || p[1] == '['))
			return 0;
		if (*p == '.')
			p++;
		else if (*p && *p != '[')
			return 0;
	}
	return 1;
}

const cJSON *script_lookup(const cJSON *root, const char *path)
{
	const cJSON *cur = root;
	const char *p = path;

	while (*p && cur) {
		if (*p == '[') {
			char *end;
			long i = strtol(p + 1, &end, 10);
			int n = cJSON_GetArraySize(cur);
			p = end + 1;
			if (!cJSON_IsArray(cur))
				return NULL;
			if (i < 0)
				i += n;
			if (i < 0 || i >= n)
				return NULL;
			cur = cJSON_GetArrayItem(cur, (int)i);
		} else {
			size_t k = strcspn(p, ".[");
			char *key = xstrndup(p, k);
			cur = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, key)
			                          : NULL;
			free(key);
			p += k;
		}
		if (*p == '.')
			p++;
	}
	return cur;
}

static const char *const ops[] = {
	[EXPECT_EQ] = "=",
	[EXPECT_CONTAINS] = "~",
	[EXPECT_EXISTS] = "exists",
	[EXPECT_ABSENT] = "absent",
};

static int parse_expect(struct reply *r, char *v, struct error *e)
{
	struct expect x = { NULL, EXPECT_EQ, NULL, NULL };
	char *path = v, *op, *val;
	size_t i;

	op = path + strcspn(path, " \t");
	if (*op)
		*op++ = '\0';
	op += strspn(op, " \t");
	val = op + strcspn(op, " \t");
	if (*val)
		*val++ = '\0';
	val += strspn(val, " \t");
	if (!path_valid(path))
		return error_set(e, "bad path '%s' in expect", path);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(op, ops[i]) == 0)
			break;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return error_set(e, "bad operator '%s' in expect: use =, ~, exists or absent", op);
	x.op = (enum expect_op)i;
	if (x.op == EXPECT_EXISTS || x.op == EXPECT_ABSENT) {
		if (*val)
			return error_set(e, "'%s' takes no value", op);
	} else {
		x.value = cJSON_ParseWithLengthOpts(val, strlen(val) + 1, NULL, 1);
		if (!x.value)
			return error_set(e, "the value '%s' is not JSON", val);
		if (x.op == EXPECT_CONTAINS && !cJSON_IsString(x.value)) {
			cJSON_Delete(x.value);
			return error_set(e, "'~' needs a JSON string, not '%s'", val);
		}
	}
	x.path = xstrdup(path);
	x.what = *val ? xasprintf("%s %s %s", path, op, val) : xasprintf("%s %s", path, op);
	XGROW(r->expects, r->cap, r->nexpects + 1);
	r->expects[r->nexpects++] = x;
	return 0;
}

static int parse_usage(struct reply *r, char *v, struct error *e)
{
	char *word[4];
	int n = split(v, word, 3);

	if (r->has_usage)
		return error_set(e, "more than one usage");
	if (n < 2 || n > 3)
		return error_set(e, "bad usage: the syntax is 'usage: PROMPT COMPLETION [CACHED]'");
	r->prompt = parse_count(word[0]);
	r->completion = parse_count(word[1]);
	r->cached = n == 3 ? parse_count(word[2]) : 0;
	if (r->prompt < 0 || r->completion < 0 || r->cached < 0)
		return error_set(e, "bad usage: counts are non-negative integers");
	if (r->cached > r->prompt)
		return error_set(e, "bad usage: more cached tokens than prompt tokens");
	r->has_usage = 1;
	return 0;
}

static const struct {
	const char *name;
	int (*parse)(struct reply *r, char *v, struct error *e);
} headers[] = {
	{ "fault", parse_fault },
	{ "expect", parse_expect },
	{ "usage", parse_usage },
};

static int parse_header(struct reply *r, char *line, struct error *e)
{
	char *colon = strchr(line, ':'), *v;
	size_t i;

	if (!colon)
		return error_set(e, "expected 'NAME: VALUE' or '---'");
	*colon = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
		if (strcmp(line, headers[i].name) == 0)
			return headers[i].parse(r, v, e);
	return error_set(e, "unknown header '%s'", line);
}

int script_parse(struct reply *r, const char *name, const char *data, size_t len, struct error *e)
{
	size_t pos = 0, lineno = 0;

	r->name = xstrdup(name);
	r->fault.retry_after = -1;
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;
		char *line = xstrndup(data + pos, n), *s = line, *end;
		int rc = 0;

		lineno++;
		pos += n + (nl != NULL);
		end = s + strlen(s);
		while (end > s && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (strcmp(line, "---") == 0) {
			free(line);
			r->len = len - pos;
			if (r->len && data[len - 1] == '\n')
				r->len--;
			r->text = utf8_sanitize(data + pos, r->len);
			r->len = strlen(r->text);
			return 0;
		}
		if (*s && *s != '#')
			rc = parse_header(r, s, e);
		free(line);
		if (rc < 0)
			return error_prefix(e, "'%s' line %zu", name, lineno);
	}
	return error_set(e, "'%s': no '---' line before the reply text", name);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct reply *)a)->name, ((const struct reply *)b)->name);
}

int script_load(struct script *s, const char *dir, struct error *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t i;

	if (!d)
		return error_errno(e, "cannot open script directory '%s'", dir);
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n < 6 || de->d_name[0] == '.' || strcmp(de->d_name + n - 6, ".reply") != 0)
			continue;
		XGROW(s->replies, s->cap, s->n + 1);
		memset(&s->replies[s->n], 0, sizeof(s->replies[0]));
		s->replies[s->n++].name = xstrdup(de->d_name);
	}
	closedir(d);
	if (s->n > 1)
		qsort(s->replies, s->n, sizeof(s->replies[0]), by_name);
	for (i = 0; i < s->n; i++) {
		struct reply *r = &s->replies[i];
		struct buf data = BUF_INIT;
		char *name = r->name, *path = fs_join(dir, name);
		int rc = fs_read_file(path, SCRIPT_MAX_FILE, &data, e);

		free(path);
		r->name = NULL;
		if (rc == 0)
			rc = script_parse(r, name, data.ptr, data.len, e);
		free(name);
		buf_release(&data);
		if (rc < 0)
			return -1;
	}
	return 0;
}

const struct reply *script_next(struct script *s)
{
	return s->next < s->n ? &s->replies[s->next++] : NULL;
}

/* Appends v as compact JSON, cut short past 200 bytes. */
static void add_json(struct buf *b, const cJSON *v)
{
	char *s = cJSON_PrintUnformatted(v);
	size_t n = strlen(s);

	if (n > 200)
		buf_addf(b, "%.200s...", s);
	else
		buf_add(b, s, n);
	cJSON_free(s);
}

int script_check(const struct reply *r, const cJSON *body, struct buf *why)
{
	size_t i;
	int failed = 0;

	for (i = 0; i < r->nexpects; i++) {
		const struct expect *x = &r->expects[i];
		const cJSON *v = script_lookup(body, x->path);
		int ok;

		switch (x->op) {
		case EXPECT_EQ: ok = v && cJSON_Compare(v, x->value, 1); break;
		case EXPECT_CONTAINS:
			ok = cJSON_IsString(v) && strstr(v->valuestring, x->value->valuestring);
			break;
		case EXPECT_EXISTS: ok = v != NULL; break;
		default: ok = v == NULL; break;
		}
		if (ok)
			continue;
		buf_addf(why, "%s%s (got ", failed++ ? "; " : "", x->what);
		if (v)
			add_json(why, v);
		else
			buf_adds(why, "nothing");
		buf_addch(why, ')');
	}
	return failed ? -1 : 0;
}

void script_reply_release(struct reply *r)
{
	size_t i;

	for (i = 0; i < r->nexpects; i++) {
		free(r->expects[i].path);
		free(r->expects[i].what);
		cJSON_Delete(r->expects[i].value);
	}
	free(r->expects);
	free(r->name);
	free(r->text);
	memset(r, 0, sizeof(*r));
}

void script_release(struct script *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		script_reply_release(&s->replies[i]);
	free(s->replies);
	memset(s, 0, sizeof(*s));
}
