using SocSim.Core;
using SocSim.Peripherals;

namespace SocSim.Boards.Tests;

/// <summary>
/// LPC2106 power-down (UM10275 Table 26, §3.10, §3.6.3, §3.13): the oscillator and every clock stop,
/// PLLE/PLLC clear, and only a reset or an EINT flag enabled in EXTWAKE wakes the chip, after the
/// wakeup timer's 4096 FOSC clocks, with CCLK = FOSC.
/// </summary>
public sealed class Lpc2106PowerDownTests
{
    private const uint Scb = 0xE01FC000, Timer0 = 0xE0004000, Vic = 0xFFFFF000;
    private const long Fosc = 14_745_600;

    private static uint R(Machine m, string device, uint address)
    {
        bool abort = false;
        return m.Devices[device].Read(address, 4, AccessFlags.Privileged, ref abort);
    }

    private static void W(Machine m, string device, uint address, uint value)
    {
        bool abort = false;
        m.Devices[device].Write(address, 4, value, AccessFlags.Privileged, ref abort);
    }

    /// <summary>str r1, [r0] (PCON = PD), then a loop counting in r2.</summary>
    private static Machine Create(string board)
    {
        var m = Machine.Create(BoardLoader.Load([board], []), new MachineOptions { Warnings = new StringWriter() });
        foreach (var (a, v) in new[] { (0u, 0xE5801000u), (4u, 0xE2822001u), (8u, 0xEAFFFFFDu) }) m.Bus.DebugWrite32(0x40000000 + a, v);
        m.Cpu.ResetTo(0x40000000);
        m.Cpu.SetRegister(0, Scb + Lpc2106SystemControl.PCON);
        m.Cpu.SetRegister(1, Lpc2106SystemControl.PCON_PD);
        m.Cpu.SetRegister(2, 0);
        return m;
    }

    private static Machine CoreBoard() => Create(Path.Combine(TestFiles.RepoRoot, "tests", "assets", "boards", "lpc2106-core.json"));

    private static RunResult RunUntilTime(Machine m, double ms)
    {
        m.SetTimeLimit(TimeSpan.FromTicks((long)(ms * TimeSpan.TicksPerMillisecond)));
        return m.Run();
    }

