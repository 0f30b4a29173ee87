using SocSim.Arm;
using SocSim.Core;
using SocSim.Core.Cores;
using SocSim.Core.State;
using SocSim.Peripherals;

namespace SocSim.Trace.Timing;

/// <summary>Latency figures of one interrupt line.</summary>
/// <param name="Line">"vic.4" (a controller input) or "cpu.nIRQ".</param>
/// <param name="Source">What drives it ("timer0.TIMINTC").</param>
/// <param name="Isr">Name (or address) of the handler the VIC hands out for this line; null for a CPU pin.</param>
/// <param name="ToVector">Assertion to the first instruction at the IRQ/FIQ vector.</param>
/// <param name="ToIsr">Assertion to the first instruction of <paramref name="Isr"/>.</param>
/// <param name="Unserved">Assertions that went away before the handler started.</param>
/// <param name="Rises">Times the line rose.</param>
/// <param name="ToVectorTime">The simulated time of the <paramref name="ToVector"/> passes.</param>
/// <param name="ToIsrTime">The simulated time of the <paramref name="ToIsr"/> passes.</param>
public sealed record LineLatency(string Line, string Source, string? Isr, CycleStats ToVector, CycleStats ToIsr, int Unserved,
    int Rises = 0, TimeStats? ToVectorTime = null, TimeStats? ToIsrTime = null)
{
    /// <summary>True when the line rose but neither reached the vector nor its handler (a line never enabled).</summary>
    public bool NeverServed => ToVector.Count == 0 && ToIsr.Count == 0;

    /// <summary>
    /// The line `socsim run --stats` prints: each figure in cycles followed by its time
    /// (<c>min=55 (1.10 us)</c>); a line that rose but was never served says so instead of statistics
    /// of nothing: <c>irq_latency vic.12 (scb.PLL) never served: rises=1 unserved=0</c>.
    /// </summary>
    public override string ToString() => NeverServed
        ? $"irq_latency {Line} ({Source}) never served: rises={Rises} unserved={Unserved}"
        : Isr == null
            ? $"irq_latency {Line} ({Source}) to_vector: {ToVector.Format(ToVectorTime)} unserved={Unserved}"
            : $"irq_latency {Line} ({Source}) to_isr {Isr}: {ToIsr.Format(ToIsrTime)} to_vector: {ToVector.Format(ToVectorTime)} unserved={Unserved}";
}

/// <summary>
/// Interrupt latency per line, in CPU cycles: from the cycle the line rises to the cycle the first
/// instruction of the handler is about to execute. The handler of a VIC input is the address its
/// vectored slot holds when the line rises (VICVectAddrN of the enabled VICVectCntlN naming the
/// line, else VICDefVectAddr, DDI0181 3.3); the vector is 0x18 (IRQ) or 0x1C (FIQ, when VICIntSelect
/// routes the line there). A line that falls before its handler starts is counted as unserved.
/// The rise is time-stamped at the cycle it happens: a rise during an instruction (a register write
/// that raises a line) at the present cycle; a rise from a device's scheduled event, which the
/// simulator dispatches after the instruction in progress, at the cycle that event was due. So the
/// figures include the wait for the interrupted instruction to complete (TRM 2.8.7: the core
/// samples nIRQ at instruction boundaries).
/// A line wired to a core input that declares its entry (<see cref="CoreInput.Vector"/>: a Cortex-M's NVIC line
/// irqN enters exception 16 + N) reaches the vector at that entry, the first handler instruction being next.
/// A line reaches the vector at the IRQ or FIQ entry (<see cref="ICore.ExceptionEntered"/>) that the
/// controller raised for it (the line shows in VICIRQStatus or VICFIQStatus then; an entry for other
/// lines does not count for it). The probe costs nothing while no handler is awaited: only from such an
/// entry until the handler starts (or the line falls) does it watch the awaited handlers' addresses,
/// through the core's address watch (<see cref="IAddressWatch"/>: the ARM7TDMI's translator keeps running,
/// stepping only the handler's first instruction) or, on a core without one, as an execution hook on
/// <see cref="Machine"/> (every instruction offered until the handler starts). So a line that rises but
/// is never enabled (the LPC2106's PLL lock input under FreeRTOS) leaves the run untouched. While it
/// watches, the first instruction at the handler of any line that rose counts for it (a handler reached
/// before its line's vector entry counts the line unserved at the vector); with the hook that stays so
/// for one instruction after the last awaited line fell, with the watch it ends at once. Create it
/// before running; do not add it with <see cref="Machine.AddHook"/>.
/// </summary>
public sealed class InterruptLatencyProbe : IExecutionHook, IStateful
{
    private sealed class Watched(string line, string source, Pl190Vic? vic, int vicLine)
    {
        public readonly string Line = line, Source = source;
        public readonly Pl190Vic? Vic = vic;
        public readonly int VicLine = vicLine;
        public long Asserted = -1, AssertedTicks;
        public int Rises;
        public bool WaitVector, WaitIsr;
        public uint Vector, IsrAddress;
        public uint? LastIsr;
        public bool NoIsr;      // an IRQ whose vector address was 0 (dispatched by the firmware itself): no to_isr figure
        public uint? CoreVector;
        public readonly Durations ToVector = new(), ToIsr = new();
        public int Unserved;
    }

