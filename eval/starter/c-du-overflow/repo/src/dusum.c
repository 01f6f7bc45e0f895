/* dusum FILE...: prints each file's size and the total, like du -ch */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "du.h"

int main(int argc, char **argv)
{
    struct entry *entries = calloc((size_t)argc, sizeof(*entries));
    size_t n = 0;
    char human[32];
    int i, status = 0;

    if (!entries) {
        fprintf(stderr, "dusum: out of memory\n");
        return 1;
    }
    for (i = 1; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) < 0) {
            fprintf(stderr, "dusum: cannot stat '%s'\n", argv[i]);
            status = 1;
            continue;
        }
        entries[n].path = argv[i];
        entries[n].size = (uint64_t)st.st_size;
        du_human(entries[n].size, human, sizeof(human));
        printf("%-8s%s\n", human, argv[i]);
        n++;
    }
    du_human(du_total(entries, n), human, sizeof(human));
    printf("%-8stotal\n", human);
    free(entries);
    return status;
}
