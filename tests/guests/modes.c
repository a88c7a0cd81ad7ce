/* modes: the CPU modes a guest may switch between, and the hypervisor must
 * follow: 32-bit protected mode (the multiboot start) -> real mode (port
 * I/O, IVT interrupt, segment arithmetic) -> protected mode -> long mode,
 * whose 64-bit code checks it really is 64-bit and writes the verdict. */
#include "guest.h"

const char guest_name[] = "modes";

enum {
	FAIL_START_STATE = 1,
	FAIL_REAL_PE,
	FAIL_REAL_CS,
	FAIL_REAL_SEGMENT,
	FAIL_REAL_INT,
	FAIL_REAL_ECHO,
	FAIL_PM_AGAIN,
	FAIL_PM_IDT,
	/* 20..25: modes_long.asm */
};

/* Written by the real-mode code (modes_real.asm `results`). */
struct __attribute__((packed)) real_mode_results {
	uint32_t echo_dword, echo_count;
	uint16_t echo_word, cs, msw, seg_word, int_hits;
};

struct real_mode_results *real_mode_visit(void);
void modes_long_finish(uint32_t verdict);

#define TRAMPOLINE 0x8000

static void check_real_mode(void)
{
	note("to real mode through a trampoline at 0x%x", TRAMPOLINE);
	struct real_mode_results *r = real_mode_visit();
	uint32_t cr0 = read_cr0();
	check(!(r->msw & CR0_PE), FAIL_REAL_PE, "real mode: SMSW shows PE=0 (msw 0x%x)", r->msw);
	check(r->cs == 0, FAIL_REAL_CS, "real mode: CS = 0 after the far jump (0x%x)", r->cs);
	check(r->seg_word == *(uint16_t *)TRAMPOLINE, FAIL_REAL_SEGMENT,
	      "real mode: DS=0x800:[0] reads linear 0x8000 (0x%04x, want 0x%04x)", r->seg_word,
	      *(uint16_t *)TRAMPOLINE);
	check(r->int_hits == 1, FAIL_REAL_INT, "real mode: int 0x30 through the IVT ran its handler (%u times)",
	      r->int_hits);
	if (kestrel_present())
		check(r->echo_count == 6 && r->echo_word == 0xBEEF && r->echo_dword == 0x12345678, FAIL_REAL_ECHO,
		      "real mode: echo device count %u, read 0x%04x 0x%08x (want 6, 0xbeef 0x12345678)",
		      r->echo_count, r->echo_word, r->echo_dword);
	else
		note("not under Kestrel: real-mode echo device results not checked");
	check((cr0 & CR0_PE) && !(cr0 & CR0_PG), FAIL_PM_AGAIN, "back in protected mode (CR0 0x%08x)", cr0);
	exc_expect(2);
	__asm__ volatile("ud2");
	check(exc_caught().vector == 6, FAIL_PM_IDT, "the 32-bit IDT works again (ud2 caught)");
}

void guest_main(void)
{
	uint32_t cr0 = read_cr0();
	check((cr0 & CR0_PE) && !(cr0 & CR0_PG), FAIL_START_STATE,
	      "started in protected mode, paging off (CR0 0x%08x)", cr0);
	check_real_mode();
	note("to long mode; the verdict comes from 64-bit code");
	longmode_call(modes_long_finish, first_failure());
	check(false, FAIL_PM_AGAIN, "returned from long mode, which should have ended the run");
}
