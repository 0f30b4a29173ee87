using SocSim.Core;
using SocSim.Core.Cores;
using SocSim.Core.Devices;
using SocSim.Core.Signals;
using SocSim.Trace.Profiling;

namespace SocSim.Trace.Signals;

public sealed class MachineSignalsOptions
{
    /// <summary>Declares <c>cpu.MCLK</c>, the CPU clock (two changes per cycle: it doubles the file).</summary>
    public bool Mclk { get; init; }
    /// <summary>
    /// The globs the registry will be filtered with (<c>--signals</c>), if known when the signals are
    /// declared: devices skip declaring costly signals no glob can select (see <see cref="ISignalBinder.MaySelect"/>).
    /// Null or empty: every signal may be selected.
    /// </summary>
    public IReadOnlyCollection<string>? Signals { get; init; }
}

/// <summary>
/// Declares the signals of a machine in a <see cref="SignalRegistry"/> — scopes named after the board's
/// components — and drives them from outside the models: a bus observer for the core's pins, an
/// execution hook for its pipeline and registers (both as the core's declaration traces them) (and for sampling lazily computed peripheral state:
/// timer counters, FIFO levels), level subscriptions for interrupt lines, and the UART frame events
/// for TXD/RXD bit by bit. Only the sources that some enabled signal needs are attached, and nothing
/// at all is attached until <see cref="Attach"/>: a machine without a waveform pays nothing.
/// Firmware with FreeRTOS (<see cref="FreeRtos"/>: <c>pxCurrentTCB</c> in the ELF) adds scope <c>rtos</c>: <c>tcb</c>,
/// the running task's TCB, and <c>task</c>, its name as a text signal (<see cref="SignalKind.String"/>: VCD <c>$var string</c>,
/// as GTKWave reads it), both changing at the store to pxCurrentTCB.
/// </summary>
public sealed class MachineSignals : IBusObserver, IExecutionHook
{
    private readonly Machine _m;
    private readonly Scheduler _s;
    private bool _attached, _busAttached, _hookAttached;
    private readonly IReadOnlyCollection<string>? _globs;

    // cpu: what the core's declaration traces (its pins, pipeline and registers).
    private readonly ICoreSignals? _core;
    private readonly List<(Signal Signal, Func<ulong> Sample, long EdgePeriod, ClockDomain? Clock)> _sampled = new();
    private readonly List<Action> _beforeDetach = new();
    private readonly List<Action<long>> _onAttach = new();
    private (Signal Signal, Func<ulong> Sample, long EdgePeriod, ClockDomain? Clock)[] _samples = [];

    // rtos: the running task, from the stores to pxCurrentTCB.
    private readonly FreeRtos? _rtos;
    private readonly Signal? _rtosTcb, _rtosTask;
    private bool _rtosWatch;
    // rtos.task's texts: the names of the tasks seen, in order (the empty text first).
    private readonly List<string> _taskNames = [""];
    private readonly Dictionary<string, int> _taskIndex = new() { [""] = 0 };

    public MachineSignals(Machine machine, MachineSignalsOptions? options = null)
    {
        _m = machine;
        _s = machine.Scheduler;
        _globs = options?.Signals;
        Registry = new SignalRegistry(_s.TicksPerSecond);
        _core = machine.Board.Cpu.Type.DeclareSignals(machine.Core, Registry, new CoreSignalOptions { ClockPin = options?.Mclk == true });

        foreach (var conn in machine.Board.Interrupts.Where(i => i.TargetsCpu))
        {
            var line = machine.InterruptOutput(conn.SourceComponent, conn.SourceOutput);
            if (_core?.Input(conn.TargetInput) is not { } pin) continue;
            // The line's level is the request; the pin shows it at the pin's polarity: active low for ARM's
            // n-prefixed pins (the ARM7TDMI's and ARM926EJ-S's nIRQ and nFIQ), active high otherwise (the
            // Cortex-M's irqN and NMI, whose VCD showed them inverted).
            bool activeLow = conn.TargetInput.Length > 1 && conn.TargetInput[0] == 'n' && char.IsUpper(conn.TargetInput[1]);
            line.Subscribe(level => { if (_attached) pin.Set(_s.EventTime, level != activeLow); });
        }

        // Each peripheral declares its own signals (its type's declaration), under its board name.
        foreach (var spec in machine.Board.Peripherals)
            spec.Type.DeclareSignals(machine.Devices[spec.Name], new Binder(this, spec.Name));

        _rtos = FreeRtos.Find(machine.Elf, machine.Bus.DebugRead32);
        if (_rtos != null)
        {
            uint tcb = _rtos.CurrentTcb;
            _rtosTcb = Registry.Declare("rtos", "tcb", 32, SignalKind.Reg, tcb);
            _rtosTask = Registry.DeclareText("rtos", "task", _taskNames, TaskText(tcb));
        }
    }

