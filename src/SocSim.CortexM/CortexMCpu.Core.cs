using SocSim.Core;
using SocSim.Core.Cores;
using SocSim.Core.State;

namespace SocSim.CortexM;

/// <summary>
/// The Cortex-M core as a board component (<see cref="ICore"/>): the run loop at the level of a slice, the
/// NVIC's external interrupt inputs, the debug view GDB and <c>--regs</c> read, hooks, and the System Control
/// Space the core carries on its Private Peripheral Bus (mapped at 0xE000E000 when a board builds the core).
/// The declarations of the four core types are in <see cref="CortexMCoreTypes"/>.
/// </summary>
public sealed partial class CortexMCpu : ICore, ICoreModel
{
    /// <summary>The Cortex-M3 (ARMv7-M); the M4, M4F and M0 are declared in <see cref="CortexMCoreTypes"/>.</summary>
    public static CoreType Type => CortexMCoreTypes.M3;

    /// <summary>The debug view this core's type declared (its profile decides which special registers it has).</summary>
    internal CortexMRegister[] DebugRegisters { get; set; } = CortexMCoreTypes.V7MRegisters;

    public Scheduler Scheduler => _s;

    /// <summary>The System Control Space (SysTick, NVIC, SCB) when a board built the core (null for a bare core).</summary>
    public SystemControlSpace? Scs { get; private set; }
    /// <summary>The ITM at 0xE0000000 on a board (ARMv7-M profiles): its <see cref="InstrumentationTrace.Stimulus"/> writes.</summary>
    public InstrumentationTrace? Itm { get; private set; }
    /// <summary>The DWT at 0xE0001000 on a board: CYCCNT and the profiling counters (ARMv7-M); PCSR and two comparators only (ARMv6-M).</summary>
    public DataWatchpointTrace? Dwt { get; private set; }

    /// <summary>Builds the core for a board: the SCS is mapped at 0xE000E000 behind a port that acts on AIRCR.SYSRESETREQ.</summary>
    internal static CortexMCpu ForBoard(CoreContext c, CortexMProfile profile, CortexMRegister[] registers, bool fpu = false, bool m0Plus = false)
    {
        long bits = c.Parameter(CortexMCoreTypes.PriorityBitsParameter, profile == CortexMProfile.V6M ? 2L : 8L);
        // ARMv6-M implements 2 bits (B3.4.6 of DDI 0419); the Cortex-M3 and M4 3 to 8 (DDI 0337I 6.3, DDI 0439B 6.3).
        (long min, long max) = profile == CortexMProfile.V6M ? (2, 2) : (3, 8);
        if (bits < min || bits > max)
            throw new ArgumentException($"cpu.parameters.{CortexMCoreTypes.PriorityBitsParameter}: {bits} priority bits; this core implements {(min == max ? $"exactly {min}" : $"{min} to {max}")}");
        long lines = c.Parameter(CortexMCoreTypes.InterruptsParameter, (long)DefaultInterruptLines(profile));
        if (lines < 1 || lines > MaxInterruptLines(profile))
            throw new ArgumentException($"cpu.parameters.{CortexMCoreTypes.InterruptsParameter}: {lines} external interrupts; this core implements 1 to {MaxInterruptLines(profile)}");
        var cpu = new CortexMCpu(c.Bus, profile, (int)bits, fpu, (int)lines, m0Plus) { DebugRegisters = registers };
        cpu.SetEngine(c.Engine);
        if (profile == CortexMProfile.V6M)
        {
            long mul = c.Parameter(CortexMCoreTypes.MultiplyCyclesParameter, (long)CortexM0Timing.MultiplyFast);
            if (mul is not (CortexM0Timing.MultiplyFast or CortexM0Timing.MultiplySmall))
                throw new ArgumentException($"cpu.parameters.{CortexMCoreTypes.MultiplyCyclesParameter}: {mul}; the Cortex-M0 multiplier takes 1 (fast) or 32 (small) cycles");
            cpu.MultiplyCycles = (int)mul;
        }
        long calib = c.Parameter(CortexMCoreTypes.SysTickCalibParameter, -1L);
        if (calib is < -1 or > uint.MaxValue)
            throw new ArgumentException($"cpu.parameters.{CortexMCoreTypes.SysTickCalibParameter}: {calib} is not a 32-bit SYST_CALIB value (or -1: derived)");
        var scs = new SystemControlSpace(cpu, calib < 0 ? null : (uint)calib, c.FindClock(CortexMCoreTypes.ReferenceClock));
        cpu.Scs = scs;
        c.Bus.AddDevice("scs", SystemControlSpace.Base, SystemControlSpace.Size, new ScsPort(cpu, scs, c.RequestSystemReset), WaitStates.Zero);
        // The rest of the core's private peripheral bus (ARMv7-M B3.1 Table B3-1): the ITM and the DWT are
        // the core's, on every board. ARMv6-M has no ITM, and a DWT of PCSR and two comparators (DDI 0419 C1.8).
        if (profile != CortexMProfile.V6M)
        {
            cpu.Itm = new InstrumentationTrace(cpu);
            c.Bus.AddDevice("itm", InstrumentationTrace.Base, InstrumentationTrace.Size, cpu.Itm, WaitStates.Zero);
        }
        cpu.Dwt = new DataWatchpointTrace(cpu);
        c.Bus.AddDevice("dwt", DataWatchpointTrace.Base, DataWatchpointTrace.Size, cpu.Dwt, WaitStates.Zero);
        return cpu;
    }

