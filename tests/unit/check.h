/* check.h - the unit tests' assertions: report file:line and keep counting. */
#ifndef LOOM_CHECK_H
#define LOOM_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			check_failures++;                                                          \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *check_a_ = (a), *check_b_ = (b);                                       \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                   \
			fprintf(stderr, "%s:%d: expected \"%s\", got \"%s\"\n", __FILE__,          \
			        __LINE__, check_b_ ? check_b_ : "(null)",                          \
			        check_a_ ? check_a_ : "(null)");                                   \
			check_failures++;                                                          \
		}                                                                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);                    \
		if (check_a_ != check_b_) {                                                        \
			fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n", __FILE__,          \
			        __LINE__, #a, check_b_, check_a_);                                 \
			check_failures++;                                                          \
		}                                                                                  \
	} while (0)

/* Returns the exit status for main(). */
static inline int check_done(const char *name)
{
	if (check_failures) {
		fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
		return 1;
	}
	printf("%s: ok\n", name);
	return 0;
}

#endif
