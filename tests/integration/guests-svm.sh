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
	initrd="$initrd${initrd:+,}build/guests/$g.elf $(guest_module_args "$g")"
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
