#include "hv/guest_boot.h"

#include "hv/domain.h"
#include "hv/elf_loader.h"
#include "hv/errno.h"
#include "hv/guest_mem.h"
#include "hv/hvm.h"
#include "hv/string.h"
#include "hv/vcpu.h"
#include "hv/x86.h"

#define MB1_BOOTLOADER_MAGIC 0x2BADB002u
#define MB1_INFO_MEM (1u << 0)
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MMAP (1u << 6)
#define MB1_INFO_LOADER (1u << 9)

/* Layout of the information page (offsets from GUEST_MBINFO_GPA). */
#define INFO_OFF 0x000
#define MMAP_OFF 0x100
#define LOADER_OFF 0x200
#define CMDLINE_OFF 0x400
#define CMDLINE_MAX (0x1000 - CMDLINE_OFF)

struct mb1_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};

struct mb1_mmap_entry {
	uint32_t size;
	uint64_t base, length;
	uint32_t type;
} __attribute__((packed));

static int write_guest(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	static const uint8_t zeros[256];
	struct domain *d = ctx;

	if (src)
		return guest_phys_write(d, gpa, src, len);
	for (size_t done = 0; done < len;) {
		size_t n = len - done < sizeof(zeros) ? len - done : sizeof(zeros);
		if (guest_phys_write(d, gpa + done, zeros, n))
			return -EFAULT;
		done += n;
	}
	return 0;
}

/* The PC memory map a BIOS would report for our RAM size. */
static int write_info(struct domain *d, const char *cmdline)
{
	const struct mb1_mmap_entry map[] = {
		{ 20, 0, 0x9fc00, 1 },
		{ 20, 0x9fc00, 0x400, 2 },
		{ 20, 0xf0000, 0x10000, 2 },
		{ 20, 0x100000, d->ram_bytes - 0x100000, 1 },
	};
	size_t len = strnlen(cmdline, CMDLINE_MAX - 1);
	struct mb1_info info = {
		.flags = MB1_INFO_MEM | MB1_INFO_CMDLINE | MB1_INFO_MMAP | MB1_INFO_LOADER,
		.mem_lower = 639,
		.mem_upper = (uint32_t)((d->ram_bytes - 0x100000) >> 10),
		.cmdline = GUEST_MBINFO_GPA + CMDLINE_OFF,
		.mmap_length = sizeof(map),
		.mmap_addr = GUEST_MBINFO_GPA + MMAP_OFF,
		.boot_loader_name = GUEST_MBINFO_GPA + LOADER_OFF,
	};
	const char nul = 0;

	if (guest_phys_write(d, GUEST_MBINFO_GPA + INFO_OFF, &info, sizeof(info)) ||
	    guest_phys_write(d, GUEST_MBINFO_GPA + MMAP_OFF, map, sizeof(map)) ||
	    guest_phys_write(d, GUEST_MBINFO_GPA + LOADER_OFF, "Kestrel", 8) ||
	    guest_phys_write(d, GUEST_MBINFO_GPA + CMDLINE_OFF, cmdline, len) ||
	    guest_phys_write(d, GUEST_MBINFO_GPA + CMDLINE_OFF + len, &nul, 1))
		return -EFAULT;
	return 0;
}

/* Multiboot 0.6.96, 3.2: flat 32-bit segments, paging off, EAX magic,
 * EBX the information block. */
static void set_entry_state(struct vcpu *v, uint32_t entry)
{
	vcpu_set_flat_entry(v, 0x08, entry);
	v->regs[GPR_RAX] = MB1_BOOTLOADER_MAGIC;
	v->regs[GPR_RBX] = GUEST_MBINFO_GPA;
}

int guest_boot_multiboot(struct domain *d, const uint8_t *image, size_t size,
			 const char *cmdline, const char **why)
{
	const struct elf_target target = {
		.mem_size = d->ram_bytes,
		.min_addr = GUEST_MBINFO_GPA + 0x1000, /* keep the info page ours */
		.write = write_guest,
		.ctx = d,
	};
	struct elf_loaded loaded;

	if (d->ram_bytes < 0x200000) {
		*why = "the domain has less than 2 MiB of RAM";
		return -ERANGE;
	}
	int err = elf_load_multiboot(image, size, &target, &loaded, why);
	if (err)
		return err;
	if (write_info(d, cmdline)) {
		*why = "writing the multiboot information failed";
		return -EFAULT;
	}
	set_entry_state(d->vcpus[0], loaded.entry);
	return 0;
}
