#include "check.h"
#include "hv/bzimage.h"
#include "hv/errno.h"

#include <stdint.h>

static uint8_t guest[64 << 20];   /* guest RAM from 0; [ram_start, end) is RAM */
static uint64_t ram_start = 0x1000000;
static uint8_t image[8192];

static int is_ram(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	return gpa >= ram_start && gpa + len <= sizeof(guest) && len > 0;
}

static int write_guest(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	(void)ctx;
	if (gpa + len > sizeof(guest))
		return -EFAULT;
	memcpy(guest + gpa, src, len);
	return 0;
}

static const struct bz_target target = { is_ram, write_guest, NULL };

static void put16(size_t off, uint16_t v) { memcpy(image + off, &v, 2); }
static void put32(size_t off, uint32_t v) { memcpy(image + off, &v, 4); }
static void put64(size_t off, uint64_t v) { memcpy(image + off, &v, 8); }
static uint32_t get32(uint64_t gpa) { uint32_t v; memcpy(&v, guest + gpa, 4); return v; }

/* A bzImage with one setup sector after the boot sector (1 KiB of setup)
 * and 7 KiB of "kernel". */
static void build(void)
{
	memset(image, 0, sizeof(image));
	image[0x1f1] = 1;
	put16(0x1fe, 0xaa55);
	image[0x200] = 0xeb;
	image[0x201] = 0x66;                 /* header ends at 0x268 */
	memcpy(image + 0x202, "HdrS", 4);
	put16(0x206, 0x020f);
	image[0x211] = 0x01;                 /* LOADED_HIGH */
	put32(0x22c, 0x7fffffff);            /* initrd_addr_max */
	put32(0x230, 0x200000);              /* kernel_alignment */
	image[0x234] = 1;                    /* relocatable */
	put32(0x238, 255);                   /* cmdline_size */
	put64(0x258, 0x1000000);             /* pref_address */
	put32(0x260, 0x100000);              /* init_size */
	memset(image + 1024, 0x90, sizeof(image) - 1024);
}

static void test_probe_and_load(void)
{
	struct bz_info info;
	const char *why = NULL;
	const struct e820_entry e820[] = { { 0, 0x9f000, E820_RAM }, { 0x1000000, 0x3000000, E820_RAM } };
	struct bz_layout l = { 0x7000, 0x8000, "console=ttyS0 quiet", e820, 2, 0x3000000, 0x1000 };

	build();
	ram_start = 0x1000000;
	CHECK_EQ(bz_probe(image, sizeof(image), &target, 0, &info, &why), 0);
	CHECK_EQ(info.version, 0x020f);
	CHECK_EQ(info.load_addr, 0x1000000);
	CHECK_EQ(info.entry32, 0x1000000);
	CHECK_EQ(bz_load(image, sizeof(image), &info, &l, &target, &why), 0);
	CHECK_EQ(guest[0x1000000], 0x90);                  /* kernel copied */
	CHECK_EQ(guest[0x1000000 + sizeof(image) - 1025], 0x90);
	CHECK_STR((char *)guest + 0x8000, "console=ttyS0 quiet");
	CHECK_EQ(get32(0x7000 + 0x202), 0x53726448);        /* header copied: "HdrS" */
	CHECK_EQ(guest[0x7000 + 0x210], 0xff);              /* type_of_loader */
	CHECK_EQ(get32(0x7000 + 0x214), 0x1000000);         /* code32_start */
	CHECK_EQ(get32(0x7000 + 0x228), 0x8000);            /* cmd_line_ptr */
	CHECK_EQ(get32(0x7000 + 0x218), 0x3000000);         /* ramdisk_image */
	CHECK_EQ(get32(0x7000 + 0x21c), 0x1000);
	CHECK_EQ(guest[0x7000 + 0x1e8], 2);                 /* e820 entries */
	CHECK_EQ(get32(0x7000 + 0x2d0 + 20), 0x1000000);    /* second entry's addr */
	CHECK_EQ(guest[0x7000 + 0x269], 0);                 /* nothing past the header */
}

