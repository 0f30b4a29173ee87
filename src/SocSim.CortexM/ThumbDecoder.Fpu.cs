namespace SocSim.CortexM;

/// <summary>
/// The FPv4-SP encodings (ARMv7-M ARM DDI 0403E.b A6: floating-point data processing A6.4, extension register
/// load/store A6.5, 8/16/32-bit transfers A6.6, 64-bit transfers A6.7) in the coprocessor space for cp10/cp11.
/// Double-precision arithmetic and conversions (sz = 1) are not FPv4-SP: <see cref="Op.VUndefined"/>.
/// </summary>
public static partial class ThumbDecoder
{
    private static bool IsFpCoprocessor(uint hw2) => (hw2 & 0x0E00) == 0x0A00;

    /// <summary>The T = 0 coprocessor space (hw1 0xEC00-0xEFFF): FP instructions on cp10/cp11, else a coprocessor (NOCP).</summary>
    private static void CoprocessorT0(ref ThumbInst i, uint hw1, uint hw2)
    {
        if (!IsFpCoprocessor(hw2)) { i.Op = Op.Coprocessor; return; }
        uint w = hw1 << 16 | hw2;
        uint op1 = (w >> 20) & 0x3F;
        i.Op = Op.VUndefined;
        if ((op1 & 0x3E) == 0) return;                                   // 00000x: UNDEFINED
        if ((op1 & 0x20) == 0)
        {
            if ((op1 & 0x3E) == 0x04) FpTransfer64(ref i, w);
            else FpLoadStore(ref i, w);
        }
        else if ((op1 & 0x30) == 0x20)
        {
            if ((w & 0x10) == 0) FpDataProcessing(ref i, w);
            else FpTransfer32(ref i, w);
        }
    }

    /// <summary>The T = 1 coprocessor space: on cp10/cp11 UNDEFINED with an FPU (A6.1), NOCP without.</summary>
    private static void CoprocessorT1(ref ThumbInst i, uint hw2) => i.Op = IsFpCoprocessor(hw2) ? Op.VUndefined : Op.Coprocessor;

    private static byte SReg(uint w, int hi, int lo) => (byte)(((w >> hi) & 15) << 1 | ((w >> lo) & 1));
    private static byte DReg(uint w, int hi, int lo) => (byte)(((w >> lo) & 1) << 4 | ((w >> hi) & 15));

    // A6.5: VLDR/VSTR, VLDM/VSTM, VPUSH/VPOP.
    private static void FpLoadStore(ref ThumbInst i, uint w)
    {
        bool p = (w & (1u << 24)) != 0, u = (w & (1u << 23)) != 0, wb = (w & (1u << 21)) != 0, load = (w & (1u << 20)) != 0;
        bool dbl = (w & 0x100) != 0;
        i.Rn = (byte)((w >> 16) & 15);
        i.Rd = dbl ? DReg(w, 12, 22) : SReg(w, 12, 22);
        if (dbl) i.Fp |= FpFlags.Double;
        uint imm8 = w & 0xFF;
        if (p && !wb)
        {
            i.Op = load ? Op.Vldr : Op.Vstr;
            i.Imm = imm8 << 2; i.Add = u; i.Index = true;
            return;
        }
        if (p == u) { i.Op = Op.VUndefined; return; }                  // P = U = 1 (with W) or P = U = 0: not a load/store
        i.Op = load ? Op.Vldm : Op.Vstm;
        i.Add = u; i.Wback = wb; i.List = (ushort)imm8;
        int regs = dbl ? (int)imm8 / 2 : (int)imm8;
        if (dbl && (imm8 & 1) != 0) i.Fp |= FpFlags.X;
        i.Unpredictable = regs == 0 || i.Rd + regs > (dbl ? 16 : 32) || (dbl && regs > 16) || (wb && i.Rn == 15) || i.Rn == 15 && !u;
    }

    // A6.7: VMOV between two core registers and two S registers or a D register.
    private static void FpTransfer64(ref ThumbInst i, uint w)
    {
        if ((w & 0xD0) != 0x10) { i.Op = Op.VUndefined; return; }
        bool dbl = (w & 0x100) != 0;
        i.Op = Op.VmovCore2;
        i.Rd = (byte)((w >> 12) & 15); i.Ra = (byte)((w >> 16) & 15);
        i.Rm = dbl ? DReg(w, 0, 5) : SReg(w, 0, 5);
        if (dbl) i.Fp |= FpFlags.Double;
        bool toCore = (w & (1u << 20)) != 0;
        if (toCore) i.Fp |= FpFlags.ToCore;
        i.Unpredictable = i.Rd is 13 or 15 || i.Ra is 13 or 15 || (!dbl && i.Rm == 31) || (toCore && i.Rd == i.Ra);
    }

