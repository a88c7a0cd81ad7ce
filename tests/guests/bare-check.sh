#!/bin/bash
# Boots every test guest on bare QEMU (no hypervisor) and checks that each
# behaves as it must without Kestrel: exceptions and modes pass; cpuid, io,
# hypercall, msr, bench and long fail with a nonzero verdict (their features
# are the hypervisor's); triplefault resets the machine; hlt halts for good.
# This proves each guest runs and that the hypervisor-specific ones can fail.
# Prints one "PASS name" / "FAIL name: why" line per guest; exits nonzero if
# any failed. Serial logs: build/test-logs/bare-NAME.log.
# Usage: tests/guests/bare-check.sh [GUEST...]
cd "$(dirname "$0")/../.." || exit 1

QEMU=${QEMU:-qemu-system-x86_64}
LOGDIR=build/test-logs
mkdir -p "$LOGDIR"
make --no-print-directory guests >/dev/null || { echo "FAIL bare-guests: make guests failed"; exit 1; }

# boot NAME SECONDS: sets RC (QEMU's status: (verdict << 1) | 1 after a
# verdict, 0 after a reset with -no-reboot, 124 on timeout) and LOG.
boot() {
	LOG=$LOGDIR/bare-$1.log
	timeout -k 5 "$2" "$QEMU" -accel tcg -cpu qemu64 -m 64 -display none -nodefaults \
		-no-reboot -serial "file:$LOG" -device isa-debug-exit,iobase=0xf4,iosize=0x4 \
		-kernel "build/guests/$1.elf" >/dev/null 2>&1
	RC=$?
}

failed=0
pass() { echo "PASS bare-$1: $2"; }
fail() { echo "FAIL bare-$1: $2 (log $LOG)"; failed=1; }

check_guest() {
	local g=$1
	case $g in
	exceptions | modes)
		boot "$g" 30
		if [ "$RC" = 1 ]; then pass "$g" "verdict 0"; else fail "$g" "QEMU status $RC, want 1 (verdict 0)"; fi ;;
	cpuid | io | hypercall | msr | bench | long)
		boot "$g" 30
		if [ "$RC" -ge 3 ] && [ $((RC & 1)) = 1 ]; then
			pass "$g" "fails without Kestrel, verdict $((RC >> 1))"
		else
			fail "$g" "QEMU status $RC, want a nonzero verdict"
		fi ;;
	triplefault)
		boot "$g" 30
		if [ "$RC" = 0 ] && grep -q 'triplefault: about to triple fault' "$LOG"; then
			pass "$g" "machine reset after the announcement"
		else
			fail "$g" "QEMU status $RC, want 0 (reset) after 'about to triple fault'"
		fi ;;
	hlt)
		boot "$g" 5
		if [ "$RC" = 124 ] && grep -q 'hlt: halting with interrupts disabled' "$LOG" &&
			! grep -q 'verdict' "$LOG"; then
			pass "$g" "still halted after 5 s, no verdict"
		else
			fail "$g" "QEMU status $RC, want a halt with no verdict"
		fi ;;
	*)
		fail "$g" "no bare-QEMU expectation for this guest" ;;
	esac
}

guests=${*:-$(sed -n 's/^GUESTS\(64\)\? := //p' tests/guests/guests.mk)}
for g in $guests; do
	check_guest "$g"
done
exit $failed
