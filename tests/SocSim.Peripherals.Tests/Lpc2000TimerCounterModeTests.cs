using SocSim.Core;
using static SocSim.Peripherals.Lpc2000Timer;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests;

/// <summary>
/// The /01 part's counter mode (CTCR, UM10275 §14.7.3, Table 157): TC counts edges of a CAP input,
/// each seen by the PCLK edge after it ("sampled on every rising edge of the PCLK clock. After comparing
/// two consecutive samples ... the Timer Counter register will be incremented").
/// </summary>
public sealed class Lpc2000TimerCounterModeTests
{
    private const long P = 4; // ticks per PCLK period (12 MHz on the 48 MHz bench)
    private readonly Bench _b = new();
    private readonly ClockDomain _pclk = new("PCLK", 12_000_000, P);
    private readonly List<string> _warnings = new();
    private readonly Lpc2000Timer _t;
    private readonly IrqLine[] _cap = [new("cap0"), new("cap1"), new("cap2"), new("cap3")];

    public Lpc2000TimerCounterModeTests()
    {
        _t = new Lpc2000Timer("timer1", _b.Scheduler, _pclk, _warnings.Add, channel3Pins: true, part01: true);
        for (int i = 0; i < 4; i++) _t.ConnectCapture(i, _cap[i]);
    }

    private void AtEdge(long edge, long extra = 0) => _b.At(_pclk.TimeOfEdge(edge) + extra);

    [Fact]
    public void CtcrResetsTo0_TimerMode()
    {
        Assert.Equal(0u, R(_t, CTCR));
        W(_t, TCR, CounterEnable);
        AtEdge(10);
        Assert.Equal(10u, R(_t, TC));
    }

    /// <summary>CTCR = 01 (rising, CAPn.0): the edge at tick t counts on the first PCLK edge after t, not before; falling edges do not count; PCLK alone does not count.</summary>
    [Fact]
    public void RisingEdgesCountOnThePclkEdgeAfterThem()
    {
        W(_t, CTCR, 0x1);
        W(_t, TCR, CounterEnable);
        AtEdge(10, 1);
        _cap[0].Set(true);                       // between edges 10 and 11
        AtEdge(11, -1);
        Assert.Equal(0u, R(_t, TC));             // not yet sampled
        AtEdge(11);
        Assert.Equal(1u, R(_t, TC));             // the sample at edge 11 sees the new level
        AtEdge(20);
        _cap[0].Set(false);                      // exactly at edge 20: the sample at 20 sees the level before
        AtEdge(30);
        Assert.Equal(1u, R(_t, TC));             // a falling edge: not counted
        _cap[0].Set(true);                       // at edge 30
        AtEdge(30, P - 1);
        Assert.Equal(1u, R(_t, TC));
        AtEdge(31);
        Assert.Equal(2u, R(_t, TC));
        AtEdge(1000);
        Assert.Equal(2u, R(_t, TC));             // nothing counts PCLK in counter mode
        Assert.Equal(0u, R(_t, PC));
    }

    /// <summary>CTCR = 10 counts falling edges, 11 both, on the input CTCR[3:2] selects (CAP1.2 here); other inputs do not count.</summary>
    [Fact]
    public void FallingAndBothEdgesOnTheSelectedInput()
    {
        W(_t, CTCR, 0x2 | (2 << 2));             // falling, CAPn.2
        W(_t, TCR, CounterEnable);
        for (int k = 0; k < 3; k++)
        {
            AtEdge(10 + 10 * k); _cap[2].Set(true);
            AtEdge(15 + 10 * k); _cap[2].Set(false);
        }
        AtEdge(50); _cap[0].Set(true); AtEdge(52); _cap[0].Set(false); // another input: ignored
        AtEdge(60);
        Assert.Equal(3u, R(_t, TC));
        W(_t, CTCR, 0x3 | (2 << 2));             // both edges
        AtEdge(70); _cap[2].Set(true);
        AtEdge(75); _cap[2].Set(false);
        AtEdge(80);
        Assert.Equal(5u, R(_t, TC));
        Assert.Empty(_warnings);
    }

