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

    /// <summary>Starts socsim, sends it SIGINT (Ctrl-C) after <paramref name="delayMs"/>, and waits for it.</summary>
    public static (int Exit, string Out, string Err) RunAndInterrupt(int delayMs, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = Tools.Repo };
        psi.ArgumentList.Add(Dll.Value);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        Thread.Sleep(delayMs);
        Assert.False(p.HasExited, "socsim ended before it was interrupted");
        using (var kill = Process.Start("kill", $"-INT {p.Id}")) kill.WaitForExit();
        if (!p.WaitForExit(60_000)) { p.Kill(true); Assert.Fail("socsim did not stop on SIGINT"); }
        return (p.ExitCode, so.Result, se.Result);
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
