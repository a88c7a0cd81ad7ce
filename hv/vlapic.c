#include "hv/vlapic.h"

#include "hv/string.h"

/* Register offsets (SDM Vol. 3A, table 11-1). */
enum {
	APIC_ID = 0x20, APIC_VERSION = 0x30, APIC_TPR = 0x80, APIC_APR = 0x90,
	APIC_PPR = 0xa0, APIC_EOI = 0xb0, APIC_LDR = 0xd0, APIC_DFR = 0xe0,
	APIC_SVR = 0xf0, APIC_ISR = 0x100, APIC_TMR = 0x180, APIC_IRR = 0x200,
	APIC_ESR = 0x280, APIC_LVT_CMCI = 0x2f0, APIC_ICR_LOW = 0x300,
	APIC_ICR_HIGH = 0x310, APIC_LVT_TIMER = 0x320, APIC_LVT_THERMAL = 0x330,
	APIC_LVT_PERF = 0x340, APIC_LVT_LINT0 = 0x350, APIC_LVT_LINT1 = 0x360,
	APIC_LVT_ERROR = 0x370, APIC_TIMER_INIT = 0x380, APIC_TIMER_CURRENT = 0x390,
	APIC_TIMER_DIVIDE = 0x3e0,
};

#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_MODE_SHIFT 17
#define TIMER_ONESHOT 0
#define TIMER_PERIODIC 1
#define TIMER_TSC_DEADLINE 2
#define ICR_DELIVERY_MODE(v) (((v) >> 8) & 7)
#define ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define ESR_RECEIVE_ILLEGAL_VECTOR (1u << 6)

static uint32_t *reg(struct vlapic *a, uint32_t offset)
{
	return &a->regs[offset / 4];
}

static uint32_t get(const struct vlapic *a, uint32_t offset)
{
	return a->regs[offset / 4];
}

/* The 256-bit IRR/ISR/TMR: eight registers 16 bytes apart. */
static void bit_set(struct vlapic *a, uint32_t base, uint8_t v)
{
	*reg(a, base + (v / 32) * 0x10) |= 1u << (v % 32);
}

static void bit_clear(struct vlapic *a, uint32_t base, uint8_t v)
{
	*reg(a, base + (v / 32) * 0x10) &= ~(1u << (v % 32));
}

