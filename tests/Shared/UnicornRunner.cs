using System.Diagnostics;
using System.Text.Json;

namespace SocSim.Tests;

/// <summary>One case for tests/Shared/unicorn/run_cases.py (its docstring describes the fields).</summary>
internal sealed class UnicornCase
{
    /// <summary>The Unicorn CPU model: ti925t (ARMv4T), arm926 (ARMv5TE), m0, m3 or m4.</summary>
    public required string Model { get; set; }
    /// <summary>A-profile: start in Thumb state.</summary>
    public bool Thumb { get; set; }
    /// <summary>R0-R14.</summary>
    public required uint[] Regs { get; set; }
    public uint Flags { get; set; }
    public required byte[] Code { get; set; }
    /// <summary>A-profile: the instructions to run; M-profile: 0, and <see cref="End"/> is where to stop.</summary>
    public int Count { get; set; }
    public uint End { get; set; }
    public required byte[] Data { get; set; }
    /// <summary>FP cases (m4): S0-S31 and FPSCR at the start; null for none.</summary>
    public uint[]? S { get; set; }
    public uint Fpscr { get; set; }
}

/// <summary>What run_cases.py reports for a case: R0-R14, the PC, the CPSR or xPSR, the data window and the FP state of FP cases; or Unicorn's error.</summary>
internal sealed record UnicornResult(uint[] Regs, uint Pc, uint Psr, byte[] Data, uint[]? S, uint Fpscr, string? Error);

/// <summary>
/// Runs the cases of a Unicorn comparison in one Python process (starting Python and its engines costs
/// more than the cases) and reads the results back. Fails, never skips, naming the Debian package when
/// /usr/bin/python3 or Unicorn is missing. SOCSIM_UNICORN_DIR keeps cases.json and results.json for debugging.
/// </summary>
internal static class UnicornRunner
{
    private const string Python = "/usr/bin/python3", Package = "python3-unicorn";

    public static string ScriptPath => Path.Combine(RepoPaths.Root, "tests", "Shared", "unicorn", "run_cases.py");

    /// <summary>The results of <paramref name="cases"/>, in order; <paramref name="elapsed"/> is Unicorn's share, for the test log.</summary>
    public static List<UnicornResult> Run(uint memSize, uint codeAddr, uint dataAddr, IReadOnlyList<UnicornCase> cases, out TimeSpan elapsed)
    {
        string? keep = Environment.GetEnvironmentVariable("SOCSIM_UNICORN_DIR");
        string dir = keep ?? Path.Combine(Path.GetTempPath(), $"socsim-unicorn-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string input = Path.Combine(dir, "cases.json"), output = Path.Combine(dir, "results.json");
            WriteCases(input, memSize, codeAddr, dataAddr, cases);
            var sw = Stopwatch.StartNew();
            RunPython(input, output);
            elapsed = sw.Elapsed;
            var results = ReadResults(output);
            if (results.Count != cases.Count) throw new InvalidOperationException($"run_cases.py returned {results.Count} results for {cases.Count} cases");
            return results;
        }
        finally
        {
            if (keep == null) try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private static void WriteCases(string path, uint memSize, uint codeAddr, uint dataAddr, IReadOnlyList<UnicornCase> cases)
    {
        using var fs = File.Create(path);
        using var w = new Utf8JsonWriter(fs);
        w.WriteStartObject();
        w.WriteNumber("memSize", memSize);
        w.WriteStartArray("cases");
        foreach (var c in cases)
        {
            w.WriteStartObject();
            w.WriteString("model", c.Model);
            w.WriteBoolean("thumb", c.Thumb);
            WriteArray(w, "regs", c.Regs);
            w.WriteNumber("flags", c.Flags);
            w.WriteNumber("codeAddr", codeAddr);
            w.WriteString("code", Convert.ToHexString(c.Code));
            if (c.Count > 0) w.WriteNumber("count", c.Count);
            else w.WriteNumber("end", c.End);
            w.WriteNumber("dataAddr", dataAddr);
            w.WriteString("data", Convert.ToHexString(c.Data));
            if (c.S != null)
            {
                WriteArray(w, "s", c.S);
                w.WriteNumber("fpscr", c.Fpscr);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteArray(Utf8JsonWriter w, string name, uint[] values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteNumberValue(v);
        w.WriteEndArray();
    }

    private static List<UnicornResult> ReadResults(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var results = new List<UnicornResult>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            if (e.TryGetProperty("error", out var err)) { results.Add(new UnicornResult([], 0, 0, [], null, 0, err.GetString())); continue; }
            bool fp = e.TryGetProperty("s", out var s);
            results.Add(new UnicornResult(
                UInts(e.GetProperty("regs")), e.GetProperty("pc").GetUInt32(), e.GetProperty("psr").GetUInt32(),
                Convert.FromHexString(e.GetProperty("data").GetString()!),
                fp ? UInts(s) : null, fp ? e.GetProperty("fpscr").GetUInt32() : 0, null));
        }
        return results;
    }

    private static uint[] UInts(JsonElement array) => array.EnumerateArray().Select(x => x.GetUInt32()).ToArray();

    private static void RunPython(string input, string output)
    {
        if (!File.Exists(Python))
            throw new InvalidOperationException($"{Python} is missing: install the Debian package {Package} (apt-get install -y {Package}), which brings python3 and Unicorn.");
        var psi = new ProcessStartInfo(Python) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(ScriptPath);
        psi.ArgumentList.Add(input);
        psi.ArgumentList.Add(output);
        // The Debian package installs into the system python; keep a pyenv or venv from shadowing it.
        psi.Environment.Remove("PYTHONPATH");
        psi.Environment.Remove("PYTHONHOME");
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(Deadline.Ms)) { p.Kill(); throw new TimeoutException($"run_cases.py did not finish in {Deadline.Ms / 1000} s"); }
        string err = stderr.Result;
        if (p.ExitCode != 0)
        {
            if (err.Contains("No module named 'unicorn'") || err.Contains("No module named unicorn"))
                throw new InvalidOperationException($"Unicorn is not installed for {Python}: install the Debian package {Package} (apt-get install -y {Package}).\n{err}");
            throw new InvalidOperationException($"run_cases.py failed ({p.ExitCode}):\n{err}{stdout.Result}");
        }
    }
}
