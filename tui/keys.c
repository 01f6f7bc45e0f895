/*
 * keys.c - the key bindings: what each key does where, key names, and the
 * `keys` setting that rebinds them.
 *
 * A keymap is a flat table of canonical key codes per action (keys.h says how
 * codes are made); where an action works is a property of its group, not of
 * the map, so a lookup is a scan of the actions whose group works in the
 * focused place. A printable key never fires in the input line, whatever it
 * is bound to: there it types. That one rule gives help's '?' its "not while
 * typing", and it is why the global actions that work while typing refuse
 * printable keys outright. Parsing checks the whole value before writing the
 * map: first the form of every pair, then conflicts, so that a pair's keys
 * are weighed against the bindings that will actually be in force, the
 * defaults of actions a later pair rebinds excluded. The defaults have no
 * conflicts (the unit test proves it), so every conflict involves a pair and
 * is reported at the later of the two. One overlap is allowed: a pane's
 * action given one of movement's default keys ("next-hunk=j") takes it in
 * that pane only; lookups try the panes' actions before movement, so nothing
 * else is needed for it, and j still moves down everywhere else. curses.h is
 * here for the KEY_* constants only; nothing calls it.
 */
#include "tui/keys.h"

#include <curses.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/utf8.h"
#include "core/xalloc.h"

#define IN(w)      (1u << (w))
#define EVERYWHERE (IN(KW_INPUT) | IN(KW_CONV) | IN(KW_LEDGER) | IN(KW_DIFF))
#define PANES      (IN(KW_CONV) | IN(KW_LEDGER) | IN(KW_DIFF))

#define ESC 27

static const struct {
	const char *title;
	unsigned where; /* the places its actions' non-printable keys fire */
} groups[KG__COUNT] = {
	[KG_GLOBAL] = { "Everywhere", EVERYWHERE },
	[KG_DIFF] = { "Diff pane", IN(KW_DIFF) },
	[KG_LEDGER] = { "Ledger pane", IN(KW_LEDGER) },
	[KG_MOVE] = { "Moving (every pane but the input line)", PANES },
};

#define CTL_KEY(c) ((c)&0x1f)

static const struct {
	const char *name;
	enum key_group group;
	int typing; /* works while typing, so a printable key would steal a character */
	int def[KEYS_MAX];
} actions[KA__COUNT] = {
	[KA_NEXT_PANE] = { "next-pane", KG_GLOBAL, 1, { '\t' } },
	[KA_PREV_PANE] = { "prev-pane", KG_GLOBAL, 1, { KEYS_FN(KEY_BTAB) } },
	[KA_CANCEL] = { "cancel", KG_GLOBAL, 1, { ESC } },
	[KA_QUIT] = { "quit", KG_GLOBAL, 1, { CTL_KEY('c') } },
	[KA_HELP] = { "help", KG_GLOBAL, 0, { KEYS_FN(KEY_F(1)), '?' } },
	[KA_APPROVE] = { "approve", KG_DIFF, 0, { 'a' } },
	[KA_REJECT] = { "reject", KG_DIFF, 0, { 'x' } },
	[KA_APPROVE_ALL] = { "approve-all", KG_DIFF, 0, { 'A' } },
	[KA_APPROVE_FILE] = { "approve-file", KG_DIFF, 0, { 'f' } },
	[KA_NEXT_HUNK] = { "next-hunk", KG_DIFF, 0, { 'n' } },
	[KA_PREV_HUNK] = { "prev-hunk", KG_DIFF, 0, { 'p' } },
	[KA_EDIT_HUNK] = { "edit-hunk", KG_DIFF, 0, { 'e' } },
	[KA_APPLY] = { "apply", KG_DIFF, 0, { '\n' } },
	[KA_TAG] = { "tag", KG_LEDGER, 0, { 't' } },
	[KA_RERUN] = { "rerun", KG_LEDGER, 0, { 'r' } },
	[KA_EXPAND] = { "expand", KG_LEDGER, 0, { '\n' } },
	[KA_UP] = { "up", KG_MOVE, 0, { KEYS_FN(KEY_UP), 'k' } },
	[KA_DOWN] = { "down", KG_MOVE, 0, { KEYS_FN(KEY_DOWN), 'j' } },
	[KA_PAGE_UP] = { "page-up", KG_MOVE, 0, { KEYS_FN(KEY_PPAGE) } },
	[KA_PAGE_DOWN] = { "page-down", KG_MOVE, 0, { KEYS_FN(KEY_NPAGE) } },
	[KA_TOP] = { "top", KG_MOVE, 0, { KEYS_FN(KEY_HOME), 'g' } },
	[KA_BOTTOM] = { "bottom", KG_MOVE, 0, { KEYS_FN(KEY_END), 'G' } },
};

