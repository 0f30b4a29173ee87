using System.Diagnostics;

namespace SocSim.CortexM.Tests;

/// <summary>Runs a host tool (arm-none-eabi-gcc, qemu-system-arm) with stdin closed and returns its exit code and output; killed with a one-line error past its time-out.</summary>
internal static class ExternalTool
{
    public static (int Code, string Out, string Err) Run(string file, IEnumerable<string> args, int timeoutMs)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        p.StandardInput.Close();
        var err = p.StandardError.ReadToEndAsync();
        var outText = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs)) { p.Kill(true); throw new TimeoutException($"{file} did not finish in {timeoutMs / 1000} s"); }
        return (p.ExitCode, outText.Result, err.Result);
    }
}
