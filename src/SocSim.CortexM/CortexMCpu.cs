using System.Runtime.CompilerServices;
using SocSim.Core;

namespace SocSim.CortexM;

/// <summary>Which architecture profile the core implements.</summary>
public enum CortexMProfile
{
    /// <summary>ARMv6-M (Cortex-M0/M0+): the Thumb subset of DDI 0419; everything else is UNDEFINED (HardFault).</summary>
    V6M,
    /// <summary>ARMv7-M (Cortex-M3): all of Thumb-2 without the DSP extension (DDI 0403).</summary>
    V7M,
    /// <summary>ARMv7E-M (Cortex-M4): ARMv7-M with the DSP extension (SIMD, saturating and halving arithmetic, the MAC family, APSR.GE).</summary>
    V7EM,
}

/// <summary>What the core is doing.</summary>
public enum CoreState
{
    Running,
    /// <summary>WFI, or WFE without a pending event: waits for <see cref="CortexMCpu.Wake"/>.</summary>
    Sleeping,
    /// <summary>Stopped at a BKPT (debug halt; the PC is the BKPT's address).</summary>
    Halted,
    /// <summary>A fault while HardFault could not be taken (B1.5.15): execution stops, <see cref="CortexMCpu.Fault"/> says why.</summary>
    Lockup,
}

[InlineArray(16)]
internal struct RegisterFile { private uint _r0; }

/// <summary>
/// A Cortex-M core (ARMv7-M as the Cortex-M3, or ARMv6-M) on a SocSim <see cref="Bus"/>: one instruction per
/// <see cref="Step"/>, decoded once into a <see cref="ThumbInst"/> (cached per address and checked against the
/// fetched encoding, so code that rewrites itself is seen), timed by the Cortex-M3 TRM's instruction-timing
/// table (<see cref="CortexMTiming"/>) plus the memory's wait states. Data accesses go through the bus (devices
/// see them at their time); the scheduler's clock is then set to the instruction's start plus its cycles.
/// </summary>
public sealed unsafe partial class CortexMCpu
{
    private readonly Bus _bus;
    private readonly Scheduler _s;
    private RegisterFile _r;
    private uint _pc;
    private bool _n, _z, _c, _v, _q;
    private byte _it;
    private bool _t = true;
    private uint _ipsr;
    private uint _otherSp;            // the banked stack pointer not currently in R13
    private bool _primask, _faultmask;
    private uint _basepri;
    private bool _spsel, _npriv;
    private bool _monitor;
    private uint _monitorAddr;
    private bool _event;
    private long _cycles, _instructions;

