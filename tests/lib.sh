# Helpers for the integration tests (sourced). Every emulator run has a
# timeout and keeps its serial log in build/test-logs/NAME.log; every check
# prints one "PASS name" or "FAIL name: why" line, which tests/run.sh counts.

LOGDIR=${LOGDIR:-build/test-logs}
mkdir -p "$LOGDIR"

QEMU=${QEMU:-qemu-system-x86_64}
QEMU_BASE="-accel tcg -cpu qemu64,+svm,+npt -display none -nodefaults -no-reboot
	-device isa-debug-exit,iobase=0xf4,iosize=0x4"

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

# qemu_boot NAME TIMEOUT QEMU-ARGS...: runs QEMU with its serial port in the
# log; sets RC to QEMU's exit status (124/137 on timeout).
qemu_boot() {
	local name=$1 limit=$2
	shift 2
	LOG="$LOGDIR/$name.log"
	# shellcheck disable=SC2086
	timeout -s KILL "$limit" $QEMU $QEMU_BASE -serial "file:$LOG" "$@" \
		> "$LOGDIR/$name.qemu.out" 2>&1
	RC=$?
}

# bochs_boot NAME TIMEOUT ISO [CPU-MODEL]: boots the ISO in Bochs, serial port
# in the log; sets RC and BOCHS_OUT (Bochs' own messages).
bochs_boot() {
	local name=$1 limit=$2 iso=$3 model=${4:-corei7_skylake_x}
	LOG="$LOGDIR/$name.log"
	BOCHS_OUT="$LOGDIR/$name.bochs.out"
	local rc="$LOGDIR/$name.bochsrc" dbg="$LOGDIR/$name.dbg"
	cat > "$rc" <<RC
megs: 256
cpu: model=$model, count=${BOCHS_CPUS:-1}, ips=200000000
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=cdrom, path=$iso, status=inserted
boot: cdrom
display_library: rfb, options="timeout=0"
com1: enabled=1, mode=file, dev=$LOG
log: $LOGDIR/$name.bochs.log
RC
	printf 'c\nquit\n' > "$dbg"
	rm -f "$LOG"
	timeout -s KILL "$limit" bochs -q -f "$rc" -rc "$dbg" > "$BOCHS_OUT" 2>&1
	RC=$?
}

# The hypervisor's own verdict line, or "none" when it never printed one.
hv_status() {
	local s
	s=$(grep -a -o 'kestrel: exit status [0-9]*' "$LOG" 2>/dev/null | tail -1)
	echo "${s##* }" | grep . || echo none
}

# expect_no_log NAME PATTERN [PATTERN...]: no extended regex may match the log.
# The FAIL line carries what explains a kernel complaint (the line before
# it, RIP, the first frames of the call trace): CI shows only that line.
expect_no_log() {
	local name=$1 p n context
	shift
	for p in "$@"; do
		n=$(grep -a -n -m1 -E -- "$p" "$LOG" | cut -d: -f1)
		[ -n "$n" ] || continue
		context=$(sed -n "$((n > 1 ? n - 1 : 1)),$((n + 40))p" "$LOG" | tr -d '\r' |
			awk -v first=$((n > 1 ? 2 : 1)) 'NR <= first || / RIP: / || / Comm: / { print; next }
				/Call Trace:/ { trace = 6; next }
				trace > 0 && !/<\/?TASK>/ { print; trace-- }' |
			sed 's/^\[ *[0-9.]*\] *//' | paste -s -d'|' | cut -c1-700)
		fail "$name" "log $LOG has: $context"
		return 1
	done
	return 0
}

# Linux's complaints about the virtual platform a dom0 must not make
# (an MSR that CPUID promised but the hypervisor refuses, a warning).
DOM0_COMPLAINTS=('unchecked MSR access' 'WARNING: CPU: [0-9]+ PID')

# expect NAME PATTERN [PATTERN...]: every extended regex must match the log.
expect_log() {
	local name=$1 p
	shift
	for p in "$@"; do
		if ! grep -a -q -E -- "$p" "$LOG"; then
			fail "$name" "log $LOG lacks /$p/"
			return 1
		fi
	done
	return 0
}

# expect_qemu_status NAME STATUS: QEMU ended through isa-debug-exit with the
# hypervisor status given (QEMU exits (status << 1) | 1; 0 means it crashed
# or triple-faulted, 137 that it hung).
expect_qemu_status() {
	local name=$1 want=$(( ($2 << 1) | 1 ))
	case $RC in
	"$want")
		# QEMU also exits 1 when it cannot load the kernel at all: the
		# hypervisor's own status line must agree.
		[ "$(hv_status)" = "$2" ] && return 0
		fail "$name" "QEMU exit status $RC but the hypervisor said '$(hv_status)' (log $LOG, $LOGDIR/$name.qemu.out)"
		return 1 ;;
	137|124) fail "$name" "timed out (log $LOG)" ;;
	0) fail "$name" "QEMU exited without a verdict: reset or triple fault (log $LOG)" ;;
	*) fail "$name" "QEMU exit status $RC, expected $want (log $LOG)" ;;
	esac
	return 1
}

# standalone_guests: the tests of the guest suites, each a guest alone but
# regs, which is two (regs1, regs2: one image, two domains sharing a CPU): all
# built guests but the benchmark, the I/O ring pair (tests/integration/
# ioreq.sh runs those together) and the weight test's spinner (weights.sh).
standalone_guests() {
	ls build/guests/*.elf 2>/dev/null | xargs -n1 basename 2>/dev/null | sed 's/\.elf$//' |
		grep -v -E '^(bench|iobench|ioclient|ioservice|spin)$' | sed 's/^regs$/regs1\nregs2/'
}

# The image of a test of standalone_guests.
guest_image() {
	case $1 in
	regs[12]) echo build/guests/regs.elf ;;
	*) echo "build/guests/$1.elf" ;;
	esac
}

# The module string for a test guest: its name plus how it must end (see
# hv/testrun.c): most report a verdict, some must triple-fault or halt.
guest_module_args() {
	case $1 in
	triplefault) echo "$1 expect=triple-fault" ;;
	hlt) echo "$1 expect=halt" ;;
	wildmem) echo "$1 expect=memory-kill" ;;
	# manages other domains (destroys them: from the boot CPU, the one
	# that destroys domains, docs/ARCHITECTURE.md), ends reading a page
	# it unmapped
	foreign) echo "$1 privileged cpu=0 expect=memory-kill" ;;
	smp|tsc) echo "$1 vcpus=2" ;;
	# one CPU for both, so that each runs while the other halts
	regs[12]) echo "regs name=$1 seed=${1#regs} cpu=0 together" ;;
	*) echo "$1" ;;
	esac
}

# report_guest_tests PREFIX: one PASS/FAIL line per "test NAME:" verdict in
# $LOG, for every guest in $GUESTS (a missing line is a failure).
report_guest_tests() {
	local prefix=$1 g line
	for g in $GUESTS; do
		line=$(grep -a -E "^test $g: (PASS|FAIL)" "$LOG" | tail -1)
		case $line in
		*": PASS"*) pass "$prefix-$g" ;;
		*": FAIL"*) fail "$prefix-$g" "${line#*: } (log $LOG)" ;;
		*) fail "$prefix-$g" "no verdict: the run ended before it (log $LOG)" ;;
		esac
	done
}
