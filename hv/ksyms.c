#include "hv/ksyms.h"

#include "hv/layout.h"

struct ksym {
	uint64_t addr;
	const char *name;
};

extern const uint64_t ksyms_count;
extern const struct ksym ksyms_table[];

const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
	if (addr < (uint64_t)__text_start || addr >= (uint64_t)__text_end ||
	    ksyms_count == 0 || addr < ksyms_table[0].addr)
		return 0;

	/* The last symbol at or below addr. */
	uint64_t lo = 0, hi = ksyms_count;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (ksyms_table[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - ksyms_table[lo].addr;
	return ksyms_table[lo].name;
}
