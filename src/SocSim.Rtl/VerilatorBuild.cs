using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace SocSim.Rtl;

public enum PortDirection { Input, Output, InOut }

/// <summary>A port of the top module as Verilator exposes it (index into the shim's port table).</summary>
public sealed record RtlPort(int Index, string Name, int Width, PortDirection Direction);

/// <summary>What to build: the sources (absolute paths, in order), the top module and whether Verilator tracing is compiled in.</summary>
public sealed record RtlBuildRequest(IReadOnlyList<string> Sources, string Top, bool Trace);

/// <summary>A built model: the shared library the shim lives in, and whether it came from the cache.</summary>
public sealed record RtlBuildResult(string Library, bool Cached, TimeSpan Elapsed);

/// <summary>
/// Builds a Verilated model into a shared library with a small C shim (create, eval, set, get, run
/// clock cycles, trace) that <see cref="RtlModel"/> loads with P/Invoke. Builds go to a cache keyed by
/// the content of every source, the top module, the options and the tool versions, so a second run
/// with the same RTL loads the library at once. The cache is <c>$SOCSIM_RTL_CACHE</c>, else
/// <c>$XDG_CACHE_HOME/socsim/rtl</c>, else <c>~/.cache/socsim/rtl</c>. Verilator's runtime library
/// (verilated.cpp, verilated_threads.cpp, verilated_vcd_c.cpp) is compiled once per Verilator
/// version and shared by every model.
/// </summary>
public static partial class VerilatorBuild
{
    /// <summary>Bumped whenever the shim or the compiler flags change, so stale builds are not reused.</summary>
    private const string ShimVersion = "socsim-rtl-shim 12";
    public const string LibraryName = "model.so";

    private static readonly object Gate = new();
    private static string? _toolVersions;

