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

    /// <summary>
    /// CLKSOURCE = 0 counts the external reference clock STCLK (ARMv7-M B3.3.3): here 1 MHz beside an 8 MHz core
    /// (the STM32F1's HCLK/8), so the counter moves once per 8 core cycles, reloading on the first STCLK edge
    /// after the write. When STCLK's frequency changes mid-count the transition stays at the same edge count:
    /// the remaining edges run at the new rate (no drift).
    /// </summary>
    [Fact]
    public void SysTickWithClkSourceZeroCountsTheReferenceClockAndFollowsItsChanges()
    {
        var s = new Scheduler(8_000_000, 1);                                  // one tick per 8 MHz core cycle
        var stclk = ClockDomain.OnTimeBase("STCLK", 1_000_000, 8_000_000);    // an edge every 8 ticks
        using var t = new TestCore(scheduler: s);
        var scs = new SystemControlSpace(t.Cpu, referenceClock: stclk);
        t.Bus.AddDevice("scs", SystemControlSpace.Base, SystemControlSpace.Size, scs, WaitStates.Zero);
        t.Load("b .").Reset();
        var f = AccessFlags.None;
        // TENMS for a 1 MHz reference: 10 ms is 10,000 edges, reload 9,999; exact, so no SKEW; NOREF clear (B3.3.6).
        Assert.Equal(9_999u, t.Bus.Read32(0xE000E01C, f));
        t.Bus.Write32(0xE000E014, 99, f);                        // RVR
        t.Bus.Write32(0xE000E018, 0, f);                         // CVR
        s.Cycles = 1000;                                         // tick 1000 = STCLK edge 125
        t.Bus.Write32(0xE000E010, 3, f);                         // ENABLE, TICKINT, CLKSOURCE = 0
        Assert.Equal(3u, t.Bus.Read32(0xE000E010, f));           // CLKSOURCE stays 0: there is a reference clock
        s.Cycles = 1007;
        Assert.Equal(0u, t.Bus.Read32(0xE000E018, f));           // no STCLK edge yet
        s.Cycles = 1008;
        Assert.Equal(99u, t.Bus.Read32(0xE000E018, f));          // reloaded on edge 126
        s.Cycles = 1400;                                         // edge 175: 49 decrements after the reload
        Assert.Equal(50u, t.Bus.Read32(0xE000E018, f));
        // At 1 MHz the counter would reach 0 at edge 225, tick 1800. STCLK doubles at tick 1400: the remaining
        // 50 edges take 4 ticks each, so the transition comes at tick 1400 + 200 = 1600.
        stclk.SetFrequency(2_000_000, 1400);
        Assert.Equal(1600, s.PendingEvents().Single(e => e.Name == "systick").Time);
        s.Cycles = 1599;
        s.RunDue();
        Assert.False(t.Cpu.IsPending(CortexMCpu.ExcSysTick));
        s.Cycles = 1600;
        s.RunDue();
        Assert.True(t.Cpu.IsPending(CortexMCpu.ExcSysTick));
        Assert.Equal(1u << 16 | 3, t.Bus.Read32(0xE000E010, f)); // COUNTFLAG
        s.Cycles = 1604;
        Assert.Equal(99u, t.Bus.Read32(0xE000E018, f));          // reloaded on the next edge, now 4 ticks later
        // Switching to the core clock (CLKSOURCE = 1) keeps the value and counts core cycles from there.
        s.Cycles = 1604;                                         // (the bus accesses above charged their cycles)
        t.Bus.Write32(0xE000E010, 7, f);
        s.Cycles = 1614;
        Assert.Equal(89u, t.Bus.Read32(0xE000E018, f));
    }

    /// <summary>Without a reference clock CLKSOURCE reads as one and ignores writes, and SYST_CALIB.NOREF is set (B3.3.3, B3.3.6).</summary>
    [Fact]
    public void WithoutAReferenceClockClkSourceReadsOneAndCalibSaysNoRef()
    {
        var (t, _) = Core("b .");
        using var _t = t;
        var f = AccessFlags.None;
        t.Bus.Write32(0xE000E010, 0, f);
        Assert.Equal(4u, t.Bus.Read32(0xE000E010, f));
        Assert.Equal(SystemControlSpace.CalibNoRef, t.Bus.Read32(0xE000E01C, f));
        // A chip's own value (the STM32F103's 9000, RM0008 §10.1.2) is what SYST_CALIB reads.
        using var t2 = new TestCore();
        bool abort = false;
        Assert.Equal(9000u, new SystemControlSpace(t2.Cpu, 9000).Read(0xE000E01C, 4, f, ref abort));
    }

    /// <summary>
    /// The STM32F103's NVIC: 60 external interrupts (RM0008 §10.1.1 "60 maskable interrupt channels", Table 63
    /// lines 0-59; 43-59, TIM8_BRK to DMA2_Channel4_5, are the high-density parts' and have no source on the
    /// F103xB, so software pends them). Firmware enables line 59 (ISER1 bit 27), gives it priority 0x40 (IPR
    /// byte 59), pends it through ISPR1 and line 58 through STIR with PRIMASK set; once it clears, the handlers at vectors 74 and 75 run, 59
    /// first (58 has the lower priority 0x80). ICTR.INTLINESNUM reads 1 (33-64 lines, B3.4.2); line 60 does
    /// not exist: its enable bit reads 0 and STIR ignores it.
    /// </summary>
    [Fact]
    public void SixtyInterruptLinesAsOnTheStm32F103()
    {
        using var t = new TestCore(interruptLines: 60);
        var scs = new SystemControlSpace(t.Cpu);
        t.Bus.AddDevice("scs", SystemControlSpace.Base, SystemControlSpace.Size, scs, WaitStates.Zero);
        t.Load("cpsid i\nldr r0, =0xE000E104\nldr r1, =0x1C000000\nstr r1, [r0]\nldr r2, [r0]\n" +       // ISER1: lines 58, 59, 60
               "ldr r0, =0xE000E438\nldr r1, =0x40800000\nstr r1, [r0]\n" +                    // IPR14: line 58 0x80, line 59 0x40
               "ldr r0, =0xE000EF00\nmovs r1, #60\nstr r1, [r0]\nmovs r1, #58\nstr r1, [r0]\n" + // STIR: 60 (ignored), 58
               "ldr r0, =0xE000E204\nldr r1, =0x08000000\nstr r1, [r0]\n" +                    // ISPR1: line 59
               "cpsie i\nnop\nldr r0, =0xE000E004\nldr r3, [r0]\nb .\n.ltorg");
        t.Handler(16 + 59, "ldr r0, =0xE000ED04\nldr r5, [r0]\nadds r7, #1\nbx lr\n.ltorg");
        t.Handler(16 + 58, "lsls r7, r7, #4\nadds r7, #2\nbx lr");
        t.Reset();
        for (int i = 0; i < 60; i++) t.Cpu.Step();
        Assert.Equal(0x0C00_0000u, t.Cpu.GetRegister(2));      // ISER1 reads lines 58 and 59 only
        Assert.Equal(75u, t.Cpu.GetRegister(5) & 0x1FF);       // ICSR.VECTACTIVE in the first handler: exception 16 + 59
        Assert.Equal(0x12u, t.Cpu.GetRegister(7));             // 59's handler (1), then 58's (1 << 4 | 2)
        Assert.Equal(1u, t.Cpu.GetRegister(3));                // ICTR
        Assert.False(t.Cpu.IsPending(16 + 58));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Cpu.SetPending(16 + 60));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CortexMCpu(t.Bus, CortexMProfile.V6M, interruptLines: 33));
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
