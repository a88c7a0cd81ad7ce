#!/bin/sh
# Builds a GRUB BIOS ISO that boots Kestrel.
#   mkiso.sh OUT.iso HV.elf DEFAULT_ENTRY "HV CMDLINE" [MODULE "MODULE CMDLINE"]...
# Entry 0 loads Kestrel with multiboot2, entry 1 with multiboot; both print
# GRUB's menu and Kestrel's console on COM1 as well as on the screen.
set -eu
out=$1 hv=$2 default=$3 cmdline=$4
shift 4

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cp "$hv" "$stage/boot/hv.elf"

modules_mb2="" modules_mb1="" i=0
while [ $# -ge 2 ]; do
	cp "$1" "$stage/boot/module$i"
	modules_mb2="$modules_mb2	module2 /boot/module$i $2
"
	modules_mb1="$modules_mb1	module /boot/module$i $2
"
	i=$((i + 1))
	shift 2
done

cat > "$stage/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
set default=$default

menuentry "Kestrel (multiboot2)" {
	multiboot2 /boot/hv.elf $cmdline
$modules_mb2	boot
}

menuentry "Kestrel (multiboot)" {
	multiboot /boot/hv.elf $cmdline
$modules_mb1	boot
}
CFG

grub-mkrescue -o "$out" "$stage" >/dev/null 2>&1 || {
	echo "mkiso: grub-mkrescue failed (packages grub-pc-bin, xorriso, mtools)" >&2
	grub-mkrescue -o "$out" "$stage"
	exit 1
}
