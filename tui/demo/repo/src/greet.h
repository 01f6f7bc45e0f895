#ifndef GREET_H
#define GREET_H

#include <stddef.h>

struct greet_opts {
	const char *greeting; /* "Hello" unless --greeting */
	int shout;            /* --shout: in capitals */
};

/* Writes "<greeting>, <name>!" into out: at most size bytes, always terminated. */
void greet_format(const struct greet_opts *o, const char *name, char *out, size_t size);

#endif
