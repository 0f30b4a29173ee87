using SocSim.Core;
using SocSim.Boards;
using SocSim.Tests;
using Xunit.Abstractions;

namespace SocSim.CortexM.Tests;

/// <summary>
/// The System Control Space is privileged only (ARMv7-M B3.1.1 "unprivileged access to the PPB causes BusFault
/// errors unless otherwise stated", B3.2): an unprivileged access, from Thread mode with CONTROL.nPRIV set or by
/// LDRT/STRT in privileged code (A7.7 "as if unprivileged"), is a precise BusFault (CFSR.PRECISERR and BFARVALID,
/// BFAR = the address, B3.2.15, B3.2.18) that escalates to HardFault FORCED when BusFault is disabled (B1.5.14), and
/// the access has no effect. STIR is the exception: unprivileged code may write it when CCR.USERSETMPEND is set
/// (B3.2.8, B3.4.3). ARMv6-M (DDI 0419C) without the Unprivileged/Privileged Extension has no unprivileged mode.
/// </summary>
public sealed class ScsPrivilegeTests
{
    private const uint PreciseErr = 1u << 9, BfarValid = 1u << 15, Forced = 1u << 30;
    private const uint Vtor = 0xE000_ED08, Iser = 0xE000_E100, SysTickRvr = 0xE000_E014, Cpuid = 0xE000_ED00,
        Ccr = 0xE000_ED14, Stir = 0xE000_EF00, Ispr = 0xE000_E200;

    private static (TestCore T, SystemControlSpace Scs) Core(string code, bool busFaultEnabled = true, CortexMProfile profile = CortexMProfile.V7M)
    {
        var t = new TestCore(profile);
        var scs = new SystemControlSpace(t.Cpu);
        t.Bus.AddDevice("scs", SystemControlSpace.Base, SystemControlSpace.Size, scs, WaitStates.Zero);
        string cpu = profile == CortexMProfile.V6M ? "cortex-m0" : "cortex-m3";
        t.Load(code, cpu: cpu);
        for (int n = 2; n < 16; n++) t.Handler(n, $"bkpt #{n}", cpu);
        t.Reset();
        if (busFaultEnabled) t.Cpu.Shcsr = 1u << 17;      // BUSFAULTENA
        return (t, scs);
    }

    /// <summary>Runs until the core enters an exception or reaches the end marker (r7 = 1), at most 20 steps.</summary>
    private static void RunToHandlerOrEnd(TestCore t)
    {
        for (int k = 0; k < 20 && !t.Cpu.HandlerMode && t.Cpu.GetRegister(7) != 1; k++) t.Cpu.Step();
    }

    private static uint PrivilegedRead(SystemControlSpace scs, TestCore t, uint address)
    {
        Assert.True(t.Cpu.Privileged);
        bool abort = false;
        uint v = scs.Read(address, 4, AccessFlags.None, ref abort);
        Assert.False(abort);
        return v;
    }

    private const string Unprivileged = "movs r0, #1\nmsr control, r0\nisb\n";

    /// <summary>The core took BusFault for a precise error at <paramref name="address"/>, and the instruction did not complete.</summary>
    private static void AssertPreciseBusFault(TestCore t, uint address)
    {
        Assert.Equal((uint)CortexMCpu.ExcBusFault, t.Cpu.Ipsr);
        Assert.Equal(PreciseErr | BfarValid, t.Cpu.Cfsr);
        Assert.Equal(address, t.Cpu.Bfar);
        Assert.Equal(0u, t.Cpu.GetRegister(7));
    }

    [Theory]
    [InlineData(Vtor, 0x0000_4000u)]
    [InlineData(Iser, 0x0000_0001u)]
    [InlineData(SysTickRvr, 0x0000_1234u)]
    public void AnUnprivilegedWriteIsAPreciseBusFaultAndChangesNothing(uint address, uint value)
    {
        var (t, scs) = Core($"ldr r1, =0x{address:X8}\nldr r2, =0x{value:X8}\n{Unprivileged}str r2, [r1]\nmovs r7, #1\nb .\n.ltorg");
        using var _ = t;
        RunToHandlerOrEnd(t);
        AssertPreciseBusFault(t, address);
        Assert.Equal(0u, t.Cpu.Hfsr);
        Assert.Equal(0u, PrivilegedRead(scs, t, address));       // the register keeps its reset value
    }

    [Theory]
    [InlineData(Cpuid)]
    [InlineData(Iser)]
    [InlineData(0xE000_E010u)]      // SYST_CSR
    public void AnUnprivilegedReadIsAPreciseBusFaultAndLoadsNothing(uint address)
    {
        var (t, _) = Core($"ldr r1, =0x{address:X8}\nldr r4, =0xA5A5A5A5\n{Unprivileged}ldr r4, [r1]\nmovs r7, #1\nb .\n.ltorg");
        using var __ = t;
        RunToHandlerOrEnd(t);
        AssertPreciseBusFault(t, address);
        Assert.Equal(0xA5A5_A5A5u, t.Cpu.GetRegister(4));
    }

