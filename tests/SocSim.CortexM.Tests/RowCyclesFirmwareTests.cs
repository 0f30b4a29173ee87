using SocSim.Core;
using SocSim.Tests;

namespace SocSim.CortexM.Tests;

/// <summary>
/// Firmware that measures every row of the timing tables itself, between two reads of a cycle counter:
/// <c>firmware/mps2/row_cycles.S</c> with DWT CYCCNT on mps2-an385 (Cortex-M3) and mps2-an386 (Cortex-M4F), and
/// <c>firmware/mps2/row_cycles_m0.S</c> with SysTick's current value (ARMv6-M has no CYCCNT) on mps2-an383 as the
/// Cortex-M0 and, with boards/overrides/mps2-an383-m0plus.json, the M0+. Slow memory: the data RAM (SSRAM2/3, System
/// bus: the operands and the stack) at 0 and 1 wait states, and on the M3 the code memory (SSRAM1) at 1 wait state.
/// Each row's figure is written below from the TRMs (Cortex-M3 TRM DDI 0337I table 18-1 and 18.3, Cortex-M4 TRM DDI
/// 0439B tables 3-1 and 7-1, Cortex-M0 TRM DDI 0432C table 3-1, Cortex-M0+ TRM DDI 0484C table 3-1) and the choices
/// in docs/cortex-m.md "Timing", as literals rather than the model's constants, so a changed cost in the model fails
/// here. The core's own count between the two reads (what --stats and --measure count) is checked to equal every
/// counter difference.
/// </summary>
public sealed class RowCyclesFirmwareTests
{
    private const uint Code = 0x100, Results = 0x2000_0000, StackTop = 0x2000_1000;

