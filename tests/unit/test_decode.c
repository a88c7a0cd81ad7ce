/*
 * Decoder table tests: lengths in 16-, 32- and 64-bit code (cross-checked
 * against binutils objdump while writing them), prefix edge cases, the
 * 15-byte limit, truncated input and decoded fields.
 */
#include <stdlib.h>

#include "emulate/decode.h"
#include "tests/unit/check.h"

#define OK X86_DECODE_OK
#define UD X86_DECODE_INVALID
#define M16 X86_MODE_16
#define M32 X86_MODE_32
#define M64 X86_MODE_64

static size_t parse_hex(const char *hex, uint8_t *out)
{
	size_t n = 0;
	while (hex[0] && hex[1]) {
		if (hex[0] == ' ') {
			hex++;
			continue;
		}
		char two[3] = { hex[0], hex[1], 0 };
		out[n++] = (uint8_t)strtoul(two, NULL, 16);
		hex += 2;
	}
	return n;
}

static int decode_hex(const char *hex, enum x86_mode mode, struct x86_insn *in)
{
	uint8_t b[32];
	size_t n = parse_hex(hex, b);
	return x86_decode(b, n, mode, in);
}

struct len_case {
	const char *hex;
	int len16, len32, len64; /* expected length, or -UD for #UD */
};

#define X (-UD)

