#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The event script of test-event-script.py: appends its arguments and its
# REMSIM_* environment to $OUT as one record; hangs (sleeps) on
# event-config-bankd while the file $HANG exists.
rec="argc=$#
argv1=$1
$(env | grep '^REMSIM_' | sort)
---"
printf '%s\n' "$rec" >> "$OUT"
if [ -n "$HANG" ] && [ -e "$HANG" ] && [ "$1" = "event-config-bankd" ]; then
	exec sleep 600
fi
exit 0