    /// <summary>Each row's cycles for (M4, w), w the data RAM's wait states, by the row's name in the firmware.</summary>
    private static Dictionary<string, int> Expected(bool m4, int w) => new()
    {
        // Two NOPs and the first CYCCNT read's LDR (2; after a NOP, so not pipelined).
        ["empty"] = 4,
        // Move, add, subtract: 1 each; to the PC 1 + P, P = 2 (a register target, known only at execute).
        ["MOV Rd, Rm x4"] = 4, ["MOVW, MOVT x2"] = 4, ["ADD Rd, Rn, Rm, LSL #3 x4"] = 4, ["ADDW, ADC, SUB, SBC x1"] = 4,
        ["RSB x4"] = 4, ["ADD PC, Rm (1+P, P=2)"] = 3, ["MOV PC, Rm (1+P, P=2)"] = 3,
        // M3: MUL 1, MLA/MLS 2, UMULL/SMULL 3 to 5 and UMLAL/SMLAL 4 to 7 by the operands' significant bits (3 + 1 past
        // 16 bits of the second operand + 1 past 24; accumulating + 1, + 1 more past 16 bits of the first). M4: 1 each.
        ["MUL x4"] = 4, ["MLA x4"] = m4 ? 4 : 8, ["MLS x4"] = m4 ? 4 : 8,
        ["UMULL 3-bit operands"] = m4 ? 1 : 3, ["SMULL 3-bit operands"] = m4 ? 1 : 3,
        ["UMLAL 3-bit operands"] = m4 ? 1 : 4, ["SMLAL 3-bit operands"] = m4 ? 1 : 4,
        ["UMULL second operand 20 bits"] = m4 ? 1 : 4, ["UMULL second operand 32 bits"] = m4 ? 1 : 5,
        ["UMLAL both operands 32 bits"] = m4 ? 1 : 7,
        // SDIV/UDIV 2 to 12: 2 + ceil(quotient bits / 3), at most 12; 2 below the divisor or by zero.
        ["UDIV dividend below divisor"] = 2, ["UDIV 0xFFFFFFFF / 1"] = 12, ["UDIV 100 / 7"] = 4,
        ["SDIV -1000 / 10"] = 5, ["SDIV by zero"] = 2,
        // Saturate, compare, logical, shift, count, extend, bit field, reverse: 1 each.
        ["SSAT, USAT x2"] = 4, ["CMP, CMN, TST, TEQ x1"] = 4, ["AND, EOR, ORR, ORN x1"] = 4, ["BIC, MVN x2"] = 4,
        ["LSL, LSR by register, ASR, ROR by register x1"] = 4, ["RRX x4"] = 4, ["CLZ, RBIT x2"] = 4,
        ["REV, REV16, REVSH, REV x1"] = 4, ["SXTH, SXTB ROR, UXTH, UXTB x1"] = 4, ["UBFX, SBFX, BFC, BFI x1"] = 4,
        // Loads 2, a load right behind a load 1 (18.3), unless its address is the previous load's or ALU result
        // (then 2 + 1); every data access + w; literals come from the zero-wait code memory.
        ["LDR x1"] = 2 + w, ["LDR x4 (pipelined)"] = 5 + 4 * w, ["LDRH, LDRB Rm, LDRSH, LDRSB (pipelined)"] = 5 + 4 * w,
        ["LDR literal x2 (pipelined)"] = 3, ["LDR then STR (pipelined)"] = 3 + 2 * w,
        ["LDR with the address from the previous LDR"] = 4 + 2 * w, ["ADD then LDR from its result"] = 4 + w,
        ["LDRT"] = 2 + w, ["LDRD (1+N)"] = 3 + 2 * w, ["LDM 4 registers (1+N)"] = 5 + 4 * w,
        ["LDM {r4, pc} (1+N+P)"] = 5 + 2 * w, ["LDR PC (2+P)"] = 4 + w,
        // Stores 2; nothing pipelines after a store.
        ["STR x1"] = 2 + w, ["STR x4 (nothing pipelines after a store)"] = 8 + 4 * w, ["STR then LDR"] = 4 + 2 * w,
        ["STRH, STRB Rm x1"] = 4 + 2 * w, ["STRT"] = 2 + w, ["STRD (1+N)"] = 3 + 2 * w,
        ["STM 4 registers (1+N)"] = 5 + 4 * w,
        // Push, pop 1 + N (the stack is in SSRAM2/3); POP with the PC 1 + N + P.
        ["PUSH {r0, r1} (1+N)"] = 3 + 2 * w, ["POP {r0, r1} (1+N)"] = 3 + 2 * w, ["PUSH {r0, r1, lr} (1+N)"] = 4 + 3 * w,
        ["POP {r4, pc} (1+N+P)"] = 5 + 2 * w,
        // Semaphores 2 each (+ the NOP between them); CLREX 1.
        ["LDREX, STREX"] = 5 + 2 * w, ["LDREXB, STREXB"] = 5 + 2 * w, ["LDREXH, STREXH"] = 5 + 2 * w, ["CLREX x4"] = 4,
        // Branches: 1 + P, P = 1 for a target known at decode (+ 1 for a 32-bit target at a halfword address),
        // 2 for a register target; not taken 1; TBB/TBH 2 + P; IT 1, folded 0 after a 16-bit instruction.
        ["B (1+P)"] = 2, ["B.W to a 32-bit instruction at a halfword address (P=2), then it"] = 3 + 1,
        ["B<c> not taken x4"] = 4, ["B<c> taken (1+P)"] = 2, ["BL (1+P)"] = 2, ["BX (1+P, P=2)"] = 3,
        ["BLX (1+P, P=2)"] = 3, ["CBZ not taken x4"] = 4, ["CBZ taken (1+P)"] = 2, ["TBB (2+P)"] = 4, ["TBH (2+P)"] = 4,
        ["IT folded after a 16-bit instruction, MOVEQ"] = 1, ["ADD.W, IT after it (not folded), MOVEQ"] = 3,
        // State change, hints: 1; WFE with the event set 1; barriers: DMB, DSB 1 + B (B = 0), ISB 1 + P.
        ["CPSID, CPSIE x2"] = 4, ["MRS x4"] = 4, ["MSR x4"] = 4, ["NOP x4"] = 4, ["YIELD x4"] = 4,
        ["SEV, WFE with the event set"] = 2, ["DMB"] = 1, ["DSB"] = 1, ["ISB (1+P)"] = 2,
        // Cortex-M4 (table 3-1): the DSP instructions and the long multiplies 1 each.
        ["SADD16, QADD, SHADD8, UQSUB8 x1"] = 4, ["SMLAD, SMUAD, SMLALD, SMMUL x1"] = 4,
        ["SMLABB, SMULBB, SMLALBB, SMULWB x1"] = 4, ["SEL, PKHBT, SXTAB16, USAD8 x1"] = 4,
        ["SSAT16, USADA8, UXTB16, QDADD x1"] = 4, ["UMLAL, SMLAL both operands 32 bits x2"] = 4,
        // Cortex-M4F (table 7-1): 1 each, VMLA/VFMA/VNMLS 3, VDIV/VSQRT 14, VMOV of two core registers 2, VLDR/VSTR
        // 2 (.64: 3), VLDM/VSTM/VPUSH/VPOP 1 + N words; every data word + w.
        ["VADD, VSUB, VMUL, VNMUL x1"] = 4, ["VABS, VNEG, VMOV, VCMP x1"] = 4, ["VMLA"] = 3, ["VFMA"] = 3, ["VNMLS"] = 3,
        ["VDIV"] = 14, ["VSQRT"] = 14, ["VCVT x4"] = 4, ["VMOV Sn, Rt; VMOV Rt, Sn; VMOV.F32 #imm x1"] = 3,
        ["VMOV two core registers (2)"] = 2, ["VMRS, VMSR FPSCR"] = 2, ["VLDR .32"] = 2 + w, ["VLDR .64"] = 3 + 2 * w,
        ["VSTR .32"] = 2 + w, ["VLDM 4 singles (1+N)"] = 5 + 4 * w, ["VSTM 2 doubles (1+N)"] = 5 + 4 * w,
        ["VPUSH 3 singles (1+N)"] = 4 + 3 * w, ["VPOP 3 singles (1+N)"] = 4 + 3 * w,
        // Exception entry 12 and return 10 in place of BX LR's P (18.2, "Exceptions"), + w for each of the eight
        // words stacked and unstacked.
        ["SVC (exception entry)"] = 12 + 8 * w, ["exception return (BX LR)"] = 1 + 10 + 8 * w,
    };

