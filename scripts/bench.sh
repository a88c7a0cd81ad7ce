#!/bin/bash
# make bench: runs the bench guest under QEMU/SVM twice, in real time and
# with -icount shift=0 (the TSC then counts guest instructions, so the
# numbers are exact path lengths: hypervisor instructions per exit), and
# prints a table; JSON lands in build/bench.json. Never part of make test.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

make --no-print-directory all guests >/dev/null || exit 1
[ -f build/guests/bench.elf ] || { echo "bench: build/guests/bench.elf is missing"; exit 1; }

run() {
	local name=$1
	shift
	qemu_boot "$name" 120 -m 256 "$@" -kernel build/hv32.elf -append "exit=qemu test" \
		-initrd "build/guests/bench.elf bench vcpus=2"
	grep -a -E '^\[bench\] bench: ' "$LOG" | sed 's/^\[bench\] bench: //'
}

realtime=$(run bench-svm)
icount=$(run bench-svm-icount -icount shift=0 -rtc clock=vm)

# VMX: Bochs (whose TSC counts instructions at its ips rate, so these are
# path lengths too), the bench guest from a GRUB ISO.
scripts/mkiso.sh build/bench-vmx.iso build/hv.elf 0 "exit=bochs test" \
	build/guests/bench.elf "bench vcpus=2" >/dev/null
bochs_boot bench-vmx 300 build/bench-vmx.iso
vmx=$(grep -a -E '^\[bench\] bench: ' "$LOG" | sed 's/^\[bench\] bench: //')

printf '%-14s %12s %12s %14s %12s\n' "exit" "SVM min" "SVM median" "SVM icount" "VMX (Bochs)"
printf '%-14s %12s %12s %14s %12s\n' "" "(cycles)" "(cycles)" "(instr.)" "(instr.)"
json="{\"exits\": {"
first=1
while read -r name rest; do
	[ -n "$name" ] || continue
	min=$(sed -n 's/.*min=\([0-9]*\).*/\1/p' <<< "$rest")
	med=$(sed -n 's/.*median=\([0-9]*\).*/\1/p' <<< "$rest")
	imin=$(grep -E "^$name " <<< "$icount" | sed -n 's/.*min=\([0-9]*\).*/\1/p')
	vmin=$(grep -E "^$name " <<< "$vmx" | sed -n 's/.*min=\([0-9]*\).*/\1/p')
	printf '%-14s %12s %12s %14s %12s\n' "$name" "$min" "$med" "${imin:-?}" "${vmin:-?}"
	[ $first = 1 ] || json="$json, "
	first=0
	json="$json\"$name\": {\"min\": ${min:-null}, \"median\": ${med:-null}, \"icount_min\": ${imin:-null}, \"vmx_min\": ${vmin:-null}}"
done <<< "$realtime"
json="$json}}"
echo "$json" > build/bench.json
echo "JSON: build/bench.json"
