/* test_keys.c - tui/keys: default bindings, lookups by focus, key names, and the `keys` setting. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "core/error.h"
#include "tui/keys.h"

#define E_ACUTE "\xc3\xa9"         /* é */
#define ZHONG   "\xe4\xb8\xad"     /* 中 */
#define GRIN    "\xf0\x9f\x98\x80" /* 😀 */

#define CTL(c) ((c) - 'a' + 1)

/* Every key name keys_name gives back as written, in no particular order. */
static const char *const canonical_names[] = {
	"Space", "Tab",  "S-Tab", "Enter", "Esc", "Backspace", "Up",  "Down",  "Left", "Right",
	"PgUp",  "PgDn", "Home",  "End",   "Del", "Ins",       "F1",  "F2",    "F3",   "F4",
	"F5",    "F6",   "F7",    "F8",    "F9",  "F10",       "F11", "F12",   "C-a",  "C-b",
	"C-c",   "C-d",  "C-e",   "C-f",   "C-g", "C-k",       "C-l", "C-n",   "C-o",  "C-p",
	"C-q",   "C-r",  "C-s",   "C-t",   "C-u", "C-v",       "C-w", "C-x",   "C-y",  "C-z",
	"a",     "A",    "?",     "~",     ",",   "=",         "-",   E_ACUTE, ZHONG,  GRIN,
};
#define NCANON (sizeof(canonical_names) / sizeof(canonical_names[0]))

static const char *name_of(int code)
{
	static char buf[64];

	keys_name(code, buf, sizeof(buf));
	return buf;
}

static const char *describe(const struct keymap *km, enum key_action a)
{
	static char buf[128];

	keys_describe(km, a, buf, sizeof(buf));
	return buf;
}

static const char *describe_in(const struct keymap *km, enum key_action a, enum key_where w)
{
	static char buf[128];

	keys_describe_in(km, a, w, buf, sizeof(buf));
	return buf;
}

/* Writes the `keys` value that binds every action to its default keys into spec (2048 bytes). */
static void default_spec(char *spec)
{
	struct keymap km;
	int a, i;

	keys_default(&km);
	spec[0] = '\0';
	for (a = 0; a < KA__COUNT; a++) {
		strcat(spec, " ");
		strcat(spec, keys_action_name(a));
		strcat(spec, "=");
		for (i = 0; i < KEYS_MAX && km.key[a][i]; i++) {
			if (i)
				strcat(spec, ",");
			strcat(spec, name_of(km.key[a][i]));
		}
	}
}

/* Parses spec, which must succeed, into *km. */
static void parse_ok(struct keymap *km, const char *spec)
{
	struct error e = ERROR_INIT;

	memset(km, 0x55, sizeof(*km));
	CHECK_INT(keys_parse(km, spec, &e), 0);
	CHECK_STR(e.msg, "");
	if (e.msg[0])
		fprintf(stderr, "  while parsing: %s\n", spec);
}

/* Parses spec, which must fail; returns the message and checks the map is the defaults, whole. */
static const char *parse_err(const char *spec)
{
	static struct error e;
	struct keymap km, def;

	keys_default(&def);
	memset(&km, 0x55, sizeof(km));
	e.msg[0] = '\0';
	CHECK_INT(keys_parse(&km, spec, &e), -1);
	CHECK(memcmp(&km, &def, sizeof(km)) == 0);
	return e.msg;
}

