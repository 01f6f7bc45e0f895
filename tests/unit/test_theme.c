/* test_theme.c - tui/theme: the file format, its errors, finding themes, fewer colours. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/error.h"
#include "tui/theme.h"

#define CHECK_STYLE(st, f, b, a)                                                                   \
	do {                                                                                       \
		CHECK_INT((st).fg, (f));                                                           \
		CHECK_INT((st).bg, (b));                                                           \
		CHECK_INT((st).attrs, (a));                                                        \
	} while (0)

/* Parses text (a C string) labelled 'ocean', checking that it succeeds. */
static struct theme parse_ok(const char *text)
{
	struct theme t;
	struct error e = ERROR_INIT;

	memset(&t, 0x55, sizeof(t));
	CHECK_INT(theme_parse(&t, "ocean", text, strlen(text), &e), 0);
	CHECK_STR(e.msg, "");
	if (e.msg[0])
		fprintf(stderr, "  while parsing: %s\n", text);
	return t;
}

/* Parses len bytes that must fail; returns the message, and checks t was left alone. */
static const char *parse_err(const char *label, const char *text, size_t len)
{
	static struct error e;
	struct theme t, before;

	memset(&t, 0x55, sizeof(t));
	before = t;
	e.msg[0] = '\0';
	CHECK_INT(theme_parse(&t, label, text, len, &e), -1);
	CHECK(memcmp(&t, &before, sizeof(t)) == 0);
	return e.msg;
}

static void test_slots(void)
{
	static const char *const want[] = {
		"default",
		"border",
		"border.focus",
		"title",
		"title.focus",
		"status",
		"status.busy",
		"status.error",
		"user",
		"assistant",
		"streaming",
		"plan.todo",
		"plan.doing",
		"plan.done",
		"plan.failed",
		"error",
		"note",
		"ledger.path",
		"ledger.score",
		"ledger.rule",
		"ledger.evidence",
		"ledger.packed",
		"ledger.dropped",
		"diff.file",
		"diff.hunk",
		"diff.add",
		"diff.del",
		"diff.context",
		"diff.approved",
		"diff.rejected",
		"cursor",
		"input",
		"input.prompt",
		"completion",
		"completion.selected",
		"help.key",
		"help.text",
		"spinner",
	};
	size_t i;

	CHECK_INT(THEME__COUNT, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK_STR(theme_slot_name((enum theme_slot)i), want[i]);
		CHECK_INT(theme_slot_find(want[i]), i);
	}
	CHECK_INT(THEME_DIFF_ADD, 25);
	CHECK_STR(theme_slot_name(THEME_COMPLETION_SELECTED), "completion.selected");
	CHECK(theme_slot_name(THEME__COUNT) == NULL);
	CHECK_INT(theme_slot_find("diff"), -1);
	CHECK_INT(theme_slot_find("Diff.add"), -1);
	CHECK_INT(theme_slot_find(""), -1);
}

/* 1 when the theme text sets slot on a line of its own, with no inherit line anywhere */
static int sets_slot(const char *text, const char *slot, int *inherits)
{
	const char *line = text;
	int found = 0;

	while (*line) {
		const char *end = strchr(line, '\n'), *p = line;
		size_t n;
		if (!end)
			end = line + strlen(line);
		while (*p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, " \t=\n");
		if (n == strlen(slot) && strncmp(p, slot, n) == 0 && strchr(p, '=') &&
		    strchr(p, '=') < end)
			found++;
		if (n == 7 && strncmp(p, "inherit", 7) == 0)
			*inherits = 1;
		line = *end ? end + 1 : end;
	}
	return found == 1;
}

