using SocSim.Core;
using static SocSim.Peripherals.Lpc2000Timer;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests;

public sealed class Lpc2000TimerTests
{
    private const long P = 4; // ticks per PCLK period at 12 MHz on the 48 MHz bench
    private readonly Bench _b = new();
    private readonly ClockDomain _pclk = new("PCLK", 12_000_000, P);
    private readonly List<string> _warnings = new();
    private readonly Lpc2000Timer _t;

    public Lpc2000TimerTests() => _t = new Lpc2000Timer("timer0", _b.Scheduler, _pclk, _warnings.Add);

    /// <summary>Moves to PCLK edge <paramref name="edge"/> (plus <paramref name="extra"/> ticks).</summary>
    private void AtEdge(long edge, long extra = 0) => _b.At(_pclk.TimeOfEdge(edge) + extra);

    private List<(long Tick, bool Level)> Record(IrqLine line)
    {
        var list = new List<(long, bool)>();
        line.Subscribe(l => list.Add((_b.Scheduler.EventTime, l)));
        return list;
    }

    [Fact]
    public void Declaration()
    {
        var type = Lpc2000Timer.Type;
        Assert.Equal("lpc_timer", type.Name);
        Assert.Equal(0x4000u, type.WindowSize);
        Assert.Equal(new[] { "INT", "MAT0", "MAT1", "MAT2", "MAT3" }, type.Outputs);
        Assert.Equal(new[] { "CAP0", "CAP1", "CAP2", "CAP3" }, type.InputPins.Select(i => i.Name));
    }

    [Fact]
    public void ResetValues()
    {
        foreach (uint off in new[] { IR, TCR, TC, PR, PC, MCR, MR0, MR1, MR2, MR3, CCR, CR0, CR1, CR2, CR3, EMR })
            Assert.Equal(0u, R(_t, off));
        Assert.False(_t.Int.Level);
        for (int i = 0; i < 4; i++) Assert.False(_t.Mat(i).Level);
        Assert.Equal(0, _b.Scheduler.PendingCount);
        Assert.Empty(_warnings);
    }

    /// <summary>UM10275 §14.7.11: EM3:0 can be written only while the timer is disabled (TCR[0] = 0); EMC always.</summary>
    [Fact]
    public void EmBitsAreWritableOnlyWhileTheTimerIsDisabled()
    {
        W(_t, EMR, 0x5);                          // disabled: MAT0 and MAT2 high
        Assert.True(_t.Mat(0).Level);
        W(_t, TCR, CounterEnable);
        W(_t, EMR, 0x32);                         // enabled: EM bits kept, EMC0 = 11 taken
        Assert.Equal(0x35u, R(_t, EMR));
        Assert.True(_t.Mat(0).Level);
        Assert.False(_t.Mat(1).Level);
        W(_t, TCR, 0);
        W(_t, EMR, 0x02);
        Assert.Equal(0x02u, R(_t, EMR));
    }

    /// <summary>UM10275 Tables 155, 159, 160: Timer0 has no CAP0.3 nor MAT0.3: IR[7], CCR[11:9], EMR[3], EMR[11:10] are reserved.</summary>
    [Fact]
    public void Timer0HasNoChannel3CaptureOrExternalMatch()
    {
        var t0 = new Lpc2000Timer("timer0b", _b.Scheduler, _pclk, _warnings.Add, channel3Pins: false);
        W(t0, CCR, 0xFFF);
        Assert.Equal(0x1FFu, R(t0, CCR));
        W(t0, EMR, 0xFFF);
        Assert.Equal(0x3F7u, R(t0, EMR));
        Assert.False(t0.Mat(3).Level);
        var cap3 = new IrqLine("cap3");
        t0.ConnectCapture(3, cap3);
        cap3.Set(true);
        Assert.Equal(0u, R(t0, IR));
        W(_t, EMR, 0xFFF);                        // Timer1 has them
        Assert.Equal(0xFFFu, R(_t, EMR));
    }

