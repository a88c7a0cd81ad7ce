#!/bin/bash
# The guest test suite on AMD SVM (QEMU TCG, no nrip-save or decode
# assists), nested paging: every guest in build/guests/ runs in its own
# domain, all in one boot of the hypervisor.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

make --no-print-directory guests >/dev/null || { fail svm-guests "make guests failed"; exit 1; }
GUESTS=$(standalone_guests)
[ -n "$GUESTS" ] || { fail svm-guests "no guests were built"; exit 1; }

initrd=""
for g in $GUESTS; do
	initrd="$initrd${initrd:+,}$(guest_image "$g") $(guest_module_args "$g")"
done
qemu_boot svm-guests 180 -m 512 -kernel build/hv32.elf -append "exit=qemu test" -initrd "$initrd"
report_guest_tests svm
# The run as a whole: all guests passed and the hypervisor lived to say so.
expect_qemu_status svm-guests-run 0 && pass svm-guests-run

# The same on two CPUs: each guest gets a home CPU in turn, so half of
# them run on the second CPU while the boot CPU waits.
qemu_boot svm-guests-smp2 180 -smp 2 -m 512 -kernel build/hv32.elf -append "exit=qemu test" \
	-initrd "$initrd"
report_guest_tests svm-smp2
if expect_qemu_status svm-guests-smp2-run 0 &&
	expect_log svm-guests-smp2-run 'vCPU 0 starts on CPU 1' 'vCPU 0 starts on CPU 0'; then
	pass svm-guests-smp2-run
fi

# Two domains at the same time on two CPUs (module option `together`): the
# scheduler counts, per CPU, the slices begun while the other CPU was in a
# guest; both counts must be non-zero, which cannot happen if everything
# ran on one CPU. Then 1000 domain create/load/run/destroy cycles on both
# CPUs (some destroyed while running on the other CPU) must give back
# every frame and heap block (`cycles=`, hv/domcycle.c).
t=svm-smp2-together
qemu_boot $t 180 -smp 2 -m 512 -kernel build/hv32.elf -append "exit=qemu test" \
	-initrd "build/guests/apic_hammer.elf together,build/guests/io.elf together,build/guests/hostile.elf cycles=1000"
if expect_qemu_status $t 0 &&
	expect_log $t 'test apic_hammer: PASS' 'test io: PASS' \
		'sched: domain [0-9]+ \(apic_hammer\) vCPU 0 starts on CPU [01]' \
		'sched: domain [0-9]+ \(io\) vCPU 0 starts on CPU [01]' \
		'sched: CPU 0 ran [0-9]+ slices, [1-9][0-9]* of them while another CPU was in a guest' \
		'sched: CPU 1 ran [0-9]+ slices, [1-9][0-9]* of them while another CPU was in a guest' \
		'test domain-cycles: PASS \(1000 of 1000 .* on 2 CPUs, [1-9][0-9]* paused and destroyed while running'; then
	pass $t
fi

# QEMU's `-cpu max`: XSAVE, AVX and 1 GiB pages, which qemu64 lacks. The
# register-state pair saves and loads through XSAVE with XCR0 7 against 3,
# and `long` reads a string operand through a 1 GiB page.
t=qemu-max
GUESTS="regs1 regs2 long"
initrd=""
for g in $GUESTS; do
	initrd="$initrd${initrd:+,}$(guest_image "$g") $(guest_module_args "$g")"
done
QEMU_BASE=${QEMU_BASE/qemu64,+svm,+npt/max} qemu_boot $t 120 -m 512 -kernel build/hv32.elf \
	-append "exit=qemu test" -initrd "$initrd"
report_guest_tests $t
if expect_qemu_status $t 0 && expect_log $t 'svm: enabled on CPU 0 .*nested paging' \
	'\[regs1\] regs: ok   loaded .*YMM0-7, XCR0 7' '\[long\] long: ok   rep outsb from a 1 GiB page'; then
	pass $t
fi
