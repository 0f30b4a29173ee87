using SocSim.Tests;
using Xunit.Abstractions;

namespace SocSim.CortexM.Tests;

/// <summary>
/// The ordinary synchronous faults against QEMU: firmware/faults/faults.c built for the Cortex-M3, one ELF per scenario,
/// run on the mps2-an385 board and on qemu-system-arm -M mps2-an385. Each handler prints CFSR, HFSR, BFAR, the stacked
/// PC and xPSR; UART0's text must be QEMU's byte for byte, and the stacked PC must be the faulting instruction's
/// (B1.5.6: a synchronous fault stacks the address of the instruction that caused it; INVSTATE the BX target).
/// </summary>
public sealed class FaultFirmwareTests(ITestOutputHelper output)
{
    private static string Firmware => Path.Combine(RepoPaths.Root, "tests", "SocSim.CortexM.Tests", "firmware");

    [Theory]
    [InlineData(1, "usagefault\ncfsr 00010000\nhfsr 00000000\n")]                    // UNDEFINSTR
    [InlineData(2, "usagefault\ncfsr 02000000\nhfsr 00000000\n")]                    // DIVBYZERO
    [InlineData(3, "usagefault\ncfsr 01000000\nhfsr 00000000\n")]                    // UNALIGNED (UNALIGN_TRP)
    [InlineData(4, "busfault\ncfsr 00008200\nhfsr 00000000\nbfar 60000000\n")]       // PRECISERR + BFARVALID
    [InlineData(5, "hardfault\ncfsr 00008200\nhfsr 40000000\nbfar 60000000\n")]      // FORCED: BusFault disabled
    [InlineData(6, "usagefault\ncfsr 00020000\nhfsr 00000000\n")]                    // INVSTATE
    [InlineData(7, "hardfault\ncfsr 02000000\nhfsr 40000000\n")]                     // FORCED: UsageFault disabled
    [InlineData(8, "usagefault, then udf in it\nhardfault\ncfsr 00010000\nhfsr 40000000\n")]   // a fault in the UsageFault handler
    [InlineData(9, "usagefault\ncfsr 01000000\nhfsr 00000000\n")]                    // UNALIGNED: LDRD always traps
    public void TheFaultHandlerPrintsWhatQemuPrints(int scenario, string expected)
    {
        var (ours, qemu, stop) = ExternalTool.RunScenarioOnAn385(Path.Combine(Firmware, "faults", "faults.c"), Path.Combine(Firmware, "mpu", "mpu.ld"), scenario);
        output.WriteLine(ours);
        Assert.True(ours.Contains("fault test\n" + expected, StringComparison.Ordinal), $"{stop}: {ours}");
        Assert.DoesNotContain("no fault", ours);
        var lines = ours.Split('\n').Select(l => l.Split(' ')).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (scenario == 8) Assert.Equal("61000006", lines["xpsr"]);       // stacked by the UsageFault handler
        else Assert.Equal(lines["expected"], lines["pc"]);
        if (scenario == 6) Assert.Equal("60000000", lines["xpsr"]);       // EPSR.T clear, as the BX left it
        Assert.Equal(qemu, ours);
    }
}
