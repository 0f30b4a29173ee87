using System.Numerics;

namespace SocSim.CortexM;

/// <summary>
/// Cycle counts of the Cortex-M3 TRM's instruction-timing table (DDI 0337I, 18.2 "Processor instruction
/// timings", table 18-1) on zero-wait memory, where the table gives a range or leaves a choice. Wait states
/// are added by the core from the bus. The choices are written down in docs/cortex-m.md.
/// </summary>
public static partial class CortexMTiming
{
    /// <summary>IT: 1 cycle (the table's figure; folding into the previous instruction is not modelled).</summary>
    public const int It = 1;
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
