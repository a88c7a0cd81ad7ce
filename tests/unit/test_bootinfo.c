#include "check.h"
#include "boot/bootinfo.h"
#include "hv/errno.h"

#include <stdint.h>

/* A fake physical memory: addresses 0..sizeof(mem) are readable. */
static uint8_t mem[64 * 1024];

static const void *fake_phys(void *ctx, uint64_t pa, size_t len)
{
	(void)ctx;
	if (pa > sizeof(mem) || len > sizeof(mem) - pa)
		return NULL;
	return mem + pa;
}

static void put32(uint64_t pa, uint32_t v) { memcpy(mem + pa, &v, 4); }
static void put64(uint64_t pa, uint64_t v) { memcpy(mem + pa, &v, 8); }
static void put_str(uint64_t pa, const char *s) { memcpy(mem + pa, s, strlen(s) + 1); }

static struct boot_info bi;

/* Multiboot1 information block at 0x1000 with everything present. */
static void build_mb1(void)
{
	memset(mem, 0, sizeof(mem));
	put32(0x1000, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 6) | (1 << 9));
	put32(0x1004, 639);
	put32(0x1008, 511 * 1024);
	put32(0x1010, 0x2000);          /* cmdline */
	put_str(0x2000, "console=com1 loglvl=3");
	put32(0x1014, 2);               /* mods_count */
	put32(0x1018, 0x3000);          /* mods_addr */
	put32(0x3000, 0x200000); put32(0x3004, 0x201000); put32(0x3008, 0x2100);
	put32(0x3010, 0x300000); put32(0x3014, 0x380000); put32(0x3018, 0);
	put_str(0x2100, "vmlinuz console=ttyS0");
	put32(0x102c, 3 * 24);          /* mmap_length */
	put32(0x1030, 0x4000);          /* mmap_addr */
	for (int i = 0; i < 3; i++) {
		uint64_t e = 0x4000 + i * 24;
		put32(e, 20);
		put64(e + 4, i == 2 ? 0x100000000ull : i * 0x100000ull);
		put64(e + 12, i == 2 ? 0x40000000ull : 0x9fc00);
		put32(e + 20, i == 1 ? 2 : 1);
	}
	put32(0x1040, 0x2200);          /* boot_loader_name */
	put_str(0x2200, "GRUB 2.06");
}

static void test_mb1_complete(void)
{
	build_mb1();
	CHECK_EQ(bootinfo_parse(MB1_BOOT_MAGIC, 0x1000, fake_phys, NULL, &bi), 0);
	CHECK_EQ(bi.protocol, 1);
	CHECK_STR(bi.cmdline, "console=com1 loglvl=3");
	CHECK_STR(bi.loader_name, "GRUB 2.06");
	CHECK_EQ(bi.module_count, 2);
	CHECK_EQ(bi.modules[0].start, 0x200000);
	CHECK_EQ(bi.modules[0].end, 0x201000);
	CHECK_STR(bi.modules[0].string, "vmlinuz console=ttyS0");
	CHECK_STR(bi.modules[1].string, "");
	CHECK_EQ(bi.mem_count, 3);
	CHECK_EQ(bi.mem[2].base, 0x100000000ull);
	CHECK_EQ(bi.mem[2].length, 0x40000000ull);
	CHECK_EQ(bi.mem[1].type, 2);
}

static void test_mb1_mmap_entry_sizes(void)
{
	build_mb1();
	/* An entry declaring a larger size is skipped over by that size. */
	put32(0x4000, 28);
	put32(0x102c, 32 + 24 + 24);
	memmove(mem + 0x4000 + 32, mem + 0x4000 + 24, 48);
	CHECK_EQ(bootinfo_parse(MB1_BOOT_MAGIC, 0x1000, fake_phys, NULL, &bi), 0);
	CHECK_EQ(bi.mem_count, 3);
	CHECK_EQ(bi.mem[2].base, 0x100000000ull);

	/* A too-small size field ends the walk instead of looping. */
	build_mb1();
	put32(0x4000 + 24, 0);
	CHECK_EQ(bootinfo_parse(MB1_BOOT_MAGIC, 0x1000, fake_phys, NULL, &bi), 0);
	CHECK_EQ(bi.mem_count, 1);

	/* An entry running past mmap_length is not used. */
	build_mb1();
	put32(0x102c, 2 * 24 + 10);
	CHECK_EQ(bootinfo_parse(MB1_BOOT_MAGIC, 0x1000, fake_phys, NULL, &bi), 0);
	CHECK_EQ(bi.mem_count, 2);
}

