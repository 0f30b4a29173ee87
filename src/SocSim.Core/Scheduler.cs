using SocSim.Core.State;

namespace SocSim.Core;

/// <summary>
/// Named priorities that break ties between events due at the same tick; lower runs first.
/// The order is part of the model's determinism: a board run twice gives the same trace.
/// </summary>
public enum EventPriority
{
    Debug = 0,
    /// <summary>Clock-edge work of peripherals: counters reloading, shift registers moving.</summary>
    Peripheral = 10,
    /// <summary>Interrupt controllers settle after their inputs changed on the same edge.</summary>
    InterruptController = 20,
    /// <summary>Samplers and tracers see the settled state of the edge.</summary>
    Observer = 30,
    /// <summary>Run limits and exit requests come last, after everything due on their tick.</summary>
    Exit = 40,
}

/// <summary>
/// One schedulable event. A component creates its events once and reschedules them, so that running
/// the scheduler allocates nothing. The callback receives the tick the event was due at, which is
/// never later than <see cref="Scheduler.Now"/> (the CPU may overshoot by the rest of an instruction).
/// </summary>
public sealed class Event
{
    public Event(string name, EventPriority priority, Action<long> callback)
    {
        Name = name;
        Priority = priority;
        Callback = callback;
    }

    public string Name { get; }
    public EventPriority Priority { get; }
    /// <summary>
    /// An event of a host tool (a VCD window, a run limit) rather than of the SoC: it is left out of a
    /// checkpoint, and the tool schedules it again after a resume.
    /// </summary>
    public bool Transient { get; init; }
    internal readonly Action<long> Callback;
    /// <summary>Absolute tick this event is due at; meaningful while <see cref="IsScheduled"/>.</summary>
    public long Time { get; internal set; }
    internal long Sequence, TransientSequence;
    internal int HeapIndex = -1;
    public bool IsScheduled => HeapIndex >= 0;
}

/// <summary>
/// The single global event queue. Time is an integer count of ticks; <see cref="TicksPerSecond"/> is
/// chosen by the board so that every clock's edges fall on whole ticks. The CPU is the only component
/// that runs continuously: it advances <see cref="Cycles"/> and stops when <see cref="NextEventCycle"/>
/// is reached; peripherals schedule their own events and compute their state lazily from time.
/// </summary>
public sealed class Scheduler
{
    private Event[] _heap = new Event[16];
    private int _count;
    private long _sequence, _transientSequence;
    private long _floor;
    private bool _dispatching;

    /// <summary>CPU clock cycles since reset. The CPU and the bus add to it directly.</summary>
    public long Cycles;

    /// <summary>
    /// The CPU may keep executing while <c>Cycles &lt; NextEventCycle</c>. Scheduling an earlier event
    /// lowers it at once, so a write that schedules an interrupt shortens the running slice.
    /// </summary>
    public long NextEventCycle = long.MaxValue;

    public Scheduler(long ticksPerSecond, long cpuPeriodTicks)
        : this(ticksPerSecond, new ClockDomain("CPU", ticksPerSecond / cpuPeriodTicks, cpuPeriodTicks))
    {
        if (ticksPerSecond % cpuPeriodTicks != 0) throw new ArgumentOutOfRangeException(nameof(cpuPeriodTicks), "the CPU period must divide a second");
    }

    /// <summary>
    /// A scheduler whose CPU runs on <paramref name="cpuClock"/>: CPU cycle n is edge n of that clock,
    /// so a clock tree that changes the CPU frequency changes the length of the cycles that follow and
    /// nothing before (events keep their absolute due ticks: their real-time meaning).
    /// </summary>
    public Scheduler(long ticksPerSecond, ClockDomain cpuClock)
    {
        if (ticksPerSecond <= 0) throw new ArgumentOutOfRangeException(nameof(ticksPerSecond));
        if (cpuClock.PeriodNum <= 0) throw new ArgumentOutOfRangeException(nameof(cpuClock));
        TicksPerSecond = ticksPerSecond;
        CpuClock = cpuClock;
        cpuClock.Changed += (_, _) => UpdateNextEventCycle();
    }

    /// <summary>A scheduler whose tick is one CPU cycle (unit tests, bare-core runs).</summary>
    public static Scheduler CycleBased(long cpuHz = 1) => new(cpuHz, 1);

    private readonly Dictionary<string, Event> _registered = new(StringComparer.Ordinal);

