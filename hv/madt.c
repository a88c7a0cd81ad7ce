#include "hv/madt.h"

#include <stdbool.h>

#include "hv/errno.h"
#include "hv/string.h"

#define MADT_LAPIC 0
#define MADT_X2APIC 9
#define MADT_ENABLED 1u
#define MADT_ONLINE_CAPABLE 2u
#define MAX_TABLES 64
#define MAX_TABLE_LEN (1u << 20)

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem_id[6], oem_table_id[8];
	uint32_t oem_revision, creator_id, creator_revision;
} __attribute__((packed));

struct rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum, reserved[3];
} __attribute__((packed));

static bool sums_to_zero(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return sum == 0;
}

/* The RSDP lies 16-byte aligned in the first KiB of the EBDA or in
 * 0xe0000-0xfffff (ACPI 6.4, 5.2.5.1). */
static const struct rsdp *scan_rsdp(boot_phys_fn phys, void *ctx, uint64_t start, uint64_t len)
{
	const uint8_t *area = phys(ctx, start, len);
	if (!area)
		return 0;
	for (uint64_t off = 0; off + 20 <= len; off += 16) {
		const struct rsdp *r = (const struct rsdp *)(area + off);
		if (memcmp(r->signature, "RSD PTR ", 8) == 0 && sums_to_zero(area + off, 20))
			return r;
	}
	return 0;
}

/* A whole table, checked: its length fits and its checksum holds. */
static const struct acpi_header *map_table(boot_phys_fn phys, void *ctx, uint64_t pa)
{
	const struct acpi_header *h = phys(ctx, pa, sizeof(*h));
	if (!h || h->length < sizeof(*h) || h->length > MAX_TABLE_LEN)
		return 0;
	const uint8_t *whole = phys(ctx, pa, h->length);
	if (!whole || !sums_to_zero(whole, h->length))
		return 0;
	return (const struct acpi_header *)whole;
}

static void add_cpu(struct madt_cpus *out, uint32_t apic_id, uint32_t flags)
{
	if (!(flags & MADT_ENABLED) || out->count == MADT_MAX_CPUS)
		return;
	for (unsigned i = 0; i < out->count; i++)
		if (out->apic_ids[i] == apic_id)
			return;
	out->apic_ids[out->count++] = apic_id;
}

static void parse_madt(const struct acpi_header *madt, struct madt_cpus *out)
{
	const uint8_t *p = (const uint8_t *)madt;
	uint32_t base;

	memcpy(&base, p + sizeof(*madt), 4);
	out->lapic_base = base;
	for (uint32_t off = sizeof(*madt) + 8; off + 2 <= madt->length;) {
		uint8_t type = p[off], len = p[off + 1];
		if (len < 2 || off + len > madt->length)
			return; /* a malformed entry ends the walk */
		uint32_t flags, id;
		if (type == MADT_LAPIC && len >= 8) {
			memcpy(&flags, p + off + 4, 4);
			add_cpu(out, p[off + 3], flags);
		} else if (type == MADT_X2APIC && len >= 16) {
			memcpy(&id, p + off + 4, 4);
			memcpy(&flags, p + off + 8, 4);
			add_cpu(out, id, flags);
		}
		off += len;
	}
}

int madt_find_cpus(boot_phys_fn phys, void *ctx, uint64_t ebda_pa, struct madt_cpus *out)
{
	const struct rsdp *r = 0;

	memset(out, 0, sizeof(*out));
	if (ebda_pa)
		r = scan_rsdp(phys, ctx, ebda_pa, 1024);
	if (!r)
		r = scan_rsdp(phys, ctx, 0xe0000, 0x20000);
	if (!r)
		return -ENOENT;
	bool xsdt = r->revision >= 2 && r->xsdt;
	const struct acpi_header *root = map_table(phys, ctx, xsdt ? r->xsdt : r->rsdt);
	if (!root)
		return -ENOENT;
	unsigned entry_size = xsdt ? 8 : 4;
	unsigned n = (root->length - sizeof(*root)) / entry_size;
	for (unsigned i = 0; i < n && i < MAX_TABLES; i++) {
		uint64_t pa = 0;
		memcpy(&pa, (const uint8_t *)root + sizeof(*root) + i * entry_size, entry_size);
		const struct acpi_header *t = map_table(phys, ctx, pa);
		if (t && memcmp(t->signature, "APIC", 4) == 0 && t->length >= sizeof(*t) + 8) {
			parse_madt(t, out);
			return out->count ? 0 : -ENOENT;
		}
	}
	return -ENOENT;
}
