using SocSim.Core;

namespace SocSim.CortexM.Tests;

/// <summary>
/// The ARMv7-M exception model beyond plain preemption (DDI 0403E.b B1.5): PRIGROUP, late arrival, exception
/// return and tail-chain cycles, SLEEPONEXIT, WFE/SEV and SEVONPEND, SYSRESETREQ, VECTTBL, execute-never
/// fetches, UNALIGN_TRP, FAULTMASK and BASEPRI_MAX.
/// </summary>
public sealed class ExceptionModelTests
{
    private const int Irq0 = 16, Irq1 = 17;

    private static TestCore Core(string thread) => PendingTests.Core(thread);

    private static (TestCore t, SystemControlSpace scs) WithScs(string thread)
    {
        var t = Core(thread);
        var scs = new SystemControlSpace(t.Cpu);
        t.Bus.AddDevice("scs", SystemControlSpace.Base, SystemControlSpace.Size, scs, WaitStates.Zero);
        t.Reset();
        return (t, scs);
    }

    private static void Enable(TestCore t, int exc, byte priority)
    {
        t.Cpu.SetInterruptEnabled(exc - 16, true);
        t.Cpu.SetPriority(exc, priority);
    }

    [Theory]
    [InlineData(0, true)]      // every bit is group priority: 0x40 preempts 0x60
    [InlineData(5, false)]     // [5:0] subpriority: both are group 0x40... 0x00 → same group, no preemption
    [InlineData(4, true)]      // [4:0] subpriority: groups 0x40 and 0x60 differ
    public void PrigroupDecidesWhetherASubpriorityPreempts(int prigroup, bool preempts)
    {
        using var t = Core("nop\nnop\nnop\nnop");
        t.Cpu.Prigroup = prigroup;
        Enable(t, Irq0, 0x40);
        Enable(t, Irq1, 0x60);
        t.Cpu.SetPending(Irq1);
        t.Cpu.Step();
        Assert.Equal((uint)Irq1, t.Cpu.Ipsr);
        t.Cpu.SetPending(Irq0);
        t.Cpu.Step();
        Assert.Equal(preempts ? (uint)Irq0 : Irq1, t.Cpu.Ipsr);
    }

    [Fact]
    public void SubpriorityOrdersPendingExceptionsAndBasepriCountsItsGroup()
    {
        using var t = Core("nop\nnop\nnop\nnop");
        t.Cpu.Prigroup = 6;                                 // [6:0] subpriority: 0x00-0x7F is one group
        Enable(t, Irq0, 0x30);
        Enable(t, Irq1, 0x20);
        t.Cpu.SetPending(Irq0);
        t.Cpu.SetPending(Irq1);
        t.Cpu.Step();
        Assert.Equal((uint)Irq1, t.Cpu.Ipsr);               // lower subpriority first (B1.5.4)
        Assert.Equal(0, t.Cpu.ExecutionPriority);           // the group of 0x20
        t.Cpu.Step(); t.Cpu.Step();                         // movs, bx lr: tail-chain into IRQ0
        Assert.Equal((uint)Irq0, t.Cpu.Ipsr);
        t.Cpu.Step(); t.Cpu.Step();
        Assert.False(t.Cpu.HandlerMode);
        t.Cpu.Basepri = 0x70;                               // group 0x00: masks every configurable priority
        t.Cpu.SetPending(Irq0);
        t.Cpu.Step();
        Assert.False(t.Cpu.HandlerMode);
    }

    [Fact]
    public void AircrWritesPrigroupOnlyWithTheVectKey()
    {
        var (t, _) = WithScs("ldr r0, =0xE000ED0C\nldr r1, =0x05FA0300\nstr r1, [r0]\nldr r2, =0x12340500\nstr r2, [r0]\nldr r3, [r0]\nb .\n.ltorg");
        using var _t = t;
        for (int i = 0; i < 6; i++) t.Cpu.Step();
        Assert.Equal(3, t.Cpu.Prigroup);
        Assert.Equal(0xFA05_0300u, t.Cpu.GetRegister(3));  // VECTKEYSTAT reads 0xFA05
    }