    public static string CacheDirectory
    {
        get
        {
            string? d = Environment.GetEnvironmentVariable("SOCSIM_RTL_CACHE");
            if (!string.IsNullOrEmpty(d)) return Path.GetFullPath(d);
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "socsim", "rtl");
        }
    }

    private static string VerilatorInclude => Environment.GetEnvironmentVariable("VERILATOR_ROOT") is { Length: > 0 } r
        ? Path.Combine(r, "include") : "/usr/share/verilator/include";

    /// <summary>
    /// Told, in words for a user, when a model is not in the cache and is built (Verilator and g++ take
    /// 6-60 s), and when that build ends. The CLI writes these lines to stderr; nothing is said for a
    /// cached model.
    /// </summary>
    public static event Action<string>? Progress;

    /// <summary>
    /// Builds (or finds in the cache) the model for <paramref name="req"/>. <paramref name="key"/> is the
    /// board key errors name (<c>peripherals.uartx.parameters</c>).
    /// </summary>
    public static RtlBuildResult Build(RtlBuildRequest req, string key)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < req.Sources.Count; i++)
            if (!File.Exists(req.Sources[i]))
                throw new RtlException($"{key}.sources.{i}", $"source file not found: {req.Sources[i]}");
        if (req.Sources.Count == 0) throw new RtlException($"{key}.sources", "no source files given (a list of Verilog/SystemVerilog files, relative to the board file)");
        if (!Regex.IsMatch(req.Top, "^[A-Za-z_][A-Za-z0-9_$]*$")) throw new RtlException($"{key}.top", $"\"{req.Top}\" is not a module name");

        lock (Gate)
        {
            string hash = Hash(req);
            string dir = Path.Combine(CacheDirectory, req.Top + "-" + hash[..16]);
            string lib = Path.Combine(dir, LibraryName);
            if (File.Exists(lib)) return new RtlBuildResult(lib, true, sw.Elapsed);

            Directory.CreateDirectory(CacheDirectory);
            string work = dir + ".tmp" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            if (Directory.Exists(work)) Directory.Delete(work, true);
            Directory.CreateDirectory(work);
            string what = key.EndsWith(".parameters", StringComparison.Ordinal) ? key[..^".parameters".Length] : key;
            Progress?.Invoke($"building {what} (module {req.Top}, {req.Sources.Count} source file{(req.Sources.Count == 1 ? "" : "s")}) with Verilator and g++; once, then cached in {CacheDirectory}");
            try
            {
                var obj = Path.Combine(work, "obj");
                var args = new List<string> { "--cc", "--top-module", req.Top, "-Mdir", obj, "--prefix", "Vmodel",
                    "-O3", "--x-assign", "fast", "--x-initial", "fast", "--noassert", "--savable", "-Wno-fatal", "-Wno-lint", "-Wno-style" };
                if (req.Trace) args.AddRange(["--trace", "--trace-structs"]);
                foreach (var d in req.Sources.Select(s => Path.GetDirectoryName(s)!).Distinct()) args.Add("-I" + d);
                args.AddRange(req.Sources);
                var (code, output) = Run("verilator", args, work);
                if (code != 0)
                {
                    string first = FirstError(output);
                    string where = first.Contains("--top-module", StringComparison.Ordinal) || first.Contains("not found in design", StringComparison.Ordinal)
                        ? $"{key}.top" : $"{key}.sources";
                    throw new RtlException(where, "Verilator: " + first);
                }
                var ports = ParsePorts(File.ReadAllText(Path.Combine(obj, "Vmodel.h")));
                bool flat = IsFlat(File.ReadAllText(Path.Combine(obj, "Vmodel___024root.h")), File.ReadAllText(Path.Combine(obj, "Vmodel__Syms.h")));
                bool direct = IsPlainEvalStep(File.ReadAllText(Path.Combine(obj, "Vmodel.cpp")));
                var inert = InertFallingEdges(Directory.GetFiles(obj, "Vmodel___024root__DepSet_*.cpp")
                    .Where(f => !Path.GetFileName(f).Contains("__Slow", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
                    .Select(File.ReadAllText).ToList(), ports);
                File.WriteAllText(Path.Combine(work, "shim.cpp"), Shim(ports, req.Trace, flat, direct, inert));
                File.WriteAllText(Path.Combine(work, "ports.txt"), string.Join("\n", ports.Select(p => $"{p.Name} {p.Width} {p.Direction}")) + "\n");

                var common = CommonObjects(req.Trace, key);
                // Only the shim's API is exported, and calls inside the library bind locally (no PLT, no
                // interposition): 72 -> 66 ns per PCLK cycle of apb_uart_sv kept busy (bench/README.md, issue 21 RTL).
                // Link-time optimization across the model's files and the shim inlines the root's eval and its
                // regions into the shim's clock loop: 90 -> 77 ns per PCLK cycle (bench/README.md, branch rtl21b).
                var gcc = new List<string>(CompilerFlags) { "-O2", "-flto", "-fvisibility=hidden", "-Wl,-Bsymbolic", "-shared", "-I" + obj, "-DVM_TRACE=" + (req.Trace ? "1" : "0"), "-o", Path.Combine(work, LibraryName) };
                gcc.AddRange(Directory.GetFiles(obj, "*.cpp").Order(StringComparer.Ordinal));
                gcc.Add(Path.Combine(work, "shim.cpp"));
                gcc.AddRange(common);
                gcc.Add("-pthread");
                (code, output) = Run("g++", gcc, work);
                if (code != 0) throw new RtlException($"{key}.sources", "g++: " + FirstError(output));

                try { Directory.Move(work, dir); }
                catch (IOException) when (File.Exists(lib)) { Directory.Delete(work, true); } // another process finished first
                Progress?.Invoke($"built {what} in {sw.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s");
                return new RtlBuildResult(lib, false, sw.Elapsed);
            }
            catch
            {
                try { Directory.Delete(work, true); } catch (IOException) { }
                throw;
            }
        }
    }

    /// <summary>The ports of the model as the shim numbers them, read back from the cached build.</summary>
    public static IReadOnlyList<RtlPort> PortsOf(string library)
    {
        var lines = File.ReadAllLines(Path.Combine(Path.GetDirectoryName(library)!, "ports.txt"));
        return lines.Where(l => l.Length > 0).Select((l, i) =>
        {
            var f = l.Split(' ');
            return new RtlPort(i, f[0], int.Parse(f[1], CultureInfo.InvariantCulture), Enum.Parse<PortDirection>(f[2]));
        }).ToList();
    }

    private static readonly string[] CompilerFlags =
    [
        "-std=gnu++17", "-fPIC", "-faligned-new", "-fcf-protection=none", "-fno-semantic-interposition", "-fno-plt", "-w",
        "-DVM_COVERAGE=0", "-DVM_SC=0", "-DVM_TRACE_FST=0", "-DVM_TRACE_VCD=1",
        "-I" + VerilatorInclude, "-I" + Path.Combine(VerilatorInclude, "vltstd"),
    ];

    // Verilator's runtime, compiled once per tool version and trace option.
    private static List<string> CommonObjects(bool trace, string key)
    {
        string dir = Path.Combine(CacheDirectory, "runtime-" + Sha(ToolVersions() + ShimVersion)[..16] + (trace ? "-trace" : ""));
        var names = new List<string> { "verilated", "verilated_threads", "verilated_save" };
        if (trace) names.Add("verilated_vcd_c");
        var objs = names.Select(n => Path.Combine(dir, n + ".o")).ToList();
        if (objs.All(File.Exists)) return objs;
        Directory.CreateDirectory(dir);
        foreach (var n in names)
        {
            string o = Path.Combine(dir, n + ".o");
            if (File.Exists(o)) continue;
            string tmp = o + ".tmp" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            var args = new List<string>(CompilerFlags) { "-O1", "-DVM_TRACE=" + (trace ? "1" : "0"), "-c", Path.Combine(VerilatorInclude, n + ".cpp"), "-o", tmp };
            var (code, output) = Run("g++", args, dir);
            if (code != 0) throw new RtlException($"{key}.sources", "g++ (Verilator runtime): " + FirstError(output));
            File.Move(tmp, o, overwrite: true);
        }
        return objs;
    }

    private static string Hash(RtlBuildRequest req)
    {
        var sb = new StringBuilder();
        sb.Append(ShimVersion).Append('\n').Append(ToolVersions()).Append('\n').Append(req.Top).Append('\n').Append(req.Trace ? "trace" : "notrace").Append('\n');
        foreach (var s in req.Sources)
            sb.Append(Path.GetFileName(s)).Append(' ').Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(s)))).Append('\n');
        return Sha(sb.ToString());
    }

    private static string Sha(string s) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(s))).ToLowerInvariant();

    private static string ToolVersions()
    {
        if (_toolVersions != null) return _toolVersions;
        // Asking the tools costs two processes (Verilator's is a Perl script: 0.1-1 s) on every run; the
        // answer is kept in the cache under the tools' files' identity (path, size, modification time,
        // symbolic links followed), which any installation or upgrade changes.
        string? stamp = ToolStamp();
        string? known = stamp == null ? null : Path.Combine(CacheDirectory, "tools-" + Sha(stamp)[..16] + ".txt");
        if (known != null && File.Exists(known)) return _toolVersions = File.ReadAllText(known);
        string versions = AskToolVersions();
        if (known != null)
        {
            try
            {
                Directory.CreateDirectory(CacheDirectory);
                string tmp = known + ".tmp" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
                File.WriteAllText(tmp, versions);
                File.Move(tmp, known, overwrite: true);
            }
            catch (IOException) { } // an unwritable cache only costs asking again
            catch (UnauthorizedAccessException) { }
        }
        return _toolVersions = versions;
    }

    /// <summary>The identity of the verilator, verilator_bin and g++ files on PATH; null if one is not found.</summary>
    private static string? ToolStamp()
    {
        var sb = new StringBuilder();
        foreach (var tool in new[] { "verilator", "verilator_bin", "g++" })
        {
            string? path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
                .Where(d => d.Length > 0).Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
            if (path == null) return null;
            var info = new FileInfo(path);
            if (info.LinkTarget != null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target) info = target;
            sb.Append(tool).Append(' ').Append(info.FullName).Append(' ').Append(info.Length.ToString(CultureInfo.InvariantCulture))
              .Append(' ').Append(info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        return sb.Append(VerilatorInclude).ToString();
    }

    private static string AskToolVersions()
    {
        var (c1, v) = Run("verilator", ["--version"], ".");
        var (c2, g) = Run("g++", ["--version"], ".");
        if (c1 != 0) throw new RtlException("verilator", "verilator --version failed: " + FirstError(v));
        if (c2 != 0) throw new RtlException("g++", "g++ --version failed: " + FirstError(g));
        return v.Trim() + "\n" + g.Split('\n')[0].Trim();
    }

    private static (int Code, string Output) Run(string tool, IEnumerable<string> args, string cwd)
    {
        var psi = new ProcessStartInfo(tool)
        {
            WorkingDirectory = cwd,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new RtlException(tool, $"{tool} not found: install Debian's {(tool == "g++" ? "g++" : "verilator")} (apt-get install {(tool == "g++" ? "g++" : "verilator")})");
        }
        using (p)
        {
            var err = p.StandardError.ReadToEndAsync();
            string o = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, o + err.Result);
        }
    }

    /// <summary>The first error line of a tool's output (Verilator's "%Error: file:line:col: ...", g++'s "file:line: error: ...").</summary>
    private static string FirstError(string output)
    {
        var lines = output.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        return lines.FirstOrDefault(l => l.StartsWith("%Error", StringComparison.Ordinal))
            ?? lines.FirstOrDefault(l => l.Contains("error:", StringComparison.Ordinal))
            ?? lines.FirstOrDefault() ?? "failed without a message";
    }

    // VL_IN8(&HCLK,0,0); VL_OUT(&PRDATA,31,0); VL_INW(&wide,127,0,4); VL_INOUT8(...)
    // Source-generated: a compiled Regex field would be built (parsed, emitted as IL) by the static constructor,
    // which every `socsim` start runs (Program subscribes to Progress), RTL or not.
    [GeneratedRegex(@"VL_(IN|OUT|INOUT)(8|16|64|W)?\(&(\w+),(\d+),(\d+)(?:,\d+)?\);")]
    private static partial Regex PortLine { get; }

    internal static List<RtlPort> ParsePorts(string header)
    {
        var ports = new List<RtlPort>();
        foreach (Match m in PortLine.Matches(header))
        {
            var dir = m.Groups[1].Value switch { "IN" => PortDirection.Input, "OUT" => PortDirection.Output, _ => PortDirection.InOut };
            int width = int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture) - int.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture) + 1;
            ports.Add(new RtlPort(ports.Count, m.Groups[3].Value, width, dir));
        }
        return ports;
    }

    // A member of the root module Verilator declares: its type, up to the name.
    [GeneratedRegex(@"^\s*(VL_(IN|OUT|INOUT)(8|16|64|W)?\(|(CData|SData|IData|QData|EData|VlWide<\d+>)(/\*[^*]*\*/)?\s+\w+;|VlUnpacked<(CData|SData|IData|QData|EData|VlWide<\d+>)(/\*[^*]*\*/)?,\s*\d+>\s+\w+;|VlTriggerVec<\d+>\s+\w+;|Vmodel__Syms\*\s+const\s+vlSymsp;)")]
    private static partial Regex RootMember { get; }

    /// <summary>
    /// Whether Verilator's <c>Vmodel::eval_step</c> is the single-threaded wrapper SocSim knows: the
    /// one-time initial/settle evaluation guarded by <c>__Vm_didInit</c>, <c>Verilated::mtaskId(0)</c>,
    /// <c>Vmodel___024root___eval</c>, <c>endOfThreadMTask</c> and <c>endOfEval</c>, and nothing else.
    /// The last three only hand messages between the threads of a multithreaded model (none here: no
    /// <c>--threads</c>, the calling thread's mtask id is 0 and nothing posts to the queue), yet read
    /// thread-locals through <c>__tls_get_addr</c> on every eval; the shim then calls the root's eval itself
    /// once the model is initialized (bench/README.md, issue 21, branch rtl21b). Any other shape (another
    /// Verilator, tracing, timing) keeps <c>eval()</c>.
    /// </summary>
    internal static bool IsPlainEvalStep(string modelCpp)
    {
        int start = modelCpp.IndexOf("void Vmodel::eval_step() {\n", StringComparison.Ordinal);
        if (start < 0) return false;
        int end = modelCpp.IndexOf("\n}\n", start, StringComparison.Ordinal);
        if (end < 0) return false;
        var lines = modelCpp[(start + "void Vmodel::eval_step() {\n".Length)..end].Split('\n').Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith("//", StringComparison.Ordinal) && !l.StartsWith("VL_DEBUG_IF(", StringComparison.Ordinal))
            .ToList();
        // VL_DEBUG is never defined for SocSim's builds: drop its block.
        int debug = lines.IndexOf("#ifdef VL_DEBUG");
        if (debug >= 0)
        {
            int close = lines.FindIndex(debug, l => l.StartsWith("#endif", StringComparison.Ordinal));
            if (close < 0) return false;
            lines.RemoveRange(debug, close - debug + 1);
        }
        string[] expected =
        [
            "if (VL_UNLIKELY(!vlSymsp->__Vm_didInit)) {",
            "vlSymsp->__Vm_didInit = true;",
            "Vmodel___024root___eval_static(&(vlSymsp->TOP));",
            "Vmodel___024root___eval_initial(&(vlSymsp->TOP));",
            "Vmodel___024root___eval_settle(&(vlSymsp->TOP));",
            "}",
            "Verilated::mtaskId(0);",
            "Vmodel___024root___eval(&(vlSymsp->TOP));",
            "Verilated::endOfThreadMTask(vlSymsp->__Vm_evalMsgQp);",
            "Verilated::endOfEval(vlSymsp->__Vm_evalMsgQp);",
        ];
        return lines.SequenceEqual(expected);
    }

    /// <summary>
    /// Whether the whole state of the design is plain data in the root module (bits, words, wide words,
    /// unpacked arrays of them, trigger vectors; one module instance in the symbol table): then a
    /// snapshot is a copy of the root's bytes, restored by copying them back into the same object.
    /// Anything else (strings, queues, classes, timing schedulers, other module instances) keeps
    /// Verilator's serialization.
    /// </summary>
    internal static bool IsFlat(string rootHeader, string symsHeader)
    {
        int start = rootHeader.IndexOf("// DESIGN SPECIFIC STATE", StringComparison.Ordinal);
        int end = rootHeader.IndexOf("// CONSTRUCTORS", StringComparison.Ordinal);
        if (start < 0 || end < start) return false;
        foreach (var raw in rootHeader[start..end].Split('\n'))
        {
            string l = raw.Trim();
            if (l.Length == 0 || l.StartsWith("//", StringComparison.Ordinal) || l is "struct {" or "};") continue;
            if (!RootMember.IsMatch(l)) return false;
        }
        int inst = symsHeader.IndexOf("// MODULE INSTANCE STATE", StringComparison.Ordinal);
        int ctor = symsHeader.IndexOf("// CONSTRUCTORS", StringComparison.Ordinal);
        if (inst < 0 || ctor < inst) return false;
        var instances = symsHeader[inst..ctor].Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("//", StringComparison.Ordinal)).ToList();
        return instances.Count == 1 && Regex.IsMatch(instances[0], @"^Vmodel___024root\s+TOP;$");
    }

    /// <summary>
    /// The 1-bit inputs whose falling edge, once the model is initialized, provably changes nothing but
    /// the input itself and the previous value Verilator keeps to detect its rising edge, when it
    /// follows an eval with the input at 1 (the shim's clock cycle: the rising edge's eval, then the
    /// loopbacks' eval): the shim then sets those two bytes instead of evaluating (bench/README.md,
    /// branch rtl23). <paramref name="depSets"/> are the root's run-time functions
    /// (<c>Vmodel___024root__DepSet_*.cpp</c> without <c>__Slow</c>, which runs before
    /// <c>__Vm_didInit</c> only). The proof, from Verilator 5's scheduling: an eval runs the
    /// input-combinational region (<c>ico</c>), then the active and NBA regions while a trigger fires.
    /// (1) The input is read in exactly two places: its rising-edge trigger
    /// <c>(IData)(vlSelf->X) &amp; (~ (IData)(vlSelf->__Vtrigrprev__TOP__X))</c> and the update
    /// <c>vlSelf->__Vtrigrprev__TOP__X = vlSelf->X;</c> (no negedge trigger, no logic reads the clock as
    /// data), and the previous value nowhere else: at the falling edge no trigger fires, so no NBA
    /// region runs, and the previous value becomes 0. (2) Every <c>ico</c> trigger is the first-iteration
    /// one (<c>__VicoTriggered.at(0U) = (0U == vlSelf->__VicoIterCount)</c>: no combinational loop through
    /// the inputs): the region runs once, over the same inputs and state the eval before settled
    /// (Verilator's contract: after eval every combinational signal agrees with its inputs), so it writes
    /// the values already there; its bookkeeping (<c>__VicoIterCount</c> 1, triggers clear, the active
    /// region's count 0) ends as every eval leaves it. Any other shape keeps the falling edge's eval.
    /// The shim's <c>socsim_rtl_check</c> checks this on a run: the eval's bytes against the two set.
    /// </summary>
    internal static HashSet<string> InertFallingEdges(IReadOnlyList<string> depSets, IReadOnlyList<RtlPort> ports)
    {
        var inert = new HashSet<string>(StringComparer.Ordinal);
        if (depSets.Count == 0) return inert;
        var sb = new StringBuilder();
        foreach (var file in depSets)
        {
            // VL_DEBUG is never defined for SocSim's builds: drop its blocks (debug assertions, trigger dumps).
            bool debug = false;
            foreach (var raw in file.Split('\n'))
            {
                string l = raw.Trim();
                if (l.StartsWith("#ifdef VL_DEBUG", StringComparison.Ordinal)) { if (debug) return inert; debug = true; continue; }
                if (debug) { if (l.StartsWith("#endif", StringComparison.Ordinal)) debug = false; continue; }
                if (l.StartsWith("#if", StringComparison.Ordinal)) return inert; // any other conditional: not a shape known here
                sb.Append(l).Append(' ');
            }
            if (debug) return inert;
        }
        string t = Regex.Replace(sb.ToString(), @"\s+", " ");
        int Count(string s) => CountOf(t, s);
        int Words(string id) => Regex.Matches(t, @"(?<![\w$])" + Regex.Escape(id) + @"(?![\w$])").Count;
        const string FirstIteration = "vlSelf->__VicoTriggered.at(0U) = (0U == vlSelf->__VicoIterCount);";
        if (Regex.Matches(t, @"__VicoTriggered\.at\(\w+\) =").Count != Count(FirstIteration) || Count(FirstIteration) > 1
            || Count("__VicoTriggered.set(") != 0 || Count("__VicoTriggered.at(") != Count(FirstIteration) + Count("if (vlSelf->__VicoTriggered.at(0U)) {"))
            return inert;
        foreach (var p in ports)
        {
            if (p.Direction != PortDirection.Input || p.Width != 1) continue;
            string prev = "__Vtrigrprev__TOP__" + p.Name;
            string rise = $"(IData)(vlSelf->{p.Name}) & (~ (IData)(vlSelf->{prev}))";
            string update = $"vlSelf->{prev} = vlSelf->{p.Name};";
            if (Words(p.Name) == 2 && Words(prev) == 2 && Count(rise) == 1 && Count(update) == 1) inert.Add(p.Name);
        }
        return inert;
    }

    private static int CountOf(string text, string s)
    {
        int n = 0;
        for (int i = text.IndexOf(s, StringComparison.Ordinal); i >= 0; i = text.IndexOf(s, i + s.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    /// <summary>The C shim for one model: a port table and the functions <see cref="RtlModel"/> binds.</summary>
    internal static string Shim(IReadOnlyList<RtlPort> ports, bool trace, bool flat, bool directEval = false, IReadOnlySet<string>? inertFall = null)
    {
        var sb = new StringBuilder();
        sb.Append("#define SOCSIM_FLAT ").Append(flat ? 1 : 0).Append('\n');
        sb.Append("#define SOCSIM_DIRECT_EVAL ").Append(directEval ? 1 : 0).Append('\n');
        sb.Append("#define SOCSIM_INERT_FALL ").Append(inertFall is { Count: > 0 } && !trace ? 1 : 0).Append('\n');
        sb.Append("""
            // Generated by SocSim (VerilatorBuild.Shim): the C interface SocSim loads with P/Invoke.
            #include <cstdint>
            #include <cstring>
            #include <cstdlib>
            #include "verilated.h"
            #include "Vmodel.h"
            #include "Vmodel___024root.h"
            #include "Vmodel__Syms.h"
            #include "verilated_save.h"
            #include <vector>
            #include <algorithm>
            #if VM_TRACE
            #include "verilated_vcd_c.h"
            #endif

            #if SOCSIM_DIRECT_EVAL
            void Vmodel___024root___eval(Vmodel___024root* vlSelf);
            #endif

            namespace {
            typedef void (*Setter)(Vmodel*, int, uint32_t);
            typedef uint32_t (*Getter)(Vmodel*, int);
            typedef unsigned char* (*Addr)(Vmodel*);

            #if VM_TRACE
            // Verilator's VCD text kept in memory, for SocSim to merge into its own VCD.
            struct MemFile : public VerilatedVcdFile {
                std::vector<char> buf;
                bool open(const std::string&) override { return true; }
                void close() override {}
                ssize_t write(const char* p, ssize_t n) override { buf.insert(buf.end(), p, p + n); return n; }
            };
            #endif

            // Verilator's --savable serialization into and out of host memory.
            struct MemSave : public VerilatedSerialize {
                std::vector<uint8_t> out;
                MemSave() { m_isOpen = true; }
                void flush() override { out.insert(out.end(), m_bufp, m_cp); m_cp = m_bufp; }
                void close() override { flush(); m_isOpen = false; }
            };
            struct MemRestore : public VerilatedDeserialize {
                const uint8_t* data;
                size_t len, pos;
                MemRestore(const uint8_t* d, size_t n) : data(d), len(n), pos(0) { m_isOpen = true; m_endp = m_bufp; }
                void reset(const uint8_t* d, size_t n) { data = d; len = n; pos = 0; m_cp = m_bufp; m_endp = m_bufp; }
                void fill() override {
                    size_t rem = (size_t)(m_endp - m_cp);
                    std::memmove(m_bufp, m_cp, rem);
                    m_cp = m_bufp;
                    m_endp = m_bufp + rem;
                    size_t take = std::min(bufferSize() - rem, len - pos);
                    std::memcpy(m_endp, data + pos, take);
                    pos += take;
                    m_endp += take;
                }
            };

            struct Handle {
                VerilatedContext* ctx;
                Vmodel* m;
                Setter clk;
                int nwatch;
                int wport[64];
                int wbit[64];
                uint32_t wprev[64];
                // Loopbacks (connect): input bit iport[i].ibit[i] follows output bit lport[i].lbit[i].
                int nlink;
                int lport[64], lbit[64], iport[64], ibit[64];
                // The bytes holding the clock, the watched bits and the looped bits, read and written in
                // place (see bit_byte); reference: through Verilator's eval() and the port table instead
                // (socsim_rtl_reference, for the tests that compare both).
                unsigned char* clkp;
                const unsigned char* wbyte[64];
                const unsigned char* lbyte[64];
                unsigned char* ibyte[64];
                bool reference;
                // SOCSIM_INERT_FALL: the previous value Verilator keeps of the clock to detect its rising
                // edge (null when VerilatorBuild.InertFallingEdges did not prove this clock's falling edge
                // inert); checkFall: evaluate it anyway and compare, checkRing: clock a rewound state again
                // from the snapshot and compare (socsim_rtl_check).
                unsigned char* clkPrev;
                bool checkFall, checkRing;
                int64_t fallChecked, fallMismatches, ringChecked, ringMismatches;
                unsigned char* fallBefore;
                unsigned char* fallSet;
                unsigned char* snap;
                MemSave* saved;
                MemSave* spec;        // the snapshot speculative clocking rolls back to
                MemRestore* specRestore;
                // SOCSIM_FLAT: the root's bytes after 0, kStride, 2 kStride, ... cycles from the snapshot
                // (ring[0] is the snapshot), recorded while ringOpen (no input changed since the snapshot);
                // ringLen counts the cycles' states the ring can give (those between are clocked again
                // from the one before: see socsim_rtl_rewind), ringCap their limit.
                unsigned char* ring;
                int ringCap, ringLen;
                bool ringOpen, hasSnap;
                std::vector<int64_t> changes;  // socsim_rtl_apb: (edge, watched bits) pairs
            #if VM_TRACE
                VerilatedVcdC* vcd;
                MemFile* mem;
            #endif
            };

            // Word w (32 bits) of a port of any width.
            template <typename T> inline uint32_t word_of(const T& v, int w) { return w < (int)((sizeof(T) + 3) / 4) ? (uint32_t)((uint64_t)v >> (32 * w)) : 0; }
            template <std::size_t N> inline uint32_t word_of(const VlWide<N>& v, int w) { return w < (int)N ? v[w] : 0; }
            template <typename T> inline void set_word(T& v, int w, uint32_t x) {
                if (w >= (int)((sizeof(T) + 3) / 4)) return;
                uint64_t cur = (uint64_t)v;
                uint64_t mask = (uint64_t)0xFFFFFFFFu << (32 * w);
                v = (T)((cur & ~mask) | ((uint64_t)x << (32 * w)));
            }
            template <std::size_t N> inline void set_word(VlWide<N>& v, int w, uint32_t x) { if (w < (int)N) v[w] = x; }

            """);
        foreach (var p in ports)
        {
            sb.Append($"void set_{p.Index}(Vmodel* m, int w, uint32_t x) {{ set_word(m->{p.Name}, w, x); }}\n");
            sb.Append($"uint32_t get_{p.Index}(Vmodel* m, int w) {{ return word_of(m->{p.Name}, w); }}\n");
            sb.Append($"unsigned char* addr_{p.Index}(Vmodel* m) {{ return (unsigned char*)&m->{p.Name}; }}\n");
        }
        sb.Append("const char* const kNames[] = {").Append(string.Join(", ", ports.Select(p => $"\"{p.Name}\""))).Append(ports.Count == 0 ? "nullptr" : "").Append("};\n");
        sb.Append("const Setter kSet[] = {").Append(string.Join(", ", ports.Select(p => $"set_{p.Index}"))).Append(ports.Count == 0 ? "nullptr" : "").Append("};\n");
        sb.Append("const Getter kGet[] = {").Append(string.Join(", ", ports.Select(p => $"get_{p.Index}"))).Append(ports.Count == 0 ? "nullptr" : "").Append("};\n");
        foreach (var p in ports.Where(p => inertFall != null && inertFall.Contains(p.Name)))
            sb.Append($"#if SOCSIM_INERT_FALL\nunsigned char* prev_{p.Index}(Vmodel* m) {{ return (unsigned char*)&m->rootp->__Vtrigrprev__TOP__{p.Name}; }}\n#endif\n");
        // The clock inputs whose falling edge is inert (VerilatorBuild.InertFallingEdges): the byte of their previous value.
        sb.Append("#if SOCSIM_INERT_FALL\nconst Addr kPrev[] = {").Append(string.Join(", ", ports.Select(p => inertFall != null && inertFall.Contains(p.Name) ? $"prev_{p.Index}" : "nullptr"))).Append(ports.Count == 0 ? "nullptr" : "").Append("};\n#endif\n");
        sb.Append("const Addr kAddr[] = {").Append(string.Join(", ", ports.Select(p => $"addr_{p.Index}"))).Append(ports.Count == 0 ? "nullptr" : "").Append("};\n");
        // Verilator's storage unit of each port: CData, SData, IData, QData, or the 32-bit words of a VlWide.
        sb.Append("const int kUnit[] = {").Append(string.Join(", ", ports.Select(p => p.Width <= 8 ? 1 : p.Width <= 16 ? 2 : p.Width <= 32 ? 4 : p.Width <= 64 ? 8 : 4))).Append(ports.Count == 0 ? "0" : "").Append("};\n");
        sb.Append("const int kCount = ").Append(ports.Count).Append(";\n");
        sb.Append("""

            constexpr size_t kRoot = sizeof(Vmodel___024root);
            // One root state kept in the ring per kStride cycles: a copy of the root per cycle cost about 3 ns
            // of 67 (apb_uart_sv), a rewind clocks up to kStride - 1 cycles again (bench/README.md, branch rtl23).
            constexpr int kStride = 8;
            inline void root_to(Handle* h, unsigned char* dst) { std::memcpy(dst, (const void*)h->m->rootp, kRoot); }
            // The root is the same object the bytes came from: its pointers (symbol table, name) are unchanged.
            inline void root_from(Handle* h, const unsigned char* src) { std::memcpy((void*)h->m->rootp, src, kRoot); }

            // The byte of the model holding bit b of a port (its storage unit's bytes in host order).
            inline unsigned char* bit_byte(Vmodel* m, int port, int b) {
                unsigned char* p = kAddr[port](m);
            #if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                return p + (b >> 3);
            #else
                int u = kUnit[port];
                return p + (b / (8 * u)) * u + (u - 1 - ((b >> 3) % u));
            #endif
            }

            // Vmodel::eval() without its multithreading bookkeeping (see VerilatorBuild.IsPlainEvalStep):
            // the root's eval once the model is initialized, the wrapper before that and for the reference.
            inline void eval(Handle* h) {
            #if SOCSIM_DIRECT_EVAL
                Vmodel___024root* r = h->m->rootp;
                if (VL_LIKELY(!h->reference && r->vlSymsp->__Vm_didInit)) { Vmodel___024root___eval(r); return; }
            #endif
                h->m->eval();
            }

            inline void set_clock(Handle* h, uint32_t level) {
                if (VL_LIKELY(!h->reference)) *h->clkp = (unsigned char)level; // a 1-bit port: CData
                else h->clk(h->m, 0, level);
            }

            inline bool watched_changed(Handle* h) {
                bool changed = false;
                for (int i = 0; i < h->nwatch; i++) {
                    uint32_t b = VL_LIKELY(!h->reference) ? (*h->wbyte[i] >> (h->wbit[i] & 7)) & 1u
                        : (kGet[h->wport[i]](h->m, h->wbit[i] >> 5) >> (h->wbit[i] & 31)) & 1u;
                    if (b != h->wprev[i]) { h->wprev[i] = b; changed = true; }
                }
                return changed;
            }
            inline uint64_t watched_bits(Handle* h) {
                uint64_t bits = 0;
                for (int i = 0; i < h->nwatch; i++) bits |= (uint64_t)h->wprev[i] << i;
                return bits;
            }

            // A loopback is a wire: its input takes the output's new level in the same delta as the
            // output changes (after the rising edge's eval), so the block samples it at the next edge.
            // Deterministic in the model's state, so a snapshot's successors stay valid.
            inline void links(Handle* h) {
                bool any = false;
                for (int i = 0; i < h->nlink; i++) {
                    if (VL_LIKELY(!h->reference)) {
                        uint32_t b = (*h->lbyte[i] >> (h->lbit[i] & 7)) & 1u;
                        unsigned char cur = *h->ibyte[i];
                        unsigned char mask = (unsigned char)(1u << (h->ibit[i] & 7));
                        unsigned char next = b ? (unsigned char)(cur | mask) : (unsigned char)(cur & ~mask);
                        if (next != cur) { *h->ibyte[i] = next; any = true; }
                        continue;
                    }
                    uint32_t b = (kGet[h->lport[i]](h->m, h->lbit[i] >> 5) >> (h->lbit[i] & 31)) & 1u;
                    int w = h->ibit[i] >> 5;
                    uint32_t cur = kGet[h->iport[i]](h->m, w);
                    uint32_t mask = 1u << (h->ibit[i] & 31);
                    uint32_t next = b ? cur | mask : cur & ~mask;
                    if (next != cur) { kSet[h->iport[i]](h->m, w, next); any = true; }
                }
                if (any) eval(h);
            }

            // The falling edge (clock 0, eval), right after the rising edge's eval and loopbacks. Where
            // VerilatorBuild.InertFallingEdges proved that eval changes only the clock and Verilator's
            // previous value of it (no negedge logic, no logic reading the clock, the input-combinational
            // region settled by the eval before), the two bytes are set instead. Not in the reference path,
            // nor before the model's initial evaluation, nor with tracing (its activity flag).
            inline void set_fall(Handle* h) {
                *h->clkp = 0;
                *h->clkPrev = 0;
            }
            void check_fall(Handle* h);
            inline void fall(Handle* h) {
            #if SOCSIM_INERT_FALL
                if (VL_LIKELY(h->clkPrev != nullptr && !h->reference && h->m->rootp->vlSymsp->__Vm_didInit)) {
                    if (VL_UNLIKELY(h->checkFall)) check_fall(h);
                    else set_fall(h);
                    return;
                }
            #endif
                set_clock(h, 0);
                eval(h);
            }

            // The check of fall's proof (socsim_rtl_check): the bytes the two sets give against the eval's,
            // which the model keeps.
            void check_fall(Handle* h) {
                root_to(h, h->fallBefore);
                set_fall(h);
                root_to(h, h->fallSet);
                root_from(h, h->fallBefore);
                set_clock(h, 0);
                eval(h);
                h->fallChecked++;
                if (std::memcmp(h->fallSet, (const void*)h->m->rootp, kRoot) != 0) h->fallMismatches++;
            }

            // One clock cycle: rising edge (clock 1, eval, loopbacks), falling edge (clock 0, eval).
            inline void cycle(Handle* h) {
                set_clock(h, 1);
                eval(h);
                if (h->nlink) links(h);
                fall(h);
            }
            }  // namespace

            #define API extern "C" __attribute__((visibility("default")))

            API int socsim_rtl_abi() { return 1; }
            API int socsim_rtl_port_count() { return kCount; }

            API void* socsim_rtl_create(int clock_port) {
                Handle* h = new Handle();
                h->ctx = new VerilatedContext();
                h->ctx->debug(0);
                h->ctx->fatalOnError(false);
                h->m = new Vmodel(h->ctx, "TOP");
                h->clk = kSet[clock_port];
                h->clkp = kAddr[clock_port](h->m);
                h->reference = false;
            #if SOCSIM_INERT_FALL
                h->clkPrev = kPrev[clock_port] ? kPrev[clock_port](h->m) : nullptr;
            #else
                h->clkPrev = nullptr;
            #endif
                h->checkFall = false;
                h->checkRing = false;
                h->fallChecked = 0;
                h->fallMismatches = 0;
                h->ringChecked = 0;
                h->ringMismatches = 0;
                h->fallBefore = nullptr;
                h->fallSet = nullptr;
                h->nwatch = 0;
                h->nlink = 0;
                h->snap = (unsigned char*)std::malloc(sizeof(Vmodel___024root));
                h->saved = nullptr;
                h->spec = nullptr;
                h->specRestore = nullptr;
                h->ringCap = SOCSIM_FLAT ? (int)std::max<size_t>(1, std::min<size_t>(4097, ((size_t)4 << 20) / kRoot)) : 0;
                h->ring = h->ringCap ? (unsigned char*)std::malloc(kRoot * (size_t)((h->ringCap + kStride - 1) / kStride)) : nullptr;
                h->ringLen = 0;
                h->ringOpen = false;
                h->hasSnap = false;
            #if VM_TRACE
                h->vcd = nullptr;
                h->mem = nullptr;
            #endif
                return h;
            }

            API void socsim_rtl_destroy(void* p) {
                Handle* h = (Handle*)p;
            #if VM_TRACE
                if (h->vcd) { h->vcd->close(); delete h->vcd; }
                delete h->mem;
            #endif
                delete h->saved;
                delete h->spec;
                delete h->specRestore;
                h->m->final();
                delete h->m;
                delete h->ctx;
                std::free(h->snap);
                std::free(h->ring);
                std::free(h->fallBefore);
                std::free(h->fallSet);
                delete h;
            }

            // An input change ends the recording of the snapshot's successors (they assumed the old inputs).
            API void socsim_rtl_eval(void* p) { Handle* h = (Handle*)p; h->ringOpen = false; eval(h); }
            API void socsim_rtl_set(void* p, int port, int word, uint32_t v) { Handle* h = (Handle*)p; h->ringOpen = false; kSet[port](h->m, word, v); }
            API uint32_t socsim_rtl_get(void* p, int port, int word) { Handle* h = (Handle*)p; return kGet[port](h->m, word); }

            // Whether the model is evaluated and its clock and watched/looped bits reached the reference way
            // (Verilator's eval() and the port table's functions) instead of in place: for the tests that
            // compare both (RtlModel.Reference).
            API void socsim_rtl_reference(void* p, int on) { ((Handle*)p)->reference = on != 0; }

            // The checks of the shim's shortcuts against the long way, for the tests: with check != 0, from now
            // on every falling edge set instead of evaluated (see fall) is evaluated too and compared, and every
            // state a rewind gives is compared with the snapshot's clocked again as far (see socsim_rtl_rewind);
            // the long way's state is kept. counts[0] = falling edges checked, counts[1] = those whose eval left
            // other bytes than the two set, counts[2] = rewinds checked, counts[3] = those that differed.
            // Returns 1 when the falling edge is set (the build proved it inert for this clock).
            API int socsim_rtl_check(void* p, int check, int64_t* counts) {
                Handle* h = (Handle*)p;
                if (check && !h->fallBefore) {
                    h->fallBefore = (unsigned char*)std::malloc(kRoot);
                    h->fallSet = (unsigned char*)std::malloc(kRoot);
                }
                h->checkFall = check != 0;
                h->checkRing = check != 0;
                counts[0] = h->fallChecked;
                counts[1] = h->fallMismatches;
                counts[2] = h->ringChecked;
                counts[3] = h->ringMismatches;
                return h->clkPrev != nullptr ? 1 : 0;
            }

            // Watches up to 64 output bits: socsim_rtl_cycles stops after the cycle that changes one.
            API int socsim_rtl_watch(void* p, int n, const int* ports, const int* bits) {
                Handle* h = (Handle*)p;
                if (n > 64) return -1;
                h->nwatch = n;
                for (int i = 0; i < n; i++) {
                    h->wport[i] = ports[i];
                    h->wbit[i] = bits[i];
                    h->wbyte[i] = bit_byte(h->m, ports[i], bits[i]);
                    h->wprev[i] = (kGet[ports[i]](h->m, bits[i] >> 5) >> (bits[i] & 31)) & 1u;
                }
                return 0;
            }

            // Loopbacks: input bit ibits[i] of iports[i] follows output bit obits[i] of oports[i] at every
            // rising edge (see links).
            API int socsim_rtl_link(void* p, int n, const int* oports, const int* obits, const int* iports, const int* ibits) {
                Handle* h = (Handle*)p;
                if (n > 64) return -1;
                h->nlink = n;
                for (int i = 0; i < n; i++) {
                    h->lport[i] = oports[i]; h->lbit[i] = obits[i]; h->iport[i] = iports[i]; h->ibit[i] = ibits[i];
                    h->lbyte[i] = bit_byte(h->m, oports[i], obits[i]);
                    h->ibyte[i] = bit_byte(h->m, iports[i], ibits[i]);
                }
                return 0;
            }

            // Runs up to n clock cycles (rising edge: clock 1, eval; then clock 0, eval), stopping after
            // the first cycle that changes a watched output bit. Returns the cycles run. *status gets
            // bit 1 when the last cycle run changed a watched bit, bit 0 when the last cycle left the
            // whole model state unchanged: with the same inputs every further cycle is then the same
            // no-op (a fixed point). With tracing, cycle i is dumped at VCD time dump + 2i after its
            // rising edge and dump + 2i + 1 after its falling edge (SocSim maps these to ticks).
            API int socsim_rtl_cycles(void* p, int n, int* status, uint64_t dump) {
                Handle* h = (Handle*)p;
                Vmodel* m = h->m;
                int* fixed = status;
                *fixed = 0;
                for (int i = 0; i < n; i++) {
                    bool last = i == n - 1;
                    if (last) std::memcpy(h->snap, (const void*)m->rootp, sizeof(Vmodel___024root));
                    set_clock(h, 1);
                    eval(h);
                    if (h->nlink) links(h);
            #if VM_TRACE
                    if (h->vcd) h->vcd->dump(dump + 2 * (uint64_t)i);
            #endif
                    fall(h);
            #if VM_TRACE
                    if (h->vcd) h->vcd->dump(dump + 2 * (uint64_t)i + 1);
            #endif
                    if (h->ringOpen) {
                        if (h->ringLen < h->ringCap) {
                            if (h->ringLen % kStride == 0) root_to(h, h->ring + kRoot * (size_t)(h->ringLen / kStride));
                            h->ringLen++;
                        }
                        else h->ringOpen = false;
                    }
                    if (h->nwatch && watched_changed(h)) { *status = 2; return i + 1; }
                    if (last) *fixed = std::memcmp(h->snap, (const void*)m->rootp, sizeof(Vmodel___024root)) == 0 ? 1 : 0;
                }
                return n;
            }

            // Puts the model in its state k cycles after the snapshot if the ring gives it (returns 1),
            // else returns 0 (the caller rolls back to the snapshot and clocks again). The ring holds every
            // kStride-th state; the cycles after it are clocked again (the same inputs, loopbacks included,
            // so the same states; the watched bits are the caller's to refresh, the trace is off while
            // running ahead).
            API int socsim_rtl_rewind(void* p, int k) {
                Handle* h = (Handle*)p;
                if (!h->hasSnap || k < 0 || k >= h->ringLen) return 0;
                root_from(h, h->ring + kRoot * (size_t)(k / kStride));
                for (int i = k % kStride; i > 0; i--) cycle(h);
                if (VL_UNLIKELY(h->checkRing)) {
                    root_to(h, h->fallBefore);
                    root_from(h, h->ring);
                    bool checkFall = h->checkFall;
                    h->checkFall = false;
                    for (int i = 0; i < k; i++) cycle(h);
                    h->checkFall = checkFall;
                    h->ringChecked++;
                    if (std::memcmp(h->fallBefore, (const void*)h->m->rootp, kRoot) != 0) h->ringMismatches++;
                }
                h->ringLen = k + 1;
                h->ringOpen = true;
                return 1;
            }

            // A whole APB3 transfer (IHI 0024C) from the first PCLK edge E0 at or after its start, as
            // RtlPeripheral.Transfer describes it: setup phase driven after E0, access phase after
            // E0+1, PREADY sampled at each edge from E0+1 on (up to timeout edges of waiting), IDLE
            // driven after the completing edge. ports: PSEL, PENABLE, PWRITE, PADDR, PWDATA, PRDATA,
            // PREADY, PSLVERR (-1: tied ready / OKAY). Returns the cycles run; out[0] = PRDATA,
            // out[1] = bit 0 PSLVERR, bit 1 timed out. Every change of the watched bits is recorded
            // as (edges after E0, watched bits) in *changes (valid until the next call).
            API int socsim_rtl_apb(void* p, const int* ports, int write, uint32_t paddr, uint32_t pwdata, int timeout,
                                   uint32_t* out, const int64_t** changes, int* nchanges) {
                Handle* h = (Handle*)p;
                Vmodel* m = h->m;
                h->ringOpen = false;
                h->changes.clear();
                int k = 0;
                auto watch = [&]() { if (h->nwatch && watched_changed(h)) { h->changes.push_back(k); h->changes.push_back((int64_t)watched_bits(h)); } };
                kSet[ports[0]](m, 0, 1);
                kSet[ports[1]](m, 0, 0);
                kSet[ports[2]](m, 0, write ? 1u : 0u);
                kSet[ports[3]](m, 0, paddr);
                if (write) kSet[ports[4]](m, 0, pwdata);
                eval(h);
                watch();
                cycle(h); k++; watch();
                kSet[ports[1]](m, 0, 1);
                eval(h);
                watch();
                uint32_t rdata = 0, status = 0;
                int waited = 0;
                while (true) {
                    bool ready = ports[6] < 0 || (kGet[ports[6]](m, 0) & 1u);
                    if (ready) {
                        rdata = kGet[ports[5]](m, 0);
                        if (ports[7] >= 0 && (kGet[ports[7]](m, 0) & 1u)) status |= 1;
                    }
                    cycle(h); k++; watch();
                    if (ready) break;
                    if (++waited >= timeout) { status |= 2; break; }
                }
                kSet[ports[0]](m, 0, 0);
                kSet[ports[1]](m, 0, 0);
                eval(h);
                watch();
                out[0] = rdata;
                out[1] = status;
                *changes = h->changes.data();
                *nchanges = (int)(h->changes.size() / 2);
                return k;
            }

            // Refreshes the watched bits' remembered values after inputs changed between cycles
            // (a combinational output may follow an input at once); returns 1 if one changed.
            API int socsim_rtl_watch_changed(void* p) { return watched_changed((Handle*)p) ? 1 : 0; }

            // Starts tracing the model's signals (a build with tracing only): into host memory when
            // file is null (socsim_rtl_trace_take hands the text over), else to a VCD file of its own.
            API int socsim_rtl_trace_open(void* p, const char* file, int depth) {
            #if VM_TRACE
                Handle* h = (Handle*)p;
                if (h->vcd) return -3;
                Verilated::traceEverOn(true);
                if (!file) h->mem = new MemFile();
                h->vcd = new VerilatedVcdC(h->mem);
                h->m->trace(h->vcd, depth);
                h->vcd->open(file ? file : "memory");
                return h->vcd->isOpen() ? 0 : -2;
            #else
                (void)p; (void)file; (void)depth;
                return -1;
            #endif
            }

            API void socsim_rtl_trace_dump(void* p, uint64_t t) {
            #if VM_TRACE
                Handle* h = (Handle*)p;
                if (h->vcd) h->vcd->dump(t);
            #else
                (void)p; (void)t;
            #endif
            }

            // The VCD text written to memory since the last socsim_rtl_trace_clear (flushed first).
            API int64_t socsim_rtl_trace_take(void* p, const char** data) {
            #if VM_TRACE
                Handle* h = (Handle*)p;
                if (!h->vcd || !h->mem) { *data = nullptr; return 0; }
                h->vcd->flush();
                *data = h->mem->buf.data();
                return (int64_t)h->mem->buf.size();
            #else
                (void)p; *data = nullptr;
                return 0;
            #endif
            }

            API void socsim_rtl_trace_clear(void* p) {
            #if VM_TRACE
                Handle* h = (Handle*)p;
                if (h->mem) h->mem->buf.clear();
            #else
                (void)p;
            #endif
            }

            API void socsim_rtl_trace_close(void* p) {
            #if VM_TRACE
                Handle* h = (Handle*)p;
                if (h->vcd) { h->vcd->close(); delete h->vcd; h->vcd = nullptr; }
                delete h->mem;
                h->mem = nullptr;
            #else
                (void)p;
            #endif
            }

            // Verilator --savable: the model's whole state, serialized into host memory; the
            // pointer stays valid until the next save or the model's destruction.
            API int64_t socsim_rtl_save(void* p, const uint8_t** data) {
                Handle* h = (Handle*)p;
                delete h->saved;
                h->saved = new MemSave();
                *h->saved << *h->m;
                h->saved->close();
                *data = h->saved->out.data();
                return (int64_t)h->saved->out.size();
            }

            // A snapshot of the whole model kept in the shim, and going back to it: the block is
            // clocked ahead of the CPU and rolls back when an input changes before its frontier.
            API void socsim_rtl_snapshot(void* p) {
                Handle* h = (Handle*)p;
                h->hasSnap = true;
                if (h->ring) {
                    root_to(h, h->ring);
                    h->ringLen = 1;
                    h->ringOpen = true;
                    return;
                }
                if (!h->spec) h->spec = new MemSave();
                h->spec->out.clear();
                *h->spec << *h->m;
                h->spec->flush();
            }

            API int64_t socsim_rtl_snapshot_data(void* p, const uint8_t** data) {
                Handle* h = (Handle*)p;
                if (h->ring && h->hasSnap) {
                    // Serialized as Verilator does, from the snapshot's bytes put in place for a moment.
                    unsigned char* now = (unsigned char*)std::malloc(kRoot);
                    root_to(h, now);
                    root_from(h, h->ring);
                    if (!h->spec) h->spec = new MemSave();
                    h->spec->out.clear();
                    *h->spec << *h->m;
                    h->spec->flush();
                    root_from(h, now);
                    std::free(now);
                }
                if (!h->spec || !h->hasSnap) { *data = nullptr; return 0; }
                *data = h->spec->out.data();
                return (int64_t)h->spec->out.size();
            }

            API void socsim_rtl_rollback(void* p) {
                Handle* h = (Handle*)p;
                if (!h->hasSnap) return;
                if (h->ring) {
                    root_from(h, h->ring);
                    h->ringLen = 1;
                    h->ringOpen = true;
                    return;
                }
                if (!h->spec) return;
                if (!h->specRestore) h->specRestore = new MemRestore(nullptr, 0);
                h->specRestore->reset(h->spec->out.data(), h->spec->out.size());
                *h->specRestore >> *h->m;
            }

            // Restores a state socsim_rtl_save gave. Verilator aborts the process on data of another
            // model (its layout check), so SocSim checks the build and the length before calling this.
            API void socsim_rtl_restore(void* p, const uint8_t* data, int64_t len) {
                Handle* h = (Handle*)p;
                h->ringOpen = false;
                MemRestore r(data, (size_t)len);
                r >> *h->m;
            }

            """);
        return sb.ToString().Replace("\r\n", "\n");
    }
}