static void test_actions(void)
{
	static const char *const want[KA__COUNT] = {
		"next-pane", "prev-pane",   "cancel",       "quit",      "help",      "approve",
		"reject",    "approve-all", "approve-file", "next-hunk", "prev-hunk", "edit-hunk",
		"apply",     "tag",         "rerun",        "expand",    "up",        "down",
		"page-up",   "page-down",   "top",          "bottom",
	};
	int a;

	for (a = 0; a < KA__COUNT; a++) {
		CHECK_STR(keys_action_name(a), want[a]);
		CHECK_INT(keys_action_find(want[a]), a);
		CHECK(keys_action_help(a) && *keys_action_help(a));
		/* the help screen walks the actions in order, one section after another */
		if (a > 0)
			CHECK(keys_action_group(a) >= keys_action_group(a - 1));
	}
	CHECK(keys_action_name(KA__COUNT) == NULL);
	CHECK(keys_action_name((enum key_action) - 1) == NULL);
	CHECK(keys_action_help(KA__COUNT) == NULL);
	CHECK_INT(keys_action_find("Approve"), -1);
	CHECK_INT(keys_action_find(""), -1);
	CHECK_INT(keys_action_find(NULL), -1);

	CHECK_INT(keys_action_group(KA_QUIT), KG_GLOBAL);
	CHECK_INT(keys_action_group(KA_HELP), KG_GLOBAL);
	CHECK_INT(keys_action_group(KA_APPLY), KG_DIFF);
	CHECK_INT(keys_action_group(KA_EXPAND), KG_LEDGER);
	CHECK_INT(keys_action_group(KA_BOTTOM), KG_MOVE);
	CHECK_STR(keys_group_title(KG_GLOBAL), "Everywhere");
	CHECK_STR(keys_group_title(KG_DIFF), "Diff pane");
	CHECK_STR(keys_group_title(KG_LEDGER), "Ledger pane");
	CHECK_STR(keys_group_title(KG_MOVE), "Moving (every pane but the input line)");
	CHECK(keys_group_title(KG__COUNT) == NULL);

	CHECK_INT(keys_works_in(KA_HELP, KW_INPUT), 1);
	CHECK_INT(keys_works_in(KA_NEXT_PANE, KW_DIFF), 1);
	CHECK_INT(keys_works_in(KA_APPROVE, KW_INPUT), 0);
	CHECK_INT(keys_works_in(KA_APPROVE, KW_LEDGER), 0);
	CHECK_INT(keys_works_in(KA_APPROVE, KW_DIFF), 1);
	CHECK_INT(keys_works_in(KA_TAG, KW_LEDGER), 1);
	CHECK_INT(keys_works_in(KA_UP, KW_INPUT), 0);
	CHECK_INT(keys_works_in(KA_UP, KW_CONV), 1);
	CHECK_INT(keys_works_in(KA__COUNT, KW_CONV), 0);
	CHECK_INT(keys_works_in(KA_UP, KW__COUNT), 0);
}

static void test_defaults(void)
{
	static const char *const want[KA__COUNT] = {
		[KA_NEXT_PANE] = "Tab",  [KA_PREV_PANE] = "S-Tab", [KA_CANCEL] = "Esc",
		[KA_QUIT] = "C-c",       [KA_HELP] = "F1 / ?",     [KA_APPROVE] = "a",
		[KA_REJECT] = "x",       [KA_APPROVE_ALL] = "A",   [KA_APPROVE_FILE] = "f",
		[KA_NEXT_HUNK] = "n",    [KA_PREV_HUNK] = "p",     [KA_EDIT_HUNK] = "e",
		[KA_APPLY] = "Enter",    [KA_TAG] = "t",           [KA_RERUN] = "r",
		[KA_EXPAND] = "Enter",   [KA_UP] = "Up / k",       [KA_DOWN] = "Down / j",
		[KA_PAGE_UP] = "PgUp",   [KA_PAGE_DOWN] = "PgDn",  [KA_TOP] = "Home / g",
		[KA_BOTTOM] = "End / G",
	};
	struct keymap km, again;
	char spec[2048];
	int a, i;

	keys_default(&km);
	for (a = 0; a < KA__COUNT; a++) {
		CHECK_STR(describe(&km, a), want[a]);
		/* every action has a key, and the list has no holes */
		CHECK(km.key[a][0] != 0);
		for (i = 1; i < KEYS_MAX; i++)
			CHECK(km.key[a][i - 1] != 0 || km.key[a][i] == 0);
	}
	CHECK_INT(km.key[KA_QUIT][0], 3);
	CHECK_INT(km.key[KA_CANCEL][0], 27);
	CHECK_INT(km.key[KA_NEXT_PANE][0], '\t');
	CHECK_INT(km.key[KA_PREV_PANE][0], KEYS_FN(KEY_BTAB));
	CHECK_INT(km.key[KA_HELP][0], KEYS_FN(KEY_F(1)));
	CHECK_INT(km.key[KA_APPLY][0], '\n');
	CHECK_INT(km.key[KA_PAGE_DOWN][0], KEYS_FN(KEY_NPAGE));

	/*
	 * The defaults have no conflicts, which the parser relies on: binding every
	 * action to its own default keys checks each pair against all the others.
	 */
	default_spec(spec);
	parse_ok(&again, spec);
	CHECK(memcmp(&km, &again, sizeof(km)) == 0);

	/* nothing, or only blanks, is the defaults */
	parse_ok(&again, "");
	CHECK(memcmp(&km, &again, sizeof(km)) == 0);
	parse_ok(&again, "  \t ");
	CHECK(memcmp(&km, &again, sizeof(km)) == 0);
	parse_ok(&again, NULL);
	CHECK(memcmp(&km, &again, sizeof(km)) == 0);
}

