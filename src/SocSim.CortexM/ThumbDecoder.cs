namespace SocSim.CortexM;

/// <summary>
/// Decodes one Thumb instruction of ARMv7-M (ARM DDI 0403E.b, A5.2 16-bit and A5.3 32-bit encodings) or
/// ARMv6-M (DDI 0419, A5.2) into a <see cref="ThumbInst"/>. Encodings the profile does not have (the DSP
/// extension outside ARMv7E-M) and the coprocessor space decode as <see cref="Op.Undefined"/>.
/// </summary>
public static partial class ThumbDecoder
{
    /// <summary>Whether the halfword at the instruction's address is the first half of a 32-bit instruction (A5.1).</summary>
    public static bool Is32Bit(uint hw1) => (hw1 & 0xF800) >= 0xE800;

    /// <summary>Decodes <paramref name="raw"/>: a 16-bit encoding in bits 15:0, or hw1 &lt;&lt; 16 | hw2.</summary>
    public static ThumbInst Decode(uint raw, bool is32, CortexMProfile profile)
    {
        var i = new ThumbInst { Raw = raw, Cond = 14, Size = (byte)(is32 ? 4 : 2) };
        if (is32) Decode32(ref i, raw >> 16, raw & 0xFFFF);
        else Decode16(ref i, raw);
        if (profile == CortexMProfile.V6M && !InV6M(in i) || profile != CortexMProfile.V7EM && i.Op >= Op.Parallel)
            return new ThumbInst { Raw = raw, Cond = 14, Size = i.Size, Op = Op.Undefined };
        return i;
    }

    // ARMv6-M (DDI 0419C A5.2, A5.3): every 16-bit encoding but CBZ/CBNZ and IT; of the 32-bit ones only
    // BL, MSR, MRS, DSB, DMB, ISB and UDF.W.
    private static bool InV6M(in ThumbInst i)
    {
        if (i.Size == 2) return i.Op is not (Op.Cbz or Op.Cbnz or Op.It);
        return i.Op is Op.Bl or Op.Msr or Op.Mrs or Op.Dsb or Op.Dmb or Op.Isb or Op.Udf;
    }

    private static void Dp(ref ThumbInst i, Op op, int rd, int rn, int rm, SetFlags s)
    {
        i.Op = op; i.Rd = (byte)rd; i.Rn = (byte)rn; i.Rm = (byte)rm; i.S = s; i.Form = Form.Reg; i.ShiftType = Shift.Lsl;
    }

    private static void DpImm(ref ThumbInst i, Op op, int rd, int rn, uint imm, SetFlags s)
    {
        i.Op = op; i.Rd = (byte)rd; i.Rn = (byte)rn; i.Imm = imm; i.S = s; i.Form = Form.Imm;
    }

    /// <summary>DecodeImmShift (A7.4.2): the immediate shift of an encoding's type and imm5.</summary>
    public static void ImmShift(ref ThumbInst i, uint type, uint imm5)
    {
        switch (type)
        {
            case 0: i.ShiftType = Shift.Lsl; i.ShiftN = (byte)imm5; break;
            case 1: i.ShiftType = Shift.Lsr; i.ShiftN = (byte)(imm5 == 0 ? 32 : imm5); break;
            case 2: i.ShiftType = Shift.Asr; i.ShiftN = (byte)(imm5 == 0 ? 32 : imm5); break;
            default:
                if (imm5 == 0) { i.ShiftType = Shift.Rrx; i.ShiftN = 1; }
                else { i.ShiftType = Shift.Ror; i.ShiftN = (byte)imm5; }
                break;
        }
    }

    private static void Mem(ref ThumbInst i, Op op, int rt, int rn, uint imm)
    {
        i.Op = op; i.Rd = (byte)rt; i.Rn = (byte)rn; i.Imm = imm; i.Form = Form.Imm; i.Index = true; i.Add = true; i.Wback = false;
    }

    private static void MemReg(ref ThumbInst i, Op op, int rt, int rn, int rm, int shift)
    {
        i.Op = op; i.Rd = (byte)rt; i.Rn = (byte)rn; i.Rm = (byte)rm; i.Form = Form.Reg; i.ShiftType = Shift.Lsl; i.ShiftN = (byte)shift;
        i.Index = true; i.Add = true;
    }

    // ---- 16-bit (A5.2) ----

    private static readonly Op[] RegOffsetOps = [Op.Str, Op.Strh, Op.Strb, Op.Ldrsb, Op.Ldr, Op.Ldrh, Op.Ldrb, Op.Ldrsh];
    private static readonly Op[] ExtendOps = [Op.Sxth, Op.Sxtb, Op.Uxth, Op.Uxtb];

