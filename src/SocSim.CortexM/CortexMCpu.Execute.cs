using System.Numerics;
using System.Runtime.CompilerServices;
using SocSim.Core;

namespace SocSim.CortexM;

public sealed unsafe partial class CortexMCpu
{
    private const byte NoReg = 0xFF;
    // Load/store pipelining (Cortex-M3 TRM DDI 0337I 18.3): the destination of the previous single load
    // (NoReg when the previous instruction was not one), and the register the previous data-processing
    // instruction wrote (an address computed from it stalls a cycle: no forwarding path).
    private byte _lastLoad, _lastDpRd;
    private int _accesses;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Reg(int n, uint pc) => n == 15 ? pc + 4 : _r[n];

    private bool SetsFlags(in ThumbInst i, bool inIt) => i.S == SetFlags.Always || (i.S == SetFlags.OutsideIt && !inIt);

    private static uint ShiftC(uint v, Shift t, int n, bool cin, out bool cout)
    {
        cout = cin;
        if (n == 0 && t != Shift.Rrx) return v;
        switch (t)
        {
            case Shift.Lsl:
                if (n < 32) { cout = ((v >> (32 - n)) & 1) != 0; return v << n; }
                cout = n == 32 && (v & 1) != 0;
                return 0;
            case Shift.Lsr:
                if (n < 32) { cout = ((v >> (n - 1)) & 1) != 0; return v >> n; }
                cout = n == 32 && (v >> 31) != 0;
                return 0;
            case Shift.Asr:
                if (n < 32) { cout = ((v >> (n - 1)) & 1) != 0; return (uint)((int)v >> n); }
                cout = (v >> 31) != 0;
                return (uint)((int)v >> 31);
            case Shift.Ror:
                {
                    uint r = BitOperations.RotateRight(v, n & 31);
                    cout = (r >> 31) != 0;
                    return r;
                }
            default:
                cout = (v & 1) != 0;
                return (cin ? 1u << 31 : 0) | (v >> 1);
        }
    }

    private uint AddWithCarry(uint a, uint b, bool carryIn, out bool carry, out bool overflow)
    {
        ulong u = (ulong)a + b + (carryIn ? 1UL : 0);
        uint r = (uint)u;
        carry = (u >> 32) != 0;
        overflow = ((~(a ^ b) & (a ^ r)) >> 31) != 0;
        return r;
    }

    /// <summary>BranchWritePC / ALUWritePC (A2.3.1): bit 0 ignored.</summary>
    /// <remarks>A taken branch ends an IT block (it may only be the block's last instruction; earlier is UNPREDICTABLE).</remarks>
    private void BranchTo(uint target) { _pc = target & ~1u; _it = 0; }

    /// <summary>BXWritePC / LoadWritePC (A2.3.1): EXC_RETURN in Handler mode, else bit 0 is EPSR.T.</summary>
    private void BxWritePc(uint target)
    {
        _it = 0;
        if (HandlerMode && (target >> 28) == 0xF) { ExceptionReturn(target); return; }
        _t = (target & 1) != 0;
        _pc = target & ~1u;
    }

    /// <summary>
    /// B, BL, CBZ/CBNZ (a target known at decode: P is the immediate refill), after <see cref="Execute"/>'s prologue
    /// (the PC already the next instruction's); the interpreter's and the block engine's one implementation.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ImmediateBranch(ref ThumbInst i, uint pc)
    {
        switch (i.Op)
        {
            case Op.B:
                if (i.Cond != 14 && !ConditionPassed(i.Cond)) return 1;
                BranchTo(pc + 4 + i.Imm);
                return Refill(1, false);
            case Op.Bl:
                _r[14] = (pc + i.Size) | 1;
                BranchTo(pc + 4 + i.Imm);
                return Refill(_m0 ? CortexM0Timing.Bl : 1, false);
            default:    // CBZ, CBNZ
                if ((_r[i.Rn] == 0) != (i.Op == Op.Cbz)) return 1;
                BranchTo(pc + 4 + i.Imm);
                return Refill(1, false);
        }
    }

