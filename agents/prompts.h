/* prompts.h - the system prompts, kept as files in agents/prompts/ and built in. */
#ifndef LOOM_PROMPTS_H
#define LOOM_PROMPTS_H

struct prompt {
	const char *name; /* the file name without .txt */
	const char *text;
};

/* Generated from the .txt files in agents/prompts; ends with a { NULL, NULL } entry. */
extern const struct prompt prompts[];

#include "core/error.h"

/*
 * Reads DIR/NAME.txt for each built-in prompt NAME that has such a file, to be
 * used instead of it (the prompts setting; loom eval --compare can compare
 * prompts). Before a worker's sandbox: it may not read files after. -1 with e.
 */
int prompts_load_dir(const char *dir, struct error *e);
/* The prompt with this name; fatal when there is none (a build error, not a user's). */
const char *prompt_get(const char *name);

#endif
