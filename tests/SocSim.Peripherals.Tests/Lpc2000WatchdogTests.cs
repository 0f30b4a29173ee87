using SocSim.Core;
using static SocSim.Peripherals.Lpc2000Watchdog;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests;

public sealed class Lpc2000WatchdogTests
{
    private const long P = 4; // ticks per PCLK period at 12 MHz on the 48 MHz bench
    private readonly Bench _b = new();
    private readonly ClockDomain _pclk = new("PCLK", 12_000_000, P);
    private readonly List<string> _warnings = new();
    private readonly List<(long Tick, string Reason)> _resets = new();
    private readonly Lpc2000Watchdog _w;

    public Lpc2000WatchdogTests() =>
        _w = new Lpc2000Watchdog("wdt", _b.Scheduler, _pclk, _warnings.Add, reason => _resets.Add((_b.Scheduler.EventTime, reason)));

    private void AtEdge(long edge, long extra = 0) => _b.At(_pclk.TimeOfEdge(edge) + extra);

    private void Feed()
    {
        W(_w, WDFEED, 0xAA);
        W(_w, WDFEED, 0x55);
    }

    [Fact]
    public void Declaration()
    {
        Assert.Equal("lpc_wdt", Lpc2000Watchdog.Type.Name);
        Assert.Equal(0x4000u, Lpc2000Watchdog.Type.WindowSize);
        Assert.Equal(new[] { "INT" }, Lpc2000Watchdog.Type.Outputs);
    }

    [Fact]
    public void ResetValues()
    {
        Assert.Equal(0u, R(_w, WDMOD));
        Assert.Equal(0xFFu, R(_w, WDTC));
        Assert.Equal(0xFFu, R(_w, WDTV));
        Assert.Equal(0u, R(_w, WDFEED));
        Assert.False(_w.Int.Level);
        Assert.Equal(0, _b.Scheduler.PendingCount);
    }

    [Fact]
    public void WdtcBelowMinimumLoads0xFF()
    {
        W(_w, WDTC, 0x10);
        Assert.Equal(0xFFu, R(_w, WDTC));
        W(_w, WDTC, 0x100);
        Assert.Equal(0x100u, R(_w, WDTC));
    }

    [Fact]
    public void TimeoutAfterWdtcPlusOneTimesFourPclkCycles()
    {
        var ints = new List<long>();
        _w.Int.Subscribe(l => { if (l) ints.Add(_b.Scheduler.EventTime); });
        W(_w, WDTC, 0x1000);
        W(_w, WDMOD, WDEN); // interrupt mode
        Feed(); // at PCLK edge 0
        Assert.Equal(0x1000u, R(_w, WDTV));
        AtEdge(3);
        Assert.Equal(0x1000u, R(_w, WDTV));
        AtEdge(4);
        Assert.Equal(0xFFFu, R(_w, WDTV));
        AtEdge(4 * 0x1000);
        Assert.Equal(0u, R(_w, WDTV));
        AtEdge(4 * 0x1001, -1);
        Assert.False(_w.Int.Level);
        Assert.Equal(WDEN, R(_w, WDMOD));
        AtEdge(4 * 0x1001); // underflow: (WDTC + 1) · 4 PCLK cycles after the feed
        Assert.True(_w.Int.Level);
        Assert.Equal(new[] { _pclk.TimeOfEdge(4 * 0x1001) }, ints);
        Assert.Equal(WDTOF | WDINT, R(_w, WDMOD)); // WDEN cleared by the underflow
        Assert.Empty(_resets);
        AtEdge(100_000);
        Assert.Equal(0u, R(_w, WDTV));
        Assert.Equal(0, _b.Scheduler.PendingCount);
    }

    [Fact]
    public void MinimumTimeoutIs256Times4PclkCycles()
    {
        W(_w, WDMOD, WDEN | WDRESET);
        AtEdge(7, 1);
        Feed();
        AtEdge(7 + 1024, -1);
        Assert.Empty(_resets);
        AtEdge(7 + 1024);
        Assert.Equal(new[] { (_pclk.TimeOfEdge(7 + 1024), "watchdog timeout") }, _resets);
    }

    [Fact]
    public void EnableAloneDoesNotStartTheWatchdog()
    {
        W(_w, WDMOD, WDEN | WDRESET);
        AtEdge(1_000_000);
        Assert.Equal(0xFFu, R(_w, WDTV));
        Assert.False(_w.Int.Level);
        // Feed errors are ignored until the first valid feed.
        W(_w, WDFEED, 0xAA);
        R(_w, WDTV);
        AtEdge(1_000_010);
        Assert.Empty(_resets);
        Assert.Equal(0, _b.Scheduler.PendingCount);
    }

    [Fact]
    public void FeedWithoutWdenReloadsButDoesNotCount()
    {
        W(_w, WDTC, 0x500);
        Feed();
        Assert.Equal(0x500u, R(_w, WDTV));
        AtEdge(100_000);
        Assert.Equal(0x500u, R(_w, WDTV));
        Assert.Equal(0, _b.Scheduler.PendingCount);
    }

    [Fact]
    public void FeedingInTimePostponesTheTimeout()
    {
        W(_w, WDTC, 0x3FF);
        W(_w, WDMOD, WDEN | WDRESET);
        Feed();
        for (int k = 1; k <= 10; k++)
        {
            AtEdge(4000L * k, 2);
            Assert.Equal(0x3FFu - 1000u, R(_w, WDTV)); // 4000 edges since the last feed
            Feed();
            Assert.Equal(0x3FFu, R(_w, WDTV));
        }
        Assert.Empty(_resets);
        AtEdge(40_000 + 4096, -1);
        Assert.Empty(_resets);
        AtEdge(40_000 + 4096);
        Assert.Single(_resets);
    }