static void test_lookup(void)
{
	struct keymap km;
	enum key_where w;

	keys_default(&km);

	/* typing 'a' in the input line is text; in the diff pane it approves */
	CHECK_INT(keys_action(&km, KW_INPUT, 'a'), -1);
	CHECK_INT(keys_action(&km, KW_DIFF, 'a'), KA_APPROVE);
	CHECK_INT(keys_action(&km, KW_LEDGER, 'a'), -1);
	CHECK_INT(keys_action(&km, KW_CONV, 'a'), -1);
	CHECK_INT(keys_action(&km, KW_DIFF, 'x'), KA_REJECT);
	CHECK_INT(keys_action(&km, KW_DIFF, 'A'), KA_APPROVE_ALL);
	CHECK_INT(keys_action(&km, KW_DIFF, 'f'), KA_APPROVE_FILE);
	CHECK_INT(keys_action(&km, KW_DIFF, 'n'), KA_NEXT_HUNK);
	CHECK_INT(keys_action(&km, KW_DIFF, 'p'), KA_PREV_HUNK);
	CHECK_INT(keys_action(&km, KW_DIFF, 'e'), KA_EDIT_HUNK);
	CHECK_INT(keys_action(&km, KW_LEDGER, 't'), KA_TAG);
	CHECK_INT(keys_action(&km, KW_LEDGER, 'r'), KA_RERUN);
	CHECK_INT(keys_action(&km, KW_DIFF, 't'), -1);
	CHECK_INT(keys_action(&km, KW_LEDGER, 'n'), -1);

	/* the global keys work everywhere, also while typing */
	for (w = KW_INPUT; w < KW__COUNT; w++) {
		CHECK_INT(keys_action(&km, w, '\t'), KA_NEXT_PANE);
		CHECK_INT(keys_action(&km, w, keys_code(1, KEY_BTAB)), KA_PREV_PANE);
		CHECK_INT(keys_action(&km, w, 27), KA_CANCEL);
		CHECK_INT(keys_action(&km, w, CTL('c')), KA_QUIT);
		CHECK_INT(keys_action(&km, w, keys_code(1, KEY_F(1))), KA_HELP);
	}
	/* but '?' types in the input line */
	CHECK_INT(keys_action(&km, KW_INPUT, '?'), -1);
	CHECK_INT(keys_action(&km, KW_CONV, '?'), KA_HELP);
	CHECK_INT(keys_action(&km, KW_LEDGER, '?'), KA_HELP);
	CHECK_INT(keys_action(&km, KW_DIFF, '?'), KA_HELP);

	/* movement: every pane but the input line, where Up, k and Home are the line's */
	CHECK_INT(keys_action(&km, KW_INPUT, keys_code(1, KEY_UP)), -1);
	CHECK_INT(keys_action(&km, KW_INPUT, 'k'), -1);
	CHECK_INT(keys_action(&km, KW_INPUT, keys_code(1, KEY_HOME)), -1);
	for (w = KW_CONV; w < KW__COUNT; w++) {
		CHECK_INT(keys_action(&km, w, keys_code(1, KEY_UP)), KA_UP);
		CHECK_INT(keys_action(&km, w, 'k'), KA_UP);
		CHECK_INT(keys_action(&km, w, keys_code(1, KEY_DOWN)), KA_DOWN);
		CHECK_INT(keys_action(&km, w, 'j'), KA_DOWN);
		CHECK_INT(keys_action(&km, w, keys_code(1, KEY_PPAGE)), KA_PAGE_UP);
		CHECK_INT(keys_action(&km, w, keys_code(1, KEY_NPAGE)), KA_PAGE_DOWN);
		CHECK_INT(keys_action(&km, w, keys_code(1, KEY_HOME)), KA_TOP);
		CHECK_INT(keys_action(&km, w, 'g'), KA_TOP);
		CHECK_INT(keys_action(&km, w, keys_code(1, KEY_END)), KA_BOTTOM);
		CHECK_INT(keys_action(&km, w, 'G'), KA_BOTTOM);
	}

	/* Enter however the terminal sends it: apply in the diff, expand in the ledger */
	CHECK_INT(keys_action(&km, KW_DIFF, '\n'), KA_APPLY);
	CHECK_INT(keys_action(&km, KW_DIFF, '\r'), KA_APPLY);
	CHECK_INT(keys_action(&km, KW_DIFF, KEYS_FN(KEY_ENTER)), KA_APPLY);
	CHECK_INT(keys_action(&km, KW_DIFF, keys_code(1, KEY_ENTER)), KA_APPLY);
	CHECK_INT(keys_action(&km, KW_DIFF, keys_code(0, '\r')), KA_APPLY);
	CHECK_INT(keys_action(&km, KW_LEDGER, '\r'), KA_EXPAND);
	CHECK_INT(keys_action(&km, KW_LEDGER, keys_code(1, KEY_ENTER)), KA_EXPAND);
	CHECK_INT(keys_action(&km, KW_CONV, '\n'), -1);
	CHECK_INT(keys_action(&km, KW_INPUT, '\n'), -1);
	CHECK_INT(keys_action(&km, KW_INPUT, keys_code(1, KEY_ENTER)), -1);

	/* nothing else, and nothing for a hole in the map or an unknown place */
	CHECK_INT(keys_action(&km, KW_DIFF, 'z'), -1);
	CHECK_INT(keys_action(&km, KW_DIFF, 0), -1);
	CHECK_INT(keys_action(&km, KW_DIFF, keys_code(1, KEY_F(2))), -1);
	CHECK_INT(keys_action(&km, KW__COUNT, '\t'), -1);
	CHECK_INT(keys_action(&km, (enum key_where) - 1, '\t'), -1);
}

