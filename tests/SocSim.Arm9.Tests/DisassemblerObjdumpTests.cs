using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace SocSim.Arm9.Tests;

/// <summary>
/// <see cref="Arm926Disassembler"/> (what <c>--trace-instr</c> prints on the ARM926EJ-S) against
/// <c>arm-none-eabi-objdump -d</c> on random ARMv5TE encodings of every class the ARMv4T disassembler does
/// not know, ARM and Thumb, assembled as <c>.inst</c> words into an <c>-mcpu=arm926ej-s</c> object (so that
/// objdump decodes ARMv5TEJ): mnemonic and operands equal, objdump's <c>&lt;symbol&gt;</c> annotations and
/// <c>@</c> comments aside. The one exception: the coprocessor "2" forms are drawn with coprocessors 3, 7,
/// 14 and 15 only (see <see cref="Coprocessors2"/>).
/// </summary>
public sealed partial class DisassemblerObjdumpTests(ITestOutputHelper output)
{
    // Coprocessor numbers objdump decodes generically (0-2, 4-6, 9-11 are its FPA, Maverick, VFP and iWMMXt tables).
    private static readonly uint[] Coprocessors = [3, 7, 8, 12, 13, 14, 15];

    // In the unconditional space objdump also takes coprocessors 8, 12 and 13 for ARMv8.x Advanced SIMD
    // (VCMLA, VCADD, VSDOT, VFMAL, the BF16 forms) whatever -mcpu says; the ARM926EJ-S has no such unit and
    // the disassembler prints those words as the generic CDP2/LDC2/STC2/MCR2/MRC2/MCRR2 (the one exception).
    private static readonly uint[] Coprocessors2 = [3, 7, 14, 15];

    /// <summary>One ARM word of <paramref name="cls"/> with random fields (condition 0-14 where the class has one).</summary>
    internal static uint ArmWord(Random g, string cls)
    {
        uint R() => (uint)g.Next(16);
        uint Bit() => (uint)g.Next(2);
        uint cond = (uint)g.Next(15) << 28;
        uint cp = cls is "mcrr2" or "cdp2" or "mcr2" or "ldc2"
            ? Coprocessors2[g.Next(Coprocessors2.Length)] << 8
            : Coprocessors[g.Next(Coprocessors.Length)] << 8;
        switch (cls)
        {
            case "clz": return cond | 0x016F0F10 | R() << 12 | R();
            case "blx-reg": return cond | 0x012FFF30 | R();
            case "bxj": return cond | 0x012FFF20 | R();
            case "blx-imm": return 0xFA000000 | Bit() << 24 | (uint)g.Next(1 << 24);
            case "bkpt": return 0xE1200070 | (uint)g.Next(1 << 12) << 8 | R();
            case "ldrd-imm":
            case "ldrd-reg":
            {
                uint p = Bit(), w = p == 1 ? Bit() : 0; // post-indexed with W set is not LDRD/STRD
                uint word = cond | p << 24 | Bit() << 23 | w << 21 | R() << 16 | R() << 12 | 0xD0 | Bit() << 5;
                return cls == "ldrd-imm" ? word | 1u << 22 | R() << 8 | R() : word | R();
            }
            case "pld-imm": return 0xF550F000 | Bit() << 23 | R() << 16 | (uint)g.Next(1 << 12);
            case "pld-reg": return 0xF750F000 | Bit() << 23 | R() << 16 | (uint)g.Next(32) << 7 | (uint)g.Next(4) << 5 | R();
            case "qadd": return cond | 0x01000050 | (uint)g.Next(4) << 21 | R() << 16 | R() << 12 | R();
            case "smla": return cond | 0x01000080 | R() << 16 | R() << 12 | R() << 8 | Bit() << 6 | Bit() << 5 | R();
            case "smlaw": return cond | 0x01200080 | R() << 16 | R() << 12 | R() << 8 | Bit() << 6 | R();
            case "smulw": return cond | 0x012000A0 | R() << 16 | R() << 8 | Bit() << 6 | R();
            case "smlal": return cond | 0x01400080 | R() << 16 | R() << 12 | R() << 8 | Bit() << 6 | Bit() << 5 | R();
            case "smul": return cond | 0x01600080 | R() << 16 | R() << 8 | Bit() << 6 | Bit() << 5 | R();
            case "mcrr": return cond | 0x0C400000 | Bit() << 20 | R() << 16 | R() << 12 | cp | R() << 4 | R();
            case "mcrr2": return 0xFC400000 | Bit() << 20 | R() << 16 | R() << 12 | cp | R() << 4 | R();
            case "cdp2": return 0xFE000000 | R() << 20 | R() << 16 | R() << 12 | cp | (uint)g.Next(8) << 5 | R();
            case "mcr2": return 0xFE000010 | (uint)g.Next(8) << 21 | Bit() << 20 | R() << 16 | R() << 12 | cp | (uint)g.Next(8) << 5 | R();
            case "ldc2":
            {
                // P, U, W not all clear (P=0 W=0 is the unindexed form only with U set; U=0 there is MCRR2/undefined).
                uint p = Bit(), w = Bit(), u = p == 0 && w == 0 ? 1 : Bit();
                return 0xFC000000 | p << 24 | u << 23 | Bit() << 22 | w << 21 | Bit() << 20 | R() << 16 | R() << 12 | cp | (uint)g.Next(256);
            }
            default: throw new ArgumentException(cls);
        }
    }

