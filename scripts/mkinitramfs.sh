#!/bin/bash
# Builds dom0's initramfs: busybox-static (with its applet links), hvdev.ko,
# hvctl, test guests in /guests/ and an /init that mounts proc/sys/devtmpfs,
# loads the module, prints the banner and starts a shell on the console;
# with kestrel.selftest=1 on the kernel command line it runs a scripted
# self-check instead and powers off (the self-check: hvctl version, list,
# dmesg, hvdev-check, then domains made from the guests: created, paused,
# unpaused, finished with verdict 0, destroyed; bad inputs refused; then
# the ioclient guest served by hvdm through the I/O request ring). The
# archive is a gzip'd newc cpio made by busybox's own cpio, so the
# host needs no cpio package.
#
# Usage: scripts/mkinitramfs.sh [OUT [BUSYBOX [HVDEV_KO [HVCTL [HVDEV_CHECK [HVDM [GUEST.elf...]]]]]]]
# defaults: build/dom0/initramfs.cpio.gz cache/dom0/busybox
#           build/dom0/hvdev.ko build/dom0/hvctl build/dom0/hvdev-check build/dom0/hvdm
#           build/guests/{hypercall,cpuid,hlt,ioclient}.elf (make guests)
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-build/dom0/initramfs.cpio.gz}
BUSYBOX=${2:-cache/dom0/busybox}
KO=${3:-build/dom0/hvdev.ko}
HVCTL=${4:-build/dom0/hvctl}
CHECK=${5:-build/dom0/hvdev-check}
HVDM=${6:-build/dom0/hvdm}
if [ $# -gt 6 ]; then
	shift 6
	GUESTS=("$@")
else
	GUESTS=(build/guests/hypercall.elf build/guests/cpuid.elf build/guests/hlt.elf
		build/guests/ioclient.elf build/guests/wildmem.elf)
fi

for f in "$BUSYBOX" "$KO" "$HVCTL" "$CHECK" "$HVDM"; do
	[ -f "$f" ] || { echo "mkinitramfs: $f missing (make dom0-fetch dom0-kmod dom0-tools)" >&2; exit 1; }
done
for f in "${GUESTS[@]}"; do
	[ -f "$f" ] || { echo "mkinitramfs: $f missing (make guests)" >&2; exit 1; }
done

BUSYBOX=$(readlink -f "$BUSYBOX")
mkdir -p "$(dirname "$OUT")"
STAGE=$(mktemp -d "$(dirname "$OUT")/initramfs.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE"/{bin,sbin,usr/bin,usr/sbin,lib/modules,dev,proc,sys,tmp,root,etc,guests}
chmod 1777 "$STAGE/tmp"

install -m 0755 "$BUSYBOX" "$STAGE/bin/busybox"
# The static busybox runs on the host too: ask it for its applets.
"$BUSYBOX" --list-full | while read -r applet; do
	[ "$applet" = bin/busybox ] && continue
	[ -e "$STAGE/$applet" ] || ln -s /bin/busybox "$STAGE/$applet"
done
install -m 0644 "$KO" "$STAGE/lib/modules/hvdev.ko"
install -m 0755 "$HVCTL" "$STAGE/usr/bin/hvctl"
install -m 0755 "$CHECK" "$STAGE/usr/bin/hvdev-check"
install -m 0755 "$HVDM" "$STAGE/usr/bin/hvdm"
for f in "${GUESTS[@]}"; do
	install -m 0644 "$f" "$STAGE/guests/$(basename "$f")"
done

echo "dom0" > "$STAGE/etc/hostname"
echo "root:x:0:0:root:/root:/bin/sh" > "$STAGE/etc/passwd"
echo "root:x:0:" > "$STAGE/etc/group"
cat > "$STAGE/etc/profile" <<'EOF'
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PS1='dom0:\w# '
EOF

cat > "$STAGE/init" <<'EOF'
#!/bin/sh
# Kestrel dom0 /init (made by scripts/mkinitramfs.sh).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
exec </dev/console >/dev/console 2>&1
hostname -F /etc/hostname

# Module options on the kernel command line (hvdev.NAME=VALUE) go to insmod,
# as modprobe would pass them.
opts=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^hvdev\.//p' | tr '\n' ' ')
# shellcheck disable=SC2086 # one word per option
if ! insmod /lib/modules/hvdev.ko $opts; then
	echo "dom0: hvdev.ko did not load, so there is no /dev/hv (see the kernel log above)"
fi
echo "Kestrel dom0: type 'hvctl list'"

# One line per failure, with hvctl's exit status and its (one-line) message.
# hv CMD...: runs it; its output (stdout and stderr) in $out, status in $rc.
hv() {
	out=$("$@" 2>&1)
	rc=$?
	echo "$out"
}

# The message of a failed command, which must be one line.
oneline() {
	if [ "$(echo "$out" | wc -l)" = 1 ]; then
		echo "$out"
	else
		echo "message is not one line: $(echo "$out" | head -1)"
	fi
}

# What the hypervisor logged for domain NAME (its console lines, its end).
domain_log() {
	hvctl dmesg 2>/dev/null | grep -E "\[$1\]|\($1\)" | tail -5
}

# wait_done ID NAME: until the domain has finished with verdict 0 (20 s at
# most, polled once a second); prints the FAIL line otherwise.
wait_done() {
	local i=0 info state verdict
	while :; do
		info=$(hvctl info "$1" 2>&1) || {
			echo "DOM0-SELFTEST: FAIL hvctl info $1 ($2): $(echo "$info" | head -1)"
			return 1
		}
		state=$(echo "$info" | sed -n 's/^state: *//p')
		verdict=$(echo "$info" | sed -n 's/^verdict: *//p')
		case $state in
		finished|killed)
			[ "$state" = finished ] && [ "$verdict" = 0 ] && break
			domain_log "$2"
			echo "DOM0-SELFTEST: FAIL $2 (domain $1) ended $state, verdict ${verdict:-none}"
			return 1 ;;
		esac
		i=$((i + 1))
		if [ $i -gt 20 ]; then
			domain_log "$2"
			echo "DOM0-SELFTEST: FAIL $2 (domain $1) still $state after 20 s"
			return 1
		fi
		sleep 1
	done
	echo "$2 (domain $1): finished, verdict 0 (after about $i s)"
}

# list_state ID: the State column (the sixth on) of domain ID in hvctl list
# ("" if absent).
list_state() {
	hvctl list | awk -v id="$1" 'NR > 1 && $2 == id { s = $6; for (i = 7; i <= NF; i++) s = s " " $i; print s }'
}

domain_count() {
	hvctl list | awk 'NR > 1' | wc -l
}

# Domains from dom0: create (load, unpause), pause, unpause, a verdict,
# destroy; and refusals that leave nothing behind.
selftest_domains() {
	local id1 id2 n0 n st
	n0=$(domain_count)
	hv hvctl create t1 8 /guests/hypercall.elf
	if [ $rc != 0 ]; then
		echo "DOM0-SELFTEST: FAIL hvctl create t1 exited $rc: $(oneline)"
		return 1
	fi
	case $out in
	''|*[!0-9]*) echo "DOM0-SELFTEST: FAIL hvctl create t1 printed '$out', not an id"; return 1 ;;
	esac
	id1=$out
	wait_done "$id1" t1 || return 1

	# The pause races with the guest: cpuid runs for a while (its console
	# lines are port writes), but on a slow host it could finish first. A
	# domain that finished before the pause landed is destroyed and the
	# test repeated (3 tries); one that runs on after the pause, or is
	# listed in any other state, is a failure.
	for try in 1 2 3; do
		hv hvctl create t2 8 /guests/cpuid.elf
		if [ $rc != 0 ]; then
			echo "DOM0-SELFTEST: FAIL hvctl create t2 exited $rc: $(oneline)"
			return 1
		fi
		id2=$out
		hv hvctl pause "$id2"
		if [ $rc != 0 ]; then
			echo "DOM0-SELFTEST: FAIL hvctl pause $id2 exited $rc: $(oneline)"
			return 1
		fi
		hvctl list
		st=$(list_state "$id2")
		[ "$st" = paused ] && break
		if [ "$st" != "finished (verdict 0)" ] || [ $try = 3 ]; then
			echo "DOM0-SELFTEST: FAIL t2 (domain $id2) is '$st' in hvctl list after hvctl pause, not paused"
			return 1
		fi
		echo "t2 (domain $id2) finished before the pause landed; again"
		hv hvctl destroy "$id2"
		if [ $rc != 0 ]; then
			echo "DOM0-SELFTEST: FAIL hvctl destroy $id2 exited $rc: $(oneline)"
			return 1
		fi
	done
	sleep 1
	st=$(list_state "$id2")
	if [ "$st" != paused ]; then
		echo "DOM0-SELFTEST: FAIL t2 (domain $id2) is '$st' 1 s after hvctl pause, not paused"
		return 1
	fi
	hv hvctl unpause "$id2"
	if [ $rc != 0 ]; then
		echo "DOM0-SELFTEST: FAIL hvctl unpause $id2 exited $rc: $(oneline)"
		return 1
	fi
	wait_done "$id2" t2 || return 1
	hvctl list

	for id in "$id1" "$id2"; do
		hv hvctl destroy "$id"
		if [ $rc != 0 ]; then
			echo "DOM0-SELFTEST: FAIL hvctl destroy $id exited $rc: $(oneline)"
			return 1
		fi
		if [ -n "$(list_state "$id")" ]; then
			echo "DOM0-SELFTEST: FAIL domain $id is still in hvctl list after hvctl destroy"
			return 1
		fi
		hv hvctl info "$id"
		if [ $rc = 0 ]; then
			echo "DOM0-SELFTEST: FAIL hvctl info $id succeeds after hvctl destroy"
			return 1
		fi
	done

	# Refusals: exit status 1, one line, nothing left behind.
	for cmd in "hvctl destroy 0" "hvctl destroy 999" "hvctl pause 0" "hvctl unpause 999" \
		"hvctl create bad 8 /bin/busybox" "hvctl create bad 8 /nonexistent" \
		"hvctl create bad 1 /guests/hypercall.elf" "hvctl create bad 8"; do
		# shellcheck disable=SC2086 # the words of the command
		hv $cmd
		case $rc in
		1|2) ;;
		*) echo "DOM0-SELFTEST: FAIL $cmd exited $rc, expected an error"; return 1 ;;
		esac
		if [ "$(echo "$out" | wc -l)" != 1 ] || [ -z "$out" ]; then
			echo "DOM0-SELFTEST: FAIL $cmd: the message is not one line: $(echo "$out" | head -1)"
			return 1
		fi
	done
	n=$(domain_count)
	if [ "$n" != "$n0" ] || hvctl list | grep -q -w bad; then
		hvctl list
		echo "DOM0-SELFTEST: FAIL $n domains after the test, $n0 before"
		return 1
	fi
	hvctl list
}