    [Fact]
    public void WithBusFaultDisabledItEscalatesToHardFaultForced()
    {
        var (t, scs) = Core($"ldr r1, =0x{Vtor:X8}\nldr r2, =0x4000\n{Unprivileged}str r2, [r1]\nmovs r7, #1\nb .\n.ltorg", busFaultEnabled: false);
        using var _ = t;
        RunToHandlerOrEnd(t);
        Assert.Equal((uint)CortexMCpu.ExcHardFault, t.Cpu.Ipsr);
        Assert.Equal(Forced, t.Cpu.Hfsr);
        Assert.Equal(PreciseErr | BfarValid, t.Cpu.Cfsr);
        Assert.Equal(Vtor, t.Cpu.Bfar);
        Assert.Equal(0u, PrivilegedRead(scs, t, Vtor));
    }

    [Fact]
    public void StirIsRefusedToUnprivilegedCodeWithoutUserSetMPend()
    {
        var (t, scs) = Core($"ldr r1, =0x{Stir:X8}\nmovs r2, #3\n{Unprivileged}str r2, [r1]\nmovs r7, #1\nb .\n.ltorg");
        using var _ = t;
        RunToHandlerOrEnd(t);
        AssertPreciseBusFault(t, Stir);
        Assert.False(t.Cpu.IsPending(16 + 3));
        Assert.Equal(0u, PrivilegedRead(scs, t, Ispr));
    }

    [Fact]
    public void StirAcceptsUnprivilegedWritesWithUserSetMPend()
    {
        // Privileged code sets CCR.USERSETMPEND (keeping STKALIGN), then drops privilege and pends IRQ 3 (disabled, so not taken).
        var (t, scs) = Core($"ldr r0, =0x{Ccr:X8}\nldr r2, =0x202\nstr r2, [r0]\nldr r1, =0x{Stir:X8}\nmovs r2, #3\n{Unprivileged}str r2, [r1]\nmovs r7, #1\nb .\n.ltorg");
        using var _ = t;
        RunToHandlerOrEnd(t);
        Assert.False(t.Cpu.HandlerMode);
        Assert.Equal(1u, t.Cpu.GetRegister(7));
        Assert.Equal(0u, t.Cpu.Cfsr);
        Assert.True(t.Cpu.IsPending(16 + 3));
        Assert.Equal(1u, t.Cpu.Control & 1);
        Assert.False(t.Cpu.Privileged);
        bool abort = false;
        scs.Read(Ccr, 4, AccessFlags.None, ref abort);
        Assert.True(abort);                                         // the rest of the SCS stays privileged only
    }

    [Theory]
    [InlineData("ldrt r4, [r1]", false)]
    [InlineData("ldrbt r4, [r1, #1]", false)]
    [InlineData("ldrht r4, [r1, #2]", false)]
    [InlineData("strt r2, [r1, #8]", true)]          // VTOR
    public void LdrtAndStrtFromPrivilegedCodeAreUnprivilegedAccesses(string access, bool store)
    {
        // The privileged LDR of CPUID passes; the unprivileged form of the same access faults, with no MPU enabled.
        var (t, scs) = Core($"ldr r1, =0x{Cpuid:X8}\nldr r2, =0x4000\nldr r4, =0xA5A5A5A5\nldr r5, [r1]\n{access}\nmovs r7, #1\nb .\n.ltorg");
        using var _ = t;
        RunToHandlerOrEnd(t);
        Assert.Equal(SystemControlSpace.CpuidM3, t.Cpu.GetRegister(5));
        uint offset = access.Contains("#1") ? 1u : access.Contains("#2") ? 2u : access.Contains("#8") ? 8u : 0u;
        AssertPreciseBusFault(t, Cpuid + offset);
        Assert.Equal(0xA5A5_A5A5u, t.Cpu.GetRegister(4));
        if (store) Assert.Equal(0u, PrivilegedRead(scs, t, Vtor));
    }

    [Fact]
    public void PrivilegedThreadAndHandlerAccessesAreUnchanged()
    {
        // Privileged Thread mode writes ISER and RVR and reads them back; then unprivileged code faults and the
        // handler's (privileged) accesses pass again.
        var (t, scs) = Core($"ldr r1, =0x{Iser:X8}\nmovs r2, #5\nstr r2, [r1]\nldr r4, [r1]\nldr r3, =0x{SysTickRvr:X8}\nstr r2, [r3]\nldr r5, [r3]\n{Unprivileged}ldr r6, [r1]\nmovs r7, #1\nb .\n.ltorg");
        using var _ = t;
        RunToHandlerOrEnd(t);
        Assert.Equal(5u, t.Cpu.GetRegister(4));
        Assert.Equal(5u, t.Cpu.GetRegister(5));
        Assert.Equal(0u, t.Cpu.GetRegister(6));
        AssertPreciseBusFault(t, Iser);
        Assert.Equal(5u, PrivilegedRead(scs, t, Iser));
        Assert.Equal(PreciseErr | BfarValid, PrivilegedRead(scs, t, 0xE000_ED28));    // CFSR, read by privileged code
    }

