using SocSim.Arm;
using SocSim.Tests;
using Xunit.Abstractions;

namespace SocSim.Arm9.Tests;

/// <summary>
/// Random ARMv5TE sequences on <see cref="Arm926Cpu"/> and on Unicorn's ARM926 model (QEMU's front
/// end, UC_CPU_ARM_926), compared on r0-r14, pc, CPSR (NZCVQ, T, mode) and a data window. Cases are
/// seeded; what the ARM ARM leaves UNPREDICTABLE (R15 operands, Rd = Rm in MUL, RdHi = RdLo, writeback
/// to a loaded base, unaligned LDRD) is not generated.
/// </summary>
public sealed class UnicornArmv5Tests
{
    private const uint MemSize = 0x2_0000, CodeAddr = 0x1000, DataAddr = 0x8000;
    private const int DataLen = 0x800;
    private const int CasesPerClass = 120;

    private readonly ITestOutputHelper _out;
    public UnicornArmv5Tests(ITestOutputHelper output) => _out = output;

    private sealed class Case
    {
        public required string Class;
        public required bool Thumb;
        public uint[] Regs = new uint[15];
        public uint Flags;
        public List<byte> Code = new();
        public int Count;
        public byte[] Data = new byte[DataLen];
        public readonly List<string> Ops = new();

        public void Arm(uint op) { Code.AddRange(BitConverter.GetBytes(op)); Ops.Add(op.ToString("X8")); Count++; }
        public void Th(uint op) { Code.AddRange(BitConverter.GetBytes((ushort)op)); Ops.Add(op.ToString("X4")); Count++; }
    }

    private sealed class Gen(int seed)
    {
        private readonly Random _r = new(seed);
        private static readonly uint[] Edge = [0, 1, 2, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x8000_0001, 0xFFFF, 0x7FFF, 0x8000, 0xFFFF_8000, 0x4000_0000, 0xC000_0000];
        public uint R32() => (uint)_r.Next(1 << 16) << 16 | (uint)_r.Next(1 << 16);
        public int Next(int n) => _r.Next(n);
        public int Next(int lo, int hi) => _r.Next(lo, hi);
        public bool Bit() => _r.Next(2) == 0;
        public uint Val() => _r.Next(6) switch
        {
            0 or 1 => R32(),
            2 => Edge[_r.Next(Edge.Length)],
            3 => (uint)_r.Next(256),
            4 => (uint)-_r.Next(1, 257),
            _ => R32() >> _r.Next(32),
        };
        public Case New(string cls, bool thumb)
        {
            var c = new Case { Class = cls, Thumb = thumb };
            for (int i = 0; i < 15; i++) c.Regs[i] = Val();
            c.Flags = (uint)_r.Next(32) << 27;
            _r.NextBytes(c.Data);
            return c;
        }
        /// <summary>Distinct registers from r0-r12.</summary>
        public int[] Regs(int n, int max = 13)
        {
            var all = Enumerable.Range(0, max).OrderBy(_ => _r.Next()).Take(n).ToArray();
            return all;
        }
        public uint Addr(int align, int margin) => DataAddr + (uint)margin + (uint)(_r.Next((DataLen - 2 * margin) / align) * align);
    }

    private const uint Al = 0xE000_0000;

    private static uint DataOp(Gen g)
    {
        int opc = g.Next(16);
        uint s = opc is >= 8 and <= 11 ? 1u : (uint)g.Next(2);
        var r = g.Regs(4);
        // Rd of TST/TEQ/CMP/CMN and Rn of MOV/MVN are SBZ (QEMU refuses other values).
        uint op = Al | (uint)opc << 21 | s << 20 | (opc is 13 or 15 ? 0 : (uint)r[0]) << 16 | (opc is >= 8 and <= 11 ? 0 : (uint)r[1]) << 12;
        switch (g.Next(3))
        {
            case 0: return op | 1u << 25 | (uint)g.Next(16) << 8 | (uint)g.Next(256);
            case 1: return op | (uint)g.Next(32) << 7 | (uint)g.Next(4) << 5 | (uint)r[2];
            default: return op | (uint)r[3] << 8 | (uint)g.Next(4) << 5 | 0x10 | (uint)r[2];
        }
    }