    /// <summary>
    /// Our choice (the manual's figures show matches only from counting): an MRn written equal to the
    /// TC it already holds is not a match; the match comes when the count reaches it again.
    /// </summary>
    [Fact]
    public void MatchRegisterWrittenEqualToTheCurrentTcIsNotAMatch()
    {
        W(_t, PR, 9);                             // TC moves every 10 PCLK edges
        W(_t, TCR, CounterEnable);
        AtEdge(55);                               // TC = 5, halfway through its 10 edges
        Assert.Equal(5u, R(_t, TC));
        W(_t, MR0, 5);
        W(_t, MCR, MR0I);
        AtEdge(75);
        Assert.Equal(7u, R(_t, TC));
        Assert.Equal(0u, R(_t, IR));
        Assert.False(_t.Int.Level);
    }

    [Fact]
    public void DisabledTimerDoesNotCount()
    {
        W(_t, MR0, 5);
        W(_t, MCR, MR0I);
        AtEdge(1000);
        Assert.Equal(0u, R(_t, TC));
        Assert.Equal(0u, R(_t, PC));
        Assert.False(_t.Int.Level);
        Assert.Equal(0, _b.Scheduler.PendingCount);
    }

    [Fact]
    public void PrescalerMovesTcEveryPrPlusOneEdges()
    {
        W(_t, PR, 2);
        W(_t, TCR, CounterEnable); // at edge 0: PC counts on edges 1, 2, 3...
        AtEdge(1);
        Assert.Equal((0u, 1u), (R(_t, TC), R(_t, PC)));
        AtEdge(2);
        Assert.Equal((0u, 2u), (R(_t, TC), R(_t, PC)));
        AtEdge(3, -1);
        Assert.Equal((0u, 2u), (R(_t, TC), R(_t, PC)));
        AtEdge(3); // PC = PR: the next edge clears PC and increments TC
        Assert.Equal((1u, 0u), (R(_t, TC), R(_t, PC)));
        AtEdge(301);
        Assert.Equal((100u, 1u), (R(_t, TC), R(_t, PC)));
    }

    [Fact]
    public void ReadAtAnEdgeTickSeesThatEdge()
    {
        W(_t, TCR, CounterEnable);
        AtEdge(7, -1);
        Assert.Equal(6u, R(_t, TC));
        AtEdge(7);
        Assert.Equal(7u, R(_t, TC));
    }

    [Fact]
    public void ResetOnMatchHoldsTheMatchValueForAFullCycle()
    {
        // The manual's figure: PR = 2, MR0 = 6, interrupt and reset on match.
        W(_t, PR, 2);
        W(_t, MR0, 6);
        W(_t, MCR, MR0I | MR0R);
        W(_t, TCR, CounterEnable);
        AtEdge(18); // TC becomes 6 at edge 3·6
        Assert.Equal((6u, 0u), (R(_t, TC), R(_t, PC)));
        Assert.False(_t.Int.Level);
        AtEdge(19); // the interrupt comes in the next clock after TC reached the match value
        Assert.True(_t.Int.Level);
        Assert.Equal(1u, R(_t, IR));
        Assert.Equal((6u, 1u), (R(_t, TC), R(_t, PC)));
        AtEdge(20);
        Assert.Equal((6u, 2u), (R(_t, TC), R(_t, PC)));
        AtEdge(21); // end of the timer cycle of the match: TC reset instead of 7
        Assert.Equal((0u, 0u), (R(_t, TC), R(_t, PC)));
        AtEdge(24);
        Assert.Equal(1u, R(_t, TC));
    }

    [Fact]
    public void MatchInterruptPeriodIsMrPlusOneTimesPrPlusOnePclkCycles()
    {
        var ints = Record(_t.Int);
        W(_t, PR, 2);
        W(_t, MR0, 9);
        W(_t, MCR, MR0I | MR0R);
        W(_t, TCR, CounterEnable);
        // First match: TC = 9 at edge 27, interrupt at edge 28; then every (9+1)·(2+1) = 30 edges.
        for (int k = 0; k < 50; k++)
        {
            long edge = 28 + 30L * k;
            AtEdge(edge, -1);
            Assert.False(_t.Int.Level);
            AtEdge(edge);
            Assert.True(_t.Int.Level);
            W(_t, IR, 1); // as vTickISR: T0IR = 1
            Assert.False(_t.Int.Level);
        }
        Assert.Equal(_pclk.TimeOfEdge(28), ints[0].Tick);
        Assert.Equal(_pclk.TimeOfEdge(28 + 30), ints[2].Tick);
    }

