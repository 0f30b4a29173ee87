using System.Diagnostics;
using SocSim.Tests;

namespace SocSim.CortexM.Tests;

/// <summary>
/// The stuck-core rules (docs/stuck-detection.md) on a Cortex-M: firmware written at 0 on mps2-an385 (its
/// vector table first) that takes a HardFault again and again from one instruction, spins in <c>B .</c>
/// with PRIMASK, FAULTMASK, BASEPRI or a handler's priority keeping every interrupt out, or locks up; and
/// firmware that waits for an interrupt that will come, which is never called stuck.
/// </summary>
public sealed class StuckCortexMTests
{
    private const string Vectors = """
        .word 0x20001000
        .word reset + 1
        .word nmi + 1
        .word hardfault + 1
        .rept 11
        .word nmi + 1
        .endr
        .word systick + 1
        nmi: b nmi
        """;

    private static Machine Run(string program, out RunResult result, long cycles = 10 * StuckDetector.CheckPeriod)
    {
        var m = Machine.Create([Path.Combine(RepoPaths.Root, "boards", "mps2-an385.json")], [], new MachineOptions
        {
            Warnings = TextWriter.Null,
            StopWhenStuck = true,
        });
        m.Bus.DebugWrite(0, Asm.Assemble(Vectors + "\n" + program));
        ((CortexMCpu)m.Core).Reset(0);
        result = m.Run(cycles);
        return m;
    }

    /// <summary>The address of <paramref name="label"/> in the assembled program (a `.word label` appended after it).</summary>
    private static uint Address(string program, string label)
    {
        var b = Asm.Assemble(Vectors + "\n" + program + "\n.balign 4\n.word " + label);
        return BitConverter.ToUInt32(b, b.Length - 4);
    }

    private const string HardFaultLoop = """
        reset: movs r0, #1
        fault: udf #0
        hardfault: bx lr
        systick: bx lr
        """;

    [Fact]
    public void AHardFaultTakenAgainAndAgainFromOneInstruction_IsStuck()
    {
        using var m = Run(HardFaultLoop, out var r);
        Assert.Equal(StopReason.Stuck, r.Reason);
        uint udf = Address(HardFaultLoop, "fault");
        Assert.Matches($@"^stuck at cycle \d+: HardFault taken 1[6-9] times in a row from pc=0x{udf:X8} with the same registers and memory, no device access, and nothing pending that could change them$", r.Fault);
        // Found within the slice after the first one that looked like a loop.
        Assert.True(r.Cycles < 3 * StuckDetector.CheckPeriod, $"{r.Cycles} cycles");
    }

    [Theory]
    [InlineData("cpsid i", "PRIMASK set")]
    [InlineData("cpsid f", "FAULTMASK set")]
    // BASEPRI 0x20 keeps SysTick (priority 0x40) out, and no external interrupt is enabled.
    [InlineData("ldr r1, =0xE000ED20\n ldr r2, =0x40000000\n str r2, [r1]\n movs r0, #0x20\n msr basepri, r0", "BASEPRI=0x20 masking SysTick and every enabled interrupt")]
    public void ABranchToItselfThatNothingCanPreempt_IsStuck(string mask, string why)
    {
        string program = $"reset: {mask}\n spin: b spin\n hardfault: b hardfault\n systick: bx lr\n .ltorg";
        using var m = Run(program, out var r);
        Assert.Equal(StopReason.Stuck, r.Reason);
        Assert.EndsWith($": a branch to itself at pc=0x{Address(program, "spin"):X8} with {why}, and nothing pending that could reset the core", r.Fault);
        Assert.InRange(r.Cycles, 2 * StuckDetector.CheckPeriod, 3 * StuckDetector.CheckPeriod);
    }

    [Fact]
    public void TheDefaultHandlersBranchToItself_IsStuck()
    {
        // The usual startup file: every handler is `b .`; a fault lands in HardFault's, at priority -1.
        const string program = "reset: udf #0\n hardfault: b hardfault\n systick: bx lr";
        using var m = Run(program, out var r);
        Assert.Equal(StopReason.Stuck, r.Reason);
        Assert.EndsWith($": a branch to itself at pc=0x{Address(program, "hardfault"):X8} with every interrupt masked by the execution priority (-1) of HardFault's handler, and nothing pending that could reset the core", r.Fault);
    }

    [Theory]
    // SysTick (priority 0) can still preempt BASEPRI 0x20.
    [InlineData("movs r0, #0x20\n msr basepri, r0")]
    // Nothing masked.
    [InlineData("nop")]
    public void ABranchToItselfAnInterruptCanLeave_IsNotStuck(string setup)
    {
        string program = $"reset: {setup}\n spin: b spin\n hardfault: b hardfault\n systick: bx lr";
        using var m = Run(program, out var r, 5 * StuckDetector.CheckPeriod);
        Assert.Equal(StopReason.CycleLimit, r.Reason);
        Assert.Null(m.StuckDetector.Verdict);
    }

    [Fact]
    public void SysTickInterruptsThatCountInRam_AreNotStuck()
    {
        // SysTick every 100 cycles into a handler that counts in RAM, and a main loop that waits in `b .`:
        // the same exception from the same pc again and again, but memory changes.
        const string program = """
            reset: ldr r1, =0xE000E010
              ldr r2, =99
              str r2, [r1, #4]
              movs r2, #7
              str r2, [r1]
            spin: b spin
            hardfault: b hardfault
            systick: ldr r0, =0x20000100
              ldr r1, [r0]
              adds r1, #1
              str r1, [r0]
              bx lr
              .ltorg
            """;
        using var m = Run(program, out var r, 6 * StuckDetector.CheckPeriod);
        Assert.Equal(StopReason.CycleLimit, r.Reason);
        Assert.Null(m.StuckDetector.Verdict);
        Assert.True(m.Bus.DebugRead32(0x2000_0100) > 6 * StuckDetector.CheckPeriod / 200, "SysTick counted");
    }

    [Fact]
    public void AFaultInTheHardFaultHandler_LocksUp()
    {
        using var m = Run("reset: udf #0\n hardfault: udf #1\n systick: bx lr", out var r);
        Assert.Equal(StopReason.Fault, r.Reason);
        Assert.StartsWith("lockup: ", r.Fault);
    }

    [Fact]
    public void TheCliEndsAHardFaultLoopWithExit125AndOneLine()
    {
        var dir = Directory.CreateTempSubdirectory("socsim-stuck-cm-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "a.s"), ".syntax unified\n.thumb\n.text\n" + Vectors + "\n" + HardFaultLoop + "\n");
            Tool(dir, "arm-none-eabi-as", "-mcpu=cortex-m3", "-mthumb", "-o", "a.o", "a.s");
            Tool(dir, "arm-none-eabi-ld", "-Ttext=0", "-e", "0", "-o", "a.elf", "a.o");
            var (exit, _, err) = SocsimProcess.Run(SocsimProcess.BuiltDll, ["run", Path.Combine(dir, "a.elf"), "--board", "mps2-an385"]);
            Assert.Equal(125, exit);
            Assert.Matches($@"^socsim run: the core is stuck at cycle \d+: HardFault taken 1[6-9] times in a row from pc=0x{Address(HardFaultLoop, "fault"):X8} with the same registers and memory, no device access, and nothing pending that could change them$", err.Trim());
        }
        finally { Directory.Delete(dir, true); }
    }

    private static void Tool(string dir, string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { WorkingDirectory = dir, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{tool}: {err}");
    }
}