# I/O forwarding through dom0: the ioclient guest's echo-device accesses
# (ports, posted ports, MMIO) are served by hvdm in dom0. hvdm sets up the
# ring and routes, then unpauses the client (-u: no access can come before
# the routes); the guest passes only if every answer is right, and hvdm
# exits 0 once it has finished. The event interrupt's count must have moved.
selftest_ioreq() {
	local id pid st irq0 irq1
	irq0=$(awk '/hvdev/ { print $2 }' /proc/interrupts)
	if [ -z "$irq0" ]; then
		echo "DOM0-SELFTEST: FAIL hvdev has no event interrupt in /proc/interrupts"
		return 1
	fi
	hv hvctl load io1 8 /guests/ioclient.elf service=0
	if [ $rc != 0 ]; then
		echo "DOM0-SELFTEST: FAIL hvctl load io1 exited $rc: $(oneline)"
		return 1
	fi
	id=$out
	hvdm -u "$id" > /tmp/hvdm.out 2>&1 &
	pid=$!
	if ! wait_done "$id" io1; then
		kill "$pid" 2>/dev/null
		cat /tmp/hvdm.out
		return 1
	fi
	wait "$pid"
	st=$?
	cat /tmp/hvdm.out
	if [ $st != 0 ]; then
		echo "DOM0-SELFTEST: FAIL hvdm $id exited $st: $(grep -m1 -v 'serving' /tmp/hvdm.out)"
		return 1
	fi
	irq1=$(awk '/hvdev/ { print $2 }' /proc/interrupts)
	echo "hvdev event interrupts: $irq0 before io1, $irq1 after"
	if [ "$irq1" -le "$irq0" ]; then
		echo "DOM0-SELFTEST: FAIL no event interrupt while hvdm served io1"
		return 1
	fi
	hv hvctl destroy "$id"
	if [ $rc != 0 ]; then
		echo "DOM0-SELFTEST: FAIL hvctl destroy $id exited $rc: $(oneline)"
		return 1
	fi
}

