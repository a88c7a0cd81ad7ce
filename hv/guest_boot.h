/* Starting a multiboot1 kernel in a domain, as a multiboot loader would. */
#ifndef HV_GUEST_BOOT_H
#define HV_GUEST_BOOT_H

#include <stddef.h>
#include <stdint.h>

struct domain;

/* Guest-physical page that holds the multiboot information we build. */
#define GUEST_MBINFO_GPA 0x1000u

/* Loads `image` into `d`, writes a multiboot information block (memory map,
 * command line) and sets vCPU 0 to the multiboot entry state. Returns 0 or
 * a negative errno, with *why saying what was wrong with the image. */
int guest_boot_multiboot(struct domain *d, const uint8_t *image, size_t size,
			 const char *cmdline, const char **why);

#endif