    [Fact]
    public void PowerDownStopsUntilAnExtwakeEintAndWakesAfterTheWakeupTimerWithThePllOff()
    {
        using var m = CoreBoard();
        var scb = (Lpc2106SystemControl)m.Devices["scb"];
        m.DrivePin("scb.EINT0", true);                                   // EINT0 inactive (low-level sensitive)
        W(m, "scb", Scb + Lpc2106SystemControl.PLLCFG, 0x23);
        W(m, "scb", Scb + Lpc2106SystemControl.PLLCON, 3);             // enabled and connected
        W(m, "scb", Scb + Lpc2106SystemControl.PLLFEED, 0xAA);
        W(m, "scb", Scb + Lpc2106SystemControl.PLLFEED, 0x55);
        Assert.Equal(4 * Fosc, scb.CclkHz);
        Assert.Equal(0x300u, R(m, "scb", Scb + Lpc2106SystemControl.PLLSTAT) & 0x300);

        // No wake source: the run ends only at the time limit, with nothing executed or clocked.
        Assert.Equal(StopReason.TimeLimit, RunUntilTime(m, 1).Reason);
        Assert.True(m.Cpu.Sleeping);
        Assert.Equal(1, m.Cpu.Instructions);                            // the store, nothing after
        Assert.Equal(Lpc2106SystemControl.PCON_PD, R(m, "scb", Scb + Lpc2106SystemControl.PCON));
        Assert.Equal(0u, R(m, "scb", Scb + Lpc2106SystemControl.PLLSTAT) & 0x700);   // PLLE, PLLC, PLOCK clear (Table 19)
        Assert.Equal(Fosc, scb.CclkHz);
        Assert.Equal(0, scb.PclkHz);

        // EINT0 asserted without EXTWAKE: the flag is set, the chip stays down.
        m.DrivePin("scb.EINT0", false);
        Assert.Equal(StopReason.TimeLimit, RunUntilTime(m, 2).Reason);
        Assert.True(m.Cpu.Sleeping);
        Assert.Equal(1u, R(m, "scb", Scb + Lpc2106SystemControl.EXTINT));
        m.DrivePin("scb.EINT0", true);
        W(m, "scb", Scb + Lpc2106SystemControl.EXTINT, 1);
        Assert.Equal(0u, R(m, "scb", Scb + Lpc2106SystemControl.EXTINT));

        // With EXTWAKE0 the same edge wakes it 4096 FOSC clocks later (CCLK = FOSC: 4096 cycles).
        W(m, "scb", Scb + Lpc2106SystemControl.EXTWAKE, 1);
        Assert.Equal(StopReason.TimeLimit, RunUntilTime(m, 3).Reason);
        Assert.True(m.Cpu.Sleeping);
        long asserted = m.Scheduler.Cycles;
        m.DrivePin("scb.EINT0", false);
        Assert.Equal(StopReason.CycleLimit, m.Run(asserted + Lpc2106SystemControl.WakeupTimerClocks - 1).Reason);
        Assert.True(m.Cpu.Sleeping);
        Assert.Equal(1, m.Cpu.Instructions);
        m.Run(asserted + Lpc2106SystemControl.WakeupTimerClocks + 30);
        Assert.False(m.Cpu.Sleeping);
        Assert.True(m.Cpu.GetRegister(2) > 0);                          // resumed after the PCON write
        Assert.Equal(0u, R(m, "scb", Scb + Lpc2106SystemControl.PCON));
        Assert.Equal(0u, R(m, "scb", Scb + Lpc2106SystemControl.PLLSTAT) & 0x300);   // the firmware restarts the PLL
        Assert.Equal(Fosc, scb.CclkHz);
        Assert.Equal(Fosc / 4, scb.PclkHz);                             // VPBDIV = 0 again in force
    }

