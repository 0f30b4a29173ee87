namespace SocSim.Arm9;

/// <summary>
/// Issue cycles of the ARM9EJ-S with zero-wait memory (a cache hit or a TCM access), and the result
/// latencies the interlocks use (Arm926Cpu.Arm.cs, "interlocks"). Sources, per row:
/// <list type="bullet">
/// <item>[T] ARM9EJ-S TRM DDI 0222B 8.1 table 8.2 ("ARM instruction cycle counts"): exact. The copy at
///   hand (infocenter, I1028171) reaches as far as the LDM rows; the rest of the table is not in any
///   corpus this project could search (2026-12-07).</item>
/// <item>[E] ARM7EJ-S TRM DDI 0214B chapter 9: ARM's cycle tables for the other ARMv5TEJ core built on
///   the same five-stage ARM9EJ-S-style pipeline, whose multiplier "operates in both the Execute and
///   Memory stages" (9.9.1). Used where [T] is out of reach, for what is internal to the execute
///   pipeline (multiplier, saturating unit), never for bus cycles (the ARM7EJ-S has one bus).</item>
/// <item>[G] GCC's arm926ejs.md pipeline description (secondary: its authors read the ARM926EJ-S TRM,
///   but it models branches as free and MULS as 3, so it only confirms what [E] does not state).</item>
/// </list>
/// No ARM9EJ-S multiply ends early: [E]'s tables 9.10-9.12 have no operand-dependent rows.
/// Checked row by row on 2026-12-07 against two independent models of the ARM9E-S core (the ARM946E-S of
/// the Nintendo DS, the same integer core), since the ARM9E-S TRM (DDI 0165/0240) and DDI 0222B's multiply
/// rows are still in no searchable corpus: kelpsyberry/dust core/src/cpu/interpreter/arm9/arm/data.rs
/// (MUL/MLA 2, S 4; SMULL/UMULL/SMLAL/UMLAL 3, S 5; SMULxy/SMLAxy/SMULWy/SMLAWy 1; SMLALxy 2; QADD and
/// family 1; each non-S result one interlock cycle, none for the S forms, none into a multiply's
/// accumulator) and a melonDS-derived ARM946E-S interpreter (MUL/MLA 2, S 4, long 3, long S 5): every
/// cycle count above agrees. One difference, kept: dust lets RdLo of a long multiply be used at once and
/// interlocks only RdHi, by its own note a presumption ("presumably implies"), not a table; [E] 9.12
/// does not say which half, so both halves keep the interlock here (an open question, not a TRM row).
/// </summary>
internal static class Timing
{
    /// <summary>[T] data op, CLZ: 1.</summary>
    public const int DataOp = 1;
    /// <summary>[T] register-controlled shift: one more cycle.</summary>
    public const int RegisterShift = 1;
    /// <summary>[T] PC destination, arithmetic result (ADD, SUB, RSB, ADC, SBC) without shift.</summary>
    public const int DataOpPcArith = 3;
    /// <summary>[T] PC destination, logical result or a shifted operand.</summary>
    public const int DataOpPcOther = 4;
    public const int Branch = 3;
    /// <summary>[T] LDR 1, scaled offset 2, to the PC 5, to the PC with a scaled offset 6.</summary>
    public const int Load = 1;
    public const int LoadScaled = 2;
    public const int LoadPc = 5;
    public const int LoadPcScaled = 6;
    /// <summary>[T] STR 1, scaled offset 2.</summary>
    public const int Store = 1;
    public const int StoreScaled = 2;
    /// <summary>[T] LDRD and STRD: 2 (LDRD's second word: the load latency below).</summary>
    public const int DoubleWord = 2;
    /// <summary>
    /// [T] LDM of one register (not the PC): 2 cycles; of n &gt; 1: n; the last loaded register has the
    /// word load latency (table 8.2's "n+1" row). STM: the same counts (chosen: symmetric, its rows are
    /// past the copy at hand). LDM loading the PC: 4 more (chosen: table 8.2's LDR-to-PC row adds 4 to
    /// LDR, and [E] table 9.22 adds the same constant to LDM with and without the PC), so LDM {pc} is 6.
    /// </summary>
    public const int BlockMinimum = 2;
    public const int BlockPcExtra = 4;
    public const int Swap = 2;
    /// <summary>
    /// [E] tables 9.10/9.11: MUL/MLA 2 cycles and a 1-cycle interlock when the next instruction needs
    /// the result in its first Execute or first Memory cycle, except as a multiply-accumulate's
    /// accumulator; MULS/MLAS (and Thumb MUL, which sets flags) always 4 and never interlock.
    /// </summary>
    public const int Mul = 2, MulS = 4;
    /// <summary>[E] table 9.12 and the paragraph after it: SMULL/UMULL/SMLAL/UMLAL 3 (+1 interlock on RdLo or RdHi); the S forms always 5, no interlock.</summary>
    public const int MulLong = 3, MulLongS = 5;
    /// <summary>[G] (9_mult5, 9_mult6): SMULxy/SMLAxy/SMULWy/SMLAWy 1 cycle, SMLALxy 2, each with MUL's 1-cycle result interlock.</summary>
    public const int Mul16 = 1, Mul16Long = 2;
    /// <summary>Multiply results: one interlock cycle for the next instruction ([E] 9.9.1).</summary>
    public const int MulLatency = 1;
    /// <summary>[E] 9.10.1: QADD/QSUB/QDADD/QDSUB 1 cycle; 1 interlock cycle only for a first-Execute use of the result.</summary>
    public const int Saturating = 1, SaturatingLatency = 1;
    public const int Mrs = 2;
    public const int MsrFlags = 1, MsrControl = 3;
    public const int Mcr = 2, Mrc = 2;
    public const int Exception = 3;
    /// <summary>[T] result latency of a loaded word (1-cycle load-use interlock), and of a byte, halfword or unaligned word (2-cycle).</summary>
    public const int LoadLatency = 1, LoadLatencyNarrow = 2;
}
