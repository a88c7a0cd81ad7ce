#!/bin/bash
# Scheduler weights (hv/sched.h): two CPU-bound guests share one CPU; the
# heavy one has twice the light one's work and four times its weight
# (module option weight=). With shares 4:1 the heavy one ends first (after
# 2.5 units of time, the light one after 3); with equal shares the light
# one would end first (after 2, the heavy one after 3). No time is
# compared: only the order in which the two end.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

make --no-print-directory guests >/dev/null || { fail weights "make guests failed"; exit 1; }
GUESTS="light heavy"
qemu_boot weights 180 -smp 1 -m 512 -kernel build/hv32.elf -append "exit=qemu test" \
	-initrd "build/guests/spin.elf spin name=light weight=128 spins=450000000 together,build/guests/spin.elf spin name=heavy weight=512 spins=900000000 together"
report_guest_tests weights
expect_qemu_status weights-run 0 && pass weights-run
first=$(grep -a -o -E '^domain [0-9]+ stopped: verdict 0' "$LOG" | head -1 | awk '{print $2}')
heavy=$(grep -a -o -E '^test heavy: starting in domain [0-9]+' "$LOG" | awk '{print $NF}')
if [ -n "$heavy" ] && [ "$first" = "$heavy" ]; then
	pass weights-heavier-ends-first
else
	fail weights-heavier-ends-first "domain ${first:-none} ended first, heavy is ${heavy:-unknown} (log $LOG)"
fi
