#ifndef RINGBUF_H
#define RINGBUF_H

#include <stddef.h>

/* A fixed-size FIFO of ints: pushing onto a full ring drops the oldest value. */
struct ringbuf {
    int *slots;
    size_t cap;
    size_t head; /* the oldest value's slot */
    size_t len;
};

/* rb_init allocates room for cap (> 0) values; returns -1 when out of memory */
int rb_init(struct ringbuf *rb, size_t cap);
void rb_free(struct ringbuf *rb);
void rb_push(struct ringbuf *rb, int v);
/* rb_pop takes the oldest value into *v; returns -1 when the ring is empty */
int rb_pop(struct ringbuf *rb, int *v);

#endif
