#!/usr/bin/env bash
# Side-by-side speed: SocSim's interpreter, SocSim's translator and qemu-system-arm -M versatilepb
# (TCG) on the same ELFs, median of N runs each (default 5). QEMU's figure is wall time of the whole
# process (start-up included) and MIPS from SocSim's instruction count of the same program (QEMU
# does not count instructions). The FreeRTOS demo (/work/shared/freertos, on boards/lpc2106.json)
# never exits: it runs 1 s of simulated time with `socsim run --stats` per engine, and QEMU has no
# LPC2106 ("n/a"). Ends with one table: interpreter MIPS, translator MIPS, ratio, translated share,
# QEMU MIPS. Usage: bench/compare.sh [N] [ELF...]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-5}"; shift || true
elfs=("$@")
freertos=../shared/freertos/elf/rtosdemo-arm.elf
[ -f "$freertos" ] || freertos=/work/shared/freertos/elf/rtosdemo-arm.elf
if [ ${#elfs[@]} -eq 0 ]; then
    elfs=(firmware/elf/bench.elf firmware/elf/thumb.elf firmware/elf/timer_irq.elf firmware/elf/irq_bench.elf)
    [ -f "$freertos" ] && elfs+=("$freertos")
fi
dotnet build -c Release src/SocSim.Cli -v quiet -nologo >/dev/null
socsim="dotnet src/SocSim.Cli/bin/Release/net10.0/socsim.dll"
median() { sort -g | sed -n "$(( (n + 1) / 2 ))p"; }
rows=()
for elf in "${elfs[@]}"; do
    echo "== $elf"
    name=$(basename "$elf" .elf)
    if [ "$name" = rtosdemo-arm ]; then
        # socsim run --stats: mips= is instructions per host second of the run itself.
        declare -A mips=()
        share="-"
        for engine in interpret translate; do
            vals=()
            for i in $(seq "$n"); do
                s=$(date +%s.%N)
                err=$($socsim run "$elf" --board boards/lpc2106.json --max-time 1s --stats --engine "$engine" 2>&1 >/dev/null || true)
                e=$(date +%s.%N)
                m=$(echo "$err" | sed -n 's/^cycles=.* mips=\([0-9.]*\).*/\1/p')
                vals+=("$m")
                printf '  %s run %d: wall_s=%.3f %s\n' "$engine" "$i" "$(echo "$e - $s" | bc -l)" "$(echo "$err" | grep '^cycles=')"
                if [ "$engine" = translate ]; then
                    share=$(echo "$err" | sed -n 's/^translate: .*share=\([0-9.]*%\).*/\1/p')
                    fb=$(echo "$err" | sed -n 's/^fallback: //p')
                fi
            done
            mips[$engine]=$(printf '%s\n' "${vals[@]}" | median)
        done
        echo "  fallback (translate): $fb"
        rows+=("$(printf '| %s (1 s simulated) | %.1f | %.1f | %.2fx | %s | n/a (no LPC2106 in QEMU) |' "$name" "${mips[interpret]}" "${mips[translate]}" \
            "$(echo "${mips[translate]} / ${mips[interpret]}" | bc -l)" "$share")")
        unset mips
        continue
    fi
    out=$($socsim bench "$elf" --repeat "$n")
    echo "$out" | grep -E "run [0-9]+:|median|fallback" | sed 's/^/  /'
    im=$(echo "$out" | sed -n 's/^interpret: .*median_mips=\([0-9.]*\).*/\1/p')
    tm=$(echo "$out" | sed -n 's/^translate: .*median_mips=\([0-9.]*\).*/\1/p')
    share=$(echo "$out" | sed -n 's/^translate run .*translated_share=\([0-9.]*%\).*/\1/p' | tail -1)
    instr=$($socsim run "$elf" --stats 2>&1 >/dev/null | sed -n 's/.*instructions=\([0-9]*\).*/\1/p' | head -1)
    q="n/a (no qemu-system-arm)"
    if command -v qemu-system-arm >/dev/null; then
        times=()
        for i in $(seq "$n"); do
            s=$(date +%s.%N)
            QEMU_AUDIO_DRV=none timeout 60 qemu-system-arm -M versatilepb -m 64M -nographic -semihosting -kernel "$elf" </dev/null >/dev/null 2>&1 || true
            e=$(date +%s.%N)
            times+=("$(echo "$e - $s" | bc -l)")
        done
        med=$(printf '%s\n' "${times[@]}" | median)
        qm=$(echo "$instr / $med / 1000000" | bc -l)
        printf '  qemu: median_wall_s=%.3f mips=%.1f (instructions=%s)\n' "$med" "$qm" "$instr"
        q=$(printf '%.1f' "$qm")
    fi
    rows+=("$(printf '| %s | %.1f | %.1f | %.2fx | %s | %s |' "$name" "$im" "$tm" "$(echo "$tm / $im" | bc -l)" "$share" "$q")")
done
echo
echo "| firmware | interpreter MIPS | translator MIPS | ratio | translated share | qemu MIPS |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
