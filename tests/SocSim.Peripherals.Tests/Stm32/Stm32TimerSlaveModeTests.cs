using SocSim.Core;
using SocSim.Peripherals.Stm32;
using static SocSim.Peripherals.Stm32.Stm32GpTimer;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests.Stm32;

/// <summary>
/// The TIM2-4 slave mode controller and master mode (RM0008 §15.3.12-15.3.16, §15.4.2-15.4.3), edges
/// driven on the inputs by the test, and TIM2 → TIM3 chained through TRGO → ITR1 (RM0008's "TIMx
/// internal trigger connection" table: TIM3's ITR1 is TIM2). Both timers on TIMxCLK = 72 MHz, one tick
/// per clock; every expected count is derived in the comment beside it.
/// </summary>
public sealed class Stm32TimerSlaveModeTests
{
    private const uint SMS_EXT1 = 7, SMS_GATED = 5, SMS_RESET = 4, SMS_TRIGGER = 6;
    private const uint TS_ITR1 = 1u << 4, TS_TI1F_ED = 4u << 4, TS_TI1FP1 = 5u << 4, TS_TI2FP2 = 6u << 4, TS_ETRF = 7u << 4;
    private const uint MMS_RESET = 0, MMS_ENABLE = 1u << 4, MMS_UPDATE = 2u << 4, MMS_COMPARE_PULSE = 3u << 4, MMS_OC1REF = 4u << 4;
    private const uint CC1S_TI1 = 1, CC2S_TI2 = 1u << 8;

    private readonly Scheduler _s = new(72_000_000, 1);
    private readonly ClockDomain _clk = new("TIMCLK1", 72_000_000, 1);
    private readonly List<string> _warnings = new();
    private readonly Stm32GpTimer _tim2, _tim3;
    private readonly IrqLine _ti1 = new("ti1"), _ti2 = new("ti2"), _etr = new("etr");

    public Stm32TimerSlaveModeTests()
    {
        _tim2 = new Stm32GpTimer("tim2", _s, _clk, _warnings.Add);
        _tim3 = new Stm32GpTimer("tim3", _s, _clk, _warnings.Add);
        Stm32GpTimer.Type.ConnectInput(_tim3, "TI1", _ti1);
        Stm32GpTimer.Type.ConnectInput(_tim3, "TI2", _ti2);
        Stm32GpTimer.Type.ConnectInput(_tim3, "ETR", _etr);
        Stm32GpTimer.Type.ConnectInput(_tim3, "ITR1", _tim2.Trgo);
    }

    private void At(long tick) { _s.Cycles = tick; _s.RunDue(); }

    private void Pulses(IrqLine line, int n, long from, long period)
    {
        for (int i = 0; i < n; i++)
        {
            At(from + i * period);
            line.Set(true);
            At(from + i * period + period / 2);
            line.Set(false);
        }
    }

    private List<(long, bool)> Record(IrqLine line)
    {
        var l = new List<(long, bool)>();
        line.Subscribe(v => l.Add((_s.EventTime, v)));
        return l;
    }

    /// <summary>
    /// §15.3.14 external clock mode 1 on TI2FP2 (SMS 111, TS 110, CC2S 01): each rising edge of TI2 is a
    /// prescaler clock. PSC 1: 10 edges → 5 counter ticks → CNT 5. Time alone does not count: CNT is
    /// still 5 thousands of TIMxCLK cycles later. TIF is set at each trigger edge.
    /// </summary>
    [Fact]
    public void ExternalClockMode1CountsTi2RisingEdges()
    {
        W(_tim3, CCMR1, CC2S_TI2);
        W(_tim3, SMCR, SMS_EXT1 | TS_TI2FP2);
        W(_tim3, PSC, 1);
        W(_tim3, EGR, UG);                    // PSC takes effect at the update event
        W(_tim3, SR, 0);
        W(_tim3, CR1, CEN);
        Pulses(_ti2, 10, 100, 40);
        Assert.Equal(5u, R(_tim3, CNT));
        Assert.Equal(TIF, R(_tim3, SR) & TIF);
        At(10_000);
        Assert.Equal(5u, R(_tim3, CNT));
        Assert.Equal(0, _s.PendingCount);     // the edge path schedules nothing
        // CC2P = 1: TI2FP2 is inverted, only TI2's falling edges count: 4 more pulses, 4 falling edges → 2 ticks → CNT 7.
        W(_tim3, CCER, 1u << 5);
        Pulses(_ti2, 4, 20_000, 40);
        Assert.Equal(7u, R(_tim3, CNT));
        Assert.Empty(_warnings);
    }

