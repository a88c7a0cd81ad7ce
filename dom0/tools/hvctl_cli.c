/* hvctl's pure parts: see hvctl_cli.h. */
#include "hvctl_cli.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char hvctl_usage[] =
	"usage: hvctl COMMAND\n"
	"  version     the hypervisor's ABI version\n"
	"  list        the domains: Name, ID, Mem(MiB), VCPUs, Weight, State (and verdict)\n"
	"  info ID     everything about one domain\n"
	"  dmesg       the hypervisor's log ring\n"
	"  create NAME MEM_MB IMAGE [ARG...]\n"
	"              a domain of MEM_MB MiB running IMAGE (a multiboot1 ELF32 kernel)\n"
	"              with the command line ARG...; prints its id\n"
	"  load NAME MEM_MB IMAGE [ARG...]\n"
	"              the same, but the domain stays paused (hvctl unpause ID, or hvdm -u)\n"
	"  destroy ID  stop a domain and free its memory\n"
	"  pause ID    stop running a domain's vCPUs, until\n"
	"  unpause ID\n"
	"  setregs ID REG=VALUE...\n"
	"              set vCPU 0's registers (vcpu=N for another) before the domain first\n"
	"              runs (after load): REG is rax..rdi, r8..r15, rip or rflags; the\n"
	"              others become 0, rflags 0x2; mode and segments stay\n"
	"  populate ID GFN COUNT\n"
	"              back guest pages GFN..GFN+COUNT-1 of a paused domain with zeroed RAM\n"
	"  weight ID N the domain's scheduler weight (1 to 65535; 256 by default)\n"
	"  peek ID GPA [WORDS]\n"
	"              print WORDS (1 by default, at most 1024) 32-bit words of the domain's\n"
	"              RAM from guest-physical address GPA (a multiple of 4), in hex\n"
	"  poke ID GPA WORD\n"
	"              write the 32-bit WORD at guest-physical address GPA (a multiple of 4)\n"
	"  help        this text\n"
	"Talks to the hypervisor through /dev/hv (the hvdev module; $HV_DEVICE overrides).\n"
	"Exit status: 0 done, 1 the device or a hypercall failed, 2 bad command line.\n";

int hvctl_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10, digit;
	const char *p = s;

	if (!s || !*s)
		return -1;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!*p)
			return -1;
	}
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digit = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			digit = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			digit = (unsigned)(*p - 'A' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - digit) / base)
			return -1;
		v = v * base + digit;
	}
	*out = v;
	return 0;
}

int hvctl_parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;

	if (hvctl_parse_u64(s, &v) || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int hvctl_parse_domid(const char *s, uint32_t *out)
{
	return hvctl_parse_u32(s, out);
}

int hvctl_parse_reg(const char *s, struct hvctl_args *a)
{
	static const char *const names[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp",
					       "rsi", "rdi", "r8",  "r9",  "r10", "r11",
					       "r12", "r13", "r14", "r15" };
	const char *eq = s ? strchr(s, '=') : NULL;
	size_t n;
	uint64_t v;
	unsigned i;

	if (!eq || hvctl_parse_u64(eq + 1, &v) < 0)
		return -1;
	n = (size_t)(eq - s);
	for (i = 0; i < 16; i++) {
		if (strlen(names[i]) == n && !strncmp(s, names[i], n)) {
			a->regs.gpr[i] = v;
			return 0;
		}
	}
	if (n == 3 && !strncmp(s, "rip", 3))
		a->regs.rip = v;
	else if (n == 6 && !strncmp(s, "rflags", 6))
		a->regs.rflags = v;
	else if (n == 4 && !strncmp(s, "vcpu", 4) && v <= UINT32_MAX)
		a->vcpu = (uint32_t)v;
	else
		return -1;
	return 0;
}

int hvctl_parse_mem_mb(const char *s, uint64_t *bytes)
{
	uint64_t v = 0;
	const char *p;

	if (!s || !*s)
		return -1;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > (KESTREL_DOMAIN_MAX_MEM >> 20))
			return -1;
	}
	if (v < (KESTREL_DOMAIN_MIN_MEM >> 20))
		return -1;
	*bytes = v << 20;
	return 0;
}