    /// <summary>
    /// Makes <paramref name="e"/> known by its name, so that a checkpoint can name it and a machine
    /// built from the same board finds it again (events are saved by name, never as callbacks). Every
    /// event of the SoC is registered when its owner is built; names are unique.
    /// </summary>
    public Event Register(Event e)
    {
        if (!_registered.TryAdd(e.Name, e) && !ReferenceEquals(_registered[e.Name], e))
            throw new InvalidOperationException($"two events named '{e.Name}'");
        return e;
    }

    /// <summary>Creates and registers an event.</summary>
    public Event CreateEvent(string name, EventPriority priority, Action<long> callback) => Register(new Event(name, priority, callback));

    public long TicksPerSecond { get; }
    /// <summary>The CPU's clock; cycle n is its edge n.</summary>
    public ClockDomain CpuClock { get; }
    /// <summary>Ticks per CPU clock cycle at the present CPU frequency (rounded down if not whole).</summary>
    public long CpuPeriod => CpuClock.PeriodTicks;
    /// <summary>Current time in ticks: the CPU's elapsed cycles on the global time base.</summary>
    public long Now => CpuClock.TimeOfEdge(Cycles);
    /// <summary>The tick at which CPU cycle <paramref name="cycle"/> starts (a cycle of the present clock segment or later).</summary>
    public long TimeOfCycle(long cycle) => CpuClock.TimeOfEdge(cycle);

    /// <summary>
    /// The tick at which the change being made happens: inside an event callback the event's due tick
    /// (the CPU may already be past it, at the end of the instruction it was executing), otherwise
    /// <see cref="Now"/>. Tracers stamp signal changes with it.
    /// </summary>
    public long EventTime => _dispatching ? _floor : Now;
    public int PendingCount => _count;

    /// <summary>The pending events in the order they will run (for tools and tests; allocates).</summary>
    public IReadOnlyList<Event> PendingEvents()
    {
        var list = new List<Event>(_count);
        for (int i = 0; i < _count; i++) list.Add(_heap[i]);
        list.Sort((a, b) => Before(a, b) ? -1 : Before(b, a) ? 1 : 0);
        return list;
    }
    /// <summary>Tick of the earliest pending event, or <see cref="long.MaxValue"/>.</summary>
    public long NextEventTime => _count > 0 ? _heap[0].Time : long.MaxValue;

    /// <summary>Schedules <paramref name="e"/> at absolute tick <paramref name="time"/>, replacing any earlier schedule.</summary>
    public void Schedule(Event e, long time)
    {
        // An event in the past would make the model non-causal. Inside a callback the floor is the
        // firing event's own due tick, so periodic events can be re-armed relative to their edge.
        long floor = _dispatching ? _floor : Now;
        if (time < floor)
            throw new InvalidOperationException($"event '{e.Name}' scheduled at tick {time}, before the present tick {floor}");
        if (e.HeapIndex >= 0) RemoveAt(e.HeapIndex);
        e.Time = time;
        // A transient (host tool) event takes its place in the order without using up a number of
        // the SoC's own sequence, so that attaching a tool, or resuming a checkpoint where the tool
        // schedules its event again, numbers the SoC's events exactly as a run without it.
        if (e.Transient) { e.Sequence = _sequence; e.TransientSequence = _transientSequence++; }
        else e.Sequence = _sequence++;
        Insert(e);
        UpdateNextEventCycle();
    }

    private void Insert(Event e)
    {
        if (_count == _heap.Length) Array.Resize(ref _heap, _count * 2);
        _heap[_count] = e;
        e.HeapIndex = _count;
        _count++;
        SiftUp(e.HeapIndex);
    }

    public void ScheduleIn(Event e, long delayTicks) => Schedule(e, (_dispatching ? _floor : Now) + delayTicks);

    public void Cancel(Event e)
    {
        if (e.HeapIndex < 0) return;
        RemoveAt(e.HeapIndex);
        UpdateNextEventCycle();
    }

    /// <summary>
    /// Runs <paramref name="callback"/> as if the scheduler dispatched an event due at <paramref name="due"/>
    /// (at or before <see cref="Now"/>): inside it <see cref="EventTime"/> is <paramref name="due"/>. A device
    /// that catches up its own overdue event during a register access uses it so that the line changes the
    /// event makes carry their own tick, as they would had the scheduler run it.
    /// </summary>
    public void RunAsDispatchedAt(long due, Action<long> callback)
    {
        bool dispatching = _dispatching;
        long floor = _floor;
        _dispatching = true;
        _floor = due;
        try { callback(due); }
        finally { _dispatching = dispatching; _floor = floor; }
    }