    /// <summary>The cycles of an instruction that refills the pipeline at the new PC: 1 + P (<see cref="CortexMTiming"/>).</summary>
    private int Refill(int baseCycles, bool registerTarget) => baseCycles + RefillCycles(registerTarget);

    private int Execute(ref ThumbInst i, uint pc, bool inIt)
    {
        uint next = pc + i.Size;
        _pc = next;
        byte lastLoad = _lastLoad, lastDp = _lastDpRd;
        _lastLoad = NoReg; _lastDpRd = NoReg;
        switch (i.Op)
        {
            case Op.And: case Op.Eor: case Op.Orr: case Op.Orn: case Op.Bic: case Op.Mov: case Op.Mvn:
            case Op.Tst: case Op.Teq: case Op.Cmp: case Op.Cmn: case Op.Add: case Op.Adc: case Op.Sub: case Op.Sbc: case Op.Rsb:
                return DataProcessing(ref i, pc, inIt);
            case Op.ShiftReg:
                {
                    uint r = ShiftC(Reg(i.Rn, pc), i.ShiftType, (int)(Reg(i.Rm, pc) & 0xFF), _c, out bool cout);
                    _r[i.Rd] = r;
                    if (SetsFlags(i, inIt)) { _n = (int)r < 0; _z = r == 0; _c = cout; }
                    _lastDpRd = i.Rd;
                    return 1;
                }
            case Op.Movw: WriteDp(i.Rd, i.Imm); return 1;
            case Op.Movt: WriteDp(i.Rd, (_r[i.Rd] & 0xFFFF) | (i.Imm << 16)); return 1;
            case Op.Adr:
                {
                    uint b = (pc + 4) & ~3u;
                    WriteDp(i.Rd, i.Add ? b + i.Imm : b - i.Imm);
                    return 1;
                }
            case Op.Mul:
                {
                    uint r = Reg(i.Rn, pc) * Reg(i.Rm, pc);
                    _r[i.Rd] = r;
                    if (SetsFlags(i, inIt)) { _n = (int)r < 0; _z = r == 0; }
                    _lastDpRd = i.Rd;
                    return _m0 ? _multiplyCycles : 1;
                }
            case Op.Mla: WriteDp(i.Rd, _r[i.Rn] * _r[i.Rm] + _r[i.Ra]); return Profile == CortexMProfile.V7EM ? CortexMTiming.M4Multiply : 2;
            case Op.Mls: WriteDp(i.Rd, _r[i.Ra] - _r[i.Rn] * _r[i.Rm]); return Profile == CortexMProfile.V7EM ? CortexMTiming.M4Multiply : 2;
            case Op.Umull: case Op.Smull: case Op.Umlal: case Op.Smlal:
                {
                    uint a = _r[i.Rn], b = _r[i.Rm];
                    bool signed = i.Op is Op.Smull or Op.Smlal, acc = i.Op is Op.Umlal or Op.Smlal;
                    ulong r = signed ? (ulong)((long)(int)a * (int)b) : (ulong)a * b;
                    if (acc) r += ((ulong)_r[i.Ra] << 32) | _r[i.Rd];
                    _r[i.Rd] = (uint)r;
                    _r[i.Ra] = (uint)(r >> 32);
                    return Profile == CortexMProfile.V7EM ? CortexMTiming.M4Multiply : CortexMTiming.LongMultiply(a, b, signed, acc);
                }
            case Op.Sdiv:
                {
                    int a = (int)_r[i.Rn], b = (int)_r[i.Rm];
                    // Divide by zero gives 0 (CCR.DIV_0_TRP is 0 at reset, B3.2.8); INT_MIN / -1 gives INT_MIN (A7.7.127).
                    uint q = b == 0 ? 0 : (a == int.MinValue && b == -1) ? 0x8000_0000u : (uint)(a / b);
                    if (b == 0 && DivideByZeroTrap) throw CortexMFault.Of(FaultKind.DivByZero);
                    WriteDp(i.Rd, q);
                    return CortexMTiming.Divide((uint)Math.Abs((long)a), (uint)Math.Abs((long)b));
                }
            case Op.Udiv:
                {
                    uint a = _r[i.Rn], b = _r[i.Rm];
                    if (b == 0 && DivideByZeroTrap) throw CortexMFault.Of(FaultKind.DivByZero);
                    WriteDp(i.Rd, b == 0 ? 0 : a / b);
                    return CortexMTiming.Divide(a, b);
                }
            case Op.Ssat:
                {
                    int op = (int)ShiftC(_r[i.Rm], i.ShiftType, i.ShiftN, _c, out _);
                    int n = (int)i.Imm;
                    long max = (1L << (n - 1)) - 1, min = -(1L << (n - 1));
                    long r = op;
                    if (r > max) { r = max; _q = true; } else if (r < min) { r = min; _q = true; }
                    WriteDp(i.Rd, (uint)r);
                    return 1;
                }
            case Op.Usat:
                {
                    int op = (int)ShiftC(_r[i.Rm], i.ShiftType, i.ShiftN, _c, out _);
                    int n = (int)i.Imm;
                    long max = (1L << n) - 1;
                    long r = op;
                    if (r > max) { r = max; _q = true; } else if (r < 0) { r = 0; _q = true; }
                    WriteDp(i.Rd, (uint)r);
                    return 1;
                }
            case Op.Sbfx:
                {
                    int lsb = i.ShiftN, w = (int)i.Imm;
                    if (lsb + w > 32) { WriteDp(i.Rd, 0); return 1; }       // UNPREDICTABLE: 0
                    WriteDp(i.Rd, (uint)(((int)_r[i.Rn] << (32 - lsb - w)) >> (32 - w)));
                    return 1;
                }
            case Op.Ubfx:
                {
                    int lsb = i.ShiftN, w = (int)i.Imm;
                    if (lsb + w > 32) { WriteDp(i.Rd, 0); return 1; }
                    WriteDp(i.Rd, (uint)((ulong)(_r[i.Rn] >> lsb) & ((1UL << w) - 1)));
                    return 1;
                }
            case Op.Bfi: case Op.Bfc:
                {
                    int lsb = i.ShiftN, msb = (int)i.Imm;
                    if (msb >= lsb)
                    {
                        uint mask = (uint)(((1UL << (msb - lsb + 1)) - 1) << lsb);
                        uint src = i.Op == Op.Bfc ? 0 : _r[i.Rn] << lsb;
                        WriteDp(i.Rd, (_r[i.Rd] & ~mask) | (src & mask));
                    }
                    return 1;
                }
            case Op.Clz: WriteDp(i.Rd, (uint)BitOperations.LeadingZeroCount(_r[i.Rm])); return 1;
            case Op.Rbit:
                {
                    uint v = _r[i.Rm], r = 0;
                    for (int b = 0; b < 32; b++) r |= ((v >> b) & 1) << (31 - b);
                    WriteDp(i.Rd, r);
                    return 1;
                }
            case Op.Rev: WriteDp(i.Rd, BinaryReverse(_r[i.Rm])); return 1;
            case Op.Rev16: { uint v = _r[i.Rm]; WriteDp(i.Rd, ((v & 0x00FF00FF) << 8) | ((v >> 8) & 0x00FF00FF)); return 1; }
            case Op.Revsh: { uint v = _r[i.Rm]; WriteDp(i.Rd, (uint)(short)(((v & 0xFF) << 8) | ((v >> 8) & 0xFF))); return 1; }
            case Op.Sxtb: WriteDp(i.Rd, (uint)(sbyte)BitOperations.RotateRight(_r[i.Rm], i.ShiftN)); return 1;
            case Op.Sxth: WriteDp(i.Rd, (uint)(short)BitOperations.RotateRight(_r[i.Rm], i.ShiftN)); return 1;
            case Op.Uxtb: WriteDp(i.Rd, (byte)BitOperations.RotateRight(_r[i.Rm], i.ShiftN)); return 1;
            case Op.Uxth: WriteDp(i.Rd, (ushort)BitOperations.RotateRight(_r[i.Rm], i.ShiftN)); return 1;

            case Op.B: case Op.Bl:
                return ImmediateBranch(ref i, pc);
            case Op.Bx:
                BxWritePc(Reg(i.Rm, pc));
                return Refill(1, true);
            case Op.Blx:
                {
                    uint target = _r[i.Rm];
                    _r[14] = next | 1;
                    BxWritePc(target);
                    return Refill(1, true);
                }
            case Op.Cbz: case Op.Cbnz:
                return ImmediateBranch(ref i, pc);
            case Op.Tbb: case Op.Tbh:
                {
                    uint b = Reg(i.Rn, pc), m = _r[i.Rm];
                    uint half = i.Op == Op.Tbb ? Load8(b + m) : Load16(b + (m << 1));
                    BranchTo(pc + 4 + 2 * half);
                    return Refill(2, true);
                }
            case Op.It:
                _it = (byte)((i.Imm << 4) | i.Cond);
                _stepIt = true;
                if (pc == _foldAt && (_actlr & ActlrDisfold) == 0 && _stepStall == 0)
                {
                    // Folded (CortexMTiming.It): no cycle of its own, so neighbouring loads still pipeline across it.
                    _folded++;
                    _lastLoad = lastLoad; _lastDpRd = lastDp;
                    return CortexMTiming.ItFolded;
                }
                return CortexMTiming.It;

            case Op.Ldr: case Op.Ldrb: case Op.Ldrh: case Op.Ldrsb: case Op.Ldrsh:
            case Op.Str: case Op.Strb: case Op.Strh:
                return LoadStore(ref i, pc, lastLoad, lastDp);
            case Op.Ldrd: case Op.Strd:
                return LoadStoreDual(ref i, pc);
            case Op.Ldm: return LoadMultiple(ref i);
            case Op.Stm: return StoreMultiple(ref i);
            case Op.Ldrex: case Op.Ldrexb: case Op.Ldrexh:
                {
                    uint a = _r[i.Rn] + i.Imm;
                    if (i.Op == Op.Ldrex && (a & 3) != 0 || i.Op == Op.Ldrexh && (a & 1) != 0) throw CortexMFault.Of(FaultKind.Unaligned);
                    uint v = i.Op switch { Op.Ldrex => Load32(a), Op.Ldrexh => Load16(a), _ => Load8(a) };
                    _monitor = true; _monitorAddr = a;
                    _r[i.Rd] = v;
                    _lastLoad = i.Rd;
                    return AddressStall(2, i.Rn, NoReg, lastLoad, lastDp);
                }
            case Op.Strex: case Op.Strexb: case Op.Strexh:
                {
                    uint a = _r[i.Rn] + i.Imm;
                    if (i.Op == Op.Strex && (a & 3) != 0 || i.Op == Op.Strexh && (a & 1) != 0) throw CortexMFault.Of(FaultKind.Unaligned);
                    // The local monitor (A3.4.1): open after LDREX*; an exclusive store to the tagged address succeeds.
                    bool ok = _monitor && _monitorAddr == a;
                    if (ok)
                    {
                        uint v = _r[i.Rm];
                        if (i.Op == Op.Strex) Store32(a, v); else if (i.Op == Op.Strexh) Store16(a, v); else Store8(a, v);
                    }
                    _monitor = false;
                    _r[i.Rd] = ok ? 0u : 1u;
                    _lastLoad = i.Rd;
                    return AddressStall(2, i.Rn, NoReg, lastLoad, lastDp);
                }
            case Op.Clrex: _monitor = false; return 1;

            case Op.Mrs: _r[i.Rd] = ReadSpecial(i.List); return _systemCycles;
            case Op.Msr: WriteSpecial(i.List, (uint)i.Imm, _r[i.Rn]); return _systemCycles;
            case Op.Cps:
                if (Privileged)
                {
                    bool disable = i.Imm != 0;
                    if ((i.List & 2) != 0) _primask = disable;
                    if ((i.List & 1) != 0 && (!disable || ExecutionPriority > -1)) _faultmask = disable;
                }
                return 1;
            case Op.Nop: case Op.Yield: case Op.Pld: case Op.Pli: return 1;
            case Op.Sev: _event = true; return 1;
            case Op.Wfe:
                if (_event) _event = false;
                else { State = CoreState.Sleeping; _sleepWfe = true; }
                return _m0 ? CortexM0Timing.Sleep : 1;
            case Op.Wfi:
                State = CoreState.Sleeping;
                _sleepWfe = false;
                return _m0 ? CortexM0Timing.Sleep : 1;
            case Op.Dmb: case Op.Dsb: return _barrierCycles;
            case Op.Isb: return Refill(_isbBase, false);
            case Op.Bkpt:
                if (i.Imm == SemihostingBkpt && Semihosting != null && Semihosting(this)) return 1;
                _pc = pc;
                State = CoreState.Halted;
                _haltedAtBkpt = true;
                return 1;
            case Op.Svc:
                return TakeException(ExcSvCall, next);
            case >= Op.VUndefined and <= Op.VcvtHalf:
                return ExecuteFp(ref i, pc);
            case >= Op.Parallel:
                return ExecuteDsp(ref i);
            case Op.Coprocessor:
                throw CortexMFault.Of(FaultKind.NoCp);
            case Op.Udf:
            default:
                throw CortexMFault.Of(FaultKind.Undefined);
        }
    }