    private static Case Make(Gen g, string cls)
    {
        if (cls.StartsWith("interwork")) return Interwork(g, cls);
        bool thumb = cls.StartsWith("thumb");
        var c = g.New(cls, thumb);
        // Memory classes: one instruction, so that a load cannot move a later instruction's base out of the window.
        int n = cls is "arm.ldrstr" or "arm.half" or "arm.ldrd" or "arm.ldm" or "thumb.ldst" ? 1 : 1 + g.Next(4);
        for (int i = 0; i < n; i++) Emit(g, c, cls);
        return c;
    }

    /// <summary>
    /// ARMv5 state changes: BLX (immediate, with H) and BLX Rm from ARM, LDR PC and LDM with the PC
    /// loading a Thumb address; BLX Rm and POP {pc} from Thumb to ARM. The target's instruction runs
    /// too, so its state is seen.
    /// </summary>
    private static Case Interwork(Gen g, string cls)
    {
        bool fromThumb = cls == "interwork.thumb";
        var c = g.New(cls, fromThumb);
        uint target = CodeAddr + 8;
        uint imm = (uint)g.Next(256);
        uint addr = g.Addr(4, 0x40);
        var code = new byte[12];
        void Put16(int at, uint v) => BitConverter.GetBytes((ushort)v).CopyTo(code, at);
        void Put32(int at, uint v) => BitConverter.GetBytes(v).CopyTo(code, at);
        if (!fromThumb)
        {
            // Thumb code at +8 and +10: MOVS r1, #imm; MOVS r0, #imm.
            Put16(8, 0x2100 | imm);
            Put16(10, 0x2000 | (imm ^ 0x55));
            switch (g.Next(4))
            {
                case 0: Put32(0, 0xFA00_0000 | (g.Bit() ? 1u << 24 : 0)); break;                     // BLX +8 (H selects +10)
                case 1: c.Regs[5] = target | 1 | (uint)g.Next(2) * 2; Put32(0, 0xE12F_FF35); break; // BLX r5
                case 2: c.Regs[4] = addr; Put32(0, 0xE594_F000); PutData(c, addr, target | 1); break; // LDR pc, [r4]
                default: c.Regs[4] = addr; Put32(0, 0xE894_8004); PutData(c, addr + 4, target | 1); break; // LDMIA r4, {r2, pc}
            }
        }
        else
        {
            Put32(8, 0xE3A0_0000 | imm);   // ARM at +8: MOV r0, #imm
            if (g.Bit()) { c.Regs[5] = target; Put16(0, 0x47A8); }                                  // BLX r5
            else { c.Regs[13] = addr; Put16(0, 0xBD00); PutData(c, addr, target); }                  // POP {pc}
        }
        c.Code.AddRange(code);
        c.Ops.Add(Convert.ToHexString(code));
        c.Count = 2;
        return c;
    }

    private static void PutData(Case c, uint addr, uint v) => BitConverter.GetBytes(v).CopyTo(c.Data, (int)(addr - DataAddr));

