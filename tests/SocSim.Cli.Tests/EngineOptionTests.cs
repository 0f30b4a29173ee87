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
        // --translate-after 0: these runs are shorter than the default hold-off, which would leave them interpreted.
        var b = Socsim.Run("run", Fw(name), "--stats", "--regs", "--engine", "translate", "--translate-after", "0");
        Assert.Equal(a.ExitCode, b.ExitCode);
        Assert.Equal(a.Stdout, b.Stdout);
        Assert.Equal(Counts(a), Counts(b));
        Assert.Equal(a.Stderr.Split('\n').Single(l => l.StartsWith("r0=", StringComparison.Ordinal)),
                     b.Stderr.Split('\n').Single(l => l.StartsWith("r0=", StringComparison.Ordinal)));
        // Regions compiled (at the threshold, on the simulation's thread: not the host's speed); how much of
        // the run they take depends on when the background JIT finishes, so that is not asserted.
        Assert.True(TranslateField(b, "blocks") > 0, b.Stderr);
    }

    private static long TranslateField(Socsim.Result r, string name) =>
        long.Parse(System.Text.RegularExpressions.Regex.Match(
            r.Stderr.Split('\n').Single(l => l.StartsWith("translate: blocks=", StringComparison.Ordinal)), $@"\b{name}=(\d+)").Groups[1].Value);

    [Fact]
    public void AShortRunIsNotTranslatedUnlessAsked()
    {
        // hello.elf runs 40 K instructions, under the default hold-off (BlockTranslator.ShortRunInstructions):
        // nothing is compiled; with --translate-after 0 its hot loops are (the same output and counts).
        var held = Socsim.Run("run", Fw("hello"), "--stats", "--engine", "translate");
        var eager = Socsim.Run("run", Fw("hello"), "--stats", "--engine", "translate", "--translate-after", "0");
        Assert.Equal(0, held.ExitCode);
        Assert.Equal(0, TranslateField(held, "blocks"));
        Assert.Equal(0, TranslateField(held, "translated_instructions"));
        Assert.Equal(held.Stdout, eager.Stdout);
        Assert.Equal(Counts(held), Counts(eager));
        Assert.True(TranslateField(eager, "blocks") > 0, eager.Stderr);
    }

    [Fact]
    public void ANegativeHoldOffIsAUsageError()
    {
        var r = Socsim.Run("run", Fw("hello"), "--translate-after", "-1");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--translate-after", r.Stderr);
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
