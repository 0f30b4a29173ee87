using System.Globalization;
using SocSim.Core.Cores;

namespace SocSim.Trace.Timing;

/// <summary>Count, min, max and mean of a set of cycle counts.</summary>
public sealed record CycleStats(long Count, long Min, long Max, double Mean)
{
    public static CycleStats Of(IReadOnlyCollection<long> values) =>
        values.Count == 0 ? new(0, 0, 0, 0) : new(values.Count, values.Min(), values.Max(), values.Average());

    public override string ToString() => Count == 0
        ? "count=0"
        : string.Create(CultureInfo.InvariantCulture, $"count={Count} min={Min} max={Max} mean={Mean:F1}");
}

/// <summary>
/// Cycles of every pass from FROM to TO: a pass starts when the instruction at FROM is about to
/// execute and ends when the instruction at TO is about to execute; a new FROM before TO restarts the
/// pass (the innermost/latest one is measured). With FROM = TO each pass runs from one hit to the next.
/// Cycles include everything in between, interrupts too.
/// </summary>
public sealed class MeasureProbe(string label, uint from, uint to) : IExecutionHook
{
    private readonly List<long> _passes = new();
    private long _start = -1;

    public string Label { get; } = label;
    public uint From { get; } = from;
    public uint To { get; } = to;
    public IReadOnlyList<long> Passes => _passes;
    public CycleStats Stats => CycleStats.Of(_passes);

    public bool BeforeInstruction(ICore cpu, uint pc, uint opcode)
    {
        if (pc == To && _start >= 0)
        {
            _passes.Add(cpu.Cycles - _start);
            _start = -1;
        }
        if (pc == From) _start = cpu.Cycles;
        return false;
    }

    public void AfterInstruction(ICore cpu) { }
}