/* The help screen's line for each action, after its keys. */
static const char *const help[KA__COUNT] = {
	[KA_NEXT_PANE] = "focus the next pane",
	[KA_PREV_PANE] = "focus the previous pane",
	[KA_CANCEL] = "stop the running generation, close an overlay",
	[KA_QUIT] = "quit (press it twice)",
	[KA_HELP] = "show the keys and what they do",
	[KA_APPROVE] = "approve the selected hunk",
	[KA_REJECT] = "reject the selected hunk",
	[KA_APPROVE_ALL] = "approve every hunk",
	[KA_APPROVE_FILE] = "approve every hunk of the selected file",
	[KA_NEXT_HUNK] = "go to the next hunk",
	[KA_PREV_HUNK] = "go to the previous hunk",
	[KA_EDIT_HUNK] = "edit the selected hunk",
	[KA_APPLY] = "apply the approved hunks",
	[KA_TAG] = "tag or untag the selected file",
	[KA_RERUN] = "re-run the query",
	[KA_EXPAND] = "show the selected file's rules",
	[KA_UP] = "up a line",
	[KA_DOWN] = "down a line",
	[KA_PAGE_UP] = "up a page",
	[KA_PAGE_DOWN] = "down a page",
	[KA_TOP] = "to the top",
	[KA_BOTTOM] = "to the bottom",
};

/* The named keys but F1..F12 and C-a..C-z, which are made by rule. */
static const struct {
	const char *name;
	int code;
} named[] = {
	{ "Space", ' ' },
	{ "Tab", '\t' },
	{ "S-Tab", KEYS_FN(KEY_BTAB) },
	{ "Enter", '\n' },
	{ "Esc", ESC },
	{ "Backspace", KEYS_FN(KEY_BACKSPACE) },
	{ "Up", KEYS_FN(KEY_UP) },
	{ "Down", KEYS_FN(KEY_DOWN) },
	{ "Left", KEYS_FN(KEY_LEFT) },
	{ "Right", KEYS_FN(KEY_RIGHT) },
	{ "PgUp", KEYS_FN(KEY_PPAGE) },
	{ "PgDn", KEYS_FN(KEY_NPAGE) },
	{ "Home", KEYS_FN(KEY_HOME) },
	{ "End", KEYS_FN(KEY_END) },
	{ "Del", KEYS_FN(KEY_DC) },
	{ "Ins", KEYS_FN(KEY_IC) },
};

#define NNAMED (sizeof(named) / sizeof(named[0]))

/* ---- codes and names ---- */

/* One code per key: what terminals send alike is the same key. */
static int canon(int code)
{
	switch (code) {
	case '\r':
	case KEYS_FN(KEY_ENTER): return '\n';
	case 8:
	case 127: return KEYS_FN(KEY_BACKSPACE);
	}
	return code;
}

int keys_code(int is_function_key, wint_t ch)
{
	if (is_function_key)
		return ch <= (wint_t)(INT_MAX - KEYS_FN_BASE) ? canon(KEYS_FN((int)ch)) : -1;
	return ch <= 0x10ffff ? canon((int)ch) : -1;
}

/* A character that types itself: not a C0 or C1 control, not DEL, not a function key. */
static int printable(int code)
{
	return code >= ' ' && code < KEYS_FN_BASE && code != 127 && !(code >= 0x80 && code < 0xa0);
}

/* Copies s into buf (n bytes), cut at a character boundary when it does not fit. */
static void put(char *buf, size_t n, const char *s)
{
	size_t len = strlen(s);

	if (!n)
		return;
	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
}

/* Writes cp (a valid code point) as UTF-8 into out[5]. */
static void encode(int cp, char out[5])
{
	unsigned char *o = (unsigned char *)out;

	if (cp < 0x80) {
		*o++ = (unsigned char)cp;
	} else if (cp < 0x800) {
		*o++ = (unsigned char)(0xc0 | cp >> 6);
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (unsigned char)(0xe0 | cp >> 12);
		*o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (unsigned char)(0xf0 | cp >> 18);
		*o++ = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	}
	*o = '\0';
}

