#include "hv/memmap.h"

#include <stdbool.h>

#include "hv/layout.h"

struct range_set {
	struct mem_range *r;
	size_t n, max, dropped;
};

/* Clips a firmware entry to [0, MAX_PHYS_ADDR); false if nothing is left. */
static bool clip(uint64_t base, uint64_t length, struct mem_range *out)
{
	if (length == 0 || base >= MAX_PHYS_ADDR)
		return false;
	uint64_t end = base + length;
	if (end < base || end > MAX_PHYS_ADDR)
		end = MAX_PHYS_ADDR;
	*out = (struct mem_range){ base, end };
	return true;
}

static void insert_at(struct range_set *s, size_t i, struct mem_range r)
{
	if (s->n == s->max) {
		s->dropped++;
		if (i == s->n)
			return;
		s->n--; /* drop the highest range to make room */
	}
	for (size_t j = s->n; j > i; j--)
		s->r[j] = s->r[j - 1];
	s->r[i] = r;
	s->n++;
}

static void remove_at(struct range_set *s, size_t i)
{
	for (size_t j = i; j + 1 < s->n; j++)
		s->r[j] = s->r[j + 1];
	s->n--;
}

/* Adds [r.start, r.end) to a sorted, merged set. */
static void set_add(struct range_set *s, struct mem_range r)
{
	size_t i = 0;
	while (i < s->n && s->r[i].end < r.start)
		i++;
	/* merge every range that touches or overlaps r */
	while (i < s->n && s->r[i].start <= r.end) {
		if (s->r[i].start < r.start)
			r.start = s->r[i].start;
		if (s->r[i].end > r.end)
			r.end = s->r[i].end;
		remove_at(s, i);
	}
	insert_at(s, i, r);
}

/* Removes [cut.start, cut.end) from the set. */
static void set_subtract(struct range_set *s, struct mem_range cut)
{
	for (size_t i = 0; i < s->n;) {
		struct mem_range *r = &s->r[i];
		if (r->end <= cut.start || r->start >= cut.end) {
			i++;
			continue;
		}
		if (cut.start <= r->start && cut.end >= r->end) {
			remove_at(s, i);
			continue;
		}
		if (cut.start > r->start && cut.end < r->end) {
			struct mem_range upper = { cut.end, r->end };
			r->end = cut.start;
			insert_at(s, i + 1, upper);
			i += 2;
			continue;
		}
		if (cut.start <= r->start)
			r->start = cut.end;
		else
			r->end = cut.start;
		i++;
	}
}

/* Shrinks every range to whole pages and drops the ones left empty. */
static void set_page_align(struct range_set *s)
{
	for (size_t i = 0; i < s->n;) {
		uint64_t start = ALIGN_UP(s->r[i].start, PAGE_SIZE);
		uint64_t end = ALIGN_DOWN(s->r[i].end, PAGE_SIZE);
		if (start >= end || start < s->r[i].start) {
			remove_at(s, i);
			continue;
		}
		s->r[i] = (struct mem_range){ start, end };
		i++;
	}
}

size_t memmap_available(const struct boot_mem_range *fw, size_t nfw,
			const struct mem_range *reserved, size_t nres,
			struct mem_range *out, size_t max, size_t *dropped)
{
	struct range_set s = { out, 0, max, 0 };
	struct mem_range r;

	if (max == 0)
		return 0;
	for (size_t i = 0; i < nfw; i++)
		if (fw[i].type == BOOT_MEM_AVAILABLE && clip(fw[i].base, fw[i].length, &r))
			set_add(&s, r);
	for (size_t i = 0; i < nfw; i++)
		if (fw[i].type != BOOT_MEM_AVAILABLE && clip(fw[i].base, fw[i].length, &r))
			set_subtract(&s, r);
	for (size_t i = 0; i < nres; i++)
		if (reserved[i].end > reserved[i].start)
			set_subtract(&s, reserved[i]);
	set_page_align(&s);
	if (dropped)
		*dropped = s.dropped;
	return s.n;
}