    private static void Decode16(ref ThumbInst i, uint h)
    {
        int r0 = (int)(h & 7), r3 = (int)((h >> 3) & 7), r6 = (int)((h >> 6) & 7), r8 = (int)((h >> 8) & 7);
        switch (h >> 12)
        {
            case 0x0:
            case 0x1:
                {
                    uint op = (h >> 11) & 3;
                    if (op != 3)
                    {
                        // LSL/LSR/ASR (immediate); LSL #0 is MOVS Rd, Rm (MOV register T2).
                        uint imm5 = (h >> 6) & 31;
                        if (op == 0 && imm5 == 0) { Dp(ref i, Op.Mov, r0, 0, r3, SetFlags.OutsideIt); return; }
                        Dp(ref i, Op.Mov, r0, 0, r3, SetFlags.OutsideIt);
                        ImmShift(ref i, op, imm5);
                        return;
                    }
                    bool sub = (h & 0x200) != 0;
                    if ((h & 0x400) == 0) Dp(ref i, sub ? Op.Sub : Op.Add, r0, r3, r6, SetFlags.OutsideIt);
                    else DpImm(ref i, sub ? Op.Sub : Op.Add, r0, r3, (uint)r6, SetFlags.OutsideIt);
                    return;
                }
            case 0x2:
            case 0x3:
                {
                    uint imm8 = h & 0xFF;
                    switch ((h >> 11) & 3)
                    {
                        case 0: DpImm(ref i, Op.Mov, r8, 0, imm8, SetFlags.OutsideIt); break;
                        case 1: DpImm(ref i, Op.Cmp, 0, r8, imm8, SetFlags.Always); break;
                        case 2: DpImm(ref i, Op.Add, r8, r8, imm8, SetFlags.OutsideIt); break;
                        default: DpImm(ref i, Op.Sub, r8, r8, imm8, SetFlags.OutsideIt); break;
                    }
                    return;
                }
            case 0x4:
                if ((h & 0x0800) != 0) { Mem(ref i, Op.Ldr, r8, 15, (h & 0xFF) * 4); return; }  // LDR (literal)
                if ((h & 0x0400) == 0) { DataProc16(ref i, h, r0, r3); return; }
                {
                    int rdn = (int)((h & 7) | ((h >> 4) & 8)), rm = (int)((h >> 3) & 15);
                    switch ((h >> 8) & 3)
                    {
                        case 0:
                            Dp(ref i, Op.Add, rdn, rdn, rm, SetFlags.Never);
                            i.Unpredictable = rdn == 15 && rm == 15;
                            return;
                        case 1:
                            Dp(ref i, Op.Cmp, 0, rdn, rm, SetFlags.Always);
                            i.Unpredictable = (rdn < 8 && rm < 8) || rdn == 15 || rm == 15;
                            return;
                        case 2:
                            Dp(ref i, Op.Mov, rdn, 0, rm, SetFlags.Never);
                            return;
                        default:
                            i.Op = (h & 0x80) != 0 ? Op.Blx : Op.Bx; i.Rm = (byte)rm;
                            i.Unpredictable = (h & 7) != 0 || (i.Op == Op.Blx && rm == 15);
                            return;
                    }
                }
            case 0x5:
                {
                    MemReg(ref i, RegOffsetOps[(h >> 9) & 7], r0, r3, r6, 0);
                    return;
                }
            case 0x6:
                Mem(ref i, (h & 0x800) != 0 ? Op.Ldr : Op.Str, r0, r3, ((h >> 6) & 31) * 4);
                return;
            case 0x7:
                Mem(ref i, (h & 0x800) != 0 ? Op.Ldrb : Op.Strb, r0, r3, (h >> 6) & 31);
                return;
            case 0x8:
                Mem(ref i, (h & 0x800) != 0 ? Op.Ldrh : Op.Strh, r0, r3, ((h >> 6) & 31) * 2);
                return;
            case 0x9:
                Mem(ref i, (h & 0x800) != 0 ? Op.Ldr : Op.Str, r8, 13, (h & 0xFF) * 4);
                return;
            case 0xA:
                if ((h & 0x800) == 0) { i.Op = Op.Adr; i.Rd = (byte)r8; i.Imm = (h & 0xFF) * 4; i.Add = true; }
                else DpImm(ref i, Op.Add, r8, 13, (h & 0xFF) * 4, SetFlags.Never);
                return;
            case 0xB:
                Misc16(ref i, h, r0, r3);
                return;
            case 0xC:
                {
                    int rn = r8;
                    i.Op = (h & 0x800) != 0 ? Op.Ldm : Op.Stm; i.Rn = (byte)rn; i.List = (ushort)(h & 0xFF); i.Add = true;
                    // LDM writes back unless the base is in the list; STM always writes back (A7.7.40, A7.7.159).
                    i.Wback = i.Op == Op.Stm || (i.List & (1 << rn)) == 0;
                    i.Unpredictable = i.List == 0;
                    return;
                }
            case 0xD:
                {
                    uint cond = (h >> 8) & 15;
                    if (cond == 14) { i.Op = Op.Udf; i.Imm = h & 0xFF; return; }
                    if (cond == 15) { i.Op = Op.Svc; i.Imm = h & 0xFF; return; }
                    i.Op = Op.B; i.Cond = (byte)cond; i.Imm = (uint)((int)((h & 0xFF) << 24) >> 23);
                    return;
                }
            case 0xE:
                i.Op = Op.B; i.Imm = (uint)((int)((h & 0x7FF) << 21) >> 20);
                return;
        }
        i.Op = Op.Undefined;
    }

