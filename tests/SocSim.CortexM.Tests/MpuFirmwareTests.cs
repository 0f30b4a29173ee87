using System.Diagnostics;
using SocSim.Boards;
using SocSim.Tests;
using Xunit.Abstractions;

namespace SocSim.CortexM.Tests;

/// <summary>
/// firmware/mpu/mpu.c built with arm-none-eabi-gcc for the Cortex-M3, one ELF per scenario, run on the
/// mps2-an385 board and on qemu-system-arm -M mps2-an385 (whose v7m_stack_write/v7m_stack_read raise
/// MSTKERR/MUNSTKERR): the MPU refusing an unprivileged exception frame (MemManage, and HardFault FORCED with
/// MemManage disabled), refusing the unstacking to unprivileged Thread mode, and LDRT from privileged code.
/// UART0's text (CFSR, HFSR, MMFAR, IPSR, SHCSR with SVCall still pending) must be QEMU's, byte for byte.
/// </summary>
public sealed class MpuFirmwareTests(ITestOutputHelper output)
{
    private static string Source => Path.Combine(RepoPaths.Root, "tests", "SocSim.CortexM.Tests", "firmware", "mpu");

    [Theory]
    [InlineData(1, "memmanage\ncfsr 00000010\n")]       // MSTKERR
    [InlineData(2, "hardfault\ncfsr 00000010\nhfsr 40000000\n")]
    [InlineData(3, "memmanage\ncfsr 00000008\n")]       // MUNSTKERR
    [InlineData(4, "memmanage\ncfsr 00000082\nhfsr 00000000\nmmfar 20001004\n")]     // LDRT: DACCVIOL, MMARVALID
    public void TheFaultHandlerPrintsWhatQemuPrints(int scenario, string expected)
    {
        var (ours, qemu, stop) = ExternalTool.RunScenarioOnAn385(Path.Combine(Source, "mpu.c"), Path.Combine(Source, "mpu.ld"), scenario);
        output.WriteLine(ours);
        Assert.True(ours.Contains(expected, StringComparison.Ordinal), $"{stop}: {ours}");
        Assert.Equal(qemu, ours);
    }
}
