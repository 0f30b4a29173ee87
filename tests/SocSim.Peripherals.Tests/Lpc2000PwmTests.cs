using SocSim.Core;
using static SocSim.Peripherals.Lpc2000Pwm;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests;

/// <summary>The LPC2106 PWM against UM10275 chapter 15 (Tables 162-169, Fig 55).</summary>
public sealed class Lpc2000PwmTests
{
    private const long P = 4; // ticks per PCLK period at 12 MHz on the 48 MHz bench
    private readonly Bench _b = new();
    private readonly ClockDomain _pclk = new("PCLK", 12_000_000, P);
    private readonly List<string> _warnings = new();
    private readonly Lpc2000Pwm _p;

    public Lpc2000PwmTests() => _p = new Lpc2000Pwm("pwm", _b.Scheduler, _pclk, _warnings.Add);

    private void AtEdge(long edge) => _b.At(_pclk.TimeOfEdge(edge));

    private List<(long Edge, bool Level)> Record(IrqLine line)
    {
        var list = new List<(long, bool)>();
        line.Subscribe(l => list.Add((_pclk.EdgesAt(_b.Scheduler.EventTime), l)));
        return list;
    }

    /// <summary>PWM mode with MR0 set first (a timer-mode write reaches the match register), as §15.5.2 asks.</summary>
    private void StartPwm(uint mr0, uint pr = 0)
    {
        W(_p, MR0, mr0);
        W(_p, PR, pr);
        W(_p, MCR, MR0R);
        W(_p, TCR, CounterReset);
        W(_p, TCR, CounterEnable | PwmEnable);
    }

    [Fact]
    public void DeclarationAndResetValues()
    {
        Assert.Equal("lpc_pwm", Lpc2000Pwm.Type.Name);
        Assert.Equal(0x4000u, Lpc2000Pwm.Type.WindowSize);
        Assert.Equal(new[] { "INT", "PWM1", "PWM2", "PWM3", "PWM4", "PWM5", "PWM6" }, Lpc2000Pwm.Type.Outputs);
        foreach (uint off in new[] { IR, TCR, TC, PR, PC, MCR, MR0, MR1, MR2, MR3, MR4, MR5, MR6, PCR, LER })
            Assert.Equal(0u, R(_p, off));
        Assert.Equal(0, _b.Scheduler.PendingCount);
        R(_p, 0x28);
        Assert.Equal(["pwm: read of reserved offset 0x028"], _warnings);
    }

    /// <summary>Table 166 and Fig 55: in PWM mode the counter resets to 1, so PWMTC runs 1..MR0 and the period is MR0 counts.</summary>
    [Fact]
    public void PwmModeCounterRunsFromOneToMr0()
    {
        StartPwm(5);
        long start = _pclk.EdgesAt(_b.Scheduler.Now);
        var seen = new List<uint>();
        for (int k = 1; k <= 12; k++) { AtEdge(start + k); seen.Add(R(_p, TC)); }
        Assert.Equal(new uint[] { 1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2 }, seen);
    }

    /// <summary>Timer mode (PWMTCR[3] = 0): the counter resets to 0 and the period is MR0 + 1 counts.</summary>
    [Fact]
    public void TimerModeCounterResetsToZero()
    {
        W(_p, MR0, 3);
        W(_p, MCR, MR0R);
        W(_p, TCR, CounterEnable);
        var seen = new List<uint>();
        for (int k = 1; k <= 9; k++) { AtEdge(k); seen.Add(R(_p, TC)); }
        Assert.Equal(new uint[] { 1, 2, 3, 0, 1, 2, 3, 0, 1 }, seen);
    }

    /// <summary>
    /// Single edge (§15.3.1): set by Match 0, reset by Match n, one PCLK edge after the count; period
    /// MR0·(PR+1), high MRn·(PR+1) PCLK cycles.
    /// </summary>
    [Theory]
    [InlineData(10u, 4u, 0u)]
    [InlineData(8u, 3u, 2u)]
    public void SingleEdgeOutputHasPeriodMr0AndHighTimeMrn(uint mr0, uint mr2, uint pr)
    {
        var pwm2 = Record(_p.Pwm(2));
        W(_p, MR2, mr2);
        W(_p, PCR, 1u << (EnaShift + 2));
        StartPwm(mr0, pr);
        AtEdge(5 * mr0 * (pr + 1) + 10);
        var rises = pwm2.Where(e => e.Level).Select(e => e.Edge).ToList();
        var falls = pwm2.Where(e => !e.Level).Select(e => e.Edge).ToList();
        Assert.True(rises.Count >= 4);
        long period = mr0 * (pr + 1);
        for (int i = 1; i < rises.Count; i++) Assert.Equal(period, rises[i] - rises[i - 1]);
        for (int i = 0; i < falls.Count; i++) Assert.Equal(mr2 * (pr + 1), falls[i] - rises[i]);
    }

