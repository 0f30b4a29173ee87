using SocSim.Core;

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
    /// <summary>UsageFault NOCP: a coprocessor instruction for a coprocessor that is absent, or the FPU's while CPACR denies it.</summary>
    NoCp,
    /// <summary>BusFault PRECISERR: a data access the slave answered with an error; BFAR holds the address.</summary>
    PreciseBusErr,
    /// <summary>BusFault IBUSERR: an instruction fetch the slave answered with an error.</summary>
    IBusErr,
    /// <summary>MemManage IACCVIOL: an instruction fetch from an execute-never region (the default memory map's, B3.1.1, or the MPU's).</summary>
    IAccViol,
    /// <summary>MemManage DACCVIOL: a data access the MPU forbids; MMFAR holds the address.</summary>
    DAccViol,
    /// <summary>BusFault LSPERR (or its HardFault) of a lazy FP state preservation, taken before the FP instruction that triggered it (the status is already recorded).</summary>
    LazyFpErr,
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

    /// <summary>
    /// Cycles of exception entry and of exception return on zero-wait memory (the Cortex-M0's: <see cref="CortexM0Timing"/>): entry 12 (Cortex-M3 TRM DDI 0337I
    /// 5.5.1); return 10, not the TRM's 12, which ARM's knowledge article KA 103489845 ("What is the true
    /// interrupt latency of Cortex-M3 and Cortex-M4") calls a typographical error. The return's 10 cycles
    /// replace the returning instruction's P: they include the unstacking and the refill at the return address.
    /// </summary>
    public const int EntryCycles = 12, ReturnCycles = 10;

    private uint _vtor;
    private UInt128 _active;           // active exceptions 1..127 (system exceptions and the external ones)
    private readonly byte[] _priority = new byte[MaxExceptions];
    private uint _cfsr, _hfsr, _bfar, _mmfar;
    private uint _shcsr;

    /// <summary>VTOR: the vector table's base.</summary>
    public uint Vtor { get => _vtor; set => _vtor = value & 0xFFFF_FF80; }
    /// <summary>CFSR (UFSR:BFSR:MMFSR), HFSR and BFAR as B3.2.15-B3.2.18 define them.</summary>
    public uint Cfsr => _cfsr;
    public uint Hfsr => _hfsr;
    public uint Bfar => _bfar;
    /// <summary>MMFAR (B3.2.17): the data address of a MemManage fault, valid while CFSR.MMARVALID is set.</summary>
    public uint Mmfar => _mmfar;
    /// <summary>SHCSR's enable bits: MEMFAULTENA (16), BUSFAULTENA (17), USGFAULTENA (18).</summary>
    public uint Shcsr
    {
        get => _shcsr;
        set
        {
            _shcsr = value & 0x0007_0000;
            // A pending MemManage/BusFault/UsageFault (a derived fault of stacking, below) is taken only while enabled.
            UInt128 faults = Bit(ExcMemManage) | Bit(ExcBusFault) | Bit(ExcUsageFault);
            _enabled = (_enabled & ~faults) | ((UInt128)((_shcsr >> 16) & 7) << ExcMemManage);
        }
    }

    /// <summary>CFSR.BFSR's STKERR (bit 12) and UNSTKERR (bit 11), ARMv7-M B3.2.15.</summary>
    public const uint CfsrStkErr = 1u << 12, CfsrUnstkErr = 1u << 11;
    /// <summary>CFSR.MMFSR's MSTKERR (bit 4), MUNSTKERR (bit 3) and MLSPERR (bit 5), ARMv7-M B3.2.15: the MPU refused a stacking access (MMFAR not valid).</summary>
    public const uint CfsrMStkErr = 1u << 4, CfsrMUnstkErr = 1u << 3, CfsrMLspErr = 1u << 5;

    /// <summary>Sets exception <paramref name="n"/>'s priority (4 to 15 + <see cref="InterruptLines"/>; masked to <see cref="PriorityBits"/>).</summary>
    public void SetPriority(int n, byte priority)
    {
        if (n < 4 || n >= 16 + InterruptLines) throw new ArgumentOutOfRangeException(nameof(n), $"exception {n} has a fixed or unmodelled priority");
        _priority[n] = (byte)(priority & PriorityMask);
    }

    private int PriorityOf(int n) => n switch { 1 => -3, ExcNmi => -2, ExcHardFault => -1, _ => _priority[n] };

    /// <summary>
    /// AIRCR.PRIGROUP (B1.5.4): priority bits [PRIGROUP:0] are the subpriority, which orders pending exceptions
    /// but does not preempt. ARMv6-M has no PRIGROUP (reads as zero).
    /// </summary>
    public int Prigroup
    {
        get => _prigroup;
        set => _prigroup = Profile == CortexMProfile.V6M ? 0 : value is >= 0 and <= 7 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), $"PRIGROUP must be 0-7, not {value}");
    }

    private int _prigroup;

    /// <summary>The group priority of a priority value: its subpriority bits cleared (negative fixed priorities stay).</summary>
    private int GroupPriority(int p) => p < 0 ? p : p & ~((2 << _prigroup) - 1);

    /// <summary>The current execution priority (B1.5.4): the highest active exception's, lowered by BASEPRI, PRIMASK, FAULTMASK.</summary>
    public int ExecutionPriority
    {
        get
        {
            // B1.5.4 ExecutionPriority(): the group priorities of the active exceptions and of BASEPRI.
            int p = 256;
            for (UInt128 a = _active; a != 0; a &= a - 1)
                p = Math.Min(p, GroupPriority(PriorityOf((int)UInt128.TrailingZeroCount(a))));
            if (_basepri != 0) p = Math.Min(p, GroupPriority((int)_basepri));
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
            case FaultKind.IAccViol: _cfsr |= 1u << 0; exc = ExcMemManage; break;
            case FaultKind.DAccViol: _cfsr |= (1u << 1) | (1u << 7); exc = ExcMemManage; break;     // DACCVIOL, MMARVALID
            case FaultKind.Undefined: _cfsr |= 1u << 16; exc = ExcUsageFault; break;
            case FaultKind.InvState: _cfsr |= 1u << 17; exc = ExcUsageFault; break;
            case FaultKind.InvPc: _cfsr |= 1u << 18; exc = ExcUsageFault; break;
            case FaultKind.Unaligned: _cfsr |= 1u << 24; exc = ExcUsageFault; break;
            case FaultKind.NoCp: _cfsr |= 1u << 19; exc = ExcUsageFault; break;
            case FaultKind.LazyFpErr:
                if (State == CoreState.Lockup) return 1;
                exc = _lazyFault; _pending &= ~Bit(exc);
                break;
            default: _cfsr |= 1u << 25; exc = ExcUsageFault; break;
        }
        if (Profile == CortexMProfile.V6M) { _cfsr = 0; exc = ExcHardFault; }     // ARMv6-M: every fault is HardFault
        if (kind is FaultKind.PreciseBusErr or FaultKind.IBusErr) BusErrorTaken?.Invoke(kind, _faultPc);
        return TakeException(exc, _faultPc);
    }

    /// <summary>
    /// Called when an instruction's bus error is taken (PRECISERR or IBUSERR, on ARMv6-M as HardFault), with the
    /// instruction's address, before the entry: the board's first-abort warnings. Off the instruction path.
    /// </summary>
    public Action<FaultKind, uint>? BusErrorTaken { get; set; }

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
        if (!enabled || GroupPriority(prio) >= ExecutionPriority)
        {
            if (exc == ExcHardFault || ExecutionPriority <= -1)
            {
                LockUp($"lockup: exception {exc} at 0x{returnAddress:X8} while the execution priority is {ExecutionPriority}");
                return 1;
            }
            if (Profile != CortexMProfile.V6M) _hfsr |= 1u << 30;      // FORCED (ARMv7-M and ARMv7E-M; ARMv6-M has no HFSR)
            exc = ExcHardFault;
        }
        // The frame is pushed in the mode before the entry, so the MPU checks it with that mode's privilege (B1.5.6).
        uint bfar = _bfar, mmfar = _mmfar;
        _stackError = 0;
        int fpWords = PushStack(returnAddress);
        _bfar = bfar;               // BFAR and MMFAR are not valid for a stacking error (B3.2.15)
        _mmfar = mmfar;
        if (_stackError != 0 && (exc = StackingFault(exc)) < 0) return 1;
        // EXC_RETURN bit 4 is NOT(CONTROL.FPCA): clear for an extended frame (B1.5.6); the handler starts with FPCA clear.
        _r[14] = (HandlerMode ? 0xFFFF_FFF1u : _spsel ? 0xFFFF_FFFDu : 0xFFFF_FFF9u) & (_fpca ? ~0x10u : ~0u);
        _fpca = false;
        SetModeAndSpsel((uint)exc, false);
        _it = 0;
        _monitor = false;
        _event = true;
        _stepExc += _entryCycles + fpWords;
        return EnterHandler(exc) ? _entryCycles + fpWords : 1;
    }

    /// <summary>
    /// Activates <paramref name="exc"/> and branches to its vector, read from the vector table as a data access
    /// (its wait states count). A bus error on that read is a HardFault with HFSR.VECTTBL (B1.5.14), itself
    /// read from the table; a second one locks up. Returns false on lockup.
    /// </summary>
    private bool EnterHandler(int exc)
    {
        uint vector = _bus.Read32(_vtor + 4u * (uint)exc, AccessFlags.None);
        _accesses++;
        if (_bus.Aborted)
        {
            _bus.Aborted = false;
            if (exc == ExcHardFault || ExecutionPriority <= -1)
            {
                LockUp($"lockup: bus error reading vector {exc} at 0x{_vtor + 4u * (uint)exc:X8}");
                return false;
            }
            _hfsr |= 1u << 1;       // VECTTBL
            _ipsr = ExcHardFault;
            return EnterHandler(ExcHardFault);
        }
        _active |= Bit(exc);
        _ipsr = (uint)exc;
        _t = (vector & 1) != 0;
        _pc = vector & ~1u;
        InvalidateFetch();
        return true;
    }

    private void LockUp(string why)
    {
        State = CoreState.Lockup;
        Fault = why;
        _pc = 0xFFFF_FFFE;
    }

    private void SetModeAndSpsel(uint ipsr, bool spsel)
    {
        uint msp = Msp, psp = Psp;
        _ipsr = ipsr; _spsel = spsel;
        if (!HandlerMode && _spsel) { _r[13] = psp; _otherSp = msp; }
        else { _r[13] = msp; _otherSp = psp; }
    }

    /// <summary>Pushes the basic frame, or the extended one (0x68 bytes, B1.5.6) when CONTROL.FPCA is set; returns the FP words written at once.</summary>
    private int PushStack(uint returnAddress)
    {
        // CCR.STKALIGN is 1 (the Cortex-M3 r2p0 reset value, and forced for an extended frame): the frame starts
        // 8-byte aligned, xPSR bit 9 says a word was added.
        uint sp = _r[13];
        uint align = (sp >> 2) & 1;
        uint frame = (sp - (_fpca ? 0x68u : 0x20u)) & ~4u;
        _r[13] = frame;
        uint xpsr = (Xpsr & ~(1u << 9)) | (align << 9);
        StackStore(frame, _r[0]);
        StackStore(frame + 4, _r[1]);
        StackStore(frame + 8, _r[2]);
        StackStore(frame + 12, _r[3]);
        StackStore(frame + 16, _r[12]);
        StackStore(frame + 20, _r[14]);
        StackStore(frame + 24, returnAddress);
        StackStore(frame + 28, xpsr);
        if (!_fpca) return 0;
        try { return PushFpState(frame); }
        catch (CortexMFault f) when (f.Kind is FaultKind.PreciseBusErr or FaultKind.DAccViol) { NoteStackError(f.Kind); return 0; }
    }

    private uint _stackError;       // CFSR's STKERR and MSTKERR for the writes of the frame being pushed that failed
    private int _stackFault;        // the exception the first failed write derives: BusFault or MemManage

    /// <summary>
    /// One word of the frame: a bus error (STKERR) or an MPU refusal (MSTKERR; the write is not issued) is noted
    /// and the stacking goes on, as every write is tried.
    /// </summary>
    private void StackStore(uint address, uint value)
    {
        try { Store32(address, value); }
        catch (CortexMFault f) when (f.Kind is FaultKind.PreciseBusErr or FaultKind.DAccViol) { NoteStackError(f.Kind); }
    }

    private void NoteStackError(FaultKind kind)
    {
        bool mpu = kind == FaultKind.DAccViol;
        if (_stackError == 0) _stackFault = mpu ? ExcMemManage : ExcBusFault;
        _stackError |= mpu ? CfsrMStkErr : CfsrStkErr;
    }

    /// <summary>Whether <paramref name="exc"/> (MemManage or BusFault) is enabled by SHCSR and can preempt priority <paramref name="exec"/>.</summary>
    private bool CanTakeFault(int exc, int exec) =>
        (_shcsr & (1u << (exc == ExcMemManage ? 16 : 17))) != 0 && GroupPriority(_priority[exc]) < exec;

    /// <summary>
    /// A bus error while pushing the frame for <paramref name="exc"/> (ARMv7-M B1.5.6 PushStack; the derived
    /// exception of B1.5.14): CFSR.STKERR (BFAR not written); an MPU refusal likewise sets MSTKERR and derives
    /// MemManage (MMFAR not written), and when both happen the first failed write chooses. The derived BusFault, when enabled and able to
    /// preempt the execution priority, is taken on the frame pushed: in place of <paramref name="exc"/> as a late
    /// arrival when its priority is higher (<paramref name="exc"/> stays pending if it is pendable), else after it
    /// (pending); an entry to BusFault itself just records STKERR. Otherwise it escalates to HardFault
    /// (HFSR.FORCED), taken in place of <paramref name="exc"/>; and when HardFault cannot be taken either (the
    /// entry is to HardFault or NMI, or the execution priority is -1 or higher) the core locks up (B1.5.15).
    /// ARMv6-M: no CFSR, HardFault or lockup. Returns the exception to enter, or -1 on lockup.
    /// </summary>
    private int StackingFault(int exc)
    {
        uint errors = _stackError;
        int derived = _stackFault;
        _stackError = 0;
        int exec = ExecutionPriority;           // the new exception is not active yet
        bool v6m = Profile == CortexMProfile.V6M;
        if (!v6m) _cfsr |= errors;
        if (!v6m && CanTakeFault(derived, exec))
        {
            if (exc == derived) return exc;
            if (GroupPriority(_priority[derived]) < GroupPriority(PriorityOf(exc))) { PendAgain(exc); return derived; }
            _pending |= Bit(derived);
            return exc;
        }
        if (exc is ExcHardFault or ExcNmi || exec <= -1)
        {
            LockUp($"lockup: {(derived == ExcMemManage ? "MPU fault" : "bus error")} pushing the frame of exception {exc} at 0x{_r[13]:X8}");
            return -1;
        }
        if (!v6m) _hfsr |= 1u << 30;        // FORCED
        PendAgain(exc);
        return ExcHardFault;
    }

    /// <summary>The original exception of a late-arriving derived fault stays pending when it can be pending (NMI, SVCall, PendSV, SysTick, interrupts).</summary>
    private void PendAgain(int exc)
    {
        if (exc is ExcNmi or ExcSvCall or >= ExcPendSv) _pending |= Bit(exc);
    }

    /// <summary>
    /// Exception return (B1.5.8) through an EXC_RETURN value: the exception is deactivated; a pending exception
    /// that preempts what would resume is tail-chained (B1.5.12); a return to Thread mode with SCR.SLEEPONEXIT
    /// sleeps without unstacking (B1.5.19; the Cortex-M3 skips the unstacking, DDI 0337I 7.2.2), and the wake-up
    /// either tail-chains or completes the return; else the frame is popped. The returning instruction then
    /// costs its own cycles plus <see cref="ReturnCycles"/> or <see cref="TailChainCycles"/> in place of its P.
    /// </summary>
    private void ExceptionReturn(uint excReturn)
    {
        int exc = (int)_ipsr;
        // Bit 4 (0: an extended frame) may be clear only with the FPU (B1.5.8).
        if (((excReturn | (HasFpu ? 0x10u : 0)) & 0x0FFF_FFFF) is not (0x0FFF_FFF1 or 0x0FFF_FFF9 or 0x0FFF_FFFD)) throw CortexMFault.Of(FaultKind.InvPc);
        if (exc >= MaxExceptions || (_active & Bit(exc)) == 0) throw CortexMFault.Of(FaultKind.InvPc);
        _active &= ~Bit(exc);
        ExceptionDeactivated(exc);
        if (exc != ExcNmi) _faultmask = false;
        _event = true;
        _monitor = false;
        if (_pending != 0 && TailChain(excReturn)) { _excReturnCycles = TailChainCycles; return; }
        _excReturnCycles = _returnCycles;
        if ((excReturn & 8) != 0 && (Scr & ScrSleepOnExit) != 0)
        {
            _sleepOnExitReturn = excReturn;
            _pc = 0xFFFF_FFFE;
            State = CoreState.Sleeping;
            _sleepWfe = false;          // sleeps as WFI does: the event register does not wake it
            return;
        }
        _excReturnCycles += Unstack(excReturn);
    }

    public const uint ScrSleepOnExit = 1u << 1, ScrSleepDeep = 1u << 2, ScrSevOnPend = 1u << 4;

    private uint _sleepOnExitReturn;     // the EXC_RETURN of a return that went to sleep (SLEEPONEXIT), or 0
    private int _excReturnCycles;        // the cycles of the exception return just done, charged in place of P

    /// <summary>A core asleep on exit woke: tail-chain to the exception that woke it, or complete the return.</summary>
    private int WakeFromSleepOnExit()
    {
        uint excReturn = _sleepOnExitReturn;
        _sleepOnExitReturn = 0;
        if (TailChain(excReturn)) return TailChainCycles;
        return _returnCycles + Unstack(excReturn);
    }

    /// <summary>Pops the frame; returns the cycles its FP words added (an extended frame whose state was preserved).</summary>
    private int Unstack(uint excReturn)
    {
        // PopStack reads in the mode returned to (B1.5.8): Handler is privileged, Thread as CONTROL.nPRIV says;
        // the execution priority is already the one returned to (the exception is deactivated).
        MpuAsFixed((excReturn & 8) == 0 || !_npriv, ExecutionPriority < 0);
        uint bfar = _bfar, mmfar = _mmfar;
        try { return UnstackFrame(excReturn); }
        catch (CortexMFault f) when (f.Kind is FaultKind.PreciseBusErr or FaultKind.DAccViol)
        {
            _bfar = bfar;
            _mmfar = mmfar;
            UnstackingFault(excReturn, f.Kind == FaultKind.DAccViol);
            return 0;
        }
        finally { MpuAsCurrent(); }
    }

    /// <summary>
    /// A bus error reading the frame at an exception return (ARMv7-M B1.5.8 PopStack; B1.5.14): every read is made
    /// before anything changes, so the registers, SP and mode stay as they were and the exception stays
    /// deactivated; CFSR.UNSTKERR (BFAR not written), or for an MPU refusal MUNSTKERR (MMFAR not written) and
    /// MemManage in place of BusFault. The derived BusFault, when enabled and able to preempt the
    /// priority the return would resume at, is entered on the same frame as a tail-chain is (LR = the
    /// EXC_RETURN); else HardFault (HFSR.FORCED); else (returning to priority -1 or higher) lockup. Its cost is the
    /// return's figure (the reads were made) plus their wait states. ARMv6-M: HardFault or lockup, no CFSR.
    /// </summary>
    private void UnstackingFault(uint excReturn, bool mpu)
    {
        bool v6m = Profile == CortexMProfile.V6M;
        if (!v6m) _cfsr |= mpu ? CfsrMUnstkErr : CfsrUnstkErr;
        int exec = ExecutionPriority;
        int target = mpu ? ExcMemManage : ExcBusFault;
        if (v6m || !CanTakeFault(target, exec))
        {
            if (exec <= -1)
            {
                LockUp($"lockup: {(mpu ? "MPU fault" : "bus error")} popping the frame at 0x{((excReturn & 4) != 0 ? Psp : Msp):X8} (EXC_RETURN 0x{excReturn:X8})");
                return;
            }
            if (!v6m) _hfsr |= 1u << 30;    // FORCED
            target = ExcHardFault;
        }
        _r[14] = excReturn;
        _fpca = false;
        EnterHandler(target);
    }

    private int UnstackFrame(uint excReturn)
    {
        bool toThread = (excReturn & 8) != 0, psp = (excReturn & 4) != 0;
        uint msp = Msp, pspV = Psp;
        uint frame = psp ? pspV : msp;
        uint r0 = Load32(frame), r1 = Load32(frame + 4), r2 = Load32(frame + 8), r3 = Load32(frame + 12);
        uint r12 = Load32(frame + 16), lr = Load32(frame + 20), pc = Load32(frame + 24), xpsr = Load32(frame + 28);
        bool extended = (excReturn & 0x10) == 0;
        int fpWords = extended ? PopFpState(frame) : 0;
        if (HasFpu) _fpca = extended;
        uint sp = frame + (extended ? 0x68u : 0x20u) + (((xpsr >> 9) & 1) << 2);
        if (psp) pspV = sp; else msp = sp;
        _ipsr = toThread ? 0 : xpsr & 0x1FF;
        _spsel = psp;
        if (!HandlerMode && _spsel) { _r[13] = pspV; _otherSp = msp; }
        else { _r[13] = msp; _otherSp = pspV; }
        _r[0] = r0; _r[1] = r1; _r[2] = r2; _r[3] = r3; _r[12] = r12; _r[14] = lr;
        Apsr = xpsr;
        _t = (xpsr & (1u << 24)) != 0;
        _it = (byte)(((xpsr >> 25) & 3) | ((xpsr >> 8) & 0xFC));
        _pc = pc & ~1u;
        InvalidateFetch();
        return fpWords;
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
                // mask<1> writes NZCVQ, mask<0> GE[3:0] (with the DSP extension; B5.2.3).
                if ((sysm & 4) == 0 && (mask & 2) != 0) Apsr = (v & 0xF800_0000) | (Apsr & 0x000F_0000);
                if ((sysm & 4) == 0 && (mask & 1) != 0 && Profile == CortexMProfile.V7EM) _ge = (v >> 16) & 15;
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
                _npriv = (v & 1) != 0 && Profile != CortexMProfile.V6M;      // RAZ/WI on ARMv6-M (see Control)
                if (!HandlerMode) SetSpsel((v & 2) != 0);
                if (HasFpu) _fpca = (v & 4) != 0;
                return;
        }
    }
}
