#!/usr/bin/python3
"""Runs ARM/Thumb test cases in Unicorn and prints the final states as JSON.

Usage: /usr/bin/python3 run_cases.py cases.json results.json

Input: {"memSize": int, "cases": [{"thumb": bool, "regs": [r0..r14], "flags": NZCV in bits 31:28,
        "codeAddr": int, "code": hex, "count": int, "dataAddr": int, "data": hex}, ...]}
Output: [{"regs": [r0..r14], "pc": int, "cpsr": int, "data": hex} | {"error": str}, ...]

The CPU model is the TI925T, an ARMv4T core, so that no ARMv5 behaviour (LDR PC / POP PC
interworking, BLX, CLZ, ...) creeps in. Unicorn's `count` counts a Thumb BL pair as one instruction.
"""
import json
import sys

from unicorn import Uc, UcError, UC_ARCH_ARM, UC_MODE_ARM, UC_MODE_THUMB
from unicorn.arm_const import (UC_CPU_ARM_TI925T, UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2,
                               UC_ARM_REG_R3, UC_ARM_REG_R4, UC_ARM_REG_R5, UC_ARM_REG_R6,
                               UC_ARM_REG_R7, UC_ARM_REG_R8, UC_ARM_REG_R9, UC_ARM_REG_R10,
                               UC_ARM_REG_R11, UC_ARM_REG_R12, UC_ARM_REG_R13, UC_ARM_REG_R14,
                               UC_ARM_REG_PC, UC_ARM_REG_CPSR)

REGS = [UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3, UC_ARM_REG_R4, UC_ARM_REG_R5,
        UC_ARM_REG_R6, UC_ARM_REG_R7, UC_ARM_REG_R8, UC_ARM_REG_R9, UC_ARM_REG_R10, UC_ARM_REG_R11,
        UC_ARM_REG_R12, UC_ARM_REG_R13, UC_ARM_REG_R14]


def make_engine(thumb, mem_size):
    mu = Uc(UC_ARCH_ARM, UC_MODE_THUMB if thumb else UC_MODE_ARM)
    mu.ctl_set_cpu_model(UC_CPU_ARM_TI925T)
    mu.mem_map(0, mem_size)
    return mu


def run_case(mu, case, mem_size, zeros):
    # Engines are reused (creating one costs milliseconds): clear memory and drop every translated
    # block, so nothing of the previous case survives.
    mu.mem_write(0, zeros)
    mu.ctl_remove_cache(0, mem_size)
    code = bytes.fromhex(case["code"])
    data = bytes.fromhex(case["data"])
    mu.mem_write(case["codeAddr"], code)
    mu.mem_write(case["dataAddr"], data)
    # SVC mode, IRQ and FIQ masked, the case's flags; the state comes from bit 0 of the start address.
    mu.reg_write(UC_ARM_REG_CPSR, (case["flags"] & 0xF0000000) | 0xD3 | (0x20 if case["thumb"] else 0))
    for reg, value in zip(REGS, case["regs"]):
        mu.reg_write(reg, value)
    start = case["codeAddr"] | (1 if case["thumb"] else 0)
    mu.emu_start(start, 0xFFFFFFFF, count=case["count"])
    return {
        "regs": [mu.reg_read(r) for r in REGS],
        "pc": mu.reg_read(UC_ARM_REG_PC),
        "cpsr": mu.reg_read(UC_ARM_REG_CPSR),
        "data": bytes(mu.mem_read(case["dataAddr"], len(data))).hex(),
    }


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    mem_size = spec["memSize"]
    zeros = bytes(mem_size)
    engines = {False: make_engine(False, mem_size), True: make_engine(True, mem_size)}
    out = []
    for case in spec["cases"]:
        try:
            out.append(run_case(engines[case["thumb"]], case, mem_size, zeros))
        except UcError as e:
            out.append({"error": str(e)})
            engines[case["thumb"]] = make_engine(case["thumb"], mem_size)
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
