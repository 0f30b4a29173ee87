namespace SocSim.CortexM;

/// <summary>
/// What the debug blocks see of the core (ARMv7-M C1): CoreDebug DEMCR, the DWT's profiling counts and its
/// comparators as watchpoints. The counts are kept for every step at the cost of a few additions:
/// every cycle of a step is exactly one of: an executed instruction's first cycle, a load/store instruction's
/// further cycles (LSU), another instruction's further cycles (CPI, fetch stalls and wait states included),
/// exception entry, return and tail-chain overhead (EXC), or sleep (SLEEP); a folded IT instruction takes no
/// cycle and counts in FOLD. So CYCCNT = instructions + CPI + LSU + EXC + SLEEP - FOLD, the identity the ARM
/// ARM's C1.8.1 gives.
/// </summary>
public sealed partial class CortexMCpu
{
    private long _cpiCycles, _lsuCycles, _excCycles, _sleepCycles;
    private int _stepExc;           // exception cycles within the current step (entry, return or tail-chain)

    /// <summary>Cycles beyond the first of instructions other than loads and stores (DWT CPICNT's source).</summary>
    public long CpiCycles => _cpiCycles;
    /// <summary>Cycles beyond the first of load/store instructions (LDR..STREX, LDM/STM, LDRD/STRD; DWT LSUCNT's source).</summary>
    public long LsuCycles => _lsuCycles;
    /// <summary>Exception entry, return and tail-chain cycles (DWT EXCCNT's source).</summary>
    public long ExceptionCycles => _excCycles;
    /// <summary>Cycles asleep in WFI/WFE or on exit (DWT SLEEPCNT's source).</summary>
    public long SleepCycles => _sleepCycles;
    /// <summary>Folded instructions (DWT FOLDCNT's source): IT instructions executed in zero cycles (<see cref="CortexMTiming.It"/>).</summary>
    public long FoldedInstructions => _folded;
    private long _folded;
    private uint _foldAt = 1;       // the address an IT may fold at: after a 16-bit instruction that went straight on (odd: none)
    private bool _stepIt;           // the step executed an IT (an IT never folds onto an IT)

    /// <summary>ACTLR (0xE000E008, ARMv7-M B3.2.2 IMPLEMENTATION DEFINED; Cortex-M3 TRM DDI 0337I 4.3.x, Cortex-M4
    /// TRM DDI 0439B 4.3): DISMCYCINT (0), DISDEFWBUF (1), DISFOLD (2) and on the M4F DISFPCA (8), DISOOFP (9). Only DISFOLD
    /// acts (it stops IT folding); the others are stored. The Cortex-M0 has none: RAZ/WI.</summary>
    public uint Actlr
    {
        get => _actlr;
        set => _actlr = Profile == CortexMProfile.V6M ? 0 : value & (HasFpu ? 0x307u : 0x7u);
    }
    private uint _actlr;
    public const uint ActlrDisfold = 1u << 2;

    private void Account(long total, bool executed, bool lsu)
    {
        if (!executed) { _excCycles += total; return; }
        _excCycles += _stepExc;
        long extra = total - _stepExc - 1;
        if (extra <= 0) return;
        if (lsu) _lsuCycles += extra; else _cpiCycles += extra;
    }

    // ---- CoreDebug DEMCR (C1.6.5) ----

    public const uint DemcrTrcena = 1u << 24, DemcrMonEn = 1u << 16, DemcrMonPend = 1u << 17;
    public const int ExcDebugMonitor = 12;
    private uint _demcr;

    /// <summary>The DEMCR bits ARMv6-M has (DDI 0419C C1.6.5): DWTENA (24, TRCENA's place), VC_HARDERR (10), VC_CORERESET (0).</summary>
    public const uint DemcrArmV6MBits = 0x0100_0401;

    /// <summary>DEMCR: TRCENA gates the DWT and ITM; MON_EN enables the DebugMonitor exception, MON_PEND pends it; the
    /// vector-catch bits are stored. ARMv6-M has no DebugMonitor exception and no MON_* bits: only DWTENA and two vector
    /// catches are stored (<see cref="DemcrArmV6MBits"/>), the rest is RAZ/WI.</summary>
    public uint Demcr
    {
        get => _demcr | (IsPending(ExcDebugMonitor) ? DemcrMonPend : 0);
        set
        {
            if (Profile == CortexMProfile.V6M) { _demcr = value & DemcrArmV6MBits; DebugControlChanged?.Invoke(); return; }
            _demcr = value & 0x010F_07F1 & ~DemcrMonPend;
            if ((value & DemcrMonEn) != 0) _enabled |= Bit(ExcDebugMonitor); else _enabled &= ~Bit(ExcDebugMonitor);
            if ((value & DemcrMonPend) != 0) _pending |= Bit(ExcDebugMonitor);
            else _pending &= ~Bit(ExcDebugMonitor);
            DebugControlChanged?.Invoke();
        }
    }