    /// <summary>The SCS on the bus: after a write that set AIRCR.SYSRESETREQ the board resets the system.</summary>
    private sealed class ScsPort(CortexMCpu cpu, SystemControlSpace scs, Action<string>? requestReset) : IBusDevice
    {
        public uint Read(uint address, int size, AccessFlags flags, ref bool abort) => scs.Read(address, size, flags, ref abort);

        public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
        {
            scs.Write(address, size, value, flags, ref abort);
            if (!scs.ResetRequested) return;
            scs.Reset();
            if (requestReset != null) requestReset(SocSim.Core.Devices.SystemResetReasons.SysResetReq);
            else cpu.Reset(0);
        }

        public void Reset() => scs.Reset();
    }

    // ---- the NVIC's inputs ----

    private UInt128 _irqLevels;
    private bool _nmiLevel;

    /// <summary>
    /// External interrupt line <paramref name="irq"/> (INTISR[n]): a rising level sets the interrupt pending; a
    /// line still high when its handler returns sets it pending again (DDI 0337I 6.3 "level-sensitive
    /// interrupts"); a pulse that falls before the handler starts leaves it pending.
    /// </summary>
    public void SetInterruptLine(int irq, bool level)
    {
        UInt128 bit = Bit(irq);
        bool was = (_irqLevels & bit) != 0;
        if (level) _irqLevels |= bit; else _irqLevels &= ~bit;
        if (level && !was) { SetPending(16 + irq); WakeOnPending(); }
    }

    public bool InterruptLine(int irq) => (_irqLevels & Bit(irq)) != 0;

    /// <summary>The NMI input: edge triggered (B1.5.2 "NMI... always enabled").</summary>
    public void SetNmiLine(bool level)
    {
        if (level && !_nmiLevel) { SetPending(ExcNmi); WakeOnPending(); }
        _nmiLevel = level;
    }

    public bool NmiLine => _nmiLevel;

    /// <summary>An exception returned: a level-sensitive line still asserted makes its interrupt pending again.</summary>
    internal void ExceptionDeactivated(int exc)
    {
        int irq = exc - 16;
        if (irq >= 0 && (_irqLevels & Bit(irq)) != 0) _pending |= Bit(exc);
    }

    private void WakeOnPending()
    {
        // A core a device put to sleep (ICore.Sleep) wakes on any interrupt request; WFI/WFE wake in RunTo.
        if (_onWake != null && State == CoreState.Sleeping) State = CoreState.Running;
    }

    // ---- ICore: running ----

    private bool _stop;
    private Action? _onWake;
    private IExecutionHook? _hook;
    private Action<uint>? _exceptionEntered;
    private long _hookResumeAt = -1;
    private uint _hookResumePc;

    public uint Pc => _pc;
    public bool StopRequested => _stop;
    public bool Sleeping => State == CoreState.Sleeping;
    public IExecutionHook? Hook { get => _hook; set => _hook = value; }

    public event Action<uint>? ExceptionEntered
    {
        add => _exceptionEntered += value;
        remove => _exceptionEntered -= value;
    }

    public void RequestStop()
    {
        _stop = true;
        _s.NextEventCycle = 0;
    }

    public void Sleep(Action? onWake = null)
    {
        _onWake = onWake ?? (() => { });
        State = CoreState.Sleeping;
        _s.NextEventCycle = 0;
    }