    /// <summary>BKPT 0xAB: the semihosting call of ARMv7-M (the ARM "Semihosting" specification, M profile).</summary>
    public const uint SemihostingBkpt = 0xAB;

    /// <summary>
    /// Semihosting: called for BKPT 0xAB with the operation in R0 and its parameter block in R1; returns true
    /// when it handled the call (it sets R0; execution goes on after the BKPT, 1 cycle), false to halt as a
    /// plain BKPT does. A board attaches its semihosting host here.
    /// </summary>
    public Func<CortexMCpu, bool>? Semihosting { get; set; }

    /// <summary>Whether unaligned LDR/STR/LDRH/STRH/LDRSH (and their T forms) fault (CCR.UNALIGN_TRP, reset 0, B3.2.8).</summary>
    public bool UnalignedTrap { get; set; }

    /// <summary>Whether SDIV/UDIV by zero fault (CCR.DIV_0_TRP, reset 0: they return 0).</summary>
    public bool DivideByZeroTrap { get; set; }

    private static uint BinaryReverse(uint v) => BitConverterReverse(v);
    private static uint BitConverterReverse(uint v) => System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteDp(int rd, uint v)
    {
        if (rd == 13) v &= ~3u;
        _r[rd] = v;
        _lastDpRd = (byte)rd;
    }

