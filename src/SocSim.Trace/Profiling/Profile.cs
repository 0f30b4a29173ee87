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

/// <summary>A profile: exclusive cycles add up to <see cref="TotalCycles"/>, exclusive instructions to <see cref="TotalInstructions"/>.</summary>
public sealed class Profile(IReadOnlyList<FunctionProfile> functions, IReadOnlyList<StackSample> stacks, long totalCycles, long totalInstructions)
{
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
