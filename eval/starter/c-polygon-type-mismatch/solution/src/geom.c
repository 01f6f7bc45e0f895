#include <math.h>

#include "geom.h"

double point_dist(const struct point *a, const struct point *b)
{
    return hypot(b->x - a->x, b->y - a->y);
}

double polygon_perimeter(const struct point *pts, size_t n)
{
    double sum = 0;
    size_t i;

    for (i = 0; i < n; i++)
        sum += point_dist(&pts[i], &pts[(i + 1) % n]);
    return sum;
}

/* the shoelace formula */
double polygon_area(const struct point *pts, size_t n)
{
    double twice = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        const struct point *a = &pts[i], *b = &pts[(i + 1) % n];

        twice += a->x * b->y - b->x * a->y;
    }
    return twice / 2;
}
