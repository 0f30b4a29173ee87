#!/usr/bin/env bash
# Builds EEMBC CoreMark (github.com/eembc/coremark, Apache-2.0; not copied into this repository) for the
# MPS2 AN385 (Cortex-M3) with this folder's port: firmware/coremark/coremark-m3.elf.
# Usage: firmware/coremark/build.sh [COREMARK_SRC] [ITERATIONS] [CORE]
#   COREMARK_SRC: a checkout of eembc/coremark (default: exported from $COREMARK_GIT, a clone's git directory)
#   ITERATIONS: default 100 (about 1.2 s simulated at 25 MHz)
#   CORE: m3 (default), m0 (-mcpu=cortex-m0, for mps2-an383) or m4f (-mcpu=cortex-m4 -mfpu=fpv4-sp-d16
#   -mfloat-abi=hard, for mps2-an386): coremark-CORE.elf. The port times with DWT CYCCNT, which the M0 lacks:
#   coremark-m0.elf runs the same work but reports no valid time or score (bench/speed.sh takes only its MIPS).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="${1:-}"
iterations="${2:-100}"
core="${3:-m3}"
if [ -z "$src" ]; then
    git="${COREMARK_GIT:-/work/.mirror/eembc+coremark/repo}"
    src=$(mktemp -d); trap 'rm -rf "$src"' EXIT
    git --git-dir="$git" archive HEAD | tar -x -C "$src"
fi
case "$core" in
    m3) flags="-O2 -mcpu=cortex-m3 -mthumb" ;;
    m0) flags="-O2 -mcpu=cortex-m0 -mthumb" ;;
    m4f) flags="-O2 -mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard" ;;
    *) echo "build.sh: CORE is m3, m0 or m4f, not '$core'" >&2; exit 2 ;;
esac
arm-none-eabi-gcc $flags -g -ffunction-sections -I"$here" -I"$src" \
    -DITERATIONS="$iterations" -DPERFORMANCE_RUN=1 -DCOMPILER_FLAGS="\"$flags\"" \
    "$src"/core_list_join.c "$src"/core_main.c "$src"/core_matrix.c "$src"/core_state.c "$src"/core_util.c \
    "$here"/core_portme.c "$here"/platform.c \
    -T "$here"/link.ld -nostartfiles --specs=nano.specs -Wl,--gc-sections \
    -o "$here"/coremark-"$core".elf
echo "firmware/coremark/coremark-$core.elf: CoreMark $(git --git-dir="${COREMARK_GIT:-/work/.mirror/eembc+coremark/repo}" rev-parse HEAD 2>/dev/null || echo '(given source)'), $iterations iterations"
