#include "hv/vuart.h"

#include "hv/log.h"

enum {
	REG_DATA = 0, REG_IER = 1, REG_IIR = 2, REG_LCR = 3,
	REG_MCR = 4, REG_LSR = 5, REG_MSR = 6, REG_SCR = 7,
};

#define LCR_DLAB 0x80
#define LSR_THR_EMPTY 0x20
#define LSR_TX_IDLE 0x40
#define IIR_NO_INTERRUPT 0x01

static void emit_line(struct vuart *u, const char *prefix)
{
	u->line[u->len] = '\0';
	log_info("[%s] %s\n", prefix, u->line);
	u->len = 0;
}

static void transmit(struct vuart *u, const char *prefix, uint8_t c)
{
	if (c == '\n') {
		emit_line(u, prefix);
		return;
	}
	if (c == '\r')
		return;
	/* Keep the log printable whatever the guest sends. */
	u->line[u->len++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	if (u->len == VUART_LINE_MAX - 1)
		emit_line(u, prefix);
}

void vuart_flush(struct vuart *u, const char *prefix)
{
	if (u->len)
		emit_line(u, prefix);
}

static uint32_t read_reg(struct vuart *u, unsigned reg)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case REG_DATA: return dlab ? u->dll : 0;
	case REG_IER: return dlab ? u->dlm : u->ier;
	case REG_IIR: return IIR_NO_INTERRUPT;
	case REG_LCR: return u->lcr;
	case REG_MCR: return u->mcr;
	case REG_LSR: return LSR_THR_EMPTY | LSR_TX_IDLE;
	case REG_MSR: return 0xb0; /* DCD, DSR, CTS: a cable is attached */
	default: return u->scratch;
	}
}

static void write_reg(struct vuart *u, const char *prefix, unsigned reg, uint8_t v)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case REG_DATA:
		if (dlab)
			u->dll = v;
		else
			transmit(u, prefix, v);
		break;
	case REG_IER:
		if (dlab)
			u->dlm = v;
		else
			u->ier = v & 0x0f;
		break;
	case REG_LCR: u->lcr = v; break;
	case REG_MCR: u->mcr = v & 0x1f; break;
	case REG_SCR: u->scratch = v; break;
	default: break; /* FCR, LSR, MSR: nothing to keep */
	}
}

bool vuart_io(struct vuart *u, const char *prefix, uint16_t port, bool in, uint32_t *val)
{
	if (port < VUART_BASE || port >= VUART_BASE + 8)
		return false;
	if (in)
		*val = read_reg(u, port - VUART_BASE);
	else
		write_reg(u, prefix, port - VUART_BASE, (uint8_t)*val);
	return true;
}
