using System.Diagnostics;
using SocSim.Boards;
using SocSim.Tests;

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

    /// <summary>UART0's text of an ELF run by qemu-system-arm on <paramref name="qemuMachine"/> (semihosting exits it).</summary>
    public static string RunQemu(string qemuMachine, string elf)
    {
        var q = Run("qemu-system-arm", ["-M", qemuMachine, "-nographic", "-monitor", "none", "-serial", "stdio", "-kernel", elf,
            "-semihosting-config", "enable=on,target=native"], Deadline.Ms);
        Assert.True(q.Code == 0, q.Err);
        return q.Out.Replace("\r\n", "\n");
    }

    /// <summary>
    /// One scenario of a Cortex-M3 test firmware (C source built with -DSCENARIO=n) run on the mps2-an385 board and on
    /// QEMU's: UART0's text of each, and how our run stopped.
    /// </summary>
    public static (string Ours, string Qemu, string Stop) RunScenarioOnAn385(string source, string linkerScript, int scenario)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"socsim-{Path.GetFileNameWithoutExtension(source)}-fw-{Environment.ProcessId}-{scenario}");
        Directory.CreateDirectory(dir);
        try
        {
            string elf = Path.Combine(dir, "fw.elf");
            var b = Run("arm-none-eabi-gcc", ["-mcpu=cortex-m3", "-mthumb", "-O2", "-ffreestanding", "-nostdlib", $"-DSCENARIO={scenario}",
                "-T", linkerScript, source, "-o", elf], Deadline.Ms);
            Assert.True(b.Code == 0, b.Err);
            using var m = Machine.Create([Path.Combine(RepoPaths.Root, "boards", "mps2-an385.json")]);
            m.LoadElf(elf);
            var run = m.Run(10_000_000);
            return (m.UartOutput("uart0"), RunQemu("mps2-an385", elf), $"{run.Reason} {run.Fault}");
        }
        finally { Directory.Delete(dir, true); }
    }
}