    [Fact]
    public void FreeRtosTickEveryMr0PlusOnePclkCycles()
    {
        // port.c: T0_PR = 0, T0_MR0 = configCPU_CLOCK_HZ / configTICK_RATE_HZ, interrupt and reset on MR0.
        const uint mr0 = 58982;
        W(_t, PR, 0);
        W(_t, MR0, mr0);
        W(_t, MCR, MR0I | MR0R);
        W(_t, TCR, CounterEnable);
        var ticks = new List<long>();
        _t.Int.Subscribe(l => { if (l) ticks.Add(_b.Scheduler.EventTime); });
        for (int k = 1; k <= 20; k++)
        {
            AtEdge(k * (mr0 + 1L) + 100);
            W(_t, IR, 1);
        }
        Assert.Equal(20, ticks.Count);
        Assert.Equal(_pclk.TimeOfEdge(mr0 + 1), ticks[0]);
        for (int k = 1; k < ticks.Count; k++) Assert.Equal((mr0 + 1L) * P, ticks[k] - ticks[k - 1]);
        // Two events per tick (the match edge, the interrupt edge), nothing in between.
        Assert.Equal(1, _b.Scheduler.PendingCount);
    }

    [Fact]
    public void StopOnMatchClearsCounterEnableOnTheNextClock()
    {
        W(_t, PR, 2);
        W(_t, MR0, 6);
        W(_t, MCR, MR0I | MR0S);
        W(_t, TCR, CounterEnable);
        AtEdge(18);
        Assert.Equal(CounterEnable, R(_t, TCR));
        AtEdge(19);
        Assert.Equal(0u, R(_t, TCR));
        Assert.True(_t.Int.Level);
        Assert.Equal((6u, 0u), (R(_t, TC), R(_t, PC))); // stopped: PC did not move on edge 19
        AtEdge(1000);
        Assert.Equal((6u, 0u), (R(_t, TC), R(_t, PC)));
        Assert.Equal(0, _b.Scheduler.PendingCount);
        // Restarted, it counts on from 6 (no match: TC did not count into 6).
        W(_t, IR, 1);
        W(_t, TCR, CounterEnable);
        AtEdge(1003);
        Assert.Equal(7u, R(_t, TC));
        Assert.False(_t.Int.Level);
    }

    [Fact]
    public void StopWinsOverResetOnTheSameEdge()
    {
        W(_t, MR0, 3);
        W(_t, MCR, MR0R | MR0S);
        W(_t, TCR, CounterEnable);
        AtEdge(3);
        Assert.Equal(3u, R(_t, TC));
        AtEdge(4);
        Assert.Equal(0u, R(_t, TCR));
        Assert.Equal(3u, R(_t, TC));
        // Enabled again, the reset on match applies at the next count.
        W(_t, TCR, CounterEnable);
        AtEdge(5);
        Assert.Equal(0u, R(_t, TC));
    }

    [Fact]
    public void InterruptFlagOnlyWithMrnI()
    {
        W(_t, MR1, 2);
        W(_t, MR2, 2);
        W(_t, MCR, MR0I << 6); // MR2I only
        W(_t, TCR, CounterEnable);
        AtEdge(3);
        Assert.Equal(1u << 2, R(_t, IR));
        W(_t, IR, 0xFB); // writing ones to clear flags that are not set changes nothing else
        Assert.Equal(1u << 2, R(_t, IR));
        W(_t, IR, 1u << 2);
        Assert.Equal(0u, R(_t, IR));
    }

    [Fact]
    public void EmrToggleOnMatchEdgesAtTheExactTick()
    {
        var mat1 = Record(_t.Mat(1));
        W(_t, MR1, 4);
        W(_t, MCR, MR0R << 3); // reset on MR1: period 5 edges
        W(_t, EMR, 3u << (EmcShift + 2)); // EMC1 = toggle
        W(_t, TCR, CounterEnable);
        AtEdge(5 * 10 + 2);
        // TC reaches 4 at edges 4, 9, 14...; MAT1 toggles on the next edge: 5, 10, 15...
        Assert.Equal(10, mat1.Count);
        for (int k = 0; k < 10; k++) Assert.Equal((_pclk.TimeOfEdge(5 + 5 * k), k % 2 == 0), mat1[k]);
        Assert.Equal(3u << (EmcShift + 2), R(_t, EMR)); // EM1 = 0 after an even number of toggles
        AtEdge(55);
        Assert.Equal((3u << (EmcShift + 2)) | 2u, R(_t, EMR));
        Assert.True(_t.Mat(1).Level);
        Assert.False(_t.Int.Level);
    }

