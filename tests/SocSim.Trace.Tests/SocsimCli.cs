using System.Diagnostics;
using SocSim.Tests;

namespace SocSim.Trace.Tests;

/// <summary>The real `socsim` built from src/SocSim.Cli by the solution build.</summary>
internal static class SocsimCli
{
    private static string Dll => SocsimProcess.BuiltDll;

    /// <summary>Starts socsim, sends it SIGINT (Ctrl-C) after <paramref name="delayMs"/>, and waits for it.</summary>
    public static (int Exit, string Out, string Err) RunAndInterrupt(int delayMs, params string[] args) => RunAndInterrupt(delayMs, null, args);

    /// <summary>
    /// As above, but the delay starts once <paramref name="waitForFile"/> exists (a file socsim creates after
    /// its Ctrl-C handler is installed), so that a slow start on a loaded machine is not interrupted too early.
    /// </summary>
    public static (int Exit, string Out, string Err) RunAndInterrupt(int delayMs, string? waitForFile, params string[] args)
    {
        using var p = SocsimProcess.Start(Dll, args);
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        var waited = Stopwatch.StartNew();
        while (waitForFile != null && !File.Exists(waitForFile) && !p.HasExited && waited.Elapsed < TimeSpan.FromSeconds(120)) Thread.Sleep(50);
        Thread.Sleep(delayMs);
        Assert.False(p.HasExited, "socsim ended before it was interrupted");
        using (var kill = Process.Start("kill", $"-INT {p.Id}")) kill.WaitForExit();
        if (!p.WaitForExit(60_000)) { p.Kill(true); Assert.Fail("socsim did not stop on SIGINT"); }
        return (p.ExitCode, so.Result, se.Result);
    }

    public static (int Exit, string Out, string Err) Run(params string[] args) => SocsimProcess.Run(Dll, args, timeoutMs: 300_000);
}