    /// <summary>A scheduler event at entry start + <paramref name="after"/> pends IRQ0 (priority 0x40) while IRQ1 (0x80) enters.</summary>
    private static (TestCore t, long start, uint frame) LateArrival(int after)
    {
        var t = Core("nop\nnop\nnop\nnop");
        Enable(t, Irq0, 0x40);
        Enable(t, Irq1, 0x80);
        t.Cpu.Step();                                       // nop: the entry starts at cycle 1
        long start = t.Scheduler.Cycles;
        var e = t.Scheduler.CreateEvent("irq0", EventPriority.Peripheral, _ => t.Cpu.SetPending(Irq0));
        t.Scheduler.Schedule(e, start + after);
        t.Cpu.SetPending(Irq1);
        Assert.Equal(CortexMCpu.EntryCycles, t.Cpu.Step());
        Assert.Equal((uint)Irq1, t.Cpu.Ipsr);
        t.Scheduler.RunDue();
        return (t, start, t.Cpu.GetRegister(13));
    }

    [Theory]
    [InlineData(1, 0)]        // early in the stacking: the late handler starts when the entry ends
    [InlineData(6, 0)]
    [InlineData(9, 3)]        // late in the entry: a new vector fetch and refill, 6 cycles from its arrival
    [InlineData(11, 5)]
    public void AHigherPriorityExceptionArrivingDuringEntryTakesItOver(int after, int extra)
    {
        var (t, start, frame) = LateArrival(after);
        using var _t = t;
        Assert.Equal(extra, t.Cpu.Step());                  // the late arrival: no second frame
        Assert.Equal((uint)Irq0, t.Cpu.Ipsr);
        Assert.Equal(start + CortexMCpu.EntryCycles + extra, t.Scheduler.Cycles);
        Assert.Equal(frame, t.Cpu.GetRegister(13));
        Assert.Equal(0xFFFF_FFF9u, t.Cpu.GetRegister(14));
        Assert.True(t.Cpu.IsPending(Irq1));
        Assert.False(t.Cpu.IsActive(Irq1));
        t.Cpu.Step();                                       // movs r5
        Assert.Equal(1 + CortexMCpu.TailChainCycles, t.Cpu.Step());   // bx lr tail-chains into IRQ1
        Assert.Equal((uint)Irq1, t.Cpu.Ipsr);
        Assert.Equal(frame, t.Cpu.GetRegister(13));
        t.Cpu.Step();
        Assert.Equal(1 + CortexMCpu.ReturnCycles, t.Cpu.Step());
        Assert.False(t.Cpu.HandlerMode);
        Assert.Equal(TestCore.Stack, t.Cpu.GetRegister(13));
        Assert.Equal(0x10u, t.Cpu.GetRegister(5));
        Assert.Equal(0x11u, t.Cpu.GetRegister(6));
    }

    [Fact]
    public void AnExceptionArrivingAfterTheEntryPreemptsWithItsOwnFrame()
    {
        var (t, _, frame) = LateArrival(CortexMCpu.EntryCycles);
        using var _t = t;
        Assert.Equal(CortexMCpu.EntryCycles, t.Cpu.Step());
        Assert.Equal((uint)Irq0, t.Cpu.Ipsr);
        Assert.Equal(frame - 32, t.Cpu.GetRegister(13));
        Assert.Equal(0xFFFF_FFF1u, t.Cpu.GetRegister(14));
        Assert.True(t.Cpu.IsActive(Irq1));
    }

