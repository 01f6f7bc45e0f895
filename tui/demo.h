/*
 * demo.h - `loom demo`: the whole flow in a minute, without a model server. A
 * sample repository and a scripted model (loom-fakesrv replaying reply files),
 * both compiled into loom from tui/demo/ (tui/demo/README.md), and the
 * terminal interface opened on them with the request typed in.
 */
#ifndef LOOM_DEMO_H
#define LOOM_DEMO_H

#include "core/error.h"

/* One embedded file. */
struct demo_file {
	const char *path; /* relative, '/'-separated; NULL ends a table */
	const char *text;
	unsigned mode; /* 0644, or 0755 for a file starting with "#!" */
};

/*
 * Generated from tui/demo/ by tui/demo/embed.cmake: the sample repository
 * (everything under repo/), the model's replies (script/NNN-*.reply, in file
 * order) and the request put in the input line (request.txt).
 */
extern const struct demo_file demo_repo_files[];
extern const struct demo_file demo_script_files[];
extern const char demo_request[];

/*
 * Writes the files of a table under dir (an existing directory), making their
 * directories; a file that exists already is an error. 0, or -1 with e set.
 */
int demo_write_files(const char *dir, const struct demo_file *files, struct error *e);

/* `loom demo [DIR]` and `loom demo --export DIR`; returns an exit status. */
int demo_main(int argc, char **argv);

#endif
