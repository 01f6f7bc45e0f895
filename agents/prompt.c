/*
 * prompt.c - looking up the built-in prompts.
 *
 * The texts live in agents/prompts/NAME.txt so they can be read, reviewed and
 * tested as text; the build turns them into the table `prompts`.
 */
#include "agents/prompts.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fs.h"

#include "core/xalloc.h"

/* The prompts setting's texts, by the built-in table's index; NULL: the built-in one. */
static char *override[64];

int prompts_load_dir(const char *dir, struct error *e)
{
	size_t i;

	if (!fs_is_dir(dir))
		return error_set(e, "prompts: '%s' is not a directory", dir);
	for (i = 0; prompts[i].name && i < sizeof(override) / sizeof(override[0]); i++) {
		char *name = xasprintf("%s.txt", prompts[i].name), *path = fs_join(dir, name);
		struct buf b = BUF_INIT;
		if (access(path, F_OK) == 0) {
			if (fs_read_file(path, 1 << 20, &b, e) < 0) {
				free(name);
				free(path);
				return -1;
			}
			free(override[i]);
			override[i] = buf_detach(&b, NULL);
		}
		free(name);
		free(path);
	}
	return 0;
}

const char *prompt_get(const char *name)
{
	const struct prompt *p;

	for (p = prompts; p->name; p++)
		if (!strcmp(p->name, name))
			return (size_t)(p - prompts) < sizeof(override) / sizeof(override[0]) &&
			                       override[p - prompts]
			               ? override[p - prompts]
			               : p->text;
	fatal("no built-in prompt named '%s'", name);
}
