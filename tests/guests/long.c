/* long: a guest that is in long mode from its first instruction after the
 * loader (lib64/entry64.asm) and runs 64-bit C: the long-mode state, the
 * CPUID contract, hypercalls with 64-bit values and the R10/R8/R9 argument
 * registers, exceptions through a 64-bit IDT, MSR denial, and 64-bit
 * string I/O (64- and 32-bit addressing) that the hypervisor must decode
 * in 64-bit mode. */
#include "guest.h"

const char guest_name[] = "long";

enum {
	FAIL_NOT_LONG = 1,
	FAIL_CPUID,
	FAIL_NO_HYPERCALL,
	FAIL_VERSION,
	FAIL_ECHO,
	FAIL_ECHO_ARGS,
	FAIL_ENOSYS,
	FAIL_UD,
	FAIL_GP_NONCANONICAL,
	FAIL_PF_ABOVE_4G,
	FAIL_DE,
	FAIL_BP,
	FAIL_MSR_DENIED,
	FAIL_REP_OUTS,
	FAIL_REP_INS,
	FAIL_REP_A32,
	FAIL_REP_1G,
	FAIL_REP_PF,
};

static void check_long_state(void)
{
	uint16_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	uint64_t efer = rdmsr(MSR_EFER);
	unsigned long cr0 = read_cr0(), cr4 = read_cr4();
	check((efer & EFER_LMA) && cs == GDT_CODE64 && (cr0 & CR0_PG) && (cr4 & CR4_PAE), FAIL_NOT_LONG,
	      "in long mode: EFER 0x%llx, CS 0x%x, CR0 0x%llx, CR4 0x%llx", (unsigned long long)efer, cs,
	      (unsigned long long)cr0, (unsigned long long)cr4);
}

static void check_cpuid(void)
{
	struct cpuid_regs l1 = cpuid(1, 0), e1 = cpuid(0x80000001, 0);
	uint32_t version = cpuid(0x40000001, 0).eax;
	bool ok = kestrel_present() && version >> 16 == HC_ABI_VERSION >> 16 && (l1.ecx & (1u << 31)) &&
		  !(l1.ecx & (1u << 5)) && !(e1.ecx & (1u << 2));
	check(ok, FAIL_CPUID, "CPUID from 64-bit code: KestrelHV, ABI 0x%08x, hypervisor bit, VMX/SVM hidden", version);
}

/* One hypercall from 64-bit code with all six argument registers. */
struct hc64 {
	uint64_t rax, rdi, rsi, rdx, r10, r8, r9;
};

static void hypercall64(bool amd, struct hc64 *h)
{
	register uint64_t r10 __asm__("r10") = h->r10;
	register uint64_t r8 __asm__("r8") = h->r8;
	register uint64_t r9 __asm__("r9") = h->r9;
	if (amd)
		__asm__ volatile("vmmcall"
				 : "+a"(h->rax), "+D"(h->rdi), "+S"(h->rsi), "+d"(h->rdx), "+r"(r10), "+r"(r8), "+r"(r9)
				 :: "memory");
	else
		__asm__ volatile("vmcall"
				 : "+a"(h->rax), "+D"(h->rdi), "+S"(h->rsi), "+d"(h->rdx), "+r"(r10), "+r"(r8), "+r"(r9)
				 :: "memory");
	h->r10 = r10;
	h->r8 = r8;
	h->r9 = r9;
}

static void check_hypercalls(void)
{
	uint32_t r;
	if (!hypercall(HC_VERSION, 0, 0, 0, &r)) {
		check(false, FAIL_NO_HYPERCALL, "HC_VERSION from 64-bit code does not return (vector %u)", r);
		return;
	}
	bool amd = cpu_vendor() == VENDOR_AMD;
	struct hc64 h = { .rax = HC_VERSION };
	hypercall64(amd, &h);
	check(h.rax == HC_ABI_VERSION, FAIL_VERSION, "HC_VERSION = 0x%llx", (unsigned long long)h.rax);

	static const uint64_t values[] = { 0, 0xFFFFFFFF, 0x100000000, 0xFEDCBA9876543210, ~0ull };
	for (unsigned i = 0; i < ARRAY_SIZE(values); i++) {
		struct hc64 want = { HC_ECHO, values[i], 0x1111111111111111, 0x2222222222222222,
				     0x3333333333333333, 0x4444444444444444, 0x5555555555555555 };
		h = want;
		hypercall64(amd, &h);
		check(h.rax == values[i], FAIL_ECHO, "HC_ECHO(0x%llx) = 0x%llx", (unsigned long long)values[i],
		      (unsigned long long)h.rax);
		want.rax = h.rax;
		check(!memcmp(&h, &want, sizeof(h)), FAIL_ECHO_ARGS, "HC_ECHO keeps RDI RSI RDX R10 R8 R9");
	}
	static const uint64_t unknown[] = { 0x1000, 0xFFFFFFFF, 0x7FFFFFFFFFFFFFFF };
	for (unsigned i = 0; i < ARRAY_SIZE(unknown); i++) {
		h = (struct hc64){ .rax = unknown[i] };
		hypercall64(amd, &h);
		check(h.rax == (uint64_t)-38, FAIL_ENOSYS, "hypercall 0x%llx = %lld (want -38 in all 64 bits)",
		      (unsigned long long)unknown[i], (long long)h.rax);
	}
}