    private static void DataProc16(ref ThumbInst i, uint h, int rdn, int rm)
    {
        switch ((h >> 6) & 15)
        {
            case 0x0: Dp(ref i, Op.And, rdn, rdn, rm, SetFlags.OutsideIt); break;
            case 0x1: Dp(ref i, Op.Eor, rdn, rdn, rm, SetFlags.OutsideIt); break;
            case 0x2: Dp(ref i, Op.ShiftReg, rdn, rdn, rm, SetFlags.OutsideIt); i.ShiftType = Shift.Lsl; break;
            case 0x3: Dp(ref i, Op.ShiftReg, rdn, rdn, rm, SetFlags.OutsideIt); i.ShiftType = Shift.Lsr; break;
            case 0x4: Dp(ref i, Op.ShiftReg, rdn, rdn, rm, SetFlags.OutsideIt); i.ShiftType = Shift.Asr; break;
            case 0x5: Dp(ref i, Op.Adc, rdn, rdn, rm, SetFlags.OutsideIt); break;
            case 0x6: Dp(ref i, Op.Sbc, rdn, rdn, rm, SetFlags.OutsideIt); break;
            case 0x7: Dp(ref i, Op.ShiftReg, rdn, rdn, rm, SetFlags.OutsideIt); i.ShiftType = Shift.Ror; break;
            case 0x8: Dp(ref i, Op.Tst, 0, rdn, rm, SetFlags.Always); break;
            case 0x9: DpImm(ref i, Op.Rsb, rdn, rm, 0, SetFlags.OutsideIt); break;
            case 0xA: Dp(ref i, Op.Cmp, 0, rdn, rm, SetFlags.Always); break;
            case 0xB: Dp(ref i, Op.Cmn, 0, rdn, rm, SetFlags.Always); break;
            case 0xC: Dp(ref i, Op.Orr, rdn, rdn, rm, SetFlags.OutsideIt); break;
            case 0xD: i.Op = Op.Mul; i.Rd = (byte)rdn; i.Rn = (byte)rm; i.Rm = (byte)rdn; i.S = SetFlags.OutsideIt; break;
            case 0xE: Dp(ref i, Op.Bic, rdn, rdn, rm, SetFlags.OutsideIt); break;
            default: Dp(ref i, Op.Mvn, rdn, 0, rm, SetFlags.OutsideIt); break;
        }
    }

    private static void Misc16(ref ThumbInst i, uint h, int r0, int r3)
    {
        switch ((h >> 8) & 15)
        {
            case 0x0:
                DpImm(ref i, (h & 0x80) != 0 ? Op.Sub : Op.Add, 13, 13, (h & 0x7F) * 4, SetFlags.Never);
                return;
            case 0x1: case 0x3: case 0x9: case 0xB:
                i.Op = (h & 0x800) != 0 ? Op.Cbnz : Op.Cbz; i.Rn = (byte)r0;
                i.Imm = (((h >> 9) & 1) << 6) | (((h >> 3) & 31) << 1);
                return;
            case 0x2:
                {
                    i.Op = ExtendOps[(h >> 6) & 3]; i.Rd = (byte)r0; i.Rm = (byte)r3;
                    return;
                }
            case 0x4: case 0x5:
                i.Op = Op.Stm; i.Rn = 13; i.Add = false; i.Wback = true;
                i.List = (ushort)((h & 0xFF) | ((h & 0x100) << 6));
                i.Unpredictable = i.List == 0;
                return;
            case 0x6:
                if ((h & 0xFFE8) == 0xB660)
                {
                    // CPS: Imm bit 0 = disable (ID), List bit 1 = I (PRIMASK), bit 0 = F (FAULTMASK).
                    i.Op = Op.Cps; i.Imm = (h >> 4) & 1; i.List = (ushort)(h & 3);
                    i.Unpredictable = (h & 3) == 0;
                    return;
                }
                break;
            case 0xA:
                {
                    uint op = (h >> 6) & 3;
                    if (op == 2) break;
                    i.Op = op switch { 0 => Op.Rev, 1 => Op.Rev16, _ => Op.Revsh };
                    i.Rd = (byte)r0; i.Rm = (byte)r3;
                    return;
                }
            case 0xC: case 0xD:
                i.Op = Op.Ldm; i.Rn = 13; i.Add = true; i.Wback = true;
                i.List = (ushort)((h & 0xFF) | ((h & 0x100) << 7));
                i.Unpredictable = i.List == 0;
                return;
            case 0xE:
                i.Op = Op.Bkpt; i.Imm = h & 0xFF;
                return;
            case 0xF:
                if ((h & 0xF) != 0)
                {
                    i.Op = Op.It; i.Imm = (h >> 4) & 15; i.Cond = (byte)(h & 0xF);
                    // firstcond 1111, or 1110 with a mask of more than one instruction: UNPREDICTABLE (A7.7.38).
                    i.Unpredictable = i.Imm == 15 || (i.Imm == 14 && (h & 0xF) != 8);
                    return;
                }
                i.Op = ((h >> 4) & 15) switch { 0 => Op.Nop, 1 => Op.Yield, 2 => Op.Wfe, 3 => Op.Wfi, 4 => Op.Sev, _ => Op.Nop };
                return;
        }
        i.Op = Op.Undefined;
    }

