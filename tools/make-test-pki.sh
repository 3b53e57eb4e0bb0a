#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Makes a small PKI for RSPRO over TLS (tests and labs): a CA and
# certificates whose subjectAltName URI names the RSPRO identity.
#
#   tools/make-test-pki.sh DIR [NAME=URI ...]
#
# Without NAME=URI arguments it makes the lab set: server (rspro:server),
# bank1 (rspro:bank:1), bank2 (rspro:bank:2), client7 (rspro:client:7),
# client8 (rspro:client:8); the tests add their own. In DIR: ca.pem (the CA
# certificate every peer trusts), ca.key, NAME.pem and NAME.key for each.
# Special names: other-* are signed by a second CA (other-ca.pem), expired-*
# are valid from 2020-01-01 to 2020-01-02, soon-* for 7 days. Keys are EC P-256, mode 600.
# Uses openssl (Debian package openssl). Never commit the keys it writes.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 DIR [NAME=URI ...]" >&2; exit 2; }
dir=$1
shift
[ $# -gt 0 ] || set -- server=rspro:server bank1=rspro:bank:1 bank2=rspro:bank:2 \
	client7=rspro:client:7 client8=rspro:client:8
mkdir -p "$dir"
cd "$dir"
umask 077

make_ca() { # NAME SUBJECT
	[ -f "$1.pem" ] && return 0
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1.key" -out "$1.pem" -days 3650 -subj "$2" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	mkdir -p "$1.db"
	: > "$1.db/index.txt"
	cat > "$1.db/ca.cnf" <<CNF
[ca]
default_ca = this
[this]
dir = $PWD/$1.db
database = \$dir/index.txt
new_certs_dir = \$dir
serial = \$dir/serial
certificate = $PWD/$1.pem
private_key = $PWD/$1.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
CNF
	openssl rand -hex 8 > "$1.db/serial"
}

make_ca ca "/CN=cardroute test CA"
for arg in "$@"; do
	name=${arg%%=*}
	uri=${arg#*=}
	ca=ca
	dates="-days 825"
	case $name in
	other-*) ca=other-ca; make_ca other-ca "/CN=another CA" ;;
	esac
	case $name in
	expired-*) dates="-startdate 20200101000000Z -enddate 20200102000000Z" ;;
	soon-*) dates="-days 7" ;;
	esac
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" \
		-out "$name.csr" -subj "/CN=$name" 2>/dev/null
	cat > "$name.ext" <<EXT
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = URI:$uri
EXT
	# shellcheck disable=SC2086
	openssl ca -batch -notext -config "$ca.db/ca.cnf" $dates -extfile "$name.ext" \
		-in "$name.csr" -out "$name.pem" 2>/dev/null
	rm -f "$name.csr" "$name.ext"
done
