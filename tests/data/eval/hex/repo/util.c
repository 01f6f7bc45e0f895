#include <stdio.h>

/* print_sum prints a checksum */
void print_sum(unsigned long sum)
{
	printf("checksum %lu\n", sum);
}