# wait_end ID NAME: until the domain has ended (20 s at most); prints
# "STATE VERDICT" (verdict "none" if it has none).
wait_end() {
	local i=0 info state verdict
	while [ $i -le 20 ]; do
		info=$(hvctl info "$1" 2>&1) || { echo "gone none"; return; }
		state=$(echo "$info" | sed -n 's/^state: *//p')
		verdict=$(echo "$info" | sed -n 's/^verdict: *//p')
		case $state in
		finished|killed) echo "$state ${verdict:-none}"; return ;;
		esac
		i=$((i + 1))
		sleep 1
	done
	echo "$state ${verdict:-none}"
}

# expect_refused ERRNO_TEXT CMD...: CMD must fail with that strerror text.
expect_refused() {
	local want=$1
	shift
	hv "$@" > /dev/null
	if [ $rc = 0 ] || ! echo "$out" | grep -q "$want"; then
		echo "DOM0-SELFTEST: FAIL $* exited $rc ('$(oneline)'), not refused with '$want'"
		return 1
	fi
	echo "refused as expected: $*: $want"
}

# mem_bytes ID: the domain's memory in bytes (hvctl info).
mem_bytes() {
	hvctl info "$1" | sed -n 's/^memory:.*(\([0-9]*\) bytes)/\1/p'
}