static void test_codes(void)
{
	int bs = KEYS_FN(KEY_BACKSPACE);
	struct keymap km;

	keys_default(&km);
	CHECK_INT(keys_code(0, 'a'), 'a');
	CHECK_INT(keys_code(0, 0x4e2d), 0x4e2d);
	CHECK_INT(keys_code(0, '\n'), '\n');
	CHECK_INT(keys_code(0, '\r'), '\n');
	CHECK_INT(keys_code(1, KEY_ENTER), '\n');
	CHECK_INT(keys_code(0, 127), bs);
	CHECK_INT(keys_code(0, 8), bs);
	CHECK_INT(keys_code(1, KEY_BACKSPACE), bs);
	CHECK_INT(keys_code(1, KEY_UP), KEYS_FN(KEY_UP));
	CHECK_INT(keys_code(1, KEY_F(12)), KEYS_FN(KEY_F(12)));
	/* a function key never collides with a character */
	CHECK(keys_code(1, KEY_UP) > 0x10FFFF);
	CHECK(keys_code(1, 'a') != 'a');
	CHECK_INT(keys_code(0, 0x110000), -1);
	CHECK_INT(keys_code(0, WEOF), -1);
	CHECK_INT(keys_code(1, WEOF), -1);
	CHECK_INT(keys_action(&km, KW_DIFF, keys_code(0, 0x110000)), -1);

	CHECK_INT(keys_from_name("Tab"), 9);
	CHECK_INT(keys_from_name("Esc"), 27);
	CHECK_INT(keys_from_name("Enter"), 10);
	CHECK_INT(keys_from_name("Space"), ' ');
	CHECK_INT(keys_from_name("S-Tab"), KEYS_FN(KEY_BTAB));
	CHECK_INT(keys_from_name("Backspace"), bs);
	CHECK_INT(keys_from_name("PgUp"), KEYS_FN(KEY_PPAGE));
	CHECK_INT(keys_from_name("PgDn"), KEYS_FN(KEY_NPAGE));
	CHECK_INT(keys_from_name("Del"), KEYS_FN(KEY_DC));
	CHECK_INT(keys_from_name("Ins"), KEYS_FN(KEY_IC));
	CHECK_INT(keys_from_name("Left"), KEYS_FN(KEY_LEFT));
	CHECK_INT(keys_from_name("Right"), KEYS_FN(KEY_RIGHT));
	CHECK_INT(keys_from_name("F1"), KEYS_FN(KEY_F(1)));
	CHECK_INT(keys_from_name("F10"), KEYS_FN(KEY_F(10)));
	CHECK_INT(keys_from_name("C-a"), 1);
	CHECK_INT(keys_from_name("C-z"), 26);
	CHECK_INT(keys_from_name("a"), 'a');
	CHECK_INT(keys_from_name("A"), 'A');
	CHECK_INT(keys_from_name("?"), '?');

	/* named keys are case-insensitive, characters and the letter after C- are not... */
	CHECK_INT(keys_from_name("enter"), '\n');
	CHECK_INT(keys_from_name("ENTER"), '\n');
	CHECK_INT(keys_from_name("s-tab"), KEYS_FN(KEY_BTAB));
	CHECK_INT(keys_from_name("pgdn"), KEYS_FN(KEY_NPAGE));
	CHECK_INT(keys_from_name("f3"), KEYS_FN(KEY_F(3)));
	/* ...but Ctrl letters are case-insensitive too, being one key */
	CHECK_INT(keys_from_name("C-A"), 1);
	CHECK_INT(keys_from_name("c-a"), 1);
	CHECK_INT(keys_from_name("c-Q"), 17);

	/* what the terminal sends alike is one key */
	CHECK_INT(keys_from_name("C-i"), keys_from_name("Tab"));
	CHECK_INT(keys_from_name("C-j"), keys_from_name("Enter"));
	CHECK_INT(keys_from_name("C-m"), keys_from_name("Enter"));
	CHECK_INT(keys_from_name("C-h"), keys_from_name("Backspace"));
	CHECK_STR(name_of(keys_from_name("C-i")), "Tab");
	CHECK_STR(name_of(keys_from_name("C-m")), "Enter");
	CHECK_STR(name_of(keys_from_name("C-h")), "Backspace");
	CHECK_STR(name_of('\r'), "Enter");
	CHECK_STR(name_of(127), "Backspace");
	CHECK_STR(name_of(8), "Backspace");
	CHECK_STR(name_of(KEYS_FN(KEY_ENTER)), "Enter");

	/* not keys */
	CHECK_INT(keys_from_name(""), -1);
	CHECK_INT(keys_from_name(NULL), -1);
	CHECK_INT(keys_from_name("Ctrl-q"), -1);
	CHECK_INT(keys_from_name("C-"), -1);
	CHECK_INT(keys_from_name("C-1"), -1);
	CHECK_INT(keys_from_name("C-ab"), -1);
	CHECK_INT(keys_from_name("F0"), -1);
	CHECK_INT(keys_from_name("F13"), -1);
	CHECK_INT(keys_from_name("F01"), -1);
	CHECK_INT(keys_from_name("F1x"), -1);
	CHECK_INT(keys_from_name("F"), 'F');
	CHECK_INT(keys_from_name("ab"), -1);
	CHECK_INT(keys_from_name("Escape"), -1);
	CHECK_INT(keys_from_name("\x01"), -1);
	CHECK_INT(keys_from_name("\x7f"), -1);
	CHECK_INT(keys_from_name("\xc2\x85"), -1);     /* U+0085, a C1 control */
	CHECK_INT(keys_from_name("\xc3"), -1);         /* cut short */
	CHECK_INT(keys_from_name("\xed\xa0\x80"), -1); /* a surrogate */
	CHECK_INT(keys_from_name(E_ACUTE "!"), -1);
}

