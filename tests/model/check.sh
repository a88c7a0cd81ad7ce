#!/bin/bash
# Checks tests/model/ioreq.pml with spin: every part (slot, ring) and
# variant (honest, stale, hostile) exhaustively for safety (assertions,
# invalid end states) and for the liveness formula `done` (acceptance
# cycles under weak fairness). Last, a mutant of the model without the
# sequence-number check must produce a counterexample, so the checker is
# shown to catch that bug. Prints PASS model-NAME / FAIL model-NAME: why.
cd "$(dirname "$0")/../.." || exit 1
model=$PWD/tests/model/ioreq.pml
work=build/model
mkdir -p "$work"
status=0

# run NAME MODEL-FILE MODE(safety|liveness) SPIN-DEFINES...
# Prints the verdict; returns pan's error count (0 = verified).
verify() {
	local name=$1 file=$2 mode=$3
	shift 3
	local dir=$work/$name
	rm -rf "$dir" && mkdir -p "$dir"
	local defs=("$@") ccflags=(-O2 -DVECTORSZ=2048) runflags=(-m200000 -n)
	if [ "$mode" = liveness ]; then
		defs+=(-DLIVENESS)
		runflags+=(-a -f)
	else
		ccflags+=(-DSAFETY)
	fi
	if ! (cd "$dir" && spin "${defs[@]}" -a "$file" > spin.log 2>&1); then
		echo "spin -a failed: $(tail -1 "$dir/spin.log")"
		return 2
	fi
	if ! (cd "$dir" && gcc "${ccflags[@]}" -o pan pan.c > cc.log 2>&1); then
		echo "gcc pan.c failed: $(tail -1 "$dir/cc.log")"
		return 2
	fi
	(cd "$dir" && timeout 55 ./pan "${runflags[@]}" > pan.log 2>&1)
	local rc=$?
	if [ $rc = 124 ]; then
		echo "pan timed out (55 s)"
		return 2
	fi
	if grep -q "max search depth too small" "$dir/pan.log"; then
		echo "search depth too small: not exhaustive"
		return 2
	fi
	local errors
	errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$dir/pan.log" | head -1)
	if [ -z "$errors" ]; then
		echo "no result from pan (exit $rc)"
		return 2
	fi
	if [ "$errors" != 0 ]; then
		echo "$(grep -m1 -E 'pan:[0-9]+: |error:' "$dir/pan.log") (trail in $dir)"
		return 1
	fi
	echo "$(grep -m1 'states, stored' "$dir/pan.log" | tr -s ' ' | sed 's/^ //'), $(grep -m1 -o 'depth reached [0-9]*' "$dir/pan.log")"
	return 0
}

for part in slot ring; do
	for variant in honest stale hostile; do
		[ "$part/$variant" = ring/stale ] && continue # no timeouts on the ring
		defs=(-DPART_${part^^})
		[ "$variant" != honest ] && defs+=(-D${variant^^})
		for mode in safety liveness; do
			name=$part-$variant-$mode
			start=$SECONDS
			why=$(verify "$name" "$model" "$mode" "${defs[@]}")
			if [ $? = 0 ]; then
				echo "PASS model-$name ($why; $((SECONDS - start)) s)"
			else
				echo "FAIL model-$name: $why"
				status=1
			fi
		done
	done
done

# The mutant: completions accepted without comparing the sequence number.
mutant=$PWD/$work/ioreq-noseq.pml
sed 's|st == DONE \&\& ds != my_seq /\* seq-check \*/|false|' "$model" > "$mutant"
if cmp -s "$model" "$mutant"; then
	echo "FAIL model-mutant-noseq: the seq-check line was not found in the model"
	status=1
else
	why=$(verify mutant-noseq "$mutant" safety -DPART_SLOT -DSTALE)
	case $? in
	1) echo "PASS model-mutant-noseq (counterexample found as expected: $why)" ;;
	0) echo "FAIL model-mutant-noseq: the checker missed the missing sequence check"; status=1 ;;
	*) echo "FAIL model-mutant-noseq: $why"; status=1 ;;
	esac
fi
exit $status
