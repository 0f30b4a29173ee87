#!/bin/sh
# Builds the ISA coverage images used by tests/SocSim.Arm.Tests/DisassemblerTests.cs.
# The ELFs are committed so the tests need only arm-none-eabi-objdump, not the assembler.
#   isa-coverage.elf  hand-written: every ARMv4T instruction class and addressing form
#   isa-random.elf    generated (fixed seed): random ARM words and every ARMv4T Thumb halfword
# Needs gcc-arm-none-eabi (apt-get install -y gcc-arm-none-eabi) and python3.
set -eu
cd "$(dirname "$0")"
CC="${CC:-arm-none-eabi-gcc}"

# Assemble and link in separate steps with fixed file names so the ELFs are reproducible
# (gcc would otherwise leave its random temporary object name in the symbol table).
build() {
    $CC -march=armv4t -c "$1" -o "$2.o"
    $CC -march=armv4t -nostdlib -Ttext=0x8000 -Wl,--build-id=none "$2.o" -o "$2.elf"
    rm -f "$2.o"
}

build coverage.S isa-coverage

# The generated source stays out of git (see .gitignore).
python3 gen_random.py random-encodings.S
build random-encodings.S isa-random
