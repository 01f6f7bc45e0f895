/*
 * kvget FILE KEY: prints the value of KEY in a file of "key = value" lines.
 * Blank lines, and lines whose first non-blank character is '#' or ';', are
 * comments. Exits 1 when the key is missing or a line is malformed.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

static char *trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

int main(int argc, char **argv)
{
    char line[1024];
    int lineno = 0;
    FILE *f;

    if (argc != 3) {
        fprintf(stderr, "usage: kvget FILE KEY\n");
        return 2;
    }
    f = fopen(argv[1], "r");
    if (!f) {
        fprintf(stderr, "kvget: cannot open '%s'\n", argv[1]);
        return 1;
    }
    while (fgets(line, sizeof(line), f)) {
        char *p = trim(line), *eq;

        lineno++;
        if (*p == '\0' || *p == '#' || *p == ';')
            continue;
        eq = strchr(p, '=');
        if (!eq) {
            fprintf(stderr, "kvget: %s:%d: expected key = value\n", argv[1], lineno);
            fclose(f);
            return 1;
        }
        *eq = '\0';
        if (strcmp(trim(p), argv[2]) == 0) {
            printf("%s\n", trim(eq + 1));
            fclose(f);
            return 0;
        }
    }
    fclose(f);
    fprintf(stderr, "kvget: no key '%s' in %s\n", argv[2], argv[1]);
    return 1;
}