static void test_builtins(void)
{
	const char *const *names = theme_builtin_names();
	struct theme t, d;
	struct error e = ERROR_INIT;
	int i, k;

	CHECK_STR(names[0], "dark");
	CHECK_STR(names[1], "high-contrast");
	CHECK_STR(names[2], "light");
	CHECK(names[3] == NULL);
	CHECK(theme_builtin_text("nonesuch") == NULL);
	for (i = 0; names[i]; i++) {
		const char *text = theme_builtin_text(names[i]);
		int inherits = 0;

		CHECK(text != NULL);
		if (!text)
			continue;
		CHECK_INT(theme_parse(&t, names[i], text, strlen(text), &e), 0);
		CHECK_STR(e.msg, "");
		for (k = 0; k < THEME__COUNT; k++) {
			const char *slot = theme_slot_name((enum theme_slot)k);
			if (!sets_slot(text, slot, &inherits))
				fprintf(stderr, "built-in '%s' does not set '%s' once\n", names[i],
				        slot);
			CHECK(sets_slot(text, slot, &inherits));
			CHECK(t.s[k].fg >= -1 && t.s[k].fg <= 255);
			CHECK(t.s[k].bg >= -1 && t.s[k].bg <= 255);
			CHECK(t.s[k].attrs < (1u << 5));
		}
		CHECK_INT(inherits, 0);
		/* the same text through theme_load */
		CHECK_INT(theme_load(&d, names[i], &e), 0);
		CHECK(memcmp(&t, &d, sizeof(t)) == 0);
	}

	theme_default(&d);
	CHECK_INT(theme_load(&t, "dark", &e), 0);
	CHECK(memcmp(&t, &d, sizeof(t)) == 0);
	CHECK_STR(d.name, "Dark");
	CHECK_STYLE(d.s[THEME_DEFAULT], -1, -1, 0);
	CHECK_STYLE(d.s[THEME_DIFF_ADD], 114, -1, 0);
	CHECK_STYLE(d.s[THEME_STATUS], 250, 236, 0);
	CHECK_STYLE(d.s[THEME_CURSOR], -1, -1, THEME_REVERSE);

	CHECK_INT(theme_load(&t, "light", &e), 0);
	CHECK_STR(t.name, "Light");
	CHECK_STYLE(t.s[THEME_DIFF_DEL], 160, -1, 0);

	CHECK_INT(theme_load(&t, "high-contrast", &e), 0);
	CHECK_STR(t.name, "High contrast");
	CHECK_STYLE(t.s[THEME_DEFAULT], 231, 16, 0);
	for (k = 0; k < THEME__COUNT; k++) {
		CHECK(!(t.s[k].attrs & THEME_DIM));
		CHECK(t.s[k].bg != -1);
		CHECK(t.s[k].fg != -1);
	}
}

static void test_colours(void)
{
	static const struct {
		const char *word;
		int colour;
	} cases[] = {
		{ "default", -1 },
		{ "black", 0 },
		{ "red", 1 },
		{ "green", 2 },
		{ "yellow", 3 },
		{ "blue", 4 },
		{ "magenta", 5 },
		{ "cyan", 6 },
		{ "white", 7 },
		{ "bright-black", 8 },
		{ "bright-red", 9 },
		{ "bright-green", 10 },
		{ "bright-yellow", 11 },
		{ "bright-blue", 12 },
		{ "bright-magenta", 13 },
		{ "bright-cyan", 14 },
		{ "bright-white", 15 },
		{ "Bright-White", 15 },
		{ "0", 0 },
		{ "7", 7 },
		{ "214", 214 },
		{ "255", 255 },
		{ "007", 7 },
		/* the cube's corners and exact points: 16 + 36r + 6g + b */
		{ "#000000", 16 },
		{ "#ffffff", 231 },
		{ "#5f87af", 67 },  /* levels 1, 2, 3 */
		{ "#D70000", 160 }, /* 16 + 36 * 4 */
		{ "#5f5f5f", 59 },  /* a grey that the cube has exactly */
		/* the grey ramp: 232 + i is 8 + 10i */
		{ "#080808", 232 },
		{ "#808080", 244 },
		{ "#eeeeee", 255 },
		{ "#626262", 241 },
		/* nearest: #767676 (118) is 17 from cube 135 on each channel, exactly grey 243 */
		{ "#767676", 243 },
		/* #606060 (96) is 1 from cube 95 (59) on each channel, 2 from grey 98 (241) */
		{ "#606060", 59 },
		/* #444444 (68): cube 95 is 27 per channel away, grey 68 (238) exact */
		{ "#444444", 238 },
		/* #ff0001: cube (255, 0, 0) is 1 away */
		{ "#ff0001", 196 },
		/*
		 * #123456 = (18, 52, 86): the cube's nearest is (0, 95, 95) = 23 at
		 * 18^2 + 43^2 + 9^2 = 2254; the nearest grey is 48 (236) at 30^2 +
		 * 4^2 + 38^2 = 2360, so the cube wins, narrowly
		 */
		{ "#123456", 23 },
		/*
		 * #303a30 = (48, 58, 48): the cube's nearest is (95, 95, 95) = 59 at
		 * 47^2 * 2 + 37^2 = 5787; grey 48 (236) at 10^2 = 100, so the grey wins
		 */
		{ "#303a30", 236 },
	};
	char text[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct theme t;
		snprintf(text, sizeof(text), "diff.add = %s on %s", cases[i].word, cases[i].word);
		t = parse_ok(text);
		if (t.s[THEME_DIFF_ADD].fg != cases[i].colour)
			fprintf(stderr, "colour '%s'\n", cases[i].word);
		CHECK_INT(t.s[THEME_DIFF_ADD].fg, cases[i].colour);
		CHECK_INT(t.s[THEME_DIFF_ADD].bg, cases[i].colour);
	}
}

