/*
 * view.h - drawing the model (tui/ui.h) on the screen: the layout, and one
 * function per pane. Views read the model and never change it, except for
 * their caches (wrapped lines, scroll clamped to what fits).
 */
#ifndef LOOM_VIEW_H
#define LOOM_VIEW_H

#include "tui/draw.h"
#include "tui/ui.h"

/* Where everything goes for the current size. wide: the panes side by side. */
struct layout {
	int wide;
	struct rect tabs, pane[UI__PANES], input, status;
	int shown[UI__PANES]; /* in the narrow layout, only the focused pane is shown */
};

void view_layout(const struct ui *u, struct layout *l);
/* Draws what is dirty (everything after a resize) and updates the terminal once. */
void view_draw(struct ui *u);
/* The pane at screen position (y, x), or -1. */
int view_pane_at(const struct ui *u, int y, int x);

void view_conv(struct ui *u, struct rect r, int focused);
void view_ledger(struct ui *u, struct rect r, int focused);
void view_diff(struct ui *u, struct rect r, int focused);

/* Draws a pane's title row, in the focused style or not; returns the rest of r, below it. */
struct rect view_title(struct rect r, int focused, const char *title, size_t n);
/* Draws the lines an empty pane shows (notes), a row each, as many as fit r. */
void view_hint(struct rect r, const char *const *lines, size_t n);

/* The rows the diff pane has: the proposal's lines and the check's output. */
size_t view_diff_rows(const struct ui *u);

/* The lines a diff pane of height h scrolls by for Page Up/Down. */
int view_page(const struct ui *u, enum ui_pane p);

#endif
