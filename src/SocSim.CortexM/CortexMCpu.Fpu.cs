using System.Runtime.CompilerServices;

namespace SocSim.CortexM;

[InlineArray(32)]
internal struct FpRegisterFile { private uint _s0; }

/// <summary>
/// The FPv4-SP floating-point extension of the Cortex-M4F (ARMv7-M ARM DDI 0403E.b A2.5, A6, A7.7, B1.5.7 and
/// B3.2.20-B3.2.22; Cortex-M4 TRM DDI 0439B chapter 7): S0-S31 (D0-D15 as their pairs), FPSCR, CPACR, FPCCR,
/// FPCAR, FPDSCR, MVFR0/1 and CONTROL.FPCA; the instructions' execution (arithmetic in <see cref="VfpArithmetic"/>)
/// and timing (DDI 0439B table 7-1); lazy state preservation.
/// </summary>
public sealed partial class CortexMCpu
{
    /// <summary>MVFR0/MVFR1 of the Cortex-M4F (DDI 0439B 7.3): single precision, square root, divide, FPSCR rounding modes, no traps, no double precision; FZ, DN, half precision and fused MAC.</summary>
    public const uint Mvfr0 = 0x1011_0021, Mvfr1 = 0x1100_0011;
    /// <summary>FPCCR bits (B3.2.20).</summary>
    public const uint FpccrAspen = 1u << 31, FpccrLspen = 1u << 30, FpccrLspact = 1u << 0;
    private const uint FpccrUser = 1u << 1, FpccrThread = 1u << 3, FpccrHfRdy = 1u << 4, FpccrMmRdy = 1u << 5, FpccrBfRdy = 1u << 6, FpccrMonRdy = 1u << 8;
    /// <summary>The words lazy or immediate FP stacking writes: S0-S15 and the FPSCR (the frame's 18th word is reserved).</summary>
    public const int FpStackWords = 17;

    private FpRegisterFile _fp;
    private uint _fpscr, _cpacr, _fpccr = FpccrAspen | FpccrLspen, _fpcar, _fpdscr;
    private bool _fpca;

    /// <summary>Whether the core has the FPv4-SP unit (the Cortex-M4F): without it every FP instruction is UsageFault NOCP.</summary>
    public bool HasFpu { get; }

    public uint GetS(int n) => _fp[n];
    public void SetS(int n, uint value) => _fp[n] = value;
    /// <summary>D<paramref name="n"/> (0-15): S(2n+1):S(2n).</summary>
    public ulong GetD(int n) => (ulong)_fp[2 * n + 1] << 32 | _fp[2 * n];
    public void SetD(int n, ulong value) { _fp[2 * n] = (uint)value; _fp[2 * n + 1] = (uint)(value >> 32); }

    public uint Fpscr { get => _fpscr; set => _fpscr = value & VfpArithmetic.FpscrWritable; }
    /// <summary>CPACR (B3.2.20): CP10 (bits 21:20) and CP11 (23:22); 0 no access, 1 privileged, 3 full.</summary>
    public uint Cpacr { get => _cpacr; set => _cpacr = HasFpu ? value & 0x00F0_0000 : 0; }
    /// <summary>FPCCR (B3.2.21): ASPEN, LSPEN, and the state of a pending lazy preservation (LSPACT, USER, THREAD, xxRDY).</summary>
    public uint Fpccr { get => _fpccr; set => _fpccr = HasFpu ? value & 0xC000_017B : 0; }
    /// <summary>FPCAR (B3.2.22): the address of the space the last extended frame reserved for S0-S15 and the FPSCR.</summary>
    public uint Fpcar { get => _fpcar; set => _fpcar = value & ~7u; }
    /// <summary>FPDSCR (B3.2.23): AHP, DN, FZ, RMode given to the FPSCR when a handler first uses the FPU.</summary>
    public uint Fpdscr { get => _fpdscr; set => _fpdscr = value & 0x07C0_0000; }
    /// <summary>CONTROL.FPCA: the current context has used the FPU (its state goes in an extended frame).</summary>
    public bool Fpca => _fpca;

    private void ResetFpu()
    {
        for (int i = 0; i < 32; i++) _fp[i] = 0;
        _fpscr = 0; _cpacr = 0; _fpcar = 0; _fpdscr = 0; _fpca = false;
        _fpccr = HasFpu ? FpccrAspen | FpccrLspen : 0;
    }

