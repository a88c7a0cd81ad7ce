/*
 * Building dom0, the privileged service domain: a Linux kernel (bzImage,
 * first multiboot module; its string is the kernel command line) and its
 * initramfs (second module), with its RAM identity-mapped so that devices
 * it drives can DMA without an IOMMU.
 */
#ifndef HV_DOM0_H
#define HV_DOM0_H

#include "boot/bootinfo.h"

struct domain;

/* Builds dom0; NULL (with the reason logged) when it cannot. */
struct domain *dom0_build(const struct boot_info *bi);

#endif