static void expect_exc(struct exc_record r, int vector, uint32_t error, uintptr_t ip, uint32_t code,
		       const char *what)
{
	check(r.vector == vector && r.error_code == error && r.ip == ip, code,
	      "%s (vector %d error 0x%x at %p; want %d 0x%x %p)", what, r.vector, r.error_code, (void *)r.ip,
	      vector, error, (void *)ip);
}

static void check_exceptions(void)
{
	uintptr_t at;
	uint64_t v;
	exc_expect(2);
	__asm__ volatile("1: ud2\n\tleaq 1b(%%rip), %0" : "=r"(at) :: "memory");
	expect_exc(exc_caught(), 6, 0, at, FAIL_UD, "ud2: #UD");

	exc_expect(3); /* 48 8B 01 */
	__asm__ volatile("1: movq (%%rcx), %%rax\n\tleaq 1b(%%rip), %0"
			 : "=r"(at), "=a"(v) : "c"(0x8000000000000000ull) : "memory");
	expect_exc(exc_caught(), 13, 0, at, FAIL_GP_NONCANONICAL, "read of a non-canonical address: #GP(0)");

	exc_expect(3);
	__asm__ volatile("1: movq (%%rcx), %%rax\n\tleaq 1b(%%rip), %0"
			 : "=r"(at), "=a"(v) : "c"(0x100000000ull) : "memory");
	struct exc_record r = exc_caught();
	check(r.vector == 14 && r.error_code == 0 && r.ip == at && r.cr2 == 0x100000000ull, FAIL_PF_ABOVE_4G,
	      "read at 4 GiB (not mapped): #PF(0), CR2 %p (vector %d error 0x%x)", (void *)r.cr2, r.vector,
	      r.error_code);

	uint32_t eax = 1, edx = 0;
	exc_expect(2); /* F7 F1 */
	__asm__ volatile("1: divl %%ecx\n\tleaq 1b(%%rip), %0" : "=r"(at), "+a"(eax), "+d"(edx) : "c"(0) : "memory");
	expect_exc(exc_caught(), 0, 0, at, FAIL_DE, "div by zero: #DE");

	exc_expect(0);
	__asm__ volatile("1: int3\n\tleaq 1b(%%rip), %0" : "=r"(at) :: "memory");
	expect_exc(exc_caught(), 3, 0, at + 1, FAIL_BP, "int3: #BP, RIP after it");

	uint32_t err = 0;
	int vec = rdmsr_checked(0xC0010114, &v, &err);
	check(vec == 13 && err == 0, FAIL_MSR_DENIED, "rdmsr VM_CR from 64-bit code: #GP(0) (vector %d)", vec);
}

/* String I/O in 64-bit mode, across a page boundary at an odd address. */
static uint8_t pages[2 * 4096] __attribute__((aligned(4096)));
#define N 13

