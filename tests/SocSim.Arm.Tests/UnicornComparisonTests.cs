using System.Numerics;
using System.Text;
using SocSim.Tests;
using Xunit.Abstractions;

namespace SocSim.Arm.Tests;

/// <summary>
/// Random-operand comparison with Unicorn (QEMU's ARM front end, TI925T model = ARMv4T). The cases are
/// generated here (seeded), run in one Python process (tests/Shared/unicorn/run_cases.py, model ti925t) and on <see cref="ArmCpu"/>,
/// and the final registers, flags, state and a data memory window are compared.
/// Behaviours where QEMU follows a later architecture or the ARM ARM's "unpredictable" differs from the
/// ARM7TDMI are not generated (they are covered with exact values in ThumbTests / the ARM tests):
/// unaligned word and halfword accesses (Unicorn does ARMv6 unaligned access, the ARM7TDMI rotates or
/// aligns), STR/STM of R15 (QEMU stores address + 8, the ARM7TDMI + 12), STM with the written-back base
/// not first in the list, LDM/STM with an empty list, and the carry flag after multiplies.
/// </summary>
public sealed class UnicornComparisonTests
{
    private const uint MemSize = 0x2_0000, CodeAddr = 0x1000, DataAddr = 0x8000;
    private const int DataLen = 0x800;
    private const int CasesPerClass = 200;

    private readonly ITestOutputHelper _out;
    public UnicornComparisonTests(ITestOutputHelper output) => _out = output;

    private sealed class Case
    {
        public required string Class;
        public required bool Thumb;
        public uint[] Regs = new uint[15];
        public uint Flags;
        public List<byte> Code = new();
        public int SimSteps;
        public int UcCount;
        public byte[] Data = new byte[DataLen];
        public bool IgnoreC;
        public readonly List<string> Ops = new();

        public void Arm(uint op) { Code.AddRange(BitConverter.GetBytes(op)); Ops.Add(op.ToString("X8")); SimSteps++; UcCount++; }
        public void Th(ushort op) { Code.AddRange(BitConverter.GetBytes(op)); Ops.Add(op.ToString("X4")); SimSteps++; UcCount++; }
        public void PutWord(uint addr, uint v) => BitConverter.GetBytes(v).CopyTo(Data, (int)(addr - DataAddr));
    }

    // ---- generation ----

    private sealed class Gen(int seed)
    {
        public readonly Random R = new(seed);
        private static readonly uint[] Edge = [0, 1, 2, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFFE, 0x8000_0001, 0xFF, 0x100, 0xFFFF, 0x1_0000];

        public uint R32() => (uint)R.Next(1 << 16) << 16 | (uint)R.Next(1 << 16);
        public bool Bit() => R.Next(2) == 0;
        public int Next(int n) => R.Next(n);
        public int Next(int lo, int hi) => R.Next(lo, hi);

        public uint Val() => R.Next(7) switch
        {
            0 or 1 => R32(),
            2 => Edge[R.Next(Edge.Length)],
            3 => (uint)R.Next(256),
            4 => (uint)-R.Next(1, 257),
            5 => R32() >> R.Next(32),
            _ => R32() << R.Next(32),
        };

        /// <summary>Register-specified shift amounts: 0, 1-31, 32, 33, large bytes, junk above bit 7.</summary>
        public uint ShiftAmount() => R.Next(6) switch
        {
            0 => 0,
            1 or 2 => (uint)R.Next(1, 32),
            3 => 32u + (uint)R.Next(2),
            4 => (uint)R.Next(256),
            _ => R32(),
        };

        public Case New(string cls, bool thumb)
        {
            var c = new Case { Class = cls, Thumb = thumb };
            for (int i = 0; i < 15; i++) c.Regs[i] = Val();
            c.Flags = (uint)R.Next(16) << 28;
            R.NextBytes(c.Data);
            return c;
        }

        /// <summary>An address in the data window, aligned, at least <paramref name="margin"/> from its ends.</summary>
        public uint Addr(int align, int margin) => DataAddr + (uint)margin + (uint)(R.Next((DataLen - 2 * margin) / align) * align);

        public uint CodeTarget(int align) => (CodeAddr + (uint)R.Next(0x1000)) & ~(uint)(align - 1);
    }

