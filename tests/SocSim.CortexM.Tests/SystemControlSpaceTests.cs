using SocSim.Core;

namespace SocSim.CortexM.Tests;

public sealed class SystemControlSpaceTests
{
    private static (TestCore t, SystemControlSpace scs) Core(string thread)
    {
        var t = new TestCore();
        var scs = new SystemControlSpace(t.Cpu);
        t.Bus.AddDevice("scs", SystemControlSpace.Base, SystemControlSpace.Size, scs, WaitStates.Zero);
        t.Load(thread).Reset();
        return (t, scs);
    }

    /// <summary>The host's run loop: events due run between instructions; the core runs up to the next event.</summary>
    private static void Run(TestCore t, long limit)
    {
        while (t.Scheduler.Cycles < limit && t.Cpu.State is CoreState.Running or CoreState.Sleeping)
        {
            t.Scheduler.RunDue();
            t.Cpu.RunTo(Math.Min(limit, t.Scheduler.NextEventCycle));
        }
    }

    [Fact]
    public void FirmwareEnablesAndPendsAnInterruptThroughTheNvic()
    {
        var (t, _) = Core("ldr r0, =0xE000E100\nmovs r1, #4\nstr r1, [r0]\nldr r2, =0xE000E200\nstr r1, [r2]\nnop\n" +
                          "ldr r3, =0xE000ED04\nldr r4, [r3]\nb .\n.ltorg");
        using var _t = t;
        t.Handler(16 + 2, "ldr r3, =0xE000ED04\nldr r4, [r3]\nldr r5, =0xE000E300\nldr r6, [r5]\nbx lr\n.ltorg");
        for (int i = 0; i < 6; i++) t.Cpu.Step();
        Assert.Equal(18u, t.Cpu.Ipsr);                         // taken after the STR that pended it
        for (int i = 0; i < 4; i++) t.Cpu.Step();
        Assert.Equal(18u, t.Cpu.GetRegister(4) & 0x1FF);      // ICSR.VECTACTIVE
        Assert.Equal(1u << 11, t.Cpu.GetRegister(4) & (1u << 11));   // RETTOBASE
        Assert.Equal(4u, t.Cpu.GetRegister(6));                // IABR
    }

    [Fact]
    public void PriorityRegistersKeepTheImplementedBitsAndTheFreeRtosCheckReadsThemBack()
    {
        // FreeRTOS's port (xPortStartScheduler) writes 0xFF to a priority byte and counts the bits that stick.
        var (t, _) = Core("ldr r0, =0xE000E400\nmovs r1, #0xFF\nstrb r1, [r0, #3]\nldrb r2, [r0, #3]\nldr r3, =0xE000ED20\nldr r4, =0xA0C00000\nstr r4, [r3]\nldr r5, [r3]\nb .\n.ltorg");
        using var _t = t;
        for (int i = 0; i < 8; i++) t.Cpu.Step();
        Assert.Equal(0xFFu, t.Cpu.GetRegister(2));
        Assert.Equal(0xFFu, t.Cpu.GetPriority(19));
        Assert.Equal(0xA0C00000u, t.Cpu.GetRegister(5));       // SHPR3: PendSV 0xC0, SysTick 0xA0
        Assert.Equal(0xC0, t.Cpu.GetPriority(CortexMCpu.ExcPendSv));

        using var t3 = new TestCore();
        var cpu3 = new CortexMCpu(t3.Bus, CortexMProfile.V7M, priorityBits: 3);
        cpu3.SetPriority(20, 0xFF);
        Assert.Equal(0xE0, cpu3.GetPriority(20));
    }

    [Fact]
    public void SysTickCountsTheCoreClockAndPendsItsExceptionAtEachZero()
    {
        var (t, _) = Core("b .");
        using var _t = t;
        t.Scheduler.Cycles = 1000;
        var f = AccessFlags.None;
        t.Bus.Write32(0xE000E014, 99, f);                       // RVR
        t.Bus.Write32(0xE000E018, 0, f);                        // CVR
        t.Scheduler.Cycles = 1000;
        t.Bus.Write32(0xE000E010, 7, f);                        // ENABLE, TICKINT, CLKSOURCE at cycle 1000
        t.Scheduler.Cycles = 1001;
        Assert.Equal(99u, t.Bus.Read32(0xE000E018, f) );        // reloaded on the first clock
        t.Scheduler.Cycles = 1050;
        Assert.Equal(50u, t.Bus.Read32(0xE000E018, f));
        t.Scheduler.Cycles = 1100;
        t.Scheduler.RunDue();
        Assert.True(t.Cpu.IsPending(CortexMCpu.ExcSysTick));
        Assert.Equal(1u << 16 | 7, t.Bus.Read32(0xE000E010, f));   // COUNTFLAG, cleared by the read
        Assert.Equal(7u, t.Bus.Read32(0xE000E010, f));
        t.Scheduler.Cycles = 1101;
        Assert.Equal(99u, t.Bus.Read32(0xE000E018, f));
    }

    [Fact]
    public void SysTickInterruptsAFirmwareLoopEveryPeriod()
    {
        var (t, _) = Core("ldr r0, =0xE000E010\nldr r1, =999\nstr r1, [r0, #4]\nmovs r1, #0\nstr r1, [r0, #8]\nmovs r1, #7\nstr r1, [r0]\n1: wfi\nb 1b\n.ltorg");
        using var _t = t;
        t.Handler(CortexMCpu.ExcSysTick, "adds r7, #1\nbx lr");
        Run(t, 10_500);
        // Enabled a few cycles in (before cycle 500); the counter reaches 0 every 1,000 cycles from then: 10 ticks by 10,500.
        Assert.Equal(10u, t.Cpu.GetRegister(7));
        Assert.Equal(10_500, t.Scheduler.Cycles);
    }

    [Fact]
    public void FaultStatusRegistersClearOnWritingOnes()
    {
        var (t, _) = Core("udf #0");
        using var _t = t;
        t.Cpu.Step();
        var f = AccessFlags.None;
        Assert.Equal(1u << 16, t.Bus.Read32(0xE000ED28, f));
        Assert.Equal(1u << 30, t.Bus.Read32(0xE000ED2C, f));
        t.Bus.Write32(0xE000ED28, 1u << 16, f);
        t.Bus.Write32(0xE000ED2C, 1u << 30, f);
        Assert.Equal(0u, t.Cpu.Cfsr);
        Assert.Equal(0u, t.Cpu.Hfsr);
        Assert.Equal(SystemControlSpace.CpuidM3, t.Bus.Read32(0xE000ED00, f));
    }

    [Fact]
    public void PendSvSetThroughIcsrAndVtorMovesTheTable()
    {
        var (t, _) = Core("ldr r0, =0xE000ED08\nldr r1, =0x4000\nstr r1, [r0]\nldr r0, =0xE000ED04\nmov r1, #0x10000000\nstr r1, [r0]\nnop\n.ltorg");
        using var _t = t;
        t.Bus.DebugWrite32(0x4000 + 4 * 14, 0x5001);
        t.Bus.DebugWrite(0x5000, Asm.Assemble("movs r7, #14\nbx lr"));
        for (int i = 0; i < 7; i++) t.Cpu.Step();
        Assert.Equal((uint)CortexMCpu.ExcPendSv, t.Cpu.Ipsr);
        Assert.Equal(0x5000u, t.Cpu.PC);
        Assert.Equal(0x4000u, t.Cpu.Vtor);
    }
}
