#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `make fuzz`: a fuzzing campaign over every libFuzzer target of the ASan
# build, one after the other.
#
#   FUZZ_SECONDS   time per target (default 600)
#   FUZZ_TARGETS   names to run (default: all), e.g. "rspro-decode rspro-ipa"
#   FUZZ_JOBS      parallel workers per target (default 1)
#
# Each target starts from its committed corpus (tests/*/corpus-NAME) plus a
# scratch directory; at the end the union is minimized (libFuzzer -merge=1)
# and written back over the committed corpus, so `git diff --stat` shows what
# the campaign added. A crash, leak or timeout input is copied into the
# target's corpus under its libFuzzer name: the suite `fuzz` of `make check`
# replays every corpus file, so it is a regression test from then on (fix the
# bug, keep the file). One line per target: executions, coverage, features,
# corpus size, outcome.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-asan}
SECONDS_PER=${FUZZ_SECONDS:-600}
JOBS=${FUZZ_JOBS:-1}

if [ ! -f "$BUILD/build.ninja" ]; then
	echo "fuzz: $BUILD is not configured; run 'make build-asan' first" >&2
	exit 2
fi
if ! grep -q "fuzzing=true\|'fuzzing': true" "$BUILD/meson-info/intro-buildoptions.json" 2>/dev/null &&
   ! meson configure "$BUILD" 2>/dev/null | grep -Eq '^ *fuzzing +true'; then
	echo "fuzz: $BUILD was not configured with -Dfuzzing=true" >&2
	exit 2
fi
ninja -C "$BUILD" >/dev/null || { echo "fuzz: build failed" >&2; exit 2; }

# target name -> corpus directory, from the meson test definitions
mapfile -t pairs < <(meson introspect --tests "$BUILD" | /usr/bin/python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["name"].startswith("fuzz-"):
        print(t["name"][5:], t["cmd"][1], t["cmd"][2])')

work=$(mktemp -d)
[ -n "${FUZZ_KEEP:-}" ] && echo "fuzz: work directory $work"
trap '[ -n "${FUZZ_KEEP:-}" ] || rm -rf "$work"' EXIT
found=0
failed=0
printf '%-18s %12s %8s %8s %8s  %s\n' target execs cov ft corpus outcome
for line in "${pairs[@]}"; do
	read -r name exe corpus <<<"$line"
	if [ -n "${FUZZ_TARGETS:-}" ] && ! [[ " $FUZZ_TARGETS " == *" $name "* ]]; then
		continue
	fi
	exe="$BUILD/$exe"
	scratch="$work/$name"
	artifacts="$work/$name-artifacts/"
	mkdir -p "$scratch" "$artifacts"
	log="$work/$name.log"
	"$exe" -max_total_time="$SECONDS_PER" -rss_limit_mb=2048 -max_len=4096 -timeout=30 \
		-print_final_stats=1 -artifact_prefix="$artifacts" \
		$([ "$JOBS" -gt 1 ] && echo "-fork=$JOBS -ignore_crashes=1") \
		"$scratch" "$corpus" >"$log" 2>&1
	rc=$?
	execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
	if [ -z "$execs" ]; then
		execs=$(grep -Eo '^#[0-9]+' "$log" | tail -1 | tr -d '#')
	fi
	cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+')
	ft=$(grep -Eo 'ft: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+')
	outcome=clean
	shopt -s nullglob
	crashes=("$artifacts"*)
	shopt -u nullglob
	if [ ${#crashes[@]} -gt 0 ] || [ $rc -ne 0 ]; then
		outcome="FOUND ${#crashes[@]} input(s), exit $rc (log: tests/fuzz/findings/$name.log)"
		mkdir -p tests/fuzz/findings
		cp "$log" "tests/fuzz/findings/$name.log"
		for c in "${crashes[@]}"; do
			cp "$c" "$corpus/$(basename "$c")"
		done
		found=$((found + ${#crashes[@]}))
		failed=$((failed + 1))
	fi
	# minimize: the hand-written seeds (named files) stay as they are and
	# count first; libFuzzer's own files (40 hex digits) are replaced by the
	# minimized union of the old ones and what this run found
	merged="$work/$name-merged"
	old="$work/$name-old"
	mkdir -p "$merged" "$old"
	find "$corpus" -maxdepth 1 -type f ! -regextype posix-extended -regex '.*/[0-9a-f]{40}' -exec cp {} "$merged"/ \;
	find "$corpus" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' -exec cp {} "$old"/ \;
	if "$exe" -merge=1 -rss_limit_mb=2048 -max_len=4096 -timeout=30 "$merged" "$old" \
		"$scratch" >"$work/$name-merge.log" 2>&1; then
		find "$corpus" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' -delete
		find "$merged" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' \
			-exec cp {} "$corpus"/ \;
	fi
	size=$(find "$corpus" -maxdepth 1 -type f | wc -l)
	printf '%-18s %12s %8s %8s %8s  %s\n' "$name" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
		"$size" "$outcome"
done
echo "fuzz: $SECONDS_PER s per target; $found input(s) found in $failed target(s)"
[ "$failed" -eq 0 ]
