/* keys.h - the terminal interface's key bindings, rebindable from the `keys` setting. */
#ifndef LOOM_TUI_KEYS_H
#define LOOM_TUI_KEYS_H

#include <stddef.h>
#include <wchar.h>

#include "core/error.h"

/*
 * What a key can do, grouped by where it works (enum key_group): the global
 * actions, the diff pane's, the ledger pane's, then movement. The order is the
 * help screen's.
 */
enum key_action {
	KA_NEXT_PANE, /* global: work in every pane and while typing */
	KA_PREV_PANE,
	KA_CANCEL,
	KA_QUIT,
	KA_HELP,    /* global, but its printable keys (?) not while typing */
	KA_APPROVE, /* the diff pane */
	KA_REJECT,
	KA_APPROVE_ALL,
	KA_APPROVE_FILE,
	KA_NEXT_HUNK,
	KA_PREV_HUNK,
	KA_EDIT_HUNK,
	KA_APPLY,
	KA_TAG, /* the ledger pane */
	KA_RERUN,
	KA_EXPAND,
	KA_UP, /* movement: every pane but the input line */
	KA_DOWN,
	KA_PAGE_UP,
	KA_PAGE_DOWN,
	KA_TOP,
	KA_BOTTOM,
	KA__COUNT
};

/* The help screen's sections, in its order. */
enum key_group { KG_GLOBAL, KG_DIFF, KG_LEDGER, KG_MOVE, KG__COUNT };

/* What has the focus when a key is pressed. */
enum key_where { KW_INPUT, KW_CONV, KW_LEDGER, KW_DIFF, KW__COUNT };

/* The most keys one action has. */
#define KEYS_MAX 3

/*
 * Key codes. A character is its code point (0 to 0x10FFFF): Ctrl-A..Ctrl-Z are
 * 1..26, Tab 9, Enter 10, Esc 27, Space 32. A curses function key KEY_x (what
 * wget_wch returns with KEY_CODE_YES) is KEYS_FN(KEY_x), past every code point,
 * so the two never collide. A key has one canonical code, the one keys_code,
 * keys_from_name and struct keymap use:
 *
 *   Enter      10, also for '\r' (Ctrl-M) and KEY_ENTER
 *   Backspace  KEYS_FN(KEY_BACKSPACE), also for 127 (DEL) and 8 (Ctrl-H)
 *
 * so Ctrl-I is Tab, Ctrl-J and Ctrl-M are Enter, and Ctrl-H is Backspace, as
 * the terminal sends them the same.
 */
#define KEYS_FN_BASE 0x110000
#define KEYS_FN(k)   (KEYS_FN_BASE + (k))

/*
 * The canonical code of what wget_wch returned: is_function_key when it
 * returned KEY_CODE_YES. -1 (no key, no action) for a character past
 * U+10FFFF or a function key past the int range.
 */
int keys_code(int is_function_key, wint_t ch);

/*
 * Each action's keys, canonical codes, KEYS_MAX at most, the unused slots 0
 * (the first unused slot ends the list). Every action has at least one key.
 */
struct keymap {
	int key[KA__COUNT][KEYS_MAX];
};

/* Sets km to the default bindings (README, Keys). */
void keys_default(struct keymap *km);

/*
 * Sets km from the value of the `keys` setting: ACTION=KEY[,KEY...] pairs
 * separated by blanks, e.g. "approve=y,Space next-hunk=j". A pair's keys
 * replace all of its action's default keys. The whole value is checked before
 * km is set: each pair's form, action and key names first, then conflicts
 * between keys that would fire in the same place (the pane's actions, the
 * global ones and movement, counting the defaults of actions not rebound).
 * One overlap is allowed, so that "next-hunk=j prev-hunk=k" works: a key a
 * pane's action is given here that movement has by default is taken from
 * movement in that pane only (j stays down elsewhere; the arrows stay too).
 * A printable key (a character, Space) never fires while the input line has
 * the focus, where it types; so it is refused for the global actions that
 * work there, all of them but help. spec may be NULL or blank: the defaults.
 * Returns 0, or -1 with one line naming the first bad pair in e ("keys:
 * 'aprove=y': no action 'aprove'") and km set to the defaults, whole.
 */
int keys_parse(struct keymap *km, const char *spec, struct error *e);

/*
 * The action the key code (canonical or not: keys_action canonicalises it)
 * fires with w focused, or -1 for none, which in the input line includes every
 * printable key. Where two actions have the key there (a pane's action and a
 * movement default, see keys_parse), the first in enum key_action wins.
 */
int keys_action(const struct keymap *km, enum key_where w, int code);

/* The action's name in the `keys` setting ("approve"), or NULL when out of range. */
const char *keys_action_name(enum key_action a);
/* The action named name, or -1. */
int keys_action_find(const char *name);
/* One line for the help screen ("approve the selected hunk"), or NULL when out of range. */
const char *keys_action_help(enum key_action a);
/* The help screen section an action belongs to; KG_GLOBAL when out of range. */
enum key_group keys_action_group(enum key_action a);
/* The section's title ("Diff pane"), or NULL when out of range. */
const char *keys_group_title(enum key_group g);
/*
 * 1 when the action works with w focused, whatever its keys; in the input line
 * only by keys that are not characters (help by F1).
 */
int keys_works_in(enum key_action a, enum key_where w);

/*
 * The canonical code of a key name, or -1: a single printable character
 * (case-sensitive: "a", "A", "?", "é"), or one of Space, Tab, S-Tab, Enter,
 * Esc, Backspace, Up, Down, Left, Right, PgUp, PgDn, Home, End, Del, Ins,
 * F1..F12, C-a..C-z (case-insensitive: "enter", "c-A").
 */
int keys_from_name(const char *name);
/*
 * Writes the key's name into buf (n bytes, NUL-terminated, cut at a character
 * boundary): for a canonical code, the name keys_from_name reads back ("Tab",
 * "S-Tab", "C-c", "a", "é"); for other codes a name to show but not to read
 * ("C-\", "F20", "U+0085", "key 0632").
 */
void keys_name(int code, char *buf, size_t n);

/* The action's keys for the help screen and status hints, "Up / k" (buf as keys_name). */
void keys_describe(const struct keymap *km, enum key_action a, char *buf, size_t n);
/* The same, only the keys that fire it with w focused ("F1" for help in the input line). */
void keys_describe_in(const struct keymap *km, enum key_action a, enum key_where w, char *buf,
                      size_t n);

#endif
