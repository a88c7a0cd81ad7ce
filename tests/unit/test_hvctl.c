/*
 * Host tests of hvctl's pure parts (dom0/tools/hvctl_cli.c): command-line
 * parsing, domain ids, and the text of list, info and version.
 */
#include <stdarg.h>
#include <stdint.h>

#include "check.h"
#include "hvctl_cli.h"

static int parse(struct hvctl_args *a, char *err, int argc, ...)
{
	char *argv[8];
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
	};
	return d;
}

static void test_list_format(void)
{
	struct kestrel_domain_info d = dom0_info();
	char buf[160];

	hvctl_format_list_header(buf, sizeof(buf));
	CHECK_STR(buf, "Name                                ID  Mem(MiB) VCPUs State\n");
	hvctl_format_list_row(buf, sizeof(buf), &d);
	CHECK_STR(buf, "Domain-0                             0       512     1 running\n");
	d.id = 12;
	d.state = KESTREL_DOMAIN_KILLED;
	d.vcpus = 4;
	d.mem_bytes = (3ull << 30) + 12345; /* MiB round down */
	strcpy(d.name, "wildmem");
	hvctl_format_list_row(buf, sizeof(buf), &d);
	CHECK_STR(buf, "wildmem                             12      3072     4 killed\n");
	/* Header and rows line up: the State column starts at the same place. */
	CHECK_EQ(strstr(buf, "killed") - buf, 55);
}

static void test_list_hostile_names(void)
{
	struct kestrel_domain_info d = dom0_info();
	char buf[160];

	memset(d.name, 'x', sizeof(d.name)); /* no NUL at all */
	d.name[3] = '\n';
	d.name[4] = (char)0xff;
	hvctl_format_list_row(buf, sizeof(buf), &d);
	CHECK_STR(buf, "xxx??xxxxxxxxxxxxxxxxxxxxxxxxxxx     0       512     1 running\n");
	memset(d.name, 0, sizeof(d.name));
	d.state = 77;
	hvctl_format_list_row(buf, sizeof(buf), &d);
	CHECK_STR(buf, "-                                    0       512     1 unknown\n");
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
		       "memory:    512 MiB (536870912 bytes)\n"
		       "exits:     123456\n");
	d.flags = 6;
	d.state = 9;
	hvctl_format_info(buf, sizeof(buf), &d);
	CHECK(strstr(buf, "flags:     none +unknown\n") != NULL);
	CHECK(strstr(buf, "state:     unknown (9)\n") != NULL);
}

static void test_version_and_truncation(void)
{
	char buf[80], tiny[8];
	int n;

	hvctl_format_version(buf, sizeof(buf), 0x00010000);
	CHECK_STR(buf, "Kestrel ABI 1.0 (hvctl built for 1.0)\n");
	hvctl_format_version(buf, sizeof(buf), 0x0002000a);
	CHECK_STR(buf, "Kestrel ABI 2.10 (hvctl built for 1.0)\n");
	n = hvctl_format_list_header(tiny, sizeof(tiny));
	CHECK_EQ(n, 61);
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

int main(void)
{
	RUN(test_parse_commands);
	RUN(test_parse_errors);
	RUN(test_domid);
	RUN(test_list_format);
	RUN(test_list_hostile_names);
	RUN(test_states);
	RUN(test_info_format);
	RUN(test_version_and_truncation);
	RUN(test_dmesg_skip);
	return check_summary();
}
