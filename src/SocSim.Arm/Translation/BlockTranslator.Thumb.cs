using System.Diagnostics;
using System.Numerics;
using System.Reflection;
using System.Reflection.Emit;
using SocSim.Core;

namespace SocSim.Arm.Translation;

/// <summary>The Thumb-state emitters of <see cref="BlockTranslator"/> (TRM 5).</summary>
public sealed unsafe partial class BlockTranslator
{
    private sealed partial class Emitter
    {
        private Result EmitThumb(uint op, int k)
        {
            uint pc = _pc;   // R15 = address + 4
            switch (op >> 11)
            {
                case 0: case 1: case 2:
                    {
                        // Format 1: MOVS Rd, Rs, <shift> #imm5.
                        int type = (int)((op >> 11) & 3), amount = (int)((op >> 6) & 31), rs = (int)((op >> 3) & 7), rd = (int)(op & 7);
                        Fetch();
                        Ld(Reg(rs)); Ldc(type); Ldc(amount); Ld(_fc); Call(MShiftImmC); St(_c);
                        Ld(Reg(rs)); Ldc(type); Ldc(amount); Ld(_fc); Call(MShiftImmV); St(_v);
                        Ld(_v); Ld(_c); SetLogic();
                        Ld(_v); StReg(rd);
                        return Result.Ok;
                    }
                case 3:
                    {
                        int rs = (int)((op >> 3) & 7), rn = (int)((op >> 6) & 7), rd = (int)(op & 7);
                        bool sub = (op & 0x0200) != 0;
                        Fetch();
                        Ld(Reg(rs)); St(_b);
                        if ((op & 0x0400) != 0) Ldc(rn); else Ld(Reg(rn));
                        St(_a);
                        Ld(_b); Ld(_a); Ldc(sub ? 1 : 0); Call(sub ? MSubC : MAddC); St(_v);
                        Ld(_b); Ld(_a); Ldc(sub ? 1 : 0); SetArith(sub);
                        Ld(_v); StReg(rd);
                        return Result.Ok;
                    }
                case 4: case 5: case 6: case 7:
                    {
                        int rd = (int)((op >> 8) & 7);
                        uint imm = op & 0xFF;
                        Fetch();
                        switch ((op >> 11) & 3)
                        {
                            case 0: Ldc(imm); StReg(rd); Ldc(imm); SetNZ(); break;
                            case 1: Ld(Reg(rd)); Ldc(imm); Ldc(1); SetArith(sub: true); break;
                            case 2:
                                Ld(Reg(rd)); St(_b);
                                Ld(_b); Ldc(imm); Ldc(0); SetArith(sub: false);
                                Ld(_b); Ldc(imm); Emit(OpCodes.Add); StReg(rd);
                                break;
                            default:
                                Ld(Reg(rd)); St(_b);
                                Ld(_b); Ldc(imm); Ldc(1); SetArith(sub: true);
                                Ld(_b); Ldc(imm); Emit(OpCodes.Sub); StReg(rd);
                                break;
                        }
                        return Result.Ok;
                    }
                case 8:
                    if ((op & 0x0400) == 0) return ThumbAlu(op);
                    if (((op >> 8) & 3) == 3) return ThumbBx(op, k);
                    return ThumbHiReg(op, k);
                case 9:
                    {
                        // LDR Rd, [PC, #imm8*4]: a constant address, bit 1 of the PC forced to 0.
                        uint addr = (pc & ~2u) + ((op & 0xFF) << 2);
                        Fetch();
                        Ldc(addr); St(_addr);
                        ThumbLoad((int)((op >> 8) & 7), 4, k);
                        return Result.Ok;
                    }
                case 10: case 11:
                    {
                        int rd = (int)(op & 7);
                        Fetch();
                        Ld(Reg((op >> 3) & 7)); Ld(Reg((op >> 6) & 7)); Emit(OpCodes.Add); St(_addr);
                        if ((op & 0x0200) == 0)
                        {
                            bool b = (op & 0x0400) != 0;
                            if ((op & 0x0800) != 0) ThumbLoad(rd, b ? 1 : 4, k); else ThumbStore(rd, b ? 1 : 4, k);
                        }
                        else
                        {
                            switch ((op >> 10) & 3)
                            {
                                case 0: ThumbStore(rd, 2, k); break;
                                case 1: ThumbLoad(rd, -1, k); break;
                                case 2: ThumbLoad(rd, 2, k); break;
                                default: ThumbLoad(rd, -2, k); break;
                            }
                        }
                        return Result.Ok;
                    }
                case 12: case 13: case 14: case 15:
                    {
                        bool b = (op & 0x1000) != 0;
                        uint off = (op >> 6) & 31;
                        Fetch();
                        Ld(Reg((op >> 3) & 7)); Ldc(b ? off : off << 2); Emit(OpCodes.Add); St(_addr);
                        if ((op & 0x0800) != 0) ThumbLoad((int)(op & 7), b ? 1 : 4, k); else ThumbStore((int)(op & 7), b ? 1 : 4, k);
                        return Result.Ok;
                    }
                case 16: case 17:
                    Fetch();
                    Ld(Reg((op >> 3) & 7)); Ldc(((op >> 6) & 31) << 1); Emit(OpCodes.Add); St(_addr);
                    if ((op & 0x0800) != 0) ThumbLoad((int)(op & 7), 2, k); else ThumbStore((int)(op & 7), 2, k);
                    return Result.Ok;
                case 18: case 19:
                    Fetch();
                    Ld(Reg(13)); Ldc((op & 0xFF) << 2); Emit(OpCodes.Add); St(_addr);
                    if ((op & 0x0800) != 0) ThumbLoad((int)((op >> 8) & 7), 4, k); else ThumbStore((int)((op >> 8) & 7), 4, k);
                    return Result.Ok;
                case 20: case 21:
                    Fetch();
                    if ((op & 0x0800) != 0) Ld(Reg(13)); else Ldc(pc & ~2u);
                    Ldc((op & 0xFF) << 2); Emit(OpCodes.Add); StReg((int)((op >> 8) & 7));
                    return Result.Ok;
                case 22: case 23:
                    {
                        uint sub = (op >> 8) & 0xF;
                        if (sub == 0)
                        {
                            Fetch();
                            Ld(Reg(13)); Ldc((op & 0x7F) << 2); Emit((op & 0x80) != 0 ? OpCodes.Sub : OpCodes.Add); StReg(13);
                            return Result.Ok;
                        }
                        if ((sub & 0b0110) != 0b0100) return Result.No;
                        uint list = op & 0xFF;
                        if ((sub & 0b1000) != 0)
                        {
                            // POP = LDMIA SP!; with PC it ends the block (bit 0 of the PC ignored by Refill in Thumb state).
                            if ((op & 0x0100) != 0) list |= 1u << 15;
                            if (list == 0) return Result.No;
                            Fetch();
                            EmitMultiple(13, list, up: true, pre: false, w: (list & (1u << 13)) == 0, load: true, k, (uint)BitOperations.PopCount(list) * 4);
                            return (list & 0x8000) != 0 ? Result.End : Result.Ok;
                        }
                        if ((op & 0x0100) != 0) list |= 1u << 14;
                        if (list == 0) return Result.No;
                        Fetch();
                        EmitMultiple(13, list, up: false, pre: true, w: true, load: false, k, (uint)BitOperations.PopCount(list) * 4);
                        return Result.Ok;
                    }
                case 24: case 25:
                    {
                        int rb = (int)((op >> 8) & 7);
                        uint list = op & 0xFF;
                        if (list == 0) return Result.No;
                        bool load = (op & 0x0800) != 0;
                        Fetch();
                        // LDMIA: a base in the list is loaded and not written back.
                        bool w = !load || (list & (1u << rb)) == 0;
                        EmitMultiple(rb, list, up: true, pre: false, w, load, k, (uint)BitOperations.PopCount(list) * 4);
                        return Result.Ok;
                    }
                case 26: case 27:
                    {
                        uint cond = (op >> 8) & 0xF;
                        if (cond >= 0xE) return Result.No;
                        uint target = pc + (uint)((int)(op << 24) >> 23);
                        Fetch();
                        ElseFallThrough(cond, k);
                        EmitBranch(k + 1, target);
                        return Result.End;
                    }
                case 28:
                    Fetch();
                    EmitBranch(k + 1, pc + (uint)((int)(op << 21) >> 20));
                    return Result.End;
                case 30:
                    // BL prefix: LR = PC + (offset << 12), one S cycle (TRM 5.19).
                    Fetch();
                    _blPrefixLr = pc + (uint)((int)(op << 21) >> 9);
                    Ldc(_blPrefixLr); StReg(14);
                    _blPrefixAt = k;
                    return Result.Ok;
                case 31:
                    {
                        // BL suffix: PC = LR + (offset << 1), LR = next instruction | 1.
                        Fetch();
                        if (_blPrefixAt == k - 1 && k > 0)
                        {
                            // The prefix is the previous instruction of this block: the target is a constant.
                            Ldc((pc - 2) | 1); StReg(14);
                            EmitBranch(k + 1, _blPrefixLr + ((op & 0x7FF) << 1));
                            return Result.End;
                        }
                        Ld(Reg(14)); Ldc((op & 0x7FF) << 1); Emit(OpCodes.Add); St(_a);
                        Ldc((pc - 2) | 1); StReg(14);
                        Ld(_a);
                        EmitRefillExit(k + 1);
                        return Result.End;
                    }
                default:
                    return Result.No;
            }
        }