    private static readonly string[] ArmClasses =
        ["arm.dp.imm", "arm.dp.immshift", "arm.dp.regshift", "arm.dp.mix", "arm.dp.pc", "arm.mul", "arm.mull", "arm.ldrstr",
         "arm.ldrpc", "arm.half", "arm.ldmstm", "arm.swp", "arm.branch", "arm.bx"];

    private static readonly string[] ThumbClasses =
        ["thumb.shift", "thumb.addsub", "thumb.imm8", "thumb.alu", "thumb.mix", "thumb.hireg", "thumb.hireg.pc", "thumb.bx",
         "thumb.ldrpc", "thumb.ldrstr.reg", "thumb.ldrstr.imm", "thumb.sprel", "thumb.addpcsp", "thumb.pushpop", "thumb.ldmstm",
         "thumb.bcond", "thumb.b", "thumb.bl", "thumb.interwork"];

    public static IEnumerable<object[]> Classes() => ArmClasses.Concat(ThumbClasses).Select(c => new object[] { c });

    private static Case Make(Gen g, string cls) => cls switch
    {
        "arm.dp.imm" => Single(g, cls, false, c => c.Arm(ArmDpImm(g, c))),
        "arm.dp.immshift" => Single(g, cls, false, c => c.Arm(ArmDpImmShift(g, c))),
        "arm.dp.regshift" => Single(g, cls, false, c => c.Arm(ArmDpRegShift(g, c))),
        "arm.dp.mix" => Single(g, cls, false, c =>
        {
            int n = g.Next(2, 6);
            for (int i = 0; i < n; i++)
                c.Arm(g.Next(3) switch { 0 => ArmDpImm(g, c), 1 => ArmDpImmShift(g, c), _ => ArmDpRegShift(g, c) });
        }),
        "arm.dp.pc" => Single(g, cls, false, c =>
        {
            // Writes to R15 without S: MOV PC, Rm / ADD PC, PC, #imm / SUB PC, Rn, #imm. Only word-aligned
            // targets: a non-aligned ARM-state PC is UNPREDICTABLE (the core keeps A[1:0] as the
            // conformance data shows; QEMU's TI925T masks them), see ArmStateUnalignedPcTests.
            int r = g.Next(15);
            switch (g.Next(3))
            {
                case 0: c.Regs[r] = g.CodeTarget(4); c.Arm(A.DpReg(0xD, false, 15, 0, r)); break;
                case 1: c.Arm(A.DpImm(0x4, false, 15, 15, g.Next(64) * 4, g.Next(2) * 15)); break;
                default: c.Regs[r] = g.CodeTarget(4) + 0x100; c.Arm(A.DpImm(0x2, false, 15, r, g.Next(64) * 4)); break;
            }
        }),
        "arm.ldrpc" => Single(g, cls, false, c =>
        {
            // LDR PC, [Rn, #imm]: no interworking on ARMv4T. Word-aligned loaded values only (see arm.dp.pc).
            int rn = g.Next(15), off = g.Next(0x100) * 4;
            uint addr = g.Addr(4, 0x40);
            c.Regs[rn] = addr - (uint)off;
            c.PutWord(addr, g.CodeTarget(4));
            c.Arm(A.LdrStrImm(true, false, 15, rn, off));
        }),
        "arm.mul" => Single(g, cls, false, c => ArmMul(g, c)),
        "arm.mull" => Single(g, cls, false, c => ArmMull(g, c)),
        "arm.ldrstr" => Single(g, cls, false, c => ArmLdrStr(g, c)),
        "arm.half" => Single(g, cls, false, c => ArmHalf(g, c)),
        "arm.ldmstm" => Single(g, cls, false, c => ArmLdmStm(g, c)),
        "arm.swp" => Single(g, cls, false, c => ArmSwp(g, c)),
        "arm.branch" => Single(g, cls, false, c =>
        {
            int off = (g.Next(-0x800, 0x4000)) & ~3;
            c.Arm(A.B(off, g.Bit(), (uint)g.Next(15)));
        }),
        "arm.bx" => Single(g, cls, false, c =>
        {
            int rm = g.Next(15);
            c.Regs[rm] = g.Bit() ? g.CodeTarget(2) | 1 : g.CodeTarget(4);
            c.Arm(A.Bx(rm) & 0x0FFF_FFFF | (uint)g.Next(15) << 28);
        }),
        "thumb.shift" => Seq(g, cls, c => ThShift(g)),
        "thumb.addsub" => Seq(g, cls, c => ThAddSub(g)),
        "thumb.imm8" => Seq(g, cls, c => ThImm8(g)),
        "thumb.alu" => Single(g, cls, true, c =>
        {
            int n = g.Next(1, 4);
            for (int i = 0; i < n; i++)
            {
                var op = ThAlu(g, c, allowMul: true);
                c.Th(op);
                // The multiplier's carry is not modelled alike: a MUL ends the sequence.
                if (((op >> 6) & 0xF) == 0xD) { c.IgnoreC = true; break; }
            }
        }),
        "thumb.mix" => Seq(g, cls, c => g.Next(5) switch
        {
            0 => ThShift(g), 1 => ThAddSub(g), 2 => ThImm8(g), 3 => ThAlu(g, c, allowMul: false), _ => ThHiReg(g),
        }, 2, 6),
        "thumb.hireg" => Seq(g, cls, c => ThHiReg(g)),
        "thumb.hireg.pc" => Single(g, cls, true, c =>
        {
            int rs = g.Next(15);
            if (g.Bit()) { c.Regs[rs] = g.CodeTarget(2) | (uint)g.Next(2); c.Th(T.MovHi(15, rs)); }
            else { c.Regs[rs] = (uint)g.Next(0x800); c.Th(T.AddHi(15, rs)); }
        }),
        "thumb.bx" => Single(g, cls, true, c =>
        {
            if (g.Next(8) == 0) { c.Th(T.Bx(15)); return; }   // at a word address: ARM state at address + 4
            int rs = g.Next(15);
            c.Regs[rs] = g.Bit() ? g.CodeTarget(2) | 1 : g.CodeTarget(4);
            c.Th(T.Bx(rs));
        }),
        "thumb.ldrpc" => Single(g, cls, true, c =>
        {
            if (g.Bit()) c.Th(T.Nop);
            int imm = g.Next(16);
            c.Th(T.LdrPc(g.Next(8), imm));
            while (c.Code.Count < 80) c.Code.Add((byte)g.Next(256));    // the literal pool
        }),
        "thumb.ldrstr.reg" => Single(g, cls, true, c => ThLdrStrReg(g, c)),
        "thumb.ldrstr.imm" => Single(g, cls, true, c => ThLdrStrImm(g, c)),
        "thumb.sprel" => Single(g, cls, true, c =>
        {
            int imm = g.Next(256);
            uint addr = g.Addr(4, 0x40);
            c.Regs[13] = addr - (uint)imm * 4;
            c.Th(g.Bit() ? T.LdrSp(g.Next(8), imm) : T.StrSp(g.Next(8), imm));
        }),
        "thumb.addpcsp" => Seq(g, cls, c => g.Next(3) switch
        {
            0 => T.AddPc(g.Next(8), g.Next(256)),
            1 => T.AddSpRd(g.Next(8), g.Next(256)),
            _ => T.AddSp(g.Next(128), g.Bit()),
        }),
        "thumb.pushpop" => Single(g, cls, true, c => ThPushPop(g, c)),
        "thumb.ldmstm" => Single(g, cls, true, c =>
        {
            int rb = g.Next(8);
            bool load = g.Bit();
            int list = g.Next(1, 256);
            // The base may be in an STMIA list as its lowest register (the old base is stored).
            if (load || (list & ((1 << rb) - 1)) != 0) list &= ~(1 << rb);
            if (list == 0) list = 1 << ((rb + 1) & 7);
            c.Regs[rb] = g.Addr(4, 0x40);
            c.Th(load ? T.Ldmia(rb, list) : T.Stmia(rb, list));
        }),
        "thumb.bcond" => Single(g, cls, true, c => c.Th(T.BCond(g.Next(14), g.Next(-128, 128) * 2))),
        "thumb.b" => Single(g, cls, true, c => c.Th(T.B(g.Next(-1024, 1024) * 2))),
        "thumb.bl" => Single(g, cls, true, c =>
        {
            int off = g.Next(-0x800, 0xF000) * 2;
            var bl = T.Bl(off);
            c.Th(bl[0]); c.Th(bl[1]);
            c.UcCount = 1;     // QEMU runs a BL pair as one instruction
        }),
        "thumb.interwork" => Single(g, cls, true, c =>
        {
            // Thumb BX PC -> ARM data processing -> ADD r7, PC, #1; BX r7 -> Thumb ALU operation.
            c.Th(T.Bx(15)); c.Code.AddRange(BitConverter.GetBytes(T.Nop));
            c.Arm(ArmDpImm(g, c, allowPc: false));
            c.Arm(A.DpImm(0x4, false, 7, 15, 1));
            c.Arm(A.Bx(7));
            c.Th(ThAlu(g, c, allowMul: false));
        }),
        _ => throw new ArgumentException(cls),
    };

