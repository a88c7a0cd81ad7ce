#!/bin/bash
# Runs every suite and adds up their "PASS name" / "FAIL name" lines into
# one closing line "N passed, N failed". Suites: host unit tests (every
# test-unit-* target in tests/unit/*.mk), then tests/integration/*.sh.
# Usage: tests/run.sh [SUITE-FILTER-REGEX]
cd "$(dirname "$0")/.." || exit 1
filter=${1:-.}
mkdir -p build/test-logs
# One summary per run: concurrent runs (several developers on one tree)
# must not count each other's lines.
out=$(mktemp)
trap 'cp "$out" build/test-logs/summary.txt 2>/dev/null; rm -f "$out"' EXIT

run_suite() {
	local name=$1
	shift
	echo "== $name" | tee -a "$out"
	local start=$SECONDS
	# A suite that dies without a verdict line must still count as failed.
	local tmp
	tmp=$(mktemp)
	if ! "$@" 2>&1 | tee -a "$tmp" | grep -E '^(PASS|FAIL) ' ; then
		:
	fi
	local status=${PIPESTATUS[0]}
	grep -E '^(PASS|FAIL) ' "$tmp" >> "$out"
	if ! grep -q -E '^(PASS|FAIL) ' "$tmp" || { [ "$status" != 0 ] && ! grep -q '^FAIL ' "$tmp"; }; then
		echo "FAIL $name: suite exited $status (see build/test-logs/$name.out)" | tee -a "$out"
	fi
	mv "$tmp" "build/test-logs/$name.out"
	echo "   ($name: $((SECONDS - start)) s)"
}

# TEST_DIRS=tests/long runs only those scripts (make test-long).
if [ -n "${TEST_DIRS:-}" ]; then
	SCRIPTS=$(ls $TEST_DIRS/*.sh 2>/dev/null)
	UNIT_TARGETS=""
else
	SCRIPTS=$(ls tests/integration/*.sh tests/e2e/*.sh)
	UNIT_TARGETS=$(grep -h -o -E '^test-unit-[a-z0-9-]+:' tests/unit/*.mk | tr -d : | sort -u)
fi

for target in $UNIT_TARGETS; do
	[[ $target =~ $filter ]] || continue
	run_suite "$target" make --no-print-directory "$target"
done
for script in $SCRIPTS; do
	name=$(basename "$script" .sh)
	[[ $name =~ $filter ]] || continue
	run_suite "$name" "$script"
done

# The guest suite across backends: one row per guest, one column per
# configuration (QEMU SVM, Bochs SVM with nrip-save, Bochs VMX).
vendor_table() {
	local rows
	rows=$(grep -E '^(PASS|FAIL) (svm|svm-nrips|vmx)-' "$out" |
		grep -v -E -- '-(guests-run|entry-fail-diagnosis|backend|guests)(:|$)' |
		awk '{
			split($2, a, ":"); name = a[1]
			if (name ~ /^svm-nrips-/) { col = 2; sub(/^svm-nrips-/, "", name) }
			else if (name ~ /^svm-/) { col = 1; sub(/^svm-/, "", name) }
			else { col = 3; sub(/^vmx-/, "", name) }
			cell[name, col] = $1; names[name] = 1
		} END {
			for (g in names) {
				line = g
				for (c = 1; c <= 3; c++)
					line = line " " ((g, c) in cell ? cell[g, c] : "-")
				print line
			}
		}' | sort)
	[ -n "$rows" ] || return 0
	printf '%-14s %-10s %-10s %-10s\n' guest svm/qemu svm/bochs vmx/bochs
	printf '%s\n' "$rows" | while read -r g a b c; do
		printf '%-14s %-10s %-10s %-10s\n' "$g" "$a" "$b" "$c"
	done
}
vendor_table

passed=$(grep -c '^PASS ' "$out")
failed=$(grep -c '^FAIL ' "$out")
if [ "$failed" != 0 ]; then
	echo "failed:"
	grep '^FAIL ' "$out" | sed 's/^/  /'
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
