using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SocSim.Core;

namespace SocSim.Arm;

/// <summary>
/// Thumb state (TRM DDI 0210C chapter 5). Every Thumb instruction is executed as the ARM instruction
/// it expands to would be, with the same bus cycles, except that opcode fetches are halfwords and
/// R15 advances by 2: during execution R15 reads as the instruction's address + 4, and after the
/// cycle-1 fetch (<see cref="FetchThumb"/>) as address + 6.
/// </summary>
public sealed unsafe partial class ArmCpu
{
    /// <summary>Handlers indexed by opcode bits [15:6] (1024 entries), built once, in native memory (no bounds check).</summary>
    private static readonly delegate*<ArmCpu, uint, void>* ThumbTable = BuildThumbTable();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void StepThumb()
    {
        uint op = _op0;
        if (_abt0) { PrefetchAbort(); return; }
        _op0 = _op1;
        _abt0 = _abt1;
        _instructions++;
        ThumbTable[(op >> 6) & 0x3FF](this, op);
    }

    private static delegate*<ArmCpu, uint, void>* BuildThumbTable()
    {
        var t = (delegate*<ArmCpu, uint, void>*)NativeMemory.AllocZeroed(1024, (nuint)sizeof(nint));
        for (int i = 0; i < 1024; i++)
        {
            uint op = (uint)i << 6;
            delegate*<ArmCpu, uint, void> h;
            switch (op >> 11)
            {
                case 0: case 1: case 2: h = &ThumbShiftImm; break;
                case 3: h = &ThumbAddSub; break;
                case 4: case 5: case 6: case 7: h = &ThumbImm8; break;
                case 8:
                    if ((op & 0x0400) == 0) h = &ThumbAlu;
                    else h = ((op >> 8) & 3) == 3 ? &ThumbBx : &ThumbHiReg;
                    break;
                case 9: h = &ThumbLdrPc; break;
                case 10: case 11: h = (op & 0x0200) == 0 ? &ThumbTransferReg : &ThumbTransferHalfReg; break;
                case 12: case 13: case 14: case 15: h = &ThumbTransferImm; break;
                case 16: case 17: h = &ThumbTransferHalfImm; break;
                case 18: case 19: h = &ThumbTransferSp; break;
                case 20: case 21: h = &ThumbAddPcSp; break;
                case 22: case 23:
                    {
                        uint sub = (op >> 8) & 0xF;
                        if (sub == 0b0000) h = &ThumbAddSp;
                        else if ((sub & 0b0110) == 0b0100) h = (sub & 0b1000) != 0 ? &ThumbPop : &ThumbPush;
                        else h = &ThumbUndefined;   // CBZ, SXTH, BKPT, ... are ARMv5 and later
                        break;
                    }
                case 24: case 25: h = &ThumbBlockTransfer; break;
                case 26: case 27:
                    {
                        uint cond = (op >> 8) & 0xF;
                        h = cond == 0xF ? &ThumbSwi : cond == 0xE ? &ThumbUndefined : &ThumbBranchCond;
                        break;
                    }
                case 28: h = &ThumbBranch; break;
                case 29: h = &ThumbUndefined; break;   // BLX suffix (ARMv5)
                case 30: h = &ThumbBlPrefix; break;
                default: h = &ThumbBlSuffix; break;
            }
            t[i] = h;
        }
        return t;
    }

    // ---- format 1: move shifted register (ARM MOVS Rd, Rs, <shift> #imm5) ----

    private static void ThumbShiftImm(ArmCpu c, uint op)
    {
        uint v = c.ShiftImm(c._r[(op >> 3) & 7], (op >> 11) & 3, (int)((op >> 6) & 31), out uint carry);
        c.FetchThumb();
        c._r[op & 7] = v;
        c.SetNZC(v, carry);
    }

    // ---- format 2: add/subtract register or 3-bit immediate ----

