#include "check.h"
#include "hv/cmdline.h"

static void test_get(void)
{
	char v[16];
	const char *cl = "console=com2 loglvl=3 verbose  exit=qemu";

	CHECK(cmdline_get(cl, "console", v, sizeof(v)));
	CHECK_STR(v, "com2");
	CHECK(cmdline_get(cl, "exit", v, sizeof(v)));
	CHECK_STR(v, "qemu");
	CHECK(cmdline_get(cl, "verbose", v, sizeof(v)));
	CHECK_STR(v, "");
	CHECK(!cmdline_get(cl, "cons", v, sizeof(v)));
	CHECK(!cmdline_get(cl, "consolex", v, sizeof(v)));
	CHECK(!cmdline_get(cl, "missing", v, sizeof(v)));
	CHECK(!cmdline_get(NULL, "x", v, sizeof(v)));
	CHECK(!cmdline_get(cl, "", v, sizeof(v)));
	CHECK(cmdline_get(cl, "loglvl", NULL, 0));
}

static void test_last_wins_and_truncation(void)
{
	char v[4];
	CHECK(cmdline_get("a=1 a=22", "a", v, sizeof(v)));
	CHECK_STR(v, "22");
	CHECK(cmdline_get("a=123456", "a", v, sizeof(v)));
	CHECK_STR(v, "123");
	CHECK(cmdline_get("\ta=x\n", "a", v, sizeof(v)));
	CHECK_STR(v, "x");
}

static void test_numbers(void)
{
	uint64_t n = 0;
	CHECK(cmdline_parse_u64("42", &n) && n == 42);
	CHECK(cmdline_parse_u64("0x3f8", &n) && n == 0x3f8);
	CHECK(cmdline_parse_u64("512M", &n) && n == 512ull << 20);
	CHECK(cmdline_parse_u64("4G", &n) && n == 4ull << 30);
	CHECK(cmdline_parse_u64("64k", &n) && n == 64ull << 10);
	CHECK(cmdline_parse_u64("18446744073709551615", &n) && n == UINT64_MAX);
	CHECK(!cmdline_parse_u64("18446744073709551616", &n));
	CHECK(!cmdline_parse_u64("17179869184G", &n));
	CHECK(!cmdline_parse_u64("", &n));
	CHECK(!cmdline_parse_u64("0x", &n));
	CHECK(!cmdline_parse_u64("12x", &n));
	CHECK(!cmdline_parse_u64("1MB", &n));
}

int main(void)
{
	RUN(test_get);
	RUN(test_last_wins_and_truncation);
	RUN(test_numbers);
	return check_summary();
}