static void test_attributes(void)
{
	struct theme t;

	t = parse_ok("diff.add = green on blue bold underline\n"
	             "diff.del = BOLD Italic dim\n"
	             "cursor = reverse\n"
	             "note = 244 underline underline\n"
	             "spinner = on 236\n"
	             "help.key = bold dim italic underline reverse\n");
	CHECK_STYLE(t.s[THEME_DIFF_ADD], 2, 4, THEME_BOLD | THEME_UNDERLINE);
	CHECK_STYLE(t.s[THEME_DIFF_DEL], -1, -1, THEME_BOLD | THEME_ITALIC | THEME_DIM);
	CHECK_STYLE(t.s[THEME_CURSOR], -1, -1, THEME_REVERSE);
	CHECK_STYLE(t.s[THEME_NOTE], 244, -1, THEME_UNDERLINE);
	CHECK_STYLE(t.s[THEME_SPINNER], -1, 236, 0);
	CHECK_STYLE(t.s[THEME_HELP_KEY], -1, -1,
	            THEME_BOLD | THEME_DIM | THEME_ITALIC | THEME_UNDERLINE | THEME_REVERSE);
	CHECK_STYLE(t.s[THEME_DIFF_CONTEXT], -1, -1, 0);
}

static void test_fallback(void)
{
	struct theme t;

	t = parse_ok("default = 252 on 235 bold\n"
	             "border = 240 underline\n"
	             "diff.add = green\n"
	             "diff.del = on default\n"
	             "completion = 16 on 74\n"
	             "status.busy = 221\n");
	CHECK_STR(t.name, "ocean");
	CHECK_STYLE(t.s[THEME_DEFAULT], 252, 235, THEME_BOLD);
	/* set: missing colours are the parent's, attributes only those written */
	CHECK_STYLE(t.s[THEME_BORDER], 240, 235, THEME_UNDERLINE);
	CHECK_STYLE(t.s[THEME_DIFF_ADD], 2, 235, 0);
	CHECK_STYLE(t.s[THEME_DIFF_DEL], 252, -1, 0);
	CHECK_STYLE(t.s[THEME_STATUS_BUSY], 221, 235, 0);
	/* unset: the parent's whole style */
	CHECK_STYLE(t.s[THEME_BORDER_FOCUS], 240, 235, THEME_UNDERLINE);
	CHECK_STYLE(t.s[THEME_COMPLETION_SELECTED], 16, 74, 0);
	CHECK_STYLE(t.s[THEME_DIFF_HUNK], 252, 235, THEME_BOLD);
	CHECK_STYLE(t.s[THEME_TITLE_FOCUS], 252, 235, THEME_BOLD);
	CHECK_STYLE(t.s[THEME_STATUS_ERROR], 252, 235, THEME_BOLD);

	/* an empty theme is the terminal's colours everywhere */
	t = parse_ok("");
	CHECK_STYLE(t.s[THEME_DIFF_ADD], -1, -1, 0);
	CHECK_STYLE(t.s[THEME_SPINNER], -1, -1, 0);

	/* the name, when not given, is the label's last component less .theme */
	{
		struct error e = ERROR_INIT;
		CHECK_INT(theme_parse(&t, "/x/y/sea.theme", "", 0, &e), 0);
		CHECK_STR(t.name, "sea");
		CHECK_INT(theme_parse(&t, "a.theme.bak", "", 0, &e), 0);
		CHECK_STR(t.name, "a.theme.bak");
	}
}

