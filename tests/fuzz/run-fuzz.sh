#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Smoke run of one fuzz target: libFuzzer gets a scratch corpus directory first (it
# writes new inputs there) and the committed seeds second, which stay untouched.
# Usage: run-fuzz.sh TARGET SEED_DIR
target=$1
seeds=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
if "$target" -help=1 2>&1 | grep -q 'libFuzzer'; then
	"$target" -runs=${FUZZ_RUNS:-30000} -seed=1 -rss_limit_mb=1024 -max_len=4096 \
		-error_exitcode=1 -timeout=30 \
		"$scratch" "$seeds"
else
	"$target" "$seeds"
fi
