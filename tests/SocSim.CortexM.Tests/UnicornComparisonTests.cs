using SocSim.Core;
using SocSim.Tests;
using Xunit.Abstractions;

namespace SocSim.CortexM.Tests;

/// <summary>
/// Random Thumb-2 (ARMv7-M) sequences with random operands and flags, run on Unicorn's Cortex-M3 model
/// (and ARMv6-M ones on its Cortex-M0 model and the core's V6M profile)
/// (QEMU's M-profile front end; tests/Shared/unicorn/run_cases.py, one Python process for all cases) and on
/// <see cref="CortexMCpu"/>; registers R0-R14, the PC, the APSR flags (N Z C V Q) and a 2 KiB data window
/// are compared. Encodings the ARM ARM calls UNPREDICTABLE are not generated (docs/cortex-m.md lists what
/// the core does with them and where QEMU differs).
/// </summary>
public sealed class UnicornComparisonTests
{
    internal const uint MemSize = 0x2_0000, CodeAddr = 0x1000, DataAddr = 0x8000;
    private const int DataLen = 0x800;
    private const int CasesPerClass = 1600, V6MCasesPerClass = 1000;

    private readonly ITestOutputHelper _out;
    public UnicornComparisonTests(ITestOutputHelper output) => _out = output;

    internal sealed class Case
    {
        public required string Class;
        public uint[] Regs = new uint[15];
        public uint Flags;
        public List<byte> Code = new();
        public uint End;
        public byte[] Data = new byte[DataLen];
        public readonly List<string> Ops = new();

        public uint Pc => CodeAddr + (uint)Code.Count;
        public void T16(uint op) { Code.Add((byte)op); Code.Add((byte)(op >> 8)); Ops.Add(op.ToString("X4")); }
        public void T32(uint hw1, uint hw2)
        {
            Code.Add((byte)hw1); Code.Add((byte)(hw1 >> 8)); Code.Add((byte)hw2); Code.Add((byte)(hw2 >> 8));
            Ops.Add($"{hw1:X4}{hw2:X4}");
        }
        public void Finish() { if (End == 0) End = Pc; }
    }

    // ---- generation ----

    internal sealed class Gen(int seed)
    {
        public readonly Random R = new(seed);
        private static readonly uint[] Edge = [0, 1, 2, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFFE, 0x8000_0001, 0xFF, 0x100, 0xFFFF, 0x1_0000];

        public uint R32() => (uint)R.Next(1 << 16) << 16 | (uint)R.Next(1 << 16);
        public bool Bit() => R.Next(2) == 0;
        public int Next(int n) => R.Next(n);
        public int Next(int lo, int hi) => R.Next(lo, hi);
        public uint U(int bits) => (uint)R.NextInt64(1L << bits);

        public uint Val() => R.Next(7) switch
        {
            0 or 1 => R32(),
            2 => Edge[R.Next(Edge.Length)],
            3 => (uint)R.Next(256),
            4 => (uint)-R.Next(1, 257),
            5 => R32() >> R.Next(32),
            _ => R32() << R.Next(32),
        };

        /// <summary>A general register other than SP and PC (R0-R12, LR).</summary>
        public int Reg() { int r = R.Next(14); return r == 13 ? 14 : r; }
        public int Low() => R.Next(8);

        public Case New(string cls)
        {
            var c = new Case { Class = cls };
            for (int i = 0; i < 15; i++) c.Regs[i] = Val();
            c.Regs[13] = DataAddr + 0x400;
            c.Flags = (uint)R.Next(32) << 27;
            R.NextBytes(c.Data);
            return c;
        }

        /// <summary>An address in the data window at least <paramref name="margin"/> from its ends, aligned to <paramref name="align"/>.</summary>
        public uint Addr(int align, int margin) => DataAddr + (uint)margin + (uint)(R.Next((DataLen - 2 * margin) / align) * align);
    }

    /// <summary>ARMv6-M classes run on Unicorn's Cortex-M0 model and the core's V6M profile (16-bit encodings, BL, MSR/MRS).</summary>
    internal static readonly string[] V6MClasses = ["v6m.dp16", "v6m.hireg", "v6m.ldst16", "v6m.ldmstm", "v6m.branch", "v6m.misc", "v6m.msr"];

    internal static bool IsV6M(string cls) => cls.StartsWith("v6m.");

    /// <summary>DSP-extension classes run on Unicorn's Cortex-M4 model and the core's V7EM profile; APSR.GE is compared too.</summary>
    internal static readonly string[] DspClasses = ["dsp.simd", "dsp.sat", "dsp.mul", "dsp.pack"];

    internal static bool IsDsp(string cls) => cls.StartsWith("dsp.");

    private static CortexMProfile ProfileOf(string cls) => IsV6M(cls) ? CortexMProfile.V6M : IsDsp(cls) ? CortexMProfile.V7EM : CortexMProfile.V7M;

    internal static readonly string[] Classes =
        ["dp16", "dp16.hireg", "dpimm32", "dpreg32", "plainimm32", "misc32", "mul", "it", "ldst16", "ldst32", "ldstd", "ldmstm", "excl", "branch", "msr"];

