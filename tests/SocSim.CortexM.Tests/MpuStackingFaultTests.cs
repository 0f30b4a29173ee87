using SocSim.Core;

namespace SocSim.CortexM.Tests;

/// <summary>
/// The MPU on exception stacking and unstacking (ARMv7-M B1.5.6 PushStack, B1.5.8 PopStack, B1.5.7
/// PreserveFPState, B1.5.14 derived exceptions, B3.2.15 MMFSR.MSTKERR/MUNSTKERR/MLSPERR, B3.5 PMSAv7): the frame
/// is checked with the privilege of the mode it is pushed from or popped to, a refused write is not issued, and
/// the derived MemManage follows the bus-error path of <see cref="StackingFaultTests"/>. MMFAR is not written
/// (MMARVALID clear). MPU: region 0 is RAM (0-0x1FFFF) with full access, region 1 the top of the main stack
/// (0x7F00-0x7FFF) privileged read/write only.
/// </summary>
public sealed class MpuStackingFaultTests
{
    private const int MemManage = CortexMCpu.ExcMemManage, HardFault = CortexMCpu.ExcHardFault, SvCall = CortexMCpu.ExcSvCall;
    private const uint Forced = 1u << 30, MemFaultEna = 1u << 16;
    private const string Unprivileged = "movs r0, #1\nmsr control, r0\nisb\n";

    private static TestCore Core(string code, uint shcsr, CortexMProfile profile = CortexMProfile.V7M, bool fpu = false, string cpu = "cortex-m3")
    {
        var t = new TestCore(profile, fpu: fpu);
        t.Bus.AddDevice("scs", SystemControlSpace.Base, SystemControlSpace.Size, new SystemControlSpace(t.Cpu), WaitStates.Zero);
        t.Load(code, cpu: cpu);
        for (int n = 2; n < 16; n++) t.Handler(n, $"bkpt #{n}", cpu);
        t.Reset();
        t.Cpu.Shcsr = shcsr;
        Region(t, 0, 0x0000_0000, 0x0300_0000 | 16 << 1);       // 128 KiB, AP 011 full access
        Region(t, 1, 0x0000_7F00, 0x0100_0000 | 7 << 1);        // 256 bytes, AP 001 privileged RW
        t.Cpu.MpuCtrl = 1;
        return t;
    }

    private static void Region(TestCore t, uint n, uint rbar, uint rasr)
    {
        t.Cpu.MpuRnr = n;
        t.Cpu.MpuRbar = rbar;
        t.Cpu.MpuRasr = rasr | 1;
    }

    /// <summary>Steps the instructions before the last one, then returns the last one's cycles (its exception entry or return included).</summary>
    private static int StepsThenLast(TestCore t, int before)
    {
        for (int i = 0; i < before; i++) t.Cpu.Step();
        return t.Cpu.Step();
    }

    private static void AssertFrameUnwritten(TestCore t)
    {
        for (uint a = TestCore.Stack - 0x20; a < TestCore.Stack; a += 4) Assert.Equal(0u, t.Bus.DebugRead32(a));
    }

    [Fact]
    public void UnprivilegedStackingRefusedTakesMemManageInPlaceOfALowerPriorityException()
    {
        using var t = Core(Unprivileged + "svc #0\nb .", MemFaultEna);
        t.Cpu.SetPriority(SvCall, 0x80);            // MemManage (0) preempts SVCall: a late arrival on the frame
        Assert.Equal(CortexMCpu.EntryCycles, StepsThenLast(t, 3));     // the refused writes are not issued: no wait states
        Assert.Equal((uint)MemManage, t.Cpu.Ipsr);
        Assert.Equal(CortexMCpu.CfsrMStkErr, t.Cpu.Cfsr);              // MSTKERR alone: not DACCVIOL, MMARVALID clear
        Assert.Equal(0u, t.Cpu.Mmfar);
        Assert.Equal(0u, t.Cpu.Hfsr);
        Assert.True(t.Cpu.IsPending(SvCall));
        Assert.Equal(0xFFFF_FFF9u, t.Cpu.GetRegister(14));
        Assert.Equal(TestCore.Stack - 0x20, t.Cpu.Msp);                // the frame's place, as if pushed
        AssertFrameUnwritten(t);
    }