int hvctl_parse_name(const char *s, char out[32])
{
	size_t i, n;

	if (!s)
		return -1;
	n = strlen(s);
	if (n == 0 || n > 31)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] > 0x7e)
			return -1;
	memset(out, 0, 32);
	memcpy(out, s, n);
	return 0;
}

int hvctl_join_cmdline(int n, char *const words[], char *out, size_t len)
{
	size_t used = 0, w;
	int i;

	if (len == 0)
		return -1;
	out[0] = 0;
	for (i = 0; i < n; i++) {
		w = strlen(words[i]);
		if (used + (i ? 1 : 0) + w + 1 > len) {
			out[0] = 0;
			return -1;
		}
		if (i)
			out[used++] = ' ';
		memcpy(out + used, words[i], w);
		used += w;
		out[used] = 0;
	}
	return 0;
}

/* peek ID GPA [WORDS], poke ID GPA WORD: argv[3] on. */
static int parse_access(int argc, char *const argv[], struct hvctl_args *out, char *err,
			size_t errlen)
{
	const uint64_t end = KESTREL_GFN_LIMIT << 12;

	out->words = 1;
	if (out->cmd == HVCTL_PEEK && argc > 4 &&
	    (hvctl_parse_u32(argv[4], &out->words) < 0 || out->words < 1 ||
	     out->words > HVCTL_PEEK_MAX_WORDS)) {
		snprintf(err, errlen, "bad word count '%.40s' (1 to %u)", argv[4],
			 HVCTL_PEEK_MAX_WORDS);
		return -1;
	}
	if (out->cmd == HVCTL_POKE && hvctl_parse_u32(argv[4], &out->value) < 0) {
		snprintf(err, errlen, "bad word '%.40s' (32 bits, decimal or 0x hex)", argv[4]);
		return -1;
	}
	if (hvctl_parse_u64(argv[3], &out->gpa) < 0 || out->gpa % 4 ||
	    out->gpa >= end || (uint64_t)out->words * 4 > end - out->gpa) {
		snprintf(err, errlen, "bad address '%.40s' (a multiple of 4 below 2^48)", argv[3]);
		return -1;
	}
	return 0;
}

