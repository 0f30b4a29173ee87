using System.Numerics;
using System.Runtime.CompilerServices;
using SocSim.Arm;

namespace SocSim.Arm9;

public sealed unsafe partial class Arm926Cpu
{
    // ---- interlocks: registers whose value is not yet available, until when, and for which uses ----
    // Which reads wait depends on what produced the value (Timing.cs names each rule's source):
    //  - a load's result: every read, store data and accumulators too (no forwarding path from loaded
    //    data to the C read port, ARM9E-S TRM DDI 0165B 8.x "load-use interlocks");
    //  - a multiply's result: reads in the next instruction's first Execute or first Memory cycle (its
    //    operands, store data), not a multiply-accumulate's accumulator (ARM7EJ-S TRM DDI 0214B 9.9.1);
    //  - a QADD/QSUB/QDADD/QDSUB result: first-Execute reads only, not store data nor an accumulator
    //    (DDI 0214B 9.10.1).

    /// <summary>Groups of source registers an instruction reads (see ArmSources).</summary>
    private const uint PortOperands = 1, PortStoreData = 2, PortAccumulator = 4;
    private const uint PortsAll = PortOperands | PortStoreData | PortAccumulator;
    private const uint PortsMultiply = PortOperands | PortStoreData;

    private uint _lockMask;
    private long _lockUntil;
    private uint _lockPorts = PortsAll;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Lock(uint reg, int latency) => LockRegisters(1u << (int)reg, latency, PortsAll);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void LockRegisters(uint mask, int latency, uint ports)
    {
        _lockMask = mask;
        _lockUntil = _s.Cycles + latency;
        _lockPorts = ports;
    }

    /// <summary>An instruction that reads a register still in flight waits for it (the ARM9EJ-S's interlock).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Interlock(uint sources)
    {
        if ((sources & _lockMask) != 0 && _s.Cycles < _lockUntil) _s.Cycles = _lockUntil;
        if (_s.Cycles >= _lockUntil) _lockMask = 0;
    }

