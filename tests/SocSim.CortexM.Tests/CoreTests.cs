using SocSim.Core;

namespace SocSim.CortexM.Tests;

/// <summary>Reset, exceptions, faults, profiles and the run API (what random sequences against Unicorn do not reach).</summary>
public sealed class CoreTests
{
    [Fact]
    public void ResetTakesSpAndPcFromTheVectorTable()
    {
        using var t = new TestCore().Load("movs r0, #7").Reset();
        Assert.Equal(TestCore.Stack, t.Cpu.GetRegister(13));
        Assert.Equal(TestCore.Code, t.Cpu.PC);
        Assert.True(t.Cpu.Thumb);
        Assert.Equal(0xFFFF_FFFFu, t.Cpu.GetRegister(14));
        Assert.Equal(TestCore.Stack, t.Cpu.Msp);
        t.Cpu.Step();
        Assert.Equal(7u, t.Cpu.GetRegister(0));
        Assert.Equal(1, t.Cpu.Instructions);
    }

    [Fact]
    public void ResetVectorWithoutThumbBitFaultsOnTheFirstInstruction()
    {
        using var t = new TestCore().Load("nop");
        t.Bus.DebugWrite32(4, TestCore.Code);
        t.Reset();
        Assert.False(t.Cpu.Thumb);
        t.Cpu.Step();
        // INVSTATE UsageFault, disabled at reset: escalated to HardFault (B1.5.15).
        Assert.Equal((uint)CortexMCpu.ExcHardFault, t.Cpu.Ipsr);
        Assert.Equal(1u << 17, t.Cpu.Cfsr);
        Assert.Equal(1u << 30, t.Cpu.Hfsr);
        Assert.Equal(TestCore.Handlers + 0x30, t.Cpu.PC);
        Assert.Equal(TestCore.Code, t.Bus.DebugRead32(t.Cpu.GetRegister(13) + 24));   // the faulting instruction's address
    }

    [Fact]
    public void SvcStacksEightWordsAndReturnsThroughExcReturn()
    {
        using var t = new TestCore().Load("movs r0, #1\nmovs r1, #2\nmovs r2, #3\nmovs r3, #4\nmov r12, r3\nsvc 5\nadds r0, #10\nb .")
            .Handler(CortexMCpu.ExcSvCall, "movs r0, #99\nmovs r1, #98\nbx lr").Reset();
        t.Cpu.SetRegister(13, TestCore.Stack - 4);          // 4 mod 8: the frame is aligned down and xPSR bit 9 says so
        t.Cpu.Xpsr = 0xA000_0000 | 1u << 24;
        for (int i = 0; i < 6; i++) t.Cpu.Step();
        Assert.Equal((uint)CortexMCpu.ExcSvCall, t.Cpu.Ipsr);
        Assert.Equal(0xFFFF_FFF9u, t.Cpu.GetRegister(14));
        uint frame = t.Cpu.GetRegister(13);
        Assert.Equal(TestCore.Stack - 4 - 0x20 - 4, frame);
        Assert.Equal(new uint[] { 1, 2, 3, 4, 4, 0xFFFF_FFFF, TestCore.Code + 12 },
            Enumerable.Range(0, 7).Select(k => t.Bus.DebugRead32(frame + 4 * (uint)k)).ToArray());
        uint xpsr = t.Bus.DebugRead32(frame + 28);
        Assert.Equal(0x2000_0000u | 1u << 24 | 1u << 9, xpsr);      // MOVS cleared N, C stays
        for (int i = 0; i < 3; i++) t.Cpu.Step();
        Assert.False(t.Cpu.HandlerMode);
        Assert.Equal(TestCore.Code + 12, t.Cpu.PC);
        Assert.Equal(TestCore.Stack - 4, t.Cpu.GetRegister(13));
        Assert.Equal(1u, t.Cpu.GetRegister(0));
        Assert.Equal(2u, t.Cpu.GetRegister(1));
        Assert.Equal(0x2000_0000u, t.Cpu.Apsr);
        t.Cpu.Step();
        Assert.Equal(11u, t.Cpu.GetRegister(0));
    }

    [Fact]
    public void ExceptionFromThreadOnPspUsesPspAndReturnsToIt()
    {
        using var t = new TestCore().Load("ldr r0, =0x6000\nmsr psp, r0\nmovs r0, #2\nmsr control, r0\nisb\nsvc 0\nnop")
            .Handler(CortexMCpu.ExcSvCall, "mrs r1, psp\nbx lr").Reset();
        for (int i = 0; i < 5; i++) t.Cpu.Step();
        Assert.Equal(0x6000u, t.Cpu.GetRegister(13));
        Assert.Equal(TestCore.Stack, t.Cpu.Msp);
        t.Cpu.Step();                                          // SVC
        Assert.Equal(0xFFFF_FFFDu, t.Cpu.GetRegister(14));
        Assert.Equal(TestCore.Stack, t.Cpu.GetRegister(13));    // the handler runs on the MSP
        t.Cpu.Step();
        Assert.Equal(0x6000u - 0x20, t.Cpu.GetRegister(1));
        t.Cpu.Step();                                          // BX LR
        Assert.Equal(0x6000u, t.Cpu.GetRegister(13));
        Assert.Equal(2u, t.Cpu.Control);
    }

