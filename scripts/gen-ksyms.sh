#!/bin/sh
# Emits (as nasm source) the table of function symbols of an ELF image, sorted
# by address, that hv/ksyms.c searches to name addresses in backtraces.
# With /dev/null as the image it emits an empty table for the first link.
set -eu
image=$1
echo 'section .ksyms progbits alloc noexec nowrite align=8'
echo 'global ksyms_count'
echo 'global ksyms_table'
if [ "$image" = /dev/null ]; then
	echo 'ksyms_count: dq 0'
	echo 'ksyms_table:'
	exit 0
fi
nm -n --defined-only "$image" | awk '
	$2 ~ /^[tT]$/ && $3 !~ /^\./ { addr[n] = $1; name[n] = $3; n++ }
	END {
		printf "ksyms_count: dq %d\n", n
		printf "ksyms_table:\n"
		for (i = 0; i < n; i++) printf "\tdq 0x%s, ksym_name_%d\n", addr[i], i
		for (i = 0; i < n; i++) printf "ksym_name_%d: db \"%s\", 0\n", i, name[i]
	}'
