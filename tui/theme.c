/*
 * theme.c - colour themes: parsing theme files, finding them, and degrading
 * their colours for terminals that have fewer.
 *
 * A struct theme is a flat array of styles, one per slot, always fully
 * resolved: a colour is -1 (the terminal's own) or an xterm-256 index, never
 * "unset". Unset exists only while a file is parsed: its lines are collected
 * into one spec per slot (a colour not written is UNSET), an 'inherit' line
 * parses its built-in theme there and then, and resolution runs once the last
 * line is read, in slot order, so a slot's parent (themes/README.md) is
 * resolved before the slot. Parsing works on a copy and only writes the
 * caller's theme on success; the first bad line ends it. Nothing here knows
 * curses: the TUI turns styles into colour pairs. The built-in themes are the
 * files of themes/, which themes/embed.cmake compiles into themes.c (where
 * theme_builtin_names and theme_builtin_text live).
 */
#include "tui/theme.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fs.h"
#include "core/utf8.h"

/* a colour a line did not write; replaced by the parent's while resolving */
#define UNSET (-2)
/* how many themes an inherit chain may hold, the file being parsed included */
#define MAX_DEPTH 8

#define BAD_COLOUR "is not a colour (0-255, a name, or #rrggbb)"
#define BAD_ATTR   "is not an attribute (bold, dim, italic, underline, reverse)"