    internal static Case Make(Gen g, string cls)
    {
        var c = g.New(cls);
        switch (cls)
        {
            case "dp16": for (int n = g.Next(1, 6), k = 0; k < n; k++) Dp16(g, c); break;
            case "dp16.hireg": for (int n = g.Next(1, 5), k = 0; k < n; k++) { if (g.Bit()) HiReg(g, c); else Dp16(g, c); } break;
            case "dpimm32": for (int n = g.Next(1, 5), k = 0; k < n; k++) DpImm32(g, c); break;
            case "dpreg32": for (int n = g.Next(1, 5), k = 0; k < n; k++) DpReg32(g, c); break;
            case "plainimm32": for (int n = g.Next(1, 5), k = 0; k < n; k++) PlainImm32(g, c); break;
            case "misc32": for (int n = g.Next(1, 5), k = 0; k < n; k++) Misc32(g, c); break;
            case "mul": for (int n = g.Next(1, 4), k = 0; k < n; k++) Mul(g, c); break;
            case "it": It(g, c); break;
            case "ldst16": Ldst16(g, c); if (g.Bit()) Dp16(g, c); break;
            case "ldst32": Ldst32(g, c); if (g.Bit()) DpImm32(g, c); break;
            case "ldstd": Ldstd(g, c); break;
            case "ldmstm": LdmStm(g, c); break;
            case "excl": Excl(g, c); break;
            case "branch": Branch(g, c); break;
            case "msr": Msr(g, c); break;
            case "dsp.simd": case "dsp.sat": case "dsp.mul": case "dsp.pack":
                // MSR APSR_nzcvqg first: random flags and GE (Unicorn's xPSR write leaves GE alone).
                c.T32(0xF380u | (uint)g.Reg(), 0x8C00u);
                for (int n = g.Next(1, 5), k = 0; k < n; k++) Dsp(g, c, cls);
                break;
            case "v6m.dp16": for (int n = g.Next(1, 6), k = 0; k < n; k++) Dp16(g, c); break;
            case "v6m.hireg": for (int n = g.Next(1, 5), k = 0; k < n; k++) { if (g.Bit()) HiReg(g, c); else Dp16(g, c); } break;
            case "v6m.ldst16": Ldst16(g, c, aligned: true); if (g.Bit()) Dp16(g, c); break;
            case "v6m.ldmstm": LdmStm16(g, c); break;
            case "v6m.branch": Branch16(g, c); break;
            case "v6m.misc":
                for (int n = g.Next(1, 4), k = 0; k < n; k++)
                {
                    if (g.Bit()) c.T16(0xB200u | g.U(2) << 6 | (uint)g.Low() << 3 | (uint)g.Low());
                    else c.T16(0xBA00u | (uint)new[] { 0, 1, 3 }[g.Next(3)] << 6 | (uint)g.Low() << 3 | (uint)g.Low());
                }
                break;
            case "v6m.msr":
                for (int n = g.Next(1, 4), k = 0; k < n; k++)
                {
                    switch (g.Next(3))
                    {
                        case 0: c.T32(0xF380u | (uint)g.Reg(), 0x8800u); break;
                        case 1: c.T32(0xF3EFu, 0x8000u | (uint)g.Reg() << 8 | (uint)new[] { 0, 1, 2, 3, 5, 6, 7 }[g.Next(7)]); break;
                        default: Dp16(g, c); break;
                    }
                }
                break;
        }
        c.Finish();
        return c;
    }

    private static void Dsp(Gen g, Case c, string cls)
    {
        int rd = g.Reg(), rn = g.Reg(), rm = g.Reg(), ra = g.Reg();
        switch (cls)
        {
            case "dsp.simd":
                if (g.Next(6) == 0) { c.T32(0xFAA0u | (uint)rn, 0xF080u | (uint)rd << 8 | (uint)rm); break; }         // SEL
                c.T32(0xFA80u | (uint)new[] { 0, 1, 2, 4, 5, 6 }[g.Next(6)] << 4 | (uint)rn,
                      0xF000u | (uint)rd << 8 | (uint)new[] { 0, 1, 2, 4, 5, 6 }[g.Next(6)] << 4 | (uint)rm);           // parallel add/sub
                break;
            case "dsp.sat":
                switch (g.Next(3))
                {
                    case 0: c.T32(0xFA80u | (uint)rn, 0xF080u | (uint)rd << 8 | g.U(2) << 4 | (uint)rm); break;          // QADD QDADD QSUB QDSUB
                    case 1: c.T32(0xF320u | (uint)rn, (uint)rd << 8 | g.U(4)); break;                                   // SSAT16
                    default: c.T32(0xF3A0u | (uint)rn, (uint)rd << 8 | g.U(4)); break;                                  // USAT16
                }
                break;
            case "dsp.mul":
                if (g.Bit())
                {
                    uint op1 = (uint)g.Next(1, 8);
                    uint op2 = op1 == 1 ? g.U(2) : op1 == 7 ? 0 : g.U(1);
                    int a = op1 != 6 && g.Next(3) == 0 ? 15 : ra;
                    c.T32(0xFB00u | op1 << 4 | (uint)rn, (uint)a << 12 | (uint)rd << 8 | op2 << 4 | (uint)rm);
                }
                else
                {
                    int hi = g.Reg();
                    while (hi == rd) hi = g.Reg();
                    var (op1, op2) = g.Next(4) switch { 0 => (4u, 8u + g.U(2)), 1 => (4u, 12u + g.U(1)), 2 => (5u, 12u + g.U(1)), _ => (6u, 6u) };
                    c.T32(0xFB80u | op1 << 4 | (uint)rn, (uint)rd << 12 | (uint)hi << 8 | op2 << 4 | (uint)rm);        // SMLALxy SMLALD SMLSLD UMAAL
                }
                break;
            default:
                if (g.Bit())
                {
                    uint imm5 = g.U(5);
                    c.T32(0xEAC0u | (uint)rn, (imm5 >> 2) << 12 | (uint)rd << 8 | (imm5 & 3) << 6 | g.U(1) << 5 | (uint)rm);  // PKHBT/PKHTB
                }
                else
                {
                    uint op1 = (uint)g.Next(6);
                    int n = op1 is 2 or 3 && g.Bit() ? 15 : rn;
                    c.T32(0xFA00u | op1 << 4 | (uint)n, 0xF080u | (uint)rd << 8 | g.U(2) << 4 | (uint)rm);                 // SXTAB.. SXTB16
                }
                break;
        }
    }

