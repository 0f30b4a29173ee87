#!/bin/sh
# Run one firmware ELF under QEMU's Versatile/PB model and record what it
# prints and its semihosting exit code:
#     firmware/run-qemu.sh NAME           -> writes expected/NAME.txt and .exit
#     firmware/run-qemu.sh --check NAME   -> compares with them instead
# UART0 is QEMU's stdio serial (-nographic); semihosting console output
# (rdimon) also goes to stdout. stderr is kept apart.
set -u

here=$(cd "$(dirname "$0")" && pwd)
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
name=${1:?usage: run-qemu.sh [--check] NAME}
elf=$here/elf/$name.elf
input=$here/input/$name.txt
[ -f "$elf" ] || { echo "no such ELF: $elf" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# QEMU_AUDIO_DRV=none: silence the PL041/LM4549 audio back-end probing.
set -- env QEMU_AUDIO_DRV=none timeout 10 \
    qemu-system-arm -M versatilepb -m 64M -nographic -semihosting \
    -kernel "$elf"

if [ -f "$input" ]; then
    # QEMU reads stdin as soon as it starts, possibly before the firmware has
    # configured the UART, and QEMU's PL011 empties its receive FIFO when
    # UARTLCR_H.FEN changes; so feed the input only once the program has
    # printed its first line (printed after its receive path is set up).
    mkfifo "$tmp/in"
    "$@" <"$tmp/in" >"$tmp/out" 2>"$tmp/err" &
    qpid=$!
    exec 3>"$tmp/in"
    n=0
    while [ ! -s "$tmp/out" ] || ! grep -q . "$tmp/out"; do
        n=$((n + 1)); [ $n -gt 500 ] && break
        sleep 0.01
    done
    cat "$input" >&3
    wait $qpid
    rc=$?
    exec 3>&-
else
    "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
    rc=$?
fi

if [ -s "$tmp/err" ]; then
    sed 's/^/qemu stderr: /' "$tmp/err" >&2
fi
if [ $rc -eq 124 ]; then
    echo "$name: timed out" >&2
fi

if [ $check -eq 1 ]; then
    if cmp -s "$tmp/out" "$here/expected/$name.txt" &&
       [ "$rc" = "$(cat "$here/expected/$name.exit")" ]; then
        echo "$name: OK (exit $rc)"
        exit 0
    fi
    echo "$name: MISMATCH (exit $rc)" >&2
    diff "$here/expected/$name.txt" "$tmp/out" >&2
    exit 1
fi

mkdir -p "$here/expected"
cp "$tmp/out" "$here/expected/$name.txt"
echo "$rc" >"$here/expected/$name.exit"
echo "$name: exit $rc, $(wc -c <"$tmp/out") bytes -> expected/$name.txt"
