#!/bin/bash
# I/O forwarding between two domains (hv/ioreq.c, docs/ABI.md): the
# ioservice guest serves the echo device to the ioclient guest through the
# request rings. Six pairs per boot: a healthy one; a service that dies
# holding a request under the float policy (the client reads all ones and
# finishes); the same under the kill policy (the client is killed); hostile
# services writing a stale DONE (refused, then served properly), an
# impossible slot state, and a consumer index past the producer's (both
# end the service's rights; the client reads all ones). Every
# run must also end with all memory back (the runner's leak check) and the
# hypervisor alive. QEMU/SVM with one CPU and with two (service and client
# on different CPUs, really in parallel), Bochs/SVM with nrip-save and
# Bochs/VMX.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

make --no-print-directory guests >/dev/null || { fail ioreq-guests "make guests failed"; exit 1; }
GUESTS="ioservice ioclient dyingservice floatclient killservice killedclient
	staleservice staleclient stateservice stateclient indexservice indexclient"

# pair_modules SERVICE-ARGS CLIENT-ARGS: "file args" for each pair member.
# $1 is appended to every service's args, $2 to every client's.
modules() {
	local s=$1 c=$2
	printf '%s\n' \
		"build/guests/ioservice.elf ioservice serve=ioclient $s" \
		"build/guests/ioclient.elf ioclient $c" \
		"build/guests/ioservice.elf ioservice name=dyingservice serve=floatclient die_after=40 policy=float expect=memory-kill $s" \
		"build/guests/ioclient.elf ioclient name=floatclient dead=float $c" \
		"build/guests/ioservice.elf ioservice name=killservice serve=killedclient die_after=40 expect=memory-kill $s" \
		"build/guests/ioclient.elf ioclient name=killedclient dead=kill expect=dm-kill $c" \
		"build/guests/ioservice.elf ioservice name=staleservice serve=staleclient hostile=stale $s" \
		"build/guests/ioclient.elf ioclient name=staleclient $c" \
		"build/guests/ioservice.elf ioservice name=stateservice serve=stateclient hostile=state policy=float expect=verdict $s" \
		"build/guests/ioclient.elf ioclient name=stateclient dead=float $c" \
		"build/guests/ioservice.elf ioservice name=indexservice serve=indexclient hostile=index policy=float $s" \
		"build/guests/ioclient.elf ioclient name=indexclient dead=float $c"
}

qemu_run() {
	local name=$1 smp=$2 svc=$3 cli=$4 initrd
	initrd=$(modules "$svc" "$cli" | paste -s -d,)
	qemu_boot "$name" 180 -smp "$smp" -m 512 -kernel build/hv32.elf -append "exit=qemu test" \
		-initrd "$initrd"
	report_guest_tests "$name"
	expect_qemu_status "$name-run" 0 && pass "$name-run"
}

qemu_run ioreq-svm 1 "" ""
# Two CPUs: the service on CPU 0, its client on CPU 1.
qemu_run ioreq-svm-smp2 2 "cpu=0" "cpu=1"
if expect_log ioreq-svm-smp2-parallel 'domain [0-9]+ \(ioclient\) vCPU 0 starts on CPU 1' \
	'domain [0-9]+ \(ioservice\) vCPU 0 starts on CPU 0'; then
	pass ioreq-svm-smp2-parallel
fi

# bochs_run NAME MODEL CPUS SERVICE-ARGS CLIENT-ARGS
bochs_run() {
	local name=$1 model=$2 cpus=$3 iso=build/test-$1.iso args=()
	while read -r file rest; do
		args+=("$file" "$rest")
	done < <(modules "$4" "$5")
	scripts/mkiso.sh "$iso" build/hv.elf 0 "exit=bochs test" "${args[@]}" ||
		{ fail "$name" "mkiso failed"; return; }
	BOCHS_CPUS=$cpus bochs_boot "$name" 400 "$iso" "$model"
	report_guest_tests "$name"
	[ "$(hv_status)" = 0 ] && pass "$name-run" || fail "$name-run" "hypervisor status $(hv_status) (log $LOG)"
}

bochs_run ioreq-vmx corei7_skylake_x 1 "" ""
bochs_run ioreq-vmx-smp2 corei7_skylake_x 2 "cpu=0" "cpu=1"
expect_log ioreq-vmx-smp2-parallel 'domain [0-9]+ \(ioclient\) vCPU 0 starts on CPU 1' \
	'domain [0-9]+ \(ioservice\) vCPU 0 starts on CPU 0' && pass ioreq-vmx-smp2-parallel
bochs_run ioreq-svm-nrips ryzen 1 "" ""
