using SocSim.Core;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The scheduled events of one device, with catch-up. The CPU runs to the end of its instruction
/// before the scheduler dispatches, so a register access in the middle of an instruction can happen
/// at a tick where one of the device's events is already due but has not run. A device calls
/// <see cref="CatchUp"/> at the start of every register access: due events run first, in time order,
/// each with its own due tick, so the access sees the state the hardware has at <see cref="Scheduler.Now"/>.
/// </summary>
internal sealed class DeviceEvents
{
    private readonly Scheduler _s;
    private readonly List<DeviceEvent> _events = new();

    /// <param name="scheduler">the SoC's scheduler</param>
    /// <param name="exactCatchUp">an event run by <see cref="CatchUp()"/> runs as the scheduler would dispatch it
    /// (<see cref="Scheduler.EventTime"/> is its due tick), so the pin edges it makes carry their exact tick even
    /// when the CPU's instruction ran past it; otherwise they carry the access's tick.</param>
    public DeviceEvents(Scheduler scheduler, bool exactCatchUp = false)
    {
        _s = scheduler;
        ExactCatchUp = exactCatchUp;
    }

    internal bool ExactCatchUp { get; }

    internal Scheduler Scheduler => _s;
    /// <summary>Due tick of the callback the scheduler is dispatching right now, else <see cref="long.MaxValue"/>.</summary>
    internal long DispatchFloor = long.MaxValue;

    /// <summary>Creates an event; its name (unique on the board: prefix it with the device's name) identifies it in a checkpoint.</summary>
    public DeviceEvent Create(string name, Action<long> callback)
    {
        var e = new DeviceEvent(this, name, callback);
        _events.Add(e);
        return e;
    }

    /// <summary>The due tick of each event, in creation order (the scheduler saves its own queue).</summary>
    public void SaveState(StateWriter w)
    {
        w.Write(_events.Count);
        foreach (var e in _events) w.Write(e.Due);
    }

    /// <summary>Restores the due ticks silently; the scheduler's queue is restored by the machine.</summary>
    public void LoadState(StateReader r)
    {
        int n = r.ReadCount();
        if (n != _events.Count) throw new StateException($"the state has {n} events for a device that has {_events.Count}");
        foreach (var e in _events) e.RestoreDue(r.ReadLong());
    }

    /// <summary>Runs every event of this device due at or before <see cref="Scheduler.Now"/>.</summary>
    public void CatchUp() => CatchUp(_s.Now);

    /// <summary>
    /// Runs every event of this device due at or before <paramref name="now"/>: for a change stamped
    /// at an earlier tick than <see cref="Scheduler.Now"/> (an input line driven from another device's
    /// event, <see cref="Scheduler.EventTime"/>), so that events due after it are not run before it.
    /// </summary>
    public void CatchUp(long now)
    {
        while (true)
        {
            DeviceEvent? first = null;
            foreach (var e in _events)
                if (e.Due >= 0 && e.Due <= now && (first == null || e.Due < first.Due)) first = e;
            if (first == null) return;
            first.Fire(fromScheduler: false);
        }
    }
}

/// <summary>One re-armable event of a device; <see cref="Due"/> is -1 when not armed.</summary>
internal sealed class DeviceEvent
{
    private readonly DeviceEvents _owner;
    private readonly Event _event;
    private readonly Action<long> _callback;

    internal DeviceEvent(DeviceEvents owner, string name, Action<long> callback)
    {
        _owner = owner;
        _callback = callback;
        _event = owner.Scheduler.CreateEvent(name, EventPriority.Peripheral, _ => Fire(fromScheduler: true));
    }

    public long Due { get; private set; } = -1;
    public bool IsArmed => Due >= 0;

    public void Arm(long tick)
    {
        Due = tick;
        var s = _owner.Scheduler;
        // A tick before the present one (EventTime: inside another event's callback, such as an input
        // line driven from it, the present is that event's due tick, which the CPU may have run past) is
        // only possible while catching up (a callback re-arming relative to its own due tick); CatchUp's
        // loop runs it, so it is not handed to the scheduler.
        if (tick >= s.EventTime || tick >= _owner.DispatchFloor) s.Schedule(_event, tick);
        else s.Cancel(_event);
    }

    internal void RestoreDue(long due) => Due = due;

    public void Cancel()
    {
        Due = -1;
        _owner.Scheduler.Cancel(_event);
    }

    internal void Fire(bool fromScheduler)
    {
        long due = Due;
        if (due < 0) return;
        Due = -1;
        _owner.Scheduler.Cancel(_event);
        long saved = _owner.DispatchFloor;
        _owner.DispatchFloor = fromScheduler ? due : long.MaxValue;
        try
        {
            if (!fromScheduler && _owner.ExactCatchUp) _owner.Scheduler.RunAsDispatchedAt(due, _callback);
            else _callback(due);
        }
        finally { _owner.DispatchFloor = saved; }
    }
}
