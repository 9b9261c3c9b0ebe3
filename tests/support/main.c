/*
 * Runs every unit test listed in tests.inc (generated from the TEST(...)
 * lines of the test sources) and prints one line per test and a summary
 * "unit: N passed, N failed".
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

int test_checks_failed;
const char *test_data_dir = ".";

#define T(name) void test_##name(void);
#include "tests.inc"
#undef T

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
#define T(name) { #name, test_##name },
#include "tests.inc"
#undef T
};

void *test_read_file(const char *name, size_t *size)
{
	char path[512];
	FILE *f;
	long n;
	void *buf;

	snprintf(path, sizeof(path), "%s/%s", test_data_dir, name);
	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "    cannot open %s\n", path);
		test_checks_failed++;
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "    cannot read %s\n", path);
		test_checks_failed++;
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*size = (size_t)n;
	return buf;
}

int main(int argc, char **argv)
{
	int passed = 0;
	int failed = 0;
	const char *only = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
			test_data_dir = argv[++i];
		} else {
			only = argv[i];
		}
	}
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (only != NULL && strcmp(only, tests[i].name) != 0) {
			continue;
		}
		test_checks_failed = 0;
		tests[i].fn();
		if (test_checks_failed == 0) {
			printf("PASS %s\n", tests[i].name);
			passed++;
		} else {
			printf("FAIL %s (%d checks)\n", tests[i].name,
			       test_checks_failed);
			failed++;
		}
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
