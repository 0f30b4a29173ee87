using SocSim.Core;
using static SocSim.Peripherals.Lpc2000Rtc;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests;

/// <summary>The LPC2106 RTC against UM10275 chapter 16 (Tables 170-186).</summary>
public sealed class Lpc2000RtcTests
{
    private readonly Bench _b = new();
    private readonly ClockDomain _pclk = new("PCLK", 12_000_000, 4);
    private readonly List<string> _warnings = new();
    private readonly Lpc2000Rtc _r;

    public Lpc2000RtcTests() => _r = new Lpc2000Rtc("rtc", _b.Scheduler, _pclk, _warnings.Add);

    private void AtEdge(long edge) => _b.At(_pclk.TimeOfEdge(edge));
    private long Edge => _pclk.EdgesAt(_b.Scheduler.Now);

    private void SetTime(uint year, uint month, uint dom, uint dow, uint doy, uint hour, uint min, uint sec)
    {
        W(_r, YEAR, year); W(_r, MONTH, month); W(_r, DOM, dom); W(_r, DOW, dow); W(_r, DOY, doy);
        W(_r, HOUR, hour); W(_r, MIN, min); W(_r, SEC, sec);
    }

    private string Time() =>
        $"{R(_r, YEAR):D4}-{R(_r, MONTH):D2}-{R(_r, DOM):D2} dow {R(_r, DOW)} doy {R(_r, DOY)} {R(_r, HOUR):D2}:{R(_r, MIN):D2}:{R(_r, SEC):D2}";

    [Fact]
    public void DeclarationAndReset()
    {
        Assert.Equal("lpc_rtc", Lpc2000Rtc.Type.Name);
        Assert.Equal(new[] { "INT" }, Lpc2000Rtc.Type.Outputs);
        W(_r, PREINT, 0xFFFF);
        W(_r, PREFRAC, 0xFFFF);
        Assert.Equal((0x1FFFu, 0x7FFFu), (R(_r, PREINT), R(_r, PREFRAC)));
        W(_r, SEC, 0xFF);
        W(_r, CIIR, 0x1FF);
        _r.Reset();                                        // Table 170 note 1: only the prescaler resets
        Assert.Equal((0u, 0u), (R(_r, PREINT), R(_r, PREFRAC)));
        Assert.Equal(0x3Fu, R(_r, SEC));
        Assert.Equal(0xFFu, R(_r, CIIR));
        Assert.Empty(_warnings);
    }

    /// <summary>§16.7.3's first example: PREINT = 1, PREFRAC = 1: 32767 reference clocks of 2 PCLKs and one (f = 16384, Table 186) of 3.</summary>
    [Fact]
    public void PrescalerExampleOneLongCycle()
    {
        W(_r, PREINT, 1);
        W(_r, PREFRAC, 1);
        W(_r, CCR, CTCRST);
        W(_r, CCR, CLKEN);
        long s = Edge;
        AtEdge(s + 2 * 16384);
        Assert.Equal(16384u << 1, R(_r, CTC));
        AtEdge(s + 2 * 16384 + 2);
        Assert.Equal(16384u << 1, R(_r, CTC));            // the long cycle
        AtEdge(s + 2 * 16384 + 3);
        Assert.Equal(16385u << 1, R(_r, CTC));
        AtEdge(s + 65536);
        Assert.Equal(0u, R(_r, SEC));
        Assert.Equal(32767u << 1, R(_r, CTC));
        AtEdge(s + 65537);                                 // 32768·2 + 1 PCLKs: one second
        Assert.Equal(1u, R(_r, SEC));
        Assert.Equal(0u, R(_r, CTC));
    }

    /// <summary>§16.7.3's second example: PCLK 10 MHz, PREINT = 304, PREFRAC = 5760: a second is exactly 10,000,000 PCLKs.</summary>
    [Fact]
    public void PrescalerTenMegahertzSecond()
    {
        W(_r, PREINT, 304);
        W(_r, PREFRAC, 5760);
        W(_r, CIIR, 1);
        var ints = new List<long>();
        _r.Int.Subscribe(l => { if (l) ints.Add(_pclk.EdgesAt(_b.Scheduler.EventTime)); });
        W(_r, CCR, CLKEN);
        long s = Edge;
        for (int k = 1; k <= 3; k++)
        {
            AtEdge(s + k * 10_000_000L - 1);
            Assert.Equal((uint)(k - 1), R(_r, SEC));
            AtEdge(s + k * 10_000_000L);
            Assert.Equal((uint)k, R(_r, SEC));
            W(_r, ILR, RTCCIF);
        }
        Assert.Equal([s + 10_000_000, s + 20_000_000, s + 30_000_000], ints);
    }

