#!/bin/bash
# Builds dom0's initramfs: busybox-static (with its applet links), hvdev.ko,
# hvctl and an /init that mounts proc/sys/devtmpfs, loads the module, prints
# the banner and starts a shell on the console; with kestrel.selftest=1 on
# the kernel command line it runs a scripted self-check instead and powers
# off (the self-check: hvctl version, list, dmesg, then hvdev-check). The
# archive is a gzip'd newc cpio made by busybox's own cpio, so the
# host needs no cpio package.
#
# Usage: scripts/mkinitramfs.sh [OUT [BUSYBOX [HVDEV_KO [HVCTL [HVDEV_CHECK]]]]]
# defaults: build/dom0/initramfs.cpio.gz cache/dom0/busybox
#           build/dom0/hvdev.ko build/dom0/hvctl build/dom0/hvdev-check
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-build/dom0/initramfs.cpio.gz}
BUSYBOX=${2:-cache/dom0/busybox}
KO=${3:-build/dom0/hvdev.ko}
HVCTL=${4:-build/dom0/hvctl}
CHECK=${5:-build/dom0/hvdev-check}

for f in "$BUSYBOX" "$KO" "$HVCTL" "$CHECK"; do
	[ -f "$f" ] || { echo "mkinitramfs: $f missing (make dom0-fetch dom0-kmod dom0-tools)" >&2; exit 1; }
done

BUSYBOX=$(readlink -f "$BUSYBOX")
mkdir -p "$(dirname "$OUT")"
STAGE=$(mktemp -d "$(dirname "$OUT")/initramfs.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE"/{bin,sbin,usr/bin,usr/sbin,lib/modules,dev,proc,sys,tmp,root,etc}
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