    private readonly Machine _machine;
    private readonly List<Watched> _lines = new();
    private int _waiting;
    private bool _hooked;
    private readonly IAddressWatch? _watch;
    private readonly Action<uint> _reached;
    // The addresses watched (an array and a count, not a List<uint>: that generic code is not precompiled with the assembly).
    private uint[] _watchSet = new uint[4];

    public InterruptLatencyProbe(Machine machine)
    {
        _machine = machine;
        _watch = machine.Core as IAddressWatch;
        _reached = Reached;
        machine.Core.ExceptionEntered += OnException;
        foreach (var c in machine.Board.Interrupts)
        {
            if (!c.TargetsCpu && machine.Devices.TryGetValue(c.TargetComponent, out var dev) && (dev as Pl190Vic ?? (dev as Lpc2106Vic)?.Pl190) is { } vic)
            {
                var w = new Watched($"{c.TargetComponent}.{c.TargetLine}", $"{c.SourceComponent}.{c.SourceOutput}", vic, c.TargetLine!.Value);
                vic.Input(c.TargetLine.Value).Subscribe(level => OnEdge(w, level));
                _lines.Add(w);
            }
            else if (c.TargetsCpu)
            {
                var src = machine.InterruptOutput(c.SourceComponent, c.SourceOutput);
                var w = new Watched($"cpu.{c.TargetInput}", $"{c.SourceComponent}.{c.SourceOutput}", null, c.TargetInput == "nFIQ" ? 1 : 0)
                {
                    // What the core reports entering for this input (a Cortex-M's NVIC line: its exception number).
                    CoreVector = machine.Board.Cpu.Type.FindInput(c.TargetInput)?.Vector,
                };
                src.Subscribe(level => OnEdge(w, level));
                _lines.Add(w);
            }
        }
    }

    /// <summary>The watched lines' names ("vic.4", "cpu.nIRQ"), in board order.</summary>
    public IReadOnlyList<string> Lines => _lines.Select(l => l.Line).ToList();

    /// <summary>Stops watching (the lines keep their subscription but are ignored) and removes the hook.</summary>
    public void Stop()
    {
        _stopped = true;
        _waiting = 0;
        Unhook();
    }

    private bool _stopped;

    private void OnEdge(Watched w, bool level)
    {
        if (_stopped) return;
        if (level)
        {
            if (w.Asserted >= 0) return;
            w.Asserted = RiseCycle();
            w.AssertedTicks = _machine.Scheduler.TimeOfCycle(w.Asserted);
            w.Rises++;
            if (w.Vic != null)
            {
                bool fiq = (w.Vic.IntSelect & (1u << w.VicLine)) != 0;
                w.Vector = fiq ? Vectors.Fiq : Vectors.Irq;
                w.IsrAddress = fiq ? 0xFFFF_FFFF : w.Vic.HandlerAddressOf(w.VicLine) & ~1u;
                // Address 0 is no handler: firmware that dispatches on VICIRQStatus itself (Linux) leaves the
                // vector addresses 0, and only the time to the vector is measured.
                w.WaitIsr = !fiq && w.IsrAddress != 0;
                if (w.WaitIsr) w.LastIsr = w.IsrAddress;
                else if (!fiq) w.NoIsr = true;
            }
            else
            {
                w.Vector = w.CoreVector ?? (w.VicLine == 1 ? Vectors.Fiq : Vectors.Irq);
                w.WaitIsr = false;
            }
            w.WaitVector = true;
            _waiting++;
        }
        else if (w.Asserted >= 0)
        {
            if (w.WaitVector || w.WaitIsr)
            {
                if (w.WaitVector) w.Unserved++;
                _waiting--;
            }
            w.Asserted = -1;
            w.WaitVector = w.WaitIsr = false;
        }
        if (_hooked && _watch != null) Watch();
    }

