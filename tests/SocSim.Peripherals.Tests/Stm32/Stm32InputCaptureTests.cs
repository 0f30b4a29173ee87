using SocSim.Core;
using SocSim.Peripherals.Stm32;
using static SocSim.Peripherals.Stm32.Stm32GpTimer;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests.Stm32;

/// <summary>
/// Input capture's filter (ICxF), prescaler (ICxPSC) and input selection (CCxS), RM0008 §15.3.5 and
/// §15.4.7. TIM2 on an 8 MHz TIMxCLK, one tick per clock edge; CEN at tick 0, PSC 0: CNT = the tick.
/// </summary>
public sealed class Stm32InputCaptureTests
{
    private readonly Scheduler _s = new(8_000_000, 1);
    private readonly ClockDomain _clk = new("TIMCLK1", 8_000_000, 1);
    private readonly List<string> _warnings = new();
    private readonly Stm32GpTimer _t;
    private readonly IrqLine[] _ti = [new("ti1"), new("ti2"), new("ti3"), new("ti4")];
    private readonly IrqLine _itr1 = new("itr1");

    public Stm32InputCaptureTests()
    {
        _t = new Stm32GpTimer("tim2", _s, _clk, _warnings.Add);
        for (int i = 0; i < 4; i++) Stm32GpTimer.Type.ConnectInput(_t, $"TI{i + 1}", _ti[i]);
        Stm32GpTimer.Type.ConnectInput(_t, "ITR1", _itr1);
    }

    private void At(long tick) { _s.Cycles = tick; _s.RunDue(); }

    /// <summary>
    /// RM0008 §15.4.7 TIMx_CCMR1 IC1F table: (ICxF, CKD, the sampling period in CK_INT clocks, N).
    /// 0011: f_CK_INT, N = 8; 0100: f_DTS/2, N = 6 with t_DTS = 2 t_CK_INT (CKD 01): a sample every 4
    /// clocks; 1010: f_DTS/16, N = 5, CKD 00: every 16; 1111: f_DTS/32, N = 8, CKD 10 (t_DTS = 4 t_CK_INT):
    /// every 128.
    /// </summary>
    public static TheoryData<uint, uint, long, long> FilterRows() => new()
    {
        { 0b0011, 0, 1, 8 },
        { 0b0100, 1, 4, 6 },
        { 0b1010, 0, 16, 5 },
        { 0b1111, 2, 128, 8 },
    };

    /// <summary>
    /// A pulse on TI1 that starts at tick r is first sampled at the first sampling tick after r,
    /// s = (r / period + 1) × period (the model's choice of the sampling clock's phase: multiples of its
    /// period), and TI1F rises at the Nth sample, s + (N - 1) × period, if TI1 is still high there. A pulse
    /// ending one tick before that captures nothing; one ending at it captures, CCR1 = that tick.
    /// </summary>
    [Theory]
    [MemberData(nameof(FilterRows))]
    public void TheFilterPassesOnlyPulsesOfNSamples(uint icf, uint ckd, long period, long n)
    {
        W(_t, CCMR1, icf << 4 | 1);                          // CC1S = 01, IC1F
        W(_t, CCER, 1);
        W(_t, CR1, ckd << 8 | CEN);
        long rise = 1001;
        long nth = (rise / period + 1) * period + (n - 1) * period;
        At(rise); _ti[0].Set(true);
        At(nth - 1); _ti[0].Set(false);                      // just shorter
        At(nth + 3 * period);
        Assert.Equal(0u, R(_t, SR) & CCxIF(0));

        rise = nth + 5 * period + 3;
        nth = (rise / period + 1) * period + (n - 1) * period;
        At(rise); _ti[0].Set(true);
        At(nth - 1);
        Assert.Equal(0u, R(_t, SR) & CCxIF(0));
        At(nth);                                             // long enough: TI1F rises at the Nth sample
        Assert.Equal(CCxIF(0), R(_t, SR) & CCxIF(0));
        Assert.Equal((uint)nth, R(_t, CCR1));
        _ti[0].Set(false);
        Assert.Empty(_warnings);
    }

