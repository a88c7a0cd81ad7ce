#include "check.h"
#include "hv/acpi.h"

#include <stdint.h>

static uint8_t buf[ACPI_TABLES_SIZE];
#define GPA 0x1fff000ull

static uint32_t u32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t u64(const uint8_t *p) { return u32(p) | (uint64_t)u32(p + 4) << 32; }
static uint8_t *at(uint64_t gpa) { return buf + (gpa - GPA); }

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static const struct acpi_platform one_cpu = { 1, 0xfee00000, 0xfec00000, 1 };

static int table_ok(const uint8_t *t, const char *sig)
{
	return !memcmp(t, sig, 4) && u32(t + 4) >= 36 && sum(t, u32(t + 4)) == 0;
}

static void test_rsdp(void)
{
	size_t n = acpi_build(buf, GPA, &one_cpu);
	CHECK(n > 0 && n <= ACPI_TABLES_SIZE);
	CHECK(!memcmp(buf, "RSD PTR ", 8));
	CHECK_EQ(sum(buf, 20), 0);
	CHECK_EQ(sum(buf, 36), 0);
	CHECK_EQ(buf[15], 2);
	CHECK_EQ(u32(buf + 20), 36);
	CHECK(table_ok(at(u32(buf + 16)), "RSDT"));
	CHECK(table_ok(at(u64(buf + 24)), "XSDT"));
}

static void test_root_tables_agree(void)
{
	acpi_build(buf, GPA, &one_cpu);
	const uint8_t *rsdt = at(u32(buf + 16)), *xsdt = at(u64(buf + 24));
	CHECK_EQ(u32(rsdt + 4), 36 + 2 * 4);
	CHECK_EQ(u32(xsdt + 4), 36 + 2 * 8);
	for (int i = 0; i < 2; i++)
		CHECK_EQ(u32(rsdt + 36 + 4 * i), u64(xsdt + 36 + 8 * i));
	CHECK(table_ok(at(u64(xsdt + 36)), "FACP"));
	CHECK(table_ok(at(u64(xsdt + 44)), "APIC"));
}

static void test_fadt(void)
{
	acpi_build(buf, GPA, &one_cpu);
	const uint8_t *f = at(u64(at(u64(buf + 24)) + 36));
	CHECK_EQ(u32(f + 4), 276);
	CHECK_EQ(f[8], 6);
	CHECK_EQ(u32(f + 112) & (1u << 20), 0);      /* not hardware-reduced */
	CHECK_EQ(f[46] | f[47] << 8, ACPI_SCI_IRQ);
	CHECK_EQ(u32(f + 48), 0);                    /* no SMI command port */
	CHECK_EQ(u32(f + 56), ACPI_PM1A_EVT_PORT);
	CHECK_EQ(u32(f + 64), ACPI_PM1A_CNT_PORT);
	CHECK_EQ(f[88], 4);
	CHECK_EQ(f[89], 2);
	CHECK_EQ(u32(f + 76), 0);                    /* no PM timer */
	CHECK_EQ(f[91], 0);
	CHECK_EQ(u64(f + 208 + 4), 0);
	CHECK_EQ(u64(f + 148 + 4), ACPI_PM1A_EVT_PORT);
	CHECK_EQ(f[148], 1);
	CHECK_EQ(u64(f + 172 + 4), ACPI_PM1A_CNT_PORT);
	CHECK_EQ(u32(f + 40), u64(f + 140));         /* DSDT, both forms */
	CHECK_EQ(u32(f + 36), 0);                    /* FACS: only the 64-bit form */
	CHECK(table_ok(at(u64(f + 140)), "DSDT"));
	const uint8_t *facs = at(u64(f + 132));
	CHECK(!memcmp(facs, "FACS", 4));
	CHECK_EQ(u32(facs + 4), 64);
	CHECK_EQ(u64(f + 132) % 64, 0);
	const uint8_t *dsdt = at(u64(f + 140));
	CHECK(!memcmp(dsdt + 36, "\x08_S5_\x12", 6));
}

