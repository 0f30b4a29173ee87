using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using static SocSim.Cli.SweepCommand;

namespace SocSim.Cli;

/// <summary>
/// `--shard I/N`: the I-th (counted from 1) of N slices of a sweep's points. Point k (0-based, in the
/// order one machine prints them) belongs to shard (k mod N) + 1: round robin, so that neighbouring
/// points, which cost about the same, spread over the shards. A shard's table starts with the
/// columns `shard` ("I/N"), `point` (k) and `points` (how many the whole sweep has), which
/// `socsim sweep merge` checks and removes.
/// </summary>
internal sealed record SweepShard(int Index, int Count)
{
    public static readonly string[] Columns = ["shard", "point", "points"];

    /// <summary>Largest N accepted: more shards than that is a typo, not a cluster.</summary>
    public const int MaxCount = 1_000_000;

    public bool Owns(int point) => point % Count == Index - 1;

    public string[] Cells(int point, int points) =>
        [$"{Index}/{Count}", point.ToString(CultureInfo.InvariantCulture), points.ToString(CultureInfo.InvariantCulture)];

    public static SweepShard? Parse(string? text)
    {
        if (text == null) return null;
        string shown = text.Length > 40 ? text[..40] + "..." : text;
        int slash = text.IndexOf('/');
        if (slash < 0
            || !int.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            throw new SweepException($"--shard {shown}: expected I/N, two whole numbers with 1 <= I <= N (e.g. 2/8)");
        if (n < 1 || n > MaxCount) throw new SweepException($"--shard {shown}: N must be from 1 to {MaxCount}");
        if (i == 0)
            throw new SweepException($"--shard {shown}: I counts from 1 (for a 0-based index such as JOB_COMPLETION_INDEX, give $((JOB_COMPLETION_INDEX + 1))/{n})");
        if (i > n) throw new SweepException($"--shard {shown}: I must be from 1 to {n}");
        return new SweepShard(i, n);
    }
}

/// <summary>
/// `socsim sweep merge SHARD... [--out FILE.csv|FILE.json] [--plot FILE.png --x KEY --y METRIC]`: joins the
/// tables of every shard of one sweep into exactly the table (stdout, and the --out file) one machine
/// prints for the whole sweep. It refuses tables of different sweeps, a missing, repeated or extra
/// shard, and a point that is missing or given twice.
/// </summary>
internal static class SweepMerge
{
    public static Command Create()
    {
        var files = new Argument<FileInfo[]>("SHARD") { Description = "the --out table (.csv or .json) of each shard", Arity = ArgumentArity.OneOrMore };
        var output = new Option<FileInfo?>("--out") { Description = "write the merged table to FILE.csv or FILE.json" };
        var plot = new Option<FileInfo?>("--plot") { Description = "draw --y over --x to FILE.png" };
        var x = new Option<string?>("--x") { Description = "the varied KEY on the plot's x axis (default: the first varied key)" };
        var y = new Option<string?>("--y") { Description = "the column(s) to plot, comma-separated" };
        var cmd = new Command("merge", "join the tables of a sharded sweep (`sweep --shard I/N --out ...`) into the one table of the whole sweep")
        {
            files, output, plot, x, y,
        };
        cmd.SetAction(r =>
        {
            try
            {
                return Run(r.GetValue(files) ?? [], r.GetValue(output), r.GetValue(plot), r.GetValue(x), r.GetValue(y));
            }
            catch (SweepException e)
            {
                Console.Error.WriteLine($"socsim sweep merge: {e.Message}");
                return Defaults.ExitUsage;
            }
        });
        return cmd;
    }

    private sealed record Table(string File, List<string> Header, List<List<string>> Rows);

