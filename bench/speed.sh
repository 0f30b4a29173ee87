#!/usr/bin/env bash
# Issue 21's speed table in one run: each row measures its two variants interleaved (A B A B A B),
# takes the median of N runs each (default 3) and prints the load average (1 min) at the row's start
# and end beside it, since on a shared machine only figures taken side by side compare.
#   rows: bench.elf and irq_bench.elf (interpreter vs translator, MIPS of the run loop, --stats);
#   FreeRTOS's LPC2106 demo for $SPEED_FREERTOS_TIME (default 10s) of simulated time, MAM on as the
#   demo sets it (times real time = simulated / host seconds); the same with a VCD of pins, interrupt
#   lines and timer output (no CPU signal); a full bus VCD of irq_bench.elf (CPU Mcycles/s); the pulp
#   UART RTL block kept busy by rtl_uart_busy.elf (CPU Mcycles/s, if Verilator and ../shared/rtl are there); whole-process wall
#   time of `socsim run hello.elf` and of the compute firmware against qemu-system-arm -M versatilepb
#   (firmware/run-qemu.sh's command line).
#   Cortex-M (mps2-an385): FreeRTOS's MPS2 blinky for $SPEED_FREERTOS_TIME simulated (times real time, MIPS)
#   and CoreMark per core (firmware/coremark/coremark-{m3,m0,m4f}.elf on mps2-an385/an383/an386: MIPS; the score in
#   iterations/s at 25 MHz simulated, or on the M0, which has no CYCCNT, the cycles of its 100 iterations).
# Usage: bench/speed.sh [N]   (SOCSIM=path overrides the socsim binary; the default is built first;
#   SPEED_ROWS="arm freertos vcd bus rtl qemu cortexm" picks row groups, default all; SOCSIM_FAST=path adds the
#   whole-process rows for the opt-in fast-start copy, docs/install.md)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-3}"
simtime="${SPEED_FREERTOS_TIME:-10s}"
freertos=../shared/freertos/elf/rtosdemo-arm.elf
[ -f "$freertos" ] || freertos=/work/shared/freertos/elf/rtosdemo-arm.elf
if [ -z "${SOCSIM:-}" ]; then
    dotnet build -c Release src/SocSim.Cli -v quiet -nologo >/dev/null
    SOCSIM=src/SocSim.Cli/bin/Release/net10.0/socsim
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
load() { cut -d' ' -f1 /proc/loadavg; }
want() { case " ${SPEED_ROWS:-arm freertos vcd bus rtl qemu cortexm} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
median() { sort -g | sed -n "$(( (n + 1) / 2 ))p"; }

# run OUTFILE CMD...: runs CMD (stdout dropped), appends "wall user stats-line" to OUTFILE.
run() {
    local out=$1; shift
    local s e
    s=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o "$tmp/time" "$@" </dev/null >/dev/null 2>"$tmp/err" || true
    e=$(date +%s.%N)
    local stats; stats=$(grep -m1 '^cycles=' "$tmp/err" || true)
    printf '%s %s %s\n' "$(echo "$e - $s" | bc -l)" "$(awk '{print $1 + $2}' "$tmp/time" | tail -1)" "$stats" >>"$out"
}
# field FILE KEY: the median of KEY= over the stats lines of FILE (wall/user: columns 1/2).
field() {
    case "$2" in
        wall) awk '{print $1}' "$1" | median ;;
        user) awk '{print $2}' "$1" | median ;;
        *) sed -n "s/.* $2=\([0-9.]*\).*/\1/p" "$1" | median ;;
    esac
}
# pair NAME CMD_A -- CMD_B: runs both N times interleaved into $tmp/NAME.a and $tmp/NAME.b.
pair() {
    local name=$1; shift
    local a=() b=() side=a
    for x in "$@"; do
        if [ "$x" = -- ]; then side=b; continue; fi
        if [ $side = a ]; then a+=("$x"); else b+=("$x"); fi
    done
    rm -f "$tmp/$name.a" "$tmp/$name.b"
    l0=$(load)
    for i in $(seq "$n"); do run "$tmp/$name.a" "${a[@]}"; run "$tmp/$name.b" "${b[@]}"; done
    loads="$l0-$(load)"
    last=$name
    echo "  $name: A $(tr '\n' '|' <"$tmp/$name.a")" >&2
    echo "  $name: B $(tr '\n' '|' <"$tmp/$name.b")" >&2
}
rows=()
# row NAME A B RATIO: one table line, with the medians of CPU seconds (user+sys) of the last pair and its load.
row() { rows+=("$(printf "| %s | %s | %s | %s | %s / %s | %s |" "$1" "$2" "$3" "$4" "$(field "$tmp/$last.a" user)" "$(field "$tmp/$last.b" user)" "$loads")"); }
ratio() { echo "$1 $2" | awk '{ if ($2 > 0) printf "%.2fx", $1 / $2; else print "-" }'; }
mhz() { echo "$1 $2" | awk '{ if ($2 > 0) printf "%.1f", $1 / $2 / 1e6; else print "-" }'; }
secs() { echo "$1" | awk '{ v = $1; if (v ~ /ms$/) v /= 1000; else if (v ~ /us$/) v /= 1e6; else sub(/s$/, "", v); print v }'; }

