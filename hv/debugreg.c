#include "hv/debugreg.h"

#define DR6_INIT 0xffff0ff0ull

void debugreg_state_init(struct debugreg_state *s)
{
	*s = (struct debugreg_state){ .dr6 = DR6_INIT };
}

void debugreg_save(struct debugreg_state *s)
{
	__asm__ volatile("mov %%db0, %0" : "=r"(s->dr[0]));
	__asm__ volatile("mov %%db1, %0" : "=r"(s->dr[1]));
	__asm__ volatile("mov %%db2, %0" : "=r"(s->dr[2]));
	__asm__ volatile("mov %%db3, %0" : "=r"(s->dr[3]));
	__asm__ volatile("mov %%db6, %0" : "=r"(s->dr6));
}

void debugreg_load(const struct debugreg_state *s)
{
	__asm__ volatile("mov %0, %%db0" : : "r"(s->dr[0]));
	__asm__ volatile("mov %0, %%db1" : : "r"(s->dr[1]));
	__asm__ volatile("mov %0, %%db2" : : "r"(s->dr[2]));
	__asm__ volatile("mov %0, %%db3" : : "r"(s->dr[3]));
	__asm__ volatile("mov %0, %%db6" : : "r"(s->dr6));
}
