using System.Globalization;

namespace SocSim.Trace.Vcd;

/// <summary>
/// Turns scheduler ticks into VCD time units. IEEE 1364-2005 18.2.3.6 allows only 1, 10 or 100 of
/// s, ms, us, ns, ps or fs as <c>$timescale</c>, so the unit is decimal while the tick is
/// 1/lcm(clock frequencies) s. When a whole number of femtoseconds per tick exists (the tick divides
/// 10^15) the coarsest decimal unit that still holds every tick exactly is taken and the file is exact.
/// Otherwise (e.g. 600 MHz: 1 tick = 1666.66… ps, because of the factor 3) the unit is 1 fs and each
/// time is the absolute tick rounded to the nearest femtosecond: every clock edge is within 0.5 fs of
/// its true time, ordering is preserved (ticks are far longer than 1 fs), and there is no drift because
/// every time is converted from its absolute tick, never accumulated. (The inexact conversion steps from
/// the previous tick in whole-number arithmetic, quotient and remainder, which is the same exact value:
/// one instance serves one writer, not several threads.)
/// </summary>
public sealed class VcdTime
{
    public const long FsPerSecond = 1_000_000_000_000_000;

    public VcdTime(long ticksPerSecond, long? unitFs = null)
    {
        TicksPerSecond = ticksPerSecond;
        if (unitFs is long u)
        {
            if (!IsLegalUnit(u)) throw new ArgumentException($"timescale of {u} fs is not 1, 10 or 100 of a unit from fs to s");
            UnitFs = u;
            Exact = FsPerSecond % ticksPerSecond == 0 && FsPerSecond / ticksPerSecond % u == 0;
        }
        else if (FsPerSecond % ticksPerSecond == 0)
        {
            long tickFs = FsPerSecond / ticksPerSecond;
            long unit = 1;
            while (unit < FsPerSecond && tickFs % (unit * 10) == 0) unit *= 10;
            UnitFs = unit;
            Exact = true;
        }
        else
        {
            UnitFs = 1;
            Exact = false;
        }
        if (Exact) _unitsPerTick = FsPerSecond / ticksPerSecond / UnitFs;
        else
        {
            // units(tick) = floor((2·tick·a + b) / 2b) with a/b = 10^15 / (ticks/s · unit) reduced; the
            // writer's ticks only grow, so ToUnits steps from the last one in 64-bit arithmetic when
            // the numbers fit (see ToUnits), and falls back to 128-bit division otherwise.
            Int128 g = Gcd(FsPerSecond, (Int128)ticksPerSecond * UnitFs);
            Int128 a = FsPerSecond / g, b = (Int128)ticksPerSecond * UnitFs / g;
            if (b < long.MaxValue / 4 && a < long.MaxValue / 4)
            {
                _a2 = (long)a * 2;
                _b2 = (long)b * 2;
                _maxStep = long.MaxValue / 2 / _a2;
                _lastTick = -1;
            }
        }
    }

    private readonly long _unitsPerTick;
    // The stepping state of the inexact conversion (0 when the numbers are too large for it).
    private readonly long _a2, _b2, _maxStep;
    private long _lastTick, _lastUnits, _lastRem;

    /// <summary>
    /// The default unit of our VCDs: the coarsest legal unit that holds the CPU clock's edges (both of
    /// them: MCLK falls half a period after it rises) exactly, so that tools that make one sample per
    /// time unit (sigrok-cli, PulseView) stay fast, while every CPU cycle boundary is exact. Edges of
    /// the other clocks are rounded to it (<see cref="MaxEdgeErrorFs"/> says by how much). When no
    /// decimal unit holds the CPU period (e.g. 58.9824 MHz) the unit is 1 ns and every edge is rounded.
    /// </summary>
    public static VcdTime ForCpuClock(long ticksPerSecond, long cpuPeriodTicks)
    {
        // Half the CPU period in femtoseconds, as a fraction: cpuPeriodTicks * 10^15 / (2 * ticksPerSecond).
        Int128 num = (Int128)cpuPeriodTicks * FsPerSecond, den = 2 * (Int128)ticksPerSecond;
        long unit = 1_000_000; // 1 ns when nothing is exact
        if (num % den == 0)
        {
            Int128 halfFs = num / den;
            unit = 1;
            while (unit < FsPerSecond && halfFs % (unit * 10) == 0) unit *= 10;
        }
        return new VcdTime(ticksPerSecond, unit);
    }

    /// <summary>
    /// The largest error, in femtoseconds, of an edge of a clock of period <paramref name="periodTicks"/>
    /// (at every multiple of it) once rounded to the unit; 0 when every edge is exact.
    /// </summary>
    public double MaxEdgeErrorFs(long periodTicks)
    {
        // Edge k lies at k*P*10^15/(T*U) units. Its fractional part takes the values j*g/(T*U) for
        // g = gcd(P*10^15, T*U), j = 0..N-1 with N = T*U/g; the farthest from a whole unit is j = N/2.
        Int128 a = (Int128)periodTicks * FsPerSecond, m = (Int128)TicksPerSecond * UnitFs;
        Int128 g = Gcd(a, m), n = m / g;
        return (double)(n / 2 * g) / TicksPerSecond;
    }

