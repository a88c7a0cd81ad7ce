#include "hv/acpi.h"

#include "hv/string.h"

/* Offsets inside tables (ACPI 6.4: 5.2.5.3 RSDP, 5.2.6 header, 5.2.9 FADT,
 * 5.2.10 FACS, 5.2.12 MADT). */
#define HDR_LEN 36
#define FADT_LEN 276
#define FACS_LEN 64

#define MADT_PCAT_COMPAT 1u
#define MADT_LAPIC 0
#define MADT_IOAPIC 1
#define MADT_OVERRIDE 2
#define MADT_LAPIC_NMI 4
#define MPS_ACTIVE_HIGH 1u
#define MPS_LEVEL (3u << 2)

/* FADT flags: WBINVD works, C1 on every CPU, power and sleep buttons are
 * not fixed hardware, the reset register is valid. */
#define FADT_FLAGS ((1u << 0) | (1u << 2) | (1u << 4) | (1u << 5) | (1u << 10))
/* IAPC_BOOT_ARCH: ISA devices exist (PIC, PIT, UART); no 8042 described,
 * so Linux does not probe a keyboard controller that is not there. */
#define IAPC_LEGACY_DEVICES 1u

#define PM1_SCI_EN 1u
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN (1u << 13)

uint8_t acpi_checksum(const uint8_t *data, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + data[i]);
	return (uint8_t)-sum;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

/* The common header; the checksum is done when the table is complete. */
static void header(uint8_t *t, const char sig[4], uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "KSTREL", 6);           /* OEM ID */
	memcpy(t + 16, "KESTREL ", 8);         /* OEM table ID */
	put32(t + 24, 1);                      /* OEM revision */
	memcpy(t + 28, "KSTL", 4);             /* creator ID */
	put32(t + 32, 1);                      /* creator revision */
}

static void finish(uint8_t *t)
{
	uint32_t len = (uint32_t)t[4] | (uint32_t)t[5] << 8 | (uint32_t)t[6] << 16 | (uint32_t)t[7] << 24;
	t[9] = 0;
	t[9] = acpi_checksum(t, len);
}

/* A Generic Address Structure for an I/O port block of `bytes`. */
static void gas_io(uint8_t *g, uint16_t port, unsigned bytes)
{
	g[0] = 1; /* system I/O */
	g[1] = (uint8_t)(8 * bytes);
	g[2] = 0;
	g[3] = 0; /* access size: legacy */
	put64(g + 4, port);
}

/* DSDT body: Name (_S5, Package () { 5, 5, 0, 0 }), so that Linux finds an
 * S5 sleep type and powers off through PM1a_CNT. Nothing else: there are
 * no devices to describe beyond what the MADT says. */
static const uint8_t dsdt_aml[] = {
	0x08, '_', 'S', '5', '_',      /* NameOp "_S5_" */
	0x12, 0x08, 0x04,              /* PackageOp, PkgLength 8, 4 elements */
	0x0a, ACPI_S5_SLP_TYP, 0x0a, ACPI_S5_SLP_TYP, 0x00, 0x00,
};

static size_t build_fadt(uint8_t *t, uint64_t facs, uint32_t dsdt)
{
	header(t, "FACP", FADT_LEN, 6);
	t[131] = 4;                            /* FADT minor version: 6.4 */
	/* FIRMWARE_CTRL stays 0: with X_FIRMWARE_CTRL set it must (6.4, 5.2.9). */
	put32(t + 40, dsdt);
	put16(t + 46, ACPI_SCI_IRQ);
	/* SMI_CMD 0: no mode switch, the platform is always in ACPI mode. */
	put32(t + 56, ACPI_PM1A_EVT_PORT);
	put32(t + 64, ACPI_PM1A_CNT_PORT);
	t[88] = 4;                             /* PM1_EVT_LEN */
	t[89] = 2;                             /* PM1_CNT_LEN */
	/* PM_TMR_BLK 0: no ACPI PM timer; Linux keeps to the TSC, PIT, LAPIC. */
	put16(t + 96, 101);                    /* no C2 */
	put16(t + 98, 1001);                   /* no C3 */
	put16(t + 109, IAPC_LEGACY_DEVICES);
	put32(t + 112, FADT_FLAGS);
	gas_io(t + 116, ACPI_RESET_PORT, 1);   /* RESET_REG: PIIX reset control */
	t[128] = ACPI_RESET_VALUE;
	put64(t + 132, facs);
	put64(t + 140, dsdt);
	gas_io(t + 148, ACPI_PM1A_EVT_PORT, 4);
	gas_io(t + 172, ACPI_PM1A_CNT_PORT, 2);
	memcpy(t + 268, "KestrelH", 8);        /* hypervisor vendor identity */
	finish(t);
	return FADT_LEN;
}

