using SocSim.Core;

namespace SocSim.CortexM.Tests;

/// <summary>
/// A bus error during the lazy FP state preservation (ARMv7-M B1.5.7 PreserveFPState, B3.2.15 BFSR.LSPERR, B3.2.21
/// FPCCR's BFRDY/HFRDY; QEMU's v7m_preserve_fp_state): the Thread-mode stack is placed so that an SVCall's
/// extended frame has its basic part in RAM (0x1FFE0-0x1FFFF) and its FP part beyond RAM's end (0x20000-0x20047,
/// unmapped: writes abort). The SVCall handler's first FP instruction triggers the preservation.
/// </summary>
public sealed class LazyStackingFaultTests
{
    private const int BusFault = CortexMCpu.ExcBusFault, HardFault = CortexMCpu.ExcHardFault, SvCall = CortexMCpu.ExcSvCall;
    private const uint Forced = 1u << 30;

    private static TestCore Core(uint shcsr, byte svcPriority)
    {
        var t = new TestCore(CortexMProfile.V7EM, fpu: true);
        t.Bus.AddDevice("scs", SystemControlSpace.Base, SystemControlSpace.Size, new SystemControlSpace(t.Cpu), WaitStates.Zero);
        t.Load(".fpu fpv4-sp-d16\nldr r0, =0xE000ED88\nldr r1, =0x00F00000\nstr r1, [r0]\n" +    // CPACR: CP10/CP11 full access
               "vmov s0, r1\n" +                                               // CONTROL.FPCA = 1 (ASPEN)
               "ldr r0, =0x20048\nmov sp, r0\nmovs r1, #7\n" +
               "svc #0\nbkpt #9\n.ltorg", cpu: "cortex-m4");
        t.Handler(SvCall, ".fpu fpv4-sp-d16\nvmov s1, r1\nbkpt #1", "cortex-m4");
        t.Handler(HardFault, "bkpt #3", "cortex-m4");
        t.Handler(BusFault, "bkpt #5", "cortex-m4");
        t.Reset();
        t.Cpu.Shcsr = shcsr;
        t.Cpu.SetPriority(SvCall, svcPriority);
        t.Cpu.RunTo(10_000);
        Assert.Equal(CoreState.Halted, t.Cpu.State);
        return t;
    }

    private static uint Stacked(TestCore t, int word) => t.Bus.DebugRead32(t.Cpu.Msp + 4u * (uint)word);

    [Fact]
    public void WithBusFaultDisabledAtTheEntryTheFaultEscalatesToHardFaultBeforeTheFpInstruction()
    {
        using var t = Core(shcsr: 0, svcPriority: 0);
        Assert.Equal((uint)HardFault, t.Cpu.Ipsr);
        Assert.Equal(CortexMCpu.CfsrLspErr, t.Cpu.Cfsr);             // LSPERR alone: no PRECISERR, no BFARVALID
        Assert.Equal(0u, t.Cpu.Bfar);
        Assert.Equal(Forced, t.Cpu.Hfsr);                            // BFRDY was clear: escalated
        Assert.Equal(CortexMCpu.FpccrLspact, t.Cpu.Fpccr & CortexMCpu.FpccrLspact);    // still pending: retried
        Assert.Equal(0u, t.Cpu.GetS(1));                             // the VMOV was not executed
        Assert.Equal(TestCore.Handlers + 0x10 * (uint)SvCall, Stacked(t, 6));          // HardFault returns to it
        Assert.False(t.Cpu.IsPending(HardFault));
    }

    [Fact]
    public void AnEnabledHigherPriorityBusFaultIsTakenBeforeTheFpInstruction()
    {
        using var t = Core(shcsr: 1u << 17, svcPriority: 0x80);      // BusFault (0) preempts SVCall (0x80)
        Assert.Equal((uint)BusFault, t.Cpu.Ipsr);
        Assert.Equal(CortexMCpu.CfsrLspErr, t.Cpu.Cfsr);
        Assert.Equal(0u, t.Cpu.Hfsr);
        Assert.Equal(CortexMCpu.FpccrLspact, t.Cpu.Fpccr & CortexMCpu.FpccrLspact);
        Assert.Equal(0u, t.Cpu.GetS(1));
        Assert.Equal(TestCore.Handlers + 0x10 * (uint)SvCall, Stacked(t, 6));
    }

    [Fact]
    public void ABusFaultThatCannotPreemptStaysPendingAndTheFpInstructionExecutes()
    {
        using var t = Core(shcsr: 1u << 17, svcPriority: 0);         // equal priority: it waits
        Assert.Equal((uint)SvCall, t.Cpu.Ipsr);
        Assert.True(t.Cpu.IsPending(BusFault));
        Assert.Equal(CortexMCpu.CfsrLspErr, t.Cpu.Cfsr);
        Assert.Equal(0u, t.Cpu.Fpccr & CortexMCpu.FpccrLspact);     // the preservation is over (its frame UNKNOWN)
        Assert.Equal(7u, t.Cpu.GetS(1));                             // the VMOV executed
    }
}