static void test_names(void)
{
	int codes[NCANON];
	size_t i, j;
	char buf[8];

	/* every named key and some characters read back as written, each a different key */
	for (i = 0; i < NCANON; i++) {
		codes[i] = keys_from_name(canonical_names[i]);
		CHECK(codes[i] > 0);
		CHECK_STR(name_of(codes[i]), canonical_names[i]);
		for (j = 0; j < i; j++)
			CHECK(codes[i] != codes[j]);
	}

	/* UTF-8 characters are their code points */
	CHECK_INT(keys_from_name(E_ACUTE), 0xe9);
	CHECK_INT(keys_from_name(ZHONG), 0x4e2d);
	CHECK_INT(keys_from_name(GRIN), 0x1f600);
	CHECK_STR(name_of(0xe9), E_ACUTE);
	CHECK_STR(name_of(0x1f600), GRIN);
	CHECK_INT(keys_code(0, 0xe9), keys_from_name(E_ACUTE));

	/* codes that have no name to read, but one to show */
	CHECK_STR(name_of(0), "C-@");
	CHECK_STR(name_of(28), "C-\\");
	CHECK_STR(name_of(31), "C-_");
	CHECK_STR(name_of(0x85), "U+0085");
	CHECK_STR(name_of(0xd800), "U+D800");
	CHECK_STR(name_of(KEYS_FN(KEY_F(20))), "F20");
	CHECK_STR(name_of(KEYS_FN(0632)), "key 0632");
	CHECK_STR(name_of(-5), "key -5");

	/* cut to fit, never inside a character */
	keys_name(keys_from_name("Backspace"), buf, 5);
	CHECK_STR(buf, "Back");
	keys_name(0xe9, buf, 2);
	CHECK_STR(buf, "");
	keys_name(0xe9, buf, 3);
	CHECK_STR(buf, E_ACUTE);
	keys_name('a', buf, 1);
	CHECK_STR(buf, "");
}

static void test_describe(void)
{
	struct keymap km;
	char buf[4];

	keys_default(&km);
	CHECK_STR(describe_in(&km, KA_HELP, KW_INPUT), "F1");
	CHECK_STR(describe_in(&km, KA_HELP, KW_CONV), "F1 / ?");
	CHECK_STR(describe_in(&km, KA_QUIT, KW_INPUT), "C-c");
	CHECK_STR(describe_in(&km, KA_APPROVE, KW_INPUT), "");
	CHECK_STR(describe_in(&km, KA_APPROVE, KW_LEDGER), "");
	CHECK_STR(describe_in(&km, KA_APPROVE, KW_DIFF), "a");
	CHECK_STR(describe_in(&km, KA_UP, KW_INPUT), "");
	CHECK_STR(describe_in(&km, KA_UP, KW_LEDGER), "Up / k");
	CHECK_STR(describe_in(&km, KA_UP, KW__COUNT), "");
	CHECK_STR(describe(&km, KA__COUNT), "");

	keys_describe(&km, KA_UP, buf, sizeof(buf));
	CHECK_STR(buf, "Up ");
	keys_describe(&km, KA_UP, buf, 1);
	CHECK_STR(buf, "");

	parse_ok(&km, "approve=" E_ACUTE ",Space,F5");
	CHECK_STR(describe(&km, KA_APPROVE), E_ACUTE " / Space / F5");
}