    [Fact]
    public void ResetModeRequestsSystemResetAndKeepsWdtof()
    {
        W(_w, WDMOD, WDEN | WDRESET);
        Feed();
        AtEdge(1024);
        Assert.Equal(new[] { (_pclk.TimeOfEdge(1024), "watchdog timeout") }, _resets);
        Assert.True(_w.Int.Level);
        _w.Reset(); // the machine's reset that the request leads to
        Assert.Equal(WDTOF, R(_w, WDMOD));
        Assert.False(_w.Int.Level);
        Assert.Equal(0xFFu, R(_w, WDTC));
        Assert.Equal(0xFFu, R(_w, WDTV));
        // Software clears WDTOF by writing 0 to it; writing 1 does not set it.
        W(_w, WDMOD, WDTOF);
        Assert.Equal(WDTOF, R(_w, WDMOD));
        W(_w, WDMOD, 0);
        Assert.Equal(0u, R(_w, WDMOD));
        W(_w, WDMOD, WDTOF);
        Assert.Equal(0u, R(_w, WDMOD));
    }

    [Fact]
    public void ExternalResetClearsWdtof()
    {
        W(_w, WDMOD, WDEN);
        Feed();
        AtEdge(1024);
        Assert.Equal(WDTOF | WDINT, R(_w, WDMOD));
        _w.ExternalReset();
        Assert.Equal(0u, R(_w, WDMOD));
    }

    [Fact]
    public void WdenAndWdresetCannotBeClearedBySoftware()
    {
        W(_w, WDMOD, WDEN);
        W(_w, WDMOD, 0);
        Assert.Equal(WDEN, R(_w, WDMOD));
        W(_w, WDMOD, WDRESET);
        Assert.Equal(WDEN | WDRESET, R(_w, WDMOD));
        W(_w, WDMOD, WDINT); // read-only
        Assert.Equal(WDEN | WDRESET, R(_w, WDMOD));
    }

    [Fact]
    public void IncorrectFeedResetsOnTheSecondPclk()
    {
        W(_w, WDMOD, WDEN | WDRESET);
        Feed();
        AtEdge(100, 1);
        W(_w, WDFEED, 0xAA);
        Assert.Equal(0xFFu - 25u, R(_w, WDTV)); // the incorrect access: a read of WDTV
        AtEdge(102, -1);
        Assert.Empty(_resets);
        AtEdge(102);
        Assert.Equal(new[] { (_pclk.TimeOfEdge(102), "watchdog feed sequence error") }, _resets);
        Assert.Equal(WDTOF | WDINT, R(_w, WDMOD));
        Assert.Equal(0, _b.Scheduler.PendingCount);
    }

    /// <summary>UM10275 §17.4.3: an interrupt (the core's IRQ/FIQ entry) inside the feed sequence is an incorrect access.</summary>
    [Fact]
    public void AnInterruptInsideTheFeedTriggersOnTheSecondPclk()
    {
        W(_w, WDMOD, WDEN | WDRESET);
        Feed();
        AtEdge(50);
        _w.InterruptEntered();                  // outside a sequence: nothing
        W(_w, WDFEED, 0xAA);
        AtEdge(60, 1);
        _w.InterruptEntered();
        AtEdge(62, -1);
        Assert.Empty(_resets);
        AtEdge(62);
        Assert.Equal(new[] { (_pclk.TimeOfEdge(62), "watchdog feed sequence error") }, _resets);
    }

    [Fact]
    public void SecondAaIsAnIncorrectFeed()
    {
        W(_w, WDMOD, WDEN);
        Feed();
        AtEdge(10);
        W(_w, WDFEED, 0xAA);
        W(_w, WDFEED, 0xAA);
        W(_w, WDFEED, 0x55);
        AtEdge(12);
        Assert.True(_w.Int.Level);
        Assert.Equal(WDTOF | WDINT, R(_w, WDMOD));
    }

    [Fact]
    public void StrayFeedValuesOutsideASequenceAreIgnored()
    {
        W(_w, WDMOD, WDEN | WDRESET);
        Feed();
        W(_w, WDFEED, 0x55);
        W(_w, WDFEED, 0x12);
        AtEdge(1023);
        Assert.Empty(_resets);
        Assert.Equal(0u, R(_w, WDTV));
    }

    [Fact]
    public void TimeoutStaysExactAcrossPclkChanges()
    {
        W(_w, WDTC, 0x1000);
        W(_w, WDMOD, WDEN | WDRESET);
        Feed();
        // 4 ticks per edge up to edge 1000 (tick 4000), then 1 tick per edge, then 3 from edge 3002.
        _b.At(4000);
        _pclk.SetFrequency(48_000_000, 4000);
        Assert.Equal(0x1000u - 250u, R(_w, WDTV));
        _b.At(4000 + 2002);
        _pclk.SetFrequency(16_000_000, 6002);
        _b.At(6002 + 3 * (4 * 0x1001 - 3002) - 1);
        Assert.Empty(_resets);
        _b.At(6002 + 3 * (4 * 0x1001 - 3002));
        Assert.Equal(new[] { (6002 + 3L * (4 * 0x1001 - 3002), "watchdog timeout") }, _resets);
    }

    [Fact]
    public void ReservedOffsetsWarn()
    {
        Assert.Equal(0u, R(_w, 0x10));
        W(_w, 0x20, 1);
        Assert.Equal(new[] { "wdt: read of reserved offset 0x010", "wdt: write to reserved offset 0x020 ignored" }, _warnings);
    }
}
