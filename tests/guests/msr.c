/* msr: the MSR policy (README.md "MSRs"): the allowed MSRs read and
 * round-trip, every other MSR raises #GP(0) on RDMSR and on WRMSR. */
#include "guest.h"

const char guest_name[] = "msr";

enum {
	FAIL_TSC = 1,
	FAIL_APIC_BASE,
	FAIL_MISC_ENABLE,
	FAIL_PAT,
	FAIL_EFER,
	FAIL_SYSCALL_MSRS,
	FAIL_SEGMENT_BASES,
	FAIL_SYSENTER,
	FAIL_DENIED_READ,
	FAIL_DENIED_WRITE,
	FAIL_APIC_BASE_WRITE,
	FAIL_PAT_INVALID,
	FAIL_EFER_SVME,
	FAIL_INT_PENDING,
	FAIL_MICROCODE_REV,
};

#define MSR_TSC 0x10
#define MSR_APIC_BASE 0x1B
#define MSR_MISC_ENABLE 0x1A0
#define MSR_PAT 0x277
#define APIC_BASE_BSP (1u << 8)
#define APIC_BASE_DEFAULT 0xFEE00000u
#define GP_VECTOR 13
#define EFER_SVME (1u << 12)

/* Reads an MSR that must not fault; a fault fails check `code`. */
static bool read_ok(uint32_t msr, uint64_t *v, uint32_t code)
{
	uint32_t err;
	int vec = rdmsr_checked(msr, v, &err);
	if (vec >= 0)
		check(false, code, "rdmsr 0x%x raised vector %d (error code 0x%x)", msr, vec, err);
	return vec < 0;
}

/* Writes v, reads it back, restores the old value. */
static void round_trip(uint32_t msr, const char *name, uint64_t v, uint32_t code)
{
	uint64_t old, got = 0;
	uint32_t err;
	if (!read_ok(msr, &old, code))
		return;
	int vec = wrmsr_checked(msr, v, &err);
	if (vec >= 0) {
		check(false, code, "wrmsr %s (0x%x) = 0x%llx raised vector %d (error code 0x%x)", name, msr, v, vec,
		      err);
		return;
	}
	read_ok(msr, &got, code);
	wrmsr(msr, old);
	check(got == v, code, "%s (0x%x) round trip: wrote 0x%llx, read 0x%llx", name, msr, v, got);
}

static void check_reads(void)
{
	uint64_t a, b, v;
	if (read_ok(MSR_TSC, &a, FAIL_TSC) && read_ok(MSR_TSC, &b, FAIL_TSC))
		check(b > a, FAIL_TSC, "IA32_TSC reads and advances (0x%llx then 0x%llx)", a, b);
	if (read_ok(MSR_APIC_BASE, &v, FAIL_APIC_BASE))
		check((v & APIC_BASE_BSP) && (v & ~0xFFFull) == APIC_BASE_DEFAULT, FAIL_APIC_BASE,
		      "IA32_APIC_BASE 0x%llx: BSP bit set, base 0xFEE00000", v);
	if (read_ok(MSR_MISC_ENABLE, &v, FAIL_MISC_ENABLE))
		check(true, FAIL_MISC_ENABLE, "IA32_MISC_ENABLE reads (0x%llx)", v);
}

/* A write that must #GP(0) and leave the MSR as it was. */
static void expect_write_refused(uint32_t msr, uint64_t v, uint32_t code, const char *what)
{
	uint64_t before = 0, after = 0;
	uint32_t err = 0;
	if (!read_ok(msr, &before, code))
		return;
	int vec = wrmsr_checked(msr, v, &err);
	read_ok(msr, &after, code);
	if (after != before)
		wrmsr(msr, before);
	check(vec == GP_VECTOR && err == 0 && after == before, code, "%s: #GP(0), MSR unchanged (vector %d, 0x%llx)",
	      what, vec, after);
}

/* Kestrel's APIC_BASE takes back its own value only (docs/ABI.md). */
static void check_apic_base_writes(void)
{
	uint64_t v;
	uint32_t err;
	if (!read_ok(MSR_APIC_BASE, &v, FAIL_APIC_BASE_WRITE))
		return;
	int vec = wrmsr_checked(MSR_APIC_BASE, v, &err);
	check(vec < 0, FAIL_APIC_BASE_WRITE, "IA32_APIC_BASE takes back the value it reads (vector %d)", vec);
	expect_write_refused(MSR_APIC_BASE, (v & 0xFFF) | 0xFED00000u, FAIL_APIC_BASE_WRITE,
			     "IA32_APIC_BASE moved to 0xFED00000");
}

/* The EFER bits a guest may change, each only if CPUID shows its feature
 * (a write of an unsupported bit is itself a #GP, APM Vol. 2 3.1.7). */
static void check_efer(void)
{
	struct cpuid_regs ext = cpuid(0x80000001, 0);
	static const struct {
		uint32_t bit, cpuid_edx_bit;
		const char *name;
	} bits[] = {
		{ EFER_SCE, 1u << 11, "SCE" },
		{ EFER_NXE, 1u << 20, "NXE" },
		{ EFER_LME, 1u << 29, "LME" },
	};
	uint64_t efer;
	if (!read_ok(MSR_EFER, &efer, FAIL_EFER))
		return;
	expect_write_refused(MSR_EFER, efer | EFER_SVME, FAIL_EFER_SVME, "EFER.SVME with SVM hidden");
	for (unsigned i = 0; i < ARRAY_SIZE(bits); i++) {
		if (!(ext.edx & bits[i].cpuid_edx_bit)) {
			note("EFER.%s: feature not in CPUID, skipped", bits[i].name);
			continue;
		}
		uint64_t want = efer ^ bits[i].bit, got = 0;
		uint32_t err;
		/* Said first: if the write hangs the domain, the log shows which. */
		note("EFER.%s: writing 0x%llx with paging off", bits[i].name, want);
		int vec = wrmsr_checked(MSR_EFER, want, &err);
		read_ok(MSR_EFER, &got, FAIL_EFER);
		wrmsr(MSR_EFER, efer);
		/* With paging off, setting LME must not set LMA. */
		check(vec < 0 && got == want, FAIL_EFER, "EFER.%s toggles: wrote 0x%llx, read 0x%llx (vector %d)",
		      bits[i].name, want, got, vec);
	}
}

