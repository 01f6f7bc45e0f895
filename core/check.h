/*
 * check.h - the repository's check command: which one to run, and what its
 * failure says, for the verifying loop (docs/CHECKS.md).
 *
 * Curses-free and model-free: detection reads only the repository's own
 * files, never model output; the rest reads a command's output, which is
 * arbitrary bytes, in linear time and bounded memory.
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

/* ---- a failing check's output ---- */

/*
 * What matters in a failing check's output for a model with a small context:
 * the first errors with their file:line and the lines that belong to them
 * (source excerpt, caret, notes; a test's name and assertion message; a
 * traceback's last frames and exception), in their order, deduplicated,
 * warnings dropped; ANSI escapes, NULs and other control characters removed,
 * invalid UTF-8 replaced by U+FFFD, CRLF read as LF, lines over 400 bytes cut.
 * Errors that do not fit are counted in a last "[N more errors]" line. When no
 * error is recognised, the last lines of the output instead. The result is
 * valid UTF-8, at most max_bytes long (each line ends in '\n'), and owned by
 * the caller; it is empty only when the output has nothing printable or
 * max_bytes is too small for one character and a newline.
 */
char *check_trim(const char *out, size_t n, size_t max_bytes);

/*
 * The failure's class, one of check_class_names: the first class in that
 * (priority) order whose pattern occurs in the output, or "timeout" first of
 * all when timed_out is set; "other" when none does. Deterministic; the
 * patterns are listed in docs/CHECKS.md. The string is static.
 */
const char *check_classify(const char *out, size_t n, int timed_out);
/*
 * The same, and writes into why (size bytes, at least 1) the pattern that
 * decided it, for the transcript: "rustc error E0382", "exception NameError",
 * "a line containing 'undefined reference to '", "no pattern matched".
 */
const char *check_classify_why(const char *out, size_t n, int timed_out, char *why, size_t size);
/* Every class name in priority order, NULL-terminated. */
extern const char *const check_class_names[];

#define CHECK_FILE_MAX 1024
/* Where an error is, as the tool printed it. */
struct check_loc {
	/* relative to where the tool ran (a leading "./" dropped), or absolute */
	char file[CHECK_FILE_MAX];
	long line; /* 1-based; 0 when only the file is known */
	long col;  /* 1-based; 0 when unknown */
};
/*
 * Fills loc with where the first error that names a file is, taking the
 * errors in check_trim()'s order (for a traceback, its innermost frame
 * outside the Python library; for node, the line it printed above the
 * error). Returns 1, or 0 with loc emptied when no error names a file (or
 * only one CHECK_FILE_MAX bytes long or longer).
 */
int check_locate(const char *out, size_t n, struct check_loc *loc);

#endif
