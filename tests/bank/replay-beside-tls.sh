#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The captures' client side replayed against a bank that also listens for
# TLS clients (listen-tls): the plain listener's bytes stay upstream's.
# usage: replay-beside-tls.sh TEST_BANK_REPLAY MAKE_TEST_PKI VECTORS_DIR
set -eu
pki=$(mktemp -d)
trap 'rm -rf "$pki"' EXIT
"$2" "$pki" bank1=rspro:bank:1 >/dev/null
exec "$1" --tls-dir "$pki" "$3"
