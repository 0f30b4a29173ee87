#!/usr/bin/env bash
# Measures SocSim's speed on the compute-bound bench firmware (firmware/src/bench.c, ~98 M
# instructions: CRC-32, sieve, matrix multiply, quicksort in ARM state, a Thumb kernel) on the
# default board, tracing off. Prints one line per run and the best/median MIPS.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release src/SocSim.Cli -v quiet -nologo >/dev/null
dotnet src/SocSim.Cli/bin/Release/net10.0/socsim.dll bench --repeat "${1:-5}" "${@:2}"
