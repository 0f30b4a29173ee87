using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SocSim.Tests;

namespace SocSim.Cli.Tests;

/// <summary>
/// The `socsim run` contract: stdout carries the console UART and semihosting output, stderr the
/// simulator's messages, and the exit status is the firmware's exit code, 124 at the cycle limit,
/// 125 on a fault, 2 for bad input. Cycle counts are deterministic, so they are asserted exactly.
/// </summary>
public sealed partial class RunCommandTests
{
    private static string Root => Socsim.RepoRoot;
    private static string Fw(string name) => Path.Combine(Root, "firmware", "elf", name + ".elf");
    private static string Expected(string name) => File.ReadAllText(Path.Combine(Root, "firmware", "expected", name + ".txt"));
    private static string Asset(string path) => Path.Combine(Root, "tests", "assets", path);

    [GeneratedRegex(@"^cycles=(\d+) instructions=(\d+) sim_ns=(\d+) host_s=\d+\.\d+ mips=\d+\.\d+$")]
    private static partial Regex StatsLine();

    [GeneratedRegex(@"^r0=[0-9a-f]{8}( r([1-9]|1[0-5])=[0-9a-f]{8}){15} cpsr=[0-9a-f]{8}$")]
    private static partial Regex RegsLine();

    private static string[] ErrLines(Socsim.Result r) =>
        r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    private static (long Cycles, long Instructions, long SimNs) Stats(Socsim.Result r)
    {
        var lines = ErrLines(r).Where(l => l.StartsWith("cycles=", StringComparison.Ordinal)).ToArray();
        Assert.Single(lines);
        var m = StatsLine().Match(lines[0]);
        Assert.True(m.Success, "stats line: " + lines[0]);
        return (long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
                long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void NoArgumentsRunsTheBundledTimerDemo()
    {
        var r = Socsim.Run("run");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(Expected("timer_irq"), r.Stdout);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public async Task NoArgumentsWorksFromAnyDirectory()
    {
        // The demo ELF and the default board are found beside the binary, not in the working directory.
        string dir = Path.Combine(Path.GetTempPath(), "socsim-cwd-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "socsim.dll"));
            psi.ArgumentList.Add("run");
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            string stdout = await p.StandardOutput.ReadToEndAsync();
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            Assert.Equal(0, p.ExitCode);
            Assert.Equal(Expected("timer_irq"), stdout);
            Assert.Equal("", await err);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void StatsLineIsOneConsistentLine()
    {
        var r = Socsim.Run("run", Fw("hello"), "--stats");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(Expected("hello"), r.Stdout);
        Assert.Single(ErrLines(r));
        var (cycles, instructions, simNs) = Stats(r);
        Assert.True(cycles >= instructions, $"{cycles} cycles < {instructions} instructions");
        // CPUCLK is 50 MHz: 20 ns per cycle.
        Assert.Equal(cycles * 20, simNs);
        // Deterministic: hello is dominated by 34 characters at 115200 baud (34 x 10 bits x 8.68 us
        // = 2.95 ms = 147.6 k cycles) plus start-up; the same totals as the library's (hello's snapshot).
        Assert.InRange(cycles, 147_600, 150_000);
        Assert.Equal(FirmwareTotals.Of("hello").Cycles, cycles);
        Assert.Equal(FirmwareTotals.Of("hello").Instructions, instructions);
    }

    [Fact]
    public void StatsOfTheDemo()
    {
        var r = Socsim.Run("run", "--stats");
        Assert.Equal(0, r.ExitCode);
        var (cycles, instructions, simNs) = Stats(r);
        Assert.Equal(FirmwareTotals.Of("timer_irq").Cycles, cycles);
        Assert.Equal(FirmwareTotals.Of("timer_irq").Instructions, instructions);
        Assert.Equal(cycles * 20, simNs);
        // Five 1 ms timer periods must have passed.
        Assert.True(simNs > 5_000_000, simNs.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void RegsLineShowsTheStateAtTheExitSwi()
    {
        var r = Socsim.Run("run", Fw("hello"), "--regs");
        Assert.Equal(0, r.ExitCode);
        var lines = ErrLines(r);
        Assert.Single(lines);
        Assert.Matches(RegsLine(), lines[0]);
        // hello's main returns 0 into semihost_exit (common/start.S, at 0xf8 in hello.elf):
        //   f8 cmp r0,#0 / fc bne / 100 mov r0,#0x18 (SYS_EXIT) / 104 ldr r1,=0x20026 / 108 svc 0x123456 / 10c b ...
        // SYS_EXIT does not return (Semihosting for AArch32: "No return"), so at the stop r0 still
        // holds the operation 0x18 and r1 ADP_Stopped_ApplicationExit; r15 is the next instruction
        // after the SVC (0x10c), as GDB shows pc. r2 = UART0 base (uart_flush's argument), r3 = the last
        // UARTFR value read (TXFE | RXFE), r12 = 13 (IBRD left from uart_init's division), sp = top of
        // the System-mode stack (0x03FFF000), lr = 0xf4 (return address of the call to main).
        // CPSR: N=0 Z=1 C=1 V=0 (cmp r0,#0 with r0 = 0), I=F=1, ARM, System mode: 0x600000df.
        Assert.Equal(
            "r0=00000018 r1=00020026 r2=101f1000 r3=00000090 r4=00000000 r5=00000000 r6=00000000 r7=00000000 " +
            "r8=00000000 r9=00000000 r10=00000000 r11=00000000 r12=0000000d r13=03fff000 r14=000000f4 r15=0000010c cpsr=600000df",
            lines[0]);
    }

    [Fact]
    public void RegsAndStatsTogetherAreTwoLines()
    {
        var r = Socsim.Run("run", Fw("hello"), "--stats", "--regs");
        var lines = ErrLines(r);
        Assert.Equal(2, lines.Length);
        Assert.Matches(StatsLine(), lines[0]);
        Assert.Matches(RegsLine(), lines[1]);
    }

    [Fact]
    public void RdimonExitsWithItsCode()
    {
        var r = Socsim.Run("run", Fw("rdimon"));
        Assert.Equal(3, r.ExitCode);
        Assert.Equal(Expected("rdimon"), r.Stdout);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public void CycleLimitExits124WithOneLine()
    {
        var r = Socsim.Run("run", "--max-cycles", "1000");
        Assert.Equal(124, r.ExitCode);
        var lines = ErrLines(r);
        Assert.Single(lines);
        Assert.Matches(@"^socsim run: cycle limit of 1000 cycles reached at pc=0x[0-9A-F]{8}$", lines[0]);
        // 1000 cycles is still in uart_init, before the first character.
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void CycleLimitStopsAtTheLimitOrOneInstructionLater()
    {
        var r = Socsim.Run("run", "--max-cycles", "1000", "--stats");
        Assert.Equal(124, r.ExitCode);
        var (cycles, _, _) = Stats(r);
        // The run stops at the first instruction boundary at or after the limit; no ARM7TDMI
        // instruction on this board takes more than ~20 cycles (LDM of 16 registers with wait states).
        Assert.InRange(cycles, 1000, 1040);
        Assert.Equal(1002, cycles);
    }

    [Fact]
    public void FaultExits125()
    {
        // undef.elf (tests/assets/fault) executes an undefined instruction at 0x8004 on a board whose
        // only memory is at 0x8000: the undefined-instruction vector at 0x04 cannot be fetched.
        var r = Socsim.Run("run", Asset("fault/undef.elf"), "--board", Asset("fault/ram-at-8000.json"), "--regs");
        Assert.Equal(125, r.ExitCode);
        Assert.Equal("", r.Stdout);
        var lines = ErrLines(r);
        Assert.Equal(2, lines.Length);
        Assert.Equal("socsim run: core stopped on a fault: Undefined exception (return address 0x00008008): fetching its vector at 0x00000004 aborted", lines[1]);
        // Undefined mode (0x1b) with IRQ and FIQ masked; r14_und = 0x8008 (the undefined instruction + 4).
        Assert.Contains(" r14=00008008 ", lines[0]);
        Assert.EndsWith(" cpsr=000000db", lines[0]);
        Assert.StartsWith("r0=00000001 ", lines[0]);
    }

    [Fact]
    public void MissingElfExits2WithOneLine()
    {
        string path = Path.Combine(Root, "firmware", "elf", "no-such.elf");
        var r = Socsim.Run("run", path);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        var lines = ErrLines(r);
        Assert.Single(lines);
        Assert.StartsWith("socsim run: " + path + ": ", lines[0]);
    }

    [Fact]
    public void NonElfExits2()
    {
        var r = Socsim.Run("run", Path.Combine(Root, "firmware", "README.md"));
        Assert.Equal(2, r.ExitCode);
        var lines = ErrLines(r);
        Assert.Single(lines);
        Assert.Contains("not an ELF file", lines[0]);
    }

    [Fact]
    public void UnknownCoreExits2ListingTheKnownCores()
    {
        var r = Socsim.Run("run", Fw("hello"), "--set", "cpu.type=cortex-m9");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        var lines = ErrLines(r);
        Assert.Single(lines);
        Assert.Equal("socsim run: --set: cpu.type: unknown CPU type \"cortex-m9\" (known: arm7tdmi, arm926ejs, cortex-m0, cortex-m0plus, cortex-m3, cortex-m4, cortex-m4f)", lines[0]);
    }

    [Fact]
    public void BoardTypesListsTheCoresFromTheirDeclarations()
    {
        var r = Socsim.Run("board", "types");
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("cpu arm7tdmi: ARM7TDMI (ARMv4T)", r.Stdout);
        Assert.Contains("\n  input nIRQ: ", r.Stdout);
        Assert.Contains("\n  input nFIQ: ", r.Stdout);
        Assert.Contains("\n  registers r0 r1 r2 r3 r4 r5 r6 r7 r8 r9 r10 r11 r12 r13 r14 r15 cpsr (GDB armv4t, org.gnu.gdb.arm.core)\n", r.Stdout);
    }

    [Fact]
    public void BadBoardValueExits2NamingTheKey()
    {
        var r = Socsim.Run("run", Fw("hello"), "--set", "memory.ram.busWidth=64");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        var lines = ErrLines(r);
        Assert.Single(lines);
        Assert.Equal("socsim run: --set: memory.ram.busWidth: expected a bus width of 8, 16 or 32, got 64", lines[0]);
    }

    [Fact]
    public void MissingBoardFileExits2()
    {
        var r = Socsim.Run("run", Fw("hello"), "--board", "boards/no-such-board.json");
        Assert.Equal(2, r.ExitCode);
        var lines = ErrLines(r);
        Assert.Single(lines);
        Assert.Contains("no-such-board.json", lines[0]);
    }

    [Fact]
    public void SlowRamOverrideTakesMoreCycles()
    {
        var fast = Socsim.Run("run", Fw("hello"), "--board", "boards/versatilepb.json", "--stats");
        var slow = Socsim.Run("run", Fw("hello"), "--board", "boards/versatilepb.json", "--board", "boards/overrides/slow-ram.json", "--stats");
        Assert.Equal(0, fast.ExitCode);
        Assert.Equal(0, slow.ExitCode);
        Assert.Equal(Expected("hello"), slow.Stdout);
        var f = Stats(fast);
        var s = Stats(slow);
        Assert.Equal(FirmwareTotals.Of("hello").Cycles, f.Cycles);
        Assert.Equal(148_377, s.Cycles);
        Assert.True(s.Cycles > f.Cycles);
        // Most of hello's time is spent polling UARTFR.TXFF while the UART shifts bits out; slower
        // RAM makes each polling loop longer, so fewer instructions fit in the same UART time.
        Assert.Equal(FirmwareTotals.Of("hello").Instructions, f.Instructions);
        Assert.Equal(21_261, s.Instructions);
    }

    [Fact]
    public void SlowRamOverrideSlowsComputeBoundCodeByTheWaitStates()
    {
        // bench_small is compute-bound: 4/2 wait states instead of 2/0 must cost much more than the
        // UART-bound hello's 0.3 %.
        var fast = Stats(Socsim.Run("run", Fw("bench_small"), "--stats"));
        var slow = Stats(Socsim.Run("run", Fw("bench_small"), "--board", "boards/versatilepb.json", "--board", "boards/overrides/slow-ram.json", "--stats"));
        Assert.True(slow.Cycles > fast.Cycles * 3 / 2, $"{fast.Cycles} -> {slow.Cycles}");
    }

    [Fact]
    public void UartOptionSelectsTheConsole()
    {
        // hello writes to UART0 only; with uart1 on stdout nothing is printed, and the run is the same.
        var r = Socsim.Run("run", Fw("hello"), "--uart", "uart1", "--stats");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Equal(FirmwareTotals.Of("hello").Cycles, Stats(r).Cycles);
        var r0 = Socsim.Run("run", Fw("hello"), "--uart", "uart0");
        Assert.Equal(Expected("hello"), r0.Stdout);
    }

    [Fact]
    public void UnknownUartExits2ListingTheUarts()
    {
        var r = Socsim.Run("run", Fw("hello"), "--uart", "uart7");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("socsim run: no UART named 'uart7' on this board (UARTs: uart0, uart1, uart2)", ErrLines(r).Single());
    }

    [Fact]
    public void UartInputFeedsTheConsoleUart()
    {
        var r = Socsim.Run("run", Fw("uart_echo"), "--uart-input", Path.Combine(Root, "firmware", "input", "uart_echo.txt"));
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(Expected("uart_echo"), r.Stdout);
    }

    [Fact]
    public void SandboxAndSemihostingOptions()
    {
        // semihosting.elf (tests/assets/semihosting) writes data.txt into the sandbox and exits 42.
        string dir = Path.Combine(Path.GetTempPath(), "socsim-sandbox-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var r = Socsim.RunWithInput("xyzw", "run", Asset("semihosting/semihosting.elf"), "--sandbox", dir);
            Assert.Equal(42, r.ExitCode);
            Assert.Contains("\ncmdline=semihosting.elf\n", r.Stdout);
            Assert.Contains("\nopen_w=0x00000004\n", r.Stdout);
            Assert.Contains("\nreadc=0x00000078\n", r.Stdout); // 'x' from stdin
            Assert.Equal("0123456789", File.ReadAllText(Path.Combine(dir, "data.txt")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void SandboxWithATrailingSlashIsTheSameDirectory()
    {
        // Shell completion types directories with a trailing slash: `--sandbox dir/` must work like `--sandbox dir`.
        string dir = Path.Combine(Path.GetTempPath(), "socsim-sandbox-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var r = Socsim.Run("run", Asset("semihosting/semihosting.elf"), "--sandbox", dir + "/");
            Assert.Equal(42, r.ExitCode);
            Assert.Contains("\nopen_w=0x00000004\n", r.Stdout);
            Assert.True(File.Exists(Path.Combine(dir, "data.txt")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void AHostErrorDuringTheRunIsAMessageNotACrash()
    {
        // SYS_GET_CMDLINE returns the ELF's file name; semihosting.elf run as "readwo" reads from a
        // file it opened write-only (tests/assets/semihosting/semihosting.c). That call must fail for
        // the firmware (which then exits 7), and in no case may socsim die with a .NET stack trace.
        string dir = Path.Combine(Path.GetTempPath(), "socsim-readwo-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string elf = Path.Combine(dir, "readwo");
            File.Copy(Asset("semihosting/semihosting.elf"), elf);
            var r = Socsim.Run("run", elf, "--sandbox", dir);
            Assert.DoesNotContain("   at ", r.Stderr);
            Assert.DoesNotContain("Unhandled exception", r.Stderr);
            Assert.Contains("\nread_wo=0x00000004\nerrno=0x00000009\n", r.Stdout);
            Assert.Equal(7, r.ExitCode);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void BoardShowPrintsTheMap()
    {
        var r = Socsim.Run("board", "show", "boards/versatilepb.json");
        Assert.Equal(0, r.ExitCode);
        var lines = r.Lines;
        Assert.Contains("CPU: arm7tdmi on CPUCLK (50 MHz), semihosting on", lines);
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^\s+ram\s+0x00000000\s+0x07FFFFFF\s+128 MiB\s+RAM\s+32-bit\s+2/0\s+1/0"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^\s+vic\s+0x10140000\s+0x10140FFF\s+4 KiB\s+pl190"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^\s+timer0\s+0x101E2000\s+0x101E2FFF\s+4 KiB\s+sp804\s+32-bit\s+2/2\s+2/2"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^\s+uart0\s+0x101F1000\s+0x101F1FFF\s+4 KiB\s+pl011"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^\s+timer0\.TIMINTC\s+->\s+vic\.4$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^\s+uart0\.UARTINTR\s+->\s+vic\.12$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^\s+vic\.IRQ\s+->\s+cpu\.nIRQ$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^\s+CPUCLK\s+50 MHz\s+50000000\s+12$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^\s+UARTCLK\s+24 MHz\s+24000000\s+25$"));
    }

    [Fact]
    public void BoardShowAppliesOverridesAndSets()
    {
        var r = Socsim.Run("board", "show", "boards/versatilepb.json", "boards/overrides/slow-ram.json", "--set", "clocks.CPUCLK=25000000");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("CPU: arm7tdmi on CPUCLK (25 MHz), semihosting on", r.Lines);
        Assert.Contains(r.Lines, l => Regex.IsMatch(l, @"^\s+ram\s+0x00000000\s+0x07FFFFFF\s+128 MiB\s+RAM\s+32-bit\s+4/2\s+4/2"));
    }
}
