/*
 * ui.h - the terminal interface's model: what is on the screen, as plain
 * structs with no curses. The controller (tui/app.c) changes it and marks
 * what changed (ui->dirty); the views (tui/view.c) draw from it.
 */
#ifndef LOOM_UI_H
#define LOOM_UI_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/line.h"

struct keymap;

enum ui_pane { UI_CONV, UI_LEDGER, UI_DIFF, UI__PANES };

/* What needs drawing again; UI_DIRTY_ALL after a resize or a theme change. */
enum {
	UI_DIRTY_CONV = 1 << 0,
	UI_DIRTY_LEDGER = 1 << 1,
	UI_DIRTY_DIFF = 1 << 2,
	UI_DIRTY_STATUS = 1 << 3,
	UI_DIRTY_INPUT = 1 << 4,
	UI_DIRTY_HELP = 1 << 5,
	UI_DIRTY_ALL = 0xff,
};

enum ui_entry_kind {
	UI_USER,   /* what the user asked */
	UI_MODEL,  /* model text streaming in (the Architect's or the Coder's) */
	UI_PLAN,   /* the plan, drawn from ui->plan as a checklist */
	UI_STEP,   /* a step starts */
	UI_NOTE,   /* Loom says something */
	UI_ERROR,  /* something failed, in place */
	UI_OUTPUT, /* a command's output (/test) */
};

struct ui_entry {
	enum ui_entry_kind kind;
	int step;   /* 0 when not about a step */
	char *text; /* UTF-8, owned */
	size_t len;
	/* the view's cache: the entry wrapped to wrap_width columns */
	int wrap_width;
	size_t nwrapped; /* screen lines */
};

enum ui_step_state { UI_TODO, UI_DOING, UI_DONE, UI_FAILED, UI_SKIPPED };

struct ui_step {
	char *goal;
	enum ui_step_state state;
};

enum ui_worker_state { UI_W_OFF, UI_W_IDLE, UI_W_BUSY, UI_W_LOST };

/* One line of the diff pane, flattened so that drawing a screenful is cheap. */
struct ui_diff_line {
	int file, hunk;   /* hunk -1: the file's header line */
	char origin;      /* ' ', '+', '-', '@' (hunk header), 'F' (file header), '\\' */
	const char *text; /* into the task's diff; not owned */
	size_t len;
};

struct ui {
	int rows, cols;
	enum ui_pane focus;
	unsigned dirty;
	int help;   /* the help overlay is shown */
	int quit;   /* leave the loop */
	int ctrl_c; /* Ctrl-C pressed once: a second one quits */

	/* conversation */
	struct ui_entry *entries;
	size_t nentries, cap;
	size_t conv_scroll; /* screen lines above the bottom; 0 follows the end */

	/* the plan of the running task */
	struct ui_step *steps;
	size_t nsteps;

	/* evidence ledger of the current step (or of a query the user re-ran) */
	cJSON *ledger;           /* owned; NULL when there is none */
	size_t ledger_sel;       /* selected file */
	unsigned char *expanded; /* per file */
	size_t ledger_scroll;
	const char *const *tags; /* the session's tags, for marking files (the controller's) */
	size_t ntags;

	/* the proposal under review */
	struct ui_diff_line *dl; /* flattened lines */
	size_t ndl, dlcap;
	size_t diff_scroll;
	int cur_file, cur_hunk;   /* the hunk under the cursor; -1 when none */
	int diff_follow;          /* scroll to the cursor's hunk at the next frame */
	unsigned char **decision; /* [file][hunk]: 0 undecided, 1 approved, 2 rejected */
	size_t ndfiles;
	size_t *nhunks;
	char *check; /* the last check's title and output (/test), owned; set by ui_set_check */
	size_t check_len;
	size_t *check_off; /* where each of its ncheck lines starts, and one past the last */
	size_t ncheck;

	/* input line */
	struct line input;
	char **completions; /* candidates shown for Tab, owned */
	size_t ncompletions, completion_sel;

	/* status bar */
	char model[96]; /* "qwen2.5-coder-3b (llama.cpp)" or what is wrong */
	int n_ctx, ctx_used;
	double tok_s;
	enum ui_worker_state worker[3];
	char index_state[128]; /* "index fresh", "indexing 120/4000", ... */
	int busy;              /* a model call is running: spinner */
	unsigned spin;
	uint64_t stream_t0; /* for tokens/s */
	size_t stream_chars;

	const char *theme_name;
	const struct keymap *keys; /* for the help overlay (tui/keys.h) */
};

void ui_init(struct ui *u);
void ui_release(struct ui *u);

/* Adds an entry to the conversation; returns it (valid until the next add). */
struct ui_entry *ui_add(struct ui *u, enum ui_entry_kind kind, int step, const char *text);
/* Adds text to the last entry when it is a UI_MODEL one, else starts one. */
void ui_stream(struct ui *u, int step, const char *text, size_t n);
/*
 * Replaces the text streamed for step (since the user's last message) with a
 * one-line summary, once what it said is shown better elsewhere (the plan as
 * a checklist, edit blocks as a diff).
 */
void ui_stream_done(struct ui *u, int step, const char *summary);
void ui_clear(struct ui *u);

void ui_set_plan(struct ui *u, const cJSON *plan);
void ui_step_state(struct ui *u, int step, enum ui_step_state s);

/* Takes the ledger (ownership passes to u). */
void ui_set_ledger(struct ui *u, cJSON *ledger);

/*
 * Shows a proposal: nfiles files, each with its path and hunks (the hunks'
 * lines are referenced, not copied: they must outlive the review). Every
 * decision starts undecided.
 */
struct diff;
void ui_set_proposal(struct ui *u, const char *const *paths, const struct diff *const *diffs,
                     size_t nfiles);
void ui_clear_proposal(struct ui *u);
/* Moves the hunk cursor by delta hunks (across files); 0 when it did not move. */
int ui_hunk_move(struct ui *u, int delta);
/* The first undecided hunk after the cursor (wrapping), or the cursor when none. */
void ui_hunk_next_undecided(struct ui *u);
/* The diff line index where hunk (file, hunk) starts. */
size_t ui_hunk_line(const struct ui *u, int file, int hunk);
/*
 * Shows text (valid UTF-8, taken over; NULL: nothing) under the proposal in the
 * diff pane, with its lines found once here rather than in every frame.
 */
void ui_set_check(struct ui *u, char *text);
/* Whether path is one of the session's tags. */
int ui_tagged(const struct ui *u, const char *path);

#endif