    private static void AnyDp(Gen g, Case c)
    {
        switch (g.Next(5))
        {
            case 0: case 1: Dp16(g, c); break;
            case 2: DpImm32(g, c); break;
            case 3: DpReg32(g, c); break;
            default: Misc32(g, c); break;
        }
    }

    private static void Dp16(Gen g, Case c)
    {
        switch (g.Next(4))
        {
            case 0: c.T16((uint)g.Next(3) << 11 | g.U(5) << 6 | (uint)g.Low() << 3 | (uint)g.Low()); break;
            case 1: c.T16(0x1800u | (uint)g.Next(4) << 9 | (uint)g.Low() << 6 | (uint)g.Low() << 3 | (uint)g.Low()); break;
            case 2: c.T16(0x2000u | (uint)g.Next(4) << 11 | (uint)g.Low() << 8 | g.U(8)); break;
            default: c.T16(0x4000u | (uint)g.Next(16) << 6 | (uint)g.Low() << 3 | (uint)g.Low()); break;
        }
    }

    private static void HiReg(Gen g, Case c)
    {
        int op = g.Next(3), rd = g.Reg(), rm = g.Reg();
        if (op == 1 && rd < 8 && rm < 8) rd += 8;        // CMP with two low registers is UNPREDICTABLE
        c.T16(0x4400u | (uint)op << 8 | (uint)(rd & 8) << 4 | (uint)rm << 3 | (uint)(rd & 7));
    }

    private static readonly uint[] DpOps = [0, 1, 2, 3, 4, 8, 10, 11, 13, 14];

    private static uint ModImm(Gen g)
    {
        while (true)
        {
            uint imm12 = g.U(12);
            if ((imm12 & 0xC00) == 0 && (imm12 & 0x300) != 0 && (imm12 & 0xFF) == 0) continue;
            return imm12;
        }
    }

    /// <summary>Rd/Rn for the shared DP op table: compare forms write Rd 15 with S; MOV/MVN read Rn 15.</summary>
    private static (uint op, uint s, int rd, int rn) DpFields(Gen g)
    {
        uint op = DpOps[g.Next(DpOps.Length)];
        uint s = (uint)g.Next(2);
        int rd = g.Reg(), rn = g.Reg();
        if (op is 0 or 4 or 8 or 13 && g.Next(4) == 0) { rd = 15; s = 1; }
        if (op is 2 or 3 && g.Next(3) == 0) rn = 15;
        return (op, s, rd, rn);
    }

    private static void DpImm32(Gen g, Case c)
    {
        var (op, s, rd, rn) = DpFields(g);
        uint imm12 = ModImm(g);
        c.T32(0xF000u | (imm12 >> 11) << 10 | op << 5 | s << 4 | (uint)rn, ((imm12 >> 8) & 7) << 12 | (uint)rd << 8 | (imm12 & 0xFF));
    }

    private static void DpReg32(Gen g, Case c)
    {
        var (op, s, rd, rn) = DpFields(g);
        uint imm5 = g.U(5);
        c.T32(0xEA00u | op << 5 | s << 4 | (uint)rn, (imm5 >> 2) << 12 | (uint)rd << 8 | (imm5 & 3) << 6 | g.U(2) << 4 | (uint)g.Reg());
    }

    private static void PlainImm32(Gen g, Case c)
    {
        int rd = g.Reg(), rn = g.Reg();
        uint imm12 = g.U(12), imm16 = g.U(16);
        uint I(uint imm) => (imm >> 11) << 10;
        uint Lo(uint imm) => ((imm >> 8) & 7) << 12 | (uint)rd << 8 | (imm & 0xFF);
        switch (g.Next(8))
        {
            case 0: c.T32(0xF200u | I(imm12) | (uint)rn, Lo(imm12)); break;                                    // ADDW
            case 1: c.T32(0xF2A0u | I(imm12) | (uint)rn, Lo(imm12)); break;                                    // SUBW
            case 2: case 3:
                {
                    uint op = g.Bit() ? 0x04u : 0x0Cu;                                                            // MOVW / MOVT
                    c.T32(0xF200u | I(imm16 & 0xFFF) | op << 4 | (imm16 >> 12), Lo(imm16 & 0xFFF));
                    break;
                }
            case 4:
                {
                    // SSAT/USAT with LSL or ASR (an ASR of 0 would be the DSP's SSAT16).
                    bool usat = g.Bit(), asr = g.Bit();
                    uint sh = g.U(5);
                    if (asr && sh == 0) sh = 1;
                    uint op = (usat ? 0x18u : 0x10u) | (asr ? 2u : 0u);
                    c.T32(0xF300u | (op & 0xF) << 4 | (uint)rn, (sh >> 2) << 12 | (uint)rd << 8 | (sh & 3) << 6 | g.U(5));
                    break;
                }
            case 5:
                {
                    uint lsb = g.U(5), w = (uint)g.Next(1, 33 - (int)lsb);
                    uint op = g.Bit() ? 0x14u : 0x1Cu;                                                            // SBFX / UBFX
                    c.T32(0xF300u | (op & 0xF) << 4 | (uint)rn, (lsb >> 2) << 12 | (uint)rd << 8 | (lsb & 3) << 6 | (w - 1));
                    break;
                }
            default:
                {
                    uint lsb = g.U(5), msb = (uint)g.Next((int)lsb, 32);
                    int src = g.Next(4) == 0 ? 15 : rn;                                                           // BFC / BFI
                    c.T32(0xF360u | (uint)src, (lsb >> 2) << 12 | (uint)rd << 8 | (lsb & 3) << 6 | msb);
                    break;
                }
        }
    }

