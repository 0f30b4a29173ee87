using SocSim.Core;

namespace SocSim.CortexM.Tests;

/// <summary>Bit-banding (DDI 0337I 3.7) and the PMSAv7 MPU (B3.5) through the System Control Space's registers.</summary>
public sealed class MemorySystemTests
{
    /// <summary>SRAM at 0x20000000 (the slow region of <see cref="TestCore"/>, 2 wait states) and a System Control Space.</summary>
    private static (TestCore t, SystemControlSpace scs) Core(string thread, CortexMProfile profile = CortexMProfile.V7M)
    {
        var t = new TestCore(profile, new WaitStates(0, 0, 0, 0));
        var scs = new SystemControlSpace(t.Cpu);
        t.Bus.AddDevice("scs", SystemControlSpace.Base, SystemControlSpace.Size, scs, WaitStates.Zero);
        t.Load(thread).Reset();
        return (t, scs);
    }

    [Fact]
    public void TheAliasReadsAndWritesSingleBits()
    {
        var (t, _) = Core("ldr r0, =0x22000000\nmovs r1, #1\nstr r1, [r0, #(4*8*2 + 4*3)]\nstr r1, [r0, #(4*31)]\n" +
                          "movs r2, #0\nstr r2, [r0, #(4*8*1 + 4*7)]\nldr r3, [r0, #(4*8*2 + 4*3)]\nldr r4, [r0, #(4*8*2 + 4*4)]\n" +
                          "ldrb r5, [r0, #(4*31)]\nb .\n.ltorg");
        using var _t = t;
        t.Bus.DebugWrite32(0x2000_0000, 0x0000_FF00);
        for (int i = 0; i < 9; i++) t.Cpu.Step();
        // byte 2 bit 3 set, bit 31 (byte 3 bit 7) set, byte 1 bit 7 cleared
        Assert.Equal(0x8008_7F00u, t.Bus.DebugRead32(0x2000_0000));
        Assert.Equal(1u, t.Cpu.GetRegister(3));
        Assert.Equal(0u, t.Cpu.GetRegister(4));
        Assert.Equal(1u, t.Cpu.GetRegister(5));
    }

    [Fact]
    public void ABitBandWriteIsAReadModifyWriteOneCycleLonger()
    {
        var (t, _) = Core("ldr r0, =0x22000000\nldr r6, =0x20000000\nmovs r1, #1\nstr r1, [r0]\nstr r1, [r6]\nb .\n.ltorg");
        using var _t = t;
        for (int i = 0; i < 3; i++) t.Cpu.Step();
        int alias = t.Cpu.Step(), plain = t.Cpu.Step();
        Assert.Equal(plain + 1, alias);
    }

    [Fact]
    public void TheM0HasNoBitBanding()
    {
        var (t, _) = Core("nop", CortexMProfile.V6M);
        using var _t = t;
        Assert.False(t.Cpu.BitBanding);
    }

    // Region 0: 0x00000000, 128 KiB, full access (the code and stack); region 1: 0x6000, 256 bytes, privileged RW /
    // unprivileged RO, subregion 2 disabled; region 2: 0x6080 32 bytes, no access, XN.
    private const string SetUpMpu =
        "ldr r0, =0xE000ED9C\n" +
        "ldr r1, =0x00000010\nstr r1, [r0]\nldr r1, =0x03000021\nstr r1, [r0, #4]\n" +
        "ldr r1, =0x00006011\nstr r1, [r0]\nldr r1, =0x0200040F\nstr r1, [r0, #4]\n" +
        "ldr r1, =0x00006092\nstr r1, [r0]\nldr r1, =0x10000009\nstr r1, [r0, #4]\n" +
        "ldr r0, =0xE000ED94\nmovs r1, #1\nstr r1, [r0]\n";

    [Fact]
    public void ADataAccessOutsideItsRegionsIsADaccviolWithMmfar()
    {
        var (t, _) = Core(SetUpMpu + "ldr r2, =0x6004\nldr r3, [r2]\nstr r3, [r2]\nldr r2, =0x6094\nldr r3, [r2]\nb .\n.ltorg");
        using var _t = t;
        t.Cpu.Shcsr = 1u << 16;
        t.Cpu.RunTo(200);
        Assert.Equal((uint)CortexMCpu.ExcMemManage, t.Cpu.Ipsr);
        Assert.Equal(0x82u, t.Cpu.Cfsr);                    // DACCVIOL, MMARVALID
        Assert.Equal(0x6094u, t.Cpu.Mmfar);                 // region 2 (no access) over region 1
    }