/* Each encoding exactly as long as the instruction (no trailing bytes). */
static const struct len_case len_cases[] = {
	{ "90", 1, 1, 1 },
	{ "c3", 1, 1, 1 },
	{ "0401", 2, 2, 2 },
	{ "0501020304", 3, 5, 5 },
	{ "6605010203", 0, 4, 4 },
	{ "660501020304", 6, 0, 0 },
	{ "480501020304", 0, 0, 6 },
	{ "b801020304", 3, 5, 5 },
	{ "48b80102030405060708", 0, 0, 10 },
	{ "66b80102", 0, 4, 4 },
	{ "8b00", 2, 2, 2 },
	{ "8b4001", 3, 3, 3 },
	{ "8b800102", 4, 0, 0 },
	{ "8b8001020304", 0, 6, 6 },
	{ "8b0601", 0, 0, 0 },
	{ "8b060102", 4, 0, 0 },
	{ "8b0424", 0, 3, 3 },
	{ "8b0425 01020304", 0, 7, 7 },
	{ "8b442401", 0, 4, 4 },
	{ "8b8424 01020304", 0, 7, 7 },
	{ "8b05 01020304", 0, 6, 6 },
	{ "678b05 01020304", 0, 0, 7 },
	{ "678b00", 3, 0, 0 },
	{ "678b0424", 0, 0, 4 },
	{ "c7000102", 4, 0, 0 },
	{ "c70001020304", 0, 6, 6 },
	{ "48c70001020304", 0, 0, 7 },
	{ "66c7000102", 0, 5, 5 },
	{ "c6000f", 3, 3, 3 },
	{ "c7f801020304", 0, 6, 6 }, /* XBEGIN */
	{ "c6f801", 3, 3, 3 },       /* XABORT */
	{ "8000ff", 3, 3, 3 },
	{ "810001020304", 0, 6, 6 },
	{ "8300ff", 3, 3, 3 },
	{ "8200ff", 3, 3, X },
	{ "f600ff", 3, 3, 3 },
	{ "f610", 2, 2, 2 },
	{ "f70001020304", 0, 6, 6 },
	{ "f718", 2, 2, 2 },
	{ "a001020304050607 08", 0, 0, 9 },
	{ "a101020304", 0, 5, 0 },
	{ "a10102", 3, 0, 0 },
	{ "67a101020304", 0, 0, 6 },
	{ "67a10102", 0, 4, 0 },
	{ "9a010203040506", 0, 7, X },
	{ "9a01020304", 5, 0, X },
	{ "ea010203040506", 0, 7, X },
	{ "c8010203", 4, 4, 4 },
	{ "c20100", 3, 3, 3 },
	{ "ca0100", 3, 3, 3 },
	{ "cd80", 2, 2, 2 },
	{ "e801020304", 3, 5, 5 },
	{ "66e80102", 0, 4, 0 },
	{ "66e801020304", 0, 0, 6 }, /* Intel: 66 ignored on near branches */
	{ "0f8401020304", 4, 6, 6 },
	{ "eb01", 2, 2, 2 },
	{ "6801020304", 3, 5, 5 },
	{ "6a01", 2, 2, 2 },
	{ "6b0001", 3, 3, 3 },
	{ "690001020304", 0, 6, 6 },
	{ "06", 1, 1, X },
	{ "1f", 1, 1, X },
	{ "27", 1, 1, X },
	{ "60", 1, 1, X },
	{ "ce", 1, 1, X },
	{ "d40a", 2, 2, X },
	{ "d6", X, X, X },
	{ "40", 1, 1, 0 },
	{ "4890", 0, 0, 2 },
	{ "63c1", 2, 2, 2 },
	{ "0f20c0", 3, 3, 3 },
	{ "0f2000", 3, 3, 3 }, /* mod ignored: no displacement */
	{ "0f2205", 3, 3, 3 },
	{ "0f23f8", 3, 3, 3 },
	{ "f00f20c0", 4, 4, 4 }, /* AMD MOV CR8 alias */
	{ "0f24c0", X, X, X },
	{ "0fb600", 3, 3, 3 },
	{ "0fbfc0", 3, 3, 3 },
	{ "0fa2", 2, 2, 2 },
	{ "0f30", 2, 2, 2 },
	{ "0f32", 2, 2, 2 },
	{ "0f06", 2, 2, 2 },
	{ "0f0b", X, X, X },
	{ "0fff00", X, X, X },
	{ "0f0138", 0, 3, 3 },
	{ "0f0110", 3, 3, 3 },
	{ "0f011501020304", 0, 7, 7 },
	{ "0f01d8", 3, 3, 3 },
	{ "0fba2001", 4, 4, 4 },
	{ "0fba0001", X, X, X },
	{ "0fa300", 3, 3, 3 },
	{ "0fa40001", 4, 4, 4 },
	{ "0fc70e", 0, 3, 3 },
	{ "0fc70e0102", 5, 0, 0 },
	{ "480fc70e", 0, 0, 4 },
	{ "0fc300", 3, 3, 3 },
	{ "0fc3c0", X, X, X },
	{ "660f6f00", 4, 4, 4 },
	{ "f30f7f00", 4, 4, 4 },
	{ "0f2800", 3, 3, 3 },
	{ "0f7000ff", 4, 4, 4 },
	{ "0f77", 2, 2, 2 },
	{ "0f3800c1", 4, 4, 4 },
	{ "0f38f000", 4, 4, 4 },
	{ "0f38ff00", X, X, X },
	{ "660f3a0fc101", 6, 6, 6 },
	{ "0f3aff0001", X, X, X },
	{ "c5f877", 0, 3, 3 },
	{ "c5f85800", 0, 4, 4 },
	{ "c4e37d18c001", 0, 6, 6 },
	{ "c4e27d1800", 0, 5, 5 },
	{ "c4e17d7000ff", 0, 6, 6 },
	{ "6201fd0858c1", 0, 0, 6 },
	{ "62f17d08 70c001", 0, 7, 7 },
	{ "c400", 2, 2, 0 },     /* LES outside 64-bit mode */
	{ "c50501020304", 0, 6, 0 },
	{ "6200", 2, 2, 0 },     /* BOUND */
	{ "8d00", 2, 2, 2 },
	{ "8dc0", X, X, X },
	{ "8c00", 2, 2, 2 },
	{ "8c30", X, X, X },
	{ "8e08", X, X, X },
	{ "8f00", 2, 2, 2 },
	{ "8f08", X, X, X },
	{ "fe00", 2, 2, 2 },
	{ "fe10", X, X, X },
	{ "ff30", 2, 2, 2 },
	{ "ff38", X, X, X },
	{ "ffd8", X, X, X },
	{ "ff18", 2, 2, 2 },
	{ "d9c0", 2, 2, 2 },
	{ "dd0501020304", 0, 6, 6 },
	{ "f3a4", 2, 2, 2 },
	{ "f348a5", 0, 0, 3 },
	{ "6c", 1, 1, 1 },
	{ "e4 80", 2, 2, 2 },
	{ "f4", 1, 1, 1 },
	{ "cf", 1, 1, 1 },
	{ "48cf", 0, 0, 2 },
	{ "0f0000", 3, 3, 3 },
	{ "0f0030", X, X, X },
	{ "f0 0001", 3, 3, 3 },
	{ "f0 00c0", X, X, X },
	{ "f0 8b00", X, X, X },
	{ "f0 3800", X, X, X },
	{ "f0 8338ff", X, X, X },
	{ "f0 8300ff", 4, 4, 4 },
	{ "f0 0fb100", 4, 4, 4 },
	{ "f0 0fc70e", 0, 4, 4 },
	{ "f0 0fc73e", 0, X, X },
	{ "f0 90", X, X, X },
	{ "f0 f610", 3, 3, 3 },
	{ "f0 f600 01", X, X, X },
	{ "f0 ff00", 3, 3, 3 },
	{ "f0 ff30", X, X, X },
	{ "f0 86 00", 3, 3, 3 },
	{ "f0 0fba 2801", 5, 5, 5 },
	{ "f0 0fba 2001", X, X, X },
};

