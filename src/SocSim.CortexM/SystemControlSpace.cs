using SocSim.Core;

namespace SocSim.CortexM;

/// <summary>
/// The System Control Space at 0xE000E000 (ARMv7-M B3.2-B3.4): SysTick, the NVIC's enable, pending, active
/// and priority registers, the SCB (CPUID, ICSR, VTOR, AIRCR, SCR, CCR, SHPR1-3, SHCSR, CFSR, HFSR, BFAR)
/// and STIR, over the core's exception state. SysTick counts the core clock (CLKSOURCE = 1) or the external
/// reference clock STCLK (CLKSOURCE = 0, B3.3.3) lazily from the counting clock's edges, and raises its
/// exception from a scheduler event at each 1-to-0 transition; when either clock changes frequency the event
/// moves with the edge it waits for (edges keep counting, no drift). Without a reference clock CLKSOURCE reads
/// as 1 and ignores writes, and SYST_CALIB.NOREF is set (B3.3.3, B3.3.6).
/// Unimplemented offsets read as zero and ignore writes. An unprivileged access (from unprivileged Thread mode, or
/// LDRT/STRT) aborts with no effect, which the core takes as a precise BusFault with BFAR (B3.1.1, B3.2), except a
/// write to STIR while CCR.USERSETMPEND is set (B3.2.8, B3.4.3).
/// </summary>
public sealed partial class SystemControlSpace : IBusDevice
{
    public const uint Base = 0xE000_E000, Size = 0x1000;
    /// <summary>CPUID of a Cortex-M3 r2p1 (DDI 0337I 4.3.1), a Cortex-M4 r0p1 (DDI 0439B 4.3) and a Cortex-M0 r0p0 (DDI 0432C 4.3).</summary>
    public const uint CpuidM3 = 0x412F_C231, CpuidM4 = 0x410F_C241, CpuidM0 = 0x410C_C200;
    /// <summary>The Cortex-M0+ r0p1 (DDI 0484C 4.3: PARTNO 0xC60, REVISION 1).</summary>
    public const uint CpuidM0Plus = 0x410C_C601;
    /// <summary>SYST_CALIB.NOREF and SKEW (B3.3.6).</summary>
    public const uint CalibNoRef = 1u << 31, CalibSkew = 1u << 30;
    /// <summary>SHCSR's active and pending bits (B3.2.13): MEMFAULTACT 0, BUSFAULTACT 1, USGFAULTACT 3, SVCALLACT 7, MONITORACT 8, PENDSVACT 10, SYSTICKACT 11, USGFAULTPENDED 12, MEMFAULTPENDED 13, BUSFAULTPENDED 14, SVCALLPENDED 15.</summary>
    private uint ShcsrStatus()
    {
        uint v = 0;
        foreach (var (exc, bit) in ShcsrActive) if (_cpu.IsActive(exc)) v |= 1u << bit;
        foreach (var (exc, bit) in ShcsrPending) if (_cpu.IsPending(exc)) v |= 1u << bit;
        return v;
    }

    private static readonly (int Exc, int Bit)[] ShcsrActive = [(4, 0), (5, 1), (6, 3), (11, 7), (12, 8), (14, 10), (15, 11)];
    private static readonly (int Exc, int Bit)[] ShcsrPending = [(6, 12), (4, 13), (5, 14), (11, 15)];

    private const uint CsrClkSource = 1u << 2;

    private readonly CortexMCpu _cpu;
    private readonly Scheduler _s;
    private readonly Event _sysTickWrap;
    private readonly ClockDomain? _refClock;
    private uint _csr, _rvr, _calib;
    private long _startCycle;      // SysTick: the edge of its counting clock at which the counter held _startValue
    private uint _startValue;
    private uint _ccr = 1u << 9;    // STKALIGN (and the stored bits the core does not act on)

    /// <param name="cpu">The core whose exceptions these registers show.</param>
    /// <param name="sysTickCalib">SYST_CALIB as the chip wires it; null: derived from the reference clock (NOREF
    /// without one; else TENMS = the clock's edges in 10 ms minus 1, SKEW when 10 ms is not a whole number of them).</param>
    /// <param name="referenceClock">STCLK, SysTick's external reference clock (null: the chip has none).</param>
    public SystemControlSpace(CortexMCpu cpu, uint? sysTickCalib = null, ClockDomain? referenceClock = null)
    {
        _cpu = cpu;
        _s = cpu.Bus.Scheduler;
        _refClock = referenceClock;
        _calib = sysTickCalib ?? DerivedCalib(referenceClock);
        _sysTickWrap = _s.CreateEvent("systick", EventPriority.Peripheral, SysTickZero);
        cpu.SystemReset += ResetRegisters;
        _s.CpuClock.Changed += ClockChanged;
        if (referenceClock != null) referenceClock.Changed += ClockChanged;
    }

