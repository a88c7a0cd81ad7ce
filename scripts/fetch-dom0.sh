#!/bin/bash
# Fetches what dom0 is made of into the git-ignored cache/dom0/: Debian 12's
# current cloud kernel (linux-image-cloud-amd64 resolved to the versioned
# package), its matching headers and kbuild (to build hvdev.ko), and
# busybox-static. apt-get download + dpkg-deb -x: nothing is installed on the
# host and nothing downloaded is ever committed.
#
# Idempotent and fast once done: when cache/dom0/VERSION exists and every
# file it promises is there, it prints where things are and exits (no apt
# call). DOM0_REFRESH=1 re-resolves the current versions and fetches again
# if they moved. docs/DOM0.md explains the choice of kernel.
#
# Layout (stable names for the build and for the hypervisor side):
#   cache/dom0/VERSION   KERNEL_ABI (6.1.0-N), KERNEL_RELEASE (uname -r), KERNEL_VERSION
#                        (package version), BUSYBOX_VERSION; sh syntax
#   cache/dom0/vmlinuz   -> root/boot/vmlinuz-<abi>  (the bzImage, as shipped)
#   cache/dom0/config    -> root/boot/config-<abi>
#   cache/dom0/headers   -> root/usr/src/linux-headers-<abi> (make -C here M=...)
#   cache/dom0/busybox   -> root/bin/busybox
#   cache/dom0/debs/     the .deb files
set -eu
cd "$(dirname "$0")/.."
CACHE=cache/dom0
FLAVOUR=cloud-amd64
mkdir -p "$CACHE"
CACHE_ABS=$(cd "$CACHE" && pwd)
# One fetch at a time (parallel makes, test runs in the same tree).
exec 9> "$CACHE/.lock"
flock 9

say() { echo "dom0-fetch: $*"; }
die() { echo "dom0-fetch: $*" >&2; exit 1; }

complete() {
	[ -f "$CACHE/VERSION" ] || return 1
	# shellcheck disable=SC1091
	. "$CACHE/VERSION"
	[ -n "${KERNEL_ABI:-}" ] && [ -n "${KERNEL_RELEASE:-}" ] || return 1
	local f
	for f in vmlinuz config headers/Makefile headers/.config headers/scripts/mod/modpost \
		headers/Module.symvers busybox; do
		[ -e "$CACHE/$f" ] || return 1
	done
}

# The flavour Makefile in the headers package includes the common part by
# its absolute install path (/usr/src/...); point it at our extraction. This
# is a path fix in the unpacked build tree, not a change to the kernel.
fix_headers_makefile() {
	local mk="$CACHE/root/usr/src/linux-headers-$KERNEL_RELEASE/Makefile"
	local want="include $CACHE_ABS/root/usr/src/linux-headers-$KERNEL_ABI-common/Makefile"
	grep -qxF "$want" "$mk" && return 0
	sed -i "s|^include .*/linux-headers-$KERNEL_ABI-common/Makefile\$|$want|" "$mk"
	grep -qxF "$want" "$mk" || die "cannot repoint $mk at the common headers"
}

show() {
	say "kernel $KERNEL_RELEASE ($KERNEL_VERSION), busybox-static $BUSYBOX_VERSION"
	say "  bzImage  $CACHE/vmlinuz -> $(readlink "$CACHE/vmlinuz")"
	say "  config   $CACHE/config"
	say "  headers  $CACHE/headers (make -C $CACHE/headers M=\$PWD)"
	say "  busybox  $CACHE/busybox"
}

if [ "${DOM0_REFRESH:-0}" != 1 ] && complete; then
	fix_headers_makefile
	show
	exit 0
fi

