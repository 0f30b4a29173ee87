namespace SocSim.Core;

/// <summary>
/// A named clock (CPU clock, UARTCLK, TIMCLK...). Its period is a whole number of scheduler ticks,
/// which <see cref="TimeBase"/> guarantees by choosing the tick as 1 / lcm(all frequencies).
/// </summary>
public sealed class ClockDomain
{
    public ClockDomain(string name, long frequencyHz, long periodTicks)
    {
        Name = name;
        FrequencyHz = frequencyHz;
        PeriodTicks = periodTicks;
    }

    public string Name { get; }
    public long FrequencyHz { get; }
    public long PeriodTicks { get; }

    /// <summary>Number of this clock's rising edges at or before <paramref name="time"/> (edge k at k·period).</summary>
    public long EdgesAt(long time) => time / PeriodTicks;
    /// <summary>Tick of edge number <paramref name="edge"/>.</summary>
    public long TimeOfEdge(long edge) => edge * PeriodTicks;
}

public static class TimeBase
{
    /// <summary>
    /// Ticks per second such that each frequency's period is an integer number of ticks:
    /// the least common multiple of the frequencies.
    /// </summary>
    public static long TicksPerSecond(IEnumerable<long> frequenciesHz)
    {
        long l = 1;
        foreach (var f in frequenciesHz)
        {
            if (f <= 0) throw new ArgumentOutOfRangeException(nameof(frequenciesHz), "clock frequency must be positive");
            l = checked(l / Gcd(l, f) * f);
        }
        return l;
    }

    public static long Gcd(long a, long b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}