    private static void Misc32(Gen g, Case c)
    {
        int rd = g.Reg(), rn = g.Reg(), rm = g.Reg();
        switch (g.Next(6))
        {
            case 0: c.T32(0xFA00u | g.U(2) << 5 | g.U(1) << 4 | (uint)rn, 0xF000u | (uint)rd << 8 | (uint)rm); break;     // shift by register
            case 1: c.T32(0xFA0Fu | (uint)new[] { 0, 1, 4, 5 }[g.Next(4)] << 4, 0xF080u | (uint)rd << 8 | g.U(2) << 4 | (uint)rm); break;
            case 2: c.T32(0xFA90u | (uint)rm, 0xF080u | (uint)rd << 8 | g.U(2) << 4 | (uint)rm); break;                 // REV REV16 RBIT REVSH
            case 3: c.T32(0xFAB0u | (uint)rm, 0xF080u | (uint)rd << 8 | (uint)rm); break;                               // CLZ
            case 4: c.T16(0xB200u | g.U(2) << 6 | (uint)g.Low() << 3 | (uint)g.Low()); break;                         // SXTH.. 16-bit
            default: c.T16(0xBA00u | (uint)new[] { 0, 1, 3 }[g.Next(3)] << 6 | (uint)g.Low() << 3 | (uint)g.Low()); break;
        }
    }

    private static void Mul(Gen g, Case c)
    {
        int rd = g.Reg(), rn = g.Reg(), rm = g.Reg(), ra = g.Reg();
        switch (g.Next(6))
        {
            case 0: c.T16(0x4340u | (uint)g.Low() << 3 | (uint)g.Low()); break;                                          // MULS
            case 1: c.T32(0xFB00u | (uint)rn, (uint)(g.Bit() ? 15 : ra) << 12 | (uint)rd << 8 | (uint)rm); break;          // MUL/MLA
            case 2: c.T32(0xFB00u | (uint)rn, (uint)ra << 12 | (uint)rd << 8 | 0x10u | (uint)rm); break;                   // MLS
            case 3: case 4:
                {
                    int lo = g.Reg(), hi = g.Reg();
                    if (lo == hi) hi = lo == 0 ? 1 : 0;
                    uint op1 = new uint[] { 0, 2, 4, 6 }[g.Next(4)];
                    c.T32(0xFB80u | op1 << 4 | (uint)rn, (uint)lo << 12 | (uint)hi << 8 | (uint)rm);
                    break;
                }
            default:
                if (g.Next(8) == 0) c.Regs[rm] = 0;
                c.T32(g.Bit() ? 0xFB90u | (uint)rn : 0xFBB0u | (uint)rn, 0xF0F0u | (uint)rd << 8 | (uint)rm);
                break;
        }
    }

    private static void It(Gen g, Case c)
    {
        uint first = (uint)g.Next(15);
        uint mask = (uint)g.Next(1, 16);
        if (first == 14) mask = 8;
        // The mask's bits below firstcond[0] flip relative to it; any non-zero mask is valid.
        c.T16(0xBF00u | first << 4 | mask);
        int count = 4 - System.Numerics.BitOperations.TrailingZeroCount(mask);
        for (int k = 0; k < count; k++) AnyDp(g, c);
        if (g.Bit()) Dp16(g, c);
    }

    private static void Ldst16(Gen g, Case c, bool aligned = false)
    {
        int rt = g.Low(), rn = g.Low();
        while (rn == rt) rn = g.Low();
        switch (g.Next(5))
        {
            case 0:
                {
                    // STR/LDR, STRB/LDRB, STRH/LDRH (immediate).
                    int kind = g.Next(3);
                    uint imm5 = g.U(5);
                    uint scale = kind == 0 ? 4u : kind == 1 ? 1u : 2u;
                    c.Regs[rn] = g.Addr((int)scale, 0x100) - imm5 * scale;
                    uint baseOp = kind == 0 ? 0x6000u : kind == 1 ? 0x7000u : 0x8000u;
                    c.T16(baseOp | g.U(1) << 11 | imm5 << 6 | (uint)rn << 3 | (uint)rt);
                    break;
                }
            case 1:
                {
                    int rm = g.Low();
                    while (rm == rn || rm == rt) rm = g.Low();
                    uint op = g.U(3);
                    // ARMv6-M faults on unaligned halfword/word accesses: those cases align the address to the size.
                    int size = op switch { 0 or 4 => 4, 1 or 3 or 5 or 7 => 2, _ => 1 };
                    if (op == 3) size = 1;                      // LDRSB
                    uint a = g.Addr(aligned ? size : 1, 0x100);
                    uint off = (uint)g.Next(-0x40, 0x40);
                    if (aligned) off &= ~(uint)(size - 1);
                    c.Regs[rn] = a - off; c.Regs[rm] = off;
                    c.T16(0x5000u | op << 9 | (uint)rm << 6 | (uint)rn << 3 | (uint)rt);
                    break;
                }
            case 2:
                c.Regs[13] = DataAddr + (uint)g.Next(0x40) * 4;
                c.T16(0x9000u | g.U(1) << 11 | (uint)rt << 8 | g.U(8));
                break;
            case 3:
                {
                    // LDR (literal): the pool follows the code's end.
                    uint imm8 = (uint)g.Next(8);
                    c.T16(0x4800u | (uint)rt << 8 | imm8);
                    break;
                }
            default:
                c.T16(0xA000u | (uint)rt << 8 | g.U(8));            // ADR
                if (g.Bit()) c.T16(0xA800u | (uint)rt << 8 | g.U(8));  // ADD Rd, SP, #imm
                break;
        }
    }

