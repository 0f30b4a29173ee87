namespace SocSim.CortexM;

/// <summary>
/// The DSP extension's encodings (ARMv7-M ARM DDI 0403E.b A5.3.12-A5.3.18, the instructions marked ARMv7E-M).
/// <see cref="Decode"/> turns them into <see cref="Op.Undefined"/> on the profiles without the extension.
/// </summary>
public static partial class ThumbDecoder
{
    private static bool Bad(params int[] regs)
    {
        foreach (int r in regs) if (r is 13 or 15) return true;
        return false;
    }

    // A5.3.14/A5.3.15: parallel addition and subtraction, signed and unsigned.
    private static void ParallelAddSub(ref ThumbInst i, uint hw1, uint hw2, int rd, int rn, int rm)
    {
        uint lane = (hw1 >> 4) & 7, prefix = (hw2 >> 4) & 7;
        if (lane is 3 or 7 || prefix is 3 or 7) { i.Op = Op.Undefined; return; }
        i.Op = Op.Parallel; i.Imm = lane | prefix << 4;
        i.Rd = (byte)rd; i.Rn = (byte)rn; i.Rm = (byte)rm;
        i.Unpredictable = Bad(rd, rn, rm);
    }

    // A5.3.16: QADD, QDADD, QSUB, QDSUB (Rd, Rm, Rn), SEL.
    private static void DspMisc(ref ThumbInst i, uint op1, uint op2, int rd, int rn, int rm)
    {
        i.Op = (op1, op2 & 3) switch
        {
            (8, 0) => Op.Qadd, (8, 1) => Op.Qdadd, (8, 2) => Op.Qsub, (8, 3) => Op.Qdsub, (10, 0) => Op.Sel, _ => Op.Undefined,
        };
        i.Rd = (byte)rd; i.Rn = (byte)rn; i.Rm = (byte)rm;
        i.Unpredictable = Bad(rd, rn, rm);
    }

    // A5.3.12: SXTAH, UXTAH, SXTAB16, UXTAB16, SXTAB, UXTAB (Rn != 15); SXTB16, UXTB16 (Rn = 15).
    private static void ExtendAdd(ref ThumbInst i, uint op1, int rd, int rn, int rm, uint hw2)
    {
        i.Op = (op1, rn == 15) switch
        {
            (0, false) => Op.Sxtah, (1, false) => Op.Uxtah, (2, false) => Op.Sxtab16, (3, false) => Op.Uxtab16,
            (4, false) => Op.Sxtab, (5, false) => Op.Uxtab, (2, true) => Op.Sxtb16, (3, true) => Op.Uxtb16, _ => Op.Undefined,
        };
        i.Rd = (byte)rd; i.Rn = (byte)(rn == 15 ? 0 : rn); i.Rm = (byte)rm; i.ShiftN = (byte)(((hw2 >> 4) & 3) * 8);
        i.Unpredictable = Bad(rd, rm) || rn == 13 || (hw2 & 0x40) != 0;
    }

    // A5.3.17: the 32-bit multiplies beyond MUL/MLA/MLS.
    private static void DspMultiply(ref ThumbInst i, uint op1, uint op2, int rd, int rn, int rm, int ra)
    {
        i.Op = (op1, op2) switch
        {
            (1, _) => Op.Smlaxy,
            (2, <= 1) => Op.Smlad,
            (3, <= 1) => Op.Smlawy,
            (4, <= 1) => Op.Smlsd,
            (5, <= 1) => Op.Smmla,
            (6, <= 1) => Op.Smmls,
            (7, 0) => Op.Usada8,
            _ => Op.Undefined,
        };
        i.Imm = i.Op == Op.Smlaxy ? op2 : op2 & 1;
        i.Rd = (byte)rd; i.Rn = (byte)rn; i.Rm = (byte)rm; i.Ra = (byte)ra;
        i.Unpredictable = Bad(rd, rn, rm) || ra == 13 || (i.Op == Op.Smmls && ra == 15);
    }

    // A7.7.95 PKHBT/PKHTB: data processing (shifted register) op 0110 with S = 0; tb = hw2[5].
    private static void Pkh(ref ThumbInst i, int rd, int rn, int rm, uint hw2)
    {
        i.Op = Op.Pkh; i.Rd = (byte)rd; i.Rn = (byte)rn; i.Rm = (byte)rm; i.Form = Form.Reg;
        bool tb = (hw2 & 0x20) != 0;
        ImmShift(ref i, tb ? 2u : 0u, ((hw2 >> 10) & 0x1C) | ((hw2 >> 6) & 3));
        i.Unpredictable = Bad(rd, rn, rm) || (hw2 & 0x10) != 0;
    }
}
