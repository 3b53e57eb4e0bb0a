#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `make check-repeat`: runs `make check` ROUNDS times in a row (default 5) on a
# loaded machine, to show the tests do not depend on timing.
#
#   ROUNDS=5        how many rounds
#   LOAD=stress     `stress-ng --cpu 2` runs for the whole time (installed if
#                   missing); LOAD=none runs on the machine as it is
#   OUT=DIR         where the rounds are kept (default BUILD/check-repeat)
#
# Each round keeps, under OUT/round-N/: check.log (the whole output), summary
# (the "N passed, N failed" line), failed (one name a line, "build: suite - name")
# and failed-logs/ (each failed test's output from meson's testlog.json).
# A table of the rounds ends the run; the exit status is non-zero if any failed.
set -u
cd "$(dirname "$0")/.."
plain=${1:-${BUILD:-build}}
asan=${2:-${BUILD_ASAN:-build-asan}}
rounds=${ROUNDS:-5}
load=${LOAD:-stress}
out=${OUT:-$plain/check-repeat}
make=${MAKE:-make}

case "$rounds" in '' | *[!0-9]*) echo "cardroute: ROUNDS must be a number" >&2; exit 2 ;; esac
case "$load" in stress | none) ;; *) echo "cardroute: LOAD is stress or none" >&2; exit 2 ;; esac

load_pid=""
stop_load() {
	if [ -n "$load_pid" ]; then
		kill -TERM "$load_pid" 2>/dev/null
		wait "$load_pid" 2>/dev/null
		load_pid=""
	fi
}
trap stop_load EXIT
trap 'stop_load; exit 130' INT
trap 'stop_load; exit 143' TERM

if [ "$load" = stress ]; then
	./tools/ensure-deps.sh stress-ng || exit 1
	stress-ng --cpu 2 --quiet >/dev/null 2>&1 &
	load_pid=$!
	echo "cardroute: load: stress-ng --cpu 2 (pid $load_pid)"
fi

# failed tests of one build: names to stdout, their logs into a directory
collect_failed() { # testlog.json build-label logdir
	/usr/bin/python3 - "$@" <<'EOF'
import json, os, re, sys
path, label, logdir = sys.argv[1:4]
if not os.path.exists(path):
    sys.exit(0)
with open(path, errors="replace") as f:
    for line in f:
        try:
            t = json.loads(line)
        except ValueError:
            continue
        if t.get("result") not in ("FAIL", "TIMEOUT", "ERROR", "UNEXPECTEDPASS"):
            continue
        name = t.get("name", "?")
        print(f"{label}: {name} ({t.get('result')})")
        os.makedirs(logdir, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{label}-{name}")
        with open(os.path.join(logdir, safe + ".log"), "w") as log:
            log.write(f"# {label}: {name}: {t.get('result')} after "
                      f"{t.get('duration', 0):.1f} s, command: {t.get('command')}\n")
            log.write(t.get("stdout") or "")
            if t.get("stderr"):
                log.write("\n# stderr\n" + t["stderr"])
EOF
}

mkdir -p "$out" || exit 1
status=0
table=""
for i in $(seq 1 "$rounds"); do
	dir="$out/round-$i"
	rm -rf "$dir"
	mkdir -p "$dir"
	echo "cardroute: round $i of $rounds ($(uptime | sed 's/.*load average/load average/'))"
	start=$(date +%s)
	$make --no-print-directory check BUILD="$plain" BUILD_ASAN="$asan" >"$dir/check.log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$dir/check.log" | tail -n 1)
	[ -n "$summary" ] || summary="no summary (make check exited $rc)"
	echo "$summary" >"$dir/summary"
	: >"$dir/failed"
	collect_failed "$plain/meson-logs/testlog.json" "$plain" "$dir/failed-logs" >>"$dir/failed"
	collect_failed "$asan/meson-logs/testlog.json" "$asan" "$dir/failed-logs" >>"$dir/failed"
	names=$(paste -sd ';' "$dir/failed" | sed 's/;/; /g')
	[ $rc -eq 0 ] || status=1
	echo "cardroute: round $i: $summary, $((secs / 60))m$((secs % 60))s${names:+, failed: $names}"
	table="$table$i|$summary|$((secs / 60))m$(printf %02d $((secs % 60)))s|${names:--}"$'\n'
done
stop_load

echo
echo "cardroute: make check x$rounds, load: $load (logs in $out)"
printf '%-6s %-40s %-9s %s\n' round result duration failed
printf '%s' "$table" | while IFS='|' read -r n res dur names; do
	printf '%-6s %-40s %-9s %s\n' "$n" "$res" "$dur" "$names"
done
exit $status
