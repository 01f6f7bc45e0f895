/* build.h - the pieces of `loom build` (agents/build.c) that tests check alone. */
#ifndef LOOM_BUILD_H
#define LOOM_BUILD_H

/*
 * A labelled stub for a unit that could not be built: its signature and a
 * body that fails loudly when called, "TODO(loom): NAME: WHY" (WHY cut to one
 * short line that cannot end the string or comment it is in). lang is
 * "python", "c" or "rust"; caller frees.
 */
char *build_stub(const char *lang, const char *sig, const char *name, const char *why);

/*
 * The line of a test's error that names it: a compiler's first "error:"
 * line, else Python's last exception line, else a Rust panic, else the first
 * line that says something; "" for none. Caller frees.
 */
char *build_error_line(const char *err);

#endif