static void test_replace(void)
{
	struct keymap km;

	/* a binding replaces all of an action's default keys */
	parse_ok(&km, "approve=y");
	CHECK_STR(describe(&km, KA_APPROVE), "y");
	CHECK_INT(km.key[KA_APPROVE][1], 0);
	CHECK_INT(keys_action(&km, KW_DIFF, 'y'), KA_APPROVE);
	CHECK_INT(keys_action(&km, KW_DIFF, 'a'), -1);
	CHECK_INT(keys_action(&km, KW_DIFF, 'x'), KA_REJECT);

	parse_ok(&km, "approve=y,Space");
	CHECK_STR(describe(&km, KA_APPROVE), "y / Space");
	CHECK_INT(keys_action(&km, KW_DIFF, ' '), KA_APPROVE);
	CHECK_INT(keys_action(&km, KW_INPUT, ' '), -1);

	parse_ok(&km, "up=w");
	CHECK_INT(keys_action(&km, KW_CONV, 'w'), KA_UP);
	CHECK_INT(keys_action(&km, KW_CONV, 'k'), -1);
	CHECK_INT(keys_action(&km, KW_CONV, keys_code(1, KEY_UP)), -1);
	CHECK_STR(describe(&km, KA_DOWN), "Down / j");

	/* the issue's example, with blanks of every length and kind around the pairs */
	parse_ok(&km, "  approve=y \t reject=d  next-hunk=j prev-hunk=k ");
	CHECK_INT(keys_action(&km, KW_DIFF, 'y'), KA_APPROVE);
	CHECK_INT(keys_action(&km, KW_DIFF, 'd'), KA_REJECT);
	CHECK_INT(keys_action(&km, KW_DIFF, 'j'), KA_NEXT_HUNK);
	CHECK_INT(keys_action(&km, KW_DIFF, 'k'), KA_PREV_HUNK);
	/* ...which took j and k from movement in the diff pane only */
	CHECK_INT(keys_action(&km, KW_DIFF, keys_code(1, KEY_DOWN)), KA_DOWN);
	CHECK_INT(keys_action(&km, KW_LEDGER, 'j'), KA_DOWN);
	CHECK_INT(keys_action(&km, KW_CONV, 'k'), KA_UP);
	CHECK_STR(describe(&km, KA_DOWN), "Down / j");
	CHECK_STR(describe_in(&km, KA_DOWN, KW_DIFF), "Down");
	CHECK_STR(describe_in(&km, KA_DOWN, KW_LEDGER), "Down / j");
	CHECK_STR(describe_in(&km, KA_NEXT_HUNK, KW_DIFF), "j");
	parse_ok(&km, "expand=g");
	CHECK_INT(keys_action(&km, KW_LEDGER, 'g'), KA_EXPAND);
	CHECK_INT(keys_action(&km, KW_DIFF, 'g'), KA_TOP);
	CHECK_INT(keys_action(&km, KW_LEDGER, '\n'), -1);
}

