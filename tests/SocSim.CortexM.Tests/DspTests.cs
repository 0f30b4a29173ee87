namespace SocSim.CortexM.Tests;

/// <summary>
/// The DSP extension beyond what the Unicorn differential cases check: profile gating (ARMv7-M without the
/// extension: UsageFault UNDEFINSTR), APSR.GE through MRS/MSR and exception stacking, and the cycle counts.
/// </summary>
public sealed class DspTests
{
    [Theory]
    [InlineData("sadd16 r0, r1, r2")]
    [InlineData("sel r0, r1, r2")]
    [InlineData("qadd r0, r1, r2")]
    [InlineData("smlad r0, r1, r2, r3")]
    [InlineData("smlalbb r0, r1, r2, r3")]
    [InlineData("pkhbt r0, r1, r2, lsl #4")]
    [InlineData("sxtab r0, r1, r2")]
    [InlineData("ssat16 r0, #8, r1")]
    [InlineData("usad8 r0, r1, r2")]
    public void OnTheM3ADspInstructionIsAnUndefinedInstructionUsageFault(string inst)
    {
        using var t = new TestCore(CortexMProfile.V7M).Load(inst, cpu: "cortex-m4").Reset();
        t.Cpu.Shcsr = 1u << 18;
        t.Cpu.Step();
        Assert.Equal((uint)CortexMCpu.ExcUsageFault, t.Cpu.Ipsr);
        Assert.Equal(1u << 16, t.Cpu.Cfsr);                        // UNDEFINSTR
        using var m4 = new TestCore(CortexMProfile.V7EM).Load(inst, cpu: "cortex-m4").Reset();
        Assert.Equal(1, m4.Cpu.Step());                            // DDI 0439B table 3-1: single-cycle
        Assert.False(m4.Cpu.HandlerMode);
    }

    [Fact]
    public void GeIsWrittenByMsrAPsrGReadByMrsAndStackedWithTheXpsr()
    {
        using var t = new TestCore(CortexMProfile.V7EM)
            .Load("ldr r0, =0x000A0000\nmsr APSR_g, r0\nmrs r1, apsr\nldr r2, =0x12345678\nldr r3, =0x9ABCDEF0\nsel r4, r2, r3\nsvc 0\nmrs r5, apsr\nb .\n.ltorg", cpu: "cortex-m4")
            .Handler(CortexMCpu.ExcSvCall, "msr APSR_g, r6\nbx lr", cpu: "cortex-m4").Reset();
        t.Cpu.SetRegister(6, 0);
        for (int i = 0; i < 6; i++) t.Cpu.Step();
        Assert.Equal(0xAu, t.Cpu.Ge);
        Assert.Equal(0x000A_0000u, t.Cpu.GetRegister(1));
        Assert.Equal(0x12BC_56F0u, t.Cpu.GetRegister(4));          // GE 1010: bytes 3 and 1 from Rn
        t.Cpu.Step();                                              // SVC: GE stacked in the frame's xPSR
        Assert.Equal(0x000A_0000u, t.Bus.DebugRead32(t.Cpu.GetRegister(13) + 28) & 0x000F_0000);
        t.Cpu.Step();
        Assert.Equal(0u, t.Cpu.Ge);                                // the handler cleared it...
        t.Cpu.Step(); t.Cpu.Step();
        Assert.Equal(0x000A_0000u, t.Cpu.GetRegister(5) & 0x000F_0000);   // ...the return restored it
    }

    [Fact]
    public void MsrApsrNzcvqLeavesGeAndTheM3HasNoGe()
    {
        using var t = new TestCore(CortexMProfile.V7EM).Load("ldr r0, =0xF80F0000\nmsr APSR_g, r0\nmovs r1, #0\nmsr APSR_nzcvq, r1\nmrs r2, apsr\n.ltorg", cpu: "cortex-m4").Reset();
        for (int i = 0; i < 5; i++) t.Cpu.Step();
        Assert.Equal(0x000F_0000u, t.Cpu.GetRegister(2));
        using var m3 = new TestCore(CortexMProfile.V7M).Load("nop").Reset();
        m3.Cpu.Xpsr = 0xF80F_0000 | 1u << 24;
        Assert.Equal(0xF800_0000u, m3.Cpu.Apsr);
    }
}
