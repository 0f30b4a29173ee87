using System.Text.RegularExpressions;
using SocSim.Trace.Vcd;

namespace SocSim.Cli.Tests;

/// <summary>
/// `socsim run --save-state FILE --at WHEN` and `socsim resume FILE`, each in its own process: the
/// resumed run continues the console output, the exit status, the cycle and instruction counts of
/// `--stats`, the registers and the VCD after the resume point exactly as the run straight through.
/// Bad state files get one line and exit 2.
/// </summary>
public sealed partial class CheckpointCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("socsim-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Temp(string name) => Path.Combine(_dir, name);

    private static string Elf(string name) => Path.Combine(Socsim.RepoRoot, "firmware", "elf", name + ".elf");
    private static string FreeRtos => Path.GetFullPath(Path.Combine(Socsim.RepoRoot, "..", "shared", "freertos", "elf", "rtosdemo-arm.elf"));

    [GeneratedRegex(@"^socsim run: state saved at cycle=(\d+) pc=([0-9A-F]{8}) to (.+)$", RegexOptions.Multiline)]
    private static partial Regex SavedLine();

    [GeneratedRegex(@"cycles=(\d+) instructions=(\d+) sim_ns=(\d+)")]
    private static partial Regex StatsCounts();

    private static string Counts(string stderr) => StatsCounts().Match(stderr) is { Success: true } m ? m.Value : throw new Xunit.Sdk.XunitException("no --stats line in: " + stderr);

    private static string Regs(string stderr) => stderr.Split('\n').Single(l => l.StartsWith("r0=", StringComparison.Ordinal));

    public static TheoryData<string, string[], string> Runs => new()
    {
        { "timer_irq", [], "timer0_isr:3" },
        { "timer_irq", [], "250000" },
        { "uart_echo", ["--uart-input", Path.Combine(Socsim.RepoRoot, "firmware", "input", "uart_echo.txt")], "60000" },
        { "thumb", [], "2ms" },
        { "hello", [], "main" },
        { "freertos", ["--board", "lpc2106", "--board", Path.Combine(Socsim.RepoRoot, "boards", "overrides", "lpc2106-uart0-loopback.json"), "--max-time", "150ms"], "vTickISR:20" },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void ResumeInANewProcessContinuesTheRunExactly(string firmware, string[] options, string at)
    {
        string elf = firmware == "freertos" ? FreeRtos : Elf(firmware);
        string[] common = [.. options, "--stats", "--regs"];
        // FreeRTOS's bus over 150 ms is a large VCD: its pins, UART, timer and interrupts are traced.
        string[] vcdOptions = firmware == "freertos" ? ["--signals", "gpio.*,uart0.*,timer0.*,vic.*,cpu.nIRQ,cpu.mode"] : [];
        string fullVcd = Temp("full.vcd"), resumedVcd = Temp("resumed.vcd"), state = Temp("state.bin");
        var full = Socsim.Run(["run", elf, .. common, "--vcd", fullVcd, .. vcdOptions]);

        // --max-time in the saving run would clash with a time WHEN, and it only bounds the end.
        string[] saveOptions = at.EndsWith("ms") ? options.Where((o, i) => o != "--max-time" && (i == 0 || options[i - 1] != "--max-time")).ToArray() : options;
        var saved = Socsim.Run(["run", elf, .. saveOptions, "--save-state", state, "--at", at]);
        Assert.True(saved.ExitCode == 0, saved.Stderr);
        var line = SavedLine().Match(saved.Stderr);
        Assert.True(line.Success, saved.Stderr);
        Assert.Equal(state, line.Groups[3].Value.Trim());
        long savedAt = long.Parse(line.Groups[1].Value);

        string[] resumeOptions = options.Where((o, i) => o != "--board" && (i == 0 || options[i - 1] != "--board") && o != "--uart-input" && (i == 0 || options[i - 1] != "--uart-input")).ToArray();
        var resumed = Socsim.Run(["resume", state, .. resumeOptions, "--stats", "--regs", "--vcd", resumedVcd, .. vcdOptions]);

        Assert.Equal(full.ExitCode, resumed.ExitCode);
        Assert.Equal(full.Stdout, saved.Stdout + resumed.Stdout);
        Assert.Equal(Counts(full.Stderr), Counts(resumed.Stderr));
        Assert.Equal(Regs(full.Stderr), Regs(resumed.Stderr));

        // The resumed VCD starts at the resume point; from there on every signal changes as in the full one.
        var a = VcdReader.Read(fullVcd);
        var b = VcdReader.Read(resumedVcd);
        long from = b.StartTime;
        Assert.True(from > 0, "the resumed VCD starts at time zero");
        Assert.True(b.Variables.Count > 0);
        foreach (var v in b.Variables)
        {
            var w = a.Find(v.FullName);
            Assert.NotNull(w);
            Assert.Equal(w!.ValueAt(from), v.ValueAt(from));
            Assert.Equal(w.Changes.Where(c => c.Time > from).ToList(), v.Changes.Where(c => c.Time > from).ToList());
        }
        Assert.True(savedAt > 0);
    }

    private string SaveTimerDemo()
    {
        string state = Temp("t.bin");
        var r = Socsim.Run("run", Elf("timer_irq"), "--save-state", state, "--at", "100000");
        Assert.True(r.ExitCode == 0, r.Stderr);
        return state;
    }

    private static void AssertOneLineError(Socsim.Result r, string expected)
    {
        Assert.Equal(2, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, r.Stderr);
        Assert.Contains(expected, lines[0]);
        Assert.StartsWith("socsim resume: ", lines[0]);
    }

    [Fact]
    public void ATruncatedFileIsRefused()
    {
        string state = SaveTimerDemo();
        var bytes = File.ReadAllBytes(state);
        File.WriteAllBytes(state, bytes[..(bytes.Length - 100)]);
        AssertOneLineError(Socsim.Run("resume", state), "truncated state file");
        File.WriteAllBytes(state, bytes[..20]);
        AssertOneLineError(Socsim.Run("resume", state), "truncated state file");
    }

    [Fact]
    public void ACorruptedFileIsRefused()
    {
        string state = SaveTimerDemo();
        var bytes = File.ReadAllBytes(state);
        bytes[^10] ^= 0x40;
        File.WriteAllBytes(state, bytes);
        AssertOneLineError(Socsim.Run("resume", state), "corrupted state file (its header or payload does not match its checksum)");
    }

    [Fact]
    public void AnotherVersionIsRefused()
    {
        string state = SaveTimerDemo();
        var bytes = File.ReadAllBytes(state);
        BitConverter.GetBytes(99).CopyTo(bytes, 8);
        File.WriteAllBytes(state, bytes);
        AssertOneLineError(Socsim.Run("resume", state), "state file version 99, this socsim reads version 6");
    }

    [Fact]
    public void AFileThatIsNoStateIsRefused()
    {
        AssertOneLineError(Socsim.Run("resume", Elf("hello")), "not a SocSim state file");
        AssertOneLineError(Socsim.Run("resume", Temp("missing.bin")), "missing.bin");
    }

    [Fact]
    public void ADifferentBoardIsRefusedNamingTheKey()
    {
        string state = SaveTimerDemo();
        AssertOneLineError(Socsim.Run("resume", state, "--set", "memory.ram.waitStates.readN=3"),
            "the board differs from the one the state was saved on (versatilepb.json): memory.ram.waitStates.readN is \"3\" here, \"2\" in the state");
        var other = Socsim.Run("resume", state, "--board", "ram");
        Assert.Equal(2, other.ExitCode);
        Assert.Contains("the board differs", other.Stderr);
    }

    [Fact]
    public void ADifferentElfIsRefused()
    {
        string state = SaveTimerDemo();
        AssertOneLineError(Socsim.Run("resume", state, "--elf", Elf("hello")), $"ELF {Elf("hello")} differs from the one the state was saved with ({Elf("timer_irq")}");
    }

    [Fact]
    public void SaveStateNeedsAtAndAReachablePoint()
    {
        var r = Socsim.Run("run", Elf("hello"), "--save-state", Temp("x.bin"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--save-state needs --at WHEN", r.Stderr);
        r = Socsim.Run("run", Elf("hello"), "--save-state", Temp("x.bin"), "--at", "nosuchsymbol");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--at nosuchsymbol", r.Stderr);
        r = Socsim.Run("run", Elf("hello"), "--save-state", Temp("x.bin"), "--at", "999999999");
        Assert.Equal(123, r.ExitCode);
        Assert.Contains("--at 999999999 not reached: the firmware exited with 0", r.Stderr);
        Assert.False(File.Exists(Temp("x.bin")));
    }

    [Fact]
    public void ATimeAndASymbolCountAreExactPoints()
    {
        // 2 ms at 50 MHz is cycle 100,000: the first instruction boundary at or after it.
        string state = Temp("t.bin");
        var r = Socsim.Run("run", Elf("timer_irq"), "--save-state", state, "--at", "2ms");
        Assert.True(r.ExitCode == 0, r.Stderr);
        long cycle = long.Parse(SavedLine().Match(r.Stderr).Groups[1].Value);
        Assert.InRange(cycle, 100_000, 100_010);
        r = Socsim.Run("run", Elf("timer_irq"), "--save-state", state, "--at", "timer0_isr:3");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var until = Socsim.Run("run", Elf("timer_irq"), "--break", "timer0_isr:3");
        Assert.Contains($"at cycle={SavedLine().Match(r.Stderr).Groups[1].Value} ", until.Stderr);
    }
}