    private static Int128 Gcd(Int128 a, Int128 b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    /// <summary>A duration in femtoseconds as "0", "416.667 ps", "5 ns".</summary>
    public static string FormatDuration(double fs)
    {
        if (fs == 0) return "0";
        string[] names = ["fs", "ps", "ns", "us", "ms", "s"];
        int i = 0;
        while (fs >= 1000 && i < names.Length - 1) { fs /= 1000; i++; }
        return string.Create(CultureInfo.InvariantCulture, $"{fs:0.###} {names[i]}");
    }

    public long TicksPerSecond { get; }
    /// <summary>The VCD time unit in femtoseconds (1, 10, 100, 1000, ...).</summary>
    public long UnitFs { get; }
    /// <summary>Whether every tick is a whole number of units.</summary>
    public bool Exact { get; }

    public string Timescale => FormatUnit(UnitFs);

    /// <summary>VCD time of a tick: exact, or rounded half up to the nearest unit.</summary>
    public long ToUnits(long tick)
    {
        if (Exact) return tick * _unitsPerTick;
        long d = tick - _lastTick;
        if (_b2 != 0 && _lastTick >= 0 && d >= 0 && d <= _maxStep)
        {
            // N(tick) = 2·tick·a + b = N(last) + 2·d·a; _lastRem = N(last) mod 2b < 2b < 2^62.
            long n = _lastRem + d * _a2;
            _lastTick = tick;
            _lastUnits += n / _b2;
            _lastRem = n % _b2;
            return _lastUnits;
        }
        Int128 num = (Int128)tick * FsPerSecond * 2 + (Int128)TicksPerSecond * UnitFs;
        Int128 den = (Int128)TicksPerSecond * UnitFs * 2;
        long units = (long)(num / den);
        if (_b2 != 0 && tick >= 0)
        {
            // The same numerator in the reduced fraction: N = 2·tick·a + b, its remainder modulo 2b.
            _lastTick = tick;
            _lastUnits = units;
            _lastRem = (long)(((Int128)tick * _a2 + _b2 / 2) % _b2);
        }
        return units;
    }

    public string Explanation =>
        Exact
            ? string.Create(CultureInfo.InvariantCulture, $"time base {TicksPerSecond} ticks/s; 1 tick = {FsPerSecond / TicksPerSecond / UnitFs} x {Timescale} exactly: every clock edge is exact")
            : string.Create(CultureInfo.InvariantCulture, $"time base {TicksPerSecond} ticks/s; 1 tick = {(double)FsPerSecond / TicksPerSecond / UnitFs:G10} x {Timescale} is not a whole number of any decimal unit; each time is the absolute tick rounded to the nearest {Timescale} (error <= half a unit, no drift, order kept)");

    public static bool IsLegalUnit(long fs)
    {
        for (long u = 1; u <= 100 * FsPerSecond; u *= 10) if (u == fs) return u <= 100 * FsPerSecond;
        return false;
    }

    public static string FormatUnit(long fs)
    {
        string[] names = ["fs", "ps", "ns", "us", "ms", "s"];
        int i = 0;
        long v = fs;
        while (v >= 1000 && i < names.Length - 1 && v % 1000 == 0) { v /= 1000; i++; }
        return $"{v} {names[i]}";
    }

    /// <summary>Parses "1ns", "10 ps", "1 s" into femtoseconds (also "1.5ms" for times).</summary>
    public static long ParseUnitFs(string text)
    {
        long? v;
        try { v = ParseTimeFs(text); }
        catch (OverflowException) { v = null; }
        return v is long fs and > 0 ? fs : throw new FormatException($"bad time unit '{SocSim.Core.HostInput.Quote(text)}' (e.g. 1ns, 10ps, 1s)");
    }

    /// <summary>Parses a time with an optional unit suffix (fs, ps, ns, us, ms, s) into femtoseconds; null without a unit.</summary>
    public static long? ParseTimeFs(string text)
    {
        text = text.Trim();
        int i = text.Length;
        while (i > 0 && char.IsLetter(text[i - 1])) i--;
        string num = text[..i].Trim(), unit = text[i..];
        if (unit.Length == 0) return null;
        long scale = unit switch
        {
            "fs" => 1, "ps" => 1000, "ns" => 1_000_000, "us" => 1_000_000_000, "ms" => 1_000_000_000_000, "s" => FsPerSecond,
            _ => throw new FormatException($"bad time unit '{unit}' in '{text}' (use fs, ps, ns, us, ms or s)"),
        };
        if (num.Length == 0) num = "1";
        return (long)Math.Round(decimal.Parse(num, NumberStyles.Float, CultureInfo.InvariantCulture) * scale);
    }
}
