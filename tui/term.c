/*
 * term.c - the terminal: curses set up and restored, and the theme's styles.
 *
 * One screen (newterm on the process's stdin and stdout). Restoring is the
 * invariant that matters: term_close runs from the normal exit, from atexit,
 * and from fatal() through its hook, and is idempotent, so whatever ends the
 * process, the user's terminal comes back in its normal mode. Signals are
 * the controller's (tui/app.c), which turns SIGTERM and SIGHUP into a normal
 * exit through the same path.
 *
 * Styles: each theme slot gets one colour pair (slot + 1) made from the
 * theme's style for this terminal's colour count (theme_style_for), plus its
 * attributes. NO_COLOR in the environment, or a terminal without colours,
 * gives monochrome: no pairs, the attributes theme_style_for adds for it.
 */
#define _GNU_SOURCE
#include "tui/term.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/xalloc.h"

static SCREEN *screen;
static int active;
static int ncolors;
static unsigned long styles[THEME__COUNT];

int term_active(void)
{
	return active;
}

void term_close(void)
{
	if (!active)
		return;
	active = 0;
	term_mouse(0);
	endwin();
	if (screen) {
		delscreen(screen);
		screen = NULL;
	}
	fflush(stdout);
}

static void on_exit_close(void)
{
	term_close();
}

int term_open(struct error *e)
{
	static int registered;
	const char *no_color = getenv("NO_COLOR");

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return error_set(e, "the interface needs a terminal; use 'loom run' in scripts");
	screen = newterm(NULL, stdout, stdin);
	if (!screen)
		return error_set(e, "cannot use the terminal '%s' (is TERM right?)",
		                 getenv("TERM") ? getenv("TERM") : "");
	set_term(screen);
	active = 1;
	if (!registered) {
		atexit(on_exit_close);
		registered = 1;
	}
	fatal_set_hook(on_exit_close);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	ncolors = 0;
	if ((!no_color || !*no_color) && has_colors() && start_color() == OK) {
		use_default_colors();
		ncolors = COLORS;
	}
	return 0;
}

int term_colors(void)
{
	return ncolors;
}

static attr_t attrs_of(unsigned a)
{
	attr_t r = A_NORMAL;

	if (a & THEME_BOLD)
		r |= A_BOLD;
	if (a & THEME_DIM)
		r |= A_DIM;
	if (a & THEME_ITALIC)
		r |= A_ITALIC;
	if (a & THEME_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & THEME_REVERSE)
		r |= A_REVERSE;
	return r;
}

void term_theme(const struct theme *t)
{
	int i;

	for (i = 0; i < THEME__COUNT; i++) {
		struct theme_style st = theme_style_for(t, (enum theme_slot)i, ncolors);
		styles[i] = attrs_of(st.attrs);
		if (ncolors > 0 && i + 1 < COLOR_PAIRS) {
			int fg = st.fg < ncolors ? st.fg : -1, bg = st.bg < ncolors ? st.bg : -1;
			init_pair((short)(i + 1), (short)fg, (short)bg);
			styles[i] |= COLOR_PAIR(i + 1);
		}
	}
}

unsigned long term_style(enum theme_slot s)
{
	return s < THEME__COUNT ? styles[s] : A_NORMAL;
}

int term_mouse(int on)
{
	if (!active)
		return 0;
	if (on)
		return mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL) != 0;
	mousemask(0, NULL);
	return 0;
}

void term_suspend(void)
{
	if (!active)
		return;
	term_mouse(0);
	def_prog_mode();
	endwin();
	fflush(stdout);
}

void term_resume(void)
{
	if (!active)
		return;
	reset_prog_mode();
	term_mouse(1);
	clearok(curscr, TRUE);
	refresh();
}
