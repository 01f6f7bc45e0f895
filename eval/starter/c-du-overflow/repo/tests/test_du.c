#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "du.h"

int main(void)
{
    struct entry small[] = {{"README", 512}, {"src/main.c", 2048}};
    struct entry big[] = {
        {"videos/talk.mkv", 3221225472ULL}, /* 3 GiB */
        {"videos/demo.mkv", 3221225472ULL},
        {"notes.txt", 100},
    };
    char buf[32];

    assert(du_total(small, 0) == 0);
    assert(du_total(small, 2) == 2560);
    du_human(2560, buf, sizeof(buf));
    assert(strcmp(buf, "2.5K") == 0);
    du_human(512, buf, sizeof(buf));
    assert(strcmp(buf, "512B") == 0);

    assert(du_total(big, 3) == 6442451044ULL);
    du_human(du_total(big, 3), buf, sizeof(buf));
    assert(strcmp(buf, "6.0G") == 0);

    printf("du: all passed\n");
    return 0;
}