static void test_bind_anything(void)
{
	struct keymap km;

	/* a key that is free: a pane's action may take a global key's place once it is freed */
	parse_ok(&km, "reject=d approve=x");
	CHECK_INT(keys_action(&km, KW_DIFF, 'x'), KA_APPROVE);
	/* the later pair frees it as well as an earlier one */
	parse_ok(&km, "approve=x reject=d");
	CHECK_INT(keys_action(&km, KW_DIFF, 'x'), KA_APPROVE);
	CHECK_INT(keys_action(&km, KW_DIFF, 'd'), KA_REJECT);
	/* swapping two keys */
	parse_ok(&km, "up=j down=k");
	CHECK_INT(keys_action(&km, KW_CONV, 'j'), KA_UP);
	CHECK_INT(keys_action(&km, KW_CONV, 'k'), KA_DOWN);

	/* the same key in two panes is no conflict */
	parse_ok(&km, "tag=a");
	CHECK_INT(keys_action(&km, KW_LEDGER, 'a'), KA_TAG);
	CHECK_INT(keys_action(&km, KW_DIFF, 'a'), KA_APPROVE);

	/* Ctrl, function, Esc and Tab keys may go to anything */
	parse_ok(&km, "quit=C-q cancel=F2 next-pane=C-n prev-pane=C-p approve=C-a,F9,Esc");
	CHECK_INT(keys_action(&km, KW_INPUT, CTL('q')), KA_QUIT);
	CHECK_INT(keys_action(&km, KW_INPUT, CTL('c')), -1);
	CHECK_INT(keys_action(&km, KW_INPUT, keys_code(1, KEY_F(2))), KA_CANCEL);
	CHECK_INT(keys_action(&km, KW_INPUT, 27), -1);
	CHECK_INT(keys_action(&km, KW_DIFF, 27), KA_APPROVE);
	CHECK_INT(keys_action(&km, KW_CONV, 27), -1);
	CHECK_INT(keys_action(&km, KW_CONV, '\t'), -1);
	parse_ok(&km, "next-pane=Tab,C-n,Right");
	CHECK_STR(describe(&km, KA_NEXT_PANE), "Tab / C-n / Right");

	/* help's character keys do not fire while typing, so help may have any */
	parse_ok(&km, "help=h,F1");
	CHECK_INT(keys_action(&km, KW_INPUT, 'h'), -1);
	CHECK_INT(keys_action(&km, KW_CONV, 'h'), KA_HELP);
	CHECK_INT(keys_action(&km, KW_INPUT, '?'), -1);
	CHECK_INT(keys_action(&km, KW_CONV, '?'), -1);

	/* '=' and ',' are keys too */
	parse_ok(&km, "approve==");
	CHECK_INT(keys_action(&km, KW_DIFF, '='), KA_APPROVE);
	parse_ok(&km, "approve=,");
	CHECK_STR(describe(&km, KA_APPROVE), ",");
	parse_ok(&km, "approve=y,,");
	CHECK_STR(describe(&km, KA_APPROVE), "y / ,");
	parse_ok(&km, "approve=,,y");
	CHECK_STR(describe(&km, KA_APPROVE), ", / y");

	/* UTF-8 characters and every way of writing Enter */
	parse_ok(&km, "approve=" E_ACUTE "," ZHONG);
	CHECK_INT(keys_action(&km, KW_DIFF, 0xe9), KA_APPROVE);
	CHECK_INT(keys_action(&km, KW_DIFF, 0x4e2d), KA_APPROVE);
	CHECK_INT(keys_action(&km, KW_INPUT, 0xe9), -1);
	parse_ok(&km, "apply=C-a expand=ENTER approve=C-m");
	CHECK_INT(keys_action(&km, KW_DIFF, '\r'), KA_APPROVE);
	CHECK_INT(keys_action(&km, KW_DIFF, keys_code(1, KEY_ENTER)), KA_APPROVE);
	CHECK_INT(keys_action(&km, KW_LEDGER, '\n'), KA_EXPAND);
	CHECK_STR(describe(&km, KA_APPROVE), "Enter");
}

