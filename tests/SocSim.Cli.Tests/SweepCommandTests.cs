using System.Text.Json;
using SocSim.Trace.Timing;
using SocSim.Tests;

namespace SocSim.Cli.Tests;

/// <summary>`socsim sweep`: one row per combination in a stable order, the same figures a single run gives, files, and bad input before anything runs.</summary>
public sealed class SweepCommandTests
{
    private static string Root => Socsim.RepoRoot;
    private static string Board => Path.Combine(Root, "boards", "versatilepb.json");
    private static string Demo => Path.Combine(Root, "firmware", "elf", "timer_irq.elf");

    private static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "socsim-sweep-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>
    /// A sweep on the ARM926EJ-S board (issue 20: sweeps work for every core): its CLK:HCLK ratio varied, each
    /// row is what the library gives for the same settings run alone, and a slower bus costs cycles.
    /// </summary>
    [Fact]
    public void ASweepOnTheArm926BoardVariesItsClockRatioAndEachRowIsASingleRun()
    {
        var dir = TempDir();
        var csv = Path.Combine(dir, "arm926.csv");
        var arm926 = Path.Combine(Root, "boards", "versatilepb-arm926.json");
        var r = Socsim.Run("sweep", Demo, "--board", arm926, "--vary", "cpu.parameters.clkPerHclk=1,3",
            "--max-cycles", "3000000", "--measure", "timer0_isr:timer0_isr", "--out", csv);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var rows = File.ReadAllLines(csv).Select(l => l.Split(',')).ToArray();
        var header = rows[0];
        Assert.Equal(["cpu.parameters.clkPerHclk", "exit", "cycles"], header[..3]);
        Assert.Equal(["1", "3"], rows[1..].Select(x => x[0]));
        var isrMax = new List<long>();
        foreach (var row in rows[1..])
        {
            using var m = Machine.Create([arm926], [$"cpu.parameters.clkPerHclk={row[0]}"]);
            m.LoadElf(Demo);
            var latency = new InterruptLatencyProbe(m);
            var result = m.Run(3_000_000);
            Assert.Equal(result.Cycles.ToString(), row[2]);
            var isr = latency["vic.4"]!.ToIsr;
            Assert.True(isr.Count > 0, "timer0 should interrupt within 3 M cycles");
            Assert.Equal(isr.Max.ToString(), row[Array.IndexOf(header, "vic.4.to_isr.max")]);
            isrMax.Add(isr.Max);
        }
        // Three core clocks per bus clock make every uncached access and line fill dearer.
        Assert.True(isrMax[1] > isrMax[0], $"to_isr max {isrMax[0]} at 1:1, {isrMax[1]} at 3:1");
    }

