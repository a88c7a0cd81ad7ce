#!/bin/bash
# make bench: runs the bench guests under QEMU/SVM twice, in real time and
# with -icount shift=0 (the TSC then counts guest instructions, so the
# numbers are exact path lengths: hypervisor instructions per exit), and
# under Bochs/VMX (whose TSC counts instructions at its ips rate, so path
# lengths too); prints a table; JSON lands in build/bench.json. Never part
# of make test; nothing here judges a time.
#
# Three boots per emulator:
#   main      the bench guest (exits, hypercalls, timer, IPIs); the
#             ioservice guest serving the echo device to the iobench guest
#             (ioreq_roundtrip: a port read served by the service domain,
#             posted_write: a write to the posted port), both on one CPU
#             with the direct switch; then domain create/load/destroy
#             cycles (hv/domcycle.c; domain_cycle is the mean per cycle,
#             shown as both min and median)
#   nodirect  the pair again with direct_switch=off (rows *_nodirect)
#   smp2      the pair on two CPUs, service on CPU 0, client on CPU 1
#             (rows *_smp2; under -icount the two CPUs take turns and the
#             TSC counts both, so that column is not one path's length)
# Logs go to $LOGDIR (build/bench-logs unless set).
cd "$(dirname "$0")/.." || exit 1
LOGDIR=${LOGDIR:-build/bench-logs}
. tests/lib.sh

make --no-print-directory all guests >/dev/null || exit 1
for g in bench iobench ioservice; do
	[ -f build/guests/$g.elf ] || { echo "bench: build/guests/$g.elf is missing"; exit 1; }
done

# Bochs is slow: fewer create/destroy cycles there (the mean is what counts).
QEMU_CYCLES=1000
BOCHS_CYCLES=100

# modules BOOT CYCLES: "file args" lines for one boot.
modules() {
	case $1 in
	main)
		printf '%s\n' "build/guests/bench.elf bench vcpus=2" \
			"build/guests/ioservice.elf ioservice serve=iobench" \
			"build/guests/iobench.elf iobench" \
			"build/guests/iobench.elf iobench cycles=$2" ;;
	nodirect)
		printf '%s\n' "build/guests/ioservice.elf ioservice serve=iobench" \
			"build/guests/iobench.elf iobench" ;;
	smp2)
		printf '%s\n' "build/guests/ioservice.elf ioservice serve=iobench cpu=0" \
			"build/guests/iobench.elf iobench cpu=1" ;;
	esac
}

hv_args() {
	case $1 in
	nodirect) echo "test direct_switch=off" ;;
	*) echo "test" ;;
	esac
}

smp_of() {
	[ "$1" = smp2 ] && echo 2 || echo 1
}

# results BOOT: "NAME min=N median=N" from $LOG; rows of the pair boots
# other than main get the boot's name as a suffix. Also "rate NAME N":
# posted writes per second from the median and this boot's TSC rate (real
# time only; -icount and Bochs count instructions, not time).
results() {
	local suffix="" khz med
	[ "$1" = main ] || suffix="_$1"
	grep -a -E '^\[bench\] bench: ' "$LOG" | sed 's/^\[bench\] bench: //'
	grep -a -E '^\[iobench\] bench: ' "$LOG" | sed "s/^\[iobench\] bench: \([a-z_]*\)/\1$suffix/"
	grep -a -E '^domain-cycles: [0-9]+ TSC cycles per cycle' "$LOG" |
		sed 's/^domain-cycles: \([0-9]*\) .*/domain_cycle min=\1 median=\1/'
	khz=$(grep -a -o 'bench-info: tsc_khz=[0-9]*' "$LOG" | head -1 | sed 's/.*=//')
	med=$(grep -a -o 'bench: posted_write min=[0-9]* median=[0-9]*' "$LOG" | sed 's/.*median=//')
	[ -n "$khz" ] && [ -n "$med" ] && [ "$med" -gt 0 ] &&
		echo "rate posted_write$suffix $((khz * 1000 / med)) $khz"
}

# qemu_set NAME-PREFIX [QEMU ARGS]: the three boots under QEMU.
qemu_set() {
	local prefix=$1 boot initrd
	shift
	for boot in main nodirect smp2; do
		initrd=$(modules $boot $QEMU_CYCLES | paste -s -d,)
		qemu_boot "$prefix-$boot" 180 -smp "$(smp_of $boot)" -m 256 "$@" -kernel build/hv32.elf \
			-append "exit=qemu $(hv_args $boot)" -initrd "$initrd"
		results $boot
	done
}

bochs_set() {
	local boot args iso
	for boot in main nodirect smp2; do
		args=()
		while read -r file rest; do
			args+=("$file" "$rest")
		done < <(modules $boot $BOCHS_CYCLES)
		iso=build/bench-vmx-$boot.iso
		scripts/mkiso.sh "$iso" build/hv.elf 0 "exit=bochs $(hv_args $boot)" "${args[@]}" >/dev/null
		BOCHS_CPUS=$(smp_of $boot) bochs_boot "bench-vmx-$boot" 300 "$iso"
		results $boot
	done
}

realtime=$(qemu_set bench-svm)
icount=$(qemu_set bench-svm-icount -icount shift=0 -rtc clock=vm)
vmx=$(bochs_set)

printf '%-24s %12s %12s %14s %12s\n' "item" "SVM min" "SVM median" "SVM icount" "VMX (Bochs)"
printf '%-24s %12s %12s %14s %12s\n' "" "(cycles)" "(cycles)" "(instr.)" "(instr.)"
json="{\"exits\": {"
first=1
while read -r name rest; do
	[ -n "$name" ] || continue
	[ "$name" = rate ] && continue
	min=$(sed -n 's/.*min=\([0-9]*\).*/\1/p' <<< "$rest")
	med=$(sed -n 's/.*median=\([0-9]*\).*/\1/p' <<< "$rest")
	imin=$(grep -E "^$name " <<< "$icount" | sed -n 's/.*min=\([0-9]*\).*/\1/p')
	vmin=$(grep -E "^$name " <<< "$vmx" | sed -n 's/.*min=\([0-9]*\).*/\1/p')
	printf '%-24s %12s %12s %14s %12s\n' "$name" "$min" "$med" "${imin:-?}" "${vmin:-?}"
	[ $first = 1 ] || json="$json, "
	first=0
	json="$json\"$name\": {\"min\": ${min:-null}, \"median\": ${med:-null}, \"icount_min\": ${imin:-null}, \"vmx_min\": ${vmin:-null}}"
done <<< "$realtime"
json="$json}}"
echo "$json" > build/bench.json

grep -E '^rate ' <<< "$realtime" | while read -r _ row rate khz; do
	echo "$row: $rate writes/s (QEMU real time, median cost, TSC $khz kHz)"
done
echo "JSON: build/bench.json"
