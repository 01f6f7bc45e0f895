#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "path.h"

#define EXPECT_STR(got, want) assert(strcmp((got), (want)) == 0)

int main(void)
{
    EXPECT_STR(path_base("a/b/c.txt"), "c.txt");
    EXPECT_STR(path_base("c.txt"), "c.txt");
    EXPECT_STR(path_base("dir/"), "");

    EXPECT_STR(path_ext("notes.txt"), "txt");
    EXPECT_STR(path_ext("src/main.c"), "c");
    EXPECT_STR(path_ext("Makefile"), "");
    EXPECT_STR(path_ext(".bashrc"), "");
    EXPECT_STR(path_ext("v1.2/README"), "");
    EXPECT_STR(path_ext("backup/site.tar.gz"), "gz");
    EXPECT_STR(path_ext("photos/IMG_0001.final.JPG"), "JPG");

    printf("path: all passed\n");
    return 0;
}
