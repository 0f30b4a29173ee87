#!/usr/bin/env bash
# Two socsim builds on the same run, interleaved (A B A B ...), since on a shared or frequency-scaling
# machine only figures taken side by side compare (two bench/speed.sh runs minutes apart can differ by
# 20% on rows no change touched). Prints each build's runs sorted and their median: host_s and mips of
# --stats (the run loop) and CPU s of the whole process (user+sys), and the load average at start and end.
# Usage: bench/ab.sh N SOCSIM_A SOCSIM_B RUN-ARGS...
#   e.g. bench/ab.sh 5 /tmp/before/socsim src/SocSim.Cli/bin/Release/net10.0/socsim \
#          run firmware/elf/irq_bench.elf --engine translate
# (--stats is added when RUN-ARGS do not have it.)
set -euo pipefail
if [ $# -lt 4 ]; then
    echo "usage: bench/ab.sh N SOCSIM_A SOCSIM_B RUN-ARGS..." >&2
    exit 2
fi
n=$1 a=$2 b=$3
shift 3
case "$n" in ''|*[!0-9]*) echo "bench/ab.sh: N must be a positive number, not '$n'" >&2; exit 2 ;; esac
for bin in "$a" "$b"; do
    [ -x "$bin" ] || { echo "bench/ab.sh: '$bin' is not an executable socsim" >&2; exit 2; }
done
args=("$@")
case " $* " in *" --stats "*) ;; *) args+=(--stats) ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
l0=$(cut -d' ' -f1 /proc/loadavg)
for i in $(seq "$n"); do
    for side in A B; do
        bin=$a; [ $side = B ] && bin=$b
        /usr/bin/time -f 'cpu %U %S' -o "$tmp/time" "$bin" "${args[@]}" </dev/null >/dev/null 2>"$tmp/err" || true
        stats=$(grep -m1 '^cycles=' "$tmp/err" || true)
        [ -n "$stats" ] || { echo "bench/ab.sh: run $i of $side printed no --stats line:" >&2; tail -3 "$tmp/err" >&2; exit 1; }
        host=$(sed -n 's/.* host_s=\([0-9.]*\).*/\1/p' <<<"$stats")
        mips=$(sed -n 's/.* mips=\([0-9.]*\).*/\1/p' <<<"$stats")
        cpu=$(awk '$1 == "cpu" {print $2 + $3}' "$tmp/time")
        echo "$host $mips $cpu" >>"$tmp/$side"
    done
done
l1=$(cut -d' ' -f1 /proc/loadavg)
median() { sort -g | sed -n "$(( (n + 1) / 2 ))p"; }
echo "load average $l0-$l1, $n runs each, interleaved"
for side in A B; do
    bin=$a; [ $side = B ] && bin=$b
    echo "$side ($bin):"
    for col in 1:host_s 2:mips 3:cpu_s; do
        k=${col%%:*} name=${col#*:}
        printf '  %-7s median %-8s runs %s\n' "$name" "$(cut -d' ' -f"$k" "$tmp/$side" | median)" "$(cut -d' ' -f"$k" "$tmp/$side" | sort -g | tr '\n' ' ')"
    done
done