    /// <summary>Two changes between PCLK samples (a pulse shorter than 1/PCLK, which the manual forbids) compare equal: no count.</summary>
    [Fact]
    public void APulseBetweenTwoSamplesIsNotSeen()
    {
        W(_t, CTCR, 0x3);
        W(_t, TCR, CounterEnable);
        AtEdge(10, 1); _cap[0].Set(true);
        AtEdge(10, 2); _cap[0].Set(false);
        AtEdge(20);
        Assert.Equal(0u, R(_t, TC));
    }

    /// <summary>The counted edges drive the prescaler (Table 157: they "increment ... PC, or clear PC and increment TC"), and a match acts as in timer mode: MR0 = 2 with reset and interrupt.</summary>
    [Fact]
    public void CountedEdgesGoThroughThePrescaler_AndMatchesAct()
    {
        W(_t, CTCR, 0x1);
        W(_t, PR, 1);                            // TC moves every second counted edge
        W(_t, MR0, 2);
        W(_t, MCR, MR0I | MR0R);
        W(_t, TCR, CounterEnable);
        for (int k = 0; k < 5; k++)
        {
            AtEdge(10 * k + 1, 1); _cap[0].Set(true);
            AtEdge(10 * k + 5); _cap[0].Set(false);
        }
        // Five rising edges: PC 1, TC 1, PC 1, TC 2 (match: IR.MR0 on the edge after), PC 1.
        AtEdge(100);
        Assert.Equal(2u, R(_t, TC));
        Assert.Equal(1u, R(_t, PC));
        Assert.Equal(1u, R(_t, IR));
        AtEdge(110, 1); _cap[0].Set(true);       // the sixth: reset on match takes TC from MR0 to 0
        AtEdge(112);
        Assert.Equal(0u, R(_t, TC));
        Assert.Equal(0u, R(_t, PC));
    }

    /// <summary>The fourth rising edge reaches MR0 = 4 on PCLK edge s; the interrupt flag rises on s + 1, as in timer mode.</summary>
    [Fact]
    public void TheMatchInterruptComesOnThePclkEdgeAfterTheCountingEdge()
    {
        W(_t, CTCR, 0x1);
        W(_t, MR0, 4);
        W(_t, MCR, MR0I);
        W(_t, TCR, CounterEnable);
        for (int k = 0; k < 3; k++)
        {
            AtEdge(10 * k + 1, 1); _cap[0].Set(true);
            AtEdge(10 * k + 5); _cap[0].Set(false);
        }
        AtEdge(31, 1); _cap[0].Set(true);        // the fourth rising edge: counted on edge 32, the interrupt on 33
        AtEdge(32, -1);
        Assert.Equal(3u, R(_t, TC));
        AtEdge(32);
        Assert.Equal(4u, R(_t, TC));
        Assert.Equal(0u, R(_t, IR));
        AtEdge(33);
        Assert.Equal(1u, R(_t, IR));
        Assert.True(_t.Int.Level);
    }

    /// <summary>Table 157: a capture on the counted input "must be programmed as 000": warned; CAPn.3 on Timer0 does not exist: warned.</summary>
    [Fact]
    public void MisprogrammingIsWarned()
    {
        W(_t, CCR, CAP0RE);
        W(_t, CTCR, 0x1);
        Assert.Contains("CCR programs a capture on CAPn.0, the input CTCR counts", string.Join("\n", _warnings));
        var t0 = new Lpc2000Timer("timer0", _b.Scheduler, _pclk, _warnings.Add, channel3Pins: false, part01: true);
        W(t0, CTCR, 0x1 | (3 << 2));
        Assert.Contains("timer0: CTCR = 0xD counts CAPn.3, which this timer does not have", string.Join("\n", _warnings));
    }

    /// <summary>The legacy part: offset 0x70 is reserved (warned, reads 0), and a CAP edge does not count.</summary>
    [Fact]
    public void TheLegacyPartHasNoCtcr()
    {
        var t = new Lpc2000Timer("legacy", _b.Scheduler, _pclk, _warnings.Add);
        var cap = new IrqLine("c");
        t.ConnectCapture(0, cap);
        W(t, CTCR, 0x1);
        Assert.Equal(0u, R(t, CTCR));
        Assert.Contains("legacy: write to reserved offset 0x070 ignored", string.Join("\n", _warnings));
        W(t, TCR, CounterEnable);
        AtEdge(10);
        Assert.Equal(10u, R(t, TC));             // timer mode: PCLK counts
    }
}
