using SocSim.Core;
using SocSim.Arm;

namespace SocSim.Boards.Tests;

/// <summary>
/// The stuck-core rules (docs/stuck-detection.md) on small programs written into memory: each fires on
/// what can never end, never on what waits for something that will come, and alike on both engines.
/// </summary>
public class StuckDetectorTests
{
    // Hand-assembled ARMv4T (checked with arm-none-eabi-objdump).
    private const uint BranchToSelf = 0xEAFFFFFE;       // b .
    private const uint EnableIrqFiqSvc = 0xE321F013;    // msr cpsr_c, #0x13
    private const ushort ThumbBranchToSelf = 0xE7FE;    // b .

    public static TheoryData<ExecutionEngine> Engines() => new(ExecutionEngine.Interpret, ExecutionEngine.Translate);

    private static Machine Create(string board, ExecutionEngine engine) =>
        Machine.Create([Path.Combine(TestFiles.BoardsDir, board + ".json")], [], new MachineOptions
        {
            Engine = engine,
            TranslateInBackground = false,
            Warnings = TextWriter.Null,
            StopWhenStuck = true,
        });

    private static void Write(Machine m, uint address, params uint[] words)
    {
        for (int i = 0; i < words.Length; i++) m.Bus.DebugWrite32(address + 4 * (uint)i, words[i]);
    }

    [Theory, MemberData(nameof(Engines))]
    public void ABranchToItselfWithInterruptsMasked_IsStuck(ExecutionEngine engine)
    {
        using var m = Create("ram", engine);
        Write(m, 0x1000, BranchToSelf);
        m.Cpu.ResetTo(0x1000);   // SVC, IRQ and FIQ masked
        var r = m.Run(10 * StuckDetector.CheckPeriod);
        Assert.Equal(StopReason.Stuck, r.Reason);
        Assert.Contains("a branch to itself at pc=0x00001000 with IRQ and FIQ masked", r.Fault);
        // Found at the second check: no event is pending on a board without devices.
        Assert.InRange(r.Cycles, 2 * StuckDetector.CheckPeriod, 2 * StuckDetector.CheckPeriod + 16);
        Assert.Equal(0x1000u, m.Cpu.Pc);
    }

    [Fact]
    public void ARunMadeOfShortRuns_IsCheckedAsOne()
    {
        // The progress line and other tools run in slices shorter than a check period.
        using var m = Create("ram", ExecutionEngine.Interpret);
        Write(m, 0x1000, BranchToSelf);
        m.Cpu.ResetTo(0x1000);
        RunResult r;
        do r = m.Run(m.Cycles + 100_000); while (r.Reason == StopReason.CycleLimit && m.Cycles < 10 * StuckDetector.CheckPeriod);
        Assert.Equal(StopReason.Stuck, r.Reason);
        Assert.InRange(r.Cycles, 2 * StuckDetector.CheckPeriod, 3 * StuckDetector.CheckPeriod);
    }

    [Theory, MemberData(nameof(Engines))]
    public void AThumbBranchToItselfWithInterruptsMasked_IsStuck(ExecutionEngine engine)
    {
        using var m = Create("ram", engine);
        m.Bus.DebugWrite(0x2000, BitConverter.GetBytes(ThumbBranchToSelf));
        m.Cpu.ResetTo(0x2001);
        var r = m.Run(10 * StuckDetector.CheckPeriod);
        Assert.Equal(StopReason.Stuck, r.Reason);
        Assert.Contains("a branch to itself at pc=0x00002000", r.Fault);
    }

    [Theory, MemberData(nameof(Engines))]
    public void ABranchToItselfWithInterruptsEnabled_WaitsForThem(ExecutionEngine engine)
    {
        using var m = Create("ram", engine);
        Write(m, 0x1000, EnableIrqFiqSvc, BranchToSelf);
        m.Cpu.ResetTo(0x1000);
        var r = m.Run(5 * StuckDetector.CheckPeriod);
        Assert.Equal(StopReason.CycleLimit, r.Reason);
        Assert.Null(m.StuckDetector.Verdict);
    }

    [Fact]
    public void ABranchToItselfWaitingForTheWatchdogReset_IsNotStuckBeforeTheReset()
    {
        // LPC2106: WDTC = 0x10000, WDMOD = WDEN | WDRESET, feed; then b . with IRQ and FIQ masked. The
        // watchdog resets the chip after 4 x 0x10001 PCLK = 16 x 0x10001 CCLK cycles (VPBDIV = 0: PCLK =
        // CCLK / 4), about one check period: the spin is seen, and the reset comes before it is called stuck.
        using var m = Create("lpc2106", ExecutionEngine.Interpret);
        Write(m, 0x4000_0000, 0xE3A0020E, 0xE3A01801, 0xE5801004, 0xE3A01003, 0xE5801000, 0xE3A010AA, 0xE5801008, 0xE3A01055, 0xE5801008, BranchToSelf);
        m.Cpu.ResetTo(0x4000_0000);
        var r = m.Run(16 * 0x10001 + 1000);
        Assert.Single(m.SystemResets);
        Assert.Equal(StopReason.CycleLimit, r.Reason);
        Assert.Null(m.StuckDetector.Verdict);
    }

