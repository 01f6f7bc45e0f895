#ifndef GEOM_H
#define GEOM_H

#include <stddef.h>

struct point {
    double x, y;
};

/* point_dist returns the distance between a and b */
double point_dist(const struct point *a, const struct point *b);

/* polygon_perimeter and polygon_area take the n corners of a closed polygon
 * in order; the area is positive when they run counter-clockwise */
double polygon_perimeter(const struct point *pts, size_t n);
double polygon_area(const struct point *pts, size_t n);

#endif