static void test_lengths_all_modes(void)
{
	for (size_t i = 0; i < sizeof(len_cases) / sizeof(len_cases[0]); i++) {
		const struct len_case *c = &len_cases[i];
		int want[3] = { c->len16, c->len32, c->len64 };
		for (int mode = 0; mode < 3; mode++) {
			struct x86_insn in;
			int r;
			if (want[mode] == 0)
				continue;
			r = decode_hex(c->hex, (enum x86_mode)mode, &in);
			if (want[mode] < 0) {
				if (r != UD)
					printf("  %s mode %d: status %d, want #UD\n", c->hex, mode, r);
				CHECK_EQ(r, UD);
				continue;
			}
			if (r != OK || in.len != want[mode])
				printf("  %s mode %d: status %d len %d, want %d\n", c->hex, mode,
				       r, in.len, want[mode]);
			CHECK_EQ(r, OK);
			CHECK_EQ(in.len, want[mode]);
		}
	}
}

/* Every proper prefix of a valid instruction asks for more bytes. */
static void test_truncated_input_needs_more(void)
{
	for (size_t i = 0; i < sizeof(len_cases) / sizeof(len_cases[0]); i++) {
		const struct len_case *c = &len_cases[i];
		int want[3] = { c->len16, c->len32, c->len64 };
		uint8_t b[32];
		size_t n = parse_hex(c->hex, b);
		for (int mode = 0; mode < 3; mode++) {
			if (want[mode] <= 0 || (size_t)want[mode] != n)
				continue;
			for (size_t avail = 0; avail < n; avail++) {
				struct x86_insn in;
				int r = x86_decode(b, avail, (enum x86_mode)mode, &in);
				if (r != X86_DECODE_NEED_MORE && r != UD)
					printf("  %s mode %d avail %zu: %d\n", c->hex, mode, avail, r);
				/* An invalid opcode may be known before its end. */
				CHECK(r == X86_DECODE_NEED_MORE || r == UD);
			}
		}
	}
}

static void test_fifteen_byte_limit(void)
{
	struct x86_insn in;
	/* 14 prefixes + NOP = 15 bytes: legal. */
	CHECK_EQ(decode_hex("2e2e2e2e2e2e2e2e2e2e2e2e2e2e 90", M32, &in), OK);
	CHECK_EQ(in.len, 15);
	/* 15 prefixes + NOP = 16: #GP, even with more bytes available. */
	CHECK_EQ(decode_hex("2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e 90", M32, &in), X86_DECODE_TOO_LONG);
	/* Prefixes making a long instruction exceed 15 bytes. */
	CHECK_EQ(decode_hex("66666666 48 c784 8001020304 05060708", M64, &in),
		 X86_DECODE_TOO_LONG);
	CHECK_EQ(decode_hex("666666 48 c784 8001020304 05060708", M64, &in), OK);
	CHECK_EQ(in.len, 15);
	/* Never reads byte 16, even when it is claimed available. */
	uint8_t b[64];
	memset(b, 0x66, sizeof(b));
	CHECK_EQ(x86_decode(b, sizeof(b), M64, &in), X86_DECODE_TOO_LONG);
	/* Truncated at 15 with avail < 15 is still "need more". */
	CHECK_EQ(x86_decode(b, 10, M64, &in), X86_DECODE_NEED_MORE);
	CHECK_EQ(x86_decode(b, 0, M64, &in), X86_DECODE_NEED_MORE);
}

