#!/bin/bash
# dom0 on Intel VMX: Bochs boots the GRUB ISO with Kestrel, Debian's kernel
# and our initramfs, dom0 runs its self-check (hvctl, /dev/hv) and powers
# off. About 75 s under Bochs.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

make --no-print-directory all dom0 >/dev/null 2>"$LOGDIR/dom0-vmx-build.err" ||
	{ fail dom0-vmx-build "make dom0 failed: $(tail -1 "$LOGDIR/dom0-vmx-build.err")"; exit 1; }

t=dom0-vmx-selftest
iso=build/test-dom0-vmx.iso
scripts/mkiso.sh $iso build/hv.elf 0 "exit=bochs" cache/dom0/vmlinuz \
	"console=ttyS0 kestrel.selftest=1" \
	build/dom0/initramfs.cpio.gz "initramfs" || { fail $t "could not build $iso"; exit 1; }
bochs_boot $t 1500 $iso
st=$(hv_status)
if [ "$st" = 0 ] && expect_log $t 'vmx: enabled' 'Linux version 6\.' 'hvdev: .*events on GSI 5' \
	'\[io1\] ioclient: verdict 0' 'wm0 \(domain [0-9]+, not populated\): killed none' \
	'wm1 \(domain [0-9]+, 0x40000000 populated\): finished 1' \
	'sr \(domain [0-9]+, EAX 0x1234 at entry [0-9]+\): finished 112' 'DOM0-SELFTEST: PASS'; then
	pass $t
elif [ "$st" != 0 ]; then
	fail $t "hypervisor status '$st', bochs rc $RC (log $LOG)"
fi
