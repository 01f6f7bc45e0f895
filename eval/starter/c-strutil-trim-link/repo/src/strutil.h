#ifndef STRUTIL_H
#define STRUTIL_H

/* str_starts_with returns 1 when s begins with prefix, else 0 */
int str_starts_with(const char *s, const char *prefix);

/* str_lower lowercases s in place and returns it */
char *str_lower(char *s);

/* str_trim removes leading and trailing whitespace from s in place and
 * returns s */
char *str_trim(char *s);

#endif
