/* The end of every guest: the verdict goes to the test port 0xF4. */
#include "guest.h"

void guest_exit(uint32_t code)
{
	kprintf("%s: verdict %u (%s)\n", guest_name, code, code ? "FAIL" : "PASS");
	outl(PORT_VERDICT, code);
	/* The domain is over after the verdict; if something lets us run on,
	 * stay put rather than execute whatever follows. */
	for (;;)
		__asm__ volatile("cli; hlt");
}
