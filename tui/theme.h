/* theme.h - the terminal interface's colour themes, read from plain-text files, without curses. */
#ifndef LOOM_THEME_H
#define LOOM_THEME_H

#include <stddef.h>

#include "core/error.h"

/*
 * The named styles the interface draws with, in the order of their names in
 * theme files (themes/README.md). A slot's parent comes before it.
 */
enum theme_slot {
	THEME_DEFAULT,
	THEME_BORDER,
	THEME_BORDER_FOCUS,
	THEME_TITLE,
	THEME_TITLE_FOCUS,
	THEME_STATUS,
	THEME_STATUS_BUSY,
	THEME_STATUS_ERROR,
	THEME_USER,
	THEME_ASSISTANT,
	THEME_STREAMING,
	THEME_PLAN_TODO,
	THEME_PLAN_DOING,
	THEME_PLAN_DONE,
	THEME_PLAN_FAILED,
	THEME_ERROR,
	THEME_NOTE,
	THEME_LEDGER_PATH,
	THEME_LEDGER_SCORE,
	THEME_LEDGER_RULE,
	THEME_LEDGER_EVIDENCE,
	THEME_LEDGER_PACKED,
	THEME_LEDGER_DROPPED,
	THEME_DIFF_FILE,
	THEME_DIFF_HUNK,
	THEME_DIFF_ADD,
	THEME_DIFF_DEL,
	THEME_DIFF_CONTEXT,
	THEME_DIFF_APPROVED,
	THEME_DIFF_REJECTED,
	THEME_CURSOR,
	THEME_INPUT,
	THEME_INPUT_PROMPT,
	THEME_COMPLETION,
	THEME_COMPLETION_SELECTED,
	THEME_HELP_KEY,
	THEME_HELP_TEXT,
	THEME_SPINNER,
	THEME__COUNT
};

/* Attribute bits of struct theme_style.attrs. */
#define THEME_BOLD      (1u << 0)
#define THEME_DIM       (1u << 1)
#define THEME_ITALIC    (1u << 2)
#define THEME_UNDERLINE (1u << 3)
#define THEME_REVERSE   (1u << 4)

/* The largest theme file, in bytes, and the longest line (without its newline). */
#define THEME_MAX_BYTES 65536
#define THEME_MAX_LINE  1000

/* A colour is -1 for the terminal's own, else an xterm 256-colour index (0-255). */
struct theme_style {
	int fg, bg;
	unsigned attrs; /* THEME_BOLD | ... */
};

/* Every slot resolved: nothing is left unset once a theme is parsed or loaded. */
struct theme {
	char name[64]; /* display name, NUL-terminated */
	struct theme_style s[THEME__COUNT];
};

/* The slot's name as written in theme files ("diff.add"), or NULL when s is out of range. */
const char *theme_slot_name(enum theme_slot s);
/* The slot named name, or -1 when there is none. */
int theme_slot_find(const char *name);

/*
 * Parses the theme text (len bytes, need not be NUL-terminated) into t. label
 * names the theme in messages ("theme 'ocean' line 12: unknown style 'x'").
 * Returns 0, or -1 with a message naming the first bad line; t is then left
 * unchanged.
 */
int theme_parse(struct theme *t, const char *label, const char *text, size_t len, struct error *e);
/*
 * Loads the theme called name: a name holding a '/' is a file's path; any other
 * is first $XDG_CONFIG_HOME/loom/themes/NAME.theme (else
 * ~/.config/loom/themes/NAME.theme), then a built-in theme. Returns 0, or -1 with
 * the reason in e and t set to the built-in default.
 */
int theme_load(struct theme *t, const char *name, struct error *e);
/* Sets t to the built-in default theme, 'dark'. */
void theme_default(struct theme *t);

/* The built-in themes' names, sorted, ending with NULL; static storage. */
const char *const *theme_builtin_names(void);
/* The source text of the built-in theme name (static storage), or NULL when there is none. */
const char *theme_builtin_text(const char *name);

/*
 * The basic colour (0-15) nearest to the 256-colour index c, for terminals
 * with 8 or 16 colours; -1 stays -1 and 0-15 stay themselves. Nearest by hue
 * rather than by distance in RGB, which would turn pastel greens and reds
 * grey: a grey (saturation under 20%) becomes black, bright-black, white or
 * bright-white by lightness; any other colour becomes the basic colour of its
 * hue, bright when its lightness is 50% or more. Out of range gives -1.
 */
int theme_color16(int c256);
/*
 * The style of slot s for a terminal with ncolors colours: 256 or more as
 * themed; 16 (up to 255) with the nearest basic colours; 8 (up to 15) with
 * bright foregrounds as their base colour plus bold and bright backgrounds as
 * their base colour; fewer than 8 (monochrome, or NO_COLOR) with no colours at
 * all and the attributes of themes/README.md added to the key slots. When
 * degrading makes foreground and background the same, the foreground becomes
 * black or white, whichever shows. An out-of-range s gives the default slot.
 */
struct theme_style theme_style_for(const struct theme *t, enum theme_slot s, int ncolors);

#endif
