#include "hv/vuart.h"

#include "hv/log.h"
#include "hv/serial.h"

enum {
	REG_DATA = 0, REG_IER = 1, REG_IIR = 2, REG_LCR = 3,
	REG_MCR = 4, REG_LSR = 5, REG_MSR = 6, REG_SCR = 7,
};

#define LCR_DLAB 0x80
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define LSR_TX_IDLE 0x40
#define IER_RX 0x01
#define IER_THRE 0x02
#define IIR_NONE 0x01
#define IIR_THRE 0x02
#define IIR_RX 0x04
#define IIR_FIFO 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02

static void emit_line(struct vuart *u, const char *prefix)
{
	u->line[u->len] = '\0';
	log_info("[%s] %s\n", prefix, u->line);
	u->len = 0;
}

static void transmit(struct vuart *u, const char *prefix, uint8_t c)
{
	if (u->console) {
		serial_putc((char)c);
		return;
	}
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

void vuart_receive(struct vuart *u, uint8_t c)
{
	if (u->rx_count == VUART_RX_FIFO)
		return;
	u->rx[(u->rx_head + u->rx_count) % VUART_RX_FIFO] = c;
	u->rx_count++;
}

static uint8_t rx_pop(struct vuart *u)
{
	if (!u->rx_count)
		return 0;
	uint8_t c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % VUART_RX_FIFO;
	u->rx_count--;
	return c;
}

/* The interrupt identification, highest priority first (16550 datasheet). */
static uint8_t interrupt_id(const struct vuart *u)
{
	if ((u->ier & IER_RX) && u->rx_count)
		return IIR_RX;
	if ((u->ier & IER_THRE) && u->thre_pending)
		return IIR_THRE;
	return IIR_NONE;
}

bool vuart_irq_level(const struct vuart *u)
{
	return interrupt_id(u) != IIR_NONE;
}

static uint32_t read_reg(struct vuart *u, unsigned reg)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case REG_DATA:
		return dlab ? u->dll : rx_pop(u);
	case REG_IER:
		return dlab ? u->dlm : u->ier;
	case REG_IIR: {
		uint8_t id = interrupt_id(u);
		if (id == IIR_THRE)
			u->thre_pending = false; /* reading IIR acknowledges THRE */
		return id | (u->fifo_enabled ? IIR_FIFO : 0);
	}
	case REG_LCR: return u->lcr;
	case REG_MCR: return u->mcr;
	case REG_LSR: return LSR_THR_EMPTY | LSR_TX_IDLE | (u->rx_count ? LSR_DATA_READY : 0);
	case REG_MSR: return 0xb0; /* DCD, DSR, CTS: a cable is attached */
	default: return u->scratch;
	}
}

static void write_reg(struct vuart *u, const char *prefix, unsigned reg, uint8_t v)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case REG_DATA:
		if (dlab) {
			u->dll = v;
			break;
		}
		transmit(u, prefix, v);
		u->thre_pending = true; /* sent at once: empty again */
		break;
	case REG_IER:
		if (dlab) {
			u->dlm = v;
			break;
		}
		/* Enabling THRE with the transmitter empty interrupts at once. */
		if ((v & IER_THRE) && !(u->ier & IER_THRE))
			u->thre_pending = true;
		u->ier = v & 0x0f;
		break;
	case REG_IIR: /* FCR */
		u->fifo_enabled = v & FCR_ENABLE;
		if (v & FCR_CLEAR_RX)
			u->rx_count = 0;
		break;
	case REG_LCR: u->lcr = v; break;
	case REG_MCR: u->mcr = v & 0x1f; break;
	case REG_SCR: u->scratch = v; break;
	default: break; /* LSR, MSR: read-only */
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