    /// <summary>
    /// With <paramref name="c"/> wait states on the code memory (SSRAM1, I-Code and D-Code) the prefetch unit fetches
    /// one word per 1 + c cycles into its three-word buffer (docs/cortex-m.md "Fetch", FetchTimingTests). A row keeps
    /// its zero-wait figure when the fetch stays ahead of it: no taken branch and no run of single-cycle 32-bit
    /// instructions (16-bit ones come two to a word). A literal load reads the code memory (+ c each), a direct branch's
    /// P is 1 + c (B here, its target and the next instruction in one word), and exception return refills from it
    /// (10 + c). This rule holds for c = 1 only (with 2 wait states even 16-bit instructions outrun the fetch). The
    /// other rows (fetch-bound runs of 32-bit instructions; branches and exception entry, whose figure depends on
    /// where the target and the instruction after it fall in their words) are checked against the core's count only
    /// here; FetchTimingTests derives such figures instruction by instruction.
    /// </summary>
    private static Dictionary<string, int> ExpectedOnSlowCode(int c)
    {
        string[] kept =
        [
            "empty", "MOV Rd, Rm x4", "MLA x4", "MLS x4", "UMULL 3-bit operands", "SMULL 3-bit operands",
            "UMLAL 3-bit operands", "SMLAL 3-bit operands", "UMULL second operand 20 bits", "UMULL second operand 32 bits",
            "UMLAL both operands 32 bits", "UDIV dividend below divisor", "UDIV 0xFFFFFFFF / 1", "UDIV 100 / 7",
            "SDIV -1000 / 10", "SDIV by zero", "REV, REV16, REVSH, REV x1", "SXTH, SXTB ROR, UXTH, UXTB x1",
            "LDR x1", "LDR then STR (pipelined)", "LDR with the address from the previous LDR", "ADD then LDR from its result",
            "LDRT", "LDRD (1+N)", "LDM 4 registers (1+N)", "STR x1", "STR x4 (nothing pipelines after a store)",
            "STR then LDR", "STRH, STRB Rm x1", "STRT", "STRD (1+N)", "STM 4 registers (1+N)", "PUSH {r0, r1} (1+N)",
            "POP {r0, r1} (1+N)", "PUSH {r0, r1, lr} (1+N)", "LDREX, STREX", "LDREXB, STREXB", "LDREXH, STREXH",
            "B<c> not taken x4", "CBZ not taken x4", "IT folded after a 16-bit instruction, MOVEQ",
            "ADD.W, IT after it (not folded), MOVEQ", "CPSID, CPSIE x2", "NOP x4", "YIELD x4", "SEV, WFE with the event set",
            "DMB", "DSB",
        ];
        var zeroWait = Expected(false, 0);
        var e = kept.ToDictionary(r => r, r => zeroWait[r]);
        e["LDR literal x2 (pipelined)"] = 3 + 2 * c;
        e["B (1+P)"] = 2 + c;
        e["exception return (BX LR)"] = 1 + 10 + c;
        return e;
    }