    [Fact]
    public void UndefinedInstructionEscalatesToHardFaultAndAFaultInHardFaultLocksUp()
    {
        using var t = new TestCore().Load("udf #1").Handler(CortexMCpu.ExcHardFault, "udf #2").Reset();
        t.Cpu.Step();
        Assert.Equal((uint)CortexMCpu.ExcHardFault, t.Cpu.Ipsr);
        Assert.Equal(1u << 16, t.Cpu.Cfsr);                   // UNDEFINSTR
        t.Cpu.Step();
        Assert.Equal(CoreState.Lockup, t.Cpu.State);
        Assert.Contains("lockup", t.Cpu.Fault);
        Assert.Equal(0, t.Cpu.Step());
    }

    [Fact]
    public void EnabledUsageFaultIsTakenItself()
    {
        using var t = new TestCore().Load("udf #1").Reset();
        t.Cpu.Shcsr = 1u << 18;
        t.Cpu.Step();
        Assert.Equal((uint)CortexMCpu.ExcUsageFault, t.Cpu.Ipsr);
        Assert.Equal(0u, t.Cpu.Hfsr);
    }

    [Fact]
    public void DivideByZeroGivesZeroUnlessTrapped()
    {
        using var t = new TestCore().Load("movs r0, #100\nmovs r1, #0\nudiv r2, r0, r1\nsdiv r3, r0, r1").Reset();
        t.Cpu.SetRegister(2, 5); t.Cpu.SetRegister(3, 5);
        for (int i = 0; i < 4; i++) t.Cpu.Step();
        Assert.Equal(0u, t.Cpu.GetRegister(2));
        Assert.Equal(0u, t.Cpu.GetRegister(3));
        t.Reset();
        t.Cpu.DivideByZeroTrap = true;
        for (int i = 0; i < 3; i++) t.Cpu.Step();
        Assert.Equal((uint)CortexMCpu.ExcHardFault, t.Cpu.Ipsr);
        Assert.Equal(1u << 25, t.Cpu.Cfsr);                   // DIVBYZERO
    }

    [Fact]
    public void UnalignedLdmFaultsButUnalignedLdrDoesNot()
    {
        using var t = new TestCore().Load("ldr r0, =0x4001\nldr r1, [r0]\nldm r0, {r2, r3}").Reset();
        t.Bus.DebugWrite(0x4000, [0x11, 0x22, 0x33, 0x44, 0x55, 0x66]);
        for (int i = 0; i < 2; i++) t.Cpu.Step();
        Assert.Equal(0x55443322u, t.Cpu.GetRegister(1));
        t.Cpu.Step();
        Assert.Equal(1u << 24, t.Cpu.Cfsr);                   // UNALIGNED
        Assert.Equal((uint)CortexMCpu.ExcHardFault, t.Cpu.Ipsr);
    }

    [Fact]
    public void LoadFromUnmappedMemoryIsAPreciseBusFault()
    {
        using var t = new TestCore().Load("ldr r0, =0x40000000\nmovs r1, #5\nldr r1, [r0, #8]").Reset();
        for (int i = 0; i < 3; i++) t.Cpu.Step();
        Assert.Equal((uint)CortexMCpu.ExcHardFault, t.Cpu.Ipsr);
        Assert.Equal((1u << 9) | (1u << 15), t.Cpu.Cfsr);    // PRECISERR, BFARVALID
        Assert.Equal(0x4000_0008u, t.Cpu.Bfar);
        Assert.Equal(5u, t.Bus.DebugRead32(t.Cpu.GetRegister(13) + 4));    // R1 unchanged in the frame
    }

    [Theory]
    [InlineData("movw r0, #1")]
    [InlineData("cbz r0, .+4\nnop")]
    [InlineData("it eq\nmoveq r0, r1")]
    [InlineData("sdiv r0, r1, r2")]
    [InlineData("ldr.w r0, [r1]")]
    public void ArmV6MTakesHardFaultForArmV7MOnlyInstructions(string source)
    {
        using var t = new TestCore(CortexMProfile.V6M).Load(source).Reset();
        t.Cpu.SetRegister(1, 0x4000);
        t.Cpu.Step();
        Assert.Equal((uint)CortexMCpu.ExcHardFault, t.Cpu.Ipsr);
        Assert.Equal(0u, t.Cpu.Cfsr);                         // ARMv6-M has no CFSR
    }

    [Fact]
    public void ArmV6MRunsItsOwnSubset()
    {
        using var t = new TestCore(CortexMProfile.V6M).Load("movs r0, #3\nbl 1f\nb .\n1: adds r0, #1\nmrs r1, apsr\ndsb\nbx lr", cpu: "cortex-m0").Reset();
        for (int i = 0; i < 6; i++) t.Cpu.Step();
        Assert.False(t.Cpu.HandlerMode);
        Assert.Equal(4u, t.Cpu.GetRegister(0));
        Assert.Equal(TestCore.Code + 6, t.Cpu.PC);
    }

