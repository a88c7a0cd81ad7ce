/*
 * hvctl: the Kestrel toolstack's command line, run in dom0. Every failure
 * ends with one line on stderr and a non-zero exit status (hvctl_cli.h).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hvctl_cli.h"
#include "hvdev.h"
#include "libhv.h"

static int fail(const char *what, int err)
{
	fprintf(stderr, "hvctl: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return HVCTL_EXIT_FAIL;
}

static int open_device(void)
{
	int fd = hv_open();

	if (fd == -ENOENT || fd == -ENODEV || fd == -ENXIO)
		fprintf(stderr, "hvctl: %s: %s (is hvdev.ko loaded, and is this dom0 on Kestrel?)\n",
			getenv("HV_DEVICE") ? getenv("HV_DEVICE") : HV_DEVICE_PATH, strerror(-fd));
	else if (fd < 0)
		fprintf(stderr, "hvctl: %s: %s\n", HV_DEVICE_PATH, strerror(-fd));
	return fd;
}

static int put(const char *text)
{
	return fputs(text, stdout) < 0 ? -EIO : 0;
}

static int cmd_version(int fd)
{
	char line[128];
	uint32_t abi;
	int err = hv_version(fd, &abi);

	if (err)
		return fail("version: KHC_VERSION", err);
	hvctl_format_version(line, sizeof(line), abi);
	put(line);
	return 0;
}

static int cmd_list(int fd)
{
	static struct kestrel_domain_info doms[HV_DOMAIN_LIST_MAX];
	char line[160];
	int64_t n = hv_domain_list(fd, doms, HV_DOMAIN_LIST_MAX);
	int64_t i, shown;

	if (n < 0)
		return fail("list: KHC_DOMAIN_LIST", (int)n);
	shown = n < HV_DOMAIN_LIST_MAX ? n : HV_DOMAIN_LIST_MAX;
	hvctl_format_list_header(line, sizeof(line));
	put(line);
	for (i = 0; i < shown; i++) {
		hvctl_format_list_row(line, sizeof(line), &doms[i]);
		put(line);
	}
	if (n > shown)
		printf("(%lld more domains not shown)\n", (long long)(n - shown));
	return 0;
}

static int cmd_info(int fd, uint32_t domid)
{
	struct kestrel_domain_info d;
	char text[512], what[64];
	int err = hv_domain_info(fd, domid, &d);

	if (err) {
		snprintf(what, sizeof(what), "info %u: KHC_DOMAIN_INFO", domid);
		return fail(what, err);
	}
	hvctl_format_info(text, sizeof(text), &d);
	put(text);
	return 0;
}

/* The whole file, up to KESTREL_IMAGE_MAX bytes; NULL with a message in
 * why (no newline) otherwise. */
static void *read_image(const char *path, size_t *len, char *why, size_t whylen)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_size == 0 || (uint64_t)st.st_size > KESTREL_IMAGE_MAX) {
		snprintf(why, whylen, "%s: %lld bytes (an image is 1 to %u bytes)", path,
			 (long long)st.st_size, KESTREL_IMAGE_MAX);
		goto fail;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		snprintf(why, whylen, "%s: %s", path, strerror(ENOMEM));
		goto fail;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(why, whylen, "%s: %s", path, n < 0 ? strerror(errno) : "file shrank");
			goto fail;
		}
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

/* create + load (+ unpause for create; load leaves it paused); on failure
 * the half-made domain is destroyed and one line says which step failed. */
static int cmd_create(int fd, const struct hvctl_args *a)
{
	const char *verb = a->cmd == HVCTL_LOAD ? "load" : "create";
	struct kestrel_domain_config cfg;
	char why[160];
	const char *step;
	size_t len;
	void *image = read_image(a->image, &len, why, sizeof(why));
	int64_t id;

	if (!image) {
		fprintf(stderr, "hvctl: %s %s: %s\n", verb, a->name, why);
		return HVCTL_EXIT_FAIL;
	}
	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.name, a->name, sizeof(cfg.name));
	cfg.mem_bytes = a->mem_bytes;
	cfg.vcpus = 1;
	if (a->cmd == HVCTL_LOAD)
		id = hv_domain_build(fd, &cfg, image, len, a->cmdline, &step);
	else
		id = hv_domain_start(fd, &cfg, image, len, a->cmdline, &step);
	free(image);
	if (id < 0) {
		fprintf(stderr, "hvctl: %s %s: %s: %s%s\n", verb, a->name, step, strerror((int)-id),
			id == -ENOEXEC || id == -ERANGE ? " (the reason is in hvctl dmesg)"
							: "");
		return HVCTL_EXIT_FAIL;
	}
	printf("%" PRId64 "\n", id);
	return 0;
}

static int cmd_domid(int fd, const char *verb, const char *call, int (*fn)(int, uint32_t),
		     uint32_t domid)
{
	char what[64];
	int err = fn(fd, domid);

	if (err) {
		snprintf(what, sizeof(what), "%s %" PRIu32 ": %s", verb, domid, call);
		return fail(what, err);
	}
	return 0;
}

static int cmd_setregs(int fd, const struct hvctl_args *a)
{
	char what[64];
	int err = hv_vcpu_set_regs(fd, a->domid, a->vcpu, &a->regs);

	if (err) {
		snprintf(what, sizeof(what), "setregs %" PRIu32 ": KHC_VCPU_SET_REGS", a->domid);
		return fail(what, err);
	}
	return 0;
}