    // ---- 32-bit (A5.3) ----

    private static void Decode32(ref ThumbInst i, uint hw1, uint hw2)
    {
        uint op1 = (hw1 >> 11) & 3, op2 = (hw1 >> 4) & 0x7F;
        i.Wide = true;
        if (op1 == 1)
        {
            if ((op2 & 0x64) == 0x00) LoadStoreMultiple(ref i, hw1, hw2);
            else if ((op2 & 0x64) == 0x04) LoadStoreDual(ref i, hw1, hw2);
            else if ((op2 & 0x60) == 0x20) DpShiftedReg(ref i, hw1, hw2);
            else if ((op2 & 0x40) != 0) CoprocessorT0(ref i, hw1, hw2);
            else i.Op = Op.Undefined;
        }
        else if (op1 == 2)
        {
            if ((hw2 & 0x8000) != 0) BranchMisc(ref i, hw1, hw2);
            else if ((op2 & 0x20) == 0) DpModifiedImm(ref i, hw1, hw2);
            else DpPlainImm(ref i, hw1, hw2);
        }
        else
        {
            if ((op2 & 0x71) == 0x00) StoreSingle(ref i, hw1, hw2);
            else if ((op2 & 0x67) is 0x01 or 0x03 or 0x05) LoadSingle(ref i, hw1, hw2);
            else if ((op2 & 0x70) == 0x20) DpRegister(ref i, hw1, hw2);
            else if ((op2 & 0x78) == 0x30) Multiply(ref i, hw1, hw2);
            else if ((op2 & 0x40) != 0) CoprocessorT1(ref i, hw2);
            else if ((op2 & 0x78) == 0x38) LongMultiply(ref i, hw1, hw2);
            else i.Op = Op.Undefined;
        }
    }

    private static void LoadStoreMultiple(ref ThumbInst i, uint hw1, uint hw2)
    {
        uint op = (hw1 >> 7) & 3;
        bool load = (hw1 & 0x10) != 0;
        int rn = (int)(hw1 & 15);
        if (op is 0 or 3) { i.Op = Op.Undefined; return; }      // SRS/RFE: not in ARMv7-M
        i.Op = load ? Op.Ldm : Op.Stm; i.Rn = (byte)rn; i.Add = op == 1; i.Wback = (hw1 & 0x20) != 0;
        i.List = (ushort)hw2;
        int count = System.Numerics.BitOperations.PopCount(hw2 & 0xFFFF);
        i.Unpredictable = rn == 15 || count < 2 || (hw2 & 0x2000) != 0
            || (load ? (hw2 & 0xC000) == 0xC000 : (hw2 & 0x8000) != 0)
            || (i.Wback && (hw2 & (1u << rn)) != 0);
    }

    private static void LoadStoreDual(ref ThumbInst i, uint hw1, uint hw2)
    {
        uint p = (hw1 >> 8) & 1, u = (hw1 >> 7) & 1, w = (hw1 >> 5) & 1, l = (hw1 >> 4) & 1;
        int rn = (int)(hw1 & 15), rt = (int)(hw2 >> 12), rt2 = (int)((hw2 >> 8) & 15), rd = (int)(hw2 & 15);
        if (p == 0 && w == 0)
        {
            if (u == 0)
            {
                // STREX / LDREX (A7.7.167, A7.7.52): offset imm8 * 4.
                // STREX: Rd = status, Rm = Rt (the value stored).
                i.Op = l == 1 ? Op.Ldrex : Op.Strex; i.Rn = (byte)rn; i.Imm = (hw2 & 0xFF) * 4;
                if (l == 1) i.Rd = (byte)rt; else { i.Rd = (byte)rt2; i.Rm = (byte)rt; }
                return;
            }
            uint op3 = (hw2 >> 4) & 15;
            if (l == 1)
            {
                if (op3 is 0 or 1) { i.Op = op3 == 0 ? Op.Tbb : Op.Tbh; i.Rn = (byte)rn; i.Rm = (byte)rd; return; }
                if (op3 is 4 or 5) { i.Op = op3 == 4 ? Op.Ldrexb : Op.Ldrexh; i.Rd = (byte)rt; i.Rn = (byte)rn; return; }
            }
            else if (op3 is 4 or 5) { i.Op = op3 == 4 ? Op.Strexb : Op.Strexh; i.Rd = (byte)rd; i.Rm = (byte)rt; i.Rn = (byte)rn; return; }
            i.Op = Op.Undefined;
            return;
        }
        // LDRD/STRD (immediate and literal): Rd = Rt, Ra = Rt2.
        i.Op = l == 1 ? Op.Ldrd : Op.Strd; i.Rd = (byte)rt; i.Ra = (byte)rt2; i.Rn = (byte)rn; i.Imm = (hw2 & 0xFF) * 4;
        i.Index = p == 1; i.Add = u == 1; i.Wback = w == 1; i.Form = Form.Imm;
        i.Unpredictable = (i.Wback && (rn == rt || rn == rt2)) || rt is 13 or 15 || rt2 is 13 or 15 || (l == 1 && rt == rt2)
                          || (l == 0 && rn == 15);
    }

