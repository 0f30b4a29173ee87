using System.Numerics;

namespace SocSim.CortexM;

/// <summary>
/// FPv4-SP arithmetic exactly as the ARMv7-M ARM's pseudocode defines it (DDI 0403E.b A2.5: FPUnpack, FPRound,
/// FPProcessNaNs, FPAdd, FPMul, FPDiv, FPSqrt, FPMulAdd, FPCompare, FPToFixed, FixedToFP, FPHalfToSingle,
/// FPSingleToHalf), on raw single-precision bits, with the FPSCR's controls (AHP, DN, FZ, RMode) and cumulative
/// flags (IDC, IXC, UFC, OFC, DZC, IOC).
/// <para>
/// How the result is exact: an operation is computed in double precision together with the sign of that double's
/// own error, and the double is rounded once more, to single, by <see cref="Round"/> (ARM's FPRound, written here
/// by hand because .NET has no API that rounds with a chosen mode or reports IEEE flags: no fenv, and float
/// arithmetic is round-to-nearest only). A product of two singles (48 significant bits) is exact in a double; a
/// sum's error comes from TwoSum (Knuth), a quotient's and a square root's from the remainder that one
/// <see cref="Math.FusedMultiplyAdd"/> gives exactly; a fused multiply-add is the exact product plus the addend
/// by TwoSum. The double and the sign of its error fix which two singles the exact result lies between and
/// whether it is above, on or below their midpoint (a double carries 53 bits, more than the 24 + 2 that decide
/// that), so the single result and IXC/UFC/OFC are those of rounding the exact value, in every mode. No value
/// here leaves the double's normal range (singles' products and quotients stay within 2^-300..2^280).
/// </para>
/// </summary>
public static class VfpArithmetic
{
    public const uint FpscrN = 1u << 31, FpscrAhp = 1u << 26, FpscrDn = 1u << 25, FpscrFz = 1u << 24;
    public const uint Ioc = 1, Dzc = 2, Ofc = 4, Ufc = 8, Ixc = 16, Idc = 128;
    /// <summary>The FPSCR bits software can write (ARMv7-M A2.5.3): N Z C V, AHP, DN, FZ, RMode and the cumulative flags.</summary>
    public const uint FpscrWritable = 0xF7C0_009F;
    public const uint DefaultNaN = 0x7FC0_0000;
    private const int RoundNearest = 0, RoundPlusInf = 1, RoundMinusInf = 2, RoundZero = 3;

    private enum Kind { Zero, Number, Inf, QNaN, SNaN }

    private static bool Sign(uint x) => (x >> 31) != 0;
    private static uint Zero(bool sign) => sign ? 0x8000_0000u : 0;
    private static uint Infinity(bool sign) => sign ? 0xFF80_0000u : 0x7F80_0000u;
    private static int Mode(uint fpscr) => (int)(fpscr >> 22) & 3;

    /// <summary>FPUnpack: the kind and exact value of a single; a denormal with FPSCR.FZ is a zero of its sign and sets IDC.</summary>
    private static Kind Unpack(uint x, ref uint fpscr, out double value)
    {
        uint exp = (x >> 23) & 0xFF, frac = x & 0x7F_FFFF;
        bool sign = Sign(x);
        if (exp == 0 && (frac == 0 || (fpscr & FpscrFz) != 0))
        {
            if (frac != 0) fpscr |= Idc;
            value = sign ? -0.0 : 0.0;
            return Kind.Zero;
        }
        if (exp == 255)
        {
            value = sign ? double.NegativeInfinity : double.PositiveInfinity;
            return frac == 0 ? Kind.Inf : (frac & 0x40_0000) != 0 ? Kind.QNaN : Kind.SNaN;
        }
        value = BitConverter.UInt32BitsToSingle(x);
        return Kind.Number;
    }

    private static bool IsNaN(Kind k) => k is Kind.QNaN or Kind.SNaN;

    /// <summary>FPProcessNaN: the NaN made quiet (IOC for a signalling one), or the default NaN with FPSCR.DN.</summary>
    private static uint ProcessNaN(Kind k, uint x, ref uint fpscr)
    {
        if (k == Kind.SNaN) fpscr |= Ioc;
        return (fpscr & FpscrDn) != 0 ? DefaultNaN : x | 0x40_0000;
    }

