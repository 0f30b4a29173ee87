using System.Runtime.CompilerServices;
using SocSim.Core.State;

namespace SocSim.Core;

/// <summary>
/// A named clock (CPU clock, UARTCLK, TIMCLK, PCLK...). Its edges lie at exact times: edge k is at
/// <c>OriginTick + (k - OriginEdge) · PeriodNum / PeriodDen</c> ticks, rounded up to a whole tick
/// when the period is not a whole number of ticks (<see cref="IsExact"/> false; the board's time base
/// is chosen so that this does not happen for the frequencies a board can reach in practice, see
/// <see cref="TimeBase"/>). Nothing accumulates, so there is no drift.
/// A clock tree (a PLL, a divider) changes the frequency at run time with <see cref="SetFrequency"/>:
/// the edge at the change tick becomes the origin of the new rate, edges keep counting, and the
/// devices clocked by the domain are told through <see cref="Changing"/> and <see cref="Changed"/>
/// so that they can re-reference their lazily counted state.
/// </summary>
public sealed class ClockDomain
{
    private long _originTick, _originEdge, _num, _den;
    /// <summary>The period in ticks when running with every edge on a whole tick (<see cref="IsExact"/>), else 0: the conversions' one-multiply path.</summary>
    private long _wholePeriod;
    /// <summary>The last <see cref="EdgeAtOrAfter"/> asked (the scheduler asks again for the same next event), until the rate changes.</summary>
    private long _askedTime = long.MinValue, _askedEdge;

    public ClockDomain(string name, long frequencyHz, long periodTicks)
    {
        if (periodTicks <= 0) throw new ArgumentOutOfRangeException(nameof(periodTicks));
        Name = name;
        FrequencyHz = frequencyHz;
        _num = periodTicks;
        _den = 1;
        _wholePeriod = frequencyHz != 0 ? periodTicks : 0;
        TicksPerSecond = checked(frequencyHz * periodTicks);
    }

    /// <summary>A clock of <paramref name="frequencyHz"/> on a time base of <paramref name="ticksPerSecond"/>, edge 0 at tick 0.</summary>
    public static ClockDomain OnTimeBase(string name, long frequencyHz, long ticksPerSecond)
    {
        var c = new ClockDomain(name, frequencyHz, 1) { TicksPerSecond = ticksPerSecond };
        c.SetRate(frequencyHz);
        return c;
    }

    public string Name { get; }
    /// <summary>Current frequency in Hz (0: stopped).</summary>
    public long FrequencyHz { get; private set; }
    public long TicksPerSecond { get; private set; }
    /// <summary>Current period in ticks when it is a whole number of ticks (see <see cref="IsExact"/>); else rounded down.</summary>
    public long PeriodTicks => _num / _den;
    /// <summary>True when every edge falls on a whole tick.</summary>
    public bool IsExact => _den == 1;
    /// <summary>Ticks per period as the fraction <c>PeriodNum / PeriodDen</c>.</summary>
    public long PeriodNum => _num;
    public long PeriodDen => _den;
    public bool IsStopped => FrequencyHz == 0;

    /// <summary>Raised with the change tick before the frequency changes: the old rate still applies.</summary>
    public event Action<ClockDomain, long>? Changing;
    /// <summary>Raised with the change tick after the frequency changed.</summary>
    public event Action<ClockDomain, long>? Changed;

    /// <summary>Number of this clock's rising edges at or before <paramref name="time"/> minus one: the index of the last edge at or before it.</summary>
    public long EdgesAt(long time)
    {
        if (_wholePeriod != 0) return _originEdge + FloorDiv(time - _originTick, _wholePeriod);
        if (FrequencyHz == 0) return _originEdge;
        return FractionalEdgesAt(time);
    }

    // A running clock whose period is not a whole number of ticks (a whole one takes _wholePeriod's path).
    // The Int128 arithmetic apart: a method using Int128 is not precompiled (ReadyToRun), so the common
    // paths above would start in the JIT's tier 0.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private long FractionalEdgesAt(long time)
    {
        long dt = time - _originTick;
        // Edge k is at ceil(k·num/den): the last edge at or before dt is floor(dt·den/num).
        return _originEdge + (long)FloorDiv((Int128)dt * _den, _num);
    }