    /// <summary>
    /// The CPU cycle at which the line rose: the due tick of the event that raised it (the core may
    /// already be at the end of the instruction it was executing), or the present cycle when a
    /// register write inside an instruction raised it.
    /// </summary>
    private long RiseCycle()
    {
        var s = _machine.Scheduler;
        return Math.Min(s.CycleAtOrAfter(s.EventTime), s.Cycles);
    }

    private void Hook()
    {
        if (_hooked) return;
        _hooked = true;
        if (_watch != null) Watch();
        else _machine.AddHook(this);
    }

    /// <summary>Removes the hook or watch once nothing is awaited (<paramref name="force"/>: no handler is awaited, lines may still wait for the vector).</summary>
    private void Unhook(bool force = false)
    {
        if (!_hooked || (_waiting > 0 && !force)) return;
        _hooked = false;
        if (_watch != null) _watch.SetWatch([], _reached);
        else _machine.RemoveHook(this);
    }

    /// <summary>With the core's address watch, while hooked: the handlers of the lines that rose and await one; unhooked once no line awaits its handler past the vector.</summary>
    private void Watch()
    {
        int n = 0;
        bool awaited = false;
        foreach (var w in _lines)
        {
            if (w.Asserted < 0 || !w.WaitIsr) continue;
            awaited |= !w.WaitVector;
            if (Listed(w.IsrAddress, n)) continue;
            if (n == _watchSet.Length) Array.Resize(ref _watchSet, 2 * n);
            _watchSet[n++] = w.IsrAddress;
        }
        if (!awaited) { Unhook(force: true); return; }
        _watch!.SetWatch(new ReadOnlySpan<uint>(_watchSet, 0, n), _reached);
    }

    private bool Listed(uint address, int count)
    {
        for (int i = 0; i < count; i++)
            if (_watchSet[i] == address) return true;
        return false;
    }

    /// <summary>The core's address watch: the first instruction of an awaited handler is about to execute.</summary>
    private void Reached(uint pc)
    {
        BeforeInstruction(_machine.Core, pc, 0);
        if (_hooked) Watch();
    }

    /// <summary>An IRQ or FIQ entry: the lines it was taken for reached the vector; those whose handler is awaited install the hook.</summary>
    private void OnException(uint vector)
    {
        if (_waiting == 0) return;
        // High vectors (CP15 c1.V on the ARM926EJ-S, which Linux sets): the same exception at 0xFFFF0000 + offset.
        if (vector >= 0xFFFF_0000u && vector <= 0xFFFF_001Cu) vector -= 0xFFFF_0000u;
        var scheduler = _machine.Scheduler;
        long now = scheduler.Cycles, ticks = -1;
        bool hook = false;
        foreach (var w in _lines)
        {
            if (w.Asserted < 0 || !w.WaitVector || vector != w.Vector) continue;
            // A controller input counts only when the controller raised this entry for it (VICIRQStatus or VICFIQStatus).
            if (w.Vic != null && (vector is not (Vectors.Irq or Vectors.Fiq) || ((vector == Vectors.Fiq ? w.Vic.FiqStatus : w.Vic.IrqStatus) & (1u << w.VicLine)) == 0)) continue;
            if (ticks < 0) ticks = scheduler.Now;
            w.ToVector.Add(now - w.Asserted, ticks - w.AssertedTicks);
            w.WaitVector = false;
            if (!w.WaitIsr) _waiting--;
            else hook = true;
        }
        // One watch set for the whole entry: Hook sets it when it hooks, else the set of every line now awaiting its handler.
        if (hook && !_hooked) Hook();
        else if (_hooked && _watch != null) Watch();
    }