    private static void Ldst32(Gen g, Case c)
    {
        int rt = g.Reg(), rn = g.Reg();
        while (rn == rt) rn = g.Reg();
        // size: 0 byte, 1 half, 2 word; signed loads only for byte/half.
        uint size = (uint)g.Next(3);
        bool load = g.Bit();
        uint signed = load && size < 2 && g.Bit() ? 1u : 0u;
        uint hw1Base = 0xF800u | signed << 8 | size << 5 | (load ? 0x10u : 0u);
        uint scale = 1u << (int)size;
        bool unaligned = size > 0 && g.Next(6) == 0;
        switch (g.Next(load ? 4 : 3))
        {
            case 0:
                {
                    uint imm12 = g.U(g.Bit() ? 12 : 6);
                    uint a = g.Addr((int)scale, 0x10) + (unaligned ? 1u : 0u);
                    c.Regs[rn] = a - imm12;
                    c.T32(hw1Base | 0x80u | (uint)rn, (uint)rt << 12 | imm12);
                    break;
                }
            case 1:
                {
                    uint puw = new uint[] { 4, 5, 1, 3, 7, 6, 4 }[g.Next(7)];   // [Rn,#-i] [Rn,#-i]! [Rn],#-i [Rn],#+i [Rn,#+i]! LDRT...
                    uint imm8 = g.U(8);
                    uint a = g.Addr((int)scale, 0x110) + (unaligned ? 1u : 0u);
                    c.Regs[rn] = a;
                    c.T32(hw1Base | (uint)rn, (uint)rt << 12 | 0x800u | puw << 8 | imm8);
                    break;
                }
            case 2:
                {
                    int rm = g.Reg();
                    while (rm == rt || rm == rn) rm = g.Reg();
                    uint sh = g.U(2);
                    uint off = (uint)g.Next(0x40);
                    c.Regs[rm] = off;
                    c.Regs[rn] = g.Addr((int)scale, 0x120) - (off << (int)sh) + (unaligned ? 1u : 0u);
                    c.T32(hw1Base | (uint)rn, (uint)rt << 12 | sh << 4 | (uint)rm);
                    break;
                }
            default:
                {
                    // Literal: Align(PC, 4) +/- imm12 into the code page (the pool after the end, or code before it).
                    uint u = (uint)g.Next(2);
                    uint imm = (uint)g.Next(0x40);
                    c.T32(hw1Base | u << 7 | 0xF, (uint)rt << 12 | imm);
                    break;
                }
        }
    }

    private static void Ldstd(Gen g, Case c)
    {
        int rt = g.Reg(), rt2 = g.Reg(), rn = g.Reg();
        while (rt2 == rt) rt2 = g.Reg();
        while (rn == rt || rn == rt2) rn = g.Reg();
        uint l = (uint)g.Next(2);
        uint[] puw = [0b110, 0b100, 0b111, 0b101, 0b011, 0b001];
        uint f = puw[g.Next(puw.Length)];
        uint imm8 = g.U(6);
        c.Regs[rn] = g.Addr(4, 0x120);
        c.T32(0xE840u | (f >> 2) << 8 | ((f >> 1) & 1) << 7 | (f & 1) << 5 | l << 4 | (uint)rn, (uint)rt << 12 | (uint)rt2 << 8 | imm8);
    }

    private static void LdmStm(Gen g, Case c)
    {
        switch (g.Next(4))
        {
            case 0:
                {
                    int rn = g.Low();
                    uint list = g.U(8); if (list == 0) list = 1;
                    bool load = g.Bit();
                    if (!load) list &= ~(1u << rn);
                    if (list == 0) list = rn == 0 ? 2u : 1u;
                    c.Regs[rn] = g.Addr(4, 0x100);
                    c.T16((load ? 0xC800u : 0xC000u) | (uint)rn << 8 | list);
                    break;
                }
            case 1:
                {
                    uint list = g.U(8) | (g.Bit() ? 0x100u : 0);
                    if ((list & 0xFF) == 0) list |= 1;
                    c.Regs[13] = g.Addr(8, 0x100);
                    c.T16((g.Bit() ? 0xB400u : 0xBC00u) | (list & 0x1FF));    // PUSH {.., LR} / POP {..} (bit 8: LR for PUSH; PC for POP: excluded below)
                    if ((c.Code[^1] & 0xFE) == 0xBC) { c.Code[^2] &= 0xFF; c.Code[^1] = 0xBC; }
                    break;
                }
            default:
                {
                    int rn = g.Reg();
                    bool load = g.Bit(), wback = g.Bit(), ia = g.Bit();
                    uint list;
                    do list = g.U(13) | (g.Bit() ? 0x4000u : 0); while (System.Numerics.BitOperations.PopCount(list) < 2 || (wback && (list & (1u << rn)) != 0));
                    c.Regs[rn] = g.Addr(4, 0x100);
                    uint hw1 = 0xE800u | (ia ? 0x80u : 0x100u) | (wback ? 0x20u : 0) | (load ? 0x10u : 0) | (uint)rn;
                    c.T32(hw1, list);
                    break;
                }
        }
    }

