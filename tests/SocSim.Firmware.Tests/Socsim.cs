using System.Diagnostics;

namespace SocSim.Firmware.Tests;

/// <summary>
/// Runs the built `socsim` (src/SocSim.Cli/bin/CONFIGURATION/net10.0/socsim.dll, the configuration
/// these tests were built in) as a process. `dotnet test SocSim.sln` builds it first.
/// </summary>
internal static class Socsim
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string[] ErrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
    }

    public static string Dll
    {
        get
        {
            // AppContext.BaseDirectory = tests/SocSim.Firmware.Tests/bin/CONFIGURATION/TFM/
            var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string configuration = tfmDir.Parent!.Name;
            string dll = Path.Combine(Repo.Root, "src", "SocSim.Cli", "bin", configuration, tfmDir.Name, "socsim.dll");
            if (!File.Exists(dll)) throw new FileNotFoundException($"{dll} is not built: run `dotnet build SocSim.sln -c {configuration}` (dotnet test SocSim.sln does)");
            return dll;
        }
    }

    public static Result Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = Repo.Root,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Close();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("socsim " + string.Join(' ', args)); }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