    private static int Run(FileInfo[] files, FileInfo? output, FileInfo? plot, string? xKey, string? yMetric)
    {
        if (output != null && !IsTableFile(output.Name))
            throw new SweepException($"--out {output.Name}: the file must end in .csv or .json");
        if ((xKey != null || yMetric != null) && plot == null) throw new SweepException("--x and --y need --plot");
        if (plot != null && yMetric == null) throw new SweepException("--plot needs --y METRIC (e.g. cycles, vic.4.to_isr.max)");

        // A shard with no points (more shards than points) says nothing; the others must be one sweep's.
        var tables = files.Select(Read).ToList();
        var full = tables.Where(t => t.Rows.Count > 0).ToList();
        if (full.Count == 0) throw new SweepException("no points in any table");
        var header = full[0].Header;
        foreach (var t in full.Skip(1))
            if (!t.Header.SequenceEqual(header))
                throw new SweepException($"{t.File}: its columns differ from {full[0].File}'s: not a shard of the same sweep");

        // One N and one total everywhere; every point 0..total-1 once, each from the shard that owns it.
        var first = full[0].Rows[0];
        int n = ParseShardCell(full[0].File, first[0]).Count;
        int total = ParseCount(full[0].File, first[2]);
        var seenShards = new Dictionary<int, string>();
        var points = new SortedDictionary<int, List<string>>();
        foreach (var t in full)
        {
            var s = ParseShardCell(t.File, t.Rows[0][0]);
            if (s.Count != n) throw new SweepException($"{t.File}: shard {t.Rows[0][0]} is not one of {n} like {full[0].File}'s");
            if (seenShards.TryGetValue(s.Index, out var other)) throw new SweepException($"{t.File}: shard {s.Index}/{n} is given twice (also {other})");
            seenShards[s.Index] = t.File;
            foreach (var row in t.Rows)
            {
                if (row[0] != t.Rows[0][0]) throw new SweepException($"{t.File}: rows of shards {t.Rows[0][0]} and {Short(row[0])} in one table");
                var rs = ParseShardCell(t.File, row[0]);
                if (rs.Count != n) throw new SweepException($"{t.File}: shard {row[0]} is not one of {n} like {full[0].File}'s");
                if (ParseCount(t.File, row[2]) != total) throw new SweepException($"{t.File}: a sweep of {row[2]} points, {full[0].File}'s has {total}");
                if (!int.TryParse(row[1], NumberStyles.None, CultureInfo.InvariantCulture, out int k) || k >= total || !rs.Owns(k))
                    throw new SweepException($"{t.File}: point '{Short(row[1])}' is not one of shard {row[0]}'s");
                if (!points.TryAdd(k, row)) throw new SweepException($"{t.File}: point {k} is given twice");
            }
        }
        for (int k = 0; k < total; k++)
            if (!points.ContainsKey(k))
            {
                int owner = k % n + 1;
                throw new SweepException(seenShards.TryGetValue(owner, out var file)
                    ? $"{file}: point {k} of shard {owner}/{n} is missing: the table was cut short"
                    : $"shard {owner}/{n} is missing (its points {string.Join(", ", Enumerable.Range(0, 3).Select(j => k + j * n).Where(p => p < total))}{(k + 3 * n < total ? ", ..." : "")})");
            }

        // Drop the shard columns, the latency lines no point saw (a shard lists every line), and the
        // error column when no point failed (a shard always has it).
        int cut = SweepShard.Columns.Length;
        var keep = new List<int>();
        for (int c = cut; c < header.Count; c++)
        {
            if (c == header.Count - 1 && header[c] == "error" && points.Values.All(r => r[c].Length == 0)) continue;
            if (IsLatencyCount(header[c]) && points.Values.All(r => r[c].Length == 0))
            {
                c += 3; // the line's count, min, max and mean
                continue;
            }
            keep.Add(c);
        }
        var merged = keep.Select(c => header[c]).ToList();
        var rows = points.Values.Select(r => keep.Select(c => r[c]).ToList()).ToList();

        var keys = merged.TakeWhile(h => h != "exit").ToList();
        if (plot != null)
        {
            xKey ??= keys.FirstOrDefault() ?? "";
            var match = keys.FirstOrDefault(k => string.Equals(k, xKey, StringComparison.OrdinalIgnoreCase))
                ?? throw new SweepException($"--x {xKey}: not a varied key (they are: {string.Join(", ", keys)})");
            xKey = match;
            foreach (var metric in yMetric!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                if (!merged.Contains(metric, StringComparer.OrdinalIgnoreCase))
                    throw new SweepException($"--y {metric}: not a column (they are: {string.Join(", ", merged.Skip(keys.Count).Take(6))}, ...)");
        }

        PrintTable(merged, rows);
        if (output != null) WriteTable(output.FullName, merged, rows);
        if (plot != null) SweepCommand.Plot(plot, $"sweep over {xKey}", keys, xKey!, yMetric!, merged, rows);
        return 0;
    }

    private static bool IsTableFile(string name) =>
        name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    private static bool IsLatencyCount(string column) =>
        column.EndsWith(".to_isr.count", StringComparison.Ordinal) || column.EndsWith(".to_vector.count", StringComparison.Ordinal);

    private static SweepShard ParseShardCell(string file, string cell)
    {
        try { return SweepShard.Parse(cell)!; }
        catch (SweepException) { throw new SweepException($"{file}: shard '{Short(cell)}' is not I/N: not a table of `sweep --shard`"); }
    }

    private static int ParseCount(string file, string cell) =>
        int.TryParse(cell, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0
            ? v : throw new SweepException($"{file}: points '{Short(cell)}' is not a whole number: not a table of `sweep --shard`");

    private static string Short(string s) => s.Length > 40 ? s[..40] + "..." : s;

    /// <summary>A shard table is small (a row per point): refuse anything larger than any sweep writes.</summary>
    private const long MaxTableBytes = 256L << 20;

    private static Table Read(FileInfo file)
    {
        string name = file.Name;
        if (!IsTableFile(name)) throw new SweepException($"{file.FullName}: a shard table ends in .csv or .json");
        if (Directory.Exists(file.FullName)) throw new SweepException($"{file.FullName}: a directory, not a shard table");
        if (!file.Exists) throw new SweepException($"{file.FullName}: no such file");
        if (file.Length > MaxTableBytes) throw new SweepException($"{file.FullName}: {file.Length} bytes, larger than any sweep table ({MaxTableBytes} bytes at most)");
        string text;
        try { text = File.ReadAllText(file.FullName, Encoding.UTF8); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new SweepException($"{file.FullName}: {e.Message}"); }
        var (header, rows) = name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? ReadJson(file.FullName, text) : ReadCsv(file.FullName, text);
        if (header.Count < SweepShard.Columns.Length + 4 || !header.Take(SweepShard.Columns.Length).SequenceEqual(SweepShard.Columns))
            throw new SweepException($"{file.FullName}: not a table of `sweep --shard` (its first columns are not {string.Join(", ", SweepShard.Columns)})");
        foreach (var (row, i) in rows.Select((r, i) => (r, i)))
            if (row.Count != header.Count) throw new SweepException($"{file.FullName}: row {i + 1} has {row.Count} cells, the header {header.Count}");
        return new Table(file.FullName, header, rows);
    }

    /// <summary>The CSV `sweep --out` writes: comma-separated, a cell with a comma, quote or newline in quotes.</summary>
    private static (List<string>, List<List<string>>) ReadCsv(string file, string text)
    {
        var records = new List<List<string>>();
        var cells = new List<string>();
        var cell = new StringBuilder();
        bool quoted = false, any = false;
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (quoted)
            {
                if (ch != '"') cell.Append(ch);
                else if (i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else quoted = false;
                continue;
            }
            switch (ch)
            {
                case '"' when cell.Length == 0: quoted = true; any = true; break;
                case ',': cells.Add(cell.ToString()); cell.Clear(); any = true; break;
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n': break;
                case '\n':
                    cells.Add(cell.ToString()); cell.Clear();
                    records.Add(cells); cells = []; any = false;
                    break;
                default: cell.Append(ch); any = true; break;
            }
        }
        if (quoted) throw new SweepException($"{file}: a quoted cell is not closed: the file was cut short");
        if (any) throw new SweepException($"{file}: the last line has no end: the file was cut short");
        if (records.Count == 0) throw new SweepException($"{file}: empty, not a sweep table");
        return (records[0], records.Skip(1).ToList());
    }

    /// <summary>The JSON `sweep --out` writes: an array of objects, the columns in order; numbers keep their text.</summary>
    private static (List<string>, List<List<string>>) ReadJson(string file, string text)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text); }
        catch (JsonException e) { throw new SweepException($"{file}: not JSON ({e.Message.Split('.')[0]})"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new SweepException($"{file}: expected an array of rows");
            List<string>? header = null;
            var rows = new List<List<string>>();
            int index = 0;
            foreach (var element in doc.RootElement.EnumerateArray())
            {
                index++;
                if (element.ValueKind != JsonValueKind.Object) throw new SweepException($"{file}: row {index} is not an object");
                var names = element.EnumerateObject().Select(p => p.Name).ToList();
                header ??= names;
                if (!names.SequenceEqual(header)) throw new SweepException($"{file}: row {index}'s columns differ from row 1's");
                rows.Add(element.EnumerateObject().Select(p => p.Value.ValueKind switch
                {
                    JsonValueKind.Null => "",
                    JsonValueKind.String => p.Value.GetString()!,
                    JsonValueKind.Number => p.Value.GetRawText(),
                    _ => throw new SweepException($"{file}: row {index}, {p.Name}: expected a number, a string or null"),
                }).ToList());
            }
            // A shard with no points writes []: its columns are unknown, and it adds nothing.
            return (header ?? [.. SweepShard.Columns, "exit", "cycles", "sim_ns", "?"], rows);
        }
    }
}
