using System.Globalization;
using ScottPlot;

namespace SocSim.Waves;

/// <summary>One line of a sweep plot: a label (the other varied keys' values) and its points.</summary>
public sealed record SweepSeries(string Label, IReadOnlyList<(string X, double? Y)> Points);

/// <summary>Draws a sweep's metric over one varied key: one line per combination of the other keys.</summary>
public static class SweepPlot
{
    public static void RenderPng(string path, string title, string xLabel, string yLabel, IReadOnlyList<SweepSeries> series, int width = 900, int height = 540)
    {
        var plt = new Plot();
        var xs = series.SelectMany(s => s.Points.Select(p => p.X)).Distinct().ToList();
        bool numeric = xs.All(x => double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        double Pos(string x) => numeric ? double.Parse(x, NumberStyles.Float, CultureInfo.InvariantCulture) : xs.IndexOf(x);
        foreach (var s in series)
        {
            var pts = s.Points.Where(p => p.Y != null).ToList();
            if (pts.Count == 0) continue;
            var sc = plt.Add.Scatter(pts.Select(p => Pos(p.X)).ToArray(), pts.Select(p => p.Y!.Value).ToArray());
            sc.MarkerSize = 8;
            sc.LineWidth = 2;
            if (s.Label.Length > 0) sc.LegendText = s.Label;
        }
        if (!numeric)
            plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xs.Select((x, i) => (double)i).ToArray(), xs.ToArray());
        else
            plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xs.Select(Pos).ToArray(), xs.ToArray());
        plt.Title(title);
        plt.XLabel(xLabel);
        plt.YLabel(yLabel);
        if (series.Count > 1) plt.ShowLegend(Alignment.UpperLeft);
        plt.SavePng(path, width, height);
    }
}
