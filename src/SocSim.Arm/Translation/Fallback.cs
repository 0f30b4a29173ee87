using System.Runtime.CompilerServices;

namespace SocSim.Arm.Translation;

/// <summary>
/// Why the interpreter executed an instruction under the translating engine: the kind of instruction
/// the translator leaves to it, or, for the ones it translates, where it was stepped (a region's exit
/// at an access off the fast path; outside any region: code not hot yet or whose entry did not match).
/// </summary>
public enum FallbackClass
{
    /// <summary>A load or store a region left at its access (a device, ROM write, unmapped space).</summary>
    Device,
    /// <summary>Any other translatable instruction a region left to the interpreter (R15 operands and other rare forms).</summary>
    Other,
    /// <summary>A translatable instruction stepped outside any region (cold code, a pipeline or memory mismatch).</summary>
    Cold,
    /// <summary>An instruction stepped because the worst case of its region's next block did not fit before the next event or the run's end (the interpreter steps up to it).</summary>
    Limit,
    /// <summary>
    /// A boundary where an interrupt was pending while a hook watched (an entry or the instruction
    /// Step made there, not a region's). Without a hook the run loop samples itself and counts its
    /// entries in <see cref="BlockTranslator.InterruptEntries"/>, not here.
    /// </summary>
    Interrupt,
    /// <summary>The instruction after an MSR that unmasked an asserted line: stepped, the entry comes after it (ArmCpu.TakeInterrupt).</summary>
    Unmasked,
    /// <summary>An instruction stepped because its region's code holds an address the core watches (<see cref="SocSim.Core.Cores.IAddressWatch"/>).</summary>
    Watch,
    Mrs,
    MsrFlags,
    MsrControl,
    Swi,
    Undefined,
    Swp,
    MulLong,
    /// <summary>LDM/STM with the S bit and no R15 loaded: the User bank.</summary>
    LdmUser,
    /// <summary>LDM with R15 and the S bit: exception return.</summary>
    LdmReturn,
    LdrtStrt,
    /// <summary>Data processing with Rd = R15 without S: a computed branch.</summary>
    AluPc,
    /// <summary>Data processing with Rd = R15 and S: exception return.</summary>
    AluPcS,
    LdrPc,
}

/// <summary>
/// Counts, per <see cref="FallbackClass"/>, the instructions the interpreter executed under the
/// translating engine: at a region's exit (StepFromRegion) and in the run loop outside regions. The
/// interpreting engine has no counter at all; here one classification per interpreted step.
/// </summary>
public sealed class FallbackCounts
{
    private readonly long[] _counts = new long[Enum.GetValues<FallbackClass>().Length];

    public long this[FallbackClass c] => _counts[(int)c];

    /// <summary>The classes with a count, largest first.</summary>
    public IEnumerable<(FallbackClass Class, long Count)> Top() =>
        Enum.GetValues<FallbackClass>().Select(c => (c, _counts[(int)c])).Where(x => x.Item2 > 0).OrderByDescending(x => x.Item2).ThenBy(x => x.c);

    /// <summary>"name=N ..." for the classes with a count, largest first (at most <paramref name="max"/>).</summary>
    public string Format(int max = 8)
    {
        var parts = Top().Take(max).Select(x => $"{Name(x.Class)}={x.Count}").ToList();
        return parts.Count == 0 ? "none" : string.Join(' ', parts);
    }

    public static string Name(FallbackClass c) => c switch
    {
        FallbackClass.MsrFlags => "msr_flags",
        FallbackClass.MsrControl => "msr_control",
        FallbackClass.MulLong => "mul_long",
        FallbackClass.LdmUser => "ldm_user",
        FallbackClass.LdmReturn => "ldm_return",
        FallbackClass.LdrtStrt => "ldrt_strt",
        FallbackClass.AluPc => "alu_pc",
        FallbackClass.AluPcS => "alu_pc_s",
        FallbackClass.LdrPc => "ldr_pc",
        _ => c.ToString().ToLowerInvariant(),
    };

    /// <summary>An instruction stepped at a region's exit.</summary>
    internal void AtExit(uint op, bool thumb)
    {
        var c = thumb ? Thumb(op) : Arm(op);
        if (c == FallbackClass.Cold) c = IsMemory(op, thumb) ? FallbackClass.Device : FallbackClass.Other;
        _counts[(int)c]++;
    }

