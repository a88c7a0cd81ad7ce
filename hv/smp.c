#include "hv/smp.h"

#include "hv/apic.h"
#include "hv/heap.h"
#include "hv/hvm.h"
#include "hv/layout.h"
#include "hv/log.h"
#include "hv/madt.h"
#include "hv/mem.h"
#include "hv/percpu.h"
#include "hv/sched.h"
#include "hv/string.h"
#include "hv/time.h"
#include "hv/trap.h"
#include "hv/x86.h"

#define AP_TRAMPOLINE_BASE 0x8000ull
#define AP_STACK_SIZE (16 * 1024)
#define FOUR_GIB (4ull << 30)

struct ap_mailbox {
	uint64_t cr3, stack, percpu, entry;
};

extern const uint8_t ap_trampoline_start[], ap_trampoline_end[], ap_mailbox[];
extern uint64_t boot_pml4[512];

/* CPUs 0..cpus_online-1 are up; cpu_table[] is filled before the count grows. */
static volatile unsigned cpus_online = 1;
static struct percpu *cpu_table[MAX_CPUS] = { &bsp_percpu };

unsigned smp_cpu_count(void)
{
	return __atomic_load_n(&cpus_online, __ATOMIC_ACQUIRE);
}

struct percpu *smp_cpu(unsigned id)
{
	return id < MAX_CPUS ? cpu_table[id] : 0;
}

static const void *firmware_phys(void *ctx, uint64_t pa, size_t len)
{
	if (pa >= FOUR_GIB || len > FOUR_GIB - pa)
		return 0;
	return phys_to_virt(pa);
}

static void delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + time_ns_to_tsc(us * 1000);
	while (rdtsc() < end)
		cpu_relax();
}

/* Where an AP lands, on its own stack, in long mode, on the hypervisor's
 * page tables: per-CPU data, descriptor tables, its APIC, virtualization,
 * then the scheduler, for the domains homed here. */
__attribute__((noreturn)) void ap_entry(struct percpu *pc);
void ap_entry(struct percpu *pc)
{
	uint32_t apic_id = pc->apic_id;

	percpu_init(pc, pc->cpu_id); /* clears the structure */
	pc->apic_id = apic_id;       /* where kicks for this CPU go */
	idt_load();
	int err = hvm ? hvm_cpu_enable(pc) : 0;
	if (err)
		log_err("smp: CPU %u: could not enable %s (%d)\n", pc->cpu_id, hvm->name, err);
	apic_init_ap();
	__atomic_fetch_add(&cpus_online, 1, __ATOMIC_RELEASE);
	sched_cpu_loop();
}

static bool start_ap(uint32_t apic_id, unsigned cpu_id)
{
	struct percpu *pc = kzalloc(sizeof(*pc));
	uint8_t *stack = kmalloc(AP_STACK_SIZE);
	unsigned before = cpus_online;

	if (!pc || !stack) {
		kfree(pc);
		kfree(stack);
		return false;
	}
	pc->cpu_id = cpu_id;
	pc->apic_id = apic_id;
	cpu_table[cpu_id] = pc;
	struct ap_mailbox *mb = phys_to_virt(AP_TRAMPOLINE_BASE + (ap_mailbox - ap_trampoline_start));
	*mb = (struct ap_mailbox){ read_cr3(), (uint64_t)(stack + AP_STACK_SIZE), (uint64_t)pc,
				   (uint64_t)ap_entry };

	/* INIT, then two start-up IPIs (SDM Vol. 3A, 8.4.4.1). */
	apic_send_ipi(apic_id, APIC_ICR_INIT);
	delay_us(10000);
	for (int i = 0; i < 2 && cpus_online == before; i++) {
		apic_send_ipi(apic_id, APIC_ICR_STARTUP | (AP_TRAMPOLINE_BASE >> 12));
		delay_us(200);
	}
	for (int ms = 0; ms < 100 && __atomic_load_n(&cpus_online, __ATOMIC_ACQUIRE) == before; ms++)
		delay_us(1000);
	if (cpus_online != before) {
		log_info("smp: CPU %u (APIC %u) online\n", cpu_id, apic_id);
		return true;
	}
	/* It never arrived: its memory may still be in use by a late start,
	 * so it is not given back. */
	log_warn("smp: CPU with APIC %u did not start\n", apic_id);
	return false;
}

unsigned smp_boot_aps(void)
{
	struct madt_cpus cpus;
	const uint16_t *bda_ebda = phys_to_virt(0x40e);
	uint32_t bsp_apic = cpuid(1, 0).ebx >> 24;

	bsp_percpu.apic_id = bsp_apic;

	if (madt_find_cpus(firmware_phys, 0, (uint64_t)*bda_ebda << 4, &cpus)) {
		log_info("smp: no ACPI MADT: running on the boot CPU only\n");
		return 1;
	}
	/* The trampoline runs at its physical address: map the low memory
	 * again while the APs come up. */
	memcpy(phys_to_virt(AP_TRAMPOLINE_BASE), ap_trampoline_start,
	       (size_t)(ap_trampoline_end - ap_trampoline_start));
	boot_pml4[0] = boot_pml4[DIRECT_MAP_SLOT];
	write_cr3(read_cr3());
	unsigned next_id = 1;
	for (unsigned i = 0; i < cpus.count && next_id < MAX_CPUS; i++)
		if (cpus.apic_ids[i] != bsp_apic && start_ap(cpus.apic_ids[i], next_id))
			next_id++;
	boot_pml4[0] = 0;
	write_cr3(read_cr3());
	log_info("smp: %u CPUs online (%u in the MADT)\n", cpus_online, cpus.count);
	return cpus_online;
}
