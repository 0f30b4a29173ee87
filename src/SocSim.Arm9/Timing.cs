namespace SocSim.Arm9;

/// <summary>
/// Issue cycles of the ARM9EJ-S (DDI 0222B chapter 8, table 8.2 and 8.3), with zero-wait memory (a
/// cache hit or a TCM access). Rows the tables give are used as they are; the few the extract at
/// hand does not show are marked "chosen" and listed in boards/README.md.
/// </summary>
internal static class Timing
{
    public const int DataOp = 1;
    /// <summary>Register-controlled shift: one more cycle.</summary>
    public const int RegisterShift = 1;
    /// <summary>PC destination, arithmetic result (ADD, SUB, RSB, ADC, SBC) without shift.</summary>
    public const int DataOpPcArith = 3;
    /// <summary>PC destination, logical result or a shifted operand.</summary>
    public const int DataOpPcOther = 4;
    public const int Branch = 3;
    public const int Load = 1;
    public const int LoadScaled = 2;
    public const int LoadPc = 5;
    public const int LoadPcScaled = 6;
    public const int Store = 1;
    public const int StoreScaled = 2;
    public const int DoubleWord = 2;
    /// <summary>LDM/STM of one register: 2 cycles; n registers, n &gt; 1: n; LDM loading the PC: n + 4 (chosen from the ARM9E-S table).</summary>
    public const int BlockMinimum = 2;
    public const int BlockPcExtra = 4;
    public const int Swap = 2;
    /// <summary>MUL/MLA 2, with S 4 (chosen: ARM9E-S table 8.2 rows).</summary>
    public const int Mul = 2, MulS = 4;
    /// <summary>UMULL/UMLAL/SMULL/SMLAL 3, with S 5 (chosen).</summary>
    public const int MulLong = 3, MulLongS = 5;
    public const int Mul16 = 1, Mul16Long = 2;
    public const int Mrs = 2;
    public const int MsrFlags = 1, MsrControl = 3;
    public const int Mcr = 2, Mrc = 2;
    public const int Exception = 3;
    /// <summary>Result latency of a loaded word, and of a byte, halfword or unaligned word (DDI 0222B 8.x: 1- and 2-cycle load-use interlocks).</summary>
    public const int LoadLatency = 1, LoadLatencyNarrow = 2;
    /// <summary>Multiply results, Q-arithmetic: one interlock cycle for the next instruction (chosen).</summary>
    public const int MulLatency = 1;
}