    [Fact]
    public void EmrSetClearAndDirectWrite()
    {
        W(_t, MR0, 2);
        W(_t, MR3, 5);
        W(_t, EMR, (2u << EmcShift) | (1u << (EmcShift + 6)) | (1u << 3)); // EMC0 set, EMC3 clear, EM3 = 1
        Assert.True(_t.Mat(3).Level);
        W(_t, TCR, CounterEnable);
        AtEdge(3);
        Assert.True(_t.Mat(0).Level);
        Assert.True(_t.Mat(3).Level);
        AtEdge(6);
        Assert.False(_t.Mat(3).Level);
        W(_t, EMR, R(_t, EMR) & ~1u); // EM0 cannot be written while the timer runs (§14.7.11)
        Assert.True(_t.Mat(0).Level);
        W(_t, TCR, 0);
        W(_t, EMR, R(_t, EMR) & ~1u); // software drives EM0 low once it is disabled
        Assert.False(_t.Mat(0).Level);
    }

    [Fact]
    public void CaptureLoadsTcOnTheSelectedEdge()
    {
        var cap = new IrqLine("cap0");
        _t.ConnectCapture(0, cap);
        W(_t, PR, 1);
        W(_t, CCR, CAP0RE | CAP0I);
        W(_t, TCR, CounterEnable);
        AtEdge(21, 1); // TC = 10 after edge 20, PC = 1 after edge 21
        cap.Set(true);
        Assert.Equal(10u, R(_t, CR0));
        Assert.Equal(1u << 4, R(_t, IR));
        Assert.True(_t.Int.Level);
        W(_t, IR, 1u << 4);
        AtEdge(40);
        cap.Set(false); // falling edge not selected
        Assert.Equal(10u, R(_t, CR0));
        Assert.False(_t.Int.Level);
        W(_t, CCR, CAP0FE << 3); // CAP1FE: falling edge on CAP1, no interrupt
        var cap1 = new IrqLine("cap1");
        _t.ConnectCapture(1, cap1);
        cap1.Set(true);
        AtEdge(50);
        cap1.Set(false);
        Assert.Equal(25u, R(_t, CR1));
        Assert.Equal(0u, R(_t, IR));
    }

    [Fact]
    public void CaptureFromAnEventUsesTheEventsTick()
    {
        // A line driven from another device's event, dispatched after the CPU went past its tick:
        // the capture takes TC at the event's tick, and a match due after it is not run first.
        var cap = new IrqLine("cap2");
        _t.ConnectCapture(2, cap);
        W(_t, CCR, CAP0RE << 6);
        W(_t, MR0, 12);
        W(_t, MCR, MR0S);
        W(_t, TCR, CounterEnable);
        var drive = new Event("drive", EventPriority.Peripheral, _ => cap.Set(true));
        _b.Scheduler.Schedule(drive, _pclk.TimeOfEdge(10) + 1);
        AtEdge(20);
        Assert.Equal(10u, R(_t, CR2));
        Assert.Equal(12u, R(_t, TC)); // stopped at the match after
    }

    [Fact]
    public void CounterResetIsSynchronousAndHolds()
    {
        W(_t, TCR, CounterEnable);
        AtEdge(10, 2);
        W(_t, TCR, CounterEnable | CounterReset);
        Assert.Equal(10u, R(_t, TC)); // reset on the next PCLK edge
        AtEdge(11);
        Assert.Equal(0u, R(_t, TC));
        AtEdge(50);
        Assert.Equal((0u, 0u), (R(_t, TC), R(_t, PC)));
        W(_t, TCR, CounterEnable);
        AtEdge(53);
        Assert.Equal(3u, R(_t, TC));
    }

    [Fact]
    public void TcPcAndPrWritesTakeEffectFromTheNextEdge()
    {
        W(_t, MR0, 100);
        W(_t, MCR, MR0I);
        W(_t, TCR, CounterEnable);
        AtEdge(5);
        W(_t, TC, 98);
        Assert.Equal(98u, R(_t, TC));
        AtEdge(7);
        Assert.Equal(100u, R(_t, TC));
        Assert.False(_t.Int.Level);
        AtEdge(8);
        Assert.True(_t.Int.Level);
        W(_t, IR, 1);
        W(_t, PR, 9);
        W(_t, PC, 7);
        AtEdge(10);
        Assert.Equal((101u, 9u), (R(_t, TC), R(_t, PC)));
        AtEdge(11);
        Assert.Equal((102u, 0u), (R(_t, TC), R(_t, PC)));
    }