    [Fact]
    public void APendingTimerInterruptNeitherWakesPowerDownNorDoesTheTimerCount()
    {
        using var m = Create(Path.Combine(TestFiles.RepoRoot, "boards", "lpc2106.json"));
        W(m, "vic", Vic + 0x010, 1u << 4);                              // VICIntEnable: timer0
        W(m, "timer0", Timer0 + 0x18, 1);                                // MR0 = 1
        W(m, "timer0", Timer0 + 0x14, 1);                                // MCR: interrupt on MR0
        W(m, "timer0", Timer0 + 0x04, 1);                                // TCR: count
        m.Cpu.ResetTo(0x40000004);                                       // the loop, IRQ masked, until timer0 requests
        m.Run(200);
        Assert.True(m.InterruptOutput("vic", "IRQ").Level);
        m.Cpu.ResetTo(0x40000000);                                       // then PCON = PD
        long before = m.Cpu.Instructions;
        Assert.Equal(StopReason.TimeLimit, RunUntilTime(m, 1).Reason);
        Assert.True(m.InterruptOutput("vic", "IRQ").Level);            // still requested, held from the core
        Assert.False(m.Cpu.IrqAsserted);
        Assert.True(m.Cpu.Sleeping);
        Assert.Equal(before + 1, m.Cpu.Instructions);
        uint tc = R(m, "timer0", Timer0 + 0x08);
        Assert.Equal(StopReason.TimeLimit, RunUntilTime(m, 5).Reason);
        Assert.True(m.Cpu.Sleeping);
        Assert.Equal(tc, R(m, "timer0", Timer0 + 0x08));                 // PCLK stopped
        m.Reset();                                                       // a reset ends power-down
        Assert.Equal(0u, R(m, "scb", Scb + Lpc2106SystemControl.PCON));
        Assert.Equal(Fosc / 4, ((Lpc2106SystemControl)m.Devices["scb"]).PclkHz);
    }
    /// <summary>§3.13: "The actual interrupt (if any) occurs after the wakeup timer expires": the EINT0 that woke the chip, enabled in the VIC, is taken then.</summary>
    [Fact]
    public void TheWakingEintIsTakenAsAnInterruptAfterTheWakeupTimer()
    {
        using var m = Machine.Create(BoardLoader.Load([Path.Combine(TestFiles.RepoRoot, "boards", "lpc2106.json")], []), new MachineOptions { Warnings = new StringWriter() });
        // msr cpsr_c, #0x13 (IRQ enabled); str r1, [r0] (PCON = PD); loop. The IRQ vector (SRAM, MEMMAP = 2): b .
        foreach (var (a, v) in new[] { (0x100u, 0xE321F013u), (0x104u, 0xE5801000u), (0x108u, 0xE2822001u), (0x10Cu, 0xEAFFFFFDu), (0x18u, 0xEAFFFFFEu) })
            m.Bus.DebugWrite32(0x40000000 + a, v);
        W(m, "scb", Scb + Lpc2106SystemControl.MEMMAP, 2);
        W(m, "gpio", 0xE002C004, 1);                                     // PINSEL1[1:0] = 01: P0.16 is EINT0
        m.DrivePin("gpio.P0_16", true);
        W(m, "vic", Vic + 0x010, 1u << 14);                              // VICIntEnable: EINT0
        W(m, "scb", Scb + Lpc2106SystemControl.EXTWAKE, 1);
        m.Cpu.ResetTo(0x40000100);
        m.Cpu.SetRegister(0, Scb + Lpc2106SystemControl.PCON);
        m.Cpu.SetRegister(1, Lpc2106SystemControl.PCON_PD);
        Assert.Equal(StopReason.TimeLimit, RunUntilTime(m, 1).Reason);
        Assert.True(m.Cpu.Sleeping);
        long asserted = m.Scheduler.Cycles;
        m.DrivePin("gpio.P0_16", false);
        Assert.True(m.InterruptOutput("vic", "IRQ").Level);            // requested at once, held from the core
        m.Run(asserted + Lpc2106SystemControl.WakeupTimerClocks - 1);
        Assert.True(m.Cpu.Sleeping);
        m.Run(asserted + Lpc2106SystemControl.WakeupTimerClocks + 20);
        Assert.False(m.Cpu.Sleeping);
        Assert.Equal(0x12u, m.Cpu.Cpsr & 0x1F);                          // IRQ mode
        Assert.Equal(0x18u, m.Cpu.Pc);
        Assert.Equal(0u, m.Cpu.GetRegister(2));                          // taken before the loop ran
    }
    /// <summary>A checkpoint taken during the wakeup timer resumes powered down and wakes at the same cycle.</summary>
    [Fact]
    public void ACheckpointDuringTheWakeupTimerWakesAtTheSameCycle()
    {
        using var m = CoreBoard();
        m.DrivePin("scb.EINT0", true);
        W(m, "scb", Scb + Lpc2106SystemControl.EXTWAKE, 1);
        Assert.Equal(StopReason.TimeLimit, RunUntilTime(m, 1).Reason);
        long asserted = m.Scheduler.Cycles;
        m.DrivePin("scb.EINT0", false);
        m.Run(asserted + 1000);
        var state = new MemoryStream();
        m.SaveState(state);
        using var n = CoreBoard();
        n.DrivePin("scb.EINT0", false);
        n.LoadState(new MemoryStream(state.ToArray()));
        Assert.True(n.Cpu.Sleeping);
        Assert.Equal(0, ((Lpc2106SystemControl)n.Devices["scb"]).PclkHz);
        n.Run(asserted + Lpc2106SystemControl.WakeupTimerClocks - 1);
        Assert.True(n.Cpu.Sleeping);
        n.Run(asserted + Lpc2106SystemControl.WakeupTimerClocks + 30);
        Assert.False(n.Cpu.Sleeping);
        Assert.True(n.Cpu.GetRegister(2) > 0);
    }
}
