using SocSim.Core;
using static SocSim.Peripherals.Tests.Bench;
using static SocSim.Peripherals.VersatileSysRegs;

namespace SocSim.Peripherals.Tests;

/// <summary>The Versatile/PB926EJ-S system registers, SIC, SP810 and the unmodelled PrimeCell placeholder.</summary>
public sealed class VersatileDevicesTests
{
    private readonly Bench _b = new();
    private readonly ClockDomain _ref24 = new("REF24", 24_000_000, 2); // 2 ticks of the 48 MHz bench
    private readonly List<string> _warnings = new();
    private readonly List<string> _resets = new();

    private VersatileSysRegs SysRegs() => new("sysregs", _b.Scheduler, _ref24, 0x41007004, 0x02000000, 0x5A, _warnings.Add, _resets.Add);

    [Fact]
    public void SystemRegistersResetValues()
    {
        var d = SysRegs();
        Assert.Equal(0x41007004u, R(d, SYS_ID));
        Assert.Equal(0x5Au, R(d, SYS_SW));
        Assert.Equal(0u, R(d, SYS_LED));
        Assert.Equal(Locked, R(d, SYS_LOCK));
        Assert.Equal(0x1F00u, R(d, SYS_CLCD));
        Assert.Equal(1u, R(d, SYS_PCICTL));
        Assert.Equal(0x02000000u, R(d, SYS_PROCID0));
        Assert.Equal(0xFF000000u, R(d, SYS_PROCID1));
        Assert.Equal(0u, R(d, SYS_24MHZ));
        Assert.Equal(0u, R(d, SYS_RESETCTL));
        Assert.Empty(_warnings);
    }

    [Fact]
    public void Counter24MHzCountsEveryEdgeOfItsOwnClockAnd100HzDividesIt()
    {
        var d = SysRegs();
        _b.At(1);
        Assert.Equal(0u, R(d, SYS_24MHZ));
        _b.At(2);
        Assert.Equal(1u, R(d, SYS_24MHZ));
        _b.At(48_000_000); // one second
        Assert.Equal(24_000_000u, R(d, SYS_24MHZ));
        Assert.Equal(100u, R(d, SYS_100HZ));
        _b.At(48_000_000 + 2 * EdgesPer100Hz - 2);
        Assert.Equal(100u, R(d, SYS_100HZ));
        _b.At(48_000_000 + 2 * EdgesPer100Hz);
        Assert.Equal(101u, R(d, SYS_100HZ));
        // A reset restarts both counters from the present edge.
        d.Reset();
        Assert.Equal(0u, R(d, SYS_24MHZ));
        _b.At(_b.Scheduler.Now + 20);
        Assert.Equal(10u, R(d, SYS_24MHZ));
    }

    [Fact]
    public void LockGuardsOscillatorsAndResetControl()
    {
        var d = SysRegs();
        W(d, SYS_OSC4, 0x2C77);
        Assert.Equal(0u, R(d, SYS_OSC4));
        W(d, SYS_RESETCTL, 0x105);
        Assert.Empty(_resets);
        Assert.Equal(0u, R(d, SYS_RESETCTL));
        Assert.Equal(2, _warnings.Count);
        Assert.Contains("SYS_OSC4 while SYS_LOCK is locked", _warnings[0]);

        W(d, SYS_LOCK, LockValue);
        Assert.Equal(LockValue, R(d, SYS_LOCK)); // bit 16 clear: unlocked
        W(d, SYS_OSC4, 0x2C77);
        Assert.Equal(0x2C77u, R(d, SYS_OSC4));
        W(d, SYS_RESETCTL, 0x004); // a reset level without RESETPUSH does not reset
        Assert.Empty(_resets);
        W(d, SYS_RESETCTL, 0x105);
        Assert.Single(_resets);
        Assert.Contains("SYS_RESETCTL written 0x105", _resets[0]);
        W(d, SYS_LOCK, 0);
        Assert.Equal(Locked, R(d, SYS_LOCK));
        W(d, SYS_LOCK, 0x1234);
        Assert.Equal(Locked | 0x1234, R(d, SYS_LOCK));
    }

