#include <math.h>
#include <stdio.h>

#include "geom.h"

static int failures;

static void check(const char *what, double got, double want)
{
    if (fabs(got - want) > 1e-9) {
        printf("FAIL %s: got %g, expected %g\n", what, got, want);
        failures++;
    }
}

int main(void)
{
    struct point a = {0, 0}, b = {3, 4};
    struct point triangle[] = {{0, 0}, {3, 0}, {3, 4}};
    struct point square[] = {{1, 1}, {3, 1}, {3, 3}, {1, 3}};
    struct point clockwise[] = {{0, 0}, {0, 2}, {2, 0}};

    check("point_dist", point_dist(&a, &b), 5);
    check("triangle perimeter", polygon_perimeter(triangle, 3), 12);
    check("triangle area", polygon_area(triangle, 3), 6);
    check("square perimeter", polygon_perimeter(square, 4), 8);
    check("square area", polygon_area(square, 4), 4);
    check("clockwise area", polygon_area(clockwise, 3), -2);

    if (failures) {
        printf("%d failed\n", failures);
        return 1;
    }
    printf("geom: all passed\n");
    return 0;
}