static void test_madt(void)
{
	struct acpi_platform four = one_cpu;
	four.nr_cpus = 4;
	acpi_build(buf, GPA, &four);
	const uint8_t *m = at(u64(at(u64(buf + 24)) + 44));
	uint32_t len = u32(m + 4);
	CHECK_EQ(u32(m + 36), 0xfee00000);
	CHECK_EQ(u32(m + 40), 1);                    /* PCAT_COMPAT */
	unsigned lapics = 0, ioapics = 0, overrides = 0, nmis = 0;
	for (uint32_t off = 44; off < len; off += m[off + 1]) {
		const uint8_t *e = m + off;
		CHECK(e[1] >= 2 && off + e[1] <= len);
		if (e[1] < 2)
			break;
		switch (e[0]) {
		case 0:
			CHECK_EQ(e[3], lapics);
			CHECK_EQ(u32(e + 4), 1);
			lapics++;
			break;
		case 1:
			CHECK_EQ(e[2], 1);
			CHECK_EQ(u32(e + 4), 0xfec00000);
			CHECK_EQ(u32(e + 8), 0);
			ioapics++;
			break;
		case 2:
			CHECK_EQ(e[2], 0);
			if (e[3] == 0) {
				CHECK_EQ(u32(e + 4), 2);
				CHECK_EQ(e[8] | e[9] << 8, 0);
			} else {
				CHECK_EQ(e[3], 9);
				CHECK_EQ(u32(e + 4), 9);
				CHECK_EQ(e[8] | e[9] << 8, 0xd);
			}
			overrides++;
			break;
		case 4:
			CHECK_EQ(e[5], 1);
			nmis++;
			break;
		default:
			CHECK(0);
		}
	}
	CHECK_EQ(lapics, 4);
	CHECK_EQ(ioapics, 1);
	CHECK_EQ(overrides, 2);
	CHECK_EQ(nmis, 1);
}

static void test_refusals(void)
{
	struct acpi_platform p = one_cpu;
	CHECK_EQ(acpi_build(buf, GPA + 8, &p), 0);       /* not page-aligned */
	CHECK_EQ(acpi_build(buf, 0x100000000ull, &p), 0); /* above 4 GiB */
	p.nr_cpus = 0;
	CHECK_EQ(acpi_build(buf, GPA, &p), 0);
	p.nr_cpus = ACPI_MAX_CPUS;
	CHECK(acpi_build(buf, GPA, &p) > 0);
	p.nr_cpus = ACPI_MAX_CPUS + 1;
	CHECK_EQ(acpi_build(buf, GPA, &p), 0);
}

static void test_pm1(void)
{
	struct acpi_pm pm = { 0, 0 };
	bool off;
	uint32_t v = 0;
	CHECK(acpi_pm_io(&pm, ACPI_PM1A_CNT_PORT, true, &v, &off));
	CHECK_EQ(v & 1, 1);                          /* SCI_EN */
	v = 0x0120;
	CHECK(acpi_pm_io(&pm, ACPI_PM1A_EVT_PORT + 2, false, &v, &off));
	v = 0;
	acpi_pm_io(&pm, ACPI_PM1A_EVT_PORT + 2, true, &v, &off);
	CHECK_EQ(v, 0x0120);
	v = (ACPI_S5_SLP_TYP << 10);                 /* type without SLP_EN */
	acpi_pm_io(&pm, ACPI_PM1A_CNT_PORT, false, &v, &off);
	CHECK(!off);
	v = (ACPI_S5_SLP_TYP << 10) | (1 << 13);
	acpi_pm_io(&pm, ACPI_PM1A_CNT_PORT, false, &v, &off);
	CHECK(off);
	CHECK(!acpi_pm_io(&pm, 0x608, true, &v, &off));
}

int main(void)
{
	RUN(test_rsdp);
	RUN(test_root_tables_agree);
	RUN(test_fadt);
	RUN(test_madt);
	RUN(test_refusals);
	RUN(test_pm1);
	return check_summary();
}
