using System.Globalization;
using ScottPlot;
using SocSim.Core.Signals;
using SocSim.Trace.Vcd;

namespace SocSim.Waves;

public sealed class WaveformOptions
{
    /// <summary>Signal names or globs, in lane order; empty: every signal.</summary>
    public IReadOnlyList<string> Signals { get; init; } = [];
    public long? FromFs { get; init; }
    public long? ToFs { get; init; }
    public int Width { get; init; } = 1600;
    public int LaneHeight { get; init; } = 34;
    /// <summary>
    /// The most lanes one picture holds (the picture grows by <see cref="LaneHeight"/> a lane, 400 lanes is
    /// about 13,700 pixels, within what the renderer draws); more are left out and <see cref="WaveformRenderer.RenderPng"/> says how many.
    /// </summary>
    public int MaxLanes { get; init; } = 400;
    public string? Title { get; init; }
}

/// <summary>
/// Draws a VCD as a waveform picture: one lane per signal, 1-bit signals as steps, vectors as hexagonal
/// segments labelled with their value where they are wide enough (buses in hex, narrow fields and modes in
/// decimal or by name, frequencies with their unit: <see cref="Kind"/>), on a real time axis. Works on
/// any VCD (ours, Icarus Verilog's, Verilator's). Changes closer together than a pixel are merged into
/// a solid band, so a long bus trace stays drawable and readable.
/// </summary>
public static class WaveformRenderer
{
    private static readonly Color BitColor = Color.FromHex("#1b7f3b");
    private static readonly Color BusLine = Color.FromHex("#1f4e9c");
    private static readonly Color BusFill = Color.FromHex("#dbe7fb");
    private static readonly Color XColor = Color.FromHex("#c62828");

    public static IReadOnlyList<VcdVariable> SelectLanes(VcdFile f, IReadOnlyList<string> signals, int max)
    {
        var lanes = new List<VcdVariable>();
        if (signals.Count == 0) lanes.AddRange(f.Variables);
        foreach (var g in signals)
        {
            if (g.Contains('*') || g.Contains('?'))
            {
                var rx = SignalRegistry.GlobToRegex(g);
                var m = f.Variables.Where(v => rx.IsMatch(v.FullName)).ToList();
                if (m.Count == 0) throw new KeyNotFoundException($"no signal matches '{g}'");
                lanes.AddRange(m);
            }
            else lanes.Add(f.Get(g));
        }
        return lanes.Distinct().Take(max).ToList();
    }

    /// <summary>Draws the signals asked for (all of them up to <see cref="WaveformOptions.MaxLanes"/>); returns how many were drawn and how many were asked for.</summary>
    public static (int Drawn, int Asked) RenderPng(VcdFile f, string path, WaveformOptions o)
    {
        int asked = SelectLanes(f, o.Signals, int.MaxValue).Count;
        var plot = Render(f, o, out int height);
        plot.SavePng(path, o.Width, height);
        return (Math.Min(asked, o.MaxLanes), asked);
    }

    public static Plot Render(VcdFile f, WaveformOptions o, out int height)
    {
        var lanes = SelectLanes(f, o.Signals, o.MaxLanes);
        if (lanes.Count == 0) throw new ArgumentException("the VCD has no signals to draw");
        long t0 = o.FromFs ?? f.ToFs(f.StartTime);
        long t1 = o.ToFs ?? f.ToFs(f.EndTime);
        if (t1 <= t0) t1 = t0 + Math.Max(1, f.UnitFs);
        // The time axis unit: the largest that keeps the span above 1.
        long span = t1 - t0;
        (double scale, string unit) = span switch
        {
            >= 10_000_000_000_000 => (1e12, "ms"),
            >= 10_000_000_000 => (1e9, "µs"),
            >= 10_000_000 => (1e6, "ns"),
            >= 10_000 => (1e3, "ps"),
            _ => (1.0, "fs"),
        };
        double x0 = t0 / scale, x1 = t1 / scale;
        int plotPixels = Math.Max(200, o.Width - 260);
        double pixel = (x1 - x0) / plotPixels;

        var plt = new Plot();
        height = 90 + o.LaneHeight * lanes.Count;
        var ticks = new List<Tick>();
        for (int i = 0; i < lanes.Count; i++)
        {
            var v = lanes[i];
            double y = -i;
            ticks.Add(new Tick(y, v.FullName + (v.Width > 1 ? $" [{v.Width - 1}:0]" : ""), true));
            var segs = Segments(f, v, t0, t1, scale);
            if (v.Width == 1 && !v.IsReal) DrawBit(plt, segs, y, pixel);
            else DrawBus(plt, segs, y, pixel, v);
        }
        plt.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plt.Axes.Left.MajorTickStyle.Length = 0;
        plt.Axes.Left.TickLabelStyle.FontSize = 13;
        plt.Axes.Left.TickLabelStyle.FontName = "DejaVu Sans Mono";
        plt.Axes.Bottom.Label.Text = $"time ({unit})";
        // The time axis' last tick label is centred on the data area's right edge: keep room for its right half.
        plt.Axes.Right.MinimumSize = RightMargin;
        plt.Axes.SetLimits(x0, x1, -lanes.Count + 0.4, 0.6);
        plt.Grid.YAxisStyle.IsVisible = false;
        plt.Grid.XAxisStyle.MajorLineStyle.Color = Colors.Black.WithAlpha(0.08);
        plt.Title(o.Title ?? $"{lanes.Count} signals, {VcdDiff.FormatFs(t0)} to {VcdDiff.FormatFs(t1)}");
        return plt;
    }

