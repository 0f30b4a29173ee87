using SocSim.Core;

namespace SocSim.CortexM.Tests;

/// <summary>
/// The debug blocks on the Private Peripheral Bus. The DWT is privileged only, as the SCS is
/// (<see cref="ScsPrivilegeTests"/>; ARMv7-M B3.1.1 "unprivileged access to the PPB causes BusFault errors unless
/// otherwise stated", C1.2.1): an unprivileged access, from Thread mode with CONTROL.nPRIV set or by LDRT/STRT, is a
/// precise BusFault (CFSR.PRECISERR and BFARVALID, BFAR = the address) with no effect, HardFault FORCED when BusFault
/// is disabled. CoreDebug (DEMCR at 0xE000EDFC) is inside the SCS and refused with it. The ITM follows the cores' TRMs
/// (DDI 0337G p. 11-33, DDI 0439 ITM chapter), which state otherwise: user mode reads every ITM register and writes
/// only a stimulus port whose ITM_TPR.PRIVMASK bit (one per group of 8 ports) is clear, and TER (the changed bits'
/// groups open); other user writes are discarded, never a fault.
/// </summary>
public sealed class PpbPrivilegeTests
{
    private const uint PreciseErr = 1u << 9, BfarValid = 1u << 15, Forced = 1u << 30;
    private const uint DwtCtrl = 0xE000_1000, DwtCyccnt = 0xE000_1004, DwtComp0 = 0xE000_1020,
        ItmPort0 = 0xE000_0000, ItmPort9 = 0xE000_0024, ItmTer = 0xE000_0E00, ItmTpr = 0xE000_0E40, ItmTcr = 0xE000_0E80,
        ItmLar = 0xE000_0FB0, Demcr = 0xE000_EDFC;

    private sealed class Blocks : IDisposable
    {
        public readonly TestCore T = new();
        public readonly DataWatchpointTrace Dwt;
        public readonly InstrumentationTrace Itm;
        public readonly List<(int Port, uint Value)> Stimuli = [];

        public Blocks(string code, bool busFaultEnabled = true)
        {
            Dwt = new DataWatchpointTrace(T.Cpu);
            Itm = new InstrumentationTrace(T.Cpu);
            T.Bus.AddDevice("scs", SystemControlSpace.Base, SystemControlSpace.Size, new SystemControlSpace(T.Cpu), WaitStates.Zero);
            T.Bus.AddDevice("dwt", DataWatchpointTrace.Base, DataWatchpointTrace.Size, Dwt, WaitStates.Zero);
            T.Bus.AddDevice("itm", InstrumentationTrace.Base, InstrumentationTrace.Size, Itm, WaitStates.Zero);
            Itm.Stimulus += (port, v, _) => Stimuli.Add((port, v));
            T.Load(code);
            for (int n = 2; n < 16; n++) T.Handler(n, $"bkpt #{n}");
            T.Reset();
            if (busFaultEnabled) T.Cpu.Shcsr = 1u << 17;      // BUSFAULTENA
        }

        /// <summary>Runs until the core enters an exception or reaches the end marker (r7 = 1), at most 60 steps.</summary>
        public void Run()
        {
            for (int k = 0; k < 60 && !T.Cpu.HandlerMode && T.Cpu.GetRegister(7) != 1; k++) T.Cpu.Step();
        }

        public void AssertPreciseBusFault(uint address)
        {
            Assert.Equal((uint)CortexMCpu.ExcBusFault, T.Cpu.Ipsr);
            Assert.Equal(PreciseErr | BfarValid, T.Cpu.Cfsr);
            Assert.Equal(address, T.Cpu.Bfar);
            Assert.Equal(0u, T.Cpu.Hfsr);
            Assert.Equal(0u, T.Cpu.GetRegister(7));
        }

        public void AssertNoFault()
        {
            Assert.False(T.Cpu.HandlerMode);
            Assert.Equal(1u, T.Cpu.GetRegister(7));
            Assert.Equal(0u, T.Cpu.Cfsr);
            Assert.Equal(0u, T.Cpu.Hfsr);
        }

        /// <summary>A privileged read through the device (the handler's view).</summary>
        public uint Read(IBusDevice d, uint address)
        {
            Assert.True(T.Cpu.Privileged);
            bool abort = false;
            uint v = d.Read(address, 4, AccessFlags.None, ref abort);
            Assert.False(abort);
            return v;
        }

        public void Dispose() => T.Dispose();
    }

    private const string Unprivileged = "movs r0, #1\nmsr control, r0\nisb\n";