    [Fact]
    public void PcAbovePrCountsThroughTheWrap()
    {
        W(_t, PR, 1);
        W(_t, PC, 0xFFFFFFFE);
        W(_t, TCR, CounterEnable);
        AtEdge(1);
        Assert.Equal((0u, 0xFFFFFFFFu), (R(_t, TC), R(_t, PC)));
        AtEdge(3);
        Assert.Equal((0u, 1u), (R(_t, TC), R(_t, PC)));
        AtEdge(4);
        Assert.Equal((1u, 0u), (R(_t, TC), R(_t, PC)));
    }

    [Fact]
    public void WrapToZeroMatchesMrZero()
    {
        W(_t, TC, 0xFFFFFFFE);
        W(_t, MCR, MR0I);
        W(_t, TCR, CounterEnable);
        AtEdge(2);
        Assert.Equal(0u, R(_t, TC));
        Assert.False(_t.Int.Level);
        AtEdge(3);
        Assert.True(_t.Int.Level);
    }

    [Fact]
    public void MrZeroWithResetMatchesEveryPrescaledCycle()
    {
        var ints = new List<long>();
        _t.Int.Subscribe(l => { if (l) ints.Add(_b.Scheduler.EventTime); });
        W(_t, PR, 1);
        W(_t, MCR, MR0I | MR0R);
        W(_t, TC, 5);
        W(_t, TCR, CounterEnable);
        for (int k = 0; k < 5; k++)
        {
            AtEdge(100 + 2 * k);
            W(_t, IR, 1);
        }
        // TC: 5 → 6 at edge 2, ... counts up to the wrap; MR0 = 0 with reset only matters after it.
        Assert.Empty(ints);
        W(_t, TC, 0);
        // TC = 0 is held: each prescaled edge resets it to 0, a match, (0+1)·(1+1) = 2 edges apart.
        AtEdge(120);
        Assert.Equal(0u, R(_t, TC));
        for (int k = 0; k < 4; k++)
        {
            AtEdge(121 + 2 * k);
            Assert.True(_t.Int.Level);
            W(_t, IR, 1);
        }
        Assert.Equal(_pclk.TimeOfEdge(111), ints[0]);
    }

    [Fact]
    public void SmallestResettingMatchSetsThePeriod()
    {
        W(_t, MR0, 20);
        W(_t, MR1, 7);
        W(_t, MR2, 7);
        W(_t, MCR, MR0R | (MR0R << 3) | (MR0I << 6));
        W(_t, TCR, CounterEnable);
        AtEdge(8);
        Assert.Equal(0u, R(_t, TC));
        Assert.Equal(4u, R(_t, IR)); // MR2 = 7: interrupt one edge after TC reached 7
        W(_t, IR, 4);
        AtEdge(8 + 8 * 12);
        Assert.Equal(4u, R(_t, IR));
        Assert.Equal(0u, R(_t, TC));
    }

    [Fact]
    public void MatchRegisterWrittenAheadIsMatchedOnTheWay()
    {
        W(_t, MCR, MR0I);
        W(_t, TCR, CounterEnable);
        AtEdge(50);
        W(_t, MR0, 40); // already passed: next time round, after the 32-bit wrap
        Assert.Equal(_pclk.TimeOfEdge(50 + (1L << 32) - 10), _b.Scheduler.NextEventTime);
        W(_t, MR0, 60);
        AtEdge(60);
        Assert.False(_t.Int.Level);
        AtEdge(61);
        Assert.True(_t.Int.Level);
    }

