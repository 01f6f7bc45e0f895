#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "strutil.h"

int main(void)
{
    char upper[] = "Content-Type";
    char padded[] = "  hello world \n";
    char blank[] = " \t\n";
    char plain[] = "plain";
    char inner[] = "\tkey =  value\t";

    assert(str_starts_with("--verbose", "--"));
    assert(!str_starts_with("-v", "--"));
    assert(strcmp(str_lower(upper), "content-type") == 0);

    assert(strcmp(str_trim(padded), "hello world") == 0);
    assert(strcmp(str_trim(blank), "") == 0);
    assert(str_trim(plain) == plain);
    assert(strcmp(plain, "plain") == 0);
    assert(strcmp(str_trim(inner), "key =  value") == 0);

    printf("strutil: all passed\n");
    return 0;
}