    /// <summary>Raised when DEMCR changes (the DWT and ITM start or stop with TRCENA).</summary>
    public event Action? DebugControlChanged;

    public bool TraceEnabled => (_demcr & DemcrTrcena) != 0;

    // ---- DWT comparators as watchpoints (C1.8.7-C1.8.10) ----

    public const int Comparators = 4;
    private readonly uint[] _comp = new uint[Comparators], _compMask = new uint[Comparators], _compFunction = new uint[Comparators];
    private bool _watchPc, _watchData, _haltedAtBkpt;

    /// <summary>
    /// Sets comparator <paramref name="n"/>: FUNCTION 4 matches the PC of an instruction about to execute, 5 a data
    /// read, 6 a data write, 7 either, of any byte within COMP with its low <paramref name="mask"/> bits ignored.
    /// A match sets MATCHED, raises <see cref="DebugEvent"/>, pends DebugMonitor for a data match when DEMCR.MON_EN
    /// is set, and with <see cref="HaltOnDebugEvent"/> halts the core (before the instruction, or after the access's).
    /// </summary>
    public void SetComparator(int n, uint comp, uint mask, uint function)
    {
        _comp[n] = comp; _compMask[n] = mask & 31; _compFunction[n] = (_compFunction[n] & (1u << 24)) | (function & 15);
        _watchPc = _watchData = false;
        for (int k = 0; k < Comparators; k++)
        {
            uint f = _compFunction[k] & 15;
            if (f == 4) _watchPc = true;
            if (f is 5 or 6 or 7) _watchData = true;
        }
    }

    public uint GetComparator(int n) => _comp[n];
    public uint GetComparatorMask(int n) => _compMask[n];

    /// <summary>FUNCTIONn with MATCHED (bit 24), which the read clears (C1.8.17).</summary>
    public uint ReadComparatorFunction(int n)
    {
        uint v = _compFunction[n];
        _compFunction[n] &= ~(1u << 24);
        return v;
    }

    /// <summary>A comparator matched: its number and the address (the PC, or the data address).</summary>
    public event Action<int, uint>? DebugEvent;

    /// <summary>Halt the core on a comparator match (a debugger attached with halting debug).</summary>
    public bool HaltOnDebugEvent { get; set; }

    private bool _haltAfterStep;

    private bool Matches(int n, uint address, int size)
    {
        uint ignore = (1u << (int)_compMask[n]) - 1;
        for (int b = 0; b < size; b++)
            if (((address + (uint)b) & ~ignore) == (_comp[n] & ~ignore)) return true;
        return false;
    }

    /// <summary>PC comparators: true when the core halts before the instruction at <paramref name="pc"/>.</summary>
    private bool WatchInstruction(uint pc)
    {
        bool halt = false;
        for (int n = 0; n < Comparators; n++)
            if ((_compFunction[n] & 15) == 4 && Matches(n, pc, 2))
            {
                _compFunction[n] |= 1u << 24;
                DebugEvent?.Invoke(n, pc);
                halt |= HaltOnDebugEvent;
            }
        if (halt && !_resumingFromWatch) { State = CoreState.Halted; _haltedAtBkpt = false; _resumingFromWatch = true; return true; }
        _resumingFromWatch = false;
        return false;
    }

    private bool _resumingFromWatch;

    private void WatchData(uint address, int size, bool write)
    {
        for (int n = 0; n < Comparators; n++)
        {
            uint f = _compFunction[n] & 15;
            if (f is not (5 or 6 or 7) || (f == 5 && write) || (f == 6 && !write) || !Matches(n, address, size)) continue;
            _compFunction[n] |= 1u << 24;
            DebugEvent?.Invoke(n, address);
            if ((_demcr & DemcrMonEn) != 0) _pending |= Bit(ExcDebugMonitor);
            if (HaltOnDebugEvent) _haltAfterStep = true;
        }
    }
}
