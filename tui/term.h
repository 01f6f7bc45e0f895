/*
 * term.h - the terminal itself: curses set up and restored, styles from the
 * theme, and the one place that knows how many colours there are.
 */
#ifndef LOOM_TERM_H
#define LOOM_TERM_H

#include "core/error.h"
#include "tui/theme.h"

/*
 * Takes the terminal (newterm on stdin/stdout, raw keys, no echo, keypad,
 * colours unless NO_COLOR is set or the terminal has none). Restoring is
 * registered for every exit path: term_close, exit, fatal(). -1 with e set
 * when the terminal cannot be used (not a terminal, unknown TERM, too small
 * is fine).
 */
int term_open(struct error *e);
/* Gives the terminal back as it was; safe to call twice and from a fatal path. */
void term_close(void);
/* Whether term_open succeeded and term_close did not run yet. */
int term_active(void);

/* Sets up the colour pairs of theme t for this terminal; t is copied. */
void term_theme(const struct theme *t);
/* The curses attributes (colour pair and bold, ...) of slot s in the current theme. */
unsigned long term_style(enum theme_slot s);
/* Colours available: 0 for monochrome (NO_COLOR, or none), else 8, 16, 256, ... */
int term_colors(void);

/* Gives the terminal back for a while (to run $EDITOR), and takes it again. */
void term_suspend(void);
void term_resume(void);

/* Enables mouse reports (clicks and the wheel); 0 when the terminal has none. */
int term_mouse(int on);

#endif
