using static SocSim.Peripherals.Sp804Timer;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests;

public sealed class Sp804TimerTests
{
    private const long T = 48; // ticks per TIMCLK period
    private readonly Bench _b = new();
    private readonly Sp804Timer _t;

    public Sp804TimerTests() => _t = new Sp804Timer("timer", _b.Scheduler, _b.TimClk);

    private const uint Periodic32 = TimerEn | TimerMode | IntEnable | TimerSize;

    [Fact]
    public void ResetValues()
    {
        foreach (uint b in new uint[] { 0, Timer2Offset })
        {
            Assert.Equal(0u, R(_t, b + TimerXLoad));
            Assert.Equal(0xFFFFFFFFu, R(_t, b + TimerXValue));
            Assert.Equal(0x20u, R(_t, b + TimerXControl));
            Assert.Equal(0u, R(_t, b + TimerXRIS));
            Assert.Equal(0u, R(_t, b + TimerXMIS));
            Assert.Equal(0u, R(_t, b + TimerXBGLoad));
        }
        Assert.Equal(0u, R(_t, TimerITCR));
        uint[] ids = [0x04, 0x18, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1];
        for (int i = 0; i < 8; i++) Assert.Equal(ids[i], R(_t, 0xFE0 + 4u * (uint)i));
        Assert.False(_t.TimInt1.Level);
        Assert.False(_t.TimIntC.Level);
        Assert.Equal(0, _b.Scheduler.PendingCount);
    }

    [Fact]
    public void DisabledTimerAtResetDoesNotCount()
    {
        _b.At(1_000_000);
        Assert.Equal(0xFFFFFFFFu, R(_t, TimerXValue));
    }

    [Fact]
    public void PeriodicInterruptEveryLoadPlusOneClocks()
    {
        W(_t, TimerXLoad, 9);
        W(_t, TimerXControl, Periodic32);
        // The count becomes 9 at TIMCLK edge 1 (the next edge after the write), decrements on
        // edges 2..10 and reaches 0 at edge 10: Load + 1 TIMCLK periods after the write at edge 0.
        _b.At(10 * T - 1);
        Assert.Equal(0u, R(_t, TimerXRIS));
        Assert.False(_t.TimInt1.Level);
        _b.At(10 * T);
        Assert.Equal(1u, R(_t, TimerXRIS));
        Assert.Equal(1u, R(_t, TimerXMIS));
        Assert.True(_t.TimInt1.Level);
        Assert.True(_t.TimIntC.Level);
        Assert.False(_t.TimInt2.Level);
        W(_t, TimerXIntClr, 0);
        Assert.False(_t.TimInt1.Level);
        Assert.False(_t.TimIntC.Level);
        // The counter holds 0 for one period, reloads 9 at edge 11, next zero at edge 20.
        _b.At(20 * T - 1);
        Assert.False(_t.TimInt1.Level);
        _b.At(20 * T);
        Assert.True(_t.TimInt1.Level);
    }

    [Fact]
    public void ValueIsExactToTheEdge()
    {
        W(_t, TimerXLoad, 9);
        W(_t, TimerXControl, Periodic32);
        Assert.Equal(9u, R(_t, TimerXValue)); // reflects the new load immediately
        _b.At(T);
        Assert.Equal(9u, R(_t, TimerXValue)); // load edge: loaded, not decremented
        _b.At(2 * T - 1);
        Assert.Equal(9u, R(_t, TimerXValue));
        _b.At(2 * T);
        Assert.Equal(8u, R(_t, TimerXValue));
        _b.At(5 * T + 47);
        Assert.Equal(5u, R(_t, TimerXValue));
        _b.At(10 * T);
        Assert.Equal(0u, R(_t, TimerXValue));
        _b.At(11 * T - 1);
        Assert.Equal(0u, R(_t, TimerXValue));
        _b.At(11 * T);
        Assert.Equal(9u, R(_t, TimerXValue)); // reload
        _b.At(13 * T);
        Assert.Equal(7u, R(_t, TimerXValue));
    }

    [Fact]
    public void PrescaleSixteenCountsOnEverySixteenthEdge()
    {
        W(_t, TimerXLoad, 3);
        W(_t, TimerXControl, Periodic32 | (1u << (int)TimerPreShift));
        // Loaded at edge 1; decrements at edges 16, 32, 48 (the free-running prescaler's enables).
        _b.At(16 * T - 1);
        Assert.Equal(3u, R(_t, TimerXValue));
        _b.At(16 * T);
        Assert.Equal(2u, R(_t, TimerXValue));
        _b.At(48 * T - 1);
        Assert.False(_t.TimInt1.Level);
        _b.At(48 * T);
        Assert.True(_t.TimInt1.Level);
        W(_t, TimerXIntClr, 1);
        // Then every (Load + 1) * 16 = 64 edges.
        _b.At(112 * T - 1);
        Assert.False(_t.TimInt1.Level);
        _b.At(112 * T);
        Assert.True(_t.TimInt1.Level);
    }