    [Theory]
    [InlineData("bx lr", 1)]
    [InlineData("push {r4, lr}\npop {r4, pc}", 1 + 2)]
    [InlineData("push {lr}\nldr pc, [sp], #4", 2)]
    public void ExceptionReturnCostsTheInstructionAndTenCycles(string handler, int own)
    {
        using var t = new TestCore().Load("nop\nnop\nnop").Handler(Irq0, handler).Reset();
        Enable(t, Irq0, 0);
        t.Cpu.SetPending(Irq0);
        t.Cpu.Step();
        int c = 0;
        while (t.Cpu.HandlerMode) c = t.Cpu.Step();
        Assert.Equal(own + CortexMCpu.ReturnCycles, c);
        Assert.Equal(TestCore.Code, t.Cpu.PC);
    }

    [Fact]
    public void SleepOnExitSleepsWithoutUnstackingAndTailChainsOnWakeUp()
    {
        using var t = Core("nop\nnop\nnop");
        t.Cpu.Scr = CortexMCpu.ScrSleepOnExit;
        Enable(t, Irq0, 0x40);
        t.Cpu.SetPending(Irq0);
        t.Cpu.Step();
        uint frame = t.Cpu.GetRegister(13);
        t.Cpu.Step();
        t.Cpu.Step();                                       // bx lr to Thread: sleeps on exit
        Assert.Equal(CoreState.Sleeping, t.Cpu.State);
        Assert.Equal(frame, t.Cpu.Msp);                     // nothing popped
        Assert.False(t.Cpu.IsActive(Irq0));
        t.Cpu.RunTo(100);
        Assert.Equal(100, t.Scheduler.Cycles);
        t.Cpu.SetPending(Irq0);
        t.Cpu.RunTo(101);
        Assert.Equal(CoreState.Running, t.Cpu.State);
        Assert.Equal((uint)Irq0, t.Cpu.Ipsr);               // tail-chained
        Assert.Equal(100 + CortexMCpu.TailChainCycles, t.Scheduler.Cycles);
        Assert.Equal(frame, t.Cpu.GetRegister(13));
    }

    [Fact]
    public void SleepOnExitAfterAWfeIsNotWokenByTheReturnsEvent()
    {
        using var t = Core("wfe\nnop\nb .");
        t.Cpu.Scr = CortexMCpu.ScrSleepOnExit;
        Enable(t, Irq0, 0x40);
        t.Cpu.RunTo(10);
        Assert.Equal(CoreState.Sleeping, t.Cpu.State);      // WFE without an event
        t.Cpu.SetPending(Irq0);
        t.Cpu.RunTo(100);                                   // wakes, takes IRQ0, returns: sleeps on exit
        Assert.Equal(CoreState.Sleeping, t.Cpu.State);
        Assert.Equal(0x10u, t.Cpu.GetRegister(5));
        Assert.Equal(100, t.Scheduler.Cycles);
    }

    [Fact]
    public void SleepOnExitWokenWhileMaskedCompletesTheReturn()
    {
        using var t = new TestCore().Load("movs r0, #1\nmovs r0, #2\nb .").Handler(Irq0, "cpsid i\nbx lr").Reset();
        t.Cpu.Scr = CortexMCpu.ScrSleepOnExit;
        Enable(t, Irq0, 0x40);
        t.Cpu.Step();
        t.Cpu.SetPending(Irq0);
        t.Cpu.Step(); t.Cpu.Step(); t.Cpu.Step();
        Assert.Equal(CoreState.Sleeping, t.Cpu.State);
        t.Cpu.SetPending(Irq0);                             // wakes (PRIMASK ignored for wake-up) but cannot be taken
        t.Cpu.RunTo(t.Scheduler.Cycles + CortexMCpu.ReturnCycles);
        Assert.False(t.Cpu.HandlerMode);
        Assert.Equal(TestCore.Code + 2, t.Cpu.PC);
        Assert.Equal(TestCore.Stack, t.Cpu.GetRegister(13));
        Assert.True(t.Cpu.IsPending(Irq0));
    }

