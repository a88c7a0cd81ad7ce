/*
 * The pure parts of hvctl (no system calls): command-line parsing and the
 * text it prints. Host-tested by tests/unit/test_hvctl.c.
 */
#ifndef KESTREL_HVCTL_CLI_H
#define KESTREL_HVCTL_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "hv/abi.h"

enum hvctl_cmd {
	HVCTL_HELP,
	HVCTL_VERSION,
	HVCTL_LIST,
	HVCTL_INFO,
	HVCTL_DMESG,
	HVCTL_CREATE,
	HVCTL_LOAD,
	HVCTL_DESTROY,
	HVCTL_PAUSE,
	HVCTL_UNPAUSE,
	HVCTL_SETREGS,
	HVCTL_POPULATE,
	HVCTL_WEIGHT,
	HVCTL_PEEK,
	HVCTL_POKE,
};

/* peek: at most this many 32-bit words per command. */
#define HVCTL_PEEK_MAX_WORDS 1024u

struct hvctl_args {
	enum hvctl_cmd cmd;
	uint32_t domid;                     /* INFO, DESTROY, PAUSE, UNPAUSE, ... */
	char name[32];                      /* CREATE, LOAD: NUL-terminated, 1..31 characters */
	uint64_t mem_bytes;                 /* CREATE, LOAD */
	const char *image;                  /* CREATE, LOAD: a path (points into argv) */
	char cmdline[KESTREL_CMDLINE_MAX];  /* CREATE, LOAD: the words after IMAGE, space-joined */
	uint32_t vcpu;                      /* SETREGS */
	struct kestrel_vcpu_regs regs;      /* SETREGS: unnamed registers 0, rflags 0x2 */
	uint64_t gfn, count;                /* POPULATE */
	uint32_t weight;                    /* WEIGHT: passed on, the hypervisor checks it */
	uint64_t gpa;                       /* PEEK, POKE: 4-byte aligned, below 2^48 */
	uint32_t words;                     /* PEEK: 1..HVCTL_PEEK_MAX_WORDS */
	uint32_t value;                     /* POKE */
};

/* Exit statuses: a failed call, and a bad command line. */
#define HVCTL_EXIT_FAIL 1
#define HVCTL_EXIT_USAGE 2

/* Parses argv (argv[0] is the program). Returns 0, or -1 with a one-line
 * message (no newline) in err. */
int hvctl_parse(int argc, char *const argv[], struct hvctl_args *out, char *err, size_t errlen);

/* A 32-bit number: decimal or 0x hex, 0..UINT32_MAX, nothing else. */
int hvctl_parse_u32(const char *s, uint32_t *out);

/* A domain id: a 32-bit number. */
int hvctl_parse_domid(const char *s, uint32_t *out);

/* A 64-bit number: decimal or 0x hex, nothing else. */
int hvctl_parse_u64(const char *s, uint64_t *out);

/* One REG=VALUE word of setregs (rax..r15, rip, rflags, vcpu) into a. */
int hvctl_parse_reg(const char *s, struct hvctl_args *a);

/* A memory size for create: decimal MiB within the hypervisor's limits
 * (KESTREL_DOMAIN_MIN_MEM..KESTREL_DOMAIN_MAX_MEM); *bytes gets bytes. */
int hvctl_parse_mem_mb(const char *s, uint64_t *bytes);

/* A domain name for create: 1..31 printable ASCII characters, no space. */
int hvctl_parse_name(const char *s, char out[32]);

/* Joins words with single spaces into out (len bytes with the NUL);
 * -1 when it does not fit. No words: an empty string. */
int hvctl_join_cmdline(int n, char *const words[], char *out, size_t len);

/* The guest pages that hold bytes [gpa, gpa + bytes), bytes > 0: the
 * first and how many. */
void hvctl_page_span(uint64_t gpa, uint64_t bytes, uint64_t *gfn, uint64_t *count);

/* peek's text: n words read from gpa on, four to a line, each line
 * "0xADDR: w0 w1 w2 w3" (hex, eight digits a word). As snprintf. */
int hvctl_format_words(char *buf, size_t len, uint64_t gpa, const uint32_t *words, size_t n);

/* dmesg: a log read asked for bytes from `asked` and got n bytes, after
 * which the position is `now`. When the ring no longer held `asked` (it
 * wrapped), the bytes start later, mid-line: returns how many to skip to
 * start at the next full line (0 when nothing was lost). */
size_t hvctl_dmesg_skip(const char *buf, size_t n, uint64_t asked, uint64_t now);

const char *hvctl_state_name(uint32_t state);
/* State for list: the name, with " (verdict N)" when a verdict is set. */
void hvctl_state_text(char *buf, size_t len, const struct kestrel_domain_info *d);
extern const char hvctl_usage[];

/* The formatters write one NUL-terminated text into buf (truncated to len)
 * and return the length it needed, as snprintf does. */
int hvctl_format_list_header(char *buf, size_t len);
int hvctl_format_list_row(char *buf, size_t len, const struct kestrel_domain_info *d);
int hvctl_format_info(char *buf, size_t len, const struct kestrel_domain_info *d);
int hvctl_format_version(char *buf, size_t len, uint32_t abi);

#endif
