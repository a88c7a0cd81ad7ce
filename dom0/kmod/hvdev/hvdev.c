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
 * major 1) and fails with -ENODEV elsewhere: there is no way to load it
 * without the hypervisor, and nothing in it stands in for one.
 * vmcall or vmmcall is chosen once, at load, by CPU vendor.
 */
#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>

#include "hv/abi.h"  /* the hypervisor's ABI, shared verbatim */
#include "hvdev.h"   /* dom0/include: the ioctl ABI */

static bool hv_vmmcall;   /* AMD/Hygon: vmmcall, else vmcall */
static u32 hv_abi;

static DECLARE_WAIT_QUEUE_HEAD(hv_wq);
static atomic64_t hv_events = ATOMIC64_INIT(0);

struct hv_file {
	atomic64_t seen; /* hv_events value at this file's last read */
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

	BUILD_BUG_ON(sizeof(struct kestrel_domain_info) != 72);
	BUILD_BUG_ON(sizeof(struct kestrel_domain_config) != 48);
	BUILD_BUG_ON(sizeof(struct hv_hypercall) != 64);

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
	err = misc_register(&hv_misc);
	if (err) {
		pr_err("hvdev: cannot register /dev/hv: %d\n", err);
		return err;
	}
	pr_info("hvdev: Kestrel ABI %u.%u, hypercalls by %s, /dev/hv ready\n",
		hv_abi >> 16, hv_abi & 0xffff, hv_vmmcall ? "vmmcall" : "vmcall");
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