    private static void Emit(Gen g, Case c, string cls)
    {
        var r = g.Regs(4);
        uint rd = (uint)r[0], rn = (uint)r[1], rm = (uint)r[2], rs = (uint)r[3];
        switch (cls)
        {
            case "arm.dp": c.Arm(DataOp(g)); break;
            case "arm.clz": c.Arm(Al | 0x016F_0F10 | rd << 12 | rm); break;
            case "arm.qarith":
                c.Regs[rm] = g.Val(); c.Regs[rn] = g.Val();
                c.Arm(Al | 0x0100_0050 | (uint)g.Next(4) << 21 | rn << 16 | rd << 12 | rm);
                break;
            case "arm.smul16":
                switch (g.Next(5))
                {
                    case 0: c.Arm(Al | 0x0100_0080 | rd << 16 | rn << 12 | rs << 8 | (uint)g.Next(4) << 5 | rm); break;            // SMLAxy
                    case 1: c.Arm(Al | 0x0120_0080 | rd << 16 | rn << 12 | rs << 8 | (uint)g.Next(2) << 6 | rm); break;          // SMLAWy
                    case 2: c.Arm(Al | 0x0120_00A0 | rd << 16 | rs << 8 | (uint)g.Next(2) << 6 | rm); break;                     // SMULWy
                    case 3: c.Arm(Al | 0x0140_0080 | rd << 16 | rn << 12 | rs << 8 | (uint)g.Next(4) << 5 | rm); break;          // SMLALxy
                    default: c.Arm(Al | 0x0160_0080 | rd << 16 | rs << 8 | (uint)g.Next(4) << 5 | rm); break;                    // SMULxy
                }
                break;
            case "arm.mul":
            {
                uint s = (uint)g.Next(2) << 20;
                if (g.Bit()) { bool mla = g.Bit(); c.Arm(Al | (mla ? 1u << 21 : 0) | s | rd << 16 | (mla ? rn : 0) << 12 | rs << 8 | 0x90 | rm); }
                else c.Arm(Al | 0x0080_0000 | (uint)g.Next(4) << 21 | s | rd << 16 | rn << 12 | rs << 8 | 0x90 | rm);
                break;
            }
            case "arm.msr":
                if (g.Bit()) c.Arm(Al | 0x0328_F000 | (uint)g.Next(16) << 8 | (uint)g.Next(256));   // MSR CPSR_f, #imm
                else c.Arm(Al | 0x010F_0000 | rd << 12);                                             // MRS
                break;
            case "arm.ldrstr":
            {
                bool load = g.Bit(), b = g.Bit(), pre = g.Bit(), up = g.Bit(), w = pre && g.Bit();
                int off = g.Next(64) * 4;
                uint addr = g.Addr(4, 0x120);
                c.Regs[rn] = pre ? (up ? addr - (uint)off : addr + (uint)off) : addr;
                c.Arm(Al | 0x0400_0000 | (pre ? 1u << 24 : 0) | (up ? 1u << 23 : 0) | (b ? 1u << 22 : 0) | (w ? 1u << 21 : 0) | (load ? 1u << 20 : 0) | rn << 16 | rd << 12 | (uint)off);
                break;
            }
            case "arm.half":
            {
                int kind = g.Next(4);   // 0 STRH 1 LDRH 2 LDRSB 3 LDRSH
                bool pre = g.Bit(), up = g.Bit(), w = pre && g.Bit();
                int off = g.Next(32) * 2;
                uint addr = g.Addr(2, 0x80);
                c.Regs[rn] = pre ? (up ? addr - (uint)off : addr + (uint)off) : addr;
                uint sh = kind switch { 0 or 1 => 1u, 2 => 2u, _ => 3u };
                c.Arm(Al | (pre ? 1u << 24 : 0) | (up ? 1u << 23 : 0) | 1u << 22 | (w ? 1u << 21 : 0) | (kind != 0 ? 1u << 20 : 0)
                      | rn << 16 | rd << 12 | ((uint)off & 0xF0) << 4 | 0x90 | sh << 5 | ((uint)off & 0xF));
                break;
            }
            case "arm.ldrd":
            {
                uint even = (uint)g.Next(6) * 2;
                uint bas = (even + 2 + (uint)g.Next(11)) % 13;
                if (bas == even || bas == even + 1) bas = 12;
                bool pre = g.Bit(), up = g.Bit(), w = pre && g.Bit(), load = g.Bit();
                int off = g.Next(16) * 8;
                uint addr = g.Addr(8, 0x80);
                c.Regs[bas] = pre ? (up ? addr - (uint)off : addr + (uint)off) : addr;
                c.Arm(Al | (pre ? 1u << 24 : 0) | (up ? 1u << 23 : 0) | 1u << 22 | (w ? 1u << 21 : 0) | bas << 16 | even << 12
                      | ((uint)off & 0xF0) << 4 | (load ? 0xD0u : 0xF0u) | ((uint)off & 0xF));
                break;
            }
            case "arm.ldm":
            {
                bool load = g.Bit(), pre = g.Bit(), up = g.Bit(), w = g.Bit();
                uint list = (uint)g.Next(1, 0x2000) & ~(1u << (int)rn);
                if (list == 0) list = 1u << (int)((rn + 1) % 13);
                uint addr = g.Addr(4, 0x100);
                c.Regs[rn] = addr;
                c.Arm(Al | 0x0800_0000 | (pre ? 1u << 24 : 0) | (up ? 1u << 23 : 0) | (w ? 1u << 21 : 0) | (load ? 1u << 20 : 0) | rn << 16 | list);
                break;
            }
            case "thumb.alu":
                switch (g.Next(5))
                {
                    case 0: c.Th((uint)g.Next(3) << 11 | (uint)g.Next(32) << 6 | (uint)r[1] % 8 << 3 | (uint)r[0] % 8); break;
                    case 1: c.Th(0x1800 | (uint)g.Next(4) << 9 | (uint)g.Next(8) << 6 | (uint)r[1] % 8 << 3 | (uint)r[0] % 8); break;
                    case 2: c.Th(0x2000 | (uint)g.Next(4) << 11 | (uint)g.Next(8) << 8 | (uint)g.Next(256)); break;
                    case 3: c.Th(0x4000 | (uint)g.Next(16) << 6 | (uint)g.Next(8) << 3 | (uint)g.Next(8)); break;
                    default:
                    {
                        // ADD/CMP/MOV with high registers, not the PC or SP.
                        uint d = (uint)g.Next(13), m = (uint)g.Next(13);
                        c.Th(0x4400 | (uint)g.Next(3) << 8 | (d & 8) << 4 | m << 3 | (d & 7));
                        break;
                    }
                }
                break;
            case "thumb.ldst":
            {
                uint addr = g.Addr(4, 0x100);
                uint rb = (uint)r[1] % 8, rt = (uint)r[0] % 8;
                if (rb == rt) rt = (rt + 1) % 8;
                switch (g.Next(4))
                {
                    case 0:
                    {
                        uint off = (uint)g.Next(32);
                        c.Regs[rb] = addr - off * 4;
                        c.Th(0x6000 | (uint)g.Next(2) << 11 | off << 6 | rb << 3 | rt);
                        break;
                    }
                    case 1:
                    {
                        uint off = (uint)g.Next(32);
                        c.Regs[rb] = addr - off * 2;
                        c.Th(0x8000 | (uint)g.Next(2) << 11 | off << 6 | rb << 3 | rt);
                        break;
                    }
                    case 2:
                    {
                        uint ro = (rb + 1) % 8 == rt ? (rb + 2) % 8 : (rb + 1) % 8;
                        c.Regs[rb] = addr;
                        c.Regs[ro] = (uint)g.Next(16) * 4;
                        c.Th(0x5000 | (uint)g.Next(8) << 9 | ro << 6 | rb << 3 | rt);
                        break;
                    }
                    default:
                        c.Regs[13] = addr;
                        c.Th(g.Bit() ? 0xB400 | (uint)g.Next(2) << 8 | (uint)g.Next(1, 256) : 0xBC00 | (uint)g.Next(1, 256));
                        break;
                }
                break;
            }
            default: throw new ArgumentException(cls);
        }
    }