# Resolve the metapackage to the real versioned image package, and take the
# version apt would install (the security archive's when it is newer).
resolve() {
	IMAGE_PKG=$(apt-cache depends "linux-image-$FLAVOUR" 2>/dev/null |
		sed -n "s/^ *Depends: \(linux-image-[0-9][^ ]*-$FLAVOUR\)\$/\1/p" | head -1)
	[ -n "$IMAGE_PKG" ] || return 1
	KERNEL_ABI=${IMAGE_PKG#linux-image-}
	KERNEL_ABI=${KERNEL_ABI%-"$FLAVOUR"}
	KERNEL_VERSION=$(apt-cache policy "$IMAGE_PKG" | sed -n 's/^ *Candidate: //p')
	BUSYBOX_VERSION=$(apt-cache policy busybox-static | sed -n 's/^ *Candidate: //p')
	[ -n "$KERNEL_VERSION" ] && [ "$KERNEL_VERSION" != "(none)" ] &&
		[ -n "$BUSYBOX_VERSION" ] && [ "$BUSYBOX_VERSION" != "(none)" ]
}

updated=0
apt_update() {
	[ "$updated" = 0 ] || return 1
	updated=1
	say "apt lists missing or stale: apt-get update"
	apt-get update -qq || die "apt-get update failed"
}

if ! resolve; then
	apt_update || true
	resolve || die "cannot resolve linux-image-$FLAVOUR / busybox-static with apt-cache"
fi
say "resolved linux-image-$FLAVOUR -> $IMAGE_PKG $KERNEL_VERSION"
want="$KERNEL_ABI $KERNEL_VERSION $BUSYBOX_VERSION"
if (complete && [ "$KERNEL_ABI $KERNEL_VERSION $BUSYBOX_VERSION" = "$want" ]); then
	complete
	fix_headers_makefile
	say "the cache is current"
	show
	exit 0
fi

# The exact packages: image, headers of the same build, the common headers,
# kbuild (fixdep, modpost, objtool, ... built for the host) and busybox.
# linux-compiler-gcc-12-x86 (a headers dependency) only asks for gcc-12.
KERNEL_RELEASE=$KERNEL_ABI-$FLAVOUR
ABI_FLAV=$KERNEL_RELEASE
KBUILD_PKG=linux-kbuild-${KERNEL_ABI%%.0-*}
PKGS="linux-image-$ABI_FLAV=$KERNEL_VERSION linux-headers-$ABI_FLAV=$KERNEL_VERSION
linux-headers-$KERNEL_ABI-common=$KERNEL_VERSION $KBUILD_PKG=$KERNEL_VERSION
busybox-static=$BUSYBOX_VERSION"

command -v gcc-12 >/dev/null || say "warning: gcc-12 not found; Debian's kernel headers build modules with gcc-12"

rm -rf "$CACHE/debs.new"
mkdir -p "$CACHE/debs.new"
download() {
	# shellcheck disable=SC2086
	(cd "$CACHE/debs.new" && apt-get download -q -o APT::Sandbox::User=root $PKGS) \
		> "$CACHE/download.log" 2>&1
}
t0=$SECONDS
if ! download; then
	apt_update || { cat "$CACHE/download.log" >&2; die "apt-get download failed"; }
	resolve || die "cannot resolve after apt-get update"
	download || { cat "$CACHE/download.log" >&2; die "apt-get download failed"; }
fi
say "downloaded $(find "$CACHE/debs.new" -name '*.deb' | wc -l) packages in $((SECONDS - t0)) s"

rm -rf "$CACHE/root" "$CACHE/debs"
mv "$CACHE/debs.new" "$CACHE/debs"
mkdir -p "$CACHE/root"
for deb in "$CACHE"/debs/*.deb; do
	dpkg-deb -x "$deb" "$CACHE/root"
done
# The modules of the image are not needed (dom0's initramfs carries only
# hvdev.ko; everything the virtual platform needs is built in): drop them.
rm -rf "$CACHE/root/lib/modules" "$CACHE/root/usr/share/doc" "$CACHE/root/usr/share/man"

ln -sfn "root/boot/vmlinuz-$ABI_FLAV" "$CACHE/vmlinuz"
ln -sfn "root/boot/config-$ABI_FLAV" "$CACHE/config"
ln -sfn "root/usr/src/linux-headers-$ABI_FLAV" "$CACHE/headers"
ln -sfn "root/bin/busybox" "$CACHE/busybox"
fix_headers_makefile

# What the kernel must have built in for dom0 (checked, not assumed).
for opt in CONFIG_SERIAL_8250=y CONFIG_SERIAL_8250_CONSOLE=y CONFIG_BLK_DEV_INITRD=y \
	CONFIG_RD_GZIP=y CONFIG_MODULES=y CONFIG_DEVTMPFS=y CONFIG_ACPI=y CONFIG_X86_X2APIC=y; do
	grep -qx "$opt" "$CACHE/config" || die "kernel config lacks $opt"
done

# kbuild's host programs are dynamically linked (libelf1, libssl3, zlib1g):
# name what is missing instead of failing later inside kbuild.
missing=$(ldd "$CACHE"/headers/scripts/mod/modpost "$CACHE"/headers/tools/objtool/objtool \
	"$CACHE"/headers/scripts/basic/fixdep 2>/dev/null | awk '/not found/ { print $1 }' | sort -u |
	tr '\n' ' ')
[ -z "$missing" ] || die "kbuild needs libraries this host lacks: $missing(apt-get install libelf1 libssl3 zlib1g)"

cat > "$CACHE/VERSION" <<EOF
KERNEL_ABI=$KERNEL_ABI
KERNEL_RELEASE=$KERNEL_RELEASE
KERNEL_VERSION=$KERNEL_VERSION
BUSYBOX_VERSION=$BUSYBOX_VERSION
EOF
complete || die "cache incomplete after extraction"
show