    private static bool ProcessNaNs(Kind k1, Kind k2, uint a, uint b, ref uint fpscr, out uint result)
    {
        if (k1 == Kind.SNaN) result = ProcessNaN(k1, a, ref fpscr);
        else if (k2 == Kind.SNaN) result = ProcessNaN(k2, b, ref fpscr);
        else if (k1 == Kind.QNaN) result = ProcessNaN(k1, a, ref fpscr);
        else if (k2 == Kind.QNaN) result = ProcessNaN(k2, b, ref fpscr);
        else { result = 0; return false; }
        return true;
    }

    private static uint Invalid(ref uint fpscr) { fpscr |= Ioc; return DefaultNaN; }

    /// <summary>
    /// FPRound: (-1)^sign x mant x 2^exp, whose exact value lies a little above that in magnitude when
    /// <paramref name="sticky"/>, rounded to single (<paramref name="n"/> = 32) or half (16) precision: flush to
    /// zero (single, FPSCR.FZ) of a value below the smallest normal with UFC; underflow (UFC) when the exact
    /// value is below the smallest normal and inexact (before rounding, as ARM detects tininess); overflow to
    /// infinity or the largest normal by the mode with OFC and IXC; AHP half precision saturates with IOC.
    /// </summary>
    private static uint Round(bool sign, ulong mant, int exp, bool sticky, int n, ref uint fpscr)
    {
        int f = n == 32 ? 23 : 10, e = n == 32 ? 8 : 5, minExp = n == 32 ? -126 : -14;
        int mode = Mode(fpscr);
        int exponent = exp + 63 - BitOperations.LeadingZeroCount(mant);
        uint signBit = sign ? 1u << (n - 1) : 0;
        if (n == 32 && (fpscr & FpscrFz) != 0 && exponent < minExp) { fpscr |= Ufc; return signBit; }
        int biased = Math.Max(exponent - minExp + 1, 0);
        int shift = Math.Max(exponent, minExp) - f - exp;      // mant is shifted right by this to give the integer mantissa
        ulong intMant;
        bool guard, rest;
        if (shift <= 0) { intMant = mant << -shift; guard = false; rest = false; }
        else if (shift > 64) { intMant = 0; guard = false; rest = true; }
        else
        {
            intMant = shift == 64 ? 0 : mant >> shift;
            guard = ((mant >> (shift - 1)) & 1) != 0;
            rest = shift > 1 && (mant & ((1UL << (shift - 1)) - 1)) != 0;
        }
        rest |= sticky;
        bool inexact = guard || rest;
        if (biased == 0 && inexact) fpscr |= Ufc;
        bool up = mode switch
        {
            RoundNearest => guard && (rest || (intMant & 1) != 0),
            RoundPlusInf => inexact && !sign,
            RoundMinusInf => inexact && sign,
            _ => false,
        };
        if (up)
        {
            intMant++;
            if (biased == 0 && intMant == 1UL << f) biased = 1;
            else if (intMant == 1UL << (f + 1)) { biased++; intMant >>= 1; }
        }
        uint result;
        if (n == 32 || (fpscr & FpscrAhp) == 0)
        {
            if (biased >= (1 << e) - 1)
            {
                bool toInf = mode == RoundNearest || (mode == RoundPlusInf && !sign) || (mode == RoundMinusInf && sign);
                result = signBit | (toInf ? (uint)((1 << e) - 1) << f : ((uint)((1 << e) - 1) << f) - 1);
                fpscr |= Ofc;
                inexact = true;
            }
            else result = signBit | (uint)biased << f | (uint)(intMant & ((1UL << f) - 1));
        }
        else if (biased >= 1 << e)
        {
            result = signBit | 0x7FFF;
            fpscr |= Ioc;
            inexact = false;
        }
        else result = signBit | (uint)biased << f | (uint)(intMant & ((1UL << f) - 1));
        if (inexact) fpscr |= Ixc;
        return result;
    }

