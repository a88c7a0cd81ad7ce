#include "boot/bootinfo.h"

#include <stdbool.h>

#include "hv/errno.h"
#include "hv/string.h"

struct reader {
	boot_phys_fn phys;
	void *ctx;
};

static bool read_bytes(const struct reader *r, uint64_t pa, void *dst, size_t len)
{
	if (pa + len < pa)
		return false;
	const void *src = r->phys(r->ctx, pa, len);
	if (!src)
		return false;
	memcpy(dst, src, len);
	return true;
}

static bool read_u32(const struct reader *r, uint64_t pa, uint32_t *v)
{
	return read_bytes(r, pa, v, sizeof(*v));
}

/* Copies a NUL-terminated string, truncating to `size`; a string running
 * into unreadable memory ends there. */
static void read_string(const struct reader *r, uint64_t pa, char *dst, size_t size)
{
	size_t n = 0;
	while (n + 1 < size) {
		char c;
		if (!read_bytes(r, pa + n, &c, 1) || c == '\0')
			break;
		dst[n++] = c;
	}
	dst[n] = '\0';
}

static void add_mem_range(struct boot_info *bi, uint64_t base, uint64_t length,
			  uint32_t type)
{
	if (bi->mem_count == BOOT_MAX_MEM_RANGES) {
		bi->mem_dropped++;
		return;
	}
	bi->mem[bi->mem_count++] = (struct boot_mem_range){ base, length, type };
}

static void add_module(const struct reader *r, struct boot_info *bi,
		       uint64_t start, uint64_t end, uint64_t string_pa,
		       bool has_string)
{
	if (bi->module_count == BOOT_MAX_MODULES) {
		bi->modules_dropped++;
		return;
	}
	struct boot_module *m = &bi->modules[bi->module_count++];
	m->start = start;
	m->end = end < start ? start : end;
	m->string[0] = '\0';
	if (has_string)
		read_string(r, string_pa, m->string, sizeof(m->string));
}

/* Multiboot 0.6.96, section 3.3: the information block. */
enum {
	MB1_INFO_MEM = 1u << 0,
	MB1_INFO_CMDLINE = 1u << 2,
	MB1_INFO_MODS = 1u << 3,
	MB1_INFO_MMAP = 1u << 6,
	MB1_INFO_LOADER = 1u << 9,
};

struct mb1_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};

struct mb1_module {
	uint32_t start, end, string, reserved;
};

static void parse_mb1_mmap(const struct reader *r, const struct mb1_info *mi,
			   struct boot_info *bi)
{
	uint64_t pa = mi->mmap_addr, end = (uint64_t)mi->mmap_addr + mi->mmap_length;

	/* Each entry is preceded by its size, which excludes the size field. */
	while (pa + 4 <= end) {
		uint32_t size;
		struct {
			uint64_t base, length;
			uint32_t type;
		} __attribute__((packed)) e;
		if (!read_u32(r, pa, &size) || size < sizeof(e) ||
		    pa + 4 + size > end || !read_bytes(r, pa + 4, &e, sizeof(e)))
			return;
		add_mem_range(bi, e.base, e.length, e.type);
		pa += 4 + (uint64_t)size;
	}
}

/* Without a map, mem_lower/mem_upper give the RAM below 640K and above 1M. */
static void add_mb1_basic_mem(const struct mb1_info *mi, struct boot_info *bi)
{
	add_mem_range(bi, 0, (uint64_t)mi->mem_lower * 1024, BOOT_MEM_AVAILABLE);
	add_mem_range(bi, 0x100000, (uint64_t)mi->mem_upper * 1024, BOOT_MEM_AVAILABLE);
}

static int parse_mb1(const struct reader *r, uint64_t info_pa, struct boot_info *bi)
{
	struct mb1_info mi;

	if (!read_bytes(r, info_pa, &mi, sizeof(mi)))
		return -EFAULT;
	bi->protocol = 1;
	bi->info_start = info_pa;
	bi->info_end = info_pa + sizeof(mi);

	if (mi.flags & MB1_INFO_CMDLINE)
		read_string(r, mi.cmdline, bi->cmdline, sizeof(bi->cmdline));
	if (mi.flags & MB1_INFO_LOADER)
		read_string(r, mi.boot_loader_name, bi->loader_name, sizeof(bi->loader_name));
	if (mi.flags & MB1_INFO_MMAP)
		parse_mb1_mmap(r, &mi, bi);
	else if (mi.flags & MB1_INFO_MEM)
		add_mb1_basic_mem(&mi, bi);
	if (mi.flags & MB1_INFO_MODS) {
		for (uint32_t i = 0; i < mi.mods_count && i < 4096; i++) {
			struct mb1_module m;
			if (!read_bytes(r, (uint64_t)mi.mods_addr + i * sizeof(m), &m, sizeof(m)))
				return -EFAULT;
			add_module(r, bi, m.start, m.end, m.string, m.string != 0);
		}
	}
	return 0;
}

