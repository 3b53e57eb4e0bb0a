#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `make package`: builds the Debian packages from a copy of the tree
# (dpkg-buildpackage -us -uc -b), runs lintian on them (errors fail), copies
# them to build-package/ in the tree (the place README.md names; KEEP=1 also
# keeps the work directory with the build logs), installs them, runs the
# installed-package test debian/tests/daemon, and purges them again. Prints
# how long each step took. Needs root for the install part.
set -eu
cd "$(dirname "$0")/../.."
src=$(pwd)
work=$(mktemp -d /tmp/cardroute-package.XXXXXX)
keep=${KEEP:-}
cleanup() { [ -n "$keep" ] || rm -rf "$work"; }
trap cleanup EXIT
now() { date +%s; }

echo "cardroute: copying the tree to $work/cardroute"
mkdir "$work/cardroute"
git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - | tar -xf - -C "$work/cardroute"

t0=$(now)
(cd "$work/cardroute" && dpkg-buildpackage -us -uc -b -j2) >"$work/build.log" 2>&1 || {
	tail -60 "$work/build.log"; echo "cardroute: dpkg-buildpackage failed" >&2; keep=1; exit 1; }
t1=$(now)
echo "cardroute: dpkg-buildpackage -us -uc -b: $((t1 - t0)) s"
ls -1 "$work"/*.deb
# the packages stay where README.md says, whatever happens next
out="$src/build-package"
rm -rf "$out"
mkdir -p "$out"
cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/ 2>/dev/null || cp "$work"/*.deb "$out"/
echo "cardroute: the packages are in $out"

changes=$(ls "$work"/*.changes)
lintian --fail-on error --tag-display-limit 0 "$changes" >"$work/lintian.log" 2>&1 || {
	cat "$work/lintian.log"; echo "cardroute: lintian reports errors" >&2; exit 1; }
t2=$(now)
echo "cardroute: lintian (no errors): $((t2 - t1)) s; $(grep -c '^[WE]:' "$work/lintian.log" || true) warnings/errors"
cat "$work/lintian.log"

if [ "$(id -u)" != 0 ]; then
	echo "cardroute: not root: the packages were not installed" >&2
	exit 0
fi
pkgs=$(cd "$work" && ls *.deb | grep -v -- -dbgsym | sed 's/_.*//')
export DEBIAN_FRONTEND=noninteractive
status=0
if apt-get install -y -qq --no-install-recommends $(ls "$work"/*.deb | grep -v -- -dbgsym) \
	>"$work/install.log" 2>&1; then
	/usr/bin/python3 "$src/debian/tests/daemon" || status=1
else
	cat "$work/install.log"
	status=1
fi
# shellcheck disable=SC2086
dpkg --purge $pkgs >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; status=1; }
t3=$(now)
echo "cardroute: install, daemon test, purge: $((t3 - t2)) s"
[ $status -eq 0 ] && echo "cardroute: package test passed"
exit $status