    private static Case Single(Gen g, string cls, bool thumb, Action<Case> body)
    {
        var c = g.New(cls, thumb);
        body(c);
        return c;
    }

    private static Case Seq(Gen g, string cls, Func<Case, ushort> op, int min = 1, int max = 4)
    {
        var c = g.New(cls, true);
        int n = g.Next(min, max);
        for (int i = 0; i < n; i++) c.Th(op(c));
        return c;
    }

    // ---- ARM generators ----

    private static int Reg(Gen g, bool allowPc) => allowPc && g.Next(8) == 0 ? 15 : g.Next(15);

    private static uint ArmDpImm(Gen g, Case c, bool allowPc = true)
    {
        int opc = g.Next(16);
        bool s = opc is >= 8 and <= 11 || g.Bit();
        return A.DpImm(opc, s, DpRd(g, opc), DpRn(g, opc, allowPc), g.Next(256), g.Next(16));
    }

    private static uint ArmDpImmShift(Gen g, Case c)
    {
        int opc = g.Next(16);
        bool s = opc is >= 8 and <= 11 || g.Bit();
        return A.DpReg(opc, s, DpRd(g, opc), DpRn(g, opc, true), Reg(g, true), g.Next(4), g.Next(32));
    }

    private static uint ArmDpRegShift(Gen g, Case c)
    {
        int opc = g.Next(16);
        bool s = opc is >= 8 and <= 11 || g.Bit();
        int rs = g.Next(15);
        c.Regs[rs] = g.ShiftAmount();
        return A.DpRegShift(opc, s, DpRd(g, opc), DpRn(g, opc, false), g.Next(15), g.Next(4), rs);
    }

