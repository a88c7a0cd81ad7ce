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
		-initrd "build/guests/bench.elf bench"
	grep -a -E '^\[bench\] bench: ' "$LOG" | sed 's/^\[bench\] bench: //'
}

realtime=$(run bench-svm)
icount=$(run bench-svm-icount -icount shift=0 -rtc clock=vm)

printf '%-22s %16s %16s %22s\n' "SVM (QEMU TCG)" "min cycles" "median cycles" "icount: instructions"
json="{\"svm\": {"
first=1
while read -r name rest; do
	[ -n "$name" ] || continue
	min=$(sed -n 's/.*min=\([0-9]*\).*/\1/p' <<< "$rest")
	med=$(sed -n 's/.*median=\([0-9]*\).*/\1/p' <<< "$rest")
	imin=$(grep -E "^$name " <<< "$icount" | sed -n 's/.*min=\([0-9]*\).*/\1/p')
	printf '%-22s %16s %16s %22s\n' "$name" "$min" "$med" "${imin:-?}"
	[ $first = 1 ] || json="$json, "
	first=0
	json="$json\"$name\": {\"min\": ${min:-null}, \"median\": ${med:-null}, \"icount_min\": ${imin:-null}}"
done <<< "$realtime"
json="$json}}"
echo "$json" > build/bench.json
echo "JSON: build/bench.json"