static void test_relocation(void)
{
	struct bz_info info;
	const char *why = NULL;

	build();
	ram_start = 0x2300000;                              /* preferred 16 MiB is not RAM */
	CHECK_EQ(bz_probe(image, sizeof(image), &target, 0, &info, &why), 0);
	CHECK_EQ(info.load_addr, 0x2400000);                /* next 2 MiB-aligned RAM */
	image[0x234] = 0;
	CHECK_EQ(bz_probe(image, sizeof(image), &target, 0, &info, &why), -ERANGE);
	image[0x234] = 1;
	put32(0x230, 0x3000);                               /* alignment not a power of 2 */
	CHECK_EQ(bz_probe(image, sizeof(image), &target, 0, &info, &why), -ENOEXEC);
	put32(0x230, 0x200000);
	put32(0x260, 0x10000000);                           /* needs more than there is */
	CHECK_EQ(bz_probe(image, sizeof(image), &target, 0, &info, &why), -ERANGE);
	ram_start = 0x1000000;
}

static void test_rejects(void)
{
	struct bz_info info;
	const char *why = NULL;

	build();
	CHECK_EQ(bz_probe(image, 100, &target, 0, &info, &why), -ENOEXEC);
	build(); memcpy(image + 0x202, "HdrX", 4);
	CHECK_EQ(bz_probe(image, sizeof(image), &target, 0, &info, &why), -ENOEXEC);
	build(); put16(0x1fe, 0);
	CHECK_EQ(bz_probe(image, sizeof(image), &target, 0, &info, &why), -ENOEXEC);
	build(); put16(0x206, 0x0204);
	CHECK_EQ(bz_probe(image, sizeof(image), &target, 0, &info, &why), -ENOEXEC);
	build(); image[0x211] = 0;
	CHECK_EQ(bz_probe(image, sizeof(image), &target, 0, &info, &why), -ENOEXEC);
	build(); image[0x1f1] = 60;                          /* setup past the end */
	CHECK_EQ(bz_probe(image, sizeof(image), &target, 0, &info, &why), -ENOEXEC);
	build(); put32(0x260, 16);                           /* init_size too small */
	CHECK_EQ(bz_probe(image, sizeof(image), &target, 0, &info, &why), -ENOEXEC);
	build(); image[0x1f1] = 0;                           /* 0 means 4 sectors */
	CHECK_EQ(bz_probe(image, sizeof(image), &target, 0, &info, &why), 0);
}

static void test_load_limits(void)
{
	struct bz_info info;
	const char *why = NULL;
	struct e820_entry e820[BZ_MAX_E820 + 1] = { { 0 } };
	char longline[300];
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = 0;

	build();
	CHECK_EQ(bz_probe(image, sizeof(image), &target, 0, &info, &why), 0);
	struct bz_layout l = { 0x7000, 0x8000, longline, e820, 1, 0, 0 };
	CHECK_EQ(bz_load(image, sizeof(image), &info, &l, &target, &why), -E2BIG);
	l.cmdline_text = "ok";
	l.e820_count = BZ_MAX_E820 + 1;
	CHECK_EQ(bz_load(image, sizeof(image), &info, &l, &target, &why), -E2BIG);
	l.e820_count = 1;
	l.initrd_addr = 0x7ffff000;
	l.initrd_size = 0x2000;                             /* ends above initrd_addr_max */
	CHECK_EQ(bz_load(image, sizeof(image), &info, &l, &target, &why), -ERANGE);
	l.initrd_addr = l.initrd_size = 0;
	l.boot_params = sizeof(guest);                      /* unwritable zero page */
	CHECK_EQ(bz_load(image, sizeof(image), &info, &l, &target, &why), -EFAULT);
}

int main(void)
{
	RUN(test_probe_and_load);
	RUN(test_relocation);
	RUN(test_rejects);
	RUN(test_load_limits);
	return check_summary();
}
