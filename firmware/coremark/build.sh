#!/usr/bin/env bash
# Builds EEMBC CoreMark (github.com/eembc/coremark, Apache-2.0; not copied into this repository) for the
# MPS2 AN385 (Cortex-M3) with this folder's port: firmware/coremark/coremark-m3.elf.
# Usage: firmware/coremark/build.sh [COREMARK_SRC] [ITERATIONS]
#   COREMARK_SRC: a checkout of eembc/coremark (default: exported from $COREMARK_GIT, a clone's git directory)
#   ITERATIONS: default 100 (about 1.2 s simulated at 25 MHz)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="${1:-}"
iterations="${2:-100}"
if [ -z "$src" ]; then
    git="${COREMARK_GIT:-/work/.mirror/eembc+coremark/repo}"
    src=$(mktemp -d); trap 'rm -rf "$src"' EXIT
    git --git-dir="$git" archive HEAD | tar -x -C "$src"
fi
flags="-O2 -mcpu=cortex-m3 -mthumb"
arm-none-eabi-gcc $flags -g -ffunction-sections -I"$here" -I"$src" \
    -DITERATIONS="$iterations" -DPERFORMANCE_RUN=1 -DCOMPILER_FLAGS="\"$flags\"" \
    "$src"/core_list_join.c "$src"/core_main.c "$src"/core_matrix.c "$src"/core_state.c "$src"/core_util.c \
    "$here"/core_portme.c "$here"/platform.c \
    -T "$here"/link.ld -nostartfiles --specs=nano.specs -Wl,--gc-sections \
    -o "$here"/coremark-m3.elf
echo "firmware/coremark/coremark-m3.elf: CoreMark $(git --git-dir="${COREMARK_GIT:-/work/.mirror/eembc+coremark/repo}" rev-parse HEAD 2>/dev/null || echo '(given source)'), $iterations iterations"