    // QEMU rejects the should-be-zero fields the ARM7TDMI ignores: Rd of TST/TEQ/CMP/CMN, Rn of MOV/MVN.
    private static int DpRd(Gen g, int opc) => opc is >= 8 and <= 11 ? 0 : g.Next(15);
    private static int DpRn(Gen g, int opc, bool allowPc) => opc is 13 or 15 ? 0 : Reg(g, allowPc);

    private static void ArmMul(Gen g, Case c)
    {
        int rd = g.Next(15), rm;
        do rm = g.Next(15); while (rm == rd);
        int rs = g.Next(15), rn = g.Next(15);
        c.Arm(g.Bit() ? A.Mul(rd, rm, rs, g.Bit()) : A.Mla(rd, rm, rs, rn, g.Bit()));
        c.IgnoreC = true;
    }

    private static void ArmMull(Gen g, Case c)
    {
        int lo = g.Next(15), hi, rm;
        do hi = g.Next(15); while (hi == lo);
        do rm = g.Next(15); while (rm == lo || rm == hi);
        c.Arm(A.MulLong(g.Bit(), g.Bit(), lo, hi, rm, g.Next(15), g.Bit()));
        c.IgnoreC = true;
    }

    private static void ArmLdrStr(Gen g, Case c)
    {
        bool load = g.Bit(), b = g.Next(3) == 0, pre = g.Next(3) != 0, up = g.Bit(), w = pre && g.Bit();
        bool writeback = !pre || w;
        int rn = g.Next(15), rd;
        do rd = g.Next(15); while (writeback && rd == rn);
        uint addr = g.Addr(b ? 1 : 4, 0x40);
        uint off;
        uint op;
        if (g.Bit())
        {
            off = (uint)g.Next(0x400);
            op = A.LdrStrImm(load, b, rd, rn, (int)off, pre, up, w);
        }
        else
        {
            int rm;
            do rm = g.Next(15); while (rm == rn);
            uint r = (uint)g.Next(0x100);
            int type = g.Next(3), amount;
            uint rmv;
            if (type == 0) { amount = g.Next(4); rmv = r >> amount << amount; off = rmv << amount; rmv = r >> amount; off = rmv << amount; }
            else { amount = g.Next(1, 9); rmv = r << amount | (uint)g.Next(1 << amount); off = r; }
            c.Regs[rm] = rmv;
            if (rd == rm && !load) { /* stores the offset register: fine */ }
            op = A.LdrStrReg(load, b, rd, rn, rm, type, amount, pre, up, w);
            if (rd == rm && load) { } // loaded value replaces the offset register after use
        }
        c.Regs[rn] = pre ? (up ? addr - off : addr + off) : addr;
        c.Arm(op);
    }