/* MSRs outside the allow-list; each must #GP(0) both ways. */
static const uint32_t denied[] = {
	0x0,        /* P5_MC_ADDR */
	0x3A,       /* IA32_FEATURE_CONTROL */
	0xFE,       /* IA32_MTRRCAP: MTRRs are hidden in CPUID */
	0x2FF,      /* IA32_MTRR_DEF_TYPE */
	0x480,      /* IA32_VMX_BASIC */
	0x802,      /* x2APIC ID: #GP outside x2APIC mode */
	0xC0010015, /* HWCR */
	0xC0010114, /* VM_CR */
	0xC0010117, /* VM_HSAVE_PA */
	0x12345678,
	0xFFFFFFFF,
};

static void check_denied(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(denied); i++) {
		uint64_t v;
		uint32_t err = 0;
		int vec = rdmsr_checked(denied[i], &v, &err);
		check(vec == GP_VECTOR && err == 0, FAIL_DENIED_READ, "rdmsr 0x%x raises #GP(0) (vector %d, error 0x%x%s)",
		      denied[i], vec, err, vec < 0 ? ", no exception" : "");
		err = 0;
		vec = wrmsr_checked(denied[i], 0, &err);
		check(vec == GP_VECTOR && err == 0, FAIL_DENIED_WRITE,
		      "wrmsr 0x%x raises #GP(0) (vector %d, error 0x%x%s)", denied[i], vec, err,
		      vec < 0 ? ", no exception" : "");
	}
}

/* AMD's interrupt pending message register reads 0 (C1E off, which Linux
 * checks on erratum-400 models); it is not there on Intel; never written. */
static void check_int_pending(void)
{
	uint64_t v = ~0ull;
	uint32_t err = 0;
	bool amd = cpu_vendor() == VENDOR_AMD;
	int rvec = rdmsr_checked(0xC0010055, &v, &err);
	int wvec = wrmsr_checked(0xC0010055, 0, &err);
	check((amd ? rvec < 0 && v == 0 : rvec == GP_VECTOR) && wvec == GP_VECTOR, FAIL_INT_PENDING,
	      "0xc0010055 on %s: read vector %d, value 0x%llx; write vector %d",
	      amd ? "AMD (reads 0)" : "Intel (#GP)", rvec, (unsigned long long)v, wvec);
}

/* The microcode revision: 0. Intel's way to ask for it (write 0, CPUID,
 * read) works; AMD's register is read-only. */
static void check_microcode_rev(void)
{
	uint64_t v = ~0ull;
	uint32_t err = 0;
	bool amd = cpu_vendor() == VENDOR_AMD;
	int wvec = wrmsr_checked(0x8B, 0, &err);
	(void)cpuid(1, 0);
	int rvec = rdmsr_checked(0x8B, &v, &err);
	check(rvec < 0 && v == 0 && (amd ? wvec == GP_VECTOR : wvec < 0), FAIL_MICROCODE_REV,
	      "microcode revision (0x8b) on %s: write vector %d, read vector %d, value 0x%llx",
	      amd ? "AMD (read-only)" : "Intel", wvec, rvec, (unsigned long long)v);
}

void guest_main(void)
{
	check_reads();
	/* Every byte a valid memory type (0, 1, 4-7), else #GP (SDM Vol. 3 13.12.2). */
	round_trip(MSR_PAT, "IA32_PAT", 0x0007010600050104ull, FAIL_PAT);
	expect_write_refused(MSR_PAT, 0x0007040600070402ull, FAIL_PAT_INVALID, "IA32_PAT with memory type 2");
	check_apic_base_writes();
	/* LSTAR/CSTAR must be canonical; SFMASK has 32 defined bits. */
	round_trip(0xC0000081, "STAR", 0x001B000812345678ull, FAIL_SYSCALL_MSRS);
	round_trip(0xC0000082, "LSTAR", 0xFFFFFFFF81234560ull, FAIL_SYSCALL_MSRS);
	round_trip(0xC0000083, "CSTAR", 0x00007FFFFFFF1230ull, FAIL_SYSCALL_MSRS);
	round_trip(0xC0000084, "SFMASK", 0x00047700ull, FAIL_SYSCALL_MSRS);
	round_trip(0xC0000100, "FS_BASE", 0x00007F0012345000ull, FAIL_SEGMENT_BASES);
	round_trip(0xC0000101, "GS_BASE", 0xFFFF800012340000ull, FAIL_SEGMENT_BASES);
	round_trip(0xC0000102, "KERNEL_GS_BASE", 0x0000123456789ABCull, FAIL_SEGMENT_BASES);
	/* 32-bit values: AMD keeps only the low halves of SYSENTER_ESP/EIP. */
	round_trip(0x174, "SYSENTER_CS", 0x10, FAIL_SYSENTER);
	round_trip(0x175, "SYSENTER_ESP", 0x00123450, FAIL_SYSENTER);
	round_trip(0x176, "SYSENTER_EIP", 0x00201234, FAIL_SYSENTER);
	check_denied();
	check_int_pending();
	check_microcode_rev();
	/* Last: EFER.LME with paging off is the write most likely to upset a
	 * hypervisor, and everything above is reported by then. */
	check_efer();
}