    public static IEnumerable<object[]> Classes() =>
        new[] { "arm.dp", "arm.clz", "arm.qarith", "arm.smul16", "arm.mul", "arm.msr", "arm.ldrstr", "arm.half", "arm.ldrd", "arm.ldm", "thumb.alu", "thumb.ldst", "interwork.arm", "interwork.thumb" }
            .Select(c => new object[] { c });

    /// <summary>Every class's cases, run in one Unicorn process (starting Python and its engines dominates).</summary>
    private static readonly Lazy<Dictionary<string, (List<Case> Cases, List<UnicornResult> Results)>> Shared = new(() =>
    {
        var all = new List<Case>();
        int seed = 926;
        foreach (var cls in Classes().Select(o => (string)o[0]))
        {
            var g = new Gen(seed++);
            all.AddRange(Enumerable.Range(0, CasesPerClass).Select(_ => Make(g, cls)));
        }
        var results = RunUnicorn(all);
        return all.Select((c, i) => (c, r: results[i])).GroupBy(x => x.c.Class)
            .ToDictionary(x => x.Key, x => (x.Select(y => y.c).ToList(), x.Select(y => y.r).ToList()));
    });

    /// <summary>
    /// The same cases with the MMU, the I-cache and a write-back D-cache on (one section over the RAM):
    /// the caches change no result; memory is compared after the D-cache is cleaned, as software that
    /// hands memory to another master would clean it.
    /// </summary>
    [Theory]
    [MemberData(nameof(Classes))]
    public void MatchesUnicornWithCachesOn(string cls) => Compare(cls, cached: true);