    private static void ArmHalf(Gen g, Case c)
    {
        int sh = g.Next(1, 4);
        bool load = sh != 1 || g.Bit();
        bool pre = g.Next(3) != 0, up = g.Bit(), w = pre && g.Bit();
        bool writeback = !pre || w;
        int rn = g.Next(15), rd;
        do rd = g.Next(15); while (writeback && rd == rn);
        uint addr = g.Addr(sh == 2 ? 1 : 2, 0x40);
        uint off;
        uint op;
        if (g.Bit())
        {
            off = (uint)g.Next(256);
            op = A.HalfImm(load, sh, rd, rn, (int)off, pre, up, w);
        }
        else
        {
            int rm;
            do rm = g.Next(15); while (rm == rn);
            off = (uint)g.Next(0x300);
            c.Regs[rm] = off;
            op = A.HalfReg(load, sh, rd, rn, rm, pre, up, w);
        }
        c.Regs[rn] = pre ? (up ? addr - off : addr + off) : addr;
        c.Arm(op);
    }

    private static void ArmLdmStm(Gen g, Case c)
    {
        bool load = g.Bit(), pre = g.Bit(), up = g.Bit(), w = g.Bit();
        int rn = g.Next(15);
        int list = g.Next(1, 0x8000);
        if (load && g.Next(4) == 0) list |= 0x8000;
        // With writeback the base may be in the list only as the lowest register of an STM, which stores
        // the old base (TRM 4.11.6; elsewhere the ARM7TDMI's value differs from QEMU's or is unpredictable).
        if (w && (load || (list & ((1 << rn) - 1)) != 0)) list &= ~(1 << rn);
        if ((list & 0x7FFF) == 0) list |= 1 << ((rn + 1) % 15);
        int n = BitOperations.PopCount((uint)list);
        uint low = g.Addr(4, 0x80);
        c.Regs[rn] = (pre, up) switch
        {
            (false, true) => low,
            (true, true) => low - 4,
            (false, false) => low + 4 * (uint)n - 4,
            _ => low + 4 * (uint)n,
        };
        if ((list & 0x8000) != 0) c.PutWord(low + 4 * (uint)(n - 1), g.CodeTarget(4));
        c.Arm(load ? A.Ldm(rn, list, pre, up, w) : A.Stm(rn, list, pre, up, w));
    }

    private static void ArmSwp(Gen g, Case c)
    {
        bool b = g.Bit();
        int rn = g.Next(15), rd, rm;
        do rd = g.Next(15); while (rd == rn);
        do rm = g.Next(15); while (rm == rn);
        c.Regs[rn] = g.Addr(b ? 1 : 4, 0x10);
        c.Arm(A.Swp(rd, rm, rn, b));
    }

    // ---- Thumb generators ----

    private static ushort ThShift(Gen g) => g.Next(3) switch
    {
        0 => T.Lsl(g.Next(8), g.Next(8), g.Next(32)),
        1 => T.Lsr(g.Next(8), g.Next(8), g.Next(32)),
        _ => T.Asr(g.Next(8), g.Next(8), g.Next(32)),
    };

