using System.Diagnostics;
using SocSim.Core;
using SocSim.Core.Cores;

namespace SocSim.Debug;

/// <summary>
/// A point of a run: <see cref="Scheduler.Cycles"/> and the core's <see cref="ICore.Instructions"/> there.
/// Ordered by cycles, then instructions: along one run both only grow, and every step of a core adds to one
/// of them (an instruction counts; an exception entry, or a core that sleeps, takes cycles), so a position
/// names one point even where a step takes no cycle (a folded IT on the Cortex-M3, CortexMTiming.It).
/// </summary>
public readonly record struct HistoryPosition(long Cycles, long Instructions) : IComparable<HistoryPosition>
{
    public int CompareTo(HistoryPosition other) =>
        Cycles != other.Cycles ? Cycles.CompareTo(other.Cycles) : Instructions.CompareTo(other.Instructions);

    public static bool operator <(HistoryPosition a, HistoryPosition b) => a.CompareTo(b) < 0;
    public static bool operator >(HistoryPosition a, HistoryPosition b) => a.CompareTo(b) > 0;
    public static bool operator <=(HistoryPosition a, HistoryPosition b) => a.CompareTo(b) <= 0;
    public static bool operator >=(HistoryPosition a, HistoryPosition b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"cycle {Cycles} (instruction {Instructions})";
}

/// <summary>Where a backward search stopped: a breakpoint, a watchpoint (type and data address) or the start of the history.</summary>
public readonly record struct ReverseStop(HistoryPosition Position, StopKind Kind, int WatchType = 0, uint WatchAddress = 0, bool AtHistoryStart = false);

/// <summary>
/// Reverse execution for the GDB stub: in-memory checkpoints (<see cref="Machine.SaveState(Stream)"/>)
/// taken as the target runs forward, and deterministic re-execution from them.
/// <para>
/// A position in the run (<see cref="HistoryPosition"/>) is <see cref="Scheduler.Cycles"/> and the
/// core's instruction count at an instruction boundary. A step of the core (an instruction, or an
/// exception entry in its place) either executes an instruction or takes cycles; most do both, but a
/// folded IT (Cortex-M3/M4) takes none, so two boundaries may share a cycle and only the count tells
/// them apart: positions of successive boundaries strictly increase in (cycles, instructions) order,
/// and "one step earlier" is the boundary before, whether that step was an instruction or an
/// exception entry (the stub's forward `s` makes an entry one step too: the core's hook reports it
/// as one). Both counts are part of the checkpoint and re-execution from a checkpoint is
/// deterministic (same state, same inputs), so a position names one state of the run. Cycles also
/// go on while the core sleeps (no boundary); a stop there (Ctrl-C) is still a position
/// re-execution reaches exactly, because <see cref="Machine.Run"/> stops at the first boundary at
/// or after its limit, and an idle core at the limit itself; the boundaries after that one at the
/// same cycle are reached one step at a time.
/// </para>
/// <para>
/// Checkpoints are taken at the frontier (the furthest position reached) at slice ends and stops,
/// where decided from simulated progress only, never from host time (so that where they land, and
/// with it what re-execution does, is the same on every host and every run): a forward checkpoint is
/// taken when the frontier is at least <see cref="Interval"/> cycles past the newest checkpoint. The
/// interval is the largest of <see cref="MinInterval"/>; the board's memory bytes over
/// <see cref="MemoryBytesPerCycle"/> (a save scans every page of every memory region, so on a board
/// with more memory saves are rarer and their share of the forward run stays near
/// <see cref="CostShare"/>); and the history's length over <see cref="Segments"/> (a long run keeps
/// a bounded number of checkpoints per doubling of its length). Plus the start of the session, a
/// point near the target of a backward step (so that stepping back again is quick) and the point
/// where the user changed the target's state (registers, memory, reset), which drops every
/// checkpoint at or after it (that future will not happen any more). When the checkpoints' bytes
/// exceed the budget, the oldest go: the history then starts later.
/// </para>
/// <para>
/// Re-execution is real execution: what the firmware writes to the console in a re-executed stretch
/// reaches the console again (the machine has no switch to hold its console back).
/// </para>
/// </summary>
public sealed class ReverseHistory
{
    /// <summary>
    /// The share of the forward run's host time that saving aims at (the design figure behind
    /// <see cref="MemoryBytesPerCycle"/>; host time is measured for `monitor history` only, never decides).
    /// </summary>
    public const double CostShare = 0.1;

    /// <summary>
    /// Forward checkpoints are at least one cycle per this many bytes of the board's memory apart. A save
    /// scans every memory page: measured (docs/gdb.md "Costs") a 128 MiB versatilepb save takes about what
    /// 1 M cycles of running do, i.e. ~128 bytes a cycle; 16 keeps saving near <see cref="CostShare"/>.
    /// </summary>
    public const long MemoryBytesPerCycle = 16;

    /// <summary>Forward checkpoints are at least the history's length over this apart.</summary>
    public const long Segments = 64;

    /// <summary>A checkpoint near the target of a backward step is taken this many cycles before it at most.</summary>
    public const long NearDistance = 20_000;

    /// <summary>Forward checkpoints are never closer than this.</summary>
    public const long MinInterval = 10_000;

    private sealed record Checkpoint(HistoryPosition Position, byte[] Data);

    private readonly Machine _m;
    private readonly List<Checkpoint> _checkpoints = new();   // sorted by position
    private long _bytes;
    private readonly long _memoryBytes;

    // The boundaries the last backward scan saw, ascending (valid until the history is edited).
    private HistoryPosition[] _boundaries = [];

    public ReverseHistory(Machine machine, long budgetBytes)
    {
        _m = machine;
        BudgetBytes = budgetBytes;
        _memoryBytes = machine.Board.Memory.Sum(r => (long)r.Size);
    }

    /// <summary>
    /// Test hook: decides at each frontier slice end or stop whether to take a checkpoint there, in place
    /// of <see cref="Interval"/> (tests sweep checkpoint placements with it).
    /// </summary>
    internal Func<HistoryPosition, bool>? Placement { get; init; }

    /// <summary>How far past the newest checkpoint the frontier goes before the next forward checkpoint (cycles).</summary>
    public long Interval => Math.Max(MinInterval, Math.Max(_memoryBytes / MemoryBytesPerCycle, (Frontier.Cycles - Start.Cycles) / Segments));

    public long BudgetBytes { get; }
    public int Count => _checkpoints.Count;
    public long Bytes => _bytes;
    /// <summary>The earliest position the history can go back to.</summary>
    public HistoryPosition Start => _checkpoints.Count > 0 ? _checkpoints[0].Position : Position;
    /// <summary>The furthest position the run has reached (checkpoints beyond it do not exist).</summary>
    public HistoryPosition Frontier
    {
        get => _frontier;
        private set
        {
            _frontier = value;
            // What the console printed up to the frontier is not printed again while re-executing.
            _m.ConsoleMutedThrough = value.Cycles;
        }
    }

    private HistoryPosition _frontier;
    public HistoryPosition Position => new(_m.Scheduler.Cycles, _m.Core.Instructions);
    /// <summary>Host time spent saving checkpoints (all of them), for `monitor history` and the bench.</summary>
    public double SaveSeconds { get; private set; }
    public int Saves { get; private set; }

    /// <summary>The first checkpoint: where the session starts.</summary>
    public void Begin()
    {
        Frontier = Position;
        Save();
    }

    /// <summary>After a forward run (a slice or a stop, at a boundary): a checkpoint when the frontier went <see cref="Interval"/> past the newest.</summary>
    public void RanForward()
    {
        if (Position <= Frontier) return;
        Frontier = Position;
        long last = _checkpoints.Count > 0 ? _checkpoints[^1].Position.Cycles : long.MinValue;
        if (Placement?.Invoke(Position) ?? Position.Cycles - last >= Interval) Save();
    }

    /// <summary>The user changed the state at the current position: what followed is gone.</summary>
    public void Edited()
    {
        var p = Position;
        for (int i = _checkpoints.Count - 1; i >= 0 && _checkpoints[i].Position >= p; i--) Drop(i);
        _boundaries = [];
        Frontier = p;
        Save();
    }

    /// <summary>Takes a checkpoint at the current position.</summary>
    private void Save()
    {
        var sw = Stopwatch.StartNew();
        var ms = new MemoryStream();
        _m.SaveState(ms);
        var c = new Checkpoint(Position, ms.ToArray());
        int i = _checkpoints.Count;
        while (i > 0 && _checkpoints[i - 1].Position > c.Position) i--;
        if (i > 0 && _checkpoints[i - 1].Position == c.Position) Drop(--i);
        _checkpoints.Insert(i, c);
        _bytes += c.Data.Length;
        // The oldest go first; the one just taken always stays.
        while (_bytes > BudgetBytes && _checkpoints.Count > 1) Drop(_checkpoints[0] == c ? 1 : 0);
        SaveSeconds += sw.Elapsed.TotalSeconds;
        Saves++;
    }

    private void Drop(int i)
    {
        _bytes -= _checkpoints[i].Data.Length;
        _checkpoints.RemoveAt(i);
    }

    /// <summary>The index of the latest checkpoint at or before <paramref name="position"/>, or -1.</summary>
    private int LatestAtOrBefore(HistoryPosition position)
    {
        for (int i = _checkpoints.Count - 1; i >= 0; i--)
            if (_checkpoints[i].Position <= position) return i;
        return -1;
    }

    private void Load(int i) => _m.LoadState(new MemoryStream(_checkpoints[i].Data, writable: false), "reverse history");

    /// <summary>
    /// Runs from the loaded state to <paramref name="position"/> (the first boundary at or after it),
    /// with the given watchers or none. The caller took the stub's own hook and observer off.
    /// </summary>
    private void RunTo(HistoryPosition position, IExecutionHook? hook = null, IBusObserver? observer = null)
    {
        if (hook != null) _m.AddHook(hook);
        if (observer != null) _m.AddBusObserver(observer);
        try
        {
            while (_m.Scheduler.Cycles < position.Cycles)
            {
                var r = _m.Run(position.Cycles);
                if (r.Reason is StopReason.Exit or StopReason.Fault) return;
            }
            // Run stopped at the first boundary of the position's cycle; later ones there (after a
            // step that took no cycle) are reached step by step.
            if (Position >= position) return;
            var stepper = new StopAt(this, position);
            _m.AddHook(stepper);
            try
            {
                while (Position < position)
                {
                    var r = _m.Run();
                    if (r.Reason is StopReason.Exit or StopReason.Fault) return;
                }
            }
            finally { _m.RemoveHook(stepper); }
        }
        finally
        {
            if (hook != null) _m.RemoveHook(hook);
            if (observer != null) _m.RemoveBusObserver(observer);
        }
    }

    /// <summary>Stops the run at the first boundary at or after a position.</summary>
    private sealed class StopAt(ReverseHistory h, HistoryPosition target) : IExecutionHook
    {
        public bool BeforeInstruction(ICore cpu, uint pc, uint opcode) => false;

        public void AfterInstruction(ICore cpu)
        {
            if (h.Position >= target) cpu.RequestStop();
        }
    }

    /// <summary>Puts the machine in the state it had at <paramref name="position"/> (a position the run reached).</summary>
    public void GoTo(HistoryPosition position)
    {
        int i = LatestAtOrBefore(position);
        if (i < 0) throw new InvalidOperationException($"position {position} is before the history's start {Start}");
        Load(i);
        RunTo(position);
    }

    /// <summary>
    /// One step back: the machine goes to the boundary before the current position. False (and no
    /// move) at the start of the history.
    /// </summary>
    public bool StepBack()
    {
        var p = Position;
        if (p <= Start) return false;
        var target = PreviousBoundary(p);
        if (target < Start) return false;
        GoTo(target);
        return true;
    }

    /// <summary>
    /// The boundary before <paramref name="p"/>: from the last scan if it saw it, else by re-executing the
    /// segments before it from the newest until one holds a boundary before it. A checkpoint's own
    /// position is not taken for a boundary (one taken at a slice end or a Ctrl-C while the core slept is
    /// not one: no step ends there), except the history's start; a boundary at a checkpoint is found by
    /// re-executing the segment that ends there.
    /// </summary>
    private HistoryPosition PreviousBoundary(HistoryPosition p)
    {
        int k = Array.BinarySearch(_boundaries, p);
        if (k > 0) return _boundaries[k - 1];
        // Each segment ends where the one after it starts (each start is before the end: the loop ends).
        for (var end = p; LatestAtOrBefore(Before(end)) is var i && i >= 0;)
        {
            Load(i);
            if (end == p && p.Cycles - Position.Cycles > 2 * NearDistance)
            {
                // A checkpoint near the target, so that stepping back again replays little.
                RunTo(new HistoryPosition(p.Cycles - NearDistance, 0));
                if (Position < p)
                {
                    var keepFrontier = Frontier;
                    Save();
                    Frontier = keepFrontier;
                }
                else Load(i);
            }
            var from = Position;
            var rec = new BoundaryRecorder(this, from, from == Start);
            RunTo(end, rec);
            _boundaries = rec.Boundaries(p);
            k = Array.BinarySearch(_boundaries, p);
            // p is not a boundary (a stop while the core slept): the last one before it.
            if (k < 0) k = ~k;
            if (k > 0) return _boundaries[k - 1];
            end = from;
        }
        return Start;
    }

    /// <summary>
    /// Back to the latest breakpoint or watchpoint hit before the current position, scanning the
    /// checkpoints' segments from the newest; the start of the history when there is none.
    /// A breakpoint hit is the boundary before the instruction at its address. A watchpoint hit is
    /// the boundary after the accessing instruction, as going forward: GDB treats ARM watchpoints as
    /// reported before the access takes effect in the direction of execution (non-steppable), so it
    /// steps back over the instruction itself (a bs with the watchpoint removed) and stops at the
    /// store with the value from before it, where a reverse watchpoint stops.
    /// <paramref name="interrupted"/> is asked between segments (true: the user interrupted).
    /// </summary>
    public ReverseStop ContinueBack(IReadOnlyCollection<uint> breakpoints, IReadOnlyList<(int Type, uint Address, uint Length)> watchpoints, Func<bool> interrupted)
    {
        var p = Position;
        ReverseStop? found = null;
        var end = p;
        for (int i = LatestAtOrBefore(Before(p)); i >= 0 && found == null; i--)
        {
            var c = _checkpoints[i];
            Load(i);
            var rec = new HitRecorder(this, breakpoints, watchpoints, p);
            RunTo(end, rec, watchpoints.Count > 0 ? rec : null);
            found = rec.Last;
            end = c.Position;
            if (found == null && interrupted()) { found = new ReverseStop(end, StopKind.Interrupt); break; }
        }
        var stop = found ?? new ReverseStop(Start, StopKind.Step, AtHistoryStart: true);
        GoTo(stop.Position);
        return stop;
    }

    /// <summary>The greatest position before <paramref name="p"/> (checkpoints strictly before it are at or before this).</summary>
    private static HistoryPosition Before(HistoryPosition p) =>
        p.Instructions > 0 ? p with { Instructions = p.Instructions - 1 } : new HistoryPosition(p.Cycles - 1, long.MaxValue);

    /// <summary>Records the position of every step boundary (the ring keeps the last ones).</summary>
    private sealed class BoundaryRecorder(ReverseHistory h, HistoryPosition start, bool startIsBoundary) : IExecutionHook
    {
        private const int Keep = 1 << 16;
        private readonly HistoryPosition[] _ring = new HistoryPosition[Keep];
        private long _count;

        public bool BeforeInstruction(ICore cpu, uint pc, uint opcode) => false;

        public void AfterInstruction(ICore cpu) => _ring[_count++ & (Keep - 1)] = h.Position;

        /// <summary>The recorded boundaries up to <paramref name="p"/>, ascending, with the start when it is one and the ring kept everything.</summary>
        public HistoryPosition[] Boundaries(HistoryPosition p)
        {
            var list = new List<HistoryPosition>();
            if (startIsBoundary && _count < Keep) list.Add(start);
            for (long k = Math.Max(0, _count - Keep); k < _count; k++)
            {
                var b = _ring[k & (Keep - 1)];
                if (b <= p && (list.Count == 0 || b > list[^1])) list.Add(b);
            }
            return list.ToArray();
        }
    }

    /// <summary>Remembers the last breakpoint or watchpoint hit before a position while a segment re-executes.</summary>
    private sealed class HitRecorder : IExecutionHook, IBusObserver
    {
        private readonly ReverseHistory _h;
        private readonly IReadOnlyCollection<uint> _breakpoints;
        private readonly IReadOnlyList<(int Type, uint Address, uint Length)> _watchpoints;
        private readonly HistoryPosition _before;
        private (int Type, uint Address)? _access;

        public HitRecorder(ReverseHistory h, IReadOnlyCollection<uint> breakpoints, IReadOnlyList<(int Type, uint Address, uint Length)> watchpoints, HistoryPosition before)
        {
            _h = h;
            _breakpoints = breakpoints;
            _watchpoints = watchpoints;
            _before = before;
        }

        public ReverseStop? Last { get; private set; }

        public bool BeforeInstruction(ICore cpu, uint pc, uint opcode)
        {
            if (_breakpoints.Contains(pc) && _h.Position is var at && at < _before) Last = new ReverseStop(at, StopKind.Breakpoint);
            return false;
        }

        public void AfterInstruction(ICore cpu)
        {
            if (_access is { } a && _h.Position is var at && at < _before) Last = new ReverseStop(at, StopKind.Watchpoint, a.Type, a.Address);
            _access = null;
        }

        public void OnBusCycle(in BusCycle c)
        {
            if (c.Size == 0 || c.IsOpcodeFetch || _access != null) return;
            bool write = c.IsWrite;
            foreach (var (type, address, length) in _watchpoints)
            {
                if (type == 2 && !write || type == 3 && write) continue;
                ulong start = c.Address, end = (ulong)c.Address + c.Size;
                if (start < (ulong)address + length && end > address)
                {
                    // The instruction's first matching access names the hit.
                    _access = (type, Math.Max(c.Address, address));
                    return;
                }
            }
        }
    }
}