    public CortexMCpu(Bus bus, CortexMProfile profile = CortexMProfile.V7M, int priorityBits = 8, bool fpu = false, int? interruptLines = null, bool m0Plus = false)
    {
        if (fpu && profile == CortexMProfile.V6M) throw new ArgumentException("ARMv6-M has no floating-point extension", nameof(fpu));
        if (m0Plus && profile != CortexMProfile.V6M) throw new ArgumentException("the Cortex-M0+ is an ARMv6-M core", nameof(m0Plus));
        HasFpu = fpu;
        _fpccr = fpu ? FpccrAspen | FpccrLspen : 0;
        if (priorityBits is < 2 or > 8) throw new ArgumentOutOfRangeException(nameof(priorityBits), $"the NVIC's priority bits must be 2 to 8, not {priorityBits}");
        int maxLines = MaxInterruptLines(profile);
        InterruptLines = interruptLines ?? DefaultInterruptLines(profile);
        if (InterruptLines < 1 || InterruptLines > maxLines)
            throw new ArgumentOutOfRangeException(nameof(interruptLines), $"{InterruptLines} external interrupts; this core implements 1 to {maxLines}");
        _bus = bus;
        _s = bus.Scheduler;
        Profile = profile;
        _m0 = profile == CortexMProfile.V6M;
        _oneBus = _m0;
        _fetchWords = _m0 ? V6MFetchBufferWords : FetchBufferWords;
        IsM0Plus = m0Plus;
        _entryCycles = m0Plus ? CortexM0PlusTiming.Entry : _m0 ? CortexM0Timing.Entry : EntryCycles;
        _returnCycles = m0Plus ? CortexM0PlusTiming.Return : _m0 ? CortexM0Timing.Return : ReturnCycles;
        // P: the M3/M4 1 for an immediate target, 2 for a register one (DDI 0337I 18.3); the M0 2 for both
        // (DDI 0432C table 3-1); the M0+ 1 for both (DDI 0484C table 3-1).
        _immediateP = m0Plus ? CortexM0PlusTiming.Refill : _m0 ? CortexM0Timing.Refill : 1;
        _registerP = m0Plus ? CortexM0PlusTiming.Refill : 2;
        _systemCycles = m0Plus ? CortexM0PlusTiming.MrsMsr : _m0 ? CortexM0Timing.MrsMsr : CortexMTiming.Mrs;
        _barrierCycles = m0Plus ? CortexM0PlusTiming.Barrier : _m0 ? CortexM0Timing.Barrier : 1;
        _isbBase = _m0 ? _barrierCycles - _immediateP : 1;
        BitBanding = profile != CortexMProfile.V6M;
        PriorityBits = profile == CortexMProfile.V6M ? 2 : priorityBits;
        _decodeRaw = new uint[DecodeCacheSize];
        _decodePc = new uint[DecodeCacheSize];
        _decoded = new ThumbInst[DecodeCacheSize];
        Array.Fill(_decodePc, 1u);    // odd: never an instruction address
        bus.MappingChanged += () => { _fetchPageBase = 1; _slowWord = 1; };
    }

    public CortexMProfile Profile { get; }
    /// <summary>The Cortex-M0+ (ARMv6-M with its two-stage pipeline's timing, <see cref="CortexM0PlusTiming"/>), not the M0.</summary>
    public bool IsM0Plus { get; }

    // The Cortex-M0's timing (ARMv6-M: CortexM0Timing, DDI 0432C table 3-1) instead of the Cortex-M3's.
    private readonly bool _m0;
    private readonly int _entryCycles, _returnCycles;
    private readonly int _immediateP, _registerP, _systemCycles, _barrierCycles, _isbBase;
    private int _multiplyCycles = CortexM0Timing.MultiplyFast;

    /// <summary>
    /// MULS's cycles on ARMv6-M: 1 with the fast multiplier, 32 with the small iterative one (DDI 0432C table
    /// 3-1, footnote a: the chip's configuration). The ARMv7-M cores' MUL is 1.
    /// </summary>
    public int MultiplyCycles
    {
        get => _m0 ? _multiplyCycles : 1;
        set
        {
            if (!_m0 && value != 1) throw new ArgumentException($"MULS takes 1 cycle on {Profile}; only ARMv6-M (the Cortex-M0) has a multiplier option");
            if (value is not (CortexM0Timing.MultiplyFast or CortexM0Timing.MultiplySmall))
                throw new ArgumentException($"the Cortex-M0 multiplier takes 1 (fast) or 32 (small) cycles, not {value}");
            _multiplyCycles = value;
        }
    }
    /// <summary>Implemented bits of each priority field (and BASEPRI), from the top (B3.4.6).</summary>
    public int PriorityBits { get; }
    public CoreState State { get; private set; }
    /// <summary>Why the core locked up, or null.</summary>
    public string? Fault { get; private set; }
    /// <summary>Cycles the core has executed (the sum of every instruction's and exception's cycles).</summary>
    public long Cycles => _cycles;
    /// <summary>During an instruction, the core cycle it began executing at: <see cref="Cycles"/> (its start) plus the
    /// cycles it waited for its fetch; between instructions, <see cref="Cycles"/>. What the DWT's CYCCNT reads.</summary>
    public long ExecuteCycles => _cycles + _stepStall;
    private int _stepStall;
    private int _lastStepStall;     // the last step's fetch wait (the pipeline signals' stall)
    public long Instructions => _instructions;
    public Bus Bus => _bus;