    private int DataProcessing(ref ThumbInst i, uint pc, bool inIt)
    {
        bool carry = _c;
        uint op2;
        if (i.Form == Form.Imm) { op2 = i.Imm; if (i.ImmCarry) carry = (op2 >> 31) != 0; }
        else op2 = ShiftC(Reg(i.Rm, pc), i.ShiftType, i.ShiftN, _c, out carry);
        uint rn = Reg(i.Rn, pc);
        uint r;
        bool c = carry, v = _v, logical = true;
        switch (i.Op)
        {
            case Op.And: case Op.Tst: r = rn & op2; break;
            case Op.Eor: case Op.Teq: r = rn ^ op2; break;
            case Op.Orr: r = rn | op2; break;
            case Op.Orn: r = rn | ~op2; break;
            case Op.Bic: r = rn & ~op2; break;
            case Op.Mov: r = op2; break;
            case Op.Mvn: r = ~op2; break;
            case Op.Add: case Op.Cmn: r = AddWithCarry(rn, op2, false, out c, out v); logical = false; break;
            case Op.Adc: r = AddWithCarry(rn, op2, _c, out c, out v); logical = false; break;
            case Op.Sub: case Op.Cmp: r = AddWithCarry(rn, ~op2, true, out c, out v); logical = false; break;
            case Op.Sbc: r = AddWithCarry(rn, ~op2, _c, out c, out v); logical = false; break;
            default: r = AddWithCarry(~rn, op2, true, out c, out v); logical = false; break;   // Rsb
        }
        if (SetsFlags(i, inIt))
        {
            _n = (int)r < 0; _z = r == 0; _c = c;
            if (!logical) _v = v;
        }
        if (i.Op is Op.Tst or Op.Teq or Op.Cmp or Op.Cmn) return 1;
        if (i.Rd == 15)
        {
            // MOV PC, Rm / ADD PC, Rm (16-bit): ALUWritePC, a branch without interworking.
            BranchTo(r);
            return Refill(1, true);
        }
        WriteDp(i.Rd, r);
        return 1;
    }