    [Fact]
    public void ArmV6MHasNoUnprivilegedThreadMode()
    {
        // The M0 has no Unprivileged/Privileged Extension: CONTROL.nPRIV is RAZ/WI and Thread mode reaches the SCS.
        var (t, _) = Core($"ldr r1, =0x{Cpuid:X8}\n{Unprivileged}mrs r3, control\nldr r4, [r1]\nmovs r7, #1\nb .\n.ltorg", busFaultEnabled: false, profile: CortexMProfile.V6M);
        using var __ = t;
        RunToHandlerOrEnd(t);
        Assert.False(t.Cpu.HandlerMode);
        Assert.Equal(0u, t.Cpu.GetRegister(3));
        Assert.Equal(SystemControlSpace.CpuidM0, t.Cpu.GetRegister(4));
        Assert.Equal(1u, t.Cpu.GetRegister(7));
    }
}

/// <summary>
/// firmware/scs/scs.c built with arm-none-eabi-gcc for the Cortex-M3, one ELF per scenario, run on the mps2-an385
/// board and on qemu-system-arm -M mps2-an385 (whose nvic_sysreg_read/write refuse user accesses, which its M-profile
/// transaction-failed path takes as a precise BusFault with BFAR; its DWT is the PPB's default region, which refuses
/// user accesses the same way; the ITM scenarios follow the TRM instead, below). UART0's text must be QEMU's, byte for byte.
/// </summary>
public sealed class ScsPrivilegeFirmwareTests(ITestOutputHelper output)
{
    private static string Firmware => Path.Combine(RepoPaths.Root, "tests", "SocSim.CortexM.Tests", "firmware");

    [Theory]
    [InlineData(1, "busfault\ncfsr 00008200\nhfsr 00000000\nbfar e000ed08\nvtor 00000000\n")]
    [InlineData(2, "hardfault\ncfsr 00008200\nhfsr 40000000\nbfar e000ed08\nvtor 00000000\n")]
    [InlineData(3, "busfault\ncfsr 00008200\nhfsr 00000000\nbfar e000ef00\nvtor 00000000\nispr0 00000000\n")]
    [InlineData(4, "stir written\nbusfault\ncfsr 00008200\nhfsr 00000000\nbfar e000e200\nvtor 00000000\nispr0 00000008\n")]
    [InlineData(5, "busfault\ncfsr 00008200\nhfsr 00000000\nbfar e000ed00\n")]
    [InlineData(6, "busfault\ncfsr 00008200\nhfsr 00000000\nbfar e0001004\n")]       // DWT_CYCCNT
    [InlineData(7, "busfault\ncfsr 00008200\nhfsr 00000000\nbfar e0001000\n")]       // DWT_CTRL
    public void TheFaultHandlerPrintsWhatQemuPrints(int scenario, string expected)
    {
        var (ours, qemu, stop) = ExternalTool.RunScenarioOnAn385(Path.Combine(Firmware, "scs", "scs.c"), Path.Combine(Firmware, "mpu", "mpu.ld"), scenario);
        output.WriteLine(ours);
        Assert.True(ours.Contains(expected, StringComparison.Ordinal), $"{stop}: {ours}");
        Assert.DoesNotContain("no fault", ours);
        Assert.Equal(qemu, ours);
    }

    /// <summary>
    /// The ITM scenarios, checked against the Cortex-M3 TRM (DDI 0337G p. 11-33: user mode reads every ITM register;
    /// its writes to a stimulus port whose ITM_TPR.PRIVMASK bit is set, and to TPR, TCR and LAR, are discarded), not
    /// against QEMU: QEMU 7.2's ITM is the PPB's default region (privileged RAZ/WI, every unprivileged access a
    /// BusFault, no ITM_TPR), so it faults on the first user access. Each scenario ends with an unprivileged
    /// DWT_CYCCNT read, which the DWT refuses as QEMU does (docs/cortex-m.md).
    /// </summary>
    [Theory]
    [InlineData(8, "ter 00000201\ntpr 00000002\ntcr 00000001\nlsr 00000001\nport9 00000001\n")]   // every user write discarded
    [InlineData(9, "ter 00000203\n")]                                                                   // port 0 and TER (group 0 open) taken
    public void UnprivilegedItmAccessesFollowTheTrm(int scenario, string registers)
    {
        var (ours, _, stop) = ExternalTool.RunScenarioOnAn385(Path.Combine(Firmware, "scs", "scs.c"), Path.Combine(Firmware, "mpu", "mpu.ld"), scenario);
        output.WriteLine(ours);
        Assert.True(ours.Contains("stimulus written\n" + registers + "busfault\ncfsr 00008200\nhfsr 00000000\nbfar e0001004\n", StringComparison.Ordinal), $"{stop}: {ours}");
    }
}
