using SocSim.Core;
using SocSim.Core.Cores;
using SocSim.Core.Signals;

namespace SocSim.Arm;

/// <summary>
/// The ARM7TDMI's traced signals in scope <c>cpu</c>: its pins (TRM DDI 0210C chapter 3 and appendix A)
/// from the bus cycles, the three pipeline stages in <c>cpu.pipe</c>, the registers, CPSR and mode.
/// Declared by <see cref="ArmCpu.Type"/>; the tracer drives them only while attached.
/// </summary>
public sealed class ArmCpuSignals : ICoreSignals
{
    private readonly ArmCpu _cpu;
    private readonly Scheduler _s;
    private readonly Signal _a, _d, _nrw, _mas, _nmreq, _seq, _nopc, _ntrans, _lock, _abort;
    private readonly Signal? _mclk;
    private readonly Signal _fetch, _decode, _execute, _opcode, _t;
    private readonly Signal[] _r = new Signal[16];
    private readonly Signal _cpsr, _mode, _nirq, _nfiq;

    public ArmCpuSignals(ArmCpu cpu, SignalRegistry r, CoreSignalOptions options)
    {
        _cpu = cpu;
        _s = cpu.Scheduler;
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
        if (options.ClockPin) _mclk = r.Declare(c, "MCLK", 1);
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
    }

    /// <summary>The pins are active low: the signal is the pin's level, the inverse of "asserted".</summary>
    public Signal? Input(string name) => name switch { "nIRQ" => _nirq, "nFIQ" => _nfiq, _ => null };

    public (bool Bus, bool Hook) Attach(long now)
    {
        for (int i = 0; i < 16; i++) _r[i].Set(now, _cpu.GetRegister(i));
        _cpsr.Set(now, _cpu.Cpsr);
        _mode.Set(now, _cpu.Cpsr & 0x1F);
        bool bus = new[] { _a, _d, _nrw, _mas, _nmreq, _seq, _nopc, _ntrans, _lock, _abort, _mclk }.Any(x => x is { Enabled: true });
        bool hook = new[] { _fetch, _decode, _execute, _opcode, _t, _cpsr, _mode }.Concat(_r).Any(x => x.Enabled);
        return (bus, hook);
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

    public void BeforeInstruction(long t, uint pc, uint opcode)
    {
        uint step = _cpu.Thumb ? 2u : 4u;
        _execute.Set(t, pc);
        _decode.Set(t, pc + step);
        _fetch.Set(t, pc + 2 * step);
        _opcode.Set(t, opcode);
        _t.Set(t, _cpu.Thumb);
    }

    public void AfterInstruction(long t)
    {
        // r15 as the register holds it: the fetch address, two instructions ahead of the one executing.
        for (int i = 0; i < 16; i++) _r[i].Set(t, _cpu.GetRegister(i));
        uint cpsr = _cpu.Cpsr;
        _cpsr.Set(t, cpsr);
        _mode.Set(t, cpsr & 0x1F);
        _t.Set(t, (cpsr & 0x20) != 0);
    }
}