    [Fact]
    public void AGridRunsEveryCombinationInOrderWithTheFiguresOfASingleRun()
    {
        var dir = TempDir();
        var csv = Path.Combine(dir, "grid.csv");
        var r = Socsim.Run("sweep", Demo, "--vary", "memory.ram.waitStates.readN=0,3", "--vary", "clocks.CPUCLK=25000000,50000000",
            "--measure", "timer0_isr:timer0_isr", "--out", csv);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = r.Lines;
        Assert.Equal(5, lines.Length);
        Assert.StartsWith("memory.ram.waitStates.readN  clocks.CPUCLK  exit  cycles", lines[0].TrimStart());
        var rows = File.ReadAllLines(csv).Select(l => l.Split(',')).ToArray();
        var header = rows[0];
        Assert.Equal(["memory.ram.waitStates.readN", "clocks.CPUCLK", "exit", "cycles", "sim_ns"], header[..5]);
        Assert.Contains("timer0_isr:timer0_isr.mean", header);
        Assert.Contains("vic.4.to_isr.max", header);
        // The first --vary varies slowest, whatever order the parallel runs finished in.
        Assert.Equal([("0", "25000000"), ("0", "50000000"), ("3", "25000000"), ("3", "50000000")], rows[1..].Select(x => (x[0], x[1])));
        foreach (var row in rows[1..])
        {
            // Each point is what the library gives for the same settings, run alone.
            using var m = Machine.Create([Board], [$"memory.ram.waitStates.readN={row[0]}", $"clocks.CPUCLK={row[1]}"]);
            m.LoadElf(Demo);
            var latency = new InterruptLatencyProbe(m);
            var result = m.Run();
            Assert.Equal("0", row[2]);
            Assert.Equal(result.Cycles.ToString(), row[3]);
            Assert.Equal(m.SimulatedNanoseconds.ToString(), row[4]);
            var isr = latency["vic.4"]!.ToIsr;
            Assert.Equal(isr.Max.ToString(), row[Array.IndexOf(header, "vic.4.to_isr.max")]);
            Assert.Equal(isr.Min.ToString(), row[Array.IndexOf(header, "vic.4.to_isr.min")]);
            Assert.Equal("4", row[Array.IndexOf(header, "timer0_isr:timer0_isr.count")]);
        }
        // The default board's RAM (2 wait states) gives the README's 55..59 cycles.
        var two = Socsim.Run("sweep", "--vary", "memory.ram.waitStates.readN=2", "--out", Path.Combine(dir, "two.json"));
        Assert.True(two.ExitCode == 0, two.Stderr);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "two.json")));
        var point = json.RootElement[0];
        Assert.Equal(2, point.GetProperty("memory.ram.waitStates.readN").GetInt32());
        Assert.Equal(55, point.GetProperty("vic.4.to_isr.min").GetInt32());
        Assert.Equal(59, point.GetProperty("vic.4.to_isr.max").GetInt32());
        Assert.Equal(FirmwareTotals.Of("timer_irq").Cycles, point.GetProperty("cycles").GetInt64());
    }

    [Fact]
    public void MaxTimeStopsEveryPointAtTheSameSimulatedTime()
    {
        // 5 ms on CPU clocks of 25 and 50 MHz: each point stops at the first instruction boundary at or
        // after 5 ms (exit 124), so its cycles are its clock times its simulated time.
        var csv = Path.Combine(TempDir(), "t.csv");
        var r = Socsim.Run("sweep", "--vary", "clocks.CPUCLK=25000000,50000000", "--max-time", "5ms", "--out", csv);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var rows = File.ReadAllLines(csv).Select(l => l.Split(',')).ToArray();
        Assert.Equal(["clocks.CPUCLK", "exit", "cycles", "sim_ns"], rows[0][..4]);
        Assert.Equal(3, rows.Length);
        foreach (var row in rows[1..])
        {
            long hz = long.Parse(row[0]), cycles = long.Parse(row[2]), ns = long.Parse(row[3]);
            Assert.Equal("124", row[1]);
            Assert.Equal(ns, cycles * 1_000_000_000 / hz);
            Assert.InRange(ns, 5_000_000, 5_002_000);   // an instruction's length past the limit at most
        }
    }

    [Fact]
    public void PlotDrawsAPng()
    {
        var png = Path.Combine(TempDir(), "lat.png");
        var r = Socsim.Run("sweep", "--vary", "memory.ram.waitStates.readN=0,4", "--plot", png, "--x", "memory.ram.waitStates.readN", "--y", "vic.4.to_isr.max,cycles");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var bytes = File.ReadAllBytes(png);
        Assert.True(bytes.Length > 5000);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
    }

    [Theory]
    [InlineData("memory.ram.waitStatez.readN=0,1", "--vary memory.ram.waitStatez.readN=0: ", "unknown key 'waitStatez'")]
    [InlineData("memory.ram.waitStates.readN=0,x", "--vary memory.ram.waitStates.readN=x: ", "expected a number of wait states")]
    [InlineData("memory.ram.waitStates.readN", "--vary memory.ram.waitStates.readN: expected KEY=V1,V2,...", "")]
    [InlineData("clocks.CPUCLK=1,,2", "--vary clocks.CPUCLK: an empty value", "")]
    public void ABadKeyOrValueIsOneLineNamingTheKeyBeforeAnythingRuns(string vary, string start, string contains)
    {
        var dir = TempDir();
        var csv = Path.Combine(dir, "never.csv");
        var r = Socsim.Run("sweep", "--vary", vary, "--out", csv);
        Assert.Equal(2, r.ExitCode);
        var err = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(err);
        Assert.StartsWith("socsim sweep: " + start, err[0]);
        Assert.Contains(contains, err[0]);
        Assert.Equal("", r.Stdout);
        Assert.False(File.Exists(csv));
    }

    [Theory]
    [InlineData(new[] { "--y", "vic.4.to_isr.max" }, "--x and --y need --plot")]
    [InlineData(new[] { "--plot", "p.png", "--y", "nope" }, "--y nope: not a column")]
    [InlineData(new[] { "--plot", "p.png", "--y", "nope" }, "(try exit, cycles, sim_ns, ")]
    [InlineData(new[] { "--plot", "p.png", "--y", "vic.4.to_isr.maxx" }, "--y vic.4.to_isr.maxx: not a column (did you mean vic.4.to_isr.max?)")]
    // A CPU pin's columns are to_vector: to_isr is no column, and the suggestion names the one that is.
    [InlineData(new[] { "--plot", "p.png", "--y", "cpu.nIRQ.to_isr.max" }, "(did you mean cpu.nIRQ.to_vector.max?)")]
    [InlineData(new[] { "--plot", "p.png", "--y", "cycles", "--x", "clocks.CPUCLK" }, "--x clocks.CPUCLK: not a --vary key")]
    [InlineData(new[] { "--measure", "nosuch:main" }, "--measure nosuch:main: symbol 'nosuch' not found")]
    [InlineData(new[] { "--out", "t.txt" }, "--out t.txt: the file must end in .csv or .json")]
    [InlineData(new[] { "--max-time", "5xs" }, "--max-time: expected a duration like 10s, 250ms, 40us or 800ns, got '5xs'")]
    [InlineData(new[] { "--max-time", "99999999999999s" }, "--max-time 99999999999999s: longer than this board's simulated time can count (at most 15372286728s")]
    public void BadOptionsAreOneLine(string[] extra, string message)
    {
        var r = Socsim.Run(["sweep", "--vary", "memory.ram.waitStates.readN=0,1", .. extra]);
        Assert.Equal(2, r.ExitCode);
        var err = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(err);
        Assert.StartsWith("socsim sweep: ", err[0]);
        Assert.Contains(message, err[0]);
        Assert.Equal("", r.Stdout);
    }
}
