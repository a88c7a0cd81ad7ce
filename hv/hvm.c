/* Choosing the virtualization backend for this CPU. */
#include "hv/hvm.h"

#include "hv/errno.h"
#include "hv/fpu.h"
#include "hv/log.h"
#include "hv/percpu.h"
#include "mmu/ept.h"
#include "mmu/npt.h"

const struct hvm_ops *hvm;

/* Each backend with the nested page-table format its hardware walks. */
static const struct backend {
	const struct hvm_ops *ops;
	int (*nested_build)(struct npt *t, const struct p2m *p);
	void (*nested_destroy)(struct npt *t);
	/* Maps one more range into built tables; NULL: tables are built whole. */
	int (*nested_map)(struct npt *t, uint64_t gpa, uint64_t hpa, uint64_t size);
	int (*nested_unmap)(struct npt *t, uint64_t gpa, uint64_t size);
} backends[] = {
	{ &svm_ops, npt_build, npt_destroy, npt_map, npt_unmap },
	{ &vmx_ops, ept_build, ept_destroy, ept_map, ept_unmap },
};
static const struct backend *chosen;

int hvm_cpu_enable(struct percpu *pc)
{
	int err = hvm->cpu_enable(pc);

	if (!err)
		fpu_cpu_init();
	return err;
}

bool hvm_init(void)
{
	for (unsigned i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		const struct hvm_ops *ops = backends[i].ops;
		const char *why = "not available";
		if (!ops->detect(&why)) {
			log_info("hvm: %s: %s\n", ops->name, why);
			continue;
		}
		hvm = ops;
		if (hvm_cpu_enable(this_cpu())) {
			hvm = 0;
			log_err("hvm: %s: could not enable it on this CPU\n", ops->name);
			return false;
		}
		chosen = &backends[i];
		return true;
	}
	log_err("hvm: no usable hardware virtualization: guests cannot run\n");
	return false;
}

int hvm_nested_build(struct npt *t, const struct p2m *p)
{
	return chosen->nested_build(t, p);
}

void hvm_nested_destroy(struct npt *t)
{
	chosen->nested_destroy(t);
}

bool hvm_nested_lazy(void)
{
	return chosen->nested_map != 0;
}

int hvm_nested_map(struct npt *t, uint64_t gpa, uint64_t hpa, uint64_t size)
{
	return chosen->nested_map ? chosen->nested_map(t, gpa, hpa, size) : -EOPNOTSUPP;
}

int hvm_nested_unmap(struct npt *t, uint64_t gpa, uint64_t size)
{
	return chosen->nested_unmap(t, gpa, size);
}
