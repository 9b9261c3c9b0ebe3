/*
 * The bounded formatter and the number parser.
 */
#include <string.h>

#include <lib/lib.h>

#include "harness.h"

TEST(fmt_conversions)
{
	char b[64];

	fmt_format(b, sizeof(b), "%d %i %u %x %X", -42, 7, 4000000000u, 0xbeefu,
		   0xbeefu);
	CHECK(strcmp(b, "-42 7 4000000000 beef BEEF") == 0);
	fmt_format(b, sizeof(b), "%lx %llu %zu", 0xfedcba9876543210ul,
		   18446744073709551615ull, (size_t)12);
	CHECK(strcmp(b, "fedcba9876543210 18446744073709551615 12") == 0);
	fmt_format(b, sizeof(b), "[%5s|%-5s|%08x|%3d|%-3d]", "ab", "cd", 0x1fu,
		   -1, 2);
	CHECK(strcmp(b, "[   ab|cd   |0000001f| -1|2  ]") == 0);
	{
		char *volatile null_str = NULL;

		fmt_format(b, sizeof(b), "%c%c %s %% %p", 'o', 'k', null_str,
			   (void *)0x1000);
	}
	CHECK(strcmp(b, "ok (null) % 0x0000000000001000") == 0);
	fmt_format(b, sizeof(b), "%lld", (long long)-9223372036854775807ll - 1);
	CHECK(strcmp(b, "-9223372036854775808") == 0);
}

TEST(fmt_truncates_and_reports_length)
{
	char b[8];

	memset(b, 'x', sizeof(b));
	CHECK_EQ(fmt_format(b, 4, "%s", "abcdef"), 6);
	CHECK(strcmp(b, "abc") == 0);
	CHECK_EQ(b[4], 'x');
	CHECK_EQ(fmt_format(b, 0, "%d", 12345), 5);
	CHECK_EQ(b[0], 'a');
	{
		const char *f = "trail%"; /* not a literal: checked at run time */

		CHECK_EQ(fmt_format(b, sizeof(b), f, 0), 5);
		CHECK(strcmp(b, "trail") == 0);
	}
}

TEST(fmt_parse_numbers)
{
	u64 v = 0;

	CHECK(fmt_parse_u64("0x40000000", 10, &v) && v == 0x40000000);
	CHECK(fmt_parse_u64("1234", 4, &v) && v == 1234);
	CHECK(fmt_parse_u64("18446744073709551615", 20, &v) && v == UINT64_MAX);
	CHECK(!fmt_parse_u64("18446744073709551616", 20, &v));
	CHECK(!fmt_parse_u64("0x", 2, &v));
	CHECK(!fmt_parse_u64("", 0, &v));
	CHECK(!fmt_parse_u64("12a", 3, &v));
	CHECK(!fmt_parse_u64("0x1g", 4, &v));
	CHECK(fmt_parse_u64("0xFFFFFFFFFFFFFFFF", 18, &v) && v == UINT64_MAX);
	CHECK(!fmt_parse_u64("0x10000000000000000", 19, &v));
}
