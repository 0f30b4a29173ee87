using System.Globalization;
using SocSim.Arm;

namespace SocSim.Arm9;

/// <summary>
/// The ARM926EJ-S's disassembler (what <c>--trace-instr</c> and the profiler print): the ARMv5TE(J)
/// encodings the ARMv4T <see cref="Disassembler"/> prints as undefined, spelled as GNU
/// <c>arm-none-eabi-objdump -d</c> (binutils 2.40) spells them for an <c>-mcpu=arm926ej-s</c> object
/// (CLZ, BLX both forms, BXJ, BKPT, LDRD/STRD, PLD, QADD/QSUB/QDADD/QDSUB, SMLAxy, SMLAWy, SMULWy,
/// SMLALxy, SMULxy, MCRR/MRRC and the coprocessor "2" forms); every other word as the ARMv4T
/// disassembler prints it. As there, the DSP multiplies with a non-zero should-be-zero field print as
/// objdump's fallback (the data-processing reading or undefined), and a conditional BKPT as undefined.
/// </summary>
public static class Arm926Disassembler
{
    private static readonly string[] SaturatingNames = ["qadd", "qsub", "qdadd", "qdsub"];

    /// <summary>
    /// The disassembly of the instruction at <paramref name="pc"/>; in Thumb state <paramref name="nextHalf"/>
    /// is the halfword after it (the second half of a BL or BLX pair).
    /// </summary>
    public static string Disassemble(uint opcode, uint pc, bool thumb, uint nextHalf)
    {
        if (!thumb) return Arm(opcode, pc);
        if ((opcode & 0xF800) == 0xF000 && ((nextHalf & 0xF800) == 0xF800 || (nextHalf & 0xF801) == 0xE800))
            return Disassembler.ThumbBl((ushort)opcode, (ushort)nextHalf, pc);
        if ((opcode & 0xF800) == 0xF800) return "(bl, second half)";
        if ((opcode & 0xF801) == 0xE800) return "(blx, second half)";
        return Disassembler.Thumb((ushort)opcode, pc);
    }

    /// <summary>Disassembles one ARM-state word fetched from <paramref name="address"/>.</summary>
    public static string Arm(uint op, uint address)
    {
        uint cond = op >> 28;
        if (cond == 15) return Unconditional(op, address) ?? Disassembler.Arm(op, address);
        return Conditional(op, Disassembler.ConditionName(cond), cond) ?? Disassembler.Arm(op, address);
    }

    private static string? Conditional(uint op, string c, uint cond)
    {
        if ((op & 0x0FFF0FF0) == 0x016F0F10) return $"clz{c}\t{R(op, 12)}, {R(op, 0)}";
        if ((op & 0x0FFFFFF0) == 0x012FFF30) return $"blx{c}\t{R(op, 0)}";
        if ((op & 0x0FFFFFF0) == 0x012FFF20) return $"bxj{c}\t{R(op, 0)}";
        if ((op & 0x0FF000F0) == 0x01200070)
            return cond == 14 ? $"bkpt\t0x{((op >> 4) & 0xFFF0) | (op & 0xF):x4}" : null;
        if ((op & 0x0F900FF0) == 0x01000050)
            return $"{SaturatingNames[(op >> 21) & 3]}{c}\t{R(op, 12)}, {R(op, 0)}, {R(op, 16)}";
        if ((op & 0x0F900090) == 0x01000080) return SignedMultiply(op, c);
        if ((op & 0x0E1000D0) == 0x000000D0 && ((op & 0x00400000) != 0 || (op & 0xF00) == 0))
            return Doubleword(op, c);
        if ((op & 0x0FE00000) == 0x0C400000)
            return $"{((op & 0x00100000) != 0 ? "mrrc" : "mcrr")}{c}\t{(op >> 8) & 15}, {(op >> 4) & 15}, {R(op, 12)}, {R(op, 16)}, cr{op & 15}";
        return null;
    }

