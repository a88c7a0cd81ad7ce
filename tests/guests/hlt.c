/* hlt: `cli; hlt` with nothing pending can never wake up (no NMI, no SMI
 * in a test domain), so the hypervisor must stop the domain and log
 * "domain N stopped: halted with interrupts disabled". A verdict from this
 * guest means HLT returned. */
#include "guest.h"

const char guest_name[] = "hlt";

enum { FAIL_WOKE_UP = 1 };

void guest_main(void)
{
	note("halting with interrupts disabled");
	__asm__ volatile("cli; hlt" ::: "memory");
	check(false, FAIL_WOKE_UP, "hlt with interrupts disabled returned");
}
