/* main.c - greet's command line: the options, then one greeting per name. */
#include <stdio.h>
#include <string.h>

#include "greet.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: greet [--shout] [--greeting WORD] NAME...\n"
	           "Prints a greeting for each NAME.\n"
	           "\n"
	           "  --shout          in capitals\n"
	           "  --greeting WORD  say WORD instead of \"Hello\"\n");
}

/*
 * greet [OPTIONS] NAME...: the options come first; every argument after them
 * is a name to greet, in order.
 */
int main(int argc, char **argv)
{
	struct greet_opts o = { "Hello", 0 };
	char line[256];
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--shout")) {
			o.shout = 1;
		} else if (!strcmp(argv[i], "--greeting") && i + 1 < argc) {
			o.greeting = argv[++i];
		} else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "greet: unknown option '%s' (see greet --help)\n", argv[i]);
			return 2;
		}
	}
	if (i == argc) {
		usage(stderr);
		return 2;
	}
	for (; i < argc; i++) {
		greet_format(&o, argv[i], line, sizeof(line));
		puts(line);
	}
	return 0;
}