        private Result ThumbAlu(uint op)
        {
            int rd = (int)(op & 7), rs = (int)((op >> 3) & 7);
            uint opc = (op >> 6) & 0xF;
            Fetch();
            Ld(Reg(rd)); St(_a);
            Ld(Reg(rs)); St(_b);
            switch (opc)
            {
                case 0x0: Ld(_a); Ld(_b); Emit(OpCodes.And); St(_v); NZ(); Ld(_v); StReg(rd); break;
                case 0x1: Ld(_a); Ld(_b); Emit(OpCodes.Xor); St(_v); NZ(); Ld(_v); StReg(rd); break;
                case 0x2: case 0x3: case 0x4: case 0x7:
                    {
                        int type = opc == 2 ? 0 : opc == 3 ? 1 : opc == 4 ? 2 : 3;
                        AddCycles(1);
                        Ld(_b); Ldc(0xFF); Emit(OpCodes.And); St(_b);
                        Ld(_a); Ldc(type); Ld(_b); Ld(_fc); Call(MShiftRegC); St(_c);
                        Ld(_a); Ldc(type); Ld(_b); Call(MShiftRegV); St(_v);
                        Ld(_v); Ld(_c); SetLogic();
                        Ld(_v); StReg(rd);
                        break;
                    }
                case 0x5: case 0x6:
                    {
                        bool sub = opc == 6;
                        Ld(_fc); St(_c);
                        Ld(_a); Ld(_b); Ld(_c); Call(sub ? MSubC : MAddC); St(_v);
                        Ld(_a); Ld(_b); Ld(_c); SetArith(sub);
                        Ld(_v); StReg(rd);
                        break;
                    }
                case 0x8: Ld(_a); Ld(_b); Emit(OpCodes.And); St(_v); NZ(); break;
                case 0x9:
                    Ldc(0); Ld(_b); Ldc(1); Call(MSubC); St(_v);
                    Ldc(0); Ld(_b); Ldc(1); SetArith(sub: true);
                    Ld(_v); StReg(rd);
                    break;
                case 0xA: Ld(_a); Ld(_b); Ldc(1); SetArith(sub: true); break;
                case 0xB: Ld(_a); Ld(_b); Ldc(0); SetArith(sub: false); break;
                case 0xC: Ld(_a); Ld(_b); Emit(OpCodes.Or); St(_v); NZ(); Ld(_v); StReg(rd); break;
                case 0xD:
                    // MUL Rd, Rs = MULS Rd, Rs, Rd: Rd is the multiplier (early termination on its bits).
                    Ld(_cyc); Ld(_a); Call(MMulCycles); Emit(OpCodes.Conv_I8); Emit(OpCodes.Add); St(_cyc);
                    Ld(_a); Ld(_b); Emit(OpCodes.Mul); St(_v);
                    Ld(_v); Ld(_b); Ld(_a); Ldc(0); Ldc(0); SetMul();
                    Ld(_v); StReg(rd);
                    break;
                case 0xE: Ld(_a); Ld(_b); Emit(OpCodes.Not); Emit(OpCodes.And); St(_v); NZ(); Ld(_v); StReg(rd); break;
                default: Ld(_b); Emit(OpCodes.Not); St(_v); NZ(); Ld(_v); StReg(rd); break;
            }
            return Result.Ok;
        }

