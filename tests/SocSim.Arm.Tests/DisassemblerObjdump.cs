using SocSim.Tests;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SocSim.Arm.Tests;

/// <summary>Runs GNU objdump and compares its listing with <see cref="Disassembler"/>.</summary>
internal static partial class DisassemblerObjdump
{
    public const string Objdump = "arm-none-eabi-objdump";

    public sealed record Mismatch(string File, uint Address, string Raw, string Expected, string Actual);

    public sealed class Result
    {
        public int Arm { get; set; }
        public int Thumb { get; set; }
        public int ThumbBl { get; set; }
        public int SkippedRelocated { get; set; }
        public int SkippedNamedCoprocessor { get; set; }
        public int Total => Arm + Thumb + ThumbBl;
        public int MismatchCount { get; set; }
        public List<Mismatch> FirstMismatches { get; } = [];

        public string Describe()
        {
            var sb = new StringBuilder();
            sb.Append(CultureInfo.InvariantCulture,
                $"compared {Total} instructions (ARM {Arm}, Thumb {Thumb}, Thumb BL pairs {ThumbBl}); {MismatchCount} mismatches");
            if (SkippedNamedCoprocessor > 0)
                sb.Append(CultureInfo.InvariantCulture, $"; {SkippedNamedCoprocessor} FPA/VFP/iWMMXt or ARMv5+ NV-space words skipped");
            if (SkippedRelocated > 0)
                sb.Append(CultureInfo.InvariantCulture, $"; {SkippedRelocated} instructions with relocations skipped");
            foreach (var m in FirstMismatches)
                sb.Append(CultureInfo.InvariantCulture,
                    $"\n  {Path.GetFileName(m.File)} {m.Address:x8} {m.Raw,-9}  expected '{m.Expected}'  actual '{m.Actual}'");
            return sb.ToString();
        }
    }

    // "    8000:\te92d4010 \tpush\t{r4, lr}" / "    8104:\tbd00      \tpop\t{pc}" / "f000 f800 \tbl\t..."
    [GeneratedRegex(@"^\s*([0-9a-f]+):\t([0-9a-f]{8}|[0-9a-f]{4} [0-9a-f]{4}|[0-9a-f]{4})\s*\t(.*)$")]
    private static partial Regex InstructionLine();

    // "\t\t\t4: R_ARM_CALL\tmemcpy" after an instruction in a relocatable object.
    [GeneratedRegex(@"^\s+([0-9a-f]+): R_ARM_")]
    private static partial Regex RelocationLine();

    [GeneratedRegex(@"\s*<[^>]*>")]
    private static partial Regex SymbolSuffix();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();


    /// <summary>
    /// Normalises one instruction text: objdump's <c>@ &lt;UNDEFINED&gt; instruction: 0x...</c>
    /// becomes the bare text; symbol annotations and <c>@</c>/<c>;</c> comments are dropped;
    /// whitespace is collapsed.
    /// </summary>
    public static string Normalise(string text)
    {
        int undefined = text.IndexOf("<UNDEFINED> instruction:", StringComparison.Ordinal);
        if (undefined >= 0)
            return Whitespace().Replace(text[undefined..], " ").Trim();
        int comment = text.IndexOfAny(['@', ';']);
        if (comment >= 0)
            text = text[..comment];
        text = SymbolSuffix().Replace(text, "");
        return Whitespace().Replace(text, " ").Trim();
    }

    public static string RunObjdump(string file)
    {
        var psi = new ProcessStartInfo(Objdump)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-dr");
        psi.ArgumentList.Add(file);
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("Process.Start returned null");
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"{Objdump} could not be started ({e.Message}); install it with `apt-get install binutils-arm-none-eabi`.");
            throw;
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"{Objdump} -d {file} failed: {stderr.Result}");
            return stdout;
        }
    }

    /// <summary>
    /// Disassembles <paramref name="file"/> (an ELF or an archive of objects) with objdump and
    /// with <see cref="Disassembler"/>. In relocatable objects an instruction carrying a
    /// relocation (a BL to an external symbol) is shown by objdump with the relocated target,
    /// so those are skipped.
    /// </summary>
    public static void Compare(string file, Result result, int keep = 40)
    {
        string[] lines = RunObjdump(file).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var m = InstructionLine().Match(lines[i]);
            if (!m.Success)
                continue;
            string text = m.Groups[3].Value;
            if (text.StartsWith(".word", StringComparison.Ordinal) || text.StartsWith(".short", StringComparison.Ordinal)
                || text.StartsWith(".byte", StringComparison.Ordinal))
                continue;
            if (i + 1 < lines.Length && RelocationLine().Match(lines[i + 1]) is { Success: true } reloc
                && reloc.Groups[1].Value == m.Groups[1].Value)
            {
                result.SkippedRelocated++;
                continue;
            }
            CompareOne(file, m.Groups[1].Value, m.Groups[2].Value, text, result, keep);
        }
    }

    /// <summary>
    /// Words objdump decodes with its FPA, Maverick, VFP/NEON, iWMMXt or ARMv8-M coprocessor
    /// tables (coprocessors 0-2, 4-6, 9-11; LDC/STC on 15) or as ARMv5+ instructions of the NV
    /// condition space. The disassembler prints ARMv4T's generic CDP/LDC/STC/MCR/MRC for the
    /// former and undefined for the latter; an ARM7TDMI has none of those units. Such words only
    /// occur in libgcc's unwinder (save/restore of VFP, FPA and iWMMXt registers).
    /// </summary>
    public static bool IsNamedCoprocessorOrNv(uint word)
    {
        if (word >> 28 == 15)
            return true;
        bool transfer = ((word >> 25) & 7) == 6;
        bool operation = ((word >> 24) & 15) == 14;
        if (!transfer && !operation)
            return false;
        uint cp = (word >> 8) & 15;
        return cp is <= 2 or 4 or 5 or 6 or 9 or 10 or 11 || (transfer && cp == 15);
    }

    private static void CompareOne(string file, string addressText, string raw, string text, Result result, int keep)
    {
        uint address = uint.Parse(addressText, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        string actual;
        if (raw.Length == 8)
        {
            uint word = uint.Parse(raw, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (IsNamedCoprocessorOrNv(word))
            {
                result.SkippedNamedCoprocessor++;
                return;
            }
            actual = Disassembler.Arm(uint.Parse(raw, NumberStyles.HexNumber, CultureInfo.InvariantCulture), address);
            result.Arm++;
        }
        else if (raw.Length == 4)
        {
            actual = Disassembler.Thumb(ushort.Parse(raw, NumberStyles.HexNumber, CultureInfo.InvariantCulture), address);
            result.Thumb++;
        }
        else
        {
            actual = Disassembler.ThumbBl(
                ushort.Parse(raw.AsSpan(0, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                ushort.Parse(raw.AsSpan(5, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                address);
            result.ThumbBl++;
        }
        string expected = Normalise(text);
        string normalisedActual = Normalise(actual);
        if (expected == normalisedActual)
            return;
        result.MismatchCount++;
        if (result.FirstMismatches.Count < keep)
            result.FirstMismatches.Add(new Mismatch(file, address, raw, expected, normalisedActual));
        // Debugging aid: SOCSIM_DISASM_DUMP=path appends every mismatch as raw<TAB>expected<TAB>actual.
        if (Environment.GetEnvironmentVariable("SOCSIM_DISASM_DUMP") is { Length: > 0 } dump)
            File.AppendAllText(dump, $"{raw}\t{expected}\t{normalisedActual}\n");
    }
}
