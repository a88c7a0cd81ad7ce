#!/bin/bash
# dom0 without the hypervisor: Debian's kernel boots our initramfs directly
# under QEMU (TCG). Nothing here needs Kestrel; it checks the dom0 packaging
# and that everything fails cleanly where there is no hypervisor:
#   dom0-initramfs-boots  kestrel.selftest=1: the banner, hvdev's refusal to
#                         load (CPUID 0x40000000 is not "KestrelHV"), and
#                         "DOM0-SELFTEST: FAIL" with hvctl's one-line message
#                         and exit status 1; then a clean power-off
#   dom0-bare-shell       the console shell comes up with job control, and
#                         hvctl exits 1 with one line when /dev/hv is missing
#                         (list, info, create); insmod from the shell is
#                         refused too (ENODEV) and leaves no /dev/hv
# The module has no way to load without the hypervisor (no stand-ins): what
# it does with one is tested under Kestrel, tests/e2e/dom0-svm.sh (the
# self-check runs hvdev-check, the /dev/hv conformance checks, and starts
# domains).
# Builds what it needs first (make -f dom0/dom0.mk dom0: fetches into
# cache/dom0 on a cold cache, about 40 MB from Debian's archive).
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

KERNEL=cache/dom0/vmlinuz
INITRD=build/dom0/initramfs.cpio.gz
BARE_QEMU="-accel tcg -m 512 -display none -nodefaults -no-reboot"
CMDLINE="console=ttyS0 panic=-1"

start=$SECONDS
if ! make --no-print-directory -f dom0/dom0.mk dom0 > "$LOGDIR/dom0-build.out" 2>&1; then
	why="make dom0 failed: $(grep -v '^ ' "$LOGDIR/dom0-build.out" | tail -1) (see $LOGDIR/dom0-build.out)"
	for t in dom0-initramfs-boots dom0-bare-shell; do
		fail $t "$why"
	done
	exit 1
fi
echo "   (dom0 build: $((SECONDS - start)) s)"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

test_selftest_boot() {
	local t=dom0-initramfs-boots t0 line
	t0=$(now)
	LOG="$LOGDIR/dom0-bare-selftest.log"
	# shellcheck disable=SC2086
	timeout -s KILL 90 $QEMU $BARE_QEMU -serial "file:$LOG" -kernel $KERNEL -initrd $INITRD \
		-append "$CMDLINE kestrel.selftest=1" > "$LOGDIR/dom0-bare-selftest.qemu.out" 2>&1
	RC=$?
	echo "   (bare boot, selftest to power-off: $(elapsed "$t0" "$(now)") s)"
	if [ $RC = 137 ]; then
		fail $t "timed out after 90 s (log $LOG)"
		return
	fi
	if grep -a -q -E 'Kernel panic|BUG:|Oops' "$LOG"; then
		fail $t "$(grep -a -m1 -E 'Kernel panic|BUG:|Oops' "$LOG" | tr -d '\r') (log $LOG)"
		return
	fi
	expect_log $t "Kestrel dom0: type 'hvctl list'" \
		'hvdev: not running on Kestrel: CPUID 0x40000000 signature is "[^"]*", not "KestrelHV"' \
		'hvdev: refusing to load \(-ENODEV\)' 'reboot: Power down' || return
	line=$(grep -a '^DOM0-SELFTEST: ' "$LOG" | tr -d '\r' | tail -1)
	case $line in
	"DOM0-SELFTEST: FAIL hvctl version exited 1: hvctl: /dev/hv: No such file or directory"*)
		pass $t ;;
	"")
		fail $t "no DOM0-SELFTEST line (log $LOG)" ;;
	*)
		fail $t "unexpected: $line (log $LOG)" ;;
	esac
}

# An interactive boot: commands go to the console through a FIFO once the
# shell's prompt is there. Markers are computed by the shell ($((...))), so
# the echo of the typed line never matches them.

