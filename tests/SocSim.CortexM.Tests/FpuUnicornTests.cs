using SocSim.Core;
using SocSim.Tests;
using Xunit.Abstractions;
using static SocSim.CortexM.Tests.UnicornComparisonTests;

namespace SocSim.CortexM.Tests;

/// <summary>
/// Random FPv4-SP sequences on Unicorn's Cortex-M4 model (its FPU is on: QEMU's M-profile VFP) and on the
/// Cortex-M4F core: each case writes a random FPSCR with VMSR (every rounding mode, FZ, DN, AHP, random
/// cumulative flags and NZCV), then runs one to four FP instructions on S registers holding NaNs (quiet and
/// signalling, with payloads), infinities, zeros, denormals, the extremes of the normal range, values near
/// rounding boundaries and random bits. R0-R14, the PC, APSR, S0-S31, the FPSCR and the data window are compared.
/// </summary>
public sealed class FpuUnicornTests(ITestOutputHelper output)
{
    private const int DataLen = 0x800, CasesPerClass = 1500;

    internal static readonly string[] FpClasses = ["fp.arith", "fp.mac", "fp.cvt", "fp.cmp", "fp.move", "fp.ldst"];

    internal sealed class FpCase
    {
        public required Case Case;
        public uint[] S = new uint[32];
        public uint Fpscr;
    }

    private static readonly uint[] Specials =
    [
        0x0000_0000, 0x8000_0000, 0x7F80_0000, 0xFF80_0000, 0x7FC0_0000, 0xFFC0_0000, 0x7FC1_2345, 0x7F80_0001, 0xFFA0_0000, 0x7FBF_FFFF,
        0x0000_0001, 0x8000_0001, 0x007F_FFFF, 0x807F_FFFF, 0x0040_0000, 0x0080_0000, 0x8080_0000, 0x0080_0001, 0x7F7F_FFFF, 0xFF7F_FFFF,
        0x3F80_0000, 0xBF80_0000, 0x3F00_0000, 0x4000_0000, 0x3F80_0001, 0x3FFF_FFFF, 0x4B00_0000, 0x4AFF_FFFF, 0x4F00_0000, 0xCF00_0000,
        0x4F80_0000, 0x4EFF_FFFF, 0xCF00_0001, 0x3EFF_FFFF, 0x477F_E000, 0x477F_F000, 0x3880_0000, 0x3380_0000, 0x3300_0000, 0x387F_FFFF,
    ];

    private static uint FpValue(Gen g) => g.Next(9) switch
    {
        8 => (uint)g.Next(2) << 31 | (uint)g.Next(0x60, 0xA0) << 23 | g.U(4) << 19 | (g.Bit() ? 0 : 1u),   // short mantissas: exact ties in sums and products
        0 or 1 => Specials[g.Next(Specials.Length)],
        2 => g.R32(),
        3 => (uint)g.Next(2) << 31 | (uint)g.Next(0x30, 0x50) << 23 | g.U(23),                  // |x| about 2^-79..2^-47 (products underflow)
        4 => (uint)g.Next(2) << 31 | g.U(23),                                                  // denormals
        5 => (uint)g.Next(2) << 31 | (uint)g.Next(0xE0, 0xFF) << 23 | g.U(23),                 // large: sums and products overflow
        6 => BitConverter.SingleToUInt32Bits(g.Next(-300, 300) / (float)(1 << g.Next(0, 12))),   // small rationals, integers
        _ => (uint)g.Next(2) << 31 | (uint)g.Next(0x70, 0x90) << 23 | g.U(23),                 // around 1
    };

    private static uint RandomFpscr(Gen g) => g.R32() & VfpArithmetic.FpscrWritable & (g.Next(3) == 0 ? 0xFFFF_FF00 : 0xFFFF_FFFF);

    private static uint Vfp(uint op, int d, int n, int m) =>
        op | (uint)(d >> 1) << 12 | (uint)(d & 1) << 22 | (uint)(n >> 1) << 16 | (uint)(n & 1) << 7 | (uint)(m >> 1) | (uint)(m & 1) << 5;

    private static void T32(Case c, uint w) => c.T32(w >> 16, w & 0xFFFF);

