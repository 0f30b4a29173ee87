using System.Text.RegularExpressions;

namespace SocSim.Cli.Tests;

/// <summary>
/// The timing lines of `socsim run`: latency and measure lines give each cycle figure's simulated time
/// after it; a line that rose but was never served says so; `--measure FUNC` measures every call of a
/// function from entry to return; after `socsim resume` the lines cover the whole run; `--duration`
/// ends a run at a simulated time with exit status 0.
/// </summary>
public sealed partial class TimingOutputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("socsim-timing-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Elf(string name) => Path.Combine(Socsim.RepoRoot, "firmware", "elf", name + ".elf");
    private static string FreeRtos => Path.GetFullPath(Path.Combine(Socsim.RepoRoot, "..", "shared", "freertos", "elf", "rtosdemo-arm.elf"));

    private static string[] Lines(string stderr, string prefix) =>
        stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).ToArray();

    [Fact]
    public void LatencyAndMeasureLinesGiveTimeAfterEachCycleFigure()
    {
        // The demo's CPU clock is 50 MHz: 20 ns a cycle.
        var r = Socsim.Run("run", Elf("timer_irq"), "--stats", "--measure", "timer0_isr:irq_handler+0x28");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("measure timer0_isr:irq_handler+0x28 count=5 min=40 (800.00 ns) max=40 (800.00 ns) mean=40.0 (800.00 ns)", r.Stderr);
        var isr = Lines(r.Stderr, "irq_latency vic.4 ").Single();
        Assert.Matches(@"^irq_latency vic\.4 \(timer0\.TIMINTC\) to_isr timer0_isr: count=5 min=55 \(1\.10 us\) max=(\d+) \([\d.]+ [un]s\) mean=[\d.]+ \([\d.]+ [un]s\) to_vector: count=5 min=5 \(100\.00 ns\) ", isr);
        long max = long.Parse(Regex.Match(isr, @"max=(\d+) \(([\d.]+) ([un]s)\)").Groups[1].Value);
        var t = Regex.Match(isr, @"max=\d+ \(([\d.]+) ([un]s)\)");
        Assert.Equal(max * 20.0, double.Parse(t.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) * (t.Groups[2].Value == "us" ? 1000 : 1), 3);
    }

    [Fact]
    public void OnFreeRtosANeverServedLineSaysSoAndEveryCallOfAFunctionIsCounted()
    {
        var r = Socsim.Run("run", FreeRtos, "--board", "lpc2106", "--board", Path.Combine(Socsim.RepoRoot, "boards", "overrides", "lpc2106-uart0-loopback.json"),
            "--duration", "150ms", "--stats", "--quiet", "--measure", "vTaskSwitchContext", "--measure", "vTaskSwitchContext:vTaskSwitchContext");
        Assert.True(r.ExitCode == 0, r.Stderr);
        // The PLL's lock input of the VIC rises and is never enabled.
        var pll = Lines(r.Stderr, "irq_latency ").Single(l => l.Contains("(scb.PLL)"));
        Assert.Matches(@"^irq_latency vic\.\d+ \(scb\.PLL\) never served: rises=1 unserved=0$", pll);
        Assert.DoesNotContain(Lines(r.Stderr, "irq_latency "), l => l.Contains("count=0"));
        // Every call of vTaskSwitchContext is one pass: entries are the periods plus one, and each returned
        // except possibly one in progress at the end.
        var lines = Lines(r.Stderr, "measure ");
        long calls = long.Parse(Regex.Match(lines[0], @"count=(\d+)").Groups[1].Value);
        long periods = long.Parse(Regex.Match(lines[1], @"count=(\d+)").Groups[1].Value);
        Assert.InRange(calls, periods, periods + 1);
        Assert.True(calls > 100, lines[0]);
    }

    [Fact]
    public void MeasureFunctionCountsEveryCallFromEntryToReturn()
    {
        // timer0_isr returns to irq_handler+0x28 (its `bl` is the instruction before): both forms agree.
        var r = Socsim.Run("run", Elf("timer_irq"), "--measure", "timer0_isr", "--measure", "timer0_isr:irq_handler+0x28", "--measure", "main");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = Lines(r.Stderr, "measure ");
        Assert.Equal(lines[1]["measure timer0_isr:irq_handler+0x28 ".Length..], lines[0]["measure timer0_isr ".Length..]);
        Assert.StartsWith("measure main count=1 ", lines[2]);
    }

    [Fact]
    public void AnUnknownFunctionIsOneLineWithTheNearestName()
    {
        var r = Socsim.Run("run", Elf("timer_irq"), "--measure", "timer0_irs");
        Assert.Equal(2, r.ExitCode);
        var err = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(err);
        Assert.StartsWith("socsim run: --measure timer0_irs: no function of that name in ", err[0]);
        Assert.EndsWith("(did you mean timer0_isr?)", err[0]);
    }

    [Theory]
    [InlineData("timer0_isr:3")]
    [InlineData("250000")]
    public void AfterResumeTheLinesCoverTheWholeRun(string at)
    {
        string[] probes = ["--stats", "--measure", "timer0_isr", "--measure", "timer0_isr:timer0_isr"];
        var straight = Socsim.Run(["run", Elf("timer_irq"), .. probes]);
        string state = Path.Combine(_dir, "s.bin");
        var saved = Socsim.Run(["run", Elf("timer_irq"), .. probes, "--save-state", state, "--at", at]);
        Assert.True(saved.ExitCode == 0, saved.Stderr);
        var resumed = Socsim.Run(["resume", state, .. probes]);
        Assert.Equal(straight.ExitCode, resumed.ExitCode);
        Assert.Equal(Lines(straight.Stderr, "measure "), Lines(resumed.Stderr, "measure "));
        Assert.Equal(Lines(straight.Stderr, "irq_latency "), Lines(resumed.Stderr, "irq_latency "));
        Assert.Equal(2, Lines(straight.Stderr, "measure ").Length);
        Assert.Equal(2, Lines(straight.Stderr, "irq_latency ").Length);
    }

    [Fact]
    public void AResumeWithProbesTheSaveLackedSaysItCoversTheResumedPartOnly()
    {
        string state = Path.Combine(_dir, "s.bin");
        Assert.Equal(0, Socsim.Run("run", Elf("timer_irq"), "--save-state", state, "--at", "250000").ExitCode);
        var resumed = Socsim.Run("resume", state, "--stats");
        Assert.Contains("note: the checkpoint was saved without irq_latency: its figures cover the resumed part only", resumed.Stderr);
    }

    [Fact]
    public void DurationEndsTheRunWithExitZero()
    {
        var d = Socsim.Run("run", Elf("timer_irq"), "--duration", "2ms", "--stats");
        var m = Socsim.Run("run", Elf("timer_irq"), "--max-time", "2ms", "--stats");
        Assert.True(d.ExitCode == 0, d.Stderr);
        Assert.Equal(124, m.ExitCode);
        Assert.Contains("sim_ns=2000040 ", d.Stderr);
        Assert.Contains("sim_ns=2000040 ", m.Stderr);
        Assert.DoesNotContain("time limit", d.Stderr);
    }

    [Theory]
    [InlineData(new[] { "--duration", "2ms", "--max-time", "1ms" }, "socsim run: --duration and --max-time both limit simulated time: give one")]
    [InlineData(new[] { "--duration", "2xs" }, "socsim run: --duration: expected a duration like 10s")]
    public void BadDurationsAreOneLine(string[] args, string message)
    {
        var r = Socsim.Run(["run", Elf("timer_irq"), .. args]);
        Assert.Equal(2, r.ExitCode);
        var err = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(err);
        Assert.StartsWith(message, err[0]);
    }
}