    [Fact]
    public void PrescaleTwoFiftySix()
    {
        W(_t, TimerXControl, TimerSize | (2u << (int)TimerPreShift)); // disabled, /256
        W(_t, TimerXLoad, 1);
        W(_t, TimerXControl, TimerEn | TimerSize | IntEnable | OneShot | (2u << (int)TimerPreShift));
        _b.At(256 * T - 1);
        Assert.Equal(1u, R(_t, TimerXValue));
        Assert.False(_t.TimInt1.Level);
        _b.At(256 * T);
        Assert.Equal(0u, R(_t, TimerXValue));
        Assert.True(_t.TimInt1.Level);
    }

    [Fact]
    public void OneShotHaltsAtZero()
    {
        W(_t, TimerXLoad, 5);
        W(_t, TimerXControl, TimerEn | IntEnable | TimerSize | OneShot);
        _b.At(6 * T);
        Assert.True(_t.TimInt1.Level);
        W(_t, TimerXIntClr, 0);
        _b.At(100_000 * T);
        Assert.Equal(0u, R(_t, TimerXValue));
        Assert.Equal(0u, R(_t, TimerXRIS));
        Assert.Equal(0, _b.Scheduler.PendingCount);
        // A new Load restarts it.
        W(_t, TimerXLoad, 2);
        _b.At(100_003 * T - 1);
        Assert.Equal(0u, R(_t, TimerXRIS));
        _b.At(100_003 * T);
        Assert.Equal(1u, R(_t, TimerXRIS));
    }

    [Fact]
    public void FreeRunning32WrapsToAllOnes()
    {
        W(_t, TimerXLoad, 1);
        W(_t, TimerXControl, TimerEn | IntEnable | TimerSize);
        _b.At(2 * T);
        Assert.Equal(0u, R(_t, TimerXValue));
        Assert.True(_t.TimInt1.Level);
        _b.At(3 * T);
        Assert.Equal(0xFFFFFFFFu, R(_t, TimerXValue));
        _b.At(10 * T);
        Assert.Equal(0xFFFFFFF8u, R(_t, TimerXValue));
        Assert.Equal(2 * T + (1L << 32) * T, _b.Scheduler.NextEventTime);
    }

    [Fact]
    public void FreeRunning16BitWrapsAt0xFFFF()
    {
        W(_t, TimerXLoad, 2);
        W(_t, TimerXControl, TimerEn | IntEnable); // 16-bit, free-running
        _b.At(3 * T);
        Assert.Equal(0u, R(_t, TimerXValue));
        Assert.Equal(1u, R(_t, TimerXRIS));
        W(_t, TimerXIntClr, 0);
        _b.At(4 * T);
        Assert.Equal(0xFFFFu, R(_t, TimerXValue));
        _b.At((3 + 65536) * T - 1);
        Assert.Equal(1u, R(_t, TimerXValue));
        Assert.Equal(0u, R(_t, TimerXRIS));
        _b.At((3 + 65536) * T);
        Assert.Equal(1u, R(_t, TimerXRIS));
    }

    [Fact]
    public void SixteenBitModeKeepsUpperValueBits()
    {
        // At reset Value = 0xFFFFFFFF and the timer is 16-bit: only bits [15:0] count.
        W(_t, TimerXControl, TimerEn | IntEnable);
        _b.At(T);
        Assert.Equal(0xFFFFFFFEu, R(_t, TimerXValue));
        _b.At(0xFFFF * T);
        Assert.Equal(0xFFFF0000u, R(_t, TimerXValue));
        Assert.True(_t.TimInt1.Level);
        _b.At(0x10000 * T);
        Assert.Equal(0xFFFFFFFFu, R(_t, TimerXValue));
    }

    [Fact]
    public void BgLoadChangesOnlyTheReloadValue()
    {
        W(_t, TimerXLoad, 9);
        W(_t, TimerXControl, Periodic32);
        _b.At(2 * T);
        W(_t, TimerXBGLoad, 4);
        Assert.Equal(8u, R(_t, TimerXValue));
        Assert.Equal(4u, R(_t, TimerXLoad));
        Assert.Equal(4u, R(_t, TimerXBGLoad));
        _b.At(10 * T);
        Assert.True(_t.TimInt1.Level);
        W(_t, TimerXIntClr, 0);
        _b.At(11 * T);
        Assert.Equal(4u, R(_t, TimerXValue));
        _b.At(15 * T - 1);
        Assert.False(_t.TimInt1.Level);
        _b.At(15 * T);
        Assert.True(_t.TimInt1.Level);
    }

    [Fact]
    public void LoadWriteRestartsTheCountAtTheNextEdge()
    {
        W(_t, TimerXLoad, 9);
        W(_t, TimerXControl, Periodic32);
        _b.At(2 * T + 4); // value 8, between edges 2 and 3
        W(_t, TimerXLoad, 20);
        Assert.Equal(20u, R(_t, TimerXValue));
        _b.At(3 * T);
        Assert.Equal(20u, R(_t, TimerXValue)); // edge 3 loads
        _b.At(4 * T);
        Assert.Equal(19u, R(_t, TimerXValue));
        _b.At(10 * T);
        Assert.False(_t.TimInt1.Level); // the old deadline is gone
        _b.At(23 * T - 1);
        Assert.False(_t.TimInt1.Level);
        _b.At(23 * T);
        Assert.True(_t.TimInt1.Level);
    }

