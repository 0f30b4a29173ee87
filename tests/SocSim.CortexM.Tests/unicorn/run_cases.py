#!/usr/bin/python3
"""Runs Thumb-2 test cases on Unicorn's Cortex-M3 model and writes the final states as JSON.

Usage: /usr/bin/python3 run_cases.py cases.json results.json

Input: {"memSize": int, "cases": [{"v6m": bool, "regs": [r0..r14], "flags": NZCVQ in bits 31:27, "codeAddr": int,
        "code": hex, "end": int, "dataAddr": int, "data": hex}, ...]}
Output: [{"regs": [r0..r14], "pc": int, "xpsr": int, "data": hex} | {"error": str}, ...]

Each case runs from codeAddr until the PC reaches `end` (at most 64 instructions), in Thread mode,
privileged, on the MSP. The model is UC_MODE_THUMB | UC_MODE_MCLASS with the Cortex-M3 CPU model, or the
Cortex-M0 model for cases marked v6m.
"""
import json
import sys

from unicorn import Uc, UcError, UC_ARCH_ARM, UC_MODE_THUMB, UC_MODE_MCLASS
from unicorn.arm_const import UC_CPU_ARM_CORTEX_M0, UC_CPU_ARM_CORTEX_M3, UC_ARM_REG_PC, UC_ARM_REG_XPSR
import unicorn.arm_const as a

REGS = [getattr(a, "UC_ARM_REG_R%d" % i) for i in range(13)] + [a.UC_ARM_REG_SP, a.UC_ARM_REG_LR]


def make_engine(mem_size, v6m):
    mu = Uc(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS)
    mu.ctl_set_cpu_model(UC_CPU_ARM_CORTEX_M0 if v6m else UC_CPU_ARM_CORTEX_M3)
    mu.mem_map(0, mem_size)
    return mu


def run_case(mu, case, mem_size, zeros):
    mu.mem_write(0, zeros)
    mu.ctl_remove_cache(0, mem_size)
    code = bytes.fromhex(case["code"])
    data = bytes.fromhex(case["data"])
    mu.mem_write(case["codeAddr"], code)
    mu.mem_write(case["dataAddr"], data)
    for reg, value in zip(REGS, case["regs"]):
        mu.reg_write(reg, value)
    mu.reg_write(UC_ARM_REG_XPSR, (case["flags"] & 0xF8000000) | (1 << 24))
    mu.emu_start(case["codeAddr"] | 1, case["end"], count=64)
    return {
        "regs": [mu.reg_read(r) for r in REGS],
        "pc": mu.reg_read(UC_ARM_REG_PC),
        "xpsr": mu.reg_read(UC_ARM_REG_XPSR),
        "data": bytes(mu.mem_read(case["dataAddr"], len(data))).hex(),
    }


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    mem_size = spec["memSize"]
    zeros = bytes(mem_size)
    engines = {False: make_engine(mem_size, False), True: make_engine(mem_size, True)}
    out = []
    for case in spec["cases"]:
        v6m = case.get("v6m", False)
        try:
            out.append(run_case(engines[v6m], case, mem_size, zeros))
        except UcError as e:
            out.append({"error": str(e)})
            engines[v6m] = make_engine(mem_size, v6m)
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