    private static void ThumbAddSub(ArmCpu c, uint op)
    {
        uint rs = c._r[(op >> 3) & 7];
        uint rn = (op >> 6) & 7;
        uint operand = (op & 0x0400) != 0 ? rn : c._r[rn];
        c.FetchThumb();
        c._r[op & 7] = (op & 0x0200) != 0 ? c.Sub(rs, operand, 1, true) : c.Add(rs, operand, 0, true);
    }

    // ---- format 3: MOV/CMP/ADD/SUB Rd, #imm8 ----

    private static void ThumbImm8(ArmCpu c, uint op)
    {
        uint rd = (op >> 8) & 7, imm = op & 0xFF;
        c.FetchThumb();
        switch ((op >> 11) & 3)
        {
            case 0: c._r[rd] = imm; c.SetNZ(imm); break;
            case 1: c.Sub(c._r[rd], imm, 1, true); break;
            case 2: c._r[rd] = c.Add(c._r[rd], imm, 0, true); break;
            default: c._r[rd] = c.Sub(c._r[rd], imm, 1, true); break;
        }
    }

    // ---- format 4: ALU operations ----

    private static void ThumbAlu(ArmCpu c, uint op)
    {
        uint rd = op & 7;
        uint a = c._r[rd], b = c._r[(op >> 3) & 7];
        uint res;
        switch ((op >> 6) & 0xF)
        {
            case 0x0: c.FetchThumb(); res = a & b; c.SetNZ(res); break;
            case 0x1: c.FetchThumb(); res = a ^ b; c.SetNZ(res); break;
            case 0x2: res = c.ThumbShiftReg(a, 0, b); break;
            case 0x3: res = c.ThumbShiftReg(a, 1, b); break;
            case 0x4: res = c.ThumbShiftReg(a, 2, b); break;
            case 0x5: c.FetchThumb(); res = c.Add(a, b, c.CarryIn, true); break;
            case 0x6: c.FetchThumb(); res = c.Sub(a, b, c.CarryIn, true); break;
            case 0x7: res = c.ThumbShiftReg(a, 3, b); break;
            case 0x8: c.FetchThumb(); c.SetNZ(a & b); return;                       // TST
            case 0x9: c.FetchThumb(); res = c.Sub(0, b, 1, true); break;             // NEG = RSBS Rd, Rs, #0
            case 0xA: c.FetchThumb(); c.Sub(a, b, 1, true); return;                  // CMP
            case 0xB: c.FetchThumb(); c.Add(a, b, 0, true); return;                  // CMN
            case 0xC: c.FetchThumb(); res = a | b; c.SetNZ(res); break;
            case 0xD:
                {
                    // MUL Rd, Rs is MULS Rd, Rs, Rd: Rd is the multiplier whose bits end the
                    // Booth iterations early (TRM 5.4, 6.10).
                    c.FetchThumb();
                    c._bus.Idle(MultiplyCycles(a, true));
                    res = a * b;
                    c.SetNZC(res, BoothMultiplier.Carry(b, a, 0, false, false, false, c.CarryIn));
                    break;
                }
            case 0xE: c.FetchThumb(); res = a & ~b; c.SetNZ(res); break;
            default: c.FetchThumb(); res = ~b; c.SetNZ(res); break;
        }
        c._r[rd] = res;
    }

    /// <summary>LSL/LSR/ASR/ROR Rd, Rs: MOVS Rd, Rd, &lt;shift&gt; Rs, with the shift register read in an I cycle.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint ThumbShiftReg(uint v, uint type, uint rs)
    {
        FetchThumb();
        _bus.Idle(1);
        uint res = ShiftReg(v, type, rs & 0xFF, out uint carry);
        SetNZC(res, carry);
        return res;
    }

    // ---- format 5: hi register operations and branch exchange ----