    /// <summary>
    /// Runs until <see cref="Cycles"/> reaches <paramref name="cycleLimit"/> or a stop request, running the
    /// scheduler's events at their time. A core in lockup or halted at a BKPT with no debugger stops the run
    /// with <see cref="Fault"/> saying why.
    /// </summary>
    public bool Run(long cycleLimit)
    {
        var s = _s;
        _stop = false;
        while (!_stop)
        {
            // The limit in the scheduler's cycles (the core's cycles are the scheduler's on its clock domain).
            long end = cycleLimit == long.MaxValue ? long.MaxValue : s.Cycles + (cycleLimit - _cycles);
            if (s.Cycles >= end) break;
            if (Fault != null) break;
            if (State == CoreState.Halted)
            {
                Fault = $"BKPT at 0x{_pc:X8} halted the core and no debugger is attached";
                break;
            }
            if (State == CoreState.Sleeping && s.NextEventCycle == long.MaxValue && end == long.MaxValue && !WakeUpPending() && _onWake == null)
            {
                Fault = $"the core sleeps (WFI/WFE at 0x{_pc:X8}) and no event or interrupt can ever wake it";
                break;
            }
            if (_hook != null || _exceptionEntered != null) RunObserved(end);
            else RunTo(end);
            s.RunDue();
            if (_onWake != null && State == CoreState.Running)
            {
                var wake = _onWake;
                _onWake = null;
                wake();
            }
        }
        return _stop;
    }

    /// <summary>One instruction at a time, offered to the hook and watched for exception entries.</summary>
    private void RunObserved(long end)
    {
        while (!_stop)
        {
            long limit = Math.Min(end, _s.NextEventCycle);
            if (_s.Cycles >= limit) return;
            // Not RunTo: a core woken there would run on unobserved (the entry it wakes for unreported).
            if (State != CoreState.Running) { if (WakeOrSleepTo(limit)) continue; return; }
            if (_hook == null && _blocks != null && RunBlock(limit, _exceptionEntered)) continue;
            ObservedStep();
        }
    }

    /// <summary>A step for hooks and probes: the hook sees the instruction (not an exception entry that replaces it) before and after.</summary>
    private void ObservedStep()
    {
        var hook = _hook;
        UInt128 activeBefore = _active;
        uint ipsrBefore = _ipsr;
        bool exceptionFirst = _pending != 0 && BestPending(out int p) >= 0 && p < ExecutionPriority;
        if (hook != null && !exceptionFirst && _t)
        {
            uint pc = _pc;
            bool resuming = _instructions == _hookResumeAt && pc == _hookResumePc;
            if (!resuming && hook.BeforeInstruction(this, pc, Encoding(pc)))
            {
                _hookResumeAt = _instructions;
                _hookResumePc = pc;
                RequestStop();
                return;
            }
            _hookResumeAt = -1;
        }
        long instructionsBefore = _instructions;
        int total = Step();
        // An entry (or a tail-chain) made an exception active that was not: ExceptionEntered reports its number.
        bool entered = _ipsr != ipsrBefore && (_active & ~activeBefore & Bit((int)_ipsr)) != 0;
        if (_exceptionEntered != null && entered) _exceptionEntered(_ipsr);
        if (hook != null) ObserveStep(total, _instructions != instructionsBefore, entered, ipsrBefore, activeBefore);
        hook?.AfterInstruction(this);
    }

    /// <summary>
    /// The step just observed, as the pipeline signals show it (<see cref="CortexMSignals"/>): it began at scheduler
    /// cycle <see cref="StepView.Start"/>, waited <see cref="StepView.Stall"/> cycles for its fetch, and its last
    /// <see cref="StepView.ExceptionCycles"/> cycles were exception entry, return or tail-chain (what DWT EXCCNT counts).
    /// </summary>
    internal StepView LastStep => _lastStep;
    private StepView _lastStep;

    private void ObserveStep(int total, bool executed, bool entered, uint ipsrBefore, UInt128 activeBefore)
    {
        int exc = executed ? _stepExc : total;
        var kind = exc == 0 ? ExceptionPhase.None
            : !entered ? ExceptionPhase.Return
            : (activeBefore & Bit((int)ipsrBefore)) != 0 && (_active & Bit((int)ipsrBefore)) == 0 ? ExceptionPhase.TailChain
            : ExceptionPhase.Entry;
        _lastStep = new StepView(_s.Cycles - total, executed ? _lastStepStall : 0, executed, Math.Min(exc, total), kind);
    }

    /// <summary>The instruction's encoding as objdump shows it (first halfword in the high half for 32-bit ones).</summary>
    private uint Encoding(uint pc)
    {
        uint hw1 = (uint)(_bus.DebugRead8(pc) | _bus.DebugRead8(pc + 1) << 8);
        if (!ThumbDecoder.Is32Bit(hw1)) return hw1;
        return hw1 << 16 | (uint)(_bus.DebugRead8(pc + 2) | _bus.DebugRead8(pc + 3) << 8);
    }