# Building domains from dom0 beyond load: KHC_MEMORY_POPULATE backs the
# page wildmem reads (0x40000000: killed without it, verdict 1 with it);
# KHC_VCPU_SET_REGS sets EAX to something other than the multiboot magic
# (and RIP to the entry), so the guest ends with VERDICT_BAD_MAGIC (112).
selftest_build() {
	local id got m0 m1 entry
	hv hvctl load wm0 8 /guests/wildmem.elf
	[ $rc = 0 ] || { echo "DOM0-SELFTEST: FAIL hvctl load wm0 exited $rc: $(oneline)"; return 1; }
	id=$out
	hvctl unpause "$id"
	got=$(wait_end "$id")
	echo "wm0 (domain $id, not populated): $got"
	hvctl destroy "$id"
	if [ "$got" != "killed none" ]; then
		echo "DOM0-SELFTEST: FAIL wm0 (0x40000000 not populated) ended '$got', not killed"
		return 1
	fi

	hv hvctl load wm1 8 /guests/wildmem.elf
	[ $rc = 0 ] || { echo "DOM0-SELFTEST: FAIL hvctl load wm1 exited $rc: $(oneline)"; return 1; }
	id=$out
	m0=$(mem_bytes "$id")
	hv hvctl populate "$id" 0x40000 16
	if [ $rc != 0 ]; then
		echo "DOM0-SELFTEST: FAIL hvctl populate $id 0x40000 16 exited $rc: $(oneline)"
		hvctl destroy "$id"
		return 1
	fi
	m1=$(mem_bytes "$id")
	echo "wm1 (domain $id): memory $m0 bytes, $m1 after populating 16 pages"
	if [ "$m1" != $((m0 + 65536)) ]; then
		echo "DOM0-SELFTEST: FAIL populate: memory $m0 -> $m1 bytes, not +65536"
		hvctl destroy "$id"
		return 1
	fi
	for cmd in "hvctl populate $id 0x4000f 2" "hvctl populate $id 0 1" \
		"hvctl populate $id 0xfee00 1"; do
		expect_refused "File exists" $cmd || { hvctl destroy "$id"; return 1; }
	done
	for cmd in "hvctl populate $id 0x50000 0" "hvctl populate $id 0xfffffffff 2" \
		"hvctl populate $id 0x100000 0x100000"; do
		expect_refused "Invalid argument" $cmd || { hvctl destroy "$id"; return 1; }
	done
	hvctl unpause "$id"
	got=$(wait_end "$id")
	echo "wm1 (domain $id, 0x40000000 populated): $got"
	expect_refused "Device or resource busy" hvctl populate "$id" 0x50000 1 ||
		{ hvctl destroy "$id"; return 1; }
	hvctl destroy "$id"
	if [ "$got" != "finished 1" ]; then
		echo "DOM0-SELFTEST: FAIL wm1 (0x40000000 populated) ended '$got', not finished with verdict 1"
		return 1
	fi

	# The ELF entry point (e_entry, offset 24), where KHC_DOMAIN_LOAD starts it.
	entry=$(od -An -tu4 -j24 -N4 /guests/hypercall.elf | tr -d ' ')
	hv hvctl load sr 8 /guests/hypercall.elf
	[ $rc = 0 ] || { echo "DOM0-SELFTEST: FAIL hvctl load sr exited $rc: $(oneline)"; return 1; }
	id=$out
	for cmd in "hvctl setregs $id rip=$entry rflags=0" "hvctl setregs $id rip=$entry rflags=0x8002" \
		"hvctl setregs $id rip=$entry rflags=0x400002" "hvctl setregs $id vcpu=1 rip=$entry"; do
		expect_refused "Invalid argument" $cmd || { hvctl destroy "$id"; return 1; }
	done
	expect_refused "No such process" hvctl setregs 0 rip=$entry || { hvctl destroy "$id"; return 1; }
	hv hvctl setregs "$id" rip="$entry" rax=0x1234 rflags=0x2
	if [ $rc != 0 ]; then
		echo "DOM0-SELFTEST: FAIL hvctl setregs $id rip=$entry rax=0x1234 exited $rc: $(oneline)"
		hvctl destroy "$id"
		return 1
	fi
	hvctl unpause "$id"
	got=$(wait_end "$id")
	echo "sr (domain $id, EAX 0x1234 at entry $entry): $got"
	expect_refused "Device or resource busy" hvctl setregs "$id" rip="$entry" ||
		{ hvctl destroy "$id"; return 1; }
	hvctl destroy "$id"
	if [ "$got" != "finished 112" ]; then
		echo "DOM0-SELFTEST: FAIL sr (EAX set to 0x1234) ended '$got', not finished with verdict 112 (bad magic)"
		return 1
	fi
	# A running domain: set-regs refused while it runs, and after a pause.
	hv hvctl create run 8 /guests/hlt.elf
	[ $rc = 0 ] || { echo "DOM0-SELFTEST: FAIL hvctl create run exited $rc: $(oneline)"; return 1; }
	id=$out
	expect_refused "Device or resource busy" hvctl setregs "$id" rip="$entry" ||
		{ hvctl destroy "$id"; return 1; }
	wait_end "$id" > /dev/null
	hvctl destroy "$id"

	# Populated frames go back to the hypervisor at destroy: 12 x 64 MiB
	# is more than it has free (about 500 MiB under QEMU -m 1024, 118
	# under Bochs), so a leak ends in Cannot allocate memory.
	local i=0 st
	while [ $i -lt 12 ]; do
		hv hvctl load pf 8 /guests/wildmem.elf > /dev/null
		[ $rc = 0 ] || { echo "DOM0-SELFTEST: FAIL hvctl load pf ($i) exited $rc: $(oneline)"; return 1; }
		id=$out
		hv hvctl populate "$id" 0x40000 16384 > /dev/null
		st=$rc
		hvctl destroy "$id"
		if [ $st != 0 ]; then
			echo "DOM0-SELFTEST: FAIL populate 64 MiB, round $i: $(oneline)"
			return 1
		fi
		i=$((i + 1))
	done
	echo "populate: 12 rounds of 64 MiB populated and destroyed"
}

