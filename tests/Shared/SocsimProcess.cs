using System.Diagnostics;
using System.Text;

namespace SocSim.Tests;

/// <summary>Runs the real `socsim` command as a process; compiled into every test project.</summary>
internal static class SocsimProcess
{
    /// <summary>
    /// src/SocSim.Cli/bin/CONFIGURATION/TFM/socsim.dll in the configuration these tests were built in.
    /// The solution build (`dotnet build SocSim.sln`, as test.sh does first) produces it.
    /// </summary>
    public static string BuiltDll
    {
        get
        {
            // AppContext.BaseDirectory = tests/PROJECT/bin/CONFIGURATION/TFM/
            var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string configuration = tfmDir.Parent!.Name;
            string dll = Path.Combine(RepoPaths.Root, "src", "SocSim.Cli", "bin", configuration, tfmDir.Name, "socsim.dll");
            if (!File.Exists(dll)) throw new FileNotFoundException($"{dll} is not built: run `dotnet build SocSim.sln -c {configuration}` (./test.sh does)");
            return dll;
        }
    }

    /// <summary>
    /// Whether this process ignores SIGINT: a test run started in the background by a shell without job
    /// control (`./test.sh &amp;`, nohup) gets SIGINT ignored, and every child inherits that, so a test that
    /// sends socsim or gdb a SIGINT (Ctrl-C) would wait for an exit that never comes. Read from
    /// /proc/self/status (Linux; elsewhere: false).
    /// </summary>
    public static bool SigintIgnored
    {
        get
        {
            try
            {
                foreach (var line in File.ReadLines("/proc/self/status"))
                    if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
                        return (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << 1)) != 0;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            return false;
        }
    }

    /// <summary>
    /// A start of <paramref name="program"/> whose SIGINT is the default one even when this process ignores
    /// it (<see cref="SigintIgnored"/>): then it is run through coreutils' `env --default-signal=INT`, which
    /// restores the default and executes it in place (same process id, so `kill -INT` reaches it).
    /// </summary>
    public static ProcessStartInfo WithDefaultSigint(string program)
    {
        if (!SigintIgnored) return new ProcessStartInfo(program);
        var psi = new ProcessStartInfo("env");
        psi.ArgumentList.Add("--default-signal=INT");
        psi.ArgumentList.Add(program);
        return psi;
    }

    /// <summary>Starts `dotnet DLL ARGS` in the repository root, writes <paramref name="stdin"/> and closes it; SIGINT is the default (<see cref="WithDefaultSigint"/>).</summary>
    public static Process Start(string dll, IEnumerable<string> args, string stdin = "", IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = WithDefaultSigint("dotnet");
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = true;
        psi.WorkingDirectory = RepoPaths.Root;
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        return p;
    }

    /// <summary>Runs socsim to its end (killing it after <paramref name="timeoutMs"/>) and returns its status and output.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string dll, IReadOnlyList<string> args, string stdin = "", int timeoutMs = Deadline.Ms,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        using var p = Start(dll, args, stdin, environment);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs)) { p.Kill(true); throw new TimeoutException("socsim " + string.Join(' ', args) + " did not finish"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>
    /// Reads a stream to its end on a worker, keeping what came so far, so that a test can wait for a
    /// given output (what happened) instead of sleeping for a while (how fast the host is).
    /// </summary>
    public sealed class Reader
    {
        private readonly StringBuilder _text = new();
        public Task Done { get; }

        public Reader(StreamReader stream) => Done = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
                lock (_text) _text.Append(buffer, 0, n);
        });

        public string Text { get { lock (_text) return _text.ToString(); } }

        /// <summary>Waits until <paramref name="condition"/> holds for the text so far; false if the stream ended (or <paramref name="timeout"/> passed, a guard against a hang) first.</summary>
        public bool WaitFor(Func<string, bool> condition, TimeSpan timeout)
        {
            var sw = Stopwatch.StartNew();
            while (!condition(Text))
            {
                if (Done.IsCompleted && !condition(Text)) return false;
                if (sw.Elapsed > timeout) return false;
                Thread.Sleep(20);
            }
            return true;
        }
    }
}
