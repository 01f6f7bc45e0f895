/* hexd: prints a file or standard input in hex, each line led by its offset */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    fprintf(stderr, "usage: hexd [-w WIDTH] [FILE]\n");
}

/* parse_positive reads a decimal number > 0; returns -1 on anything else */
static int parse_positive(const char *s, unsigned long *out)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (end == s || *end != '\0' || v <= 0)
        return -1;
    *out = (unsigned long)v;
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long width = 16, off = 0;
    const char *path = NULL;
    FILE *in = stdin;
    int i, c;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-w") == 0 && i + 1 < argc) {
            if (parse_positive(argv[++i], &width) < 0) {
                fprintf(stderr, "hexd: bad width '%s'\n", argv[i]);
                return 2;
            }
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "hexd: unknown option '%s'\n", argv[i]);
            usage();
            return 2;
        } else {
            path = argv[i];
        }
    }
    if (path && !(in = fopen(path, "rb"))) {
        fprintf(stderr, "hexd: cannot open '%s'\n", path);
        return 1;
    }
    while ((c = getc(in)) != EOF) {
        if (off % width == 0)
            printf("%s%08lx ", off ? "\n" : "", off);
        printf(" %02x", c);
        off++;
    }
    if (off)
        putchar('\n');
    if (in != stdin)
        fclose(in);
    return 0;
}