    [Fact]
    public void ArmV6MUnalignedWordLoadFaults()
    {
        using var t = new TestCore(CortexMProfile.V6M).Load("ldr r1, [r0]", cpu: "cortex-m0").Reset();
        t.Cpu.SetRegister(0, 0x4002);
        t.Cpu.Step();
        Assert.Equal((uint)CortexMCpu.ExcHardFault, t.Cpu.Ipsr);
    }

    [Fact]
    public void BkptHaltsAndResumeGoesOn()
    {
        using var t = new TestCore().Load("bkpt #0xab\nmovs r0, #1").Reset();
        t.Cpu.Step();
        Assert.Equal(CoreState.Halted, t.Cpu.State);
        Assert.Equal(TestCore.Code, t.Cpu.PC);
        Assert.Equal(0, t.Cpu.Step());
        t.Cpu.Resume();
        t.Cpu.Step();
        Assert.Equal(1u, t.Cpu.GetRegister(0));
    }

    [Fact]
    public void WfiSleepsAndRunToAdvancesTheClockToTheLimit()
    {
        using var t = new TestCore().Load("movs r0, #1\nwfi\nmovs r0, #2").Reset();
        long n = t.Cpu.RunTo(100);
        Assert.Equal(2, n);
        Assert.Equal(CoreState.Sleeping, t.Cpu.State);
        Assert.Equal(100, t.Scheduler.Cycles);
        Assert.Equal(100, t.Cpu.Cycles);
        t.Cpu.Wake();
        t.Cpu.RunTo(101);
        Assert.Equal(2u, t.Cpu.GetRegister(0));
    }

    [Fact]
    public void WfeConsumesAPendingEvent()
    {
        using var t = new TestCore().Load("sev\nwfe\nwfe").Reset();
        for (int i = 0; i < 2; i++) t.Cpu.Step();
        Assert.Equal(CoreState.Running, t.Cpu.State);
        t.Cpu.Step();
        Assert.Equal(CoreState.Sleeping, t.Cpu.State);
    }

    [Fact]
    public void SpecialRegistersAndMasks()
    {
        using var t = new TestCore().Load(
            "movs r0, #0xE0\nmsr basepri, r0\nmovs r0, #0x40\nmsr basepri_max, r0\nmovs r0, #0x80\nmsr basepri_max, r0\n" +
            "cpsid i\ncpsid f\nmrs r1, primask\nmrs r2, faultmask\nmrs r3, basepri\ncpsie i\ncpsie f\nmrs r4, primask\n" +
            "movs r0, #1\nmsr control, r0\nmovs r0, #0\nmsr control, r0\nmrs r5, control").Reset();
        for (int i = 0; i < 19; i++) t.Cpu.Step();
        Assert.Equal(1u, t.Cpu.GetRegister(1));
        Assert.Equal(1u, t.Cpu.GetRegister(2));
        Assert.Equal(0x40u, t.Cpu.GetRegister(3));             // BASEPRI_MAX only raises the priority
        Assert.Equal(0u, t.Cpu.GetRegister(4));
        Assert.Equal(1u, t.Cpu.GetRegister(5));                // unprivileged Thread mode cannot clear nPRIV
        Assert.False(t.Cpu.Privileged);
    }

    [Fact]
    public void StrexFailsAfterClrexAndAfterAnException()
    {
        using var t = new TestCore().Load("ldr r0, =0x4000\nldrex r1, [r0]\nstrex r2, r1, [r0]\nldrex r1, [r0]\nclrex\nstrex r3, r1, [r0]\nldrex r1, [r0]\nsvc 0\nstrex r4, r1, [r0]")
            .Handler(CortexMCpu.ExcSvCall, "bx lr").Reset();
        for (int i = 0; i < 11; i++) t.Cpu.Step();
        Assert.Equal(0u, t.Cpu.GetRegister(2));
        Assert.Equal(1u, t.Cpu.GetRegister(3));
        Assert.Equal(1u, t.Cpu.GetRegister(4));
    }

    [Fact]
    public void SixteenBitFlagSettingInstructionsInsideItLeaveTheFlags()
    {
        // ADDS encoded in 16 bits inside an IT block is ADD (A7.3.1): the flags stay.
        using var t = new TestCore().Load("movs r0, #0\nit eq\naddeq r0, #0\nmovs r1, #1").Reset();
        t.Cpu.Step();
        Assert.True(t.Cpu.Z);
        t.Cpu.Step(); t.Cpu.Step();
        Assert.True(t.Cpu.Z);
        Assert.Equal(0, t.Cpu.ItState);
    }

    [Fact]
    public void SelfModifyingCodeIsSeen()
    {
        using var t = new TestCore().Load("1: movs r0, #1\nb 1b").Reset();
        t.Cpu.Step(); t.Cpu.Step();
        t.Bus.DebugWrite(TestCore.Code, Asm.Assemble("movs r0, #2"));
        t.Cpu.Step();
        Assert.Equal(2u, t.Cpu.GetRegister(0));
    }
}