    /// <summary>SYST_CALIB for a reference clock of its present frequency (B3.3.6: TENMS is the reload value for 10 ms).</summary>
    public static uint DerivedCalib(ClockDomain? referenceClock)
    {
        if (referenceClock == null || referenceClock.FrequencyHz == 0) return CalibNoRef;
        long hz = referenceClock.FrequencyHz;
        return (uint)Math.Min(0xFF_FFFF, hz / 100 - 1) | (hz % 100 != 0 ? CalibSkew : 0);
    }

    /// <summary>
    /// Whether software asked for a system reset (AIRCR.SYSRESETREQ with VECTKEY). The core resets itself
    /// (<see cref="CortexMCpu.RequestSystemReset"/>) and these registers with it; this stays set for the board.
    /// </summary>
    public bool ResetRequested { get; private set; }

    public void Reset()
    {
        ResetRegisters();
        ResetRequested = false;
    }

    private void ResetRegisters()
    {
        _csr = 0; _rvr = 0; _startValue = 0; _startCycle = 0; _ccr = 1u << 9;
        _s.Cancel(_sysTickWrap);
    }

    private bool SysTickEnabled => (_csr & 1) != 0;

    /// <summary>The clock SysTick counts: STCLK when CLKSOURCE = 0 and the chip has one, else the core clock.</summary>
    private ClockDomain? CountingReference => (_csr & CsrClkSource) == 0 ? _refClock : null;

    /// <summary>The last edge of the counting clock at or before the present (the core clock's is the scheduler's cycle).</summary>
    private long EdgeNow() => CountingReference is { } r ? r.EdgesAt(_s.Now) : _s.Cycles;

    private long TimeOfEdge(long edge) => CountingReference is { } r ? r.TimeOfEdge(edge) : _s.TimeOfCycle(edge);

    private uint CurrentValue()
    {
        if (!SysTickEnabled) return _startValue;
        long k = EdgeNow() - _startCycle;
        if (k <= _startValue) return (uint)(_startValue - k);
        return _rvr - (uint)((k - _startValue - 1) % (_rvr + 1L));
    }

    /// <summary>Restarts the lazy count from the value now, and schedules the next 1-to-0 transition.</summary>
    private void Restart(uint value)
    {
        _startValue = value;
        _startCycle = EdgeNow();
        ScheduleZero();
    }

    /// <summary>The next 1-to-0 transition is <c>k0</c> edges after the count's origin (a value of 0 reloads first).</summary>
    private void ScheduleZero()
    {
        _s.Cancel(_sysTickWrap);
        if (!SysTickEnabled) return;
        long k0 = _startValue > 0 ? _startValue : _rvr > 0 ? 1L + _rvr : -1;
        if (k0 <= 0) return;
        long time = TimeOfEdge(_startCycle + k0);
        // (A transition already due and not yet run, when a clock changes, stays due now.)
        if (time != long.MaxValue) _s.Schedule(_sysTickWrap, Math.Max(time, _s.EventTime));
    }

    /// <summary>The counting clock changed frequency: the transition's edge is the same, its time moves.</summary>
    private void ClockChanged(ClockDomain clock, long tick)
    {
        if (SysTickEnabled && ReferenceEquals(clock, CountingReference ?? _s.CpuClock)) ScheduleZero();
    }

    private void SysTickZero(long time)
    {
        _csr |= 1u << 16;                               // COUNTFLAG
        if ((_csr & 2) != 0) _cpu.SetPending(CortexMCpu.ExcSysTick);
        // The counter reloads on the next clock and reaches 0 again RVR clocks later.
        _startCycle = CountingReference is { } r ? r.EdgeAtOrAfter(time) : _s.CycleAtOrAfter(time);
        _startValue = 0;
        ScheduleZero();
    }

