using System.Reflection;
using System.Reflection.Emit;

namespace SocSim.Arm.Translation;

/// <summary>
/// How regions end, counted under SOCSIM_TDEBUG only (the counting IL is emitted only then, so a normal
/// run pays nothing) and printed to stderr at the process's exit: the measure of which exits bring the
/// core back to the run loop (bench/README.md, "Issue 21: fewer round trips through the run loop").
/// </summary>
public sealed unsafe partial class BlockTranslator
{
    /// <summary>The kinds of region exit (and, for computed branches, where they land).</summary>
    internal enum ExitKind
    {
        /// <summary>The run loop's limit (next event or end of run) reached before an instruction.</summary>
        Limit,
        /// <summary>The region's end: its instruction cap, its page's end, or a fall-through it could not chain.</summary>
        End,
        /// <summary>A branch to a constant target outside the region's page (or one it could not chain).</summary>
        BranchOut,
        /// <summary>A computed branch (BX, LDR PC, LDM/POP with PC, MOV/ADD PC, Thumb BL from a register LR): all of them.</summary>
        Computed,
        /// <summary>Computed branches that stayed in the region (dispatched to one of its instructions).</summary>
        ComputedDispatched,
        /// <summary>Computed branches that left and land at an entry of the same region (not dispatched).</summary>
        ComputedSameRegion,
        /// <summary>Computed branches that left and land at an entry of another compiled region.</summary>
        ComputedOtherRegion,
        /// <summary>Computed branches that left and land in code with no compiled region (or another state).</summary>
        ComputedUncompiled,
        /// <summary>An exception return (ALU with S to R15, LDM with R15 and S): ReturnFromRegion.</summary>
        ExceptionReturn,
        /// <summary>An MSR of the CPSR's control field: the interpreter's Msr.</summary>
        Msr,
        /// <summary>A data abort of a load or store.</summary>
        DataAbort,
        /// <summary>An access off the fast path stepped by the interpreter (the region may resume after it).</summary>
        StepAccess,
        /// <summary>An instruction the translator leaves to the interpreter, stepped from the exit.</summary>
        StepInstruction,
        /// <summary>After a store into the region's words or a device access that raised something.</summary>
        AfterAccess,
        Count,
    }

    /// <summary>The counters, pinned: the emitted IL increments them through their address.</summary>
    private static readonly long[] ExitCounts = GC.AllocateArray<long>((int)ExitKind.Count, pinned: true);

    static BlockTranslator()
    {
        if (Debugging) AppDomain.CurrentDomain.ProcessExit += (_, _) => PrintExitCounts();
    }

    private static void PrintExitCounts()
    {
        var parts = new List<string>();
        for (int i = 0; i < (int)ExitKind.Count; i++) parts.Add($"{(ExitKind)i}={Interlocked.Read(ref ExitCounts[i])}");
        Console.Error.WriteLine("exits: " + string.Join(' ', parts));
    }

    /// <summary>Where a computed branch that left its region (key <paramref name="regionKey"/>) lands, in the state of <paramref name="cpsr"/> (a BX may have switched it): counted under SOCSIM_TDEBUG.</summary>
    internal static void CountComputedTarget(ArmCpu cpu, uint target, uint cpsr, uint regionKey)
    {
        var t = cpu.Translator;
        if (t == null) return;
        bool thumb = (cpsr & Psr.T) != 0;
        uint key = thumb ? (target & ~1u) | 1 : target;
        var e = t.Peek(key);
        var kind = e?.Region == null ? ExitKind.ComputedUncompiled
            : e.Region.Key == regionKey ? ExitKind.ComputedSameRegion : ExitKind.ComputedOtherRegion;
        ExitCounts[(int)kind]++;
    }

    private static readonly MethodInfo MCountComputedTarget = typeof(BlockTranslator).GetMethod(nameof(CountComputedTarget), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>The cache's entry for <paramref name="key"/> without counting a reach or compiling (null: none).</summary>
    internal BlockEntry? Peek(uint key)
    {
        var e = _cache[IndexOf(key)];
        return e != null && e.Key == key ? e : null;
    }

    private sealed partial class Emitter
    {
        /// <summary>Under SOCSIM_TDEBUG: one more exit of <paramref name="kind"/> (nothing is emitted otherwise).</summary>
        private void CountExit(ExitKind kind)
        {
            if (!Debugging) return;
            fixed (long* p = &ExitCounts[(int)kind]) LdPtr(p);
            _il.Emit(OpCodes.Dup); _il.Emit(OpCodes.Ldind_I8); _il.Emit(OpCodes.Ldc_I4_1); _il.Emit(OpCodes.Conv_I8); _il.Emit(OpCodes.Add); _il.Emit(OpCodes.Stind_I8);
        }
    }
}
