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
 *    event. The virtual interrupt that will call hv_event_raise() comes with
 *    event channels (issue 7); until then nothing wakes readers, and they
 *    sleep (never spin).
 *
 * It loads only under Kestrel (CPUID 0x40000000 signature "KestrelHV", ABI
 * major 1) and fails with -ENODEV elsewhere. Two parameters exist for tests
 * of the module and tools on machines without Kestrel (they are ignored
 * under Kestrel): allow_bare=1 keeps the device and fails every hypercall
 * with ENODEV; fake_hv=1 answers hypercalls with an in-module stand-in.
 * vmcall or vmmcall is chosen once, at load, by CPU vendor.
 */
#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>

#include "hv/abi.h"  /* the hypervisor's ABI, shared verbatim */
#include "hvdev.h"   /* dom0/include: the ioctl ABI */

static bool allow_bare;
module_param(allow_bare, bool, 0444);
MODULE_PARM_DESC(allow_bare, "load without Kestrel (tests of the module): every hypercall fails with ENODEV");

static bool fake_hv;
module_param(fake_hv, bool, 0444);
MODULE_PARM_DESC(fake_hv, "without Kestrel, answer hypercalls with an in-module stand-in (tests of the module and tools)");

static bool hv_present;   /* Kestrel found, or fake_hv: hypercalls may be issued */
static bool hv_vmmcall;   /* AMD/Hygon: vmmcall, else vmcall */
static u32 hv_abi;

static DECLARE_WAIT_QUEUE_HEAD(hv_wq);
static atomic64_t hv_events = ATOMIC64_INIT(0);

struct hv_file {
	atomic64_t seen; /* hv_events value at this file's last read */
};

static long hv_fake_call(u64 nr, u64 a0, u64 a1, u64 a2);

