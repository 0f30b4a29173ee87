using SocSim.Core;
using SocSim.Tests;

namespace SocSim.CortexM.Tests;

/// <summary>
/// Firmware that measures every row of the timing tables itself (<c>firmware/mps2/row_cycles.S</c>, DWT CYCCNT) on
/// mps2-an385 (Cortex-M3) and mps2-an386 (Cortex-M4F), with the data RAM (SSRAM2/3, System bus: the operands and
/// the stack) at 0 and 1 wait states and the code in zero-wait SSRAM1 on I-Code, so only the data accesses' wait
/// states add. Each row's figure is written below from the TRMs (Cortex-M3 TRM DDI 0337I table 18-1 and 18.3,
/// Cortex-M4 TRM DDI 0439B tables 3-1 and 7-1) and the choices in docs/cortex-m.md "Timing" as literals, not from
/// the model's constants, so a changed cost in the model fails here. The core's own count between the two CYCCNT
/// reads (what --stats and --measure count) is checked to equal every CYCCNT difference.
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

    [Theory]
    [InlineData("mps2-an385", 0)]
    [InlineData("mps2-an385", 1)]
    [InlineData("mps2-an386", 0)]
    [InlineData("mps2-an386", 1)]
    public void FirmwareMeasuresEveryRowWithCyccnt(string board, int w)
    {
        bool m4 = board == "mps2-an386";
        string[] defines = m4 ? ["DSP", "FPU"] : [];
        string[] overrides = w == 0 ? [] : new[] { "readN", "readS", "writeN", "writeS" }.Select(k => $"memory.ssram23.waitStates.{k}={w}").ToArray();
        using var m = Machine.Create([Path.Combine(RepoPaths.Root, "boards", board + ".json")], overrides);
        var cpu = (CortexMCpu)m.Core;
        string source = File.ReadAllText(Path.Combine(RepoPaths.Root, "firmware", "mps2", "row_cycles.S"));
        string prefix = string.Concat(defines.Select(d => $".set {d}, 1\n")) + (m4 ? ".fpu fpv4-sp-d16\n" : "");
        m.Bus.DebugWrite(Code, Asm.Assemble(prefix + source, m4 ? "cortex-m4" : "cortex-m3"));
        m.Bus.DebugWrite32(0, StackTop);
        m.Bus.DebugWrite32(4, Code | 1);
        cpu.Reset(0);
        // The core's count when each CYCCNT read (an LDR from [r7], after a NOP: not pipelined) executes.
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
        var expected = Expected(m4, w);
        Assert.Equal(2 * rows.Count, reads.Count);
        var wrong = new List<string>();
        for (int k = 0; k < rows.Count; k++)
        {
            uint cyccnt = m.Bus.DebugRead32(Results + 4u * (uint)k);
            int measured = (int)cyccnt - (k == 0 ? 0 : (int)m.Bus.DebugRead32(Results));
            Assert.True(expected.ContainsKey(rows[k]), $"row '{rows[k]}' has no expected figure");
            if (expected[rows[k]] != measured) wrong.Add($"{rows[k]}: CYCCNT gives {measured}, the TRM {expected[rows[k]]}");
            Assert.Equal(reads[2 * k + 1] - reads[2 * k], (long)cyccnt);
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
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