    /// <summary>TS = TI1F_ED: both edges of TI1 clock the counter: 3 pulses = 6 edges → CNT 6 (PSC 0).</summary>
    [Fact]
    public void ExternalClockMode1OnTi1EdgeDetectorCountsBothEdges()
    {
        W(_tim3, CCMR1, CC1S_TI1);
        W(_tim3, SMCR, SMS_EXT1 | TS_TI1F_ED);
        W(_tim3, CR1, CEN);
        Pulses(_ti1, 3, 100, 10);
        Assert.Equal(6u, R(_tim3, CNT));
    }

    /// <summary>
    /// §15.3.14 external clock mode 2 (ECE): ETP = 1 inverts ETR, ETPS = 01 divides ETRP by 2. 9 pulses:
    /// 9 falling edges of ETR = 9 rising edges of ETRP → 4 ETRF edges (the 2nd, 4th, 6th, 8th) → CNT 4.
    /// ARR 2 wraps: 0,1,2,0 → CNT 1 with UIF set at the wrap.
    /// </summary>
    [Fact]
    public void ExternalClockMode2CountsPrescaledEtrEdges()
    {
        W(_tim3, SMCR, ECE | ETP | (1u << 12));
        W(_tim3, CR1, CEN);
        Pulses(_etr, 9, 100, 10);
        At(200);
        Assert.Equal(4u, R(_tim3, CNT));
        W(_tim3, ARR, 2);
        W(_tim3, CNT, 0);
        Pulses(_etr, 8, 300, 10);            // 4 ETRF edges: 1, 2, 0 (UEV), 1
        At(400);
        Assert.Equal(1u, R(_tim3, CNT));
        Assert.Equal(UIF, R(_tim3, SR) & UIF);
    }

    /// <summary>ETRF as TRGI in external clock mode 1 (SMS 111, TS 111) counts the same edges as ECE: 5 rising edges → CNT 5.</summary>
    [Fact]
    public void ExternalClockMode1OnEtrf()
    {
        W(_tim3, SMCR, SMS_EXT1 | TS_ETRF);
        W(_tim3, CR1, CEN);
        Pulses(_etr, 5, 100, 10);
        Assert.Equal(5u, R(_tim3, CNT));
    }

    /// <summary>
    /// §15.3.15 gated mode on TI1FP1: the counter counts TIMxCLK while TI1 is high, keeping the
    /// prescaler's phase across the gate. PSC 3 (set by UG at tick 0): high 100-250 (150 clocks = 37
    /// ticks and 2 clocks toward the next), high 400-430 (30 clocks: (2 + 30) / 4 = 8 ticks) → CNT 45.
    /// TIF at the gate's edges.
    /// </summary>
    [Fact]
    public void GatedModeCountsWhileTi1IsHigh()
    {
        W(_tim3, CCMR1, CC1S_TI1);
        W(_tim3, SMCR, SMS_GATED | TS_TI1FP1);
        W(_tim3, PSC, 3);
        W(_tim3, EGR, UG);
        W(_tim3, SR, 0);
        W(_tim3, CR1, CEN);
        At(100); _ti1.Set(true);
        Assert.Equal(TIF, R(_tim3, SR));
        At(250); _ti1.Set(false);
        Assert.Equal(37u, R(_tim3, CNT));
        At(350);
        Assert.Equal(37u, R(_tim3, CNT));
        At(400); _ti1.Set(true);
        At(430); _ti1.Set(false);
        At(1000);
        Assert.Equal(45u, R(_tim3, CNT));
    }

