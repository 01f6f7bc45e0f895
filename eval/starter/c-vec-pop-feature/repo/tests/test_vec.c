#include <assert.h>
#include <stdio.h>

#include "vec.h"

int main(void)
{
    struct intvec v = INTVEC_INIT;
    int x, i;

    for (i = 0; i < 20; i++)
        assert(vec_push(&v, i * i) == 0);
    assert(v.len == 20);
    assert(vec_get(&v, 3, &x) == 0 && x == 9);
    assert(vec_get(&v, 20, &x) == -1);

    assert(vec_pop(&v, &x) == 0 && x == 361);
    assert(vec_pop(&v, &x) == 0 && x == 324);
    assert(v.len == 18);
    assert(vec_push(&v, -1) == 0);
    assert(vec_pop(&v, &x) == 0 && x == -1);
    while (v.len > 0)
        assert(vec_pop(&v, &x) == 0);
    assert(x == 0);
    assert(vec_pop(&v, &x) == -1);

    vec_free(&v);
    assert(vec_pop(&v, &x) == -1);
    printf("vec: all passed\n");
    return 0;
}
