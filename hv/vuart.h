/*
 * A 16550A UART for guests. A test domain's output lines go to the
 * hypervisor log prefixed with its name; the console domain (dom0) writes
 * straight to the hypervisor's serial port and reads what is typed on it.
 * Interrupts (received data, transmitter empty) drive ISA IRQ 4.
 */
#ifndef HV_VUART_H
#define HV_VUART_H

#include <stdbool.h>
#include <stdint.h>

#define VUART_BASE 0x3f8
#define VUART_IRQ 4
#define VUART_LINE_MAX 160
#define VUART_RX_FIFO 16

struct vuart {
	uint8_t ier, lcr, mcr, scratch, dll, dlm;
	bool fifo_enabled;
	bool thre_pending;     /* a transmitter-empty interrupt not yet seen */
	bool console;          /* raw console instead of prefixed log lines */
	uint8_t rx[VUART_RX_FIFO];
	unsigned rx_head, rx_count;
	char line[VUART_LINE_MAX];
	unsigned len;
};

/* Handles an access to the UART's 8 ports; false if `port` is not ours. */
bool vuart_io(struct vuart *u, const char *prefix, uint16_t port, bool in, uint32_t *val);
/* Queues a received byte (dropped when the FIFO is full, as on hardware). */
void vuart_receive(struct vuart *u, uint8_t c);
/* The level of the UART's interrupt line. */
bool vuart_irq_level(const struct vuart *u);
/* Prints what is left of an unterminated line. */
void vuart_flush(struct vuart *u, const char *prefix);

#endif
