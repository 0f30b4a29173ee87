using SocSim.Core.Signals;
using SocSim.Trace.Vcd;

namespace SocSim.Trace.Tests;

public class VcdRoundTripTests
{
    [Fact]
    public void WriterOutputReadsBackWithScopesWidthsAndOrderedTimes()
    {
        var reg = new SignalRegistry(1_000_000_000); // 1 ns ticks: exact
        var clk = reg.Declare("cpu", "MCLK", 1);
        var a = reg.Declare("cpu", "A", 32);
        var f = reg.Declare("cpu.pipe", "fetch", 32, initial: 8);
        var txd = reg.Declare("uart0", "TXD", 1, initial: 1);
        var sw = new StringWriter();
        var w = new VcdWriter(sw, reg);
        Assert.Equal("1 ns", w.Time.Timescale);
        clk.Set(10, true);
        a.Set(10, 0x1234u);
        txd.Set(30, false);   // a future change written before earlier ones
        clk.Set(20, false);
        f.Set(20, 12u);
        a.Set(20, 0x1234u);  // unchanged: not written
        w.Close(40);
        string text = sw.ToString();
        Assert.Contains("$timescale 1ns $end", text);
        Assert.Contains("$scope module pipe $end", text);
        var v = VcdReader.Parse(text);
        Assert.Equal(1_000_000, v.UnitFs);
        Assert.Equal(["cpu.A", "cpu.MCLK", "cpu.pipe.fetch", "uart0.TXD"], v.Variables.Select(x => x.FullName).Order());
        Assert.Equal(32, v.Get("cpu.A").Width);
        Assert.Equal("1", v.Get("TXD").ValueAt(29));
        Assert.Equal("0", v.Get("TXD").ValueAt(30));
        Assert.Equal("1100", v.Get("fetch").ValueAt(25));
        Assert.Equal([0L, 10L, 20L], v.Get("MCLK").Changes.Select(c => c.Time));
        Assert.Equal(2, v.Get("cpu.A").Changes.Count);
        Assert.Equal(40, v.EndTime);
        var times = text.Split('\n').Where(l => l.StartsWith('#')).Select(l => long.Parse(l[1..])).ToList();
        Assert.Equal(times.Order(), times);
    }

    [Theory]
    [InlineData(600_000_000L, 1L, false)]       // versatilepb: 1 tick = 1666.66 ps, factor 3: 1 fs, rounded
    [InlineData(1_000_000_000L, 1_000_000L, true)] // 1 GHz: 1 ns exact
    [InlineData(200_000_000L, 1_000_000L, true)]   // 5 ns ticks: 1 ns unit (5 units per tick)
    [InlineData(400_000_000L, 100_000L, true)]     // 2.5 ns ticks: 100 ps
    public void TimescaleIsTheCoarsestExactUnitOrOneFemtosecond(long ticksPerSecond, long unitFs, bool exact)
    {
        var t = new VcdTime(ticksPerSecond);
        Assert.Equal(unitFs, t.UnitFs);
        Assert.Equal(exact, t.Exact);
        // Every tick within half a unit of its true time, computed from the absolute tick (no drift).
        foreach (long tick in new long[] { 0, 1, 25, 12, 600, 7_777_777, 600_000_000L * 3600 })
        {
            decimal trueUnits = (decimal)tick * VcdTime.FsPerSecond / ticksPerSecond / unitFs;
            Assert.True(Math.Abs(t.ToUnits(tick) - trueUnits) <= 0.5m, $"tick {tick}");
        }
    }

    [Theory]
    [InlineData(600_000_000L, null)]          // versatilepb's time base, 1 fs
    [InlineData(58_982_400L * 3, 1_000_000L)] // a 58.9824 MHz CPU in 1 ns units (ForCpuClock's fallback)
    [InlineData(600_000_000L, 100L)]
    [InlineData(7L, 1_000_000_000_000L)]      // a tiny, odd time base in 1 ms units
    [InlineData(999_999_937L, 1L)]            // a prime number of ticks per second
    public void InexactTimes_SteppedFromTheLastTick_EqualEachTicksOwnConversion(long ticksPerSecond, long? unitFs)
    {
        var stepped = new VcdTime(ticksPerSecond, unitFs);
        Assert.False(stepped.Exact);
        var rng = new Random(1234);
        long tick = 0;
        for (int i = 0; i < 20_000; i++)
        {
            // Mostly small steps (bus cycles), some large jumps, some repeats and a few steps back.
            tick += rng.Next(10) switch { 0 => 0, 1 => (long)(rng.NextDouble() * 1e9), 2 => -Math.Min(tick, rng.Next(1000)), _ => rng.Next(1, 50) };
            long fresh = new VcdTime(ticksPerSecond, unitFs).ToUnits(tick);
            Assert.Equal(fresh, stepped.ToUnits(tick));
            decimal trueUnits = (decimal)tick * VcdTime.FsPerSecond / ticksPerSecond / stepped.UnitFs;
            Assert.True(Math.Abs(fresh - trueUnits) <= 0.5m, $"tick {tick}");
        }
    }

    [Fact]
    public void VectorValuesAreWrittenInBinaryWithoutLeadingZeros()
    {
        var reg = new SignalRegistry(1_000_000_000);
        var a = reg.Declare("cpu", "A", 64);
        var sw = new StringWriter();
        var w = new VcdWriter(sw, reg);
        var rng = new Random(99);
        var values = new List<ulong> { 1, 0, 0x80, 0xFF, 0x100, 0x7F, 0xFFFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000 };
        for (int i = 0; i < 200; i++) values.Add((ulong)rng.NextInt64() >> rng.Next(64));
        long t = 1;
        foreach (var v in values) a.Set(t++, v);
        w.Close(t);
        var written = sw.ToString().Split('\n').Where(l => l.StartsWith('b')).Select(l => l.Split(' ')[0][1..]).ToList();
        var expected = new List<string>();
        ulong last = 0;
        foreach (var v in values) { if (v != last) expected.Add(Convert.ToString((long)v, 2)); last = v; }
        Assert.Equal(expected, written.Skip(written.Count - expected.Count));
    }

    [Fact]
    public void WindowPutsTheValuesAtItsStartInDumpvars()
    {
        var reg = new SignalRegistry(1_000_000_000);
        var x = reg.Declare("timer0", "TIMINTC", 1);
        var sw = new StringWriter();
        var w = new VcdWriter(sw, reg, new VcdWriterOptions { FromTick = 100, ToTick = 200 });
        x.Set(50, true);
        x.Set(150, false);
        x.Set(250, true);
        w.Close(300);
        var v = VcdReader.Parse(sw.ToString());
        Assert.Equal(100, v.StartTime);
        Assert.Equal([(100L, "1"), (150L, "0")], v.Get("TIMINTC").Changes.Select(c => (c.Time, c.Value)));
    }
}
