#!/usr/bin/env bash
# Runs every SocSim test. Installs the Debian packages the tests drive when they are missing:
# binutils-arm-none-eabi (objdump checks the disassembler), gcc-arm-none-eabi and
# libnewlib-arm-none-eabi (their ARMv4T libraries are more code for that check; the firmware's ELFs
# are committed; ReproducibleFirmwareTests rebuilds them and compares byte for byte), python3-unicorn (result oracle),
# qemu-system-arm (firmware oracle), gdb-multiarch (drives the GDB stub), sigrok-cli (decodes the
# UART line of our VCDs), gtkwave (vcd2fst parses our VCDs; gtkwave itself loads our save files,
# headless under xvfb-run from xvfb and xauth), device-tree-compiler (dtc decompiles the device trees the Linux
# loader writes), iverilog and verilator (write RTL VCDs for the
# reader and vcd-diff; verilator and g++ build the `rtl` peripherals' models). Extra arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v arm-none-eabi-objdump >/dev/null 2>&1 || need+=(binutils-arm-none-eabi)
command -v arm-none-eabi-gcc >/dev/null 2>&1 || need+=(gcc-arm-none-eabi)
[ -f /usr/lib/arm-none-eabi/newlib/libc.a ] || need+=(libnewlib-arm-none-eabi)
/usr/bin/python3 -c 'import unicorn' >/dev/null 2>&1 || need+=(python3-unicorn)
command -v qemu-system-arm >/dev/null 2>&1 || need+=(qemu-system-arm)
command -v gdb-multiarch >/dev/null 2>&1 || need+=(gdb-multiarch)
command -v sigrok-cli >/dev/null 2>&1 || need+=(sigrok-cli)
command -v vcd2fst >/dev/null 2>&1 || need+=(gtkwave)
command -v xvfb-run >/dev/null 2>&1 || need+=(xvfb xfonts-base)   # xfonts-base: the X server's "fixed" font, a recommendation of xvfb's
command -v xauth >/dev/null 2>&1 || need+=(xauth)
command -v dtc >/dev/null 2>&1 || need+=(device-tree-compiler)
command -v iverilog >/dev/null 2>&1 || need+=(iverilog)
command -v verilator >/dev/null 2>&1 || need+=(verilator)
command -v g++ >/dev/null 2>&1 || need+=(g++)
# The packages install while the solution builds (the build needs none of them). Only what each
# depends on: --no-install-recommends leaves out what apt would add by default and no test uses
# (libstdc++-arm-none-eabi-newlib alone is 313 MB to fetch and 1.6 GB unpacked; QEMU's firmware images
# and GUI), which was most of a clean machine's install time.
apt_log=$(mktemp)
apt_pid=""
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "test.sh: installing ${need[*]} (while the solution builds)" >&2
  ( $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" ) >"$apt_log" 2>&1 &
  apt_pid=$!
fi

# A snapshot that is missing fails its test (Snapshooter would otherwise write it and pass).
export SNAPSHOOTER_STRICT_MODE=on
# A test that hangs is named and its test host killed after this long (the longest single test, the
# conformance lockstep, takes about 4 minutes on an idle machine; this leaves room for a loaded one).
hang_timeout=${SOCSIM_TEST_HANG_TIMEOUT:-15m}

log=$(mktemp)
trap 'rm -f "$log" "$apt_log"' EXIT
set +e
# Build everything first: some tests run the built `socsim` binary, whose project they do not reference.
dotnet build SocSim.sln -c Release -nologo -v quiet 2>&1 | tee "$log"
build=${PIPESTATUS[0]}
status=$build
if [ -n "$apt_pid" ] && ! wait "$apt_pid"; then
  cat "$apt_log" >&2
  echo "test.sh: installing ${need[*]} failed (apt-get's output above)" >&2
  exit 1
fi
if [ "$build" -eq 0 ]; then
  dotnet test SocSim.sln -c Release --no-build --blame-hang-timeout "$hang_timeout" --blame-hang-dump-type none "$@" 2>&1 | tee -a "$log"
  status=${PIPESTATUS[0]}
fi
set -e
# One closing line over all test assemblies, e.g. "412 passed, 0 failed".
awk '/^(Passed!|Failed!) +- +Failed: +[0-9]+, +Passed: +[0-9]+/ {
       gsub(",", ""); f += $4; p += $6 }
     END { printf "%d passed, %d failed\n", p, f }' "$log"
exit "$status"
