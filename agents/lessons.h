/*
 * lessons.h - rules learned from verified fixes, per repository: distilled by
 * the model from an error and the change that fixed it, kept in
 * .loom/lessons (plain text the user may edit), and given to the model's
 * later prompts within a small token budget.
 *
 * The file: comment lines start with '#'; each lesson is a line "- RULE",
 * optionally followed by an indented "from: ORIGIN" line saying where it
 * came from. Anything else is kept as it is and ignored.
 */
#ifndef LOOM_LESSONS_H
#define LOOM_LESSONS_H

#include <stddef.h>

#include "agents/roles.h"
#include "core/error.h"

#define LESSONS_BUDGET 300 /* tokens of lessons a prompt gets, at most */
#define LESSON_MAX     300 /* bytes of one rule */

struct lesson {
	char *rule, *from;
};

struct lessons {
	struct lesson *v;
	size_t n, cap;
};
#define LESSONS_INIT                                                                               \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* Reads the lessons of the repository whose .loom directory is loom_dir; none is not an error. */
int lessons_load(struct lessons *l, const char *loom_dir, struct error *e);
void lessons_release(struct lessons *l);
/* The file's path; caller frees. */
char *lessons_path(const char *loom_dir);
/*
 * Appends a lesson unless the same rule (ignoring case and blanks) is there,
 * creating the file with its header comment when missing (an empty rule only
 * creates it). 1 added, 0 already there (or empty), -1 with e set.
 */
int lessons_add(const char *loom_dir, const char *rule, const char *from, struct error *e);
/*
 * The lessons as prompt text, newest first, as many as fit budget tokens:
 * "Lessons learned in this repository (follow them):\n- ...\n". NULL when
 * there are none. Caller frees.
 */
char *lessons_prompt(const struct lessons *l, size_t budget);

/*
 * Worker side: one model call that turns an error, the change that caused it
 * and the change that passed into a one-line rule (*rule, caller frees):
 * trimmed, one line, at most LESSON_MAX bytes. -1 with e set.
 */
int lesson_distill(struct model *m, const struct role_io *io, const char *error, const char *failed,
                   const char *fixed, char **rule, struct error *e);

#endif