static void test_inherit(void)
{
	struct theme t, light;

	CHECK_INT(theme_load(&light, "light", NULL), 0);
	t = parse_ok("inherit = light\n"
	             "border = red\n"
	             "default = 16 on 231\n");
	CHECK_STR(t.name, "ocean");
	CHECK_STYLE(t.s[THEME_DEFAULT], 16, 231, 0);
	/* set here: the parent is this file's default */
	CHECK_STYLE(t.s[THEME_BORDER], 1, 231, 0);
	/* not set: light's, even where the parent changed */
	CHECK(memcmp(&t.s[THEME_BORDER_FOCUS], &light.s[THEME_BORDER_FOCUS],
	             sizeof(struct theme_style)) == 0);
	CHECK_STYLE(t.s[THEME_DIFF_ADD], 28, -1, 0);
	CHECK_STYLE(t.s[THEME_COMPLETION_SELECTED], 231, 25, THEME_BOLD);

	/* inherit after the styles, and a name */
	t = parse_ok("diff.add = 33\nname = Sea\ninherit = light\n");
	CHECK_STR(t.name, "Sea");
	CHECK_STYLE(t.s[THEME_DIFF_ADD], 33, -1, 0);
	CHECK_STYLE(t.s[THEME_DIFF_DEL], 160, -1, 0);
	CHECK_STYLE(t.s[THEME_STATUS], 236, 254, 0);
}

static void test_comments(void)
{
	struct theme t;

	t = parse_ok("# a comment\n"
	             "   # an indented comment = red\n"
	             "\n"
	             "  \t \n"
	             "\t diff.add\t=\tgreen   on\t blue  # trailing\r\n"
	             "name = My #1 theme # named\n"
	             "spinner = #ff0000 #\n"
	             "border = 240");
	CHECK_STYLE(t.s[THEME_DIFF_ADD], 2, 4, 0);
	CHECK_STR(t.name, "My #1 theme");
	CHECK_STYLE(t.s[THEME_SPINNER], 196, -1, 0);
	CHECK_STYLE(t.s[THEME_BORDER], 240, -1, 0);
	CHECK_STR(parse_err("ocean", "diff.del=red#x", 14),
	          "theme 'ocean' line 1: 'red#x' is not a colour or an attribute");
}

static void test_errors(void)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "diff.addd = green", "line 1: unknown style 'diff.addd'" },
		{ "\n# x\n\ndiff.add = 300",
		  "line 4: '300' is not a colour (0-255, a name, or #rrggbb)" },
		{ "diff.add = green on 256",
		  "line 1: '256' is not a colour (0-255, a name, or #rrggbb)" },
		{ "diff.add = #12345g",
		  "line 1: '#12345g' is not a colour (0-255, a name, or #rrggbb)" },
		{ "diff.add = #1234",
		  "line 1: '#1234' is not a colour (0-255, a name, or #rrggbb)" },
		{ "diff.add = -1", "line 1: '-1' is not a colour (0-255, a name, or #rrggbb)" },
		{ "diff.add = gren", "line 1: 'gren' is not a colour or an attribute" },
		{ "diff.add = \x1b[31m",
		  "line 1: '\\x1b[31m' is not a colour (0-255, a name, or #rrggbb)" },
		{ "diff.add = green blinky",
		  "line 1: 'blinky' is not an attribute (bold, dim, italic, underline, reverse)" },
		{ "diff.add = green bold blink",
		  "line 1: 'blink' is not an attribute (bold, dim, italic, underline, reverse)" },
		{ "diff.add = green red", "line 1: unexpected 'red' after 'green'" },
		{ "diff.add = green on black 12", "line 1: unexpected '12' after 'black'" },
		{ "diff.add = bold red", "line 1: unexpected 'red' after 'bold'" },
		{ "border = red\ndiff.add green", "line 2: missing '=' after 'diff.add'" },
		{ "= green", "line 1: missing a style name before '='" },
		{ "diff.add = green on blue on red", "line 1: 'on' appears twice" },
		{ "diff.add = on blue bold on red", "line 1: 'on' appears twice" },
		{ "diff.add = bold on red", "line 1: 'on' must come before the attributes" },
		{ "diff.add = green on", "line 1: 'on' needs a colour after it" },
		{ "diff.add =", "line 1: 'diff.add' needs a style after '='" },
		{ "diff.add = # nothing", "line 1: 'diff.add' needs a style after '='" },
		{ "diff.add = red\n\ndiff.add = blue",
		  "line 3: 'diff.add' is set twice (first on line 1)" },
		{ "inherit = ocean",
		  "line 1: cannot inherit 'ocean': no built-in theme has that name" },
		{ "inherit =", "line 1: 'inherit' needs a theme name" },
		{ "inherit = dark light", "line 1: unexpected 'light' after 'dark'" },
		{ "inherit = dark\ninherit = light",
		  "line 2: 'inherit' is set twice (first on line 1)" },
		{ "name =", "line 1: 'name' needs a value" },
		{ "name = a\nname = b", "line 2: 'name' is set twice (first on line 1)" },
		{ "name = 0123456789012345678901234567890123456789012345678901234567890123",
		  "line 1: the name is longer than 63 bytes" },
		{ "name = a\tb", "line 1: the name contains a control character" },
		{ "name = caf\xc3", "line 1: the name is not valid UTF-8" },
		/* the first bad line is the one reported */
		{ "border = red\ndiff.add = 300\ndiff.del = 999\nfoo = 1",
		  "line 2: '300' is not a colour (0-255, a name, or #rrggbb)" },
	};
	char want[600], *big;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(want, sizeof(want), "theme 'ocean' %s", cases[i].msg);
		CHECK_STR(parse_err("ocean", cases[i].text, strlen(cases[i].text)), want);
	}

	/* a loop: a theme labelled as a built-in that inherits itself */
	CHECK_STR(parse_err("dark", "inherit = dark", 14),
	          "theme 'dark' line 1: inherit loop: 'dark' -> 'dark'");
	CHECK_STR(parse_err("light", "border = red\ninherit = light\n", 29),
	          "theme 'light' line 2: inherit loop: 'light' -> 'light'");

	/* a NUL byte, counted in len */
	CHECK_STR(parse_err("ocean", "border = red\ndiff.add = gr\0een\n", 31),
	          "theme 'ocean' line 2: the line contains a NUL byte");

	/* lines of 1,000 bytes pass, 1,001 do not */
	big = xmalloc(THEME_MAX_BYTES + 2);
	memset(big, ' ', 2000);
	memcpy(big, "border = red\n", 13);
	memcpy(big + 13, "diff.add = 33", 13);
	big[13 + 1000] = '\n';
	{
		struct theme t;
		struct error e = ERROR_INIT;
		CHECK_INT(theme_parse(&t, "ocean", big, 13 + 1001, &e), 0);
		CHECK_STR(e.msg, "");
		CHECK_INT(t.s[THEME_DIFF_ADD].fg, 33);
	}
	big[13 + 1000] = ' ';
	big[13 + 1001] = '\n';
	CHECK_STR(parse_err("ocean", big, 13 + 1002),
	          "theme 'ocean' line 2: the line is longer than 1000 bytes");

	/* 64 KiB pass, a byte more does not */
	memset(big, '\n', THEME_MAX_BYTES + 1);
	{
		struct theme t;
		struct error e = ERROR_INIT;
		CHECK_INT(theme_parse(&t, "ocean", big, THEME_MAX_BYTES, &e), 0);
	}
	CHECK_STR(parse_err("ocean", big, THEME_MAX_BYTES + 1),
	          "theme 'ocean' is larger than 64 KiB");
	free(big);
}