/* The code point of s when s is exactly one valid UTF-8 character, else -1. */
static int one_char(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), len = utf8_seq_len(p, n), i;
	int cp;

	if (!len || len != n)
		return -1;
	if (len == 1)
		return p[0];
	cp = p[0] & (0xff >> (len + 1));
	for (i = 1; i < len; i++)
		cp = cp << 6 | (p[i] & 0x3f);
	return cp;
}

int keys_from_name(const char *name)
{
	size_t i;
	int cp;
	char *end;
	long f;

	if (!name || !*name)
		return -1;
	if ((cp = one_char(name)) >= 0)
		return printable(cp) ? cp : -1;
	for (i = 0; i < NNAMED; i++)
		if (strcasecmp(name, named[i].name) == 0)
			return named[i].code;
	if ((name[0] == 'F' || name[0] == 'f') && name[1] >= '1' && name[1] <= '9') {
		f = strtol(name + 1, &end, 10);
		if (!*end && f >= 1 && f <= 12)
			return KEYS_FN(KEY_F((int)f));
		return -1;
	}
	if ((name[0] == 'C' || name[0] == 'c') && name[1] == '-' && name[2] && !name[3]) {
		char c = name[2];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c >= 'a' && c <= 'z')
			return canon(c - 'a' + 1);
	}
	return -1;
}

void keys_name(int code, char *buf, size_t n)
{
	static const char *const ctl_rest[] = { "C-\\", "C-]", "C-^", "C-_" };
	char tmp[32];
	size_t i;

	code = canon(code);
	for (i = 0; i < NNAMED; i++)
		if (named[i].code == code) {
			put(buf, n, named[i].name);
			return;
		}
	if (code >= KEYS_FN(KEY_F(1)) && code <= KEYS_FN(KEY_F(63)))
		snprintf(tmp, sizeof(tmp), "F%d", code - KEYS_FN(KEY_F(0)));
	else if (code >= KEYS_FN_BASE)
		snprintf(tmp, sizeof(tmp), "key %04o", (unsigned)(code - KEYS_FN_BASE));
	else if (code == 0)
		snprintf(tmp, sizeof(tmp), "C-@");
	else if (code >= 1 && code <= 26)
		snprintf(tmp, sizeof(tmp), "C-%c", 'a' + code - 1);
	else if (code >= 28 && code < ' ')
		snprintf(tmp, sizeof(tmp), "%s", ctl_rest[code - 28]);
	else if (printable(code) && !(code >= 0xd800 && code <= 0xdfff) && code <= 0x10ffff)
		encode(code, tmp);
	else if (code > 0)
		snprintf(tmp, sizeof(tmp), "U+%04X", (unsigned)code);
	else
		snprintf(tmp, sizeof(tmp), "key %d", code);
	put(buf, n, tmp);
}

/* ---- actions ---- */

const char *keys_action_name(enum key_action a)
{
	return (unsigned)a < KA__COUNT ? actions[a].name : NULL;
}

int keys_action_find(const char *name)
{
	int a;

	for (a = 0; name && a < KA__COUNT; a++)
		if (strcmp(actions[a].name, name) == 0)
			return a;
	return -1;
}

const char *keys_action_help(enum key_action a)
{
	return (unsigned)a < KA__COUNT ? help[a] : NULL;
}

enum key_group keys_action_group(enum key_action a)
{
	return (unsigned)a < KA__COUNT ? actions[a].group : KG_GLOBAL;
}

const char *keys_group_title(enum key_group g)
{
	return (unsigned)g < KG__COUNT ? groups[g].title : NULL;
}

/* Where action a fires by the key code: its group's places, less the input line for a character. */
static unsigned places(int a, int code)
{
	unsigned w = groups[actions[a].group].where;

	return printable(code) ? w & ~IN(KW_INPUT) : w;
}

int keys_works_in(enum key_action a, enum key_where w)
{
	if ((unsigned)a >= KA__COUNT || (unsigned)w >= KW__COUNT)
		return 0;
	/* F1 (or whatever non-printable key help gets) reaches the input line */
	return (groups[actions[a].group].where & IN(w)) != 0;
}

/* ---- the keymap ---- */

void keys_default(struct keymap *km)
{
	int a, i;

	for (a = 0; a < KA__COUNT; a++)
		for (i = 0; i < KEYS_MAX; i++)
			km->key[a][i] = actions[a].def[i];
}