    /// <summary>Runs every event due at or before <see cref="Now"/>, in (time, priority, schedule order).</summary>
    public int RunDue()
    {
        int ran = 0;
        long now = Now;
        while (_count > 0 && _heap[0].Time <= now)
        {
            var e = _heap[0];
            RemoveAt(0);
            _dispatching = true;
            _floor = e.Time;
            try { e.Callback(e.Time); }
            finally { _dispatching = false; }
            ran++;
        }
        UpdateNextEventCycle();
        return ran;
    }

    /// <summary>Moves time forward with the CPU idle (no bus activity), to the given cycle.</summary>
    public void AdvanceCyclesTo(long cycle)
    {
        if (cycle > Cycles) Cycles = cycle;
    }

    /// <summary>First CPU cycle at or after tick <paramref name="time"/>.</summary>
    public long CycleAtOrAfter(long time) => time == long.MaxValue ? long.MaxValue : CpuClock.EdgeAtOrAfter(time);

    /// <summary>
    /// Writes the cycle count, the schedule counter and every pending event of the SoC (name, due tick,
    /// order); transient events are left out. The CPU clock is saved with the board's clocks.
    /// </summary>
    public void SaveState(StateWriter w)
    {
        w.Write(Cycles);
        w.Write(_sequence);
        var pending = new List<Event>();
        foreach (var e in PendingEvents())
        {
            if (e.Transient) continue;
            if (!_registered.TryGetValue(e.Name, out var r) || !ReferenceEquals(r, e))
                throw new StateException($"event '{e.Name}' was never registered with the scheduler, so a checkpoint cannot name it");
            pending.Add(e);
        }
        w.Write(pending.Count);
        foreach (var e in pending)
        {
            w.Write(e.Name);
            w.Write(e.Time);
            w.Write(e.Sequence);
        }
    }

    /// <summary>
    /// Replaces the queue's SoC events with the saved ones (transient events stay as they are) and
    /// restores the cycle count. Called after the components are restored.
    /// </summary>
    public void LoadState(StateReader r)
    {
        long cycles = r.ReadLong();
        long sequence = r.ReadLong();
        int n = r.ReadCount(1 << 20);
        var saved = new List<(Event E, long Time, long Seq)>(n);
        for (int i = 0; i < n; i++)
        {
            string name = r.ReadString();
            long time = r.ReadLong(), seq = r.ReadLong();
            if (!_registered.TryGetValue(name, out var e))
                throw new StateException($"the state has a pending event '{name}' that this machine does not have");
            saved.Add((e, time, seq));
        }
        for (int i = _count - 1; i >= 0; i--)
            if (!_heap[i].Transient) RemoveAt(i);
        Cycles = cycles;
        _sequence = sequence;
        foreach (var (e, time, seq) in saved)
        {
            if (e.HeapIndex >= 0) throw new StateException($"the state lists event '{e.Name}' twice");
            e.Time = time;
            e.Sequence = seq;
            Insert(e);
        }
        UpdateNextEventCycle();
    }

    private void UpdateNextEventCycle() => NextEventCycle = _count > 0 ? CycleAtOrAfter(_heap[0].Time) : long.MaxValue;

    private static bool Before(Event a, Event b)
    {
        if (a.Time != b.Time) return a.Time < b.Time;
        if (a.Priority != b.Priority) return a.Priority < b.Priority;
        if (a.Sequence != b.Sequence) return a.Sequence < b.Sequence;
        // Same number: the transient one was scheduled before the SoC event that got it.
        if (a.Transient != b.Transient) return a.Transient;
        return a.TransientSequence < b.TransientSequence;
    }

    private void RemoveAt(int i)
    {
        var removed = _heap[i];
        _count--;
        if (i != _count)
        {
            var last = _heap[_count];
            _heap[i] = last;
            last.HeapIndex = i;
            SiftDown(i);
            SiftUp(last.HeapIndex);
        }
        _heap[_count] = null!;
        removed.HeapIndex = -1;
    }

    private void SiftUp(int i)
    {
        var e = _heap[i];
        while (i > 0)
        {
            int p = (i - 1) >> 1;
            if (!Before(e, _heap[p])) break;
            _heap[i] = _heap[p];
            _heap[i].HeapIndex = i;
            i = p;
        }
        _heap[i] = e;
        e.HeapIndex = i;
    }

    private void SiftDown(int i)
    {
        var e = _heap[i];
        while (true)
        {
            int l = 2 * i + 1;
            if (l >= _count) break;
            int c = l + 1 < _count && Before(_heap[l + 1], _heap[l]) ? l + 1 : l;
            if (!Before(_heap[c], e)) break;
            _heap[i] = _heap[c];
            _heap[i].HeapIndex = i;
            i = c;
        }
        _heap[i] = e;
        e.HeapIndex = i;
    }
}