    // A6.6: VMOV core <-> S, VMOV.32 core <-> scalar, VMRS, VMSR.
    private static void FpTransfer32(ref ThumbInst i, uint w)
    {
        bool load = (w & (1u << 20)) != 0, c = (w & 0x100) != 0;
        uint a = (w >> 21) & 7, b = (w >> 5) & 3;
        int rt = (int)((w >> 12) & 15);
        if ((w & 0xF) != 0) { i.Op = Op.VUndefined; return; }
        if (!c && a == 0)
        {
            i.Op = Op.VmovCore; i.Rd = (byte)rt; i.Rn = SReg(w, 16, 7);
            if (load) i.Fp |= FpFlags.ToCore;
            i.Unpredictable = rt is 13 or 15;
        }
        else if (!c && a == 7)
        {
            i.Op = load ? Op.Vmrs : Op.Vmsr; i.Imm = (w >> 16) & 15;
            if (load) i.Rd = (byte)rt; else i.Rn = (byte)rt;
            i.Unpredictable = i.Imm != 1 || rt == 13 || (!load && rt == 15);
        }
        else if (c && (a & 6) == 0 && b == 0 && (!load || (w & (1u << 23)) == 0))
        {
            // Only the 32-bit size in ARMv7-M (opc1<1> = 0, opc2 = 00; for reads U = 0).
            i.Op = Op.VmovScalar; i.Rd = (byte)rt; i.Rn = DReg(w, 16, 7); i.Imm = a & 1;
            if (load) i.Fp |= FpFlags.ToCore;
            i.Unpredictable = rt is 13 or 15;
        }
        else i.Op = Op.VUndefined;
    }

    // A6.4: floating-point data processing (single precision only).
    private static void FpDataProcessing(ref ThumbInst i, uint w)
    {
        if ((w & 0x100) != 0) { i.Op = Op.VUndefined; return; }         // sz = 1: double precision
        uint o1 = (w >> 20) & 0xB, opc2 = (w >> 16) & 15;
        bool b6 = (w & 0x40) != 0, b7 = (w & 0x80) != 0;
        i.Rd = SReg(w, 12, 22); i.Rn = SReg(w, 16, 7); i.Rm = SReg(w, 0, 5);
        switch (o1)
        {
            case 0: i.Op = b6 ? Op.Vmls : Op.Vmla; return;
            case 1: i.Op = b6 ? Op.Vnmla : Op.Vnmls; return;
            case 2: i.Op = b6 ? Op.Vnmul : Op.Vmul; return;
            case 3: i.Op = b6 ? Op.Vsub : Op.Vadd; return;
            case 8: i.Op = b6 ? Op.VUndefined : Op.Vdiv; return;
            case 9: i.Op = b6 ? Op.Vfnma : Op.Vfnms; return;
            case 10: i.Op = b6 ? Op.Vfms : Op.Vfma; return;
            case 11: break;
            default: i.Op = Op.VUndefined; return;
        }
        if (!b6)
        {
            i.Op = Op.VmovImm; i.Imm = opc2 << 4 | (w & 15);
            i.Unpredictable = (w & 0xA0) != 0;
            return;
        }
        switch (opc2)
        {
            case 0: i.Op = b7 ? Op.Vabs : Op.VmovReg; return;
            case 1: i.Op = b7 ? Op.Vsqrt : Op.Vneg; return;
            case 2: case 3:
                i.Op = Op.VcvtHalf; i.Imm = b7 ? 1u : 0;
                if (opc2 == 3) i.Fp |= FpFlags.ToHalf;
                return;
            case 4: case 5:
                i.Op = Op.Vcmp;
                if (b7) i.Fp |= FpFlags.E;
                if (opc2 == 5) { i.Fp |= FpFlags.WithZero; i.Unpredictable = (w & 0x2F) != 0; }
                return;
            case 8:
                i.Op = Op.VcvtFromInt;
                if (b7) i.Fp |= FpFlags.Signed;
                return;
            case 12: case 13:
                i.Op = Op.VcvtToInt;
                if (opc2 == 13) i.Fp |= FpFlags.Signed;
                if (b7) i.Fp |= FpFlags.RoundZero;
                return;
            case 10: case 11: case 14: case 15:
                {
                    // VCVT between floating point and fixed point (A7.7.230): Sd is both operand and result.
                    i.Op = Op.VcvtFixed;
                    if ((opc2 & 4) != 0) i.Fp |= FpFlags.ToFixed;
                    if ((opc2 & 1) == 0) i.Fp |= FpFlags.Signed;
                    int size = b7 ? 32 : 16;
                    int imm5 = (int)((w & 15) << 1 | ((w >> 5) & 1));
                    i.ShiftN = (byte)size;
                    i.Imm = (uint)(size - imm5);
                    i.Unpredictable = size - imm5 < 0;
                    return;
                }
            default: i.Op = Op.VUndefined; return;
        }
    }
}
