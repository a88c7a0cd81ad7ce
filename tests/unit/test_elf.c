#include "check.h"
#include "hv/elf_loader.h"
#include "hv/errno.h"

#include <stdint.h>

static uint8_t guest[1 << 20];
static uint8_t image[16384] __attribute__((aligned(8)));

static int write_guest(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	(void)ctx;
	if (gpa + len > sizeof(guest))
		return -EFAULT;
	if (src)
		memcpy(guest + gpa, src, len);
	else
		memset(guest + gpa, 0, len);
	return 0;
}

static const struct elf_target target = { sizeof(guest), 0x2000, write_guest, NULL };

static void put16(size_t off, uint16_t v) { memcpy(image + off, &v, 2); }
static void put32(size_t off, uint32_t v) { memcpy(image + off, &v, 4); }

/* ELF header at 0, one program header at 52, multiboot header at 0x100,
 * code at 0x1000 loaded at 0x10000 (0x200 bytes, 0x1000 in memory). */
static void build_image(void)
{
	memset(image, 0, sizeof(image));
	memcpy(image, "\177ELF\1\1\1", 7);
	put16(16, 2);          /* ET_EXEC */
	put16(18, 3);          /* EM_386 */
	put32(20, 1);
	put32(24, 0x10010);    /* entry */
	put32(28, 52);         /* phoff */
	put16(42, 32);         /* phentsize */
	put16(44, 1);          /* phnum */
	put32(52 + 0, 1);      /* PT_LOAD */
	put32(52 + 4, 0x1000); /* offset */
	put32(52 + 8, 0x10000);
	put32(52 + 12, 0x10000); /* paddr */
	put32(52 + 16, 0x200);   /* filesz */
	put32(52 + 20, 0x1000);  /* memsz */
	put32(0x100, 0x1BADB002);
	put32(0x104, 2);
	put32(0x108, (uint32_t)-(0x1BADB002 + 2));
	memset(image + 0x1000, 0xcc, 0x200);
}

static int load(size_t size, const char **why)
{
	struct elf_loaded out;
	return elf_load_multiboot(image, size, &target, &out, why);
}

static void test_valid_image(void)
{
	struct elf_loaded out;
	const char *why = NULL;

	build_image();
	memset(guest, 0x55, sizeof(guest));
	CHECK_EQ(elf_load_multiboot(image, sizeof(image), &target, &out, &why), 0);
	CHECK_EQ(out.entry, 0x10010);
	CHECK_EQ(out.low, 0x10000);
	CHECK_EQ(out.high, 0x11000);
	CHECK_EQ(guest[0x10000], 0xcc);
	CHECK_EQ(guest[0x101ff], 0xcc);
	CHECK_EQ(guest[0x10200], 0);       /* bss zeroed */
	CHECK_EQ(guest[0x10fff], 0);
	CHECK_EQ(guest[0x11000], 0x55);    /* nothing beyond memsz */
}

static void test_rejects_non_multiboot(void)
{
	const char *why = NULL;

	build_image();
	put32(0x100, 0);
	CHECK_EQ(load(sizeof(image), &why), -ENOEXEC);
	build_image();
	put32(0x108, 0);                   /* bad checksum */
	CHECK_EQ(load(sizeof(image), &why), -ENOEXEC);
	build_image();
	put32(0x104, 2 | (1u << 16));      /* a.out kludge */
	put32(0x108, (uint32_t)-(0x1BADB002 + (2 | (1u << 16))));
	CHECK_EQ(load(sizeof(image), &why), -ENOEXEC);
	CHECK(why && strstr(why, "a.out"));
	CHECK_EQ(load(20, &why), -ENOEXEC); /* truncated */
}

static void test_rejects_bad_headers(void)
{
	const char *why = NULL;

	build_image();
	image[4] = 2;                      /* ELF64 */
	CHECK_EQ(load(sizeof(image), &why), -ENOEXEC);
	build_image();
	put16(18, 62);                     /* x86-64 machine */
	CHECK_EQ(load(sizeof(image), &why), -ENOEXEC);
	build_image();
	put16(16, 3);                      /* ET_DYN */
	CHECK_EQ(load(sizeof(image), &why), -ENOEXEC);
	build_image();
	put32(28, 0xfffffff0);             /* phoff past the file */
	CHECK_EQ(load(sizeof(image), &why), -ENOEXEC);
	build_image();
	put16(44, 0);
	CHECK_EQ(load(sizeof(image), &why), -ENOEXEC);
	build_image();
	put16(44, 1000);
	CHECK_EQ(load(sizeof(image), &why), -ENOEXEC);
	build_image();
	put16(42, 40);
	CHECK_EQ(load(sizeof(image), &why), -ENOEXEC);
}

static void test_rejects_bad_segments(void)
{
	const char *why = NULL;

	build_image();
	put32(52 + 16, 0x2000);            /* filesz > memsz */
	CHECK_EQ(load(sizeof(image), &why), -ERANGE);
	build_image();
	put32(52 + 4, 0x3f00);             /* data past the end of the file */
	CHECK_EQ(load(sizeof(image), &why), -ERANGE);
	build_image();
	put32(52 + 12, 0xfffff000);        /* beyond guest memory */
	CHECK_EQ(load(sizeof(image), &why), -ERANGE);
	build_image();
	put32(52 + 12, 0xfffff000);
	put32(52 + 20, 0x2000);            /* paddr + memsz wraps 32 bits */
	CHECK_EQ(load(sizeof(image), &why), -ERANGE);
	build_image();
	put32(52 + 12, 0x1000);            /* below min_addr */
	CHECK_EQ(load(sizeof(image), &why), -ERANGE);
	build_image();
	put32(24, 0x10300);                /* entry in bss, not in file data */
	CHECK_EQ(load(sizeof(image), &why), -ENOEXEC);
	build_image();
	put32(52, 4);                      /* no PT_LOAD at all */
	CHECK_EQ(load(sizeof(image), &why), -ENOEXEC);
}

static void test_garbage_never_crashes(void)
{
	const char *why = NULL;
	uint32_t seed = 12345;

	/* Random bytes behind a valid multiboot header: rejected cleanly. */
	for (int round = 0; round < 2000; round++) {
		build_image();
		for (int i = 0; i < 64; i++) {
			seed = seed * 1103515245 + 12345;
			image[(seed >> 8) % 128] = (uint8_t)(seed >> 16);
		}
		int r = load(sizeof(image), &why);
		CHECK(r == 0 || r == -ENOEXEC || r == -ERANGE || r == -EFAULT);
	}
}

int main(void)
{
	RUN(test_valid_image);
	RUN(test_rejects_non_multiboot);
	RUN(test_rejects_bad_headers);
	RUN(test_rejects_bad_segments);
	RUN(test_garbage_never_crashes);
	return check_summary();
}
