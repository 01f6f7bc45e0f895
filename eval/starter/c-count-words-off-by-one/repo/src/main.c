/* wordstat: prints the line, word and byte counts of standard input */
#include <stdio.h>
#include <stdlib.h>

#include "words.h"

int main(void)
{
    size_t len = 0, cap = 4096, got;
    char *text = malloc(cap);

    if (!text)
        goto oom;
    while ((got = fread(text + len, 1, cap - len - 1, stdin)) > 0) {
        len += got;
        if (len + 1 == cap) {
            char *bigger = realloc(text, cap * 2);

            if (!bigger)
                goto oom;
            text = bigger;
            cap *= 2;
        }
    }
    text[len] = '\0';
    printf("%zu %zu %zu\n", count_lines(text), count_words(text), len);
    free(text);
    return 0;

oom:
    fprintf(stderr, "wordstat: out of memory\n");
    return 1;
}
