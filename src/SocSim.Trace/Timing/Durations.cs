using System.Globalization;
using SocSim.Core.State;

namespace SocSim.Trace.Timing;

/// <summary>Shortest, longest and mean simulated time of a set of passes, in seconds.</summary>
public sealed record TimeStats(double Min, double Max, double Mean)
{
    /// <summary>A duration in the unit that gives it one to three digits before the point: "3.20 us", "1.05 ms".</summary>
    public static string Format(double seconds)
    {
        var (value, unit) = Math.Abs(seconds) switch
        {
            >= 1 => (seconds, "s"),
            >= 1e-3 => (seconds * 1e3, "ms"),
            >= 1e-6 => (seconds * 1e6, "us"),
            _ => (seconds * 1e9, "ns"),
        };
        return string.Create(CultureInfo.InvariantCulture, $"{value:F2} {unit}");
    }
}

/// <summary>
/// The passes a probe measured, each in CPU cycles and in simulated time (scheduler ticks): on a board
/// whose CPU clock changes at run time (a PLL) a cycle count is no fixed time, so the time of every
/// pass is taken from the scheduler, not converted from its cycles.
/// </summary>
public sealed class Durations
{
    private readonly List<long> _cycles = new(), _ticks = new();

    public IReadOnlyList<long> Cycles => _cycles;
    public int Count => _cycles.Count;

    public void Add(long cycles, long ticks)
    {
        _cycles.Add(cycles);
        _ticks.Add(ticks);
    }

    public CycleStats Stats => CycleStats.Of(_cycles);

    /// <summary>The passes' times; null when there are none.</summary>
    public TimeStats? Time(long ticksPerSecond) => _ticks.Count == 0 ? null
        : new(_ticks.Min() / (double)ticksPerSecond, _ticks.Max() / (double)ticksPerSecond, _ticks.Average() / ticksPerSecond);

    /// <summary><c>count=N min=A (T) max=B (T) mean=C (T)</c>: the cycle fields as <see cref="CycleStats"/> prints them, each followed by its time.</summary>
    public string Format(long ticksPerSecond) => Stats.Format(Time(ticksPerSecond));

    public void SaveState(StateWriter w)
    {
        w.Write(_cycles.Count);
        for (int i = 0; i < _cycles.Count; i++)
        {
            w.Write(_cycles[i]);
            w.Write(_ticks[i]);
        }
    }

    public void LoadState(StateReader r)
    {
        _cycles.Clear();
        _ticks.Clear();
        int n = r.ReadCount();
        for (int i = 0; i < n; i++) Add(r.ReadLong(), r.ReadLong());
    }
}