    /// <summary>Rounds a nonzero finite double whose exact value differs from it by an error of sign <paramref name="errorSign"/>.</summary>
    private static uint RoundDouble(double v, int errorSign, int n, ref uint fpscr)
    {
        ulong bits = BitConverter.DoubleToUInt64Bits(v);
        bool sign = (bits >> 63) != 0;
        int be = (int)((bits >> 52) & 0x7FF);
        ulong mant = bits & ((1UL << 52) - 1);
        int exp;
        if (be == 0) exp = -1074;
        else { mant |= 1UL << 52; exp = be - 1075; }
        bool sticky = false;
        if (errorSign != 0)
        {
            sticky = true;
            // Exact magnitude below |v|: it lies between 2 mant - 1 and 2 mant halves.
            if ((errorSign > 0) == sign) { mant = 2 * mant - 1; exp--; }
        }
        return Round(sign, mant, exp, sticky, n, ref fpscr);
    }

    private static uint ExactZeroSum(uint fpscr) => Zero(Mode(fpscr) == RoundMinusInf);

    /// <summary>The sum s + err = a + b exactly (TwoSum).</summary>
    private static double TwoSum(double a, double b, out double err)
    {
        double s = a + b, bb = s - a;
        err = (a - (s - bb)) + (b - bb);
        return s;
    }

    /// <summary>FPAdd (or FPSub when <paramref name="subtract"/>: op2's sign flipped after NaN processing).</summary>
    public static uint Add(uint a, uint b, bool subtract, ref uint fpscr)
    {
        Kind k1 = Unpack(a, ref fpscr, out double v1), k2 = Unpack(b, ref fpscr, out double v2);
        if (ProcessNaNs(k1, k2, a, b, ref fpscr, out uint nan)) return nan;
        bool s1 = Sign(a), s2 = Sign(b) != subtract;
        if (subtract) v2 = -v2;
        if (k1 == Kind.Inf && k2 == Kind.Inf && s1 != s2) return Invalid(ref fpscr);
        if (k1 == Kind.Inf) return Infinity(s1);
        if (k2 == Kind.Inf) return Infinity(s2);
        if (k1 == Kind.Zero && k2 == Kind.Zero && s1 == s2) return Zero(s1);
        double s = TwoSum(v1, v2, out double err);
        if (s == 0) return ExactZeroSum(fpscr);
        return RoundDouble(s, Math.Sign(err), 32, ref fpscr);
    }

    /// <summary>FPMul.</summary>
    public static uint Mul(uint a, uint b, ref uint fpscr)
    {
        Kind k1 = Unpack(a, ref fpscr, out double v1), k2 = Unpack(b, ref fpscr, out double v2);
        if (ProcessNaNs(k1, k2, a, b, ref fpscr, out uint nan)) return nan;
        bool sign = Sign(a) != Sign(b);
        if (k1 == Kind.Inf && k2 == Kind.Zero || k1 == Kind.Zero && k2 == Kind.Inf) return Invalid(ref fpscr);
        if (k1 == Kind.Inf || k2 == Kind.Inf) return Infinity(sign);
        if (k1 == Kind.Zero || k2 == Kind.Zero) return Zero(sign);
        return RoundDouble(v1 * v2, 0, 32, ref fpscr);
    }

    /// <summary>FPDiv.</summary>
    public static uint Div(uint a, uint b, ref uint fpscr)
    {
        Kind k1 = Unpack(a, ref fpscr, out double v1), k2 = Unpack(b, ref fpscr, out double v2);
        if (ProcessNaNs(k1, k2, a, b, ref fpscr, out uint nan)) return nan;
        bool sign = Sign(a) != Sign(b);
        if (k1 == Kind.Inf && k2 == Kind.Inf || k1 == Kind.Zero && k2 == Kind.Zero) return Invalid(ref fpscr);
        if (k1 == Kind.Inf || k2 == Kind.Zero)
        {
            if (k1 != Kind.Inf) fpscr |= Dzc;
            return Infinity(sign);
        }
        if (k1 == Kind.Zero || k2 == Kind.Inf) return Zero(sign);
        double q = v1 / v2;
        double r = Math.FusedMultiplyAdd(-q, v2, v1);       // v1 - q v2, exactly
        return RoundDouble(q, Math.Sign(r) * Math.Sign(v2), 32, ref fpscr);
    }