    [Fact]
    public void PrivilegedStackingOnThePrivilegedRegionIsAllowed()
    {
        using var t = Core("svc #0\nb .", MemFaultEna);
        Assert.Equal(CortexMCpu.EntryCycles, t.Cpu.Step());
        Assert.Equal((uint)SvCall, t.Cpu.Ipsr);
        Assert.Equal(0u, t.Cpu.Cfsr);
        Assert.Equal(TestCore.Code + 2, t.Bus.DebugRead32(TestCore.Stack - 8));    // the stacked return address
    }

    [Fact]
    public void StackingRefusedOfAnEqualPriorityEntryPendsMemManage()
    {
        using var t = Core(Unprivileged + "svc #0\nb .", MemFaultEna);
        StepsThenLast(t, 3);
        Assert.Equal((uint)SvCall, t.Cpu.Ipsr);
        Assert.True(t.Cpu.IsPending(MemManage));
        Assert.Equal(CortexMCpu.CfsrMStkErr, t.Cpu.Cfsr);
    }

    [Fact]
    public void StackingRefusedWithMemManageDisabledEscalatesToHardFault()
    {
        using var t = Core(Unprivileged + "svc #0\nb .", 0);
        StepsThenLast(t, 3);
        Assert.Equal((uint)HardFault, t.Cpu.Ipsr);
        Assert.Equal(Forced, t.Cpu.Hfsr);
        Assert.Equal(CortexMCpu.CfsrMStkErr, t.Cpu.Cfsr);
        Assert.True(t.Cpu.IsPending(SvCall));
    }

    [Fact]
    public void StackingRefusedEnteringHardFaultLocksUp()
    {
        // UDF with UsageFault disabled escalates to HardFault, whose unprivileged stacking is refused.
        using var t = Core(Unprivileged + "udf #0", 0);
        StepsThenLast(t, 3);
        Assert.Equal(CoreState.Lockup, t.Cpu.State);
        Assert.Equal("lockup: MPU fault pushing the frame of exception 3 at 0x00007FE0", t.Cpu.Fault);
        Assert.Equal(CortexMCpu.CfsrMStkErr | 1u << 16, t.Cpu.Cfsr);   // UNDEFINSTR, then MSTKERR
    }

    [Fact]
    public void OnlyTheRefusedWritesAreSkippedAndOnlyTheIssuedOnesCostWaitStates()
    {
        // The frame at 0x200000F0-0x2000010F (2 wait states a write): region 2 covers its upper half only, the
        // lower half (r0-r3) has no region (a fault: PRIVDEFENA clear). 4 writes issued: 12 + 4 x 2 cycles.
        using var t = Core("ldr r0, =0x20000110\nmov sp, r0\nmovs r0, #0x55\nsvc #0\nb .\n.ltorg", MemFaultEna);
        Region(t, 2, 0x2000_0100, 0x0300_0000 | 4 << 1);
        t.Cpu.SetPriority(SvCall, 0x80);
        Assert.Equal(CortexMCpu.EntryCycles + 4 * 2, StepsThenLast(t, 3));
        Assert.Equal((uint)MemManage, t.Cpu.Ipsr);
        Assert.Equal(CortexMCpu.CfsrMStkErr, t.Cpu.Cfsr);
        Assert.Equal(0u, t.Bus.DebugRead32(0x2000_00F0));              // r0 refused
        Assert.Equal(TestCore.Code + 8, t.Bus.DebugRead32(0x2000_0108));  // the return address written
    }

    [Fact]
    public void UnstackingRefusedTakesMemManageOnTheSameFrame()
    {
        // The handler makes Thread mode unprivileged: the return pops with Thread's privilege, which region 1 refuses.
        using var t = Core("movs r0, #7\nsvc #0\nb .", MemFaultEna);
        t.Handler(SvCall, Unprivileged + "movs r0, #9\nbx lr");
        Assert.Equal(1 + CortexMCpu.ReturnCycles, StepsThenLast(t, 2 + 4));    // BX LR: 1 + the return's 10, no reads issued
        Assert.Equal((uint)MemManage, t.Cpu.Ipsr);
        Assert.Equal(CortexMCpu.CfsrMUnstkErr, t.Cpu.Cfsr);
        Assert.Equal(0u, t.Cpu.Mmfar);
        Assert.False(t.Cpu.IsActive(SvCall));
        Assert.Equal(0xFFFF_FFF9u, t.Cpu.GetRegister(14));
        Assert.Equal(9u, t.Cpu.GetRegister(0));                        // nothing was popped
        Assert.Equal(TestCore.Stack - 0x20, t.Cpu.Msp);
    }