static void test_mb1_basic_memory_fallback(void)
{
	build_mb1();
	put32(0x1000, 1 << 0);
	CHECK_EQ(bootinfo_parse(MB1_BOOT_MAGIC, 0x1000, fake_phys, NULL, &bi), 0);
	CHECK_EQ(bi.mem_count, 2);
	CHECK_EQ(bi.mem[0].length, 639 * 1024);
	CHECK_EQ(bi.mem[1].base, 0x100000);
	CHECK_EQ(bi.mem[1].length, 511ull * 1024 * 1024);
	CHECK_EQ(bi.module_count, 0);
	CHECK_STR(bi.cmdline, "");
}

static void test_mb1_hostile_pointers(void)
{
	build_mb1();
	CHECK_EQ(bootinfo_parse(MB1_BOOT_MAGIC, sizeof(mem) - 8, fake_phys, NULL, &bi), -EFAULT);
	CHECK_EQ(bootinfo_parse(MB1_BOOT_MAGIC, 0xffffffffffffff00ull, fake_phys, NULL, &bi), -EFAULT);

	build_mb1();
	put32(0x1018, 0xfffffff0);      /* mods_addr outside memory */
	CHECK_EQ(bootinfo_parse(MB1_BOOT_MAGIC, 0x1000, fake_phys, NULL, &bi), -EFAULT);

	build_mb1();
	put32(0x1010, 0xfffffff0);      /* cmdline outside memory: empty */
	put32(0x1030, 0xfffffff0);      /* mmap outside memory: no ranges */
	CHECK_EQ(bootinfo_parse(MB1_BOOT_MAGIC, 0x1000, fake_phys, NULL, &bi), 0);
	CHECK_STR(bi.cmdline, "");
	CHECK_EQ(bi.mem_count, 0);

	/* A command line with no NUL before the end of memory is cut there. */
	build_mb1();
	memset(mem + sizeof(mem) - 10, 'x', 10);
	put32(0x1010, sizeof(mem) - 10);
	CHECK_EQ(bootinfo_parse(MB1_BOOT_MAGIC, 0x1000, fake_phys, NULL, &bi), 0);
	CHECK_STR(bi.cmdline, "xxxxxxxxxx");
}

static void test_mb1_too_many_modules(void)
{
	build_mb1();
	put32(0x1014, BOOT_MAX_MODULES + 5);
	CHECK_EQ(bootinfo_parse(MB1_BOOT_MAGIC, 0x1000, fake_phys, NULL, &bi), 0);
	CHECK_EQ(bi.module_count, BOOT_MAX_MODULES);
	CHECK_EQ(bi.modules_dropped, 5);

	/* A huge count runs into unreadable memory and is refused. */
	put32(0x1014, 0xffffffff);
	CHECK_EQ(bootinfo_parse(MB1_BOOT_MAGIC, 0x1000, fake_phys, NULL, &bi), -EFAULT);
}

/* Multiboot2: tags from 0x1000, each 8-byte aligned. */
static uint64_t tag_at;

static void mb2_tag(uint32_t type, uint32_t size)
{
	put32(tag_at, type);
	put32(tag_at + 4, size);
}

static void mb2_next(uint32_t size)
{
	tag_at += (size + 7) & ~7u;
}

static void build_mb2(void)
{
	memset(mem, 0, sizeof(mem));
	tag_at = 0x1008;
	mb2_tag(1, 8 + 12); put_str(tag_at + 8, "loglvl=3 x=y"); mb2_next(20);
	mb2_tag(2, 8 + 10); put_str(tag_at + 8, "GRUB 2.06"); mb2_next(18);
	mb2_tag(3, 16 + 7); put32(tag_at + 8, 0x400000); put32(tag_at + 12, 0x500000);
	put_str(tag_at + 16, "initrd"); mb2_next(23);
	mb2_tag(4, 16); put32(tag_at + 8, 639); put32(tag_at + 12, 1024); mb2_next(16);
	mb2_tag(6, 16 + 2 * 24); put32(tag_at + 8, 24); put32(tag_at + 12, 0);
	put64(tag_at + 16, 0x100000); put64(tag_at + 24, 0x7f00000); put32(tag_at + 32, 1);
	put64(tag_at + 40, 0x140000000ull); put64(tag_at + 48, 0x1000); put32(tag_at + 56, 3);
	mb2_next(64);
	mb2_tag(0, 8); mb2_next(8);
	put32(0x1000, (uint32_t)(tag_at - 0x1000));
}