    /// <summary>Double edge (PWMSEL2): set by Match 1, reset by Match 2 (Table 162), and a negative pulse when MR2 &lt; MR1.</summary>
    [Fact]
    public void DoubleEdgeOutputIsSetByMatchNMinus1()
    {
        var pwm2 = Record(_p.Pwm(2));
        var pwm4 = Record(_p.Pwm(4));
        W(_p, MR1, 3); W(_p, MR2, 7);             // positive pulse 3..7
        W(_p, MR3, 8); W(_p, MR4, 2);             // negative pulse: low 2..8
        W(_p, PCR, (1u << 2) | (1u << 4) | (1u << (EnaShift + 2)) | (1u << (EnaShift + 4)));
        StartPwm(10);
        long s = _pclk.EdgesAt(_b.Scheduler.Now);
        AtEdge(s + 35);
        // TC = k on edge s + k (k = 1..10); the flip-flop moves one edge after.
        Assert.Equal([(s + 4, true), (s + 8, false), (s + 14, true), (s + 18, false), (s + 24, true), (s + 28, false), (s + 34, true)], pwm2);
        Assert.Equal([(s + 9, true), (s + 13, false), (s + 19, true), (s + 23, false), (s + 29, true), (s + 33, false)], pwm4);
    }

    /// <summary>§15.5.9: in PWM mode a match write waits in its shadow until PWMLER releases it and Match 0 occurs; PWMLER then reads 0.</summary>
    [Fact]
    public void ShadowRegisterTakesEffectAtMatch0AfterLer()
    {
        var pwm2 = Record(_p.Pwm(2));
        W(_p, MR2, 4);
        W(_p, PCR, 1u << (EnaShift + 2));
        StartPwm(10);
        long s = _pclk.EdgesAt(_b.Scheduler.Now);
        AtEdge(s + 12);                            // cycle 2, TC = 2
        W(_p, MR2, 6);                             // shadow only
        Assert.Equal(6u, R(_p, MR2));              // reads the value written
        AtEdge(s + 25);
        Assert.Contains((s + 15, false), pwm2);    // still 4 in cycle 2
        Assert.Contains((s + 25, false), pwm2);    // and cycle 3: no LER
        W(_p, LER, 1u << 2);
        Assert.Equal(4u, R(_p, LER));
        AtEdge(s + 40);
        Assert.Equal(0u, R(_p, LER));              // cleared by the transfer at Match 0
        Assert.Contains((s + 37, false), pwm2);    // cycle 4 with MR2 = 6
        Assert.DoesNotContain((s + 35, false), pwm2);
    }

    /// <summary>Rule 2 and 4 (§15.3.2): MRn = 0 acts with Match 0, and reset wins: the output stays low; MRn &gt; MR0 stays high (rule 5).</summary>
    [Fact]
    public void ZeroMatchHoldsLowAndOutOfRangeHoldsHigh()
    {
        W(_p, MR3, 0);
        W(_p, MR5, 20);
        W(_p, PCR, (1u << (EnaShift + 3)) | (1u << (EnaShift + 5)));
        StartPwm(10);
        long s = _pclk.EdgesAt(_b.Scheduler.Now);
        for (int k = 2; k < 40; k += 3)
        {
            AtEdge(s + k);
            Assert.False(_p.Pwm(3).Level);
            if (k > 11) Assert.True(_p.Pwm(5).Level);
        }
    }

    /// <summary>Table 165 and 167: MR0-3 flags at bits 0-3, MR4-6 at 8-10; written 1 to clear; INT is their OR. PWMENA off holds the pin low.</summary>
    [Fact]
    public void InterruptFlagsAndEnable()
    {
        W(_p, MR4, 6);
        W(_p, MR0, 8);
        W(_p, MCR, MR0I | MR0R | (MR0I << 12));
        W(_p, TCR, CounterEnable | PwmEnable);
        AtEdge(7);                                 // TC = 6 on edge 6, flag on edge 7
        Assert.Equal(1u << 8, R(_p, IR));
        Assert.True(_p.Int.Level);
        AtEdge(9);
        Assert.Equal((1u << 8) | 1u, R(_p, IR));
        W(_p, IR, 1u << 8);
        Assert.Equal(1u, R(_p, IR));
        W(_p, IR, 1);
        Assert.False(_p.Int.Level);
        Assert.False(_p.Pwm(1).Level);             // PWMENA1 = 0 though its flip-flop was set by Match 0
    }

    /// <summary>Stop on match (Table 167): PWMTCR[0] clears and the counters hold MRn.</summary>
    [Fact]
    public void StopOnMatch()
    {
        W(_p, MR1, 5);
        W(_p, MCR, MR0S << 3);
        W(_p, TCR, CounterEnable);
        AtEdge(20);
        Assert.Equal(5u, R(_p, TC));
        Assert.Equal(0u, R(_p, TCR) & CounterEnable);
    }
}
