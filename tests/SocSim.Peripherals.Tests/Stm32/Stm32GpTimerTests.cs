using SocSim.Core;
using SocSim.Peripherals.Stm32;
using static SocSim.Peripherals.Stm32.Stm32GpTimer;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests.Stm32;

/// <summary>TIM2 on TIMxCLK = 72 MHz, one tick per timer clock; the enabling write at tick 0 starts the first prescaled tick PSC + 1 clocks later.</summary>
public sealed class Stm32GpTimerTests
{
    private readonly Scheduler _s = new(72_000_000, 1);
    private readonly ClockDomain _clk = new("TIMCLK1", 72_000_000, 1);
    private readonly List<string> _warnings = new();
    private readonly Stm32GpTimer _t;

    public Stm32GpTimerTests() => _t = new Stm32GpTimer("tim2", _s, _clk, _warnings.Add);

    private void At(long tick) { _s.Cycles = tick; _s.RunDue(); }

    private List<(long, bool)> Record(IrqLine line)
    {
        var l = new List<(long, bool)>();
        line.Subscribe(v => l.Add((_s.EventTime, v)));
        return l;
    }

    [Fact]
    public void ResetValues()
    {
        // RM0008 §15.4: every register 0 except ARR 0xFFFF.
        foreach (uint off in new[] { CR1, CR2, SMCR, DIER, SR, CCMR1, CCMR2, CCER, CNT, PSC, CCR1, CCR2, CCR3, CCR4 })
            Assert.Equal(0u, R(_t, off));
        Assert.Equal(0xFFFFu, R(_t, ARR));
        Assert.Equal(0, _s.PendingCount);
    }

    /// <summary>§15.3.2 Figure 100: up-counting 0..ARR, the overflow sets UIF; ARR = 9, PSC = 0: UEV every 10 clocks, CNT = clocks mod 10.</summary>
    [Fact]
    public void UpCountingOverflowsEveryArrPlusOneTicks()
    {
        W(_t, ARR, 9);
        W(_t, DIER, UIE);
        W(_t, CR1, CEN);
        At(3);
        Assert.Equal(3u, R(_t, CNT));
        At(9);
        Assert.Equal(9u, R(_t, CNT));
        Assert.False(_t.Interrupt.Level);
        At(10);
        Assert.Equal(0u, R(_t, CNT));
        Assert.True(_t.Interrupt.Level);
        W(_t, SR, ~UIF);
        Assert.False(_t.Interrupt.Level);
        At(27);
        Assert.Equal(7u, R(_t, CNT));
        // CCR1-4 are 0 and their channels are outputs (frozen): each match at CNT = 0 sets CC1IF-CC4IF too (§15.3.9).
        Assert.Equal(UIF | 0x1E, R(_t, SR));
    }

    /// <summary>
    /// §15.3.1: "the new prescaler ratio is taken into account at the next update event". The timer
    /// example writes PSC = 14400, ARR = 0xFFFF, CCR1 = 500 and CEN: the counter runs at TIMxCLK until
    /// its first overflow (65536 clocks), so CC1IF comes after 500 clocks; after the UEV each tick is 14401 clocks.
    /// </summary>
    [Fact]
    public void PrescalerIsPreloadedUntilTheUpdateEvent()
    {
        W(_t, PSC, 14400);
        W(_t, CCR1, 500);
        W(_t, DIER, 1u << 1);                  // CC1IE
        W(_t, CR1, CEN);
        At(499);
        Assert.False(_t.Interrupt.Level);
        At(500);
        Assert.True(_t.Interrupt.Level);
        Assert.Equal(0u, _t.ActivePrescaler);
        W(_t, SR, ~CCxIF(0));
        At(65536);
        Assert.Equal(14400u, _t.ActivePrescaler);
        Assert.Equal(UIF, R(_t, SR) & UIF);
        Assert.Equal(0u, R(_t, CNT));
        At(65536 + 500L * 14401 - 1);
        Assert.Equal(0u, R(_t, SR) & CCxIF(0));
        At(65536 + 500L * 14401);
        Assert.Equal(CCxIF(0), R(_t, SR) & CCxIF(0));
        Assert.Equal(500u, R(_t, CNT));
    }

    /// <summary>EGR.UG loads PSC at once and restarts the counter; with URS UIF stays clear.</summary>
    [Fact]
    public void UpdateGenerationLoadsTheShadowsAndRestarts()
    {
        W(_t, PSC, 1);
        W(_t, CR1, CEN | URS);
        At(100);
        W(_t, EGR, UG);
        Assert.Equal(1u, _t.ActivePrescaler);
        Assert.Equal(0u, R(_t, SR));
        At(110);
        Assert.Equal(5u, R(_t, CNT));
    }

