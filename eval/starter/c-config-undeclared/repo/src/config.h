#ifndef CONFIG_H
#define CONFIG_H

#include <stdio.h>

struct config {
    int port;
    int workers;
    char root[256];
};

/* config_load reads "key value" lines from f into cfg; '#' starts a comment
 * line. On a bad line it writes "LINE: what is wrong" into err and returns -1. */
int config_load(FILE *f, struct config *cfg, char *err, size_t errlen);

#endif