    /// <summary>The task's name as an index into <see cref="_taskNames"/> (0, the empty text: no task, or a TCB that is not one).</summary>
    private int TaskText(uint tcb)
    {
        if (tcb == 0) return 0;
        string name = _rtos!.Name(tcb, out bool valid);
        if (!valid) return 0;
        if (!_taskIndex.TryGetValue(name, out int i))
        {
            i = _taskNames.Count;
            _taskNames.Add(name);
            _taskIndex[name] = i;
        }
        return i;
    }

    /// <summary>Declares one device's signals in its scope and drives them only while attached.</summary>
    private sealed class Binder(MachineSignals owner, string scope) : ISignalBinder
    {
        public long EventTime => owner._s.EventTime;

        public void Line(string name, IrqLine line) => owner.Line(scope, name, line);

        public void Sampled(string name, int width, Func<ulong> sample, long edgePeriodTicks) =>
            owner._sampled.Add((owner.Registry.Declare(scope, name, width, initial: sample()), sample, edgePeriodTicks, null));

        public void Sampled(string name, int width, Func<ulong> sample, ClockDomain clock) =>
            owner._sampled.Add((owner.Registry.Declare(scope, name, width, initial: sample()), sample, 0, clock));

        public void WhenAttached(Action<long> onAttach) => owner._onAttach.Add(onAttach);

        public Action<long, ulong> Driven(string name, int width, ulong initial) => Driven("", name, width, initial);

        public Action<long, ulong> Driven(string subScope, string name, int width, ulong initial)
        {
            var s = owner.Registry.Declare(subScope.Length == 0 ? scope : scope + "." + subScope, name, width, initial: initial);
            return (tick, value) => { if (owner._attached) s.Set(tick, value); };
        }

        public void BeforeDetach(Action flush) => owner._beforeDetach.Add(flush);

        public bool MaySelect(string namePrefix) =>
            owner._globs is not { Count: > 0 } globs || globs.Any(g => SignalRegistry.GlobMayMatchPrefix(g, scope + "." + namePrefix));
    }

    public SignalRegistry Registry { get; }

    private void Line(string scope, string name, IrqLine line)
    {
        var s = Registry.Declare(scope, name, 1, initial: line.Level ? 1UL : 0UL);
        line.Subscribe(level => { if (_attached) s.Set(_s.EventTime, level); });
    }

    /// <summary>Starts driving the enabled signals (call after <see cref="SignalRegistry.Filter"/> and after the sink is set).</summary>
    public void Attach()
    {
        if (_attached) return;
        _attached = true;
        // Values may have moved between declaration and now (the firmware loaded, the core reset).
        long now = _s.Now;
        var (bus, hook) = _core?.Attach(now) ?? (false, false);
        _rtosWatch = _rtosTcb != null && (_rtosTcb.Enabled || _rtosTask!.Enabled);
        if (_rtosWatch)
        {
            uint tcb = _rtos!.CurrentTcb;
            _rtosTcb!.Set(now, tcb);
            _rtosTask!.Set(now, (ulong)TaskText(tcb));
            bus = true;
        }
        _samples = _sampled.Where(x => x.Signal.Enabled).ToArray();
        foreach (var onAttach in _onAttach) onAttach(now);
        if (bus) { _m.AddBusObserver(this); _busAttached = true; }
        if (hook || _samples.Length > 0) { _m.AddHook(this); _hookAttached = true; }
    }

    public void Detach()
    {
        if (!_attached) return;
        foreach (var flush in _beforeDetach) flush();
        _core?.Detach();
        _attached = false;
        if (_busAttached) _m.RemoveBusObserver(this);
        if (_hookAttached) _m.RemoveHook(this);
        _busAttached = _hookAttached = false;
    }

    // ---- the core's pins, pipeline and registers, and the sampled device state ----

    public void OnBusCycle(in BusCycle c)
    {
        _core?.OnBusCycle(c);
        if (_rtosWatch && c.IsWrite && c.Address == _rtos!.CurrentTcbAddress && c.Size == 4 && !c.Abort)
        {
            long t = _s.TimeOfCycle(c.Cycle);
            _rtosTcb!.Set(t, c.Data);
            // The TCB's name was written when the task was created, before it could run.
            _rtosTask!.Set(t, (ulong)TaskText(c.Data));
        }
    }

    public bool BeforeInstruction(ICore cpu, uint pc, uint opcode)
    {
        _core?.BeforeInstruction(_s.Now, pc, opcode);
        return false;
    }

    public void AfterInstruction(ICore cpu)
    {
        long t = _s.Now;
        _core?.AfterInstruction(t);
        foreach (var (s, sample, period, clock) in _samples)
            s.Set(clock != null ? clock.TimeOfEdge(clock.EdgesAt(t)) : period > 0 ? t / period * period : t, sample());
    }
}