static size_t build_madt(uint8_t *t, const struct acpi_platform *p)
{
	size_t n = 44;

	put32(t + 36, (uint32_t)p->lapic_base);
	put32(t + 40, MADT_PCAT_COMPAT);       /* the 8259 pair is there too */
	for (unsigned cpu = 0; cpu < p->nr_cpus; cpu++) {
		uint8_t *e = t + n;
		e[0] = MADT_LAPIC; e[1] = 8;
		e[2] = (uint8_t)cpu;           /* ACPI processor UID */
		e[3] = (uint8_t)cpu;           /* APIC ID */
		put32(e + 4, 1);               /* enabled */
		n += 8;
	}
	uint8_t *io = t + n;
	io[0] = MADT_IOAPIC; io[1] = 12; io[2] = p->ioapic_id; io[3] = 0;
	put32(io + 4, (uint32_t)p->ioapic_base);
	put32(io + 8, 0);                      /* GSI base */
	n += 12;
	/* ISA IRQ 0 (the PIT) is wired to pin 2, as on PCs. */
	uint8_t *o = t + n;
	o[0] = MADT_OVERRIDE; o[1] = 10; o[2] = 0; o[3] = 0;
	put32(o + 4, 2);
	put16(o + 8, 0);                       /* conforms to ISA: edge, high */
	n += 10;
	/* The SCI, level-triggered active high (the vIOAPIC's inputs are
	 * logical levels), as QEMU's tables say too. */
	o = t + n;
	o[0] = MADT_OVERRIDE; o[1] = 10; o[2] = 0; o[3] = ACPI_SCI_IRQ;
	put32(o + 4, ACPI_SCI_IRQ);
	put16(o + 8, MPS_ACTIVE_HIGH | MPS_LEVEL);
	n += 10;
	/* LINT1 of every LAPIC is the NMI input, as on PCs. */
	uint8_t *nmi = t + n;
	nmi[0] = MADT_LAPIC_NMI; nmi[1] = 6; nmi[2] = 0xff;
	put16(nmi + 3, 0);
	nmi[5] = 1;
	n += 6;
	header(t, "APIC", (uint32_t)n, 5);
	finish(t);
	return n;
}

#define ALIGN16(x) (((x) + 15) & ~(size_t)15)

size_t acpi_build(uint8_t *buf, uint64_t gpa, const struct acpi_platform *p)
{
	const size_t rsdp = 0, facs = 64, rsdt = 128;
	if (p->nr_cpus == 0 || p->nr_cpus > ACPI_MAX_CPUS || (gpa & 0xfff) ||
	    gpa + ACPI_TABLES_SIZE > (1ull << 32))
		return 0;
	memset(buf, 0, ACPI_TABLES_SIZE);

	size_t xsdt = ALIGN16(rsdt + HDR_LEN + 2 * 4);
	size_t fadt = ALIGN16(xsdt + HDR_LEN + 2 * 8);
	size_t dsdt = ALIGN16(fadt + FADT_LEN);
	size_t madt = ALIGN16(dsdt + HDR_LEN + sizeof(dsdt_aml));
	size_t madt_len = 44 + 8 * p->nr_cpus + 12 + 10 + 10 + 6;
	size_t end = madt + madt_len;
	if (end > ACPI_TABLES_SIZE)
		return 0;

	/* FACS: no checksum; 64-byte aligned; waking vector unused. */
	memcpy(buf + facs, "FACS", 4);
	put32(buf + facs + 4, FACS_LEN);
	buf[facs + 32] = 2;                    /* version */

	header(buf + dsdt, "DSDT", (uint32_t)(HDR_LEN + sizeof(dsdt_aml)), 2);
	memcpy(buf + dsdt + HDR_LEN, dsdt_aml, sizeof(dsdt_aml));
	finish(buf + dsdt);

	build_fadt(buf + fadt, gpa + facs, (uint32_t)(gpa + dsdt));
	build_madt(buf + madt, p);

	header(buf + rsdt, "RSDT", HDR_LEN + 2 * 4, 1);
	put32(buf + rsdt + HDR_LEN, (uint32_t)(gpa + fadt));
	put32(buf + rsdt + HDR_LEN + 4, (uint32_t)(gpa + madt));
	finish(buf + rsdt);

	header(buf + xsdt, "XSDT", HDR_LEN + 2 * 8, 1);
	put64(buf + xsdt + HDR_LEN, gpa + fadt);
	put64(buf + xsdt + HDR_LEN + 8, gpa + madt);
	finish(buf + xsdt);

	uint8_t *r = buf + rsdp;
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "KSTREL", 6);
	r[15] = 2;                             /* ACPI 2.0+: XSDT valid */
	put32(r + 16, (uint32_t)(gpa + rsdt));
	put32(r + 20, 36);
	put64(r + 24, gpa + xsdt);
	r[8] = acpi_checksum(r, 20);           /* ACPI 1.0 part */
	r[32] = acpi_checksum(r, 36);          /* the whole structure */
	return end;
}

bool acpi_pm_io(struct acpi_pm *pm, uint16_t port, bool in, uint32_t *val, bool *poweroff)
{
	*poweroff = false;
	switch (port) {
	case ACPI_PM1A_EVT_PORT:               /* status: write 1 to clear */
		if (in)
			*val = pm->status;
		else
			pm->status &= (uint16_t)~*val;
		return true;
	case ACPI_PM1A_EVT_PORT + 2:           /* enable */
		if (in)
			*val = pm->enable;
		else
			pm->enable = (uint16_t)*val;
		return true;
	case ACPI_PM1A_CNT_PORT:
		/* Always in ACPI mode (SMI_CMD is 0); SLP_EN with S5's type is
		 * the only sleep state there is: power off. */
		if (in)
			*val = PM1_SCI_EN;
		else if ((*val & PM1_SLP_EN) &&
			 ((*val >> PM1_SLP_TYP_SHIFT) & 7) == ACPI_S5_SLP_TYP)
			*poweroff = true;
		return true;
	default:
		return false;
	}
}