    /// <summary>
    /// ADD/CMP/MOV with H1:H2 extending Rd/Rs to R8-R15. Only CMP sets flags. R15 as an operand reads as
    /// address + 4; ADD/MOV to R15 branch (2S+1N) and stay in Thumb state. The TRM leaves H1 = H2 = 0
    /// "undefined" (unpredictable, not a trap); the datapath simply runs them with the low registers.
    /// </summary>
    private static void ThumbHiReg(ArmCpu c, uint op)
    {
        uint rd = (op & 7) | ((op >> 4) & 8);
        uint rs = c._r[(op >> 3) & 15];
        uint rdv = c._r[rd];
        c.FetchThumb();
        uint res;
        switch ((op >> 8) & 3)
        {
            case 0: res = rdv + rs; break;
            case 1: c.Sub(rdv, rs, 1, true); return;
            default: res = rs; break;
        }
        if (rd == 15) c.Refill(res);    // Refill clears bit 0 in Thumb state
        else c._r[rd] = res;
    }

    /// <summary>
    /// BX Rs: bit 0 of the target selects the state; to ARM the target is word-aligned (TRM 5.5). H1 set
    /// (BLX Rs from ARMv5) is unpredictable on ARMv4T and runs as BX here.
    /// </summary>
    private static void ThumbBx(ArmCpu c, uint op)
    {
        uint target = c._r[(op >> 3) & 15];
        c.FetchThumb();
        if ((target & 1) == 0) c._cpsr &= ~Psr.T;
        c.Refill(target);
    }

    // ---- formats 6-11: loads and stores ----

    /// <summary>LDR Rd, [PC, #imm8*4]: the PC value (address + 4) has bit 1 forced to 0.</summary>
    private static void ThumbLdrPc(ArmCpu c, uint op)
    {
        uint addr = (c._r[15] & ~2u) + ((op & 0xFF) << 2);
        c.ThumbLoad((op >> 8) & 7, addr, 4);
    }

    private static void ThumbTransferReg(ArmCpu c, uint op)
    {
        uint addr = c._r[(op >> 3) & 7] + c._r[(op >> 6) & 7];
        uint rd = op & 7;
        bool b = (op & 0x0400) != 0;
        if ((op & 0x0800) != 0) c.ThumbLoad(rd, addr, b ? 1 : 4);
        else c.ThumbStore(rd, addr, b ? 1 : 4);
    }

    /// <summary>Format 8: STRH, LDSB, LDRH, LDSH with register offset, by bits [11:10] = H:S.</summary>
    private static void ThumbTransferHalfReg(ArmCpu c, uint op)
    {
        uint addr = c._r[(op >> 3) & 7] + c._r[(op >> 6) & 7];
        uint rd = op & 7;
        switch ((op >> 10) & 3)
        {
            case 0: c.ThumbStore(rd, addr, 2); break;
            case 1: c.ThumbLoad(rd, addr, -1); break;
            case 2: c.ThumbLoad(rd, addr, 2); break;
            default: c.ThumbLoad(rd, addr, -2); break;
        }
    }

    private static void ThumbTransferImm(ArmCpu c, uint op)
    {
        bool b = (op & 0x1000) != 0;
        uint off = (op >> 6) & 31;
        uint addr = c._r[(op >> 3) & 7] + (b ? off : off << 2);
        if ((op & 0x0800) != 0) c.ThumbLoad(op & 7, addr, b ? 1 : 4);
        else c.ThumbStore(op & 7, addr, b ? 1 : 4);
    }

    private static void ThumbTransferHalfImm(ArmCpu c, uint op)
    {
        uint addr = c._r[(op >> 3) & 7] + (((op >> 6) & 31) << 1);
        if ((op & 0x0800) != 0) c.ThumbLoad(op & 7, addr, 2);
        else c.ThumbStore(op & 7, addr, 2);
    }

    private static void ThumbTransferSp(ArmCpu c, uint op)
    {
        uint addr = c._r[13] + ((op & 0xFF) << 2);
        if ((op & 0x0800) != 0) c.ThumbLoad((op >> 8) & 7, addr, 4);
        else c.ThumbStore((op >> 8) & 7, addr, 4);
    }

