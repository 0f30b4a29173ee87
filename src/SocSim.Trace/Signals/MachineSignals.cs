using SocSim.Arm;
using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.Signals;

namespace SocSim.Trace.Signals;

public sealed class MachineSignalsOptions
{
    /// <summary>Declares <c>cpu.MCLK</c>, the CPU clock (two changes per cycle: it doubles the file).</summary>
    public bool Mclk { get; init; }
}

/// <summary>
/// Declares the signals of a machine in a <see cref="SignalRegistry"/> — scopes named after the board's
/// components — and drives them from outside the models: a bus observer for the ARM7TDMI pins, an
/// execution hook for the pipeline and registers (and for sampling lazily computed peripheral state:
/// timer counters, FIFO levels), level subscriptions for interrupt lines, and the UART frame events
/// for TXD/RXD bit by bit. Only the sources that some enabled signal needs are attached, and nothing
/// at all is attached until <see cref="Attach"/>: a machine without a waveform pays nothing.
/// </summary>
public sealed class MachineSignals : IBusObserver, IExecutionHook
{
    private readonly Machine _m;
    private readonly Scheduler _s;
    private bool _attached, _busAttached, _hookAttached;

    // cpu: the ARM7TDMI pins (TRM DDI 0210C chapter 3 and appendix A).
    private readonly Signal _a, _d, _nrw, _mas, _nmreq, _seq, _nopc, _ntrans, _lock, _abort;
    private readonly Signal? _mclk;
    private readonly Signal _fetch, _decode, _execute, _opcode, _t;
    private readonly Signal[] _r = new Signal[16];
    private readonly Signal _cpsr, _mode, _nirq, _nfiq;
    private readonly List<(Signal Signal, Func<ulong> Sample, long EdgePeriod, ClockDomain? Clock)> _sampled = new();
    private readonly List<Action<long>> _onAttach = new();
    private Signal[] _busSignals, _hookSignals;
    private (Signal Signal, Func<ulong> Sample, long EdgePeriod, ClockDomain? Clock)[] _samples = [];

    public MachineSignals(Machine machine, MachineSignalsOptions? options = null)
    {
        _m = machine;
        _s = machine.Scheduler;
        Registry = new SignalRegistry(_s.TicksPerSecond);
        var cpu = machine.Cpu;
        var r = Registry;
        const string c = "cpu";
        _a = r.Declare(c, "A", 32);
        _d = r.Declare(c, "D", 32);
        _nrw = r.Declare(c, "nRW", 1);
        _mas = r.Declare(c, "MAS", 2, initial: 2);
        _nmreq = r.Declare(c, "nMREQ", 1);
        _seq = r.Declare(c, "SEQ", 1);
        _nopc = r.Declare(c, "nOPC", 1);
        _ntrans = r.Declare(c, "nTRANS", 1, initial: 1);
        _lock = r.Declare(c, "LOCK", 1);
        _abort = r.Declare(c, "ABORT", 1);
        if (options?.Mclk == true) _mclk = r.Declare(c, "MCLK", 1);
        _nirq = r.Declare(c, "nIRQ", 1, initial: cpu.IrqAsserted ? 0UL : 1UL);
        _nfiq = r.Declare(c, "nFIQ", 1, initial: cpu.FiqAsserted ? 0UL : 1UL);
        const string pipe = "cpu.pipe";
        uint pc = cpu.Pc, step = cpu.Thumb ? 2u : 4u;
        _execute = r.Declare(pipe, "execute", 32, initial: pc);
        _decode = r.Declare(pipe, "decode", 32, initial: pc + step);
        _fetch = r.Declare(pipe, "fetch", 32, initial: pc + 2 * step);
        _opcode = r.Declare(pipe, "opcode", 32, initial: cpu.Pipeline.Decode);
        _t = r.Declare(pipe, "T", 1, initial: cpu.Thumb ? 1UL : 0UL);
        for (int i = 0; i < 16; i++) _r[i] = r.Declare(c, "r" + i, 32, SignalKind.Reg, cpu.GetRegister(i));
        _cpsr = r.Declare(c, "cpsr", 32, SignalKind.Reg, cpu.Cpsr);
        _mode = r.Declare(c, "mode", 5, SignalKind.Reg, cpu.Cpsr & 0x1F);
        _busSignals = [];
        _hookSignals = [];

        foreach (var conn in machine.Board.Interrupts.Where(i => i.TargetsCpu))
        {
            var line = machine.InterruptOutput(conn.SourceComponent, conn.SourceOutput);
            var pin = conn.TargetInput == "nFIQ" ? _nfiq : _nirq;
            line.Subscribe(level => { if (_attached) pin.Set(_s.EventTime, !level); });
        }

        // Each peripheral declares its own signals (its type's declaration), under its board name.
        foreach (var spec in machine.Board.Peripherals)
            spec.Type.DeclareSignals(machine.Devices[spec.Name], new Binder(this, spec.Name));
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

        public Action<long, ulong> Driven(string name, int width, ulong initial)
        {
            var s = owner.Registry.Declare(scope, name, width, initial: initial);
            return (tick, value) => { if (owner._attached) s.Set(tick, value); };
        }
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
        var cpu = _m.Cpu;
        for (int i = 0; i < 16; i++) _r[i].Set(now, cpu.GetRegister(i));
        _cpsr.Set(now, cpu.Cpsr);
        _mode.Set(now, cpu.Cpsr & 0x1F);
        _samples = _sampled.Where(x => x.Signal.Enabled).ToArray();
        _busSignals = new[] { _a, _d, _nrw, _mas, _nmreq, _seq, _nopc, _ntrans, _lock, _abort, _mclk }.OfType<Signal>().Where(x => x.Enabled).ToArray();
        _hookSignals = new[] { _fetch, _decode, _execute, _opcode, _t, _cpsr, _mode }.Concat(_r).Where(x => x.Enabled).ToArray();
        foreach (var onAttach in _onAttach) onAttach(now);
        if (_busSignals.Length > 0) { _m.AddBusObserver(this); _busAttached = true; }
        if (_hookSignals.Length > 0 || _samples.Length > 0) { _m.AddHook(this); _hookAttached = true; }
    }