static void check_string_io(void)
{
	uint8_t *src = pages + 4096 - 7;
	for (int i = 0; i < N; i++)
		src[i] = (uint8_t)(0xA0 + i);

	outl(PORT_ECHO_COUNT, 0);
	uint64_t si = (uintptr_t)src, cx = N;
	__asm__ volatile("rep outsb" : "+S"(si), "+c"(cx) : "d"(PORT_ECHO_DATA) : "memory");
	uint32_t n = inl(PORT_ECHO_COUNT), bad = 0;
	for (int i = 0; i < N; i++)
		bad += inb(PORT_ECHO_DATA) != src[i];
	check(n == N && bad == 0 && si == (uintptr_t)src + N && cx == 0, FAIL_REP_OUTS,
	      "rep outsb, 64-bit RSI, over a page boundary (%u sent, %u wrong)", n, bad);

	/* Backwards, words: the first word lands at the highest address. */
	uint16_t *dst = (uint16_t *)(pages + 4096 - 9);
	memset(pages + 4096 - 32, 0xCC, 64);
	for (int i = 0; i < 8; i++)
		outw(PORT_ECHO_DATA, (uint16_t)(0x1100 * i + 0x22));
	uint64_t di = (uintptr_t)(dst + 7);
	cx = 8;
	__asm__ volatile("std\n\trep insw\n\tcld" : "+D"(di), "+c"(cx) : "d"(PORT_ECHO_DATA) : "memory");
	bad = 0;
	for (int i = 0; i < 8; i++)
		bad += dst[7 - i] != (uint16_t)(0x1100 * i + 0x22);
	bad += pages[4096 - 10] != 0xCC || pages[4096 + 7] != 0xCC;
	check(bad == 0 && di == (uintptr_t)(dst - 1) && cx == 0, FAIL_REP_INS,
	      "std; rep insw, 64-bit RDI, over a page boundary (%u wrong)", bad);

	/* 0x67: 32-bit addressing in 64-bit mode uses ESI and ECX. */
	outl(PORT_ECHO_COUNT, 0);
	si = (uintptr_t)src;
	cx = N;
	__asm__ volatile("addr32 rep outsb" : "+S"(si), "+c"(cx) : "d"(PORT_ECHO_DATA) : "memory");
	n = inl(PORT_ECHO_COUNT);
	bad = 0;
	for (int i = 0; i < N; i++)
		bad += inb(PORT_ECHO_DATA) != src[i];
	check(n == N && bad == 0 && (uint32_t)si == (uint32_t)(uintptr_t)src + N && (uint32_t)cx == 0, FAIL_REP_A32,
	      "addr32 rep outsb in 64-bit mode (%u sent, %u wrong)", n, bad);
}

/* A page fault the hypervisor finds while it carries out a string
 * instruction reaches the guest as the CPU's would: vector, error code,
 * RIP of the instruction and CR2 (the address, not a previous fault's). */
static void check_string_io_fault(void)
{
	uintptr_t at;
	uint64_t si = 0x100000000ull + 5, cx = 3;
	exc_expect(2); /* F3 6E */
	__asm__ volatile("1: rep outsb\n\tleaq 1b(%%rip), %0"
			 : "=r"(at), "+S"(si), "+c"(cx) : "d"(PORT_ECHO_DATA) : "memory");
	struct exc_record r = exc_caught();
	check(r.vector == 14 && r.error_code == 0 && r.ip == at && r.cr2 == 0x100000005ull && cx == 3,
	      FAIL_REP_PF, "rep outsb from 4 GiB + 5 (not mapped): #PF(0), CR2 %p (vector %d error 0x%x)",
	      (void *)r.cr2, r.vector, r.error_code);
}

/* The hypervisor reads a string instruction's memory through the guest's
 * page tables: here a 1 GiB page (PDPT entry 4: 4 GiB -> 0) aliases the
 * source, when CPUID offers such pages. */
#define PTE_P_W_PS 0x83ull
#define ALIAS_1G (4ull << 30)

static void check_string_io_1g_page(void)
{
	if (!(cpuid(0x80000001, 0).edx & (1u << 26))) {
		note("no 1 GiB pages in CPUID: string I/O through one not tested");
		return;
	}
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(cr3 & ~0xfffull);
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[0] & ~0xfffull);
	pdpt[4] = PTE_P_W_PS;
	uint8_t *src = pages + 4096 - 7;
	uint64_t si = ALIAS_1G + (uintptr_t)src, cx = N;
	outl(PORT_ECHO_COUNT, 0);
	__asm__ volatile("rep outsb" : "+S"(si), "+c"(cx) : "d"(PORT_ECHO_DATA) : "memory");
	uint32_t n = inl(PORT_ECHO_COUNT), bad = 0;
	for (int i = 0; i < N; i++)
		bad += inb(PORT_ECHO_DATA) != src[i];
	pdpt[4] = 0;
	__asm__ volatile("invlpg (%0)" : : "r"(ALIAS_1G + (uintptr_t)src) : "memory");
	check(n == N && bad == 0 && cx == 0, FAIL_REP_1G,
	      "rep outsb from a 1 GiB page (%u sent, %u wrong)", n, bad);
}

void guest_main(void)
{
	check_long_state();
	check_cpuid();
	check_exceptions();
	check_hypercalls();
	if (kestrel_present()) {
		check_string_io();
		check_string_io_fault();
		check_string_io_1g_page();
	} else
		check(false, FAIL_REP_OUTS, "no Kestrel echo device: 64-bit string I/O not tested");
}