        private void NZ() { Ld(_v); SetNZ(); }

        private Result ThumbHiReg(uint op, int k)
        {
            int rd = (int)((op & 7) | ((op >> 4) & 8));
            int rs = (int)((op >> 3) & 15);
            uint opc = (op >> 8) & 3;
            Fetch();
            LdReg(rs, _pc); St(_b);
            LdReg(rd, _pc); St(_a);
            if (opc == 1) { Ld(_a); Ld(_b); Ldc(1); SetArith(sub: true); return Result.Ok; }
            if (opc == 0) { Ld(_a); Ld(_b); Emit(OpCodes.Add); } else Ld(_b);
            if (rd == 15) { EmitRefillExit(k + 1); return Result.End; }
            StReg(rd);
            return Result.Ok;
        }

        private Result ThumbBx(uint op, int k)
        {
            int rs = (int)((op >> 3) & 15);
            Fetch();
            LdReg(rs, _pc); St(_a);
            // Bit 0 clear: to ARM state (TRM 5.5).
            var thumb = _il.DefineLabel();
            Ld(_a); Ldc(1); Emit(OpCodes.And); _il.Emit(OpCodes.Brtrue, thumb);
            Ld(_cpsr); Ldc(~Psr.T); Emit(OpCodes.And); St(_cpsr);
            _il.MarkLabel(thumb);
            Ld(_a);
            EmitRefillExit(k + 1);
            return Result.End;
        }