for elf in bench irq_bench; do
    want arm || continue
    echo "== $elf.elf" >&2
    pair "$elf" "$SOCSIM" run "firmware/elf/$elf.elf" --stats --quiet --engine interpret -- \
                "$SOCSIM" run "firmware/elf/$elf.elf" --stats --quiet --engine translate
    ia=$(field "$tmp/$elf.a" mips); tb=$(field "$tmp/$elf.b" mips)
    row "$elf.elf (MIPS)" "$ia" "$tb" "$(ratio "$tb" "$ia")"
done

sim=$(secs "$simtime")
# The vcd row runs without the freertos row too (SPEED_ROWS="vcd ...").
freertos_run=("$SOCSIM" run "$freertos" --board boards/lpc2106.json --max-time "$simtime" --stats --quiet)
vcd=(--vcd "$tmp/pins.vcd" --signals 'gpio.P0_7,gpio.P0_10,gpio.P0_11,gpio.P0_12,gpio.TXD0,vic.IRQ,timer0.INT,timer0.MAT0')
if [ -f "$freertos" ] && want freertos; then
    echo "== FreeRTOS $simtime" >&2
    pair freertos "${freertos_run[@]}" --engine interpret -- "${freertos_run[@]}" --engine translate
    ia=$(field "$tmp/freertos.a" host_s); tb=$(field "$tmp/freertos.b" host_s)
    rt_i=$(echo "$sim $ia" | awk '{printf "%.1fx real time (%.2f s)", $1 / $2, $2}')
    rt_t=$(echo "$sim $tb" | awk '{printf "%.1fx real time (%.2f s)", $1 / $2, $2}')
    row "FreeRTOS LPC2106, $simtime simulated, MAM on" "$rt_i, $(field "$tmp/freertos.a" mips) MIPS" "$rt_t, $(field "$tmp/freertos.b" mips) MIPS" "$(ratio "$ia" "$tb")"
    untraced=$tb
fi
if [ -f "$freertos" ] && want vcd; then
    untraced=${untraced:--}
    echo "== FreeRTOS $simtime --vcd" >&2
    pair vcd "${freertos_run[@]}" "${vcd[@]}" --engine interpret -- "${freertos_run[@]}" "${vcd[@]}" --engine translate
    ia=$(field "$tmp/vcd.a" host_s); tb=$(field "$tmp/vcd.b" host_s)
    row "same, --vcd of 8 pins/lines (translator untraced: $untraced s)" "$(echo "$sim $ia" | awk '{printf "%.1fx real time", $1 / $2}')" \
        "$(echo "$sim $tb" | awk '{printf "%.1fx real time", $1 / $2}'), $(ratio "$untraced" "$tb") of untraced" "$(ratio "$ia" "$tb")"
fi

if want bus; then
echo "== full bus VCD" >&2
bus=("$SOCSIM" run firmware/elf/irq_bench.elf --max-cycles 5000000 --stats --quiet --vcd "$tmp/bus.vcd" --signals 'cpu.A,cpu.D,cpu.nRW,cpu.MAS,cpu.nMREQ,cpu.SEQ,cpu.nOPC,cpu.nTRANS')
pair busvcd "${bus[@]}" --engine interpret -- "${bus[@]}" --engine translate
row "full bus VCD, irq_bench.elf 5 M cycles (CPU Mcycles/s)" "$(mhz "$(field "$tmp/busvcd.a" cycles)" "$(field "$tmp/busvcd.a" host_s)")" \
    "$(mhz "$(field "$tmp/busvcd.b" cycles)" "$(field "$tmp/busvcd.b" host_s)")" "-"
fi

if [ -f ../shared/rtl/apb_uart_sv/apb_uart_sv.sv ] || [ -f /work/shared/rtl/apb_uart_sv/apb_uart_sv.sv ] && want rtl; then
    echo "== rtl_uart" >&2
    rtl=("$SOCSIM" run firmware/elf/rtl/rtl_uart_busy.elf --board versatilepb --board boards/rtl/uart.json --stats --quiet)
    pair rtl "${rtl[@]}" --engine interpret -- "${rtl[@]}" --engine translate
    ca=$(field "$tmp/rtl.a" cycles); ha=$(field "$tmp/rtl.a" host_s)
    cb=$(field "$tmp/rtl.b" cycles); hb=$(field "$tmp/rtl.b" host_s)
    row "RTL uart busy (CPU Mcycles/s)" "$(mhz "$ca" "$ha")" "$(mhz "$cb" "$hb")" "$(ratio "$ha" "$hb")"
