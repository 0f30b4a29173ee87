using SocSim.Tests;

namespace SocSim.Trace.Tests;

/// <summary>The real `socsim` built from src/SocSim.Cli by the solution build.</summary>
internal static class SocsimCli
{
    private static string Dll => SocsimProcess.BuiltDll;

    /// <summary>
    /// Starts socsim, sends it SIGINT (Ctrl-C) once its stdout holds <paramref name="stdoutText"/> (what
    /// the test needs to have happened, never a delay: a fast or a slow host gets there alike), and waits
    /// for it to end.
    /// </summary>
    public static (int Exit, string Out, string Err) RunAndInterruptAfter(string stdoutText, params string[] args)
    {
        using var p = SocsimProcess.Start(Dll, args);
        var so = new SocsimProcess.Reader(p.StandardOutput);
        var se = new SocsimProcess.Reader(p.StandardError);
        Assert.True(so.WaitFor(t => t.Contains(stdoutText), TimeSpan.FromMilliseconds(Deadline.Ms)), $"socsim never printed '{stdoutText}': {so.Text}{se.Text}");
        Assert.False(p.HasExited, "socsim ended before it was interrupted");
        using (var kill = System.Diagnostics.Process.Start("kill", $"-INT {p.Id}")) kill.WaitForExit();
        if (!p.WaitForExit(Deadline.Ms)) { p.Kill(true); Assert.Fail("socsim did not stop on SIGINT"); }
        Task.WaitAll(so.Done, se.Done);
        return (p.ExitCode, so.Text, se.Text);
    }

    public static (int Exit, string Out, string Err) Run(params string[] args) => SocsimProcess.Run(Dll, args, timeoutMs: Deadline.Ms);
}
