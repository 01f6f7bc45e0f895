#include <assert.h>
#include <stdio.h>

#include "ringbuf.h"

int main(void)
{
    struct ringbuf rb;
    int v;

    assert(rb_init(&rb, 3) == 0);
    assert(rb_pop(&rb, &v) == -1);

    rb_push(&rb, 1);
    rb_push(&rb, 2);
    assert(rb_pop(&rb, &v) == 0 && v == 1);

    rb_push(&rb, 3);
    rb_push(&rb, 4);
    rb_push(&rb, 5); /* full: 2 is dropped */
    assert(rb_pop(&rb, &v) == 0 && v == 3);
    assert(rb_pop(&rb, &v) == 0 && v == 4);
    assert(rb_pop(&rb, &v) == 0 && v == 5);
    assert(rb_pop(&rb, &v) == -1);

    rb_free(&rb);
    printf("ringbuf: all passed\n");
    return 0;
}