static const char *const slot_names[THEME__COUNT] = {
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

static const struct {
	const char *name;
	unsigned bit;
} attr_names[] = {
	{ "bold", THEME_BOLD },           { "dim", THEME_DIM },         { "italic", THEME_ITALIC },
	{ "underline", THEME_UNDERLINE }, { "reverse", THEME_REVERSE },
};

static const char *const color_names[16] = {
	"black",        "red",           "green",       "yellow",         "blue",
	"magenta",      "cyan",          "white",       "bright-black",   "bright-red",
	"bright-green", "bright-yellow", "bright-blue", "bright-magenta", "bright-cyan",
	"bright-white",
};

/* xterm's default palette for the 16 basic colours */
static const unsigned char basic_rgb[16][3] = {
	{ 0x00, 0x00, 0x00 }, { 0xcd, 0x00, 0x00 }, { 0x00, 0xcd, 0x00 }, { 0xcd, 0xcd, 0x00 },
	{ 0x00, 0x00, 0xee }, { 0xcd, 0x00, 0xcd }, { 0x00, 0xcd, 0xcd }, { 0xe5, 0xe5, 0xe5 },
	{ 0x7f, 0x7f, 0x7f }, { 0xff, 0x00, 0x00 }, { 0x00, 0xff, 0x00 }, { 0xff, 0xff, 0x00 },
	{ 0x5c, 0x5c, 0xff }, { 0xff, 0x00, 0xff }, { 0x00, 0xff, 0xff }, { 0xff, 0xff, 0xff },
};

/* the channel values of the 6x6x6 colour cube, indexes 16-231 */
static const unsigned char cube_level[6] = { 0, 95, 135, 175, 215, 255 };

/*
 * What monochrome adds to a slot's own attributes, so that what colour told
 * apart still stands apart (the table of themes/README.md).
 */
static const unsigned mono_attrs[THEME__COUNT] = {
	[THEME_BORDER_FOCUS] = THEME_BOLD,
	[THEME_TITLE_FOCUS] = THEME_REVERSE,
	[THEME_STATUS] = THEME_REVERSE,
	[THEME_STATUS_BUSY] = THEME_REVERSE,
	[THEME_STATUS_ERROR] = THEME_REVERSE | THEME_BOLD,
	[THEME_USER] = THEME_BOLD,
	[THEME_PLAN_DOING] = THEME_BOLD,
	[THEME_PLAN_DONE] = THEME_DIM,
	[THEME_PLAN_FAILED] = THEME_BOLD | THEME_UNDERLINE,
	[THEME_ERROR] = THEME_BOLD,
	[THEME_NOTE] = THEME_DIM,
	[THEME_LEDGER_PACKED] = THEME_BOLD,
	[THEME_LEDGER_DROPPED] = THEME_DIM,
	[THEME_DIFF_FILE] = THEME_BOLD,
	[THEME_DIFF_HUNK] = THEME_DIM,
	[THEME_DIFF_ADD] = THEME_BOLD,
	[THEME_DIFF_DEL] = THEME_UNDERLINE,
	[THEME_DIFF_APPROVED] = THEME_BOLD,
	[THEME_DIFF_REJECTED] = THEME_DIM,
	[THEME_CURSOR] = THEME_REVERSE,
	[THEME_INPUT_PROMPT] = THEME_BOLD,
	[THEME_COMPLETION_SELECTED] = THEME_REVERSE,
	[THEME_HELP_KEY] = THEME_BOLD,
};

const char *theme_slot_name(enum theme_slot s)
{
	if ((unsigned)s >= THEME__COUNT)
		return NULL;
	return slot_names[s];
}

int theme_slot_find(const char *name)
{
	int i;

	for (i = 0; i < THEME__COUNT; i++)
		if (strcmp(slot_names[i], name) == 0)
			return i;
	return -1;
}

/* The slot named by s's name up to its last dot when there is one, else default; -1 for default. */
static int slot_parent(int s)
{
	const char *name = slot_names[s], *dot = strrchr(name, '.');
	int i;

	if (s == THEME_DEFAULT)
		return -1;
	for (i = 0; dot && i < s; i++)
		if (strlen(slot_names[i]) == (size_t)(dot - name) &&
		    memcmp(slot_names[i], name, (size_t)(dot - name)) == 0)
			return i;
	return THEME_DEFAULT;
}

/* ---- colours ---- */

static void rgb_of(int c, int rgb[3])
{
	if (c < 16) {
		rgb[0] = basic_rgb[c][0];
		rgb[1] = basic_rgb[c][1];
		rgb[2] = basic_rgb[c][2];
	} else if (c < 232) {
		rgb[0] = cube_level[(c - 16) / 36];
		rgb[1] = cube_level[(c - 16) / 6 % 6];
		rgb[2] = cube_level[(c - 16) % 6];
	} else {
		rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (c - 232);
	}
}

static long dist2(const int a[3], const int b[3])
{
	long d = 0;
	int i;

	for (i = 0; i < 3; i++)
		d += (long)(a[i] - b[i]) * (a[i] - b[i]);
	return d;
}

static int chroma(const int rgb[3])
{
	int hi = rgb[0], lo = rgb[0], i;

	for (i = 1; i < 3; i++) {
		hi = rgb[i] > hi ? rgb[i] : hi;
		lo = rgb[i] < lo ? rgb[i] : lo;
	}
	return hi - lo;
}

/* the xterm-256 index nearest to rgb among the colour cube and the grey ramp */
static int rgb_to_256(const int rgb[3])
{
	int cube[3], idx[3], grey[3], i, k, best_grey = 232;
	long best = -1;

	for (i = 0; i < 3; i++) {
		idx[i] = 0;
		for (k = 1; k < 6; k++)
			if (abs(rgb[i] - cube_level[k]) < abs(rgb[i] - cube_level[idx[i]]))
				idx[i] = k;
		cube[i] = cube_level[idx[i]];
	}
	for (k = 232; k < 256; k++) {
		long d;
		rgb_of(k, grey);
		d = dist2(rgb, grey);
		if (best < 0 || d < best) {
			best = d;
			best_grey = k;
		}
	}
	if (best < dist2(rgb, cube))
		return best_grey;
	return 16 + 36 * idx[0] + 6 * idx[1] + idx[2];
}

/*
 * Hue sectors of the colour wheel, in degrees, and the basic colour of each.
 * Uneven on purpose: blue reaches down to 195 (steel blue reads as blue, not
 * cyan), green is as wide as the eye sees it, and orange goes to yellow, which
 * terminals tend to draw brownish.
 */
static const struct {
	int below;
	int colour;
} hue_sector[] = {
	{ 30, 1 }, { 75, 3 }, { 155, 2 }, { 195, 6 }, { 265, 4 }, { 330, 5 }, { 361, 1 },
};

int theme_color16(int c256)
{
	static const int greys[4] = { 0, 8, 7, 15 };
	int rgb[3], hi, lo, d, i, best = 0;
	double h;

	if (c256 < 16)
		return c256 < 0 ? -1 : c256;
	if (c256 > 255)
		return -1;
	rgb_of(c256, rgb);
	d = chroma(rgb);
	hi = rgb[0] > rgb[1] ? rgb[0] : rgb[1];
	hi = rgb[2] > hi ? rgb[2] : hi;
	lo = hi - d;
	if (d == 0 || d * 5 < hi) {
		/* low saturation: the grey of the nearest lightness */
		int mean = (rgb[0] + rgb[1] + rgb[2]) / 3;
		for (i = 1; i < 4; i++)
			if (abs(basic_rgb[greys[i]][0] - mean) <
			    abs(basic_rgb[greys[best]][0] - mean))
				best = i;
		return greys[best];
	}
	if (hi == rgb[0])
		h = 60.0 * (rgb[1] - rgb[2]) / d;
	else if (hi == rgb[1])
		h = 60.0 * (rgb[2] - rgb[0]) / d + 120;
	else
		h = 60.0 * (rgb[0] - rgb[1]) / d + 240;
	if (h < 0)
		h += 360;
	for (i = 0; h >= hue_sector[i].below; i++)
		;
	/* as light as xterm's pure bright colours (lightness 50%) or lighter: bright */
	return hue_sector[i].colour + (hi + lo >= 255 ? 8 : 0);
}

/* black or white, whichever shows on the basic colour bg */
static int contrast(int bg, int ncolors)
{
	int rgb[3];

	rgb_of(bg, rgb);
	if (299 * rgb[0] + 587 * rgb[1] + 114 * rgb[2] > 128 * 1000)
		return 0;
	return ncolors >= 16 ? 15 : 7;
}

struct theme_style theme_style_for(const struct theme *t, enum theme_slot s, int ncolors)
{
	struct theme_style st;

	if ((unsigned)s >= THEME__COUNT)
		s = THEME_DEFAULT;
	st = t->s[s];
	if (ncolors >= 256)
		return st;
	if (ncolors < 8) {
		st.fg = st.bg = -1;
		st.attrs |= mono_attrs[s];
		return st;
	}
	st.fg = theme_color16(st.fg);
	st.bg = theme_color16(st.bg);
	if (ncolors < 16) {
		if (st.fg >= 8) {
			st.fg -= 8;
			st.attrs |= THEME_BOLD;
		}
		if (st.bg >= 8)
			st.bg -= 8;
	}
	if (st.fg >= 0 && st.fg == st.bg)
		st.fg = contrast(st.bg, ncolors);
	return st;
}

/* ---- parsing ---- */

struct spec {
	int line; /* where the slot was set, 0 when it was not */
	int fg, bg;
	unsigned attrs;
};

struct parse {
	const char *label;
	int lineno;
	struct spec spec[THEME__COUNT];
	int name_line, inherit_line;
	char name[64];
	struct theme base; /* the inherited theme, when inherit_line */
	const char *chain[MAX_DEPTH];
	int depth; /* entries used in chain, this theme's label the last */
	struct error *e;
};

static int parse_text(struct theme *t, const char *label, const char *text, size_t len,
                      const char *const *chain, int depth, struct error *e);

/* Fails with "theme 'label' line N: " and the message. */
static int bad(struct parse *p, const char *fmt, ...) LOOM_PRINTF(2, 3);
static int bad(struct parse *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return error_set(p->e, "theme '%s' line %d: %s", p->label, p->lineno, msg);
}

/* a word from the file, quotable in a message whatever its bytes */
#define SHOW(buf, s) utf8_excerpt((buf), sizeof(buf), (s), strlen(s))

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static char *trim(char *s)
{
	char *end;

	while (is_blank(*s))
		s++;
	end = s + strlen(s);
	while (end > s && is_blank(end[-1]))
		*--end = '\0';
	return s;
}

/* The next blank-separated word of *s, NUL-terminated in place, or NULL at the end. */
static char *next_word(char **s)
{
	char *w = *s;

	while (is_blank(*w))
		w++;
	if (!*w)
		return NULL;
	*s = w;
	while (**s && !is_blank(**s))
		(*s)++;
	if (**s)
		*(*s)++ = '\0';
	return w;
}

/* Cuts the line at a comment: a '#' that stands alone as a word. */
static void cut_comment(char *s)
{
	char *h;

	for (h = strchr(s, '#'); h; h = strchr(h + 1, '#'))
		if ((h == s || is_blank(h[-1])) && (!h[1] || is_blank(h[1]))) {
			*h = '\0';
			return;
		}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Sets *c to the colour w names (-1 for default); -1 when it names none. */
static int parse_color(const char *w, int *c)
{
	size_t n = strlen(w), i;

	if (strcasecmp(w, "default") == 0) {
		*c = -1;
		return 0;
	}
	for (i = 0; i < 16; i++)
		if (strcasecmp(w, color_names[i]) == 0) {
			*c = (int)i;
			return 0;
		}
	if (n >= 1 && n <= 3 && strspn(w, "0123456789") == n) {
		*c = atoi(w);
		return *c <= 255 ? 0 : -1;
	}
	if (n == 7 && w[0] == '#') {
		int rgb[3];
		for (i = 0; i < 3; i++) {
			int hi = hexval(w[1 + 2 * i]), lo = hexval(w[2 + 2 * i]);
			if (hi < 0 || lo < 0)
				return -1;
			rgb[i] = hi * 16 + lo;
		}
		*c = rgb_to_256(rgb);
		return 0;
	}
	return -1;
}

static int parse_attr(const char *w, unsigned *bit)
{
	size_t i;

	for (i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]); i++)
		if (strcasecmp(w, attr_names[i].name) == 0) {
			*bit = attr_names[i].bit;
			return 0;
		}
	return -1;
}

