#include "check.h"
#include "hv/errno.h"
#include "hv/madt.h"

#include <stdint.h>

static uint8_t mem[0x100000]; /* physical 0 .. 1 MiB */

static const void *fake_phys(void *ctx, uint64_t pa, size_t len)
{
	(void)ctx;
	if (pa > sizeof(mem) || len > sizeof(mem) - pa)
		return NULL;
	return mem + pa;
}

static void fix_checksum(uint8_t *p, size_t len, size_t at)
{
	uint8_t sum = 0;
	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	p[at] = (uint8_t)-sum;
}

static void put32(uint64_t pa, uint32_t v) { memcpy(mem + pa, &v, 4); }

/* RSDP at 0xf0000 -> RSDT at 0x10000 -> [FACP dummy at 0x11000, MADT at 0x12000]. */
static void build(unsigned ncpus, uint32_t disabled_mask)
{
	memset(mem, 0, sizeof(mem));
	memcpy(mem + 0xf0000, "RSD PTR ", 8);
	put32(0xf0000 + 16, 0x10000);
	fix_checksum(mem + 0xf0000, 20, 8);

	memcpy(mem + 0x11000, "FACP", 4);
	put32(0x11000 + 4, 36);
	fix_checksum(mem + 0x11000, 36, 9);

	uint32_t len = 36 + 8 + ncpus * 8;
	memcpy(mem + 0x12000, "APIC", 4);
	put32(0x12000 + 4, len);
	put32(0x12000 + 36, 0xfee00000);
	for (unsigned i = 0; i < ncpus; i++) {
		uint8_t *e = mem + 0x12000 + 44 + i * 8;
		e[0] = 0;
		e[1] = 8;
		e[2] = (uint8_t)i;
		e[3] = (uint8_t)(i * 2);         /* APIC IDs 0, 2, 4, ... */
		uint32_t flags = (i < 32 && ((disabled_mask >> i) & 1)) ? 0 : 1;
		memcpy(e + 4, &flags, 4);
	}
	fix_checksum(mem + 0x12000, len, 9);

	memcpy(mem + 0x10000, "RSDT", 4);
	put32(0x10000 + 4, 36 + 8);
	put32(0x10000 + 36, 0x11000);
	put32(0x10000 + 40, 0x12000);
	fix_checksum(mem + 0x10000, 44, 9);
}

static struct madt_cpus cpus;

static void test_finds_enabled_cpus(void)
{
	build(4, 1u << 2);
	CHECK_EQ(madt_find_cpus(fake_phys, NULL, 0, &cpus), 0);
	CHECK_EQ(cpus.count, 3);
	CHECK_EQ(cpus.apic_ids[0], 0);
	CHECK_EQ(cpus.apic_ids[1], 2);
	CHECK_EQ(cpus.apic_ids[2], 6);
	CHECK_EQ(cpus.lapic_base, 0xfee00000);
}

static void test_rsdp_in_ebda(void)
{
	build(2, 0);
	memcpy(mem + 0x9fc00, mem + 0xf0000, 20); /* a copy in the EBDA */
	memset(mem + 0xf0000, 0, 20);
	CHECK_EQ(madt_find_cpus(fake_phys, NULL, 0x9fc00, &cpus), 0);
	CHECK_EQ(cpus.count, 2);
	CHECK_EQ(madt_find_cpus(fake_phys, NULL, 0, &cpus), -ENOENT);
}

static void test_hostile_tables(void)
{
	build(2, 0);
	mem[0xf0000 + 9] ^= 1;                    /* RSDP checksum */
	CHECK_EQ(madt_find_cpus(fake_phys, NULL, 0, &cpus), -ENOENT);

	build(2, 0);
	put32(0x10000 + 4, 0xffffff00);           /* RSDT length past memory */
	CHECK_EQ(madt_find_cpus(fake_phys, NULL, 0, &cpus), -ENOENT);

	build(2, 0);
	mem[0x12000 + 20] ^= 0x55;                /* MADT checksum: skipped */
	CHECK_EQ(madt_find_cpus(fake_phys, NULL, 0, &cpus), -ENOENT);

	build(3, 0);
	mem[0x12000 + 44 + 8 + 1] = 0;            /* an entry of length 0 */
	fix_checksum(mem + 0x12000, 36 + 8 + 24, 9);
	CHECK_EQ(madt_find_cpus(fake_phys, NULL, 0, &cpus), 0);
	CHECK_EQ(cpus.count, 1);                  /* the walk stops there */

	build(2, 0);
	put32(0x10000 + 40, 0xfffffff0);          /* RSDT entry pointing nowhere */
	fix_checksum(mem + 0x10000, 44, 9);
	CHECK_EQ(madt_find_cpus(fake_phys, NULL, 0, &cpus), -ENOENT);
}

static void test_duplicates_and_limit(void)
{
	build(MADT_MAX_CPUS, 0);
	CHECK_EQ(madt_find_cpus(fake_phys, NULL, 0, &cpus), 0);
	CHECK_EQ(cpus.count, MADT_MAX_CPUS);
	build(2, 0);
	mem[0x12000 + 44 + 8 + 3] = 0;            /* second entry repeats APIC ID 0 */
	fix_checksum(mem + 0x12000, 36 + 8 + 16, 9);
	CHECK_EQ(madt_find_cpus(fake_phys, NULL, 0, &cpus), 0);
	CHECK_EQ(cpus.count, 1);
}

int main(void)
{
	RUN(test_finds_enabled_cpus);
	RUN(test_rsdp_in_ebda);
	RUN(test_hostile_tables);
	RUN(test_duplicates_and_limit);
	return check_summary();
}
