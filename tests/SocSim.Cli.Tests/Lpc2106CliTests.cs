namespace SocSim.Cli.Tests;

/// <summary>The LPC2106 board from the command line: the bundled demo, --pin, --max-time, bad input.</summary>
public sealed class Lpc2106CliTests
{
    private static string Board => Path.Combine(Socsim.RepoRoot, "boards", "lpc2106.json");
    private static string Loopback => Path.Combine(Socsim.RepoRoot, "boards", "overrides", "lpc2106-uart0-loopback.json");
    private static string Fw(string name) => Path.Combine(Socsim.RepoRoot, "firmware", "elf", name + ".elf");
    private static string Expected(string name) => File.ReadAllText(Path.Combine(Socsim.RepoRoot, "firmware", "lpc2106", "expected", name + ".txt"));

    [Fact]
    public void WithNoElf_TheBoardRunsItsBundledDemo()
    {
        var r = Socsim.Run("run", "--board", Board);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(Expected("lpc2106_demo"), r.Stdout);
        Assert.Equal("", r.Stderr);   // the demo's PLL setting is within the data sheet's limits
    }

    [Theory]
    [InlineData("0", "lpc2106_gpio.P0_5_low")]
    [InlineData("1", "lpc2106_gpio.P0_5_high")]
    public void PinDrivesAnInput(string level, string expected)
    {
        var r = Socsim.Run("run", Fw("lpc2106_gpio"), "--board", Board, "--pin", "P0_5=" + level);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(Expected(expected), r.Stdout);
    }

    [Theory]
    [InlineData("P0_99=1", "--pin P0_99=1: no input pin named 'P0_99' on this board")]
    [InlineData("P0_5=2", "--pin P0_5=2: expected PIN=0 or PIN=1, e.g. P0_5=0")]
    [InlineData("uart0.RXD=1", "--pin uart0.RXD=1: pin uart0.RXD is already driven by the board's wiring (gpio.RXD0 -> uart0.RXD)")]
    public void BadPinsAreOneLineErrors(string pin, string error)
    {
        var r = Socsim.Run("run", Fw("lpc2106_gpio"), "--board", Board, "--pin", pin);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("socsim run: " + error, r.Stderr.TrimEnd('\n'));
    }

    [Fact]
    public void MaxTimeStopsAtThatSimulatedTime_Exit124()
    {
        var r = Socsim.Run("run", Path.GetFullPath(Path.Combine(Socsim.RepoRoot, "..", "shared", "freertos", "elf", "rtosdemo-arm.elf")),
            "--board", Board, "--board", Loopback, "--max-time", "200ms", "--stats");
        Assert.Equal(124, r.ExitCode);
        var err = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // The demo's own PLL setting is outside the data sheet: one warning naming it and the limit.
        Assert.Equal("socsim: warning: scb: PLLCFG = 0x03 (M = 4, P = 1) with FOSC = 14.7456 MHz puts the PLL's CCO at 117.9648 MHz, outside the data sheet's 156-320 MHz range (running as programmed)", err[0]);
        Assert.Matches("^socsim run: time limit of 200ms reached at cycle=[0-9]+ pc=0x[0-9A-F]{8}$", err[1]);
        // The run stops at the first instruction boundary at or after the limit.
        Assert.InRange(SimNs(r.Stderr), 200_000_000, 200_001_000);
        Assert.StartsWith("ABCDEFGHIJKLMNOPQRSTUVWX", r.Stdout);
    }

    [Theory]
    [InlineData("10", "--max-time: expected a duration like 10s, 250ms, 40us or 800ns, got '10'")]
    [InlineData("-1s", "--max-time: expected a duration like 10s, 250ms, 40us or 800ns, got '-1s'")]
    [InlineData("0ms", "--max-time: expected a duration like 10s, 250ms, 40us or 800ns, got '0ms'")]
    public void BadDurationsAreOneLineErrors(string value, string error)
    {
        var r = Socsim.Run("run", "--board", Board, "--max-time", value);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("socsim run: " + error, r.Stderr.TrimEnd('\n'));
    }

    [Fact]
    public void MaxTimeWorksOnEveryBoard()
    {
        var r = Socsim.Run("run", "--max-time", "2ms", "--stats");
        Assert.Equal(124, r.ExitCode);
        Assert.InRange(SimNs(r.Stderr), 2_000_000, 2_001_000);
    }

    private static long SimNs(string stderr) =>
        long.Parse(System.Text.RegularExpressions.Regex.Match(stderr, @" sim_ns=([0-9]+) ").Groups[1].Value);
}
