using SocSim.Tests;
using System.Diagnostics;
using SocSim.Core.Signals;
using SocSim.Trace.Signals;
using SocSim.Trace.Vcd;

namespace SocSim.Trace.Tests;

/// <summary>External programs the tests drive. A missing tool fails the test and names its Debian package.</summary>
internal static class Tools
{
    public static string Repo => RepoPaths.Root;

    public static string Firmware(string name) => Path.Combine(Repo, "firmware", "elf", name);
    public static string Board => Path.Combine(Repo, "boards", "versatilepb.json");

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "socsim-trace-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>Runs a program; fails (not skips) when it is not installed.</summary>
    public static (int Exit, string Out, string Err) Run(string program, string debianPackage, string args, string? cwd = null, int timeoutMs = Deadline.Ms)
    {
        if (!OnPath(program)) Assert.Fail($"'{program}' is not installed: apt-get install -y {debianPackage}");
        var psi = new ProcessStartInfo(program, args)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = cwd ?? Environment.CurrentDirectory,
        };
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs)) { p.Kill(true); Assert.Fail($"{program} {args} timed out"); }
        return (p.ExitCode, so.Result, se.Result);
    }

    public static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, program)));

    /// <summary>Runs firmware on the default board with a VCD of the signals matching <paramref name="globs"/>.</summary>
    public static (Machine Machine, RunResult Result, string Console) RunWithVcd(string elf, string vcd, string[]? globs, bool mclk = false,
        long maxCycles = 5_000_000, long fromTick = 0, long toTick = long.MaxValue, long? unitFs = null)
    {
        var console = new MemoryStream();
        var m = Machine.Create([Board], null, new MachineOptions { Console = console });
        m.LoadElf(Firmware(elf));
        var sig = new MachineSignals(m, new MachineSignalsOptions { Mclk = mclk });
        Assert.True(sig.Registry.Filter(globs) > 0);
        RunResult r;
        using (var w = new VcdWriter(new StreamWriter(vcd), sig.Registry, new VcdWriterOptions
        {
            Now = () => m.Scheduler.Now, ReorderTicks = 1_000_000, FromTick = fromTick, ToTick = toTick, UnitFs = unitFs,
        }))
        {
            sig.Attach();
            r = m.Run(maxCycles);
            sig.Detach();
            w.Close(m.Scheduler.Now);
        }
        return (m, r, m.UartOutput("uart0"));
    }
}
