using System.Diagnostics;
using SocSim.Boards;
using SocSim.Tests;
using Xunit.Abstractions;

namespace SocSim.CortexM.Tests;

/// <summary>
/// firmware/fpu/fpu.c built with arm-none-eabi-gcc for the Cortex-M4F (hard float, fpv4-sp-d16) and run on the
/// mps2-an386 board and on qemu-system-arm -M mps2-an386: a float loop interrupted by timer 0, whose handler
/// computes in floats (lazy stacking: FPCCR.LSPACT set at its entry, EXC_RETURN 0xFFFFFFE9), the rounding modes,
/// flush to zero, overflow, half precision and conversions; UART0's text must be QEMU's, byte for byte.
/// </summary>
public sealed class FpuFirmwareTests(ITestOutputHelper output)
{
    private static string Source => Path.Combine(RepoPaths.Root, "tests", "SocSim.CortexM.Tests", "firmware", "fpu");

    private static string Build(string dir)
    {
        string elf = Path.Combine(dir, "fpu.elf");
        var r = ExternalTool.Run("arm-none-eabi-gcc", ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-mfp16-format=ieee", "-O2",
            "-fno-math-errno", "-ffreestanding", "-nostdlib", "-T", Path.Combine(Source, "fpu.ld"), Path.Combine(Source, "fpu.c"), "-o", elf], Deadline.Ms);
        Assert.True(r.Code == 0, r.Err);
        return elf;
    }

    [Fact]
    public void FloatFirmwareWithAnFpInterruptHandler_PrintsWhatQemuPrints()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"socsim-fpu-fw-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            string elf = Build(dir);
            using var m = Machine.Create([Path.Combine(RepoPaths.Root, "boards", "mps2-an386.json")]);
            m.LoadElf(elf);
            var cpu = (CortexMCpu)m.Core;
            int lazyEntries = 0;
            cpu.ExceptionEntered += _ => { if ((cpu.Fpccr & CortexMCpu.FpccrLspact) != 0) lazyEntries++; };
            var run = m.Run(50_000_000);
            string ours = m.UartOutput("uart0");
            output.WriteLine(ours);
            Assert.True(ours.EndsWith("done\n", StringComparison.Ordinal), $"{run.Reason} {run.Fault}: {ours}");
            Assert.Contains("lspact 00000001\nexcret ffffffe9\n", ours);
            // The timer interrupted the float loop itself on this board (it runs 0.3 ms at 25 MHz): lazily.
            Assert.True(lazyEntries >= 10, $"{lazyEntries} entries with a lazy preservation pending");

            Assert.Equal(ExternalTool.RunQemu("mps2-an386", elf), ours);
        }
        finally { Directory.Delete(dir, true); }
    }
}