static void test_mb2_complete(void)
{
	build_mb2();
	CHECK_EQ(bootinfo_parse(MB2_BOOT_MAGIC, 0x1000, fake_phys, NULL, &bi), 0);
	CHECK_EQ(bi.protocol, 2);
	CHECK_STR(bi.cmdline, "loglvl=3 x=y");
	CHECK_STR(bi.loader_name, "GRUB 2.06");
	CHECK_EQ(bi.module_count, 1);
	CHECK_EQ(bi.modules[0].start, 0x400000);
	CHECK_EQ(bi.modules[0].end, 0x500000);
	CHECK_STR(bi.modules[0].string, "initrd");
	CHECK_EQ(bi.mem_count, 2);
	CHECK_EQ(bi.mem[0].base, 0x100000);
	CHECK_EQ(bi.mem[1].type, 3);
	CHECK_EQ(bi.info_end - bi.info_start, tag_at - 0x1000);
}

static void test_mb2_malformed(void)
{
	build_mb2();
	CHECK_EQ(bootinfo_parse(MB2_BOOT_MAGIC, 0x1004, fake_phys, NULL, &bi), -EINVAL);
	put32(0x1000, 8);
	CHECK_EQ(bootinfo_parse(MB2_BOOT_MAGIC, 0x1000, fake_phys, NULL, &bi), -EINVAL);

	build_mb2();
	put32(0x1008 + 4, 4);           /* a tag smaller than its header */
	CHECK_EQ(bootinfo_parse(MB2_BOOT_MAGIC, 0x1000, fake_phys, NULL, &bi), -EINVAL);

	build_mb2();
	put32(0x1008 + 4, 0x100000);    /* a tag past the end of the block */
	CHECK_EQ(bootinfo_parse(MB2_BOOT_MAGIC, 0x1000, fake_phys, NULL, &bi), -EINVAL);

	build_mb2();
	put32(0x1000, 0x40000);         /* total size past readable memory */
	memset(mem + tag_at - 8, 0xff, 8); /* and no end tag */
	CHECK_EQ(bootinfo_parse(MB2_BOOT_MAGIC, 0x1000, fake_phys, NULL, &bi), -EINVAL);
}

static void test_mb2_mmap_entry_size(void)
{
	build_mb2();
	/* entry_size below 24 would overlap entries: the map is ignored */
	uint64_t mmap_tag = 0x1008 + 24 + 24 + 24 + 16;
	CHECK_EQ(*(uint32_t *)(mem + mmap_tag), 6);
	put32(mmap_tag + 8, 8);
	CHECK_EQ(bootinfo_parse(MB2_BOOT_MAGIC, 0x1000, fake_phys, NULL, &bi), 0);
	CHECK_EQ(bi.mem_count, 0);
}

static void test_mb2_basic_memory_fallback(void)
{
	build_mb2();
	uint64_t mmap_tag = 0x1008 + 24 + 24 + 24 + 16;
	put32(mmap_tag, 77);            /* unknown tag type: skipped */
	CHECK_EQ(bootinfo_parse(MB2_BOOT_MAGIC, 0x1000, fake_phys, NULL, &bi), 0);
	CHECK_EQ(bi.mem_count, 2);
	CHECK_EQ(bi.mem[1].length, 1024 * 1024);
}

static void test_too_many_ranges(void)
{
	build_mb1();
	unsigned n = BOOT_MAX_MEM_RANGES + 3;
	put32(0x102c, n * 24);
	put32(0x1030, 0x5000);
	for (unsigned i = 0; i < n; i++) {
		put32(0x5000 + i * 24, 20);
		put64(0x5000 + i * 24 + 4, (uint64_t)i << 20);
		put64(0x5000 + i * 24 + 12, 1 << 20);
		put32(0x5000 + i * 24 + 20, 1);
	}
	CHECK_EQ(bootinfo_parse(MB1_BOOT_MAGIC, 0x1000, fake_phys, NULL, &bi), 0);
	CHECK_EQ(bi.mem_count, BOOT_MAX_MEM_RANGES);
	CHECK_EQ(bi.mem_dropped, 3);
}

static void test_bad_magic(void)
{
	build_mb1();
	CHECK_EQ(bootinfo_parse(0x12345678, 0x1000, fake_phys, NULL, &bi), -EINVAL);
}

int main(void)
{
	RUN(test_mb1_complete);
	RUN(test_mb1_mmap_entry_sizes);
	RUN(test_mb1_basic_memory_fallback);
	RUN(test_mb1_hostile_pointers);
	RUN(test_mb1_too_many_modules);
	RUN(test_mb2_complete);
	RUN(test_mb2_malformed);
	RUN(test_mb2_mmap_entry_size);
	RUN(test_mb2_basic_memory_fallback);
	RUN(test_too_many_ranges);
	RUN(test_bad_magic);
	return check_summary();
}
