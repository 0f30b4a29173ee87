namespace SocSim.CortexM.Tests;

/// <summary>Pending exceptions: preemption by priority, masks, tail-chaining, wake-up from WFI.</summary>
public sealed class PendingTests
{
    private const int Irq0 = 16, Irq1 = 17;

    /// <summary>A core with handlers for IRQ0 (r5 = 0x10), IRQ1 (r6 = 0x11) and PendSV (r7 = 0x0E), each returning at once.</summary>
    internal static TestCore Core(string thread) =>
        new TestCore().Load(thread)
            .Handler(Irq0, "movs r5, #0x10\nbx lr")
            .Handler(Irq1, "movs r6, #0x11\nbx lr")
            .Handler(CortexMCpu.ExcPendSv, "movs r7, #0x0E\nbx lr")
            .Reset();

    [Fact]
    public void AnEnabledPendingInterruptIsTakenBeforeTheNextInstruction()
    {
        using var t = Core("movs r0, #1\nmovs r0, #2\nmovs r0, #3");
        t.Cpu.Step();
        t.Cpu.SetInterruptEnabled(0, true);
        t.Cpu.SetPending(Irq0);
        Assert.Equal(CortexMCpu.EntryCycles, t.Cpu.Step());
        Assert.Equal((uint)Irq0, t.Cpu.Ipsr);
        Assert.False(t.Cpu.IsPending(Irq0));
        Assert.True(t.Cpu.IsActive(Irq0));
        Assert.Equal(TestCore.Code + 2, t.Bus.DebugRead32(t.Cpu.GetRegister(13) + 24));   // returns to the next instruction
        t.Cpu.Step(); t.Cpu.Step();
        Assert.False(t.Cpu.HandlerMode);
        Assert.Equal(0x10u, t.Cpu.GetRegister(5));
        t.Cpu.Step();
        Assert.Equal(2u, t.Cpu.GetRegister(0));
    }

    [Fact]
    public void ADisabledOrMaskedInterruptWaits()
    {
        using var t = Core("cpsid i\nnop\nnop\ncpsie i\nnop");
        t.Cpu.SetPending(Irq0);
        t.Cpu.Step();
        Assert.False(t.Cpu.HandlerMode);                     // not enabled
        t.Cpu.SetInterruptEnabled(0, true);
        t.Cpu.Step(); t.Cpu.Step();
        Assert.False(t.Cpu.HandlerMode);                     // PRIMASK
        t.Cpu.Step();                                        // CPSIE
        t.Cpu.Step();
        Assert.Equal((uint)Irq0, t.Cpu.Ipsr);
    }

    [Fact]
    public void BasepriMasksLowerPriorities()
    {
        using var t = Core("movs r0, #0x40\nmsr basepri, r0\nnop\nnop");
        t.Cpu.SetInterruptEnabled(0, true);
        t.Cpu.SetInterruptEnabled(1, true);
        t.Cpu.SetPriority(Irq0, 0x40);
        t.Cpu.SetPriority(Irq1, 0x20);
        t.Cpu.Step(); t.Cpu.Step();
        t.Cpu.SetPending(Irq0);
        t.Cpu.Step();
        Assert.False(t.Cpu.HandlerMode);                     // 0x40 is not above BASEPRI 0x40
        t.Cpu.SetPending(Irq1);
        t.Cpu.Step();
        Assert.Equal((uint)Irq1, t.Cpu.Ipsr);
    }

    [Fact]
    public void AHigherPriorityPreemptsAHandlerAndALowerOneTailChains()
    {
        using var t = Core("nop\nnop\nnop");
        t.Cpu.SetInterruptEnabled(0, true);
        t.Cpu.SetInterruptEnabled(1, true);
        t.Cpu.SetPriority(Irq0, 0x80);
        t.Cpu.SetPriority(Irq1, 0xC0);
        t.Cpu.SetPending(Irq0);
        t.Cpu.Step();                                        // IRQ0 entry
        uint frame = t.Cpu.GetRegister(13);
        t.Cpu.SetPending(Irq1);                              // lower priority: waits
        t.Cpu.Step();                                        // movs r5
        Assert.Equal((uint)Irq0, t.Cpu.Ipsr);
        int c = t.Cpu.Step();                                // bx lr: tail-chains into IRQ1
        Assert.Equal((uint)Irq1, t.Cpu.Ipsr);
        Assert.Equal(frame, t.Cpu.GetRegister(13));          // the frame stayed
        Assert.Equal(0xFFFF_FFF9u, t.Cpu.GetRegister(14));
        Assert.Equal(1 + CortexMCpu.TailChainCycles, c);      // BX's 1, then the tail-chain in place of its P
        t.Cpu.Step(); t.Cpu.Step();
        Assert.False(t.Cpu.HandlerMode);
        Assert.Equal(0x11u, t.Cpu.GetRegister(6));
        Assert.Equal(TestCore.Stack, t.Cpu.GetRegister(13));
    }

    [Fact]
    public void PendSvAndNmi()
    {
        using var t = Core("nop\nnop\nnop\nnop");
        t.Handler(CortexMCpu.ExcNmi, "movs r4, #2\nbx lr");
        t.Cpu.SetPending(CortexMCpu.ExcPendSv);
        t.Cpu.SetPending(CortexMCpu.ExcNmi);
        t.Cpu.Step();
        Assert.Equal((uint)CortexMCpu.ExcNmi, t.Cpu.Ipsr);   // -2 beats PendSV's 0
        t.Cpu.Step(); t.Cpu.Step();                          // movs, bx lr: tail-chain to PendSV
        Assert.Equal((uint)CortexMCpu.ExcPendSv, t.Cpu.Ipsr);
    }

    [Fact]
    public void WfiWakesForAPendingInterruptEvenWithPrimaskSet()
    {
        using var t = Core("cpsid i\nwfi\nmovs r0, #9\ncpsie i\nnop");
        t.Cpu.SetInterruptEnabled(0, true);
        t.Cpu.RunTo(50);
        Assert.Equal(CoreState.Sleeping, t.Cpu.State);
        Assert.Equal(50, t.Scheduler.Cycles);
        t.Cpu.SetPending(Irq0);
        t.Cpu.RunTo(52);
        Assert.Equal(CoreState.Running, t.Cpu.State);
        Assert.Equal(9u, t.Cpu.GetRegister(0));             // woke, PRIMASK kept the handler out
        Assert.False(t.Cpu.HandlerMode);
        t.Cpu.RunTo(70);
        Assert.Equal(0x10u, t.Cpu.GetRegister(5));
    }

    [Fact]
    public void BadExceptionNumbersAreRefusedInOneLine()
    {
        using var t = Core("nop");
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => t.Cpu.SetPending(3));
        Assert.StartsWith("exception 3 cannot be set pending", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Cpu.SetInterruptEnabled(48, true));
    }
}
