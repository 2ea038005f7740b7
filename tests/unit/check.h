/*
 * A minimal unit-test harness: CHECK() records a pass or a failure with
 * file:line; check_done() prints "N passed, N failed" and returns the exit
 * status.  Every test binary is one main() calling its test functions.
 */
#ifndef AGENTCRED_CHECK_H
#define AGENTCRED_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond) do { \
	if (cond) { check_passed++; } else { check_failed++; \
		fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *check_a_ = (a), *check_b_ = (b); \
	if (check_a_ && check_b_ && !strcmp(check_a_, check_b_)) { check_passed++; } \
	else { check_failed++; fprintf(stderr, "FAIL %s:%d: %s == %s (\"%s\" vs \"%s\")\n", \
		__FILE__, __LINE__, #a, #b, check_a_ ? check_a_ : "(null)", \
		check_b_ ? check_b_ : "(null)"); } \
} while (0)

#define CHECK_INT(a, b) do { \
	long long check_a_ = (long long)(a), check_b_ = (long long)(b); \
	if (check_a_ == check_b_) { check_passed++; } \
	else { check_failed++; fprintf(stderr, "FAIL %s:%d: %s == %s (%lld vs %lld)\n", \
		__FILE__, __LINE__, #a, #b, check_a_, check_b_); } \
} while (0)

static int check_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
