namespace SocSim.Cli.Tests;

/// <summary>
/// `socsim sweep --shard I/N` and `socsim sweep merge`: the shards' tables merge into exactly what one
/// machine prints and writes for the whole sweep, and every wrong combination of shards is refused.
/// </summary>
public sealed class SweepShardTests
{
    // Four points; at 400 MHz the 500,000-cycle limit comes before the first timer tick, so two points
    // raise no interrupt: shard 1/4 (point 0 alone) sees no latency line, while the whole sweep has one.
    private static readonly string[] Grid =
        ["sweep", "--vary", "clocks.CPUCLK=400000000,50000000", "--vary", "memory.ram.waitStates.readN=0,2", "--max-cycles", "500000"];

    private static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "socsim-shard-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    private static Socsim.Result Ok(params string[] args)
    {
        var r = Socsim.Run(args);
        Assert.True(r.ExitCode == 0, $"socsim {string.Join(' ', args)}: exit {r.ExitCode}: {r.Stderr}");
        return r;
    }

    private static string[] Shard(string dir, int i, int n, string ext) =>
        [.. Grid, "--shard", $"{i}/{n}", "--out", Path.Combine(dir, $"s{i}of{n}.{ext}")];

    [Theory]
    [InlineData("csv", 4)]
    [InlineData("json", 4)]
    [InlineData("csv", 3)]
    [InlineData("csv", 7)]   // more shards than points: the last three run nothing
    public void ShardsMergeIntoExactlyTheTableOfOneMachine(string ext, int n)
    {
        var dir = TempDir();
        var whole = Ok([.. Grid, "--out", Path.Combine(dir, $"whole.{ext}")]);
        Assert.Contains("vic.4.to_isr.max", whole.Lines[0]);
        Assert.DoesNotContain("vic.5.", whole.Lines[0]);

        var shardRows = 0;
        for (int i = 1; i <= n; i++)
        {
            var s = Ok(Shard(dir, i, n, ext));
            var header = s.Lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(["shard", "point", "points"], header[..3]);
            // A shard lists every line of the board (it cannot know what other shards see).
            Assert.Contains("vic.5.to_isr.count", header);
            foreach (var row in s.Lines.Skip(1))
            {
                var cells = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                Assert.Equal($"{i}/{n}", cells[0]);
                Assert.Equal((i - 1) % n, int.Parse(cells[1]) % n);
                Assert.Equal("4", cells[2]);
                shardRows++;
            }
        }
        Assert.Equal(4, shardRows);

        // Any order of the files.
        var files = Enumerable.Range(1, n).Reverse().Select(i => Path.Combine(dir, $"s{i}of{n}.{ext}")).ToArray();
        var merged = Ok(["sweep", "merge", .. files, "--out", Path.Combine(dir, $"merged.{ext}")]);
        Assert.Equal(whole.Stdout, merged.Stdout);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, $"whole.{ext}")), File.ReadAllBytes(Path.Combine(dir, $"merged.{ext}")));
    }

    [Fact]
    public void MergeDrawsThePlotOfTheWholeSweep()
    {
        var dir = TempDir();
        for (int i = 1; i <= 2; i++) Ok(Shard(dir, i, 2, "csv"));
        var png = Path.Combine(dir, "m.png");
        Ok("sweep", "merge", Path.Combine(dir, "s1of2.csv"), Path.Combine(dir, "s2of2.csv"), "--plot", png, "--y", "cycles,vic.4.to_isr.max");
        var bytes = File.ReadAllBytes(png);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
    }

    [Theory]
    [InlineData("0/4", "--shard 0/4: I counts from 1 (for a 0-based index such as JOB_COMPLETION_INDEX, give $((JOB_COMPLETION_INDEX + 1))/4)")]
    [InlineData("5/4", "--shard 5/4: I must be from 1 to 4")]
    [InlineData("1/0", "--shard 1/0: N must be from 1 to 1000000")]
    [InlineData("2", "--shard 2: expected I/N, two whole numbers with 1 <= I <= N (e.g. 2/8)")]
    [InlineData("-1/4", "--shard -1/4: expected I/N")]
    [InlineData("a/b", "--shard a/b: expected I/N")]
    public void ABadShardIsOneLineBeforeAnythingRuns(string shard, string message)
    {
        var r = Socsim.Run([.. Grid, "--shard", shard]);
        Assert.Equal(2, r.ExitCode);
        var err = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(err);
        Assert.StartsWith("socsim sweep: " + message, err[0]);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void AShardRefusesToPlotPartOfTheGrid()
    {
        var r = Socsim.Run([.. Grid, "--shard", "1/2", "--plot", "p.png", "--y", "cycles"]);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("socsim sweep: --plot draws the whole grid", r.Stderr);
    }

    [Fact]
    public void MergeRefusesEveryWrongSetOfShardsInOneLine()
    {
        var dir = TempDir();
        string F(string name) => Path.Combine(dir, name);
        for (int i = 1; i <= 3; i++) Ok(Shard(dir, i, 3, "csv"));
        Ok(Shard(dir, 1, 2, "csv"));
        Ok([.. Grid, "--out", F("plain.csv")]);
        Ok("sweep", "--vary", "memory.ram.waitStates.readN=0,1,2", "--max-cycles", "1000", "--shard", "2/3", "--out", F("other.csv"));
        // A table cut short: shard 1/3 (points 0 and 3) without its last row.
        var lines = File.ReadAllLines(F("s1of3.csv"));
        Assert.Equal(3, lines.Length);
        File.WriteAllLines(F("cut.csv"), lines[..^1]);
        File.WriteAllText(F("torn.csv"), File.ReadAllText(F("s2of3.csv"))[..^3]);
        Directory.CreateDirectory(F("dir.csv"));

        var cases = new (string[] Files, string Message)[]
        {
            ([F("s1of3.csv"), F("s3of3.csv")], "shard 2/3 is missing (its points 1)"),
            ([F("s1of3.csv"), F("s2of3.csv"), F("s2of3.csv"), F("s3of3.csv")], $"{F("s2of3.csv")}: shard 2/3 is given twice"),
            ([F("cut.csv"), F("s2of3.csv"), F("s3of3.csv")], $"{F("cut.csv")}: point 3 of shard 1/3 is missing: the table was cut short"),
            ([F("s1of3.csv"), F("torn.csv"), F("s3of3.csv")], $"{F("torn.csv")}: the last line has no end: the file was cut short"),
            ([F("s1of3.csv"), F("s2of3.csv"), F("s1of2.csv")], $"{F("s1of2.csv")}: shard 1/2 is not one of 3"),
            ([F("s1of3.csv"), F("other.csv"), F("s3of3.csv")], $"{F("other.csv")}: its columns differ from"),
            ([F("plain.csv")], $"{F("plain.csv")}: not a table of `sweep --shard` (its first columns are not shard, point, points)"),
            ([F("nothere.csv")], $"{F("nothere.csv")}: no such file"),
            ([F("dir.csv")], $"{F("dir.csv")}: a directory, not a shard table"),
            ([F("s1of3.txt")], $"{F("s1of3.txt")}: a shard table ends in .csv or .json"),
        };
        foreach (var (files, message) in cases)
        {
            var r = Socsim.Run(["sweep", "merge", .. files]);
            Assert.True(r.ExitCode == 2, $"{string.Join(' ', files)}: exit {r.ExitCode}");
            var err = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(err);
            Assert.StartsWith("socsim sweep merge: " + message, err[0]);
            Assert.Equal("", r.Stdout);
        }
    }
}
