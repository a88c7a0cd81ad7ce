#include "hv/bzimage.h"

#include <stdbool.h>

#include "hv/errno.h"
#include "hv/string.h"

/* Setup header offsets within the image (boot.rst, "The real-mode kernel header"). */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP 0x200
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_CODE32_START 0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE 0x234
#define HDR_CMDLINE_SIZE 0x238
#define HDR_PREF_ADDRESS 0x258
#define HDR_INIT_SIZE 0x260

/* boot_params (zero page) offsets (zero-page.rst). */
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE 0x2d0

#define LOADED_HIGH 0x01
#define MIN_VERSION 0x020c /* 2.12: 64-bit-capable loaders, xloadflags */

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static int reject(const char **why, const char *msg, int err)
{
	*why = msg;
	return err;
}

static uint64_t setup_bytes(const uint8_t *image)
{
	unsigned sects = image[HDR_SETUP_SECTS] ? image[HDR_SETUP_SECTS] : 4;
	return (uint64_t)(sects + 1) * 512;
}

static int choose_load_addr(const uint8_t *image, const struct bz_target *t,
			    uint64_t search_from, struct bz_info *out, const char **why)
{
	uint64_t pref = rd64(image + HDR_PREF_ADDRESS);
	uint64_t align = rd32(image + HDR_KERNEL_ALIGNMENT);

	if (t->is_ram(t->ctx, pref, out->init_size)) {
		out->load_addr = pref;
		return 0;
	}
	if (!image[HDR_RELOCATABLE])
		return reject(why, "the kernel's preferred address is not RAM and it is not relocatable", -ERANGE);
	if (align < 0x1000 || (align & (align - 1)))
		return reject(why, "bad kernel_alignment", -ENOEXEC);
	/* First aligned place from search_from, below 4 GiB (32-bit entry). */
	for (uint64_t a = (search_from + align - 1) & ~(align - 1); a + out->init_size <= (4ull << 30);
	     a += align) {
		if (t->is_ram(t->ctx, a, out->init_size)) {
			out->load_addr = a;
			return 0;
		}
	}
	return reject(why, "no RAM region large enough for the kernel", -ERANGE);
}

int bz_probe(const uint8_t *image, size_t size, const struct bz_target *t,
	     uint64_t search_from, struct bz_info *out, const char **why)
{
	if (size < HDR_INIT_SIZE + 4)
		return reject(why, "image too small for a setup header", -ENOEXEC);
	if (rd16(image + HDR_BOOT_FLAG) != 0xaa55 || memcmp(image + HDR_MAGIC, "HdrS", 4) != 0)
		return reject(why, "no Linux setup header (HdrS)", -ENOEXEC);
	memset(out, 0, sizeof(*out));
	out->version = rd16(image + HDR_VERSION);
	if (out->version < MIN_VERSION)
		return reject(why, "boot protocol older than 2.12", -ENOEXEC);
	if (!(image[HDR_LOADFLAGS] & LOADED_HIGH))
		return reject(why, "not a bzImage (zImage loads low)", -ENOEXEC);
	uint64_t setup = setup_bytes(image);
	if (setup >= size)
		return reject(why, "setup code runs past the end of the image", -ENOEXEC);
	out->init_size = rd32(image + HDR_INIT_SIZE);
	if (out->init_size < size - setup)
		return reject(why, "init_size is smaller than the kernel", -ENOEXEC);
	out->cmdline_max = rd32(image + HDR_CMDLINE_SIZE);
	out->initrd_addr_max = rd32(image + HDR_INITRD_ADDR_MAX);
	int err = choose_load_addr(image, t, search_from, out, why);
	if (err)
		return err;
	out->entry32 = out->load_addr;
	return 0;
}

static int write_zero_page(const uint8_t *image, const struct bz_info *info,
			   const struct bz_layout *l, const struct bz_target *t)
{
	static uint8_t bp[4096];
	/* The header runs from 0x1f1 to 0x202 + the jump's offset byte. */
	size_t hdr_end = 0x202 + image[HDR_JUMP + 1];

	memset(bp, 0, sizeof(bp));
	if (hdr_end > 0x290)
		hdr_end = 0x290;
	memcpy(bp + HDR_SETUP_SECTS, image + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
	bp[HDR_TYPE_OF_LOADER] = 0xff; /* a loader without an assigned ID */
	uint32_t v = (uint32_t)info->entry32;
	memcpy(bp + HDR_CODE32_START, &v, 4);
	v = (uint32_t)l->cmdline;
	memcpy(bp + HDR_CMD_LINE_PTR, &v, 4);
	v = (uint32_t)l->initrd_addr;
	memcpy(bp + HDR_RAMDISK_IMAGE, &v, 4);
	v = (uint32_t)l->initrd_size;
	memcpy(bp + HDR_RAMDISK_SIZE, &v, 4);
	bp[BP_E820_ENTRIES] = (uint8_t)l->e820_count;
	memcpy(bp + BP_E820_TABLE, l->e820, l->e820_count * sizeof(struct e820_entry));
	return t->write(t->ctx, l->boot_params, bp, sizeof(bp));
}

int bz_load(const uint8_t *image, size_t size, const struct bz_info *info,
	    const struct bz_layout *l, const struct bz_target *t, const char **why)
{
	uint64_t setup = setup_bytes(image);
	size_t len = strlen(l->cmdline_text);

	if (l->e820_count > BZ_MAX_E820)
		return reject(why, "too many e820 entries", -E2BIG);
	if (info->cmdline_max && len > info->cmdline_max)
		return reject(why, "command line longer than the kernel accepts", -E2BIG);
	if (l->initrd_size && l->initrd_addr + l->initrd_size > (uint64_t)info->initrd_addr_max + 1)
		return reject(why, "initrd above the kernel's initrd_addr_max", -ERANGE);
	if (t->write(t->ctx, info->load_addr, image + setup, size - setup) ||
	    t->write(t->ctx, l->cmdline, l->cmdline_text, len + 1) ||
	    write_zero_page(image, info, l, t))
		return reject(why, "writing guest memory failed", -EFAULT);
	return 0;
}