    [Fact]
    public void FlagsSetClearAndNonVolatileFlagsSurviveReset()
    {
        var d = SysRegs();
        W(d, SYS_FLAGSSET, 0xF0);
        W(d, SYS_FLAGSCLR, 0x30);
        Assert.Equal(0xC0u, R(d, SYS_FLAGS));
        W(d, SYS_NVFLAGSSET, 0x0F);
        W(d, SYS_NVFLAGSCLR, 0x01);
        Assert.Equal(0x0Eu, R(d, SYS_NVFLAGS));
        W(d, SYS_LED, 0x1A5);
        Assert.Equal(0xA5u, R(d, SYS_LED));
        W(d, SYS_CLCD, 0xFFFF_FFFF);
        Assert.Equal(0xFFFF_FFFFu & ~ClcdIdMask | ClcdReset, R(d, SYS_CLCD));
        d.Reset();
        Assert.Equal(0u, R(d, SYS_FLAGS));
        Assert.Equal(0x0Eu, R(d, SYS_NVFLAGS));
        Assert.Equal(0u, R(d, SYS_LED));
        Assert.Equal(ClcdReset, R(d, SYS_CLCD));
    }

    [Fact]
    public void UndecodedOffsetsAreReportedAndReadOnlyRegistersIgnoreWrites()
    {
        var d = SysRegs();
        W(d, SYS_ID, 0);
        Assert.Equal(0x41007004u, R(d, SYS_ID));
        W(d, SYS_DMAPSR0, 0x80);
        Assert.Equal(0x80u, R(d, SYS_DMAPSR0));
        Assert.Equal(0u, R(d, 0x100));
        W(d, 0x7C, 1);
        Assert.Equal(["sysregs: read of offset 0x100, which the system registers do not decode (reads 0)",
            "sysregs: write to offset 0x07C, which the system registers do not decode (ignored)"], _warnings);
    }

    [Fact]
    public void SicCascadesEnabledSourcesAndSoftInterrupts()
    {
        var sic = new VersatileSic("sic", _warnings.Add);
        var src = new IrqLine("kmi0");
        sic.ConnectSource(3, src);
        src.Set(true);
        Assert.Equal(1u << 3, R(sic, VersatileSic.SIC_RAWSTAT));
        Assert.Equal(0u, R(sic, VersatileSic.SIC_STATUS));
        Assert.False(sic.Irq.Level);
        W(sic, VersatileSic.SIC_ENSET, 1u << 3);
        Assert.True(sic.Irq.Level);
        Assert.Equal(1u << 3, R(sic, VersatileSic.SIC_STATUS));
        W(sic, VersatileSic.SIC_ENCLR, 1u << 3);
        Assert.False(sic.Irq.Level);
        W(sic, VersatileSic.SIC_ENSET, 1u << 0);
        W(sic, VersatileSic.SIC_SOFTINTSET, 1);
        Assert.True(sic.Irq.Level);
        Assert.Equal(1u, R(sic, VersatileSic.SIC_SOFTINTSET));
        W(sic, VersatileSic.SIC_SOFTINTCLR, 1);
        Assert.False(sic.Irq.Level);
        Assert.Equal(1u, R(sic, VersatileSic.SIC_ENABLE));
    }

    [Fact]
    public void SicPassesSelectedSourcesToThePrimaryController()
    {
        var sic = new VersatileSic("sic", _warnings.Add);
        sic.Input(25).Set(true);
        Assert.False(sic.Pass(25).Level);
        W(sic, VersatileSic.SIC_PICENSET, 0xFFD00000);
        Assert.Equal(0xFFD00000u, R(sic, VersatileSic.SIC_PICENABLE));
        Assert.True(sic.Pass(25).Level);
        Assert.False(sic.Irq.Level); // not enabled in SIC_ENABLE
        W(sic, VersatileSic.SIC_PICENCLR, 1u << 25);
        Assert.False(sic.Pass(25).Level);
        W(sic, 0x2C, 0xFFFFFFFF); // Linux's FPGA IRQ driver clears an FIQ enable the SIC does not have
        Assert.Equal(["sic: write to offset 0x02C, which the SIC does not decode (ignored)"], _warnings);
        sic.Reset();
        Assert.Equal(0u, R(sic, VersatileSic.SIC_PICENABLE));
        Assert.Equal(1u << 25, R(sic, VersatileSic.SIC_RAWSTAT)); // the wire keeps its level
    }

