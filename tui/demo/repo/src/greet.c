/* greet.c - one greeting, as text. */
#include "greet.h"

#include <ctype.h>
#include <stdio.h>

void greet_format(const struct greet_opts *o, const char *name, char *out, size_t size)
{
	size_t i;

	snprintf(out, size, "%s, %s!", o->greeting, name);
	if (o->shout)
		for (i = 0; out[i]; i++)
			out[i] = (char)toupper((unsigned char)out[i]);
}
