using System.Text.RegularExpressions;
using SocSim.Trace.Vcd;

namespace SocSim.Trace.Tests;

/// <summary>The default VCD time unit, the edge-rounding report, and tracing only inside --vcd-from/--vcd-to.</summary>
public class VcdWindowTests
{
    [Theory]
    [InlineData(600_000_000L, 12L, 10_000_000L)]        // versatilepb: 50 MHz CPU (20 ns, edges every 10 ns) on a 600 MHz tick: 10 ns
    [InlineData(50_000_000L, 1L, 10_000_000L)]          // 50 MHz alone
    [InlineData(2_000_000L, 2L, 100_000_000L)]          // 1 MHz: edges every 500 ns: 100 ns
    [InlineData(600_000_000L, 3L, 100_000L)]            // 200 MHz CPU, half period 2.5 ns: 100 ps
    [InlineData(58_982_400L, 1L, 1_000_000L)]           // 58.9824 MHz: no decimal unit is exact: 1 ns
    public void DefaultUnitIsTheCoarsestThatHoldsBothCpuClockEdges(long ticksPerSecond, long cpuPeriodTicks, long unitFs)
    {
        var t = VcdTime.ForCpuClock(ticksPerSecond, cpuPeriodTicks);
        Assert.Equal(unitFs, t.UnitFs);
        bool exact = (decimal)cpuPeriodTicks * VcdTime.FsPerSecond / ticksPerSecond / 2 % unitFs == 0;
        Assert.Equal(exact, t.MaxEdgeErrorFs(cpuPeriodTicks) == 0 && (cpuPeriodTicks % 2 != 0 || t.MaxEdgeErrorFs(cpuPeriodTicks / 2) == 0));
        if (exact) Assert.Equal(unitFs, VcdTime.ForCpuClock(ticksPerSecond, cpuPeriodTicks).UnitFs);
    }

    [Fact]
    public void MaxEdgeErrorIsTheWorstRoundingOverAllEdges()
    {
        // UARTCLK 24 MHz (25 ticks of 1/600 MHz) in 10 ns units: edges at 41.67 ns steps fall 0, 1.67, 3.33, 5, ... ns off a unit.
        var t = VcdTime.ForCpuClock(600_000_000, 12);
        Assert.Equal(5_000_000, t.MaxEdgeErrorFs(25));
        Assert.Equal(0, t.MaxEdgeErrorFs(600));       // TIMCLK 1 MHz: exact
        // Brute force over many edges agrees with the closed form.
        foreach (long p in new long[] { 7, 25, 12, 600, 33 })
        {
            double worst = 0;
            for (long k = 0; k < 5000; k++)
            {
                decimal trueFs = (decimal)k * p * VcdTime.FsPerSecond / 600_000_000;
                worst = Math.Max(worst, (double)Math.Abs(t.ToUnits(k * p) * t.UnitFs - trueFs));
            }
            Assert.Equal(t.MaxEdgeErrorFs(p), worst, 3);
        }
    }

    [Fact]
    public void CliDefaultIs10nsOnVersatilepbAndTheCommentStatesTheOtherClocksError()
    {
        var vcd = Path.Combine(Tools.TempDir(), "d.vcd");
        var (exit, _, err) = SocsimCli.Run("run", "--vcd", vcd, "--signals", "uart0.TXD,cpu.nIRQ", "--vcd-mclk", "--stats");
        Assert.True(exit == 0, err);
        var text = File.ReadAllText(vcd);
        Assert.Contains("$timescale 10ns $end", text);
        Assert.Contains("every CPUCLK (CPU clock) edge is exact", text);
        Assert.Contains("largest rounding error of the other clocks' edges: TIMCLK 0, UARTCLK 5 ns (max 5 ns)", text);
        Assert.Contains("cpu_edges=exact", err);
        // With MCLK traced, every CPU clock edge lies on a whole 10 ns unit: 20 ns cycles, high for 10 ns.
        var f = VcdReader.Read(Path.Combine(Tools.TempDir(), "m.vcd") is var m && SocsimCli.Run("run", "--vcd", m, "--signals", "cpu.MCLK", "--vcd-mclk", "--max-cycles", "2000").Exit == 124 ? m : vcd);
        var mclk = f.Get("cpu.MCLK").Changes;
        Assert.True(mclk.Count > 3000);
        // The $dumpvars at #0 holds the state when tracing starts (after reset's first fetches, a few cycles in);
        // from there every edge is one unit after the last.
        Assert.Equal(0, mclk[0].Time);
        for (int i = 2; i < mclk.Count; i++) Assert.Equal(1, mclk[i].Time - mclk[i - 1].Time);
    }