    [Theory]
    [InlineData("mps2-an385", 0)]
    [InlineData("mps2-an385", 1)]
    [InlineData("mps2-an386", 0)]
    [InlineData("mps2-an386", 1)]
    [InlineData("mps2-an385", 0, 1)]
    public void FirmwareMeasuresEveryRowWithCyccnt(string board, int w, int codeW = 0)
    {
        bool m4 = board == "mps2-an386";
        string[] defines = m4 ? ["DSP", "FPU"] : [];
        string[] overrides = [.. WaitStates("ssram23", w), .. WaitStates("ssram1", codeW)];
        string prefix = string.Concat(defines.Select(d => $".set {d}, 1\n")) + (m4 ? ".fpu fpv4-sp-d16\n" : "");
        RunAndCompare([Path.Combine(RepoPaths.Root, "boards", board + ".json")], overrides, "row_cycles.S", prefix,
            m4 ? "cortex-m4" : "cortex-m3", defines, codeW == 0 ? Expected(m4, w) : ExpectedOnSlowCode(codeW), everyRow: codeW == 0, "CYCCNT");
    }

    private static IEnumerable<string> WaitStates(string region, int w) =>
        new[] { "readN", "readS", "writeN", "writeS" }.Select(k => $"memory.{region}.waitStates.{k}={w}");