        /// <summary>Thumb load from _addr into a low register (kind as the interpreter's ThumbLoad): data N + 1 I.</summary>
        private void ThumbLoad(int rd, int kind, int k)
        {
            PageCheck(read: true, k, kind == -1 ? 1 : kind == -2 ? 2 : kind);
            switch (kind)
            {
                case 4:
                    Access(true, 2, false);
                    Ld(_p); Ld(_addr); Call(MLd32); Ld(_addr); Ldc(3); Emit(OpCodes.And); Ldc(3); Emit(OpCodes.Shl); Call(MRor); St(_v);
                    break;
                case 1:
                    Access(true, 0, false);
                    Ld(_p); Ld(_addr); Call(MLd8); St(_v);
                    break;
                default:
                    EmitHalfLoad(kind);
                    break;
            }
            AddCycles(1);
            Ld(_v); StReg(rd);
            DeviceEnd(k, 0);
        }

        private void ThumbStore(int rd, int size, int k)
        {
            PageCheck(read: false, k, size);
            Access(false, size == 4 ? 2 : size == 2 ? 1 : 0, false);
            Ld(_p); Ld(_addr); Ld(Reg(rd)); Call(size == 4 ? MSt32 : size == 2 ? MSt16 : MSt8);
            StoreEnd(k, (uint)size);
        }
    }
}
