#!/usr/bin/env bash
# Runs the I-th (from 1) of N slices of this project's tests: the same round-robin slicing as
# `socsim sweep --shard I/N` (test methods sorted by name; method k goes to slice (k mod N) + 1).
# Usage: bash shard.sh I N [dotnet test options]   e.g. bash shard.sh 2 4 -c Release
set -euo pipefail
cd "$(dirname "$0")"
i=${1:?usage: shard.sh I N [dotnet test options]}; n=${2:?usage: shard.sh I N [dotnet test options]}; shift 2
[[ $i =~ ^[0-9]+$ && $n =~ ^[0-9]+$ && $i -ge 1 && $i -le $n ]] || { echo "shard.sh: expected 1 <= I <= N, got $i/$n" >&2; exit 2; }
# `--list-tests` prints each test's full name indented under a header; a theory's cases share a method.
mapfile -t methods < <(dotnet test --list-tests "$@" | sed -n 's/^    \([A-Za-z_][A-Za-z0-9_.]*\).*/\1/p' | sort -u)
filter=""
for k in "${!methods[@]}"; do
  if (( k % n == i - 1 )); then filter+="${filter:+|}FullyQualifiedName=${methods[$k]}"; fi
done
if [ -z "$filter" ]; then echo "shard.sh: slice $i/$n has no tests (${#methods[@]} in all)" >&2; exit 0; fi
exec dotnet test --filter "$filter" "$@"
