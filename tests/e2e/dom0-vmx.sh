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
	'sr \(domain [0-9]+, EAX 0x1234 at entry [0-9]+\): finished 112' \
	'hvdev: foreign-map window at 0x[0-9a-f]+, [0-9]+ pages' \
	'hvdev-check: PASS foreign-destroy-while-mapped' \
	'fm \(domain [0-9]+\): multiboot header at 0x200000: 1badb002 ' \
	'fm \(domain [0-9]+\): poked 0x12345678 at 0x500000, peeked 12345678' \
	'fm \(domain [0-9]+\): weight 256, then 1000/1000' \
	'foreign: peek, poke and weight of fm \(domain [0-9]+\) done' 'DOM0-SELFTEST: PASS' &&
   expect_no_log $t "${DOM0_COMPLAINTS[@]}"; then
	pass $t
elif [ "$st" != 0 ]; then
	fail $t "hypervisor status '$st', bochs rc $RC (log $LOG)"
fi