/* "slot = [FG] [on BG] [ATTR...]" */
static int parse_style(struct parse *p, int slot, char *val)
{
	struct spec sp = { p->lineno, UNSET, UNSET, 0 };
	enum { START, COLOURS, ATTRS } state = START;
	char *w, *prev = NULL, q1[64], q2[64];
	unsigned bit;
	int c;

	if (!*val)
		return bad(p, "'%s' needs a style after '='", slot_names[slot]);
	while ((w = next_word(&val))) {
		if (strcasecmp(w, "on") == 0) {
			if (sp.bg != UNSET)
				return bad(p, "'on' appears twice");
			if (state == ATTRS)
				return bad(p, "'on' must come before the attributes");
			if (!(w = next_word(&val)))
				return bad(p, "'on' needs a colour after it");
			if (parse_color(w, &c) < 0)
				return bad(p, "'%s' " BAD_COLOUR, SHOW(q1, w));
			sp.bg = c;
			state = COLOURS;
		} else if (parse_attr(w, &bit) == 0) {
			sp.attrs |= bit;
			state = ATTRS;
		} else if (parse_color(w, &c) == 0 && state == START) {
			sp.fg = c;
			state = COLOURS;
		} else if (state != START &&
		           (parse_color(w, &c) == 0 || (*w >= '0' && *w <= '9') || *w == '#')) {
			return bad(p, "unexpected '%s' after '%s'", SHOW(q1, w), SHOW(q2, prev));
		} else if (state != START) {
			return bad(p, "'%s' " BAD_ATTR, SHOW(q1, w));
		} else if ((*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z')) {
			return bad(p, "'%s' is not a colour or an attribute", SHOW(q1, w));
		} else {
			return bad(p, "'%s' " BAD_COLOUR, SHOW(q1, w));
		}
		prev = w;
	}
	p->spec[slot] = sp;
	return 0;
}

static int parse_name(struct parse *p, char *val)
{
	size_t n = strlen(val), i, k;

	if (p->name_line)
		return bad(p, "'name' is set twice (first on line %d)", p->name_line);
	if (!n)
		return bad(p, "'name' needs a value");
	if (n >= sizeof(p->name))
		return bad(p, "the name is longer than %zu bytes", sizeof(p->name) - 1);
	for (i = 0; i < n; i += k) {
		unsigned char ch = (unsigned char)val[i];
		if (ch < 0x20 || ch == 0x7f)
			return bad(p, "the name contains a control character");
		if (!(k = utf8_seq_len((const unsigned char *)val + i, n - i)))
			return bad(p, "the name is not valid UTF-8");
	}
	memcpy(p->name, val, n + 1);
	p->name_line = p->lineno;
	return 0;
}

/* the built-in theme called name: its static name, and its text in *text; NULL when none */
static const char *builtin_find(const char *name, const char **text)
{
	const char *const *n;

	for (n = theme_builtin_names(); *n; n++)
		if (strcmp(*n, name) == 0) {
			*text = theme_builtin_text(*n);
			return *n;
		}
	return NULL;
}

static int parse_inherit(struct parse *p, char *val)
{
	const char *name, *text = NULL;
	char *w = next_word(&val), *extra, q1[64], q2[64];
	struct buf loop = BUF_INIT;
	int i;

	if (p->inherit_line)
		return bad(p, "'inherit' is set twice (first on line %d)", p->inherit_line);
	if (!w)
		return bad(p, "'inherit' needs a theme name");
	if ((extra = next_word(&val)))
		return bad(p, "unexpected '%s' after '%s'", SHOW(q1, extra), SHOW(q2, w));
	if (!(name = builtin_find(w, &text)))
		return bad(p, "cannot inherit '%s': no built-in theme has that name", SHOW(q1, w));
	for (i = 0; i < p->depth; i++)
		if (strcmp(p->chain[i], name) == 0) {
			for (i = 0; i < p->depth; i++)
				buf_addf(&loop, "'%s' -> ", p->chain[i]);
			buf_addf(&loop, "'%s'", name);
			bad(p, "inherit loop: %s", loop.ptr);
			buf_release(&loop);
			return -1;
		}
	if (p->depth == MAX_DEPTH)
		return bad(p, "inherit goes more than %d themes deep", MAX_DEPTH);
	p->chain[p->depth] = name;
	if (parse_text(&p->base, name, text, strlen(text), p->chain, p->depth + 1, p->e) < 0)
		return -1;
	p->inherit_line = p->lineno;
	return 0;
}

static int parse_line(struct parse *p, char *line)
{
	char *s = trim(line), *eq, *key, q1[64];
	int slot;

	if (!*s || *s == '#')
		return 0;
	cut_comment(s);
	if (!(eq = strchr(s, '='))) {
		char *rest = s, *word = next_word(&rest);
		return bad(p, "missing '=' after '%s'", SHOW(q1, word));
	}
	*eq = '\0';
	key = trim(s);
	if (!*key)
		return bad(p, "missing a style name before '='");
	if (strcmp(key, "name") == 0)
		return parse_name(p, trim(eq + 1));
	if (strcmp(key, "inherit") == 0)
		return parse_inherit(p, eq + 1);
	if ((slot = theme_slot_find(key)) < 0)
		return bad(p, "unknown style '%s'", SHOW(q1, key));
	if (p->spec[slot].line)
		return bad(p, "'%s' is set twice (first on line %d)", key, p->spec[slot].line);
	return parse_style(p, slot, trim(eq + 1));
}

/* the display name of a theme without a 'name' line: its label's last component, less .theme */
static void name_from_label(char *dst, size_t size, const char *label)
{
	const char *base = strrchr(label, '/');
	size_t n;

	base = base ? base + 1 : label;
	n = strlen(base);
	if (n > 6 && strcmp(base + n - 6, ".theme") == 0)
		n -= 6;
	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)base[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, base, n);
	dst[n] = '\0';
}

