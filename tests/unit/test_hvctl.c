/*
 * Host tests of hvctl's pure parts (dom0/tools/hvctl_cli.c): command-line
 * parsing (create's name, size and command line too), domain ids, and the
 * text of list, info and version.
 */
#include <stdarg.h>
#include <stdint.h>

#include "check.h"
#include "hvctl_cli.h"

static int parse(struct hvctl_args *a, char *err, int argc, ...)
{
	char *argv[16];
	va_list ap;
	int i;

	va_start(ap, argc);
	for (i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	err[0] = 0;
	return hvctl_parse(argc, argv, a, err, 160);
}

static void test_parse_commands(void)
{
	struct hvctl_args a;
	char err[160];

	CHECK_EQ(parse(&a, err, 2, "hvctl", "version"), 0);
	CHECK_EQ(a.cmd, HVCTL_VERSION);
	CHECK_EQ(parse(&a, err, 2, "hvctl", "list"), 0);
	CHECK_EQ(a.cmd, HVCTL_LIST);
	CHECK_EQ(parse(&a, err, 2, "hvctl", "dmesg"), 0);
	CHECK_EQ(a.cmd, HVCTL_DMESG);
	CHECK_EQ(parse(&a, err, 2, "hvctl", "help"), 0);
	CHECK_EQ(a.cmd, HVCTL_HELP);
	CHECK_EQ(parse(&a, err, 2, "hvctl", "--help"), 0);
	CHECK_EQ(a.cmd, HVCTL_HELP);
	CHECK_EQ(parse(&a, err, 3, "hvctl", "info", "7"), 0);
	CHECK_EQ(a.cmd, HVCTL_INFO);
	CHECK_EQ(a.domid, 7);
	CHECK_EQ(parse(&a, err, 3, "hvctl", "info", "0x10"), 0);
	CHECK_EQ(a.domid, 16);
}

static void test_parse_errors(void)
{
	struct hvctl_args a;
	char err[160];

	CHECK_EQ(parse(&a, err, 1, "hvctl"), -1);
	CHECK_STR(err, "missing command (try 'hvctl help')");
	CHECK_EQ(parse(&a, err, 2, "hvctl", "lst"), -1);
	CHECK_STR(err, "unknown command 'lst' (try 'hvctl help')");
	CHECK_EQ(parse(&a, err, 2, "hvctl", "info"), -1);
	CHECK_STR(err, "usage: hvctl info ID");
	CHECK_EQ(parse(&a, err, 4, "hvctl", "info", "1", "2"), -1);
	CHECK_STR(err, "usage: hvctl info ID");
	CHECK_EQ(parse(&a, err, 3, "hvctl", "list", "x"), -1);
	CHECK_STR(err, "'list' takes no arguments");
	CHECK_EQ(parse(&a, err, 3, "hvctl", "info", "-1"), -1);
	CHECK_STR(err, "bad domain id '-1'");
	CHECK(strchr(err, '\n') == NULL);
}

static void test_parse_domain_commands(void)
{
	struct hvctl_args a;
	char err[160];

	CHECK_EQ(parse(&a, err, 3, "hvctl", "destroy", "3"), 0);
	CHECK_EQ(a.cmd, HVCTL_DESTROY);
	CHECK_EQ(a.domid, 3);
	CHECK_EQ(parse(&a, err, 3, "hvctl", "pause", "0x1f"), 0);
	CHECK_EQ(a.cmd, HVCTL_PAUSE);
	CHECK_EQ(a.domid, 31);
	CHECK_EQ(parse(&a, err, 3, "hvctl", "unpause", "4294967295"), 0);
	CHECK_EQ(a.cmd, HVCTL_UNPAUSE);
	CHECK_EQ(a.domid, 4294967295u);

	CHECK_EQ(parse(&a, err, 2, "hvctl", "destroy"), -1);
	CHECK_STR(err, "usage: hvctl destroy ID");
	CHECK_EQ(parse(&a, err, 4, "hvctl", "pause", "1", "2"), -1);
	CHECK_STR(err, "usage: hvctl pause ID");
	CHECK_EQ(parse(&a, err, 2, "hvctl", "unpause"), -1);
	CHECK_STR(err, "usage: hvctl unpause ID");
	CHECK_EQ(parse(&a, err, 3, "hvctl", "destroy", "t1"), -1);
	CHECK_STR(err, "bad domain id 't1'");
	CHECK_EQ(parse(&a, err, 3, "hvctl", "pause", ""), -1);
	CHECK_STR(err, "bad domain id ''");
}

static void test_parse_create(void)
{
	struct hvctl_args a;
	char err[160];

	CHECK_EQ(parse(&a, err, 5, "hvctl", "create", "t1", "8", "/guests/hypercall.elf"), 0);
	CHECK_EQ(a.cmd, HVCTL_CREATE);
	CHECK_STR(a.name, "t1");
	CHECK_EQ(a.mem_bytes, 8ull << 20);
	CHECK_STR(a.image, "/guests/hypercall.elf");
	CHECK_STR(a.cmdline, "");
	/* The words after IMAGE are the command line, joined by one space. */
	CHECK_EQ(parse(&a, err, 8, "hvctl", "create", "web-1", "4096", "k.elf", "k.elf", "a=1", "b c"),
		 0);
	CHECK_STR(a.name, "web-1");
	CHECK_EQ(a.mem_bytes, 4096ull << 20);
	CHECK_STR(a.cmdline, "k.elf a=1 b c");
	CHECK_EQ(parse(&a, err, 5, "hvctl", "create", "abcdefghijklmnopqrstuvwxyz01234", "4", "k"), 0);
	CHECK_EQ(strlen(a.name), 31);
	CHECK_EQ(a.name[31], 0);
}

static void test_parse_create_errors(void)
{
	struct hvctl_args a;
	char err[160];

	CHECK_EQ(parse(&a, err, 2, "hvctl", "create"), -1);
	CHECK_STR(err, "usage: hvctl create NAME MEM_MB IMAGE [ARG...]");
	CHECK_EQ(parse(&a, err, 4, "hvctl", "create", "t1", "8"), -1);
	CHECK_STR(err, "usage: hvctl create NAME MEM_MB IMAGE [ARG...]");
	/* Names: 1..31 printable characters, no spaces. */
	CHECK_EQ(parse(&a, err, 5, "hvctl", "create", "", "8", "k"), -1);
	CHECK_STR(err, "bad domain name '' (1 to 31 printable characters, no spaces)");
	CHECK_EQ(parse(&a, err, 5, "hvctl", "create", "abcdefghijklmnopqrstuvwxyz012345", "8", "k"), -1);
	CHECK(strncmp(err, "bad domain name 'abcdefghij", 27) == 0);
	CHECK_EQ(parse(&a, err, 5, "hvctl", "create", "a b", "8", "k"), -1);
	CHECK_EQ(parse(&a, err, 5, "hvctl", "create", "a\nb", "8", "k"), -1);
	CHECK_EQ(parse(&a, err, 5, "hvctl", "create", "caf\xc3\xa9", "8", "k"), -1);
	/* Memory: decimal MiB, 4..4096. */
	CHECK_EQ(parse(&a, err, 5, "hvctl", "create", "t1", "3", "k"), -1);
	CHECK_STR(err, "bad memory size '3' (MiB, 4 to 4096)");
	CHECK_EQ(parse(&a, err, 5, "hvctl", "create", "t1", "4097", "k"), -1);
	CHECK_STR(err, "bad memory size '4097' (MiB, 4 to 4096)");
	CHECK_EQ(parse(&a, err, 5, "hvctl", "create", "t1", "99999999999999999999999", "k"), -1);
	CHECK_EQ(parse(&a, err, 5, "hvctl", "create", "t1", "8M", "k"), -1);
	CHECK_EQ(parse(&a, err, 5, "hvctl", "create", "t1", "0x10", "k"), -1);
	CHECK_EQ(parse(&a, err, 5, "hvctl", "create", "t1", "-8", "k"), -1);
	CHECK_EQ(parse(&a, err, 5, "hvctl", "create", "t1", "", "k"), -1);
	CHECK_EQ(parse(&a, err, 5, "hvctl", "create", "t1", "8", ""), -1);
	CHECK_STR(err, "empty image file name");
	CHECK(strchr(err, '\n') == NULL);
}

static void test_cmdline_join(void)
{
	static char big[KESTREL_CMDLINE_MAX + 8];
	char out[KESTREL_CMDLINE_MAX];
	char *words[3] = { NULL, NULL, NULL };
	struct hvctl_args a;
	char err[160];

	CHECK_EQ(hvctl_join_cmdline(0, words, out, sizeof(out)), 0);
	CHECK_STR(out, "");
	/* Exactly KESTREL_CMDLINE_MAX - 1 bytes fit, one more does not. */
	memset(big, 'x', KESTREL_CMDLINE_MAX - 1);
	big[KESTREL_CMDLINE_MAX - 1] = 0;
	words[0] = big;
	CHECK_EQ(hvctl_join_cmdline(1, words, out, sizeof(out)), 0);
	CHECK_EQ(strlen(out), KESTREL_CMDLINE_MAX - 1);
	big[KESTREL_CMDLINE_MAX - 1] = 'x';
	CHECK_EQ(hvctl_join_cmdline(1, words, out, sizeof(out)), -1);
	CHECK_STR(out, "");
	/* The separating space counts. */
	big[KESTREL_CMDLINE_MAX - 2] = 0; /* 1022 bytes */
	words[1] = "y";
	CHECK_EQ(hvctl_join_cmdline(2, words, out, sizeof(out)), -1);
	words[1] = "";
	CHECK_EQ(hvctl_join_cmdline(2, words, out, sizeof(out)), 0);
	CHECK_EQ(strlen(out), KESTREL_CMDLINE_MAX - 1);
	CHECK_EQ(hvctl_join_cmdline(1, words, out, 1), -1);
	/* Through hvctl_parse. */
	big[KESTREL_CMDLINE_MAX - 2] = 'x';
	big[KESTREL_CMDLINE_MAX - 1] = 0;
	CHECK_EQ(parse(&a, err, 7, "hvctl", "create", "t1", "8", "k", "a", big), -1);
	CHECK_STR(err, "command line too long (at most 1023 bytes)");
}

static void test_mem_and_name(void)
{
	uint64_t b = 7;
	char name[32];

	CHECK_EQ(hvctl_parse_mem_mb("4", &b), 0);
	CHECK_EQ(b, KESTREL_DOMAIN_MIN_MEM);
	CHECK_EQ(hvctl_parse_mem_mb("4096", &b), 0);
	CHECK_EQ(b, KESTREL_DOMAIN_MAX_MEM);
	CHECK_EQ(hvctl_parse_mem_mb("0008", &b), 0);
	CHECK_EQ(b, 8ull << 20);
	b = 7;
	CHECK_EQ(hvctl_parse_mem_mb("0", &b), -1);
	CHECK_EQ(hvctl_parse_mem_mb(NULL, &b), -1);
	CHECK_EQ(hvctl_parse_mem_mb(" 8", &b), -1);
	CHECK_EQ(b, 7);
	memset(name, 'z', sizeof(name));
	CHECK_EQ(hvctl_parse_name("t1", name), 0);
	CHECK_STR(name, "t1");
	CHECK_EQ(name[31], 0);
	CHECK_EQ(hvctl_parse_name(NULL, name), -1);
	CHECK_EQ(hvctl_parse_name("tab\there", name), -1);
	CHECK_EQ(hvctl_parse_name("del\x7f", name), -1);
}

static void test_domid(void)
{
	uint32_t id = 99;

	CHECK_EQ(hvctl_parse_domid("0", &id), 0);
	CHECK_EQ(id, 0);
	CHECK_EQ(hvctl_parse_domid("4294967295", &id), 0);
	CHECK_EQ(id, 4294967295u);
	CHECK_EQ(hvctl_parse_domid("0xffffffff", &id), 0);
	CHECK_EQ(id, 0xffffffffu);
	CHECK_EQ(hvctl_parse_domid("0XaB", &id), 0);
	CHECK_EQ(id, 0xab);
	id = 5;
	CHECK_EQ(hvctl_parse_domid("4294967296", &id), -1);
	CHECK_EQ(hvctl_parse_domid("0x100000000", &id), -1);
	CHECK_EQ(hvctl_parse_domid("99999999999999999999999", &id), -1);
	CHECK_EQ(hvctl_parse_domid("", &id), -1);
	CHECK_EQ(hvctl_parse_domid("0x", &id), -1);
	CHECK_EQ(hvctl_parse_domid("12a", &id), -1);
	CHECK_EQ(hvctl_parse_domid(" 1", &id), -1);
	CHECK_EQ(hvctl_parse_domid("+1", &id), -1);
	CHECK_EQ(hvctl_parse_domid(NULL, &id), -1);
	CHECK_EQ(id, 5);
}

static struct kestrel_domain_info dom0_info(void)
{
	struct kestrel_domain_info d = {
		.id = 0,
		.state = KESTREL_DOMAIN_RUNNING,
		.flags = KESTREL_DOMAIN_PRIVILEGED,
		.vcpus = 1,
		.mem_bytes = 512ull << 20,
		.exits = 123456,
		.name = "Domain-0",
		.verdict = -1,
		.weight = 256,
	};
	return d;
}

static void test_list_format(void)
{
	struct kestrel_domain_info d = dom0_info();
	char buf[160];

	hvctl_format_list_header(buf, sizeof(buf));
	CHECK_STR(buf, "Name                                ID  Mem(MiB) VCPUs Weight State\n");
	hvctl_format_list_row(buf, sizeof(buf), &d);
	CHECK_STR(buf, "Domain-0                             0       512     1    256 running\n");
	d.id = 12;
	d.state = KESTREL_DOMAIN_KILLED;
	d.vcpus = 4;
	d.mem_bytes = (3ull << 30) + 12345; /* MiB round down */
	strcpy(d.name, "wildmem");
	d.weight = 65535;
	hvctl_format_list_row(buf, sizeof(buf), &d);
	CHECK_STR(buf, "wildmem                             12      3072     4  65535 killed\n");
	/* Header and rows line up: the State column starts at the same place. */
	CHECK_EQ(strstr(buf, "killed") - buf, 62);
}

static void test_list_verdicts(void)
{
	struct kestrel_domain_info d = dom0_info();
	char buf[160];

	d.id = 1;
	d.flags = 0;
	d.mem_bytes = 8ull << 20;
	strcpy(d.name, "t1");
	d.state = KESTREL_DOMAIN_PAUSED;
	hvctl_format_list_row(buf, sizeof(buf), &d);
	CHECK_STR(buf, "t1                                   1         8     1    256 paused\n");
	d.state = KESTREL_DOMAIN_FINISHED;
	d.verdict = 0;
	hvctl_format_list_row(buf, sizeof(buf), &d);
	CHECK_STR(buf, "t1                                   1         8     1    256 finished (verdict 0)\n");
	d.state = KESTREL_DOMAIN_KILLED;
	d.verdict = 0x7fffffff;
	hvctl_format_list_row(buf, sizeof(buf), &d);
	CHECK_STR(buf, "t1                                   1         8     1    256 killed (verdict 2147483647)\n");
	/* Any negative verdict means none. */
	d.state = KESTREL_DOMAIN_RUNNING;
	d.verdict = -5;
	hvctl_format_list_row(buf, sizeof(buf), &d);
	CHECK_STR(buf, "t1                                   1         8     1    256 running\n");
}

static void test_list_hostile_names(void)
{
	struct kestrel_domain_info d = dom0_info();
	char buf[160];

	memset(d.name, 'x', sizeof(d.name)); /* no NUL at all */
	d.name[3] = '\n';
	d.name[4] = (char)0xff;
	hvctl_format_list_row(buf, sizeof(buf), &d);
	CHECK_STR(buf, "xxx??xxxxxxxxxxxxxxxxxxxxxxxxxxx     0       512     1    256 running\n");
	memset(d.name, 0, sizeof(d.name));
	d.state = 77;
	hvctl_format_list_row(buf, sizeof(buf), &d);
	CHECK_STR(buf, "-                                    0       512     1    256 unknown\n");
}

static void test_states(void)
{
	CHECK_STR(hvctl_state_name(KESTREL_DOMAIN_RUNNING), "running");
	CHECK_STR(hvctl_state_name(KESTREL_DOMAIN_PAUSED), "paused");
	CHECK_STR(hvctl_state_name(KESTREL_DOMAIN_FINISHED), "finished");
	CHECK_STR(hvctl_state_name(KESTREL_DOMAIN_KILLED), "killed");
	CHECK_STR(hvctl_state_name(4), "unknown");
}

static void test_info_format(void)
{
	struct kestrel_domain_info d = dom0_info();
	char buf[512];

	hvctl_format_info(buf, sizeof(buf), &d);
	CHECK_STR(buf, "id:        0\n"
		       "name:      Domain-0\n"
		       "state:     running\n"
		       "flags:     privileged\n"
		       "vcpus:     1\n"
		       "weight:    256\n"
		       "memory:    512 MiB (536870912 bytes)\n"
		       "exits:     123456\n");
	d.flags = 6;
	d.state = 9;
	hvctl_format_info(buf, sizeof(buf), &d);
	CHECK(strstr(buf, "flags:     none +unknown\n") != NULL);
	CHECK(strstr(buf, "state:     unknown (9)\n") != NULL);
	CHECK(strstr(buf, "verdict") == NULL);
	d = dom0_info();
	d.id = 2;
	d.flags = 0;
	d.state = KESTREL_DOMAIN_FINISHED;
	d.verdict = 3;
	hvctl_format_info(buf, sizeof(buf), &d);
	CHECK_STR(buf, "id:        2\n"
		       "name:      Domain-0\n"
		       "state:     finished\n"
		       "flags:     none\n"
		       "vcpus:     1\n"
		       "weight:    256\n"
		       "memory:    512 MiB (536870912 bytes)\n"
		       "exits:     123456\n"
		       "verdict:   3\n");
}

static void test_version_and_truncation(void)
{
	char buf[80], tiny[8];
	int n;

	hvctl_format_version(buf, sizeof(buf), 0x00010000);
	CHECK_STR(buf, "Kestrel ABI 1.0 (hvctl built for 1.1)\n");
	hvctl_format_version(buf, sizeof(buf), 0x0002000a);
	CHECK_STR(buf, "Kestrel ABI 2.10 (hvctl built for 1.1)\n");
	n = hvctl_format_list_header(tiny, sizeof(tiny));
	CHECK_EQ(n, 68);
	CHECK_STR(tiny, "Name   ");
}

static void test_dmesg_skip(void)
{
	const char buf[] = "ort 0x71\nkestrel: next line\n";
	size_t n = sizeof(buf) - 1;

	/* Nothing lost: everything from position 0. */
	CHECK_EQ(hvctl_dmesg_skip(buf, n, 0, n), 0);
	/* Later reads continue where the last ended. */
	CHECK_EQ(hvctl_dmesg_skip(buf, n, 100, 100 + n), 0);
	/* The ring wrapped: the data starts at 5000, mid-line. */
	CHECK_EQ(hvctl_dmesg_skip(buf, n, 0, 5000 + n), 9);
	/* No newline at all in what came back: all of it is a partial line. */
	CHECK_EQ(hvctl_dmesg_skip("abc", 3, 0, 10), 3);
	/* A position that makes no sense is not trusted. */
	CHECK_EQ(hvctl_dmesg_skip(buf, n, 0, 2), 0);
}

static void test_parse_build(void)
{
	struct hvctl_args a;
	char err[160];

	CHECK_EQ(parse(&a, err, 6, "hvctl", "setregs", "5", "rax=0x1234", "rip=2103072", "r15=7"), 0);
	CHECK_EQ(a.cmd, HVCTL_SETREGS);
	CHECK_EQ(a.domid, 5);
	CHECK_EQ(a.vcpu, 0);
	CHECK_EQ(a.regs.gpr[0], 0x1234);
	CHECK_EQ(a.regs.gpr[15], 7);
	CHECK_EQ(a.regs.gpr[3], 0);
	CHECK_EQ(a.regs.rip, 2103072);
	CHECK_EQ(a.regs.rflags, 2);
	CHECK_EQ(parse(&a, err, 5, "hvctl", "setregs", "5", "vcpu=1", "rflags=0x202"), 0);
	CHECK_EQ(a.vcpu, 1);
	CHECK_EQ(a.regs.rflags, 0x202);
	CHECK_EQ(parse(&a, err, 3, "hvctl", "setregs", "5"), -1); /* at least one register */
	CHECK_EQ(parse(&a, err, 2, "hvctl", "setregs"), -1);
	CHECK_EQ(parse(&a, err, 4, "hvctl", "setregs", "5", "rzz=1"), -1);
	CHECK_EQ(parse(&a, err, 4, "hvctl", "setregs", "5", "rax"), -1);
	CHECK_EQ(parse(&a, err, 4, "hvctl", "setregs", "5", "rax=0x"), -1);
	CHECK_EQ(parse(&a, err, 4, "hvctl", "setregs", "5", "rax=18446744073709551616"), -1);
	CHECK_EQ(parse(&a, err, 4, "hvctl", "setregs", "x", "rax=1"), -1);
	CHECK_EQ(parse(&a, err, 5, "hvctl", "populate", "6", "0x40000", "16"), 0);
	CHECK_EQ(a.cmd, HVCTL_POPULATE);
	CHECK_EQ(a.domid, 6);
	CHECK_EQ(a.gfn, 0x40000);
	CHECK_EQ(a.count, 16);
	CHECK_EQ(parse(&a, err, 4, "hvctl", "populate", "6", "1"), -1);
	CHECK_EQ(parse(&a, err, 5, "hvctl", "populate", "6", "1", "z"), -1);
}

static void test_parse_weight(void)
{
	struct hvctl_args a;
	char err[160];

	CHECK_EQ(parse(&a, err, 4, "hvctl", "weight", "3", "512"), 0);
	CHECK_EQ(a.cmd, HVCTL_WEIGHT);
	CHECK_EQ(a.domid, 3);
	CHECK_EQ(a.weight, 512);
	/* Out of 1..65535 but 32 bits: the hypervisor's to refuse. */
	CHECK_EQ(parse(&a, err, 4, "hvctl", "weight", "3", "0"), 0);
	CHECK_EQ(a.weight, 0);
	CHECK_EQ(parse(&a, err, 4, "hvctl", "weight", "3", "0xffffffff"), 0);
	CHECK_EQ(a.weight, 0xffffffffu);
	CHECK_EQ(parse(&a, err, 4, "hvctl", "weight", "3", "4294967296"), -1);
	CHECK_STR(err, "bad weight '4294967296' (decimal or 0x hex)");
	CHECK_EQ(parse(&a, err, 4, "hvctl", "weight", "3", "-1"), -1);
	CHECK_EQ(parse(&a, err, 3, "hvctl", "weight", "3"), -1);
	CHECK_STR(err, "usage: hvctl weight ID N");
	CHECK_EQ(parse(&a, err, 5, "hvctl", "weight", "3", "1", "2"), -1);
	CHECK_EQ(parse(&a, err, 4, "hvctl", "weight", "x", "1"), -1);
	CHECK_STR(err, "bad domain id 'x'");
}

static void test_parse_peek_poke(void)
{
	struct hvctl_args a;
	char err[160];

	CHECK_EQ(parse(&a, err, 4, "hvctl", "peek", "4", "0x200000"), 0);
	CHECK_EQ(a.cmd, HVCTL_PEEK);
	CHECK_EQ(a.domid, 4);
	CHECK_EQ(a.gpa, 0x200000);
	CHECK_EQ(a.words, 1);
	CHECK_EQ(parse(&a, err, 5, "hvctl", "peek", "4", "0x200ff8", "1024"), 0);
	CHECK_EQ(a.words, 1024);
	CHECK_EQ(parse(&a, err, 5, "hvctl", "peek", "4", "0x200ff8", "1025"), -1);
	CHECK_STR(err, "bad word count '1025' (1 to 1024)");
	CHECK_EQ(parse(&a, err, 5, "hvctl", "peek", "4", "0x200ff8", "0"), -1);
	CHECK_EQ(parse(&a, err, 5, "hvctl", "peek", "4", "0x200ff8", "two"), -1);
	CHECK_EQ(parse(&a, err, 4, "hvctl", "peek", "4", "0x200002"), -1);
	CHECK_STR(err, "bad address '0x200002' (a multiple of 4 below 2^48)");
	/* The last word below 2^48, and one word over it. */
	CHECK_EQ(parse(&a, err, 4, "hvctl", "peek", "4", "0xfffffffffffc"), 0);
	CHECK_EQ(parse(&a, err, 5, "hvctl", "peek", "4", "0xfffffffffffc", "2"), -1);
	CHECK_EQ(parse(&a, err, 4, "hvctl", "peek", "4", "0x1000000000000"), -1);
	CHECK_EQ(parse(&a, err, 4, "hvctl", "peek", "4", "0xfffffffffffffffc"), -1);
	CHECK_EQ(parse(&a, err, 3, "hvctl", "peek", "4"), -1);
	CHECK_STR(err, "usage: hvctl peek ID GPA [WORDS]");
	CHECK_EQ(parse(&a, err, 6, "hvctl", "peek", "4", "0", "1", "2"), -1);

	CHECK_EQ(parse(&a, err, 5, "hvctl", "poke", "4", "0x500000", "0xc0ffee42"), 0);
	CHECK_EQ(a.cmd, HVCTL_POKE);
	CHECK_EQ(a.gpa, 0x500000);
	CHECK_EQ(a.value, 0xc0ffee42u);
	CHECK_EQ(a.words, 1);
	CHECK_EQ(parse(&a, err, 5, "hvctl", "poke", "4", "0x500000", "0x100000000"), -1);
	CHECK_STR(err, "bad word '0x100000000' (32 bits, decimal or 0x hex)");
	CHECK_EQ(parse(&a, err, 5, "hvctl", "poke", "4", "0x500001", "1"), -1);
	CHECK_EQ(parse(&a, err, 4, "hvctl", "poke", "4", "0x500000"), -1);
	CHECK_STR(err, "usage: hvctl poke ID GPA WORD");
}

static void test_page_span(void)
{
	uint64_t gfn, count;

	hvctl_page_span(0x200000, 4, &gfn, &count);
	CHECK_EQ(gfn, 0x200);
	CHECK_EQ(count, 1);
	hvctl_page_span(0x200ffc, 4, &gfn, &count);
	CHECK_EQ(gfn, 0x200);
	CHECK_EQ(count, 1);
	hvctl_page_span(0x200ff8, 16, &gfn, &count);
	CHECK_EQ(gfn, 0x200);
	CHECK_EQ(count, 2);
	/* 1024 words from mid-page: the rest of that page and a second. */
	hvctl_page_span(0x200004, 4096, &gfn, &count);
	CHECK_EQ(count, 2);
	hvctl_page_span(0x200000, 4096, &gfn, &count);
	CHECK_EQ(count, 1);
	hvctl_page_span(0xfffffffffffc, 4, &gfn, &count);
	CHECK_EQ(gfn, 0xfffffffffull);
	CHECK_EQ(count, 1);
}

static void test_format_words(void)
{
	const uint32_t w[6] = { 0x1badb002, 2, 0xe4524ffc, 0, 0xffffffff, 0x10 };
	char buf[200], tiny[12];
	int n;

	hvctl_format_words(buf, sizeof(buf), 0x200000, w, 1);
	CHECK_STR(buf, "0x00200000: 1badb002\n");
	n = hvctl_format_words(buf, sizeof(buf), 0x200ff8, w, 6);
	CHECK_STR(buf, "0x00200ff8: 1badb002 00000002 e4524ffc 00000000\n"
		       "0x00201008: ffffffff 00000010\n");
	CHECK_EQ(n, (int)strlen(buf));
	hvctl_format_words(buf, sizeof(buf), 0x123456789abc, w, 1);
	CHECK_STR(buf, "0x123456789abc: 1badb002\n");
	/* Truncated like snprintf: the length it needed. */
	n = hvctl_format_words(tiny, sizeof(tiny), 0x200000, w, 2);
	CHECK_EQ(n, 30);
	CHECK_STR(tiny, "0x00200000:");
	hvctl_format_words(buf, sizeof(buf), 0, w, 0);
	CHECK_STR(buf, "");
}

int main(void)
{
	RUN(test_parse_weight);
	RUN(test_parse_peek_poke);
	RUN(test_page_span);
	RUN(test_format_words);
	RUN(test_parse_build);
	RUN(test_parse_commands);
	RUN(test_parse_errors);
	RUN(test_parse_domain_commands);
	RUN(test_parse_create);
	RUN(test_parse_create_errors);
	RUN(test_cmdline_join);
	RUN(test_mem_and_name);
	RUN(test_domid);
	RUN(test_list_format);
	RUN(test_list_verdicts);
	RUN(test_list_hostile_names);
	RUN(test_states);
	RUN(test_info_format);
	RUN(test_version_and_truncation);
	RUN(test_dmesg_skip);
	return check_summary();
}