    /// <summary>§15.3.15 reset mode: a TI1 rising edge at tick 500 reinitialises the counter (UIF, TIF); 20 clocks later CNT is 20.</summary>
    [Fact]
    public void ResetModeRestartsTheCounterAtTheTrigger()
    {
        W(_tim3, CCMR1, CC1S_TI1);
        W(_tim3, SMCR, SMS_RESET | TS_TI1FP1);
        W(_tim3, CR1, CEN);
        At(500);
        Assert.Equal(500u, R(_tim3, CNT));
        _ti1.Set(true);
        Assert.Equal(0u, R(_tim3, CNT));
        Assert.Equal(UIF | TIF, R(_tim3, SR) & (UIF | TIF));
        At(520);
        Assert.Equal(20u, R(_tim3, CNT));
        _ti1.Set(false);                     // falling: no reset
        At(530);
        Assert.Equal(30u, R(_tim3, CNT));
    }

    /// <summary>§15.3.15 trigger mode: a TI2 rising edge at tick 300 sets CEN; the counter counts from there: CNT 10 at 310.</summary>
    [Fact]
    public void TriggerModeStartsTheCounter()
    {
        W(_tim3, CCMR1, CC2S_TI2);
        W(_tim3, SMCR, SMS_TRIGGER | TS_TI2FP2);
        At(300);
        Assert.Equal(0u, R(_tim3, CR1) & CEN);
        _ti2.Set(true);
        Assert.Equal(CEN, R(_tim3, CR1) & CEN);
        At(310);
        Assert.Equal(10u, R(_tim3, CNT));
    }

    /// <summary>Drives <paramref name="cycles"/> quadrature cycles: TI1 leads TI2 forward (Table 87: every edge counts up in mode 3).</summary>
    private void Quadrature(int cycles, bool forward, ref long t)
    {
        (IrqLine a, IrqLine b) = forward ? (_ti1, _ti2) : (_ti2, _ti1);
        for (int i = 0; i < cycles; i++)
        {
            At(t += 10); a.Set(true);
            At(t += 10); b.Set(true);
            At(t += 10); a.Set(false);
            At(t += 10); b.Set(false);
        }
    }

    /// <summary>
    /// §15.3.12 encoder mode 3 (SMS 011, both inputs): 4 counts per quadrature cycle. 5 cycles forward →
    /// 20 (DIR 0); 2 back → 12 (DIR 1); 4 more back → 12 - 16 wraps below 0 to ARR: ARR 999 → 996, with
    /// an update event.
    /// </summary>
    [Fact]
    public void EncoderMode3CountsEveryEdge()
    {
        W(_tim3, CCMR1, CC1S_TI1 | CC2S_TI2);
        W(_tim3, SMCR, 3);
        W(_tim3, ARR, 999);
        W(_tim3, CR1, CEN);
        long t = 0;
        Quadrature(5, forward: true, ref t);
        Assert.Equal(20u, R(_tim3, CNT));
        Assert.Equal(0u, R(_tim3, CR1) & DIR);
        Quadrature(2, forward: false, ref t);
        Assert.Equal(12u, R(_tim3, CNT));
        Assert.Equal(DIR, R(_tim3, CR1) & DIR);
        Assert.Equal(0u, R(_tim3, SR) & UIF);
        Quadrature(4, forward: false, ref t);
        Assert.Equal(996u, R(_tim3, CNT));
        Assert.Equal(UIF, R(_tim3, SR) & UIF);
    }

    /// <summary>Encoder mode 1 counts TI2FP2's edges only, mode 2 TI1FP1's only: 2 counts per cycle each; 5 cycles → 10.</summary>
    [Theory]
    [InlineData(1u)]
    [InlineData(2u)]
    public void EncoderModes1And2CountOneInput(uint sms)
    {
        W(_tim3, CCMR1, CC1S_TI1 | CC2S_TI2);
        W(_tim3, SMCR, sms);
        W(_tim3, CR1, CEN);
        long t = 0;
        Quadrature(5, forward: true, ref t);
        Assert.Equal(10u, R(_tim3, CNT));
        Quadrature(1, forward: false, ref t);
        Assert.Equal(8u, R(_tim3, CNT));
    }