    [Theory, MemberData(nameof(Engines))]
    public void AnAbortLoopOnABoardWithoutDevices_IsStuckAndWarnsOnce(ExecutionEngine engine)
    {
        // The timer demo on the bare RAM board: its UART is not there; the abort handler reports through
        // the same UART, aborts again, and so on.
        var warnings = new StringWriter();
        using var m = Machine.Create([Path.Combine(TestFiles.BoardsDir, "ram.json")], [], new MachineOptions { Engine = engine, TranslateInBackground = false, Warnings = warnings, StopWhenStuck = true });
        m.LoadElf(Path.Combine(TestFiles.RepoRoot, "firmware", "elf", "timer_irq.elf"));
        var r = m.Run(10_000_000);
        Assert.Equal(StopReason.Stuck, r.Reason);
        Assert.Matches(@"^stuck at cycle \d+: data abort taken \d+ times in a row from pc=0x0000061C with the same registers and memory", r.Fault);
        Assert.Equal(["data abort at pc=0x0000034C: 4-byte write to 0x101F1030, where nothing is mapped (nearest: memory 'ram' 0x00000000-0x03FFFFFF)"], m.Warnings);
        Assert.Equal("socsim: warning: " + m.Warnings[0] + Environment.NewLine, warnings.ToString());
    }

    [Fact]
    public void BothEnginesStopAtTheSameCycle()
    {
        long Cycles(ExecutionEngine e)
        {
            using var m = Create("ram", e);
            m.LoadElf(Path.Combine(TestFiles.RepoRoot, "firmware", "elf", "timer_irq.elf"));
            return m.Run(10_000_000).Cycles;
        }
        Assert.Equal(Cycles(ExecutionEngine.Interpret), Cycles(ExecutionEngine.Translate));
    }

    [Fact]
    public void InTheLibraryItIsOffUnlessAskedFor_AndADisabledDetectorLetsTheRunGoOn()
    {
        // A host may spin the core on purpose while devices work, and change the machine between runs.
        using (var plain = Machine.Create([Path.Combine(TestFiles.BoardsDir, "ram.json")]))
            Assert.False(plain.StuckDetector.Enabled);
        using var m = Create("ram", ExecutionEngine.Interpret);
        Assert.True(m.StuckDetector.Enabled);
        m.StuckDetector.Enabled = false;
        Write(m, 0x1000, BranchToSelf);
        m.Cpu.ResetTo(0x1000);
        Assert.Equal(StopReason.CycleLimit, m.Run(5 * StuckDetector.CheckPeriod).Reason);
    }

    [Fact]
    public void AStuckMachineRunAgainLooksAfresh()
    {
        using var m = Create("ram", ExecutionEngine.Interpret);
        Write(m, 0x1000, BranchToSelf, EnableIrqFiqSvc, BranchToSelf);
        m.Cpu.ResetTo(0x1000);
        Assert.Equal(StopReason.Stuck, m.Run(10 * StuckDetector.CheckPeriod).Reason);
        // Moved on by hand (as a debugger would) to a b . that waits for interrupts: not stuck.
        m.Cpu.SetRegister(15, 0x1004);
        var r = m.Run(m.Cycles + 5 * StuckDetector.CheckPeriod);
        Assert.Equal(StopReason.CycleLimit, r.Reason);
        Assert.Null(m.StuckDetector.Verdict);
    }

    [Theory]
    [InlineData(0x0000_0000u, 1u)]
    [InlineData(0x0000_3001u, 1u)]
    [InlineData(0x0200_0002u, 1u)]
    [InlineData(0x03FF_FFFFu, 1u)]
    [InlineData(0x0000_3001u, 0u)]
    [InlineData(0x03FF_FFFFu, 0u)]
    public void ASwiLoopThatChangesOneRamByte_IsNotStuck_WhereverTheByteIs(uint address, uint increment)
    {
        // SVC mode, sp = 0x8000: swi 0; b back. The handler (vector 8 -> 0x2000) keeps r0/r1 on the stack
        // and adds `increment` to the byte at `address`: every entry has the same registers, so only RAM
        // tells a loop that changes one byte (anywhere, the last byte of RAM included) from one that does not.
        using var m = Create("ram", ExecutionEngine.Interpret);
        Write(m, 0x1000, 0xE3A0D902, 0xEF000000, 0xEAFFFFFD);                 // mov sp, #0x8000; swi 0; b .-4
        Write(m, 0x2000, 0xE92D0003, 0xE59F0010, 0xE5D01000, 0xE2811000 | increment,
            0xE5C01000, 0xE8BD0003, 0xE1B0F00E, address);                     // push {r0,r1}; ldr r0, =address; ldrb r1, [r0]; add r1, r1, #increment; strb; pop; movs pc, lr
        Write(m, 8, 0xEA0007FC);                                              // b 0x2000
        m.Cpu.ResetTo(0x1000);
        var r = m.Run(200_000);
        if (increment == 0)
        {
            Assert.Equal(StopReason.Stuck, r.Reason);
            Assert.Contains("SWI taken 18 times in a row from pc=0x00001004 with the same registers and memory", r.Fault);
        }
        else
        {
            Assert.Equal(StopReason.CycleLimit, r.Reason);
            Assert.Null(m.StuckDetector.Verdict);
        }
    }
}