    [Fact]
    public void WfeConsumesTheEventRegisterAndSleepsWithoutIt()
    {
        using var t = Core("sev\nwfe\nmovs r0, #1\nwfe\nmovs r0, #2\nb .");
        t.Cpu.RunTo(20);
        Assert.Equal(CoreState.Sleeping, t.Cpu.State);
        Assert.Equal(1u, t.Cpu.GetRegister(0));             // the first WFE found the SEV's event
        t.Cpu.RunTo(40);
        Assert.Equal(CoreState.Sleeping, t.Cpu.State);
        t.Cpu.SignalEvent();
        t.Cpu.RunTo(41);
        Assert.Equal(2u, t.Cpu.GetRegister(0));
    }

    [Fact]
    public void SevOnPendWakesWfeForADisabledInterruptButNotWfi()
    {
        using var t = Core("wfe\nmovs r0, #1\nwfi\nmovs r0, #2\nb .");
        t.Cpu.SetRegister(0, 0);
        t.Cpu.Scr = CortexMCpu.ScrSevOnPend;
        t.Cpu.RunTo(10);                                    // WFE: the reset cleared the event register
        Assert.Equal(CoreState.Sleeping, t.Cpu.State);
        t.Cpu.SetPending(Irq0);                             // not enabled
        t.Cpu.RunTo(20);
        Assert.Equal(1u, t.Cpu.GetRegister(0));
        Assert.Equal(CoreState.Sleeping, t.Cpu.State);      // WFI does not wake for it
        Assert.False(t.Cpu.HandlerMode);
        t.Cpu.RunTo(40);
        Assert.Equal(1u, t.Cpu.GetRegister(0));
    }

    [Fact]
    public void WfeWithoutSevOnPendSleepsThroughADisabledInterrupt()
    {
        using var t = Core("wfe\nmovs r0, #1\nb .");
        t.Cpu.RunTo(10);
        t.Cpu.SetPending(Irq0);
        t.Cpu.RunTo(20);
        Assert.Equal(CoreState.Sleeping, t.Cpu.State);
        Assert.Equal(0u, t.Cpu.GetRegister(0));
    }

    [Fact]
    public void SysResetReqResetsTheCoreAndTheSystemControlSpace()
    {
        var (t, scs) = WithScs("ldr r0, =0xE000E010\nmovs r1, #1\nstr r1, [r0]\nmovs r7, #7\nldr r0, =0xE000ED0C\n" +
                               "ldr r1, =0x00000004\nstr r1, [r0]\nldr r1, =0x05FA0004\nstr r1, [r0]\nmovs r6, #6\nb .\n.ltorg");
        using var _t = t;
        int reset = 0;
        t.Cpu.SystemReset += () => reset++;
        for (int i = 0; i < 3; i++) t.Cpu.Step();
        Assert.Equal(1u, t.Bus.Read32(0xE000E010, AccessFlags.None) & 1);     // SysTick enabled
        for (int i = 0; i < 4; i++) t.Cpu.Step();
        Assert.Equal(0, reset);                             // without VECTKEY: ignored
        Assert.False(scs.ResetRequested);
        t.Cpu.Step(); t.Cpu.Step();                         // the keyed write
        Assert.True(scs.ResetRequested);
        Assert.Equal(0, t.Cpu.Step());                      // the reset, before the next instruction
        Assert.Equal(1, reset);
        Assert.Equal(TestCore.Code, t.Cpu.PC);
        Assert.Equal(0u, t.Cpu.GetRegister(7));
        Assert.Equal(TestCore.Stack, t.Cpu.GetRegister(13));
        Assert.Equal(0u, t.Bus.Read32(0xE000E010, AccessFlags.None) & 1);     // SysTick disabled again
    }

