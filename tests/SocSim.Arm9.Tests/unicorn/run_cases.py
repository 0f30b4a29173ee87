#!/usr/bin/python3
"""Runs ARMv5TE test cases in Unicorn's ARM926 model and prints the final states as JSON.

Usage: /usr/bin/python3 run_cases.py cases.json results.json

Input: {"memSize": int, "cases": [{"thumb": bool, "regs": [r0..r14], "flags": NZCVQ in bits 31:27,
        "codeAddr": int, "code": hex, "count": int, "dataAddr": int, "data": hex}, ...]}
Output: [{"regs": [r0..r14], "pc": int, "cpsr": int, "data": hex} | {"error": str}, ...]
"""
import json
import sys

from unicorn import Uc, UcError, UC_ARCH_ARM, UC_MODE_ARM, UC_MODE_THUMB
from unicorn.arm_const import UC_CPU_ARM_926, UC_ARM_REG_PC, UC_ARM_REG_CPSR
import unicorn.arm_const as K

REGS = [getattr(K, "UC_ARM_REG_R%d" % i) for i in range(15)]


def make_engine(thumb, mem_size):
    mu = Uc(UC_ARCH_ARM, UC_MODE_THUMB if thumb else UC_MODE_ARM)
    mu.ctl_set_cpu_model(UC_CPU_ARM_926)
    mu.mem_map(0, mem_size)
    return mu


def run_case(mu, case, mem_size, zeros):
    mu.mem_write(0, zeros)
    mu.ctl_remove_cache(0, mem_size)
    mu.mem_write(case["codeAddr"], bytes.fromhex(case["code"]))
    data = bytes.fromhex(case["data"])
    mu.mem_write(case["dataAddr"], data)
    mu.reg_write(UC_ARM_REG_CPSR, (case["flags"] & 0xF8000000) | 0xD3 | (0x20 if case["thumb"] else 0))
    for reg, value in zip(REGS, case["regs"]):
        mu.reg_write(reg, value)
    mu.emu_start(case["codeAddr"] | (1 if case["thumb"] else 0), 0xFFFFFFFF, count=case["count"])
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
