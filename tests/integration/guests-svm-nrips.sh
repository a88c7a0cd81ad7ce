#!/bin/bash
# The guest suite on a second AMD configuration: Bochs' Ryzen model has SVM
# with nested paging AND nrip-save, which QEMU TCG lacks, so here instruction
# lengths come from the hardware (next_rip) instead of the decoder. All
# guests in one Bochs boot of the GRUB ISO.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

make --no-print-directory guests >/dev/null || { fail svm-nrips-guests "make guests failed"; exit 1; }
# Not triplefault: Bochs 2.7 resets the whole machine on a triple fault in
# an SVM guest instead of taking the SHUTDOWN intercept (QEMU's SVM and
# Bochs' VMX report it to the hypervisor; the QEMU suite covers it).
GUESTS=$(standalone_guests | grep -v '^triplefault$')
[ -n "$GUESTS" ] || { fail svm-nrips-guests "no guests were built"; exit 1; }

iso=build/test-svm-nrips-guests.iso
modules=()
for g in $GUESTS; do
	modules+=("$(guest_image "$g")" "$(guest_module_args "$g")")
done
scripts/mkiso.sh "$iso" build/hv.elf 0 "exit=bochs test" "${modules[@]}" ||
	{ fail svm-nrips-guests "mkiso failed"; exit 1; }
bochs_boot svm-nrips-guests 240 "$iso" ryzen

grep -a -q -E '^svm: enabled on CPU 0 .*nrip-save' "$LOG" ||
	fail svm-nrips-backend "SVM with nrip-save was not in use (log $LOG)"
report_guest_tests svm-nrips
st=$(hv_status)
if [ "$st" = 0 ] && grep -q 'Shutdown port: shutdown requested' "$BOCHS_OUT"; then
	pass svm-nrips-guests-run
else
	fail svm-nrips-guests-run "hypervisor status '$st', bochs rc $RC (log $LOG, $BOCHS_OUT)"
fi
