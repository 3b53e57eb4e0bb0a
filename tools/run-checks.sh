#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `make check`: builds twice (plain with gcc, ASan+UBSan with clang and libFuzzer),
# runs every meson test in both, and ends with one line "N passed, N failed[, N skipped]".
set -u
cd "$(dirname "$0")/.."
plain=${1:-build}
asan=${2:-build-asan}
status=0

setup() {
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		"$@" || return 1
	else
		meson setup --reconfigure "$dir" >/dev/null || return 1
	fi
}

count() { # dir result...
	local f="$1/meson-logs/testlog.json" n=0 r; shift
	[ -f "$f" ] || { echo 0; return; }
	for r in "$@"; do
		n=$((n + $(grep -c "\"result\": \"$r\"" "$f")))
	done
	echo $n
}

passed=0 failed=0 skipped=0
for dir in "$plain" "$asan"; do
	if [ "$dir" = "$plain" ]; then
		setup "$dir" meson setup "$dir" --werror || { failed=$((failed + 1)); continue; }
	else
		setup "$dir" env CC=clang meson setup "$dir" --werror \
			-Db_sanitize=address,undefined -Db_lundef=false -Dfuzzing=true ||
			{ failed=$((failed + 1)); continue; }
	fi
	if ! ninja -C "$dir"; then
		echo "cardroute: build in $dir failed" >&2
		failed=$((failed + 1))
		continue
	fi
	rm -f "$dir/meson-logs/testlog.json"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		meson test -C "$dir" --print-errorlogs --num-processes 2 || status=1
	passed=$((passed + $(count "$dir" OK EXPECTEDFAIL)))
	failed=$((failed + $(count "$dir" FAIL TIMEOUT ERROR UNEXPECTEDPASS)))
	skipped=$((skipped + $(count "$dir" SKIP)))
done

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ] && [ $status -eq 0 ]