# send N COMMAND: types COMMAND, then waits (30 s at most) for its end.
send() {
	local n=$1 i
	# shellcheck disable=SC2016 # expanded by dom0's shell
	printf '%s; echo "END-$((%d + 0))"\n' "$2" "$n" >&3
	for ((i = 0; i < 150; i++)); do
		grep -a -q -E "^END-$n"$'\r?$' "$LOG" && return 0
		kill -0 "$qpid" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

test_shell_boot() {
	local fifo="$LOGDIR/dom0-bare-shell.in" qpid t0 tb="" i
	LOG="$LOGDIR/dom0-bare-shell.log"
	rm -f "$fifo" "$LOG"
	mkfifo "$fifo"
	t0=$(now)
	# shellcheck disable=SC2086
	timeout -s KILL 90 $QEMU $BARE_QEMU -serial stdio -kernel $KERNEL -initrd $INITRD \
		-append "$CMDLINE" < "$fifo" > "$LOG" 2> "$LOGDIR/dom0-bare-shell.qemu.out" &
	qpid=$!
	exec 3> "$fifo"
	for ((i = 0; i < 450; i++)); do
		[ -z "$tb" ] && grep -a -q "Kestrel dom0: type 'hvctl list'" "$LOG" && tb=$(now)
		grep -a -q 'dom0:/# ' "$LOG" && break
		kill -0 $qpid 2>/dev/null || break
		sleep 0.2
	done
	[ -n "$tb" ] && echo "   (bare boot to the dom0 banner: $(elapsed "$t0" "$tb") s)"
	# Input typed while the shell sets up its line editor can lose its first
	# characters: repeat a probe until the shell answers it, then type.
	if grep -a -q 'dom0:/# ' "$LOG"; then
		for ((i = 0; i < 20; i++)); do
			# shellcheck disable=SC2016 # expanded by dom0's shell
			echo 'echo "READY-$((6 * 7))"' >&3
			sleep 1
			grep -a -q '^READY-42' "$LOG" && break
		done
	fi
	if grep -a -q '^READY-42' "$LOG"; then
		# One command at a time: type-ahead would be echoed into the
		# output of the command still running.
		send 1 'tty' &&
		send 2 'hvctl list; echo "list-rc=$?"' &&
		send 3 "hvctl info 0 2>&1 | wc -l | sed 's/^ */info-lines=/'" &&
		send 4 'hvctl create t1 8 /guests/hypercall.elf; echo "create-rc=$?"' &&
		send 5 'insmod /lib/modules/hvdev.ko; echo "insmod-rc=$?"' &&
		send 6 'ls /dev/hv; echo "ls-rc=$?"' &&
		send 42 'true'
		echo 'poweroff -f' >&3
	fi
	wait $qpid
	RC=$?
	exec 3>&-
	rm -f "$fifo"
	tr -d '\r' < "$LOG" > "$LOG.txt"
	LOG="$LOG.txt"

	local t=dom0-bare-shell
	if ! grep -a -q '^READY-42' "$LOG"; then
		fail $t "no shell prompt, or the shell does not answer (QEMU status $RC, log $LOG)"
		return
	fi
	if ! grep -a -q '^END-42$' "$LOG"; then
		fail $t "the commands did not finish (QEMU status $RC, log $LOG)"
		return
	fi
	if grep -a -q 'job control turned off' "$LOG"; then
		fail $t "the shell has no controlling tty: job control is off (log $LOG)"
	else
		expect_log $t '^/dev/ttyS0$' \
			'^hvctl: /dev/hv: No such file or directory \(is hvdev.ko loaded' \
			'^list-rc=1$' '^info-lines=1$' '^create-rc=1$' \
			"^insmod: can't insert '/lib/modules/hvdev.ko': No such device" '^insmod-rc=19$' \
			'^ls: /dev/hv: No such file or directory$' '^ls-rc=1$' && pass $t
	fi
}

test_selftest_boot
test_shell_boot
