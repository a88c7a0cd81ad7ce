#include "hv/dom0.h"

#include "hv/acpi.h"
#include "hv/bzimage.h"
#include "hv/cmdline.h"
#include "hv/domain.h"
#include "hv/errno.h"
#include "hv/foreign.h"
#include "hv/format.h"
#include "hv/guest_mem.h"
#include "hv/hvm.h"
#include "hv/layout.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/string.h"
#include "hv/time.h"
#include "hv/vcpu.h"
#include "hv/vioapic.h"
#include "hv/vlapic.h"
#include "hv/x86.h"

#define DOM0_DEFAULT_MAX_MEM (1ull << 30)
#define LOW_RAM_END 0x9f000ull        /* below the EBDA */
#define LOW_MEM_END 0x100000ull
#define BOOT_PARAMS_GPA 0x7000ull
#define CMDLINE_GPA 0x8000ull
#define CMDLINE_MAX 2048
#define BLOCK (LARGE_PAGE_SIZE)
#define E820_ACPI 3
#define BP_ACPI_RSDP_ADDR 0x070 /* boot_params.acpi_rsdp_addr, protocol 2.14+ */
#define FOUR_GIB (1ull << 32)

/* What dom0's kernel gets when the module string says nothing more: the
 * platform comes from our ACPI tables (LAPIC, IOAPIC, PIC, PIT), the
 * console is the first UART. */
static const char default_cmdline[] = "console=ttyS0";

static uint64_t dom0_mem_target(const struct boot_info *bi)
{
	char val[32];
	uint64_t bytes;

	if (cmdline_get(bi->cmdline, "dom0_mem", val, sizeof(val)) && cmdline_parse_u64(val, &bytes))
		return ALIGN_UP(bytes, BLOCK);
	/* Half of what is free, at most 1 GiB: the rest is for other domains. */
	bytes = ALIGN_DOWN(hv_frames.free_frames * PAGE_SIZE / 2, BLOCK);
	return bytes < DOM0_DEFAULT_MAX_MEM ? bytes : DOM0_DEFAULT_MAX_MEM;
}

static void add_e820(struct e820_entry *e820, unsigned *n, uint64_t addr, uint64_t size, uint32_t type)
{
	if (*n && e820[*n - 1].type == type && e820[*n - 1].addr + e820[*n - 1].size == addr) {
		e820[*n - 1].size += size; /* merge with the previous entry */
		return;
	}
	if (*n < BZ_MAX_E820)
		e820[(*n)++] = (struct e820_entry){ addr, size, type };
}

/* Gives dom0 free 2 MiB blocks at their own addresses (gfn == mfn), lowest
 * first, until `target` bytes; records them in its p2m and e820. */
static uint64_t take_identity_ram(struct domain *d, uint64_t target,
				  struct e820_entry *e820, unsigned *n)
{
	uint64_t got = 0, end = hv_frames.nframes << PAGE_SHIFT;

	for (uint64_t pa = LOW_MEM_END & ~(BLOCK - 1); pa + BLOCK <= end && got < target; pa += BLOCK) {
		if (!frame_take_block(&hv_frames, pa, BLOCK >> PAGE_SHIFT))
			continue;
		struct p2m_range r = { pa >> PAGE_SHIFT, BLOCK >> PAGE_SHIFT, pa >> PAGE_SHIFT, P2M_RAM, true, false };
		if (p2m_add(&d->p2m, &r)) {
			frame_release_range(&hv_frames, pa, pa + BLOCK);
			break;
		}
		add_e820(e820, n, pa, BLOCK, E820_RAM);
		got += BLOCK;
	}
	return got;
}

/* The first MiB is the firmware's: dom0 sees it as it is (the hypervisor
 * never allocates there), RAM below the EBDA and the rest reserved. */
static int map_low_memory(struct domain *d, struct e820_entry *e820, unsigned *n)
{
	struct p2m_range low = { 0, LOW_MEM_END >> PAGE_SHIFT, 0, P2M_RAM, false, false };

	add_e820(e820, n, 0, LOW_RAM_END, E820_RAM);
	add_e820(e820, n, LOW_RAM_END, LOW_MEM_END - LOW_RAM_END, E820_RESERVED);
	return p2m_add(&d->p2m, &low);
}

/*
 * dom0's ACPI tables live in a page of its own RAM, the top page of its
 * highest RAM below 4 GiB, typed ACPI in the e820, and the zero page's
 * acpi_rsdp_addr points at the RSDP. Not in the BIOS area: dom0's first
 * MiB is the host's own, whose firmware may have its own RSDP there (Linux
 * would scan the EBDA before 0xE0000), and hosts booted by UEFI have no
 * BIOS area to speak of; a pointer in the zero page is found first.
 * Returns the page's address, or 0.
 */
