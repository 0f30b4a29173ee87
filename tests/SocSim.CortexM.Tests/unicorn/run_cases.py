#!/usr/bin/python3
"""Runs Thumb-2 test cases on Unicorn's Cortex-M3 model and writes the final states as JSON.

Usage: /usr/bin/python3 run_cases.py cases.json results.json

Input: {"memSize": int, "cases": [{"v6m": bool, "regs": [r0..r14], "flags": NZCVQ in bits 31:27, "codeAddr": int,
        "code": hex, "end": int, "dataAddr": int, "data": hex}, ...]}
Output: [{"regs": [r0..r14], "pc": int, "xpsr": int, "data": hex} | {"error": str}, ...]
Cases marked fp (the FPv4-SP, on the Cortex-M4 model) also give "s": [s0..s31] and "fpscr" as input, and
return them.

Each case runs from codeAddr until the PC reaches `end` (at most 64 instructions), in Thread mode,
privileged, on the MSP. The model is UC_MODE_THUMB | UC_MODE_MCLASS with the Cortex-M3 CPU model, the
Cortex-M0 model for cases marked v6m, or the Cortex-M4 model for cases marked m4 (the DSP extension).
"""
import json
import sys

from unicorn import Uc, UcError, UC_ARCH_ARM, UC_MODE_THUMB, UC_MODE_MCLASS
from unicorn.arm_const import UC_CPU_ARM_CORTEX_M0, UC_CPU_ARM_CORTEX_M3, UC_CPU_ARM_CORTEX_M4, UC_ARM_REG_PC, UC_ARM_REG_XPSR
import unicorn.arm_const as a

REGS = [getattr(a, "UC_ARM_REG_R%d" % i) for i in range(13)] + [a.UC_ARM_REG_SP, a.UC_ARM_REG_LR]
SREGS = [getattr(a, "UC_ARM_REG_S%d" % i) for i in range(32)]


MODELS = {"m0": UC_CPU_ARM_CORTEX_M0, "m3": UC_CPU_ARM_CORTEX_M3, "m4": UC_CPU_ARM_CORTEX_M4}


def model_of(case):
    return "m0" if case.get("v6m", False) else "m4" if case.get("m4", False) or case.get("fp", False) else "m3"


def make_engine(mem_size, model):
    mu = Uc(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS)
    mu.ctl_set_cpu_model(MODELS[model])
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
    fp = case.get("fp", False)
    if fp:
        for reg, value in zip(SREGS, case["s"]):
            mu.reg_write(reg, value)
        mu.reg_write(a.UC_ARM_REG_FPSCR, case["fpscr"])
    mu.emu_start(case["codeAddr"] | 1, case["end"], count=64)
    out = {
        "regs": [mu.reg_read(r) for r in REGS],
        "pc": mu.reg_read(UC_ARM_REG_PC),
        "xpsr": mu.reg_read(UC_ARM_REG_XPSR),
        "data": bytes(mu.mem_read(case["dataAddr"], len(data))).hex(),
    }
    if fp:
        out["s"] = [mu.reg_read(r) for r in SREGS]
        out["fpscr"] = mu.reg_read(a.UC_ARM_REG_FPSCR)
    return out


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    mem_size = spec["memSize"]
    zeros = bytes(mem_size)
    engines = {m: make_engine(mem_size, m) for m in MODELS}
    out = []
    for case in spec["cases"]:
        model = model_of(case)
        try:
            out.append(run_case(engines[model], case, mem_size, zeros))
        except UcError as e:
            out.append({"error": str(e)})
            engines[model] = make_engine(mem_size, model)
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
