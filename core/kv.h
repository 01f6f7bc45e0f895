/* kv.h - "key = value" files: Loom's settings, rules and the like. */
#ifndef LOOM_KV_H
#define LOOM_KV_H

/*
 * Called for each "key = value" line, both trimmed of blanks; return 0 to go
 * on, or -1 after reporting the line as bad (the caller counts it).
 */
typedef int (*kv_fn)(void *ctx, const char *path, int lineno, const char *key, const char *value);

/*
 * Reads path line by line: blank lines and lines starting with '#' are
 * skipped, a line without '=' is reported as a warning naming the file and
 * line. A missing file is not an error. Returns the number of bad lines
 * (including those fn refused).
 */
int kv_read(const char *path, kv_fn fn, void *ctx);

/* Trims blanks from both ends of s in place; returns the trimmed start. */
char *kv_trim(char *s);

#endif
