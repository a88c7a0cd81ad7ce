// SPDX-License-Identifier: GPL-2.0
/*
 * hvdev: dom0's door to the Kestrel hypervisor, the misc device /dev/hv.
 *
 *  - ioctl HV_IOCTL_HYPERCALL (dom0/include/hvdev.h): issues one hypercall
 *    of hv/abi.h. The hypervisor walks the caller's page tables, so user
 *    buffers are bounced through kernel memory here, per hypercall, with
 *    size limits; hypercalls this module does not know are refused (they
 *    might take pointers it cannot check).
 *  - read()/poll(): sleep on a wait queue until the hypervisor signals an
 *    event: an edge on interrupt line `gsi` (module parameter), on which
 *    every event port this module binds is delivered; the handler counts
 *    it and wakes the queue. Nothing spins.
 *  - ioctl HV_IOCTL_IOREQ_SETUP and mmap(): the file becomes the device
 *    model of a client domain: a zeroed, physically contiguous page set
 *    (dom0 is identity-mapped, so its physical address is the gpa the
 *    hypervisor wants), an event port bound with the client as peer, and
 *    KHC_IOREQ_SETUP; mmap maps the page set into the device model. The
 *    pages outlive the file while the client exists (the hypervisor may
 *    still write them): they are freed once the client is destroyed.
 *  - ioctl HV_IOCTL_FOREIGN_MAP and mmap() at its offset: another domain's
 *    RAM in user space. The module owns dom0's foreign-map window (a hole
 *    of dom0's physical space, CPUID 0x40000002) and hands out its pages;
 *    the hypervisor maps the domain's frames there and the mmap maps the
 *    window pages. A window page the hypervisor has unmapped kills dom0
 *    when touched, so KHC_MEMORY_UNMAP_FOREIGN is made only once no page
 *    table maps it: when the last VMA of the mapping is closed (after its
 *    PTEs are zapped and flushed), or at release for a mapping never
 *    mmapped.
 *
 * It loads only under Kestrel (CPUID 0x40000000 signature "KestrelHV", ABI
 * major 1) and fails with -ENODEV elsewhere: there is no way to load it
 * without the hypervisor, and nothing in it stands in for one.
 * vmcall or vmmcall is chosen once, at load, by CPU vendor.
 */
#include <linux/acpi.h>
#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/ioport.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>

#include "hv/abi.h"   /* the hypervisor's ABI, shared verbatim */
#include "hv/ioreq.h" /* the request ring layout */
#include "hvdev.h"    /* dom0/include: the ioctl ABI */

/*
 * The event line. GSI 5: an ISA line (so it reaches the PIC too, and works
 * with noapic/acpi=off) that dom0's platform leaves free: no device of the
 * virtual platform uses it (timer 0/2, COM1 4, SCI 9) and the cloud kernel
 * probes nothing there.
 */
static unsigned int gsi = 5;
module_param(gsi, uint, 0444);
MODULE_PARM_DESC(gsi, "interrupt line (GSI 0..23) on which the hypervisor delivers events (default 5)");

static bool hv_vmmcall;   /* AMD/Hygon: vmmcall, else vmcall */
static u32 hv_abi;
static u32 hv_max_leaf;   /* CPUID 0x40000000 EAX */
static int hv_irq = -1;   /* Linux IRQ of `gsi`, or -1 when events are unavailable */

static DECLARE_WAIT_QUEUE_HEAD(hv_wq);
static atomic64_t hv_events = ATOMIC64_INIT(0);

/* A client's page set and event port, as given to the hypervisor. */
struct hv_ioreq {
	struct list_head node; /* on hv_orphans once its file is closed */
	u32 client;
	u32 port;
	void *pages;           /* alloc_pages_exact, zeroed */
	size_t size;           /* bytes, whole pages */
};

/* Page sets whose file was closed while the client still existed. */
static LIST_HEAD(hv_orphans);
static DEFINE_MUTEX(hv_orphans_lock);

/*
 * dom0's foreign-map window: guest-physical pages where the hypervisor
 * puts other domains' frames on request. One bit per page, set while a
 * mapping holds it. A window larger than HV_WINDOW_PAGES_MAX is used only
 * up to that (the bitmap stays small).
 */
#define HV_WINDOW_PAGES_MAX (1ul << 24)
static u64 hv_window_gfn;
static unsigned long hv_window_pages; /* 0: no window, no foreign mappings */
static unsigned long *hv_window_map;
static DEFINE_MUTEX(hv_window_lock);

struct hv_file;

/*
 * One KHC_MEMORY_MAP_FOREIGN mapping, made by HV_IOCTL_FOREIGN_MAP. It
 * belongs to its file until mmapped, then to the VMAs that map it (more
 * than one only for a moment, while mremap moves it).
 */
struct hv_foreign {
	struct list_head node;  /* on hf->foreign, under hf->lock */
	struct hv_file *hf;
	unsigned long slot;     /* first page, window-relative */
	unsigned long count;
	unsigned int vmas;      /* VMAs mapping it, under hf->lock */
	bool mmapped;           /* given to a VMA: the offset is used up */
};