static int highest_bit(const struct vlapic *a, uint32_t base)
{
	for (int i = 7; i >= 0; i--) {
		uint32_t w = get(a, base + (uint32_t)i * 0x10);
		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

void vlapic_init(struct vlapic *a, uint32_t id)
{
	memset(a, 0, sizeof(*a));
	a->id = id;
	*reg(a, APIC_ID) = id << 24;
	*reg(a, APIC_VERSION) = (6u << 16) | 0x14; /* 7 LVT entries, integrated APIC */
	*reg(a, APIC_DFR) = 0xffffffffu;
	*reg(a, APIC_SVR) = 0xff;
	for (uint32_t lvt = APIC_LVT_CMCI; lvt <= APIC_LVT_ERROR; lvt += 0x10)
		if (lvt == APIC_LVT_CMCI || lvt >= APIC_LVT_TIMER)
			*reg(a, lvt) = LVT_MASKED;
}

static bool enabled(const struct vlapic *a)
{
	return get(a, APIC_SVR) & SVR_ENABLE;
}

/* PPR: the higher class of TPR and the highest in-service vector (11.8.3.1). */
static uint32_t ppr(const struct vlapic *a)
{
	uint32_t tpr = get(a, APIC_TPR) & 0xff;
	int isr = highest_bit(a, APIC_ISR);
	uint32_t isrv = isr < 0 ? 0 : (uint32_t)isr;
	return (tpr >> 4) >= (isrv >> 4) ? tpr : (isrv & 0xf0);
}

void vlapic_accept(struct vlapic *a, uint8_t vector, bool level)
{
	if (vector < 16) {
		*reg(a, APIC_ESR) |= ESR_RECEIVE_ILLEGAL_VECTOR;
		return;
	}
	bit_set(a, APIC_IRR, vector);
	if (level)
		bit_set(a, APIC_TMR, vector);
	else
		bit_clear(a, APIC_TMR, vector);
}

int vlapic_pending(const struct vlapic *a)
{
	if (!enabled(a))
		return -1;
	int irr = highest_bit(a, APIC_IRR);
	if (irr < 0 || ((uint32_t)irr & 0xf0) <= (ppr(a) & 0xf0))
		return -1;
	return irr;
}

int vlapic_acknowledge(struct vlapic *a)
{
	int v = vlapic_pending(a);
	if (v < 0)
		return (int)(get(a, APIC_SVR) & 0xff); /* spurious */
	bit_clear(a, APIC_IRR, (uint8_t)v);
	bit_set(a, APIC_ISR, (uint8_t)v);
	return v;
}

static void (*level_eoi)(struct vlapic *a, uint8_t vector);

void vlapic_set_level_eoi_handler(void (*fn)(struct vlapic *a, uint8_t vector))
{
	level_eoi = fn;
}

static void eoi(struct vlapic *a)
{
	int v = highest_bit(a, APIC_ISR);
	if (v < 0)
		return;
	bit_clear(a, APIC_ISR, (uint8_t)v);
	if (level_eoi && (get(a, APIC_TMR + (uint32_t)(v / 32) * 0x10) & (1u << (v % 32))))
		level_eoi(a, (uint8_t)v);
}

static unsigned timer_mode(const struct vlapic *a)
{
	return (get(a, APIC_LVT_TIMER) >> LVT_TIMER_MODE_SHIFT) & 3;
}

/* The divide configuration register encodes 1, 2, 4, ..., 128 (11.5.4). */
static uint64_t divisor(const struct vlapic *a)
{
	uint32_t d = get(a, APIC_TIMER_DIVIDE);
	unsigned code = (d & 3) | ((d >> 1) & 4);
	return code == 7 ? 1 : 2ull << code;
}

static uint64_t period_ns(const struct vlapic *a)
{
	return (uint64_t)get(a, APIC_TIMER_INIT) * divisor(a) * VLAPIC_BUS_NS;
}

/* A periodic timer fires at most every 100 us (KVM's bound is 200 us): a
 * guest asking for a period of a few ns would otherwise have every entry
 * cut short by the host timer and never run an instruction. */
#define MIN_PERIOD_NS 100000u

static uint64_t period_step(const struct vlapic *a)
{
	uint64_t p = period_ns(a);
	return timer_mode(a) == TIMER_PERIODIC && p && p < MIN_PERIOD_NS ? MIN_PERIOD_NS : p;
}

static void timer_start(struct vlapic *a, uint64_t now_ns)
{
	a->timer_start_ns = now_ns;
	uint64_t p = period_step(a);
	a->timer_deadline_ns = (p && timer_mode(a) != TIMER_TSC_DEADLINE) ? now_ns + p : 0;
}

static uint32_t timer_current(const struct vlapic *a, uint64_t now_ns)
{
	uint64_t p = period_ns(a);
	if (!p || timer_mode(a) == TIMER_TSC_DEADLINE)
		return 0;
	uint64_t elapsed = now_ns - a->timer_start_ns;
	if (timer_mode(a) == TIMER_ONESHOT && elapsed >= p)
		return 0;
	return (uint32_t)((p - elapsed % p) / (divisor(a) * VLAPIC_BUS_NS));
}

static void fire_lvt(struct vlapic *a, uint32_t lvt)
{
	uint32_t v = get(a, lvt);
	if (!(v & LVT_MASKED) && enabled(a))
		vlapic_accept(a, (uint8_t)v, false);
}

void vlapic_update(struct vlapic *a, uint64_t now_ns, uint64_t tsc)
{
	if (timer_mode(a) == TIMER_TSC_DEADLINE) {
		if (a->tsc_deadline && tsc >= a->tsc_deadline) {
			a->tsc_deadline = 0;
			fire_lvt(a, APIC_LVT_TIMER);
		}
		return;
	}
	if (!a->timer_deadline_ns || now_ns < a->timer_deadline_ns)
		return;
	fire_lvt(a, APIC_LVT_TIMER);
	if (timer_mode(a) == TIMER_PERIODIC) {
		/* Missed periods collapse into one interrupt. */
		uint64_t p = period_step(a);
		uint64_t late = now_ns - a->timer_deadline_ns;
		a->timer_deadline_ns += p * (late / p + 1);
	} else {
		a->timer_deadline_ns = 0;
	}
}

uint64_t vlapic_next_deadline(const struct vlapic *a, uint64_t *deadline_tsc)
{
	*deadline_tsc = timer_mode(a) == TIMER_TSC_DEADLINE ? a->tsc_deadline : 0;
	return a->timer_deadline_ns;
}

/* Fixed and lowest-priority IPIs need a valid vector (11.5.3: send
 * illegal vector); everything else is the router's business. */
static void send_ipi(struct vlapic *a, uint32_t low, uint32_t high)
{
	unsigned mode = ICR_DELIVERY_MODE(low);

	if ((mode == 0 || mode == 1) && (uint8_t)low < 16) {
		*reg(a, APIC_ESR) |= ESR_SEND_ILLEGAL_VECTOR;
		return;
	}
	if (a->send_ipi)
		a->send_ipi(a->ipi_ctx, low, high);
}

uint32_t vlapic_read(struct vlapic *a, uint32_t offset, uint64_t now_ns)
{
	if (offset >= 0x400 || (offset & 0xf))
		return 0;
	switch (offset) {
	case APIC_PPR: return ppr(a);
	case APIC_TIMER_CURRENT: return timer_current(a, now_ns);
	case APIC_EOI: return 0;
	default: return get(a, offset);
	}
}

void vlapic_write(struct vlapic *a, uint32_t offset, uint32_t val, uint64_t now_ns)
{
	if (offset >= 0x400 || (offset & 0xf))
		return;
	switch (offset) {
	case APIC_ID: *reg(a, APIC_ID) = val & 0xff000000u; break;
	case APIC_TPR: *reg(a, APIC_TPR) = val & 0xff; break;
	case APIC_EOI: eoi(a); break;
	case APIC_LDR: *reg(a, APIC_LDR) = val & 0xff000000u; break;
	case APIC_DFR: *reg(a, APIC_DFR) = val | 0x0fffffffu; break;
	case APIC_SVR:
		*reg(a, APIC_SVR) = val & 0x3ff;
		if (!(val & SVR_ENABLE))
			for (uint32_t lvt = APIC_LVT_TIMER; lvt <= APIC_LVT_ERROR; lvt += 0x10)
				*reg(a, lvt) |= LVT_MASKED;
		break;
	case APIC_ESR: *reg(a, APIC_ESR) = 0; break;
	case APIC_ICR_LOW:
		*reg(a, APIC_ICR_LOW) = val & ~(1u << 12); /* delivery status: idle */
		send_ipi(a, val, get(a, APIC_ICR_HIGH));
		break;
	case APIC_ICR_HIGH: *reg(a, APIC_ICR_HIGH) = val & 0xff000000u; break;
	case APIC_LVT_TIMER:
	case APIC_LVT_CMCI: case APIC_LVT_THERMAL: case APIC_LVT_PERF:
	case APIC_LVT_LINT0: case APIC_LVT_LINT1: case APIC_LVT_ERROR: {
		uint32_t keep = offset == APIC_LVT_TIMER ? 0x000710ff : 0x0001f7ff;
		if (!enabled(a))
			val |= LVT_MASKED;
		uint32_t old_mode = timer_mode(a);
		*reg(a, offset) = val & keep;
		if (offset == APIC_LVT_TIMER && timer_mode(a) != old_mode) {
			a->timer_deadline_ns = 0;
			a->tsc_deadline = 0;
		}
		break;
	}
	case APIC_TIMER_INIT:
		if (timer_mode(a) == TIMER_TSC_DEADLINE)
			break;
		*reg(a, APIC_TIMER_INIT) = val;
		timer_start(a, now_ns);
		break;
	case APIC_TIMER_DIVIDE: *reg(a, APIC_TIMER_DIVIDE) = val & 0xb; break;
	default: break; /* read-only or reserved */
	}
}

uint8_t vlapic_get_cr8(const struct vlapic *a)
{
	return (uint8_t)((get(a, APIC_TPR) >> 4) & 0xf);
}

void vlapic_set_cr8(struct vlapic *a, uint8_t cr8)
{
	*reg(a, APIC_TPR) = (uint32_t)(cr8 & 0xf) << 4;
}

bool vlapic_tpr_masks_irr(const struct vlapic *a)
{
	int irr = highest_bit(a, APIC_IRR);
	return irr >= 0 && ((uint32_t)irr >> 4) <= vlapic_get_cr8(a);
}

uint64_t vlapic_read_tsc_deadline(const struct vlapic *a)
{
	return timer_mode(a) == TIMER_TSC_DEADLINE ? a->tsc_deadline : 0;
}

void vlapic_write_tsc_deadline(struct vlapic *a, uint64_t tsc)
{
	if (timer_mode(a) == TIMER_TSC_DEADLINE)
		a->tsc_deadline = tsc;
}