    /// <summary>CCR.USERSETMPEND (bit 1): unprivileged software may write STIR (B3.2.8).</summary>
    private const uint CcrUserSetMPend = 1u << 1;
    private const uint StirOffset = 0xF00;

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        if (!_cpu.DataAccessPrivileged) { abort = true; return 0; }
        uint off = address - Base;
        uint word = ReadWord(off & ~3u);
        return size == 4 ? word : (word >> (int)(8 * (off & 3))) & (size == 1 ? 0xFFu : 0xFFFFu);
    }

    private uint ReadWord(uint off)
    {
        switch (off)
        {
            case 0x004: return (uint)(_cpu.InterruptLines + 31) / 32 - 1;           // ICTR.INTLINESNUM: lines in blocks of 32 (B3.4.2)
            case 0x008: return _cpu.Actlr;
            case 0x010: { uint v = _csr | (_refClock == null ? CsrClkSource : 0); _csr &= ~(1u << 16); return v; }  // CSR: COUNTFLAG clears on read
            case 0x014: return _rvr;
            case 0x018: return CurrentValue();
            case 0x01C: return _calib;
            case >= 0x100 and < 0x140: return Bits(off - 0x100, n => _cpu.IsInterruptEnabled(n));
            case >= 0x180 and < 0x1C0: return Bits(off - 0x180, n => _cpu.IsInterruptEnabled(n));
            case >= 0x200 and < 0x240: return Bits(off - 0x200, n => _cpu.IsPending(16 + n));
            case >= 0x280 and < 0x2C0: return Bits(off - 0x280, n => _cpu.IsPending(16 + n));
            case >= 0x300 and < 0x340: return Bits(off - 0x300, n => _cpu.IsActive(16 + n));
            case >= 0x400 and < 0x4F0: return PriorityWord(16 + (int)(off - 0x400));
            case 0xD00: return _cpu.Profile switch { CortexMProfile.V6M => _cpu.IsM0Plus ? CpuidM0Plus : CpuidM0, CortexMProfile.V7EM => CpuidM4, _ => CpuidM3 };
            case 0xD04:
                {
                    int pending = _cpu.VectPending;
                    // RETTOBASE (bit 11) is ARMv7-M's: on ARMv6-M bit 11 is reserved, RAZ (DDI 0419 B3.2.4), and
                    // VECTACTIVE is 6 bits there, which IPSR (at most 16 + 32) fits in.
                    bool retToBase = _cpu.Profile != CortexMProfile.V6M && _cpu.RetToBase;
                    uint v = _cpu.Ipsr | (uint)pending << 12 | (retToBase ? 1u << 11 : 0);
                    for (int n = 16; n < 16 + _cpu.InterruptLines; n++) if (_cpu.IsPending(n)) { v |= 1u << 22; break; }
                    if (_cpu.IsPending(CortexMCpu.ExcNmi)) v |= 1u << 31;
                    if (_cpu.IsPending(CortexMCpu.ExcPendSv)) v |= 1u << 28;
                    if (_cpu.IsPending(CortexMCpu.ExcSysTick)) v |= 1u << 26;
                    return v;
                }
            case 0xD08: return _cpu.Vtor;
            case 0xD0C: return 0xFA05_0000u | (uint)_cpu.Prigroup << 8;
            case 0xD10: return _cpu.Scr;
            case 0xD14: return _ccr | (_cpu.DivideByZeroTrap ? 1u << 4 : 0) | (_cpu.UnalignedTrap ? 1u << 3 : 0);
            case 0xD18: return PriorityWord(4);
            case 0xD1C: return PriorityWord(8);
            case 0xD20: return PriorityWord(12);
            case 0xD24: return _cpu.Shcsr | ShcsrStatus();
            case 0xD28: return _cpu.Cfsr;
            case 0xD2C: return _cpu.Hfsr;
            case 0xD34: return _cpu.Mmfar;
            case 0xD90: return (uint)CortexMCpu.MpuRegions << 8;                  // MPU_TYPE: DREGION
            case 0xD94: return _cpu.MpuCtrl;
            case 0xD98: return _cpu.MpuRnr;
            case 0xD9C: case 0xDA4: case 0xDAC: case 0xDB4: return _cpu.MpuRbar;   // RBAR and its aliases
            case 0xDA0: case 0xDA8: case 0xDB0: case 0xDB8: return _cpu.MpuRasr;
            case 0xDFC: return _cpu.Demcr;
            case 0xD38: return _cpu.Bfar;
            case 0xD88: case 0xF34: case 0xF38: case 0xF3C: case 0xF40: case 0xF44: return _cpu.ReadFpSystemRegister(off);
            default: return 0;
        }
    }

    private uint Bits(uint off, Func<int, bool> test)
    {
        uint v = 0;
        int first = (int)off * 8;
        for (int b = 0; b < 32; b++)
            if (first + b < _cpu.InterruptLines && test(first + b)) v |= 1u << b;
        return v;
    }

    private uint PriorityWord(int firstException)
    {
        uint v = 0;
        for (int b = 0; b < 4; b++) v |= (uint)_cpu.GetPriority(firstException + b) << (8 * b);
        return v;
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        uint off = address - Base;
        if (!_cpu.DataAccessPrivileged && ((off & ~3u) != StirOffset || (_ccr & CcrUserSetMPend) == 0)) { abort = true; return; }
        // Byte and halfword writes reach the priority registers (the only byte-accessible ones B3.4.3 needs).
        if ((off is >= 0x400 and < 0x4F0) || (off is >= 0xD18 and < 0xD24))
        {
            int firstException = off >= 0xD18 ? 4 + (int)(off - 0xD18) : 16 + (int)(off - 0x400);
            for (int b = 0; b < size; b++)
            {
                int n = firstException + b;
                if (n >= 4 && n < 16 + _cpu.InterruptLines && n is not (7 or 8 or 9 or 10 or 13)) _cpu.SetPriority(n, (byte)(value >> (8 * b)));
            }
            return;
        }
        switch (off & ~3u)
        {
            case 0x010:
                {
                    bool was = SysTickEnabled;
                    uint now = CurrentValue();
                    // CLKSOURCE is stored only when there is a reference clock to select (B3.3.3: else RAO/WI).
                    _csr = (_csr & (1u << 16)) | (value & (_refClock != null ? 7u : 3u));
                    if (was != SysTickEnabled || SysTickEnabled) Restart(now);
                    break;
                }
            case 0x014: _rvr = value & 0x00FF_FFFF; Restart(CurrentValue()); break;
            case 0x018: _csr &= ~(1u << 16); Restart(0); break;
            case >= 0x100 and < 0x140: ForBits(off - 0x100, value, n => _cpu.SetInterruptEnabled(n, true)); break;
            case >= 0x180 and < 0x1C0: ForBits(off - 0x180, value, n => _cpu.SetInterruptEnabled(n, false)); break;
            case >= 0x200 and < 0x240: ForBits(off - 0x200, value, n => _cpu.SetPending(16 + n)); break;
            case >= 0x280 and < 0x2C0: ForBits(off - 0x280, value, n => _cpu.ClearPending(16 + n)); break;
            case 0xD04:
                if ((value & (1u << 31)) != 0) _cpu.SetPending(CortexMCpu.ExcNmi);
                if ((value & (1u << 28)) != 0) _cpu.SetPending(CortexMCpu.ExcPendSv);
                if ((value & (1u << 27)) != 0) _cpu.ClearPending(CortexMCpu.ExcPendSv);
                if ((value & (1u << 26)) != 0) _cpu.SetPending(CortexMCpu.ExcSysTick);
                if ((value & (1u << 25)) != 0) _cpu.ClearPending(CortexMCpu.ExcSysTick);
                break;
            case 0x008: _cpu.Actlr = value; break;
            case 0xD08: _cpu.Vtor = value; break;
            case 0xD0C:
                if ((value >> 16) != 0x05FA) break;                               // VECTKEY: other writes are ignored (B3.2.6)
                _cpu.Prigroup = (int)((value >> 8) & 7);
                if ((value & 4) != 0) { ResetRequested = true; _cpu.RequestSystemReset(); }
                break;
            case 0xD10: _cpu.Scr = value & 0x16; break;
            case 0xD14:     // STKALIGN, BFHFNMIGN, NONBASETHRDENA, USERSETMPEND are stored; the core always aligns
                _ccr = value & 0x303;
                _cpu.DivideByZeroTrap = (value & (1u << 4)) != 0;
                _cpu.UnalignedTrap = (value & (1u << 3)) != 0;
                break;
            case 0xD24: _cpu.Shcsr = value; break;
            case 0xD88: case 0xF34: case 0xF38: case 0xF3C: _cpu.WriteFpSystemRegister(off & ~3u, value); break;
            case 0xDFC: _cpu.Demcr = value; break;
            case 0xD94: _cpu.MpuCtrl = value; break;
            case 0xD98: _cpu.MpuRnr = value; break;
            case 0xD9C: case 0xDA4: case 0xDAC: case 0xDB4: _cpu.MpuRbar = value; break;
            case 0xDA0: case 0xDA8: case 0xDB0: case 0xDB8: _cpu.MpuRasr = value; break;
            case 0xD28: _cpu.ClearFaultStatus(value, 0); break;
            case 0xD2C: _cpu.ClearFaultStatus(0, value); break;
            case StirOffset: if ((value & 0x1FF) < _cpu.InterruptLines) _cpu.SetPending(16 + (int)(value & 0x1FF)); break;
        }
    }

    private void ForBits(uint off, uint value, Action<int> act)
    {
        int first = (int)off * 8;
        for (int b = 0; b < 32; b++)
            if ((value & (1u << b)) != 0 && first + b < _cpu.InterruptLines) act(first + b);
    }
}