    [Fact]
    public void AClockWithNoExactDecimalUnitGets1nsAndSaysSo()
    {
        var vcd = Path.Combine(Tools.TempDir(), "odd.vcd");
        var (exit, _, err) = SocsimCli.Run("run", "--set", "clocks.CPUCLK=58982400", "--vcd", vcd, "--signals", "cpu.nIRQ", "--max-cycles", "100000", "--stats");
        Assert.True(exit == 124, err);
        var text = File.ReadAllText(vcd);
        Assert.Contains("$timescale 1ns $end", text);
        Assert.Matches(@"no decimal unit holds the CPUCLK \(CPU clock\) period exactly, so 1 ns was chosen and its edges are rounded by at most 500 ps", text);
        Assert.Contains("cpu_edges=rounded", err);
    }

    [Fact]
    public void TheTracerIsAttachedOnlyInsideTheWindowAndDumpvarsHoldTheStateAtItsStart()
    {
        var dir = Tools.TempDir();
        string full = Path.Combine(dir, "full.vcd"), win = Path.Combine(dir, "win.vcd");
        var (exit, _, err) = SocsimCli.Run("run", "--vcd", full, "--vcd-to", "400000", "--stats");
        Assert.True(exit == 0, err);
        var a = VcdReader.Read(full);
        // Open the window 1000 cycles (20 us) into a UART frame (a frame lasts 86.8 us): its start bit after cycle 250000.
        long startBit = a.Get("uart0.TXD").Changes.First(c => c.Time > 250_000 * 2 && c.Value == "0").Time;
        long from = startBit / 2 + 1000, to = from + 20_000;
        (exit, _, err) = SocsimCli.Run("run", "--vcd", win, "--vcd-from", from.ToString(), "--vcd-to", to.ToString(), "--stats");
        Assert.True(exit == 0, err);
        // The tracer went on at the first instruction boundary at or after --vcd-from and off at --vcd-to.
        var m = Regex.Match(err, @"traced_cycles=(\d+)\.\.(\d+)");
        Assert.True(m.Success, err);
        long on = long.Parse(m.Groups[1].Value), off = long.Parse(m.Groups[2].Value);
        Assert.InRange(on, from, from + 20);
        Assert.InRange(off, to, to + 20);
        var b = VcdReader.Read(win);
        Assert.Equal(on * 2, b.StartTime);         // 20 ns cycles in 10 ns units
        Assert.Equal(to * 2, b.EndTime);
        Assert.Contains("traced from cycle", File.ReadAllText(win));
        // $dumpvars: every signal as the full trace has it at that instant, the UART line in the middle of its frame too.
        foreach (var v in b.Variables)
            Assert.True(a.Get(v.FullName).ValueAt(b.StartTime) == v.ValueAt(b.StartTime), $"{v.FullName} at {b.StartTime}");
        // Inside the window the two traces agree change for change (the rest of that frame included).
        Assert.Contains(b.Get("uart0.TXD").Changes, c => c.Time > b.StartTime);
        foreach (var v in b.Variables)
        {
            var inWindow = a.Get(v.FullName).Changes.Where(c => c.Time > b.StartTime && c.Time <= to * 2).ToList();
            var got = v.Changes.Where(c => c.Time > b.StartTime).ToList();
            Assert.True(inWindow.SequenceEqual(got), $"{v.FullName}: {inWindow.Count} vs {got.Count} changes");
        }
    }

    [Fact]
    public void ARunThatEndsBeforeTheWindowLeavesAnEmptyButValidVcd()
    {
        var vcd = Path.Combine(Tools.TempDir(), "late.vcd");
        var (exit, _, err) = SocsimCli.Run("run", "--vcd", vcd, "--vcd-from", "900000000", "--stats");
        Assert.True(exit == 0, err);
        Assert.Contains("before --vcd-from 900000000", err);
        var f = VcdReader.Read(vcd);
        Assert.NotEmpty(f.Variables);
        Assert.All(f.Variables, v => Assert.Single(v.Changes));
    }
}