int keys_action(const struct keymap *km, enum key_where w, int code)
{
	int a, i;

	code = canon(code);
	if ((unsigned)w >= KW__COUNT || code == 0)
		return -1;
	for (a = 0; a < KA__COUNT; a++) {
		if (!(places(a, code) & IN(w)))
			continue;
		for (i = 0; i < KEYS_MAX && km->key[a][i]; i++)
			if (km->key[a][i] == code)
				return a;
	}
	return -1;
}

static void describe(const struct keymap *km, int a, int w, char *buf, size_t n)
{
	char out[KEYS_MAX * 40] = "", name[32];
	int i;

	if ((unsigned)a >= KA__COUNT) {
		put(buf, n, "");
		return;
	}
	for (i = 0; i < KEYS_MAX && km->key[a][i]; i++) {
		/* a key shadowed there (see keys_parse) is not a key for a there */
		if (w >= 0 && keys_action(km, (enum key_where)w, km->key[a][i]) != a)
			continue;
		keys_name(km->key[a][i], name, sizeof(name));
		if (*out)
			strcat(out, " / ");
		strcat(out, name);
	}
	put(buf, n, out);
}

void keys_describe(const struct keymap *km, enum key_action a, char *buf, size_t n)
{
	describe(km, (int)a, -1, buf, n);
}

void keys_describe_in(const struct keymap *km, enum key_action a, enum key_where w, char *buf,
                      size_t n)
{
	if ((unsigned)w >= KW__COUNT) {
		put(buf, n, "");
		return;
	}
	describe(km, (int)a, (int)w, buf, n);
}

/* ---- the `keys` setting ---- */

/* One ACTION=KEY,... pair, split. */
struct pair {
	const char *text; /* the pair as written */
	int action;
	int nkeys;
	int code[KEYS_MAX];
	const char *name[KEYS_MAX]; /* each key as written */
};

struct parse {
	/* an action is bound once: a pair past KA__COUNT fails before it is stored */
	struct pair pair[KA__COUNT];
	int npairs;
	int bound[KA__COUNT]; /* the pair binding each action, -1 for its defaults */
	struct error *e;
};

#define SHOW(buf, s) utf8_excerpt((buf), sizeof(buf), (s), strlen(s))

