/*
 * A minimal unit-test harness for host builds: CHECK records a failure with
 * its file and line and lets the test go on; each TEST is run by main()
 * from the table that tests/unit/Makefile generates.
 */
#ifndef TEST_HARNESS_H
#define TEST_HARNESS_H

#include <stdio.h>

/** Counters of the test currently running. */
extern int test_checks_failed;
extern const char *test_data_dir;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "    %s:%d: CHECK(%s) failed\n",     \
				__FILE__, __LINE__, #cond);                  \
			test_checks_failed++;                                \
		}                                                            \
	} while (0)

#define CHECK_EQ(a, b)                                                        \
	do {                                                                  \
		unsigned long long a_ = (unsigned long long)(a);              \
		unsigned long long b_ = (unsigned long long)(b);              \
		if (a_ != b_) {                                               \
			fprintf(stderr,                                       \
				"    %s:%d: %s == %s failed: 0x%llx != 0x%llx\n", \
				__FILE__, __LINE__, #a, #b, a_, b_);          \
			test_checks_failed++;                                 \
		}                                                             \
	} while (0)

#define TEST(name) void test_##name(void)

/**
 * Reads a whole file of the test data directory into a malloc'd buffer.
 * Returns NULL (and records a failure) if it cannot.
 */
void *test_read_file(const char *name, size_t *size);

#endif /* TEST_HARNESS_H */