    [Fact]
    public void LoadZeroInterruptsAtTheLoadEdge()
    {
        W(_t, TimerXControl, TimerEn | IntEnable | TimerSize | OneShot);
        _b.At(5 * T + 3);
        W(_t, TimerXLoad, 0);
        _b.At(6 * T - 1);
        Assert.False(_t.TimInt1.Level);
        _b.At(6 * T);
        Assert.True(_t.TimInt1.Level);
    }

    [Fact]
    public void DisabledTimerHoldsItsValue()
    {
        W(_t, TimerXLoad, 100);
        W(_t, TimerXControl, Periodic32);
        _b.At(10 * T);
        Assert.Equal(91u, R(_t, TimerXValue));
        W(_t, TimerXControl, Periodic32 & ~TimerEn);
        _b.At(1000 * T + 5);
        Assert.Equal(91u, R(_t, TimerXValue));
        Assert.Equal(0, _b.Scheduler.PendingCount);
        W(_t, TimerXControl, Periodic32);
        _b.At(1001 * T);
        Assert.Equal(90u, R(_t, TimerXValue));
        _b.At((1000 + 91) * T - 1);
        Assert.False(_t.TimInt1.Level);
        _b.At((1000 + 91) * T);
        Assert.True(_t.TimInt1.Level);
    }

    [Fact]
    public void MisIsRisMaskedByIntEnable()
    {
        W(_t, TimerXLoad, 1);
        W(_t, TimerXControl, TimerEn | TimerSize | OneShot);
        _b.At(2 * T);
        Assert.Equal(1u, R(_t, TimerXRIS));
        Assert.Equal(0u, R(_t, TimerXMIS));
        Assert.False(_t.TimInt1.Level);
        W(_t, TimerXControl, TimerEn | TimerSize | OneShot | IntEnable);
        Assert.Equal(1u, R(_t, TimerXMIS));
        Assert.True(_t.TimInt1.Level);
    }

    [Fact]
    public void Timer2IsIndependentAndDrivesTimInt2()
    {
        W(_t, Timer2Offset + TimerXLoad, 4);
        W(_t, Timer2Offset + TimerXControl, Periodic32);
        _b.At(5 * T);
        Assert.False(_t.TimInt1.Level);
        Assert.True(_t.TimInt2.Level);
        Assert.True(_t.TimIntC.Level);
        Assert.Equal(0u, R(_t, TimerXRIS));
        Assert.Equal(1u, R(_t, Timer2Offset + TimerXRIS));
        Assert.Equal(0xFFFFFFFFu, R(_t, TimerXValue));
        W(_t, Timer2Offset + TimerXIntClr, 0);
        Assert.False(_t.TimIntC.Level);
    }

    [Fact]
    public void IntegrationTestModeDrivesOutputsFromTimerITOP()
    {
        W(_t, TimerITCR, 1);
        W(_t, TimerITOP, 2);
        Assert.False(_t.TimInt1.Level);
        Assert.True(_t.TimInt2.Level);
        Assert.True(_t.TimIntC.Level);
        W(_t, TimerITCR, 0);
        Assert.False(_t.TimIntC.Level);
    }

    [Fact]
    public void ByteReadOfValue()
    {
        W(_t, TimerXLoad, 0x12345678);
        Assert.Equal(0x78u, R(_t, TimerXValue, 1));
        Assert.Equal(0x56u, R(_t, TimerXValue + 1, 1));
        Assert.Equal(0x1234u, R(_t, TimerXValue + 2, 2));
    }

    [Fact]
    public void MidInstructionReadSeesAZeroThatIsDueButNotDispatched()
    {
        W(_t, TimerXLoad, 9);
        W(_t, TimerXControl, Periodic32);
        _b.Scheduler.Cycles = 10 * T + 3;            // the CPU overshot the event; RunDue not called yet
        Assert.Equal(1u, R(_t, TimerXRIS));
        Assert.True(_t.TimInt1.Level);
        W(_t, TimerXIntClr, 0);
        _b.Scheduler.RunDue();                       // nothing left to fire for this period
        Assert.False(_t.TimInt1.Level);
        Assert.Equal(20 * T, _b.Scheduler.NextEventTime);
    }

    [Fact]
    public void CatchUpOverSeveralPeriods()
    {
        W(_t, TimerXLoad, 0);
        W(_t, TimerXControl, Periodic32);            // Load 0: zero on every edge
        _b.Scheduler.Cycles = 5 * T + 10;
        Assert.Equal(0u, R(_t, TimerXValue));
        Assert.Equal(1u, R(_t, TimerXRIS));
        Assert.Equal(6 * T, _b.Scheduler.NextEventTime);
    }
}
