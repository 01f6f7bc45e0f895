/* prompts.h - the system prompts, kept as files in agents/prompts/ and built in. */
#ifndef LOOM_PROMPTS_H
#define LOOM_PROMPTS_H

struct prompt {
	const char *name; /* the file name without .txt */
	const char *text;
};

/* Generated from the .txt files in agents/prompts; ends with a { NULL, NULL } entry. */
extern const struct prompt prompts[];

/* The prompt with this name; fatal when there is none (a build error, not a user's). */
const char *prompt_get(const char *name);

#endif
