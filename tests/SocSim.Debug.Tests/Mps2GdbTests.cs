namespace SocSim.Debug.Tests;

/// <summary>
/// gdb-multiarch against `socsim run --board mps2-an385 --gdb 0` with FreeRTOS's MPS2 blinky: the target
/// description is the M-profile one (r0-r12, sp, lr, pc, xpsr and the m-system registers), a breakpoint on a
/// task function stops there, and GDB steps by instruction and by line.
/// </summary>
public sealed class Mps2GdbTests
{
    private const int Timeout = 180_000;

    private static string Blinky => Path.GetFullPath(Path.Combine(Paths.RepoRoot, "..", "shared", "cortex-m", "freertos-mps2", "elf", "RTOSDemo-blinky.elf"));

    [Fact(Timeout = Timeout)]
    public async Task ReadsRegisters_BreaksOnATask_Steps()
    {
        await Task.Yield();
        using var socsim = new SocsimProcess(Blinky, "--board", "mps2-an385", "--board", "overrides/mps2-qemu-uart");
        var gdb = Gdb.Batch(Blinky, socsim.Port, ["info registers", "break prvQueueReceiveTask", "continue", "stepi", "print/x $pc", "next",
            "info registers control psp", "kill"]);
        int code = socsim.WaitForExit();
        var o = gdb.Output;
        // At reset: SP and PC from the vector table, Thread mode on the MSP.
        Assert.Matches(@"sp\s+0x20400000\s", o);
        Assert.Matches(@"pc\s+0x3118\s+0x3118 <Reset_Handler>", o);
        Assert.Matches(@"xpsr\s+0x1000000\s", o);
        Assert.Matches(@"msp\s+0x20400000\s", o);
        Assert.Matches(@"basepri\s+0x0\s", o);
        Assert.Contains("Breakpoint 1, prvQueueReceiveTask (pvParameters=0x0 <isr_vector>) at ./../../../../Demo/CORTEX_MPS2_QEMU_IAR_GCC/main_blinky.c:214", o);
        Assert.Contains("$1 = 0x2e92", o);                       // one Thumb instruction on from 0x2e90
        Assert.Contains("226\tin ./../../../../Demo/CORTEX_MPS2_QEMU_IAR_GCC/main_blinky.c", o);
        // The task runs in Thread mode on the PSP (CONTROL.SPSEL), as FreeRTOS starts its tasks.
        Assert.Matches(@"control\s+0x2\s", o);
        Assert.Matches(@"psp\s+0x2000[0-9a-f]{4}\s", o);
        Assert.Contains("[Inferior 1 (Remote target) killed]", o);
        Assert.Equal(126, code);
    }
}
