using SocSim.Core.Cores;

namespace SocSim.Trace.Timing;

/// <summary>A place to stop: an address (resolved from a symbol) and on which hit.</summary>
/// <param name="Label">As the user wrote it ("main", "0x1A4").</param>
/// <param name="Count">Stop at this hit (1 = the first time the instruction is about to execute).</param>
public sealed record Breakpoint(string Label, uint Address, int Count = 1);

/// <summary>What stopped the run: the breakpoint, and the cycle and instruction count before its instruction.</summary>
public sealed record BreakpointHit(Breakpoint Breakpoint, long Cycle, long Instructions);

/// <summary>
/// Stops the core before an instruction at one of several addresses executes, when that address has
/// been reached <see cref="Breakpoint.Count"/> times. Hits are counted per breakpoint.
/// </summary>
public sealed class Breakpoints : IExecutionHook
{
    private readonly Breakpoint[] _points;
    private readonly int[] _hits;
    private readonly uint _min, _max;

    public Breakpoints(IEnumerable<Breakpoint> points)
    {
        _points = points.ToArray();
        if (_points.Length == 0) throw new ArgumentException("no breakpoints");
        foreach (var p in _points)
            if (p.Count < 1) throw new ArgumentException($"breakpoint {p.Label}: count must be at least 1");
        _hits = new int[_points.Length];
        _min = _points.Min(p => p.Address);
        _max = _points.Max(p => p.Address);
    }

    public IReadOnlyList<Breakpoint> Points => _points;

    /// <summary>How many times each breakpoint's address was about to execute (same order as <see cref="Points"/>).</summary>
    public IReadOnlyList<int> Hits => _hits;

    /// <summary>The breakpoint that stopped the run, or null.</summary>
    public BreakpointHit? Hit { get; private set; }

    public bool BeforeInstruction(ICore cpu, uint pc, uint opcode)
    {
        if (pc < _min || pc > _max) return false;
        bool stop = false;
        for (int i = 0; i < _points.Length; i++)
        {
            if (_points[i].Address != pc) continue;
            if (++_hits[i] == _points[i].Count && !stop)
            {
                Hit = new BreakpointHit(_points[i], cpu.Cycles, cpu.Instructions);
                stop = true;
            }
        }
        return stop;
    }

    public void AfterInstruction(ICore cpu) { }
}
