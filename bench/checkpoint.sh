#!/usr/bin/env bash
# Checkpoint size and save/restore time per firmware (issue 12). For each firmware: save at a point
# in the middle of its run (`socsim run --save-state --at`), then resume it to the end; prints the
# file size and the save and load times that --stats reports (median of N runs, default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release src/SocSim.Cli -v quiet -nologo >/dev/null
S="dotnet src/SocSim.Cli/bin/Release/net10.0/socsim.dll"
N=${1:-3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
loop=boards/overrides/lpc2106-uart0-loopback.json
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-14s %-22s %10s %9s %9s\n' firmware at bytes save_ms load_ms
while read -r name elf at opts; do
  saves=(); loads=()
  for i in $(seq "$N"); do
    # shellcheck disable=SC2086
    out=$($S run "$elf" $opts --save-state "$tmp/s" --at "$at" --stats 2>&1 >/dev/null)
    saves+=("$(sed -n 's/.*save_ms=\([0-9.]*\).*/\1/p' <<<"$out")")
    bytes=$(sed -n 's/.*saved bytes=\([0-9]*\).*/\1/p' <<<"$out")
    out=$($S resume "$tmp/s" --stats --max-cycles 1 2>&1 >/dev/null || true)
    loads+=("$(sed -n 's/.*load_ms=\([0-9.]*\).*/\1/p' <<<"$out")")
  done
  printf '%-14s %-22s %10s %9s %9s\n' "$name" "$at" "$bytes" "$(printf '%s\n' "${saves[@]}" | median)" "$(printf '%s\n' "${loads[@]}" | median)"
done <<EOF2
hello firmware/elf/hello.elf 100000
timer_irq firmware/elf/timer_irq.elf 300000
uart_echo firmware/elf/uart_echo.elf 60000 --uart-input firmware/input/uart_echo.txt
thumb firmware/elf/thumb.elf 500000
rdimon firmware/elf/rdimon.elf 40000
bench firmware/elf/bench.elf 100000000
lpc2106_demo firmware/elf/lpc2106_demo.elf 10ms --board lpc2106
lpc2106_gpio firmware/elf/lpc2106_gpio.elf 5ms --board lpc2106
freertos ../shared/freertos/elf/rtosdemo-arm.elf 500ms --board lpc2106 --board $loop
EOF2
