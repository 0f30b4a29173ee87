#!/usr/bin/env bash
# Reverse debugging cost (issue 12), measured from a real gdb-multiarch session against
# `socsim run firmware/elf/bench.elf --gdb` on versatilepb:
#  1. slowdown of a run under GDB with the reverse history on (default budget) vs --gdb-history off:
#     `continue` from main over CYCLES simulated cycles (--max-cycles stops it), without and with a
#     breakpoint installed (that one never hit: it only puts the stub's hook on every instruction);
#  2. the time of one `reverse-continue` back over ~1 M (and ~10 M) cycles to the breakpoint at main.
# Host times are taken inside GDB (`shell date`), so GDB's start-up is not counted. Median of N runs.
# Usage: bench/reverse.sh [N=3] [CYCLES=20000000]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release src/SocSim.Cli -v quiet -nologo >/dev/null
S="dotnet src/SocSim.Cli/bin/Release/net10.0/socsim.dll"
N=${1:-3}
CYCLES=${2:-20000000}
ELF=firmware/elf/bench.elf
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
median() { grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# session SOCSIM_ARGS -- GDB_COMMANDS...: prints GDB's output (the stub's stderr in $tmp/err).
session() {
  local sargs=() ; while [ "$1" != "--" ]; do sargs+=("$1"); shift; done; shift
  # Emptied here first: the child opens it later, and the last session's port must not be read.
  : >"$tmp/err"
  # shellcheck disable=SC2086
  $S run $ELF "${sargs[@]}" --gdb 0 >/dev/null 2>"$tmp/err" &
  local pid=$!
  for _ in $(seq 300); do grep -q "waiting for GDB" "$tmp/err" && break; sleep 0.1; done
  local port; port=$(sed -n 's/.*waiting for GDB on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/err")
  local args=(-nx -batch -ex "set architecture armv4t" -ex "set pagination off" -ex "set confirm off"
              -ex "set remotetimeout 600" -ex "target remote 127.0.0.1:$port")
  for c in "$@"; do args+=(-ex "$c"); done
  gdb-multiarch "${args[@]}" $ELF 2>&1
  wait $pid || true
}

# The seconds between the two "T=" lines GDB printed.
elapsed() { grep -o 'T=[0-9.]*' | sed 's/T=//' | awk 'NR==1{a=$1} NR==2{printf "%.3f\n", $1-a}'; }
stamp='shell date +T=%s.%N'

echo "run under GDB: continue from main over $CYCLES cycles of bench.elf (median of $N)"
printf '%-10s %-16s %10s %12s\n' history breakpoint host_s Mcycles/s
for hist in off 256MiB; do
  for bp in none unhit; do
    ts=()
    for _ in $(seq "$N"); do
      extra=(); [ "$bp" = unhit ] && extra=("break *0xfffffff0")
      out=$(session --gdb-history "$hist" --max-cycles "$CYCLES" -- "break main" "continue" "delete" "${extra[@]}" \
            "$stamp" "continue" "$stamp" "monitor history" "kill")
      ts+=("$(elapsed <<<"$out")")
      hline=$(grep -o 'history: .*' <<<"$out" || echo "history: off")
    done
    t=$(printf '%s\n' "${ts[@]}" | median)
    printf '%-10s %-16s %10s %12s\n' "$hist" "$bp" "$t" "$(awk -v t="$t" -v c="$CYCLES" 'BEGIN{printf "%.1f", c/t/1e6}')"
    [ "$hist" != off ] && echo "           ($hline)"
  done
done

echo
echo "reverse-continue back to the breakpoint at main (median of $N)"
printf '%-12s %12s %10s\n' back_cycles reverse_s checkpoints
for back in 1000000 10000000; do
  ts=()
  for _ in $(seq "$N"); do
    out=$(session --max-cycles "$back" -- "break main" "continue" "monitor cycles" "continue" "monitor cycles" \
          "$stamp" "reverse-continue" "$stamp" "monitor cycles" "monitor history" "kill")
    ts+=("$(elapsed <<<"$out")")
    cps=$(sed -n 's/.*history: \([0-9]*\) checkpoints.*/\1/p' <<<"$out")
    # The stretch gone back over: from the cycle limit to main's breakpoint.
    span=$(grep -o 'cycles=[0-9]*' <<<"$out" | sed 's/cycles=//' | awk 'NR==1{m=$1} NR==2{e=$1} END{print e-m}')
  done
  printf '%-12s %12s %10s\n' "$span" "$(printf '%s\n' "${ts[@]}" | median)" "$cps"
done
