#include <stdlib.h>
#include <string.h>

#include "config.h"

static int parse_number(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (end == s || *end != '\0' || v < 0 || v > 65535)
        return -1;
    *out = (int)v;
    return 0;
}

int config_load(FILE *f, struct config *cfg, char *err, size_t errlen)
{
    char line[512], key[64], value[256];
    int line_no = 0;

    while (fgets(line, sizeof(line), f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (sscanf(line, "%63s %255s", key, value) != 2) {
            snprintf(err, errlen, "%d: expected 'key value'", lineno);
            return -1;
        }
        if (strcmp(key, "port") == 0) {
            if (parse_number(value, &cfg->port) < 0) {
                snprintf(err, errlen, "%d: bad port '%s'", lineno, value);
                return -1;
            }
        } else if (strcmp(key, "workers") == 0) {
            if (parse_number(value, &cfg->workers) < 0) {
                snprintf(err, errlen, "%d: bad workers '%s'", lineno, value);
                return -1;
            }
        } else if (strcmp(key, "root") == 0) {
            snprintf(cfg->root, sizeof(cfg->root), "%s", value);
        } else {
            snprintf(err, errlen, "%d: unknown key '%s'", lineno, key);
            return -1;
        }
    }
    return 0;
}