static void resolve(struct parse *p, struct theme *out)
{
	int i;

	for (i = 0; i < THEME__COUNT; i++) {
		const struct spec *sp = &p->spec[i];
		struct theme_style parent = { -1, -1, 0 };
		int up = slot_parent(i);

		if (up >= 0)
			parent = out->s[up];
		if (sp->line) {
			out->s[i].fg = sp->fg == UNSET ? parent.fg : sp->fg;
			out->s[i].bg = sp->bg == UNSET ? parent.bg : sp->bg;
			out->s[i].attrs = sp->attrs;
		} else if (p->inherit_line) {
			out->s[i] = p->base.s[i];
		} else {
			out->s[i] = parent;
		}
	}
	if (p->name_line)
		memcpy(out->name, p->name, sizeof(out->name));
	else
		name_from_label(out->name, sizeof(out->name), p->label);
}

static int parse_text(struct theme *t, const char *label, const char *text, size_t len,
                      const char *const *chain, int depth, struct error *e)
{
	struct parse *p = xcalloc(1, sizeof(*p));
	char line[THEME_MAX_LINE + 1];
	size_t pos = 0;
	int r = 0;

	p->label = label;
	p->e = e;
	memcpy(p->chain, chain, sizeof(*chain) * (size_t)depth);
	p->depth = depth;
	if (len > THEME_MAX_BYTES) {
		free(p);
		return error_set(e, "theme '%s' is larger than %d KiB", label,
		                 THEME_MAX_BYTES / 1024);
	}
	while (pos < len && r == 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		p->lineno++;
		if (n > THEME_MAX_LINE) {
			r = bad(p, "the line is longer than %d bytes", THEME_MAX_LINE);
		} else if (memchr(text + pos, '\0', n)) {
			r = bad(p, "the line contains a NUL byte");
		} else {
			memcpy(line, text + pos, n);
			line[n] = '\0';
			r = parse_line(p, line);
		}
		pos += n + 1;
	}
	if (r == 0)
		resolve(p, t);
	free(p);
	return r;
}