    // ---- loads and stores ----

    /// <summary>
    /// Single loads and stores (A7.7.42 ff.): 2 cycles, 1 when pipelined behind a load whose destination it does
    /// not use for its address (DDI 0337I 18.3); +1 when its address uses the register the previous
    /// data-processing instruction wrote; LDR PC is 2 + P.
    /// </summary>
    private int LoadStore(ref ThumbInst i, uint pc, byte lastLoad, byte lastDp)
    {
        if (i.Unpriv && _mpuAs == MpuAs.Current) return LoadStoreUnprivileged(ref i, pc, lastLoad, lastDp);
        uint b = i.Rn == 15 ? (pc + 4) & ~3u : _r[i.Rn];
        uint off = i.Form == Form.Imm ? i.Imm : _r[i.Rm] << i.ShiftN;
        uint offAddr = i.Add ? b + off : b - off;
        uint a = i.Index ? offAddr : b;
        if ((Profile == CortexMProfile.V6M || UnalignedTrap) && i.Op is not (Op.Ldrb or Op.Strb or Op.Ldrsb) &&
            (a & (i.Op is Op.Ldr or Op.Str ? 3u : 1u)) != 0)
            throw CortexMFault.Of(FaultKind.Unaligned);
        // The M0 neither pipelines neighbouring loads nor stalls on an address register (DDI 0432C table 3-1: 2).
        int cycles = _m0 ? CortexM0Timing.LoadStore : AddressStall(2, i.Rn, i.Form == Form.Reg ? i.Rm : NoReg, lastLoad, lastDp);
        switch (i.Op)
        {
            case Op.Str: Store32(a, _r[i.Rd]); break;
            case Op.Strh: Store16(a, _r[i.Rd]); break;
            case Op.Strb: Store8(a, _r[i.Rd]); break;
            default:
                {
                    uint v = i.Op switch
                    {
                        Op.Ldr => Load32(a),
                        Op.Ldrh => Load16(a),
                        Op.Ldrb => Load8(a),
                        Op.Ldrsh => (uint)(short)Load16(a),
                        _ => (uint)(sbyte)Load8(a),
                    };
                    if (i.Wback) _r[i.Rn] = offAddr;
                    if (i.Rd == 15)
                    {
                        if ((a & 3) != 0) { /* UNPREDICTABLE: taken as a plain LoadWritePC (docs/cortex-m.md) */ }
                        BxWritePc(v);
                        return Refill(2, true) + cycles - 2;
                    }
                    _r[i.Rd] = i.Rd == 13 ? v & ~3u : v;
                    _lastLoad = i.Rd;
                    return cycles;
                }
        }
        if (i.Wback) _r[i.Rn] = offAddr;
        // A store pipelines behind a load too, but nothing pipelines behind a store (18.3).
        return cycles;
    }

