/* Dispatching the hypervisor's own traps, and the panic path. */
#include "hv/trap.h"

#include "hv/ksyms.h"
#include "hv/layout.h"
#include "hv/log.h"
#include "hv/machine.h"
#include "hv/format.h"
#include "hv/x86.h"

static trap_handler_fn handlers[256];
static volatile int panic_depth;

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved (15)",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization exception",
	"#CP control protection",
};

void trap_set_handler(uint8_t vector, trap_handler_fn fn)
{
	handlers[vector] = fn;
}

void trap_dispatch(struct trap_frame *f);
void trap_dispatch(struct trap_frame *f)
{
	trap_handler_fn fn = handlers[f->vector & 0xff];

	if (fn) {
		fn(f);
		return;
	}
	panic_frame(f->vector < 32 ? "unhandled exception" : "unexpected interrupt", f);
}

static void print_symbol(const char *label, uint64_t addr)
{
	uint64_t off;
	const char *name = ksyms_lookup(addr, &off);

	if (name)
		log_err("%s%016llx <%s+0x%llx>\n", label, (unsigned long long)addr,
			name, (unsigned long long)off);
	else
		log_err("%s%016llx\n", label, (unsigned long long)addr);
}

/* A frame pointer we may follow: in the image's data or the direct map, aligned. */
static int frame_pointer_ok(uint64_t rbp)
{
	if (rbp & 7)
		return 0;
	if (rbp >= (uint64_t)__image_start && rbp + 16 <= (uint64_t)__image_end)
		return 1;
	return rbp >= DIRECT_MAP_BASE && rbp + 16 <= DIRECT_MAP_BASE + (4ull << 30);
}

static void print_backtrace(uint64_t rbp)
{
	log_err("backtrace:\n");
	for (int depth = 0; depth < 32 && frame_pointer_ok(rbp); depth++) {
		const uint64_t *frame = (const uint64_t *)rbp;
		if (!frame[1])
			break;
		print_symbol("  ", frame[1]);
		if (frame[0] <= rbp)
			break; /* frames grow upwards; anything else is corrupt */
		rbp = frame[0];
	}
}

static void print_frame(const struct trap_frame *f)
{
	const char *name = f->vector < 32 ? exception_names[f->vector] : 0;

	log_err("vector %llu (%s), error code 0x%llx\n", (unsigned long long)f->vector,
		name ? name : "interrupt", (unsigned long long)f->error_code);
	print_symbol("RIP ", f->rip);
	log_err("CS %04llx RFLAGS %016llx RSP %016llx SS %04llx\n",
		(unsigned long long)f->cs, (unsigned long long)f->rflags,
		(unsigned long long)f->rsp, (unsigned long long)f->ss);
	log_err("RAX %016llx RBX %016llx RCX %016llx RDX %016llx\n",
		(unsigned long long)f->rax, (unsigned long long)f->rbx,
		(unsigned long long)f->rcx, (unsigned long long)f->rdx);
	log_err("RSI %016llx RDI %016llx RBP %016llx R8  %016llx\n",
		(unsigned long long)f->rsi, (unsigned long long)f->rdi,
		(unsigned long long)f->rbp, (unsigned long long)f->r8);
	log_err("R9  %016llx R10 %016llx R11 %016llx R12 %016llx\n",
		(unsigned long long)f->r9, (unsigned long long)f->r10,
		(unsigned long long)f->r11, (unsigned long long)f->r12);
	log_err("R13 %016llx R14 %016llx R15 %016llx\n",
		(unsigned long long)f->r13, (unsigned long long)f->r14,
		(unsigned long long)f->r15);
	log_err("CR0 %016llx CR2 %016llx CR3 %016llx CR4 %016llx\n",
		(unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
		(unsigned long long)read_cr3(), (unsigned long long)read_cr4());
}

void panic_frame(const char *why, const struct trap_frame *f)
{
	cli();
	/* A fault while printing must not loop: the second time, just stop. */
	if (__atomic_fetch_add(&panic_depth, 1, __ATOMIC_SEQ_CST) > 0) {
		log_break_lock();
		log_err("PANIC: fault while panicking\n");
		machine_exit(MACHINE_PANIC);
	}
	log_break_lock();
	log_err("PANIC: %s\n", why);
	if (f) {
		print_frame(f);
		print_backtrace(f->rbp);
	} else {
		print_backtrace((uint64_t)__builtin_frame_address(0));
	}
	machine_exit(MACHINE_PANIC);
}

void panic(const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vformat_buf(why, sizeof(why), fmt, ap);
	va_end(ap);
	panic_frame(why, 0);
}
