/*
 * check.h - the repository's check command, for the verifying loop.
 *
 * Curses-free and model-free: detection reads only the repository's own
 * files, never model output.
 */
/* not LOOM_CHECK_H: tests/unit/check.h has that */
#ifndef LOOM_CORE_CHECK_H
#define LOOM_CORE_CHECK_H

#include <stddef.h>

/* ---- detection ---- */

/* One candidate check command. */
struct check_cand {
	char *cmd; /* the shell line, to be run in the repository's root */
	char *why; /* one line: which file says so, and why this form */
};
struct check_cands {
	struct check_cand *v;
	size_t n, cap;
};
#define CHECK_CANDS_INIT                                                                           \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/*
 * Appends to out the check commands the files at the top of root suggest,
 * most specific first: what the project declared as its tests (a Makefile's
 * test or check target, package.json's scripts.test, CMake's add_test or
 * enable_testing, a pytest configuration), then what its ecosystem implies
 * (cargo, go, Python unittest), then builds without tests (CMake, make's
 * default target). Returns how many it appended: 0 when nothing fits or root
 * cannot be read. Symbolic links and files over 1 MiB are not read.
 */
size_t check_detect(const char *root, struct check_cands *out);
/* Frees every candidate and leaves out empty. */
void check_cands_release(struct check_cands *out);

#endif
