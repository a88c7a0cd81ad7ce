#include "hv/elf_loader.h"

#include <stdbool.h>

#include "hv/errno.h"
#include "hv/string.h"


/* ELF32 (System V ABI, i386 supplement). */
struct elf32_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version, entry, phoff, shoff, flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf32_phdr {
	uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

#define PT_LOAD 1
#define ET_EXEC 2
#define EM_386 3
#define MB1_HEADER_MAGIC 0x1BADB002u
#define MB1_SEARCH_BYTES 8192
#define MB1_FLAG_AOUT_KLUDGE (1u << 16)
#define MAX_PHDRS 64

static int reject(const char **why, const char *msg, int err)
{
	*why = msg;
	return err;
}

/* The multiboot1 header: 4-byte aligned in the first 8 KiB (spec 3.1.1). */
static const uint32_t *find_multiboot_header(const uint8_t *image, size_t size)
{
	size_t limit = size < MB1_SEARCH_BYTES ? size : MB1_SEARCH_BYTES;
	for (size_t off = 0; off + 12 <= limit; off += 4) {
		const uint32_t *h = (const uint32_t *)(image + off);
		if (h[0] == MB1_HEADER_MAGIC && h[0] + h[1] + h[2] == 0)
			return h;
	}
	return 0;
}

static bool segment_fits(const struct elf32_phdr *ph, size_t size, const struct elf_target *t)
{
	uint64_t end = (uint64_t)ph->paddr + ph->memsz;
	return ph->filesz <= ph->memsz && (uint64_t)ph->offset + ph->filesz <= size &&
	       ph->paddr >= t->min_addr && end <= t->mem_size;
}

static int load_segment(const uint8_t *image, const struct elf32_phdr *ph,
			const struct elf_target *t, struct elf_loaded *out)
{
	if (t->write(t->ctx, ph->paddr, image + ph->offset, ph->filesz))
		return -EFAULT;
	if (ph->memsz > ph->filesz &&
	    t->write(t->ctx, (uint64_t)ph->paddr + ph->filesz, 0, ph->memsz - ph->filesz))
		return -EFAULT;
	if (ph->paddr < out->low)
		out->low = ph->paddr;
	if ((uint64_t)ph->paddr + ph->memsz > out->high)
		out->high = (uint64_t)ph->paddr + ph->memsz;
	return 0;
}

static bool entry_loaded(const struct elf32_phdr *ph, unsigned n, uint32_t entry)
{
	for (unsigned i = 0; i < n; i++)
		if (ph[i].type == PT_LOAD && entry >= ph[i].paddr &&
		    entry < (uint64_t)ph[i].paddr + ph[i].filesz)
			return true;
	return false;
}

int elf_load_multiboot(const uint8_t *image, size_t size, const struct elf_target *t,
		       struct elf_loaded *out, const char **why)
{
	struct elf32_ehdr eh;

	if (size < sizeof(eh))
		return reject(why, "image too small for an ELF header", -ENOEXEC);
	memcpy(&eh, image, sizeof(eh));
	const uint32_t *mb = find_multiboot_header(image, size);
	if (!mb)
		return reject(why, "no multiboot1 header in the first 8 KiB", -ENOEXEC);
	if (mb[1] & MB1_FLAG_AOUT_KLUDGE)
		return reject(why, "multiboot a.out kludge images are not supported", -ENOEXEC);
	if (memcmp(eh.ident, "\177ELF", 4) != 0 || eh.ident[4] != 1 || eh.ident[5] != 1)
		return reject(why, "not a little-endian ELF32 file", -ENOEXEC);
	if (eh.type != ET_EXEC || eh.machine != EM_386)
		return reject(why, "not an i386 executable", -ENOEXEC);
	if (eh.phentsize != sizeof(struct elf32_phdr) || eh.phnum == 0 || eh.phnum > MAX_PHDRS ||
	    (uint64_t)eh.phoff + (uint64_t)eh.phnum * sizeof(struct elf32_phdr) > size)
		return reject(why, "bad program header table", -ENOEXEC);

	struct elf32_phdr ph[MAX_PHDRS];
	memcpy(ph, image + eh.phoff, eh.phnum * sizeof(ph[0]));
	for (unsigned i = 0; i < eh.phnum; i++)
		if (ph[i].type == PT_LOAD && !segment_fits(&ph[i], size, t))
			return reject(why, "a segment lies outside the file or guest memory", -ERANGE);
	if (!entry_loaded(ph, eh.phnum, eh.entry))
		return reject(why, "the entry point is not in a loaded segment", -ENOEXEC);

	*out = (struct elf_loaded){ eh.entry, UINT64_MAX, 0 };
	for (unsigned i = 0; i < eh.phnum; i++) {
		if (ph[i].type != PT_LOAD)
			continue;
		if (load_segment(image, &ph[i], t, out))
			return reject(why, "writing guest memory failed", -EFAULT);
	}
	return 0;
}
