#include <stdlib.h>

#include "ringbuf.h"

int rb_init(struct ringbuf *rb, size_t cap)
{
    rb->slots = calloc(cap, sizeof(*rb->slots));
    if (!rb->slots)
        return -1;
    rb->cap = cap;
    rb->head = 0;
    rb->len = 0;
    return 0;
}

void rb_free(struct ringbuf *rb)
{
    free(rb->slots);
    rb->slots = NULL;
    rb->cap = rb->len = 0;
}

void rb_push(struct ringbuf *rb, int v)
{
    rb->slots[(rb->head + rb->len) % rb->cap] = v;
    if (rb->len == rb->cap)
        rb->head = (rb->head + 1) % rb->cap;
    else
        rb->len++;
}

int rb_pop(struct ringbuf *rb, int *v)
{
    if (rb->len == 0)
        return -1;
    *v = rb->slots[rb->head];
    rb->head = (rb->head + 1) % rb->cap;
    rb->len--;
    return 0;
}