# word_at FILE OFFSET: the 32-bit word at OFFSET of FILE, as peek prints it.
word_at() {
	od -An -tx4 -j"$2" -N4 "$1" | tr -d ' '
}

# u32_at FILE OFFSET: the same, in decimal.
u32_at() {
	od -An -tu4 -j"$2" -N4 "$1" | tr -d ' '
}

# Foreign mappings and weights. A loaded, never run ioclient domain: its
# multiboot header read where the image landed (the ELF's first PT_LOAD:
# p_paddr plus the header's offset in the file minus p_offset), words
# across a page boundary equal to the file's, words poked and peeked back
# (each hvctl a mapping of its own, so the words are in the domain's
# RAM); hvctl weight shown by info and list; refusals (a weight out of
# 1..65535, an address beyond its 8 MiB of RAM, dom0 itself) leave dom0
# running. Then destroyed: peek refused.
selftest_foreign() {
	local id img=/guests/ioclient.elf phoff poff paddr filesz moff gpa got want w
	phoff=$(u32_at $img 28)
	if [ "$(u32_at $img "$phoff")" != 1 ]; then
		echo "DOM0-SELFTEST: FAIL $img: the first program header is not PT_LOAD"
		return 1
	fi
	poff=$(u32_at $img $((phoff + 4)))
	paddr=$(u32_at $img $((phoff + 12)))
	filesz=$(u32_at $img $((phoff + 16)))
	moff=$(od -An -tx4 -v -w4 -N8192 $img | grep -n -m1 1badb002 | cut -d: -f1)
	if [ -z "$moff" ] || [ "$filesz" -lt 8192 ]; then
		echo "DOM0-SELFTEST: FAIL $img: no multiboot header, or under two pages ($filesz bytes)"
		return 1
	fi
	moff=$(((moff - 1) * 4))
	gpa=$(printf '0x%x' $((paddr + moff - poff)))

	hv hvctl load fm 8 $img
	[ $rc = 0 ] || { echo "DOM0-SELFTEST: FAIL hvctl load fm exited $rc: $(oneline)"; return 1; }
	id=$out
	hv hvctl peek "$id" "$gpa" 3
	got=$(echo "$out" | cut -d: -f2 | tr -s ' ' | sed 's/^ //')
	echo "fm (domain $id): multiboot header at $gpa: $got"
	set -- $got
	if [ $rc != 0 ] || [ "$1" != 1badb002 ] ||
	   [ $(((0x$1 + 0x$2 + 0x$3) & 0xffffffff)) != 0 ]; then
		echo "DOM0-SELFTEST: FAIL hvctl peek $id $gpa 3 ($rc): '$(oneline)', not a multiboot header"
		hvctl destroy "$id"
		return 1
	fi
	# Four words from 8 bytes before the image's second page: two pages.
	hv hvctl peek "$id" $(printf '0x%x' $((paddr + 4096 - 8))) 4
	got=$(echo "$out" | cut -d: -f2 | tr -s ' ' | sed 's/^ //')
	want=$(for w in 0 4 8 12; do word_at $img $((poff + 4096 - 8 + w)); done | tr '
' ' ' | sed 's/ $//')
	echo "fm (domain $id): 4 words at $(printf '0x%x' $((paddr + 4096 - 8))): $got (image: $want)"
	if [ $rc != 0 ] || [ "$got" != "$want" ]; then
		echo "DOM0-SELFTEST: FAIL peek across a page boundary ($rc): '$got', the image has '$want'"
		hvctl destroy "$id"
		return 1
	fi
	for w in c0ffee42 12345678; do
		hv hvctl poke "$id" 0x500000 0x$w
		[ $rc = 0 ] || { echo "DOM0-SELFTEST: FAIL hvctl poke $id 0x500000 0x$w exited $rc: $(oneline)"; hvctl destroy "$id"; return 1; }
		hv hvctl peek "$id" 0x500000
		got=$(echo "$out" | cut -d: -f2 | tr -d ' ')
		echo "fm (domain $id): poked 0x$w at 0x500000, peeked $got"
		if [ $rc != 0 ] || [ "$got" != $w ]; then
			echo "DOM0-SELFTEST: FAIL peek after poke 0x$w ($rc): '$(oneline)'"
			hvctl destroy "$id"
			return 1
		fi
	done

	w=$(hvctl info "$id" | sed -n 's/^weight: *//p')
	hv hvctl weight "$id" 1000
	[ $rc = 0 ] || { echo "DOM0-SELFTEST: FAIL hvctl weight $id 1000 exited $rc: $(oneline)"; hvctl destroy "$id"; return 1; }
	got=$(hvctl info "$id" | sed -n 's/^weight: *//p')/$(hvctl list | awk -v id="$id" 'NR > 1 && $2 == id { print $5 }')
	echo "fm (domain $id): weight $w, then $got (info/list) after hvctl weight $id 1000"
	if [ "$w" != 256 ] || [ "$got" != 1000/1000 ]; then
		echo "DOM0-SELFTEST: FAIL weight $w before, $got (info/list) after hvctl weight $id 1000"
		hvctl destroy "$id"
		return 1
	fi
	for cmd in "hvctl weight $id 0" "hvctl weight $id 65536" "hvctl peek $id 0x800000" 		"hvctl peek $id 0x7ffffc 2" "hvctl poke $id 0x10000000 1"; do
		expect_refused "Invalid argument" $cmd || { hvctl destroy "$id"; return 1; }
	done
	expect_refused "not the domain's RAM" hvctl peek "$id" 0x800000 || { hvctl destroy "$id"; return 1; }
	for cmd in "hvctl weight 0 256" "hvctl peek 0 0x1000" "hvctl poke 0 0x1000 1"; do
		expect_refused "No such process" $cmd || { hvctl destroy "$id"; return 1; }
	done
	hvctl destroy "$id"
	expect_refused "No such process" hvctl peek "$id" "$gpa" || return 1
	echo "foreign: peek, poke and weight of fm (domain $id) done"
}

selftest() {
	local out status
	for cmd in "hvctl version" "hvctl list"; do
		out=$($cmd 2>&1)
		status=$?
		echo "$out"
		if [ $status != 0 ]; then
			[ "$(echo "$out" | wc -l)" = 1 ] || out="message is not one line: $(echo "$out" | head -1)"
			echo "DOM0-SELFTEST: FAIL $cmd exited $status: $out"
			return 1
		fi
	done
	if ! echo "$out" | grep -q '^Domain-0 '; then
		echo "DOM0-SELFTEST: FAIL hvctl list shows no Domain-0"
		return 1
	fi
	hvctl dmesg > /tmp/hvlog 2> /tmp/hverr
	status=$?
	tail -3 /tmp/hvlog
	if [ $status != 0 ]; then
		echo "DOM0-SELFTEST: FAIL hvctl dmesg exited $status: $(head -1 /tmp/hverr)"
		return 1
	fi
	if ! [ -s /tmp/hvlog ]; then
		echo "DOM0-SELFTEST: FAIL hvctl dmesg printed nothing"
		return 1
	fi
	hvdev-check > /tmp/check 2>&1
	status=$?
	cat /tmp/check
	if [ $status != 0 ]; then
		echo "DOM0-SELFTEST: FAIL hvdev-check: $(grep -m1 'FAIL' /tmp/check)"
		return 1
	fi
	selftest_domains || return 1
	selftest_ioreq || return 1
	selftest_build || return 1
	selftest_foreign || return 1
	echo "DOM0-SELFTEST: PASS"
}

if grep -q -w 'kestrel.selftest=1' /proc/cmdline; then
	selftest
	sync
	poweroff -f
fi

# A shell with job control on the console (cttyhack finds the real tty
# behind /dev/console); a new one when it exits, since init must not.
while true; do
	setsid cttyhack sh -l
	echo "dom0: shell exited, starting another"
	sleep 1
done
EOF
chmod 0755 "$STAGE/init"

# /dev/console must exist before /init runs (the kernel opens it for init's
# stdio before devtmpfs is mounted): a hand-made newc entry, so that no
# device node has to be created on the host.
newc_entry() { # NAME MODE RDEVMAJOR RDEVMINOR
	local name=$1 namesize=$((${#1} + 1)) pad
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		0 "$2" 0 0 1 0 0 0 0 "$3" "$4" "$namesize" 0
	printf '%s\0' "$name"
	pad=$(( (4 - (110 + namesize) % 4) % 4 ))
	[ $pad = 0 ] || head -c $pad /dev/zero
}

{
	(cd "$STAGE" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort |
		"$BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null)
	newc_entry dev/console $((0020600)) 5 1
	newc_entry 'TRAILER!!!' 0 0 0
} | gzip -9 -n > "$STAGE.cpio.gz"
mv "$STAGE.cpio.gz" "$OUT"
echo "mkinitramfs: $OUT ($(du -k "$OUT" | cut -f1) KiB)"
