#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `make run`: starts cardrouted from the build tree on the given config.
# Usage: run-daemon.sh BUILD_DIR CONFIG
build=${1:-build}
config=${2:-data/cardroute.ini}
cd "$(dirname "$0")/.." || exit 1
echo "cardroute: starting $build/core/cardrouted --config $config (Ctrl-C stops it)"
exec "$build/core/cardrouted" --config "$config"
