/*
 * hv/abi.h includes <stdint.h>, which kernel builds (-nostdinc) lack;
 * <linux/types.h> defines the same fixed-width types in the kernel.
 */
#ifndef HVDEV_SHIM_STDINT_H
#define HVDEV_SHIM_STDINT_H
#include <linux/types.h>
#endif