int hvctl_parse(int argc, char *const argv[], struct hvctl_args *out, char *err, size_t errlen)
{
	enum { ANY = 1000 }; /* no upper bound on the arguments */
	static const struct {
		const char *name;
		enum hvctl_cmd cmd;
		int least, most; /* arguments after the command */
		const char *usage;
	} cmds[] = {
		{ "help", HVCTL_HELP, 0, 0, NULL },
		{ "-h", HVCTL_HELP, 0, 0, NULL },
		{ "--help", HVCTL_HELP, 0, 0, NULL },
		{ "version", HVCTL_VERSION, 0, 0, NULL },
		{ "list", HVCTL_LIST, 0, 0, NULL },
		{ "info", HVCTL_INFO, 1, 1, "usage: hvctl info ID" },
		{ "dmesg", HVCTL_DMESG, 0, 0, NULL },
		{ "create", HVCTL_CREATE, 3, ANY, "usage: hvctl create NAME MEM_MB IMAGE [ARG...]" },
		{ "load", HVCTL_LOAD, 3, ANY, "usage: hvctl load NAME MEM_MB IMAGE [ARG...]" },
		{ "destroy", HVCTL_DESTROY, 1, 1, "usage: hvctl destroy ID" },
		{ "pause", HVCTL_PAUSE, 1, 1, "usage: hvctl pause ID" },
		{ "unpause", HVCTL_UNPAUSE, 1, 1, "usage: hvctl unpause ID" },
		{ "setregs", HVCTL_SETREGS, 2, ANY, "usage: hvctl setregs ID REG=VALUE..." },
		{ "populate", HVCTL_POPULATE, 3, 3, "usage: hvctl populate ID GFN COUNT" },
		{ "weight", HVCTL_WEIGHT, 2, 2, "usage: hvctl weight ID N" },
		{ "peek", HVCTL_PEEK, 2, 3, "usage: hvctl peek ID GPA [WORDS]" },
		{ "poke", HVCTL_POKE, 3, 3, "usage: hvctl poke ID GPA WORD" },
	};
	size_t i;

	memset(out, 0, sizeof(*out));
	if (argc < 2) {
		snprintf(err, errlen, "missing command (try 'hvctl help')");
		return -1;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		if (argc - 2 < cmds[i].least || argc - 2 > cmds[i].most) {
			if (cmds[i].usage)
				snprintf(err, errlen, "%s", cmds[i].usage);
			else
				snprintf(err, errlen, "'%s' takes no arguments", argv[1]);
			return -1;
		}
		out->cmd = cmds[i].cmd;
		if (out->cmd == HVCTL_CREATE || out->cmd == HVCTL_LOAD) {
			if (hvctl_parse_name(argv[2], out->name) < 0) {
				snprintf(err, errlen,
					 "bad domain name '%.40s' (1 to 31 printable characters, no spaces)",
					 argv[2]);
				return -1;
			}
			if (hvctl_parse_mem_mb(argv[3], &out->mem_bytes) < 0) {
				snprintf(err, errlen, "bad memory size '%.40s' (MiB, %llu to %llu)", argv[3],
					 KESTREL_DOMAIN_MIN_MEM >> 20, KESTREL_DOMAIN_MAX_MEM >> 20);
				return -1;
			}
			if (!argv[4][0]) {
				snprintf(err, errlen, "empty image file name");
				return -1;
			}
			out->image = argv[4];
			if (hvctl_join_cmdline(argc - 5, argv + 5, out->cmdline, sizeof(out->cmdline)) < 0) {
				snprintf(err, errlen, "command line too long (at most %u bytes)",
					 KESTREL_CMDLINE_MAX - 1);
				return -1;
			}
			return 0;
		}
		if (cmds[i].least != 0 && hvctl_parse_domid(argv[2], &out->domid) < 0) {
			snprintf(err, errlen, "bad domain id '%.40s'", argv[2]);
			return -1;
		}
		if (out->cmd == HVCTL_SETREGS) {
			out->regs.rflags = KESTREL_RFLAGS_FIXED1;
			for (int w = 3; w < argc; w++) {
				if (hvctl_parse_reg(argv[w], out) < 0) {
					snprintf(err, errlen,
						 "bad register '%.40s' (REG=VALUE: rax..r15, rip, rflags, vcpu)",
						 argv[w]);
					return -1;
				}
			}
		}
		if (out->cmd == HVCTL_POPULATE &&
		    (hvctl_parse_u64(argv[3], &out->gfn) < 0 || hvctl_parse_u64(argv[4], &out->count) < 0)) {
			snprintf(err, errlen, "bad GFN or COUNT '%.40s %.40s' (decimal or 0x hex)", argv[3],
				 argv[4]);
			return -1;
		}
		if (out->cmd == HVCTL_WEIGHT && hvctl_parse_u32(argv[3], &out->weight) < 0) {
			snprintf(err, errlen, "bad weight '%.40s' (decimal or 0x hex)", argv[3]);
			return -1;
		}
		if (out->cmd == HVCTL_PEEK || out->cmd == HVCTL_POKE)
			return parse_access(argc, argv, out, err, errlen);
		return 0;
	}
	snprintf(err, errlen, "unknown command '%.40s' (try 'hvctl help')", argv[1]);
	return -1;
}

size_t hvctl_dmesg_skip(const char *buf, size_t n, uint64_t asked, uint64_t now)
{
	const char *nl;

	if (now < n || now - n <= asked)
		return 0;
	nl = memchr(buf, '\n', n);
	return nl ? (size_t)(nl - buf) + 1 : n;
}

void hvctl_page_span(uint64_t gpa, uint64_t bytes, uint64_t *gfn, uint64_t *count)
{
	*gfn = gpa >> 12;
	*count = ((gpa + bytes - 1) >> 12) - *gfn + 1;
}

/* vsnprintf at buf + *used; *used counts what was needed, as snprintf's result. */
static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(buf + (*used < len ? *used : len), *used < len ? len - *used : 0, fmt, ap);
	va_end(ap);
	if (k > 0)
		*used += (size_t)k;
}