static long hv_call(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	register u64 r10 asm("r10") = a3;
	register u64 r8 asm("r8") = a4;
	register u64 r9 asm("r9") = a5;
	u64 rax = nr;

	if (unlikely(fake_hv))
		return hv_fake_call(nr, a0, a1, a2);
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

/*
 * fake_hv=1: a stand-in for the hypervisor with Kestrel's semantics, so that
 * the marshalling above and the tools can be tested on any machine. Like the
 * hypervisor, it sees only the kernel buffers (never user pointers).
 */
static const char hv_fake_log[] =
	"kestrel: fake hypervisor (hvdev fake_hv=1)\n"
	"kestrel: dom0 is Domain-0\n"
	"kestrel: log ends here\n";

static void hv_fake_dom0(struct kestrel_domain_info *d)
{
	memset(d, 0, sizeof(*d));
	d->state = KESTREL_DOMAIN_RUNNING;
	d->flags = KESTREL_DOMAIN_PRIVILEGED;
	d->vcpus = num_online_cpus();
	d->mem_bytes = (u64)totalram_pages() << PAGE_SHIFT;
	strscpy(d->name, "Domain-0", sizeof(d->name));
}

static long hv_fake_call(u64 nr, u64 a0, u64 a1, u64 a2)
{
	u64 *pos, n;

	switch (nr) {
	case KHC_VERSION:
		return KESTREL_ABI_VERSION;
	case KHC_ECHO:
		return a0;
	case KHC_CONSOLE_WRITE:
		if (a1 > 4096)
			return -EINVAL;
		n = a1;
		if (n && ((const char *)a0)[n - 1] == '\n')
			n--;
		pr_info("hvdev: fake console: %.*s\n", (int)n, (const char *)a0);
		return a1;
	case KHC_LOG_READ:
		pos = (u64 *)a2;
		if (*pos >= sizeof(hv_fake_log) - 1)
			return 0;
		n = min_t(u64, a1, sizeof(hv_fake_log) - 1 - *pos);
		memcpy((char *)a0, hv_fake_log + *pos, n);
		*pos += n;
		return n;
	case KHC_DOMAIN_LIST:
		if (a1 >= 1)
			hv_fake_dom0((struct kestrel_domain_info *)a0);
		return 1;
	case KHC_DOMAIN_INFO:
		if (a0 != 0)
			return -ESRCH;
		hv_fake_dom0((struct kestrel_domain_info *)a1);
		return 0;
	default:
		return -ENOSYS;
	}
}

/* Called by the event interrupt handler (issue 7): wakes every reader. */
static void __maybe_unused hv_event_raise(void)
{
	atomic64_inc(&hv_events);
	wake_up_interruptible(&hv_wq);
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

static int hv_hypercall(struct hv_hypercall *hc)
{
	const u64 *a = hc->args;

	switch (hc->nr) {
	case KHC_VERSION:
	case KHC_ECHO:
		if (!hv_present)
			return -ENODEV;
		hc->result = hv_call(hc->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		return 0;
	case KHC_CONSOLE_WRITE:
		return hv_present ? hv_console_write(hc) : -ENODEV;
	case KHC_LOG_READ:
		return hv_present ? hv_log_read(hc) : -ENODEV;
	case KHC_DOMAIN_LIST:
		return hv_present ? hv_domain_list(hc) : -ENODEV;
	case KHC_DOMAIN_INFO:
		return hv_present ? hv_domain_info(hc) : -ENODEV;
	default:
		return -EINVAL;
	}
}

static long hv_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct hv_hypercall __user *uhc = (void __user *)arg;
	struct hv_hypercall hc;
	int err;

	if (cmd != HV_IOCTL_HYPERCALL)
		return -ENOTTY;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
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

static int hv_open(struct inode *inode, struct file *f)
{
	struct hv_file *hf = kzalloc(sizeof(*hf), GFP_KERNEL);

	if (!hf)
		return -ENOMEM;
	atomic64_set(&hf->seen, atomic64_read(&hv_events));
	f->private_data = hf;
	return stream_open(inode, f);
}

static int hv_release(struct inode *inode, struct file *f)
{
	kfree(f->private_data);
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

static int __init hv_init(void)
{
	u32 eax, ebx, ecx, edx;
	long v;
	int err;

	BUILD_BUG_ON(sizeof(struct kestrel_domain_info) != 64);
	BUILD_BUG_ON(sizeof(struct hv_hypercall) != 64);

	hv_present = hv_detect();
	if (!hv_present && fake_hv) {
		hv_present = true;
		hv_abi = KESTREL_ABI_VERSION;
	} else {
		fake_hv = false; /* never in front of the real one */
	}
	if (!hv_present && !allow_bare) {
		pr_err("hvdev: refusing to load (-ENODEV)\n");
		return -ENODEV;
	}
	cpuid(0, &eax, &ebx, &ecx, &edx);
	/* "AuthenticAMD" and "HygonGenuine": SVM, vmmcall. */
	hv_vmmcall = (ebx == 0x68747541 && edx == 0x69746e65 && ecx == 0x444d4163) ||
		     (ebx == 0x6f677948 && edx == 0x6e65476e && ecx == 0x656e6975);
	if (hv_present) {
		v = hv_call(KHC_VERSION, 0, 0, 0, 0, 0, 0);
		if (v != hv_abi)
			pr_warn("hvdev: KHC_VERSION returned %ld, CPUID says %#x\n", v, hv_abi);
	}
	err = misc_register(&hv_misc);
	if (err) {
		pr_err("hvdev: cannot register /dev/hv: %d\n", err);
		return err;
	}
	if (fake_hv)
		pr_warn("hvdev: fake_hv=1: /dev/hv answered by a stand-in, not by a hypervisor\n");
	else if (hv_present)
		pr_info("hvdev: Kestrel ABI %u.%u, hypercalls by %s, /dev/hv ready\n",
			hv_abi >> 16, hv_abi & 0xffff, hv_vmmcall ? "vmmcall" : "vmcall");
	else
		pr_warn("hvdev: allow_bare=1: /dev/hv without a hypervisor, hypercalls fail with ENODEV\n");
	return 0;
}

static void __exit hv_exit(void)
{
	misc_deregister(&hv_misc);
}

module_init(hv_init);
module_exit(hv_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("Kestrel");
MODULE_DESCRIPTION("/dev/hv: hypercalls and events of the Kestrel hypervisor");
