/* Virtual memory layout of the hypervisor; boot/layout.inc holds the asm twins. */
#ifndef HV_LAYOUT_H
#define HV_LAYOUT_H

#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define LARGE_PAGE_SIZE (1ull << 21)

/* The kernel image is linked here (the -mcmodel=kernel window). */
#define KERNEL_VMA 0xFFFFFFFF80000000ull
/* All physical memory is mapped here, so any frame is reachable. */
#define DIRECT_MAP_BASE 0xFFFF800000000000ull
#define DIRECT_MAP_SLOT 256

#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)(pa + DIRECT_MAP_BASE);
}

static inline uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)(uintptr_t)va;
	return v >= KERNEL_VMA ? v - KERNEL_VMA : v - DIRECT_MAP_BASE;
}

/* Linker-provided boundaries of the image (see linker.ld). */
extern char __image_start[], __image_end[], __text_start[], __text_end[];
extern char __bss_start[], __bss_end[];

#endif