struct hv_file {
	atomic64_t seen;       /* hv_events value at this file's last read */
	struct mutex lock;     /* io, foreign */
	struct hv_ioreq *io;   /* the client this file serves, or NULL */
	struct list_head foreign; /* struct hv_foreign */
};

static long hv_call(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	register u64 r10 asm("r10") = a3;
	register u64 r8 asm("r8") = a4;
	register u64 r9 asm("r9") = a5;
	u64 rax = nr;

	if (hv_vmmcall)
		asm volatile("vmmcall"
			     : "+a"(rax), "+D"(a0), "+S"(a1), "+d"(a2), "+r"(r10), "+r"(r8), "+r"(r9)
			     : : "memory");
	else
		asm volatile("vmcall"
			     : "+a"(rax), "+D"(a0), "+S"(a1), "+d"(a2), "+r"(r10), "+r"(r8), "+r"(r9)
			     : : "memory");
	return (long)rax;
}

/* One event (any port): wakes every reader. */
static void hv_event_raise(void)
{
	atomic64_inc(&hv_events);
	wake_up_interruptible(&hv_wq);
}

static irqreturn_t hv_event_irq(int irq, void *dev)
{
	hv_event_raise();
	return IRQ_HANDLED;
}

/* KHC_CONSOLE_WRITE(const char *buf, len) */
static int hv_console_write(struct hv_hypercall *hc)
{
	const void __user *ubuf = u64_to_user_ptr(hc->args[0]);
	u64 len = hc->args[1];
	char *kbuf;

	if (len > HV_CONSOLE_WRITE_MAX)
		return -EINVAL;
	kbuf = kmalloc(len ? len : 1, GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;
	if (copy_from_user(kbuf, ubuf, len)) {
		kfree(kbuf);
		return -EFAULT;
	}
	hc->result = hv_call(KHC_CONSOLE_WRITE, (u64)kbuf, len, 0, 0, 0, 0);
	kfree(kbuf);
	return 0;
}

/* KHC_LOG_READ(char *buf, len, uint64_t *pos) */
static int hv_log_read(struct hv_hypercall *hc)
{
	void __user *ubuf = u64_to_user_ptr(hc->args[0]);
	u64 len = hc->args[1];
	u64 __user *upos = u64_to_user_ptr(hc->args[2]);
	u64 *kpos;
	char *kbuf;
	int err = 0;

	if (len > HV_LOG_READ_MAX)
		return -EINVAL;
	/* Up to 64 KiB: kvzalloc does not need that much contiguous memory
	 * (the hypervisor walks page tables, vmalloc space is fine). */
	kbuf = kvzalloc(len ? len : 1, GFP_KERNEL);
	kpos = kmalloc(sizeof(*kpos), GFP_KERNEL);
	if (!kbuf || !kpos) {
		err = -ENOMEM;
		goto out;
	}
	if (get_user(*kpos, upos)) {
		err = -EFAULT;
		goto out;
	}
	hc->result = hv_call(KHC_LOG_READ, (u64)kbuf, len, (u64)kpos, 0, 0, 0);
	if (hc->result < 0)
		goto out;
	if ((u64)hc->result > len) {
		pr_warn_ratelimited("hvdev: KHC_LOG_READ returned %lld for a %llu-byte buffer\n",
				    hc->result, len);
		hc->result = len;
	}
	if (copy_to_user(ubuf, kbuf, hc->result) || put_user(*kpos, upos))
		err = -EFAULT;
out:
	kfree(kpos);
	kvfree(kbuf);
	return err;
}

/* KHC_DOMAIN_LIST(struct kestrel_domain_info *out, max) */
static int hv_domain_list(struct hv_hypercall *hc)
{
	void __user *uout = u64_to_user_ptr(hc->args[0]);
	u64 max = hc->args[1];
	struct kestrel_domain_info *k;
	u64 n;
	int err = 0;

	if (max > HV_DOMAIN_LIST_MAX)
		return -EINVAL;
	k = kvcalloc(max ? max : 1, sizeof(*k), GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	hc->result = hv_call(KHC_DOMAIN_LIST, (u64)k, max, 0, 0, 0, 0);
	if (hc->result > 0) {
		n = min_t(u64, hc->result, max);
		if (copy_to_user(uout, k, n * sizeof(*k)))
			err = -EFAULT;
	}
	kvfree(k);
	return err;
}

/* KHC_DOMAIN_INFO(domid, struct kestrel_domain_info *out) */
static int hv_domain_info(struct hv_hypercall *hc)
{
	void __user *uout = u64_to_user_ptr(hc->args[1]);
	struct kestrel_domain_info *k;
	int err = 0;

	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	hc->result = hv_call(KHC_DOMAIN_INFO, hc->args[0], (u64)k, 0, 0, 0, 0);
	if (hc->result == 0 && copy_to_user(uout, k, sizeof(*k)))
		err = -EFAULT;
	kfree(k);
	return err;
}

/* KHC_DOMAIN_CREATE(const struct kestrel_domain_config *): the hypervisor
 * checks the fields; here only the copy. */
static int hv_domain_create(struct hv_hypercall *hc)
{
	const void __user *ucfg = u64_to_user_ptr(hc->args[0]);
	struct kestrel_domain_config *k;

	k = kmalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	if (copy_from_user(k, ucfg, sizeof(*k))) {
		kfree(k);
		return -EFAULT;
	}
	hc->result = hv_call(KHC_DOMAIN_CREATE, (u64)k, 0, 0, 0, 0, 0);
	kfree(k);
	return 0;
}

/*
 * KHC_DOMAIN_LOAD(domid, const void *image, len, const char *cmdline):
 * the image (up to KESTREL_IMAGE_MAX) into a vmalloc buffer (the hypervisor
 * walks page tables, so it need not be contiguous), the command line up to
 * its NUL (KESTREL_CMDLINE_MAX with the NUL; a NULL cmdline is an empty
 * one). Over a limit: E2BIG, as the hypervisor would answer. len 0 is
 * passed on (with no buffer) for the hypervisor to refuse.
 */
static int hv_domain_load(struct hv_hypercall *hc)
{
	const void __user *uimage = u64_to_user_ptr(hc->args[1]);
	const char __user *ucmd = u64_to_user_ptr(hc->args[3]);
	u64 len = hc->args[2];
	void *image = NULL;
	char *cmd = NULL;
	long n;
	int err = 0;

	if (len > KESTREL_IMAGE_MAX)
		return -E2BIG;
	if (ucmd) {
		cmd = kmalloc(KESTREL_CMDLINE_MAX, GFP_KERNEL);
		if (!cmd)
			return -ENOMEM;
		n = strncpy_from_user(cmd, ucmd, KESTREL_CMDLINE_MAX);
		if (n < 0) {
			err = -EFAULT;
			goto out;
		}
		if (n >= KESTREL_CMDLINE_MAX) {
			err = -E2BIG;
			goto out;
		}
	}
	if (len) {
		image = vmalloc(len);
		if (!image) {
			err = -ENOMEM;
			goto out;
		}
		if (copy_from_user(image, uimage, len)) {
			err = -EFAULT;
			goto out;
		}
	}
	hc->result = hv_call(KHC_DOMAIN_LOAD, hc->args[0], (u64)image, len, (u64)cmd, 0, 0);
out:
	vfree(image);
	kfree(cmd);
	return err;
}

/* KHC_VCPU_SET_REGS(domid, vcpu, const struct kestrel_vcpu_regs *): the
 * hypervisor checks the values; here only the copy. */
static int hv_vcpu_set_regs(struct hv_hypercall *hc)
{
	const void __user *uregs = u64_to_user_ptr(hc->args[2]);
	struct kestrel_vcpu_regs *k;

	k = kmalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	if (copy_from_user(k, uregs, sizeof(*k))) {
		kfree(k);
		return -EFAULT;
	}
	hc->result = hv_call(KHC_VCPU_SET_REGS, hc->args[0], hc->args[1], (u64)k, 0, 0, 0);
	kfree(k);
	return 0;
}

static int hv_hypercall(struct hv_hypercall *hc)
{
	const u64 *a = hc->args;

	switch (hc->nr) {
	case KHC_VERSION:
	case KHC_ECHO:
		hc->result = hv_call(hc->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		return 0;
	case KHC_CONSOLE_WRITE:
		return hv_console_write(hc);
	case KHC_LOG_READ:
		return hv_log_read(hc);
	case KHC_DOMAIN_LIST:
		return hv_domain_list(hc);
	case KHC_DOMAIN_INFO:
		return hv_domain_info(hc);
	case KHC_DOMAIN_CREATE:
		return hv_domain_create(hc);
	case KHC_DOMAIN_LOAD:
		return hv_domain_load(hc);
	case KHC_DOMAIN_DESTROY:
	case KHC_DOMAIN_PAUSE:
	case KHC_DOMAIN_UNPAUSE:
		/* (domid): nothing to bounce; the other registers are zeroed. */
		hc->result = hv_call(hc->nr, a[0], 0, 0, 0, 0, 0);
		return 0;
	case KHC_VCPU_SET_REGS:
		return hv_vcpu_set_regs(hc);
	case KHC_MEMORY_POPULATE:
		/* (domid, gfn, count): numbers only, checked by the hypervisor. */
		hc->result = hv_call(hc->nr, a[0], a[1], a[2], 0, 0, 0);
		return 0;
	case KHC_DOMAIN_SET_WEIGHT:
		/* (domid, weight): numbers only, checked by the hypervisor. */
		hc->result = hv_call(hc->nr, a[0], a[1], 0, 0, 0, 0);
		return 0;
	case KHC_IOREQ_ROUTE:
		/* (client, type, first, last, flags): numbers only, checked by the hypervisor. */
		hc->result = hv_call(hc->nr, a[0], a[1], a[2], a[3], a[4], 0);
		return 0;
	case KHC_IOREQ_COMPLETE:
	case KHC_EVENT_NOTIFY:
		/* (client, vcpu) and (domid, port) */
		hc->result = hv_call(hc->nr, a[0], a[1], 0, 0, 0, 0);
		return 0;
	case KHC_IOREQ_SETUP:  /* a physical address: HV_IOCTL_IOREQ_SETUP */
	case KHC_EVENT_BIND:   /* the module owns the event line and its ports */
	case KHC_EVENT_UNBIND:
	case KHC_MEMORY_MAP_FOREIGN:   /* the window is the module's: HV_IOCTL_FOREIGN_MAP */
	case KHC_MEMORY_UNMAP_FOREIGN: /* user PTEs may still map the pages */
	default:
		return -EINVAL;
	}
}

/* Frees a page set the hypervisor no longer uses, and its port. */
static void hv_ioreq_free(struct hv_ioreq *io)
{
	long r = hv_call(KHC_EVENT_UNBIND, io->port, 0, 0, 0, 0, 0);

	/* -EINVAL: the hypervisor already dropped the port with the client. */
	if (r && r != -EINVAL)
		pr_warn("hvdev: KHC_EVENT_UNBIND(%u) for client %u returned %ld\n",
			io->port, io->client, r);
	pr_info("hvdev: domain %u is gone: its ring (%zu bytes) and event port %u are freed\n",
		io->client, io->size, io->port);
	free_pages_exact(io->pages, io->size);
	kfree(io);
}

/*
 * Whether the hypervisor may still use a client's page set: until the
 * client is destroyed (KHC_DOMAIN_INFO fails with -ESRCH). When in doubt
 * (no memory, another error) the answer is yes.
 */
static bool hv_client_exists(u32 client)
{
	struct kestrel_domain_info *k = kzalloc(sizeof(*k), GFP_KERNEL);
	long r;

	if (!k)
		return true;
	r = hv_call(KHC_DOMAIN_INFO, client, (u64)k, 0, 0, 0, 0);
	kfree(k);
	return r != -ESRCH;
}

/* Frees the orphaned page sets whose clients are gone; returns how many are left. */
static unsigned int hv_reap_orphans(void)
{
	struct hv_ioreq *io, *tmp;
	unsigned int left = 0;

	mutex_lock(&hv_orphans_lock);
	list_for_each_entry_safe(io, tmp, &hv_orphans, node) {
		if (hv_client_exists(io->client)) {
			left++;
			continue;
		}
		list_del(&io->node);
		hv_ioreq_free(io);
	}
	mutex_unlock(&hv_orphans_lock);
	return left;
}

static size_t hv_ioreq_layout(u32 vcpus, u32 entries)
{
	if (vcpus < 1 || vcpus > IOREQ_MAX_VCPUS || entries < 2 ||
	    entries > IOREQ_MAX_RING_ENTRIES || !is_power_of_2(entries))
		return 0;
	return IOREQ_SLOTS_OFFSET + vcpus * sizeof(struct ioreq_slot) +
	       entries * sizeof(struct ioreq_request);
}

/* HV_IOCTL_IOREQ_SETUP: see hvdev.h. */
static int hv_ioreq_setup(struct hv_file *hf, struct hv_ioreq_setup *s)
{
	struct hv_ioreq *io;
	size_t need = hv_ioreq_layout(s->vcpus, s->ring_entries);
	long port, r;
	int err = 0;

	s->port = 0;
	s->size = 0;
	s->gpa = 0;
	s->failed = 0;
	s->result = 0;
	if (!need || s->flags > KESTREL_IOREQ_DEAD_FLOAT)
		return -EINVAL;
	if (hv_irq < 0)
		return -ENODEV;
	hv_reap_orphans();
	mutex_lock(&hf->lock);
	if (hf->io) {
		err = -EBUSY;
		goto out;
	}
	io = kzalloc(sizeof(*io), GFP_KERNEL);
	if (!io) {
		err = -ENOMEM;
		goto out;
	}
	io->client = s->client;
	io->size = PAGE_ALIGN(need);
	io->pages = alloc_pages_exact(io->size, GFP_KERNEL | __GFP_ZERO);
	if (!io->pages) {
		kfree(io);
		err = -ENOMEM;
		goto out;
	}
	port = hv_call(KHC_EVENT_BIND, s->client, gsi, 0, 0, 0, 0);
	if (port < 0) {
		s->failed = KHC_EVENT_BIND;
		s->result = port;
		goto fail;
	}
	io->port = port;
	r = hv_call(KHC_IOREQ_SETUP, s->client, virt_to_phys(io->pages), io->size,
		    s->ring_entries, io->port, s->flags);
	if (r < 0) {
		s->failed = KHC_IOREQ_SETUP;
		s->result = r;
		/* Refused: the hypervisor holds neither the pages nor the port. */
		r = hv_call(KHC_EVENT_UNBIND, io->port, 0, 0, 0, 0, 0);
		if (r)
			pr_warn("hvdev: KHC_EVENT_UNBIND(%u) returned %ld\n", io->port, r);
		goto fail;
	}
	hf->io = io;
	s->port = io->port;
	s->size = io->size;
	s->gpa = virt_to_phys(io->pages);
	goto out;
fail:
	free_pages_exact(io->pages, io->size);
	kfree(io);
out:
	mutex_unlock(&hf->lock);
	return err;
}

/* Window pages [slot, slot + count) are free again. */
static void hv_window_free(unsigned long slot, unsigned long count)
{
	mutex_lock(&hv_window_lock);
	bitmap_clear(hv_window_map, slot, count);
	mutex_unlock(&hv_window_lock);
}

/*
 * Ends a mapping no page table maps any more (its VMAs are closed, or it
 * was never mmapped): only now may the hypervisor take the pages away.
 */
static void hv_foreign_end(struct hv_foreign *fm)
{
	long r = hv_call(KHC_MEMORY_UNMAP_FOREIGN, hv_window_gfn + fm->slot, 0, 0, 0, 0, 0);

	if (r)
		/* Still mapped, perhaps: reusing the pages would collide. */
		pr_warn("hvdev: KHC_MEMORY_UNMAP_FOREIGN(%#llx) returned %ld: %lu window pages leaked\n",
			hv_window_gfn + fm->slot, r, fm->count);
	else
		hv_window_free(fm->slot, fm->count);
	kfree(fm);
}

/* HV_IOCTL_FOREIGN_MAP: see hvdev.h. */
static int hv_foreign_map(struct hv_file *hf, struct hv_foreign_map *m)
{
	struct hv_foreign *fm;
	unsigned long slot;
	long r;

	m->offset = 0;
	if (m->flags || m->count == 0 || m->count > KESTREL_FOREIGN_MAP_PAGES_MAX ||
	    m->gfn >= KESTREL_GFN_LIMIT || m->count > KESTREL_GFN_LIMIT - m->gfn)
		return -EINVAL;
	if (!hv_window_pages)
		return -ENODEV;
	fm = kzalloc(sizeof(*fm), GFP_KERNEL);
	if (!fm)
		return -ENOMEM;
	mutex_lock(&hv_window_lock);
	slot = bitmap_find_next_zero_area(hv_window_map, hv_window_pages, 0, m->count, 0);
	if (slot < hv_window_pages)
		bitmap_set(hv_window_map, slot, m->count);
	mutex_unlock(&hv_window_lock);
	if (slot >= hv_window_pages) {
		kfree(fm);
		return -ENOSPC;
	}
	r = hv_call(KHC_MEMORY_MAP_FOREIGN, m->domid, m->gfn, m->count, hv_window_gfn + slot, 0, 0);
	if (r < 0) {
		hv_window_free(slot, m->count);
		kfree(fm);
		return r >= -MAX_ERRNO ? r : -EIO;
	}
	fm->hf = hf;
	fm->slot = slot;
	fm->count = m->count;
	mutex_lock(&hf->lock);
	list_add_tail(&fm->node, &hf->foreign);
	mutex_unlock(&hf->lock);
	m->offset = HV_FOREIGN_MMAP_BASE + ((u64)slot << PAGE_SHIFT);
	return 0;
}

/* mremap copies the VMA (open) before the old one is closed. */
static void hv_foreign_vm_open(struct vm_area_struct *vma)
{
	struct hv_foreign *fm = vma->vm_private_data;

	mutex_lock(&fm->hf->lock);
	fm->vmas++;
	mutex_unlock(&fm->hf->lock);
}

/* Runs once the VMA's PTEs are zapped and the TLBs flushed. */
static void hv_foreign_vm_close(struct vm_area_struct *vma)
{
	struct hv_foreign *fm = vma->vm_private_data;
	struct hv_file *hf = fm->hf;
	bool last;

	mutex_lock(&hf->lock);
	last = --fm->vmas == 0;
	if (last)
		list_del(&fm->node);
	mutex_unlock(&hf->lock);
	if (last)
		hv_foreign_end(fm);
}

/* A piece of the mapping would outlive the rest, with the pages unmapped under it. */
static int hv_foreign_vm_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static const struct vm_operations_struct hv_foreign_vm_ops = {
	.open = hv_foreign_vm_open,
	.close = hv_foreign_vm_close,
	.may_split = hv_foreign_vm_may_split,
};

/* mmap of a foreign mapping: its offset, its whole length, once. */
static int hv_foreign_mmap(struct hv_file *hf, struct vm_area_struct *vma)
{
	unsigned long slot = vma->vm_pgoff - (HV_FOREIGN_MMAP_BASE >> PAGE_SHIFT);
	struct hv_foreign *fm, *found = NULL;
	int err;

	mutex_lock(&hf->lock);
	list_for_each_entry(fm, &hf->foreign, node) {
		if (fm->slot == slot) {
			found = fm;
			break;
		}
	}
	if (!found) {
		err = -EINVAL;
	} else if (found->mmapped) {
		err = -EBUSY;
	} else if (vma_pages(vma) != found->count) {
		err = -EINVAL;
	} else {
		vma->vm_flags |= VM_DONTEXPAND | VM_DONTCOPY | VM_DONTDUMP;
		vma->vm_flags &= ~VM_MAYEXEC;
		/*
		 * On failure the mapping stays the file's (mmap may be tried
		 * again; release ends it): the PTEs remap_pfn_range made are
		 * zapped only after this returns.
		 */
		err = remap_pfn_range(vma, vma->vm_start, hv_window_gfn + found->slot,
				      found->count << PAGE_SHIFT, vma->vm_page_prot);
		if (!err) {
			vma->vm_private_data = found;
			vma->vm_ops = &hv_foreign_vm_ops;
			found->mmapped = true;
			found->vmas = 1;
		}
	}
	mutex_unlock(&hf->lock);
	return err;
}

static long hv_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct hv_hypercall __user *uhc = (void __user *)arg;
	struct hv_ioreq_setup __user *us = (void __user *)arg;
	struct hv_foreign_map __user *um = (void __user *)arg;
	struct hv_ioreq_setup s;
	struct hv_foreign_map m;
	struct hv_hypercall hc;
	int err;

	if (cmd != HV_IOCTL_HYPERCALL && cmd != HV_IOCTL_IOREQ_SETUP && cmd != HV_IOCTL_FOREIGN_MAP)
		return -ENOTTY;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (cmd == HV_IOCTL_FOREIGN_MAP) {
		if (copy_from_user(&m, um, sizeof(m)))
			return -EFAULT;
		err = hv_foreign_map(f->private_data, &m);
		if (err)
			return err;
		/* Made: the file holds it until closed, whatever user space does. */
		if (put_user(m.offset, &um->offset))
			return -EFAULT;
		return 0;
	}
	if (cmd == HV_IOCTL_IOREQ_SETUP) {
		if (copy_from_user(&s, us, sizeof(s)))
			return -EFAULT;
		err = hv_ioreq_setup(f->private_data, &s);
		if (err)
			return err;
		/* Made: the hypervisor holds the pages now, whatever user space does. */
		if (copy_to_user(us, &s, sizeof(s)))
			return -EFAULT;
		return 0;
	}
	if (copy_from_user(&hc, uhc, sizeof(hc)))
		return -EFAULT;
	hc.result = 0;
	err = hv_hypercall(&hc);
	if (err)
		return err;
	if (put_user(hc.result, &uhc->result))
		return -EFAULT;
	return 0;
}

/*
 * Offset 0: the page set of HV_IOCTL_IOREQ_SETUP; HV_FOREIGN_MMAP_BASE and
 * up: a foreign mapping. Shared, never executable.
 */
static int hv_mmap(struct file *f, struct vm_area_struct *vma)
{
	struct hv_file *hf = f->private_data;
	unsigned long len = vma->vm_end - vma->vm_start;
	int err;

	if (!(vma->vm_flags & VM_SHARED) || (vma->vm_flags & VM_EXEC))
		return -EINVAL;
	if (vma->vm_pgoff >= HV_FOREIGN_MMAP_BASE >> PAGE_SHIFT)
		return hv_foreign_mmap(hf, vma);
	mutex_lock(&hf->lock);
	if (!hf->io) {
		err = -ENODEV;
	} else if (vma->vm_pgoff != 0 || len > hf->io->size) {
		err = -EINVAL;
	} else {
		vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
		vma->vm_flags &= ~VM_MAYEXEC;
		/* The vma holds the file, so the pages outlive the mapping's use. */
		err = remap_pfn_range(vma, vma->vm_start, virt_to_phys(hf->io->pages) >> PAGE_SHIFT,
				      len, vma->vm_page_prot);
	}
	mutex_unlock(&hf->lock);
	return err;
}

static int hv_open(struct inode *inode, struct file *f)
{
	struct hv_file *hf = kzalloc(sizeof(*hf), GFP_KERNEL);

	if (!hf)
		return -ENOMEM;
	atomic64_set(&hf->seen, atomic64_read(&hv_events));
	mutex_init(&hf->lock);
	INIT_LIST_HEAD(&hf->foreign);
	f->private_data = hf;
	return stream_open(inode, f);
}

/*
 * A client's page set is freed only once the client is gone: there is no
 * teardown hypercall, and the hypervisor writes the pages until it
 * forgets the client's service (when either domain is destroyed).
 */
static int hv_release(struct inode *inode, struct file *f)
{
	struct hv_file *hf = f->private_data;
	struct hv_foreign *fm, *tmp;

	/* Every VMA holds the file: what is left was never mmapped. */
	list_for_each_entry_safe(fm, tmp, &hf->foreign, node) {
		list_del(&fm->node);
		hv_foreign_end(fm);
	}
	if (hf->io) {
		mutex_lock(&hv_orphans_lock);
		list_add_tail(&hf->io->node, &hv_orphans);
		mutex_unlock(&hv_orphans_lock);
	}
	hv_reap_orphans();
	kfree(hf);
	return 0;
}

static ssize_t hv_read(struct file *f, char __user *buf, size_t len, loff_t *off)
{
	struct hv_file *hf = f->private_data;
	u64 seen, now, n;
	int err;

	if (len < sizeof(u64))
		return -EINVAL;
	for (;;) {
		seen = atomic64_read(&hf->seen);
		now = atomic64_read(&hv_events);
		if (now != seen) {
			if (atomic64_cmpxchg(&hf->seen, seen, now) != seen)
				continue; /* another reader of this file took them */
			break;
		}
		if (f->f_flags & O_NONBLOCK)
			return -EAGAIN;
		err = wait_event_interruptible(hv_wq,
					       atomic64_read(&hv_events) != atomic64_read(&hf->seen));
		if (err)
			return err;
	}
	n = now - seen;
	if (copy_to_user(buf, &n, sizeof(n)))
		return -EFAULT;
	return sizeof(n);
}

static __poll_t hv_poll(struct file *f, struct poll_table_struct *pt)
{
	struct hv_file *hf = f->private_data;

	poll_wait(f, &hv_wq, pt);
	if (atomic64_read(&hv_events) != atomic64_read(&hf->seen))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

static const struct file_operations hv_fops = {
	.owner = THIS_MODULE,
	.open = hv_open,
	.release = hv_release,
	.read = hv_read,
	.poll = hv_poll,
	.mmap = hv_mmap,
	.unlocked_ioctl = hv_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

static struct miscdevice hv_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "hv",
	.fops = &hv_fops,
	.mode = 0600,
};

/* Is this Kestrel? Fills hv_abi; prints why not. */
static bool hv_detect(void)
{
	u32 eax, ebx, ecx, edx;
	char sig[13];
	int i;

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR)) {
		pr_err("hvdev: not running on Kestrel: no hypervisor (CPUID.1:ECX[31] clear)\n");
		return false;
	}
	cpuid(0x40000000, &eax, &ebx, &ecx, &edx);
	if (ebx != KESTREL_CPUID_SIGNATURE_EBX || ecx != KESTREL_CPUID_SIGNATURE_ECX ||
	    edx != KESTREL_CPUID_SIGNATURE_EDX) {
		memcpy(sig, &ebx, 4);
		memcpy(sig + 4, &ecx, 4);
		memcpy(sig + 8, &edx, 4);
		sig[12] = 0;
		for (i = 0; i < 12 && sig[i]; i++)
			if (sig[i] < 0x20 || sig[i] > 0x7e)
				sig[i] = '?';
		pr_err("hvdev: not running on Kestrel: CPUID 0x40000000 signature is \"%s\", not \"KestrelHV\"\n",
		       sig);
		return false;
	}
	hv_max_leaf = eax;
	if (eax < 0x40000001) {
		pr_err("hvdev: Kestrel reports no ABI leaf (max leaf %#x)\n", eax);
		return false;
	}
	hv_abi = cpuid_eax(0x40000001);
	if (hv_abi >> 16 != KESTREL_ABI_MAJOR) {
		pr_err("hvdev: Kestrel ABI %u.%u, this module speaks %u.x\n",
		       hv_abi >> 16, hv_abi & 0xffff, KESTREL_ABI_MAJOR);
		return false;
	}
	return true;
}

/*
 * The foreign-map window (CPUID 0x40000002). The hypervisor promises a hole;
 * a window over dom0's own RAM would alias it, so it is refused.
 */
static void hv_window_init(void)
{
	u32 eax, ebx, ecx, edx;
	u64 gfn;
	unsigned long pages;

	if (hv_max_leaf < KESTREL_CPUID_FOREIGN_WINDOW) {
		pr_info("hvdev: no foreign-map window (max leaf %#x): no foreign mappings\n",
			hv_max_leaf);
		return;
	}
	cpuid(KESTREL_CPUID_FOREIGN_WINDOW, &eax, &ebx, &ecx, &edx);
	gfn = (u64)ebx << 32 | eax;
	pages = min_t(unsigned long, ecx, HV_WINDOW_PAGES_MAX);
	if (!pages) {
		pr_info("hvdev: no foreign-map window: no foreign mappings\n");
		return;
	}
	if (gfn >= KESTREL_GFN_LIMIT || pages > KESTREL_GFN_LIMIT - gfn ||
	    region_intersects(gfn << PAGE_SHIFT, (u64)pages << PAGE_SHIFT, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		pr_err("hvdev: foreign-map window at gfn %#llx (%lu pages) is not a hole of dom0: no foreign mappings\n",
		       gfn, pages);
		return;
	}
	hv_window_map = bitmap_zalloc(pages, GFP_KERNEL);
	if (!hv_window_map) {
		pr_err("hvdev: no memory for the foreign-map window's bitmap: no foreign mappings\n");
		return;
	}
	hv_window_gfn = gfn;
	hv_window_pages = pages;
	pr_info("hvdev: foreign-map window at %#llx, %lu pages\n", gfn << PAGE_SHIFT, pages);
}

/* The event line: GSI -> Linux IRQ (edge, active high, as the vIOAPIC and vPIC deliver). */
static void hv_event_init(void)
{
	int irq, err;

	if (gsi > KESTREL_EVENT_MAX_GSI) {
		pr_err("hvdev: gsi=%u is over %u: no events (hypercalls work)\n", gsi,
		       KESTREL_EVENT_MAX_GSI);
		return;
	}
	irq = acpi_register_gsi(NULL, gsi, ACPI_EDGE_SENSITIVE, ACPI_ACTIVE_HIGH);
	if (irq < 0) {
		pr_err("hvdev: GSI %u has no IRQ (%d): no events (hypercalls work)\n", gsi, irq);
		return;
	}
	err = request_irq(irq, hv_event_irq, 0, "hvdev", &hv_misc);
	if (err) {
		pr_err("hvdev: cannot request IRQ %d (GSI %u): %d: no events (hypercalls work); try hvdev.gsi=N\n",
		       irq, gsi, err);
		acpi_unregister_gsi(gsi);
		return;
	}
	hv_irq = irq;
}

static int __init hv_init(void)
{
	u32 eax, ebx, ecx, edx;
	long v;
	int err;

	BUILD_BUG_ON(sizeof(struct kestrel_domain_info) != 72);
	BUILD_BUG_ON(sizeof(struct kestrel_domain_config) != 48);
	BUILD_BUG_ON(sizeof(struct hv_hypercall) != 64);
	BUILD_BUG_ON(sizeof(struct hv_ioreq_setup) != 48);
	BUILD_BUG_ON(sizeof(struct hv_foreign_map) != 32);

	if (!hv_detect()) {
		pr_err("hvdev: refusing to load (-ENODEV)\n");
		return -ENODEV;
	}
	cpuid(0, &eax, &ebx, &ecx, &edx);
	/* "AuthenticAMD" and "HygonGenuine": SVM, vmmcall. */
	hv_vmmcall = (ebx == 0x68747541 && edx == 0x69746e65 && ecx == 0x444d4163) ||
		     (ebx == 0x6f677948 && edx == 0x6e65476e && ecx == 0x656e6975);
	v = hv_call(KHC_VERSION, 0, 0, 0, 0, 0, 0);
	if (v != hv_abi)
		pr_warn("hvdev: KHC_VERSION returned %ld, CPUID says %#x\n", v, hv_abi);
	hv_event_init();
	hv_window_init();
	err = misc_register(&hv_misc);
	if (err) {
		pr_err("hvdev: cannot register /dev/hv: %d\n", err);
		bitmap_free(hv_window_map);
		if (hv_irq >= 0) {
			free_irq(hv_irq, &hv_misc);
			acpi_unregister_gsi(gsi);
		}
		return err;
	}
	if (hv_irq >= 0)
		pr_info("hvdev: Kestrel ABI %u.%u, hypercalls by %s, events on GSI %u (IRQ %d), /dev/hv ready\n",
			hv_abi >> 16, hv_abi & 0xffff, hv_vmmcall ? "vmmcall" : "vmcall", gsi,
			hv_irq);
	else
		pr_info("hvdev: Kestrel ABI %u.%u, hypercalls by %s, no events, /dev/hv ready\n",
			hv_abi >> 16, hv_abi & 0xffff, hv_vmmcall ? "vmmcall" : "vmcall");
	return 0;
}

static void __exit hv_exit(void)
{
	struct hv_ioreq *io, *tmp;
	unsigned int left;

	misc_deregister(&hv_misc);
	/* Page sets of clients that still exist stay with the hypervisor. */
	left = hv_reap_orphans();
	if (left) {
		pr_warn("hvdev: unloading with %u clients' page sets still in the hypervisor's use: leaked\n",
			left);
		list_for_each_entry_safe(io, tmp, &hv_orphans, node) {
			list_del(&io->node);
			kfree(io); /* the bookkeeping only, never the pages */
		}
	}
	if (hv_irq >= 0) {
		free_irq(hv_irq, &hv_misc);
		acpi_unregister_gsi(gsi);
	}
	/* No file is open (they hold the module), so no mapping is left. */
	bitmap_free(hv_window_map);
}

module_init(hv_init);
module_exit(hv_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("Kestrel");
MODULE_DESCRIPTION("/dev/hv: hypercalls, events, I/O request rings and foreign mappings of the Kestrel hypervisor");
