using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SocSim.Boards;
using SocSim.Cli.Features;
using SocSim.Boards.Elf;
using SocSim.Boards.Linux;
using SocSim.Trace.Timing;
using SocSim.Waves;

namespace SocSim.Cli;

/// <summary>
/// `socsim sweep [ELF | --kernel zImage --dtb FILE [--initrd FILE] [--append TEXT]] [--board FILE]... [--set K=V]...
/// --vary KEY=V1,V2,... [--vary ...] [--measure FROM:TO]... [--max-cycles N] [--max-time T] [--until-uart TEXT]
/// [--no-reboot] [--jobs N] [--out FILE.csv|FILE.json] [--plot FILE.png --x KEY --y METRIC]`:
/// runs the firmware (or boots the kernel as `socsim run --kernel` does) once per combination of the varied
/// board keys, in parallel, and prints one row per point in the order of the combinations (the first --vary
/// varies slowest). Each row is the run `socsim run` gives for the same settings and stop conditions.
/// </summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var elf = new Argument<FileInfo?>("ELF") { Description = "firmware ELF (default: the bundled timer-interrupt demo)", Arity = ArgumentArity.ZeroOrOne };
        var boards = new Option<string[]>("--board") { Description = Defaults.BoardHelp("repeat to layer overrides; default versatilepb") };
        var sets = new Option<string[]>("--set") { Description = "a board key fixed for every point, e.g. clocks.CPUCLK=25000000" };
        var vary = new Option<string[]>("--vary") { Description = "KEY=V1,V2,...: a board key and its values (repeat for a grid)" };
        var measure = new Option<string[]>("--measure") { Description = "FROM:TO: cycles of every pass from FROM to TO (count/min/max/mean columns)" };
        var maxCycles = new Option<long?>("--max-cycles") { Description = "stop each point after N CPU cycles (exit status 124)" }.InRange(1, long.MaxValue);
        var maxTime = new Option<string?>("--max-time") { Description = "stop each point when its simulated time reaches DURATION, e.g. 10s, 250ms (exit status 124)" };
        var jobs = new Option<int?>("--jobs") { Description = "points run at once (default: every core)" }.InRange(1, 1024);
        var output = new Option<FileInfo?>("--out") { Description = "write the table to FILE.csv or FILE.json" };
        var plot = new Option<FileInfo?>("--plot") { Description = "draw --y over --x to FILE.png" };
        var x = new Option<string?>("--x") { Description = "the varied KEY on the plot's x axis (default: the first --vary)" };
        var y = new Option<string?>("--y") { Description = "the column(s) to plot, comma-separated, e.g. cycles, vic.4.to_isr.max, main:main.mean" };
        var shard = new Option<string?>("--shard") { Description = "I/N: run only the I-th (from 1) of N deterministic slices of the points; join the tables with `socsim sweep merge`" };
        var untilUart = new Option<string?>("--until-uart") { Description = "stop each point (exit status 0) once the console UART has printed TEXT" };
        var noReboot = new Option<bool>("--no-reboot") { Description = "end each point (exit status 0) when the firmware resets the board, instead of resetting" };
        var cmd = new Command("sweep", "run firmware over a grid of board settings and tabulate cycles, measures and interrupt latency")
        {
            elf, boards, sets, vary, measure, maxCycles, maxTime, untilUart, noReboot, jobs, output, plot, x, y, shard, SweepMerge.Create(),
        };
        var linux = new LinuxBootOptions();
        linux.AddTo(cmd);
        cmd.SetAction(r =>
        {
            try
            {
                var slice = SweepShard.Parse(r.GetValue(shard));
                string? elfPath = r.GetValue(elf)?.FullName;
                LinuxImages? kernel;
                try { kernel = linux.Images(r, elfPath); }
                catch (ArgumentException e) { throw new SweepException(e.Message); }
                var program = kernel != null ? new Firmware(null, kernel) : new Firmware(elfPath ?? Defaults.DemoElf, null);
                return Run(program, Defaults.ResolveBoards(r.GetValue(boards) ?? []), r.GetValue(sets) ?? [],
                    r.GetValue(vary) ?? [], r.GetValue(measure) ?? [], new Limits(r.GetValue(maxCycles), r.GetValue(maxTime), r.GetValue(untilUart), r.GetValue(noReboot)),
                    r.GetValue(jobs), r.GetValue(output), r.GetValue(plot), r.GetValue(x), r.GetValue(y), slice);
            }
            catch (Exception e) when (e is SweepException or BoardException)
            {
                Console.Error.WriteLine($"socsim sweep: {e.Message}");
                return Defaults.ExitUsage;
            }
        });
        return cmd;
    }

    internal sealed class SweepException(string message) : Exception(message);

    /// <summary>
    /// Each point's stop conditions: --max-cycles, --max-time as the user wrote it (checked against each point's
    /// time base), --until-uart's text and --no-reboot, as `socsim run` has them.
    /// </summary>
    private sealed record Limits(long? MaxCycles, string? MaxTime, string? UntilUart, bool NoReboot);

    /// <summary>What every point runs: an ELF, or a Linux kernel booted as `socsim run --kernel` boots it.</summary>
    private sealed record Firmware(string? Elf, LinuxImages? Kernel)
    {
        public string FilePath => Kernel?.Kernel ?? Elf!;

        public void LoadInto(Machine m)
        {
            if (Kernel != null) m.LoadLinux(Kernel);
            else m.LoadElf(Elf!);
        }
    }

    private static readonly string[] Stats = ["count", "min", "max", "mean"];

    /// <summary>The most points one sweep runs (each row is kept for the table and the plot).</summary>
    public const long MaxPoints = 100_000;

    private sealed record Point(int Index, string[] Values, string[] Sets);

    private sealed class Row
    {
        public required Point Point { get; init; }
        public int Exit { get; set; }
        /// <summary>Why the point could not run (its board, its ELF, a model that failed); null when it ran.</summary>
        public string? Error { get; set; }
        public long Cycles { get; set; }
        public long SimNs { get; set; }
        public Dictionary<string, CycleStats> Measures { get; } = new();
        public Dictionary<string, CycleStats> Latency { get; } = new();
    }

    private static int Run(Firmware program, string[] boardFiles, string[] sets, string[] varies, string[] measures, Limits limits, int? jobs,
        FileInfo? output, FileInfo? plot, string? xKey, string? yMetric, SweepShard? shard)
    {
        // ---- everything is checked before anything runs ----
        if (shard != null && plot != null) throw new SweepException("--plot draws the whole grid: give it to `socsim sweep merge` with every shard's table");
        if (varies.Length == 0) throw new SweepException("give at least one --vary KEY=V1,V2,...");
        var keys = new List<string>();
        var values = new List<string[]>();
        foreach (var v in varies)
        {
            int eq = v.IndexOf('=');
            if (eq <= 0 || eq == v.Length - 1) throw new SweepException($"--vary {v}: expected KEY=V1,V2,...");
            string key = v[..eq].Trim();
            var vals = v[(eq + 1)..].Split(',', StringSplitOptions.TrimEntries);
            if (vals.Any(s => s.Length == 0)) throw new SweepException($"--vary {key}: an empty value in '{v[(eq + 1)..]}'");
            if (keys.Contains(key, StringComparer.OrdinalIgnoreCase)) throw new SweepException($"--vary {key}: given twice");
            keys.Add(key);
            values.Add(vals);
        }
        foreach (var (file, option) in new[] { (output, "--out"), (plot, "--plot") })
            if (file != null && OutputFile.Problem(file.FullName, option) is string problem) throw new SweepException(problem);
        if (output != null && !output.Name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && !output.Name.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            throw new SweepException($"--out {output.Name}: the file must end in .csv or .json");
        long count = values.Aggregate(1L, (n, v) => n > MaxPoints ? n : n * v.Length);
        if (count > MaxPoints)
            throw new SweepException($"--vary: {string.Join(" x ", values.Select(v => v.Length))} is more than {MaxPoints} points, the most one sweep runs (split it with fewer values per --vary)");
        if ((xKey != null || yMetric != null) && plot == null) throw new SweepException("--x and --y need --plot FILE.png");
        if (plot != null)
        {
            if (yMetric == null) throw new SweepException("--plot needs --y METRIC (e.g. cycles, vic.4.to_isr.max)");
            xKey ??= keys[0];
            if (!keys.Contains(xKey, StringComparer.OrdinalIgnoreCase)) throw new SweepException($"--x {xKey}: not a --vary key (they are: {string.Join(", ", keys)})");
            xKey = keys.First(k => string.Equals(k, xKey, StringComparison.OrdinalIgnoreCase));
        }
        if (program.Elf != null && !File.Exists(program.Elf)) throw new SweepException($"{program.Elf}: no such ELF file");

        // Each varied key and value alone on the fixed settings first, so that an error names it.
        static string Reason(Exception e) => e.Message.StartsWith("--set: ", StringComparison.Ordinal) ? e.Message["--set: ".Length..] : e.Message;
        try { BoardLoader.Load(boardFiles, sets); }
        catch (Exception e) when (e is BoardException or IOException or ArgumentException) { throw new SweepException(e.Message); }
        for (int i = 0; i < keys.Count; i++)
            foreach (var v in values[i])
            {
                try { BoardLoader.Load(boardFiles, [.. sets, $"{keys[i]}={v}"]); }
                catch (Exception e) when (e is BoardException or IOException or ArgumentException) { throw new SweepException($"--vary {keys[i]}={v}: {Reason(e)}"); }
            }
        // Each point's board is loaded when it runs: a combination that is no board is that point's error.
        var points = Combinations(values).Select((combo, i) => new Point(i, combo, sets.Concat(keys.Select((k, j) => $"{k}={combo[j]}")).ToArray())).ToList();

        // One machine built up front (on the first point that loads) checks the ELF, the --measure locations and the metric name.
        var lines = new List<string>();
        var specs = new List<(string Label, uint From, uint To)>();
        try
        {
            using var probe = FirstLoadingPoint(points, boardFiles, program);
            if (limits.UntilUart != null && ConsoleTextWatch.Problem(probe, limits.UntilUart) is string noText) throw new SweepException(noText);
            // A malformed --max-time, or one past the first point's time base, before anything runs
            // (a point with another time base that cannot count it is that point's error row).
            if (limits.MaxTime != null)
            {
                try { MaxTimeFeature.TimeLimit(probe, limits.MaxTime, "--max-time"); }
                catch (RunFeatureException e) { throw new SweepException(e.Message); }
            }
            foreach (var spec in measures)
            {
                int colon = spec.IndexOf(':');
                if (colon <= 0 || colon == spec.Length - 1) throw new SweepException($"--measure {spec}: expected FROM:TO");
                try { specs.Add((spec, probe.ResolveAddress(spec[..colon]), probe.ResolveAddress(spec[(colon + 1)..]))); }
                catch (Exception e) when (e is ArgumentException or KeyNotFoundException) { throw new SweepException($"--measure {spec}: {e.Message}"); }
            }
            var latency = new InterruptLatencyProbe(probe);
            lines.AddRange(latency.Lines);
            latency.Stop();
        }
        catch (Exception e) when (e is ElfException or LinuxBootException or BoardException or IOException or ArgumentException or KeyNotFoundException) { throw new SweepException(e.Message); }
        foreach (var metric in (yMetric ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var columns = Columns(specs.Select(s => s.Label), lines).ToList();
            if (columns.Contains(metric, StringComparer.OrdinalIgnoreCase)) continue;
            // Only columns this sweep's table can have: the nearest, else a few of each kind.
            string? near = Usage.Closest(metric, columns);
            throw new SweepException(near != null
                ? $"--y {metric}: not a column (did you mean {near}?)"
                : $"--y {metric}: not a column (try {string.Join(", ", columns.Where(c => !c.EndsWith(".count", StringComparison.Ordinal)).Where((c, i) => i < 3 || c.EndsWith(".max", StringComparison.Ordinal)).Take(6))})");
        }

        // ---- run every point, in parallel ----
        // A shard runs its own slice; every shard checked every point above, so all agree on the errors.
        var mine = shard == null ? points : points.Where(p => shard.Owns(p.Index)).ToList();
        var rows = new Row[mine.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, jobs ?? Environment.ProcessorCount) };
        Parallel.ForEach(mine.Select((p, i) => (p, i)), options, t => rows[t.i] = RunPoint(t.p, program, boardFiles, specs, limits));

        // ---- the table ----
        // One machine lists the latency lines some point saw; a shard cannot know what the others saw, so it
        // lists every line and `sweep merge` drops those no shard saw (their count cells are empty everywhere).
        var latencyColumns = shard == null ? lines.Where(l => rows.Any(r => r.Latency.ContainsKey(l))).ToList() : lines.ToList();
        var header = new List<string>(keys) { "exit", "cycles", "sim_ns" };
        foreach (var s in specs) header.AddRange(Stats.Select(st => $"{s.Label}.{st}"));
        foreach (var l in latencyColumns)
        {
            header.AddRange(Stats.Select(st => $"{l}.{LatencyKind(l)}.{st}"));
        }
        // A point that could not run is a row with its error in the last column (present only then).
        // A shard always has the column (another shard may have a failed point); `sweep merge` drops it when empty.
        bool anyError = shard != null || rows.Any(r => r.Error != null);
        if (anyError) header.Add("error");
        var table = rows.Select(r =>
        {
            var cells = new List<string>(r.Point.Values) { r.Exit.ToString(CultureInfo.InvariantCulture) };
            if (r.Error != null)
            {
                cells.AddRange(Enumerable.Repeat("", header.Count - cells.Count - 1));
                cells.Add(r.Error);
                return cells;
            }
            cells.Add(r.Cycles.ToString(CultureInfo.InvariantCulture));
            cells.Add(r.SimNs.ToString(CultureInfo.InvariantCulture));
            foreach (var s in specs) cells.AddRange(StatCells(r.Measures[s.Label]));
            foreach (var l in latencyColumns) cells.AddRange(r.Latency.TryGetValue(l, out var c) ? StatCells(c) : ["", "", "", ""]);
            if (anyError) cells.Add("");
            return cells;
        }).ToList();
        if (shard != null)
        {
            header.InsertRange(0, SweepShard.Columns);
            for (int i = 0; i < table.Count; i++) table[i].InsertRange(0, shard.Cells(rows[i].Point.Index, points.Count));
        }

        PrintTable(header, table);
        if (output != null) WriteTable(output.FullName, header, table);
        if (plot != null) Plot(plot, $"{Path.GetFileName(program.FilePath)} over {xKey}", keys, xKey!, yMetric!, header, table);
        return 0;
    }

    /// <summary>Draws the --y columns of a whole table over the --x key, one series per combination of the other keys.</summary>
    internal static void Plot(FileInfo plot, string title, List<string> keys, string xKey, string yMetric, List<string> header, List<List<string>> table)
    {
        var metrics = yMetric.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        int xi = keys.IndexOf(xKey);
        var others = Enumerable.Range(0, keys.Count).Where(i => i != xi).ToList();
        var series = new List<SweepSeries>();
        foreach (var metric in metrics)
        {
            int col = header.FindIndex(h => string.Equals(h, metric, StringComparison.OrdinalIgnoreCase));
            if (col < 0) throw new SweepException($"--y {metric}: no point produced it (that interrupt never rose)");
            // The varied keys are the table's first columns.
            foreach (var g in table.GroupBy(row => string.Join(", ", others.Select(o => $"{keys[o]}={row[o]}"))))
            {
                string label = metrics.Length > 1 ? (g.Key.Length > 0 ? $"{header[col]} ({g.Key})" : header[col]) : g.Key;
                series.Add(new SweepSeries(label, g.Select(row => (row[xi],
                    double.TryParse(row[col], NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : (double?)null)).ToList()));
            }
        }
        string yLabel = metrics.Length == 1 ? metrics[0] : string.Join(", ", metrics);
        SweepPlot.RenderPng(plot.FullName, title, xKey, metrics.Length == 1 ? yLabel : "cycles", series);
        Console.Error.WriteLine($"socsim sweep: plot {plot.FullName}");
    }

    /// <summary>A machine with the program loaded on the first of the first few points where both load; the first point's error when none does.</summary>
    private static Machine FirstLoadingPoint(List<Point> points, string[] boardFiles, Firmware program)
    {
        Exception? first = null;
        foreach (var p in points.Take(16))
        {
            Machine? m = null;
            try
            {
                m = Machine.Create(BoardLoader.Load(boardFiles, p.Sets), new MachineOptions { Warnings = TextWriter.Null });
                program.LoadInto(m);
                return m;
            }
            catch (Exception e) when (e is ElfException or LinuxBootException or BoardException)
            {
                m?.Dispose();
                first ??= e;
            }
        }
        throw first!;
    }

    /// <summary>The numeric columns a sweep's table can have: exit, cycles, sim_ns, each measure's and each line's statistics (to_vector for a CPU pin, to_isr for a controller input, as the table names them).</summary>
    private static IEnumerable<string> Columns(IEnumerable<string> measures, IEnumerable<string> lines)
    {
        string[] fixedColumns = ["exit", "cycles", "sim_ns"];
        return fixedColumns
            .Concat(measures.SelectMany(m => Stats.Select(st => $"{m}.{st}")))
            .Concat(lines.SelectMany(l => Stats.Select(st => $"{l}.{LatencyKind(l)}.{st}")));
    }

    /// <summary>The latency a line's columns hold: to the vector for a CPU pin, to the handler for a controller input.</summary>
    private static string LatencyKind(string line) => line.StartsWith("cpu.", StringComparison.Ordinal) ? "to_vector" : "to_isr";

    private static IEnumerable<string[]> Combinations(List<string[]> values)
    {
        var idx = new int[values.Count];
        while (true)
        {
            yield return values.Select((v, i) => v[idx[i]]).ToArray();
            int k = values.Count - 1;
            while (k >= 0 && ++idx[k] == values[k].Length) { idx[k] = 0; k--; }
            if (k < 0) yield break;
        }
    }

    private static Row RunPoint(Point p, Firmware program, string[] boardFiles, List<(string Label, uint From, uint To)> specs, Limits limits)
    {
        try { return RunPoint(p, BoardLoader.Load(boardFiles, p.Sets), program, specs, limits); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever stops one point (its board, its ELF on that memory map, a model that failed to build) is that point's row.
            string message = (e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : e).Message;
            return new Row { Point = p, Exit = Defaults.ExitUsage, Error = Usage.Quote(message.StartsWith("--set: ", StringComparison.Ordinal) ? message["--set: ".Length..] : message, 300) };
        }
    }

    private static Row RunPoint(Point p, Board board, Firmware program, List<(string Label, uint From, uint To)> specs, Limits limits)
    {
        using var m = Machine.Create(board, new MachineOptions { CommandLine = Path.GetFileName(program.FilePath), StopWhenStuck = true, Warnings = TextWriter.Null });
        program.LoadInto(m);
        m.StopOnSystemReset = limits.NoReboot;
        var watch = limits.UntilUart != null ? new ConsoleTextWatch(m, limits.UntilUart) : null;
        var probes = specs.Select(s => new MeasureProbe(s.Label, s.From, s.To)).ToList();
        foreach (var pr in probes) m.AddHook(pr);
        var latency = new InterruptLatencyProbe(m);
        if (limits.MaxTime != null) m.SetTimeLimit(MaxTimeFeature.TimeLimit(m, limits.MaxTime, "--max-time"));
        var r = m.Run(limits.MaxCycles ?? long.MaxValue);
        latency.Stop();
        var row = new Row
        {
            Point = p,
            Exit = r.Reason switch
            {
                // The text printed and --no-reboot's reset end the point as they end `socsim run`: exit status 0.
                StopReason.Stopped when watch != null && watch.StoppedTheRun(r) => 0,
                StopReason.Reset => 0,
                StopReason.Exit => r.ExitCode!.Value,
                StopReason.CycleLimit or StopReason.TimeLimit => Defaults.ExitCycleLimit,
                StopReason.Fault or StopReason.Stuck => Defaults.ExitFault,
                _ => Defaults.ExitStopped,
            },
            Cycles = r.Cycles,
            SimNs = m.SimulatedNanoseconds,
        };
        foreach (var pr in probes) row.Measures[pr.Label] = pr.Stats;
        foreach (var l in latency.Results) row.Latency[l.Line] = l.Isr != null ? l.ToIsr : l.ToVector;
        return row;
    }

    private static IEnumerable<string> StatCells(CycleStats s) =>
        s.Count == 0
            ? ["0", "", "", ""]
            : [s.Count.ToString(CultureInfo.InvariantCulture), s.Min.ToString(CultureInfo.InvariantCulture), s.Max.ToString(CultureInfo.InvariantCulture), s.Mean.ToString("F1", CultureInfo.InvariantCulture)];

    internal static void PrintTable(List<string> header, List<List<string>> rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        // Numbers right-aligned; an error (the last column, only when a point failed) left-aligned.
        bool errorColumn = header[^1] == "error";
        string Line(IList<string> cells) => string.Join("  ", cells.Select((c, i) => i == widths.Length - 1 && errorColumn ? c : c.PadLeft(widths[i]))).TrimEnd();
        Console.WriteLine(Line(header));
        foreach (var r in rows) Console.WriteLine(Line(r));
    }

    internal static void WriteTable(string path, List<string> header, List<List<string>> rows)
    {
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            // Numbers as numbers, empty cells as null.
            using var stream = File.Create(path);
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartArray();
            foreach (var r in rows)
            {
                w.WriteStartObject();
                for (int i = 0; i < header.Count; i++)
                {
                    if (r[i].Length == 0) w.WriteNull(header[i]);
                    else if (decimal.TryParse(r[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) w.WriteNumber(header[i], d);
                    else w.WriteString(header[i], r[i]);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            return;
        }
        var sb = new StringBuilder();
        sb.Append(string.Join(',', header.Select(Csv))).Append('\n');
        foreach (var r in rows) sb.Append(string.Join(',', r.Select(Csv))).Append('\n');
        File.WriteAllText(path, sb.ToString());
    }

    internal static string Csv(string s) => s.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
