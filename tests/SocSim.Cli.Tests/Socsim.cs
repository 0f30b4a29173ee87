using SocSim.Tests;
using System.Diagnostics;

namespace SocSim.Cli.Tests;

/// <summary>Runs the real `socsim` (socsim.dll copied beside the tests) as a process.</summary>
internal static class Socsim
{
    public static string RepoRoot => RepoPaths.Root;

    public static string ConformanceDirectory => RepoPaths.ConformanceDirectory;

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
    }

    public static Result RunWithInput(string stdin, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = RepoRoot,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "socsim.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("socsim " + string.Join(' ', args)); }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static Result Run(params string[] args) => RunWithInput("", args);
}
