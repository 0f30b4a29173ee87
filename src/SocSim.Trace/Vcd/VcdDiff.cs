using System.Globalization;
using System.Text;

namespace SocSim.Trace.Vcd;

public sealed class VcdDiffOptions
{
    /// <summary>Pairs of signal names (A's, B's). Empty: every signal whose full name is in both files.</summary>
    public List<(string A, string B)> Map { get; init; } = new();
    /// <summary>Sample on the rising edges of these clocks (A's, B's) instead of comparing at every change.</summary>
    public (string A, string B)? Clock { get; init; }
    public long? FromFs { get; init; }
    public long? ToFs { get; init; }
    /// <summary>B's time that lines up with A's time 0 (B is shifted earlier by it; negative: later), in fs.</summary>
    public long OffsetFs { get; init; }
    /// <summary>A difference that ends within this many fs (an edge of B within it of A's) does not count.</summary>
    public long ToleranceFs { get; init; }
    /// <summary>Changes shown on each side of the first divergence.</summary>
    public int Context { get; init; } = 4;
}

public sealed record VcdDivergence(long TimeFs, string SignalA, string SignalB, string ValueA, string ValueB, long? Edge);

public sealed record VcdDiffResult(bool Equal, IReadOnlyList<string> Report, VcdDivergence? First, int Pairs, long Instants, long DifferingInstants);