    private static readonly Op[] DpOps =
        [Op.And, Op.Bic, Op.Orr, Op.Orn, Op.Eor, Op.Undefined, Op.Undefined, Op.Undefined,
         Op.Add, Op.Undefined, Op.Adc, Op.Sbc, Op.Undefined, Op.Sub, Op.Rsb, Op.Undefined];

    /// <summary>The shared op table of A5.3.1/A5.3.11: TST/TEQ/CMN/CMP for Rd = 15 with S, MOV/MVN for Rn = 15.</summary>
    private static void DpOp(ref ThumbInst i, uint op, int rd, int rn, bool s)
    {
        Op o = DpOps[op];
        if (rd == 15 && s)
            o = o switch { Op.And => Op.Tst, Op.Eor => Op.Teq, Op.Add => Op.Cmn, Op.Sub => Op.Cmp, _ => o };
        if (rn == 15)
            o = o switch { Op.Orr => Op.Mov, Op.Orn => Op.Mvn, _ => o };
        i.Op = o; i.Rd = (byte)rd; i.Rn = (byte)rn; i.S = s ? SetFlags.Always : SetFlags.Never;
        if (o is Op.Tst or Op.Teq or Op.Cmn or Op.Cmp) i.Rd = 0;
        if (o is Op.Mov or Op.Mvn) i.Rn = 0;
        // Rd of 13 only for ADD/SUB with Rn = SP; 15 only as the compare forms above; Rn of 15 only for MOV/MVN.
        bool spForm = (o is Op.Add or Op.Sub) && rn == 13;
        i.Unpredictable = o == Op.Undefined || (rd == 15 && o is not (Op.Tst or Op.Teq or Op.Cmn or Op.Cmp)) ||
                          (rd == 13 && !spForm) || (rn == 15 && o is not (Op.Mov or Op.Mvn));
    }

    private static void DpShiftedReg(ref ThumbInst i, uint hw1, uint hw2)
    {
        uint op = (hw1 >> 5) & 15;
        int rn = (int)(hw1 & 15), rd = (int)((hw2 >> 8) & 15), rm = (int)(hw2 & 15);
        bool s = (hw1 & 0x10) != 0;
        if (op == 6 && !s) { Pkh(ref i, rd, rn, rm, hw2); return; }
        DpOp(ref i, op, rd, rn, s);
        if (i.Op == Op.Undefined) return;
        i.Rm = (byte)rm; i.Form = Form.Reg;
        ImmShift(ref i, (hw2 >> 4) & 3, ((hw2 >> 10) & 0x1C) | ((hw2 >> 6) & 3));
        if (rm is 13 or 15) i.Unpredictable = true;
    }

    /// <summary>ThumbExpandImm_C (A5.3.2): the constant, and whether it sets C from its bit 31.</summary>
    public static uint ExpandImm(uint imm12, out bool carry)
    {
        carry = false;
        uint imm8 = imm12 & 0xFF;
        if ((imm12 & 0xC00) == 0)
        {
            return ((imm12 >> 8) & 3) switch
            {
                0 => imm8,
                1 => imm8 | imm8 << 16,
                2 => imm8 << 8 | imm8 << 24,
                _ => imm8 | imm8 << 8 | imm8 << 16 | imm8 << 24,
            };
        }
        carry = true;
        return System.Numerics.BitOperations.RotateRight(0x80 | (imm12 & 0x7F), (int)(imm12 >> 7));
    }

    private static void DpModifiedImm(ref ThumbInst i, uint hw1, uint hw2)
    {
        uint op = (hw1 >> 5) & 15;
        int rn = (int)(hw1 & 15), rd = (int)((hw2 >> 8) & 15);
        bool s = (hw1 & 0x10) != 0;
        DpOp(ref i, op, rd, rn, s);
        if (i.Op == Op.Undefined) return;
        uint imm12 = ((hw1 & 0x400) << 1) | ((hw2 >> 4) & 0x700) | (hw2 & 0xFF);
        i.Imm = ExpandImm(imm12, out i.ImmCarry);
        i.Form = Form.Imm;
        if ((imm12 & 0xF00) is 0x100 or 0x200 or 0x300 && (imm12 & 0xFF) == 0) i.Unpredictable = true;
    }

