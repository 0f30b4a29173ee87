using System.Diagnostics;

namespace SocSim.Debug.Tests;

/// <summary>
/// gdb-multiarch against the Cortex-M4F of mps2-an386 (issue 18 section 4): the target description carries
/// org.gnu.gdb.arm.vfp (d0-d15, fpscr), so GDB shows s0-s31 over the d registers, reads and writes them.
/// The firmware is tests/SocSim.CortexM.Tests/firmware/fpu, built here with arm-none-eabi-gcc.
/// </summary>
public sealed class Mps2FpuGdbTests
{
    private const int Timeout = 180_000;

    private static string BuildFirmware(string dir)
    {
        string src = Path.Combine(Paths.RepoRoot, "tests", "SocSim.CortexM.Tests", "firmware", "fpu");
        string elf = Path.Combine(dir, "fpu.elf");
        var psi = new ProcessStartInfo("arm-none-eabi-gcc") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-mfp16-format=ieee", "-O2", "-g",
                     "-fno-math-errno", "-ffreestanding", "-nostdlib", "-T", Path.Combine(src, "fpu.ld"), Path.Combine(src, "fpu.c"), "-o", elf })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err);
        return elf;
    }

    [Fact(Timeout = Timeout)]
    public async Task ReadsAndWritesTheSRegisters()
    {
        await Task.Yield();
        string dir = Path.Combine(Path.GetTempPath(), $"socsim-fpu-gdb-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            string elf = BuildFirmware(dir);
            using var socsim = new SocsimProcess(elf, "--board", "mps2-an386");
            var gdb = Gdb.Batch(elf, socsim.Port, ["break isr_work", "continue", "set $s5 = 2.5", "p $s5", "p/x $d2", "p/x $fpscr",
                "set $fpscr = 0x00c00000", "p/x $fpscr", "info registers s5", "kill"]);
            socsim.WaitForExit();
            var o = gdb.Output;
            Assert.Contains("Breakpoint 1, isr_work", o);
            Assert.Contains("$1 = 2.5", o);
            Assert.Matches(@"\$2 = 0x40200000[0-9a-f]{8}", o);          // s5 is d2's upper half
            Assert.Contains("$4 = 0xc00000", o);
            Assert.Matches(@"s5\s+2\.5\s", o);
        }
        finally { Directory.Delete(dir, true); }
    }
}
