/* What guests see through CPUID: the host's features, curated. */
#ifndef HV_CPUID_H
#define HV_CPUID_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/abi.h"
#include "hv/x86.h"

#define KESTREL_CPUID_BASE 0x40000000u
#define KESTREL_CPUID_MAX 0x40000010u
/* Timing leaf (the convention VMware and KVM use): EAX = TSC kHz, EBX =
 * the vLAPIC timer's bus clock in kHz. */
#define KESTREL_CPUID_TIMING 0x40000010u

struct vcpu;

/* Reads the host's leaves once; call before any guest runs. */
void cpuid_policy_init(void);
struct cpuid_regs cpuid_guest(struct vcpu *v, uint32_t leaf, uint32_t subleaf);

/* Whether guests see an AMD CPU (the host's vendor). */
bool cpuid_vendor_amd(void);

/* Options for the instruction decoder matching this CPU's vendor (AMD and
 * Intel differ on a few lengths in 64-bit code). */
unsigned cpuid_decode_options(void);

/* CR4 bits a guest may set: those whose feature it sees in CPUID. */
uint64_t cpuid_guest_cr4_allowed(void);
/* What guests are told of paging, for walks of their page tables: 1 GiB
 * pages (leaf 0x80000001 EDX bit 26) and the physical address width (leaf
 * 0x80000008, passed through). */
bool cpuid_guest_gb_pages(void);
unsigned cpuid_guest_maxphyaddr(void);
/* EFER bits a guest may set. */
uint64_t cpuid_guest_efer_allowed(void);

#endif
