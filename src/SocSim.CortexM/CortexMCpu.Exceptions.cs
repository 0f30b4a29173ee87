namespace SocSim.CortexM;

/// <summary>Synchronous faults an instruction raises (ARMv7-M B1.5.14 and B3.2.15 CFSR).</summary>
public enum FaultKind
{
    /// <summary>UsageFault UNDEFINSTR: an UNDEFINED encoding (and every encoding outside the profile).</summary>
    Undefined,
    /// <summary>UsageFault INVSTATE: executing with EPSR.T clear.</summary>
    InvState,
    /// <summary>UsageFault INVPC: an invalid EXC_RETURN.</summary>
    InvPc,
    /// <summary>UsageFault UNALIGNED: LDM/STM/LDRD/STRD/LDREX/STREX (or anything on ARMv6-M) off its alignment.</summary>
    Unaligned,
    /// <summary>UsageFault DIVBYZERO, with CCR.DIV_0_TRP set.</summary>
    DivByZero,
    /// <summary>BusFault PRECISERR: a data access the slave answered with an error; BFAR holds the address.</summary>
    PreciseBusErr,
    /// <summary>BusFault IBUSERR: an instruction fetch the slave answered with an error.</summary>
    IBusErr,
}

/// <summary>Thrown by an instruction's execution to abandon it and take a fault (never escapes the core).</summary>
internal sealed class CortexMFault : Exception
{
    private static readonly CortexMFault[] Instances = Enum.GetValues<FaultKind>().Select(k => new CortexMFault(k)).ToArray();
    private CortexMFault(FaultKind kind) : base(kind.ToString()) => Kind = kind;
    public FaultKind Kind { get; }
    public static CortexMFault Of(FaultKind kind) => Instances[(int)kind];
}

public sealed partial class CortexMCpu
{
    public const int ExcNmi = 2, ExcHardFault = 3, ExcMemManage = 4, ExcBusFault = 5, ExcUsageFault = 6,
        ExcSvCall = 11, ExcPendSv = 14, ExcSysTick = 15;

    /// <summary>Cycles of exception entry and of exception return on zero-wait memory (Cortex-M3 TRM DDI 0337I 5.5.1): both 12.</summary>
    public const int EntryCycles = 12, ReturnCycles = 12;

    private uint _vtor;
    private ulong _active;             // active exceptions 1..63 (system exceptions and the first external ones)
    private readonly byte[] _priority = new byte[64];
    private uint _cfsr, _hfsr, _bfar;
    private uint _shcsr;

    /// <summary>VTOR: the vector table's base.</summary>
    public uint Vtor { get => _vtor; set => _vtor = value & 0xFFFF_FF80; }
    /// <summary>CFSR (UFSR:BFSR:MMFSR), HFSR and BFAR as B3.2.15-B3.2.18 define them.</summary>
    public uint Cfsr => _cfsr;
    public uint Hfsr => _hfsr;
    public uint Bfar => _bfar;
    /// <summary>SHCSR's enable bits: MEMFAULTENA (16), BUSFAULTENA (17), USGFAULTENA (18).</summary>
    public uint Shcsr { get => _shcsr; set => _shcsr = value & 0x0007_0000; }

    /// <summary>Sets exception <paramref name="n"/>'s priority (4..63; masked to <see cref="PriorityBits"/>).</summary>
    public void SetPriority(int n, byte priority)
    {
        if (n < 4 || n >= 64) throw new ArgumentOutOfRangeException(nameof(n), $"exception {n} has a fixed or unmodelled priority");
        _priority[n] = (byte)(priority & PriorityMask);
    }

    private int PriorityOf(int n) => n switch { 1 => -3, ExcNmi => -2, ExcHardFault => -1, _ => _priority[n] };

    /// <summary>The current execution priority (B1.5.4): the highest active exception's, lowered by BASEPRI, PRIMASK, FAULTMASK.</summary>
    public int ExecutionPriority
    {
        get
        {
            int p = 256;
            for (ulong a = _active; a != 0; a &= a - 1)
                p = Math.Min(p, PriorityOf(System.Numerics.BitOperations.TrailingZeroCount(a)));
            if (_basepri != 0) p = Math.Min(p, (int)_basepri);
            if (_primask) p = Math.Min(p, 0);
            if (_faultmask) p = Math.Min(p, -1);
            return p;
        }
    }

