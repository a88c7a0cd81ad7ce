#!/bin/sh
# Installs the Debian packages the build and the tests need, and nothing when
# they are all there already (one dpkg-query, well under a second).
set -eu

PACKAGES="
gcc make nasm binutils
qemu-system-x86
grub-pc-bin grub-common xorriso mtools
bochs bochsbios vgabios bochs-term
lcov clang libclang-rt-14-dev
spin cpio
"

missing=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $PACKAGES 2>/dev/null |
	awk '$1 != "ii" { print $2 }')
# dpkg-query prints nothing at all for packages it has never heard of.
for p in $PACKAGES; do
	dpkg-query -W -f='${Package}\n' "$p" >/dev/null 2>&1 || missing="$missing $p"
done
missing=$(echo $missing | tr ' ' '\n' | sort -u | tr '\n' ' ')
[ -z "${missing# }" ] && exit 0

echo "deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: run as root (or install these packages yourself)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
