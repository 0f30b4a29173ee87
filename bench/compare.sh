#!/usr/bin/env bash
# Side-by-side speed: SocSim's interpreter, SocSim's translator and qemu-system-arm -M versatilepb
# (TCG) on the same ELFs, median of N runs each (default 5). QEMU's figure is wall time of the whole
# process (start-up included) and MIPS from SocSim's instruction count of the same program (QEMU
# does not count instructions). Usage: bench/compare.sh [N] [ELF...]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-5}"; shift || true
elfs=("$@")
[ ${#elfs[@]} -eq 0 ] && elfs=(firmware/elf/bench.elf firmware/elf/thumb.elf firmware/elf/timer_irq.elf)
dotnet build -c Release src/SocSim.Cli -v quiet -nologo >/dev/null
socsim="dotnet src/SocSim.Cli/bin/Release/net10.0/socsim.dll"
for elf in "${elfs[@]}"; do
    echo "== $elf"
    $socsim bench "$elf" --repeat "$n" | grep -E "run [0-9]+:|median" | sed 's/^/  /'
    instr=$($socsim run "$elf" --stats 2>&1 >/dev/null | sed -n 's/.*instructions=\([0-9]*\).*/\1/p' | head -1)
    if command -v qemu-system-arm >/dev/null; then
        times=()
        for i in $(seq "$n"); do
            s=$(date +%s.%N)
            timeout 60 qemu-system-arm -M versatilepb -m 64M -nographic -semihosting -kernel "$elf" </dev/null >/dev/null 2>&1 || true
            e=$(date +%s.%N)
            times+=("$(echo "$e - $s" | bc -l)")
        done
        med=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(( (n + 1) / 2 ))p")
        printf '  qemu: median_wall_s=%.3f mips=%.1f (instructions=%s)\n' "$med" "$(echo "$instr / $med / 1000000" | bc -l)" "$instr"
    fi
done
