using System.Numerics;

namespace SocSim.CortexM;

/// <summary>
/// Cycle counts of the Cortex-M3 TRM's instruction-timing table (DDI 0337I, 18.2 "Processor instruction
/// timings", table 18-1) on zero-wait memory, where the table gives a range or leaves a choice. Wait states
/// are added by the core from the bus. The choices are written down in docs/cortex-m.md.
/// </summary>
public static partial class CortexMTiming
{
    /// <summary>
    /// IT: 1 cycle (the table's figure), or 0 when folded. The processor can execute an IT instruction in parallel
    /// with its neighbour (Cortex-M3 TRM DDI 0337I and Cortex-M4 TRM DDI 0439B, ACTLR.DISFOLD: "IT folding"; the
    /// DWT's FOLDCNT counts such zero-cycle instructions, ARMv7-M ARM C1.8.7). The TRMs give no precise rule;
    /// chosen (docs/cortex-m.md "IT folding"): an IT folds, taking no cycle, when ACTLR.DISFOLD is clear, the
    /// instruction executed just before it was a 16-bit one that went straight on to it (no taken branch, no
    /// exception entry or return in between, not itself an IT), and the IT's own fetch did not stall.
    /// </summary>
    public const int It = 1, ItFolded = 0;
    /// <summary>
    /// The Cortex-M4's multiplier (Cortex-M4 TRM DDI 0439B table 3-1, reproduced in TI's SWCU192 table 3-25): MUL,
    /// MLA, MLS, SMULL, UMULL, SMLAL and UMLAL 1 cycle each (single-cycle 32x32 MAC; no early termination), where
    /// the Cortex-M3 gives MLA/MLS 2 and the long multiplies 3-7.
    /// </summary>
    public const int M4Multiply = 1;
    /// <summary>MRS and MSR: the table gives 1 for MRS and 1 for MSR (to the APSR and the special registers).</summary>
    public const int Mrs = 1, Msr = 1;

    /// <summary>
    /// UMULL/SMULL 3 to 5 cycles, UMLAL/SMLAL 4 to 7 (the table's ranges; the multiplier terminates early).
    /// Rule chosen: 3 cycles, +1 when the second operand's significant bits exceed 16, +1 more when they exceed
    /// 24 (signed operands counted without their sign bits); accumulating forms add 1, and 1 more when the
    /// first operand also exceeds 16 significant bits (4..7).
    /// </summary>
    public static int LongMultiply(uint a, uint b, bool signed, bool accumulate)
    {
        int bb = SignificantBits(b, signed), ab = SignificantBits(a, signed);
        int c = 3 + (bb > 16 ? 1 : 0) + (bb > 24 ? 1 : 0);
        if (accumulate) c += 1 + (ab > 16 ? 1 : 0);
        return c;
    }

    private static int SignificantBits(uint v, bool signed)
    {
        if (signed && (int)v < 0) v = ~v;
        return 32 - BitOperations.LeadingZeroCount(v);
    }

    /// <summary>
    /// SDIV/UDIV: 2 to 12 cycles in the table ("depending on dividend and divisor"). Rule chosen: 2 cycles, plus
    /// one per 3 bits (rounded up) by which the dividend's significant bits exceed the divisor's, at most 12;
    /// a divisor of 0, or a dividend smaller than the divisor, is 2. Magnitudes for SDIV.
    /// </summary>
    public static int Divide(uint dividend, uint divisor)
    {
        if (divisor == 0 || dividend < divisor) return 2;
        int bits = BitOperations.LeadingZeroCount(divisor) - BitOperations.LeadingZeroCount(dividend) + 1;
        return Math.Min(12, 2 + (bits + 2) / 3);
    }
}

/// <summary>
/// The Cortex-M0's figures (Cortex-M0 TRM DDI 0432C 3.3, table 3-1 "Cortex-M0 instruction summary", zero-wait
/// memory) where they differ from the Cortex-M3's; the core adds the accesses' and the refill fetches' wait
/// states as it does for the M3. Every data-processing, compare, logical, shift, extend, reverse, CPS, SEV,
/// YIELD and NOP instruction 1; loads and stores 2 (no pipelining of neighbours: the M0 has no such rule);
/// LDM/STM/PUSH/POP 1 + N; B taken 3 (P = 2), not taken 1; BL 4 (2 + P); BX, BLX, MOV PC, ADD PC 3 (1 + P);
/// POP {..., PC} 4 + N (N counts the PC: 1 + N + P + 1, the loaded PC a cycle later than a register's); MRS,
/// MSR, ISB, DSB, DMB 4; WFI, WFE 2 (the table's footnote: the time asleep excluded); MULS 1 or 32 (the
/// multiplier the chip chose: <c>cpu.parameters.multiplyCycles</c>).
/// </summary>
public static class CortexM0Timing
{
    /// <summary>P of every taken branch (B 3 = 1 + P, BX 3 = 1 + P, BL 4 = 2 + P).</summary>
    public const int Refill = 2;
    /// <summary>BL: 2 + P (a 32-bit instruction).</summary>
    public const int Bl = 2;
    /// <summary>The extra cycle of POP {..., PC} over 1 + N + P (4 + N in the table).</summary>
    public const int PopPcExtra = 1;
    public const int LoadStore = 2, MrsMsr = 4, Barrier = 4, Sleep = 2;
    /// <summary>MULS: the fast multiplier 1 cycle, the small (iterative) one 32 (table 3-1 footnote a).</summary>
    public const int MultiplyFast = 1, MultiplySmall = 32;
    /// <summary>
    /// Exception entry 16 cycles with zero-wait memory (ARM's published Cortex-M0 interrupt latency: 16 cycles
    /// from the interrupt to the handler's first instruction; the TRM's exact section was not at hand here);
    /// return 16 (chosen: the TRM gives no return figure; taken equal to the entry's 8 stack accesses, vector
    /// and refill), in place of the returning instruction's P as on the M3. Tail-chaining keeps the M3's 6
    /// (chosen: no figure is given for the M0).
    /// </summary>
    public const int Entry = 16, Return = 16;
}

/// <summary>
/// The Cortex-M0+'s figures (Cortex-M0+ TRM DDI 0484C 3.3, table 3-1 "Cortex-M0+ instruction summary", zero-wait
/// memory) where they differ from the Cortex-M0's: its two-stage pipeline (fetch and pre-decode, then decode and
/// execute) refills in one cycle, so P = 1 for every taken branch: B&lt;c&gt; taken and B 2 (1 + P), BL 3 (2 + P),
/// BX, BLX, MOV PC and ADD PC 2 (1 + P), POP {..., PC} 3 + N (1 + N + P + 1); MRS, MSR, ISB, DSB, DMB 3. Loads and
/// stores stay 2 (1 on the single-cycle I/O port, which the MPS2 images do not have), LDM/STM/PUSH/POP 1 + N,
/// MULS 1 or 32, WFI/WFE 2, everything else 1.
/// </summary>
public static class CortexM0PlusTiming
{
    /// <summary>P of every taken branch.</summary>
    public const int Refill = 1;
    public const int MrsMsr = 3, Barrier = 3;
    /// <summary>
    /// Exception entry 15 cycles with zero-wait memory (ARM's published Cortex-M0+ interrupt latency, one less
    /// than the M0's 16: the shorter pipeline); return 15 (chosen as for the M0: equal to the entry; no figure
    /// is published).
    /// </summary>
    public const int Entry = 15, Return = 15;
}