    /// <summary>Takes a synchronous fault: its own handler when enabled and of higher priority, else HardFault, else lockup.</summary>
    private int TakeFault(FaultKind kind)
    {
        int exc;
        switch (kind)
        {
            case FaultKind.PreciseBusErr: _cfsr |= (1u << 9) | (1u << 15); exc = ExcBusFault; break;    // PRECISERR, BFARVALID
            case FaultKind.IBusErr: _cfsr |= 1u << 8; exc = ExcBusFault; break;
            case FaultKind.Undefined: _cfsr |= 1u << 16; exc = ExcUsageFault; break;
            case FaultKind.InvState: _cfsr |= 1u << 17; exc = ExcUsageFault; break;
            case FaultKind.InvPc: _cfsr |= 1u << 18; exc = ExcUsageFault; break;
            case FaultKind.Unaligned: _cfsr |= 1u << 24; exc = ExcUsageFault; break;
            default: _cfsr |= 1u << 25; exc = ExcUsageFault; break;
        }
        if (Profile == CortexMProfile.V6M) { _cfsr = 0; exc = ExcHardFault; }     // ARMv6-M: every fault is HardFault
        return TakeException(exc, _faultPc);
    }

    private uint _faultPc;

    /// <summary>
    /// Exception entry (B1.5.6): escalates to HardFault when the exception cannot preempt (B1.5.15), locks up
    /// when HardFault cannot either; else pushes the frame and goes to the handler.
    /// </summary>
    private int TakeException(int exc, uint returnAddress)
    {
        int prio = PriorityOf(exc);
        bool enabled = exc switch
        {
            ExcMemManage => (_shcsr & (1u << 16)) != 0,
            ExcBusFault => (_shcsr & (1u << 17)) != 0,
            ExcUsageFault => (_shcsr & (1u << 18)) != 0,
            _ => true,
        };
        if (!enabled || prio >= ExecutionPriority)
        {
            if (exc == ExcHardFault || ExecutionPriority <= -1)
            {
                State = CoreState.Lockup;
                Fault = $"lockup: exception {exc} at 0x{returnAddress:X8} while the execution priority is {ExecutionPriority}";
                _pc = 0xFFFF_FFFE;
                return 1;
            }
            if (Profile == CortexMProfile.V7M) _hfsr |= 1u << 30;      // FORCED
            exc = ExcHardFault;
        }
        PushStack(returnAddress);
        uint vector = _bus.DebugRead32(_vtor + 4u * (uint)exc);
        _r[14] = HandlerMode ? 0xFFFF_FFF1u : _spsel ? 0xFFFF_FFFDu : 0xFFFF_FFF9u;
        SetModeAndSpsel((uint)exc, false);
        _active |= 1UL << exc;
        _it = 0;
        _monitor = false;
        _event = true;
        _t = (vector & 1) != 0;
        _pc = vector & ~1u;
        return EntryCycles;
    }

    private void SetModeAndSpsel(uint ipsr, bool spsel)
    {
        uint msp = Msp, psp = Psp;
        _ipsr = ipsr; _spsel = spsel;
        if (!HandlerMode && _spsel) { _r[13] = psp; _otherSp = msp; }
        else { _r[13] = msp; _otherSp = psp; }
    }

    private void PushStack(uint returnAddress)
    {
        // CCR.STKALIGN is 1 (the Cortex-M3 r2p0 reset value): the frame starts 8-byte aligned, xPSR bit 9 says a word was added.
        uint sp = _r[13];
        uint align = (sp >> 2) & 1;
        uint frame = (sp - 0x20) & ~4u;
        _r[13] = frame;
        uint xpsr = (Xpsr & ~(1u << 9)) | (align << 9);
        Store32(frame, _r[0]);
        Store32(frame + 4, _r[1]);
        Store32(frame + 8, _r[2]);
        Store32(frame + 12, _r[3]);
        Store32(frame + 16, _r[12]);
        Store32(frame + 20, _r[14]);
        Store32(frame + 24, returnAddress);
        Store32(frame + 28, xpsr);
    }

