using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SocSim.Core;

namespace SocSim.Arm;

public sealed unsafe partial class ArmCpu
{
    /// <summary>Handlers indexed by opcode bits [27:20] and [7:4] (4096 entries), built once, in native memory so the dispatch needs no bounds check.</summary>
    private static readonly delegate*<ArmCpu, uint, void>* ArmTable = BuildArmTable();

    /// <summary>Bit n of entry c is set when condition c passes for NZCV = n.</summary>
    private static readonly ushort* CondTable = BuildCondTable();

    private static ushort* BuildCondTable()
    {
        var t = (ushort*)NativeMemory.AllocZeroed(16, sizeof(ushort));
        for (int c = 0; c < 16; c++)
            for (int f = 0; f < 16; f++)
            {
                bool n = (f & 8) != 0, z = (f & 4) != 0, cy = (f & 2) != 0, v = (f & 1) != 0;
                bool pass = c switch
                {
                    0 => z, 1 => !z, 2 => cy, 3 => !cy, 4 => n, 5 => !n, 6 => v, 7 => !v,
                    8 => cy && !z, 9 => !cy || z, 10 => n == v, 11 => n != v,
                    12 => !z && n == v, 13 => z || n != v, 14 => true, _ => false,
                };
                // Condition NV (0b1111) never executes on ARMv4 ("never" condition).
                if (pass) t[c] |= (ushort)(1 << f);
            }
        return t;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ConditionPasses(uint cond) => cond == 0xE || ((CondTable[cond] >> (int)(_cpsr >> 28)) & 1) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void StepArm()
    {
        uint op = _op0;
        if (_abt0) { PrefetchAbort(); return; }
        _op0 = _op1;
        _abt0 = _abt1;
        _instructions++;
        if (ConditionPasses(op >> 28))
            ArmTable[((op >> 16) & 0xFF0) | ((op >> 4) & 0xF)](this, op);
        else
            FetchArm();
    }

    private static delegate*<ArmCpu, uint, void>* BuildArmTable()
    {
        var t = (delegate*<ArmCpu, uint, void>*)NativeMemory.AllocZeroed(4096, (nuint)sizeof(nint));
        for (int i = 0; i < 4096; i++)
        {
            uint hi = (uint)i >> 4, lo = (uint)i & 15;
            delegate*<ArmCpu, uint, void> h;
            switch (hi >> 5)
            {
                case 0:
                    if (lo == 0b1001)
                    {
                        if ((hi & 0xFC) == 0x00) h = &Multiply;
                        else if ((hi & 0xF8) == 0x08) h = &MultiplyLong;
                        else if ((hi & 0xFB) == 0x10) h = &Swap;
                        else h = &Undefined;
                    }
                    else if ((lo & 0b1001) == 0b1001)
                        h = (hi & 0x04) != 0 ? &HalfwordImm : &HalfwordReg;
                    else if ((hi & 0x19) == 0x10)
                    {
                        // Opcodes TST/TEQ/CMP/CMN without S: the PSR transfer and BX space.
                        if (hi == 0x12 && lo == 0b0001) h = &BranchExchange;
                        else if ((hi & 0x02) == 0) h = &Mrs;
                        else h = &MsrReg;
                    }
                    else h = (lo & 1) != 0 ? &DataProcRegShift : &DataProcImmShift;
                    break;
                case 1:
                    if ((hi & 0x1B) == 0x12) h = &MsrImm;
                    else if ((hi & 0x1B) == 0x10) h = &Undefined;
                    else h = &DataProcImm;
                    break;
                case 2: h = &SingleTransferImm; break;
                case 3: h = (lo & 1) != 0 ? &Undefined : &SingleTransferReg; break;
                case 4: h = &BlockTransfer; break;
                case 5: h = &Branch; break;
                case 6: h = &CoprocessorAbsent; break;
                default: h = (hi & 0x10) != 0 ? &SoftwareInterrupt : &CoprocessorAbsent; break;
            }
            t[i] = h;
        }
        return t;
    }

    // ---- flags ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetNZ(uint r) => _cpsr = (_cpsr & 0x3FFF_FFFF) | (r & Psr.N) | (r == 0 ? Psr.Z : 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetNZC(uint r, uint c) => _cpsr = (_cpsr & 0x1FFF_FFFF) | (r & Psr.N) | (r == 0 ? Psr.Z : 0) | (c << 29);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetNZCV(uint r, uint c, uint v) =>
        _cpsr = (_cpsr & 0x0FFF_FFFF) | (r & Psr.N) | (r == 0 ? Psr.Z : 0) | (c << 29) | (v << 28);

    private uint CarryIn => (_cpsr >> 29) & 1;

    // ---- barrel shifter (TRM 4.5.2) ----

    /// <summary>Immediate shift; an amount of 0 encodes LSL #0, LSR #32, ASR #32 and RRX.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint ShiftImm(uint v, uint type, int amount, out uint carry) => Shifter.Imm(v, type, amount, CarryIn, out carry);

    /// <summary>Register-specified shift by the bottom byte of Rs; 0 leaves value and carry alone.</summary>
    private uint ShiftReg(uint v, uint type, uint amount, out uint carry) => Shifter.Reg(v, type, amount, CarryIn, out carry);

    // ---- data processing (TRM 4.5) ----

    private static void DataProcImm(ArmCpu c, uint op)
    {
        int rot = (int)((op >> 7) & 0x1E);
        uint imm = BitOperations.RotateRight(op & 0xFF, rot);
        uint carry = rot == 0 ? c.CarryIn : imm >> 31;
        uint rn = c._r[(op >> 16) & 15];
        c.FetchArm();
        c.Alu(op, rn, imm, carry);
    }

    private static void DataProcImmShift(ArmCpu c, uint op)
    {
        uint v = c.ShiftImm(c._r[op & 15], (op >> 5) & 3, (int)((op >> 7) & 31), out uint carry);
        uint rn = c._r[(op >> 16) & 15];
        c.FetchArm();
        c.Alu(op, rn, v, carry);
    }

    /// <summary>
    /// Register-specified shift: the operation takes an extra internal cycle, after the opcode fetch,
    /// so R15 as Rm or Rn reads as the instruction's address + 12 (TRM 4.5.5).
    /// </summary>
    private static void DataProcRegShift(ArmCpu c, uint op)
    {
        // Cycle 1 reads Rs into the shifter while the next opcode is fetched; Rm and Rn are read in
        // the internal cycle after it, when R15 has advanced.
        uint amount = c._r[(op >> 8) & 15] & 0xFF;
        c.FetchArm();
        c._bus.Idle(1);
        uint v = c.ShiftReg(c._r[op & 15], (op >> 5) & 3, amount, out uint carry);
        c.Alu(op, c._r[(op >> 16) & 15], v, carry);
    }

    private void Alu(uint op, uint rn, uint op2, uint shifterCarry)
    {
        uint rd = (op >> 12) & 15;
        bool s = (op & (1u << 20)) != 0;
        uint res;
        bool write = true;
        switch ((op >> 21) & 15)
        {
            case 0x0: res = rn & op2; if (s) SetNZC(res, shifterCarry); break;
            case 0x1: res = rn ^ op2; if (s) SetNZC(res, shifterCarry); break;
            case 0x2: res = Sub(rn, op2, 1, s); break;
            case 0x3: res = Sub(op2, rn, 1, s); break;
            case 0x4: res = Add(rn, op2, 0, s); break;
            case 0x5: res = Add(rn, op2, CarryIn, s); break;
            case 0x6: res = Sub(rn, op2, CarryIn, s); break;
            case 0x7: res = Sub(op2, rn, CarryIn, s); break;
            case 0x8: res = rn & op2; SetNZC(res, shifterCarry); write = false; break;
            case 0x9: res = rn ^ op2; SetNZC(res, shifterCarry); write = false; break;
            case 0xA: res = Sub(rn, op2, 1, true); write = false; break;
            case 0xB: res = Add(rn, op2, 0, true); write = false; break;
            case 0xC: res = rn | op2; if (s) SetNZC(res, shifterCarry); break;
            case 0xD: res = op2; if (s) SetNZC(res, shifterCarry); break;
            case 0xE: res = rn & ~op2; if (s) SetNZC(res, shifterCarry); break;
            default: res = ~op2; if (s) SetNZC(res, shifterCarry); break;
        }
        if (rd != 15)
        {
            if (write) _r[rd] = res;
            return;
        }
        // Rd = R15 with S: the SPSR of the current mode is restored into the CPSR (exception return),
        // for the comparison opcodes too (the 26-bit TEQP legacy, TRM 4.5.4).
        if (s && HasSpsr) SetCpsrRaw(Spsr);
        if (write) Refill(res);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Add(uint a, uint b, uint carryIn, bool s)
    {
        ulong wide = (ulong)a + b + carryIn;
        uint r = (uint)wide;
        if (s) SetNZCV(r, (uint)(wide >> 32), ((~(a ^ b) & (a ^ r)) >> 31));
        return r;
    }

    /// <summary>a - b - !carry, with ARM's carry = NOT borrow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Sub(uint a, uint b, uint carryIn, bool s)
    {
        ulong wide = (ulong)a + ~b + carryIn;
        uint r = (uint)wide;
        if (s) SetNZCV(r, (uint)(wide >> 32), (((a ^ b) & (a ^ r)) >> 31));
        return r;
    }

    // ---- PSR transfer (TRM 4.6) ----

    private static void Mrs(ArmCpu c, uint op)
    {
        c.FetchArm();
        uint v = (op & (1u << 22)) != 0 ? c.Spsr : c._cpsr;
        uint rd = (op >> 12) & 15;
        if (rd == 15) c.WriteR15NoFlush(v);
        else c._r[rd] = v;
    }

    private static void MsrReg(ArmCpu c, uint op)
    {
        uint v = c._r[op & 15];
        c.FetchArm();
        c.Msr(op, v);
    }

    private static void MsrImm(ArmCpu c, uint op)
    {
        uint v = BitOperations.RotateRight(op & 0xFF, (int)((op >> 7) & 0x1E));
        c.FetchArm();
        c.Msr(op, v);
    }

    /// <summary>
    /// Field-masked PSR write. In User mode only the flags byte of the CPSR can change; the control
    /// byte (mode, I, F, T) is written in privileged modes.
    /// </summary>
    private void Msr(uint op, uint value)
    {
        uint mask = 0;
        if ((op & (1u << 19)) != 0) mask |= 0xFF00_0000;
        if ((op & (1u << 18)) != 0) mask |= 0x00FF_0000;
        if ((op & (1u << 17)) != 0) mask |= 0x0000_FF00;
        if ((op & (1u << 16)) != 0) mask |= 0x0000_00FF;
        if ((op & (1u << 22)) != 0)
        {
            if (HasSpsr) Spsr = (Spsr & ~mask) | (value & mask);
            return;
        }
        if ((_cpsr & Psr.ModeMask) == (uint)CpuMode.User) mask &= 0xFF00_0000;
        uint before = _cpsr;
        SetCpsrRaw((_cpsr & ~mask) | (value & mask));
        // The next boundary decides with the I and F bits from before the write (see TakeInterrupt).
        if (((before ^ _cpsr) & (Psr.I | Psr.F)) != 0)
        {
            _maskAfterMsr = (before & (Psr.I | Psr.F)) | 1;
            _intPending = true;
        }
    }

    // ---- multiply (TRM 4.7, 4.8) ----

    /// <summary>
    /// Internal cycles of the multiplier's early termination: 8 bits of Rs per cycle, stopping when
    /// the remaining bits are all zeros (or, for signed forms, all ones) (TRM 6.10).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int MultiplyCycles(uint rs, bool signed)
    {
        if ((rs >> 8) == 0 || (signed && (rs >> 8) == 0x00FF_FFFF)) return 1;
        if ((rs >> 16) == 0 || (signed && (rs >> 16) == 0xFFFF)) return 2;
        if ((rs >> 24) == 0 || (signed && (rs >> 24) == 0xFF)) return 3;
        return 4;
    }

    private static void Multiply(ArmCpu c, uint op)
    {
        // The operands are read after the cycle-1 fetch, when R15 has moved on to the instruction's
        // address + 12 (R15 operands are UNPREDICTABLE architecturally).
        uint rd = (op >> 16) & 15;
        bool acc = (op & (1u << 21)) != 0;
        c.FetchArm();
        uint rs = c._r[(op >> 8) & 15], rm = c._r[op & 15], rn = c._r[(op >> 12) & 15];
        int m = MultiplyCycles(rs, true);
        c._bus.Idle(acc ? m + 1 : m);
        uint res = rm * rs + (acc ? rn : 0);
        if ((op & (1u << 20)) != 0)
            c.SetNZC(res, BoothMultiplier.Carry(rm, rs, acc ? rn : 0, acc, false, false, c.CarryIn));
        if (rd != 15) c._r[rd] = res;
        else c.Refill(res);
    }

    private static void MultiplyLong(ArmCpu c, uint op)
    {
        uint rdLo = (op >> 12) & 15, rdHi = (op >> 16) & 15;
        bool signed = (op & (1u << 22)) != 0, acc = (op & (1u << 21)) != 0;
        c.FetchArm();
        uint rs = c._r[(op >> 8) & 15], rm = c._r[op & 15];
        int m = MultiplyCycles(rs, signed);
        c._bus.Idle(acc ? m + 2 : m + 1);
        ulong res = signed ? (ulong)((long)(int)rm * (int)rs) : (ulong)rm * rs;
        ulong accValue = ((ulong)c._r[rdHi] << 32) | c._r[rdLo];
        if (acc) res += accValue;
        if ((op & (1u << 20)) != 0)
        {
            uint hi = (uint)(res >> 32);
            c._cpsr = (c._cpsr & 0x3FFF_FFFF) | (hi & Psr.N) | (res == 0 ? Psr.Z : 0);
            c._cpsr = (c._cpsr & ~Psr.C) | (BoothMultiplier.Carry(rm, rs, accValue, acc, true, signed, c.CarryIn) << 29);
        }
        // With RdHi = RdLo the high word is written last and stays (observed on hardware).
        c._r[rdLo] = (uint)res;
        c._r[rdHi] = (uint)(res >> 32);
        if (rdLo == 15 || rdHi == 15) c.Refill(c._r[15]);
    }

    // ---- single data transfer (TRM 4.9) ----

    private static void SingleTransferImm(ArmCpu c, uint op) => c.SingleTransfer(op, op & 0xFFF);

    private static void SingleTransferReg(ArmCpu c, uint op) =>
        c.SingleTransfer(op, c.ShiftImm(c._r[op & 15], (op >> 5) & 3, (int)((op >> 7) & 31), out _));

    private void SingleTransfer(uint op, uint offset)
    {
        uint rn = (op >> 16) & 15, rd = (op >> 12) & 15;
        bool pre = (op & (1u << 24)) != 0, up = (op & (1u << 23)) != 0, b = (op & (1u << 22)) != 0;
        bool w = (op & (1u << 21)) != 0, load = (op & (1u << 20)) != 0;
        uint instr = _r[15] - 8;
        uint basev = _r[rn];
        uint offAddr = up ? basev + offset : basev - offset;
        uint addr = pre ? offAddr : basev;
        bool writeback = !pre || w;
        // Post-indexed with W set: LDRT/STRT, the access is made as User mode (nTRANS low).
        bool user = !pre && w;
        FetchArm();
        bool priv = _bus.Privileged;
        if (user) _bus.Privileged = false;
        if (load)
        {
            uint v = b ? _bus.Read8(addr, AccessFlags.None) : BitOperations.RotateRight(_bus.Read32(addr, AccessFlags.None), (int)(addr & 3) * 8);
            _bus.Privileged = priv;
            FinishLoad(rd, rn, v, writeback, offAddr, instr);
        }
        else
        {
            uint v = _r[rd];   // R15 reads as address + 12 here: the fetch already advanced it
            if (b) _bus.Write8(addr, v & 0xFF, AccessFlags.None);
            else _bus.Write32(addr, v, AccessFlags.None);
            _bus.Privileged = priv;
            FinishStore(rn, writeback, offAddr, instr);
        }
    }

    /// <summary>
    /// The end of every single load (TRM 4.9.8): the internal cycle in which the data reaches the
    /// register bank, the base writeback, then either the data abort (base-updated model: the base is
    /// written back, Rd is not) or the load into Rd, refilling when Rd is R15.
    /// </summary>
    private void FinishLoad(uint rd, uint rn, uint value, bool writeback, uint newBase, uint instr)
    {
        bool aborted = TakeAbortFlag();
        _bus.Idle(1);
        if (writeback) WriteBase(rn, newBase);
        if (aborted) { DataAbort(instr); return; }
        if (rd == 15) Refill(value);
        else _r[rd] = value;
    }

    /// <summary>The end of every single store: the next fetch is non-sequential (the write was the last access), writeback, abort.</summary>
    private void FinishStore(uint rn, bool writeback, uint newBase, uint instr)
    {
        _fetchSeq = AccessFlags.None;
        bool aborted = TakeAbortFlag();
        if (writeback) WriteBase(rn, newBase);
        if (aborted) DataAbort(instr);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteBase(uint rn, uint value)
    {
        if (rn == 15) WriteR15NoFlush(value);
        else _r[rn] = value;
    }

    /// <summary>
    /// A write to R15 through a path other than the ALU result or a load of the PC (base writeback,
    /// MRS): UNPREDICTABLE in the architecture. The core's control logic does not flush the pipeline
    /// for it; the register takes the value and the prefetch address moves on by one fetch, as the
    /// reference recordings show.
    /// </summary>
    private void WriteR15NoFlush(uint value) => _r[15] = value + ((_cpsr & Psr.T) != 0 ? 2u : 4u);

    // ---- halfword and signed transfer (TRM 4.10) ----

    private static void HalfwordImm(ArmCpu c, uint op) => c.HalfwordTransfer(op, ((op >> 4) & 0xF0) | (op & 0xF));

    private static void HalfwordReg(ArmCpu c, uint op) => c.HalfwordTransfer(op, c._r[op & 15]);

    private void HalfwordTransfer(uint op, uint offset)
    {
        uint rn = (op >> 16) & 15, rd = (op >> 12) & 15;
        bool pre = (op & (1u << 24)) != 0, up = (op & (1u << 23)) != 0;
        bool w = (op & (1u << 21)) != 0, load = (op & (1u << 20)) != 0;
        uint sh = (op >> 5) & 3;
        uint instr = _r[15] - 8;
        uint basev = _r[rn];
        uint offAddr = up ? basev + offset : basev - offset;
        uint addr = pre ? offAddr : basev;
        bool writeback = !pre || w;
        FetchArm();
        if (load)
        {
            uint v;
            switch (sh)
            {
                case 1:
                    // LDRH from an odd address returns the aligned halfword rotated by 8 (ARM7TDMI).
                    v = BitOperations.RotateRight(_bus.Read16(addr, AccessFlags.None), (int)(addr & 1) * 8);
                    break;
                case 2:
                    v = (uint)(sbyte)_bus.Read8(addr, AccessFlags.None);
                    break;
                default:
                    // LDRSH from an odd address is made as a byte access and sign-extends that byte (ARM7TDMI).
                    v = (addr & 1) != 0 ? (uint)(sbyte)_bus.Read8(addr, AccessFlags.None) : (uint)(short)_bus.Read16(addr, AccessFlags.None);
                    break;
            }
            FinishLoad(rd, rn, v, writeback, offAddr, instr);
        }
        else
        {
            // STRH; the store encodings of the signed forms (LDRD/STRD on ARMv5TE) behave as STRH here.
            _bus.Write16(addr, _r[rd] & 0xFFFF, AccessFlags.None);
            FinishStore(rn, writeback, offAddr, instr);
        }
    }

    // ---- block transfer (TRM 4.11) ----

    private static void BlockTransfer(ArmCpu c, uint op)
    {
        uint rn = (op >> 16) & 15;
        bool pre = (op & (1u << 24)) != 0, up = (op & (1u << 23)) != 0, s = (op & (1u << 22)) != 0;
        bool w = (op & (1u << 21)) != 0, load = (op & (1u << 20)) != 0;
        uint list = op & 0xFFFF;
        uint instr = c._r[15] - 8;
        uint basev = c._r[rn];
        int count = BitOperations.PopCount(list);
        uint bytes;
        // An empty list transfers R15 and moves the base by 64 bytes (observed on hardware).
        if (list == 0) { list = 1u << 15; bytes = 0x40; count = 1; }
        else bytes = (uint)count * 4;
        uint start, newBase;
        if (up) { start = pre ? basev + 4 : basev; newBase = basev + bytes; }
        else { start = pre ? basev - bytes : basev - bytes + 4; newBase = basev - bytes; }
        bool userBank = s && (!load || (list & 0x8000) == 0);
        c.FetchArm();
        uint addr = start;
        bool aborted = false;
        if (load)
        {
            bool first = true;
            for (int i = 0; i < 16; i++)
            {
                if ((list & (1u << i)) == 0) continue;
                uint v = c._bus.Read32(addr, first ? AccessFlags.None : AccessFlags.Seq);
                aborted |= c.TakeAbortFlag();
                if (first && w) c.WriteBlockBase(rn, newBase, userBank);
                first = false;
                // After an abort the remaining registers are not written (TRM 4.11.6).
                if (!aborted)
                {
                    if (userBank) c.SetUserRegister(i, v);
                    else if (i == 15) c._pendingPc = v;
                    else c._r[i] = v;
                }
                addr += 4;
            }
            c._bus.Idle(1);
            if (aborted) { c.DataAbort(instr); return; }
            if ((list & 0x8000) != 0)
            {
                if (s && c.HasSpsr) c.SetCpsrRaw(c.Spsr);
                c.Refill(c._pendingPc);
            }
        }
        else
        {
            bool first = true;
            for (int i = 0; i < 16; i++)
            {
                if ((list & (1u << i)) == 0) continue;
                uint v = userBank ? c.GetUserRegister(i) : c._r[i];
                c._bus.Write32(addr, v, first ? AccessFlags.None : AccessFlags.Seq);
                aborted |= c.TakeAbortFlag();
                // The base is written back at the end of the first transfer cycle, so a base that is
                // not the lowest register in the list is stored as its new value (TRM 4.11.6).
                if (first && w) c.WriteBlockBase(rn, newBase, userBank);
                first = false;
                addr += 4;
            }
            c._fetchSeq = AccessFlags.None;
            if (aborted) c.DataAbort(instr);
        }
    }

    private uint _pendingPc;

    /// <summary>
    /// Base writeback of LDM/STM. With the S bit the transfer runs on the User bank and so does the
    /// writeback (UNPREDICTABLE in the architecture; this is what the core's bank select does).
    /// </summary>
    private void WriteBlockBase(uint rn, uint value, bool userBank)
    {
        // R15 as the base (UNPREDICTABLE): the register takes the written-back value, no flush.
        if (rn == 15) _r[15] = value;
        else if (userBank) SetUserRegister((int)rn, value);
        else _r[rn] = value;
    }

    // ---- swap (TRM 4.12) ----
    // LOCK is driven for both the read and the write (DDI 0029E 10.11: "LOCK goes HIGH for the
    // duration of the read and write operations"); see tests/conformance-exceptions.md.

    private static void Swap(ArmCpu c, uint op)
    {
        uint rn = (op >> 16) & 15, rd = (op >> 12) & 15, rm = op & 15;
        bool b = (op & (1u << 22)) != 0;
        uint instr = c._r[15] - 8;
        c.FetchArm();
        // The address is taken in cycle 2, after the fetch: R15 as Rn reads as address + 12.
        uint addr = c._r[rn];
        uint v = b ? c._bus.Read8(addr, AccessFlags.Lock)
                   : BitOperations.RotateRight(c._bus.Read32(addr, AccessFlags.Lock), (int)(addr & 3) * 8);
        bool aborted = c.TakeAbortFlag();
        uint store = c._r[rm];
        if (b) c._bus.Write8(addr, store & 0xFF, AccessFlags.Lock);
        else c._bus.Write32(addr, store, AccessFlags.Lock);
        aborted |= c.TakeAbortFlag();
        c._bus.Idle(1);
        if (aborted) { c.DataAbort(instr); return; }
        if (rd == 15) c.Refill(v);
        else c._r[rd] = v;
    }

    // ---- branches (TRM 4.3, 4.4) ----

    private static void Branch(ArmCpu c, uint op)
    {
        uint pc = c._r[15];
        uint target = pc + (uint)(((int)(op << 8)) >> 6);
        c.FetchArm();
        if ((op & (1u << 24)) != 0) c._r[14] = pc - 4;
        c.Refill(target);
    }

    private static void BranchExchange(ArmCpu c, uint op)
    {
        uint target = c._r[op & 15];
        c.FetchArm();
        // Bit 0 selects the state and is not part of the address (TRM 4.3).
        if ((target & 1) != 0) c._cpsr |= Psr.T;
        c.Refill(target & ~1u);
    }

    // ---- exceptions from instructions ----

    private static void SoftwareInterrupt(ArmCpu c, uint op)
    {
        uint lr = c._r[15] - 4;
        c.FetchArm();
        c.SoftwareInterruptAfterFetch(op & 0x00FF_FFFF, lr);
    }

    /// <summary>
    /// SWI in either state once its cycle-1 fetch is done: a semihosting host may take the call, or
    /// the core enters SVC mode in ARM state (2S+1N), R14_svc = the next instruction's address.
    /// </summary>
    private void SoftwareInterruptAfterFetch(uint comment, uint lr)
    {
        if (SwiHook != null && SwiHook(this, comment)) return;
        EnterException(CpuMode.Supervisor, Vectors.Swi, lr, false);
    }

    /// <summary>Undefined instruction trap (TRM 2.8.9): 2S+1I+1N; R14_und = address + 4.</summary>
    private static void Undefined(ArmCpu c, uint op)
    {
        uint lr = c._r[15] - 4;
        c.FetchArm();
        c.UndefinedAfterFetch(lr);
    }

    /// <summary>The undefined trap in either state after the cycle-1 fetch: the internal cycle in which the core waits for a coprocessor to accept, then entry.</summary>
    private void UndefinedAfterFetch(uint lr)
    {
        _bus.Idle(1);
        EnterException(CpuMode.Undefined, Vectors.Undefined, lr, false);
    }

    /// <summary>
    /// CDP, LDC/STC, MCR/MRC with no coprocessor attached: CPA stays high, the core takes the
    /// undefined instruction trap (TRM 4.14).
    /// </summary>
    private static void CoprocessorAbsent(ArmCpu c, uint op) => Undefined(c, op);
}