/* Fails with "keys: 'PAIR': " and the message. */
static int bad(struct parse *p, const char *pair, const char *fmt, ...) LOOM_PRINTF(3, 4);
static int bad(struct parse *p, const char *pair, const char *fmt, ...)
{
	char msg[400], q[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return error_set(p->e, "keys: '%s': %s", SHOW(q, pair), msg);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Splits the key list s (the part of the pair after '=', writable) into pr.
 * Keys are separated by commas; a comma where a key would be empty and that
 * ends the list or is followed by another is the key ',' itself, so
 * "x=," and "x=y,," bind the comma while "x=y,,z" has an empty key.
 */
static int parse_keys(struct parse *p, struct pair *pr, char *s)
{
	char q[64], *end, sep;
	int code, i;

	for (;;) {
		if (*s == ',' && (s[1] == ',' || !s[1]))
			end = s + 1;
		else
			end = s + strcspn(s, ",");
		if (end == s)
			return bad(p, pr->text, "empty key");
		if (pr->nkeys == KEYS_MAX)
			return bad(p, pr->text, "more than %d keys", KEYS_MAX);
		sep = *end;
		*end = '\0';
		if ((code = keys_from_name(s)) < 0)
			return bad(p, pr->text, "no key '%s'", SHOW(q, s));
		for (i = 0; i < pr->nkeys; i++) {
			if (pr->code[i] != code)
				continue;
			if (strcasecmp(pr->name[i], s) == 0)
				return bad(p, pr->text, "%s is given twice", s);
			return bad(p, pr->text, "%s is the same key as %s", s, pr->name[i]);
		}
		if (actions[pr->action].typing && printable(code)) {
			char ch[5];
			encode(code, ch);
			return bad(
			        p, pr->text,
			        "binding %s to '%s' would stop you typing '%s' in the input line",
			        s, actions[pr->action].name, ch);
		}
		pr->name[pr->nkeys] = s;
		pr->code[pr->nkeys++] = code;
		if (!sep)
			return 0;
		s = end + 1;
		if (!*s)
			return bad(p, pr->text, "empty key");
	}
}

/* Parses the pair in text (as written) and parts (a writable copy to split). */
static int parse_pair(struct parse *p, const char *text, char *parts)
{
	struct pair *pr;
	char *eq = strchr(parts, '='), q[64];
	int a;

	if (!eq || eq == parts)
		return bad(p, text, "expected ACTION=KEY");
	*eq = '\0';
	if ((a = keys_action_find(parts)) < 0)
		return bad(p, text, "no action '%s'", SHOW(q, parts));
	if (p->bound[a] >= 0)
		return bad(p, text, "'%s' is bound twice", parts);
	pr = &p->pair[p->npairs];
	memset(pr, 0, sizeof(*pr));
	pr->text = text;
	pr->action = a;
	if (parse_keys(p, pr, eq + 1) < 0)
		return -1;
	p->bound[a] = p->npairs++;
	return 0;
}

static const char *where_phrase(unsigned w)
{
	static const char *const one[KW__COUNT] = {
		[KW_INPUT] = "in the input line",
		[KW_CONV] = "in the conversation pane",
		[KW_LEDGER] = "in the ledger pane",
		[KW_DIFF] = "in the diff pane",
	};
	int i;

	if (w == EVERYWHERE)
		return "everywhere";
	if (w == PANES)
		return "in every pane but the input line";
	for (i = 0; !(w & IN(i)); i++)
		;
	return one[i];
}

/* Checks pair i's keys against the bindings in force, km, of every action not bound by a later pair. */
static int check_conflicts(struct parse *p, const struct keymap *km, int i)
{
	const struct pair *pr = &p->pair[i];
	char canon_name[32], shown[80];
	int k, b, j;

	for (k = 0; k < pr->nkeys; k++) {
		int code = pr->code[k];
		for (b = 0; b < KA__COUNT; b++) {
			unsigned shared;
			if (b == pr->action || p->bound[b] > i)
				continue;
			/* a key given to a pane's action takes it from movement's defaults there */
			if (p->bound[b] < 0 && actions[b].group == KG_MOVE &&
			    (actions[pr->action].group == KG_DIFF ||
			     actions[pr->action].group == KG_LEDGER))
				continue;
			for (j = 0; j < KEYS_MAX && km->key[b][j] && km->key[b][j] != code; j++)
				;
			if (j == KEYS_MAX || !km->key[b][j])
				continue;
			shared = places(pr->action, code) & places(b, code);
			if (!shared)
				continue;
			keys_name(code, canon_name, sizeof(canon_name));
			if (strcasecmp(pr->name[k], canon_name) == 0)
				snprintf(shown, sizeof(shown), "%s", pr->name[k]);
			else
				snprintf(shown, sizeof(shown), "%s (%s)", pr->name[k], canon_name);
			return bad(p, pr->text, "%s is already bound to '%s' %s", shown,
			           actions[b].name, where_phrase(shared));
		}
	}
	return 0;
}

int keys_parse(struct keymap *km, const char *spec, struct error *e)
{
	struct parse *p = xcalloc(1, sizeof(*p));
	struct keymap out;
	char *text, *parts, *s;
	int a, i, k, r = 0;

	keys_default(km);
	if (!spec) {
		free(p);
		return 0;
	}
	p->e = e;
	for (a = 0; a < KA__COUNT; a++)
		p->bound[a] = -1;
	/* two copies at the same offsets: one keeps each pair whole for messages */
	text = xstrdup(spec);
	parts = xstrdup(spec);
	s = text;
	while (r == 0) {
		char *w;
		while (is_blank(*s))
			s++;
		if (!*s)
			break;
		w = s;
		while (*s && !is_blank(*s))
			s++;
		if (*s)
			*s++ = '\0';
		parts[w - text + strlen(w)] = '\0';
		r = parse_pair(p, w, parts + (w - text));
	}
	out = *km;
	for (i = 0; r == 0 && i < p->npairs; i++) {
		const struct pair *pr = &p->pair[i];
		for (k = 0; k < KEYS_MAX; k++)
			out.key[pr->action][k] = k < pr->nkeys ? pr->code[k] : 0;
	}
	for (i = 0; r == 0 && i < p->npairs; i++)
		r = check_conflicts(p, &out, i);
	if (r == 0)
		*km = out;
	free(text);
	free(parts);
	free(p);
	return r;
}
