/*
 * Loading a Linux bzImage per the x86 boot protocol (Documentation/arch/
 * x86/boot.rst, protocol 2.12+): checks the setup header, places the
 * protected-mode kernel, fills the zero page (boot_params) with the e820
 * map, command line and initrd. Pure logic over callbacks, host-tested.
 */
#ifndef HV_BZIMAGE_H
#define HV_BZIMAGE_H

#include <stddef.h>
#include <stdint.h>

#define E820_RAM 1
#define E820_RESERVED 2
#define BZ_MAX_E820 64

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

struct bz_layout {
	/* Guest-physical places chosen by the caller. */
	uint64_t boot_params;     /* 4 KiB zero page */
	uint64_t cmdline;         /* the command line (up to cmdline_max bytes) */
	const char *cmdline_text;
	const struct e820_entry *e820;
	unsigned e820_count;
	/* Where the initrd has been loaded (0 if none). */
	uint64_t initrd_addr, initrd_size;
};

struct bz_target {
	/* True when [gpa, gpa + len) is RAM the kernel may use. */
	int (*is_ram)(void *ctx, uint64_t gpa, uint64_t len);
	int (*write)(void *ctx, uint64_t gpa, const void *src, size_t len);
	void *ctx;
};

struct bz_info {
	uint16_t version;         /* boot protocol version */
	uint64_t load_addr;       /* where the protected-mode kernel went */
	uint64_t init_size;       /* bytes it needs from there */
	uint32_t cmdline_max;     /* longest command line it accepts */
	uint32_t initrd_addr_max; /* highest address for the initrd's end */
	uint64_t entry32;         /* the 32-bit entry point (code32_start) */
};

/* Parses the header and picks a load address (its preferred one when that
 * is RAM, else the first suitably aligned RAM if it is relocatable).
 * Returns 0 or -ENOEXEC / -ERANGE with *why set. */
int bz_probe(const uint8_t *image, size_t size, const struct bz_target *t,
	     uint64_t search_from, struct bz_info *out, const char **why);

/* Copies the kernel to info->load_addr and writes the zero page and the
 * command line per `layout`. */
int bz_load(const uint8_t *image, size_t size, const struct bz_info *info,
	    const struct bz_layout *layout, const struct bz_target *t, const char **why);

#endif
