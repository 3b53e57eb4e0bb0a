#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `make run`: starts cardrouted from the build tree on the given config.
# Usage: run-daemon.sh BUILD_DIR CONFIG
#
# When the config uses the vpcd frontend or the pcsc backend, a pcscd must
# run (with the vsmartcard vpcd driver for vpcd readers). If none answers,
# this script starts one as root (in the foreground, stopped by its PID when
# cardrouted exits), or prints the exact command when not root.
build=${1:-build}
config=${2:-data/cardroute.ini}
cd "$(dirname "$0")/.." || exit 1

pcscd_alive() {
	/usr/bin/python3 -c '
import ctypes, sys
lib = ctypes.CDLL("libpcsclite.so.1")
ctx = ctypes.c_long(0)
rv = lib.SCardEstablishContext(ctypes.c_ulong(2), None, None, ctypes.byref(ctx))
if rv == 0:
    lib.SCardReleaseContext(ctx)
sys.exit(0 if rv == 0 else 1)' 2>/dev/null
}

pcscd_pid=""
if grep -Eq '^[[:space:]]*plugin[[:space:]]*=[[:space:]]*(vpcd|pcsc)[[:space:]]*$' "$config" &&
	! pcscd_alive; then
	if [ "$(id -u)" = 0 ] && command -v pcscd >/dev/null; then
		[ -f /etc/reader.conf.d/vpcd ] ||
			echo "cardroute: warning: /etc/reader.conf.d/vpcd is missing (Debian package vsmartcard-vpcd): no vpcd readers" >&2
		mkdir -p /run/pcscd
		pcscd --foreground >/dev/null 2>&1 &
		pcscd_pid=$!
		i=0
		while ! pcscd_alive && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		echo "cardroute: no pcscd was running: started 'pcscd --foreground' (pid $pcscd_pid); it stops with cardrouted"
	else
		echo "cardroute: no pcscd is running; the vpcd reader needs one. Start it as root:" >&2
		echo "cardroute:     pcscd            (or, with systemd: systemctl start pcscd.socket)" >&2
		echo "cardroute: cardrouted starts anyway and connects once pcscd is there." >&2
	fi
fi

echo "cardroute: starting $build/core/cardrouted --config $config (Ctrl-C stops it)"
if [ -z "$pcscd_pid" ]; then
	exec "$build/core/cardrouted" --config "$config"
fi
if grep -Eq '^[[:space:]]*plugin[[:space:]]*=[[:space:]]*vpcd' "$config"; then
	echo "cardroute: try, in another terminal:  pcsc_scan -n   or   opensc-tool -r 'Virtual PCD 00 00' -s 00A40004023F00"
fi
"$build/core/cardrouted" --config "$config" &
daemon_pid=$!
trap 'kill -TERM $daemon_pid 2>/dev/null' INT TERM
wait $daemon_pid
status=$?
# wait again if a signal interrupted the first wait
kill -0 $daemon_pid 2>/dev/null && wait $daemon_pid && status=$?
kill -TERM "$pcscd_pid" 2>/dev/null
wait "$pcscd_pid" 2>/dev/null
exit $status
