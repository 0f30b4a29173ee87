using System.Diagnostics;

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

    /// <summary>Starts `dotnet DLL ARGS` in the repository root, writes <paramref name="stdin"/> and closes it.</summary>
    public static Process Start(string dll, IEnumerable<string> args, string stdin = "")
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = RepoPaths.Root,
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        return p;
    }

    /// <summary>Runs socsim to its end (killing it after <paramref name="timeoutMs"/>) and returns its status and output.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string dll, IReadOnlyList<string> args, string stdin = "", int timeoutMs = 120_000)
    {
        using var p = Start(dll, args, stdin);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs)) { p.Kill(true); throw new TimeoutException("socsim " + string.Join(' ', args) + " did not finish"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
