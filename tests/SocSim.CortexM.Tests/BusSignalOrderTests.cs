using SocSim.Core;
using SocSim.Core.Cores;
using SocSim.Core.Signals;

namespace SocSim.CortexM.Tests;

/// <summary>
/// The VCD's bus signals (HADDR, HWRITE, HSIZE, fetch) follow the core's accesses in cycle order. The core reports a
/// prefetched word when an instruction first needs it, at the cycle its fetch was issued, which can be before data
/// accesses already reported (a store's or a load's); the signals are read back here as a VCD viewer sees them
/// (changes ordered by time, ties as set) at each access's cycle.
/// </summary>
public sealed class BusSignalOrderTests
{
    private sealed class Changes : ISignalSink
    {
        public readonly List<(string Name, long Tick, ulong Value)> All = new();
        public void OnChange(Signal signal, long tick, ulong value) => All.Add((signal.FullName, tick, value));
    }

    private sealed class Both(List<BusCycle> accesses, IBusObserver signals) : IBusObserver
    {
        public void OnBusCycle(in BusCycle c) { accesses.Add(c); signals.OnBusCycle(c); }
    }

    // Stores and loads on slow data memory, with a divide the prefetch unit fetches ahead during.
    private const string Program =
        "ldr r2, =0x20008000\nmovs r4, #1\nstr r4, [r2]\nldr r4, [r2]\nldr r4, [r2, #4]\nstr r4, [r2, #8]\nudiv r0, r1, r2\n" +
        "str r4, [r2]\nldr r4, [r2]\nadds r0, #1\nadds r0, #1\nadds r0, #1\nadds r0, #1\nldm r2, {r4-r7}\nstrb r4, [r2]\n" +
        "ldrh r5, [r2, #2]\nstr r4, [r2, #12]\nadds r0, #1\nldr r4, [r2]\nbkpt #0\n.ltorg";

    [Theory]
    [InlineData(CortexMProfile.V7M, TestCore.Code)]
    [InlineData(CortexMProfile.V7M, TestCore.Slow)]
    [InlineData(CortexMProfile.V7EM, TestCore.Code)]
    public void BusSignalsShowEachAccessAtItsCycle(CortexMProfile profile, uint at)
    {
        using var t = new TestCore(profile, slow: new WaitStates(2, 1, 2, 1));
        t.Load(Program, at);
        t.Bus.DebugWrite32(4, at | 1);
        t.Reset();
        var registry = new SignalRegistry(t.Scheduler.CpuClock.TicksPerSecond);
        var signals = new CortexMSignals(t.Cpu, registry, new CoreSignalOptions());
        var changes = new Changes();
        registry.Sink = changes;
        var initial = registry.Signals.ToDictionary(s => s.FullName, s => s.Value);
        var accesses = new List<BusCycle>();
        var (bus, hook) = signals.Attach(t.Scheduler.Now);
        Assert.True(bus && hook);
        t.Bus.Subscribe(new Both(accesses, signals));
        while (t.Cpu.State == CoreState.Running)
        {
            t.Cpu.Step();
            signals.AfterInstruction(t.Scheduler.Now);
        }
        signals.Detach();
        Assert.Equal(CoreState.Halted, t.Cpu.State);
        // The case this covers: some access is reported after one at a later cycle.
        Assert.Contains(accesses.Zip(accesses.Skip(1)), p => p.Second.Cycle < p.First.Cycle);

        var wrong = Misshown(accesses, changes.All, initial, t.Scheduler);
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));

        // The same accesses set in the order they were reported (what the signals did before): the check sees it.
        var plain = new SignalRegistry(registry.TicksPerSecond);
        var direct = new AhbBusSignals(plain, "cpu");
        var setInReportOrder = new Changes();
        plain.Sink = setInReportOrder;
        foreach (var a in accesses) direct.OnBusCycle(a, t.Scheduler);
        Assert.NotEmpty(Misshown(accesses, setInReportOrder.All, plain.Signals.ToDictionary(x => x.FullName, x => x.Value), t.Scheduler));
    }

    /// <summary>The accesses whose HADDR, HWRITE, fetch or HSIZE a viewer shows wrong at their cycle (changes ordered by
    /// time, ties in the order they were set; two accesses in one cycle, on the M3's two buses: the last reported).</summary>
    private static List<string> Misshown(List<BusCycle> accesses, List<(string Name, long Tick, ulong Value)> changes, Dictionary<string, ulong> initial, Scheduler s)
    {
        var timeline = changes.Select((c, i) => (c, i)).OrderBy(x => x.c.Tick).ThenBy(x => x.i).Select(x => x.c).ToList();
        ulong ValueAt(string name, long tick)
        {
            ulong v = initial[name];
            foreach (var c in timeline) { if (c.Tick > tick) break; if (c.Name == name) v = c.Value; }
            return v;
        }
        var wrong = new List<string>();
        foreach (var g in accesses.Where(a => a.Kind is CycleKind.N or CycleKind.S).GroupBy(a => a.Cycle))
        {
            var a = g.Last();
            long tick = s.TimeOfCycle(a.Cycle);
            var shown = (ValueAt("cpu.HADDR", tick), ValueAt("cpu.HWRITE", tick), ValueAt("cpu.fetch", tick), ValueAt("cpu.HSIZE", tick));
            var want = ((ulong)a.Address, a.IsWrite ? 1UL : 0UL, a.IsOpcodeFetch ? 1UL : 0UL, (ulong)(a.Size == 1 ? 0 : a.Size == 2 ? 1 : 2));
            if (shown != want) wrong.Add($"cycle {a.Cycle}: {want} shown as {shown}");
        }
        return wrong;
    }
}
