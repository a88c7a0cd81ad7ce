#include "hv/vcpu_switch.h"

#include "hv/percpu.h"
#include "hv/vcpu.h"

void vcpu_switch_to(struct vcpu *v)
{
	struct percpu *pc = this_cpu();
	struct vcpu *prev = pc->state_owner;

	if (prev == v)
		return;
	if (prev) {
		fpu_save(&prev->fpu);
		debugreg_save(&prev->dr);
	}
	fpu_load(&v->fpu);
	debugreg_load(&v->dr);
	pc->state_owner = v;
}

void vcpu_switch_forget(struct vcpu *v)
{
	struct percpu *pc = this_cpu();

	if (pc->state_owner == v)
		pc->state_owner = 0;
}