static void write_file(const char *path, const char *data, size_t len)
{
	if (len == (size_t)-1)
		len = strlen(data);
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_INT(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_load(void)
{
	char root[] = "/tmp/loom-test-theme-XXXXXX", path[512], want[1024], *big;
	struct theme t, dflt, dark;
	struct error e = ERROR_INIT;

	if (!mkdtemp(root)) {
		perror("mkdtemp");
		check_failures++;
		return;
	}
	theme_default(&dflt);
	dark = dflt;
	snprintf(path, sizeof(path), "%s/loom", root);
	CHECK_INT(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/loom/themes", root);
	CHECK_INT(mkdir(path, 0700), 0);
	setenv("XDG_CONFIG_HOME", root, 1);

	/* a user theme, inheriting */
	snprintf(path, sizeof(path), "%s/loom/themes/ocean.theme", root);
	write_file(path, "name = Ocean\ninherit = dark\ndiff.add = 33 bold\n", -1);
	CHECK_INT(theme_load(&t, "ocean", &e), 0);
	CHECK_STR(e.msg, "");
	CHECK_STR(t.name, "Ocean");
	CHECK_STYLE(t.s[THEME_DIFF_ADD], 33, -1, THEME_BOLD);
	CHECK_STYLE(t.s[THEME_DIFF_DEL], dark.s[THEME_DIFF_DEL].fg, -1, 0);

	/* a user file wins over the built-in of its name, and can build on it */
	snprintf(path, sizeof(path), "%s/loom/themes/light.theme", root);
	write_file(path, "inherit = light\nborder = red\n", -1);
	CHECK_INT(theme_load(&t, "light", &e), 0);
	CHECK_STR(t.name, "light");
	CHECK_STYLE(t.s[THEME_BORDER], 1, -1, 0);
	CHECK_STYLE(t.s[THEME_DIFF_ADD], 28, -1, 0);
	CHECK_INT(theme_load(&t, "high-contrast", &e), 0);
	CHECK_STR(t.name, "High contrast");

	/* a bad user file: the first bad line, named by path, and the default theme */
	snprintf(path, sizeof(path), "%s/loom/themes/broken.theme", root);
	write_file(path, "border = red\nborder.focus = 300\nx = y\n", -1);
	CHECK_INT(theme_load(&t, "light", &e), 0);
	CHECK_INT(theme_load(&t, "broken", &e), -1);
	snprintf(want, sizeof(want),
	         "theme '%s' line 2: '300' is not a colour (0-255, a name, or #rrggbb)", path);
	CHECK_STR(e.msg, want);
	CHECK(memcmp(&t, &dflt, sizeof(t)) == 0);

	/* a name with a '/' is a path, whatever its suffix */
	snprintf(path, sizeof(path), "%s/sea.txt", root);
	write_file(path, "diff.del = 160\n", -1);
	CHECK_INT(theme_load(&t, path, &e), 0);
	CHECK_STR(t.name, "sea.txt");
	CHECK_STYLE(t.s[THEME_DIFF_DEL], 160, -1, 0);
	CHECK_STYLE(t.s[THEME_DIFF_ADD], -1, -1, 0);
	snprintf(path, sizeof(path), "%s/none.theme", root);
	CHECK_INT(theme_load(&t, path, &e), -1);
	snprintf(want, sizeof(want), "no theme file '%s'", path);
	CHECK_STR(e.msg, want);

	/* unknown: the error says where it looked, and t is the default */
	CHECK_INT(theme_load(&t, "light", &e), 0);
	CHECK_INT(theme_load(&t, "nonesuch", &e), -1);
	snprintf(
	        want, sizeof(want),
	        "unknown theme 'nonesuch': no file '%s/loom/themes/nonesuch.theme' and no built-in "
	        "theme of that name",
	        root);
	CHECK_STR(e.msg, want);
	CHECK(memcmp(&t, &dflt, sizeof(t)) == 0);
	CHECK_INT(theme_load(&t, "", &e), -1);
	CHECK_STR(e.msg, "empty theme name");
	CHECK_INT(theme_load(&t, NULL, &e), -1);
	CHECK_STR(e.msg, "empty theme name");

	/* not a regular file, and too large */
	snprintf(path, sizeof(path), "%s/loom/themes/dir.theme", root);
	CHECK_INT(mkdir(path, 0700), 0);
	CHECK_INT(theme_load(&t, "dir", &e), -1);
	snprintf(want, sizeof(want), "theme '%s' is not a regular file", path);
	CHECK_STR(e.msg, want);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/loom/themes/big.theme", root);
	big = xmalloc(THEME_MAX_BYTES + 1);
	memset(big, '\n', THEME_MAX_BYTES + 1);
	write_file(path, big, THEME_MAX_BYTES + 1);
	free(big);
	CHECK_INT(theme_load(&t, "big", &e), -1);
	snprintf(want, sizeof(want), "theme '%s' is larger than 64 KiB", path);
	CHECK_STR(e.msg, want);
	unlink(path);

	/* without XDG_CONFIG_HOME (or with a relative one), ~/.config */
	setenv("XDG_CONFIG_HOME", "relative", 1);
	setenv("HOME", root, 1);
	snprintf(path, sizeof(path), "%s/.config", root);
	CHECK_INT(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/.config/loom", root);
	CHECK_INT(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/.config/loom/themes", root);
	CHECK_INT(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/.config/loom/themes/home.theme", root);
	write_file(path, "spinner = 99\n", -1);
	CHECK_INT(theme_load(&t, "home", &e), 0);
	CHECK_INT(t.s[THEME_SPINNER].fg, 99);
	unsetenv("XDG_CONFIG_HOME");
	CHECK_INT(theme_load(&t, "home", &e), 0);
	CHECK_INT(t.s[THEME_SPINNER].fg, 99);
	CHECK_INT(theme_load(&t, "ocean", &e), -1);
	unlink(path);

	snprintf(path, sizeof(path), "%s/.config/loom/themes", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/.config/loom", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/.config", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/sea.txt", root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/loom/themes/ocean.theme", root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/loom/themes/light.theme", root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/loom/themes/broken.theme", root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/loom/themes", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/loom", root);
	rmdir(path);
	CHECK_INT(rmdir(root), 0);
}

static void test_color16(void)
{
	static const int cases[][2] = {
		{ -1, -1 },
		{ 0, 0 },
		{ 9, 9 },
		{ 15, 15 },
		{ 256, -1 },
		/* greys, by lightness against 0, 127, 229, 255 */
		{ 16, 0 },   /* #000000 */
		{ 231, 15 }, /* #ffffff */
		{ 236, 0 },  /* 48 */
		{ 244, 8 },  /* 128 */
		{ 250, 7 },  /* 188 */
		{ 255, 7 },  /* 238 */
		{ 59, 8 },   /* #5f5f5f, the cube's grey 95 */
		/* colours, by hue; bright from lightness (max + min) / 2 of 127.5 up */
		{ 196, 9 },  /* #ff0000 */
		{ 160, 1 },  /* #d70000: lightness 107.5 */
		{ 124, 1 },  /* #af0000 */
		{ 203, 9 },  /* #ff5f5f: a light red, not a grey */
		{ 214, 11 }, /* #ffaf00: hue 41, yellow's sector, lightness 127.5 */
		{ 130, 3 },  /* #af5f00: hue 33 */
		{ 202, 9 },  /* #ff5f00: hue 22, still red */
		{ 114, 10 }, /* #87d787: a pale green, saturation 37% */
		{ 108, 10 }, /* #87af87: saturation 23%, still a colour */
		{ 28, 2 },   /* #008700 */
		{ 46, 10 },  /* #00ff00 */
		{ 25, 4 },   /* #005faf: hue 207, blue */
		{ 21, 12 },  /* #0000ff */
		{ 30, 6 },   /* #008787 */
		{ 51, 14 },  /* #00ffff */
		{ 91, 5 },   /* #8700af: hue 286 */
		{ 140, 13 }, /* #af87d7: hue 270, magenta's */
		{ 201, 13 }, /* #ff00ff */
		{ 226, 11 }, /* #ffff00 */
		{ 230, 7 },  /* #ffffd7: saturation 16%, a grey of 241, nearer 229 than 255 */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (theme_color16(cases[i][0]) != cases[i][1])
			fprintf(stderr, "theme_color16(%d)\n", cases[i][0]);
		CHECK_INT(theme_color16(cases[i][0]), cases[i][1]);
	}
}

static void test_style_for(void)
{
	struct theme t, dark;
	struct theme_style st;
	int n, k;

	t = parse_ok("default = 252 on 235\n"
	             "diff.add = 114 bold\n"
	             "diff.del = bright-red\n"
	             "status = 16 on 16\n"
	             "border = bright-black on black\n"
	             "help.key = black on bright-yellow\n"
	             "completion.selected = 231 on 25 underline\n"
	             "streaming = italic\n");

	/* 256 and more: as written */
	for (k = 0; k < THEME__COUNT; k++) {
		st = theme_style_for(&t, (enum theme_slot)k, 256);
		CHECK(memcmp(&st, &t.s[k], sizeof(st)) == 0);
		st = theme_style_for(&t, (enum theme_slot)k, 1 << 24);
		CHECK(memcmp(&st, &t.s[k], sizeof(st)) == 0);
	}

	/* 16 colours (88 is treated as 16) */
	for (n = 16; n <= 88; n += 72) {
		CHECK_STYLE(theme_style_for(&t, THEME_DEFAULT, n), 7, 0, 0);
		CHECK_STYLE(theme_style_for(&t, THEME_DIFF_ADD, n), 10, 0, THEME_BOLD);
		CHECK_STYLE(theme_style_for(&t, THEME_DIFF_DEL, n), 9, 0, 0);
		CHECK_STYLE(theme_style_for(&t, THEME_BORDER, n), 8, 0, 0);
		CHECK_STYLE(theme_style_for(&t, THEME_HELP_KEY, n), 0, 11, 0);
		CHECK_STYLE(theme_style_for(&t, THEME_COMPLETION_SELECTED, n), 15, 4,
		            THEME_UNDERLINE);
		/* 16 on 16 became black on black: the foreground turns white */
		CHECK_STYLE(theme_style_for(&t, THEME_STATUS, n), 15, 0, 0);
	}

	/* 8 colours: bright foregrounds become bold */
	CHECK_STYLE(theme_style_for(&t, THEME_DEFAULT, 8), 7, 0, 0);
	CHECK_STYLE(theme_style_for(&t, THEME_DIFF_ADD, 8), 2, 0, THEME_BOLD);
	CHECK_STYLE(theme_style_for(&t, THEME_DIFF_DEL, 8), 1, 0, THEME_BOLD);
	CHECK_STYLE(theme_style_for(&t, THEME_HELP_KEY, 8), 0, 3, 0);
	CHECK_STYLE(theme_style_for(&t, THEME_COMPLETION_SELECTED, 8), 7, 4,
	            THEME_BOLD | THEME_UNDERLINE);
	/* bright-black on black is black on black at 8: white, still bold */
	CHECK_STYLE(theme_style_for(&t, THEME_BORDER, 8), 7, 0, THEME_BOLD);
	CHECK_STYLE(theme_style_for(&t, THEME_STATUS, 8), 7, 0, 0);
	CHECK_STYLE(theme_style_for(&t, THEME_DIFF_ADD, 15), 2, 0, THEME_BOLD);

	/* monochrome: no colours, own attributes kept, key slots marked */
	for (n = -1; n < 8; n++) {
		CHECK_STYLE(theme_style_for(&t, THEME_DEFAULT, n), -1, -1, 0);
		CHECK_STYLE(theme_style_for(&t, THEME_DIFF_ADD, n), -1, -1, THEME_BOLD);
		CHECK_STYLE(theme_style_for(&t, THEME_DIFF_DEL, n), -1, -1, THEME_UNDERLINE);
		CHECK_STYLE(theme_style_for(&t, THEME_STREAMING, n), -1, -1, THEME_ITALIC);
		CHECK_STYLE(theme_style_for(&t, THEME_COMPLETION_SELECTED, n), -1, -1,
		            THEME_UNDERLINE | THEME_REVERSE);
		CHECK_STYLE(theme_style_for(&t, THEME_CURSOR, n), -1, -1, THEME_REVERSE);
		CHECK_STYLE(theme_style_for(&t, THEME_STATUS, n), -1, -1, THEME_REVERSE);
		CHECK_STYLE(theme_style_for(&t, THEME_DIFF_APPROVED, n), -1, -1, THEME_BOLD);
		CHECK_STYLE(theme_style_for(&t, THEME_DIFF_REJECTED, n), -1, -1, THEME_DIM);
	}

	/* out of range: the default slot */
	st = theme_style_for(&t, THEME__COUNT, 256);
	CHECK_STYLE(st, 252, 235, 0);

	/* the built-ins in monochrome: what colour told apart stays apart */
	theme_default(&dark);
	{
		static const enum theme_slot apart[][2] = {
			{ THEME_DIFF_ADD, THEME_DIFF_DEL },
			{ THEME_DIFF_ADD, THEME_DIFF_CONTEXT },
			{ THEME_DIFF_DEL, THEME_DIFF_CONTEXT },
			{ THEME_DIFF_APPROVED, THEME_DIFF_REJECTED },
			{ THEME_DIFF_APPROVED, THEME_DIFF_CONTEXT },
			{ THEME_DIFF_REJECTED, THEME_DIFF_CONTEXT },
			{ THEME_PLAN_TODO, THEME_PLAN_DOING },
			{ THEME_PLAN_DOING, THEME_PLAN_DONE },
			{ THEME_PLAN_DONE, THEME_PLAN_FAILED },
			{ THEME_COMPLETION, THEME_COMPLETION_SELECTED },
			{ THEME_INPUT, THEME_CURSOR },
			{ THEME_ASSISTANT, THEME_ERROR },
			{ THEME_LEDGER_PACKED, THEME_LEDGER_DROPPED },
		};
		const char *const *names = theme_builtin_names();
		size_t i;
		for (k = 0; names[k]; k++) {
			CHECK_INT(theme_load(&t, names[k], NULL), 0);
			for (i = 0; i < sizeof(apart) / sizeof(apart[0]); i++) {
				struct theme_style a = theme_style_for(&t, apart[i][0], 0);
				struct theme_style b = theme_style_for(&t, apart[i][1], 0);
				if (a.attrs == b.attrs)
					fprintf(stderr, "'%s': '%s' and '%s' look alike\n",
					        names[k], theme_slot_name(apart[i][0]),
					        theme_slot_name(apart[i][1]));
				CHECK(a.attrs != b.attrs);
				CHECK_INT(a.fg, -1);
				CHECK_INT(b.bg, -1);
			}
		}
	}
}

int main(void)
{
	/* no user theme may stand in for a built-in */
	setenv("XDG_CONFIG_HOME", "/nonexistent-loom-test-theme", 1);
	test_slots();
	test_builtins();
	test_colours();
	test_attributes();
	test_fallback();
	test_inherit();
	test_comments();
	test_errors();
	test_load();
	test_color16();
	test_style_for();
	return check_done("test_theme");
}
