namespace SocSim.Cli.Tests;

/// <summary>
/// FreeRTOS's own MPS2 demo (shared/cortex-m/freertos-mps2, unmodified) through `socsim run` on the mps2-an385
/// board (issue 18 section 4): blinky prints what qemu-system-arm -M mps2-an385 printed, the full demo prints
/// only PASS lines, the demo's priority-bits assert fires with fewer bits, and firmware for the wrong profile
/// is one line, exit 2.
/// </summary>
public sealed class Mps2CliTests
{
    private static string Demo(string name) =>
        Path.GetFullPath(Path.Combine(Socsim.RepoRoot, "..", "shared", "cortex-m", "freertos-mps2", name));

    private static string Elf(string variant) => Demo(Path.Combine("elf", $"RTOSDemo-{variant}.elf"));

    /// <summary>QEMU's capture, its complete lines only (CRLF kept).</summary>
    private static string[] QemuLines(string file) =>
        File.ReadAllText(Demo(file)).Split('\n').SkipLast(1).Select(l => l + "\n").ToArray();

    [Fact]
    public void Blinky_PrintsWhatQemuPrinted()
    {
        // The demo's printf (printf-stdarg.c's printchar) writes UART DATA without waiting for TXFULL:
        // QEMU's UART transmits at the write, the CMSDK UART holds one byte. The override selects QEMU's model.
        var r = Socsim.Run("run", "--board", "mps2-an385", "--board", "overrides/mps2-qemu-uart", Elf("blinky"), "--max-time", "4.3s");
        Assert.True(r.ExitCode == 124, r.Stderr);
        // 200 ms task lines and the 2 s timer line: 21 lines by 4.3 s, then the start of the 22nd; byte for byte QEMU's.
        string qemu = string.Concat(QemuLines("expected-blinky.txt"));
        Assert.True(r.Stdout.Count(c => c == '\n') >= 21, r.Stdout);
        Assert.StartsWith(r.Stdout, qemu);
        Assert.Equal(2, r.Lines.Count(l => l == "Message received from software timer"));
    }

    [Fact]
    public void Blinky_OnTheCmsdkUart_LosesWhatThePrintfOverruns()
    {
        // The exact UART: 'M' goes to the shifter, the next characters overrun its one-byte buffer while it
        // sends (160 cycles a byte at BAUDDIV 16), and each line keeps only what the buffer held when the
        // shifter came back for it. Deterministic, and what the hardware does with this firmware.
        var r = Socsim.Run("run", "--board", "mps2-an385", Elf("blinky"), "--max-time", "0.5s");
        Assert.True(r.ExitCode == 124, r.Stderr);
        Assert.Equal(["Maeeos", "Maeeos"], r.Lines);
    }

    [Fact]
    public void FullDemo_PrintsOnlyPassLines()
    {
        var r = Socsim.Run("run", "--board", "mps2-an385", "--board", "overrides/mps2-qemu-uart", Elf("full"), "--max-time", "10.2s");
        Assert.True(r.ExitCode == 124, r.Stderr);
        // One line every 5,000 ticks; the counts are exact (QEMU's vary from run to run).
        Assert.Equal(["PASS : 5036 (724)", "PASS : 10027 (1418)"], r.Lines);
    }

    [Fact]
    public void Stats_GiveTheNvicLinesLatency()
    {
        // From the timer's 1-to-0 cycle to the handler's first instruction: 12 cycles of entry from a thread,
        // 6 at best when the request arrives late (during another entry's stacking) or tail-chains after
        // another handler's return (docs/cortex-m.md), more behind BASEPRI-masked critical sections and nesting.
        var r = Socsim.Run("run", "--board", "mps2-an385", "--board", "overrides/mps2-qemu-uart", Elf("full"), "--max-time", "0.2s", "--stats");
        Assert.True(r.ExitCode == 124, r.Stderr);
        Assert.Contains("irq_latency cpu.irq8 (timer0.TIMERINT) to_vector: count=386 min=6 (240.00 ns) max=316 (12.64 us) mean=58.5 (2.34 us) unserved=0\n", r.Stderr);
        Assert.Contains("irq_latency cpu.irq9 (timer1.TIMERINT) to_vector: count=386 min=11 (440.00 ns) max=1209 (48.36 us) mean=34.1 (1.36 us) unserved=0\n", r.Stderr);
    }

    [Fact]
    public void FewerPriorityBits_FireTheDemosAssert()
    {
        // The AN385's Cortex-M3 implements 3 bits; the demo's configMAX_SYSCALL_INTERRUPT_PRIORITY (4) then masks to 0.
        var r = Socsim.Run("run", "--board", "mps2-an385", "--board", "overrides/mps2-qemu-uart", "--set", "cpu.parameters.priorityBits=3",
            Elf("blinky"), "--max-time", "0.2s");
        Assert.Equal("ASSERT! Line 335, file ./../../../../Source/portable/GCC/ARM_CM3/port.c", Assert.Single(r.Lines));
    }

    [Fact]
    public void ArmStateFirmware_OnTheMps2Board_IsOneLine()
    {
        string elf = Path.Combine(Socsim.RepoRoot, "firmware", "elf", "hello.elf");
        BadInputTests.AssertOneLine(Socsim.Run("run", "--board", "mps2-an385", elf),
            $"{elf}: built for ARMv4T (its .ARM.attributes), not an M-profile architecture: cortex-m3 executes only Thumb code for ARMv6-M/ARMv7-M");
    }

    [Fact]
    public void CortexMFirmware_OnAnArm7Board_IsOneLine()
    {
        BadInputTests.AssertOneLine(Socsim.Run("run", "--board", "versatilepb", Elf("blinky")),
            "built for ARMv7, profile M (its .ARM.attributes), an M-profile architecture that arm7tdmi cannot run: use a board with a Cortex-M core (mps2-an385)");
    }

    [Fact]
    public void PriorityBitsOutOfRange_IsOneLine()
    {
        BadInputTests.AssertOneLine(Socsim.Run("run", "--board", "mps2-an385", "--set", "cpu.parameters.priorityBits=9", Elf("blinky")),
            "cpu.parameters.priorityBits: 9 priority bits; this core implements 3 to 8");
    }

    [Fact]
    public void BoardTypes_ListsTheCortexMCores()
    {
        var r = Socsim.Run("board", "types");
        Assert.Equal(0, r.ExitCode);
        foreach (var core in new[] { "cortex-m0", "cortex-m3", "cortex-m4", "cortex-m4f" })
            Assert.Contains($"\ncpu {core}: ", r.Stdout);
        Assert.Contains("  inputs irq0..irq111: ", r.Stdout);     // ARMv7-M (cpu.parameters.interrupts of them exist)
        Assert.Contains("  inputs irq0..irq31: ", r.Stdout);      // ARMv6-M
        Assert.Contains("  parameter priorityBits (integer, default 8): ", r.Stdout);
        Assert.Contains("(GDB armv7, org.gnu.gdb.arm.m-profile + org.gnu.gdb.arm.m-system)", r.Stdout);
    }
}
