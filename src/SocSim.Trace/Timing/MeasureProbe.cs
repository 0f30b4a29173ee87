using System.Globalization;
using SocSim.Core.Cores;
using SocSim.Core.State;

namespace SocSim.Trace.Timing;

/// <summary>Count, min, max and mean of a set of cycle counts.</summary>
public sealed record CycleStats(long Count, long Min, long Max, double Mean)
{
    public static CycleStats Of(IReadOnlyCollection<long> values) =>
        values.Count == 0 ? new(0, 0, 0, 0) : new(values.Count, values.Min(), values.Max(), values.Average());

    public override string ToString() => Format(null);

    /// <summary>
    /// <c>count=N min=A max=B mean=C</c>, each cycle figure followed by its simulated time when
    /// <paramref name="time"/> is given (<c>min=160 (3.20 us)</c>): scripts that read the cycle fields
    /// by name find them where they were.
    /// </summary>
    public string Format(TimeStats? time) => Count == 0
        ? "count=0"
        : time == null
            ? string.Create(CultureInfo.InvariantCulture, $"count={Count} min={Min} max={Max} mean={Mean:F1}")
            : string.Create(CultureInfo.InvariantCulture,
                $"count={Count} min={Min} ({TimeStats.Format(time.Min)}) max={Max} ({TimeStats.Format(time.Max)}) mean={Mean:F1} ({TimeStats.Format(time.Mean)})");
}

/// <summary>
/// Cycles of every pass from FROM to TO: a pass starts when the instruction at FROM is about to
/// execute and ends when the instruction at TO is about to execute; a new FROM before TO restarts the
/// pass (the innermost/latest one is measured). With FROM = TO each pass runs from one hit to the next.
/// Cycles include everything in between, interrupts too. Its passes and the pass in progress go into a
/// checkpoint (<see cref="IStateful"/>), so a resumed run reports the whole run.
/// </summary>
public sealed class MeasureProbe(string label, uint from, uint to) : IExecutionHook, IStateful
{
    private readonly Durations _passes = new();
    private long _start = -1, _startTicks;
    private BoundarySeen _seen;

    public string Label { get; } = label;
    public uint From { get; } = from;
    public uint To { get; } = to;
    public IReadOnlyList<long> Passes => _passes.Cycles;
    public CycleStats Stats => _passes.Stats;
    public Durations Durations => _passes;

    public bool BeforeInstruction(ICore cpu, uint pc, uint opcode)
    {
        if (!_seen.First(cpu, pc)) return false;
        if (pc == To && _start >= 0)
        {
            _passes.Add(cpu.Cycles - _start, cpu.Scheduler.Now - _startTicks);
            _start = -1;
        }
        if (pc == From)
        {
            _start = cpu.Cycles;
            _startTicks = cpu.Scheduler.Now;
        }
        return false;
    }

    public void AfterInstruction(ICore cpu) { }

    public void SaveState(StateWriter w)
    {
        _passes.SaveState(w);
        w.Write(_start);
        w.Write(_startTicks);
        _seen.SaveState(w);
    }

    public void LoadState(StateReader r)
    {
        _passes.LoadState(r);
        _start = r.ReadLong();
        _startTicks = r.ReadLong();
        _seen.LoadState(r);
    }
}

/// <summary>
/// Cycles of every call of a function, from its entry to its return: a call starts when the
/// function's first instruction is about to execute, and returns when the address LR held then
/// (Thumb bit cleared) is about to execute with SP back at or above its value at entry (AAPCS: a
/// full-descending stack the callee restores). Calls are kept on a stack, so nested and recursive
/// calls each count once, inclusive of their callees; a return that skips inner calls (longjmp)
/// ends them uncounted. A branch back to the entry (a tail call to itself) counts as a new call.
/// <para>An M-profile exception handler (a core with an <c>xpsr</c> register, entered with LR an EXC_RETURN value,
/// ARMv7-M B1.5.8) returns through its exception return instead: its call ends at the first instruction executed
/// outside it, that is with IPSR no longer its exception number and either in Thread mode or with SP at or above its
/// value at entry (an exception preempting it runs below its SP; the one it returns or tail-chains to at or above),
/// so the figure includes the return's (or tail-chain's) cycles. <paramref name="xpsrIndex"/> is -1 on other cores.</para>
/// </summary>
public sealed class FunctionMeasureProbe(string label, uint entry, int lrIndex, int spIndex, int xpsrIndex = -1) : IExecutionHook, IStateful
{
    // A handler's call is kept with Return = ExceptionCall | its exception number (no M-profile code runs at 0xF0000000 and up: XN, B3.1.1).
    private const uint ExceptionCall = 0xF000_0000;

