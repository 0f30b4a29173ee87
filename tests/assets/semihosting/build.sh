#!/bin/sh
# Builds semihosting.elf (committed) with Debian's gcc-arm-none-eabi 12.2.
set -eu
cd "$(dirname "$0")"
arm-none-eabi-gcc -march=armv4t -mcpu=arm7tdmi -mfloat-abi=soft -mthumb-interwork -marm \
    -O1 -g -std=c11 -Wall -Wextra -ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns \
    -nostartfiles -nostdlib -Wl,-Ttext=0x8000 -Wl,-e,_start -Wl,--no-warn-rwx-segments \
    start.S semihosting.c -lgcc -o semihosting.elf