    /// <summary>The SCS registers of the FPU (offsets from 0xE000E000): CPACR, FPCCR, FPCAR, FPDSCR, MVFR0, MVFR1; RAZ/WI without an FPU.</summary>
    internal uint ReadFpSystemRegister(uint offset) => !HasFpu ? 0 : offset switch
    {
        0xD88 => _cpacr, 0xF34 => _fpccr, 0xF38 => _fpcar, 0xF3C => _fpdscr, 0xF40 => Mvfr0, 0xF44 => Mvfr1, _ => 0,
    };

    internal void WriteFpSystemRegister(uint offset, uint value)
    {
        switch (offset)
        {
            case 0xD88: Cpacr = value; break;
            case 0xF34: Fpccr = value; break;
            case 0xF38: Fpcar = value; break;
            case 0xF3C: Fpdscr = value; break;
        }
    }

    /// <summary>
    /// ExecuteFPCheck (B1.5.7): NOCP unless the FPU is present and CPACR.CP10 allows the current privilege (CP11
    /// is taken to equal CP10, as the ARM ARM requires software to keep them); then a pending lazy preservation
    /// is done, and a context's first FP instruction with FPCCR.ASPEN sets CONTROL.FPCA and loads FPSCR's
    /// controls from FPDSCR. Returns the cycles of the preservation (one per word written).
    /// </summary>
    private int FpCheck(bool undefined)
    {
        uint cp10 = (_cpacr >> 20) & 3;
        if (!HasFpu || cp10 == 0 || cp10 == 2 || cp10 == 1 && !Privileged) throw CortexMFault.Of(FaultKind.NoCp);
        if (undefined) throw CortexMFault.Of(FaultKind.Undefined);     // an encoding FPv4-SP lacks: no preservation, no FPCA
        int cycles = 0;
        if ((_fpccr & FpccrLspact) != 0) cycles = PreserveFpState();
        if ((_fpccr & FpccrAspen) != 0 && !_fpca)
        {
            _fpscr = (_fpscr & ~0x07C0_0000u) | (_fpdscr & 0x07C0_0000u);
            _fpca = true;
        }
        return cycles;
    }

    /// <summary>
    /// PreserveFPState (B1.5.7): S0-S15 and the FPSCR to the space at FPCAR that the exception entry reserved.
    /// A bus error on a write (B1.5.7, B3.2.15 BFSR.LSPERR; as QEMU's v7m_preserve_fp_state) stops the
    /// preservation and sets CFSR.LSPERR (bit 13; BFAR is not written). The BusFault is pended with the enables
    /// and priorities FPCCR recorded when the frame was allocated, not the current ones: BFRDY clear escalates it
    /// to HardFault (HFSR.FORCED); when the exception so pended can preempt now, it is taken before the FP
    /// instruction, which is not executed (LSPACT stays set: the preservation is tried again when the instruction
    /// is); otherwise LSPACT is cleared, the instruction executes and the exception waits, pending (the frame's FP
    /// words are UNKNOWN: those written stay). When it can neither be taken nor wait because the context that
    /// owns the FP state could not take a HardFault (HFRDY clear) the core locks up. An MPU refusal does the same
    /// with MemManage: CFSR.MLSPERR (bit 5; MMFAR not written) and MMRDY in place of BFRDY. Returns the cycles
    /// (one per word written).
    /// </summary>
    private int PreserveFpState()
    {
        int written = 0;
        uint bfar = _bfar, mmfar = _mmfar;
        // The MPU checks the writes with the privilege FPCCR.USER recorded (B1.5.7) and, as QEMU does, bypasses
        // them (without HFNMIENA) when the context they belong to ran at a negative priority (HFRDY clear).
        MpuAsFixed((_fpccr & FpccrUser) == 0, (_fpccr & FpccrHfRdy) == 0);
        try
        {
            for (; written < 16; written++) Store32(_fpcar + 4u * (uint)written, _fp[written]);
            Store32(_fpcar + 0x40, _fpscr);
            written++;
        }
        catch (CortexMFault f) when (f.Kind is FaultKind.PreciseBusErr or FaultKind.DAccViol)
        {
            _bfar = bfar;
            _mmfar = mmfar;
            bool mpu = f.Kind == FaultKind.DAccViol;
            _cfsr |= mpu ? CfsrMLspErr : CfsrLspErr;
            int exc = mpu ? ExcMemManage : ExcBusFault;
            if ((_fpccr & (mpu ? FpccrMmRdy : FpccrBfRdy)) == 0) { exc = ExcHardFault; _hfsr |= 1u << 30; }     // FORCED
            _pending |= Bit(exc);
            _extraCycles += written;        // the words written before the error
            bool enabled = exc == ExcHardFault || (_shcsr & (1u << (exc == ExcMemManage ? 16 : 17))) != 0;
            if (enabled && GroupPriority(PriorityOf(exc)) < ExecutionPriority) { _lazyFault = exc; throw CortexMFault.Of(FaultKind.LazyFpErr); }
            if ((_fpccr & FpccrHfRdy) == 0)
            {
                LockUp($"lockup: {(mpu ? "MPU fault" : "bus error")} preserving the FP state at 0x{_fpcar:X8} (the context it belongs to cannot take a HardFault)");
                throw CortexMFault.Of(FaultKind.LazyFpErr);
            }
        }
        finally { MpuAsCurrent(); }
        _fpccr &= ~FpccrLspact;
        return written;
    }

