#include <ctype.h>

#include "words.h"

size_t count_words(const char *s)
{
    size_t n = 0;
    int in_word = 0;

    for (; *s; s++) {
        if (isspace((unsigned char)*s)) {
            if (in_word)
                n++;
            in_word = 0;
        } else {
            in_word = 1;
        }
    }
    return n;
}

size_t count_lines(const char *s)
{
    size_t n = 0;
    const char *line = s;

    for (; *s; s++) {
        if (*s == '\n') {
            n++;
            line = s + 1;
        }
    }
    if (*line)
        n++;
    return n;
}
