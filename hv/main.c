/* hv_main: from the boot code's first C call to the first domain. */
#include "boot/bootinfo.h"
#include "hv/apic.h"
#include "hv/cmdline.h"
#include "hv/cpuid.h"
#include "hv/dom0.h"
#include "hv/domain.h"
#include "hv/heap.h"
#include "hv/hvm.h"
#include "hv/layout.h"
#include "hv/log.h"
#include "hv/machine.h"
#include "hv/mem.h"
#include "hv/percpu.h"
#include "hv/sched.h"
#include "hv/selftest.h"
#include "hv/serial.h"
#include "hv/smp.h"
#include "hv/string.h"
#include "hv/testrun.h"
#include "hv/time.h"
#include "hv/trap.h"
#include "hv/vcpu.h"

#define KESTREL_VERSION "0.1"

static struct boot_info boot_info;

void hv_main(uint32_t magic, uint32_t info_pa);

/* The boot page tables map physical 0..4 GiB; the loader's data is below. */
static const void *boot_phys(void *ctx, uint64_t pa, size_t len)
{
	if (pa >= (4ull << 30) || len > (4ull << 30) - pa)
		return 0;
	return phys_to_virt(pa);
}

static uint16_t console_port(const char *cmdline)
{
	static const struct {
		const char *name;
		uint16_t port;
	} ports[] = { { "com1", 0x3f8 }, { "com2", 0x2f8 }, { "com3", 0x3e8 }, { "com4", 0x2e8 } };
	char val[16];
	uint64_t port;

	if (!cmdline_get(cmdline, "console", val, sizeof(val)))
		return 0x3f8;
	for (unsigned i = 0; i < ARRAY_SIZE(ports); i++)
		if (strcmp(val, ports[i].name) == 0)
			return ports[i].port;
	if (cmdline_parse_u64(val, &port) && port > 0 && port < 0xfff8)
		return (uint16_t)port;
	return 0x3f8;
}

static void apply_options(const char *cmdline)
{
	char val[32];
	uint64_t level;

	if (cmdline_get(cmdline, "loglvl", val, sizeof(val)) &&
	    cmdline_parse_u64(val, &level) && level <= LOG_DEBUG)
		log_set_console_level((enum log_level)level);
	if (cmdline_get(cmdline, "exit", val, sizeof(val)) &&
	    !machine_parse_exit_method(val))
		log_warn("cmdline: unknown exit method '%s' (halt, qemu, bochs)\n", val);
	if (cmdline_get(cmdline, "direct_switch", val, sizeof(val)) && strcmp(val, "off") == 0)
		sched_direct_switch = false; /* for make bench: the hand-over's worth */
}

static void print_boot_info(const struct boot_info *bi)
{
	log_info("boot: multiboot%d from \"%s\", cmdline \"%s\"\n", bi->protocol,
		 bi->loader_name, bi->cmdline);
	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_range *m = &bi->mem[i];
		log_info("  mem %016llx-%016llx type %u\n", (unsigned long long)m->base,
			 (unsigned long long)(m->base + m->length), m->type);
	}
	for (unsigned i = 0; i < bi->module_count; i++) {
		const struct boot_module *m = &bi->modules[i];
		log_info("  module %u: %08llx-%08llx (%llu bytes) \"%s\"\n", i,
			 (unsigned long long)m->start, (unsigned long long)m->end,
			 (unsigned long long)(m->end - m->start), m->string);
	}
	if (bi->modules_dropped)
		log_warn("  %u modules ignored (at most %d)\n", bi->modules_dropped,
			 BOOT_MAX_MODULES);
}

static void print_footprint(const struct mem_summary *ms)
{
	uint64_t free_bytes = hv_frames.free_frames * PAGE_SIZE;

	log_info("mem: %llu MiB RAM in the firmware map, highest RAM address 0x%llx, %u usable ranges\n",
		 (unsigned long long)(ms->ram_bytes >> 20),
		 (unsigned long long)ms->highest_ram, ms->ranges);
	log_info("mem: footprint: image %llu KiB, frame bitmap %llu KiB, page tables %llu KiB, "
		 "heap %llu KiB, per-CPU %llu KiB\n",
		 (unsigned long long)(ms->image_bytes >> 10),
		 (unsigned long long)(ms->bitmap_bytes >> 10),
		 (unsigned long long)(ms->page_table_bytes >> 10),
		 (unsigned long long)(heap_footprint() >> 10),
		 (unsigned long long)(sizeof(struct percpu) >> 10));
	log_info("mem: %llu MiB free for domains\n", (unsigned long long)(free_bytes >> 20));
}

/* dom0 runs until it stops; its end is the end of the run. */
static void run_dom0(void)
{
	struct domain *d = dom0_build(&boot_info);

	if (!d)
		machine_exit(MACHINE_TEST_FAILED);
	sched_run_until_done(d);
	log_info("kestrel: dom0 ended (%s)\n", d->end_reason);
	machine_exit(d->state == DOMAIN_FINISHED ? MACHINE_SUCCESS : MACHINE_TEST_FAILED);
}

void hv_main(uint32_t magic, uint32_t info_pa)
{
	int err = bootinfo_parse(magic, info_pa, boot_phys, 0, &boot_info);

	serial_init(console_port(err ? "" : boot_info.cmdline));
	log_info("\nKestrel " KESTREL_VERSION " hypervisor\n");
	if (err) {
		log_err("boot: not started by a multiboot loader (magic 0x%x, error %d)\n",
			magic, err);
		machine_exit(MACHINE_PANIC);
	}
	apply_options(boot_info.cmdline);

	percpu_init(&bsp_percpu, 0);
	idt_init();
	idt_load();
	print_boot_info(&boot_info);

	struct mem_summary ms;
	mem_init(&boot_info, &ms);
	print_footprint(&ms);

	time_init();
	if (!apic_init())
		log_warn("apic: no local APIC: virtual timers will poll\n");
	cpuid_policy_init();
	bool can_virtualize = hvm_init();
	smp_boot_aps();
	selftest_run(boot_info.cmdline);
	if (cmdline_get(boot_info.cmdline, "test", 0, 0)) {
		if (!can_virtualize)
			machine_exit(MACHINE_TEST_FAILED);
		testrun(&boot_info);
	}
	char dom0_opt[8] = "";
	cmdline_get(boot_info.cmdline, "dom0", dom0_opt, sizeof(dom0_opt));
	if (can_virtualize && boot_info.module_count && strcmp(dom0_opt, "off") != 0)
		run_dom0();
	log_info("kestrel: boot complete, nothing to run\n");
	machine_exit(MACHINE_SUCCESS);
}