    /// <summary>
    /// LDRT/STRT/LDRBT/STRBT/LDRHT/STRHT/LDRSBT/LDRSHT (A7.7: "as if unprivileged"): the MPU checks the access with
    /// unprivileged permissions in privileged code too (a refusal is DACCVIOL with MMFAR), and the System Control
    /// Space refuses them as unprivileged accesses (B3.2: a precise BusFault). Off the common path.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int LoadStoreUnprivileged(ref ThumbInst i, uint pc, byte lastLoad, byte lastDp)
    {
        MpuAsFixed(false, ExecutionPriority < 0);
        try { return LoadStore(ref i, pc, lastLoad, lastDp); }
        finally { MpuAsCurrent(); }
    }

    private int AddressStall(int cycles, int rn, int rm, byte lastLoad, byte lastDp)
    {
        if (lastLoad != NoReg && lastLoad != rn && lastLoad != rm) cycles--;
        if (lastDp != NoReg && (lastDp == rn || lastDp == rm)) cycles++;
        return cycles;
    }

    private int LoadStoreDual(ref ThumbInst i, uint pc)
    {
        uint b = i.Rn == 15 ? (pc + 4) & ~3u : _r[i.Rn];
        uint offAddr = i.Add ? b + i.Imm : b - i.Imm;
        uint a = i.Index ? offAddr : b;
        if ((a & 3) != 0) throw CortexMFault.Of(FaultKind.Unaligned);
        if (i.Op == Op.Ldrd)
        {
            uint lo = Load32(a), hi = Load32(a + 4);
            if (i.Wback) _r[i.Rn] = offAddr;
            _r[i.Rd] = lo; _r[i.Ra] = hi;
        }
        else
        {
            Store32(a, _r[i.Rd]);
            Store32(a + 4, _r[i.Ra]);
            if (i.Wback) _r[i.Rn] = offAddr;
        }
        return 3;
    }

