namespace SocSim.Cli.Tests;

/// <summary>`--engine translate` on `socsim run` and `socsim bench`: the same output, exit status, cycles and instructions as the interpreter.</summary>
public sealed class EngineOptionTests
{
    private static string Fw(string name) => Path.Combine(Socsim.RepoRoot, "firmware", "elf", name + ".elf");

    private static string Counts(Socsim.Result r) =>
        r.Stderr.Split('\n').Single(l => l.StartsWith("cycles=", StringComparison.Ordinal)) is var l
            ? string.Join(' ', l.Split(' ').Where(p => p.StartsWith("cycles=", StringComparison.Ordinal) || p.StartsWith("instructions=", StringComparison.Ordinal) || p.StartsWith("sim_ns=", StringComparison.Ordinal)))
            : "";

    [Theory]
    [InlineData("timer_irq")]
    [InlineData("thumb")]
    public void RunWithTheTranslatorMatchesTheInterpreter(string name)
    {
        var a = Socsim.Run("run", Fw(name), "--stats", "--regs");
        var b = Socsim.Run("run", Fw(name), "--stats", "--regs", "--engine", "translate");
        Assert.Equal(a.ExitCode, b.ExitCode);
        Assert.Equal(a.Stdout, b.Stdout);
        Assert.Equal(Counts(a), Counts(b));
        Assert.Equal(a.Stderr.Split('\n').Single(l => l.StartsWith("r0=", StringComparison.Ordinal)),
                     b.Stderr.Split('\n').Single(l => l.StartsWith("r0=", StringComparison.Ordinal)));
        Assert.Contains(b.Stderr.Split('\n'), l => l.StartsWith("translate: blocks=", StringComparison.Ordinal));
    }

    [Fact]
    public void BenchPrintsBothEngines()
    {
        var r = Socsim.Run("bench", Fw("bench_small"), "--repeat", "1");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(r.Lines, l => l.StartsWith("interpret: best_mips=", StringComparison.Ordinal));
        Assert.Contains(r.Lines, l => l.StartsWith("translate: best_mips=", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownEngineIsAUsageError()
    {
        var r = Socsim.Run("run", Fw("hello"), "--engine", "fast");
        Assert.NotEqual(0, r.ExitCode);
    }
}
