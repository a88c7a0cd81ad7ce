#!/bin/bash
# Boot tests of the foundation: both multiboot protocols, QEMU -kernel and
# GRUB ISOs, small and large memory, the panic path, Bochs.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

HV32=build/hv32.elf
MOD_A=build/test-module-a.bin
MOD_B=build/test-module-b.bin
head -c 5000 /dev/urandom > "$MOD_A"
head -c 123 /dev/urandom > "$MOD_B"

# The RAM the hypervisor reports must match what QEMU was given: -m N MiB
# minus the BIOS' holes (a few hundred KiB) and at most the 4 GiB PCI hole.
ram_reported() { grep -a -o -E 'mem: [0-9]+ MiB RAM' "$LOG" | grep -o -E '[0-9]+' | head -1; }

test_multiboot1_kernel_512m() {
	local t=multiboot1-kernel-512m
	qemu_boot $t 30 -m 512 -kernel $HV32 -append "exit=qemu dom0=off selftest=frames,heap" \
		-initrd "$MOD_A dom0 console=hvc0 root=/dev/ram,$MOD_B second module"
	expect_qemu_status $t 0 || return
	expect_log $t '^Kestrel [0-9.]+ hypervisor' 'boot: multiboot1 from "qemu"' \
		'cmdline ".*exit=qemu dom0=off selftest=frames,heap"' \
		'module 0: [0-9a-f]+-[0-9a-f]+ \(5000 bytes\) "(\S+ )?dom0 console=hvc0 root=/dev/ram"' \
		'module 1: [0-9a-f]+-[0-9a-f]+ \(123 bytes\) "(\S+ )?second module"' \
		'selftest frames: [0-9]+ frames allocated, highest 0x[0-9a-f]+, 0 bad' \
		'selftest heap: ok' 'MiB free for domains' 'footprint: image [0-9]+ KiB' || return
	local ram; ram=$(ram_reported)
	[ -n "$ram" ] && [ "$ram" -ge 510 ] && [ "$ram" -le 512 ] ||
		{ fail $t "reported ${ram:-no} MiB RAM for -m 512"; return; }
	pass $t
}

test_multiboot1_kernel_5g() {
	local t=multiboot1-kernel-5g
	qemu_boot $t 60 -m 5G -kernel $HV32 -append "exit=qemu selftest=frames"
	expect_qemu_status $t 0 || return
	expect_log $t 'boot: multiboot1' 'highest RAM address 0x1[0-9a-f]{8},' || return
	local ram; ram=$(ram_reported)
	# QEMU puts 3 GiB (or 2 GiB) below the PCI hole and the rest above 4 GiB.
	[ -n "$ram" ] && [ "$ram" -ge 5100 ] && [ "$ram" -le 5120 ] ||
		{ fail $t "reported ${ram:-no} MiB RAM for -m 5G"; return; }
	# The allocator must hand out (and the direct map reach) frames above 4 GiB.
	expect_log $t 'selftest frames: [0-9]+ frames allocated, highest 0x1[0-9a-f]{8}, 0 bad' || return
	pass $t
}

test_panic_report() {
	local t=panic-report
	qemu_boot $t 30 -m 128 -kernel $HV32 -append "exit=qemu selftest=ud"
	expect_qemu_status $t 2 || return
	expect_log $t 'PANIC: unhandled exception' 'vector 6 \(#UD invalid opcode\)' \
		'RIP ffffffff8[0-9a-f]+ <selftest_fault_ud\+0x' 'RAX [0-9a-f]{16} RBX' \
		'R13 [0-9a-f]{16}' 'CR2 [0-9a-f]{16}' 'backtrace:' '<hv_main\+0x' || return
	pass $t
}

test_page_fault_report() {
	local t=page-fault-report
	qemu_boot $t 30 -m 128 -kernel $HV32 -append "exit=qemu selftest=pf"
	expect_qemu_status $t 2 || return
	expect_log $t 'vector 14 \(#PF page fault\), error code 0x2' \
		'CR2 000000000dead000' '<selftest_fault_pf\+0x' || return
	pass $t
}

test_bad_console_option_is_harmless() {
	local t=cmdline-garbage
	qemu_boot $t 30 -m 128 -kernel $HV32 \
		-append "exit=qemu console=com9 loglvl=99 exit=nonsense exit=qemu selftest=bogus,heap =x == loglvl"
	expect_qemu_status $t 0 || return
	expect_log $t "selftest: unknown test 'bogus'" 'selftest heap: ok' || return
	pass $t
}

# GRUB ISOs for QEMU: entry 0 is multiboot2, entry 1 multiboot.
make_test_iso() {
	scripts/mkiso.sh "$1" build/hv.elf "$2" "$3" "$MOD_A" "dom0 console=hvc0" \
		|| { fail "$4" "could not build $1"; return 1; }
}

test_grub_entry() {
	local t=$1 entry=$2 proto=$3
	make_test_iso build/test-$t.iso $entry "exit=qemu dom0=off selftest=frames" $t || return
	qemu_boot $t 60 -m 512 -cdrom build/test-$t.iso
	expect_qemu_status $t 0 || return
	expect_log $t "boot: $proto from \"GRUB" 'cmdline "exit=qemu dom0=off selftest=frames"' \
		'module 0: [0-9a-f]+-[0-9a-f]+ \(5000 bytes\) "dom0 console=hvc0"' \
		'selftest frames: [0-9]+ frames allocated, highest 0x[0-9a-f]+, 0 bad' || return
	pass $t
}

test_bochs_iso() {
	local t=bochs-grub-multiboot2
	make_test_iso build/test-bochs.iso 0 "exit=bochs dom0=off selftest=frames,heap" $t || return
	bochs_boot $t 120 build/test-bochs.iso
	local st; st=$(hv_status)
	if [ "$st" != 0 ]; then
		fail $t "hypervisor status '$st', bochs rc $RC (log $LOG, $BOCHS_OUT)"
		return
	fi
	grep -q 'Shutdown port: shutdown requested' "$BOCHS_OUT" ||
		{ fail $t "Bochs did not stop through the shutdown port"; return; }
	expect_log $t 'boot: multiboot2 from "GRUB' 'selftest heap: ok' \
		'selftest frames: [0-9]+ frames allocated, highest 0x[0-9a-f]+, 0 bad' || return
	pass $t
}

test_multiboot1_kernel_512m
test_multiboot1_kernel_5g
test_panic_report
test_page_fault_report
test_bad_console_option_is_harmless
test_grub_entry grub-multiboot2 0 multiboot2
test_grub_entry grub-multiboot1 1 multiboot1
test_bochs_iso

# Host SMP: the CPUs in the firmware's MADT come up, each with SVM on, and
# a guest runs on the CPU chosen as its home.
test_smp_boot() {
	local t=smp-4-cpus
	qemu_boot $t 60 -smp 4 -m 512 -kernel $HV32 -append "exit=qemu test" \
		-initrd "build/guests/hostile.elf"
	expect_qemu_status $t 0 || return
	expect_log $t 'smp: CPU 3 \(APIC 3\) online' 'smp: 4 CPUs online \(4 in the MADT\)' \
		'svm: enabled on CPU 3' 'test hostile: PASS' || return
	pass $t
}
make --no-print-directory guests >/dev/null 2>&1
test_smp_boot