    private const uint PageTable = 0x1_C000, SetupCode = 0x100;

    /// <summary>TTB, DACR (domain 0 client) and CR = M, C, I by MCR from a few instructions at <see cref="SetupCode"/>; then the case's own start.</summary>
    private static void EnableCaches(TestMachine m, Case c)
    {
        m.Write32(PageTable, 0x0000_0C0E);                  // section 0 -> 0, AP 3, domain 0, C and B
        m.Write32(SetupCode, 0xEE020F10, 0xEE031F10, 0xEE012F10);   // MCR p15,0,r0,c2,c0; r1,c3,c0; r2,c1,c0
        m.Cpu.ResetTo(SetupCode);
        m.Cpu.SetRegister(0, PageTable);
        m.Cpu.SetRegister(1, 1);
        m.Cpu.SetRegister(2, Cr.Sbo | Cr.M | Cr.C | Cr.I);
        for (int i = 0; i < 3; i++) m.Cpu.Step();
        m.Cpu.SetRegister(15, CodeAddr);
    }

    [Theory]
    [MemberData(nameof(Classes))]
    public void MatchesUnicorn(string cls) => Compare(cls, cached: false);

    private void Compare(string cls, bool cached)
    {
        var (cases, results) = Shared.Value[cls];
        var failures = new List<string>();
        for (int i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            var u = results[i];
            Assert.True(u.Error == null, $"Unicorn: {u.Error} in {Describe(c)}");
            var (regs, pc, cpsr, data) = RunSim(c, cached);
            var diffs = new List<string>();
            for (int r = 0; r < 15; r++) if (regs[r] != u.Regs[r]) diffs.Add($"r{r} {regs[r]:X8} != {u.Regs[r]:X8}");
            if (pc != u.Pc) diffs.Add($"pc {pc:X8} != {u.Pc:X8}");
            const uint CpsrMask = 0xF800_00FF;
            if ((cpsr & CpsrMask) != (u.Psr & CpsrMask)) diffs.Add($"cpsr {cpsr:X8} != {u.Psr:X8}");
            if (!data.AsSpan().SequenceEqual(u.Data)) diffs.Add("data differs");
            if (diffs.Count > 0) failures.Add($"{Describe(c)}: {string.Join(", ", diffs)}");
        }
        foreach (var f in failures.Take(10)) _out.WriteLine(f);
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases differ; first: {failures.FirstOrDefault()}");
    }

    private static (uint[] Regs, uint Pc, uint Cpsr, byte[] Data) RunSim(Case c, bool cached = false)
    {
        using var m = new TestMachine(MemSize);
        m.Load(CodeAddr, c.Code.ToArray());
        m.Load(DataAddr, c.Data);
        m.Cpu.ResetTo(CodeAddr | (c.Thumb ? 1u : 0));
        if (cached) EnableCaches(m, c);
        m.Cpu.SetCpsr((c.Flags & 0xF800_0000) | 0xD3 | (c.Thumb ? Psr.T : 0));
        for (int r = 0; r < 15; r++) m.Cpu.SetRegister(r, c.Regs[r]);
        for (int i = 0; i < c.Count; i++) m.Cpu.Step();
        if (cached) m.Cpu.DebugCleanDCache();
        var data = new byte[DataLen];
        m.Bus.DebugRead(DataAddr, data);
        return (Enumerable.Range(0, 15).Select(r => m.Cpu.GetRegister(r)).ToArray(), m.Cpu.Pc, m.Cpu.Cpsr, data);
    }

    private static string Describe(Case c) =>
        $"{c.Class} [{string.Join(' ', c.Ops)}] flags={c.Flags >> 27:X} regs={string.Join(',', c.Regs.Select(r => r.ToString("X")))}";

    private static List<UnicornResult> RunUnicorn(List<Case> cases) =>
        UnicornRunner.Run(MemSize, CodeAddr, DataAddr, cases.Select(c => new UnicornCase
        {
            Model = "arm926", Thumb = c.Thumb, Regs = c.Regs, Flags = c.Flags, Code = c.Code.ToArray(), Count = c.Count, Data = c.Data,
        }).ToList(), out _);
}
