#!/usr/bin/env bash
# Rebuilds gdbdemo.elf (committed, so the tests need no cross compiler) with the
# startup, runtime and UART helpers of firmware/common. Needs gcc-arm-none-eabi. No
# --gc-sections: the debug info of discarded functions would sit at address 0 and
# GDB would name them for code that lives there.
set -euo pipefail
cd "$(dirname "$0")"
common=../../../firmware/common
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc="arm-none-eabi-gcc -march=armv4t -mcpu=arm7tdmi -mfloat-abi=soft -mthumb-interwork -g"
cflags="-O0 -std=c11 -Wall -Wextra -ffreestanding -I$common"
$cc -c $common/start.S -o "$out/start.o"
for f in uart runtime vic; do $cc $cflags -O2 -marm -c $common/$f.c -o "$out/$f.o"; done
$cc $cflags -marm -c gdbdemo.c -o "$out/gdbdemo.o"
$cc $cflags -mthumb -c gdbdemo_thumb.c -o "$out/gdbdemo_thumb.o"
$cc -nostartfiles -nostdlib -T $common/link.ld -Wl,--no-warn-rwx-segments \
    "$out"/gdbdemo.o "$out"/gdbdemo_thumb.o "$out"/start.o "$out"/uart.o "$out"/runtime.o "$out"/vic.o -lgcc -o gdbdemo.elf
echo "built $(pwd)/gdbdemo.elf"