    [Fact]
    public void UnstackingRefusedWithMemManageDisabledEscalatesToHardFault()
    {
        using var t = Core("svc #0\nb .", 0);
        t.Handler(SvCall, Unprivileged + "bx lr");
        StepsThenLast(t, 1 + 3);
        Assert.Equal((uint)HardFault, t.Cpu.Ipsr);
        Assert.Equal(Forced, t.Cpu.Hfsr);
        Assert.Equal(CortexMCpu.CfsrMUnstkErr, t.Cpu.Cfsr);
    }

    [Fact]
    public void AReturnToPrivilegedThreadModeUnstacksFromThePrivilegedRegion()
    {
        using var t = Core("movs r0, #7\nsvc #0\nmovs r1, #1\nb .", MemFaultEna);
        t.Handler(SvCall, "movs r0, #9\nbx lr");
        Assert.Equal(1 + CortexMCpu.ReturnCycles, StepsThenLast(t, 3));
        Assert.False(t.Cpu.HandlerMode);
        Assert.Equal(7u, t.Cpu.GetRegister(0));
        Assert.Equal(0u, t.Cpu.Cfsr);
    }

    // ---- lazy FP preservation (M4F) ----

    /// <summary>
    /// Unprivileged Thread code with FPCA set takes SVCall: the extended frame at 0x7EE0 has its basic part in
    /// region 0 (full access) and its FP part at 0x7F00-0x7F47 in region 1 (privileged only). FPCCR.USER is set at
    /// the entry, so the SVCall handler's first FP instruction preserves the state unprivileged and is refused.
    /// </summary>
    private static TestCore Lazy(uint shcsr, byte svcPriority)
    {
        var t = Core(".fpu fpv4-sp-d16\nldr r0, =0xE000ED88\nldr r1, =0x00F00000\nstr r1, [r0]\n" +    // CPACR: CP10/CP11 full access
                     "vmov s0, r1\nldr r0, =0x7F48\nmov sp, r0\nmovs r0, #5\nmsr control, r0\nisb\n" +  // FPCA, nPRIV
                     "movs r1, #7\nsvc #0\nbkpt #9\n.ltorg", shcsr, CortexMProfile.V7EM, fpu: true, cpu: "cortex-m4");
        t.Handler(SvCall, ".fpu fpv4-sp-d16\nvmov s1, r1\nbkpt #1", "cortex-m4");
        t.Cpu.SetPriority(SvCall, svcPriority);
        t.Cpu.RunTo(10_000);
        Assert.Equal(CoreState.Halted, t.Cpu.State);
        return t;
    }

    [Fact]
    public void ARefusedLazyPreservationTakesAnEnabledHigherPriorityMemManageBeforeTheFpInstruction()
    {
        using var t = Lazy(MemFaultEna, svcPriority: 0x80);
        Assert.Equal((uint)MemManage, t.Cpu.Ipsr);
        Assert.Equal(CortexMCpu.CfsrMLspErr, t.Cpu.Cfsr);              // MLSPERR alone: MMARVALID clear
        Assert.Equal(0u, t.Cpu.Mmfar);
        Assert.Equal(0u, t.Cpu.Hfsr);
        Assert.Equal(CortexMCpu.FpccrLspact, t.Cpu.Fpccr & CortexMCpu.FpccrLspact);    // still pending: retried
        Assert.Equal(0u, t.Cpu.GetS(1));                               // the VMOV was not executed
        Assert.Equal(0u, t.Bus.DebugRead32(0x7F00));                   // S0 not written
    }

    [Fact]
    public void ARefusedLazyPreservationWithMemManageNotReadyEscalatesToHardFault()
    {
        using var t = Lazy(0, svcPriority: 0);
        Assert.Equal((uint)HardFault, t.Cpu.Ipsr);
        Assert.Equal(CortexMCpu.CfsrMLspErr, t.Cpu.Cfsr);
        Assert.Equal(Forced, t.Cpu.Hfsr);                              // MMRDY was clear
        Assert.Equal(0u, t.Cpu.GetS(1));
    }
}
