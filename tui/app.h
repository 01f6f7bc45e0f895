/*
 * app.h - the interactive session: `loom [PATH]`, the terminal interface's
 * event loop around the model (ui.h), the views (view.h) and the task
 * (agents/task.h).
 */
#ifndef LOOM_APP_H
#define LOOM_APP_H

/* How a session starts. Everything may be NULL or 0. */
struct tui_opts {
	const char *dir;   /* the repository (default: the current directory) */
	const char *theme; /* a theme name or file, over the config's `theme` */
	int resume;        /* reopen the repository's last session */
	/* shown in the status bar instead of the model's name, e.g. "scripted model (demo)" */
	const char *label;
	const char *const *intro; /* lines shown as notes when the session opens, NULL-terminated */
	const char *prefill;      /* put in the input line, not sent */
};

/* `loom [PATH] [--theme NAME] [--resume]`: parses the options, then tui_run. */
int tui_main(int argc, char **argv);

/*
 * Runs a session on the terminal until the user quits. Returns an exit status
 * (core/exitcode.h): 0 after a quit, 1 when the terminal or the repository
 * cannot be used (said in one line on stderr, after the terminal is restored),
 * 130 after SIGTERM, SIGHUP or SIGINT.
 */
int tui_run(const struct tui_opts *o);

#endif