static void test_rex_placement(void)
{
	struct x86_insn in;
	/* REX followed by a legacy prefix is ignored. */
	CHECK_EQ(decode_hex("48 66 b8 0102", M64, &in), OK);
	CHECK_EQ(in.len, 5);
	CHECK_EQ(in.rex, 0);
	CHECK_EQ(in.opsize, 2);
	/* Only the last REX counts. */
	CHECK_EQ(decode_hex("48 41 b8 01020304", M64, &in), OK);
	CHECK_EQ(in.rex, 0x41);
	CHECK_EQ(in.opsize, 4);
	CHECK_EQ(in.len, 7);
	/* REX.W wins over 66. */
	CHECK_EQ(decode_hex("66 48 05 01020304", M64, &in), OK);
	CHECK_EQ(in.opsize, 8);
	/* REX.R/X/B extend reg, index and base. */
	CHECK_EQ(decode_hex("4f 8b 04 c8", M64, &in), OK);
	CHECK_EQ(in.reg, 8);
	CHECK_EQ(in.base, 8);
	CHECK_EQ(in.index, 9);
	CHECK_EQ(in.scale, 8);
	/* SIB index 100 means none, but REX.X makes it r12. */
	CHECK_EQ(decode_hex("8b 04 20", M64, &in), OK);
	CHECK_EQ(in.index, X86_REG_NONE);
	CHECK_EQ(decode_hex("42 8b 04 20", M64, &in), OK);
	CHECK_EQ(in.index, 12);
	/* Base r13 with mod 00 still means disp32 without base. */
	CHECK_EQ(decode_hex("41 8b 04 25 01020304", M64, &in), OK);
	CHECK_EQ(in.base, X86_REG_NONE);
	CHECK_EQ(in.len, 8);
	/* In 32-bit code 0x40-0x4f are INC/DEC. */
	CHECK_EQ(decode_hex("48", M32, &in), OK);
	CHECK_EQ(in.opcode, 0x48);
}

static void test_prefix_fields(void)
{
	struct x86_insn in;
	CHECK_EQ(decode_hex("f3 f2 a4", M32, &in), OK);
	CHECK_EQ(in.rep, 0xf2);
	CHECK_EQ(decode_hex("2e 64 8b 00", M32, &in), OK);
	CHECK_EQ(in.seg, X86_SEG_FS);
	CHECK_EQ(decode_hex("64 2e 8b 00", M32, &in), OK);
	CHECK_EQ(in.seg, X86_SEG_CS);
	/* 64-bit code ignores CS/DS/ES/SS overrides. */
	CHECK_EQ(decode_hex("2e 8b 00", M64, &in), OK);
	CHECK_EQ(in.seg, X86_SEG_NONE);
	CHECK_EQ(decode_hex("65 8b 00", M64, &in), OK);
	CHECK_EQ(in.seg, X86_SEG_GS);
	CHECK_EQ(decode_hex("66 f3 0f 6f 00", M64, &in), OK);
	CHECK_EQ(in.sse_prefix, 0xf3);
	CHECK_EQ(decode_hex("66 0f 6f 00", M64, &in), OK);
	CHECK_EQ(in.sse_prefix, 0x66);
	CHECK_EQ(decode_hex("f0 01 00", M16, &in), OK);
	CHECK(in.lock);
	/* 66 with VEX is #UD. */
	CHECK_EQ(decode_hex("66 c5 f8 77", M64, &in), UD);
	/* Address size. */
	CHECK_EQ(decode_hex("67 8b 00", M64, &in), OK);
	CHECK_EQ(in.addrsize, 4);
	CHECK_EQ(decode_hex("67 8b 00", M16, &in), OK);
	CHECK_EQ(in.addrsize, 4);
	CHECK_EQ(decode_hex("8b 00", M16, &in), OK);
	CHECK_EQ(in.addrsize, 2);
}

