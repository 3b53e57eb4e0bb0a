# SPDX-License-Identifier: GPL-2.0-or-later
# Thin wrapper around meson: `make run` and `make check` are the two commands of the README.

BUILD      ?= build
BUILD_ASAN ?= build-asan
CONFIG     ?= data/cardroute.ini
MESON_OPTS ?=

# Debian packages the build and the tests need.
DEB_PACKAGES := meson ninja-build pkg-config gcc clang libclang-rt-14-dev \
	libglib2.0-dev libglib2.0-bin libsoup-3.0-dev libjson-glib-dev nettle-dev \
	libpcsclite-dev pcscd pcsc-tools vsmartcard-vpcd libusb-1.0-0-dev \
	asn1c tshark dbus curl python3 iproute2 util-linux \
	chromium chromium-driver python3-selenium python3-pyscard \
	umockdev libumockdev-dev gcc-arm-none-eabi libnewlib-arm-none-eabi \
	scdoc systemd \
	glib-networking libgnutls28-dev openssl

# `make package` also needs these (Debian package build and lintian).
PACKAGE_DEB_PACKAGES := dpkg-dev debhelper fakeroot lintian scdoc systemd

.PHONY: all deps build build-asan check check-repeat run clean package fuzz soak

all: build

deps:
	@./tools/ensure-deps.sh $(DEB_PACKAGES)

$(BUILD)/build.ninja:
	meson setup $(BUILD) --werror $(MESON_OPTS)

$(BUILD_ASAN)/build.ninja:
	CC=clang meson setup $(BUILD_ASAN) --werror -Db_sanitize=address,undefined \
		-Db_lundef=false -Dfuzzing=true $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

build-asan: deps $(BUILD_ASAN)/build.ninja
	ninja -C $(BUILD_ASAN)

check: deps
	@./tools/run-checks.sh $(BUILD) $(BUILD_ASAN)

# `make check` ROUNDS times in a row (default 5) with LOAD=stress (stress-ng --cpu 2,
# default) or LOAD=none; a table of the rounds at the end, logs in $(BUILD)/check-repeat.
ROUNDS ?= 5
LOAD   ?= stress
check-repeat: deps
	@ROUNDS=$(ROUNDS) LOAD=$(LOAD) ./tools/check-repeat.sh $(BUILD) $(BUILD_ASAN)

run: build
	@./tools/run-daemon.sh $(BUILD) $(CONFIG)

# A fuzzing campaign (not part of check): FUZZ_SECONDS per target (default 600).
fuzz: build-asan
	@./tools/fuzz-campaign.sh $(BUILD_ASAN)

# The soak (not part of check): SOAK_APDUS (default 10,000,000) through
# client -> server -> bank -> vcard with a link reset every 100,000.
soak: build
	SOAK_STRICT=1 /usr/bin/python3 tests/server/soak.py $(BUILD)/core/cardrouted \
		$(BUILD)/plugins:$(BUILD)/tests/plugins

package: deps
	@./tools/ensure-deps.sh $(PACKAGE_DEB_PACKAGES)
	@./tests/package/package-test.sh

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