    // SMLAxy, SMLAWy/SMULWy, SMLALxy, SMULxy: cccc 0001 0oo0 .... .... 1yx0 .... (x, y: B or T).
    private static string? SignedMultiply(uint op, string c)
    {
        string x = (op & 0x20) != 0 ? "t" : "b", y = (op & 0x40) != 0 ? "t" : "b";
        bool sbzClear = (op & 0xF000) == 0;
        return ((op >> 21) & 3) switch
        {
            0 => $"smla{x}{y}{c}\t{R(op, 16)}, {R(op, 0)}, {R(op, 8)}, {R(op, 12)}",
            1 when (op & 0x20) == 0 => $"smlaw{y}{c}\t{R(op, 16)}, {R(op, 0)}, {R(op, 8)}, {R(op, 12)}",
            1 when sbzClear => $"smulw{y}{c}\t{R(op, 16)}, {R(op, 0)}, {R(op, 8)}",
            2 => $"smlal{x}{y}{c}\t{R(op, 12)}, {R(op, 16)}, {R(op, 0)}, {R(op, 8)}",
            3 when sbzClear => $"smul{x}{y}{c}\t{R(op, 16)}, {R(op, 0)}, {R(op, 8)}",
            _ => null,
        };
    }

    private static string Doubleword(uint op, string c)
    {
        string name = (op & 0x20) != 0 ? "strd" : "ldrd";
        // objdump drops the writeback mark of a pre-indexed PC-relative form, as for the halfword loads.
        uint shown = (op & 0x014F0000) == 0x014F0000 ? op & ~0x00200000u : op;
        string address = (op & 0x00400000) != 0
            ? Disassembler.ImmediateAddress(shown, ((op >> 4) & 0xF0) | (op & 0xF))
            : Disassembler.RegisterAddress(op, "");
        return $"{name}{c}\t{R(op, 12)}, {address}";
    }

    private static string? Unconditional(uint op, uint address)
    {
        if ((op & 0xFE000000) == 0xFA000000)
        {
            uint target = address + 8 + (uint)(((int)(op << 8)) >> 6) + ((op >> 23) & 2);
            return $"blx\t{target.ToString("x", CultureInfo.InvariantCulture)}";
        }
        if ((op & 0xFD70F000) == 0xF550F000)
        {
            string shown = (op & 0x02000000) == 0
                ? Disassembler.ImmediateAddress(op, op & 0xFFF)
                : Disassembler.RegisterAddress(op, Disassembler.ImmediateShift(op));
            return (op & 0x02000000) != 0 && (op & 0x10) != 0 ? null : $"pld\t{shown}";
        }
        uint cp = (op >> 8) & 15;
        if ((op & 0xFFE00000) == 0xFC400000)
            return $"{((op & 0x00100000) != 0 ? "mrrc2" : "mcrr2")}\t{cp}, {(op >> 4) & 15}, {R(op, 12)}, {R(op, 16)}, cr{op & 15}";
        if ((op & 0xFE000000) == 0xFC000000) return CoprocessorTransfer2(op, cp);
        if ((op & 0xFF000000) == 0xFE000000)
        {
            string crn = $"cr{(op >> 16) & 15}", crm = $"cr{op & 15}";
            uint info = (op >> 5) & 7;
            if ((op & 0x10) == 0)
                return $"cdp2\t{cp}, {(op >> 20) & 15}, cr{(op >> 12) & 15}, {crn}, {crm}, {{{info}}}";
            // Unlike MRC's, objdump names MRC2's r15 destination pc.
            bool toArm = (op & 0x00100000) != 0;
            return $"{(toArm ? "mrc2" : "mcr2")}\t{cp}, {(op >> 21) & 7}, {R(op, 12)}, {crn}, {crm}, {{{info}}}";
        }
        return null;
    }

    private static string CoprocessorTransfer2(uint op, uint cp)
    {
        string name = ((op & 0x00100000) != 0 ? "ldc2" : "stc2") + ((op & 0x00400000) != 0 ? "l" : "");
        bool pre = (op & 0x01000000) != 0, writeback = (op & 0x00200000) != 0;
        uint imm8 = op & 0xFF;
        string rn = R(op, 16), sign = (op & 0x00800000) != 0 ? "" : "-";
        string address;
        if (!pre && writeback) address = $"[{rn}], #{sign}{imm8 * 4}";
        else if (!pre) address = $"[{rn}], {{{(imm8 == 0 ? sign : "")}{imm8}}}";
        else if (imm8 == 0 && sign.Length == 0) address = $"[{rn}]";
        else address = $"[{rn}, #{sign}{imm8 * 4}]{(writeback ? "!" : "")}";
        return $"{name}\t{cp}, cr{(op >> 12) & 15}, {address}";
    }

    private static string R(uint op, int shift) => Disassembler.RegisterName((int)(op >> shift));
}