    public bool BeforeInstruction(ICore cpu, uint pc, uint opcode)
    {
        if (_waiting == 0) { Unhook(); return false; }
        long now = cpu.Cycles;
        bool awaited = false;
        foreach (var w in _lines)
        {
            if (w.Asserted < 0) continue;
            if (w.WaitIsr && pc == w.IsrAddress)
            {
                w.ToIsr.Add(now - w.Asserted, cpu.Scheduler.Now - w.AssertedTicks);
                w.WaitIsr = false;
                if (w.WaitVector) { w.WaitVector = false; w.Unserved++; }
                _waiting--;
            }
            else if (w.WaitIsr && !w.WaitVector) awaited = true;
        }
        if (!awaited) Unhook(force: true);
        return false;
    }

    public void AfterInstruction(ICore cpu) { }

    /// <summary>Lines that rose at least once, in board order.</summary>
    public IReadOnlyList<LineLatency> Results =>
        _lines.Where(w => w.Rises > 0)
            .Select(w => new LineLatency(w.Line, w.Source, w.Vic == null || (w.NoIsr && w.LastIsr == null) ? null : IsrName(w.LastIsr),
                w.ToVector.Stats, w.ToIsr.Stats, w.Unserved, w.Rises,
                w.ToVector.Time(_machine.Scheduler.TicksPerSecond), w.ToIsr.Time(_machine.Scheduler.TicksPerSecond)))
            .ToList();

    /// <summary>
    /// The figures so far and what each line awaits, for a checkpoint: a resumed run goes on counting
    /// and reports the whole run. Loading also re-installs the hook when a handler is awaited.
    /// </summary>
    public void SaveState(StateWriter sw)
    {
        sw.Write(_lines.Count);
        foreach (var w in _lines)
        {
            sw.Write(w.Line);
            w.ToVector.SaveState(sw);
            w.ToIsr.SaveState(sw);
            sw.Write(w.Asserted);
            sw.Write(w.AssertedTicks);
            sw.Write(w.Rises);
            sw.Write(w.Unserved);
            sw.Write(w.WaitVector);
            sw.Write(w.WaitIsr);
            sw.Write(w.Vector);
            sw.Write(w.IsrAddress);
            sw.Write(w.LastIsr.HasValue);
            sw.Write(w.LastIsr ?? 0);
        }
    }

    public void LoadState(StateReader r)
    {
        int n = r.ReadCount();
        if (n != _lines.Count) throw new StateException($"{n} interrupt lines where this board has {_lines.Count}");
        _waiting = 0;
        foreach (var w in _lines)
        {
            string name = r.ReadString();
            if (name != w.Line) throw new StateException($"interrupt line {w.Line} expected, found {name}");
            w.ToVector.LoadState(r);
            w.ToIsr.LoadState(r);
            w.Asserted = r.ReadLong();
            w.AssertedTicks = r.ReadLong();
            w.Rises = r.ReadInt();
            w.Unserved = r.ReadInt();
            w.WaitVector = r.ReadBool();
            w.WaitIsr = r.ReadBool();
            w.Vector = r.ReadUInt();
            w.IsrAddress = r.ReadUInt();
            bool hasIsr = r.ReadBool();
            uint isr = r.ReadUInt();
            w.LastIsr = hasIsr ? isr : null;
            if (w.WaitVector || w.WaitIsr) _waiting++;
            if (w.WaitIsr && !w.WaitVector) Hook();
        }
        if (_hooked && _watch != null) Watch();
    }

    /// <summary>The figures of one line ("vic.4", "cpu.nIRQ").</summary>
    public LineLatency? this[string line] => Results.FirstOrDefault(r => r.Line == line);

    private string? IsrName(uint? address)
    {
        if (address == null) return "-";
        var f = _machine.Elf?.FunctionAt(address.Value);
        return f != null && f.Address == address.Value ? f.Name : $"0x{address.Value:x8}";
    }
}