    private static void LdmStm16(Gen g, Case c)
    {
        if (g.Bit())
        {
            int rn = g.Low();
            uint list = g.U(8);
            bool load = g.Bit();
            if (!load) list &= ~(1u << rn);
            if (list == 0) list = rn == 0 ? 2u : 1u;
            c.Regs[rn] = g.Addr(4, 0x100);
            c.T16((load ? 0xC800u : 0xC000u) | (uint)rn << 8 | list);
        }
        else
        {
            uint list = g.U(8) | (g.Bit() ? 0x100u : 0);
            if ((list & 0xFF) == 0) list |= 1;
            c.Regs[13] = g.Addr(8, 0x100);
            bool push = g.Bit();
            c.T16((push ? 0xB400u : 0xBC00u) | (push ? list : list & 0xFF));
        }
    }

    /// <summary>ARMv6-M branches to the end: B, B&lt;c&gt;, BL over filler; BX, BLX, MOV PC, POP {PC} to it.</summary>
    private static void Branch16(Gen g, Case c)
    {
        int filler = g.Next(1, 4);
        int kind = g.Next(4);
        int at = c.Code.Count;
        if (kind == 0)
        {
            bool cond = g.Bit();
            uint cc = (uint)g.Next(14);
            c.T16(0);
            for (int k = 0; k < filler; k++) Dp16(g, c);
            int off = c.Code.Count - at - 4;
            uint op = cond ? 0xD000u | cc << 8 | (uint)((off >> 1) & 0xFF) : 0xE000u | (uint)((off >> 1) & 0x7FF);
            c.Code[at] = (byte)op; c.Code[at + 1] = (byte)(op >> 8);
        }
        else if (kind == 1)
        {
            c.T32(0, 0);
            for (int k = 0; k < filler; k++) Dp16(g, c);
            int off = c.Code.Count - at - 4;
            uint hw1 = 0xF000u | (uint)((off >> 12) & 0x3FF), hw2 = 0xF800u | (uint)((off >> 1) & 0x7FF);
            c.Code[at] = (byte)hw1; c.Code[at + 1] = (byte)(hw1 >> 8); c.Code[at + 2] = (byte)hw2; c.Code[at + 3] = (byte)(hw2 >> 8);
        }
        else
        {
            int rm = g.Reg();
            int how = g.Next(4);
            switch (how)
            {
                case 0: c.T16(0x4700u | (uint)rm << 3); break;
                case 1: c.T16(0x4780u | (uint)rm << 3); break;
                case 2: c.T16(0x4600u | 0x80u | (uint)rm << 3 | 7u); break;
                default: c.T16(0xBD00u); break;
            }
            for (int k = 0; k < filler; k++) Dp16(g, c);
            uint end = c.Pc;
            if (how <= 2) c.Regs[rm] = end | 1;
            else { c.Regs[13] = g.Addr(4, 0x100); PutWord(c, c.Regs[13], end | 1); }
        }
    }

    private static void Excl(Gen g, Case c)
    {
        int kind = g.Next(3);                        // word, byte, halfword
        int rn = g.Reg(), rt = g.Reg(), rt2 = g.Reg(), rd = g.Reg();
        while (rt == rn) rt = g.Reg();
        while (rt2 == rn) rt2 = g.Reg();
        while (rd == rn || rd == rt2) rd = g.Reg();
        c.Regs[rn] = g.Addr(4, 0x100);
        uint imm8 = g.U(4);
        bool pair = g.Next(4) != 0, clear = g.Next(5) == 0, other = kind == 0 && g.Next(6) == 0;
        if (pair)
        {
            if (kind == 0) c.T32(0xE850u | (uint)rn, (uint)rt << 12 | 0xF00u | imm8);
            else c.T32(0xE8D0u | (uint)rn, (uint)rt << 12 | (kind == 1 ? 0xF4Fu : 0xF5Fu));
        }
        if (clear) c.T32(0xF3BF, 0x8F2F);
        if (kind == 0) c.T32(0xE840u | (uint)rn, (uint)rt2 << 12 | (uint)rd << 8 | (other ? imm8 + 1 : imm8));
        else c.T32(0xE8C0u | (uint)rn, (uint)rt2 << 12 | (kind == 1 ? 0xF40u : 0xF50u) | (uint)rd);
    }

