using SocSim.Core;

namespace SocSim.CortexM.Tests;

/// <summary>
/// LDRT/STRT and their byte, halfword and signed forms (ARMv7-M A7.7.*: "as if unprivileged"): in privileged code
/// the MPU (B3.5) checks them with unprivileged permissions; a refusal is MemManage DACCVIOL with MMFAR
/// (B3.2.15, B3.2.17). MPU: region 0 is RAM (0-0x1FFFF, full access); region 1 at 0x6000 (32 bytes) privileged
/// read/write only; region 2 at 0x6020 (32 bytes) privileged read/write, unprivileged read-only.
/// </summary>
public sealed class UnprivilegedLoadStoreTests
{
    private static TestCore Core(string code)
    {
        var t = new TestCore();
        t.Bus.AddDevice("scs", SystemControlSpace.Base, SystemControlSpace.Size, new SystemControlSpace(t.Cpu), WaitStates.Zero);
        t.Load(code);
        for (int n = 2; n < 16; n++) t.Handler(n, $"bkpt #{n}");
        t.Reset();
        t.Cpu.Shcsr = 1u << 16;             // MEMFAULTENA
        Region(t, 0, 0x0000_0000, 0x0300_0000 | 16 << 1);
        Region(t, 1, 0x0000_6000, 0x0100_0000 | 4 << 1);
        Region(t, 2, 0x0000_6020, 0x0200_0000 | 4 << 1);
        t.Cpu.MpuCtrl = 1;
        return t;
    }

    private static void Region(TestCore t, uint n, uint rbar, uint rasr)
    {
        t.Cpu.MpuRnr = n;
        t.Cpu.MpuRbar = rbar;
        t.Cpu.MpuRasr = rasr | 1;
    }

    [Theory]
    [InlineData("ldrt r4, [r2, #4]", 0x6004u)]
    [InlineData("ldrbt r4, [r2, #5]", 0x6005u)]
    [InlineData("ldrht r4, [r2, #6]", 0x6006u)]
    [InlineData("ldrsbt r4, [r2, #7]", 0x6007u)]
    [InlineData("ldrsht r4, [r2, #2]", 0x6002u)]
    [InlineData("strt r3, [r2, #4]", 0x6004u)]
    [InlineData("strbt r3, [r2, #1]", 0x6001u)]
    [InlineData("strht r3, [r2, #8]", 0x6008u)]
    [InlineData("strt r3, [r5]", 0x6020u)]          // the read-only region refuses an unprivileged store
    public void PrivilegedCodeIsRefusedWhatUnprivilegedCodeWouldBe(string access, uint address)
    {
        // The privileged LDR and STR to the same region pass; the unprivileged form faults.
        using var t = Core($"ldr r2, =0x6000\nldr r5, =0x6020\nmovs r3, #0x5A\nldr r6, [r2, #4]\nstr r3, [r5]\n{access}\nmovs r7, #1\nb .\n.ltorg");
        for (int k = 0; k < 5; k++) t.Cpu.Step();
        Assert.Equal(CortexMCpu.EntryCycles, t.Cpu.Step());    // the fault's entry: the refused access is not issued
        Assert.Equal((uint)CortexMCpu.ExcMemManage, t.Cpu.Ipsr);
        Assert.Equal(0x82u, t.Cpu.Cfsr);                        // DACCVIOL, MMARVALID
        Assert.Equal(address, t.Cpu.Mmfar);
        Assert.Equal(0u, t.Cpu.GetRegister(4));
        Assert.Equal(0u, t.Cpu.GetRegister(7));
        Assert.Equal(0x5Au, t.Bus.DebugRead32(0x6020));         // the privileged STR's value, untouched
        Assert.Equal(0u, t.Bus.DebugRead32(0x6000) | t.Bus.DebugRead32(0x6004) | t.Bus.DebugRead32(0x6008));
    }

    [Fact]
    public void WhatUnprivilegedCodeMayDoPassesAtTheCostOfTheNormalForm()
    {
        using var t = Core("ldr r5, =0x6020\nmovs r3, #0x5A\nstr r3, [r5, #4]\nnop\nldrt r4, [r5, #4]\nnop\nldr r6, [r5, #4]\nmovs r7, #1\nb .\n.ltorg");
        for (int k = 0; k < 4; k++) t.Cpu.Step();
        int unpriv = t.Cpu.Step();
        t.Cpu.Step();
        Assert.Equal(t.Cpu.Step(), unpriv);                     // LDRT costs what LDR costs (2)
        Assert.Equal(2, unpriv);
        t.Cpu.Step();
        Assert.Equal(0x5Au, t.Cpu.GetRegister(4));
        Assert.Equal(1u, t.Cpu.GetRegister(7));
        Assert.Equal(0u, t.Cpu.Cfsr);
        Assert.False(t.Cpu.HandlerMode);
    }

    [Fact]
    public void TheUnprivilegedCheckEndsWithTheInstruction()
    {
        // After a refused LDRT the MemManage handler's own (privileged) accesses to region 1 pass.
        using var t = Core("ldr r2, =0x6000\nldrt r4, [r2]\nb .\n.ltorg");
        t.Handler(CortexMCpu.ExcMemManage, "ldr r0, =0x6000\nstr r0, [r0]\nbkpt #4\n.ltorg");
        t.Cpu.RunTo(1000);
        Assert.Equal(CoreState.Halted, t.Cpu.State);
        Assert.Equal(0x6000u, t.Bus.DebugRead32(0x6000));
        Assert.Equal(0x82u, t.Cpu.Cfsr);
    }
}
