using SocSim.Core;

namespace SocSim.CortexM.Tests;

/// <summary>
/// Late arrival during a tail-chain (ARMv7-M B1.5.12; Cortex-M3 TRM DDI 0337I 5.5.3): IRQ1 (priority 0x80)
/// returns while IRQ2 (0xC0) is pending, so its BX LR tail-chains into IRQ2 (1 + 6 cycles); IRQ0 (0x40) becomes
/// pending at a scheduler event during that return. Arriving before IRQ2's first instruction it takes the
/// tail-chain over: no frame, the same EXC_RETURN, IRQ2 pending again; its handler starts at the later of the
/// tail-chain's end and its arrival + 6 (a new vector fetch and refill: the rule the entry's late arrival uses,
/// docs/cortex-m.md). Arriving after, it preempts IRQ2 with a frame of its own.
/// </summary>
public sealed class TailChainLateArrivalTests
{
    private const int Irq0 = 16, Irq1 = 17, Irq2 = 18;

    private static (TestCore t, long ret) TailChainWithArrival(int after)
    {
        var t = PendingTests.Core("nop\nnop\nnop\nnop");
        t.Handler(Irq2, "movs r4, #0x12\nbx lr");
        foreach (var (exc, priority) in new[] { (Irq0, (byte)0x40), (Irq1, (byte)0x80), (Irq2, (byte)0xC0) })
        {
            t.Cpu.SetInterruptEnabled(exc - 16, true);
            t.Cpu.SetPriority(exc, priority);
        }
        t.Cpu.SetPending(Irq1);
        t.Cpu.SetPending(Irq2);
        Assert.Equal(CortexMCpu.EntryCycles, t.Cpu.Step());
        Assert.Equal((uint)Irq1, t.Cpu.Ipsr);
        t.Cpu.Step();                                           // movs r6
        long ret = t.Scheduler.Cycles;
        var e = t.Scheduler.CreateEvent("irq0", EventPriority.Peripheral, _ => t.Cpu.SetPending(Irq0));
        t.Scheduler.Schedule(e, ret + after);
        Assert.Equal(1 + CortexMCpu.TailChainCycles, t.Cpu.Step());     // bx lr tail-chains into IRQ2
        Assert.Equal((uint)Irq2, t.Cpu.Ipsr);
        t.Scheduler.RunDue();
        return (t, ret);
    }

    [Theory]
    [InlineData(1, 0)]        // early in the tail-chain: IRQ0's handler starts when the tail-chain ends
    [InlineData(2, 1)]        // later: its own vector fetch and refill, 6 cycles from its arrival
    [InlineData(4, 3)]
    [InlineData(6, 5)]
    public void AHigherPriorityExceptionArrivingDuringATailChainTakesItOver(int after, int extra)
    {
        var (t, ret) = TailChainWithArrival(after);
        using var _t = t;
        Assert.Equal(extra, t.Cpu.Step());                      // the late arrival: no frame
        Assert.Equal((uint)Irq0, t.Cpu.Ipsr);
        Assert.Equal(ret + 1 + CortexMCpu.TailChainCycles + extra, t.Scheduler.Cycles);
        Assert.Equal(TestCore.Stack - 0x20, t.Cpu.GetRegister(13));
        Assert.Equal(0xFFFF_FFF9u, t.Cpu.GetRegister(14));
        Assert.True(t.Cpu.IsPending(Irq2));
        Assert.False(t.Cpu.IsActive(Irq2));
        Assert.False(t.Cpu.IsActive(Irq1));
        t.Cpu.Step();                                           // movs r5
        Assert.Equal(1 + CortexMCpu.TailChainCycles, t.Cpu.Step());     // bx lr tail-chains into IRQ2 again
        Assert.Equal((uint)Irq2, t.Cpu.Ipsr);
        t.Cpu.Step();
        Assert.Equal(1 + CortexMCpu.ReturnCycles, t.Cpu.Step());
        Assert.False(t.Cpu.HandlerMode);
        Assert.Equal(TestCore.Stack, t.Cpu.GetRegister(13));
        Assert.Equal(0x10u, t.Cpu.GetRegister(5));
        Assert.Equal(0x12u, t.Cpu.GetRegister(4));
    }

    [Fact]
    public void AnExceptionArrivingAfterTheTailChainPreemptsWithItsOwnFrame()
    {
        var (t, _) = TailChainWithArrival(1 + CortexMCpu.TailChainCycles);
        using var _t = t;
        Assert.Equal(CortexMCpu.EntryCycles, t.Cpu.Step());
        Assert.Equal((uint)Irq0, t.Cpu.Ipsr);
        Assert.True(t.Cpu.IsActive(Irq2));
        Assert.Equal(TestCore.Stack - 0x40, t.Cpu.GetRegister(13));
        Assert.Equal(0xFFFF_FFF1u, t.Cpu.GetRegister(14));
    }

    [Fact]
    public void AnExceptionThatDoesNotPreemptTheTailChainedOneWaits()
    {
        // IRQ0 at 0xC0 too: it arrives during the tail-chain but cannot preempt IRQ2 (same priority).
        var (t, _) = TailChainWithArrival(3);
        using var _t = t;
        t.Cpu.SetPriority(Irq0, 0xC0);
        t.Cpu.Step();                                           // IRQ2's movs r4
        Assert.Equal((uint)Irq2, t.Cpu.Ipsr);
        Assert.Equal(0x12u, t.Cpu.GetRegister(4));
        Assert.True(t.Cpu.IsPending(Irq0));
    }
}
