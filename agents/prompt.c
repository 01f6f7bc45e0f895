/*
 * prompt.c - looking up the built-in prompts.
 *
 * The texts live in agents/prompts/NAME.txt so they can be read, reviewed and
 * tested as text; the build turns them into the table `prompts`.
 */
#include "agents/prompts.h"

#include <string.h>

#include "core/xalloc.h"

const char *prompt_get(const char *name)
{
	const struct prompt *p;

	for (p = prompts; p->name; p++)
		if (!strcmp(p->name, name))
			return p->text;
	fatal("no built-in prompt named '%s'", name);
}