    [Fact]
    public void CountersRollOverAtTheEndOfTheYear()
    {
        W(_r, PREINT, 1);
        SetTime(2026, 12, 31, 4, 365, 23, 59, 59);
        W(_r, CCR, CLKEN);
        AtEdge(Edge + 65536);
        Assert.Equal("2027-01-01 dow 5 doy 1 00:00:00", Time());
        Assert.Equal(5u << 24, R(_r, CTIME0));
        Assert.Equal((2027u << 16) | (1u << 8) | 1u, R(_r, CTIME1));
        Assert.Equal(1u, R(_r, CTIME2));
    }

    /// <summary>§16.5.13: a year with bits 1:0 = 0 is a leap year (2100 too).</summary>
    [Theory]
    [InlineData(2028u, "2028-02-29 dow 2 doy 60 00:00:00")]
    [InlineData(2027u, "2027-03-01 dow 2 doy 60 00:00:00")]
    [InlineData(2100u, "2100-02-29 dow 2 doy 60 00:00:00")]
    public void February(uint year, string expected)
    {
        W(_r, PREINT, 1);
        SetTime(year, 2, 28, 1, 59, 23, 59, 59);
        W(_r, CCR, CLKEN);
        AtEdge(Edge + 65536);
        Assert.Equal(expected, Time());
    }

    /// <summary>CIIR (Table 175): only an increment of a selected counter sets RTCCIF; ILR clears by writing 1.</summary>
    [Fact]
    public void CounterIncrementInterruptOnMinutes()
    {
        W(_r, PREINT, 1);
        SetTime(2026, 1, 1, 0, 1, 0, 0, 58);
        W(_r, CIIR, 2);                                    // IMMIN
        W(_r, CCR, CLKEN);
        long s = Edge;
        AtEdge(s + 65536);
        Assert.Equal(0u, R(_r, ILR));
        AtEdge(s + 2 * 65536);
        Assert.Equal(RTCCIF, R(_r, ILR));
        Assert.True(_r.Int.Level);
        W(_r, ILR, RTCALF);                                // 0 in the CIF bit: no effect
        Assert.Equal(RTCCIF, R(_r, ILR));
        W(_r, ILR, RTCCIF);
        Assert.False(_r.Int.Level);
    }

    /// <summary>The alarm (§16.5.7) fires on the change from no match to match, not while the match lasts; all masked disables it.</summary>
    [Fact]
    public void AlarmOnTheTransitionToMatch()
    {
        W(_r, PREINT, 1);
        SetTime(2026, 1, 1, 0, 1, 0, 0, 0);
        W(_r, ALSEC, 2);
        W(_r, ALMIN, 7);                                   // masked below
        W(_r, AMR, 0xFE);
        W(_r, CCR, CLKEN);
        long s = Edge;
        AtEdge(s + 65536);
        Assert.Equal(0u, R(_r, ILR));
        AtEdge(s + 2 * 65536);
        Assert.Equal(RTCALF, R(_r, ILR));
        W(_r, ILR, RTCALF);
        W(_r, AMR, 0xFE);                                  // still matching: no new alarm
        Assert.Equal(0u, R(_r, ILR));
        AtEdge(s + 62 * 65536);                            // 00:01:02
        Assert.Equal(RTCALF, R(_r, ILR));
        W(_r, ILR, RTCALF);
        W(_r, AMR, 0xFF);
        AtEdge(s + 122 * 65536);
        Assert.Equal(0u, R(_r, ILR));
    }

    /// <summary>Our choice: CLKEN = 0 stops the divider too (it resumes where it stopped); CTCRST holds it at 0; PREINT 0 warns.</summary>
    [Fact]
    public void ClockEnableAndCtcReset()
    {
        W(_r, CCR, CLKEN);
        Assert.Equal(["rtc: CCR.CLKEN with PREINT = 0: the prescaler needs PREINT >= 1 (UM10275 §16.7.1), the RTC does not count"], _warnings);
        W(_r, PREINT, 1);
        long s = Edge;
        AtEdge(s + 1000);
        Assert.Equal(500u << 1, R(_r, CTC));
        W(_r, CCR, 0);
        AtEdge(s + 5000);
        Assert.Equal(500u << 1, R(_r, CTC));
        W(_r, CCR, CLKEN);
        AtEdge(s + 5000 + 65536 - 1000);
        Assert.Equal(1u, R(_r, SEC));
        W(_r, CCR, CLKEN | CTCRST);
        AtEdge(Edge + 100);
        Assert.Equal(0u, R(_r, CTC));
        W(_r, CCR, CLKEN);
        AtEdge(Edge + 65536);
        Assert.Equal(2u, R(_r, SEC));
    }
}
