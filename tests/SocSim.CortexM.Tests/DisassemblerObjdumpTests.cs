using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using SocSim.Tests;
using Xunit.Abstractions;

namespace SocSim.CortexM.Tests;

/// <summary>
/// The disassembler against `arm-none-eabi-objdump -d` on every instruction of every Cortex-M ELF in
/// ../shared/cortex-m (FreeRTOS MPS2 demos, libopencm3 STM32F1 examples) and in this repository: mnemonic and operands must be
/// equal, objdump's "&lt;symbol+offset&gt;" annotations aside (the disassembler prints addresses only, as "0x..").
/// Data objdump shows from mapping symbols ($d: .word/.short/.byte) is not compared.
/// </summary>
public sealed partial class DisassemblerObjdumpTests(ITestOutputHelper output)
{
    private static string SharedCortexM => Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "cortex-m"));

    public static IEnumerable<object[]> Elfs()
    {
        var dir = SharedCortexM;
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"Cortex-M ELFs not found at {dir}: check out shared/ beside the repository");
        return Directory.GetFiles(dir, "*.elf", SearchOption.AllDirectories).Order().Select(f => new object[] { Path.GetRelativePath(dir, f) });
    }

    [GeneratedRegex(@"^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$")]
    private static partial Regex Line();

    // objdump prints a target with a symbol as "1c4 <name+0x10>", without one as "0x1c4" (the disassembler's form).
    [GeneratedRegex(@"\b([0-9a-f]+) <[^>]*>")]
    private static partial Regex Symbol();

    private static async Task<string> Objdump(params string[] args)
    {
        var psi = new ProcessStartInfo("arm-none-eabi-objdump") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("arm-none-eabi-objdump did not start: install binutils-arm-none-eabi");
        var stderr = p.StandardError.ReadToEndAsync();
        string text = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, await stderr);
        return text;
    }

    [Theory]
    [MemberData(nameof(Elfs))]
    public async Task EqualsObjdump(string elf) => Compare(elf, await Objdump("-d", Path.Combine(SharedCortexM, elf)));

    /// <summary>
    /// Every Cortex-M ELF committed to this repository (`git ls-files '*.elf'`, kept when its build attributes say
    /// Tag_CPU_arch_profile: Microcontroller; the ARM7TDMI and ARM926 ELFs are not Thumb-2): CoreMark, the
    /// tests/assets/cortex-m firmware and whatever is committed next, with no list to keep in step.
    /// </summary>
    public static IEnumerable<object[]> RepositoryElfs()
    {
        var git = ExternalTool.Run("git", ["-C", RepoPaths.Root, "ls-files", "-z", "*.elf"], Deadline.Ms);
        if (git.Code != 0) throw new InvalidOperationException($"git ls-files failed in {RepoPaths.Root}: {git.Err.Trim()}");
        var elfs = git.Out.Split('\0', StringSplitOptions.RemoveEmptyEntries).Where(IsCortexM).Order(StringComparer.Ordinal).ToList();
        if (elfs.Count == 0) throw new InvalidOperationException($"no Cortex-M ELF found by git ls-files in {RepoPaths.Root}");
        return elfs.Select(f => new object[] { f });
    }

    private static bool IsCortexM(string relative)
    {
        var r = ExternalTool.Run("arm-none-eabi-readelf", ["-A", Path.Combine(RepoPaths.Root, relative)], Deadline.Ms);
        if (r.Code != 0) throw new InvalidOperationException($"arm-none-eabi-readelf -A {relative}: {r.Err.Trim()}");
        return r.Out.Contains("Tag_CPU_arch_profile: Microcontroller", StringComparison.Ordinal);
    }

    [Fact]
    public void TheRepositorysCortexMElfsAreFound()
    {
        var found = RepositoryElfs().Select(o => (string)o[0]).ToList();
        foreach (var known in new[] { "firmware/coremark/coremark-m3.elf", "tests/assets/cortex-m/rdimon_m3.elf", "tests/assets/cortex-m/rtl_uart_m3.elf", "tests/assets/cortex-m/timer_irq_m3.elf" })
            Assert.Contains(known, found);
        Assert.DoesNotContain("firmware/elf/hello.elf", found);          // an ARM7TDMI ELF
    }

    [Theory]
    [MemberData(nameof(RepositoryElfs))]
    public async Task RepositoryElfEqualsObjdump(string elf) => Compare(elf, await Objdump("-d", Path.Combine(RepoPaths.Root, elf)));

    /// <summary>
    /// Every straight-line encoding class of the random Unicorn cases (no branch tables), 500 cases each, as
    /// `.inst` directives of a Cortex-M3 object (so objdump knows the M profile), against `objdump -d`:
    /// encodings the ELFs never use.
    /// </summary>
    [Fact]
    public Task RandomEncodingsEqualObjdump() => RandomClassesEqualObjdump("cortex-m3", UnicornComparisonTests.Classes.Where(c => c != "branch"));

    /// <summary>The DSP extension's classes, in a Cortex-M4 object.</summary>
    [Fact]
    public Task RandomDspEncodingsEqualObjdump() => RandomClassesEqualObjdump("cortex-m4", UnicornComparisonTests.DspClasses);

    /// <summary>The FPv4-SP classes of <see cref="FpuUnicornTests"/>, and every VMOV immediate, in a Cortex-M4 object (-mfpu=fpv4-sp-d16).</summary>
    [Fact]
    public Task RandomFpuEncodingsEqualObjdump()
    {
        var imm = new StringBuilder();
        for (uint i = 0; i < 256; i++) imm.Append($".inst.w 0x{0xEEB00A00 | (i >> 4) << 16 | (i & 15) | (i & 1) << 12:x8}\n");
        // The condition inside an IT block goes after the mnemonic, before the types.
        imm.Append("itttt eq\nvldmiaeq r0!, {s0-s1}\nvpusheq {s0}\nvmoveq s0, r1\nvcvteq.s32.f32 s0, s1\nitttt ne\nvcvtrne.s32.f32 s0, s1\n" +
                   "vmrsne APSR_nzcv, fpscr\nvcmpne.f32 s0, #0.0\nvmovne.f32 s0, #1.0\nitt gt\nvcvtbgt.f16.f32 s0, s1\nvcvtgt.f32.s16 s0, s0, #3\n");
        return RandomClassesEqualObjdump("cortex-m4", FpuUnicornTests.FpClasses, (g, cls) => FpuUnicornTests.Make(g, cls).Case, "-mfpu=fpv4-sp-d16", imm.ToString());
    }

    private async Task RandomClassesEqualObjdump(string cpu, IEnumerable<string> classes,
        Func<UnicornComparisonTests.Gen, string, UnicornComparisonTests.Case>? make = null, string? fpu = null, string extra = "")
    {
        var g = new UnicornComparisonTests.Gen(77);
        var src = new StringBuilder($".syntax unified\n.thumb\n.cpu {cpu}\n{extra}");
        make ??= UnicornComparisonTests.Make;
        foreach (var cls in classes)
            for (int k = 0; k < 500; k++)
            {
                var c = make(g, cls);
                int n = (int)(c.End - 0x1000);
                for (int at = 0; at < n;)
                {
                    uint hw1 = (uint)(c.Code[at] | c.Code[at + 1] << 8);
                    if (ThumbDecoder.Is32Bit(hw1))
                    {
                        uint hw2 = (uint)(c.Code[at + 2] | c.Code[at + 3] << 8);
                        src.Append($".inst.w 0x{hw1 << 16 | hw2:x8}\n");
                        at += 4;
                    }
                    else { src.Append($".inst.n 0x{hw1:x4}\n"); at += 2; }
                }
            }
        string dir = Path.Combine(Path.GetTempPath(), $"socsim-cm-random-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "r.s"), src.ToString());
            var psi = new ProcessStartInfo("arm-none-eabi-as") { WorkingDirectory = dir, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { $"-mcpu={cpu}", "-mthumb", "-o", "r.o", "r.s" }) psi.ArgumentList.Add(a);
            if (fpu != null) psi.ArgumentList.Add(fpu);
            using (var p = Process.Start(psi)!)
            {
                string err = await p.StandardError.ReadToEndAsync();
                await p.WaitForExitAsync();
                Assert.True(p.ExitCode == 0, err);
            }
            Compare("random " + cpu, await Objdump("-d", Path.Combine(dir, "r.o")));
        }
        finally { Directory.Delete(dir, true); }
    }

    private void Compare(string elf, string text)
    {
        var dis = new ThumbDisassembler();
        var failures = new List<string>();
        int count = 0;
        uint expectNext = 0;
        foreach (var raw in text.Split('\n'))
        {
            var m = Line().Match(raw);
            if (!m.Success) { dis.ResetIt(); continue; }
            uint address = Convert.ToUInt32(m.Groups[1].Value, 16);
            string hex = m.Groups[2].Value;
            string want = Symbol().Replace(m.Groups[3].Value, "0x$1").TrimEnd();
            if (want.StartsWith('.') || want.Length == 0 || want.StartsWith("...")) { dis.ResetIt(); continue; }
            var parts = hex.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Any(x => x.Length != 4)) { dis.ResetIt(); continue; }
            if (address != expectNext) dis.ResetIt();
            uint hw1 = Convert.ToUInt32(parts[0], 16);
            bool is32 = parts.Length == 2;
            uint enc = is32 ? hw1 << 16 | Convert.ToUInt32(parts[1], 16) : hw1;
            var inst = ThumbDecoder.Decode(enc, is32, CortexMProfile.V7EM);     // a superset: the M3 ELFs hold no DSP encodings
            string got = dis.Next(inst, address);
            expectNext = address + (is32 ? 4u : 2u);
            count++;
            if (got != want) failures.Add($"{address:x8} {hex}: objdump '{want}' sim '{got}'");
        }
        output.WriteLine($"{elf}: {count} instructions, {failures.Count} differ");
        Assert.True(count > 100, $"{count} instructions");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} differ:\n" + string.Join("\n", failures.Take(40)));
    }
}
