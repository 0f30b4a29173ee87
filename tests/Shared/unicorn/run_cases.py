#!/usr/bin/python3
"""Runs test cases in Unicorn (QEMU's ARM front ends) and writes the final states as JSON.

Usage: /usr/bin/python3 run_cases.py cases.json results.json
The one runner of the Unicorn comparisons of SocSim.Arm.Tests, SocSim.Arm9.Tests and SocSim.CortexM.Tests
(tests/Shared/UnicornRunner.cs writes its input and reads its output).

Input: {"memSize": int, "cases": [{"model": str, "thumb": bool, "regs": [r0..r14], "flags": int,
        "codeAddr": int, "code": hex, "count": int | "end": int, "dataAddr": int, "data": hex,
        optional "s": [s0..s31], "fpscr": int}, ...]}
Output: [{"regs": [r0..r14], "pc": int, "psr": int, "data": hex, optional "s", "fpscr"} | {"error": str}, ...]

Models (the CPU model, the flags of "flags" that are kept, the profile):
  ti925t  ARMv4T (the ARM7TDMI's architecture: no ARMv5 behaviour such as LDR PC / POP PC interworking,
          BLX or CLZ creeps in); NZCV in bits 31:28. Unicorn's `count` counts a Thumb BL pair as one.
  arm926  ARMv5TE (the ARM926EJ-S); NZCVQ in bits 31:27.
  m0, m3, m4  Cortex-M0 (ARMv6-M), M3 (ARMv7-M), M4 (ARMv7E-M, with the FPv4-SP when "s" is given);
          NZCVQ in bits 31:27.
A-profile cases start in SVC mode with IRQ and FIQ masked, in the state "thumb" says, and run "count"
instructions. M-profile cases run in Thread mode, privileged, on the MSP, from codeAddr until the PC
reaches "end" (at most 64 instructions).
"""
import json
import sys

from unicorn import Uc, UcError, UC_ARCH_ARM, UC_MODE_ARM, UC_MODE_THUMB, UC_MODE_MCLASS
import unicorn.arm_const as a

# R13 and R14 are SP and LR of the current mode (the same register ids in Unicorn).
REGS = [getattr(a, "UC_ARM_REG_R%d" % i) for i in range(13)] + [a.UC_ARM_REG_SP, a.UC_ARM_REG_LR]
SREGS = [getattr(a, "UC_ARM_REG_S%d" % i) for i in range(32)]

# model: (Unicorn CPU model, mask of the case's flags, M profile)
MODELS = {
    "ti925t": (a.UC_CPU_ARM_TI925T, 0xF0000000, False),
    "arm926": (a.UC_CPU_ARM_926, 0xF8000000, False),
    "m0": (a.UC_CPU_ARM_CORTEX_M0, 0xF8000000, True),
    "m3": (a.UC_CPU_ARM_CORTEX_M3, 0xF8000000, True),
    "m4": (a.UC_CPU_ARM_CORTEX_M4, 0xF8000000, True),
}


def make_engine(key, mem_size):
    model, thumb = key
    cpu, _, mclass = MODELS[model]
    mu = Uc(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS if mclass else UC_MODE_THUMB if thumb else UC_MODE_ARM)
    mu.ctl_set_cpu_model(cpu)
    mu.mem_map(0, mem_size)
    return mu


def run_case(mu, case, mem_size, zeros):
    _, mask, mclass = MODELS[case["model"]]
    # Engines are reused (creating one costs milliseconds): clear memory and drop every translated
    # block, so nothing of the previous case survives.
    mu.mem_write(0, zeros)
    mu.ctl_remove_cache(0, mem_size)
    data = bytes.fromhex(case["data"])
    mu.mem_write(case["codeAddr"], bytes.fromhex(case["code"]))
    mu.mem_write(case["dataAddr"], data)
    psr = a.UC_ARM_REG_XPSR if mclass else a.UC_ARM_REG_CPSR
    if mclass:
        for reg, value in zip(REGS, case["regs"]):
            mu.reg_write(reg, value)
        mu.reg_write(psr, (case["flags"] & mask) | (1 << 24))
    else:
        # SVC mode first (R13 and R14 are then SVC's), IRQ and FIQ masked, the state from "thumb".
        mu.reg_write(psr, (case["flags"] & mask) | 0xD3 | (0x20 if case["thumb"] else 0))
        for reg, value in zip(REGS, case["regs"]):
            mu.reg_write(reg, value)
    fp = "s" in case
    if fp:
        for reg, value in zip(SREGS, case["s"]):
            mu.reg_write(reg, value)
        mu.reg_write(a.UC_ARM_REG_FPSCR, case["fpscr"])
    start = case["codeAddr"] | (1 if mclass or case["thumb"] else 0)
    if "count" in case:
        mu.emu_start(start, 0xFFFFFFFF, count=case["count"])
    else:
        mu.emu_start(start, case["end"], count=64)
    out = {
        "regs": [mu.reg_read(r) for r in REGS],
        "pc": mu.reg_read(a.UC_ARM_REG_PC),
        "psr": mu.reg_read(psr),
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
    engines = {}
    out = []
    for case in spec["cases"]:
        if case["model"] not in MODELS:
            sys.exit("run_cases.py: unknown model %r (one of %s)" % (case["model"], ", ".join(MODELS)))
        key = (case["model"], bool(case.get("thumb", False)) and not MODELS[case["model"]][2])
        if key not in engines:
            engines[key] = make_engine(key, mem_size)
        try:
            out.append(run_case(engines[key], case, mem_size, zeros))
        except UcError as e:
            out.append({"error": str(e)})
            engines[key] = make_engine(key, mem_size)
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