    [Fact]
    public void Sp810ResetsToNormalModeWithTimersOnTimclk()
    {
        var sc = new Sp810SysCtrl("sctl", Sp810SysCtrl.DefaultScCtrl, 0x12345678, _warnings.Add, _resets.Add);
        uint scctrl = R(sc, Sp810SysCtrl.SCCTRL);
        Assert.Equal(Sp810SysCtrl.ModeNormal, scctrl & 7);
        Assert.Equal(0b0100u, (scctrl >> 3) & 0xF);
        for (int n = 0; n < 4; n++)
        {
            Assert.True(sc.TimerSelect(n).Level);
            Assert.NotEqual(0u, scctrl & (1u << Sp810SysCtrl.TimerSelShift(n)));
        }
        // The kernel's read-modify-write of one select bit: timer 1 to REFCLK.
        W(sc, Sp810SysCtrl.SCCTRL, scctrl & ~(1u << 17));
        Assert.False(sc.TimerSelect(1).Level);
        Assert.True(sc.TimerSelect(0).Level);
        W(sc, Sp810SysCtrl.SCCTRL, 0b001); // DOZE
        Assert.Equal(0b0001u, (R(sc, Sp810SysCtrl.SCCTRL) >> 3) & 0xF);
        uint[] ids = [0x10, 0x18, 0x04, 0x00, 0x0D, 0xF0, 0x05, 0xB1];
        for (int i = 0; i < 8; i++) Assert.Equal(ids[i], R(sc, 0xFE0 + 4u * (uint)i));
        Assert.Equal(0x78u, R(sc, Sp810SysCtrl.SCSYSID0));
        Assert.Equal(0x12u, R(sc, Sp810SysCtrl.SCSYSID0 + 12));
        W(sc, Sp810SysCtrl.SCPERDIS, 0x6);
        Assert.Equal(~6u, R(sc, Sp810SysCtrl.SCPERCLKEN));
        W(sc, Sp810SysCtrl.SCPEREN, 0x2);
        Assert.Equal(~4u, R(sc, Sp810SysCtrl.SCPERSTAT));
        Assert.Empty(_resets);
        W(sc, Sp810SysCtrl.SCSYSSTAT, 0);
        Assert.Single(_resets);
        sc.Reset();
        Assert.Equal(scctrl, R(sc, Sp810SysCtrl.SCCTRL));
    }

    // ---- the SP804s on the SP810's timer clock selects ----

    private const long TimTicks = 48; // TIMCLK 1 MHz on the 48 MHz bench

    /// <summary>REFCLK 32.768 kHz on the 48 MHz bench: 1464.84375 ticks a period, edge k at tick ceil(k * 48e6 / 32768).</summary>
    private static long RefEdge(long k) => (k * Bench.TicksPerSecond + Sp804Timer.DefaultRefClkHz - 1) / Sp804Timer.DefaultRefClkHz;

    private Sp804Timer TimerOnSelects(Sp810SysCtrl sc, int first)
    {
        var t = new Sp804Timer("timer0", _b.Scheduler, _b.TimClk, refClk: ClockDomain.OnTimeBase("REFCLK", Sp804Timer.DefaultRefClkHz, Bench.TicksPerSecond));
        Sp804Timer.Type.ConnectInput(t, "TIMCLKSEL1", sc.TimerSelect(first));
        Sp804Timer.Type.ConnectInput(t, "TIMCLKSEL2", sc.TimerSelect(first + 1));
        return t;
    }

    private const uint Periodic32 = Sp804Timer.TimerEn | Sp804Timer.TimerMode | Sp804Timer.IntEnable | Sp804Timer.TimerSize;