    /// <summary>A branch to the end (or not taken), over filler instructions that run when it is not taken.</summary>
    private static void Branch(Gen g, Case c)
    {
        int filler = g.Next(1, 4);
        int kind = g.Next(10);
        switch (kind)
        {
            case 0: case 1: case 2:
                {
                    // B<c> (16 or 32) / B (16 or 32) forward over the filler; the filler's byte size is known after.
                    bool wide = g.Bit(), cond = g.Next(3) != 0;
                    uint cc = (uint)g.Next(14);
                    int at = c.Code.Count;
                    if (wide) c.T32(0, 0); else c.T16(0);
                    for (int k = 0; k < filler; k++) Dp16(g, c);
                    int off = c.Code.Count - at - 4;
                    uint hw1, hw2;
                    if (!wide)
                    {
                        uint op = cond ? 0xD000u | cc << 8 | (uint)((off >> 1) & 0xFF) : 0xE000u | (uint)((off >> 1) & 0x7FF);
                        c.Code[at] = (byte)op; c.Code[at + 1] = (byte)(op >> 8);
                    }
                    else
                    {
                        if (cond) { hw1 = 0xF000u | cc << 6 | (uint)((off >> 12) & 0x3F); hw2 = 0x8000u | (uint)((off >> 1) & 0x7FF); }
                        else { hw1 = 0xF000u | (uint)((off >> 12) & 0x3FF); hw2 = 0xB800u | (uint)((off >> 1) & 0x7FF); }
                        c.Code[at] = (byte)hw1; c.Code[at + 1] = (byte)(hw1 >> 8); c.Code[at + 2] = (byte)hw2; c.Code[at + 3] = (byte)(hw2 >> 8);
                    }
                    break;
                }
            case 3:
                {
                    int rn = g.Low();
                    if (g.Bit()) c.Regs[rn] = 0;
                    int at = c.Code.Count;
                    c.T16(0);
                    for (int k = 0; k < filler; k++) Dp16(g, c);
                    int off = c.Code.Count - at - 4;
                    uint op = (g.Bit() ? 0xB900u : 0xB100u) | (uint)(((off >> 6) & 1) << 9) | (uint)(((off >> 1) & 31) << 3) | (uint)rn;
                    c.Code[at] = (byte)op; c.Code[at + 1] = (byte)(op >> 8);
                    break;
                }
            case 4:
                {
                    // BL forward: LR = next | 1.
                    int at = c.Code.Count;
                    c.T32(0, 0);
                    for (int k = 0; k < filler; k++) Dp16(g, c);
                    int off = c.Code.Count - at - 4;
                    uint hw1 = 0xF000u | (uint)((off >> 12) & 0x3FF), hw2 = 0xF800u | (uint)((off >> 1) & 0x7FF);
                    c.Code[at] = (byte)hw1; c.Code[at + 1] = (byte)(hw1 >> 8); c.Code[at + 2] = (byte)hw2; c.Code[at + 3] = (byte)(hw2 >> 8);
                    break;
                }
            case 5: case 6:
                {
                    // BX/BLX Rm, MOV PC, Rm, POP {PC}, LDR PC: to the end, fixed after the filler.
                    int rm = g.Reg();
                    int how = g.Next(5);
                    int at = c.Code.Count;
                    switch (how)
                    {
                        case 0: c.T16(0x4700u | (uint)rm << 3); break;
                        case 1: c.T16(0x4780u | (uint)rm << 3); break;
                        case 2: c.T16(0x4600u | 0x80u | (uint)rm << 3 | 7u); break;               // MOV PC, Rm
                        case 3: c.T16(0xBD00u); break;                                            // POP {PC}
                        default: c.T32(0xF8D0u | (uint)(rm == 14 ? 0 : rm), 0xF000u); break;       // LDR PC, [Rn]
                    }
                    for (int k = 0; k < filler; k++) Dp16(g, c);
                    uint end = c.Pc;
                    if (how <= 2) c.Regs[rm] = end | 1;
                    else if (how == 3) { c.Regs[13] = g.Addr(4, 0x100); PutWord(c, c.Regs[13], end | 1); }
                    else { uint a = g.Addr(4, 0x100); c.Regs[rm == 14 ? 0 : rm] = a; PutWord(c, a, end | 1); }
                    _ = at;
                    break;
                }
            default:
                {
                    // TBB/TBH [PC, Rm]: a table of forward offsets (in halfwords from the table) into the filler.
                    bool h = g.Bit();
                    int rm = g.Reg();
                    int entries = 4;
                    c.T32(0xE8DFu, 0xF000u | (h ? 0x10u : 0) | (uint)rm);
                    int table = c.Code.Count;
                    int tableBytes = h ? entries * 2 : entries;
                    for (int k = 0; k < tableBytes; k++) c.Code.Add(0);
                    if ((c.Code.Count & 1) != 0) c.Code.Add(0);
                    var starts = new List<int>();
                    for (int k = 0; k < filler; k++) { starts.Add(c.Code.Count); Dp16(g, c); }
                    starts.Add(c.Code.Count);
                    for (int e = 0; e < entries; e++)
                    {
                        int target = starts[g.Next(starts.Count)];
                        int v = (target - table) / 2;
                        if (h) { c.Code[table + 2 * e] = (byte)v; c.Code[table + 2 * e + 1] = (byte)(v >> 8); }
                        else c.Code[table + e] = (byte)v;
                    }
                    c.Regs[rm] = (uint)g.Next(entries);
                    break;
                }
        }
    }

    private static void PutWord(Case c, uint addr, uint v) => BitConverter.GetBytes(v).CopyTo(c.Data, (int)(addr - DataAddr));

    private static void Msr(Gen g, Case c)
    {
        for (int n = g.Next(1, 4), k = 0; k < n; k++)
        {
            switch (g.Next(3))
            {
                case 0: c.T32(0xF380u | (uint)g.Reg(), 0x8800u); break;                                       // MSR APSR_nzcvq, Rn
                case 1: c.T32(0xF3EFu, 0x8000u | (uint)g.Reg() << 8 | (uint)new[] { 0, 1, 2, 3, 5, 6, 7 }[g.Next(7)]); break; // MRS Rd, xPSR forms
                default: AnyDp(g, c); break;
            }
        }
    }

    // ---- running ----

    private sealed class Run
    {
        public required List<Case> Cases;
        public required List<UnicornResult> Results;
        public string Timing = "";
    }

    private static readonly Lazy<Run> Shared = new(() => RunAll(), LazyThreadSafetyMode.ExecutionAndPublication);

    private static Run RunAll()
    {
        var cases = new List<Case>();
        var g = new Gen(0x4D33);
        foreach (var cls in Classes)
            for (int k = 0; k < CasesPerClass; k++) cases.Add(Make(g, cls));
        foreach (var cls in V6MClasses)
            for (int k = 0; k < V6MCasesPerClass; k++) cases.Add(Make(g, cls));
        foreach (var cls in DspClasses)
            for (int k = 0; k < CasesPerClass; k++) cases.Add(Make(g, cls));
        // The literal pool and the rest of the page: random bytes after the code (loads from PC read them).
        foreach (var c in cases)
        {
            var pool = new byte[0x140];
            g.R.NextBytes(pool);
            c.Code.AddRange(pool);
        }
        var results = UnicornRunner.Run(MemSize, CodeAddr, DataAddr, cases.Select(c => ToUnicorn(c, IsV6M(c.Class) ? "m0" : IsDsp(c.Class) ? "m4" : "m3")).ToList(), out var pyTime);
        return new Run { Cases = cases, Results = results, Timing = $"{cases.Count} cases, Unicorn {pyTime.TotalSeconds:F1} s" };
    }