    private static ushort ThAddSub(Gen g) => g.Next(4) switch
    {
        0 => T.AddReg(g.Next(8), g.Next(8), g.Next(8)),
        1 => T.SubReg(g.Next(8), g.Next(8), g.Next(8)),
        2 => T.AddImm3(g.Next(8), g.Next(8), g.Next(8)),
        _ => T.SubImm3(g.Next(8), g.Next(8), g.Next(8)),
    };

    private static ushort ThImm8(Gen g) => g.Next(4) switch
    {
        0 => T.MovImm(g.Next(8), g.Next(256)),
        1 => T.CmpImm(g.Next(8), g.Next(256)),
        2 => T.AddImm8(g.Next(8), g.Next(256)),
        _ => T.SubImm8(g.Next(8), g.Next(256)),
    };

    private static ushort ThAlu(Gen g, Case c, bool allowMul)
    {
        int op;
        do op = g.Next(16); while (op == 0xD && !allowMul);
        int rs = g.Next(8);
        if (op is 2 or 3 or 4 or 7) c.Regs[rs] = g.ShiftAmount();
        return T.Alu(op, g.Next(8), rs);
    }

    /// <summary>Hi register ADD/CMP/MOV with any operands but a destination PC.</summary>
    private static ushort ThHiReg(Gen g) => g.Next(3) switch
    {
        0 => T.AddHi(g.Next(15), g.Next(16)),
        1 => T.CmpHi(g.Next(16), g.Next(16)),
        _ => T.MovHi(g.Next(15), g.Next(16)),
    };

    private static void ThLdrStrReg(Gen g, Case c)
    {
        // Format 7 (L B) and 8 (H S): STR STRB LDR LDRB, STRH LDSB LDRH LDSH.
        int kind = g.Next(8);
        int align = kind switch { 0 or 2 => 4, 1 or 3 or 5 => 1, _ => 2 };
        int rb = g.Next(8), ro;
        do ro = g.Next(8); while (ro == rb);
        uint addr = g.Addr(align, 0x10);
        uint off = (uint)g.Next(0x3F0);
        c.Regs[ro] = off;
        c.Regs[rb] = addr - off;
        int rd = g.Next(8);
        c.Th(kind switch
        {
            0 => T.StrReg(rd, rb, ro), 1 => T.StrbReg(rd, rb, ro), 2 => T.LdrReg(rd, rb, ro), 3 => T.LdrbReg(rd, rb, ro),
            4 => T.StrhReg(rd, rb, ro), 5 => T.LdsbReg(rd, rb, ro), 6 => T.LdrhReg(rd, rb, ro), _ => T.LdshReg(rd, rb, ro),
        });
    }

    private static void ThLdrStrImm(Gen g, Case c)
    {
        int kind = g.Next(6);
        int scale = kind switch { 0 or 1 => 4, 2 or 3 => 1, _ => 2 };
        int imm = g.Next(32), rb = g.Next(8), rd = g.Next(8);
        uint addr = g.Addr(scale, 0x10);
        c.Regs[rb] = addr - (uint)(imm * scale);
        c.Th(kind switch
        {
            0 => T.StrImm(rd, rb, imm), 1 => T.LdrImm(rd, rb, imm), 2 => T.StrbImm(rd, rb, imm),
            3 => T.LdrbImm(rd, rb, imm), 4 => T.StrhImm(rd, rb, imm), _ => T.LdrhImm(rd, rb, imm),
        });
    }

    private static void ThPushPop(Gen g, Case c)
    {
        int list = g.Next(256);
        bool extra = list == 0 || g.Bit();
        c.Regs[13] = g.Addr(4, 0x40);
        if (g.Bit()) { c.Th(T.Push(list, extra)); return; }
        int n = BitOperations.PopCount((uint)list) + (extra ? 1 : 0);
        if (extra) c.PutWord(c.Regs[13] + 4 * (uint)(n - 1), g.CodeTarget(1));
        c.Th(T.Pop(list, extra));
    }

    // ---- running ----

    private static readonly Lazy<(List<Case> Cases, List<UnicornResult> Results, string Timing)> Shared = new(RunAll);