    private readonly record struct Segment(double X0, double X1, string Value);

    /// <summary>The constant-value stretches of a variable inside [t0, t1], in axis units.</summary>
    private static List<Segment> Segments(VcdFile f, VcdVariable v, long t0, long t1, double scale)
    {
        var segs = new List<Segment>();
        int i = v.LastIndexAtOrBefore(t0 / f.UnitFs);
        string value = i < 0 ? "x" : v.Changes[i].Value;
        double start = t0 / scale;
        for (int k = i + 1; k < v.Changes.Count; k++)
        {
            long t = f.ToFs(v.Changes[k].Time);
            if (t > t1) break;
            double x = t / scale;
            segs.Add(new Segment(start, x, value));
            start = x;
            value = v.Changes[k].Value;
        }
        segs.Add(new Segment(start, t1 / scale, value));
        return segs;
    }

    private static void DrawBit(Plot plt, List<Segment> segs, double y, double pixel)
    {
        const double h = 0.32;
        var xs = new List<double>();
        var ys = new List<double>();
        var unknown = new List<Segment>();
        double lastX = double.NegativeInfinity;
        foreach (var s in segs)
        {
            double level = s.Value switch { "1" => y + h, "0" => y - h, _ => y };
            if (s.Value is not ("0" or "1")) unknown.Add(s);
            // Changes within one pixel collapse into a vertical stroke: a busy clock draws as a band.
            if (s.X0 - lastX < pixel && xs.Count >= 2)
            {
                xs.Add(s.X0); ys.Add(y - h);
                xs.Add(s.X0); ys.Add(y + h);
            }
            xs.Add(s.X0); ys.Add(level);
            xs.Add(s.X1); ys.Add(level);
            lastX = s.X0;
        }
        var sc = plt.Add.Scatter(xs.ToArray(), ys.ToArray());
        sc.MarkerSize = 0;
        sc.LineWidth = 1.6f;
        sc.Color = BitColor;
        foreach (var s in unknown)
        {
            var r = plt.Add.Rectangle(s.X0, s.X1, y - h, y + h);
            r.FillStyle.Color = XColor.WithAlpha(0.25);
            r.LineStyle.Width = 0;
        }
    }

    /// <summary>
    /// Pixels kept right of the data area: half of the widest time label ScottPlot writes there (such as
    /// "10,000.5", 8 characters of its 12-pixel tick font, at most 7 pixels each) and a margin.
    /// </summary>
    public const float RightMargin = 40;