    private static readonly uint[] ThreeOps = [0xEE300A00, 0xEE300A40, 0xEE200A00, 0xEE200A40, 0xEE800A00];
    private static readonly uint[] TwoOps = [0xEEB00A40, 0xEEB00AC0, 0xEEB10A40, 0xEEB10AC0];
    private static readonly uint[] MacOps = [0xEE000A00, 0xEE000A40, 0xEE100A40, 0xEE100A00, 0xEEA00A00, 0xEEA00A40, 0xEE900A40, 0xEE900A00];
    private static readonly uint[] CvtOps = [0xEEBD0AC0, 0xEEBD0A40, 0xEEBC0AC0, 0xEEBC0A40, 0xEEB80AC0, 0xEEB80A40, 0xEEB20A40, 0xEEB20AC0, 0xEEB30A40, 0xEEB30AC0];

    internal static FpCase Make(Gen g, string cls)
    {
        var c = g.New(cls);
        var f = new FpCase { Case = c };
        for (int i = 0; i < 32; i++) f.S[i] = FpValue(g);
        f.Fpscr = RandomFpscr(g);
        // The first FP instruction sets CONTROL.FPCA and loads FPSCR's controls from FPDSCR (ASPEN): a VMSR
        // from a random register first sets the FPSCR the case runs with.
        int rf = g.Reg();
        c.Regs[rf] = RandomFpscr(g);
        T32(c, 0xEEE10A10 | (uint)rf << 12);
        int count = g.Next(1, 5);
        for (int k = 0; k < count; k++)
        {
            int d = g.Next(32), n = g.Next(32), m = g.Next(32);
            switch (cls)
            {
                case "fp.arith":
                    if (g.Next(5) == 0) T32(c, Vfp(TwoOps[g.Next(TwoOps.Length)], d, 0, m));
                    else if (g.Next(8) == 0) { uint imm = g.U(8); T32(c, Vfp(0xEEB00A00 | (imm >> 4) << 16 | (imm & 15), d, 0, 0)); }
                    else T32(c, Vfp(ThreeOps[g.Next(ThreeOps.Length)], d, n, m));
                    break;
                case "fp.mac": T32(c, Vfp(MacOps[g.Next(MacOps.Length)], d, n, m)); break;
                case "fp.cvt":
                    if (g.Bit()) T32(c, Vfp(CvtOps[g.Next(CvtOps.Length)], d, 0, m));
                    else
                    {
                        bool sx = g.Bit();
                        int imm5 = g.Next(sx ? 32 : 17);     // 16-bit: frac_bits = 16 - imm5 must be 0..16
                        uint op = 0xEEBA0A40 | (g.Bit() ? 0x40000u : 0) | (g.Bit() ? 0x10000u : 0) | (sx ? 0x80u : 0) | (uint)(imm5 >> 1) | (uint)(imm5 & 1) << 5;
                        T32(c, Vfp(op, d, 0, 0));
                    }
                    break;
                case "fp.cmp":
                    {
                        uint op = (g.Bit() ? 0xEEB40A40u : 0xEEB50A40u) | (g.Bit() ? 0x80u : 0);
                        T32(c, Vfp(op, d, 0, (op & 0x10000) != 0 ? 0 : m));
                        if (g.Bit()) T32(c, 0xEEF1FA10);                                   // VMRS APSR_nzcv, FPSCR
                        else T32(c, 0xEEF10A10 | (uint)g.Reg() << 12);                     // VMRS Rt, FPSCR
                        break;
                    }
                case "fp.move":
                    {
                        int rt = g.Reg(), rt2 = g.Reg();
                        switch (g.Next(6))
                        {
                            case 0: T32(c, 0xEE000A10 | (uint)rt << 12 | (uint)(n >> 1) << 16 | (uint)(n & 1) << 7); break;
                            case 1: T32(c, 0xEE100A10 | (uint)rt << 12 | (uint)(n >> 1) << 16 | (uint)(n & 1) << 7); break;
                            case 2:
                                m = g.Next(31);
                                if (g.Bit()) T32(c, 0xEC400A10 | (uint)rt2 << 16 | (uint)rt << 12 | (uint)(m >> 1) | (uint)(m & 1) << 5);
                                else { while (rt2 == rt) rt2 = g.Reg(); T32(c, 0xEC500A10 | (uint)rt2 << 16 | (uint)rt << 12 | (uint)(m >> 1) | (uint)(m & 1) << 5); }
                                break;
                            case 3:
                                m = g.Next(16);
                                if (g.Bit()) T32(c, 0xEC400B10 | (uint)rt2 << 16 | (uint)rt << 12 | (uint)m);
                                else { while (rt2 == rt) rt2 = g.Reg(); T32(c, 0xEC500B10 | (uint)rt2 << 16 | (uint)rt << 12 | (uint)m); }
                                break;
                            case 4: T32(c, Vfp(0xEEB00A40, d, 0, m)); break;
                            default: T32(c, 0xEEF10A10 | (uint)rt << 12); break;
                        }
                        break;
                    }
                default:
                    {
                        // Loads and stores: the base register points into the data window.
                        int rn = g.Reg();
                        bool dbl = g.Bit(), load = g.Bit();
                        switch (g.Next(3))
                        {
                            case 0:
                                {
                                    uint a = g.Addr(4, 0x120);
                                    uint imm8 = g.U(6);
                                    bool u = g.Bit();
                                    c.Regs[rn] = u ? a - 4 * imm8 : a + 4 * imm8;
                                    int r = dbl ? g.Next(16) : d;
                                    uint vd = dbl ? (uint)(r & 15) << 12 | (uint)(r >> 4) << 22 : (uint)(r >> 1) << 12 | (uint)(r & 1) << 22;
                                    T32(c, (dbl ? 0xED000B00u : 0xED000A00u) | (load ? 1u << 20 : 0) | (u ? 1u << 23 : 0) | (uint)rn << 16 | vd | imm8);
                                    break;
                                }
                            default:
                                {
                                    bool ia = g.Bit(), wb = g.Bit() || !ia;
                                    int regs = dbl ? g.Next(1, 6) : g.Next(1, 10);
                                    int first = dbl ? g.Next(16 - regs + 1) : g.Next(32 - regs + 1);
                                    c.Regs[rn] = g.Addr(4, 0x80);
                                    uint vd = dbl ? (uint)(first & 15) << 12 | (uint)(first >> 4) << 22 : (uint)(first >> 1) << 12 | (uint)(first & 1) << 22;
                                    uint pu = ia ? 1u << 23 : 1u << 24;
                                    T32(c, (dbl ? 0xEC000B00u : 0xEC000A00u) | pu | (wb ? 1u << 21 : 0) | (load ? 1u << 20 : 0) | (uint)rn << 16 | vd | (uint)(dbl ? 2 * regs : regs));
                                    break;
                                }
                        }
                        break;
                    }
            }
        }
        c.Finish();
        return f;
    }

