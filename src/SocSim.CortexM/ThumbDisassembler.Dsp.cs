namespace SocSim.CortexM;

/// <summary>The DSP extension's instructions as objdump prints them.</summary>
public sealed partial class ThumbDisassembler
{
    private static readonly string[] ParallelPrefix = ["s", "q", "sh", "", "u", "uq", "uh", ""];
    private static readonly string[] ParallelLane = ["add8", "add16", "asx", "", "sub8", "sub16", "sax", ""];
    private static readonly string[] HalfNames = ["bb", "bt", "tb", "tt"];

    private static string FormatDsp(in ThumbInst i, string cond)
    {
        string d = R(i.Rd), n = R(i.Rn), m = R(i.Rm), a = R(i.Ra);
        string ror = i.ShiftN != 0 ? $", ror #{i.ShiftN}" : "";
        bool noAcc = i.Ra == 15;
        switch (i.Op)
        {
            case Op.Parallel: return $"{ParallelPrefix[i.Imm >> 4]}{ParallelLane[i.Imm & 7]}{cond}\t{d}, {n}, {m}";
            case Op.Qadd: case Op.Qdadd: case Op.Qsub: case Op.Qdsub:
                return $"{Name(i.Op)}{cond}\t{d}, {m}, {n}";
            case Op.Sel: return $"sel{cond}\t{d}, {n}, {m}";
            case Op.Sxtb16: case Op.Uxtb16: return $"{Name(i.Op)}{cond}\t{d}, {m}{ror}";
            case Op.Sxtab: case Op.Uxtab: case Op.Sxtah: case Op.Uxtah: case Op.Sxtab16: case Op.Uxtab16:
                return $"{Name(i.Op)}{cond}\t{d}, {n}, {m}{ror}";
            case Op.Smlaxy:
                return noAcc ? $"smul{HalfNames[i.Imm]}{cond}\t{d}, {n}, {m}" : $"smla{HalfNames[i.Imm]}{cond}\t{d}, {n}, {m}, {a}";
            case Op.Smlad: case Op.Smlsd:
                {
                    string x = i.Imm != 0 ? "x" : "";
                    string name = i.Op == Op.Smlad ? noAcc ? "smuad" : "smlad" : noAcc ? "smusd" : "smlsd";
                    return noAcc ? $"{name}{x}{cond}\t{d}, {n}, {m}" : $"{name}{x}{cond}\t{d}, {n}, {m}, {a}";
                }
            case Op.Smlawy:
                return noAcc ? $"smulw{(i.Imm != 0 ? "t" : "b")}{cond}\t{d}, {n}, {m}" : $"smlaw{(i.Imm != 0 ? "t" : "b")}{cond}\t{d}, {n}, {m}, {a}";
            case Op.Smmla: case Op.Smmls:
                {
                    string r = i.Imm != 0 ? "r" : "";
                    if (i.Op == Op.Smmla && noAcc) return $"smmul{r}{cond}\t{d}, {n}, {m}";
                    return $"{Name(i.Op)}{r}{cond}\t{d}, {n}, {m}, {a}";
                }
            case Op.Usada8: return noAcc ? $"usad8{cond}\t{d}, {n}, {m}" : $"usada8{cond}\t{d}, {n}, {m}, {a}";
            case Op.Smlalxy: return $"smlal{HalfNames[i.Imm]}{cond}\t{d}, {a}, {n}, {m}";
            case Op.Smlald: case Op.Smlsld: return $"{Name(i.Op)}{(i.Imm != 0 ? "x" : "")}{cond}\t{d}, {a}, {n}, {m}";
            case Op.Umaal: return $"umaal{cond}\t{d}, {a}, {n}, {m}";
            case Op.Ssat16: case Op.Usat16: return $"{Name(i.Op)}{cond}\t{d}, #{i.Imm}, {m}";
            case Op.Pkh:
                {
                    bool tb = i.ShiftType == Shift.Asr;
                    string shift = tb ? $", asr #{i.ShiftN}" : i.ShiftN != 0 ? $", lsl #{i.ShiftN}" : "";
                    return $"pkh{(tb ? "tb" : "bt")}{cond}\t{d}, {n}, {m}{shift}";
                }
            default: return $"\t@ <UNDEFINED> instruction: 0x{i.Raw:x8}";
        }
    }

    private static string Name(Op op) => op.ToString().ToLowerInvariant();
}