    internal static readonly string[] ArmClasses =
        ["clz", "blx-reg", "bxj", "blx-imm", "bkpt", "ldrd-imm", "ldrd-reg", "pld-imm", "pld-reg", "qadd",
         "smla", "smlaw", "smulw", "smlal", "smul", "mcrr", "mcrr2", "cdp2", "mcr2", "ldc2"];

    // Edge words: a conditional BKPT and the DSP multiplies with a non-zero should-be-zero field (objdump's
    // fallbacks), LDRD with an odd Rd, PC-relative LDRD and PLD with a zero offset.
    private static readonly uint[] ArmEdges =
        [0x11200070, 0xe12023a4, 0xe12123e4, 0xe16023e4, 0xe1612384, 0xe1c320d0, 0xe1c330d0, 0xe16f20dc, 0xe14f20d0,
         0xf5d1f000, 0xf551f000, 0xe1000052, 0xe0a320f4];

    [Fact]
    public async Task RandomArmv5teEncodingsEqualObjdump()
    {
        var g = new Random(926);
        var src = new StringBuilder(".syntax unified\n.arm\n");
        int arm = 0;
        foreach (string cls in ArmClasses)
            for (int k = 0; k < 300; k++, arm++) src.Append(CultureInfo.InvariantCulture, $".inst 0x{ArmWord(g, cls):x8}\n");
        foreach (uint w in ArmEdges) { src.Append(CultureInfo.InvariantCulture, $".inst 0x{w:x8}\n"); arm++; }
        // Thumb: BLX (register, every Rm), BKPT (every immediate), BLX and BL pairs with random offsets.
        src.Append(".thumb\n");
        int thumb = 0;
        for (uint rm = 0; rm < 16; rm++, thumb++) src.Append(CultureInfo.InvariantCulture, $".inst.n 0x{0x4780 | rm << 3:x4}\n");
        for (uint imm = 0; imm < 256; imm += 7, thumb++) src.Append(CultureInfo.InvariantCulture, $".inst.n 0x{0xBE00 | imm:x4}\n");
        for (int k = 0; k < 300; k++, thumb++)
        {
            uint hi = 0xF000 | (uint)g.Next(1 << 11);
            uint lo = k % 2 == 0 ? 0xE800 | (uint)g.Next(1 << 10) << 1 : 0xF800 | (uint)g.Next(1 << 11);
            src.Append(CultureInfo.InvariantCulture, $".inst.n 0x{hi:x4}\n.inst.n 0x{lo:x4}\n");
        }
        // 16 + 37 halfwords and the pairs: one NOP more keeps the section a whole number of words (no padding to list).
        src.Append(".inst.n 0x46c0\n");
        thumb++;
        string listing = await Assemble(src.ToString());
        var (compared, failures) = Compare(listing);
        output.WriteLine($"{compared} instructions compared ({arm} ARM, {thumb} Thumb); {failures.Count} differ");
        foreach (string f in failures.Take(200)) output.WriteLine(f);
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(40)));
        Assert.True(compared == arm + thumb, $"objdump listed {compared} instructions, {arm + thumb} were assembled");
    }

    [Fact]
    public void ArmV4tWordsPrintAsTheArmv4tDisassemblerPrintsThem()
    {
        Assert.Equal("add\tr0, r1, r2", Arm926Disassembler.Arm(0xe0810002, 0));
        Assert.Equal("clz\tr1, r2", Arm926Disassembler.Arm(0xe16f1f12, 0));
        // A Thumb BLX pair is one instruction; its second half alone is named as such.
        Assert.Equal("blx\tdc", Arm926Disassembler.Disassemble(0xf000, 0xb8, thumb: true, nextHalf: 0xe810));
        Assert.Equal("(blx, second half)", Arm926Disassembler.Disassemble(0xe810, 0xba, thumb: true, nextHalf: 0));
        Assert.Equal("bl.prefix\t#0", Arm926Disassembler.Disassemble(0xf000, 0, thumb: true, nextHalf: 0x4780));
    }

    // "  b8:\tf000 e810 \tblx\tdc <.text+0xdc>"
    [GeneratedRegex(@"^\s*([0-9a-f]+):\t([0-9a-f]{8}|[0-9a-f]{4} [0-9a-f]{4}|[0-9a-f]{4})\s*\t(.*)$")]
    private static partial Regex Line();

    [GeneratedRegex(@"\s*<[^>]*>")]
    private static partial Regex Symbol();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>objdump's text without symbol annotations and comments (an undefined word keeps its comment's text).</summary>
    internal static string Normalise(string text)
    {
        int undefined = text.IndexOf("<UNDEFINED> instruction:", StringComparison.Ordinal);
        if (undefined >= 0) return Whitespace().Replace(text[undefined..], " ").Trim();
        int comment = text.IndexOf('@');
        if (comment >= 0) text = text[..comment];
        return Whitespace().Replace(Symbol().Replace(text, ""), " ").Trim();
    }

    private static (int Compared, List<string> Failures) Compare(string listing)
    {
        var failures = new List<string>();
        int compared = 0;
        foreach (string raw in listing.Split('\n'))
        {
            var m = Line().Match(raw);
            if (!m.Success) continue;
            uint address = uint.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            string hex = m.Groups[2].Value;
            string actual = hex.Length switch
            {
                8 => Arm926Disassembler.Arm(uint.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture), address),
                4 => Arm926Disassembler.Disassemble(uint.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture), address, true, 0),
                _ => Arm926Disassembler.Disassemble(uint.Parse(hex[..4], NumberStyles.HexNumber, CultureInfo.InvariantCulture), address, true,
                    uint.Parse(hex[5..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)),
            };
            compared++;
            string want = Normalise(m.Groups[3].Value), got = Normalise(actual);
            if (want != got) failures.Add($"{address:x8} {hex}: objdump '{want}' sim '{got}'");
        }
        return (compared, failures);
    }

    private static async Task<string> Assemble(string source)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"socsim-arm926-disasm-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "r.s"), source);
            await Run(dir, "arm-none-eabi-as", "-mcpu=arm926ej-s", "-o", "r.o", "r.s");
            return await Run(dir, "arm-none-eabi-objdump", "-d", "r.o");
        }
        finally { Directory.Delete(dir, true); }
    }

    private static async Task<string> Run(string dir, string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi) ?? throw new InvalidOperationException($"{tool} did not start"); }
        catch (Win32Exception e) { throw new InvalidOperationException($"{tool} could not be started ({e.Message}): apt-get install binutils-arm-none-eabi", e); }
        using (p)
        {
            var stderr = p.StandardError.ReadToEndAsync();
            string stdout = await p.StandardOutput.ReadToEndAsync();
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0, $"{tool} failed: {await stderr}");
            return stdout;
        }
    }
}
