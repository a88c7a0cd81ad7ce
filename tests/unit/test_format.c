#include "check.h"
#include "hv/format.h"

/* Some checks feed the formatter what a compiler would warn about, on purpose. */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-overflow"
#pragma GCC diagnostic ignored "-Wformat-extra-args"

static char out[256];

#define FMT(...) (format_buf(out, sizeof(out), __VA_ARGS__), out)

static void test_integers(void)
{
	CHECK_STR(FMT("%d", 0), "0");
	CHECK_STR(FMT("%d", -42), "-42");
	CHECK_STR(FMT("%i", 2147483647), "2147483647");
	CHECK_STR(FMT("%d", (int)-2147483647 - 1), "-2147483648");
	CHECK_STR(FMT("%lld", (long long)-9223372036854775807ll - 1), "-9223372036854775808");
	CHECK_STR(FMT("%llu", 18446744073709551615ull), "18446744073709551615");
	CHECK_STR(FMT("%u", 4294967295u), "4294967295");
	CHECK_STR(FMT("%hhd", 300), "44");
	CHECK_STR(FMT("%hd", 70000), "4464");
	CHECK_STR(FMT("%zu", (size_t)123), "123");
	CHECK_STR(FMT("%o", 8), "10");
}

static void test_hex(void)
{
	CHECK_STR(FMT("%x", 0xdeadbeef), "deadbeef");
	CHECK_STR(FMT("%X", 0xdeadbeef), "DEADBEEF");
	CHECK_STR(FMT("%#x", 255), "0xff");
	CHECK_STR(FMT("%#x", 0), "0");
	CHECK_STR(FMT("%016llx", 0x1234ull), "0000000000001234");
	CHECK_STR(FMT("%lx", 0xffffffffffffffffUL), "ffffffffffffffff");
	CHECK_STR(FMT("%p", (void *)0x1000), "0x1000");
	CHECK_STR(FMT("%#o", 8), "010");
}

static void test_width_precision_flags(void)
{
	CHECK_STR(FMT("[%5d]", 42), "[   42]");
	CHECK_STR(FMT("[%-5d]", 42), "[42   ]");
	CHECK_STR(FMT("[%05d]", -42), "[-0042]");
	CHECK_STR(FMT("[%+d]", 5), "[+5]");
	CHECK_STR(FMT("[% d]", 5), "[ 5]");
	CHECK_STR(FMT("[%.3d]", 7), "[007]");
	CHECK_STR(FMT("[%.0d]", 0), "[]");
	CHECK_STR(FMT("[%8.3d]", 7), "[     007]");
	CHECK_STR(FMT("[%*d]", 4, 1), "[   1]");
	CHECK_STR(FMT("[%*d]", -4, 1), "[1   ]");
	CHECK_STR(FMT("[%#010x]", 0xab), "[0x000000ab]");
	CHECK_STR(FMT("[%-#6x]", 0xab), "[0xab  ]");
}

static void test_strings_chars(void)
{
	CHECK_STR(FMT("%s", "abc"), "abc");
	CHECK_STR(FMT("[%6s]", "abc"), "[   abc]");
	CHECK_STR(FMT("[%-6s]", "abc"), "[abc   ]");
	CHECK_STR(FMT("[%.2s]", "abc"), "[ab]");
	CHECK_STR(FMT("[%.*s]", 1, "abc"), "[a]");
	CHECK_STR(FMT("%s", (char *)0), "(null)");
	CHECK_STR(FMT("%c%c", 'o', 'k'), "ok");
	CHECK_STR(FMT("100%%"), "100%");
}

static void test_unknown_and_truncated(void)
{
	CHECK_STR(FMT("%q"), "%q");
	CHECK_STR(FMT("abc%"), "abc%");
	CHECK_STR(FMT("%5"), "%5");
}

static void test_buffer_limits(void)
{
	char small[4];
	CHECK_EQ(format_buf(small, sizeof(small), "hello"), 5);
	CHECK_STR(small, "hel");
	CHECK_EQ(format_buf(small, 1, "x"), 1);
	CHECK_STR(small, "");
	CHECK_EQ(format_buf(NULL, 0, "%d", 12345), 5);
}

int main(void)
{
	RUN(test_integers);
	RUN(test_hex);
	RUN(test_width_precision_flags);
	RUN(test_strings_chars);
	RUN(test_unknown_and_truncated);
	RUN(test_buffer_limits);
	return check_summary();
}