int theme_parse(struct theme *t, const char *label, const char *text, size_t len, struct error *e)
{
	struct theme out;
	const char *chain[1] = { label };

	if (parse_text(&out, label, text, len, chain, 1, e) < 0)
		return -1;
	*t = out;
	return 0;
}

void theme_default(struct theme *t)
{
	const char *text = theme_builtin_text("dark");
	struct error e = ERROR_INIT;

	if (!text)
		fatal("no built-in theme 'dark'");
	if (theme_parse(t, "dark", text, strlen(text), &e) < 0)
		fatal("built-in theme 'dark': %s", e.msg);
}

/* ---- finding themes ---- */

/* Reads the theme file at path into b: 0, 1 when there is no such file, -1 on other failures. */
static int read_theme(const char *path, struct buf *b, struct error *e)
{
	struct stat st;
	int fd, r;

	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 1;
		return error_errno(e, "cannot open '%s'", path);
	}
	if (fstat(fd, &st) < 0) {
		r = error_errno(e, "cannot stat '%s'", path);
	} else if (!S_ISREG(st.st_mode)) {
		r = error_set(e, "theme '%s' is not a regular file", path);
	} else if (st.st_size > THEME_MAX_BYTES) {
		r = error_set(e, "theme '%s' is larger than %d KiB", path, THEME_MAX_BYTES / 1024);
	} else {
		r = fs_read_fd(fd, path, THEME_MAX_BYTES, b, e);
	}
	close(fd);
	return r;
}