    /// <summary>Tick of edge number <paramref name="edge"/> (an edge never reached while stopped: <see cref="long.MaxValue"/>).</summary>
    public long TimeOfEdge(long edge)
    {
        if (_wholePeriod != 0) return _originTick + (edge - _originEdge) * _wholePeriod;
        if (FrequencyHz == 0) return edge <= _originEdge ? _originTick : long.MaxValue;
        return FractionalTimeOfEdge(edge);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private long FractionalTimeOfEdge(long edge)
    {
        long k = edge - _originEdge;
        return _originTick + (long)CeilDiv((Int128)k * _num, _den);
    }

    /// <summary>The first edge at or after <paramref name="time"/>.</summary>
    public long EdgeAtOrAfter(long time)
    {
        if (time == _askedTime) return _askedEdge;
        long e = EdgesAt(time);
        if (TimeOfEdge(e) < time) e++;
        _askedTime = time;
        _askedEdge = e;
        return e;
    }

    /// <summary>
    /// Changes the frequency at tick <paramref name="atTick"/> (the present). The change tick becomes
    /// an edge of the new rate (a glitch-free clock switch); the edge count carries on from the last
    /// edge of the old rate. 0 stops the clock.
    /// </summary>
    public void SetFrequency(long frequencyHz, long atTick)
    {
        if (frequencyHz < 0) throw new ArgumentOutOfRangeException(nameof(frequencyHz));
        if (frequencyHz == FrequencyHz) return;
        Changing?.Invoke(this, atTick);
        // The edge count up to the change is kept; the change tick starts the new rate.
        long edge = EdgesAt(atTick);
        if (FrequencyHz != 0 && TimeOfEdge(edge) != atTick) edge++;
        _originEdge = edge;
        _originTick = atTick;
        SetRate(frequencyHz);
        Changed?.Invoke(this, atTick);
    }

    public void SaveState(StateWriter w)
    {
        w.Write(FrequencyHz);
        w.Write(_originTick);
        w.Write(_originEdge);
    }

    /// <summary>Restores the rate and origin silently (no <see cref="Changing"/>/<see cref="Changed"/>).</summary>
    public void LoadState(StateReader r)
    {
        long hz = r.ReadLong();
        if (hz < 0) throw new StateException($"clock {Name}: negative frequency {hz} Hz");
        _originTick = r.ReadLong();
        _originEdge = r.ReadLong();
        SetRate(hz);
    }

    private void SetRate(long frequencyHz)
    {
        FrequencyHz = frequencyHz;
        _askedTime = long.MinValue;
        _wholePeriod = 0;
        if (frequencyHz == 0) { _num = 1; _den = 1; return; }
        long g = TimeBase.Gcd(TicksPerSecond, frequencyHz);
        _num = TicksPerSecond / g;
        _den = frequencyHz / g;
        if (_den == 1) _wholePeriod = _num;
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);
    private static Int128 FloorDiv(Int128 a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);
    private static Int128 CeilDiv(Int128 a, long b) => a >= 0 ? (a + b - 1) / b : -(-a / b);
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

    /// <summary>
    /// The time base for a board whose clocks must be exact (<paramref name="required"/>) and may reach
    /// other frequencies at run time (<paramref name="reachable"/>, most likely first): the least common
    /// multiple of the required ones and of as many reachable ones, in order, as keep it at or below
    /// <paramref name="maxTicksPerSecond"/> (so that 64-bit ticks still cover long runs). A reachable
    /// frequency left out runs with edges rounded up to whole ticks, without drift.
    /// </summary>
    public static long TicksPerSecond(IEnumerable<long> required, IEnumerable<long> reachable, long maxTicksPerSecond)
    {
        long l = TicksPerSecond(required);
        foreach (var f in reachable)
        {
            if (f <= 0) continue;
            long g = Gcd(l, f);
            if (l / g > maxTicksPerSecond / f) continue;
            l = l / g * f;
        }
        return l;
    }

    public static long Gcd(long a, long b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}
