#include <stdio.h>

#include "words.h"

static int failures;

#define CHECK(expr, want)                                                      \
    do {                                                                       \
        size_t got_ = (expr);                                                  \
        if (got_ != (size_t)(want)) {                                          \
            printf("FAIL %s:%d: %s is %zu, expected %zu\n", __FILE__,          \
                   __LINE__, #expr, got_, (size_t)(want));                     \
            failures++;                                                        \
        }                                                                      \
    } while (0)

int main(void)
{
    CHECK(count_words(""), 0);
    CHECK(count_words("   \n"), 0);
    CHECK(count_words("one two three\n"), 3);
    CHECK(count_words("  leading and trailing  "), 3);
    CHECK(count_words("tabs\tand\nnewlines"), 3);
    CHECK(count_words("word"), 1);

    CHECK(count_lines(""), 0);
    CHECK(count_lines("a\nb\n"), 2);
    CHECK(count_lines("a\nb"), 2);

    if (failures) {
        printf("%d failed\n", failures);
        return 1;
    }
    printf("words: all passed\n");
    return 0;
}
