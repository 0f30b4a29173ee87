using SocSim.Core;
using SocSim.Core.State;

namespace SocSim.Core.Tests;

/// <summary>The scheduler's part of a checkpoint: pending events by name, due tick and order.</summary>
public class SchedulerStateTests
{
    private sealed class World
    {
        public readonly Scheduler S = Scheduler.CycleBased();
        public readonly List<string> Log = new();
        public readonly Event[] Events;

        public World()
        {
            Events = new[] { "a", "b", "c", "d" }.Select(n => S.CreateEvent(n, EventPriority.Peripheral, _ => Log.Add(n))).ToArray();
        }

        public void RunTo(long cycle)
        {
            S.AdvanceCyclesTo(cycle);
            S.RunDue();
        }
    }

    private static byte[] Save(Scheduler s)
    {
        var m = new MemoryStream();
        s.SaveState(new StateWriter(m));
        return m.ToArray();
    }

    private static void Load(Scheduler s, byte[] state) => s.LoadState(new StateReader(new MemoryStream(state)));

    [Fact]
    public void PendingEventsComeBackWithTheirTimesAndTheirOrderAmongTies()
    {
        var w = new World();
        w.S.Schedule(w.Events[2], 20);   // c before a at the same tick: schedule order breaks the tie
        w.S.Schedule(w.Events[0], 20);
        w.S.Schedule(w.Events[1], 30);
        w.RunTo(5);
        var state = Save(w.S);

        var v = new World();
        v.S.Schedule(v.Events[3], 7);    // what ran elsewhere is replaced
        Load(v.S, state);
        Assert.Equal(5, v.S.Cycles);
        Assert.Equal(20, v.S.NextEventCycle);
        v.RunTo(40);
        w.RunTo(40);
        Assert.Equal(["c", "a", "b"], v.Log);
        Assert.Equal(w.Log, v.Log);
        Assert.Equal(Save(w.S), Save(v.S));
    }

    [Fact]
    public void ATransientEventIsNotSavedAndUsesUpNoSequenceNumber()
    {
        var w = new World();
        var tool = new Event("tool", EventPriority.Peripheral, _ => w.Log.Add("tool")) { Transient = true };
        w.S.Schedule(w.Events[0], 10);
        var withoutTool = Save(w.S);
        w.S.Schedule(tool, 10);
        Assert.Equal(withoutTool, Save(w.S));
        // Scheduled after a, before b: it runs between them.
        w.S.Schedule(w.Events[1], 10);
        w.RunTo(10);
        Assert.Equal(["a", "tool", "b"], w.Log);
    }

    [Fact]
    public void AnUnknownOrUnregisteredEventIsAPreciseError()
    {
        var w = new World();
        w.S.Schedule(w.Events[0], 10);
        var state = Save(w.S);
        var other = Scheduler.CycleBased();
        var e = Assert.Throws<StateException>(() => Load(other, state));
        Assert.Equal("the state has a pending event 'a' that this machine does not have", e.Message);

        var s = Scheduler.CycleBased();
        s.Schedule(new Event("stray", EventPriority.Peripheral, _ => { }), 3);
        e = Assert.Throws<StateException>(() => Save(s));
        Assert.Contains("event 'stray' was never registered", e.Message);
        Assert.Throws<InvalidOperationException>(() => w.S.CreateEvent("a", EventPriority.Peripheral, _ => { }));
    }
}