static int cmd_populate(int fd, const struct hvctl_args *a)
{
	char what[64];
	int err = hv_memory_populate(fd, a->domid, a->gfn, a->count);

	if (err) {
		snprintf(what, sizeof(what), "populate %" PRIu32 ": KHC_MEMORY_POPULATE", a->domid);
		return fail(what, err);
	}
	return 0;
}

static int cmd_weight(int fd, const struct hvctl_args *a)
{
	char what[64];
	int err = hv_domain_set_weight(fd, a->domid, a->weight);

	if (err) {
		snprintf(what, sizeof(what), "weight %" PRIu32 ": KHC_DOMAIN_SET_WEIGHT", a->domid);
		return fail(what, err);
	}
	return 0;
}

/*
 * peek and poke: a foreign mapping of the pages that hold the words, for
 * the length of the command. A refusal is most often an address that is
 * not the domain's RAM: the message says so.
 */
static int cmd_access(int fd, const struct hvctl_args *a)
{
	static uint32_t words[HVCTL_PEEK_MAX_WORDS];
	static char text[HVCTL_PEEK_MAX_WORDS / 4 * 64];
	const char *verb = a->cmd == HVCTL_PEEK ? "peek" : "poke";
	volatile uint32_t *w;
	uint64_t gfn, count, i;
	const char *step;
	void *p;
	int err;

	hvctl_page_span(a->gpa, (uint64_t)a->words * 4, &gfn, &count);
	err = hv_foreign_map(fd, a->domid, gfn, count, &p, &step);
	if (err) {
		fprintf(stderr, "hvctl: %s %" PRIu32 " 0x%" PRIx64 ": %s: %s%s\n", verb, a->domid,
			a->gpa, step, strerror(-err),
			err == -EINVAL ? " (not the domain's RAM?)" : "");
		return HVCTL_EXIT_FAIL;
	}
	w = (volatile uint32_t *)((char *)p + (a->gpa & 4095));
	if (a->cmd == HVCTL_POKE) {
		w[0] = a->value;
	} else {
		for (i = 0; i < a->words; i++)
			words[i] = w[i];
	}
	hv_foreign_unmap(p, count);
	if (a->cmd == HVCTL_PEEK) {
		hvctl_format_words(text, sizeof(text), a->gpa, words, a->words);
		put(text);
	}
	return 0;
}

/* The whole log ring, from position 0 until a read returns 0. */
static int cmd_dmesg(int fd)
{
	static char buf[4096];
	uint64_t pos = 0, asked, total = 0;
	size_t skip;
	int64_t n;

	for (;;) {
		asked = pos;
		n = hv_log_read(fd, buf, sizeof(buf), &pos);
		if (n < 0)
			return fail("dmesg: KHC_LOG_READ", (int)n);
		if (n == 0)
			break;
		/* The oldest part of the ring was overwritten: start at a line. */
		skip = total ? 0 : hvctl_dmesg_skip(buf, (size_t)n, asked, pos);
		if (fwrite(buf + skip, 1, (size_t)n - skip, stdout) != (size_t)n - skip)
			return fail("dmesg: stdout", EIO);
		total += (uint64_t)n;
		if (total > (64u << 20)) /* a log growing as fast as we read it */
			break;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	struct hvctl_args args;
	char err[160];
	int fd, status;

	if (hvctl_parse(argc, argv, &args, err, sizeof(err)) < 0) {
		fprintf(stderr, "hvctl: %s\n", err);
		return HVCTL_EXIT_USAGE;
	}
	if (args.cmd == HVCTL_HELP) {
		fputs(hvctl_usage, stdout);
		return 0;
	}
	fd = open_device();
	if (fd < 0)
		return HVCTL_EXIT_FAIL;
	switch (args.cmd) {
	case HVCTL_VERSION:
		status = cmd_version(fd);
		break;
	case HVCTL_LIST:
		status = cmd_list(fd);
		break;
	case HVCTL_INFO:
		status = cmd_info(fd, args.domid);
		break;
	case HVCTL_DMESG:
		status = cmd_dmesg(fd);
		break;
	case HVCTL_CREATE:
	case HVCTL_LOAD:
		status = cmd_create(fd, &args);
		break;
	case HVCTL_DESTROY:
		status = cmd_domid(fd, "destroy", "KHC_DOMAIN_DESTROY", hv_domain_destroy, args.domid);
		break;
	case HVCTL_PAUSE:
		status = cmd_domid(fd, "pause", "KHC_DOMAIN_PAUSE", hv_domain_pause, args.domid);
		break;
	case HVCTL_UNPAUSE:
		status = cmd_domid(fd, "unpause", "KHC_DOMAIN_UNPAUSE", hv_domain_unpause, args.domid);
		break;
	case HVCTL_SETREGS:
		status = cmd_setregs(fd, &args);
		break;
	case HVCTL_POPULATE:
		status = cmd_populate(fd, &args);
		break;
	case HVCTL_WEIGHT:
		status = cmd_weight(fd, &args);
		break;
	case HVCTL_PEEK:
	case HVCTL_POKE:
		status = cmd_access(fd, &args);
		break;
	default:
		status = HVCTL_EXIT_USAGE;
		break;
	}
	hv_close(fd);
	if (fflush(stdout) != 0 && status == 0)
		status = fail("stdout", errno);
	return status;
}