    /// <summary>FPSqrt.</summary>
    public static uint Sqrt(uint a, ref uint fpscr)
    {
        Kind k = Unpack(a, ref fpscr, out double v);
        if (IsNaN(k)) return ProcessNaN(k, a, ref fpscr);
        if (k == Kind.Zero) return Zero(Sign(a));
        if (Sign(a)) return Invalid(ref fpscr);
        if (k == Kind.Inf) return Infinity(false);
        double s = Math.Sqrt(v);
        double r = Math.FusedMultiplyAdd(-s, s, v);          // v - s^2, exactly
        return RoundDouble(s, Math.Sign(r), 32, ref fpscr);
    }

    /// <summary>FPMulAdd: addend + op1 x op2 with one rounding (VFMA and its negated forms).</summary>
    public static uint MulAdd(uint addend, uint op1, uint op2, ref uint fpscr)
    {
        Kind ka = Unpack(addend, ref fpscr, out double va), k1 = Unpack(op1, ref fpscr, out double v1), k2 = Unpack(op2, ref fpscr, out double v2);
        bool inf1 = k1 == Kind.Inf, inf2 = k2 == Kind.Inf, zero1 = k1 == Kind.Zero, zero2 = k2 == Kind.Zero;
        bool infZero = inf1 && zero2 || zero1 && inf2;
        // FPProcessNaNs3: the first signalling NaN of (addend, op1, op2), else the first quiet one.
        uint nan = 0;
        if (ka == Kind.SNaN) nan = ProcessNaN(ka, addend, ref fpscr);
        else if (k1 == Kind.SNaN) nan = ProcessNaN(k1, op1, ref fpscr);
        else if (k2 == Kind.SNaN) nan = ProcessNaN(k2, op2, ref fpscr);
        else if (ka == Kind.QNaN) nan = ProcessNaN(ka, addend, ref fpscr);
        else if (k1 == Kind.QNaN) nan = ProcessNaN(k1, op1, ref fpscr);
        else if (k2 == Kind.QNaN) nan = ProcessNaN(k2, op2, ref fpscr);
        // An infinity times a zero is Invalid Operation even beside a quiet NaN addend (FPMulAdd in the ARM ARM for FPv4).
        if (ka == Kind.QNaN && infZero) return Invalid(ref fpscr);
        if (IsNaN(ka) || IsNaN(k1) || IsNaN(k2)) return nan;
        bool sa = Sign(addend), sp = Sign(op1) != Sign(op2);
        bool infA = ka == Kind.Inf, infP = inf1 || inf2, zeroP = zero1 || zero2;
        if (infZero || infA && infP && sa != sp) return Invalid(ref fpscr);
        if (infA && !sa || infP && !sp) return Infinity(false);
        if (infA && sa || infP && sp) return Infinity(true);
        if (ka == Kind.Zero && zeroP && sa == sp) return Zero(sa);
        double s = TwoSum(va, v1 * v2, out double err);
        if (s == 0) return ExactZeroSum(fpscr);
        return RoundDouble(s, Math.Sign(err), 32, ref fpscr);
    }

    /// <summary>FPCompare: the FPSCR N Z C V (bits 31:28) of comparing a with b; IOC for a signalling NaN, or any NaN when <paramref name="quietNanExc"/> (VCMPE).</summary>
    public static uint Compare(uint a, uint b, bool quietNanExc, ref uint fpscr)
    {
        Kind k1 = Unpack(a, ref fpscr, out double v1), k2 = Unpack(b, ref fpscr, out double v2);
        if (IsNaN(k1) || IsNaN(k2))
        {
            if (k1 == Kind.SNaN || k2 == Kind.SNaN || quietNanExc) fpscr |= Ioc;
            return 0x3000_0000;
        }
        return v1 == v2 ? 0x6000_0000u : v1 < v2 ? 0x8000_0000u : 0x2000_0000u;
    }

