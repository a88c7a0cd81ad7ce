/* io: port I/O exits through the test build's echo device (README.md "Echo
 * device"): IN/OUT of each size with exact byte order, FIFO accounting at
 * both ends, and REP INS/OUTS of each size in both directions over a page
 * boundary, with 32- and 16-bit addressing. */
#include "guest.h"

const char guest_name[] = "io";

enum {
	FAIL_NO_DEVICE = 1,
	FAIL_SIZES,
	FAIL_BYTE_ORDER,
	FAIL_COUNT,
	FAIL_UNDERFLOW,
	FAIL_OVERFLOW,
	FAIL_RESET,
	FAIL_OUTS_DATA,
	FAIL_OUTS_REGS,
	FAIL_INS_DATA,
	FAIL_INS_REGS,
	FAIL_INS_GUARD,
	FAIL_REP_ZERO,
	FAIL_REP_BULK,
};

struct string_io {
	uint32_t op, df, esi, edi, ecx;
};
void string_io(struct string_io *s);

enum { OP_OUTS = 0, OP_INS = 3, OP_A16 = 6 }; /* + log2(size) */

static void echo_reset(void)
{
	outl(PORT_ECHO_COUNT, 0);
}

static uint32_t echo_count(void)
{
	return inl(PORT_ECHO_COUNT);
}

static bool device_present(void)
{
	echo_reset();
	uint32_t empty = echo_count();
	outb(PORT_ECHO_DATA, 0x5A);
	uint32_t one = echo_count();
	echo_reset();
	return check(empty == 0 && one == 1 && echo_count() == 0, FAIL_NO_DEVICE,
		     "echo device at 0xE0/0xE4 answers (count %u, then %u after one byte)", empty, one);
}

static void check_sizes(void)
{
	outb(PORT_ECHO_DATA, 0x11);
	outw(PORT_ECHO_DATA, 0x3322);
	outl(PORT_ECHO_DATA, 0x77665544);
	uint32_t n = echo_count();
	uint8_t b = inb(PORT_ECHO_DATA);
	uint16_t w = inw(PORT_ECHO_DATA);
	uint32_t l = inl(PORT_ECHO_DATA);
	check(b == 0x11 && w == 0x3322 && l == 0x77665544, FAIL_SIZES,
	      "out/in of 1, 2, 4 bytes round-trip (got %02x %04x %08x)", b, w, l);
	check(n == 7 && echo_count() == 0, FAIL_COUNT, "count 7 after 1+2+4 bytes, 0 after reading");
}

static void check_byte_order(void)
{
	outl(PORT_ECHO_DATA, 0x44332211);
	uint8_t b[4];
	for (int i = 0; i < 4; i++)
		b[i] = inb(PORT_ECHO_DATA);
	check(b[0] == 0x11 && b[1] == 0x22 && b[2] == 0x33 && b[3] == 0x44, FAIL_BYTE_ORDER,
	      "outl 0x44332211 reads back as bytes 11 22 33 44 (got %02x %02x %02x %02x)", b[0], b[1], b[2],
	      b[3]);
	outw(PORT_ECHO_DATA, 0xBBAA);
	outb(PORT_ECHO_DATA, 0xCC);
	outb(PORT_ECHO_DATA, 0xDD);
	uint32_t l = inl(PORT_ECHO_DATA);
	check(l == 0xDDCCBBAA, FAIL_BYTE_ORDER, "outw BBAA, outb CC, outb DD read as inl 0xDDCCBBAA (got 0x%08x)",
	      l);
	outl(PORT_ECHO_DATA, 0x87654321);
	uint16_t lo = inw(PORT_ECHO_DATA), hi = inw(PORT_ECHO_DATA);
	check(lo == 0x4321 && hi == 0x8765, FAIL_BYTE_ORDER,
	      "outl 0x87654321 reads as inw 4321 then 8765 (got %04x %04x)", lo, hi);
}

static void check_underflow(void)
{
	echo_reset();
	uint32_t l = inl(PORT_ECHO_DATA);
	outb(PORT_ECHO_DATA, 0xAB);
	uint32_t partial = inl(PORT_ECHO_DATA);
	outb(PORT_ECHO_DATA, 0xCD);
	uint16_t w = inw(PORT_ECHO_DATA);
	uint8_t b = inb(PORT_ECHO_DATA);
	check(l == 0xFFFFFFFF && partial == 0xFFFFFFAB && w == 0xFFCD && b == 0xFF && echo_count() == 0,
	      FAIL_UNDERFLOW, "missing bytes read as 0xFF (empty inl %08x, 1 byte inl %08x, inw %04x, inb %02x)",
	      l, partial, w, b);
}

