using System.Numerics;
using System.Text;

namespace SocSim.CortexM;

/// <summary>
/// Prints a decoded <see cref="ThumbInst"/> as GNU objdump (binutils arm-dis.c, UAL, Cortex-M) prints it:
/// mnemonic, S, condition and then .n/.w, registers r0-r9 sl fp ip sp lr pc, decimal immediates with a
/// "@ 0x.." comment beyond -16..32, branch and literal targets as objdump prints them without symbols ("0x1c4";
/// with a symbol table objdump prints "1c4 &lt;name+off&gt;" instead).
/// Conditions inside an IT block come from the IT state, which <see cref="Next"/> carries from one
/// instruction to the next as objdump does.
/// </summary>
public sealed partial class ThumbDisassembler
{
    private static readonly string[] Regs = ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "sl", "fp", "ip", "sp", "lr", "pc"];
    private static readonly string[] Conds = ["eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al", ""];
    private static readonly string[] Shifts = ["lsl", "lsr", "asr", "ror", "rrx"];

    private byte _it;

    /// <summary>Forgets the IT state (at a gap in the code).</summary>
    public void ResetIt() => _it = 0;

    /// <summary>Disassembles the instruction at <paramref name="address"/> and advances the IT state.</summary>
    public string Next(in ThumbInst i, uint address)
    {
        string cond = "";
        bool inIt = _it != 0;
        if (inIt && i.Op != Op.It)
        {
            cond = Conds[_it >> 4];
            if ((_it & 7) == 0) _it = 0; else _it = (byte)((_it & 0xE0) | ((_it << 1) & 0x1F));
        }
        string s = Format(i, address, cond, inIt);
        if (i.Op == Op.It) _it = (byte)((i.Imm << 4) | i.Cond);
        return s;
    }

    /// <summary>Disassembles one instruction outside any IT block.</summary>
    public static string Disassemble(in ThumbInst i, uint address) => new ThumbDisassembler().Next(i, address);

    private static string R(int r) => Regs[r];

    private static string Imm(long v) => "#" + v;

    private static string Comment(long v) => v > 32 || v < -16 ? $"\t@ 0x{(uint)v:x}" : "";

    private static string ShiftText(in ThumbInst i)
    {
        if (i.ShiftType == Shift.Rrx) return ", rrx";
        if (i.ShiftType == Shift.Lsl && i.ShiftN == 0) return "";
        return $", {Shifts[(int)i.ShiftType]} #{i.ShiftN}";
    }

    private static string List(uint list)
    {
        var sb = new StringBuilder("{");
        for (int r = 0; r < 16; r++)
            if ((list & (1u << r)) != 0) { if (sb.Length > 1) sb.Append(", "); sb.Append(Regs[r]); }
        return sb.Append('}').ToString();
    }

    private static string Mn(string name, bool s, string cond, bool wide) => name + (s ? "s" : "") + cond + (wide ? ".w" : "");

    private string Format(in ThumbInst i, uint pc, string cond, bool inIt)
    {
        bool w32 = i.Size == 4;
        switch (i.Op)
        {
            case Op.And: case Op.Eor: case Op.Orr: case Op.Orn: case Op.Bic: case Op.Mov: case Op.Mvn:
            case Op.Tst: case Op.Teq: case Op.Cmp: case Op.Cmn: case Op.Add: case Op.Adc: case Op.Sub: case Op.Sbc: case Op.Rsb:
                return DataProcessing(i, cond, inIt);
            case Op.ShiftReg:
                {
                    string n = Shifts[(int)i.ShiftType];
                    bool s = i.S == SetFlags.Always || (i.S == SetFlags.OutsideIt && !inIt);
                    if (!w32) return $"{Mn(n, s, cond, false)}\t{R(i.Rd)}, {R(i.Rm)}";
                    return $"{Mn(n, s, cond, true)}\t{R(i.Rd)}, {R(i.Rn)}, {R(i.Rm)}";
                }
            case Op.Movw: return $"movw{cond}\t{R(i.Rd)}, {Imm(i.Imm)}{Comment(i.Imm)}";
            case Op.Movt: return $"movt{cond}\t{R(i.Rd)}, {Imm(i.Imm)}{Comment(i.Imm)}";
            case Op.Adr:
                {
                    uint target = ((pc + 4) & ~3u) + (i.Add ? i.Imm : (uint)-(int)i.Imm);
                    if (!w32) return $"add{cond}\t{R(i.Rd)}, pc, #{i.Imm}\t@ (adr {R(i.Rd)}, 0x{target:x})";
                    return i.Add ? $"addw{cond}\t{R(i.Rd)}, pc, #{i.Imm}{Comment(i.Imm)}" : $"subw{cond}\t{R(i.Rd)}, pc, #{i.Imm}{Comment(i.Imm)}";
                }
            case Op.Mul:
                if (!w32) return $"{Mn("mul", !inIt, cond, false)}\t{R(i.Rd)}, {R(i.Rn)}";
                return $"mul{cond}.w\t{R(i.Rd)}, {R(i.Rn)}, {R(i.Rm)}";
            case Op.Mla: return $"mla{cond}\t{R(i.Rd)}, {R(i.Rn)}, {R(i.Rm)}, {R(i.Ra)}";
            case Op.Mls: return $"mls{cond}\t{R(i.Rd)}, {R(i.Rn)}, {R(i.Rm)}, {R(i.Ra)}";
            case Op.Umull: case Op.Smull: case Op.Umlal: case Op.Smlal:
                return $"{i.Op.ToString().ToLowerInvariant()}{cond}\t{R(i.Rd)}, {R(i.Ra)}, {R(i.Rn)}, {R(i.Rm)}";
            case Op.Sdiv: case Op.Udiv:
                return $"{i.Op.ToString().ToLowerInvariant()}{cond}\t{R(i.Rd)}, {R(i.Rn)}, {R(i.Rm)}";
            case Op.Ssat: case Op.Usat:
                return $"{i.Op.ToString().ToLowerInvariant()}{cond}\t{R(i.Rd)}, #{i.Imm}, {R(i.Rm)}{ShiftText(i)}";
            case Op.Sbfx: case Op.Ubfx:
                return $"{i.Op.ToString().ToLowerInvariant()}{cond}\t{R(i.Rd)}, {R(i.Rn)}, #{i.ShiftN}, #{i.Imm}";
            case Op.Bfi: return $"bfi{cond}\t{R(i.Rd)}, {R(i.Rn)}, #{i.ShiftN}, #{i.Imm - i.ShiftN + 1}";
            case Op.Bfc: return $"bfc{cond}\t{R(i.Rd)}, #{i.ShiftN}, #{i.Imm - i.ShiftN + 1}";
            case Op.Clz: return $"clz{cond}\t{R(i.Rd)}, {R(i.Rm)}";
            case Op.Rbit: return $"rbit{cond}\t{R(i.Rd)}, {R(i.Rm)}";
            case Op.Rev: case Op.Rev16: case Op.Revsh:
                return $"{i.Op.ToString().ToLowerInvariant()}{cond}{(w32 ? ".w" : "")}\t{R(i.Rd)}, {R(i.Rm)}";
            case Op.Sxtb: case Op.Sxth: case Op.Uxtb: case Op.Uxth:
                return $"{i.Op.ToString().ToLowerInvariant()}{cond}{(w32 ? ".w" : "")}\t{R(i.Rd)}, {R(i.Rm)}{(i.ShiftN != 0 ? $", ror #{i.ShiftN}" : "")}";
            case Op.B:
                {
                    string c = i.Cond != 14 ? Conds[i.Cond] : cond;
                    return $"b{c}{(w32 ? ".w" : ".n")}\t0x{pc + 4 + i.Imm:x}";
                }
            case Op.Bl: return $"bl{cond}\t0x{pc + 4 + i.Imm:x}";
            case Op.Bx: return $"bx{cond}\t{R(i.Rm)}";
            case Op.Blx: return $"blx{cond}\t{R(i.Rm)}";
            case Op.Cbz: case Op.Cbnz: return $"{i.Op.ToString().ToLowerInvariant()}\t{R(i.Rn)}, 0x{pc + 4 + i.Imm:x}";
            case Op.Tbb: return $"tbb{cond}\t[{R(i.Rn)}, {R(i.Rm)}]";
            case Op.Tbh: return $"tbh{cond}\t[{R(i.Rn)}, {R(i.Rm)}, lsl #1]";
            case Op.It:
                {
                    var sb = new StringBuilder("it");
                    uint first = i.Imm & 1, mask = i.Cond;
                    int n = 3 - BitOperations.TrailingZeroCount(mask);
                    for (int k = 0; k < n; k++) sb.Append(((mask >> (3 - k)) & 1) == first ? 't' : 'e');
                    return $"{sb}\t{Conds[i.Imm]}";
                }
            case Op.Ldr: case Op.Ldrb: case Op.Ldrh: case Op.Ldrsb: case Op.Ldrsh:
            case Op.Str: case Op.Strb: case Op.Strh:
                return LoadStore(i, pc, cond);
            case Op.Pld: case Op.Pli:
                return $"{i.Op.ToString().ToLowerInvariant()}{cond}\t{Address(i, pc, out _)}";
            case Op.Ldrd: case Op.Strd:
                {
                    // objdump prints a zero added offset as "[Rn]" even with write-back (arm-dis.c, LDRD/STRD).
                    string a = !i.Index ? $"[{R(i.Rn)}], #{(i.Add ? "" : "-")}{i.Imm}"
                        : i.Imm == 0 && i.Add ? $"[{R(i.Rn)}]"
                        : $"[{R(i.Rn)}, #{(i.Add ? "" : "-")}{i.Imm}]{(i.Wback ? "!" : "")}";
                    return $"{i.Op.ToString().ToLowerInvariant()}{cond}\t{R(i.Rd)}, {R(i.Ra)}, {a}{Comment(i.Imm)}";      // objdump comments the offset's magnitude
                }
            case Op.Ldm: case Op.Stm:
                {
                    bool load = i.Op == Op.Ldm;
                    if (!w32)
                    {
                        if (i.Rn == 13) return $"{(load ? "pop" : "push")}{cond}\t{List(i.List)}";
                        return $"{(load ? "ldmia" : "stmia")}{cond}\t{R(i.Rn)}{(i.Wback ? "!" : "")}, {List(i.List)}";
                    }
                    string mn = (load ? "ldm" : "stm") + (i.Add ? "ia" : "db") + cond + (i.Add ? ".w" : "");
                    return $"{mn}\t{R(i.Rn)}{(i.Wback ? "!" : "")}, {List(i.List)}";
                }
            case Op.Ldrex: return $"ldrex{cond}\t{R(i.Rd)}, [{R(i.Rn)}{(i.Imm != 0 ? $", #{i.Imm}" : "")}]{Comment(i.Imm)}";
            case Op.Ldrexb: case Op.Ldrexh: return $"{i.Op.ToString().ToLowerInvariant()}{cond}\t{R(i.Rd)}, [{R(i.Rn)}]";
            case Op.Strex: return $"strex{cond}\t{R(i.Rd)}, {R(i.Rm)}, [{R(i.Rn)}{(i.Imm != 0 ? $", #{i.Imm}" : "")}]{Comment(i.Imm)}";
            case Op.Strexb: case Op.Strexh: return $"{i.Op.ToString().ToLowerInvariant()}{cond}\t{R(i.Rd)}, {R(i.Rm)}, [{R(i.Rn)}]";
            case Op.Clrex: return $"clrex{cond}";
            case Op.Mrs: return $"mrs{cond}\t{R(i.Rd)}, {SpecialName(i.List, 0)}";
            case Op.Msr: return $"msr{cond}\t{SpecialName(i.List, i.Imm)}, {R(i.Rn)}";
            case Op.Cps: return $"cps{(i.Imm != 0 ? "id" : "ie")}\t{((i.List & 2) != 0 ? "i" : "")}{((i.List & 1) != 0 ? "f" : "")}";
            case Op.Nop: case Op.Yield: case Op.Wfe: case Op.Wfi: case Op.Sev:
                return i.Op.ToString().ToLowerInvariant() + cond + (w32 ? ".w" : "");
            case Op.Dmb: case Op.Dsb: return $"{i.Op.ToString().ToLowerInvariant()}{cond}\t{BarrierOption(i.Imm)}";
            case Op.Isb: return $"isb{cond}\t{(i.Imm == 15 ? "sy" : $"#{i.Imm}")}";
            case Op.Bkpt: return $"bkpt\t0x{i.Imm:x4}";
            case Op.Svc: return $"svc{cond}\t{i.Imm}";
            case Op.Udf: return $"udf{(w32 ? ".w" : "")}\t#{i.Imm}{Comment(i.Imm)}";
            case >= Op.VUndefined and <= Op.VcvtHalf: return FormatFp(i, pc, cond);
            case >= Op.Parallel: return FormatDsp(i, cond);
            default:
                return w32 ? $"\t@ <UNDEFINED> instruction: 0x{i.Raw:x8}" : $"\t@ <UNDEFINED> instruction: 0x{i.Raw:x4}";
        }
    }

    private static string BarrierOption(uint o) => o switch
    {
        15 => "sy", 14 => "st", 11 => "ish", 10 => "ishst", 7 => "nsh", 6 => "nshst", 3 => "osh", 2 => "oshst", _ => $"#{o}",
    };

    private static string SpecialName(uint sysm, uint mask) => sysm switch
    {
        // SYSm 0 as arm-dis.c prints it for every profile: the A-profile name with its field mask.
        0 => mask switch { 0 => "CPSR", 1 => "CPSR_s", 2 => "CPSR_f", _ => "CPSR_fs" },
        1 => mask == 2 ? "IAPSR_nzcvq" : "IAPSR",
        2 => mask == 2 ? "EAPSR_nzcvq" : "EAPSR",
        3 => mask == 2 ? "PSR_nzcvq" : "PSR",
        5 => "IPSR", 6 => "EPSR", 7 => "IEPSR", 8 => "MSP", 9 => "PSP", 16 => "PRIMASK", 17 => "BASEPRI", 18 => "BASEPRI_MAX",
        19 => "FAULTMASK", 20 => "CONTROL",
        _ => $"{sysm}",
    };

    private static string DataProcessing(in ThumbInst i, string cond, bool inIt)
    {
        bool w32 = i.Size == 4;
        bool s = i.S == SetFlags.Always || (i.S == SetFlags.OutsideIt && !inIt);
        bool compare = i.Op is Op.Tst or Op.Teq or Op.Cmp or Op.Cmn;
        string name = i.Op.ToString().ToLowerInvariant();
        if (!w32)
        {
            if (i.Raw == 0x46C0) return $"nop{cond}\t\t\t@ (mov r8, r8)";
            if (i.Op == Op.Mov && i.Form == Form.Reg && (i.ShiftN != 0 || i.ShiftType != Shift.Lsl))
                return $"{Mn(Shifts[(int)i.ShiftType], s, cond, false)}\t{R(i.Rd)}, {R(i.Rm)}, #{i.ShiftN}";
            if (i.Op == Op.Rsb) return $"{Mn("neg", s, cond, false)}\t{R(i.Rd)}, {R(i.Rn)}";
            string c16 = i.Form == Form.Imm ? Comment(i.Imm) : "";
            if (compare) return $"{name}{cond}\t{R(i.Rn)}, {(i.Form == Form.Imm ? Imm(i.Imm) : R(i.Rm))}{c16}";
            bool sFlag = i.S != SetFlags.Never && s;
            if (i.Op is Op.Mov or Op.Mvn) return $"{Mn(name, sFlag, cond, false)}\t{R(i.Rd)}, {(i.Form == Form.Imm ? Imm(i.Imm) : R(i.Rm))}{c16}";
            if (i.Form == Form.Imm)
            {
                // ADD/SUB SP, SP, #imm; ADD Rd, SP, #imm; ADDS/SUBS Rd, Rn, #imm3; ADDS/SUBS Rdn, #imm8.
                if (i.Rn == 13 && i.Rd == 13) return $"{name}{cond}\tsp, #{i.Imm}{c16}";
                if (i.Rn == 13) return $"{name}{cond}\t{R(i.Rd)}, sp, #{i.Imm}{c16}";
                bool imm8 = (i.Raw >> 13) == 1;
                if (imm8) return $"{Mn(name, sFlag, cond, false)}\t{R(i.Rd)}, #{i.Imm}{c16}";
                return $"{Mn(name, sFlag, cond, false)}\t{R(i.Rd)}, {R(i.Rn)}, #{i.Imm}{c16}";
            }
            // Register forms: three-operand ADDS/SUBS (0x18xx/0x1Axx); two-operand ALU and high-register forms.
            if ((i.Raw >> 10) == 0x6) return $"{Mn(name, sFlag, cond, false)}\t{R(i.Rd)}, {R(i.Rn)}, {R(i.Rm)}";
            return $"{Mn(name, sFlag, cond, false)}\t{R(i.Rd)}, {R(i.Rm)}";
        }
        if (((i.Raw >> 16) & 0xFA00) == 0xF200)
            return $"{name}w{cond}\t{R(i.Rd)}, {R(i.Rn)}, #{i.Imm}{Comment(i.Imm)}";      // ADDW/SUBW (plain 12-bit immediate)
        bool wide = i.Op is not (Op.Orn or Op.Rsb or Op.Teq);
        string mn = Mn(name, s && !compare, cond, wide);
        if (compare) mn = Mn(name, false, cond, i.Op != Op.Teq);
        string op2 = i.Form == Form.Imm ? Imm(i.Imm) : R(i.Rm) + ShiftText(i);
        string comment = i.Form == Form.Imm ? Comment(i.Imm) : "";
        if (compare) return $"{mn}\t{R(i.Rn)}, {op2}{comment}";
        if (i.Op is Op.Mov or Op.Mvn) return $"{mn}\t{R(i.Rd)}, {op2}{comment}";
        return $"{mn}\t{R(i.Rd)}, {R(i.Rn)}, {op2}{comment}";
    }

    private static string Address(in ThumbInst i, uint pc, out string comment)
    {
        comment = "";
        if (i.Rn == 15 && i.Form == Form.Imm)
        {
            uint target = ((pc + 4) & ~3u) + (i.Add ? i.Imm : (uint)-(int)i.Imm);
            comment = i.Size == 2 ? $"\t@ (0x{target:x})" : $"\t@ 0x{target:x}";
            return i.Imm == 0 && i.Size == 4 ? "[pc]" : $"[pc, #{(i.Add ? "" : "-")}{i.Imm}]";
        }
        if (i.Form == Form.Reg) return $"[{R(i.Rn)}, {R(i.Rm)}{(i.ShiftN != 0 ? $", lsl #{i.ShiftN}" : "")}]";
        long off = i.Add ? i.Imm : -(long)i.Imm;
        // objdump comments the 16-bit and the 12-bit immediate offsets, not the 8-bit (T3/T4) ones.
        comment = i.Size == 2 || ((i.Raw >> 16) & 0x80) != 0 ? Comment(off) : "";
        if (i.Size == 2) return $"[{R(i.Rn)}, #{off}]";
        if (!i.Index) return $"[{R(i.Rn)}], #{off}";
        if (i.Wback) return $"[{R(i.Rn)}, #{off}]!";
        return off == 0 && i.Add && !i.Unpriv ? $"[{R(i.Rn)}]" : $"[{R(i.Rn)}, #{off}]";
    }

    private static string LoadStore(in ThumbInst i, uint pc, string cond)
    {
        string name = i.Op.ToString().ToLowerInvariant();
        string a = Address(i, pc, out string comment);
        string mn = i.Unpriv ? name + "t" + cond : name + cond + (i.Size == 4 ? ".w" : "");
        return $"{mn}\t{R(i.Rd)}, {a}{comment}";
    }
}