    void ICore.Step()
    {
        // A sleeping core's step lets time pass to the next event (which may wake it: then the next step takes
        // the entry); one woken already steps once here, like a running one (not on to the next event).
        if (State == CoreState.Sleeping && !WakeOrSleepTo(_s.NextEventCycle == long.MaxValue ? _s.Cycles + 1 : _s.NextEventCycle))
        {
            _s.RunDue();
            return;
        }
        if (_hook != null || _exceptionEntered != null) ObservedStep();
        else Step();
        _s.RunDue();
    }

    void ICore.Reset()
    {
        Scs?.Reset();
        Reset(0);
        _stop = false;
        _onWake = null;
    }

    /// <summary>
    /// M-profile firmware starts from its vector table (B1.5.5), as QEMU's <c>-kernel</c> starts it: SP and PC
    /// come from addresses 0 and 4. <paramref name="entry"/> (an ELF's entry point) only replaces the PC.
    /// </summary>
    public void ResetTo(uint entry)
    {
        ((ICore)this).Reset();
        _pc = entry & ~1u;
        _t = (entry & 1) != 0;
    }

    // ---- ICore: the debug view ----

    public uint ReadRegister(int index) => DebugRegisters[index] switch
    {
        CortexMRegister.Xpsr => Xpsr,
        CortexMRegister.Msp => Msp,
        CortexMRegister.Psp => Psp,
        CortexMRegister.Primask => _primask ? 1u : 0,
        CortexMRegister.Basepri => _basepri,
        CortexMRegister.Faultmask => _faultmask ? 1u : 0,
        CortexMRegister.Control => Control,
        var r => GetRegister((int)r),
    };

    public void WriteRegister(int index, uint value)
    {
        switch (DebugRegisters[index])
        {
            case CortexMRegister.Xpsr: Xpsr = value; break;
            case CortexMRegister.Msp: Msp = value; break;
            case CortexMRegister.Psp: Psp = value; break;
            case CortexMRegister.Primask: _primask = (value & 1) != 0; break;
            case CortexMRegister.Basepri: Basepri = value; break;
            case CortexMRegister.Faultmask: _faultmask = (value & 1) != 0; break;
            case CortexMRegister.Control: Control = value; break;
            case var r: SetRegister((int)r, value); break;
        }
    }

    public void WriteRegisters(ReadOnlySpan<uint> values)
    {
        // The special registers first (CONTROL may swap the stack pointers), then r0-r15 and xPSR.
        for (int i = DebugRegisters.Length - 1; i >= 0; i--) WriteRegister(i, values[i]);
    }

    /// <summary>Nothing to do: the decode cache checks each entry's encoding against memory at every fetch.</summary>
    public void DebugMemoryWritten(uint address, int length) { }

    public void Dispose() { }

    // ---- ICore: checkpoints ----

    void ICore.SaveState(StateWriter w)
    {
        SaveState(w);
        WriteBits(w, _irqLevels);
        w.Write(_nmiLevel);
        // Where a hook's stop resumes belongs to that run, not to the SoC (as on the ARM7TDMI and ARM926):
        // a hook after a load sees the first instruction, so re-execution from a checkpoint taken where the
        // GDB stub stopped at a breakpoint finds that hit (issue 18). The layout keeps the slot: none.
        w.Write(-1L);
        w.Write(0u);
        w.Write(Scs != null);
        Scs?.SaveState(w);
        w.Write(Dwt != null);
        Dwt?.SaveState(w);
        Itm?.SaveState(w);
    }

    void ICore.LoadState(StateReader r)
    {
        LoadState(r);
        _irqLevels = ReadBits(r);
        _nmiLevel = r.ReadBool();
        r.ReadLong();
        r.ReadUInt();
        _hookResumeAt = -1;
        bool scs = r.ReadBool();
        if (scs != (Scs != null)) throw new StateException($"Cortex-M checkpoint {(scs ? "has" : "lacks")} a System Control Space, this core {(Scs != null ? "has one" : "has none")}");
        Scs?.LoadState(r);
        bool dwt = r.ReadBool();
        if (dwt != (Dwt != null)) throw new StateException($"Cortex-M checkpoint {(dwt ? "has" : "lacks")} a DWT and ITM, this core {(Dwt != null ? "has them" : "has none")}");
        Dwt?.LoadState(r);
        Itm?.LoadState(r);
        _stop = false;
    }
}

/// <summary>What a step's exception cycles were (the pipeline signal <c>cpu.pipe.exc</c>).</summary>
internal enum ExceptionPhase { None = 0, Entry = 1, Return = 2, TailChain = 3 }

/// <summary>One observed step: its start (scheduler cycle), fetch stall, whether it executed an instruction, and its closing exception cycles.</summary>
internal readonly record struct StepView(long Start, int Stall, bool Executed, int ExceptionCycles, ExceptionPhase Phase);
