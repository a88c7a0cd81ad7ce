/*
 * What the boot loader told us, in one form for both protocols. Parsing is
 * pure logic over physical memory reached through a callback, so the host
 * unit tests can feed it hostile information blocks.
 */
#ifndef BOOT_BOOTINFO_H
#define BOOT_BOOTINFO_H

#include <stddef.h>
#include <stdint.h>

#define MB1_BOOT_MAGIC 0x2BADB002u
#define MB2_BOOT_MAGIC 0x36D76289u

#define BOOT_MAX_MEM_RANGES 128
#define BOOT_MAX_MODULES 32
#define BOOT_STRING_MAX 512

/* Multiboot memory types (both protocols use the same numbers). */
enum boot_mem_type {
	BOOT_MEM_AVAILABLE = 1,
	BOOT_MEM_RESERVED = 2,
	BOOT_MEM_ACPI_RECLAIMABLE = 3,
	BOOT_MEM_NVS = 4,
	BOOT_MEM_BAD = 5,
};

struct boot_mem_range {
	uint64_t base, length;
	uint32_t type;
};

struct boot_module {
	uint64_t start, end; /* physical, end exclusive */
	char string[BOOT_STRING_MAX];
};

struct boot_info {
	int protocol; /* 1 or 2 */
	char cmdline[BOOT_STRING_MAX];
	char loader_name[64];
	struct boot_mem_range mem[BOOT_MAX_MEM_RANGES];
	unsigned mem_count;
	struct boot_module modules[BOOT_MAX_MODULES];
	unsigned module_count;
	unsigned modules_dropped;  /* beyond BOOT_MAX_MODULES */
	unsigned mem_dropped;      /* beyond BOOT_MAX_MEM_RANGES */
	uint64_t info_start, info_end; /* the information block itself */
};

/*
 * Returns a pointer through which `len` bytes at physical `pa` can be read,
 * or NULL when that range is not readable memory.
 */
typedef const void *(*boot_phys_fn)(void *ctx, uint64_t pa, size_t len);

/* Fills `out`; returns 0 or a negative errno (-EINVAL for a bad magic or a
 * malformed block, -EFAULT when it points at unreadable memory). */
int bootinfo_parse(uint32_t magic, uint64_t info_pa, boot_phys_fn phys,
		   void *ctx, struct boot_info *out);

#endif