    /// <summary>
    /// The registers an ARM instruction reads early enough to wait for a value in flight, in the groups
    /// <paramref name="ports"/> names: operands (first Execute cycle: Rn, Rm, Rs, a base), store data
    /// (STR/STRH/STRD data, SWP's Rm, and of an STM only the first register stored: DDI 0165B 8.x, an
    /// STM waits in Decode for its base and in its second cycle for its first register, never for later
    /// ones) and accumulators (MLA's Rn, SMLAL/UMLAL's RdLo and RdHi, SMLAxy/SMLAWy's Rn, SMLALxy's pair).
    /// </summary>
    private static uint ArmSources(uint op, uint ports)
    {
        uint rn = 1u << (int)((op >> 16) & 15), rd = 1u << (int)((op >> 12) & 15), rm = 1u << (int)(op & 15), rs = 1u << (int)((op >> 8) & 15);
        bool load = (op & (1u << 20)) != 0;
        uint operands, store = 0, acc = 0;
        switch ((op >> 25) & 7)
        {
            case 0:
                if ((op & 0x90) == 0x90)
                {
                    if ((op & 0x60) == 0)
                    {
                        if ((op & 0x0F00_0000) != 0) { operands = rn; store = rm; break; }                 // SWP: base, store data
                        operands = rm | rs;
                        if ((op & 0x0080_0000) == 0) acc = (op & (1u << 21)) != 0 ? rd : 0;               // MLA's Rn (bits 15:12)
                        else acc = (op & (1u << 21)) != 0 ? rd | rn : 0;                                   // SMLAL/UMLAL: RdLo, RdHi
                        break;
                    }
                    operands = rn | ((op & (1u << 22)) == 0 ? rm : 0);
                    if (!load) store = (op & 0x60) == 0x40 ? 0 : (op & 0x60) == 0x60 ? rd | (rd << 1) : rd;   // LDRD reads none; STRD a pair
                    break;
                }
                if ((op & 0x0F90_0090) == 0x0100_0080)
                {
                    // SMLAxy, SMLAWy/SMULWy, SMLALxy, SMULxy (ARM ARM A4.1.74-90): Rm, Rs and an accumulator.
                    operands = rm | rs;
                    acc = ((op >> 21) & 3) switch { 0 => rd, 1 => (op & 0x20) == 0 ? rd : 0, 2 => rd | rn, _ => 0 };
                    break;
                }
                // MRS/MSR/BX/BLX/CLZ/QADD..: at most Rn and Rm; a data-processing op: Rn, Rm, a shift's Rs.
                operands = (op & 0x0190_0000) == 0x0100_0000 ? rn | rm : rn | rm | ((op & 0x10) != 0 ? rs : 0);
                break;
            case 1: operands = rn; break;
            case 2: operands = rn; store = load ? 0 : rd; break;
            case 3: operands = rn | rm; store = load ? 0 : rd; break;
            case 4: operands = rn; store = load ? 0 : op & 0xFFFF & (0u - (op & 0xFFFF)); break;      // the lowest register: stored first
            case 7: operands = (op & 0x0F10_0010) == 0x0E00_0010 ? rd : 0; break;
            default: operands = 0; break;
        }
        return ((ports & PortOperands) != 0 ? operands : 0) | ((ports & PortStoreData) != 0 ? store : 0) | ((ports & PortAccumulator) != 0 ? acc : 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void StepArm()
    {
        uint pc = _pc;
        uint op = Fetch32(pc);
        if (_pabort) { _pabort = false; PrefetchAbort(pc); return; }
        _instructions++;
        _r[15] = pc + 8;
        _next = pc + 4;
        if (_lockMask != 0) Interlock(ArmSources(op, _lockPorts));
        uint cond = op >> 28;
        if (cond == 0xE || ArmCpu.ConditionPassed(cond, _cpsr)) ExecuteArm(op);
        else if (cond == 0xF) Unconditional(op);
        else _s.Cycles += 1;
        _pc = _next;
    }

    private void ExecuteArm(uint op)
    {
        switch ((op >> 25) & 7)
        {
            case 0:
                if ((op & 0x90) == 0x90)
                {
                    if ((op & 0x60) == 0)
                    {
                        if ((op & 0x0F00_0000) == 0) { if ((op & 0x0080_0000) == 0) Multiply(op); else MultiplyLong(op); }
                        else if ((op & 0x0FB0_0FF0) == 0x0100_0090) Swap(op);
                        else Undefined();
                    }
                    else HalfwordTransfer(op);
                }
                else if ((op & 0x0190_0000) == 0x0100_0000) Miscellaneous(op);
                else DataProcessing(op);
                break;
            case 1:
                if ((op & 0x0190_0000) == 0x0100_0000)
                {
                    if ((op & 0x0020_0000) != 0) { Msr(op, BitOperations.RotateRight(op & 0xFF, (int)((op >> 7) & 0x1E))); }
                    else Undefined();
                }
                else DataProcessing(op);
                break;
            case 2: SingleTransfer(op); break;
            case 3:
                if ((op & 0x10) != 0) Undefined();
                else SingleTransfer(op);
                break;
            case 4: BlockTransfer(op); break;
            case 5:
            {
                uint target = _r[15] + (uint)(((int)(op << 8)) >> 6);
                if ((op & (1u << 24)) != 0) _r[14] = _pc + 4;
                _s.Cycles += Timing.Branch;
                _next = target;
                break;
            }
            case 6: Undefined(); break;   // LDC/STC/MCRR/MRRC: no coprocessor accepts them (p15 has none of these forms)
            default:
                if ((op & (1u << 24)) != 0) SoftwareInterrupt(_pc + 4);
                else if ((op & 0x10) != 0) CoprocessorTransfer(op);
                else Undefined();
                break;
        }
    }

    /// <summary>The unconditional space (cond = 0b1111, ARM ARM A3.13): BLX (immediate) and PLD; the rest is UNDEFINED.</summary>
    private void Unconditional(uint op)
    {
        if ((op & 0x0E00_0000) == 0x0A00_0000)
        {
            // BLX <target>: H supplies bit 1; the core changes to Thumb state (ARM ARM A4.1.9).
            uint target = _r[15] + (uint)(((int)(op << 8)) >> 6) + ((op >> 23) & 2);
            _r[14] = _pc + 4;
            _cpsr |= Psr.T;
            _s.Cycles += Timing.Branch;
            _next = target;
        }
        else if ((op & 0x0D70_F000) == 0x0550_F000) _s.Cycles += 1;   // PLD: a hint, one cycle
        else Undefined();
    }

    // ---- flags ----

    private uint CarryIn => (_cpsr >> 29) & 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetNZ(uint r) => _cpsr = (_cpsr & 0x3FFF_FFFF) | (r & Psr.N) | (r == 0 ? Psr.Z : 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetNZC(uint r, uint c) => _cpsr = (_cpsr & 0x1FFF_FFFF) | (r & Psr.N) | (r == 0 ? Psr.Z : 0) | (c << 29);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetNZCV(uint r, uint c, uint v) =>
        _cpsr = (_cpsr & 0x0FFF_FFFF) | (r & Psr.N) | (r == 0 ? Psr.Z : 0) | (c << 29) | (v << 28);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Add(uint a, uint b, uint carryIn, bool s)
    {
        ulong wide = (ulong)a + b + carryIn;
        uint r = (uint)wide;
        if (s) SetNZCV(r, (uint)(wide >> 32), (~(a ^ b) & (a ^ r)) >> 31);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Sub(uint a, uint b, uint carryIn, bool s)
    {
        ulong wide = (ulong)a + ~b + carryIn;
        uint r = (uint)wide;
        if (s) SetNZCV(r, (uint)(wide >> 32), ((a ^ b) & (a ^ r)) >> 31);
        return r;
    }

    // ---- shifter (ARM ARM A5.1) ----

    private uint ShiftImm(uint v, uint type, int amount, out uint carry) => Shifter.Imm(v, type, amount, CarryIn, out carry);

    private uint ShiftReg(uint v, uint type, uint amount, out uint carry) => Shifter.Reg(v, type, amount, CarryIn, out carry);

    // ---- data processing ----

    private void DataProcessing(uint op)
    {
        uint op2, carry;
        bool shifted;
        if ((op & (1u << 25)) != 0)
        {
            int rot = (int)((op >> 7) & 0x1E);
            op2 = BitOperations.RotateRight(op & 0xFF, rot);
            carry = rot == 0 ? CarryIn : op2 >> 31;
            shifted = false;
        }
        else if ((op & 0x10) == 0)
        {
            int amount = (int)((op >> 7) & 31);
            uint type = (op >> 5) & 3;
            op2 = ShiftImm(_r[op & 15], type, amount, out carry);
            shifted = amount != 0 || type != 0;
        }
        else
        {
            op2 = ShiftReg(_r[op & 15], (op >> 5) & 3, _r[(op >> 8) & 15] & 0xFF, out carry);
            _s.Cycles += Timing.RegisterShift;
            shifted = true;
        }
        uint rn = _r[(op >> 16) & 15];
        uint rd = (op >> 12) & 15;
        bool s = (op & (1u << 20)) != 0;
        uint res;
        bool write = true, arith = true;
        switch ((op >> 21) & 15)
        {
            case 0x0: res = rn & op2; if (s) SetNZC(res, carry); arith = false; break;
            case 0x1: res = rn ^ op2; if (s) SetNZC(res, carry); arith = false; break;
            case 0x2: res = Sub(rn, op2, 1, s); break;
            case 0x3: res = Sub(op2, rn, 1, s); break;
            case 0x4: res = Add(rn, op2, 0, s); break;
            case 0x5: res = Add(rn, op2, CarryIn, s); break;
            case 0x6: res = Sub(rn, op2, CarryIn, s); break;
            case 0x7: res = Sub(op2, rn, CarryIn, s); arith = false; break;
            case 0x8: res = rn & op2; SetNZC(res, carry); write = false; break;
            case 0x9: res = rn ^ op2; SetNZC(res, carry); write = false; break;
            case 0xA: res = Sub(rn, op2, 1, true); write = false; break;
            case 0xB: res = Add(rn, op2, 0, true); write = false; break;
            case 0xC: res = rn | op2; if (s) SetNZC(res, carry); arith = false; break;
            case 0xD: res = op2; if (s) SetNZC(res, carry); arith = false; break;
            case 0xE: res = rn & ~op2; if (s) SetNZC(res, carry); arith = false; break;
            default: res = ~op2; if (s) SetNZC(res, carry); arith = false; break;
        }
        if (rd != 15 || !write)
        {
            _s.Cycles += Timing.DataOp;
            // TST/TEQ/CMP/CMN with Rd = 15 set the flags only (the 26-bit TEQP form is gone on ARMv5).
            if (write) _r[rd] = res;
            return;
        }
        _s.Cycles += arith && !shifted ? Timing.DataOpPcArith : Timing.DataOpPcOther;
        if (s && HasSpsr) SetCpsrRaw(Spsr);
        // Exception return may change state: a Thumb SPSR continues at the halfword address.
        _next = res & ((_cpsr & Psr.T) != 0 ? ~1u : ~3u);
    }

    // ---- miscellaneous (ARM ARM A3.16) ----

    private void Miscellaneous(uint op)
    {
        uint rd = (op >> 12) & 15, rm = op & 15;
        switch ((op >> 4) & 15)
        {
            case 0x0:
                if ((op & (1u << 21)) == 0)
                {
                    _s.Cycles += Timing.Mrs;
                    _r[rd] = (op & (1u << 22)) != 0 ? Spsr : _cpsr;
                }
                else { Msr(op, _r[rm]); }
                return;
            case 0x1:
                if ((op & 0x0060_0000) == 0x0020_0000) { BranchExchange(_r[rm], false); return; }
                if ((op & 0x0060_0000) == 0x0060_0000)
                {
                    _s.Cycles += 1;
                    _r[rd] = (uint)BitOperations.LeadingZeroCount(_r[rm]);
                    return;
                }
                break;
            case 0x2:
                // BXJ: the ARM926EJ-S enters Jazelle state only when a Jazelle-enabled JVM has set
                // the Jazelle configuration; with Jazelle not configured (its reset state, and no
                // JOSCR modelled) BXJ behaves as BX (ARM ARM A4.1.11, "if the Jazelle state is not
                // entered, BXJ behaves as BX").
                if ((op & 0x0060_0000) == 0x0020_0000) { BranchExchange(_r[rm], false); return; }
                break;
            case 0x3:
                if ((op & 0x0060_0000) == 0x0020_0000) { BranchExchange(_r[rm], true); return; }
                break;
            case 0x5: SaturatingArithmetic(op); return;
            case 0x7:
                if ((op & 0x0060_0000) == 0x0020_0000) { Breakpoint(); return; }
                break;
            case 0x8: case 0xA: case 0xC: case 0xE:
                SignedMultiply(op);
                return;
        }
        Undefined();
    }

    private void BranchExchange(uint target, bool link)
    {
        if (link) _r[14] = _pc + 4;
        _s.Cycles += Timing.Branch;
        if ((target & 1) != 0) { _cpsr |= Psr.T; _next = target & ~1u; }
        else { _cpsr &= ~Psr.T; _next = target & ~3u; }
    }

    /// <summary>Writing the PC from memory (LDR, LDM, POP): bit 0 selects the state unless CR.L4 asks for ARMv4 behaviour (ARM ARM A2.4.x, DDI 0198E 2.3.5).</summary>
    private void LoadPc(uint value)
    {
        if ((_control & Cr.L4) == 0 && (value & 1) != 0) { _cpsr |= Psr.T; _next = value & ~1u; }
        else if ((_cpsr & Psr.T) != 0 && (_control & Cr.L4) == 0) { _cpsr &= ~Psr.T; _next = value & ~3u; }
        else _next = value & ((_cpsr & Psr.T) != 0 ? ~1u : ~3u);
    }

    private const uint PsrWritable = 0xF800_00FF;

    private void Msr(uint op, uint value)
    {
        uint mask = 0;
        if ((op & (1u << 19)) != 0) mask |= 0xFF00_0000;
        if ((op & (1u << 18)) != 0) mask |= 0x00FF_0000;
        if ((op & (1u << 17)) != 0) mask |= 0x0000_FF00;
        if ((op & (1u << 16)) != 0) mask |= 0x0000_00FF;
        // Bits 26:8 are reserved on ARMv5TE, and J (24) is not written by MSR (ARM ARM A2.5): NZCVQ and the control byte.
        mask &= PsrWritable;
        if ((op & (1u << 22)) != 0)
        {
            _s.Cycles += Timing.MsrFlags;
            if (HasSpsr) Spsr = (Spsr & ~mask) | (value & mask);
            return;
        }
        if ((_cpsr & Psr.ModeMask) == (uint)CpuMode.User) mask &= 0xFF00_0000;
        // The T bit is not written by MSR (ARM ARM A4.1.39: UNPREDICTABLE; the core keeps its state).
        mask &= ~Psr.T;
        _s.Cycles += (mask & 0xFF) != 0 ? Timing.MsrControl : Timing.MsrFlags;
        SetCpsrRaw((_cpsr & ~mask) | (value & mask));
    }

    /// <summary>QADD, QSUB, QDADD, QDSUB (ARM ARM A4.1.46-49): signed saturating, Q sticky.</summary>
    private void SaturatingArithmetic(uint op)
    {
        int rm = (int)_r[op & 15], rn = (int)_r[(op >> 16) & 15];
        uint rd = (op >> 12) & 15;
        bool sat = false;
        if ((op & (1u << 22)) != 0) rn = Saturate((long)rn * 2, ref sat);
        long r = (op & (1u << 21)) != 0 ? (long)rm - rn : (long)rm + rn;
        int res = Saturate(r, ref sat);
        if (sat) _cpsr |= PsrQ;
        _r[rd] = (uint)res;
        _s.Cycles += Timing.Saturating;
        LockRegisters(1u << (int)rd, Timing.SaturatingLatency, PortOperands);
    }

    private static int Saturate(long v, ref bool sat)
    {
        if (v > int.MaxValue) { sat = true; return int.MaxValue; }
        if (v < int.MinValue) { sat = true; return int.MinValue; }
        return (int)v;
    }

    /// <summary>SMLAxy, SMLAWy, SMULWy, SMLALxy, SMULxy (ARM ARM A4.1.74-90). Q is set when an accumulation overflows.</summary>
    private void SignedMultiply(uint op)
    {
        uint rd = (op >> 16) & 15, rn = (op >> 12) & 15;
        uint vm = _r[op & 15], vs = _r[(op >> 8) & 15];
        bool x = (op & 0x20) != 0, y = (op & 0x40) != 0;
        int bottom(uint v, bool top) => top ? (short)(v >> 16) : (short)v;
        switch ((op >> 21) & 3)
        {
            case 0:
            {
                long r = (long)(bottom(vm, x) * bottom(vs, y)) + (int)_r[rn];
                if (r != (int)r) _cpsr |= PsrQ;
                _r[rd] = (uint)r;
                _s.Cycles += Timing.Mul16;
                break;
            }
            case 1:
            {
                long prod = ((long)(int)vm * bottom(vs, y)) >> 16;
                if (!x)
                {
                    long r = prod + (int)_r[rn];
                    if (r != (int)r) _cpsr |= PsrQ;
                    _r[rd] = (uint)r;
                }
                else _r[rd] = (uint)prod;
                _s.Cycles += Timing.Mul16;
                break;
            }
            case 2:
            {
                ulong acc = ((ulong)_r[rd] << 32) | _r[rn];
                acc += (ulong)(long)(bottom(vm, x) * bottom(vs, y));
                _r[rn] = (uint)acc;
                _r[rd] = (uint)(acc >> 32);
                _s.Cycles += Timing.Mul16Long;
                LockRegisters(1u << (int)rd | 1u << (int)rn, Timing.MulLatency, PortsMultiply);
                return;
            }
            default:
                _r[rd] = (uint)(bottom(vm, x) * bottom(vs, y));
                _s.Cycles += Timing.Mul16;
                break;
        }
        LockRegisters(1u << (int)rd, Timing.MulLatency, PortsMultiply);
    }

    // ---- multiply (ARM ARM A4.1.40, A4.1.86...) ----
    // ARMv5 flags: MULS/MLAS set N and Z and leave C; the long forms leave C and V (ARM ARM A4.1.40).

    private void Multiply(uint op)
    {
        uint rd = (op >> 16) & 15;
        bool acc = (op & (1u << 21)) != 0, s = (op & (1u << 20)) != 0;
        uint res = _r[op & 15] * _r[(op >> 8) & 15] + (acc ? _r[(op >> 12) & 15] : 0);
        if (s) SetNZ(res);
        _r[rd] = res;
        if (s) _s.Cycles += Timing.MulS;
        else { _s.Cycles += Timing.Mul; LockRegisters(1u << (int)rd, Timing.MulLatency, PortsMultiply); }
    }

    private void MultiplyLong(uint op)
    {
        uint rdLo = (op >> 12) & 15, rdHi = (op >> 16) & 15;
        bool signed = (op & (1u << 22)) != 0, acc = (op & (1u << 21)) != 0, s = (op & (1u << 20)) != 0;
        uint rs = _r[(op >> 8) & 15], rm = _r[op & 15];
        ulong res = signed ? (ulong)((long)(int)rm * (int)rs) : (ulong)rm * rs;
        if (acc) res += ((ulong)_r[rdHi] << 32) | _r[rdLo];
        if (s) _cpsr = (_cpsr & 0x3FFF_FFFF) | ((uint)(res >> 32) & Psr.N) | (res == 0 ? Psr.Z : 0);
        _r[rdLo] = (uint)res;
        _r[rdHi] = (uint)(res >> 32);
        if (s) _s.Cycles += Timing.MulLongS;
        else { _s.Cycles += Timing.MulLong; LockRegisters(1u << (int)rdLo | 1u << (int)rdHi, Timing.MulLatency, PortsMultiply); }
    }

    // ---- single transfers ----

    private void SingleTransfer(uint op)
    {
        uint rn = (op >> 16) & 15, rd = (op >> 12) & 15;
        bool pre = (op & (1u << 24)) != 0, up = (op & (1u << 23)) != 0, b = (op & (1u << 22)) != 0;
        bool w = (op & (1u << 21)) != 0, load = (op & (1u << 20)) != 0;
        uint offset;
        bool scaled = false;
        if ((op & (1u << 25)) == 0) offset = op & 0xFFF;
        else
        {
            int amount = (int)((op >> 7) & 31);
            uint type = (op >> 5) & 3;
            offset = ShiftImm(_r[op & 15], type, amount, out _);
            scaled = amount != 0 || type != 0;
        }
        uint basev = _r[rn];
        uint offAddr = up ? basev + offset : basev - offset;
        uint addr = pre ? offAddr : basev;
        bool writeback = !pre || w;
        // LDRT/STRT (post-indexed with W): the access is checked as User mode.
        uint user = _userTag;
        if (!pre && w) _userTag = 1;
        if (load)
        {
            uint v = b ? Read8(addr) : BitOperations.RotateRight(Read32(addr), (int)(addr & 3) * 8);
            _userTag = user;
            if (_dabort) { DataAbort(); return; }
            if (writeback && rn != rd) _r[rn] = offAddr;
            if (rd == 15)
            {
                _s.Cycles += scaled ? Timing.LoadPcScaled : Timing.LoadPc;
                LoadPc(v);
            }
            else
            {
                _r[rd] = v;
                _s.Cycles += scaled ? Timing.LoadScaled : Timing.Load;
                Lock(rd, b || (addr & 3) != 0 ? Timing.LoadLatencyNarrow : Timing.LoadLatency);
            }
        }
        else
        {
            // STR/STM of R15: the ARM ARM leaves the offset IMPLEMENTATION DEFINED (+ 8 or + 12);
            // chosen: + 12, as the ARM7TDMI and ARM9TDMI store (boards/README.md).
            uint v = rd == 15 ? _pc + 12 : _r[rd];
            if (b) Write8(addr, v); else Write32(addr, v);
            _userTag = user;
            if (_dabort) { DataAbort(); return; }
            if (writeback) _r[rn] = offAddr;
            _s.Cycles += scaled ? Timing.StoreScaled : Timing.Store;
        }
    }

    /// <summary>LDRH/STRH/LDRSB/LDRSH and ARMv5TE's LDRD/STRD (ARM ARM A5.3).</summary>
    private void HalfwordTransfer(uint op)
    {
        uint rn = (op >> 16) & 15, rd = (op >> 12) & 15;
        bool pre = (op & (1u << 24)) != 0, up = (op & (1u << 23)) != 0;
        bool w = (op & (1u << 21)) != 0, load = (op & (1u << 20)) != 0;
        uint offset = (op & (1u << 22)) != 0 ? ((op >> 4) & 0xF0) | (op & 0xF) : _r[op & 15];
        uint basev = _r[rn];
        uint offAddr = up ? basev + offset : basev - offset;
        uint addr = pre ? offAddr : basev;
        bool writeback = !pre || w;
        uint sh = (op >> 5) & 3;
        if (!load && sh != 1)
        {
            DoubleTransfer(rn, rd, addr, offAddr, writeback, sh == 2);
            return;
        }
        if (load)
        {
            uint v = sh switch
            {
                1 => Read16(addr),
                2 => (uint)(sbyte)Read8(addr),
                _ => (uint)(short)Read16(addr),
            };
            if (_dabort) { DataAbort(); return; }
            if (writeback && rn != rd) _r[rn] = offAddr;
            if (rd == 15) { _s.Cycles += Timing.LoadPc; LoadPc(v); return; }
            _r[rd] = v;
            _s.Cycles += Timing.Load;
            Lock(rd, Timing.LoadLatencyNarrow);
        }
        else
        {
            Write16(addr, _r[rd]);
            if (_dabort) { DataAbort(); return; }
            if (writeback) _r[rn] = offAddr;
            _s.Cycles += Timing.Store;
        }
    }

    /// <summary>LDRD/STRD: Rd must be even (odd is UNDEFINED here, UNPREDICTABLE in the ARM ARM); doubleword alignment is checked with CR.A.</summary>
    private void DoubleTransfer(uint rn, uint rd, uint addr, uint offAddr, bool writeback, bool load)
    {
        if ((rd & 1) != 0) { Undefined(); return; }
        if (!CheckBlockAlignment(addr, 7)) { DataAbort(); return; }
        if (load)
        {
            uint lo = Read32(addr & ~3u), hi = Read32((addr & ~3u) + 4);
            if (_dabort) { DataAbort(); return; }
            if (writeback) _r[rn] = offAddr;
            _r[rd] = lo;
            _r[rd + 1] = hi;
            Lock(rd + 1, Timing.LoadLatency);
        }
        else
        {
            Write32(addr & ~3u, _r[rd]);
            Write32((addr & ~3u) + 4, _r[rd + 1]);
            if (_dabort) { DataAbort(); return; }
            if (writeback) _r[rn] = offAddr;
        }
        _s.Cycles += Timing.DoubleWord;
    }

    // ---- block transfer ----

    private readonly uint[] _ldmValues = new uint[16];

    private void BlockTransfer(uint op)
    {
        uint rn = (op >> 16) & 15;
        bool pre = (op & (1u << 24)) != 0, up = (op & (1u << 23)) != 0, s = (op & (1u << 22)) != 0;
        bool w = (op & (1u << 21)) != 0, load = (op & (1u << 20)) != 0;
        uint list = op & 0xFFFF;
        uint basev = _r[rn];
        int count = BitOperations.PopCount(list);
        // An empty list is UNPREDICTABLE: chosen to transfer nothing and take the minimum time.
        uint bytes = (uint)count * 4;
        uint start = up ? (pre ? basev + 4 : basev) : (pre ? basev - bytes : basev - bytes + 4);
        uint newBase = up ? basev + bytes : basev - bytes;
        bool userBank = s && (!load || (list & 0x8000) == 0);
        _s.Cycles += Math.Max(count, Timing.BlockMinimum);
        if (!CheckBlockAlignment(start, 3)) { DataAbort(); return; }
        uint addr = start & ~3u;
        if (load)
        {
            for (int i = 0; i < 16; i++)
            {
                if ((list & (1u << i)) == 0) continue;
                _ldmValues[i] = Read32(addr);
                addr += 4;
            }
            // Base restored abort model (DDI 0222B 2.x): nothing is written when an access aborted.
            if (_dabort) { DataAbort(); return; }
            if (w) _r[rn] = newBase;
            int last = 0;
            for (int i = 0; i < 15; i++)
            {
                if ((list & (1u << i)) == 0) continue;
                if (userBank) SetUserRegister(i, _ldmValues[i]); else _r[i] = _ldmValues[i];
                last = i;
            }
            if ((list & 0x8000) != 0)
            {
                _s.Cycles += Timing.BlockPcExtra;
                if (s && HasSpsr)
                {
                    SetCpsrRaw(Spsr);
                    _next = _ldmValues[15] & ((_cpsr & Psr.T) != 0 ? ~1u : ~3u);
                }
                else LoadPc(_ldmValues[15]);
            }
            else if (count > 0) Lock((uint)last, Timing.LoadLatency);
        }
        else
        {
            for (int i = 0; i < 16; i++)
            {
                if ((list & (1u << i)) == 0) continue;
                Write32(addr, i == 15 ? _pc + 12 : userBank ? GetUserRegister(i) : _r[i]);
                addr += 4;
            }
            if (_dabort) { DataAbort(); return; }
            if (w) { if (userBank) SetUserRegister((int)rn, newBase); else _r[rn] = newBase; }
        }
    }

    private void Swap(uint op)
    {
        uint rn = (op >> 16) & 15, rd = (op >> 12) & 15, rm = op & 15;
        bool b = (op & (1u << 22)) != 0;
        uint addr = _r[rn];
        uint store = _r[rm];
        uint v = b ? Read8(addr) : BitOperations.RotateRight(Read32(addr), (int)(addr & 3) * 8);
        if (!_dabort) { if (b) Write8(addr, store); else Write32(addr, store); }
        if (_dabort) { DataAbort(); return; }
        _r[rd] = v;
        _s.Cycles += Timing.Swap;
        Lock(rd, b ? Timing.LoadLatencyNarrow : Timing.LoadLatency);
    }

    // ---- coprocessors ----

    /// <summary>MCR/MRC: p15 in a privileged mode; any other coprocessor, or p15 from User mode, is UNDEFINED (DDI 0198E 2.3).</summary>
    private void CoprocessorTransfer(uint op)
    {
        uint cp = (op >> 8) & 15;
        if (cp != 15 || (_cpsr & Psr.ModeMask) == (uint)CpuMode.User) { Undefined(); return; }
        uint crn = (op >> 16) & 15, crm = op & 15, op1 = (op >> 21) & 7, op2 = (op >> 5) & 7, rd = (op >> 12) & 15;
        if ((op & (1u << 20)) != 0)
        {
            if (!Cp15Read(crn, op1, crm, op2, out uint v)) { Undefined(); return; }
            _s.Cycles += Timing.Mrc;
            if (rd == 15) _cpsr = (_cpsr & 0x0FFF_FFFF) | (v & 0xF000_0000);
            else { _r[rd] = v; Lock(rd, 1); }
        }
        else
        {
            uint v = rd == 15 ? _pc + 12 : _r[rd];
            if (!Cp15Write(crn, op1, crm, op2, v)) { Undefined(); return; }
            _s.Cycles += Timing.Mcr;
        }
    }

    // ---- exceptions from instructions ----

    private void SoftwareInterrupt(uint lr) => EnterException(CpuMode.Supervisor, 0x08, lr, false);

    /// <summary>Undefined instruction (ARM ARM A2.6.3): R14_und = the instruction's address + 4 (ARM) or + 2 (Thumb).</summary>
    private void Undefined() => EnterException(CpuMode.Undefined, 0x04, _pc + ((_cpsr & Psr.T) != 0 ? 2u : 4u), false);

    /// <summary>BKPT (ARM ARM A4.1.7): a prefetch abort, R14_abt = its address + 4; the IFSR is not written (IMPLEMENTATION DEFINED, chosen).</summary>
    private void Breakpoint() => EnterException(CpuMode.Abort, 0x0C, _pc + 4, false);

    /// <summary>Prefetch abort on the instruction at <paramref name="pc"/>: R14_abt = its address + 4, IFSR already written (DDI 0198E 3.6.2).</summary>
    private void PrefetchAbort(uint pc)
    {
        _pc = pc;
        EnterException(CpuMode.Abort, 0x0C, pc + 4, false);
    }

    /// <summary>Data abort (base restored, DDI 0222B): R14_abt = the instruction's address + 8, DFSR and FAR already written.</summary>
    private void DataAbort()
    {
        _dabort = false;
        EnterException(CpuMode.Abort, 0x10, _pc + 8, false);
    }
}