/* where the user's theme called name would be, or NULL when there is no home to look in */
static char *user_path(const char *name)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (xdg && *xdg == '/')
		return xasprintf("%s/loom/themes/%s.theme", xdg, name);
	if (home && *home)
		return xasprintf("%s/.config/loom/themes/%s.theme", home, name);
	return NULL;
}

static int load(struct theme *t, const char *name, struct error *e)
{
	struct buf b = BUF_INIT;
	const char *text = NULL;
	char *path = NULL, q1[96];
	int r;

	if (!name || !*name)
		return error_set(e, "empty theme name");
	if (strchr(name, '/')) {
		if ((r = read_theme(name, &b, e)) == 1)
			r = error_set(e, "no theme file '%s'", name);
		if (r == 0)
			r = theme_parse(t, name, b.ptr, b.len, e);
		buf_release(&b);
		return r;
	}
	path = user_path(name);
	if (path && (r = read_theme(path, &b, e)) != 1) {
		if (r == 0)
			r = theme_parse(t, path, b.ptr, b.len, e);
	} else if (builtin_find(name, &text)) {
		r = theme_parse(t, name, text, strlen(text), e);
	} else if (path) {
		r = error_set(e,
		              "unknown theme '%s': no file '%s' and no built-in theme of that name",
		              SHOW(q1, name), path);
	} else {
		r = error_set(e, "unknown theme '%s': no built-in theme of that name",
		              SHOW(q1, name));
	}
	buf_release(&b);
	free(path);
	return r;
}

int theme_load(struct theme *t, const char *name, struct error *e)
{
	struct theme out;

	if (load(&out, name, e) < 0) {
		theme_default(t);
		return -1;
	}
	*t = out;
	return 0;
}