/// <summary>
/// Compares mapped signals of two VCDs on a common femtosecond time line, either at every instant
/// where any of them changes (values settled after all changes of that instant, so zero-time
/// delta-cycle glitches do not count) or, with a clock, at each rising edge of that clock in each
/// file, edge k against edge k, taking the values just before the edge (what a flip-flop captures):
/// traces with different timescales, clock phases or glitches then compare cycle by cycle.
/// </summary>
public static class VcdDiff
{
    public static VcdDiffResult Compare(VcdFile a, VcdFile b, VcdDiffOptions o)
    {
        var pairs = new List<(VcdVariable A, VcdVariable B)>();
        if (o.Map.Count > 0)
            foreach (var (na, nb) in o.Map) pairs.Add((a.Get(na), b.Get(nb)));
        else
        {
            foreach (var va in a.Variables)
                if (b.Variables.FirstOrDefault(v => v.FullName == va.FullName) is { } vb && !pairs.Any(p => p.A.FullName == va.FullName))
                    pairs.Add((va, vb));
            if (pairs.Count == 0) throw new KeyNotFoundException("the files have no signal names in common; give --map a.sig=b.sig");
        }
        long from = o.FromFs ?? long.MinValue, to = o.ToFs ?? long.MaxValue;
        var report = new List<string>();
        VcdDivergence? first = null;
        long instants = 0, differing = 0;

        if (o.Clock is (string ca, string cb))
        {
            var ea = RisingEdges(a, a.Get(ca), from, to);
            var eb = RisingEdges(b, b.Get(cb), from == long.MinValue ? from : from + o.OffsetFs, to == long.MaxValue ? to : to + o.OffsetFs);
            long n = Math.Min(ea.Count, eb.Count);
            for (int k = 0; k < n; k++)
            {
                instants++;
                bool diff = false;
                foreach (var (va, vb) in pairs)
                {
                    string x = ValueBefore(va, ea[k] / a.UnitFs), y = ValueBefore(vb, eb[k] / b.UnitFs);
                    if (Same(x, y)) continue;
                    diff = true;
                    first ??= new VcdDivergence(ea[k], va.FullName, vb.FullName, x, y, k);
                }
                if (diff) differing++;
            }
            if (ea.Count != eb.Count)
            {
                report.Add($"clock edges differ in number: {ea.Count} rising edges of {ca} in A, {eb.Count} of {cb} in B (compared the first {n})");
                if (first == null)
                {
                    long at = n < ea.Count ? ea[(int)n] : eb[(int)n];
                    first = new VcdDivergence(at, ca, cb, $"{ea.Count} edges", $"{eb.Count} edges", n);
                }
            }
        }
        else
        {
            // Every instant at which some compared signal changes, on the femtosecond time line.
            var times = new SortedSet<long>();
            foreach (var (va, vb) in pairs)
            {
                foreach (var ch in va.Changes) { long t = a.ToFs(ch.Time); if (t >= from && t <= to) times.Add(t); }
                foreach (var ch in vb.Changes) { long t = b.ToFs(ch.Time) - o.OffsetFs; if (t >= from && t <= to) times.Add(t); }
            }
            if (o.FromFs is long f0) times.Add(f0);
            var ia = new int[pairs.Count];
            var ib = new int[pairs.Count];
            for (int p = 0; p < pairs.Count; p++) { ia[p] = -1; ib[p] = -1; }
            foreach (long t in times)
            {
                instants++;
                bool diff = false;
                for (int p = 0; p < pairs.Count; p++)
                {
                    var (va, vb) = pairs[p];
                    while (ia[p] + 1 < va.Changes.Count && a.ToFs(va.Changes[ia[p] + 1].Time) <= t) ia[p]++;
                    while (ib[p] + 1 < vb.Changes.Count && b.ToFs(vb.Changes[ib[p] + 1].Time) - o.OffsetFs <= t) ib[p]++;
                    string x = ia[p] < 0 ? "x" : va.Changes[ia[p]].Value, y = ib[p] < 0 ? "x" : vb.Changes[ib[p]].Value;
                    if (Same(x, y) || (o.ToleranceFs > 0 && EqualWithin(a, va, ia[p], b, vb, ib[p], t, o.OffsetFs, o.ToleranceFs))) continue;
                    diff = true;
                    first ??= new VcdDivergence(t, va.FullName, vb.FullName, x, y, null);
                }
                if (diff) differing++;
            }
        }

        string window = (o.FromFs, o.ToFs) switch
        {
            (null, null) => "the whole files",
            _ => $"{(o.FromFs is long ff ? FormatFs(ff) : "start")} to {(o.ToFs is long tt ? FormatFs(tt) : "end")}",
        };
        string mode = o.Clock is (string c1, string c2) ? $"sampled before each rising edge of {c1} (A) / {c2} (B)" : "at every change";
        if (o.OffsetFs != 0) mode += $", B shifted by {FormatFs(-o.OffsetFs)}";
        if (o.ToleranceFs > 0 && o.Clock == null) mode += $", differences ending within {FormatFs(o.ToleranceFs)} not counted";
        if (first is { } d)
        {
            var pa = pairs.First(p => p.A.FullName == d.SignalA || p.A.Name == d.SignalA || o.Clock?.A == d.SignalA);
            int w = Math.Max(pa.A.Width, pa.B.Width);
            report.Insert(0, $"first divergence at {FormatFs(d.TimeFs)}{(d.Edge is long e ? $" (clock edge {e})" : "")}: {d.SignalA} = {FormatValue(d.ValueA, w)} in A, {d.SignalB} = {FormatValue(d.ValueB, w)} in B");
            report.Add("surrounding changes:");
            foreach (var line in Surrounding(a, b, pairs, d.TimeFs, o.Context, o.OffsetFs)) report.Add("  " + line);
            report.Add($"summary: DIFFERENT: {pairs.Count} signal pair(s) compared {mode} over {window}; {instants} instants, {differing} differ; first at {FormatFs(d.TimeFs)}");
        }
        else report.Add($"summary: EQUAL: {pairs.Count} signal pair(s) compared {mode} over {window}; {instants} instants, 0 differ");
        return new VcdDiffResult(first == null, report, first, pairs.Count, instants, differing);
    }

    /// <summary>
    /// True when a difference of the pair at <paramref name="t"/> ends within <paramref name="tolerance"/>:
    /// the values agree at some instant of (t, t + tolerance] where either signal changes (B's times less the offset).
    /// <paramref name="ia"/> and <paramref name="ib"/> are the pair's last changes at or before t, so only the
    /// changes inside the window are visited (a scan of every change made a long diff quadratic).
    /// </summary>
    private static bool EqualWithin(VcdFile a, VcdVariable va, int ia, VcdFile b, VcdVariable vb, int ib, long t, long offset, long tolerance)
    {
        long end = t + tolerance;
        for (int i = ia + 1; i < va.Changes.Count; i++)
        {
            long u = a.ToFs(va.Changes[i].Time);
            if (u > end) break;
            if (u > t && Same(ValueAtFs(a, va, u), ValueAtFs(b, vb, u + offset))) return true;
        }
        for (int i = ib + 1; i < vb.Changes.Count; i++)
        {
            long u = b.ToFs(vb.Changes[i].Time) - offset;
            if (u > end) break;
            if (u > t && Same(ValueAtFs(a, va, u), ValueAtFs(b, vb, u + offset))) return true;
        }
        return false;
    }