    private static void DrawBus(Plot plt, List<Segment> segs, double y, double pixel, VcdVariable v)
    {
        const double h = 0.32;
        // Merge stretches narrower than 3 pixels into busy bands.
        int i = 0;
        while (i < segs.Count)
        {
            var s = segs[i];
            if (s.X1 - s.X0 < 3 * pixel)
            {
                double bx0 = s.X0, bx1 = s.X1;
                while (i + 1 < segs.Count && segs[i + 1].X1 - segs[i + 1].X0 < 3 * pixel) { i++; bx1 = segs[i].X1; }
                var band = plt.Add.Rectangle(bx0, Math.Max(bx1, bx0 + pixel), y - h, y + h);
                band.FillStyle.Color = BusLine.WithAlpha(0.55);
                band.LineStyle.Width = 0;
                i++;
                continue;
            }
            double d = Math.Min(2.5 * pixel, (s.X1 - s.X0) / 3);
            bool known = s.Value.All(c => c is '0' or '1');
            var poly = plt.Add.Polygon(new Coordinates[]
            {
                new(s.X0, y), new(s.X0 + d, y + h), new(s.X1 - d, y + h), new(s.X1, y), new(s.X1 - d, y - h), new(s.X0 + d, y - h),
            });
            poly.FillStyle.Color = known ? BusFill : XColor.WithAlpha(0.25);
            poly.LineStyle.Color = BusLine;
            poly.LineStyle.Width = 1.2f;
            var kind = Kind(v);
            string label = known ? Label(kind, s.Value, v.Width) : s.Value;
            double room = s.X1 - s.X0 - 2 * d - 4 * pixel;
            // Full width when it fits, else without leading zeros.
            if (label.Length * 7.5 * pixel > room && known && kind == ValueKind.Hex) label = label.TrimStart('0') is { Length: > 0 } t0 ? t0 : "0";
            if (label.Length * 7.5 * pixel <= room)
            {
                var t = plt.Add.Text(label, (s.X0 + s.X1) / 2, y);
                t.LabelFontSize = 11;
                t.LabelFontName = "DejaVu Sans Mono";
                t.LabelFontColor = Colors.Black;
                t.LabelAlignment = Alignment.MiddleCenter;
            }
            i++;
        }
    }

    /// <summary>How a vector's values are written, decided from its VCD declaration alone (docs/waveforms.md).</summary>
    public enum ValueKind
    {
        /// <summary>A bus, a register image or a wide counter: hex, every digit of its width.</summary>
        Hex,
        /// <summary>A field of at most <see cref="NarrowWidth"/> bits (an enumeration, a mode, a level, a count): decimal.</summary>
        Decimal,
        /// <summary>A name ending in <c>_Hz</c> (the clock frequencies SocSim traces): decimal with Hz, kHz, MHz or GHz.</summary>
        Frequency,
        /// <summary>The ARM core's <c>mode</c> [4:0] (CPSR.M): the mode's name (ARM ARM A2.2), else decimal.</summary>
        ArmMode,
    }

    /// <summary>The widest field written in decimal: wider vectors are buses, register images and counters.</summary>
    public const int NarrowWidth = 8;

    public static ValueKind Kind(VcdVariable v) => v switch
    {
        { Name: "mode", Width: 5 } => ValueKind.ArmMode,
        _ when v.Name.EndsWith("_Hz", StringComparison.Ordinal) => ValueKind.Frequency,
        { Width: <= NarrowWidth } => ValueKind.Decimal,
        _ => ValueKind.Hex,
    };

    /// <summary>The label of a known (0/1 only) value of <paramref name="width"/> bits.</summary>
    public static string Label(ValueKind kind, string bits, int width)
    {
        ulong v = 0;
        foreach (char c in bits.Length > 64 ? bits[^64..] : bits) v = (v << 1) | (c == '1' ? 1UL : 0UL);
        return kind switch
        {
            ValueKind.Decimal => v.ToString(CultureInfo.InvariantCulture),
            ValueKind.Frequency => Frequency(v),
            ValueKind.ArmMode => v switch
            {
                0x10 => "usr", 0x11 => "fiq", 0x12 => "irq", 0x13 => "svc", 0x17 => "abt", 0x1B => "und", 0x1F => "sys",
                _ => v.ToString(CultureInfo.InvariantCulture),
            },
            _ => v.ToString("X" + Math.Max(1, (Math.Min(width, 64) + 3) / 4), CultureInfo.InvariantCulture),
        };
    }

    /// <summary>A frequency in the largest unit that keeps it at least 1, exact (up to 9 decimals, trailing zeros dropped).</summary>
    private static string Frequency(ulong hz)
    {
        (double scale, string unit) = hz switch
        {
            >= 1_000_000_000 => (1e9, "GHz"),
            >= 1_000_000 => (1e6, "MHz"),
            >= 1_000 => (1e3, "kHz"),
            _ => (1.0, "Hz"),
        };
        return (hz / scale).ToString("0.#########", CultureInfo.InvariantCulture) + " " + unit;
    }
}
