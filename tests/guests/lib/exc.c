/* Exception dispatch: a per-vector hook, else the armed one-shot capture,
 * else the guest fails with VERDICT_UNEXPECTED_EXC. */
#include "guest.h"

static exc_hook_fn hooks[256];
static volatile bool armed;
static volatile uint32_t skip_bytes;
static volatile struct exc_record caught = { .vector = -1 };

void exc_dispatch(struct trap_frame *f);

void exc_set_hook(unsigned vector, exc_hook_fn fn)
{
	hooks[vector] = fn;
}

void exc_expect(uint32_t skip)
{
	caught.vector = -1;
	skip_bytes = skip;
	__asm__ volatile("" ::: "memory");
	armed = true;
	__asm__ volatile("" ::: "memory");
}

struct exc_record exc_caught(void)
{
	__asm__ volatile("" ::: "memory");
	armed = false;
	struct exc_record r = { caught.vector, caught.error_code, caught.ip, caught.cr2 };
	caught.vector = -1;
	return r;
}

void exc_dispatch(struct trap_frame *f)
{
	if (f->vector < ARRAY_SIZE(hooks) && hooks[f->vector]) {
		hooks[f->vector](f);
		return;
	}
	if (armed) {
		armed = false;
		caught.vector = (int)f->vector;
		caught.error_code = (uint32_t)f->error_code;
		caught.ip = f->ip;
		caught.cr2 = f->vector == 14 ? read_cr2() : 0;
		f->ip += skip_bytes;
		return;
	}
	kprintf("%s: unexpected exception %u, error code 0x%x, at %p (cr2 %p)\n", guest_name,
		(uint32_t)f->vector, (uint32_t)f->error_code, (void *)f->ip, (void *)read_cr2());
	guest_exit(VERDICT_UNEXPECTED_EXC);
}

/* RDMSR and WRMSR are both 2 bytes (0F 32, 0F 30). */
int rdmsr_checked(uint32_t msr, uint64_t *val, uint32_t *error_code)
{
	uint32_t lo = 0, hi = 0;
	exc_expect(2);
	__asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	struct exc_record r = exc_caught();
	*val = ((uint64_t)hi << 32) | lo;
	*error_code = r.error_code;
	return r.vector;
}

int wrmsr_checked(uint32_t msr, uint64_t val, uint32_t *error_code)
{
	exc_expect(2);
	__asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)) : "memory");
	struct exc_record r = exc_caught();
	*error_code = r.error_code;
	return r.vector;
}
