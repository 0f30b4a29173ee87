using System.Diagnostics;

namespace SocSim.Trace.Tests;

/// <summary>The real `socsim` built from src/SocSim.Cli (this project does not reference it, so it is built once per test run).</summary>
internal static class SocsimCli
{
    private static readonly Lazy<string> Dll = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    private static string Build()
    {
        string config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var (exit, o, e) = Tools.Run("dotnet", "dotnet-sdk", $"build {Path.Combine(Tools.Repo, "src", "SocSim.Cli")} -c {config} -v q -nologo", Tools.Repo, 600_000);
        Assert.True(exit == 0, o + e);
        return Path.Combine(Tools.Repo, "src", "SocSim.Cli", "bin", config, "net10.0", "socsim.dll");
    }

    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Tools.Repo };
        psi.ArgumentList.Add(Dll.Value);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(300_000)) { p.Kill(true); Assert.Fail("socsim " + string.Join(' ', args) + " timed out"); }
        return (p.ExitCode, so.Result, se.Result);
    }
}