static void check_overflow(void)
{
	echo_reset();
	for (uint32_t i = 0; i <= ECHO_FIFO_SIZE / 4; i++)
		outl(PORT_ECHO_DATA, i);
	uint32_t n = echo_count(), bad = 0, first_bad = 0;
	for (uint32_t i = 0; i < ECHO_FIFO_SIZE / 4; i++) {
		uint32_t v = inl(PORT_ECHO_DATA);
		if (v != i && !bad++)
			first_bad = i;
	}
	check(n == ECHO_FIFO_SIZE && bad == 0 && echo_count() == 0, FAIL_OVERFLOW,
	      "4100 bytes into the 4096-byte FIFO keep the first 4096 (count %u, %u wrong words from #%u)", n,
	      bad, first_bad);
}

static void check_reset(void)
{
	outb(PORT_ECHO_DATA, 1);
	outw(PORT_ECHO_DATA, 2);
	uint32_t before = echo_count();
	outl(PORT_ECHO_COUNT, 0x12345678);
	check(before == 3 && echo_count() == 0 && inb(PORT_ECHO_DATA) == 0xFF, FAIL_RESET,
	      "any OUT to 0xE4 empties the FIFO (count before %u)", before);
}

/* Buffers for REP tests: two pages, elements placed across the boundary at
 * an odd address. 16-bit addressing reaches only the first 64 KiB, so
 * those tests use low RAM around 0x8000. */
static uint8_t pages[2 * 4096] __attribute__((aligned(4096)));
#define LOW_PAGES ((uint8_t *)0x7000)
#define ELEMS 11
#define GUARD 16
#define HIGH_TAG 0x5A5A0000u /* upper halves a 16-bit REP must not touch */

/* Address of the k-th element the instruction processes. */
static uint8_t *elem_addr(uint8_t *start, unsigned k, unsigned size, bool df)
{
	return start + (df ? ELEMS - 1 - k : k) * size;
}

static uint8_t pattern(unsigned i)
{
	return (uint8_t)(i * 37 + 11);
}

static void rep_outs(unsigned size_log2, bool df, bool a16)
{
	unsigned size = 1u << size_log2, bytes = ELEMS * size;
	uint8_t *base = a16 ? LOW_PAGES : pages;
	uint8_t *start = base + 4096 - 5 * size - 1;
	for (unsigned i = 0; i < bytes; i++)
		start[i] = pattern(i);
	echo_reset();
	uint8_t *first = df ? start + (ELEMS - 1) * size : start;
	struct string_io s = { .op = OP_OUTS + size_log2 + (a16 ? OP_A16 : 0),
			       .df = df,
			       .esi = (uint32_t)first | (a16 ? HIGH_TAG : 0),
			       .ecx = ELEMS | (a16 ? HIGH_TAG : 0) };
	string_io(&s);
	uint32_t n = echo_count(), bad = 0;
	for (unsigned k = 0; k < ELEMS; k++) {
		uint8_t *e = elem_addr(start, k, size, df);
		for (unsigned j = 0; j < size; j++)
			if (inb(PORT_ECHO_DATA) != e[j])
				bad++;
	}
	const char *name = a16 ? "a16 rep outs" : "rep outs";
	check(n == bytes && bad == 0, FAIL_OUTS_DATA, "%s%c DF=%u at %p: %u bytes sent (got %u, %u wrong)", name,
	      "bwd"[size_log2], df, start, bytes, n, bad);
	uint32_t want_esi = (uint32_t)(df ? start - size : start + bytes);
	uint32_t want_ecx = a16 ? HIGH_TAG : 0;
	if (a16)
		want_esi = HIGH_TAG | (want_esi & 0xFFFF);
	check(s.ecx == want_ecx && s.esi == want_esi, FAIL_OUTS_REGS,
	      "%s%c DF=%u: ecx %08x (want %08x), esi %08x (want %08x)", name, "bwd"[size_log2], df, s.ecx,
	      want_ecx, s.esi, want_esi);
}

