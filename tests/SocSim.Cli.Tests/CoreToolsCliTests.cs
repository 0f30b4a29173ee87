using System.Globalization;
using System.Text.RegularExpressions;

namespace SocSim.Cli.Tests;

/// <summary>
/// `--profile` and `--trace-instr` on the cores other than the ARM7TDMI (issue 18 section 4, issue 20 section 1):
/// the Cortex-M3 running FreeRTOS's MPS2 demo (exception frames from EXC_RETURN, handlers named by the vector
/// table) and the ARM926EJ-S booting the shared Linux kernel with its symbols from vmlinux (--elf-symbols).
/// </summary>
public sealed class CoreToolsCliTests
{
    private static string Mps2Elf(string variant) =>
        Path.GetFullPath(Path.Combine(Socsim.RepoRoot, "..", "shared", "cortex-m", "freertos-mps2", "elf", $"RTOSDemo-{variant}.elf"));

    private static string Temp(string name) => Path.Combine(Path.GetTempPath(), $"socsim-coretools-{Guid.NewGuid():N}-{name}");

    internal sealed record Row(long Excl, long Incl, long Calls, long ExclInstr, string Name);

    internal static Dictionary<string, Row> Table(string text) =>
        // The function table ends at the first empty line (an RTOS-aware profile's task table follows).
        text.Split('\n').Skip(1).TakeWhile(l => l.Length > 0)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 8)
            .Select(f => new Row(long.Parse(f[0], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture),
                long.Parse(f[4], CultureInfo.InvariantCulture), long.Parse(f[5], CultureInfo.InvariantCulture), f[7]))
            .ToDictionary(r => r.Name);

    internal static long StatsCycles(string stderr) =>
        long.Parse(Regex.Match(stderr, @"cycles=(\d+)").Groups[1].Value, CultureInfo.InvariantCulture);

    [Fact]
    public void Profile_OnTheCortexM3_FramesEveryTickAndSumsToTheRun()
    {
        string table = Temp("p.txt"), collapsed = Temp("c.txt");
        try
        {
            var r = Socsim.Run("run", "--board", "mps2-an385", Mps2Elf("blinky"), "--max-time", "100ms", "--stats", "--profile=" + table);
            Assert.True(r.ExitCode == 124, r.Stderr);
            var p = Table(File.ReadAllText(table));
            long cycles = StatsCycles(r.Stderr);
            Assert.Equal(cycles, p.Values.Sum(x => x.Excl));
            // SysTick at configTICK_RATE_HZ 1000: one [SysTick] frame per millisecond, each calling the port's handler once.
            Assert.InRange(p["[SysTick]"].Calls, 99, 100);
            Assert.Equal(p["[SysTick]"].Calls, p["xPortSysTickHandler"].Calls);
            Assert.Equal(p["[SysTick]"].Calls, p["xTaskIncrementTick"].Calls);
            // The handler's inclusive time is within its frame's, which adds the 12-cycle entries.
            Assert.True(p["[SysTick]"].Incl >= p["xPortSysTickHandler"].Incl + 12 * p["[SysTick]"].Calls, "entry cycles");
            Assert.True(p["[PendSV]"].Calls > 0);
            Assert.Equal(p["[PendSV]"].Calls, p["xPortPendSVHandler"].Calls);

            r = Socsim.Run("run", "--board", "mps2-an385", Mps2Elf("blinky"), "--max-time", "100ms", "--stats", "--profile=" + collapsed, "--profile-format", "collapsed");
            var lines = File.ReadAllLines(collapsed);
            Assert.Equal(cycles, lines.Sum(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)));
            // FreeRTOS is in the ELF, so the profile is per task (docs/rtos.md): the tick's stacks start at its frame.
            Assert.Contains(lines, l => l.StartsWith("[SysTick];xPortSysTickHandler;xTaskIncrementTick ", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(table);
            File.Delete(collapsed);
        }
    }

    [Fact]
    public void TraceInstr_OnTheCortexM3_PrintsThumb2AndExceptionEntries()
    {
        string trace = Temp("t.txt");
        try
        {
            var r = Socsim.Run("run", "--board", "mps2-an385", Mps2Elf("blinky"), "--max-time", "1.5ms", "--trace-instr=" + trace);
            Assert.True(r.ExitCode == 124, r.Stderr);
            var lines = File.ReadAllLines(trace);
            // Reset_Handler at 0x3118 (the ELF's entry 0x3119): its b.w, 32 bits printed as objdump's two halfwords.
            Assert.Equal("         0 +2  thr:T 00003118 f7ffbe3a b.w 0x2d90                       pc=00002d90", lines[0]);
            Assert.Matches(@"^\s+\d+ \+\d+\s+thr:T 00002d90     b508 push \{r3, lr\}\s+sp=", lines[1]);
            // The first SysTick (at cycle 32397, 1 ms after xPortStartScheduler starts it): an entry line of its own,
            // returning where the task was (its frame on the process stack), then the handler in Handler mode.
            int entry = Array.FindIndex(lines, l => l.Contains("<exception 15 entry, return to ", StringComparison.Ordinal));
            Assert.True(entry > 0, "no SysTick entry in the trace");
            Assert.Contains(" hnd:T ", lines[entry + 1]);
            Assert.Contains(" lr=fffffff", lines[entry]);
            Assert.Contains(lines, l => l.EndsWith("(condition failed)", StringComparison.Ordinal));
        }
        finally { File.Delete(trace); }
    }

    [Fact]
    public void Profile_OnTheArm926_NamesKernelFunctionsFromVmlinux()
    {
        string l = LinuxBootFiles.SharedLinux, table = Temp("linux.txt");
        try
        {
            // The decompressor runs first (no symbols: [unknown]); by 1.2 s the kernel is in start_kernel with the timer
            // interrupting (9 entries with the caches modelled; at 1.1 s there are none yet).
            var r = Socsim.Run("run", "--board", LinuxBootFiles.Board, "--kernel", Path.Combine(l, "zImage"), "--dtb", Path.Combine(l, "versatile-pb.dtb"),
                "--initrd", Path.Combine(l, "rootfs.cpio.gz"), "--append", "console=ttyAMA0 rdinit=/init", "--max-time", "1.2s", "--stats",
                "--profile=" + table, "--elf-symbols", Path.Combine(l, "vmlinux"));
            Assert.True(r.ExitCode == 124, r.Stderr);
            var p = Table(File.ReadAllText(table));
            Assert.Equal(StatsCycles(r.Stderr), p.Values.Sum(x => x.Excl));
            Assert.Equal(1, p["start_kernel"].Calls);
            Assert.Equal(1, p["setup_arch"].Calls);
            Assert.True(p["start_kernel"].Incl > p["setup_arch"].Incl);
            Assert.True(p["[irq]"].Calls > 0, "the timer's interrupts");
        }
        finally { File.Delete(table); }
    }

    [Fact]
    public void TraceInstr_OnTheArm926_StartsAtTheZImage()
    {
        string l = LinuxBootFiles.SharedLinux, trace = Temp("t9.txt");
        try
        {
            var r = Socsim.Run("run", "--board", LinuxBootFiles.Board, "--kernel", Path.Combine(l, "zImage"), "--dtb", Path.Combine(l, "versatile-pb.dtb"),
                "--max-cycles", "200", "--trace-instr=" + trace);
            Assert.True(r.ExitCode == 124, r.Stderr);
            var lines = File.ReadAllLines(trace);
            Assert.Matches(@"^\s+\d+ \+\d+\s+svc:A 00010000 [0-9a-f]{8} ", lines[0]);
        }
        finally { File.Delete(trace); }
    }

    [Theory]
    [InlineData("/nonexistent/vmlinux", "--elf-symbols /nonexistent/vmlinux: no such file")]
    [InlineData("boards/mps2-an385.json", "--elf-symbols boards/mps2-an385.json: ")]
    public void ElfSymbols_BadFile_IsOneLine(string file, string expected)
    {
        string path = file.StartsWith('/') ? file : Path.Combine(Socsim.RepoRoot, file);
        expected = expected.Replace(file, path);
        BadInputTests.AssertOneLine(Socsim.Run("run", "--board", "mps2-an385", Mps2Elf("blinky"), "--max-cycles", "10", "--profile=/dev/null", "--elf-symbols", path), expected);
    }

    [Fact]
    public void ElfSymbols_WithoutAnyUse_IsOneLine() =>
        BadInputTests.AssertOneLine(Socsim.Run("run", "--board", "mps2-an385", Mps2Elf("blinky"), "--max-cycles", "10", "--elf-symbols", Mps2Elf("full")),
            "--elf-symbols: names code only for --profile, --until, --break and --measure; add one");
}