    /// <summary>Exception return (B1.5.8) through an EXC_RETURN value.</summary>
    private void ExceptionReturn(uint excReturn)
    {
        int exc = (int)_ipsr;
        bool toThread;
        bool psp;
        switch (excReturn & 0x0FFF_FFFF)
        {
            case 0x0FFF_FFF1: toThread = false; psp = false; break;
            case 0x0FFF_FFF9: toThread = true; psp = false; break;
            case 0x0FFF_FFFD: toThread = true; psp = true; break;
            default: throw CortexMFault.Of(FaultKind.InvPc);
        }
        if (exc >= 64 || (_active & (1UL << exc)) == 0) throw CortexMFault.Of(FaultKind.InvPc);
        _active &= ~(1UL << exc);
        ExceptionDeactivated(exc);
        if (exc != ExcNmi) _faultmask = false;
        if (_pending != 0 && TailChain(excReturn)) return;
        uint msp = Msp, pspV = Psp;
        uint frame = psp ? pspV : msp;
        uint r0 = Load32(frame), r1 = Load32(frame + 4), r2 = Load32(frame + 8), r3 = Load32(frame + 12);
        uint r12 = Load32(frame + 16), lr = Load32(frame + 20), pc = Load32(frame + 24), xpsr = Load32(frame + 28);
        uint sp = frame + 0x20 + (((xpsr >> 9) & 1) << 2);
        if (psp) pspV = sp; else msp = sp;
        _ipsr = toThread ? 0 : xpsr & 0x1FF;
        if (!toThread && _ipsr == 0) _ipsr = 0;
        _spsel = psp;
        if (!HandlerMode && _spsel) { _r[13] = pspV; _otherSp = msp; }
        else { _r[13] = msp; _otherSp = pspV; }
        _r[0] = r0; _r[1] = r1; _r[2] = r2; _r[3] = r3; _r[12] = r12; _r[14] = lr;
        Apsr = xpsr;
        _t = (xpsr & (1u << 24)) != 0;
        _it = (byte)(((xpsr >> 25) & 3) | ((xpsr >> 8) & 0xFC));
        _monitor = false;
        _pc = pc & ~1u;
    }

    // ---- special registers (MRS/MSR, B5.2.2-B5.2.3) ----

    private uint ReadSpecial(uint sysm)
    {
        switch (sysm)
        {
            case <= 7:
                {
                    uint v = 0;
                    if ((sysm & 1) != 0) v |= _ipsr;
                    if ((sysm & 4) == 0) v |= Apsr;
                    return v;   // EPSR reads as zero (B5.2.2)
                }
            case 8: return Privileged ? Msp : 0;
            case 9: return Privileged ? Psp : 0;
            case 16: return _primask ? 1u : 0;
            case 17: case 18: return _basepri;
            case 19: return _faultmask ? 1u : 0;
            case 20: return Control;
            default: return 0;
        }
    }

    private void WriteSpecial(uint sysm, uint mask, uint v)
    {
        switch (sysm)
        {
            case <= 7:
                if ((sysm & 4) == 0 && (mask & 2) != 0) Apsr = v & 0xF800_0000;
                return;
        }
        if (!Privileged) return;
        switch (sysm)
        {
            case 8: Msp = v; return;
            case 9: Psp = v; return;
            case 16: _primask = (v & 1) != 0; return;
            case 17: _basepri = v & PriorityMask; return;
            case 18:
                {
                    uint b = v & PriorityMask;
                    if (b != 0 && (b < _basepri || _basepri == 0)) _basepri = b;
                    return;
                }
            case 19: if (ExecutionPriority > -1) _faultmask = (v & 1) != 0; return;
            case 20:
                _npriv = (v & 1) != 0;
                if (!HandlerMode) SetSpsel((v & 2) != 0);
                return;
        }
    }
}