    private static void DpPlainImm(ref ThumbInst i, uint hw1, uint hw2)
    {
        uint op = (hw1 >> 4) & 31;
        int rn = (int)(hw1 & 15), rd = (int)((hw2 >> 8) & 15);
        uint imm12 = ((hw1 & 0x400) << 1) | ((hw2 >> 4) & 0x700) | (hw2 & 0xFF);
        uint imm5 = ((hw2 >> 10) & 0x1C) | ((hw2 >> 6) & 3);
        uint low5 = hw2 & 31;
        i.Rd = (byte)rd; i.Rn = (byte)rn;
        switch (op)
        {
            case 0x00:
            case 0x0A:
                if (rn == 15) { i.Op = Op.Adr; i.Imm = imm12; i.Add = op == 0; }
                else DpImm(ref i, op == 0 ? Op.Add : Op.Sub, rd, rn, imm12, SetFlags.Never);
                i.Unpredictable = rd is 15 || (rd == 13 && rn != 13);
                return;
            case 0x04:
            case 0x0C:
                i.Op = op == 4 ? Op.Movw : Op.Movt; i.Rn = 0;
                i.Imm = ((hw1 & 15) << 12) | imm12;
                i.Unpredictable = rd is 13 or 15;
                return;
            case 0x10: case 0x12:
            case 0x18: case 0x1A:
                if ((op & 2) != 0 && imm5 == 0)
                {
                    // SSAT16/USAT16 (A7.7.142, A7.7.190): a 4-bit saturation field.
                    i.Op = op < 0x18 ? Op.Ssat16 : Op.Usat16; i.Imm = op < 0x18 ? (hw2 & 15) + 1 : hw2 & 15;
                    i.Rm = (byte)rn; i.Rn = 0;
                    i.Unpredictable = rd is 13 or 15 || rn is 13 or 15 || (hw2 & 0x30) != 0;
                    return;
                }
                i.Op = op < 0x18 ? Op.Ssat : Op.Usat;
                i.Imm = op < 0x18 ? low5 + 1 : low5;
                ImmShift(ref i, (op & 2) != 0 ? 2u : 0u, imm5);
                i.Form = Form.Reg; i.Rm = (byte)rn; i.Rn = 0;
                i.Unpredictable = rd is 13 or 15 || rn is 13 or 15;
                return;
            case 0x14:
            case 0x1C:
                i.Op = op == 0x14 ? Op.Sbfx : Op.Ubfx; i.ShiftN = (byte)imm5; i.Imm = low5 + 1;
                i.Unpredictable = rd is 13 or 15 || rn is 13 or 15 || imm5 + low5 > 31;
                return;
            case 0x16:
                i.Op = rn == 15 ? Op.Bfc : Op.Bfi; i.ShiftN = (byte)imm5; i.Imm = low5;       // Imm = msb
                if (rn == 15) i.Rn = 0;
                i.Unpredictable = rd is 13 or 15 || rn == 13 || low5 < imm5;
                return;
        }
        i.Op = Op.Undefined;
    }

    private static void BranchMisc(ref ThumbInst i, uint hw1, uint hw2)
    {
        uint op = (hw1 >> 4) & 0x7F, op1 = (hw2 >> 12) & 7;
        uint s = (hw1 >> 10) & 1, j1 = (hw2 >> 13) & 1, j2 = (hw2 >> 11) & 1;
        if ((op1 & 5) == 0)
        {
            if ((op & 0x38) != 0x38)
            {
                // B<c>.W (T3): S:J2:J1:imm6:imm11:0.
                uint imm = (s << 20) | (j2 << 19) | (j1 << 18) | ((hw1 & 0x3F) << 12) | ((hw2 & 0x7FF) << 1);
                i.Op = Op.B; i.Cond = (byte)((hw1 >> 6) & 15); i.Imm = (uint)((int)(imm << 11) >> 11);
                return;
            }
            if (op1 == 0)
            {
                switch (op)
                {
                    case 0x38: case 0x39:
                        i.Op = Op.Msr; i.Rn = (byte)(hw1 & 15); i.List = (ushort)(hw2 & 0xFF); i.Imm = (hw2 >> 10) & 3;
                        i.Unpredictable = !ValidSysm(hw2 & 0xFF) || i.Rn is 13 or 15 || (hw2 & 0x300) != 0 ||
                                          (i.Imm == 0 || (i.Imm != 2 && (hw2 & 0xFF) > 3));
                        return;
                    case 0x3A:
                        if ((hw2 & 0x700) != 0) break;                  // CPS.W: not in ARMv7-M
                        i.Op = (hw2 & 0xFF) switch { 0 => Op.Nop, 1 => Op.Yield, 2 => Op.Wfe, 3 => Op.Wfi, 4 => Op.Sev, _ => Op.Nop };
                        return;
                    case 0x3B:
                        switch ((hw2 >> 4) & 15)
                        {
                            case 2: i.Op = Op.Clrex; return;
                            case 4: i.Op = Op.Dsb; i.Imm = hw2 & 15; return;
                            case 5: i.Op = Op.Dmb; i.Imm = hw2 & 15; return;
                            case 6: i.Op = Op.Isb; i.Imm = hw2 & 15; return;
                        }
                        break;
                    case 0x3E: case 0x3F:
                        i.Op = Op.Mrs; i.Rd = (byte)((hw2 >> 8) & 15); i.List = (ushort)(hw2 & 0xFF);
                        i.Unpredictable = !ValidSysm(hw2 & 0xFF) || i.Rd is 13 or 15;
                        return;
                }
            }
            else if (op1 == 2 && op == 0x7F)
            {
                i.Op = Op.Udf; i.Imm = ((hw1 & 15) << 12) | (hw2 & 0xFFF);
                return;
            }
            i.Op = Op.Undefined;
            return;
        }
        if ((op1 & 5) == 4) { i.Op = Op.Undefined; return; }         // BLX (immediate): no ARM state
        {
            uint i1 = ~(j1 ^ s) & 1, i2 = ~(j2 ^ s) & 1;
            uint imm = (s << 24) | (i1 << 23) | (i2 << 22) | ((hw1 & 0x3FF) << 12) | ((hw2 & 0x7FF) << 1);
            i.Op = (op1 & 4) != 0 ? Op.Bl : Op.B; i.Imm = (uint)((int)(imm << 7) >> 7);
        }
    }