fi

mps2=../shared/cortex-m/freertos-mps2/elf/RTOSDemo-blinky.elf
[ -f "$mps2" ] || mps2=/work/shared/cortex-m/freertos-mps2/elf/RTOSDemo-blinky.elf
if [ -f "$mps2" ] && want cortexm; then
    echo "== FreeRTOS MPS2 blinky $simtime" >&2
    mps2_run=("$SOCSIM" run "$mps2" --board mps2-an385 --duration "$simtime" --stats --quiet)
    pair mps2 "${mps2_run[@]}" --engine interpret -- "${mps2_run[@]}" --engine translate
    ia=$(field "$tmp/mps2.a" host_s); tb=$(field "$tmp/mps2.b" host_s)
    row "FreeRTOS MPS2 blinky (Cortex-M3, mps2-an385), $simtime simulated" \
        "$(echo "$sim $ia" | awk '{printf "%.1fx real time (%.2f s)", $1 / $2, $2}'), $(field "$tmp/mps2.a" mips) MIPS" \
        "$(echo "$sim $tb" | awk '{printf "%.1fx real time (%.2f s)", $1 / $2, $2}'), $(field "$tmp/mps2.b" mips) MIPS" "$(ratio "$ia" "$tb")"
fi
if want cortexm; then
    # CoreMark built per core (firmware/coremark/build.sh CORE): the M3 on AN385, the M0 on AN383, the M4F on AN386.
    # The score is CoreMark's own (DWT CYCCNT); the M0 has no CYCCNT, so its row gives 100 iterations' cycles instead.
    for core in m3:mps2-an385 m0:mps2-an383 m4f:mps2-an386; do
        c=${core%%:*} board=${core#*:}
        echo "== CoreMark ($c, $board)" >&2
        cm=("$SOCSIM" run "firmware/coremark/coremark-$c.elf" --board "$board" --semihosting --stats --quiet)
        pair "coremark-$c" "${cm[@]}" --engine interpret -- "${cm[@]}" --engine translate
        if [ "$c" = m0 ]; then
            score="$(field "$tmp/coremark-$c.a" cycles) cycles for 100 iterations"
        else
            score="score $("${cm[@]}" 2>/dev/null | sed -n 's/^Iterations\/Sec x1000 : \([0-9]*\).*/\1/p' | awk '{printf "%.2f", $1 / 1000}') iterations/s at 25 MHz simulated"
        fi
        ia=$(field "$tmp/coremark-$c.a" mips); tb=$(field "$tmp/coremark-$c.b" mips)
        row "CoreMark on $board (Cortex-${c^^}; MIPS; $score)" "$ia" "$tb" "$(ratio "$tb" "$ia")"
    done
fi

# whole NAME LABEL BIN ELF: BIN's whole process against QEMU's on ELF, interleaved (wall and user+sys seconds).
whole() {
    local name=$1 label=$2 bin=$3 elf=$4
    pair "$name" "$bin" run "firmware/elf/$elf.elf" --quiet -- \
        env QEMU_AUDIO_DRV=none timeout 60 qemu-system-arm -M versatilepb -m 64M -nographic -semihosting -kernel "firmware/elf/$elf.elf"
    local sa qb
    sa=$(field "$tmp/$name.a" wall); qb=$(field "$tmp/$name.b" wall)
    row "whole process, $label run $elf.elf vs QEMU (wall s; user+sys)" \
        "$(printf '%.3f; %.3f' "$sa" "$(field "$tmp/$name.a" user)")" \
        "QEMU $(printf '%.3f; %.3f' "$qb" "$(field "$tmp/$name.b" user)")" "$(ratio "$sa" "$qb") QEMU's"
}
if command -v qemu-system-arm >/dev/null && want qemu; then
    for elf in hello bench; do
        echo "== whole process $elf.elf vs qemu" >&2
        whole "whole-$elf" socsim "$SOCSIM" "$elf"
        # The opt-in fast-start copy (docs/install.md: dotnet publish src/SocSim.Cli -c Release -p:SocsimFastStart=true -o DIR), if given.
        [ -z "${SOCSIM_FAST:-}" ] || whole "fast-$elf" "fast-start copy ($SOCSIM_FAST)" "$SOCSIM_FAST" "$elf"
    done
fi

echo
echo "| row | interpreter (A) | translator (B) | ratio | CPU s A / B | load avg (start-end) |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