static void rep_ins(unsigned size_log2, bool df, bool a16)
{
	unsigned size = 1u << size_log2, bytes = ELEMS * size;
	uint8_t *base = a16 ? LOW_PAGES : pages;
	uint8_t *start = base + 4096 - 5 * size - 1;
	memset(start - GUARD, 0xCC, bytes + 2 * GUARD);
	echo_reset();
	for (unsigned i = 0; i < bytes; i++)
		outb(PORT_ECHO_DATA, pattern(i));
	uint8_t *first = df ? start + (ELEMS - 1) * size : start;
	struct string_io s = { .op = OP_INS + size_log2 + (a16 ? OP_A16 : 0),
			       .df = df,
			       .edi = (uint32_t)first | (a16 ? HIGH_TAG : 0),
			       .ecx = ELEMS | (a16 ? HIGH_TAG : 0) };
	string_io(&s);
	uint32_t left = echo_count(), bad = 0, guard_bad = 0;
	for (unsigned k = 0; k < ELEMS; k++) {
		uint8_t *e = elem_addr(start, k, size, df);
		for (unsigned j = 0; j < size; j++)
			if (e[j] != pattern(k * size + j))
				bad++;
	}
	for (unsigned i = 0; i < GUARD; i++)
		guard_bad += (start[-1 - (int)i] != 0xCC) + (start[bytes + i] != 0xCC);
	const char *name = a16 ? "a16 rep ins" : "rep ins";
	check(left == 0 && bad == 0, FAIL_INS_DATA, "%s%c DF=%u at %p: %u bytes stored (%u left, %u wrong)",
	      name, "bwd"[size_log2], df, start, bytes, left, bad);
	check(guard_bad == 0, FAIL_INS_GUARD, "%s%c DF=%u: no byte outside the buffer written (%u were)", name,
	      "bwd"[size_log2], df, guard_bad);
	uint32_t want_edi = (uint32_t)(df ? start - size : start + bytes);
	uint32_t want_ecx = a16 ? HIGH_TAG : 0;
	if (a16)
		want_edi = HIGH_TAG | (want_edi & 0xFFFF);
	check(s.ecx == want_ecx && s.edi == want_edi, FAIL_INS_REGS,
	      "%s%c DF=%u: ecx %08x (want %08x), edi %08x (want %08x)", name, "bwd"[size_log2], df, s.ecx,
	      want_ecx, s.edi, want_edi);
}

static void check_rep_zero(void)
{
	echo_reset();
	struct string_io s = { .op = OP_OUTS, .esi = (uint32_t)pages, .ecx = 0 };
	string_io(&s);
	check(echo_count() == 0 && s.esi == (uint32_t)pages, FAIL_REP_ZERO,
	      "rep outsb with ECX=0 sends nothing and leaves ESI");
}

/* A whole FIFO in one instruction each way: a hypervisor that emulates
 * REP in chunks must resume each one exactly where it stopped. */
static uint8_t bulk[2 * 4096] __attribute__((aligned(4096)));

static void check_rep_bulk(void)
{
	uint8_t *src = bulk + 0x800, *dst = pages + 0x7FF;
	for (unsigned i = 0; i < ECHO_FIFO_SIZE; i++)
		src[i] = pattern(i) ^ (uint8_t)(i >> 8);
	memset(pages, 0, sizeof(pages));
	echo_reset();
	struct string_io out = { .op = OP_OUTS + 2, .esi = (uint32_t)src, .ecx = ECHO_FIFO_SIZE / 4 };
	string_io(&out);
	uint32_t queued = echo_count();
	struct string_io in = { .op = OP_INS, .edi = (uint32_t)dst, .ecx = ECHO_FIFO_SIZE };
	string_io(&in);
	check(queued == ECHO_FIFO_SIZE && echo_count() == 0 && !memcmp(src, dst, ECHO_FIFO_SIZE) &&
		      out.ecx == 0 && out.esi == (uint32_t)src + ECHO_FIFO_SIZE && in.ecx == 0 &&
		      in.edi == (uint32_t)dst + ECHO_FIFO_SIZE && dst[-1] == 0 && dst[ECHO_FIFO_SIZE] == 0,
	      FAIL_REP_BULK, "rep outsd x1024 then rep insb x4096 over a page boundary (%u bytes queued)", queued);
}

void guest_main(void)
{
	if (!device_present())
		return;
	check_sizes();
	check_byte_order();
	check_underflow();
	check_overflow();
	check_reset();
	for (int a16 = 0; a16 <= 1; a16++)
		for (unsigned size_log2 = 0; size_log2 <= 2; size_log2++)
			for (int df = 0; df <= 1; df++) {
				rep_outs(size_log2, df, a16);
				rep_ins(size_log2, df, a16);
			}
	check_rep_zero();
	check_rep_bulk();
	echo_reset();
}
