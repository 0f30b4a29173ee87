using System.Text.RegularExpressions;

namespace SocSim.Firmware.Tests;

/// <summary>End-to-end: `socsim run` with --until, --break, --trace-instr, --profile, --measure and --stats.</summary>
public class CliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "socsim-cli-" + Guid.NewGuid().ToString("N"));

    public CliTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static string Elf(string name) => Repo.Elf(name);

    [Fact]
    public void Until_Reached_Exits0AndReportsTheCycle()
    {
        var r = Socsim.Run("run", "--until", "main");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("socsim run: until main reached at cycle=117 instructions=33 pc=0x00000040", r.ErrLines);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void Until_Address_NotReached_Exits123()
    {
        var r = Socsim.Run("run", Elf("hello"), "--until", "0x03000000");
        Assert.Equal(123, r.ExitCode);
        Assert.Contains("socsim run: until 0x03000000 not reached", r.ErrLines);
        Assert.Contains("Hello", r.Stdout);
    }

    [Fact]
    public void Until_UnknownSymbol_IsAUsageError()
    {
        var r = Socsim.Run("run", Elf("hello"), "--until", "timer0_isr");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("symbol 'timer0_isr' not found", r.Stderr);
    }

    [Fact]
    public void Break_WithCounts_StopsAtTheNthHitAndListsHits()
    {
        var r = Socsim.Run("run", "--break", "puts0:3", "--break", "timer0_isr:99");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"^socsim run: break puts0#3 reached at cycle=\d+ instructions=\d+ pc=0x[0-9A-F]{8}$", r.ErrLines[0]);
        Assert.Contains("socsim run: break puts0 hits=3", r.ErrLines);
        Assert.Contains("socsim run: break timer0_isr hits=2", r.ErrLines);
        Assert.Equal(2, Socsim.Run("run", "--break", "puts0:0").ExitCode);
    }

    [Fact]
    public void TraceInstr_WritesOneLinePerInstruction()
    {
        string trace = Path.Combine(_dir, "trace.txt");
        var r = Socsim.Run("run", "--trace-instr", trace, "--stats");
        Assert.Equal(0, r.ExitCode);
        var lines = File.ReadAllLines(trace);
        Assert.Equal("         4 +9  svc:A 00000000 e59ff018 ldr pc, [pc, #24]                pc=000001dc R4 00000020=000001dc", lines[0]);
        var stats = Regex.Match(r.Stderr, @"cycles=(\d+) instructions=(\d+)");
        Assert.Equal(long.Parse(stats.Groups[2].Value) + 5, lines.Length);  // + 5 IRQ entries
        Assert.Contains(lines, l => l.EndsWith("(condition failed)", StringComparison.Ordinal));
    }

    [Fact]
    public void Profile_Table_SumsToTheRunsCycles()
    {
        string file = Path.Combine(_dir, "profile.txt");
        var r = Socsim.Run("run", "--profile", file, "--stats");
        Assert.Equal(0, r.ExitCode);
        long cycles = long.Parse(Regex.Match(r.Stderr, @"cycles=(\d+)").Groups[1].Value);
        var rows = File.ReadAllLines(file);
        Assert.StartsWith("  excl_cycles", rows[0]);
        long sum = rows.Skip(1).SkipLast(1).Sum(l => long.Parse(l[..13]));
        Assert.Equal(cycles, sum);
        Assert.StartsWith($"{cycles,13} 100.00", rows[^1]);
        Assert.EndsWith("  puts0", rows[1]);
    }

    [Fact]
    public void Profile_ToStderr_AndCollapsed()
    {
        var r = Socsim.Run("run", Elf("hello"), "--profile");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("(total)", r.Stderr);
        string file = Path.Combine(_dir, "stacks.txt");
        r = Socsim.Run("run", "--profile", file, "--profile-format", "collapsed");
        Assert.Equal(0, r.ExitCode);
        var stacks = File.ReadAllLines(file);
        Assert.Contains("reset_handler;main;[irq];irq_handler;timer0_isr 200", stacks);
        Assert.All(stacks, l => Assert.Matches(@"^\S+ \d+$", l));
    }

    [Fact]
    public void Profile_WithUntil_CoversTheCyclesUpToTheStop()
    {
        string file = Path.Combine(_dir, "profile.txt");
        var r = Socsim.Run("run", "--until", "main", "--profile", file);
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith($"{117,13} 100.00", File.ReadAllLines(file)[^1]);
    }

    [Fact]
    public void TraceInstr_ToStderr()
    {
        var r = Socsim.Run("run", Elf("hello"), "--trace-instr", "-", "--max-cycles", "50");
        Assert.Equal(124, r.ExitCode);
        Assert.StartsWith("         4 +9  svc:A 00000000 e59ff018 ldr pc, [pc, #24]", r.ErrLines[0]);
    }

    [Fact]
    public void Profile_RefusesToOverwriteTheElf()
    {
        var r = Socsim.Run("run", "--profile", Elf("hello"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("looks like the firmware", r.Stderr);
    }

    [Fact]
    public void Measure_PrintsCountMinMaxMean()
    {
        var r = Socsim.Run("run", "--measure", "timer0_isr:irq_handler+0x28", "--measure", "main:semihost_exit", "--measure", "0x03000000:main");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("measure timer0_isr:irq_handler+0x28 count=5 min=40 (800.00 ns) max=40 (800.00 ns) mean=40.0 (800.00 ns)", r.ErrLines);
        Assert.Contains(r.ErrLines, l => Regex.IsMatch(l, @"^measure main:semihost_exit count=1 min=(\d+) (\([\d.]+ [mun]?s\)) max=\1 \2 mean=\1\.0 \2$"));
        Assert.Contains("measure 0x03000000:main count=0 (never completed)", r.ErrLines);
        Assert.Equal(2, Socsim.Run("run", "--measure", "main:").ExitCode);
        Assert.Equal(2, Socsim.Run("run", "--measure", "mian").ExitCode);
    }

    [Fact]
    public void Stats_ListsInterruptLatencyPerLine()
    {
        var r = Socsim.Run("run", "--stats");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(r.ErrLines, l => Regex.IsMatch(l, @"^irq_latency vic\.4 \(timer0\.TIMINTC\) to_isr timer0_isr: count=5 min=55 \(1\.10 us\) max=\d+ \([\d.]+ [un]s\) mean=[\d.]+ \([\d.]+ [un]s\) to_vector: count=5 min=5 \(100\.00 ns\) max=\d+ \([\d.]+ [un]s\) mean=[\d.]+ \([\d.]+ [un]s\) unserved=0$"));
        Assert.Contains(r.ErrLines, l => l.StartsWith("irq_latency cpu.nIRQ (vic.IRQ) to_vector: count=5", StringComparison.Ordinal));
        // Without interrupts, --stats stays the single line `socsim run --stats` promises.
        var hello = Socsim.Run("run", Elf("hello"), "--stats");
        Assert.Single(hello.ErrLines);
        Assert.StartsWith("cycles=", hello.ErrLines[0]);
    }
}
