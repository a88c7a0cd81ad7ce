#include "hv/serial.h"

#include "hv/x86.h"

/* 16550 registers, as offsets from the base port (PC16550D datasheet). */
enum {
	UART_DATA = 0, /* RBR/THR, or DLL when DLAB=1 */
	UART_IER = 1,  /* or DLM when DLAB=1 */
	UART_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_SCR = 7,
};

#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define LCR_DLAB 0x80
#define LCR_8N1 0x03

static uint16_t uart_port;

bool serial_init(uint16_t port)
{
	/* The scratch register tells a present UART from a floating bus. */
	outb(port + UART_SCR, 0x5a);
	if (inb(port + UART_SCR) != 0x5a)
		return false;

	outb(port + UART_IER, 0);
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DATA, 1); /* divisor 1: 115200 baud */
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, LCR_8N1);
	outb(port + UART_FCR, 0x07); /* enable and clear FIFOs */
	outb(port + UART_MCR, 0x03); /* DTR, RTS */
	uart_port = port;
	return true;
}

void serial_putc(char c)
{
	if (!uart_port)
		return;
	/* Bounded wait: a wedged UART must not hang the hypervisor. */
	for (int spins = 0; spins < 100000; spins++) {
		if (inb(uart_port + UART_LSR) & LSR_THR_EMPTY)
			break;
		cpu_relax();
	}
	outb(uart_port + UART_DATA, (uint8_t)c);
}

int serial_getc(void)
{
	if (!uart_port || !(inb(uart_port + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(uart_port + UART_DATA);
}