    /// <summary>One instruction of class <paramref name="c"/> stepped by the run loop.</summary>
    internal void Count(FallbackClass c) => _counts[(int)c]++;

    /// <summary>Instructions the run loop stepped up to the limit because a block did not fit before it.</summary>
    internal void AtLimit(long instructions) => _counts[(int)FallbackClass.Limit] += instructions;

    /// <summary>An instruction (or interrupt entry) the run loop stepped outside any region.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Outside(uint op, bool thumb, bool interrupt)
    {
        _counts[(int)(interrupt ? FallbackClass.Interrupt : thumb ? Thumb(op) : Arm(op))]++;
    }

    private static bool IsMemory(uint op, bool thumb)
    {
        if (thumb) return (op >> 11) is 9 or (>= 10 and <= 19) or 22 or 23 or 24 or 25;
        uint hi = (op >> 20) & 0xFF, lo = (op >> 4) & 0xF;
        return (hi >> 5) is 2 or 3 or 4 || ((hi >> 5) == 0 && (lo & 0b1001) == 0b1001 && lo != 0b1001);
    }

    /// <summary>The class of an ARM instruction (ARM ARM A3 decode, as the interpreter's table); translatable ones are Cold.</summary>
    internal static FallbackClass Arm(uint op)
    {
        uint hi = (op >> 20) & 0xFF, lo = (op >> 4) & 0xF;
        bool rd15 = ((op >> 12) & 15) == 15;
        switch (hi >> 5)
        {
            case 0:
                if (lo == 0b1001)
                {
                    if ((hi & 0xFC) == 0x00) return FallbackClass.Cold;
                    if ((hi & 0xF8) == 0x08) return FallbackClass.MulLong;
                    if ((hi & 0xFB) == 0x10) return FallbackClass.Swp;
                    return FallbackClass.Undefined;
                }
                if ((lo & 0b1001) == 0b1001) return (hi & 1) != 0 && rd15 ? FallbackClass.LdrPc : FallbackClass.Cold;
                if ((hi & 0x19) == 0x10)
                {
                    if (hi == 0x12 && lo == 0b0001) return FallbackClass.Cold;
                    if ((hi & 0x02) == 0) return FallbackClass.Mrs;
                    return (op & 0x000F_0000) == 0x0008_0000 ? FallbackClass.MsrFlags : FallbackClass.MsrControl;
                }
                return DataProc(hi, rd15);
            case 1:
                if ((hi & 0x1B) == 0x12) return (op & 0x000F_0000) == 0x0008_0000 ? FallbackClass.MsrFlags : FallbackClass.MsrControl;
                if ((hi & 0x1B) == 0x10) return FallbackClass.Undefined;
                return DataProc(hi, rd15);
            case 2:
            case 3:
                if (hi >> 5 == 3 && (lo & 1) != 0) return FallbackClass.Undefined;
                if ((hi & 0x12) == 0x02) return FallbackClass.LdrtStrt;   // post-indexed with W
                return (hi & 1) != 0 && rd15 ? FallbackClass.LdrPc : FallbackClass.Cold;
            case 4:
                if ((hi & 0x04) == 0) return FallbackClass.Cold;
                return (hi & 1) != 0 && (op & 0x8000) != 0 ? FallbackClass.LdmReturn : FallbackClass.LdmUser;
            case 5: return FallbackClass.Cold;
            case 6: return FallbackClass.Undefined;
            default: return (hi & 0x10) != 0 ? FallbackClass.Swi : FallbackClass.Undefined;
        }
    }

    private static FallbackClass DataProc(uint hi, bool rd15) =>
        !rd15 ? FallbackClass.Cold : (hi & 1) != 0 ? FallbackClass.AluPcS : FallbackClass.AluPc;

    /// <summary>The class of a Thumb instruction; everything but SWI and the undefined space is translatable.</summary>
    internal static FallbackClass Thumb(uint op)
    {
        if ((op >> 8) == 0xDF) return FallbackClass.Swi;
        if ((op >> 8) == 0xDE || (op >> 11) == 29) return FallbackClass.Undefined;
        return FallbackClass.Cold;
    }
}
