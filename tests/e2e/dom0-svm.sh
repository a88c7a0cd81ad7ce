#!/bin/bash
# dom0 end to end on AMD SVM (QEMU TCG, nested paging): Kestrel boots
# Debian's kernel as dom0 with our initramfs and ACPI tables; dom0 finds
# the IOAPIC and LAPIC in the MADT, loads hvdev.ko and runs its self-check
# (hvctl version, list, info, dmesg and the /dev/hv conformance checks,
# domains, the ioclient guest served by dom0's hvdm through the I/O
# request ring and hvdev's event interrupt, a domain's memory read and
# written through foreign mappings and its weight set), prints DOM0-SELFTEST: PASS and
# powers off through ACPI S5.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

make --no-print-directory all dom0 >/dev/null 2>"$LOGDIR/dom0-build.err" ||
	{ fail dom0-build "make dom0 failed: $(tail -1 "$LOGDIR/dom0-build.err")"; exit 1; }

t=dom0-svm-selftest
qemu_boot $t 240 -m 1024 -kernel build/hv32.elf -append "exit=qemu" \
	-initrd "cache/dom0/vmlinuz console=ttyS0 kestrel.selftest=1,build/dom0/initramfs.cpio.gz"
if expect_qemu_status $t 0 &&
   expect_log $t 'dom0: Linux boot protocol 2\.[0-9]+' 'dom0: ACPI tables .* at 0x' \
	'Linux version 6\.' 'ACPI: RSDP 0x[0-9A-F]+ 000024 \(v02 KSTREL\)' \
	'IOAPIC\[0\]: apic_id 1, version 17, address 0xfec00000, GSI 0-23' \
	'ACPI: INT_SRC_OVR \(bus 0 bus_irq 0 global_irq 2 dfl dfl\)' \
	'\.\.TIMER: vector=0x[0-9a-f]+ apic1=0 pin1=2' 'ACPI: Using IOAPIC for interrupt routing' \
	'tsc: Detected [0-9]+\.[0-9]+ MHz processor' \
	'hvdev: Kestrel ABI 1\.1, .*events on GSI 5' \
	'hvdev: foreign-map window at 0x[0-9a-f]+, [0-9]+ pages' 'Domain-0 +0 ' \
	'\[io1\] ioclient: verdict 0' 'hvdm: domain [0-9]+ finished: served' \
	'wm0 \(domain [0-9]+, not populated\): killed none' \
	'domain [0-9]+ \(wm1\): gfns 0x40000\.\.0x4000f populated by domain 0' \
	'wm1 \(domain [0-9]+, 0x40000000 populated\): finished 1' \
	'sr \(domain [0-9]+, EAX 0x1234 at entry [0-9]+\): finished 112' \
	'hvdev-check: PASS foreign-mremap' 'hvdev-check: PASS foreign-destroy-while-mapped' \
	'hvdev-check: PASS foreign-limit-after-close' \
	'fm \(domain [0-9]+\): multiboot header at 0x200000: 1badb002 ' \
	'fm \(domain [0-9]+\): 4 words at 0x200ff8: ([0-9a-f]{8} ?){4} \(image' \
	'fm \(domain [0-9]+\): poked 0x12345678 at 0x500000, peeked 12345678' \
	'fm \(domain [0-9]+\): weight 256, then 1000/1000' \
	'refused as expected: hvctl peek [0-9]+ 0x800000: not the domain.s RAM' \
	'foreign: peek, poke and weight of fm \(domain [0-9]+\) done' \
	'DOM0-SELFTEST: PASS' \
	'domain 0 stopped: powered off through ACPI \(S5\)' &&
   expect_no_log $t "${DOM0_COMPLAINTS[@]}"; then
	pass $t
fi

# The same self-test on two CPUs: dom0 stays on CPU 0, the domains it
# creates are homed on CPU 1, and the I/O client there is served by hvdm in
# dom0 across CPUs (kick IPIs, destroy waiting for the home CPU).
t=dom0-svm-smp2
qemu_boot $t 300 -smp 2 -m 1024 -kernel build/hv32.elf -append "exit=qemu" \
	-initrd "cache/dom0/vmlinuz console=ttyS0 kestrel.selftest=1,build/dom0/initramfs.cpio.gz"
if expect_qemu_status $t 0 &&
   expect_log $t 'smp: 2 CPUs online' 'domain 0 \(Domain-0\) vCPU 0 starts on CPU 0' \
	'\(io1\) vCPU 0 starts on CPU 1' '\[io1\] ioclient: verdict 0' 'DOM0-SELFTEST: PASS' \
	'domain 0 stopped: powered off through ACPI \(S5\)' &&
   expect_no_log $t "${DOM0_COMPLAINTS[@]}"; then
	pass $t
fi

# A dom0 kernel that is not a kernel: refused with a reason, no crash.
t=dom0-bad-kernel
qemu_boot $t 30 -m 512 -kernel build/hv32.elf -append "exit=qemu" \
	-initrd "build/hv32.elf console=ttyS0"
expect_qemu_status $t 1 && expect_log $t 'dom0: cannot build it: no Linux setup header' && pass $t

# A dom0 kernel that panics (no init) and reboots: reported with the reason.
t=dom0-panic-reported
qemu_boot $t 120 -m 512 -kernel build/hv32.elf -append "exit=qemu" \
	-initrd "cache/dom0/vmlinuz console=ttyS0 panic=1 rdinit=/nonexistent init=/nonexistent,build/dom0/initramfs.cpio.gz"
expect_log $t 'Kernel panic' 'domain 0 (stopped|killed): (reset requested|triple fault)' \
	'kestrel: dom0 ended' && pass $t

# The same from a GRUB ISO (multiboot2, modules loaded by GRUB), as on a
# real machine.
t=dom0-grub-iso
iso=build/test-dom0.iso
if scripts/mkiso.sh $iso build/hv.elf 0 "exit=qemu" cache/dom0/vmlinuz \
	"console=ttyS0 acpi=off nolapic noapic kestrel.selftest=1" \
	build/dom0/initramfs.cpio.gz "initramfs"; then
	qemu_boot $t 240 -m 1024 -cdrom $iso
	expect_qemu_status $t 0 && expect_log $t 'boot: multiboot2 from "GRUB' 'DOM0-SELFTEST: PASS' && pass $t
else
	fail $t "could not build $iso"
fi
