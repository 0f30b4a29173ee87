using System.Text.RegularExpressions;
using SocSim.Trace.Vcd;

namespace SocSim.Cli.Tests;

/// <summary>
/// `socsim vcd-diff` between two boards' traces: every trace of a whole run has its $dumpvars at #0
/// (no spurious divergence before the first instruction), `--tolerance` matches edges within it, and
/// `--offset` lines up a shifted trace.
/// </summary>
public sealed partial class VcdDiffOptionsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("socsim-vcddiff-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Elf => Path.Combine(Socsim.RepoRoot, "firmware", "elf", "timer_irq.elf");

    private string Trace(string name, params string[] boards)
    {
        string vcd = Path.Combine(_dir, name);
        var r = Socsim.Run(["run", Elf, .. boards.SelectMany(b => new[] { "--board", b }), "--vcd", vcd, "--signals", "uart0.TXD,timer0.TIMINTC"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return vcd;
    }

    [GeneratedRegex(@"^#(\d+)$", RegexOptions.Multiline)]
    private static partial Regex Stamp();

    [Fact]
    public void TwoBoardsTracesStartAtZeroAndMatchWithinTheirLargestEdgeShift()
    {
        string fast = Trace("fast.vcd", "versatilepb");
        string slow = Trace("slow.vcd", "versatilepb", Path.Combine(Socsim.RepoRoot, "boards", "overrides", "slow-ram.json"));
        // $dumpvars at #0 in both, whatever time the first instruction ran at.
        foreach (var f in new[] { fast, slow })
        {
            string text = File.ReadAllText(f);
            Assert.Equal("0", Stamp().Match(text).Groups[1].Value);
            Assert.True(text.IndexOf("#0\n$dumpvars", StringComparison.Ordinal) >= 0, f);
        }
        // The slower RAM delays every UART edge a little more: the largest shift between matching edges.
        var a = VcdReader.Read(fast).Get("uart0.TXD");
        var b = VcdReader.Read(slow).Get("uart0.TXD");
        var fa = VcdReader.Read(fast);
        Assert.Equal(a.Changes.Count, b.Changes.Count);
        long shift = a.Changes.Zip(b.Changes).Max(p => Math.Abs(p.Second.Time - p.First.Time)) * fa.UnitFs;
        Assert.True(shift > 0);
        long unitNs = fa.UnitFs / 1_000_000;
        Assert.True(unitNs > 0 && shift % 1_000_000 == 0);

        var exact = Socsim.Run("vcd-diff", fast, slow, "--map", "uart0.TXD=uart0.TXD");
        Assert.Equal(1, exact.ExitCode);
        // No difference at the start: the first one is at a TXD edge, not before the first instruction.
        string first = exact.Stdout.Split('\n').First(l => l.StartsWith("first divergence", StringComparison.Ordinal));
        Assert.DoesNotContain(" = x in ", first);
        Assert.DoesNotContain("first divergence at 0 ", first);

        var within = Socsim.Run("vcd-diff", fast, slow, "--map", "uart0.TXD=uart0.TXD", "--tolerance", $"{shift / 1_000_000}ns");
        Assert.True(within.ExitCode == 0, within.Stdout + within.Stderr);
        Assert.Contains("differences ending within", within.Stdout);
        var below = Socsim.Run("vcd-diff", fast, slow, "--map", "uart0.TXD=uart0.TXD", "--tolerance", $"{shift / 1_000_000 - unitNs}ns");
        Assert.Equal(1, below.ExitCode);
    }

    [Fact]
    public void OffsetLinesUpAShiftedTrace()
    {
        string a = Trace("a.vcd", "versatilepb");
        // B: the same trace starting 8 us later (every time stamp moved; the unit is the CPU period).
        var fa = VcdReader.Read(a);
        long units = 8_000_000_000 / fa.UnitFs;
        string b = Path.Combine(_dir, "b.vcd");
        File.WriteAllText(b, Stamp().Replace(File.ReadAllText(a), m => "#" + (long.Parse(m.Groups[1].Value) + units)));
        Assert.Equal(1, Socsim.Run("vcd-diff", a, b).ExitCode);
        var lined = Socsim.Run("vcd-diff", a, b, "--offset", "8us");
        Assert.True(lined.ExitCode == 0, lined.Stdout + lined.Stderr);
        Assert.Contains("B shifted by -8 us", lined.Stdout);
        Assert.Equal(1, Socsim.Run("vcd-diff", a, b, "--offset", "7us").ExitCode);
        // Shifting A's own trace later by a negative offset is the mirror case.
        var back = Socsim.Run("vcd-diff", b, a, "--offset", "-8us");
        Assert.True(back.ExitCode == 0, back.Stdout + back.Stderr);
    }

    [Theory]
    [InlineData("--offset", "8xs", "socsim vcd-diff: --offset: expected a time like 8us, 100ns or -2us")]
    [InlineData("--tolerance", "-1us", "socsim vcd-diff: --tolerance '-1us': must not be negative")]
    public void BadTimesAreOneLine(string option, string value, string message)
    {
        string a = Trace("a.vcd", "versatilepb");
        var r = Socsim.Run("vcd-diff", a, a, option, value);
        Assert.Equal(2, r.ExitCode);
        var err = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(err);
        Assert.StartsWith(message, err[0]);
    }
}
