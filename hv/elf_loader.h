/*
 * Loading a multiboot1 ELF32 kernel image into guest memory. Pure logic:
 * guest memory is written through a callback, so the host tests can feed it
 * broken and hostile images.
 */
#ifndef HV_ELF_LOADER_H
#define HV_ELF_LOADER_H

#include <stddef.h>
#include <stdint.h>

struct elf_target {
	uint64_t mem_size; /* guest RAM is [0, mem_size) */
	uint64_t min_addr; /* nothing may load below this */
	/* Copies `len` bytes (or zeroes them when src is NULL) to guest gpa. */
	int (*write)(void *ctx, uint64_t gpa, const void *src, size_t len);
	void *ctx;
};

struct elf_loaded {
	uint32_t entry;
	uint64_t low, high; /* the loaded physical range */
};

/* Returns 0, or a negative errno with *why naming the problem:
 * -ENOEXEC (not an ELF32 multiboot kernel), -ERANGE (does not fit). */
int elf_load_multiboot(const uint8_t *image, size_t size, const struct elf_target *t,
		       struct elf_loaded *out, const char **why);

#endif
