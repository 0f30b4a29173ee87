#!/bin/sh
# Builds undef.elf (committed) with Debian's gcc-arm-none-eabi 12.2.
set -eu
cd "$(dirname "$0")"
arm-none-eabi-gcc -march=armv4t -mcpu=arm7tdmi -nostartfiles -nostdlib \
    -Wl,-Ttext=0x8000 -Wl,-e,_start -Wl,--no-warn-rwx-segments undef.S -o undef.elf