    public void Detach()
    {
        if (!_attached) return;
        _attached = false;
        if (_busAttached) _m.RemoveBusObserver(this);
        if (_hookAttached) _m.RemoveHook(this);
        _busAttached = _hookAttached = false;
    }

    // ---- the bus, as the pins show it ----

    public void OnBusCycle(in BusCycle c)
    {
        long t = _s.TimeOfCycle(c.Cycle);
        // nMREQ/SEQ encode the cycle type: N = 0/0, S = 0/1, I = 1/0, C = 1/1 (TRM 3.1).
        bool memory = c.Kind is CycleKind.N or CycleKind.S;
        _nmreq.Set(t, !memory);
        _seq.Set(t, c.Kind is CycleKind.S or CycleKind.C);
        _a.Set(t, c.Address);
        _ntrans.Set(t, c.IsPrivileged);
        if (memory)
        {
            _d.Set(t, c.Data);
            _nrw.Set(t, c.IsWrite);
            _mas.Set(t, c.Size switch { 1 => 0UL, 2 => 1UL, _ => 2UL });
            _nopc.Set(t, !c.IsOpcodeFetch);
            _lock.Set(t, c.IsLocked);
            _abort.Set(t, c.Abort);
        }
        else _abort.Set(t, false);
        if (_mclk != null)
        {
            // MCLK high in the first half of each cycle; an odd tick period puts the falling edge half a tick early.
            for (int i = 0; i < c.Clocks; i++)
            {
                long e = _s.TimeOfCycle(c.Cycle + i);
                _mclk.Set(e, true);
                _mclk.Set(e + _s.CpuPeriod / 2, false);
            }
        }
    }

    // ---- the pipeline and registers ----

    public bool BeforeInstruction(ArmCpu cpu, uint pc, uint opcode)
    {
        long t = _s.Now;
        uint step = cpu.Thumb ? 2u : 4u;
        _execute.Set(t, pc);
        _decode.Set(t, pc + step);
        _fetch.Set(t, pc + 2 * step);
        _opcode.Set(t, opcode);
        _t.Set(t, cpu.Thumb);
        return false;
    }

    public void AfterInstruction(ArmCpu cpu)
    {
        long t = _s.Now;
        // r15 as the register holds it: the fetch address, two instructions ahead of the one executing.
        for (int i = 0; i < 16; i++) _r[i].Set(t, cpu.GetRegister(i));
        uint cpsr = cpu.Cpsr;
        _cpsr.Set(t, cpsr);
        _mode.Set(t, cpsr & 0x1F);
        _t.Set(t, (cpsr & 0x20) != 0);
        foreach (var (s, sample, period, clock) in _samples)
            s.Set(clock != null ? clock.TimeOfEdge(clock.EdgesAt(t)) : period > 0 ? t / period * period : t, sample());
    }
}