    [Fact]
    public void Sp804CountsRefclkWhileItsSp810SelectIsLow()
    {
        // SCCTRL's TimerEnXSel all clear (the SP810's own reset value, REFCLK): both counters on REFCLK.
        var sc = new Sp810SysCtrl("sctl", Sp810SysCtrl.ModeNormal, 0, _warnings.Add, _resets.Add);
        var t = TimerOnSelects(sc, 2);
        Assert.False(t.CountsTimClk(1));
        Assert.False(t.CountsTimClk(2));
        W(t, Sp804Timer.TimerXLoad, 9);
        W(t, Sp804Timer.TimerXControl, Periodic32);
        // Loaded at REFCLK edge 1, zero at edge 10 (Load + 1 periods), then every 10 periods.
        _b.At(RefEdge(10) - 1);
        Assert.Equal(1u, R(t, Sp804Timer.TimerXValue));
        Assert.False(t.TimInt1.Level);
        _b.At(RefEdge(10));
        Assert.True(t.TimInt1.Level);
        W(t, Sp804Timer.TimerXIntClr, 0);
        _b.At(RefEdge(20) - 1);
        Assert.False(t.TimInt1.Level);
        _b.At(RefEdge(20));
        Assert.True(t.TimInt1.Level);
        W(t, Sp804Timer.TimerXIntClr, 0);
        // Linux's versatile_init_early: SCCTRL |= every TimerEnXSel (TIMCLK). Timer1 keeps its count (9 after
        // the reload at edge 21, not yet reached) and counts 1 MHz from the next TIMCLK edge.
        long now = RefEdge(20) + 5;
        _b.At(now);
        uint value = R(t, Sp804Timer.TimerXValue);
        Assert.Equal(0u, value);
        W(sc, Sp810SysCtrl.SCCTRL, R(sc, Sp810SysCtrl.SCCTRL) | 0x2A8000);
        Assert.True(t.CountsTimClk(1));
        Assert.True(t.CountsTimClk(2));
        long edge = now / TimTicks; // the TIMCLK edge at or before the switch
        // 0 held for one count, then reload to 9 at the first TIMCLK edge, zero again 9 edges later.
        _b.At((edge + 10) * TimTicks - 1);
        Assert.False(t.TimInt1.Level);
        _b.At((edge + 10) * TimTicks);
        Assert.True(t.TimInt1.Level);
        Assert.Equal(0u, R(t, Sp804Timer.TimerXValue));
    }

    [Fact]
    public void Sp804KeepsItsCountAcrossAClockSwitchAndFollowsOnlyItsOwnSelect()
    {
        var sc = new Sp810SysCtrl("sctl", Sp810SysCtrl.DefaultScCtrl, 0, _warnings.Add, _resets.Add);
        var t = TimerOnSelects(sc, 0);
        const uint T2 = Sp804Timer.Timer2Offset;
        W(t, Sp804Timer.TimerXLoad, 1000);
        W(t, Sp804Timer.TimerXControl, Periodic32);
        W(t, T2 + Sp804Timer.TimerXLoad, 1000);
        W(t, T2 + Sp804Timer.TimerXControl, Periodic32);
        _b.At(100 * TimTicks + 7); // loaded at TIMCLK edge 1, 99 decrements by edge 100
        Assert.Equal(901u, R(t, Sp804Timer.TimerXValue));
        // TimerEn1Sel (bit 17) clear: only Timer2 moves to REFCLK; TimerEn2Sel (timer1's select) is another device's.
        W(sc, Sp810SysCtrl.SCCTRL, Sp810SysCtrl.DefaultScCtrl & ~(1u << 17));
        Assert.True(t.CountsTimClk(1));
        Assert.False(t.CountsTimClk(2));
        long refNow = (100 * TimTicks + 7) * Sp804Timer.DefaultRefClkHz / Bench.TicksPerSecond; // REFCLK edges so far
        _b.At(RefEdge(refNow + 1) - 1);
        Assert.Equal(901u, R(t, T2 + Sp804Timer.TimerXValue));
        _b.At(RefEdge(refNow + 1));
        Assert.Equal(900u, R(t, T2 + Sp804Timer.TimerXValue));
        _b.At(RefEdge(refNow + 3));
        Assert.Equal(898u, R(t, T2 + Sp804Timer.TimerXValue));
        Assert.Equal(901u - (uint)(RefEdge(refNow + 3) / TimTicks - 100), R(t, Sp804Timer.TimerXValue));
        // An SP804 without a REFCLK (the CMSDK dual timer, a board without an SP810) stays on TIMCLK.
        var plain = new Sp804Timer("plain", _b.Scheduler, _b.TimClk);
        plain.SelectClock(1, timClk: false);
        Assert.True(plain.CountsTimClk(1));
    }

    [Fact]
    public void UnmodelledPrimeCellReadsZeroIdentificationAndWarnsOncePerRegister()
    {
        var u = new UnmodelledPrimeCell("gpio0", "PL061 GPIO", _warnings.Add);
        for (uint off = 0xFE0; off < 0x1000; off += 4) Assert.Equal(0u, R(u, off));
        W(u, 0x400, 0xFF);
        R(u, 0xFE0);
        W(u, 0x400, 0);
        Assert.Equal(9, _warnings.Count); // eight identification reads and one write, each once
        Assert.Equal("gpio0: read of PL061 GPIO register at offset 0xFE0: the PL061 GPIO is not modelled (reads 0)", _warnings[0]);
        Assert.Equal("gpio0: write to PL061 GPIO register at offset 0x400: the PL061 GPIO is not modelled (ignored)", _warnings[^1]);
    }
}
