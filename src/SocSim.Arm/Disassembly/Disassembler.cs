using System.Globalization;
using System.Numerics;
using System.Text;

namespace SocSim.Arm;

/// <summary>
/// ARMv4T (ARM7TDMI) disassembler whose output matches GNU <c>arm-none-eabi-objdump -d</c>
/// (binutils 2.40, standard register names) for every ARMv4T encoding, minus objdump's
/// <c>&lt;symbol&gt;</c> annotations and <c>@ ...</c> comments. Branch targets are absolute hex
/// addresses without a <c>0x</c> prefix, exactly as objdump prints them before the symbol.
/// ARM words that are undefined on ARMv4T print as <c>&lt;UNDEFINED&gt; instruction: 0x...</c>,
/// the text objdump puts in its comment for encodings it cannot decode (objdump itself would
/// name ARMv5+ instructions there). Coprocessor instructions always use the generic
/// CDP/LDC/STC/MCR/MRC spelling, where objdump names FPA, VFP, Maverick and iWMMXt ones.
/// In Thumb state the 16-bit ARMv5T+ forms (BLX, BKPT, CBZ, hints ...) are spelled as objdump
/// does; IT is printed as undefined because objdump conditions the instructions after it.
/// Not on the hot path: one string per call.
/// </summary>
public static class Disassembler
{
    private static readonly string[] RegNames =
        ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "sl", "fp", "ip", "sp", "lr", "pc"];

    // objdump spells the carry conditions cs/cc, never hs/lo; AL and NV print nothing.
    private static readonly string[] CondNames =
        ["eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "", ""];

    private static readonly string[] DataOpNames =
        ["and", "eor", "sub", "rsb", "add", "adc", "sbc", "rsc", "tst", "teq", "cmp", "cmn", "orr", "mov", "bic", "mvn"];

    private static readonly string[] ShiftNames = ["lsl", "lsr", "asr", "ror"];

    private static readonly string[] ThumbAluNames =
        ["ands", "eors", "lsls", "lsrs", "asrs", "adcs", "sbcs", "rors", "tst", "negs", "cmp", "cmn", "orrs", "muls", "bics", "mvns"];

    // Thumb format 7/8 (load/store with register offset), indexed by bits [11:9].
    private static readonly string[] ThumbRegOffsetNames =
        ["str", "strh", "strb", "ldrsb", "ldr", "ldrh", "ldrb", "ldrsh"];

    private static readonly string[] LongMulNames = ["umull", "umlal", "smull", "smlal"];

    /// <summary>Name of a register as objdump prints it (r0..r9, sl, fp, ip, sp, lr, pc).</summary>
    public static string RegisterName(int reg) => RegNames[reg & 15];

    /// <summary>The condition suffix of condition field <paramref name="cond"/> ("" for AL and for 0b1111).</summary>
    public static string ConditionName(uint cond) => CondNames[cond & 15];

    // ------------------------------------------------------------------ ARM state

    /// <summary>Disassembles one ARM-state instruction word fetched from <paramref name="address"/>.</summary>
    public static string Arm(uint opcode, uint address)
    {
        uint cond = opcode >> 28;
        // ARMv4T has no unconditional (NV) space; objdump decodes it as ARMv5+ instructions.
        if (cond == 15)
            return Undefined(opcode);

        string c = CondNames[cond];
        return ((opcode >> 25) & 7) switch
        {
            0 => ArmGroup0(opcode, c),
            1 => ArmGroup1(opcode, c),
            2 => ArmSingleTransfer(opcode, c),
            3 => (opcode & 0x10) != 0 ? ArmMediaSpace(opcode) : ArmSingleTransfer(opcode, c),
            4 => ArmBlockTransfer(opcode, c),
            5 => $"b{((opcode & 0x01000000) != 0 ? "l" : "")}{c}\t{Hex(address + 8 + (uint)(((int)(opcode << 8)) >> 6))}",
            6 => ArmCoprocTransfer(opcode, c),
            _ => ArmGroup7(opcode, c),
        };
    }

    // Register-operand data processing, multiplies, swaps, halfword transfers, MRS/MSR/BX.
    private static string ArmGroup0(uint op, string c)
    {
        if ((op & 0x0fc000f0) == 0x00000090)
            return ArmMultiply(op, c);
        if ((op & 0x0f8000f0) == 0x00800090)
            return $"{LongMulNames[(op >> 21) & 3]}{S(op)}{c}\t{R(op, 12)}, {R(op, 16)}, {R(op, 0)}, {R(op, 8)}";
        if ((op & 0x0fb00ff0) == 0x01000090)
            return $"swp{((op & 0x00400000) != 0 ? "b" : "")}{c}\t{R(op, 12)}, {R(op, 0)}, [{R(op, 16)}]";
        if ((op & 0x0ffffff0) == 0x012fff10)
            return $"bx{c}\t{R(op, 0)}";
        if ((op & 0x0fbf0fff) == 0x010f0000)
            return $"mrs{c}\t{R(op, 12)}, {Psr(op)}";
        if ((op & 0x90) == 0x90)
        {
            if (IsHalfwordTransfer(op))
                return ArmHalfwordTransfer(op, c);
            // Left-overs of the multiply/halfword space that objdump's looser table entries
            // (MSR, the MOV shift aliases, TEQ) still match; it then prints Rm without a shift.
            if (IsMsr(op))
                return $"msr{c}\t{PsrFields(op)}, {R(op, 0)}";
            uint opc = (op >> 21) & 15;
            if (opc == 13 && (op & 0x000f0000) == 0)
                return $"{ShiftNames[(op >> 5) & 3]}{S(op)}{c}\t{R(op, 12)}, {R(op, 0)}";
            if (opc == 9 && (op & 0x00100000) != 0 && (op & 0xff0) != 0x090)
                return $"teq{c}\t{R(op, 16)}, {R(op, 0)}";
            return Undefined(op);
        }
        if (IsMsr(op))
            return $"msr{c}\t{PsrFields(op)}, {ArmShifterOperand(op)}";
        // Anything else in the TST/TEQ/CMP/CMN-without-S space prints as the comparison.
        return ArmDataProcessing(op, c);
    }

    // objdump matches MSR on the opcode and SBO bits only, so any shifter operand is printed.
    private static bool IsMsr(uint op) => (op & 0x0db0f000) == 0x0120f000;

    // Immediate-operand data processing and MSR immediate.
    private static string ArmGroup1(uint op, string c) =>
        IsMsr(op) ? $"msr{c}\t{PsrFields(op)}, {ArmShifterOperand(op)}" : ArmDataProcessing(op, c);

    private static string ArmDataProcessing(uint op, string c)
    {
        uint opc = (op >> 21) & 15;
        string name = DataOpNames[opc];
        bool imm = (op & 0x02000000) != 0;

        // objdump decodes TST/CMP/CMN without S (the ARMv4T status-register space) as the
        // comparison, but not TEQ.
        if (opc == 9 && (op & 0x00100000) == 0)
            return Undefined(op);
        if (opc is >= 8 and <= 11)         // TST, TEQ, CMP, CMN: no S suffix, Rd ignored (TEQP etc.)
            return $"{name}{c}\t{R(op, 16)}, {ArmShifterOperand(op)}";

        string s = S(op);
        // objdump rejects MOV with a non-zero (SBZ) Rn field; MVN it prints regardless.
        if (opc == 13 && (op & 0x000f0000) != 0)
            return Undefined(op);
        if (opc == 13 && !imm)
        {
            if (op == 0xe1a00000)
                return "nop";
            // objdump prints MOV with a shifted register as the UAL shift instruction.
            if ((op & 0xff0) == 0)
                return $"mov{s}{c}\t{R(op, 12)}, {R(op, 0)}";
            uint type = (op >> 5) & 3;
            if ((op & 0x10) != 0)
                return $"{ShiftNames[type]}{s}{c}\t{R(op, 12)}, {R(op, 0)}, {R(op, 8)}";
            uint amount = (op >> 7) & 31;
            if (type == 3 && amount == 0)
                return $"rrx{s}{c}\t{R(op, 12)}, {R(op, 0)}";
            if (amount == 0)
                amount = 32;               // LSR #0 and ASR #0 encode a shift by 32
            return $"{ShiftNames[type]}{s}{c}\t{R(op, 12)}, {R(op, 0)}, #{amount}";
        }

        if (opc is 13 or 15)              // MOV, MVN: no Rn
            return $"{name}{s}{c}\t{R(op, 12)}, {ArmShifterOperand(op)}";
        return $"{name}{s}{c}\t{R(op, 12)}, {R(op, 16)}, {ArmShifterOperand(op)}";
    }

    private static string ArmShifterOperand(uint op)
    {
        if ((op & 0x02000000) != 0)
            return ArmImmediate(op);
        string rm = R(op, 0);
        uint type = (op >> 5) & 3;
        if ((op & 0x10) != 0)
            return $"{rm}, {ShiftNames[type]} {R(op, 8)}";
        return rm + ImmediateShift(op);
    }

    /// <summary>", lsl #n" etc. for an immediate shift in bits [11:5]; empty for LSL #0 (also the ARM926 disassembler's).</summary>
    public static string ImmediateShift(uint op)
    {
        uint type = (op >> 5) & 3;
        uint amount = (op >> 7) & 31;
        if (amount == 0)
        {
            return type switch
            {
                0 => "",
                3 => ", rrx",
                _ => $", {ShiftNames[type]} #32",
            };
        }
        return $", {ShiftNames[type]} #{amount}";
    }

    // Rotated 8-bit immediate. objdump prints the value as a signed decimal, unless a smaller
    // rotation could encode the same value, in which case it prints "#imm8, rotation".
    private static string ArmImmediate(uint op)
    {
        int rotate = (int)((op >> 7) & 0x1e);
        uint imm8 = op & 0xff;
        uint value = BitOperations.RotateRight(imm8, rotate);
        int smallest = 0;
        while (smallest < 32 && BitOperations.RotateLeft(value, smallest) > 0xff)
            smallest += 2;
        if (smallest != rotate)
            return $"#{imm8}, {rotate}";
        return "#" + ((int)value).ToString(CultureInfo.InvariantCulture);
    }

    private static string ArmMultiply(uint op, string c)
    {
        if ((op & 0x00200000) != 0)
            return $"mla{S(op)}{c}\t{R(op, 16)}, {R(op, 0)}, {R(op, 8)}, {R(op, 12)}";
        return $"mul{S(op)}{c}\t{R(op, 16)}, {R(op, 0)}, {R(op, 8)}";
    }

    private static bool IsHalfwordTransfer(uint op)
    {
        bool load = (op & 0x00100000) != 0;
        uint sh = (op >> 5) & 3;
        // Register form requires SBZ bits [11:8]; LDRD/STRD (L=0, SH=1x) are ARMv5TE;
        // post-indexed with W set (LDRHT and friends) is ARMv6T2.
        return sh != 0 && (load || sh == 1)
            && ((op & 0x00400000) != 0 || (op & 0xf00) == 0)
            && !((op & 0x01000000) == 0 && (op & 0x00200000) != 0);
    }

    private static string ArmHalfwordTransfer(uint op, string c)
    {
        bool load = (op & 0x00100000) != 0;
        uint sh = (op >> 5) & 3;
        string name = sh switch
        {
            1 => load ? "ldrh" : "strh",
            2 => "ldrsb",
            _ => "ldrsh",
        };
        string address;
        if ((op & 0x00400000) != 0)
        {
            // objdump drops the writeback mark of a pre-indexed PC-relative halfword load.
            uint shown = (op & 0x010f0000) == 0x010f0000 ? op & ~0x00200000u : op;
            address = ImmediateAddress(shown, ((op >> 4) & 0xf0) | (op & 0xf));
        }
        else
            address = RegisterAddress(op, "");
        return $"{name}{c}\t{R(op, 12)}, {address}";
    }

    private static string ArmSingleTransfer(uint op, string c)
    {
        bool load = (op & 0x00100000) != 0;
        bool byteAccess = (op & 0x00400000) != 0;
        bool pre = (op & 0x01000000) != 0;
        bool writeback = (op & 0x00200000) != 0;
        bool reg = (op & 0x02000000) != 0;

        // objdump's aliases for the single-register stack push and pop.
        if ((op & 0x0fff0fff) == 0x052d0004)
            return $"push{c}\t{{{R(op, 12)}}}";
        if ((op & 0x0fff0fff) == 0x049d0004)
            return $"pop{c}\t{{{R(op, 12)}}}";

        string t = !pre && writeback ? "t" : "";
        string name = (load ? "ldr" : "str") + (byteAccess ? "b" : "") + t;
        string address = reg ? RegisterAddress(op, ImmediateShift(op)) : ImmediateAddress(op, op & 0xfff);
        return $"{name}{c}\t{R(op, 12)}, {address}";
    }

    // "[rn]", "[rn, #-0]", "[rn, #4]!", "[rn], #-4": objdump omits only a zero, positive,
    // non-writeback pre-indexed offset. Also the ARM926 disassembler's (LDRD/STRD, PLD).
    public static string ImmediateAddress(uint op, uint offset)
    {
        string rn = R(op, 16);
        string sign = (op & 0x00800000) != 0 ? "" : "-";
        if ((op & 0x01000000) == 0)
            return $"[{rn}], #{sign}{offset}";
        bool writeback = (op & 0x00200000) != 0;
        if (offset == 0 && sign.Length == 0 && !writeback)
            return $"[{rn}]";
        return $"[{rn}, #{sign}{offset}]{(writeback ? "!" : "")}";
    }

    /// <summary>A register-offset address (Rn in bits 19:16, Rm in 3:0, P/U/W in 24/23/21), as objdump prints it.</summary>
    public static string RegisterAddress(uint op, string shift)
    {
        string rn = R(op, 16);
        string sign = (op & 0x00800000) != 0 ? "" : "-";
        if ((op & 0x01000000) == 0)
            return $"[{rn}], {sign}{R(op, 0)}{shift}";
        return $"[{rn}, {sign}{R(op, 0)}{shift}]{((op & 0x00200000) != 0 ? "!" : "")}";
    }

    // cccc 011x xxxx xxxx xxxx xxxx xxx1 xxxx: undefined on ARMv4T; UDF is the permanently
    // undefined encoding objdump names (only with the AL condition).
    private static string ArmMediaSpace(uint op)
    {
        if ((op & 0xfff000f0) == 0xe7f000f0)
            return $"udf\t#{((op >> 4) & 0xfff0) | (op & 0xf)}";
        return Undefined(op);
    }

    private static string ArmBlockTransfer(uint op, string c)
    {
        bool load = (op & 0x00100000) != 0;
        string list = RegisterList(op & 0xffff);
        string rn = R(op, 16);
        string wb = (op & 0x00200000) != 0 ? "!" : "";
        string user = (op & 0x00400000) != 0 ? "^" : "";
        bool single = BitOperations.PopCount(op & 0xffff) == 1;

        if (load)
        {
            if ((op & 0x0fff0000) == 0x08bd0000)
                return single ? $"ldmfd{c}\tsp!, {list}" : $"pop{c}\t{list}";
            if ((op & 0x0f900000) == 0x08900000)
                return $"ldm{c}\t{rn}{wb}, {list}{user}";
        }
        else
        {
            if ((op & 0x0fff0000) == 0x092d0000)
                return single ? $"stmfd{c}\tsp!, {list}" : $"push{c}\t{list}";
            if ((op & 0x0ff00000) == 0x08800000)
                return $"stm{c}\t{rn}, {list}";
        }
        string mode = ((op & 0x00800000) != 0 ? "i" : "d") + ((op & 0x01000000) != 0 ? "b" : "a");
        return $"{(load ? "ldm" : "stm")}{mode}{c}\t{rn}{wb}, {list}{user}";
    }

    private static string ArmCoprocTransfer(uint op, string c)
    {
        string name = ((op & 0x00100000) != 0 ? "ldc" : "stc") + ((op & 0x00400000) != 0 ? "l" : "");
        bool pre = (op & 0x01000000) != 0;
        bool writeback = (op & 0x00200000) != 0;
        uint imm8 = op & 0xff;
        string rn = R(op, 16);
        string sign = (op & 0x00800000) != 0 ? "" : "-";
        string address;
        if (!pre && writeback)
            address = $"[{rn}], #{sign}{imm8 * 4}";
        else if (!pre)                        // unindexed: the byte is a coprocessor option
            address = $"[{rn}], {{{(imm8 == 0 ? sign : "")}{imm8}}}";  // objdump shows U=0 only as "{-0}"
        else if (imm8 == 0 && sign.Length == 0)
            address = $"[{rn}]";              // objdump omits a zero offset even with writeback
        else
            address = $"[{rn}, #{sign}{imm8 * 4}]{(writeback ? "!" : "")}";
        return $"{name}{c}\t{(op >> 8) & 15}, cr{(op >> 12) & 15}, {address}";
    }

    private static string ArmGroup7(uint op, string c)
    {
        if ((op & 0x01000000) != 0)
            return $"svc{c}\t0x{op & 0xffffff:x8}";
        uint cp = (op >> 8) & 15;
        string crn = $"cr{(op >> 16) & 15}";
        string crm = $"cr{op & 15}";
        uint info = (op >> 5) & 7;
        if ((op & 0x10) == 0)
            return $"cdp{c}\t{cp}, {(op >> 20) & 15}, cr{(op >> 12) & 15}, {crn}, {crm}, {{{info}}}";
        bool toArm = (op & 0x00100000) != 0;
        uint rd = (op >> 12) & 15;
        // MRC to r15 sets the flags; objdump names that destination APSR_nzcv.
        string rdName = toArm && rd == 15 ? "APSR_nzcv" : RegNames[rd];
        return $"{(toArm ? "mrc" : "mcr")}{c}\t{cp}, {(op >> 21) & 7}, {rdName}, {crn}, {crm}, {{{info}}}";
    }

    private static string Psr(uint op) => (op & 0x00400000) != 0 ? "SPSR" : "CPSR";

    // objdump lists the MSR field mask as f, s, x, c (bits 19..16).
    private static string PsrFields(uint op)
    {
        var sb = new StringBuilder(Psr(op), 10).Append('_');
        if ((op & 0x00080000) != 0) sb.Append('f');
        if ((op & 0x00040000) != 0) sb.Append('s');
        if ((op & 0x00020000) != 0) sb.Append('x');
        if ((op & 0x00010000) != 0) sb.Append('c');
        return sb.ToString();
    }

    // ------------------------------------------------------------------ Thumb state

    /// <summary>
    /// Disassembles one Thumb halfword fetched from <paramref name="address"/>. A BL prefix or
    /// suffix on its own (objdump always pairs them) prints as <c>bl.prefix</c>/<c>bl.suffix</c>
    /// with its part of the offset; use <see cref="ThumbBl"/> for the pair.
    /// </summary>
    public static string Thumb(ushort opcode, uint address)
    {
        uint op = opcode;
        switch (op >> 13)
        {
            case 0:
                return ThumbShiftAddSub(op);
            case 1:
            {
                string name = ((op >> 11) & 3) switch { 0 => "movs", 1 => "cmp", 2 => "adds", _ => "subs" };
                return $"{name}\t{LowReg(op, 8)}, #{op & 0xff}";
            }
            case 2:
                return ThumbGroup2(op, address);
            case 3:
            {
                // Format 9: load/store with 5-bit immediate offset, scaled by 4 for words.
                uint kind = (op >> 11) & 3;
                uint offset = ((op >> 6) & 31) << (kind < 2 ? 2 : 0);
                string name = kind switch { 0 => "str", 1 => "ldr", 2 => "strb", _ => "ldrb" };
                return $"{name}\t{LowReg(op, 0)}, [{LowReg(op, 3)}, #{offset}]";
            }
            case 4:
                if ((op & 0x1000) == 0)
                    return $"{((op & 0x800) != 0 ? "ldrh" : "strh")}\t{LowReg(op, 0)}, [{LowReg(op, 3)}, #{((op >> 6) & 31) << 1}]";
                return $"{((op & 0x800) != 0 ? "ldr" : "str")}\t{LowReg(op, 8)}, [sp, #{(op & 0xff) << 2}]";
            case 5:
                if ((op & 0x1000) == 0)
                    return $"add\t{LowReg(op, 8)}, {((op & 0x800) != 0 ? "sp" : "pc")}, #{(op & 0xff) << 2}";
                return ThumbMisc(op, address);
            case 6:
                return ThumbGroup6(op, address);
            default:
                if ((op & 0x1800) == 0)
                    return $"b.n\t{Hex(address + 4 + (uint)(((int)(op << 21)) >> 20))}";
                if ((op & 0x1800) == 0x1000)
                    return $"bl.prefix\t#{((int)(op << 21)) >> 9}";
                if ((op & 0x1800) == 0x1800)
                    return $"bl.suffix\t#{(op & 0x7ff) << 1}";
                return Undefined16(op);     // BLX suffix: ARMv5T
        }
    }

    /// <summary>
    /// Disassembles a Thumb BL prefix/suffix pair at <paramref name="address"/> (the prefix's
    /// address) as the single instruction objdump shows. A BLX suffix (ARMv5T) gives objdump's
    /// <c>blx</c> with the word-aligned target.
    /// </summary>
    public static string ThumbBl(ushort first, ushort second, uint address)
    {
        if ((first & 0xf800) == 0xf000)
        {
            int offset = (((int)((uint)first << 21)) >> 9) | ((second & 0x7ff) << 1);
            uint target = address + 4 + (uint)offset;
            if ((second & 0xf800) == 0xf800)
                return $"bl\t{Hex(target)}";
            if ((second & 0xf801) == 0xe800)
                return $"blx\t{Hex(target & ~3u)}";
        }
        return $"<UNDEFINED> instruction: 0x{first:x4}{second:x4}";
    }

    private static string ThumbShiftAddSub(uint op)
    {
        uint kind = (op >> 11) & 3;
        string rd = LowReg(op, 0), rs = LowReg(op, 3);
        if (kind == 3)
        {
            string name = (op & 0x200) != 0 ? "subs" : "adds";
            string operand = (op & 0x400) != 0 ? $"#{(op >> 6) & 7}" : LowReg(op, 6);
            return $"{name}\t{rd}, {rs}, {operand}";
        }
        uint amount = (op >> 6) & 31;
        if (kind == 0 && amount == 0)
            return $"movs\t{rd}, {rs}";
        if (amount == 0)
            amount = 32;                   // LSR/ASR #0 shift by 32
        return $"{ShiftNames[kind]}s\t{rd}, {rs}, #{amount}";
    }

    private static string ThumbGroup2(uint op, uint address)
    {
        if ((op & 0x1000) != 0)
        {
            // Formats 7 and 8: register offset.
            return $"{ThumbRegOffsetNames[(op >> 9) & 7]}\t{LowReg(op, 0)}, [{LowReg(op, 3)}, {LowReg(op, 6)}]";
        }
        if ((op & 0x0800) != 0)
            return $"ldr\t{LowReg(op, 8)}, [pc, #{(op & 0xff) << 2}]";
        if ((op & 0x0400) == 0)
            return $"{ThumbAluNames[(op >> 6) & 15]}\t{LowReg(op, 0)}, {LowReg(op, 3)}";

        // Format 5: hi-register operations and BX.
        string rd = RegNames[(op & 7) | ((op >> 4) & 8)];
        string rs = RegNames[(op >> 3) & 15];
        switch ((op >> 8) & 3)
        {
            case 0: return $"add\t{rd}, {rs}";
            case 1: return $"cmp\t{rd}, {rs}";
            case 2: return op == 0x46c0 ? "nop" : $"mov\t{rd}, {rs}";
            default:
                // Bits [2:0] should be zero; objdump ignores them except bit 2, which selects
                // the ARMv8-M non-secure forms. BLX register is ARMv5T.
                if ((op & 0x80) == 0)
                    return $"{((op & 7) == 4 ? "bxns" : "bx")}\t{rs}";
                return (op & 7) switch
                {
                    0 => $"blx\t{rs}",
                    4 => $"blxns\t{rs}",
                    _ => Undefined16(op),
                };
        }
    }

    // Format 13 (SP adjust) and 14 (push/pop) are the ARMv4T part of the 1011 space; the rest
    // is ARMv5T and later, decoded here as objdump does so that stray words in linked images
    // (such as the linker's "nop" for a call to an undefined weak function) still match.
    // IT is left undefined: objdump conditions the following instructions on it.
    private static string ThumbMisc(uint op, uint address)
    {
        string rd = LowReg(op, 0), rm = LowReg(op, 3);
        switch ((op >> 8) & 15)
        {
            case 0x0:
                return $"{((op & 0x80) != 0 ? "sub" : "add")}\tsp, #{(op & 0x7f) << 2}";
            case 0x4 or 0x5:
                return $"push\t{RegisterList((op & 0xff) | ((op & 0x100) != 0 ? 0x4000u : 0))}";
            case 0xc or 0xd:
                return $"pop\t{RegisterList((op & 0xff) | ((op & 0x100) != 0 ? 0x8000u : 0))}";
            case 0x1 or 0x3 or 0x9 or 0xb:
            {
                uint offset = ((op >> 3) & 0x40) | ((op >> 2) & 0x3e);
                return $"{((op & 0x800) != 0 ? "cbnz" : "cbz")}\t{rd}, {Hex(address + 4 + offset)}";
            }
            case 0x2:
                return $"{((op >> 6) & 3) switch { 0 => "sxth", 1 => "sxtb", 2 => "uxth", _ => "uxtb" }}\t{rd}, {rm}";
            case 0xa:
                return ((op >> 6) & 3) switch
                {
                    0 => $"rev\t{rd}, {rm}",
                    1 => $"rev16\t{rd}, {rm}",
                    2 => $"hlt\t0x{op & 0x3f:x4}",
                    _ => $"revsh\t{rd}, {rm}",
                };
            case 0x6:
                if ((op & 0xf7) == 0x10)
                    return $"setpan\t#{(op >> 3) & 1}";
                if ((op & 0xf7) == 0x50)
                    return $"setend\t{((op & 8) != 0 ? "be" : "le")}";
                if ((op & 0xe8) == 0x60)
                {
                    string flags = ((op & 4) != 0 ? "a" : "") + ((op & 2) != 0 ? "i" : "") + ((op & 1) != 0 ? "f" : "");
                    return $"{((op & 0x10) != 0 ? "cpsid" : "cpsie")}\t{flags}";
                }
                return Undefined16(op);
            case 0xe:
                return $"bkpt\t0x{op & 0xff:x4}";
            case 0xf:
                if ((op & 0xf) != 0)
                    return Undefined16(op);
                return ((op >> 4) & 15) switch
                {
                    0 => "nop",
                    1 => "yield",
                    2 => "wfe",
                    3 => "wfi",
                    4 => "sev",
                    5 => "sevl",
                    uint hint => $"nop\t{{{hint}}}",
                };
            default:
                return Undefined16(op);
        }
    }

    private static string ThumbGroup6(uint op, uint address)
    {
        if ((op & 0x1000) == 0)
        {
            uint rb = (op >> 8) & 7;
            uint list = op & 0xff;
            if ((op & 0x0800) == 0)
                return $"stmia\t{RegNames[rb]}!, {RegisterList(list)}";
            // objdump shows no writeback when the base is also loaded.
            string wb = (list & (1u << (int)rb)) != 0 ? "" : "!";
            return $"ldmia\t{RegNames[rb]}{wb}, {RegisterList(list)}";
        }
        uint cond = (op >> 8) & 15;
        if (cond == 15)
            return $"svc\t{op & 0xff}";
        if (cond == 14)
            return $"udf\t#{op & 0xff}";
        return $"b{CondNames[cond]}.n\t{Hex(address + 4 + (uint)(((int)(op << 24)) >> 23))}";
    }

    // ------------------------------------------------------------------ helpers

    private static string R(uint op, int shift) => RegNames[(op >> shift) & 15];

    private static string LowReg(uint op, int shift) => RegNames[(op >> shift) & 7];

    private static string S(uint op) => (op & 0x00100000) != 0 ? "s" : "";

    private static string Hex(uint value) => value.ToString("x", CultureInfo.InvariantCulture);

    private static string RegisterList(uint mask)
    {
        var sb = new StringBuilder(48).Append('{');
        bool first = true;
        for (int r = 0; r < 16; r++)
        {
            if ((mask & (1u << r)) == 0)
                continue;
            if (!first)
                sb.Append(", ");
            sb.Append(RegNames[r]);
            first = false;
        }
        return sb.Append('}').ToString();
    }

    private static string Undefined(uint op) => $"<UNDEFINED> instruction: 0x{op:x8}";

    private static string Undefined16(uint op) => $"<UNDEFINED> instruction: 0x{op:x4}";
}
