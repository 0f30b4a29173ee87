using System.Globalization;
using System.Text;

namespace SocSim.Trace.Profiling;

/// <summary>One function's (or pseudo-function's) share of a run.</summary>
/// <param name="Calls">Times a frame of it was pushed: calls, tail calls, exception entries.</param>
public sealed record FunctionProfile(string Name, uint? Address, long Calls,
    long ExclusiveCycles, long InclusiveCycles, long ExclusiveInstructions, long InclusiveInstructions);

/// <summary>Exclusive cycles of one call stack (root first).</summary>
public sealed record StackSample(IReadOnlyList<string> Frames, long Cycles)
{
    public override string ToString() => string.Join(';', Frames);
}

/// <summary>
/// One RTOS task's share of a run (<c>--rtos</c>): <paramref name="Cycles"/> running its own code (Thread mode),
/// <paramref name="IsrCycles"/> in exceptions that interrupted it (their entry to the return to a task),
/// <paramref name="SwitchesIn"/> times another task (or the start-up code) gave way to it and
/// <paramref name="SwitchCycles"/> the cycles of those switches (from the entry of the exception that switched to
/// the task's first instruction); <paramref name="StackFreeMin"/> the fewest bytes left between its stack pointer
/// and the stack's base (pxStack) that were seen (the stack pointer in its code, and the saved context's top at each
/// switch-out), <paramref name="StackUntouched"/> the bytes still holding FreeRTOS's fill pattern (null: the
/// stack was not filled).
/// </summary>
public sealed record TaskProfile(string Name, uint Tcb, long Cycles, long IsrCycles, long SwitchesIn, long SwitchCycles, long? StackFreeMin, long? StackUntouched);

/// <summary>A profile: exclusive cycles add up to <see cref="TotalCycles"/>, exclusive instructions to <see cref="TotalInstructions"/>.</summary>
public sealed class Profile(IReadOnlyList<FunctionProfile> functions, IReadOnlyList<StackSample> stacks, long totalCycles, long totalInstructions,
    IReadOnlyList<TaskProfile>? tasks = null)
{
    /// <summary>Per task when the profile was RTOS-aware (empty otherwise), most cycles first.</summary>
    public IReadOnlyList<TaskProfile> Tasks { get; } = (tasks ?? []).OrderByDescending(t => t.Cycles).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();

    /// <summary>By exclusive cycles, most first; ties by name.</summary>
    public IReadOnlyList<FunctionProfile> Functions { get; } = functions
        .OrderByDescending(f => f.ExclusiveCycles).ThenByDescending(f => f.InclusiveCycles).ThenBy(f => f.Name, StringComparer.Ordinal).ToList();

    public IReadOnlyList<StackSample> Stacks { get; } = stacks.OrderBy(s => s.ToString(), StringComparer.Ordinal).ToList();
    public long TotalCycles { get; } = totalCycles;
    public long TotalInstructions { get; } = totalInstructions;

    public FunctionProfile? this[string name] => Functions.FirstOrDefault(f => f.Name == name);

    /// <summary>
    /// The table `socsim run --profile` prints: one row per function, sorted by exclusive cycles,
    /// then a total row.
    /// </summary>
    public string FormatTable()
    {
        var sb = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        sb.AppendLine("  excl_cycles  excl%  incl_cycles  incl%     calls  excl_instr  incl_instr  function");
        foreach (var f in Functions)
            sb.AppendLine(string.Format(ci, "{0,13} {1,6:F2} {2,12} {3,6:F2} {4,9} {5,11} {6,11}  {7}",
                f.ExclusiveCycles, Percent(f.ExclusiveCycles), f.InclusiveCycles, Percent(f.InclusiveCycles),
                f.Calls, f.ExclusiveInstructions, f.InclusiveInstructions, f.Name));
        sb.AppendLine(string.Format(ci, "{0,13} {1,6:F2} {2,12} {3,6} {4,9} {5,11} {6,11}  {7}",
            Functions.Sum(f => f.ExclusiveCycles), 100.0, "", "", "", Functions.Sum(f => f.ExclusiveInstructions), "", "(total)"));
        if (Tasks.Count > 0) sb.AppendLine().Append(FormatTasks());
        return sb.ToString();
    }

    /// <summary>The per-task table (RTOS-aware profiles): one row per task, most cycles first, then the switches in all.</summary>
    public string FormatTasks()
    {
        var sb = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        sb.AppendLine("       cycles   cpu%   isr_cycles  switches_in  switch_cycles  mean_switch  stack_free  stack_untouched  task");
        foreach (var t in Tasks)
            sb.AppendLine(string.Format(ci, "{0,13} {1,6:F2} {2,12} {3,12} {4,14} {5,12} {6,11} {7,16}  {8}",
                t.Cycles, Percent(t.Cycles), t.IsrCycles, t.SwitchesIn, t.SwitchCycles,
                t.SwitchesIn == 0 ? "-" : (t.SwitchCycles / (double)t.SwitchesIn).ToString("F1", ci),
                t.StackFreeMin?.ToString(ci) ?? "-", t.StackUntouched?.ToString(ci) ?? "-", t.Name));
        long switches = Tasks.Sum(t => t.SwitchesIn), switchCycles = Tasks.Sum(t => t.SwitchCycles);
        sb.AppendLine(string.Format(ci, "context switches: {0}, {1} cycles, mean {2} cycles", switches, switchCycles,
            switches == 0 ? "-" : (switchCycles / (double)switches).ToString("F1", ci)));
        return sb.ToString();
    }

    /// <summary>Collapsed stacks ("main;puts0;putc0 1234"), one line per stack, for flamegraph.pl, speedscope, inferno.</summary>
    public string FormatCollapsed()
    {
        var sb = new StringBuilder();
        foreach (var s in Stacks)
            sb.Append(string.Join(';', s.Frames.Select(n => n.Replace(' ', '_').Replace(';', '_')))).Append(' ')
              .Append(s.Cycles.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return sb.ToString();
    }

    private double Percent(long cycles) => TotalCycles == 0 ? 0 : 100.0 * cycles / TotalCycles;
}