static uint64_t reserve_acpi_page(struct e820_entry *e820, unsigned *n)
{
	for (unsigned i = *n; i-- > 0;) {
		uint64_t end = e820[i].addr + e820[i].size;
		if (e820[i].type != E820_RAM || end > FOUR_GIB || e820[i].size <= PAGE_SIZE ||
		    e820[i].addr < LOW_MEM_END || *n == BZ_MAX_E820)
			continue;
		e820[i].size -= PAGE_SIZE;
		memmove(&e820[i + 2], &e820[i + 1], (*n - i - 1) * sizeof(*e820));
		e820[i + 1] = (struct e820_entry){ end - PAGE_SIZE, PAGE_SIZE, E820_ACPI };
		(*n)++;
		return end - PAGE_SIZE;
	}
	return 0;
}

static int write_acpi_tables(struct domain *d, uint64_t gpa)
{
	static uint8_t tables[ACPI_TABLES_SIZE];
	const struct acpi_platform p = { d->nr_vcpus, VLAPIC_BASE, VIOAPIC_BASE, VIOAPIC_ID };
	size_t len = acpi_build(tables, gpa, &p);

	if (!len)
		return -EINVAL;
	return guest_phys_write(d, gpa, tables, ACPI_TABLES_SIZE);
}

static int is_ram(void *ctx, uint64_t gpa, uint64_t len)
{
	struct domain *d = ctx;
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		const struct p2m_range *r = p2m_lookup(&d->p2m, (gpa + off) >> PAGE_SHIFT);
		if (!r || r->type != P2M_RAM)
			return 0;
	}
	return len > 0;
}

static int write_guest(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	return guest_phys_write(ctx, gpa, src, len);
}

/* The initrd goes at the top of the highest RAM below the kernel's limit. */
static uint64_t place_initrd(const struct e820_entry *e820, unsigned n, uint64_t size,
			     uint64_t limit, uint64_t kernel_end)
{
	for (unsigned i = n; i-- > 0;) {
		if (e820[i].type != E820_RAM)
			continue;
		uint64_t end = e820[i].addr + e820[i].size;
		if (end > limit)
			end = limit;
		uint64_t start = ALIGN_DOWN(end - size, PAGE_SIZE);
		if (end > size && start >= e820[i].addr && start >= kernel_end)
			return start;
	}
	return 0;
}

/* The module string is "[path] args": QEMU puts the file name first. */
static const char *kernel_args(const char *s)
{
	const char *sp = strchr(s, ' ');
	size_t first = sp ? (size_t)(sp - s) : strlen(s);
	for (size_t i = 0; i < first; i++)
		if (s[i] == '/')
			return sp ? sp + 1 : "";
	return s;
}

/* Linux boot protocol, 32-bit entry: flat __BOOT_CS (0x10) and __BOOT_DS
 * (0x18), paging off, interrupts off, ESI = boot_params. */
static void set_entry_state(struct vcpu *v, uint64_t entry)
{
	vcpu_set_flat_entry(v, 0x10, entry);
	v->regs[GPR_RSI] = BOOT_PARAMS_GPA;
}

/*
 * The TSC frequency, told to Linux as tsc_early_khz= ahead of the given
 * command line (a later one there still wins). On AMD, Linux has no CPUID
 * leaf it trusts for it on an unknown hypervisor and falls back to timing
 * the PIT through port 0x61, which fails when each read is a slow exit
 * (QEMU TCG): the TSC-deadline timer is then dropped and the LAPIC timer
 * left to a jiffies calibration that fails about half the time, so dom0
 * ends up on the PIT. The hypervisor has measured the TSC already.
 */
static const char *with_tsc_khz(const char *args)
{
	static char buf[CMDLINE_MAX];
	int n = format_buf(buf, sizeof(buf), "tsc_early_khz=%llu %s",
			   (unsigned long long)time_tsc_khz(), args);
	return n > 0 && (size_t)n < sizeof(buf) ? buf : args;
}

