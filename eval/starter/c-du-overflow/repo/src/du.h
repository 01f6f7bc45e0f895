#ifndef DU_H
#define DU_H

#include <stddef.h>
#include <stdint.h>

struct entry {
    const char *path;
    uint64_t size; /* bytes */
};

/* du_total returns the sum of the n entries' sizes */
uint64_t du_total(const struct entry *e, size_t n);

/* du_human writes bytes as "512B", "2.5K", "6.0G" into buf */
void du_human(uint64_t bytes, char *buf, size_t len);

#endif
