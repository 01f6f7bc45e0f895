#include <ctype.h>
#include <string.h>

#include "strutil.h"

int str_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

char *str_lower(char *s)
{
    char *p;

    for (p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return s;
}

char *str_trim(char *s)
{
    char *start = s, *end;

    while (isspace((unsigned char)*start))
        start++;
    end = start + strlen(start);
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    memmove(s, start, (size_t)(end - start));
    s[end - start] = '\0';
    return s;
}
