#include <stdio.h>

#include "du.h"

uint64_t du_total(const struct entry *e, size_t n)
{
    uint64_t total = 0;
    size_t i;

    for (i = 0; i < n; i++)
        total += e[i].size;
    return total;
}

void du_human(uint64_t bytes, char *buf, size_t len)
{
    static const char units[] = "BKMGTP";
    double v = (double)bytes;
    int u = 0;

    while (v >= 1024 && units[u + 1]) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%uB", (unsigned)bytes);
    else
        snprintf(buf, len, "%.1f%c", v, units[u]);
}
