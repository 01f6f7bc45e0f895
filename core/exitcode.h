/* exitcode.h - the exit statuses every loom command uses (docs in README). */
#ifndef LOOM_EXITCODE_H
#define LOOM_EXITCODE_H

enum {
	LOOM_EXIT_OK = 0,          /* success */
	LOOM_EXIT_FAIL = 1,        /* the command failed; a one-line reason was printed */
	LOOM_EXIT_USAGE = 2,       /* bad options or arguments */
	LOOM_EXIT_INTERRUPT = 130, /* stopped by SIGINT/SIGTERM; state left consistent */
};

#endif
