#include <stdlib.h>

#include "vec.h"

int vec_push(struct intvec *v, int x)
{
    if (v->len == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        int *items = realloc(v->items, cap * sizeof(*items));

        if (!items)
            return -1;
        v->items = items;
        v->cap = cap;
    }
    v->items[v->len++] = x;
    return 0;
}

int vec_get(const struct intvec *v, size_t i, int *out)
{
    if (i >= v->len)
        return -1;
    *out = v->items[i];
    return 0;
}

int vec_pop(struct intvec *v, int *out)
{
    if (v->len == 0)
        return -1;
    *out = v->items[--v->len];
    return 0;
}

void vec_free(struct intvec *v)
{
    free(v->items);
    v->items = NULL;
    v->len = v->cap = 0;
}