    /// <summary>Privileged code enables trace (DEMCR.TRCENA), unlocks the ITM, enables port 0 and 9, ITMENA, and sets TPR.</summary>
    private static string EnableItm(uint tpr) =>
        $"ldr r0, =0x{Demcr:X8}\nldr r1, =0x01000000\nstr r1, [r0]\n" +
        $"ldr r0, =0x{ItmLar:X8}\nldr r1, =0xC5ACCE55\nstr r1, [r0]\n" +
        $"ldr r0, =0x{ItmTer:X8}\nldr r1, =0x201\nstr r1, [r0]\n" +
        $"ldr r0, =0x{ItmTcr:X8}\nmovs r1, #1\nstr r1, [r0]\n" +
        $"ldr r0, =0x{ItmTpr:X8}\nmovs r1, #{tpr}\nstr r1, [r0]\n";

    [Theory]
    [InlineData(DwtCyccnt)]
    [InlineData(DwtCtrl)]
    [InlineData(DwtComp0)]
    public void AnUnprivilegedDwtWriteIsAPreciseBusFaultAndChangesNothing(uint address)
    {
        using var b = new Blocks($"ldr r1, =0x{address:X8}\nldr r2, =0x1234\n{Unprivileged}str r2, [r1]\nmovs r7, #1\nb .\n.ltorg");
        b.Run();
        b.AssertPreciseBusFault(address);
        Assert.Equal(address == DwtCtrl ? 4u << 28 : 0u, b.Read(b.Dwt, address));    // CTRL keeps NUMCOMP and nothing else
    }

    [Theory]
    [InlineData(DwtCyccnt)]
    [InlineData(DwtCtrl)]
    [InlineData(0xE000_101Cu)]      // PCSR
    public void AnUnprivilegedDwtReadIsAPreciseBusFaultAndLoadsNothing(uint address)
    {
        using var b = new Blocks($"ldr r1, =0x{address:X8}\nldr r4, =0xA5A5A5A5\n{Unprivileged}ldr r4, [r1]\nmovs r7, #1\nb .\n.ltorg");
        b.Run();
        b.AssertPreciseBusFault(address);
        Assert.Equal(0xA5A5_A5A5u, b.T.Cpu.GetRegister(4));
    }

    [Fact]
    public void PrivilegedDwtAccessesPassAndLdrtOfCyccntFaults()
    {
        // Privileged Thread mode starts CYCCNT and reads it; the unprivileged form of the same read (LDRT) faults.
        using var b = new Blocks($"ldr r0, =0x{Demcr:X8}\nldr r1, =0x01000000\nstr r1, [r0]\nldr r0, =0x{DwtCtrl:X8}\nmovs r1, #1\nstr r1, [r0]\n" +
            $"ldr r5, [r0, #4]\nldr r4, =0xA5A5A5A5\nldrt r4, [r0, #4]\nmovs r7, #1\nb .\n.ltorg");
        b.Run();
        b.AssertPreciseBusFault(DwtCyccnt);
        Assert.NotEqual(0u, b.T.Cpu.GetRegister(5));
        Assert.Equal(0xA5A5_A5A5u, b.T.Cpu.GetRegister(4));
        Assert.Equal(1u, b.Read(b.Dwt, DwtCtrl) & 1);
    }

    [Fact]
    public void WithBusFaultDisabledAnUnprivilegedDwtAccessEscalatesToHardFaultForced()
    {
        using var b = new Blocks($"ldr r1, =0x{DwtCyccnt:X8}\nmovs r2, #7\n{Unprivileged}str r2, [r1]\nmovs r7, #1\nb .\n.ltorg", busFaultEnabled: false);
        b.Run();
        Assert.Equal((uint)CortexMCpu.ExcHardFault, b.T.Cpu.Ipsr);
        Assert.Equal(Forced, b.T.Cpu.Hfsr);
        Assert.Equal(PreciseErr | BfarValid, b.T.Cpu.Cfsr);
        Assert.Equal(DwtCyccnt, b.T.Cpu.Bfar);
        Assert.Equal(0u, b.Read(b.Dwt, DwtCyccnt));
    }

    [Fact]
    public void AStimulusPortWithItsPrivmaskBitClearAcceptsUnprivilegedWritesAndReads()
    {
        // TPR = 0b0010: ports 8-15 are privileged only; port 0 stays open to unprivileged code.
        using var b = new Blocks(EnableItm(2) + $"ldr r1, =0x{ItmPort0:X8}\nmovs r2, #0x41\n{Unprivileged}str r2, [r1]\nldr r3, [r1]\nmovs r7, #1\nb .\n.ltorg");
        b.Run();
        b.AssertNoFault();
        Assert.Equal([(0, 0x41u)], b.Stimuli);
        Assert.Equal(1u, b.T.Cpu.GetRegister(3));                   // FIFOREADY
    }

    [Fact]
    public void AStimulusPortWithItsPrivmaskBitSetDiscardsUnprivilegedWrites()
    {
        // Port 9 is in group 1 (ports 8-15), privileged only under TPR = 0b0010: the user write is discarded, no fault.
        using var b = new Blocks(EnableItm(2) + $"ldr r1, =0x{ItmPort9:X8}\nmovs r2, #0x42\nstr r2, [r1]\nmovs r2, #0x43\n{Unprivileged}str r2, [r1]\nmovs r7, #1\nb .\n.ltorg");
        b.Run();
        b.AssertNoFault();
        Assert.Equal([(9, 0x42u)], b.Stimuli);                      // the privileged write went through, the unprivileged one did not
    }