    /// <summary>
    /// FPToFixed: a single to a <paramref name="size"/>-bit integer with <paramref name="fracBits"/> fraction bits,
    /// rounded towards zero or by FPSCR.RMode; a NaN gives 0 and IOC; out of range saturates with IOC (not IXC).
    /// </summary>
    public static uint ToFixed(uint a, int size, int fracBits, bool unsigned, bool roundZero, ref uint fpscr)
    {
        Kind k = Unpack(a, ref fpscr, out double v);
        if (IsNaN(k)) { fpscr |= Ioc; return 0; }
        double x = k == Kind.Inf ? v : v * Math.ScaleB(1.0, fracBits);
        double r = (roundZero ? RoundZero : Mode(fpscr)) switch
        {
            RoundNearest => Math.Round(x, MidpointRounding.ToEven),
            RoundPlusInf => Math.Ceiling(x),
            RoundMinusInf => Math.Floor(x),
            _ => Math.Truncate(x),
        };
        double min = unsigned ? 0 : -Math.ScaleB(1.0, size - 1), max = unsigned ? Math.ScaleB(1.0, size) - 1 : Math.ScaleB(1.0, size - 1) - 1;
        if (r < min) { fpscr |= Ioc; r = min; }
        else if (r > max) { fpscr |= Ioc; r = max; }
        else if (r != x) fpscr |= Ixc;
        long result = (long)r;
        uint mask = size == 32 ? 0xFFFF_FFFFu : (1u << size) - 1;
        return (uint)result & mask;
    }

    /// <summary>FixedToFP: a <paramref name="size"/>-bit integer with <paramref name="fracBits"/> fraction bits to a single, rounded by FPSCR.RMode.</summary>
    public static uint FromFixed(uint operand, int size, int fracBits, bool unsigned, ref uint fpscr)
    {
        long value = size == 32 ? unsigned ? operand : (int)operand : unsigned ? operand & 0xFFFF : (short)operand;
        if (value == 0) return 0;
        return RoundDouble(Math.ScaleB(value, -fracBits), 0, 32, ref fpscr);
    }

    /// <summary>FPSingleToHalf: a single to half precision (IEEE, or the alternative format with FPSCR.AHP).</summary>
    public static uint SingleToHalf(uint a, ref uint fpscr)
    {
        Kind k = Unpack(a, ref fpscr, out double v);
        bool sign = Sign(a), ahp = (fpscr & FpscrAhp) != 0;
        uint signBit = sign ? 0x8000u : 0;
        switch (k)
        {
            case Kind.QNaN: case Kind.SNaN:
                if (ahp) { fpscr |= Ioc; return signBit; }
                if (k == Kind.SNaN) fpscr |= Ioc;
                return (fpscr & FpscrDn) != 0 ? 0x7E00u : signBit | 0x7E00 | ((a >> 13) & 0x1FF);
            case Kind.Inf:
                if (ahp) { fpscr |= Ioc; return signBit | 0x7FFF; }
                return signBit | 0x7C00;
            case Kind.Zero: return signBit;
            default: return RoundDouble(v, 0, 16, ref fpscr);
        }
    }

    /// <summary>FPHalfToSingle: half precision (IEEE, or the alternative format with FPSCR.AHP: no infinities or NaNs) to a single; exact.</summary>
    public static uint HalfToSingle(uint h, ref uint fpscr)
    {
        h &= 0xFFFF;
        bool sign = (h & 0x8000) != 0;
        uint exp = (h >> 10) & 31, frac = h & 0x3FF;
        if (exp == 31 && (fpscr & FpscrAhp) == 0)
        {
            if (frac == 0) return Infinity(sign);
            if ((frac & 0x200) == 0) fpscr |= Ioc;
            return (fpscr & FpscrDn) != 0 ? DefaultNaN : Zero(sign) | 0x7FC0_0000 | frac << 13;
        }
        if (exp == 0 && frac == 0) return Zero(sign);
        double v = exp == 0 ? Math.ScaleB((double)frac, -24) : Math.ScaleB((double)(frac | 0x400), (int)exp - 25);
        return RoundDouble(sign ? -v : v, 0, 32, ref fpscr);
    }

    /// <summary>VFPExpandImm (A6.4.1): the single an 8-bit VMOV immediate stands for.</summary>
    public static uint ExpandImm(uint imm8)
    {
        uint b6 = (imm8 >> 6) & 1;
        uint exp = (b6 ^ 1) << 7 | (b6 != 0 ? 0x7Cu : 0) | ((imm8 >> 4) & 3);
        return (imm8 >> 7) << 31 | exp << 23 | (imm8 & 15) << 19;
    }
}