static void test_operand_sizes_64(void)
{
	struct x86_insn in;
	CHECK_EQ(decode_hex("50", M64, &in), OK);
	CHECK_EQ(in.opsize, 8);
	CHECK_EQ(decode_hex("66 50", M64, &in), OK);
	CHECK_EQ(in.opsize, 2);
	CHECK_EQ(decode_hex("ff 30", M64, &in), OK);
	CHECK_EQ(in.opsize, 8);
	CHECK_EQ(decode_hex("ff e0", M64, &in), OK);
	CHECK_EQ(in.opsize, 8);
	CHECK_EQ(decode_hex("66 ff e0", M64, &in), OK);
	CHECK_EQ(in.opsize, 8);
	CHECK_EQ(decode_hex("ff 00", M64, &in), OK);
	CHECK_EQ(in.opsize, 4);
	CHECK_EQ(decode_hex("8f 00", M64, &in), OK);
	CHECK_EQ(in.opsize, 8);
	CHECK_EQ(decode_hex("6a 01", M16, &in), OK);
	CHECK_EQ(in.opsize, 2);
}

static void test_amd_branch_option(void)
{
	uint8_t b[] = { 0x66, 0xe8, 0x01, 0x02, 0x03, 0x04 };
	struct x86_insn in;
	CHECK_EQ(x86_decode_ex(b, sizeof(b), M64, X86_DECODE_AMD, &in), OK);
	CHECK_EQ(in.len, 4);
	CHECK_EQ(in.opsize, 2);
	CHECK_EQ(x86_decode_ex(b, sizeof(b), M64, 0, &in), OK);
	CHECK_EQ(in.len, 6);
	/* SSE4a EXTRQ with two immediates exists only on AMD. */
	uint8_t extrq[] = { 0x66, 0x0f, 0x78, 0xc0, 0x01, 0x02 };
	CHECK_EQ(x86_decode_ex(extrq, sizeof(extrq), M64, X86_DECODE_AMD, &in), OK);
	CHECK_EQ(in.len, 6);
	CHECK_EQ(x86_decode_ex(extrq, sizeof(extrq), M64, 0, &in), UD);
}

static void test_fields(void)
{
	struct x86_insn in;
	CHECK_EQ(decode_hex("8b 05 f0ffffff", M64, &in), OK);
	CHECK(in.rip_relative);
	CHECK_EQ(in.disp, -16);
	CHECK_EQ(decode_hex("8b 05 f0ffffff", M32, &in), OK);
	CHECK(!in.rip_relative);
	CHECK_EQ(in.base, X86_REG_NONE);
	CHECK_EQ(decode_hex("8b 44 8b 80", M32, &in), OK);
	CHECK(in.has_sib);
	CHECK_EQ(in.base, 3);
	CHECK_EQ(in.index, 1);
	CHECK_EQ(in.scale, 4);
	CHECK_EQ(in.disp, -128);
	CHECK_EQ(decode_hex("8b 42 10", M16, &in), OK);
	CHECK_EQ(in.base, 5);
	CHECK_EQ(in.index, 6);
	CHECK_EQ(in.disp, 16);
	CHECK_EQ(decode_hex("c8 1000 02", M32, &in), OK);
	CHECK_EQ(in.imm, 0x10);
	CHECK_EQ(in.imm2, 2);
	CHECK_EQ(decode_hex("ea 78563412 3412", M32, &in), OK);
	CHECK_EQ(in.imm, 0x12345678);
	CHECK_EQ(in.imm2, 0x1234);
	CHECK_EQ(decode_hex("a1 8877665544332211", M64, &in), OK);
	CHECK_EQ((uint64_t)in.disp, 0x1122334455667788ull);
	CHECK(x86_insn_has_mem(&in));
	CHECK_EQ(decode_hex("89 c0", M64, &in), OK);
	CHECK(!x86_insn_has_mem(&in));
	CHECK_EQ(decode_hex("0f 22 d8", M64, &in), OK);
	CHECK_EQ(in.reg, 3);
	CHECK_EQ(in.rm, 0);
	CHECK(!x86_insn_has_mem(&in));
	CHECK_EQ(decode_hex("90", M64, &in), OK);
	CHECK(!x86_insn_has_mem(&in));
}

int main(void)
{
	RUN(test_lengths_all_modes);
	RUN(test_truncated_input_needs_more);
	RUN(test_fifteen_byte_limit);
	RUN(test_rex_placement);
	RUN(test_prefix_fields);
	RUN(test_operand_sizes_64);
	RUN(test_amd_branch_option);
	RUN(test_fields);
	return check_summary();
}