static void test_errors(void)
{
	/* the form of a pair */
	CHECK_STR(parse_err("aprove=y"), "keys: 'aprove=y': no action 'aprove'");
	CHECK_STR(parse_err("Approve=y"), "keys: 'Approve=y': no action 'Approve'");
	CHECK_STR(parse_err("approve=Ctrl-q"), "keys: 'approve=Ctrl-q': no key 'Ctrl-q'");
	CHECK_STR(parse_err("approve=y,Ctrl-q"), "keys: 'approve=y,Ctrl-q': no key 'Ctrl-q'");
	CHECK_STR(parse_err("approve=y=z"), "keys: 'approve=y=z': no key 'y=z'");
	CHECK_STR(parse_err("approve"), "keys: 'approve': expected ACTION=KEY");
	CHECK_STR(parse_err("=y"), "keys: '=y': expected ACTION=KEY");
	CHECK_STR(parse_err("approve=a,b,c,d"), "keys: 'approve=a,b,c,d': more than 3 keys");
	CHECK_STR(parse_err("approve="), "keys: 'approve=': empty key");
	CHECK_STR(parse_err("approve=a,"), "keys: 'approve=a,': empty key");
	CHECK_STR(parse_err("approve=a,,b"), "keys: 'approve=a,,b': empty key");
	CHECK_STR(parse_err("approve=,,"), "keys: 'approve=,,': empty key");
	CHECK_STR(parse_err("approve=y approve=z"), "keys: 'approve=z': 'approve' is bound twice");
	CHECK_STR(parse_err("approve=y,y"), "keys: 'approve=y,y': y is given twice");
	CHECK_STR(parse_err("apply=enter,Enter"),
	          "keys: 'apply=enter,Enter': Enter is given twice");
	CHECK_STR(parse_err("apply=Enter,C-m"),
	          "keys: 'apply=Enter,C-m': C-m is the same key as Enter");
	/* what is quoted is shown safely */
	CHECK_STR(parse_err("approve=\x01"), "keys: 'approve=\\x01': no key '\\x01'");
	CHECK_STR(parse_err("approve=\xff"), "keys: 'approve=\\xff': no key '\\xff'");

	/* keys that would stop you typing */
	CHECK_STR(
	        parse_err("quit=q"),
	        "keys: 'quit=q': binding q to 'quit' would stop you typing 'q' in the input line");
	CHECK_STR(parse_err("cancel=F2,Space"),
	          "keys: 'cancel=F2,Space': binding Space to 'cancel' "
	          "would stop you typing ' ' in the input line");
	CHECK_STR(parse_err("next-pane=" E_ACUTE), "keys: 'next-pane=" E_ACUTE "': binding " E_ACUTE
	                                           " to 'next-pane' would stop you "
	                                           "typing '" E_ACUTE "' in the input line");
	CHECK_STR(parse_err("prev-pane=?"), "keys: 'prev-pane=?': binding ? to 'prev-pane' would "
	                                    "stop you typing '?' in the input line");

	/* conflicts, with a default or with an earlier pair */
	CHECK_STR(parse_err("approve=x"),
	          "keys: 'approve=x': x is already bound to 'reject' in the diff pane");
	CHECK_STR(parse_err("reject=y approve=y"),
	          "keys: 'approve=y': y is already bound to 'reject' in the diff pane");
	CHECK_STR(parse_err("approve=y reject=d,y"),
	          "keys: 'reject=d,y': y is already bound to 'approve' in the diff pane");
	CHECK_STR(parse_err("next-pane=Esc"),
	          "keys: 'next-pane=Esc': Esc is already bound to 'cancel' everywhere");
	CHECK_STR(parse_err("up=Tab"),
	          "keys: 'up=Tab': Tab is already bound to 'next-pane' in every pane but the "
	          "input line");
	CHECK_STR(parse_err("help=k"),
	          "keys: 'help=k': k is already bound to 'up' in every pane but the input line");
	/* movement's default keys give way to a pane's action, but not a key the user gave */
	CHECK_STR(parse_err("down=Down,j approve=j"),
	          "keys: 'approve=j': j is already bound to 'down' in the diff pane");
	CHECK_STR(parse_err("approve=j down=Down,j"),
	          "keys: 'down=Down,j': j is already bound to 'approve' in the diff pane");
	CHECK_STR(parse_err("down=a"),
	          "keys: 'down=a': a is already bound to 'approve' in the diff pane");
	CHECK_STR(parse_err("down=t"),
	          "keys: 'down=t': t is already bound to 'tag' in the ledger pane");
	CHECK_STR(parse_err("rerun=Tab"),
	          "keys: 'rerun=Tab': Tab is already bound to 'next-pane' in the ledger pane");
	CHECK_STR(
	        parse_err("approve=C-i"),
	        "keys: 'approve=C-i': C-i (Tab) is already bound to 'next-pane' in the diff pane");
	CHECK_STR(parse_err("approve=enter"),
	          "keys: 'approve=enter': enter is already bound to 'apply' in the diff pane");
	CHECK_STR(
	        parse_err("top=C-c"),
	        "keys: 'top=C-c': C-c is already bound to 'quit' in every pane but the input line");
	CHECK_STR(parse_err("quit=F1"),
	          "keys: 'quit=F1': F1 is already bound to 'help' everywhere");
	/* a freed key stays free only when its action is rebound without it */
	CHECK_STR(parse_err("reject=d,x approve=x"),
	          "keys: 'approve=x': x is already bound to 'reject' in the diff pane");

	/* one bad pair and the map is the defaults, whatever came before or after it */
	CHECK_STR(parse_err("approve=y aprove=z reject=q"), "keys: 'aprove=z': no action 'aprove'");
	CHECK_STR(parse_err("approve=y reject=y next-hunk=j"),
	          "keys: 'reject=y': y is already bound to 'approve' in the diff pane");
	/* an error of form is found before a conflict in an earlier pair */
	CHECK_STR(parse_err("approve=x bogus"), "keys: 'bogus': expected ACTION=KEY");
}

static void test_long_spec(void)
{
	char spec[4096], *msg;

	/* a long pair is cut in the message, which stays one line */
	memset(spec, 'a', sizeof(spec) - 1);
	spec[sizeof(spec) - 1] = '\0';
	msg = (char *)parse_err(spec);
	CHECK(strncmp(msg, "keys: 'aaaa", 11) == 0);
	CHECK(strstr(msg, "...") != NULL);
	CHECK(strchr(msg, '\n') == NULL);

	/* more pairs than there are actions */
	default_spec(spec);
	strcat(spec, " approve=a");
	CHECK_STR(parse_err(spec), "keys: 'approve=a': 'approve' is bound twice");
	default_spec(spec);
	strcat(spec, " aprove=a");
	CHECK_STR(parse_err(spec), "keys: 'aprove=a': no action 'aprove'");
}

int main(void)
{
	test_actions();
	test_defaults();
	test_lookup();
	test_codes();
	test_names();
	test_describe();
	test_replace();
	test_bind_anything();
	test_errors();
	test_long_spec();
	return check_done("test_keys");
}