    private static (List<Case>, List<UnicornResult>, string) RunAll()
    {
        var g = new Gen(20261124);
        var cases = new List<Case>();
        foreach (var cls in ArmClasses.Concat(ThumbClasses))
            for (int i = 0; i < CasesPerClass; i++) cases.Add(Make(g, cls));

        var results = UnicornRunner.Run(MemSize, CodeAddr, DataAddr, cases.Select(c => new UnicornCase
        {
            Model = "ti925t", Thumb = c.Thumb, Regs = c.Regs, Flags = c.Flags, Code = c.Code.ToArray(), Count = c.UcCount, Data = c.Data,
        }).ToList(), out var pyTime);
        return (cases, results, $"{cases.Count} cases, Unicorn {pyTime.TotalSeconds:F1} s");
    }

    private static string Describe(Case c) =>
        $"{c.Class} {(c.Thumb ? "T" : "A")} [{string.Join(' ', c.Ops)}] flags={c.Flags >> 28:X} regs={string.Join(',', c.Regs.Select(r => r.ToString("X")))}";

    private static readonly object RunLock = new();

    [Fact]
    public void UnicornIsInstalled()
    {
        // Fails (does not skip) with the package name when /usr/bin/python3 or Unicorn is missing.
        Assert.NotEmpty(Shared.Value.Cases);
        _out.WriteLine(Shared.Value.Timing);
    }

    [Theory]
    [MemberData(nameof(Classes))]
    public void MatchesUnicorn(string cls)
    {
        var (cases, results, timing) = Shared.Value;
        var failures = new List<string>();
        int count = 0;
        using var m = new ThumbTestMachine(ramSize: MemSize);
        for (int i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            if (c.Class != cls) continue;
            count++;
            var u = results[i];
            if (u.Error != null) { failures.Add($"Unicorn error {u.Error}: {Describe(c)}"); continue; }
            string? diff = RunAndCompare(m, c, u);
            if (diff != null) failures.Add(diff + "\n    " + Describe(c));
        }
        _out.WriteLine($"{cls}: {count} cases, {failures.Count} mismatches ({timing})");
        Assert.True(failures.Count == 0, $"{failures.Count}/{count} {cls} cases differ from Unicorn:\n" + string.Join("\n", failures.Take(15)));
    }

    private static string? RunAndCompare(ThumbTestMachine m, Case c, UnicornResult u)
    {
        m.Ram.AsSpan().Clear();
        m.Ram.Load(CodeAddr, c.Code.ToArray());
        m.Ram.Load(DataAddr, c.Data);
        m.Cpu.SetCpsr((uint)CpuMode.Supervisor | Psr.I | Psr.F | c.Flags | (c.Thumb ? Psr.T : 0));
        for (int r = 0; r < 15; r++) m.Cpu.SetRegister(r, c.Regs[r]);
        m.Cpu.SetRegister(15, CodeAddr);
        for (int s = 0; s < c.SimSteps; s++) m.Cpu.Step();

        var sb = new StringBuilder();
        for (int r = 0; r < 15; r++)
            if (m.Cpu.GetRegister(r) != u.Regs[r]) sb.Append($" r{r}: sim {m.Cpu.GetRegister(r):X8} uc {u.Regs[r]:X8};");
        uint ucPc = u.Pc & ~1u;
        if (m.Cpu.Pc != ucPc) sb.Append($" pc: sim {m.Cpu.Pc:X8} uc {ucPc:X8};");
        uint mask = c.IgnoreC ? 0xD000_0000 : 0xF000_0000;
        if ((m.Cpu.Cpsr & mask) != (u.Psr & mask)) sb.Append($" NZCV: sim {m.Cpu.Cpsr >> 28:X} uc {u.Psr >> 28:X};");
        if ((m.Cpu.Cpsr & Psr.T) != (u.Psr & Psr.T)) sb.Append($" T: sim {(m.Cpu.Thumb ? 1 : 0)} uc {(u.Psr >> 5) & 1};");
        var data = m.Ram.AsSpan().Slice((int)DataAddr, DataLen);
        for (int k = 0; k < DataLen; k++)
            if (data[k] != u.Data[k]) { sb.Append($" mem[{DataAddr + k:X}]: sim {data[k]:X2} uc {u.Data[k]:X2};"); break; }
        return sb.Length == 0 ? null : sb.ToString();
    }
}