    /// <summary>
    /// §15.3.19 "using one timer as prescaler for another": TIM2 MMS = update, ARR 99: a UEV every 100
    /// clocks, each a TRGO pulse one clock long; TIM3 in external clock mode 1 on ITR1 counts them: at
    /// tick 1050 TIM2 has overflowed 10 times → TIM3 CNT 10, TIM2 CNT 50.
    /// </summary>
    [Fact]
    public void Tim3CountsTim2UpdateEvents()
    {
        var trgo = Record(_tim2.Trgo);
        W(_tim2, CR2, MMS_UPDATE);
        W(_tim2, ARR, 99);
        W(_tim3, SMCR, SMS_EXT1 | TS_ITR1);
        W(_tim3, CR1, CEN);
        W(_tim2, CR1, CEN);
        At(1050);
        Assert.Equal(50u, R(_tim2, CNT));
        Assert.Equal(10u, R(_tim3, CNT));
        Assert.Equal([(100L, true), (101L, false), (200L, true), (201L, false)], trgo.Take(4));
    }

    /// <summary>TIM2 MMS = compare pulse (CC1IF), CCR1 50, ARR 99: one pulse per period → TIM3 counts 10 by tick 1000 (matches at 50, 150, ..., 950).</summary>
    [Fact]
    public void Tim3CountsTim2ComparePulses()
    {
        W(_tim2, CR2, MMS_COMPARE_PULSE);
        W(_tim2, ARR, 99);
        W(_tim2, CCR1, 50);
        W(_tim3, SMCR, SMS_EXT1 | TS_ITR1);
        W(_tim3, CR1, CEN);
        W(_tim2, CR1, CEN);
        At(1000);
        Assert.Equal(10u, R(_tim3, CNT));
    }

    /// <summary>TIM2 MMS = OC1REF, PWM 1 with CCR1 25 of ARR 99: TIM3 gated on ITR1 counts 25 clocks per period → 250 by tick 1000.</summary>
    [Fact]
    public void Tim3GatedByTim2Pwm()
    {
        W(_tim2, CR2, MMS_OC1REF);
        W(_tim2, ARR, 99);
        W(_tim2, CCR1, 25);
        W(_tim2, CCMR1, 6u << 4);
        W(_tim3, SMCR, SMS_GATED | TS_ITR1);
        W(_tim3, CR1, CEN);
        W(_tim2, CR1, CEN);
        At(1000);
        Assert.Equal(250u, R(_tim3, CNT));
    }

    /// <summary>§15.3.15 starting two timers together: TIM2 MMS = enable, TIM3 in trigger mode on ITR1; TIM2's CEN at tick 100 starts both: CNT 200 each at tick 300.</summary>
    [Fact]
    public void Tim2EnableStartsTim3()
    {
        W(_tim2, CR2, MMS_ENABLE);
        W(_tim3, SMCR, SMS_TRIGGER | TS_ITR1);
        At(100);
        W(_tim2, CR1, CEN);
        At(300);
        Assert.Equal(200u, R(_tim2, CNT));
        Assert.Equal(200u, R(_tim3, CNT));
    }

    /// <summary>TIM2 MMS = reset: TIM2's UG is TRGO; TIM3 in reset mode on ITR1 restarts with it.</summary>
    [Fact]
    public void Tim2UpdateGenerationResetsTim3()
    {
        W(_tim2, CR2, MMS_RESET);
        W(_tim3, SMCR, SMS_RESET | TS_ITR1);
        W(_tim3, CR1, CEN);
        At(700);
        W(_tim2, EGR, UG);
        Assert.Equal(0u, R(_tim3, CNT));
        At(710);
        Assert.Equal(10u, R(_tim3, CNT));
    }

    /// <summary>CR2.TI1S: TI1 is CH1 XOR CH2 XOR CH3 (§15.4.2): a rising edge on TI2 alone is a rising edge of TI1 and captures on channel 1.</summary>
    [Fact]
    public void Ti1SelectionXorsTheInputs()
    {
        W(_tim3, CR2, TI1S);
        W(_tim3, CCMR1, CC1S_TI1);
        W(_tim3, CCER, 1);
        W(_tim3, CR1, CEN);
        At(77);
        _ti2.Set(true);
        Assert.Equal(77u, R(_tim3, CCR1));
        Assert.Equal(CCxIF(0), R(_tim3, SR) & CCxIF(0));
    }
}