    [Fact]
    public void AVectorReadBusErrorIsAHardFaultWithVecttbl()
    {
        // VTOR 0x1FF80: HardFault's entry is in RAM, IRQ 40's (0x1FF80 + 4 * 56) is past it, unmapped.
        using var t = Core("nop\nnop");
        t.Cpu.Vtor = 0x1_FF80;
        t.Bus.DebugWrite32(0x1_FF80 + 4 * 3, (TestCore.Handlers + 0x30) | 1);
        t.Cpu.SetInterruptEnabled(40, true);
        t.Cpu.SetPending(16 + 40);
        t.Cpu.Step();
        Assert.Equal((uint)CortexMCpu.ExcHardFault, t.Cpu.Ipsr);
        Assert.Equal(1u << 1, t.Cpu.Hfsr);
        Assert.Equal(TestCore.Handlers + 0x30, t.Cpu.PC);
        Assert.False(t.Cpu.IsActive(16 + 40));
    }

    [Fact]
    public void AVectorTableOutsideMemoryLocksUp()
    {
        using var t = Core("udf #0");
        t.Cpu.Vtor = 0x1000_0000;
        t.Cpu.Step();
        Assert.Equal(CoreState.Lockup, t.Cpu.State);
        Assert.StartsWith("lockup: bus error reading vector 3 at 0x1000000C", t.Cpu.Fault);
    }

    [Theory]
    [InlineData(0x4000_0001u)]      // Peripheral
    [InlineData(0xA000_0001u)]      // External device
    [InlineData(0xE000_1001u)]      // System (PPB)
    public void FetchingFromAnExecuteNeverRegionIsAMemManageFault(uint target)
    {
        using var t = Core("ldr r0, =0x" + target.ToString("X8") + "\nbx r0\n.ltorg");
        t.Cpu.Step(); t.Cpu.Step(); t.Cpu.Step();
        Assert.Equal((uint)CortexMCpu.ExcHardFault, t.Cpu.Ipsr);        // MemManage disabled: escalated
        Assert.Equal(1u, t.Cpu.Cfsr);                                  // IACCVIOL (MMARVALID stays clear)
        Assert.Equal(1u << 30, t.Cpu.Hfsr);
        Assert.Equal(target & ~1u, t.Bus.DebugRead32(t.Cpu.GetRegister(13) + 24));
        t.Reset();
        t.Cpu.Shcsr = 1u << 16;
        t.Cpu.Step(); t.Cpu.Step(); t.Cpu.Step();
        Assert.Equal((uint)CortexMCpu.ExcMemManage, t.Cpu.Ipsr);
    }

    [Fact]
    public void CcrUnalignTrpMakesAnUnalignedWordLoadFault()
    {
        var (t, _) = WithScs("ldr r0, =0x2001\nldr r1, [r0]\nldr r2, =0xE000ED14\nmovs r3, #8\nstr r3, [r2]\nldr r1, [r0]\nb .\n.ltorg");
        using var _t = t;
        for (int i = 0; i < 5; i++) t.Cpu.Step();
        Assert.False(t.Cpu.HandlerMode);                    // allowed while UNALIGN_TRP is clear
        Assert.True(t.Cpu.UnalignedTrap);
        t.Cpu.Step();
        Assert.Equal((uint)CortexMCpu.ExcHardFault, t.Cpu.Ipsr);
        Assert.Equal(1u << 24, t.Cpu.Cfsr);                 // UNALIGNED
        Assert.Equal(8u, t.Bus.Read32(0xE000ED14, AccessFlags.None) & 0x318);   // the write cleared STKALIGN (stored only)
    }