    /// <summary>
    /// Load into a low register: 1S (fetch) + 1N (data) + 1I. <paramref name="kind"/>: 4 word (an
    /// unaligned address rotates the word, as in ARM state), 2 halfword (odd address: rotated by 8),
    /// 1 byte, -1 signed byte, -2 signed halfword (odd address: the addressed byte sign-extended).
    /// </summary>
    private void ThumbLoad(uint rd, uint addr, int kind)
    {
        uint instr = _r[15] - 4;
        FetchThumb();
        uint v;
        switch (kind)
        {
            case 4: v = BitOperations.RotateRight(_bus.Read32(addr, AccessFlags.None), (int)(addr & 3) * 8); break;
            case 2: v = BitOperations.RotateRight(_bus.Read16(addr, AccessFlags.None), (int)(addr & 1) * 8); break;
            case 1: v = _bus.Read8(addr, AccessFlags.None); break;
            case -1: v = (uint)(sbyte)_bus.Read8(addr, AccessFlags.None); break;
            default:
                v = (addr & 1) != 0 ? (uint)(sbyte)(_bus.Read16(addr, AccessFlags.None) >> 8) : (uint)(short)_bus.Read16(addr, AccessFlags.None);
                break;
        }
        bool aborted = TakeAbortFlag();
        _bus.Idle(1);
        if (aborted) { DataAbort(instr); return; }
        _r[rd] = v;
    }

    /// <summary>Store from a low register: the fetch, then the data write (N); the next fetch is non-sequential: 2N.</summary>
    private void ThumbStore(uint rd, uint addr, int size)
    {
        uint instr = _r[15] - 4;
        FetchThumb();
        uint v = _r[rd];
        if (size == 4) _bus.Write32(addr, v, AccessFlags.None);
        else if (size == 2) _bus.Write16(addr, v & 0xFFFF, AccessFlags.None);
        else _bus.Write8(addr, v & 0xFF, AccessFlags.None);
        _fetchSeq = AccessFlags.None;
        if (TakeAbortFlag()) DataAbort(instr);
    }

    // ---- formats 12, 13: address generation, SP adjust ----

    private static void ThumbAddPcSp(ArmCpu c, uint op)
    {
        uint basev = (op & 0x0800) != 0 ? c._r[13] : c._r[15] & ~2u;
        c.FetchThumb();
        c._r[(op >> 8) & 7] = basev + ((op & 0xFF) << 2);
    }

    private static void ThumbAddSp(ArmCpu c, uint op)
    {
        uint imm = (op & 0x7F) << 2;
        c.FetchThumb();
        c._r[13] = (op & 0x80) != 0 ? c._r[13] - imm : c._r[13] + imm;
    }

    // ---- formats 14, 15: PUSH/POP, LDMIA/STMIA ----

    /// <summary>PUSH {rlist[, LR]} = STMDB SP!, {...}: (n-1)S+2N.</summary>
    private static void ThumbPush(ArmCpu c, uint op)
    {
        uint list = op & 0xFF;
        if ((op & 0x0100) != 0) list |= 1u << 14;
        c.ThumbStoreMultiple(13, list, decrement: true);
    }

    /// <summary>POP {rlist[, PC]} = LDMIA SP!, {...}: nS+N+I, with PC (n+1)S+2N+I. Bit 0 of a popped PC is ignored (ARMv4T: no interworking).</summary>
    private static void ThumbPop(ArmCpu c, uint op)
    {
        uint list = op & 0xFF;
        if ((op & 0x0100) != 0) list |= 1u << 15;
        c.ThumbLoadMultiple(13, list);
    }

    private static void ThumbBlockTransfer(ArmCpu c, uint op)
    {
        uint rb = (op >> 8) & 7;
        if ((op & 0x0800) != 0) c.ThumbLoadMultiple(rb, op & 0xFF);
        else c.ThumbStoreMultiple(rb, op & 0xFF, decrement: false);
    }

