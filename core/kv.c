/*
 * kv.c - the one reader of Loom's small "key = value" files.
 *
 * Settings (.loom/config), rule weights (.loom/rules) and the like share one
 * syntax and one way of complaining: a bad line is named by file and line and
 * skipped, so a typo never stops Loom and never goes unnoticed.
 */
#include "core/kv.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"

char *kv_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int kv_read(const char *path, kv_fn fn, void *ctx)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int lineno = 0, bad = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *key = kv_trim(line), *eq;

		lineno++;
		if (!*key || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			log_warn("%s:%d: expected 'name = value'; line ignored", path, lineno);
			bad++;
			continue;
		}
		*eq = '\0';
		if (fn(ctx, path, lineno, kv_trim(key), kv_trim(eq + 1)) < 0)
			bad++;
	}
	fclose(f);
	return bad;
}