    [Fact]
    public void FaultmaskHoldsBackEverythingButNmiAndAFaultUnderItLocksUp()
    {
        using var t = new TestCore().Load("movs r0, #1\nmsr faultmask, r0\nnop\nnop\nudf #3")
            .Handler(CortexMCpu.ExcNmi, "mrs r4, faultmask\nbx lr").Reset();
        Enable(t, Irq0, 0);
        t.Cpu.Step(); t.Cpu.Step();
        Assert.Equal(-1, t.Cpu.ExecutionPriority);
        t.Cpu.SetPending(Irq0);
        t.Cpu.Step();
        Assert.False(t.Cpu.HandlerMode);
        t.Cpu.SetPending(CortexMCpu.ExcNmi);
        t.Cpu.Step();
        Assert.Equal((uint)CortexMCpu.ExcNmi, t.Cpu.Ipsr);
        t.Cpu.Step(); t.Cpu.Step();
        Assert.Equal(1u, t.Cpu.GetRegister(4));
        Assert.True(t.Cpu.Faultmask);                       // an NMI's return keeps FAULTMASK (B1.5.8)
        t.Cpu.Step();                                       // nop
        t.Cpu.Step();                                       // udf under FAULTMASK: priority -1, HardFault cannot preempt
        Assert.Equal(CoreState.Lockup, t.Cpu.State);
        Assert.True(t.Cpu.IsPending(Irq0));
    }

    [Fact]
    public void AHandlersReturnClearsFaultmask()
    {
        using var t = new TestCore().Load("nop\nnop").Handler(Irq0, "movs r0, #1\nmsr faultmask, r0\nbx lr").Reset();
        Enable(t, Irq0, 0);
        t.Cpu.SetPending(Irq0);
        for (int i = 0; i < 4; i++) t.Cpu.Step();
        Assert.False(t.Cpu.HandlerMode);
        Assert.False(t.Cpu.Faultmask);
    }

    [Fact]
    public void BasepriMaxOnlyRaisesThePriority()
    {
        using var t = Core("movs r0, #0x80\nmsr basepri_max, r0\nmovs r0, #0xC0\nmsr basepri_max, r0\nmrs r1, basepri\n" +
                           "movs r0, #0x40\nmsr basepri_max, r0\nmrs r2, basepri\nmovs r0, #0\nmsr basepri_max, r0\nmrs r3, basepri");
        for (int i = 0; i < 11; i++) t.Cpu.Step();
        Assert.Equal(0x80u, t.Cpu.GetRegister(1));
        Assert.Equal(0x40u, t.Cpu.GetRegister(2));
        Assert.Equal(0x40u, t.Cpu.GetRegister(3));
    }

    [Theory]
    [InlineData(".fpu fpv4-sp-d16\nvadd.f32 s0, s1, s2")]
    [InlineData(".fpu fpv4-sp-d16\nvldr s0, [r0]")]
    [InlineData("mcr p15, 0, r0, c1, c0, 0")]
    [InlineData("ldc p2, c3, [r0]")]
    public void ACoprocessorInstructionWithoutTheCoprocessorIsANocpUsageFault(string inst)
    {
        using var t = new TestCore(CortexMProfile.V7EM).Load(inst, cpu: "cortex-m4").Reset();
        t.Cpu.Shcsr = 1u << 18;
        t.Cpu.Step();
        Assert.Equal((uint)CortexMCpu.ExcUsageFault, t.Cpu.Ipsr);
        Assert.Equal(1u << 19, t.Cpu.Cfsr);                 // NOCP, not UNDEFINSTR (B3.2.15)
    }

    [Theory]
    [InlineData(CortexMProfile.V7M, SystemControlSpace.CpuidM3)]
    [InlineData(CortexMProfile.V7EM, SystemControlSpace.CpuidM4)]
    [InlineData(CortexMProfile.V6M, SystemControlSpace.CpuidM0)]
    public void CpuidNamesTheCore(CortexMProfile profile, uint cpuid)
    {
        using var t = new TestCore(profile);
        var scs = new SystemControlSpace(t.Cpu);
        t.Bus.AddDevice("scs", SystemControlSpace.Base, SystemControlSpace.Size, scs, WaitStates.Zero);
        Assert.Equal(cpuid, t.Bus.Read32(0xE000_ED00, AccessFlags.None));
    }
}