    private int LoadMultiple(ref ThumbInst i)
    {
        uint list = i.List;
        int count = BitOperations.PopCount(list);
        uint b = _r[i.Rn];
        uint a = i.Add ? b : b - 4u * (uint)count;
        if ((a & 3) != 0) throw CortexMFault.Of(FaultKind.Unaligned);
        uint wb = i.Add ? b + 4u * (uint)count : b - 4u * (uint)count;
        // Every load completes before any register changes (a bus fault leaves them as they were).
        Span<uint> values = stackalloc uint[16];
        for (int r = 0, k = 0; r < 16; r++)
            if ((list & (1u << r)) != 0) values[r] = Load32(a + 4u * (uint)k++);
        if (i.Wback) _r[i.Rn] = wb;
        for (int r = 0; r < 15; r++)
            if ((list & (1u << r)) != 0) _r[r] = r == 13 ? values[r] & ~3u : values[r];
        if ((list & 0x8000) != 0)
        {
            // POP {..., PC} on the M0: 4 + N, on the M0+ 3 + N: one more than 1 + N + P (an exception return replaces P and that cycle).
            int extra = _m0 && !(HandlerMode && (values[15] >> 28) == 0xF) ? CortexM0Timing.PopPcExtra : 0;
            BxWritePc(values[15]);
            return 1 + count + RefillCycles(true) + extra;
        }
        return 1 + count;
    }

    private int StoreMultiple(ref ThumbInst i)
    {
        uint list = i.List;
        int count = BitOperations.PopCount(list);
        uint b = _r[i.Rn];
        uint a = i.Add ? b : b - 4u * (uint)count;
        if ((a & 3) != 0) throw CortexMFault.Of(FaultKind.Unaligned);
        for (int r = 0, k = 0; r < 16; r++)
            if ((list & (1u << r)) != 0) Store32(a + 4u * (uint)k++, r == 15 ? _pc : _r[r]);
        if (i.Wback) _r[i.Rn] = i.Add ? b + 4u * (uint)count : b - 4u * (uint)count;
        return 1 + count;
    }