/* Multiboot2 1.6, section 3.6: tags, each 8-byte aligned. */
enum {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_BASIC_MEM = 4,
	MB2_TAG_MMAP = 6,
};

struct mb2_tag {
	uint32_t type, size;
};

static void parse_mb2_mmap(const struct reader *r, uint64_t tag_pa, uint32_t size,
			   struct boot_info *bi)
{
	uint32_t entry_size;

	if (size < 16 || !read_u32(r, tag_pa + 8, &entry_size) || entry_size < 24)
		return;
	for (uint64_t pa = tag_pa + 16; pa + entry_size <= tag_pa + size; pa += entry_size) {
		struct {
			uint64_t base, length;
			uint32_t type, reserved;
		} e;
		if (!read_bytes(r, pa, &e, sizeof(e)))
			return;
		add_mem_range(bi, e.base, e.length, e.type);
	}
}

static int parse_mb2_tag(const struct reader *r, uint64_t pa, const struct mb2_tag *t,
			 struct boot_info *bi, bool *have_mmap, uint32_t basic[2])
{
	switch (t->type) {
	case MB2_TAG_CMDLINE:
		read_string(r, pa + 8, bi->cmdline, sizeof(bi->cmdline));
		return 0;
	case MB2_TAG_LOADER:
		read_string(r, pa + 8, bi->loader_name, sizeof(bi->loader_name));
		return 0;
	case MB2_TAG_MODULE: {
		uint32_t range[2];
		if (t->size < 16 || !read_bytes(r, pa + 8, range, sizeof(range)))
			return -EINVAL;
		add_module(r, bi, range[0], range[1], pa + 16, t->size > 16);
		return 0;
	}
	case MB2_TAG_BASIC_MEM:
		/* Kept for when no memory map follows. */
		if (t->size >= 16 && !read_bytes(r, pa + 8, basic, 8))
			return -EFAULT;
		return 0;
	case MB2_TAG_MMAP:
		*have_mmap = true;
		parse_mb2_mmap(r, pa, t->size, bi);
		return 0;
	default:
		return 0;
	}
}

static int parse_mb2(const struct reader *r, uint64_t info_pa, struct boot_info *bi)
{
	uint32_t total;
	bool have_mmap = false;
	uint32_t basic[2] = { 0, 0 };

	if (!read_u32(r, info_pa, &total))
		return -EFAULT;
	if (total < 16 || (info_pa & 7))
		return -EINVAL;
	bi->protocol = 2;
	bi->info_start = info_pa;
	bi->info_end = info_pa + total;

	for (uint64_t pa = info_pa + 8; pa + 8 <= info_pa + total;) {
		struct mb2_tag t;
		if (!read_bytes(r, pa, &t, sizeof(t)))
			return -EFAULT;
		if (t.type == MB2_TAG_END)
			break;
		if (t.size < 8 || pa + t.size > info_pa + total)
			return -EINVAL;
		int err = parse_mb2_tag(r, pa, &t, bi, &have_mmap, basic);
		if (err)
			return err;
		pa += (t.size + 7) & ~7u;
	}
	if (!have_mmap && (basic[0] || basic[1])) {
		struct mb1_info mi = { .mem_lower = basic[0], .mem_upper = basic[1] };
		add_mb1_basic_mem(&mi, bi);
	}
	return 0;
}

int bootinfo_parse(uint32_t magic, uint64_t info_pa, boot_phys_fn phys,
		   void *ctx, struct boot_info *out)
{
	const struct reader r = { phys, ctx };

	memset(out, 0, sizeof(*out));
	switch (magic) {
	case MB1_BOOT_MAGIC:
		return parse_mb1(&r, info_pa, out);
	case MB2_BOOT_MAGIC:
		return parse_mb2(&r, info_pa, out);
	default:
		return -EINVAL;
	}
}
