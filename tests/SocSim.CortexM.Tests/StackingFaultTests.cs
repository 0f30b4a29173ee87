namespace SocSim.CortexM.Tests;

/// <summary>
/// Bus errors on exception stacking and unstacking (ARMv7-M B1.5.6 PushStack, B1.5.8 PopStack, B1.5.14 derived
/// exceptions, B3.2.15 CFSR.STKERR/UNSTKERR, B1.5.15 lockup): the stack pointer is moved to unmapped memory
/// (TestCore maps 0-0x1FFFF and 0x20000000-0x2000FFFF; 0x10000000 aborts).
/// </summary>
public sealed class StackingFaultTests
{
    private const uint Unmapped = 0x1000_0100;
    private const int BusFault = CortexMCpu.ExcBusFault, HardFault = CortexMCpu.ExcHardFault, SvCall = CortexMCpu.ExcSvCall;

    private static TestCore Core(string code, CortexMProfile profile = CortexMProfile.V7M, uint shcsr = 0)
    {
        var t = new TestCore(profile);
        t.Load(code, cpu: profile == CortexMProfile.V6M ? "cortex-m0" : "cortex-m3");
        for (int n = 2; n < 16; n++) t.Handler(n, "b .", profile == CortexMProfile.V6M ? "cortex-m0" : "cortex-m3");
        t.Reset();
        t.Cpu.Shcsr = shcsr;
        return t;
    }

    private static void Steps(TestCore t, int n) { for (int i = 0; i < n; i++) t.Cpu.Step(); }

    private const string SvcOnABadStack = "ldr r0, =0x10000100\nmov sp, r0\nsvc #0\nb .\n.ltorg";

    [Fact]
    public void StackingErrorTakesTheBusFaultInPlaceOfALowerPriorityException()
    {
        using var t = Core(SvcOnABadStack, shcsr: 1u << 17);
        t.Cpu.SetPriority(SvCall, 0x80);            // BusFault (0) preempts SVCall: a late arrival on the frame
        Steps(t, 3);
        Assert.Equal((uint)BusFault, t.Cpu.Ipsr);
        Assert.Equal(CortexMCpu.CfsrStkErr, t.Cpu.Cfsr);          // STKERR, not PRECISERR or BFARVALID
        Assert.Equal(0u, t.Cpu.Bfar);
        Assert.True(t.Cpu.IsPending(SvCall));                     // the original exception stays pending
        Assert.Equal(0xFFFF_FFF9u, t.Cpu.GetRegister(14));
        Assert.Equal(Unmapped - 0x20, t.Cpu.Msp);                  // the frame's place, as pushed
        Assert.Equal(CoreState.Running, t.Cpu.State);
    }

    [Fact]
    public void StackingErrorOfAnEqualPriorityEntryPendsTheBusFault()
    {
        using var t = Core(SvcOnABadStack, shcsr: 1u << 17);
        Steps(t, 3);
        Assert.Equal((uint)SvCall, t.Cpu.Ipsr);
        Assert.True(t.Cpu.IsPending(BusFault));
        Assert.Equal(CortexMCpu.CfsrStkErr, t.Cpu.Cfsr);
    }

    [Fact]
    public void StackingErrorWithBusFaultDisabledEscalatesToHardFault()
    {
        using var t = Core(SvcOnABadStack);
        Steps(t, 3);
        Assert.Equal((uint)HardFault, t.Cpu.Ipsr);
        Assert.Equal(1u << 30, t.Cpu.Hfsr);                        // FORCED
        Assert.Equal(CortexMCpu.CfsrStkErr, t.Cpu.Cfsr);
        Assert.True(t.Cpu.IsPending(SvCall));
    }

    [Fact]
    public void StackingErrorEnteringHardFaultLocksUp()
    {
        // UDF with UsageFault disabled escalates to HardFault, whose own stacking fails.
        using var t = Core("ldr r0, =0x10000100\nmov sp, r0\nudf #0\n.ltorg");
        Steps(t, 3);
        Assert.Equal(CoreState.Lockup, t.Cpu.State);
        Assert.Equal("lockup: bus error pushing the frame of exception 3 at 0x100000E0", t.Cpu.Fault);
        Assert.Equal(CortexMCpu.CfsrStkErr | 1u << 16, t.Cpu.Cfsr);   // UNDEFINSTR, then STKERR
    }

    [Fact]
    public void UnstackingErrorTakesTheBusFaultOnTheSameFrame()
    {
        // The SVC handler moves MSP to unmapped memory and returns: the frame cannot be read.
        using var t = Core("movs r0, #7\nsvc #0\nb .", shcsr: 1u << 17);
        t.Handler(SvCall, "ldr r1, =0x10000100\nmov sp, r1\nmovs r0, #9\nbx lr\n.ltorg");
        Steps(t, 2 + 4);
        Assert.Equal((uint)BusFault, t.Cpu.Ipsr);
        Assert.Equal(CortexMCpu.CfsrUnstkErr, t.Cpu.Cfsr);
        Assert.Equal(0u, t.Cpu.Bfar);
        Assert.False(t.Cpu.IsActive(SvCall));                       // the return deactivated it
        Assert.Equal(0xFFFF_FFF9u, t.Cpu.GetRegister(14));        // the EXC_RETURN, as a tail-chain has it
        Assert.Equal(9u, t.Cpu.GetRegister(0));                   // nothing was popped
        Assert.Equal(Unmapped, t.Cpu.Msp);
    }

    [Fact]
    public void UnstackingErrorWithBusFaultDisabledEscalatesToHardFault()
    {
        using var t = Core("svc #0\nb .");
        t.Handler(SvCall, "ldr r1, =0x10000100\nmov sp, r1\nbx lr\n.ltorg");
        Steps(t, 1 + 4);
        Assert.Equal((uint)HardFault, t.Cpu.Ipsr);
        Assert.Equal(1u << 30, t.Cpu.Hfsr);
        Assert.Equal(CortexMCpu.CfsrUnstkErr, t.Cpu.Cfsr);
    }

    [Fact]
    public void OnArmV6MAStackingErrorIsAHardFaultWithoutCfsr()
    {
        using var t = Core(SvcOnABadStack, CortexMProfile.V6M);
        Steps(t, 3);
        Assert.Equal((uint)HardFault, t.Cpu.Ipsr);
        Assert.Equal(0u, t.Cpu.Cfsr);
        Assert.Equal(0u, t.Cpu.Hfsr);
    }
}