    /// <summary>CFSR.BFSR's LSPERR (bit 13, B3.2.15): a bus fault during the lazy FP state preservation.</summary>
    public const uint CfsrLspErr = 1u << 13;
    private int _lazyFault;         // the exception a failed lazy preservation takes at once (LazyFpErr)

    /// <summary>
    /// The FP part of exception entry (B1.5.6 PushStack) for an extended frame at <paramref name="frame"/>: with
    /// FPCCR.LSPEN the space is only reserved and the preservation made pending (FPCAR, LSPACT and the
    /// context's privilege and readiness bits, UpdateFPCCR); else S0-S15 and the FPSCR are written now. Returns
    /// the cycles added to the entry (one per word written).
    /// </summary>
    private int PushFpState(uint frame)
    {
        uint fp = frame + 0x20;
        if ((_fpccr & FpccrLspen) == 0)
        {
            for (int i = 0; i < 16; i++) Store32(fp + 4u * (uint)i, _fp[i]);
            Store32(fp + 0x40, _fpscr);
            return FpStackWords;
        }
        _fpcar = fp;
        uint ccr = _fpccr & ~(FpccrUser | FpccrThread | FpccrHfRdy | FpccrMmRdy | FpccrBfRdy | FpccrMonRdy);
        ccr |= FpccrLspact;
        if (!Privileged) ccr |= FpccrUser;
        if (!HandlerMode) ccr |= FpccrThread;
        int prio = ExecutionPriority;
        if (prio > -1) ccr |= FpccrHfRdy;
        if ((_shcsr & (1u << 16)) != 0 && GroupPriority(PriorityOf(ExcMemManage)) < prio) ccr |= FpccrMmRdy;
        if ((_shcsr & (1u << 17)) != 0 && GroupPriority(PriorityOf(ExcBusFault)) < prio) ccr |= FpccrBfRdy;
        if ((_demcr & (1u << 16)) != 0 && GroupPriority(PriorityOf(12)) < prio) ccr |= FpccrMonRdy;
        _fpccr = ccr;
        return 0;
    }

    /// <summary>
    /// The FP part of exception return (B1.5.8 PopStack) from an extended frame: a preservation still pending
    /// (LSPACT) is cancelled and nothing is read; else S0-S15 and the FPSCR are read back. Returns the cycles
    /// added to the return.
    /// </summary>
    private int PopFpState(uint frame)
    {
        if ((_fpccr & FpccrLspact) != 0) { _fpccr &= ~FpccrLspact; return 0; }
        Span<uint> v = stackalloc uint[FpStackWords];
        for (int i = 0; i < FpStackWords; i++) v[i] = Load32(frame + 0x20 + 4u * (uint)i);
        for (int i = 0; i < 16; i++) _fp[i] = v[i];
        Fpscr = v[16];
        return FpStackWords;
    }

    // ---- execution ----