    [Theory]
    [InlineData(0x6004u, false)]           // region 1, privileged RW
    [InlineData(0x6044u, false)]           // subregion 2 (0x6040-0x605F) of region 1 disabled: region 0 decides
    [InlineData(0x6064u, false)]
    [InlineData(0x6084u, true)]            // region 2: no access
    [InlineData(0x2000_0100u, true)]       // no region: fault (PRIVDEFENA clear)
    public void PrivilegedThreadCodeSeesRegionsSubregionsAndTheBackground(uint address, bool faults)
    {
        var (t, _) = Core(SetUpMpu + $"ldr r2, =0x{address:X}\nstr r3, [r2]\nmovs r4, #1\nb .\n.ltorg");
        using var _t = t;
        t.Cpu.Shcsr = 1u << 16;
        t.Cpu.RunTo(200);
        Assert.Equal(faults, t.Cpu.Ipsr == CortexMCpu.ExcMemManage);
        Assert.Equal(faults ? 0u : 1u, t.Cpu.GetRegister(4));
    }

    [Fact]
    public void UnprivilegedCodeMayReadButNotWriteAReadOnlyRegion()
    {
        var (t, _) = Core(SetUpMpu + "movs r0, #1\nmsr control, r0\nisb\nldr r2, =0x6044\nstr r3, [r2]\nmovs r6, #1\n" +
                          "ldr r2, =0x6004\nldr r3, [r2]\nmovs r4, #1\nstr r3, [r2]\nmovs r5, #1\nb .\n.ltorg");
        using var _t = t;
        t.Cpu.Shcsr = 1u << 16;
        t.Cpu.RunTo(300);
        Assert.Equal(1u, t.Cpu.GetRegister(6));            // the disabled subregion: region 0's full access
        Assert.Equal(1u, t.Cpu.GetRegister(4));
        Assert.Equal(0u, t.Cpu.GetRegister(5));
        Assert.Equal((uint)CortexMCpu.ExcMemManage, t.Cpu.Ipsr);
        Assert.Equal(0x6004u, t.Cpu.Mmfar);
    }

    [Fact]
    public void ExecutingFromAnXnRegionIsAnIaccviol()
    {
        var (t, _) = Core(SetUpMpu + "ldr r2, =0x6081\nbx r2\n.ltorg");
        using var _t = t;
        t.Cpu.Shcsr = 1u << 16;
        t.Cpu.RunTo(200);
        Assert.Equal((uint)CortexMCpu.ExcMemManage, t.Cpu.Ipsr);
        Assert.Equal(1u, t.Cpu.Cfsr);                       // IACCVIOL, MMFAR not valid
        Assert.Equal(0x6080u, t.Bus.DebugRead32(t.Cpu.GetRegister(13) + 24));
    }

    [Fact]
    public void PrivdefenaGivesPrivilegedCodeTheDefaultMapAndTheRegistersReadBack()
    {
        var (t, _) = Core(SetUpMpu + "movs r1, #5\nstr r1, [r0]\nldr r2, =0x20000100\nstr r3, [r2]\nmovs r4, #1\n" +
                          "ldr r0, =0xE000ED98\nmovs r1, #1\nstr r1, [r0]\nldr r5, [r0, #4]\nldr r6, [r0, #8]\nldr r0, =0xE000ED90\nldr r7, [r0]\nb .\n.ltorg");
        using var _t = t;
        t.Cpu.RunTo(300);
        Assert.False(t.Cpu.HandlerMode);
        Assert.Equal(1u, t.Cpu.GetRegister(4));
        Assert.Equal(0x6001u, t.Cpu.GetRegister(5));        // RBAR of region 1 with REGION = RNR
        Assert.Equal(0x0200_040Fu, t.Cpu.GetRegister(6));
        Assert.Equal(8u << 8, t.Cpu.GetRegister(7));        // MPU_TYPE.DREGION
    }

    [Fact]
    public void AForbiddenRegionSizeIsReportedInOneLineAndNeverMatches()
    {
        var (t, _) = Core("ldr r0, =0xE000ED9C\nldr r1, =0x00006013\nstr r1, [r0]\nldr r1, =0x03000005\nstr r1, [r0, #4]\n" +
                          "ldr r0, =0xE000ED94\nmovs r1, #5\nstr r1, [r0]\nldr r2, =0x6000\nstr r1, [r2]\nmovs r4, #1\nb .\n.ltorg");
        using var _t = t;
        var warnings = new List<string>();
        t.Cpu.MpuWarning += warnings.Add;
        t.Cpu.RunTo(200);
        Assert.Equal(["MPU region 3: SIZE 2 (8 bytes) is below the architecture's 32-byte minimum (B3.5.9); the region never matches"], warnings);
        Assert.Equal(1u, t.Cpu.GetRegister(4));            // PRIVDEFENA: the default map served the store
    }
}