int hvctl_format_words(char *buf, size_t len, uint64_t gpa, const uint32_t *words, size_t n)
{
	size_t i, used = 0;

	if (len)
		buf[0] = 0;
	for (i = 0; i < n; i++) {
		if (i % 4 == 0)
			append(buf, len, &used, "%s0x%08" PRIx64 ":", i ? "\n" : "", gpa + i * 4);
		append(buf, len, &used, " %08" PRIx32, words[i]);
	}
	if (n)
		append(buf, len, &used, "\n");
	return (int)used;
}

const char *hvctl_state_name(uint32_t state)
{
	switch (state) {
	case KESTREL_DOMAIN_RUNNING:
		return "running";
	case KESTREL_DOMAIN_PAUSED:
		return "paused";
	case KESTREL_DOMAIN_FINISHED:
		return "finished";
	case KESTREL_DOMAIN_KILLED:
		return "killed";
	default:
		return "unknown";
	}
}

void hvctl_state_text(char *buf, size_t len, const struct kestrel_domain_info *d)
{
	if (d->verdict >= 0)
		snprintf(buf, len, "%s (verdict %" PRId32 ")", hvctl_state_name(d->state), d->verdict);
	else
		snprintf(buf, len, "%s", hvctl_state_name(d->state));
}

/* The name field, NUL-terminated whatever the hypervisor put there. */
static void domain_name(char name[33], const struct kestrel_domain_info *d)
{
	size_t i;

	memcpy(name, d->name, sizeof(d->name));
	name[sizeof(d->name)] = 0;
	for (i = 0; name[i]; i++)
		if ((unsigned char)name[i] < 0x20 || (unsigned char)name[i] > 0x7e)
			name[i] = '?';
	if (!name[0])
		strcpy(name, "-");
}

/* Columns as xl list prints them (without its Time(s)). */
#define LIST_FMT "%-32s %5s %9s %5s %6s %s\n"
#define ROW_FMT "%-32s %5" PRIu32 " %9" PRIu64 " %5" PRIu32 " %6" PRIu32 " %s\n"

int hvctl_format_list_header(char *buf, size_t len)
{
	return snprintf(buf, len, LIST_FMT, "Name", "ID", "Mem(MiB)", "VCPUs", "Weight", "State");
}

int hvctl_format_list_row(char *buf, size_t len, const struct kestrel_domain_info *d)
{
	char name[33], state[48];

	domain_name(name, d);
	hvctl_state_text(state, sizeof(state), d);
	return snprintf(buf, len, ROW_FMT, name, d->id, d->mem_bytes >> 20, d->vcpus, d->weight,
			state);
}

int hvctl_format_info(char *buf, size_t len, const struct kestrel_domain_info *d)
{
	char name[33], state[32], verdict[32] = "";

	domain_name(name, d);
	if (d->state <= KESTREL_DOMAIN_KILLED)
		snprintf(state, sizeof(state), "%s", hvctl_state_name(d->state));
	else
		snprintf(state, sizeof(state), "unknown (%" PRIu32 ")", d->state);
	if (d->verdict >= 0)
		snprintf(verdict, sizeof(verdict), "verdict:   %" PRId32 "\n", d->verdict);
	return snprintf(buf, len,
			"id:        %" PRIu32 "\n"
			"name:      %s\n"
			"state:     %s\n"
			"flags:     %s%s\n"
			"vcpus:     %" PRIu32 "\n"
			"weight:    %" PRIu32 "\n"
			"memory:    %" PRIu64 " MiB (%" PRIu64 " bytes)\n"
			"exits:     %" PRIu64 "\n"
			"%s",
			d->id, name, state,
			(d->flags & KESTREL_DOMAIN_PRIVILEGED) ? "privileged" : "none",
			(d->flags & ~KESTREL_DOMAIN_PRIVILEGED) ? " +unknown" : "",
			d->vcpus, d->weight, d->mem_bytes >> 20, d->mem_bytes, d->exits, verdict);
}

int hvctl_format_version(char *buf, size_t len, uint32_t abi)
{
	return snprintf(buf, len, "Kestrel ABI %" PRIu32 ".%" PRIu32 " (hvctl built for %u.%u)\n",
			abi >> 16, abi & 0xffff, KESTREL_ABI_MAJOR, KESTREL_ABI_MINOR);
}
