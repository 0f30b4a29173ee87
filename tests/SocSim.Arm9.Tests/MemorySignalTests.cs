using SocSim.Core;
using SocSim.Core.Cores;
using SocSim.Core.Signals;

namespace SocSim.Arm9.Tests;

/// <summary>
/// The VCD's memory-system levels of the ARM926EJ-S's <c>cpu</c> scope (<c>icache_fill</c>, <c>dcache_fill</c>,
/// <c>dcache_wb</c>, <c>tlb_walk</c>, <c>wb_full</c>) on small programs with a known pattern of misses, walks,
/// write-backs and write-buffer stalls: one high span each, of the length the timing tests give.
/// </summary>
public sealed class MemorySignalTests
{
    private sealed class Recorder : ISignalSink
    {
        public readonly List<(string Name, long Tick, ulong Value)> Changes = new();
        public void OnChange(Signal signal, long tick, ulong value) => Changes.Add((signal.Name, tick, value));

        /// <summary>The high spans of a level, in core cycles (start, length).</summary>
        public List<(long From, long Cycles)> Spans(string name, long period)
        {
            var spans = new List<(long, long)>();
            long rise = -1;
            foreach (var (n, tick, v) in Changes.Where(c => c.Name == name).OrderBy(c => c.Tick))
            {
                if (v == 1) rise = tick;
                else { spans.Add((rise / period, (tick - rise) / period)); rise = -1; }
            }
            Assert.Equal(-1, rise); // every span has ended
            return spans;
        }
    }

    private static readonly string[] Levels = ["icache_fill", "dcache_fill", "dcache_wb", "tlb_walk", "wb_full"];

    private static Recorder Trace(Rig r, params string[] only)
    {
        var registry = new SignalRegistry(r.M.Scheduler.TicksPerSecond);
        var signals = Arm926Cpu.Type.DeclareSignals(r.Cpu, registry, new CoreSignalOptions())!;
        foreach (string level in Levels) Assert.NotNull(registry.Find("cpu." + level));
        registry.Filter(only.Length == 0 ? null : only.Select(n => "cpu." + n).ToList());
        var rec = new Recorder();
        registry.Sink = rec;
        signals.Attach(r.M.Scheduler.Now);
        return rec;
    }

    private static void Settle(Rig r) => r.Run(Enumerable.Repeat(Enc.Nop, 64).ToArray());

    [Fact]
    public void FillsWalkAndWriteBackAreOneSpanEach()
    {
        // RAM: a nonsequential read 3 HCLKs, sequential 1; CLK:HCLK 3. Code prefetched into the I-cache.
        using var r = new Rig(new WaitStates(2, 0, 1, 0), clkPerHclk: 3);
        r.MapRamFlat();
        r.EnableMmu();
        r.PrefetchCode(r.NextCode, 0x800);
        Settle(r);
        var rec = Trace(r);
        long period = r.M.Scheduler.CpuPeriod;
        r.Cpu.SetRegister(4, 0x9000); // a page no access has used: one walk
        r.Cpu.SetRegister(0, 0x42);
        r.Run(Enc.Ldr(1, 4), Enc.Ldr(1, 4, 32), Enc.Ldr(1, 4, 64), Enc.Ldr(1, 4), // three lines missed, one hit
              Enc.Str(0, 4, 4), Enc.Mcr(4, 7, 10, 1));                             // dirty one half, clean the line
        Settle(r);
        Assert.Empty(rec.Spans("icache_fill", period));
        var fills = rec.Spans("dcache_fill", period);
        Assert.Equal(3, fills.Count);
        // WRAP8 from an HCLK edge: N (3 HCLKs) then 7 S (1 each), 10 HCLKs of 3 cycles.
        Assert.All(fills, f => Assert.Equal(30, f.Cycles));
        Assert.All(fills, f => Assert.Equal(0, f.From % 3));
        var walks = rec.Spans("tlb_walk", period);
        Assert.Single(walks);
        // One descriptor read (a section), N in HCLKs, from the miss to its arrival: 9 cycles and the wait for an HCLK edge.
        Assert.InRange(walks[0].Cycles, 9, 11);
        Assert.True(walks[0].From + walks[0].Cycles <= fills[0].From, "the walk precedes the first fill");
        // The clean writes back the dirty half: N (2 HCLKs, write N 1 wait state) then 3 S: 5 HCLKs.
        var wb = Assert.Single(rec.Spans("dcache_wb", period));
        Assert.Equal(15, wb.Cycles);
        Assert.Empty(rec.Spans("wb_full", period));
    }

    [Fact]
    public void WriteBufferFullSpansTheStalls()
    {
        // As CacheTimingTests: eight buffered stores of 4 HCLKs each (write N 3 wait states), ratio 1, take 17
        // cycles; stores 6, 7 and 8 find the buffer full (four addresses) and wait 3 cycles each.
        using var r = CacheTimingTests.Mapped(c: false, b: true, new WaitStates(2, 0, 3, 0));
        var rec = Trace(r, "wb_full");
        long period = r.M.Scheduler.CpuPeriod;
        long start = r.M.Scheduler.Cycles;
        Assert.Equal(17, r.Cycles(CacheTimingTests.EightStores));
        var stalls = rec.Spans("wb_full", period);
        Assert.Equal(3, stalls.Count);
        Assert.All(stalls, s => Assert.Equal(3, s.Cycles));
        Assert.Equal(9, stalls.Sum(s => s.Cycles)); // 17 cycles = 8 issues + 9 stalled
        Assert.All(stalls, s => Assert.InRange(s.From, start, start + 17));
        // Only the traced level is driven: the filter left the others out.
        Assert.All(rec.Changes, c => Assert.Equal("wb_full", c.Name));
    }

    [Fact]
    public void UntracedLevelsLeaveTheCoreWithoutAMemoryTrace()
    {
        using var r = new Rig();
        var registry = new SignalRegistry(r.M.Scheduler.TicksPerSecond);
        var signals = Arm926Cpu.Type.DeclareSignals(r.Cpu, registry, new CoreSignalOptions())!;
        registry.Filter(["cpu.pc"]);
        signals.Attach(0);
        Assert.Null(r.Cpu.MemoryTrace);
        registry.Filter(["cpu.tlb_walk"]);
        signals.Attach(0);
        Assert.NotNull(r.Cpu.MemoryTrace);
    }
}
