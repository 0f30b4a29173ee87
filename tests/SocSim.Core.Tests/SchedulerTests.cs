using SocSim.Core;

namespace SocSim.Core.Tests;

public class SchedulerTests
{
    [Fact]
    public void EventsRunInTimePriorityThenScheduleOrder()
    {
        var s = Scheduler.CycleBased();
        var log = new List<string>();
        var a = new Event("a", EventPriority.Observer, _ => log.Add("a"));
        var b = new Event("b", EventPriority.Peripheral, _ => log.Add("b"));
        var c = new Event("c", EventPriority.Peripheral, _ => log.Add("c"));
        var d = new Event("d", EventPriority.Debug, _ => log.Add("d"));
        s.Schedule(a, 10);
        s.Schedule(b, 10);
        s.Schedule(c, 10);
        s.Schedule(d, 11);
        Assert.Equal(10, s.NextEventCycle);
        s.Cycles = 10;
        Assert.Equal(3, s.RunDue());
        Assert.Equal(new[] { "b", "c", "a" }, log);
        Assert.Equal(11, s.NextEventCycle);
    }

    [Fact]
    public void SchedulingSoonerShortensTheSliceAndCancelRestoresIt()
    {
        var s = Scheduler.CycleBased();
        var late = new Event("late", EventPriority.Peripheral, _ => { });
        var soon = new Event("soon", EventPriority.Peripheral, _ => { });
        s.Schedule(late, 100);
        s.Schedule(soon, 40);
        Assert.Equal(40, s.NextEventCycle);
        s.Cancel(soon);
        Assert.False(soon.IsScheduled);
        Assert.Equal(100, s.NextEventCycle);
        s.Schedule(late, 70);
        Assert.Equal(70, s.NextEventCycle);
        Assert.Equal(1, s.PendingCount);
    }

    [Fact]
    public void SchedulingInThePastThrows()
    {
        var s = Scheduler.CycleBased();
        s.Cycles = 50;
        var e = new Event("e", EventPriority.Peripheral, _ => { });
        Assert.Throws<InvalidOperationException>(() => s.Schedule(e, 49));
    }

    [Fact]
    public void CallbackSeesDueTimeAndMayRearmRelativeToIt()
    {
        // The CPU overshoots an event by the rest of its instruction; a periodic event re-armed
        // relative to its own due tick keeps an exact period.
        var s = Scheduler.CycleBased();
        var fired = new List<long>();
        Event? tick = null;
        tick = new Event("tick", EventPriority.Peripheral, t => { fired.Add(t); s.Schedule(tick!, t + 10); });
        s.Schedule(tick, 10);
        s.Cycles = 13; s.RunDue();
        s.Cycles = 21; s.RunDue();
        s.Cycles = 35; s.RunDue();
        Assert.Equal(new long[] { 10, 20, 30 }, fired);
        Assert.Equal(40, s.NextEventTime);
    }

    [Fact]
    public void TicksAreConvertedToCpuCyclesRoundingUp()
    {
        // 3 ticks per CPU cycle: an event at tick 7 is reached at the end of cycle 3 (tick 9).
        var s = new Scheduler(3_000, 3);
        s.Schedule(new Event("e", EventPriority.Peripheral, _ => { }), 7);
        Assert.Equal(3, s.NextEventCycle);
    }

    [Fact]
    public void TimeBaseIsTheLcmOfClockFrequencies()
    {
        Assert.Equal(48_000_000, TimeBase.TicksPerSecond(new long[] { 48_000_000, 24_000_000, 1_000_000 }));
        Assert.Equal(24_000_000L * 5, TimeBase.TicksPerSecond(new long[] { 40_000_000, 24_000_000 }));
    }
}

public class SchedulerEventTimeTests
{
    [Fact]
    public void EventTimeIsTheDueTickInsideACallbackAndNowOutside()
    {
        var s = Scheduler.CycleBased();
        long seen = -1;
        s.Schedule(new Event("e", EventPriority.Peripheral, _ => seen = s.EventTime), 10);
        s.Cycles = 13;                       // the CPU overshot to the end of its instruction
        Assert.Equal(13, s.EventTime);
        s.RunDue();
        Assert.Equal(10, seen);
        Assert.Equal(13, s.EventTime);
    }
}
