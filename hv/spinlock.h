/* Test-and-test-and-set spinlock. Holders never sleep and never fault. */
#ifndef HV_SPINLOCK_H
#define HV_SPINLOCK_H

#include <stdbool.h>

struct spinlock {
	volatile int locked;
};

static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		while (l->locked)
			__asm__ volatile("pause");
	}
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