    /// <summary>
    /// STMIA Rb!/PUSH. The base is written back at the end of the first transfer, so a base that is the
    /// first register in the list is stored with its old value, otherwise with the new one (TRM 4.11.6).
    /// An empty list stores R15 (address + 6 after the fetch) and moves the base by 0x40, as in ARM state.
    /// </summary>
    private void ThumbStoreMultiple(uint rb, uint list, bool decrement)
    {
        uint instr = _r[15] - 4;
        uint basev = _r[rb];
        uint bytes = list == 0 ? 0x40u : (uint)BitOperations.PopCount(list) * 4;
        if (list == 0) list = 1u << 15;
        uint newBase = decrement ? basev - bytes : basev + bytes;
        uint addr = decrement ? newBase : basev;
        FetchThumb();
        bool aborted = false, first = true;
        for (int i = 0; i < 16; i++)
        {
            if ((list & (1u << i)) == 0) continue;
            _bus.Write32(addr, _r[i], first ? AccessFlags.None : AccessFlags.Seq);
            aborted |= TakeAbortFlag();
            if (first) _r[rb] = newBase;
            first = false;
            addr += 4;
        }
        _fetchSeq = AccessFlags.None;
        if (aborted) DataAbort(instr);
    }

    /// <summary>
    /// LDMIA Rb!/POP. A base in the list is loaded and not written back. An empty list loads R15 and moves
    /// the base by 0x40, as in ARM state.
    /// </summary>
    private void ThumbLoadMultiple(uint rb, uint list)
    {
        uint instr = _r[15] - 4;
        uint basev = _r[rb];
        uint bytes = list == 0 ? 0x40u : (uint)BitOperations.PopCount(list) * 4;
        if (list == 0) list = 1u << 15;
        bool writeback = (list & (1u << (int)rb)) == 0;
        uint addr = basev;
        FetchThumb();
        bool aborted = false, first = true;
        uint pc = 0;
        for (int i = 0; i < 16; i++)
        {
            if ((list & (1u << i)) == 0) continue;
            uint v = _bus.Read32(addr, first ? AccessFlags.None : AccessFlags.Seq);
            aborted |= TakeAbortFlag();
            if (first && writeback) _r[rb] = basev + bytes;
            first = false;
            // After an abort the remaining registers are not written (TRM 4.11.6).
            if (!aborted)
            {
                if (i == 15) pc = v;
                else _r[i] = v;
            }
            addr += 4;
        }
        _bus.Idle(1);
        if (aborted) { DataAbort(instr); return; }
        if ((list & 0x8000) != 0) Refill(pc);
    }

    // ---- formats 16-19: branches, SWI ----

    private static void ThumbBranchCond(ArmCpu c, uint op)
    {
        uint target = c._r[15] + (uint)((int)(op << 24) >> 23);
        c.FetchThumb();
        if (c.ConditionPasses((op >> 8) & 0xF)) c.Refill(target);
    }

    private static void ThumbBranch(ArmCpu c, uint op)
    {
        uint target = c._r[15] + (uint)((int)(op << 21) >> 20);
        c.FetchThumb();
        c.Refill(target);
    }

    /// <summary>BL, first half: LR = PC + (offset &lt;&lt; 12). One S cycle (TRM 5.19).</summary>
    private static void ThumbBlPrefix(ArmCpu c, uint op)
    {
        c._r[14] = c._r[15] + (uint)((int)(op << 21) >> 9);
        c.FetchThumb();
    }

    /// <summary>BL, second half: PC = LR + (offset &lt;&lt; 1), LR = address of the next instruction | 1. 2S+1N.</summary>
    private static void ThumbBlSuffix(ArmCpu c, uint op)
    {
        uint next = c._r[15] - 2;
        uint target = c._r[14] + ((op & 0x7FF) << 1);
        c.FetchThumb();
        c._r[14] = next | 1;
        c.Refill(target);
    }

    /// <summary>SWI: enter SVC in ARM state, R14_svc = address of the next instruction (TRM 5.17). 2S+1N.</summary>
    private static void ThumbSwi(ArmCpu c, uint op)
    {
        uint lr = c._r[15] - 2;
        c.FetchThumb();
        c.SoftwareInterruptAfterFetch(op & 0xFF, lr);
    }

    /// <summary>Undefined instruction trap from Thumb state: 2S+1I+1N; R14_und = address + 2.</summary>
    private static void ThumbUndefined(ArmCpu c, uint op)
    {
        uint lr = c._r[15] - 2;
        c.FetchThumb();
        c.UndefinedAfterFetch(lr);
    }
}
