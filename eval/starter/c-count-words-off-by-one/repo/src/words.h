#ifndef WORDS_H
#define WORDS_H

#include <stddef.h>

/* count_words returns how many whitespace-separated words s holds */
size_t count_words(const char *s);

/* count_lines returns how many lines s holds; a last line without a
 * newline counts too */
size_t count_lines(const char *s);

#endif
