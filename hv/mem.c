#include "hv/mem.h"

#include "hv/layout.h"
#include "hv/log.h"
#include "hv/string.h"
#include "hv/trap.h"
#include "hv/x86.h"

#define MAX_USABLE_RANGES 128
#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define ONE_GIB (1ull << 30)
#define FOUR_GIB (4ull << 30)

struct frame_allocator hv_frames;
static struct mem_range usable[MAX_USABLE_RANGES];

extern uint64_t boot_pml4[512];

static uint64_t image_phys_start(void)
{
	return (uint64_t)__image_start - KERNEL_VMA;
}

static uint64_t image_phys_end(void)
{
	return ALIGN_UP((uint64_t)__image_end - KERNEL_VMA, PAGE_SIZE);
}

static size_t collect_reserved(const struct boot_info *bi, struct mem_range *res)
{
	size_t n = 0;

	/* Real-mode structures, the BIOS and the AP trampoline live below 1 MiB. */
	res[n++] = (struct mem_range){ 0, 0x100000 };
	res[n++] = (struct mem_range){ image_phys_start(), image_phys_end() };
	for (unsigned i = 0; i < bi->module_count; i++)
		res[n++] = (struct mem_range){ bi->modules[i].start, bi->modules[i].end };
	return n;
}

/* The bitmap must be reachable before the direct map covers all RAM: put it
 * in the first usable range below 4 GiB that holds it. */
static uint64_t place_bitmap(size_t nranges, uint64_t bytes)
{
	for (size_t i = 0; i < nranges; i++) {
		uint64_t start = usable[i].start;
		if (start + bytes <= usable[i].end && start + bytes <= FOUR_GIB)
			return start;
	}
	panic("no room below 4 GiB for a %llu-byte frame bitmap", (unsigned long long)bytes);
}

/* Extends the boot direct map (0..4 GiB) to `end` with 2 MiB pages. Returns
 * the bytes of page tables used. */
static uint64_t map_direct_beyond_4g(uint64_t end)
{
	uint64_t used = 0;

	for (uint64_t gib = FOUR_GIB; gib < end; gib += ONE_GIB) {
		unsigned l4 = DIRECT_MAP_SLOT + (unsigned)(gib >> 39);
		unsigned l3 = (unsigned)((gib >> 30) & 511);
		if (!(boot_pml4[l4] & PTE_P)) {
			uint64_t pdpt = frame_alloc_below(&hv_frames, FOUR_GIB);
			if (!pdpt)
				panic("out of memory building the direct map");
			memset(phys_to_virt(pdpt), 0, PAGE_SIZE);
			boot_pml4[l4] = pdpt | PTE_P | PTE_W;
			used += PAGE_SIZE;
		}
		uint64_t *pdpt = phys_to_virt(boot_pml4[l4] & PAGE_MASK & ~PTE_NX);
		uint64_t pd = frame_alloc_below(&hv_frames, FOUR_GIB);
		if (!pd)
			panic("out of memory building the direct map");
		uint64_t *pde = phys_to_virt(pd);
		for (unsigned i = 0; i < 512; i++)
			pde[i] = (gib + i * LARGE_PAGE_SIZE) | PTE_P | PTE_W | PTE_PS | PTE_NX;
		pdpt[l3] = pd | PTE_P | PTE_W;
		used += PAGE_SIZE;
	}
	write_cr3(read_cr3());
	return used;
}

/* Nothing runs at its physical address any more: unmapping the low half
 * makes NULL and other stray low pointers fault instead of scribbling. */
static void drop_identity_map(void)
{
	boot_pml4[0] = 0;
	write_cr3(read_cr3());
}

void mem_init(const struct boot_info *bi, struct mem_summary *out)
{
	struct mem_range reserved[2 + BOOT_MAX_MODULES];
	size_t nres = collect_reserved(bi, reserved), dropped = 0;
	size_t n = memmap_available(bi->mem, bi->mem_count, reserved, nres, usable,
				    MAX_USABLE_RANGES, &dropped);

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_range *m = &bi->mem[i];
		if (m->type != BOOT_MEM_AVAILABLE)
			continue;
		out->ram_bytes += m->length;
		if (m->base + m->length > out->highest_ram)
			out->highest_ram = m->base + m->length;
	}
	if (n == 0)
		panic("no usable memory in the boot loader's memory map");
	if (dropped)
		log_warn("mem: %zu memory ranges ignored (table full)\n", dropped);

	uint64_t end = usable[n - 1].end;
	uint64_t bitmap_bytes = ALIGN_UP(frame_bitmap_bytes(end), PAGE_SIZE);
	uint64_t bitmap_pa = place_bitmap(n, bitmap_bytes);

	frame_allocator_init(&hv_frames, phys_to_virt(bitmap_pa), end);
	for (size_t i = 0; i < n; i++)
		frame_release_range(&hv_frames, usable[i].start, usable[i].end);
	frame_reserve_range(&hv_frames, bitmap_pa, bitmap_pa + bitmap_bytes);

	out->page_table_bytes = map_direct_beyond_4g(end);
	drop_identity_map();
	out->image_bytes = image_phys_end() - image_phys_start();
	out->bitmap_bytes = bitmap_bytes;
	out->ranges = (unsigned)n;
}

uint64_t page_alloc_phys(void)
{
	uint64_t pa = frame_alloc_below(&hv_frames, 0);
	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

void *page_alloc(void)
{
	uint64_t pa = page_alloc_phys();
	return pa ? phys_to_virt(pa) : 0;
}

void page_free_phys(uint64_t pa)
{
	if (!frame_free(&hv_frames, pa))
		log_err("mem: bad free of frame 0x%llx\n", (unsigned long long)pa);
}

void page_free(void *va)
{
	page_free_phys(virt_to_phys(va));
}