    private int ExecuteFp(ref ThumbInst i, uint pc)
    {
        int lazy = FpCheck(i.Op == Op.VUndefined);
        return lazy + ExecuteFpChecked(ref i, pc);
    }

    private int ExecuteFpChecked(ref ThumbInst i, uint pc)
    {
        bool dbl = (i.Fp & FpFlags.Double) != 0, toCore = (i.Fp & FpFlags.ToCore) != 0;
        int d = i.Rd, n = i.Rn, m = i.Rm;
        ref uint fpscr = ref _fpscr;
        switch (i.Op)
        {
            case Op.Vldr: case Op.Vstr:
                {
                    uint b = i.Rn == 15 ? (pc + 4) & ~3u : _r[i.Rn];
                    uint a = i.Add ? b + i.Imm : b - i.Imm;
                    if ((a & 3) != 0) throw CortexMFault.Of(FaultKind.Unaligned);
                    int first = dbl ? 2 * d : d, words = dbl ? 2 : 1;
                    if (i.Op == Op.Vldr)
                    {
                        uint lo = Load32(a), hi = dbl ? Load32(a + 4) : 0;
                        _fp[first] = lo;
                        if (dbl) _fp[first + 1] = hi;
                    }
                    else
                        for (int k = 0; k < words; k++) Store32(a + 4u * (uint)k, _fp[first + k]);
                    return dbl ? CortexMTiming.VldrDouble : CortexMTiming.VldrSingle;
                }
            case Op.Vldm: case Op.Vstm:
                {
                    int words = dbl ? i.List & ~1 : i.List;
                    uint imm = 4u * i.List;
                    uint b = _r[i.Rn];
                    uint a = i.Add ? b : b - imm;
                    if ((a & 3) != 0) throw CortexMFault.Of(FaultKind.Unaligned);
                    int first = dbl ? 2 * d : d;
                    words = Math.Min(words, 32 - first);        // UNPREDICTABLE lists beyond S31 stop there
                    if (i.Op == Op.Vldm)
                    {
                        // Every load completes before any register changes (a bus fault leaves them as they were).
                        Span<uint> v = stackalloc uint[32];
                        for (int k = 0; k < words; k++) v[k] = Load32(a + 4u * (uint)k);
                        for (int k = 0; k < words; k++) _fp[first + k] = v[k];
                    }
                    else
                        for (int k = 0; k < words; k++) Store32(a + 4u * (uint)k, _fp[first + k]);
                    if (i.Wback) _r[i.Rn] = i.Add ? b + imm : b - imm;
                    return 1 + words;
                }
            case Op.VmovCore:
                if (toCore) _r[d] = _fp[n]; else _fp[n] = _r[d];
                return CortexMTiming.VmovCore;
            case Op.VmovCore2:
                {
                    int s = dbl ? 2 * m : m;
                    if (toCore) { _r[d] = _fp[s]; _r[i.Ra] = _fp[(s + 1) & 31]; }
                    else { _fp[s] = _r[d]; _fp[(s + 1) & 31] = _r[i.Ra]; }
                    return CortexMTiming.VmovCore2;
                }
            case Op.VmovScalar:
                if (toCore) _r[d] = _fp[2 * n + (int)i.Imm]; else _fp[2 * n + (int)i.Imm] = _r[d];
                return CortexMTiming.VmovCore;
            case Op.Vmrs:
                {
                    uint v = i.Imm switch { 1 => _fpscr, 6 => Mvfr1, 7 => Mvfr0, _ => 0 };   // only FPSCR is architected on ARMv7-M
                    if (d == 15) Apsr = (v & 0xF000_0000) | (Apsr & 0x0FFF_FFFF);
                    else _r[d] = v;
                    return 1;
                }
            case Op.Vmsr:
                if (i.Imm == 1) Fpscr = _r[n];
                return 1;
            case Op.VmovImm: _fp[d] = VfpArithmetic.ExpandImm(i.Imm); return 1;
            case Op.VmovReg: _fp[d] = _fp[m]; return 1;
            case Op.Vabs: _fp[d] = _fp[m] & 0x7FFF_FFFF; return 1;
            case Op.Vneg: _fp[d] = _fp[m] ^ 0x8000_0000; return 1;
            case Op.Vsqrt: _fp[d] = VfpArithmetic.Sqrt(_fp[m], ref fpscr); return CortexMTiming.VdivVsqrt;
            case Op.Vadd: _fp[d] = VfpArithmetic.Add(_fp[n], _fp[m], false, ref fpscr); return 1;
            case Op.Vsub: _fp[d] = VfpArithmetic.Add(_fp[n], _fp[m], true, ref fpscr); return 1;
            case Op.Vmul: _fp[d] = VfpArithmetic.Mul(_fp[n], _fp[m], ref fpscr); return 1;
            case Op.Vnmul: _fp[d] = VfpArithmetic.Mul(_fp[n], _fp[m], ref fpscr) ^ 0x8000_0000; return 1;
            case Op.Vdiv: _fp[d] = VfpArithmetic.Div(_fp[n], _fp[m], ref fpscr); return CortexMTiming.VdivVsqrt;
            case Op.Vmla: case Op.Vmls: case Op.Vnmla: case Op.Vnmls:
                {
                    // A7.7.240/A7.7.247: the product is rounded, then added (two roundings, both raising flags).
                    uint product = VfpArithmetic.Mul(_fp[n], _fp[m], ref fpscr);
                    if (i.Op is Op.Vmls or Op.Vnmla) product ^= 0x8000_0000;
                    uint addend = i.Op is Op.Vnmla or Op.Vnmls ? _fp[d] ^ 0x8000_0000 : _fp[d];
                    _fp[d] = VfpArithmetic.Add(addend, product, false, ref fpscr);
                    return CortexMTiming.VmulAccumulate;
                }
            case Op.Vfma: case Op.Vfms: case Op.Vfnma: case Op.Vfnms:
                {
                    uint op1 = i.Op is Op.Vfms or Op.Vfnma ? _fp[n] ^ 0x8000_0000 : _fp[n];
                    uint addend = i.Op is Op.Vfnma or Op.Vfnms ? _fp[d] ^ 0x8000_0000 : _fp[d];
                    _fp[d] = VfpArithmetic.MulAdd(addend, op1, _fp[m], ref fpscr);
                    return CortexMTiming.VmulAccumulate;
                }
            case Op.Vcmp:
                {
                    uint nzcv = VfpArithmetic.Compare(_fp[d], (i.Fp & FpFlags.WithZero) != 0 ? 0 : _fp[m], (i.Fp & FpFlags.E) != 0, ref fpscr);
                    _fpscr = (_fpscr & 0x0FFF_FFFF) | nzcv;
                    return 1;
                }
            case Op.VcvtToInt:
                _fp[d] = VfpArithmetic.ToFixed(_fp[m], 32, 0, (i.Fp & FpFlags.Signed) == 0, (i.Fp & FpFlags.RoundZero) != 0, ref fpscr);
                return 1;
            case Op.VcvtFromInt:
                _fp[d] = VfpArithmetic.FromFixed(_fp[m], 32, 0, (i.Fp & FpFlags.Signed) == 0, ref fpscr);
                return 1;
            case Op.VcvtFixed:
                {
                    int size = i.ShiftN, frac = (int)i.Imm;
                    bool unsigned = (i.Fp & FpFlags.Signed) == 0;
                    if ((i.Fp & FpFlags.ToFixed) != 0)
                    {
                        uint r = VfpArithmetic.ToFixed(_fp[d], size, frac, unsigned, true, ref fpscr);
                        _fp[d] = size == 32 || unsigned ? r : (uint)(short)r;
                    }
                    else _fp[d] = VfpArithmetic.FromFixed(_fp[d], size, frac, unsigned, ref fpscr);
                    return 1;
                }
            case Op.VcvtHalf:
                {
                    int shift = i.Imm != 0 ? 16 : 0;
                    if ((i.Fp & FpFlags.ToHalf) != 0)
                    {
                        uint h = VfpArithmetic.SingleToHalf(_fp[m], ref fpscr);
                        _fp[d] = (_fp[d] & ~(0xFFFFu << shift)) | h << shift;
                    }
                    else _fp[d] = VfpArithmetic.HalfToSingle(_fp[m] >> shift, ref fpscr);
                    return 1;
                }
            default:
                throw CortexMFault.Of(FaultKind.Undefined);
        }
    }
}
