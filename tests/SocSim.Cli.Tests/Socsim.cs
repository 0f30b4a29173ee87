using System.Diagnostics;

namespace SocSim.Cli.Tests;

/// <summary>Runs the real `socsim` (socsim.dll copied beside the tests) as a process.</summary>
internal static class Socsim
{
    public static string RepoRoot { get; } = FindRoot();

    public static string ConformanceDirectory =>
        Environment.GetEnvironmentVariable("SOCSIM_CONFORMANCE_DIR") is { Length: > 0 } d
            ? d
            : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "conformance", "arm7tdmi"));

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

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "SocSim.sln"))) return d.FullName;
        throw new InvalidOperationException("SocSim.sln not found");
    }
}
