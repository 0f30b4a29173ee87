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

/// <summary>
/// `socsim sweep --kernel/--dtb/--initrd/--append` with `--until-uart` and `--no-reboot` (issue 20): each point
/// boots Linux on the ARM926EJ-S board as `socsim run --kernel` does, and its row is that run's.
/// </summary>
public sealed class SweepKernelTests(LinuxBootFiles files) : IClassFixture<LinuxBootFiles>
{
    private static string Linux => LinuxBootFiles.SharedLinux;
    private static readonly string[] Boot =
    [
        "--board", "versatilepb-arm926", "--kernel", Path.Combine(Linux, "zImage"), "--dtb", Path.Combine(Linux, "versatile-pb.dtb"),
        "--initrd", Path.Combine(Linux, "rootfs.cpio.gz"), "--append", "console=ttyAMA0 rdinit=/init",
    ];

    private static (long Cycles, long SimNs) Stats(Socsim.Result r)
    {
        var m = System.Text.RegularExpressions.Regex.Match(r.Stderr, @"cycles=(\d+) instructions=\d+ sim_ns=(\d+)");
        Assert.True(m.Success, r.Stderr);
        return (long.Parse(m.Groups[1].Value), long.Parse(m.Groups[2].Value));
    }

    private static string[][] Table(string csv) => File.ReadAllLines(csv).Select(l => l.Split(',')).ToArray();

    /// <summary>The real kernel to its first console line at two CLK:HCLK ratios: each row is `socsim run` to the same line.</summary>
    [Fact]
    public void ASweepOfTheLinuxBootToAConsoleLineGivesTheRowsOfSingleRuns()
    {
        var csv = Path.Combine(files.Dir, "boot.csv");
        var r = Socsim.Run(["sweep", .. Boot, "--vary", "cpu.parameters.clkPerHclk=1,3", "--until-uart", "Booting Linux", "--out", csv]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        // Device warnings (the unmodelled PrimeCells the kernel probes) stay out of a sweep's output.
        Assert.Equal("", r.Stderr);
        var rows = Table(csv);
        Assert.Equal(["cpu.parameters.clkPerHclk", "exit", "cycles", "sim_ns"], rows[0][..4]);
        Assert.Equal(["1", "3"], rows[1..].Select(x => x[0]));
        foreach (var row in rows[1..])
        {
            Assert.Equal("0", row[1]);
            var run = Socsim.Run(["run", .. Boot, "--set", $"cpu.parameters.clkPerHclk={row[0]}", "--until-uart", "Booting Linux", "--stats", "--quiet"]);
            Assert.True(run.ExitCode == 0, run.Stderr);
            var (cycles, simNs) = Stats(run);
            Assert.Equal(cycles.ToString(), row[2]);
            Assert.Equal(simNs.ToString(), row[3]);
        }
        // Three core clocks per AHB clock make every line fill and uncached access dearer.
        Assert.True(long.Parse(rows[1][2]) < long.Parse(rows[2][2]), $"1:1 {rows[1][2]} cycles, 3:1 {rows[2][2]}");
    }

    /// <summary>The stand-in kernel prints "K" and resets the board: --until-uart and --no-reboot end each point with exit 0, at `socsim run`'s cycle.</summary>
    [Theory]
    [InlineData("--until-uart", "K\n")]
    [InlineData("--no-reboot", null)]
    public void UntilUartAndNoRebootEndEachPointAsTheyEndARun(string option, string? value)
    {
        string[] stop = value == null ? [option] : [option, value];
        string[] kernel = ["--board", LinuxBootFiles.Board, "--kernel", Path.Combine(files.Dir, "reboot.zimage"), "--dtb", Path.Combine(Linux, "versatile-pb.dtb")];
        var csv = Path.Combine(files.Dir, $"standin{option}.csv");
        var r = Socsim.Run(["sweep", .. kernel, "--vary", "cpu.parameters.clkPerHclk=1,2", .. stop, "--max-cycles", "10000000", "--out", csv]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        foreach (var row in Table(csv)[1..])
        {
            Assert.Equal("0", row[1]);
            var run = Socsim.Run(["run", .. kernel, "--set", $"cpu.parameters.clkPerHclk={row[0]}", .. stop, "--max-cycles", "10000000", "--stats"]);
            Assert.True(run.ExitCode == 0, run.Stderr);
            Assert.Equal(Stats(run).Cycles.ToString(), row[2]);
        }
    }

    public static TheoryData<string[], string> BadInput => new()
    {
        { ["--dtb", "{linux}/versatile-pb.dtb"], "socsim sweep: --dtb needs --kernel" },
        { ["--kernel", "{dir}/reboot.zimage"], "socsim sweep: --kernel needs --dtb (the kernel is given a device tree, not ATAGS)" },
        { ["{repo}/firmware/elf/timer_irq.elf", "--kernel", "{dir}/reboot.zimage", "--dtb", "{linux}/versatile-pb.dtb"], "socsim sweep: --kernel boots a zImage instead of an ELF: give one or the other" },
        { ["--kernel", "{dir}/notz.bin", "--dtb", "{linux}/versatile-pb.dtb"], "socsim sweep: --kernel {dir}/notz.bin: not a zImage (no magic 0x016F2818 at offset 0x24)" },
        { ["--kernel", "{dir}/reboot.zimage", "--dtb", "{dir}/cut.dtb"], "socsim sweep: --dtb {dir}/cut.dtb: truncated device tree blob (header says 9080 bytes, the file has 4540)" },
        { ["--kernel", "{dir}/reboot.zimage", "--dtb", "{linux}/versatile-pb.dtb", "--until-uart", ""], "socsim sweep: --until-uart: expected some text to wait for, got an empty string" },
    };

    [Theory, MemberData(nameof(BadInput))]
    public void BadKernelInputIsOneLineBeforeAnythingRuns(string[] args, string expected)
    {
        var r = Socsim.Run(files.Expand(["sweep", "--board", "{board}", .. args, "--vary", "cpu.parameters.clkPerHclk=1,2"]));
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Equal(files.Expand([expected])[0], r.Stderr.TrimEnd('\n', '\r'));
    }
}