    /// <summary>§15.3.9 PWM mode 1, up-counting: OC1REF high while CNT &lt; CCR1. ARR 99, CCR1 25: high for 25 clocks of every 100.</summary>
    [Fact]
    public void Pwm1OnChannel1()
    {
        var ch1 = Record(_t.Channel(0));
        W(_t, ARR, 99);
        W(_t, CCR1, 25);
        W(_t, CCMR1, 6u << 4);                 // OC1M = 110
        W(_t, CCER, 1);                        // CC1E
        Assert.True(_t.Channel(0).Level);      // CNT 0 < 25
        W(_t, CR1, CEN);
        At(300);
        Assert.Equal([(0L, true), (25L, false), (100L, true), (125L, false), (200L, true), (225L, false), (300L, true)], ch1);
        W(_t, CCER, 3);                        // CC1P: active low
        Assert.False(_t.Channel(0).Level);
    }

    /// <summary>Toggle mode (OC1M = 011): OC1REF toggles at each match: a square wave of period 2 (ARR + 1).</summary>
    [Fact]
    public void ToggleOnMatch()
    {
        var ch1 = Record(_t.Channel(0));
        W(_t, ARR, 9);
        W(_t, CCR1, 4);
        W(_t, CCMR1, 3u << 4);
        W(_t, CCER, 1);
        W(_t, CR1, CEN);
        At(40);
        Assert.Equal([(4L, true), (14L, false), (24L, true), (34L, false)], ch1);
    }

    /// <summary>Down-counting: ARR..0, the underflow reloads ARR: ARR = 4, UEV every 5 clocks; CNT 4,3,2,1,0,4...</summary>
    [Fact]
    public void DownCounting()
    {
        W(_t, ARR, 4);
        W(_t, CR1, DIR);
        W(_t, EGR, UG);                        // down: UG loads ARR into the counter
        W(_t, SR, 0);
        W(_t, CR1, DIR | CEN);
        Assert.Equal(4u, R(_t, CNT));
        At(4);
        Assert.Equal(0u, R(_t, CNT));
        Assert.Equal(0x1Eu, R(_t, SR));       // CNT reached CCR1-4 = 0
        At(5);
        Assert.Equal(4u, R(_t, CNT));
        Assert.Equal(UIF | 0x1E, R(_t, SR));
    }

    /// <summary>§15.3.2 centre-aligned: 0 up to ARR (overflow), down to 0 (underflow): ARR = 4, CNT 0,1,2,3,4,3,2,1,0; UEV every 4 clocks.</summary>
    [Fact]
    public void CentreAlignedCounting()
    {
        W(_t, ARR, 4);
        W(_t, CR1, (1u << 5) | CEN);
        var seen = new List<uint>();
        var uev = new List<long>();
        for (long t = 1; t <= 9; t++)
        {
            At(t);
            seen.Add(R(_t, CNT));
            if ((R(_t, SR) & UIF) != 0) { uev.Add(t); W(_t, SR, 0); }
        }
        Assert.Equal([1u, 2, 3, 4, 3, 2, 1, 0, 1], seen);
        Assert.Equal([4L, 8], uev);
    }

    /// <summary>§15.3.5 input capture: CC1S = 01, CC1E, rising edges: CCR1 takes CNT, CC1IF; a second capture before the flag is cleared sets CC1OF.</summary>
    [Fact]
    public void InputCapture()
    {
        var ti1 = new IrqLine("ti1");
        Stm32GpTimer.Type.ConnectInput(_t, "TI1", ti1);
        W(_t, CCMR1, 1);
        W(_t, CCER, 1);
        W(_t, CR1, CEN);
        At(1234);
        ti1.Set(true);
        Assert.Equal(1234u, R(_t, CCR1));
        Assert.Equal(CCxIF(0), R(_t, SR));
        At(1300);
        ti1.Set(false);                        // falling: not selected
        At(2000);
        ti1.Set(true);
        Assert.Equal(2000u, R(_t, CCR1));
        Assert.Equal(CCxIF(0) | CCxOF(0), R(_t, SR));
        Assert.Empty(_warnings);
    }

    /// <summary>No drift across a clock change: the counter keeps its count and continues at the new rate from the change.</summary>
    [Fact]
    public void ClockChangeKeepsTheCount()
    {
        W(_t, CR1, CEN);
        At(1000);
        _clk.SetFrequency(36_000_000, 1000);
        At(1000 + 2 * 500);
        Assert.Equal(1500u, R(_t, CNT));
    }
}