    private sealed record FpResult(uint[] Regs, uint Pc, uint Xpsr, byte[] Data, uint[] S, uint Fpscr, string? Error);

    private sealed class Run
    {
        public required List<FpCase> Cases;
        public required List<UnicornResult> Results;
        public string Timing = "";
    }

    private static readonly Lazy<Run> Shared = new(RunAll, LazyThreadSafetyMode.ExecutionAndPublication);

    private static Run RunAll()
    {
        var g = new Gen(0xF9F4);
        var cases = new List<FpCase>();
        foreach (var cls in FpClasses)
            for (int k = 0; k < CasesPerClass; k++) cases.Add(Make(g, cls));
        var results = UnicornRunner.Run(MemSize, CodeAddr, DataAddr, cases.Select(f =>
        {
            var u = ToUnicorn(f.Case, "m4");
            u.S = f.S;
            u.Fpscr = f.Fpscr;
            return u;
        }).ToList(), out var pyTime);
        return new Run { Cases = cases, Results = results, Timing = $"{cases.Count} FP cases, Unicorn {pyTime.TotalSeconds:F1} s" };
    }

    private static unsafe FpResult Simulate(Sim sim, FpCase f)
    {
        var c = f.Case;
        var mem = sim.Ram;
        new Span<byte>(mem.Data, (int)MemSize).Clear();
        c.Code.ToArray().CopyTo(new Span<byte>(mem.Data + CodeAddr, c.Code.Count));
        c.Data.CopyTo(new Span<byte>(mem.Data + DataAddr, DataLen));
        *(uint*)mem.Data = c.Regs[13];
        *(uint*)(mem.Data + 4) = CodeAddr | 1;
        var cpu = sim.Cpu;
        cpu.Reset();
        cpu.Cpacr = 0x00F0_0000;        // CP10 and CP11 full access, as Unicorn starts
        for (int r = 0; r < 15; r++) cpu.SetRegister(r, c.Regs[r]);
        for (int i = 0; i < 32; i++) cpu.SetS(i, f.S[i]);
        cpu.Fpscr = f.Fpscr;
        cpu.Xpsr = (c.Flags & 0xF800_0000) | (1u << 24);
        for (int k = 0; k < 64 && cpu.PC != c.End && cpu.State == CoreState.Running; k++) cpu.Step();
        string? error = cpu.State != CoreState.Running ? $"{cpu.State} {cpu.Fault}" : cpu.HandlerMode ? $"took exception {cpu.Ipsr} CFSR {cpu.Cfsr:X8}" : null;
        var regs = new uint[15];
        for (int r = 0; r < 15; r++) regs[r] = cpu.GetRegister(r);
        var s = new uint[32];
        for (int i = 0; i < 32; i++) s[i] = cpu.GetS(i);
        return new FpResult(regs, cpu.PC, cpu.Xpsr, new Span<byte>(mem.Data + DataAddr, DataLen).ToArray(), s, cpu.Fpscr, error);
    }