    // Data accesses: aligned ones go to the bus as one transfer; unaligned word and halfword accesses (A3.2.1,
    // allowed by LDR/STR/LDRH/STRH/LDRSH/LDRT... with CCR.UNALIGN_TRP clear) as byte transfers, little-endian.

    private uint Load32(uint a)
    {
        if ((a & 3) != 0) return Load8(a) | Load8(a + 1) << 8 | Load8(a + 2) << 16 | Load8(a + 3) << 24;
        if (_mpuOn) MpuData(a, false);
        if (BitBanding && BitBandTarget(a, out uint bb, out int bit)) return BitBandRead(bb, bit, 4);
        if (_watchData) WatchData(a, 4, false);
        _accesses++;
        DataAccessBegins(a);
        uint v = _bus.Read32(a, AccessFlags.None);
        DataAccessEnds();
        if (_bus.Aborted) BusError(a);
        return v;
    }

    private uint Load16(uint a)
    {
        if ((a & 1) != 0) return Load8(a) | Load8(a + 1) << 8;
        if (_mpuOn) MpuData(a, false);
        if (BitBanding && BitBandTarget(a, out uint bb, out int bit)) return BitBandRead(bb, bit, 2);
        if (_watchData) WatchData(a, 2, false);
        _accesses++;
        DataAccessBegins(a);
        uint v = _bus.Read16(a, AccessFlags.None);
        DataAccessEnds();
        if (_bus.Aborted) BusError(a);
        return v;
    }

    private uint Load8(uint a)
    {
        if (_mpuOn) MpuData(a, false);
        if (BitBanding && BitBandTarget(a, out uint bb, out int bit)) return BitBandRead(bb, bit, 1);
        if (_watchData) WatchData(a, 1, false);
        _accesses++;
        DataAccessBegins(a);
        uint v = _bus.Read8(a, AccessFlags.None);
        DataAccessEnds();
        if (_bus.Aborted) BusError(a);
        return v;
    }

    private void Store32(uint a, uint v)
    {
        if ((a & 3) != 0) { Store8(a, v); Store8(a + 1, v >> 8); Store8(a + 2, v >> 16); Store8(a + 3, v >> 24); return; }
        if (_mpuOn) MpuData(a, true);
        if (BitBanding && BitBandTarget(a, out uint bb, out int bit)) { BitBandWrite(bb, bit, 4, v); return; }
        if (_watchData) WatchData(a, 4, true);
        _accesses++;
        DataAccessBegins(a);
        _bus.Write32(a, v, AccessFlags.None);
        DataAccessEnds();
        if (_bus.Aborted) BusError(a);
        if (_monitor && _monitorAddr == a) { }
    }

    private void Store16(uint a, uint v)
    {
        if ((a & 1) != 0) { Store8(a, v); Store8(a + 1, v >> 8); return; }
        if (_mpuOn) MpuData(a, true);
        if (BitBanding && BitBandTarget(a, out uint bb, out int bit)) { BitBandWrite(bb, bit, 2, v); return; }
        if (_watchData) WatchData(a, 2, true);
        _accesses++;
        DataAccessBegins(a);
        _bus.Write16(a, v, AccessFlags.None);
        DataAccessEnds();
        if (_bus.Aborted) BusError(a);
    }

    private void Store8(uint a, uint v)
    {
        if (_mpuOn) MpuData(a, true);
        if (BitBanding && BitBandTarget(a, out uint bb, out int bit)) { BitBandWrite(bb, bit, 1, v); return; }
        if (_watchData) WatchData(a, 1, true);
        _accesses++;
        DataAccessBegins(a);
        _bus.Write8(a, v, AccessFlags.None);
        DataAccessEnds();
        if (_bus.Aborted) BusError(a);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void BusError(uint address)
    {
        _bus.Aborted = false;
        _bfar = address;
        throw CortexMFault.Of(FaultKind.PreciseBusErr);
    }
}
