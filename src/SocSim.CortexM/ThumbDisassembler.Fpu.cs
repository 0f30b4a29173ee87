using System.Globalization;

namespace SocSim.CortexM;

/// <summary>The FPv4-SP instructions as objdump prints them (binutils arm-dis.c, the VFP tables).</summary>
public sealed partial class ThumbDisassembler
{
    private static string S(int n) => "s" + n;
    private static string D(int n) => "d" + n;

    private static string FpSpecialName(uint reg) => reg switch
    {
        0 => "fpsid", 1 => "fpscr", 6 => "mvfr1", 7 => "mvfr0", 8 => "fpexc", 9 => "fpinst", 10 => "fpinst2",
        _ => $"<impl def 0x{reg:x}>",
    };

    private static string FormatFp(in ThumbInst i, uint pc, string cond)
    {
        bool dbl = (i.Fp & FpFlags.Double) != 0;
        string d = S(i.Rd), n = S(i.Rn), m = S(i.Rm);
        switch (i.Op)
        {
            case Op.Vldr: case Op.Vstr:
                {
                    string name = i.Op == Op.Vldr ? "vldr" : "vstr";
                    string reg = dbl ? D(i.Rd) : d;
                    long off = i.Add ? i.Imm : -(long)i.Imm;
                    string addr = i.Imm == 0 && i.Add ? $"[{R(i.Rn)}]" : $"[{R(i.Rn)}, #{(i.Add ? "" : "-")}{i.Imm}]";
                    if (i.Rn == 15) return $"{name}{cond}\t{reg}, {addr}\t@ 0x{(uint)(((pc + 4) & ~3u) + off):x}";
                    return $"{name}{cond}\t{reg}, {addr}{Comment(off)}";
                }
            case Op.Vldm: case Op.Vstm:
                {
                    bool x = (i.Fp & FpFlags.X) != 0;
                    int count = dbl ? i.List / 2 : i.List;
                    string first = dbl ? D(i.Rd) : d, last = dbl ? D(i.Rd + count - 1) : S(i.Rd + count - 1);
                    string list = count <= 1 ? $"{{{first}}}" : $"{{{first}-{last}}}";
                    if (x)
                        return $"f{(i.Op == Op.Vldm ? "ldm" : "stm")}{(i.Add ? "ia" : "db")}x{cond}\t{R(i.Rn)}{(i.Wback ? "!" : "")}, {list}\t@ Deprecated";
                    if (i.Rn == 13 && i.Wback && (i.Op == Op.Vldm) == i.Add)
                        return $"{(i.Op == Op.Vldm ? "vpop" : "vpush")}{cond}\t{list}";
                    return $"{(i.Op == Op.Vldm ? "vldm" : "vstm")}{(i.Add ? "ia" : "db")}{cond}\t{R(i.Rn)}{(i.Wback ? "!" : "")}, {list}";
                }
            case Op.VmovCore:
                return (i.Fp & FpFlags.ToCore) != 0 ? $"vmov{cond}\t{R(i.Rd)}, {n}" : $"vmov{cond}\t{n}, {R(i.Rd)}";
            case Op.VmovCore2:
                {
                    string regs = dbl ? D(i.Rm) : $"{m}, {S(i.Rm + 1)}";
                    return (i.Fp & FpFlags.ToCore) != 0 ? $"vmov{cond}\t{R(i.Rd)}, {R(i.Ra)}, {regs}" : $"vmov{cond}\t{regs}, {R(i.Rd)}, {R(i.Ra)}";
                }
            case Op.VmovScalar:
                return (i.Fp & FpFlags.ToCore) != 0 ? $"vmov{cond}.32\t{R(i.Rd)}, {D(i.Rn)}[{i.Imm}]" : $"vmov{cond}.32\t{D(i.Rn)}[{i.Imm}], {R(i.Rd)}";
            case Op.Vmrs: return $"vmrs{cond}\t{(i.Rd == 15 ? "APSR_nzcv" : R(i.Rd))}, {FpSpecialName(i.Imm)}";
            case Op.Vmsr: return $"vmsr{cond}\t{FpSpecialName(i.Imm)}, {R(i.Rn)}";
            case Op.VmovImm:
                {
                    uint bits = VfpArithmetic.ExpandImm(i.Imm);
                    return $"vmov{cond}.f32\t{d}, #{i.Imm}\t@ 0x{bits:x8} {FpImmText(BitConverter.UInt32BitsToSingle(bits))}";
                }
            case Op.VmovReg: return $"vmov{cond}.f32\t{d}, {m}";
            case Op.Vabs: case Op.Vneg: case Op.Vsqrt: return $"{Name(i.Op)}{cond}.f32\t{d}, {m}";
            case Op.Vadd: case Op.Vsub: case Op.Vmul: case Op.Vnmul: case Op.Vdiv: case Op.Vmla: case Op.Vmls: case Op.Vnmla:
            case Op.Vnmls: case Op.Vfma: case Op.Vfms: case Op.Vfnma: case Op.Vfnms:
                return $"{Name(i.Op)}{cond}.f32\t{d}, {n}, {m}";
            case Op.Vcmp:
                return $"vcmp{((i.Fp & FpFlags.E) != 0 ? "e" : "")}{cond}.f32\t{d}, {((i.Fp & FpFlags.WithZero) != 0 ? "#0.0" : m)}";
            case Op.VcvtToInt:
                return $"vcvt{((i.Fp & FpFlags.RoundZero) != 0 ? "" : "r")}{cond}.{((i.Fp & FpFlags.Signed) != 0 ? "s" : "u")}32.f32\t{d}, {m}";
            case Op.VcvtFromInt:
                return $"vcvt{cond}.f32.{((i.Fp & FpFlags.Signed) != 0 ? "s" : "u")}32\t{d}, {m}";
            case Op.VcvtFixed:
                {
                    string fx = $"{((i.Fp & FpFlags.Signed) != 0 ? "s" : "u")}{i.ShiftN}";
                    string types = (i.Fp & FpFlags.ToFixed) != 0 ? $"{fx}.f32" : $"f32.{fx}";
                    return $"vcvt{cond}.{types}\t{d}, {d}, #{i.Imm}";
                }
            case Op.VcvtHalf:
                return $"vcvt{(i.Imm != 0 ? "t" : "b")}{cond}.{((i.Fp & FpFlags.ToHalf) != 0 ? "f16.f32" : "f32.f16")}\t{d}, {m}";
            default:
                return $"\t@ <UNDEFINED> instruction: 0x{i.Raw:x8}";
        }
    }

    /// <summary>
    /// The value of a VMOV immediate as arm-dis.c prints it after the hex: a space for the sign of a positive
    /// value, then fixed point with 1, 3 or 7 decimals, the fewest of those that show the value exactly.
    /// </summary>
    private static string FpImmText(float v)
    {
        double a = Math.Abs((double)v);
        int decimals = 1;
        foreach (int k in new[] { 1, 3, 7 })
        {
            decimals = k;
            if (Math.Round(a, k) == a) break;
        }
        return (v < 0 ? "-" : " ") + a.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }
}