    // ---- registers ----

    /// <summary>The address of the next instruction to execute.</summary>
    public uint PC { get => _pc; set { _pc = value & ~1u; _t = true; InvalidateFetch(); _foldAt = 1; } }

    /// <summary>R0-R15 as a debugger sees them (R15 = the next instruction's address, R13 = the active stack pointer).</summary>
    public uint GetRegister(int n) => n == 15 ? _pc : _r[n];

    public void SetRegister(int n, uint value)
    {
        if (n == 15) PC = value;
        else if (n == 13) _r[13] = value & ~3u;
        else _r[n] = value;
    }

    public bool N => _n;
    public bool Z => _z;
    public bool C => _c;
    public bool V => _v;
    public bool Q => _q;

    /// <summary>APSR flags N Z C V Q in bits 31:27, and GE[3:0] in bits 19:16 on ARMv7E-M.</summary>
    public uint Apsr
    {
        get => (_n ? 1u << 31 : 0) | (_z ? 1u << 30 : 0) | (_c ? 1u << 29 : 0) | (_v ? 1u << 28 : 0) | (_q ? 1u << 27 : 0) | _ge << 16;
        set
        {
            _n = (value & (1u << 31)) != 0; _z = (value & (1u << 30)) != 0; _c = (value & (1u << 29)) != 0; _v = (value & (1u << 28)) != 0; _q = (value & (1u << 27)) != 0;
            if (Profile == CortexMProfile.V7EM) _ge = (value >> 16) & 15;
        }
    }

    /// <summary>xPSR: APSR | EPSR (T, ICI/IT) | IPSR (B1.4.2).</summary>
    public uint Xpsr
    {
        get => Apsr | (_t ? 1u << 24 : 0) | ((uint)(_it & 3) << 25) | ((uint)(_it >> 2) << 10) | _ipsr;
        set { Apsr = value; _t = (value & (1u << 24)) != 0; _it = (byte)(((value >> 25) & 3) | ((value >> 8) & 0xFC)); _ipsr = value & 0x1FF; }
    }

    public byte ItState => _it;
    public uint Ipsr => _ipsr;
    public bool Thumb => _t;
    public bool HandlerMode => _ipsr != 0;
    public bool Privileged => HandlerMode || !_npriv;

    public uint Msp
    {
        get => HandlerMode || !_spsel ? _r[13] : _otherSp;
        set { if (HandlerMode || !_spsel) _r[13] = value & ~3u; else _otherSp = value & ~3u; }
    }

    public uint Psp
    {
        get => !HandlerMode && _spsel ? _r[13] : _otherSp;
        set { if (!HandlerMode && _spsel) _r[13] = value & ~3u; else _otherSp = value & ~3u; }
    }

    public bool Primask { get => _primask; set => _primask = value; }
    public bool Faultmask { get => _faultmask; set => _faultmask = value; }
    public uint Basepri { get => _basepri; set => _basepri = value & PriorityMask; }
    /// <summary>CONTROL: bit 0 nPRIV, bit 1 SPSEL, bit 2 FPCA (with the FPU). On ARMv6-M nPRIV is RAZ/WI: the
    /// M0 and the modelled M0+ have no Unprivileged/Privileged Extension (DDI 0419C B1.4.4), so Thread mode is privileged.</summary>
    public uint Control
    {
        get => (_npriv ? 1u : 0) | (_spsel ? 2u : 0) | (_fpca ? 4u : 0);
        set { _npriv = (value & 1) != 0 && Profile != CortexMProfile.V6M; SetSpsel((value & 2) != 0); _fpca = HasFpu && (value & 4) != 0; }
    }

    private uint PriorityMask => (0xFFu << (8 - PriorityBits)) & 0xFF;