    [Fact]
    public void PclkFrequencyChangeMidCountKeepsExactCounts()
    {
        var ints = new List<long>();
        _t.Int.Subscribe(l => { if (l) ints.Add(_b.Scheduler.EventTime); });
        W(_t, MR0, 99);
        W(_t, MCR, MR0I | MR0R);
        W(_t, TCR, CounterEnable);
        // 12 MHz: edges every 4 ticks. Double PCLK at tick 202 (between edges 50 and 51): the change
        // tick is edge 51, then edges every 2 ticks.
        _b.At(202);
        Assert.Equal(50u, R(_t, TC));
        _pclk.SetFrequency(24_000_000, 202);
        Assert.Equal(51u, R(_t, TC));
        // Edge 51 + k is at tick 202 + 2k: TC = 99 at edge 99 (tick 298), the interrupt at edge 100.
        _b.At(297);
        Assert.Equal(98u, R(_t, TC));
        _b.At(299);
        Assert.Equal(99u, R(_t, TC));
        Assert.Empty(ints);
        _b.At(300);
        Assert.Equal(new[] { 300L }, ints);
        Assert.Equal(0u, R(_t, TC)); // reset on the same edge (PR = 0)
        W(_t, IR, 1);
        // Down to 16 MHz (3 ticks) exactly on an edge: edge 151 at tick 402, TC = 51.
        _b.At(402);
        Assert.Equal(51u, R(_t, TC));
        _pclk.SetFrequency(16_000_000, 402);
        Assert.Equal(51u, R(_t, TC));
        _b.At(402 + 3 * 3);
        Assert.Equal(54u, R(_t, TC));
        // TC = 99 at edge 199, the interrupt at edge 200 = tick 402 + 49·3; then every 100·3 ticks.
        _b.At(402 + 49 * 3);
        Assert.Equal(new[] { 300L, 549L }, ints);
        for (int k = 1; k <= 1000; k++)
        {
            W(_t, IR, 1);
            _b.At(549 + 300 * k);
        }
        Assert.Equal(1002, ints.Count);
        Assert.Equal(549L + 300 * 1000, ints[^1]);
        for (int k = 2; k < ints.Count; k++) Assert.Equal(300, ints[k] - ints[k - 1]);
    }

    [Fact]
    public void PendingMatchMovesWithTheClock()
    {
        W(_t, MR0, 1000);
        W(_t, MCR, MR0I);
        W(_t, TCR, CounterEnable);
        Assert.Equal(_pclk.TimeOfEdge(1000), _b.Scheduler.NextEventTime);
        _b.At(400); // edge 100
        _pclk.SetFrequency(48_000_000, 400); // 1 tick per edge
        Assert.Equal(400 + 900L, _b.Scheduler.NextEventTime);
        _b.At(1301);
        Assert.True(_t.Int.Level);
        Assert.Equal(1001u, R(_t, TC));
    }

    [Fact]
    public void StoppedPclkStopsTheCount()
    {
        W(_t, TCR, CounterEnable);
        W(_t, MR0, 100);
        W(_t, MCR, MR0I);
        _b.At(40);
        _pclk.SetFrequency(0, 40);
        Assert.Equal(0, _b.Scheduler.PendingCount);
        _b.At(100_000);
        Assert.Equal(10u, R(_t, TC));
        _pclk.SetFrequency(12_000_000, 100_000);
        _b.At(100_000 + 90 * 4);
        Assert.Equal(100u, R(_t, TC));
        _b.At(100_000 + 91 * 4);
        Assert.True(_t.Int.Level);
    }

    [Fact]
    public void ByteAccessesAndReservedOffsets()
    {
        W(_t, MR0, 0x12345678);
        Assert.Equal(0x34u, R(_t, MR0 + 2, 1));
        W(_t, TCR, 1, size: 1);
        Assert.Equal(1u, R(_t, TCR));
        Assert.Equal(0u, R(_t, 0x40));
        W(_t, 0x70, 1);
        Assert.Equal(new[] { "timer0: read of reserved offset 0x040", "timer0: write to reserved offset 0x070 ignored" }, _warnings);
        W(_t, CR0, 5); // read-only
        Assert.Equal(0u, R(_t, CR0));
    }

    [Fact]
    public void ResetClearsEverything()
    {
        W(_t, MR0, 3);
        W(_t, MCR, MR0I);
        W(_t, EMR, 0xF);
        W(_t, TCR, CounterEnable);
        AtEdge(10);
        Assert.True(_t.Int.Level);
        _t.Reset();
        Assert.False(_t.Int.Level);
        Assert.False(_t.Mat(0).Level);
        Assert.Equal(0, _b.Scheduler.PendingCount);
        AtEdge(20);
        foreach (uint off in new[] { IR, TCR, TC, PR, PC, MCR, MR0, EMR }) Assert.Equal(0u, R(_t, off));
    }
}