    /// <summary>A case as run_cases.py takes it: on Unicorn's <paramref name="model"/>, from CodeAddr to the case's end.</summary>
    internal static UnicornCase ToUnicorn(Case c, string model) =>
        new() { Model = model, Regs = c.Regs, Flags = c.Flags, Code = c.Code.ToArray(), End = c.End, Data = c.Data };

    /// <summary>Runs one case on the core: memory as Unicorn has it, Thread mode on the MSP, until the PC reaches the end.</summary>
    private static unsafe (uint[] Regs, uint Pc, uint Xpsr, byte[] Data, string? Error) Simulate(Sim sim, Case c)
    {
        var m = sim.Ram;
        new Span<byte>(m.Data, (int)MemSize).Clear();
        c.Code.ToArray().CopyTo(new Span<byte>(m.Data + CodeAddr, c.Code.Count));
        c.Data.CopyTo(new Span<byte>(m.Data + DataAddr, DataLen));
        // The vector table: SP and the reset PC (Thumb).
        *(uint*)m.Data = c.Regs[13];
        *(uint*)(m.Data + 4) = CodeAddr | 1;
        var cpu = sim.Cpu;
        cpu.Reset();
        for (int r = 0; r < 15; r++) cpu.SetRegister(r, c.Regs[r]);
        cpu.Xpsr = (c.Flags & 0xF800_0000) | (1u << 24);
        for (int k = 0; k < 64 && cpu.PC != c.End && cpu.State == CoreState.Running; k++) cpu.Step();
        *(uint*)m.Data = 0; *(uint*)(m.Data + 4) = 0;
        string? error = cpu.State != CoreState.Running ? $"{cpu.State} {cpu.Fault}" : cpu.HandlerMode ? $"took exception {cpu.Ipsr}" : null;
        var regs = new uint[15];
        for (int r = 0; r < 15; r++) regs[r] = cpu.GetRegister(r);
        return (regs, cpu.PC, cpu.Xpsr, new Span<byte>(m.Data + DataAddr, DataLen).ToArray(), error);
    }

    internal sealed class Sim : IDisposable
    {
        public readonly Scheduler Scheduler = Scheduler.CycleBased();
        public readonly Bus Bus;
        public readonly MemoryRegion Ram = new("ram", 0, MemSize, RegionKind.Ram, 32, WaitStates.Zero);
        public readonly CortexMCpu Cpu;
        public Sim(CortexMProfile profile = CortexMProfile.V7M, bool fpu = false)
        {
            Bus = new Bus(Scheduler);
            Bus.AddRegion(Ram);
            Cpu = new CortexMCpu(Bus, profile, fpu: fpu);
        }
        public void Dispose() { Bus.Dispose(); Ram.Dispose(); }
    }

    private static string Describe(Case c) =>
        $"{c.Class} [{Convert.ToHexString(c.Code.ToArray(), 0, (int)(c.End - CodeAddr))}] flags={c.Flags >> 27:X} regs={string.Join(',', c.Regs.Select(r => r.ToString("X")))}";

    public static IEnumerable<object[]> ClassData() => Classes.Concat(V6MClasses).Concat(DspClasses).Select(c => new object[] { c });

    [Fact]
    public void AtLeastTwentyThousandCases()
    {
        var run = Shared.Value;
        _out.WriteLine(run.Timing);
        Assert.True(run.Cases.Count >= 20_000, $"{run.Cases.Count} cases");
        Assert.Equal(run.Cases.Count, run.Results.Count);
    }

    [Theory]
    [MemberData(nameof(ClassData))]
    public void MatchesUnicorn(string cls)
    {
        var run = Shared.Value;
        using var sim = new Sim(ProfileOf(cls));
        uint flagMask = IsDsp(cls) ? 0xF80F_0000 : 0xF800_0000;
        var failures = new List<string>();
        int count = 0;
        for (int k = 0; k < run.Cases.Count; k++)
        {
            var c = run.Cases[k];
            if (c.Class != cls) continue;
            count++;
            var want = run.Results[k];
            var got = Simulate(sim, c);
            string? diff = null;
            if (want.Error != null) diff = $"Unicorn: {want.Error}";
            else if (got.Error != null) diff = $"sim: {got.Error}";
            else
            {
                for (int r = 0; r < 15 && diff == null; r++)
                    if (want.Regs[r] != got.Regs[r]) diff = $"R{r}: unicorn {want.Regs[r]:X8} sim {got.Regs[r]:X8}";
                if (diff == null && want.Pc != got.Pc) diff = $"PC: unicorn {want.Pc:X8} sim {got.Pc:X8}";
                if (diff == null && (want.Psr & flagMask) != (got.Xpsr & flagMask)) diff = $"NZCVQ/GE: unicorn {want.Psr & flagMask:X8} sim {got.Xpsr & flagMask:X8}";
                if (diff == null)
                    for (int b = 0; b < DataLen; b++)
                        if (want.Data[b] != got.Data[b]) { diff = $"data[{DataAddr + b:X}]: unicorn {want.Data[b]:X2} sim {got.Data[b]:X2}"; break; }
            }
            if (diff != null) failures.Add($"{diff} :: {Describe(c)}");
        }
        Assert.True(count >= (IsV6M(cls) ? V6MCasesPerClass : CasesPerClass), $"{count} cases");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} differ:\n" + string.Join("\n", failures.Take(15)));
    }
}
