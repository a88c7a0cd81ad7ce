/*
 * A minimal 16550 for guests whose console the hypervisor relays: output
 * lines go to the hypervisor log prefixed with the domain's name; input is
 * not wired yet (reads see an empty receiver).
 */
#ifndef HV_VUART_H
#define HV_VUART_H

#include <stdbool.h>
#include <stdint.h>

#define VUART_BASE 0x3f8
#define VUART_LINE_MAX 160

struct vuart {
	uint8_t ier, lcr, mcr, scratch, dll, dlm;
	char line[VUART_LINE_MAX];
	unsigned len;
};

/* Handles an access to the UART's 8 ports; false if `port` is not ours. */
bool vuart_io(struct vuart *u, const char *prefix, uint16_t port, bool in, uint32_t *val);
/* Prints what is left of an unterminated line. */
void vuart_flush(struct vuart *u, const char *prefix);

#endif