    /// <summary>A glitch inside a pulse restarts the count: N consecutive samples are needed (ICxF 0011: 8 clocks).</summary>
    [Fact]
    public void AGlitchRestartsTheFilter()
    {
        W(_t, CCMR1, 0b0011u << 4 | 1);
        W(_t, CCER, 1);
        W(_t, CR1, CEN);
        At(100); _ti[0].Set(true);
        At(105); _ti[0].Set(false);
        At(106); _ti[0].Set(true);                           // samples from 107
        At(113);
        Assert.Equal(0u, R(_t, SR) & CCxIF(0));
        At(114);
        Assert.Equal(114u, R(_t, CCR1));
    }

    /// <summary>ICxPSC = 10: a capture every 4 rising edges (the 4th and the 8th: CC1OF, the flag was still set); clearing CC1E restarts the count.</summary>
    [Fact]
    public void ThePrescalerCapturesEveryFourthEdge()
    {
        W(_t, CCMR1, 2u << 2 | 1);                           // IC1PSC = 10, CC1S = 01
        W(_t, CCER, 1);
        W(_t, CR1, CEN);
        for (int k = 1; k <= 9; k++)
        {
            At(100 * k); _ti[0].Set(true);
            At(100 * k + 50); _ti[0].Set(false);
            if (k == 4) Assert.Equal((CCxIF(0), 400u), (R(_t, SR) & 0x1FFF, R(_t, CCR1)));
        }
        Assert.Equal(800u, R(_t, CCR1));
        Assert.Equal(CCxIF(0) | CCxOF(0), R(_t, SR) & 0x1FFF);
        W(_t, SR, 0);
        W(_t, CCER, 0);                                      // the 9th edge's count is dropped
        W(_t, CCER, 1);
        for (int k = 10; k <= 13; k++)
        {
            At(100 * k); _ti[0].Set(true);
            At(100 * k + 50); _ti[0].Set(false);
        }
        Assert.Equal(1300u, R(_t, CCR1));
    }

    /// <summary>CCxS = 10: CC1 captures TI2, CC2 TI1, CC3 TI4, CC4 TI3 (each with its own CCxP); its own input does nothing.</summary>
    [Fact]
    public void CrossMappedInputs()
    {
        W(_t, CCMR1, 0x0202);                                // CC1S = CC2S = 10
        W(_t, CCMR2, 0x0202);                                // CC3S = CC4S = 10
        W(_t, CCER, 0x1111 | 1u << 5);                       // CC2P: CC2 on falling edges
        W(_t, CR1, CEN);
        At(10); _ti[1].Set(true);                            // TI2 rising: CC1
        At(20); _ti[0].Set(true);                            // TI1 rising: nothing (CC2 falling)
        At(30); _ti[0].Set(false);                           // TI1 falling: CC2
        At(40); _ti[3].Set(true);                            // TI4: CC3
        At(50); _ti[2].Set(true);                            // TI3: CC4
        Assert.Equal([10u, 30u, 40u, 50u], new[] { R(_t, CCR1), R(_t, CCR2), R(_t, CCR3), R(_t, CCR4) });
        Assert.Equal(0x1Eu, R(_t, SR) & 0x1FFF);
        Assert.Empty(_warnings);
    }

    /// <summary>CCxS = 11 captures on TRC, here ITR1 (SMCR.TS = 001); with TS = 101 (TI1FP1) TRC is no internal trigger: warned, no capture.</summary>
    [Fact]
    public void TrcCapturesTheSelectedInternalTrigger()
    {
        W(_t, SMCR, 1u << 4);                                // TS = ITR1, no slave mode
        W(_t, CCMR1, 3);                                     // CC1S = 11
        W(_t, CCER, 1);
        W(_t, CR1, CEN);
        At(77); _itr1.Set(true);
        Assert.Equal(77u, R(_t, CCR1));
        At(90); _itr1.Set(false);
        W(_t, SR, 0);
        W(_t, SMCR, 5u << 4);                                // TS = TI1FP1
        At(100); _ti[0].Set(true);
        Assert.Equal(0u, R(_t, SR) & CCxIF(0));
        Assert.Equal("tim2: CC1S = 11 captures on TRC, which needs SMCR.TS to select ITR0-3 or TI1F_ED (TS = 5): no capture (RM0008 §15.4.7)", Assert.Single(_warnings));
    }
}