    [Theory]
    [InlineData(ItmPort9, 1u)]          // FIFOREADY, though the port's group is privileged only
    [InlineData(ItmTer, 0x201u)]
    [InlineData(ItmTpr, 2u)]
    [InlineData(ItmTcr, 1u)]
    [InlineData(0xE000_0FB4u, 1u)]      // LSR: lock implemented, unlocked
    public void UnprivilegedCodeReadsEveryItmRegister(uint address, uint expected)
    {
        using var b = new Blocks(EnableItm(2) + $"ldr r1, =0x{address:X8}\nldr r4, =0xA5A5A5A5\n{Unprivileged}ldr r4, [r1]\nmovs r7, #1\nb .\n.ltorg");
        b.Run();
        b.AssertNoFault();
        Assert.Equal(expected, b.T.Cpu.GetRegister(4));
    }

    [Theory]
    [InlineData(ItmTpr)]
    [InlineData(ItmTcr)]
    [InlineData(ItmLar)]
    public void UnprivilegedWritesToTprTcrAndLarAreDiscarded(uint address)
    {
        // With every PRIVMASK bit clear, TPR, TCR and LAR still take no user write: they keep what privileged code set.
        using var b = new Blocks(EnableItm(0) + $"ldr r1, =0x{address:X8}\nmovs r2, #0xF\n{Unprivileged}str r2, [r1]\nmovs r7, #1\nb .\n.ltorg");
        b.Run();
        b.AssertNoFault();
        Assert.Equal(0x201u, b.Itm.Ter);
        Assert.Equal(0u, b.Itm.Tpr);
        Assert.Equal(1u, b.Itm.Tcr);
        bool abort = false;
        Assert.Equal(1u, b.Itm.Read(0xE000_0FB4, 4, AccessFlags.None, ref abort));   // LSR: still unlocked (lock implemented, not locked)
    }

    [Theory]
    [InlineData(0x203u, 0x203u)]        // sets port 1's bit: group 0 is open, taken
    [InlineData(0x200u, 0x200u)]        // clears port 0's bit: taken
    [InlineData(0x1_0201u, 0x1_0201u)]  // sets port 16's bit: group 2 is open, taken
    [InlineData(0x001u, 0x201u)]        // clears port 9's bit: group 1 is privileged only, the write is discarded
    [InlineData(0x302u, 0x201u)]        // changes bits in groups 0 and 1: discarded whole
    public void AnUnprivilegedTerWriteIsTakenOnlyWhenItChangesOpenGroupsAlone(uint value, uint ter)
    {
        using var b = new Blocks(EnableItm(2) + $"ldr r1, =0x{ItmTer:X8}\nldr r2, =0x{value:X8}\n{Unprivileged}str r2, [r1]\nmovs r7, #1\nb .\n.ltorg");
        b.Run();
        b.AssertNoFault();
        Assert.Equal(ter, b.Itm.Ter);
    }

    [Fact]
    public void AnUnprivilegedTerWriteWhileTheItmIsLockedIsDiscardedAsAPrivilegedOneIs()
    {
        using var b = new Blocks(EnableItm(0) + $"ldr r0, =0x{ItmLar:X8}\nmovs r1, #0\nstr r1, [r0]\nldr r1, =0x{ItmTer:X8}\nmovs r2, #3\n{Unprivileged}str r2, [r1]\nmovs r7, #1\nb .\n.ltorg");
        b.Run();
        b.AssertNoFault();
        Assert.Equal(0x201u, b.Itm.Ter);
    }

    [Fact]
    public void StrtToAnOpenStimulusPortPassesAndToAClosedOneIsDiscarded()
    {
        // LDRT/STRT are unprivileged accesses (A7.7): port 0 (group 0 open) passes, port 9 (group 1 closed) is discarded.
        using var b = new Blocks(EnableItm(2) + $"ldr r1, =0x{ItmPort0:X8}\nmovs r2, #0x44\nstrt r2, [r1]\nstrt r2, [r1, #0x24]\nmovs r7, #1\nb .\n.ltorg");
        b.Run();
        b.AssertNoFault();
        Assert.Equal([(0, 0x44u)], b.Stimuli);
    }

    [Fact]
    public void CoreDebugDemcrIsRefusedWithTheScs()
    {
        using var b = new Blocks($"ldr r1, =0x{Demcr:X8}\nldr r2, =0x01000000\n{Unprivileged}str r2, [r1]\nmovs r7, #1\nb .\n.ltorg");
        b.Run();
        b.AssertPreciseBusFault(Demcr);
        Assert.False(b.T.Cpu.TraceEnabled);
    }
}