    private static bool ValidSysm(uint sysm) => sysm is <= 3 or 5 or 6 or 7 or 8 or 9 or 16 or 17 or 18 or 19 or 20;

    private static void StoreSingle(ref ThumbInst i, uint hw1, uint hw2)
    {
        uint size = (hw1 >> 5) & 3;
        if (size == 3) { i.Op = Op.Undefined; return; }
        Op op = size switch { 0 => Op.Strb, 1 => Op.Strh, _ => Op.Str };
        SingleAddressing(ref i, op, hw1, hw2, store: true);
    }

    private static void LoadSingle(ref ThumbInst i, uint hw1, uint hw2)
    {
        uint size = (hw1 >> 5) & 3;
        bool signed = (hw1 & 0x100) != 0;
        int rt = (int)(hw2 >> 12);
        Op op = (size, signed) switch
        {
            (0, false) => Op.Ldrb, (0, true) => Op.Ldrsb, (1, false) => Op.Ldrh, (1, true) => Op.Ldrsh,
            (2, false) => Op.Ldr, _ => Op.Undefined,
        };
        if (op == Op.Undefined) { i.Op = op; return; }
        SingleAddressing(ref i, op, hw1, hw2, store: false);
        if (i.Op == Op.Undefined) return;
        if (rt == 15 && op != Op.Ldr && !i.Wback && !i.Unpriv)
        {
            // Rt = PC on byte/halfword loads: PLD (LDRB), PLI (LDRSB), unallocated hints (NOP) otherwise (A5.3.7-8).
            i.Op = op switch { Op.Ldrb => Op.Pld, Op.Ldrsb => Op.Pli, _ => Op.Nop };
        }
    }

    private static void SingleAddressing(ref ThumbInst i, Op op, uint hw1, uint hw2, bool store)
    {
        int rn = (int)(hw1 & 15), rt = (int)(hw2 >> 12);
        i.Op = op; i.Rd = (byte)rt; i.Rn = (byte)rn; i.Index = true; i.Add = true; i.Form = Form.Imm;
        if (rn == 15)
        {
            if (store) { i.Op = Op.Undefined; return; }
            i.Add = (hw1 & 0x80) != 0; i.Imm = hw2 & 0xFFF;
            return;
        }
        if ((hw1 & 0x80) != 0) { i.Imm = hw2 & 0xFFF; CheckRt(ref i, store); return; }
        if ((hw2 & 0x800) != 0)
        {
            uint puw = (hw2 >> 8) & 7;
            i.Imm = hw2 & 0xFF;
            if (puw == 6) { i.Unpriv = true; CheckRt(ref i, store); return; }
            i.Index = (puw & 4) != 0; i.Add = (puw & 2) != 0; i.Wback = (puw & 1) != 0;
            if (!i.Index && !i.Wback) { i.Op = Op.Undefined; return; }
            if (i.Wback && rn == rt) i.Unpredictable = true;
            CheckRt(ref i, store);
            return;
        }
        if ((hw2 & 0xFC0) == 0)
        {
            i.Form = Form.Reg; i.Rm = (byte)(hw2 & 15); i.ShiftType = Shift.Lsl; i.ShiftN = (byte)((hw2 >> 4) & 3);
            if (i.Rm is 13 or 15) i.Unpredictable = true;
            CheckRt(ref i, store);
            return;
        }
        i.Op = Op.Undefined;
    }

    private static void CheckRt(ref ThumbInst i, bool store)
    {
        if (store ? i.Rd == 15 || (i.Rd == 13 && i.Op != Op.Str) : i.Rd == 13 && i.Op != Op.Ldr) i.Unpredictable = true;
    }