    private static string Describe(FpCase f)
    {
        var c = f.Case;
        return $"{c.Class} [{string.Join(' ', c.Ops)}] fpscr={f.Fpscr:X8} regs={string.Join(',', c.Regs.Select(r => r.ToString("X")))} s={string.Join(',', f.S.Select(r => r.ToString("X")))}";
    }

    public static IEnumerable<object[]> ClassData() => FpClasses.Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(ClassData))]
    public void MatchesUnicorn(string cls)
    {
        var run = Shared.Value;
        output.WriteLine(run.Timing);
        using var sim = new Sim(CortexMProfile.V7EM, fpu: true);
        var failures = new List<string>();
        int count = 0;
        for (int k = 0; k < run.Cases.Count; k++)
        {
            var f = run.Cases[k];
            if (f.Case.Class != cls) continue;
            count++;
            var want = run.Results[k];
            var got = Simulate(sim, f);
            string? diff = null;
            if (want.Error != null) diff = $"Unicorn: {want.Error}";
            else if (got.Error != null) diff = $"sim: {got.Error}";
            else
            {
                for (int r = 0; r < 15 && diff == null; r++)
                    if (want.Regs[r] != got.Regs[r]) diff = $"R{r}: unicorn {want.Regs[r]:X8} sim {got.Regs[r]:X8}";
                for (int i = 0; i < 32 && diff == null; i++)
                    if (want.S![i] != got.S[i]) diff = $"S{i}: unicorn {want.S![i]:X8} sim {got.S[i]:X8}";
                if (diff == null && (want.Fpscr & VfpArithmetic.FpscrWritable) != got.Fpscr) diff = $"FPSCR: unicorn {want.Fpscr:X8} sim {got.Fpscr:X8}";
                if (diff == null && want.Pc != got.Pc) diff = $"PC: unicorn {want.Pc:X8} sim {got.Pc:X8}";
                if (diff == null && (want.Psr & 0xF800_0000) != (got.Xpsr & 0xF800_0000)) diff = $"NZCVQ: unicorn {want.Psr:X8} sim {got.Xpsr:X8}";
                if (diff == null)
                    for (int b = 0; b < DataLen; b++)
                        if (want.Data[b] != got.Data[b]) { diff = $"data[{DataAddr + b:X}]: unicorn {want.Data[b]:X2} sim {got.Data[b]:X2}"; break; }
            }
            if (diff != null) failures.Add($"{diff} :: {Describe(f)}");
        }
        Assert.True(count >= CasesPerClass, $"{count} cases");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} differ:\n" + string.Join("\n", failures.Take(12)));
    }
}
