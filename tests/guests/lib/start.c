/* From entry.asm to guest_main: IDT, boot-contract checks, then the guest's
 * own checks; the first failure becomes the verdict. */
#include "guest.h"

#define MB1_BOOTLOADER_MAGIC 0x2BADB002u
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MMAP (1u << 6)
#define MB1_MMAP_AVAILABLE 1

struct __attribute__((packed)) mb1_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4];
	uint32_t mmap_length, mmap_addr;
};

struct __attribute__((packed)) mb1_mmap_entry {
	uint32_t size; /* of the rest of the entry */
	uint64_t base, length;
	uint32_t type;
};

extern char __image_start[], __image_end[];

void guest_start(uint32_t magic, const struct mb1_info *info);

/* The image must lie inside RAM the loader calls available, or the
 * hypervisor's memory map and its p2m disagree. */
static bool image_in_available_ram(const struct mb1_info *info)
{
	uint64_t lo = (uintptr_t)__image_start, hi = (uintptr_t)__image_end;
	uintptr_t p = info->mmap_addr, end = p + info->mmap_length;
	while (p + sizeof(struct mb1_mmap_entry) <= end) {
		const struct mb1_mmap_entry *e = (const void *)p;
		if (e->type == MB1_MMAP_AVAILABLE && e->base <= lo && e->base + e->length >= hi)
			return true;
		p += e->size + sizeof(e->size);
	}
	return false;
}

void guest_start(uint32_t magic, const struct mb1_info *info)
{
	idt_install();
	note("start (image %p-%p)", __image_start, __image_end);
	if (magic != MB1_BOOTLOADER_MAGIC) {
		note("entry EAX is 0x%08x, not the multiboot1 magic", magic);
		guest_exit(VERDICT_BAD_MAGIC);
	}
	if (info->flags & MB1_INFO_CMDLINE) {
		guest_cmdline = (const char *)(uintptr_t)info->cmdline;
		note("command line \"%s\"", guest_cmdline);
	}
	if (!(info->flags & MB1_INFO_MMAP) || !image_in_available_ram(info)) {
		note("multiboot memory map missing or not covering the image (flags 0x%x)", info->flags);
		guest_exit(VERDICT_BAD_MEMMAP);
	}
	guest_main();
	guest_exit(first_failure());
}