    private static string ValueAtFs(VcdFile f, VcdVariable v, long fs)
    {
        int i = v.LastIndexAtOrBefore(Math.DivRem(fs, f.UnitFs) is var (q, r) && r < 0 ? q - 1 : q);
        return i < 0 ? "x" : v.Changes[i].Value;
    }

    private static List<long> RisingEdges(VcdFile f, VcdVariable clk, long from, long to)
    {
        var edges = new List<long>();
        string prev = "x";
        foreach (var ch in clk.Changes)
        {
            long t = f.ToFs(ch.Time);
            if (ch.Value == "1" && prev != "1" && prev != "x" && t >= from && t <= to) edges.Add(t);
            prev = ch.Value;
        }
        return edges;
    }

    private static string ValueBefore(VcdVariable v, long time)
    {
        int i = v.LastIndexAtOrBefore(time - 1);
        return i < 0 ? "x" : v.Changes[i].Value;
    }

    /// <summary>Equal as values: "0001" = "1", 1-bit "1" = vector "1"; x/z compared as spelled.</summary>
    public static bool Same(string x, string y) => x == y || VcdReader.NormalizeVector(x) == VcdReader.NormalizeVector(y);

    private static IEnumerable<string> Surrounding(VcdFile a, VcdFile b, List<(VcdVariable A, VcdVariable B)> pairs, long t, int context, long offset)
    {
        var rows = new List<(long T, string Line)>();
        void Add(string side, VcdFile f, VcdVariable v)
        {
            long shift = side == "B" ? offset : 0;
            int i = v.LastIndexAtOrBefore((t + shift) / f.UnitFs);
            for (int k = Math.Max(0, i - context + 1); k <= Math.Min(v.Changes.Count - 1, i + context); k++)
            {
                long fs = f.ToFs(v.Changes[k].Time) - shift;
                rows.Add((fs, $"{side} {FormatFs(fs),18}  #{v.Changes[k].Time,-16} {v.FullName} = {FormatValue(v.Changes[k].Value, v.Width)}{(k == i ? "   <- value at the divergence" : "")}"));
            }
        }
        // The diverging pair first, then the others, in time order.
        foreach (var (va, vb) in pairs) { Add("A", a, va); Add("B", b, vb); }
        return rows.OrderBy(r => r.T).Select(r => r.Line).Take(8 * context + 8);
    }

    public static string FormatValue(string bits, int width)
    {
        if (width <= 1 || bits.Length == 0 || bits.Any(c => c is not ('0' or '1'))) return bits;
        ulong v = 0;
        foreach (char c in bits.Length > 64 ? bits[^64..] : bits) v = (v << 1) | (c == '1' ? 1UL : 0UL);
        return "0x" + v.ToString("x", CultureInfo.InvariantCulture);
    }

    /// <summary>A femtosecond time in the largest unit that keeps it readable ("1.000020 ms", "41.666667 ns").</summary>
    public static string FormatFs(long fs)
    {
        (long scale, string unit) = Math.Abs(fs) switch
        {
            >= 1_000_000_000_000_000 => (1_000_000_000_000_000L, "s"),
            >= 1_000_000_000_000 => (1_000_000_000_000L, "ms"),
            >= 1_000_000_000 => (1_000_000_000L, "us"),
            >= 1_000_000 => (1_000_000L, "ns"),
            >= 1_000 => (1_000L, "ps"),
            _ => (1L, "fs"),
        };
        if (fs % scale == 0) return $"{fs / scale} {unit}";
        var s = ((decimal)fs / scale).ToString("0.#########", CultureInfo.InvariantCulture);
        return $"{s} {unit}";
    }
}