    private readonly Durations _calls = new();
    private readonly List<(uint Return, uint Sp, long Cycles, long Ticks)> _open = new();
    private BoundarySeen _seen;

    public string Label { get; } = label;
    public uint Entry { get; } = entry;
    public Durations Durations => _calls;

    public bool BeforeInstruction(ICore cpu, uint pc, uint opcode)
    {
        if (!_seen.First(cpu, pc)) return false;
        if (_open.Count > 0)
        {
            uint sp = cpu.ReadRegister(spIndex);
            for (int i = _open.Count - 1; i >= 0; i--)
            {
                var c = _open[i];
                if (c.Return >= ExceptionCall ? !HandlerLeft(cpu, c.Return & 0x1FF, sp, c.Sp) : pc != c.Return || sp < c.Sp) continue;
                _calls.Add(cpu.Cycles - c.Cycles, cpu.Scheduler.Now - c.Ticks);
                _open.RemoveRange(i, _open.Count - i);
                break;
            }
        }
        if (pc == Entry)
        {
            uint lr = cpu.ReadRegister(lrIndex);
            uint ret = xpsrIndex >= 0 && lr >= ExceptionCall ? ExceptionCall | cpu.ReadRegister(xpsrIndex) & 0x1FF : lr & ~1u;
            _open.Add((ret, cpu.ReadRegister(spIndex), cpu.Cycles, cpu.Scheduler.Now));
        }
        return false;
    }

    private bool HandlerLeft(ICore cpu, uint exception, uint sp, uint entrySp)
    {
        uint ipsr = cpu.ReadRegister(xpsrIndex) & 0x1FF;
        return ipsr != exception && (ipsr == 0 || sp >= entrySp);
    }

    public void AfterInstruction(ICore cpu) { }

    public void SaveState(StateWriter w)
    {
        _calls.SaveState(w);
        w.Write(_open.Count);
        foreach (var c in _open)
        {
            w.Write(c.Return);
            w.Write(c.Sp);
            w.Write(c.Cycles);
            w.Write(c.Ticks);
        }
        _seen.SaveState(w);
    }

    public void LoadState(StateReader r)
    {
        _calls.LoadState(r);
        _open.Clear();
        int n = r.ReadCount();
        for (int i = 0; i < n; i++) _open.Add((r.ReadUInt(), r.ReadUInt(), r.ReadLong(), r.ReadLong()));
        _seen.LoadState(r);
    }
}

/// <summary>
/// The instruction boundary a probe last saw. A run that stops before an instruction (a breakpoint, a
/// checkpoint's --at) offers that same instruction again when it goes on, in this process or after
/// `socsim resume`: a probe counts each boundary once.
/// </summary>
internal struct BoundarySeen
{
    private long _cycle;
    private uint _pc;
    private bool _any;

    /// <summary>True the first time the boundary (cycle, pc) is offered.</summary>
    public bool First(ICore cpu, uint pc)
    {
        long cycle = cpu.Cycles;
        if (_any && cycle == _cycle && pc == _pc) return false;
        (_any, _cycle, _pc) = (true, cycle, pc);
        return true;
    }

    public readonly void SaveState(StateWriter w)
    {
        w.Write(_any);
        w.Write(_cycle);
        w.Write(_pc);
    }

    public void LoadState(StateReader r) => (_any, _cycle, _pc) = (r.ReadBool(), r.ReadLong(), r.ReadUInt());
}
