/*
 * Minimal host unit-test harness. Each test binary prints one line per check
 * group ("PASS name" / "FAIL name: why") and a closing "N passed, N failed";
 * tests/run.sh adds the PASS/FAIL lines of every suite into one verdict.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures_in_test;
static int check_passed, check_failed;

#define CHECK(cond)                                                           \
	do {                                                                  \
		if (!(cond)) {                                                \
			printf("  %s:%d: check failed: %s\n", __FILE__,       \
			       __LINE__, #cond);                              \
			check_failures_in_test++;                             \
		}                                                             \
	} while (0)

#define CHECK_EQ(a, b)                                                        \
	do {                                                                  \
		unsigned long long check_a_ = (unsigned long long)(a);        \
		unsigned long long check_b_ = (unsigned long long)(b);        \
		if (check_a_ != check_b_) {                                   \
			printf("  %s:%d: %s == %s: 0x%llx != 0x%llx\n",       \
			       __FILE__, __LINE__, #a, #b, check_a_,          \
			       check_b_);                                     \
			check_failures_in_test++;                             \
		}                                                             \
	} while (0)

#define CHECK_STR(a, b)                                                       \
	do {                                                                  \
		const char *check_a_ = (a), *check_b_ = (b);                  \
		if (strcmp(check_a_, check_b_) != 0) {                        \
			printf("  %s:%d: \"%s\" != \"%s\"\n", __FILE__,       \
			       __LINE__, check_a_, check_b_);                 \
			check_failures_in_test++;                             \
		}                                                             \
	} while (0)

/* Runs one test function and records its verdict. */
#define RUN(fn)                                                               \
	do {                                                                  \
		check_failures_in_test = 0;                                   \
		fn();                                                         \
		if (check_failures_in_test) {                                 \
			printf("FAIL %s\n", #fn);                             \
			check_failed++;                                       \
		} else {                                                      \
			printf("PASS %s\n", #fn);                             \
			check_passed++;                                       \
		}                                                             \
	} while (0)

static inline int check_summary(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
