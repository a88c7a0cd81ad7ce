#!/bin/bash
# The guest test suite on Intel VMX (Bochs, corei7_skylake_x: EPT,
# unrestricted guest, VPID): every guest in build/guests/ runs in its own
# domain, all in one Bochs boot of the GRUB ISO, which also runs the
# VM-entry failure diagnosis self-test (selftest=vmx-entry-fail).
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

make --no-print-directory guests >/dev/null || { fail vmx-guests "make guests failed"; exit 1; }
GUESTS=$(standalone_guests)
[ -n "$GUESTS" ] || { fail vmx-guests "no guests were built"; exit 1; }

iso=build/test-vmx-guests.iso
modules=()
for g in $GUESTS; do
	modules+=("$(guest_image "$g")" "$(guest_module_args "$g")")
done
scripts/mkiso.sh "$iso" build/hv.elf 0 "exit=bochs test selftest=vmx-entry-fail" "${modules[@]}" ||
	{ fail vmx-guests "mkiso failed"; exit 1; }
bochs_boot vmx-guests 240 "$iso"

# The entry-failure diagnosis: each corrupted scratch VMCS named correctly.
line=$(grep -a -E '^selftest vmx-entry-fail: (PASS|FAIL)' "$LOG" | tail -1)
case $line in
*": PASS"*) pass vmx-entry-fail-diagnosis ;;
*": FAIL"*) fail vmx-entry-fail-diagnosis "${line#*: } (log $LOG)" ;;
*) fail vmx-entry-fail-diagnosis "the self-test did not report (log $LOG)" ;;
esac
grep -a -q '^vmx: enabled' "$LOG" ||
	fail vmx-backend "the VMX backend was not the one in use (log $LOG)"
report_guest_tests vmx
# The run as a whole: all guests passed and Bochs stopped through its port.
st=$(hv_status)
if [ "$st" = 0 ] && grep -q 'Shutdown port: shutdown requested' "$BOCHS_OUT"; then
	pass vmx-guests-run
else
	fail vmx-guests-run "hypervisor status '$st', bochs rc $RC (log $LOG, $BOCHS_OUT)"
fi

# Two CPUs under Bochs VMX: two guests together on both CPUs (each CPU must
# begin slices while the other is in a guest), a two-vCPU guest, and
# domain create/destroy cycles across the CPUs (VMCSs built on the boot
# CPU, VMCLEARed there and loaded on the home CPU; destroyed while active
# there). Fewer cycles than under QEMU: Bochs is slow.
iso=build/test-vmx-smp2.iso
if scripts/mkiso.sh "$iso" build/hv.elf 0 "exit=bochs test" \
	build/guests/apic_hammer.elf "apic_hammer together" build/guests/io.elf "io together" \
	build/guests/smp.elf "smp vcpus=2" build/guests/hostile.elf "hostile cycles=40"; then
	t=vmx-smp2-together
	BOCHS_CPUS=2 bochs_boot $t 400 "$iso"
	if [ "$(hv_status)" = 0 ] &&
		expect_log $t 'smp: 2 CPUs online' 'vmx: enabled on CPU 1' \
			'test apic_hammer: PASS' 'test io: PASS' 'test smp: PASS' \
			'sched: CPU 0 ran [0-9]+ slices, [1-9][0-9]* of them while another CPU was in a guest' \
			'sched: CPU 1 ran [0-9]+ slices, [1-9][0-9]* of them while another CPU was in a guest' \
			'test domain-cycles: PASS \(40 of 40 .* on 2 CPUs'; then
		if grep -a -q 'vmx: vCPU released on CPU' "$LOG"; then
			fail $t "a VMCS was released on the wrong CPU (log $LOG)"
		else
			pass $t
		fi
	fi
else
	fail vmx-smp2-together "mkiso failed"
fi
