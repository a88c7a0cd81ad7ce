/* Choosing the virtualization backend for this CPU. */
#include "hv/hvm.h"

#include "hv/log.h"
#include "hv/percpu.h"

const struct hvm_ops *hvm;

static const struct hvm_ops *const backends[] = { &svm_ops };

bool hvm_init(void)
{
	for (unsigned i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		const char *why = "not available";
		if (!backends[i]->detect(&why)) {
			log_info("hvm: %s: %s\n", backends[i]->name, why);
			continue;
		}
		if (backends[i]->cpu_enable(this_cpu())) {
			log_err("hvm: %s: out of memory enabling it\n", backends[i]->name);
			return false;
		}
		hvm = backends[i];
		return true;
	}
	log_err("hvm: no usable hardware virtualization: guests cannot run\n");
	return false;
}