    /// <summary>
    /// Assembles <c>firmware/mps2/</c><paramref name="file"/> at 0x100 on the board, runs it to its BKPT, and checks
    /// each row's counter difference (results[k] - results[0]; the firmware subtracts in the counter's direction) against
    /// <paramref name="expected"/> (which must name <paramref name="everyRow"/>), and each difference with its
    /// overhead against the core's count between the two reads' executions (LDRs from [r7], after a NOP).
    /// </summary>
    private static void RunAndCompare(string[] boards, string[] overrides, string file, string prefix, string cpuName,
        string[] defines, Dictionary<string, int> expected, bool everyRow, string counter)
    {
        using var m = Machine.Create(boards, overrides);
        var cpu = (CortexMCpu)m.Core;
        string source = File.ReadAllText(Path.Combine(RepoPaths.Root, "firmware", "mps2", file));
        m.Bus.DebugWrite(Code, Asm.Assemble(prefix + source, cpuName));
        m.Bus.DebugWrite32(0, StackTop);
        m.Bus.DebugWrite32(4, Code | 1);
        cpu.Reset(0);
        // The core's count when each read executes (after any wait for its fetch: its step's end less the LDR's 2).
        var reads = new List<long>();
        for (int i = 0; i < 100_000 && cpu.State == CoreState.Running; i++)
        {
            bool read = cpu.DecodeAt(cpu.PC) is { Op: Op.Ldr, Rn: 7 };
            long start = cpu.Cycles;
            int cycles = cpu.Step();
            if (read) reads.Add(start + cycles - 2);
        }
        Assert.True(cpu.State == CoreState.Halted, $"{cpu.State} at 0x{cpu.PC:X} ({cpu.Fault})");
        var rows = RowNames(source, defines);
        Assert.Equal(2 * rows.Count, reads.Count);
        var wrong = new List<string>();
        for (int k = 0; k < rows.Count; k++)
        {
            uint delta = m.Bus.DebugRead32(Results + 4u * (uint)k);
            int measured = (int)delta - (k == 0 ? 0 : (int)m.Bus.DebugRead32(Results));
            Assert.True(!everyRow || expected.ContainsKey(rows[k]), $"row '{rows[k]}' has no expected figure");
            if (expected.TryGetValue(rows[k], out int trm) && trm != measured) wrong.Add($"{rows[k]}: {counter} gives {measured}, the TRM {trm}");
            long core = reads[2 * k + 1] - reads[2 * k];
            if (core != delta) wrong.Add($"{rows[k]}: {counter} gives {delta} with the overhead, the core's count {core}");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    /// <summary>
    /// Each row's cycles on the Cortex-M0 (DDI 0432C table 3-1) or M0+ (DDI 0484C table 3-1) for w, the data RAM's
    /// wait states, and <paramref name="mul"/>, the multiplier's cycles (1 fast, 32 small), by the row's name in
    /// <c>firmware/mps2/row_cycles_m0.S</c>. The M0+'s two-stage pipeline makes P 1 where the M0's is 2, and its
    /// MRS, MSR and barriers 3 where the M0's are 4.
    /// </summary>
    private static Dictionary<string, int> ExpectedM0(bool m0plus, int w, int mul)
    {
        int p = m0plus ? 1 : 2, sys = m0plus ? 3 : 4, exc = m0plus ? 15 : 16;
        return new()
        {
            // Two NOPs (MOV r8, r8) and the first SYST_CVR read's LDR (2).
            ["empty"] = 4,
            // Data processing 1 each; MULS 1 or 32.
            ["MOVS, MOV high, ADDS, ADCS"] = 4, ["ADD SP, SUB SP, RSBS, SBCS"] = 4, ["CMP, CMN, TST, ANDS"] = 4,
            ["EORS, ORRS, BICS, MVNS"] = 4, ["LSLS, LSRS, ASRS, RORS by register"] = 4, ["SXTH, SXTB, UXTH, UXTB"] = 4,
            ["REV, REV16, REVSH, REV"] = 4, ["MULS x4"] = 4 * mul,
            // Loads and stores 2 each, never pipelined, + w on SSRAM2/3 (the data and the stack); literals from SSRAM1.
            ["LDR x1"] = 2 + w, ["LDR x4"] = 8 + 4 * w, ["LDRH, LDRB, LDRSH Rm, LDRSB Rm"] = 8 + 4 * w,
            ["LDR literal x2"] = 4, ["LDR SP-relative x2"] = 4 + 2 * w, ["STR, STRH, STRB, STR SP-relative"] = 8 + 4 * w,
            // LDM, STM, PUSH, POP 1 + N; POP with the PC 1 + N + P + 1 (M0 4 + N, M0+ 3 + N).
            ["LDM 3 registers (1+N)"] = 4 + 3 * w, ["STM 2 registers (1+N)"] = 3 + 2 * w, ["PUSH {r4, lr} (1+N)"] = 3 + 2 * w,
            ["POP {r0, r1} (1+N)"] = 3 + 2 * w, ["POP {r0, pc} (4+N)"] = 1 + 2 + p + 1 + 2 * w,
            // Branches: not taken 1, taken 1 + P, BL 2 + P; BX, BLX, MOV PC, ADD PC 1 + P.
            ["B<c> not taken x4"] = 4, ["B<c> taken"] = 1 + p, ["B"] = 1 + p, ["BL"] = 2 + p, ["BX"] = 1 + p,
            ["BLX"] = 1 + p, ["MOV PC, Rm"] = 1 + p, ["ADD PC, Rm"] = 1 + p,
            // CPS, hints 1; WFE with the event set 2; MRS, MSR, barriers 4 (M0+ 3).
            ["CPSID, CPSIE x2"] = 4, ["MRS"] = sys, ["MSR"] = sys, ["NOP, YIELD, SEV"] = 3, ["SEV, WFE with the event set"] = 3,
            ["DMB"] = sys, ["DSB"] = sys, ["ISB"] = sys,
            // Exception entry 16 (M0+ 15), return 16 (15) in place of BX LR's P; + w for each of the eight words.
            ["SVC (exception entry)"] = exc + 8 * w, ["exception return (BX LR)"] = 1 + exc + 8 * w,
        };
    }

    [Theory]
    [InlineData(false, 0, 1)]
    [InlineData(false, 1, 1)]
    [InlineData(false, 0, 32)]
    [InlineData(true, 0, 1)]
    [InlineData(true, 1, 1)]
    public void M0FirmwareMeasuresEveryRowWithSysTick(bool m0plus, int w, int mul)
    {
        var boards = new List<string> { Path.Combine(RepoPaths.Root, "boards", "mps2-an383.json") };
        if (m0plus) boards.Add(Path.Combine(RepoPaths.Root, "boards", "overrides", "mps2-an383-m0plus.json"));
        string[] overrides = [$"cpu.parameters.multiplyCycles={mul}", .. WaitStates("ssram23", w)];
        RunAndCompare([.. boards], overrides, "row_cycles_m0.S", "", m0plus ? "cortex-m0plus" : "cortex-m0", [],
            ExpectedM0(m0plus, w, mul), everyRow: true, "SYST_CVR");
    }

    /// <summary>The names of the "@ row:" lines of <paramref name="source"/>, in order, skipping the ".ifdef" blocks of
    /// symbols not in <paramref name="defines"/>.</summary>
    internal static List<string> RowNames(string source, IReadOnlyCollection<string> defines)
    {
        var names = new List<string>();
        var skipping = new Stack<bool>();
        foreach (var raw in source.Split('\n'))
        {
            string line = raw.Trim();
            if (line.StartsWith(".ifdef ")) skipping.Push(!defines.Contains(line[7..].Trim()) || skipping.Any(s => s));
            else if (line == ".endif") skipping.Pop();
            else if (line.StartsWith("@ row: ") && !skipping.Any(s => s)) names.Add(line[7..]);
        }
        return names;
    }
}