    private static void DpRegister(ref ThumbInst i, uint hw1, uint hw2)
    {
        uint op1 = (hw1 >> 4) & 15, op2 = (hw2 >> 4) & 15;
        int rn = (int)(hw1 & 15), rd = (int)((hw2 >> 8) & 15), rm = (int)(hw2 & 15);
        if ((hw2 & 0xF000) != 0xF000) { i.Op = Op.Undefined; return; }
        if ((op1 & 8) == 0 && op2 == 0)
        {
            i.Op = Op.ShiftReg; i.ShiftType = (Shift)(op1 >> 1); i.S = (op1 & 1) != 0 ? SetFlags.Always : SetFlags.Never;
            i.Rd = (byte)rd; i.Rn = (byte)rn; i.Rm = (byte)rm;
            i.Unpredictable = rd is 13 or 15 || rn is 13 or 15 || rm is 13 or 15;
            return;
        }
        if ((op1 & 8) == 0 && (op2 & 8) != 0)
        {
            if (rn != 15 || op1 is 2 or 3) { ExtendAdd(ref i, op1, rd, rn, rm, hw2); return; }
            i.Op = op1 switch { 0 => Op.Sxth, 1 => Op.Uxth, 4 => Op.Sxtb, 5 => Op.Uxtb, _ => Op.Undefined };
            i.Rd = (byte)rd; i.Rm = (byte)rm; i.ShiftN = (byte)(((hw2 >> 4) & 3) * 8);
            i.Unpredictable = rd is 13 or 15 || rm is 13 or 15;
            return;
        }
        if ((op1 & 0xC) == 8 && (op2 & 0xC) == 8)
        {
            Op o = (op1 & 3, op2 & 3) switch
            {
                (1, 0) => Op.Rev, (1, 1) => Op.Rev16, (1, 2) => Op.Rbit, (1, 3) => Op.Revsh, (3, 0) => Op.Clz, _ => Op.Undefined,
            };
            if (op1 is 8 or 10) { DspMisc(ref i, op1, op2, rd, rn, rm); return; }
            i.Op = o; i.Rd = (byte)rd; i.Rm = (byte)rm;
            i.Unpredictable = rm != rn || rd is 13 or 15 || rm is 13 or 15;
            return;
        }
        if ((op1 & 8) != 0 && (op2 & 8) == 0) { ParallelAddSub(ref i, hw1, hw2, rd, rn, rm); return; }
        i.Op = Op.Undefined;
    }

    private static void Multiply(ref ThumbInst i, uint hw1, uint hw2)
    {
        uint op1 = (hw1 >> 4) & 7, op2 = (hw2 >> 4) & 3;
        int rn = (int)(hw1 & 15), ra = (int)(hw2 >> 12), rd = (int)((hw2 >> 8) & 15), rm = (int)(hw2 & 15);
        if ((hw2 & 0xC0) != 0) { i.Op = Op.Undefined; return; }
        if (op1 != 0) { DspMultiply(ref i, op1, op2, rd, rn, rm, ra); return; }
        if (op2 > 1) { i.Op = Op.Undefined; return; }
        i.Op = op2 == 1 ? Op.Mls : ra == 15 ? Op.Mul : Op.Mla;
        i.Rd = (byte)rd; i.Rn = (byte)rn; i.Rm = (byte)rm; i.Ra = (byte)(ra == 15 ? 0 : ra); i.S = SetFlags.Never;
        if (i.Op == Op.Mls && ra == 15) i.Ra = 15;
        i.Unpredictable = rd is 13 or 15 || rn is 13 or 15 || rm is 13 or 15 || (i.Op != Op.Mul && ra == 13) || (i.Op == Op.Mls && ra == 15);
    }

    private static void LongMultiply(ref ThumbInst i, uint hw1, uint hw2)
    {
        uint op1 = (hw1 >> 4) & 7, op2 = (hw2 >> 4) & 15;
        int rn = (int)(hw1 & 15), lo = (int)(hw2 >> 12), hi = (int)((hw2 >> 8) & 15), rm = (int)(hw2 & 15);
        Op o = (op1, op2) switch
        {
            (0, 0) => Op.Smull, (1, 15) => Op.Sdiv, (2, 0) => Op.Umull, (3, 15) => Op.Udiv, (4, 0) => Op.Smlal, (6, 0) => Op.Umlal,
            (4, >= 8 and <= 11) => Op.Smlalxy, (4, 12 or 13) => Op.Smlald, (5, 12 or 13) => Op.Smlsld, (6, 6) => Op.Umaal,
            _ => Op.Undefined,
        };
        if (o is Op.Smlalxy or Op.Smlald or Op.Smlsld) i.Imm = op2 & (o == Op.Smlalxy ? 3u : 1u);
        i.Op = o; i.Rn = (byte)rn; i.Rm = (byte)rm;
        if (o is Op.Sdiv or Op.Udiv)
        {
            i.Rd = (byte)hi;
            i.Unpredictable = lo != 15 || hi is 13 or 15 || rn is 13 or 15 || rm is 13 or 15;
            return;
        }
        i.Rd = (byte)lo; i.Ra = (byte)hi;      // RdLo, RdHi
        i.Unpredictable = lo is 13 or 15 || hi is 13 or 15 || rn is 13 or 15 || rm is 13 or 15 || lo == hi;
    }
}