    private void SetSpsel(bool spsel)
    {
        // The active stack pointer is R13: swap it with the banked one when the selection changes in Thread mode.
        bool before = !HandlerMode && _spsel, after = !HandlerMode && spsel;
        _spsel = spsel;
        if (before != after) (_r[13], _otherSp) = (_otherSp, _r[13]);
    }

    /// <summary>
    /// Reset (B1.5.5): Thread mode, privileged, MSP from the vector table's word 0, the PC and EPSR.T from word 1,
    /// every mask clear, the exclusive monitor open... closed. A reset vector without the Thumb bit leaves T clear:
    /// the first instruction then takes an INVSTATE UsageFault, escalated to HardFault, as on silicon.
    /// </summary>
    public void Reset(uint vectorTable = 0)
    {
        _vtor = vectorTable;
        _resetVtor = vectorTable;
        for (int i = 0; i < 16; i++) _r[i] = 0;
        _ipsr = 0; _spsel = false; _npriv = false;
        _r[13] = _bus.DebugRead32(vectorTable) & ~3u;
        _otherSp = 0;
        uint pc = _bus.DebugRead32(vectorTable + 4);
        _pc = pc & ~1u;
        _t = (pc & 1) != 0;
        _r[14] = 0xFFFF_FFFF;
        _n = _z = _c = _v = _q = false;
        _ge = 0;
        _it = 0;
        _primask = _faultmask = false; _basepri = 0;
        _monitor = false; _event = false;
        _active = 0; _pending = 0; _enabled = AlwaysEnabled; _extraCycles = 0;
        Array.Clear(_priority);
        _cfsr = 0; _hfsr = 0; _bfar = 0; _mmfar = 0; _shcsr = 0; _prigroup = 0; Scr = 0; UnalignedTrap = false; DivideByZeroTrap = false;
        _demcr = 0; _haltAfterStep = false; MpuCtrl = 0; _mpuRnr = 0; Array.Clear(_rbar); Array.Clear(_rasr); _mpuAs = MpuAs.Current; _resumingFromWatch = false;
        _sleepOnExitReturn = 0; _excReturnCycles = 0; _lateWindowStart = -1; _resetRequested = false; _sleepWfe = false;
        _actlr = 0; _foldAt = 1; _stepIt = false;
        ResetFpu();
        State = CoreState.Running;
        Fault = null;
        _lastLoad = NoReg; _lastDpRd = NoReg;
        InvalidateFetch();
    }

    private uint _resetVtor;
    private bool _sleepWfe;     // asleep in WFE (an event wakes it too), not WFI

    /// <summary>Wakes a sleeping core (an interrupt or event arrived).</summary>
    public void Wake()
    {
        if (State == CoreState.Sleeping) State = CoreState.Running;
    }

    private void SystemResetNow()
    {
        Reset(_resetVtor);
        SystemReset?.Invoke();
    }

    /// <summary>A halted core (BKPT) goes on at the next instruction.</summary>
    public void Resume()
    {
        if (State == CoreState.Halted) { if (_haltedAtBkpt) _pc += 2; State = CoreState.Running; }
    }

    /// <summary>
    /// Executes until the scheduler's clock reaches <paramref name="cycleLimit"/> or its next event (the host then
    /// runs the events due and calls again), or the core stops (halt, lockup). A sleeping core's clock advances
    /// to that point unless a pending exception wakes it. Returns the instructions executed.
    /// </summary>
    public long RunTo(long cycleLimit)
    {
        long start = _instructions;
        while (true)
        {
            long limit = Math.Min(cycleLimit, _s.NextEventCycle);
            if (_s.Cycles >= limit) break;
            if (State != CoreState.Running)
            {
                if (WakeOrSleepTo(limit)) continue;
                break;
            }
            if (_blocks != null && RunBlock(limit)) continue;
            Step();
        }
        return _instructions - start;
    }

