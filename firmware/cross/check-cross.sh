#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the portable cardem core for the board's CPU (Cortex-M3, Thumb) with
# warnings as errors, and link it with a minimal vector table and linker script.
# Usage: check-cross.sh CC OUTDIR INCLUDEDIR LINKER_SCRIPT SOURCE...
# Exit 77 (skipped) when the cross compiler is not installed.
cc=$1
out=$2
inc=$3
ld=$4
shift 4
if [ -z "$cc" ] || ! command -v "$cc" >/dev/null 2>&1; then
	echo "arm-none-eabi-gcc not found: skipped"
	exit 77
fi
mkdir -p "$out" || exit 1
cpu="-mcpu=cortex-m3 -mthumb"
flags="-std=c11 $cpu -Os -ffreestanding -ffunction-sections -fdata-sections
	-Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wshadow -Wundef -Wvla
	-Wformat=2 -Wimplicit-fallthrough -Wnull-dereference -Wpointer-arith -Wcast-align"
objs=
for src in "$@"; do
	obj="$out/$(basename "$src" .c).o"
	echo "$cc ... -c $src"
	# shellcheck disable=SC2086
	"$cc" $flags -I"$inc" -c "$src" -o "$obj" || exit 1
	objs="$objs $obj"
done
# shellcheck disable=SC2086
"$cc" $cpu --specs=nano.specs --specs=nosys.specs -nostartfiles -T "$ld" \
	-Wl,--gc-sections -Wl,-Map="$out/st2-cardem.map" $objs -o "$out/st2-cardem.elf" || exit 1
size=$(dirname "$(command -v "$cc")")/arm-none-eabi-size
if [ -x "$size" ]; then
	"$size" "$out/st2-cardem.elf"
fi
echo "cortex-m3 build of the cardem core: ok"
