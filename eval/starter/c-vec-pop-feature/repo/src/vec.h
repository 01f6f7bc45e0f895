#ifndef VEC_H
#define VEC_H

#include <stddef.h>

/* A growable array of ints; usable as soon as declared with INTVEC_INIT. */
struct intvec {
    int *items;
    size_t len;
    size_t cap;
};

#define INTVEC_INIT {NULL, 0, 0}

/* vec_push appends x; returns -1 when out of memory (v is unchanged) */
int vec_push(struct intvec *v, int x);

/* vec_get stores element i in *out; returns -1 when i is out of range */
int vec_get(const struct intvec *v, size_t i, int *out);

/* vec_free releases the storage; v is empty and usable again */
void vec_free(struct intvec *v);

#endif