static int load_kernel(struct domain *d, const struct boot_info *bi, struct e820_entry *e820,
		       unsigned n, uint64_t acpi, uint64_t *entry, const char **why)
{
	const struct boot_module *k = &bi->modules[0];
	const struct bz_target t = { is_ram, write_guest, d };
	struct bz_info info;
	const char *args = kernel_args(k->string);
	struct bz_layout layout = {
		.boot_params = BOOT_PARAMS_GPA, .cmdline = CMDLINE_GPA,
		.cmdline_text = with_tsc_khz(*args ? args : default_cmdline),
		.e820 = e820, .e820_count = n,
	};

	int err = bz_probe(phys_to_virt(k->start), k->end - k->start, &t, 16ull << 20, &info, why);
	if (err)
		return err;
	if (bi->module_count > 1) {
		const struct boot_module *rd = &bi->modules[1];
		layout.initrd_size = rd->end - rd->start;
		layout.initrd_addr = place_initrd(e820, n, layout.initrd_size,
						  (uint64_t)info.initrd_addr_max + 1,
						  info.load_addr + info.init_size);
		if (!layout.initrd_addr) {
			*why = "no room for the initrd";
			return -ENOMEM;
		}
		if (guest_phys_write(d, layout.initrd_addr, phys_to_virt(rd->start), layout.initrd_size)) {
			*why = "copying the initrd failed";
			return -EFAULT;
		}
	}
	if (info.load_addr < acpi + PAGE_SIZE && acpi < info.load_addr + info.init_size) {
		*why = "the kernel would overlap the ACPI tables (more dom0_mem?)";
		return -ENOMEM;
	}
	err = bz_load(phys_to_virt(k->start), k->end - k->start, &info, &layout, &t, why);
	if (err)
		return err;
	if (info.version < 0x20e) {
		log_warn("dom0: boot protocol %u.%02u has no acpi_rsdp_addr: no ACPI tables\n",
			 info.version >> 8, info.version & 0xff);
	} else if (write_acpi_tables(d, acpi) ||
		   guest_phys_write(d, BOOT_PARAMS_GPA + BP_ACPI_RSDP_ADDR, &acpi, sizeof(acpi))) {
		*why = "writing the ACPI tables failed";
		return -EFAULT;
	} else {
		log_info("dom0: ACPI tables (RSDP, XSDT, FADT, MADT, DSDT) at %#llx\n",
			 (unsigned long long)acpi);
	}
	log_info("dom0: Linux boot protocol %u.%02u, kernel at %#llx, initrd %llu KiB at %#llx\n",
		 info.version >> 8, info.version & 0xff, (unsigned long long)info.load_addr,
		 (unsigned long long)(layout.initrd_size >> 10), (unsigned long long)layout.initrd_addr);
	log_info("dom0: command line \"%s\"\n", layout.cmdline_text);
	*entry = info.entry32;
	return 0;
}

struct domain *dom0_build(const struct boot_info *bi)
{
	static struct e820_entry e820[BZ_MAX_E820];
	unsigned n = 0;
	const char *why = "out of memory";
	uint64_t entry = 0;

	if (bi->module_count == 0) {
		log_info("dom0: no kernel module given\n");
		return 0;
	}
	struct domain *d = domain_alloc("Domain-0");
	if (!d)
		return 0;
	d->privileged = true;
	d->uart.console = true;
	uint64_t target = dom0_mem_target(bi);
	if (map_low_memory(d, e820, &n))
		goto fail;
	d->ram_bytes = take_identity_ram(d, target, e820, &n);
	if (d->ram_bytes < (64ull << 20)) {
		why = "less than 64 MiB of RAM for dom0";
		goto fail;
	}
	/* Reserved, so that Linux places nothing there (hv/foreign.c). */
	uint64_t window = foreign_window_place(d);
	add_e820(e820, &n, window << PAGE_SHIFT, d->foreign.window_pages << PAGE_SHIFT,
		 E820_RESERVED);
	log_info("dom0: foreign-map window at %#llx, %llu MiB\n",
		 (unsigned long long)(window << PAGE_SHIFT),
		 (unsigned long long)(d->foreign.window_pages >> (20 - PAGE_SHIFT)));
	uint64_t acpi = reserve_acpi_page(e820, &n);
	if (!acpi) {
		why = "no room for the ACPI tables";
		goto fail;
	}
	if (domain_start(d))
		goto fail;
	if (load_kernel(d, bi, e820, n, acpi, &entry, &why))
		goto fail;
	set_entry_state(d->vcpus[0], entry);
	log_info("dom0: %llu MiB of RAM, identity-mapped, %u e820 entries\n",
		 (unsigned long long)(d->ram_bytes >> 20), n);
	return d;
fail:
	log_err("dom0: cannot build it: %s\n", why);
	domain_destroy(d);
	return 0;
}