    /// <summary>
    /// A core that is not running: a sleeping one wakes when a pending exception or (after WFE) an event
    /// wakes it (true: the caller runs on, its own way: observed or not), else its clock passes to
    /// <paramref name="limit"/> (false; a halted or locked-up core just returns false).
    /// </summary>
    private bool WakeOrSleepTo(long limit)
    {
        if (State != CoreState.Sleeping) return false;
        if (_pending != 0 && WakeUpPending() || _sleepWfe && _event)
        {
            if (_sleepWfe && _sleepOnExitReturn == 0) _event = false;     // the event that woke WFE is consumed
            State = CoreState.Running;
            return true;
        }
        if (limit > _s.Cycles) { _cycles += limit - _s.Cycles; _sleepCycles += limit - _s.Cycles; _s.Cycles = limit; }
        return false;
    }

    // ---- fetch and decode ----

    private const int DecodeCacheSize = 4096;
    private readonly uint[] _decodePc, _decodeRaw;
    private readonly ThumbInst[] _decoded;
    private uint _fetchPageBase = 1;
    private byte* _fetchPage;
    private int _fetchCostN, _fetchCostS;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint FetchHalf(uint address)
    {
        if ((address & ~Bus.PageMask) == _fetchPageBase) return *(ushort*)(_fetchPage + (address & Bus.PageMask));
        return FetchHalfSlow(address);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private uint FetchHalfSlow(uint address)
    {
        if (_bus.TryGetFetchPage(address, 4, out var page, out int costN, out int costS))
        {
            _fetchPage = page;
            _fetchPageBase = address & ~Bus.PageMask;
            _fetchCostN = costN; _fetchCostS = costS;
            return *(ushort*)(page + (address & Bus.PageMask));
        }
        // The page cached before is dropped: the costs below are this word's, and a branch back into that page
        // must read its own (its P took a flash word's N: the STM32's SRAM loop ignored readN, issue 18).
        _fetchPageBase = 1;
        // Off the fast path (a device, a memory controller, or an observer watching): the M3 fetches words on
        // I-Code (DDI 0337I 1.2.1), so the word containing the halfword is read once, sequential (SEQ) when it
        // follows the word read before, and held as the prefetch buffer holds it (a store into it is seen at its
        // next fetch, as on silicon without an ISB). Its clocks are the fetch's cost for the prefetch model; the
        // clock itself is restored (Step charges the stall and P).
        // The read is made at the cycle the prefetch model issues the word (FetchIssueAt), so a controller whose
        // cost depends on time (the STM32 flash interface's prefetch buffer) sees the fetch when it happens.
        uint word = address & ~3u;
        if (word != _slowWord)
        {
            bool seq = word == _slowWord + 4;
            long now = _s.Cycles, at = FetchIssueAt(word, now);
            _s.Cycles = at;
            uint v = _bus.Read32(word, seq ? AccessFlags.Code | AccessFlags.Seq : AccessFlags.Code);
            int cost = (int)(_s.Cycles - at);
            _s.Cycles = now;
            if (_bus.Aborted) { _bus.Aborted = false; _fetchAborted = true; _slowWord = 1; _fetchCostN = _fetchCostS = cost; return 0; }
            _slowWord = word; _slowWordValue = v; _slowWordCost = cost; _slowWordArrival = at + cost;
        }
        _fetchCostN = _slowWordCost;
        _fetchCostS = _bus.CostOf(address, 4, false, true);
        return (address & 2) != 0 ? _slowWordValue >> 16 : _slowWordValue & 0xFFFF;
    }

    private uint _slowWord = 1, _slowWordValue;     // the word last fetched off the fast path (odd: none)
    private int _slowWordCost;
    private long _slowWordArrival;                   // the scheduler cycle that word arrived
    private long _refillIssueAt = -1;                // the scheduler cycle a taken branch issues its target's fetch (RefillCycles), -1: none

    /// <summary>
    /// The scheduler cycle at which the prefetch unit issues the fetch of <paramref name="word"/> (read at
    /// <paramref name="now"/>, the instruction's start, or during a branch): a branch target when P begins; the word
    /// after the stream's last as soon as that one arrived and a buffer entry is free (FetchStallSlow's rule; the
    /// second new word of a 32-bit instruction after the first); any other word now.
    /// </summary>
    private long FetchIssueAt(uint word, long now)
    {
        if (_refillIssueAt >= 0) { long at = _refillIssueAt; _refillIssueAt = -1; return at; }
        long toScheduler = now - _cycles;   // at an instruction's fetch the scheduler's clock is its start, _cycles in core time
        if (_fValid && word == _fHead + 4) return Math.Max(Math.Max(_fReady, FreeAt(word)), _dataBusFreeAt) + toScheduler;
        if (_fValid && word == _slowWord + 4 && _slowWord == _fHead + 4) return Math.Max(_slowWordArrival - toScheduler, FreeAt(word)) + toScheduler;
        return now;
    }

    private bool _fetchAborted;

    /// <summary>The decoded instruction at <paramref name="pc"/> (from the cache when its encoding is unchanged).</summary>
    private ref ThumbInst Fetch(uint pc)
    {
        uint hw1 = FetchHalf(pc);
        uint raw = hw1;
        bool is32 = ThumbDecoder.Is32Bit(hw1);
        if (is32) raw = hw1 << 16 | FetchHalf(pc + 2);
        int idx = (int)((pc >> 1) & (DecodeCacheSize - 1));
        ref ThumbInst inst = ref _decoded[idx];
        if (_decodePc[idx] != pc || _decodeRaw[idx] != raw)
        {
            inst = ThumbDecoder.Decode(raw, is32, Profile);
            _decodePc[idx] = pc;
            _decodeRaw[idx] = raw;
        }
        return ref inst;
    }

    /// <summary>Decodes the instruction at <paramref name="address"/> without executing or timing it (debuggers, traces).</summary>
    public ThumbInst DecodeAt(uint address)
    {
        uint hw1 = (uint)(_bus.DebugRead8(address) | _bus.DebugRead8(address + 1) << 8);
        bool is32 = ThumbDecoder.Is32Bit(hw1);
        uint raw = is32 ? hw1 << 16 | (uint)(_bus.DebugRead8(address + 2) | _bus.DebugRead8(address + 3) << 8) : hw1;
        return ThumbDecoder.Decode(raw, is32, Profile);
    }

    // ---- step ----

    /// <summary>Executes one instruction (or takes one exception). Returns its cycles.</summary>
    public int Step()
    {
        if (State != CoreState.Running) return 0;
        long t0 = _s.Cycles;
        _accesses = 0;
        _stepExc = 0;
        int cycles;
        bool lsu = false, executed = false;
        _faultPc = _pc;
        if (_resetRequested) { SystemResetNow(); return 0; }
        if (_sleepOnExitReturn != 0) cycles = WakeFromSleepOnExit();
        else if (_lateWindowStart >= 0 && (cycles = LateArrival()) >= 0) { }
        else if (_pending != 0 && (cycles = TakePending()) != 0) { }
        else if (!_t) cycles = TakeFault(FaultKind.InvState);
        else if (((0xE4u >> (int)(_pc >> 29)) & 1) != 0) cycles = TakeFault(FaultKind.IAccViol);   // XN regions of the default map (B3.1.1)
        else
        {
            uint pc = _pc;
            if (_watchPc && WatchInstruction(pc)) return 0;
            if (_mpuOn && !MpuAllows(pc, false, true)) { cycles = TakeFault(FaultKind.IAccViol); goto done; }
            ref ThumbInst inst = ref Fetch(pc);
            if (_fetchAborted) { _fetchAborted = false; cycles = TakeFault(FaultKind.IBusErr); }
            else
            {
                t0 = _s.Cycles;
                _s.Cycles += _stepStall = FetchStall(pc, inst.Size, _cycles);
                cycles = ExecuteOne(ref inst, pc);
                _instructions++;
                executed = true;
                lsu = inst.Op is >= Op.Ldr and <= Op.Strexh or >= Op.Vldr and <= Op.Vstm;
            }
        }
    done:
        return FinishStep(t0, cycles, executed, lsu);
    }

    /// <summary>The end of a step (the interpreter's and a block's): the clock set to the step's start plus its cycles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FinishStep(long t0, int cycles, bool executed, bool lsu)
    {
        // Data accesses charged 1 + wait states each; the table counts their 1.
        long waits = _s.Cycles - t0 - _accesses;
        long total = cycles + waits + _extraCycles;
        _extraCycles = 0;
        _s.Cycles = t0 + total;
        _cycles += total;
        _lastStepStall = _stepStall;
        _stepStall = 0;
        // IT folding (CortexMTiming.It): the next IT may fold onto a 16-bit instruction that went straight on.
        _foldAt = executed && _stepExc == 0 && !_fRestart && !_stepIt && _pc == _faultPc + 2 ? _pc : 1;
        _stepIt = false;
        if (_fRestart) RestartFetch(_cycles);
        Account(total, executed, lsu);
        if (_haltAfterStep) { _haltAfterStep = false; _haltedAtBkpt = false; State = CoreState.Halted; }
        return (int)total;
    }

    private int ExecuteOne(ref ThumbInst inst, uint pc)
    {
        if (_it != 0)
        {
            bool pass = ConditionPassed((uint)_it >> 4);
            if (inst.Op == Op.It) { /* IT inside an IT block: UNPREDICTABLE; executed as a new IT (docs/cortex-m.md) */ }
            else
            {
                AdvanceIt();
                if (!pass)
                {
                    _pc = pc + inst.Size;
                    _lastLoad = NoReg; _lastDpRd = NoReg;
                    return 1;
                }
                try { return Execute(ref inst, pc, inIt: true); }
                catch (CortexMFault f) { return TakeFault(f.Kind); }
            }
        }
        try { return Execute(ref inst, pc, inIt: false); }
        catch (CortexMFault f) { return TakeFault(f.Kind); }
    }

    private void AdvanceIt()
    {
        // ITAdvance (A7.3.3): the mask shifts left; the block ends when its low three bits are zero.
        if ((_it & 7) == 0) _it = 0;
        else _it = (byte)((_it & 0xE0) | ((_it << 1) & 0x1F));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ConditionPassed(uint cond)
    {
        bool r = (cond >> 1) switch
        {
            0 => _z,
            1 => _c,
            2 => _n,
            3 => _v,
            4 => _c && !_z,
            5 => _n == _v,
            6 => !_z && _n == _v,
            _ => true,
        };
        return (cond & 1) != 0 && cond != 15 ? !r : r;
    }
}

public sealed unsafe partial class CortexMCpu
{
    /// <summary>
    /// P, the pipeline refill after a taken branch (DDI 0337I 18.3 "Branches"): 1 for a target known at decode
    /// (B, B&lt;c&gt;, BL, CBZ/CBNZ, ISB), 2 for a register or loaded target; 1 more when the target is a 32-bit
    /// instruction that is not word aligned (two fetches); plus the wait states of the target's fetch(es).
    /// </summary>
    private int RefillCycles(bool registerTarget)
    {
        if (_excReturnCycles != 0) { int c = _excReturnCycles; _excReturnCycles = 0; _stepExc += c; return c; }
        int p = registerTarget ? _registerP : _immediateP;
        if (!_t || State != CoreState.Running) { InvalidateFetch(); return p; }
        uint target = _pc;
        _slowWord = 1;      // the target is fetched anew (non-sequential), even in the word just held
        _refillIssueAt = _s.Cycles + p;     // P begins after the branch's own cycle (B: 1 + P; BX: 1 + P with P = 2, the fetch its second)
        uint hw = FetchHalf(target);
        _refillIssueAt = -1;
        p += _fetchCostN - 1;
        _fRestart = true;
        _fRestartHead = target & ~3u;
        if (ThumbDecoder.Is32Bit(hw) && (target & 2) != 0)
        {
            p += 1 + _fetchCostS - 1;
            _fRestartHead += 4;
        }
        _fetchAborted = false;
        return p;
    }
}
