namespace SocSim.Debug.Tests;

/// <summary>
/// gdb-multiarch against `socsim run --board mps2-an383 --gdb 0` (the Cortex-M0) with timer_irq_m0 (ARMv6-M): the
/// target description is the ARMv6-M one (r0-r12, sp, lr, pc, xpsr, and of the m-system registers msp, psp, primask
/// and control only: no basepri or faultmask, DDI 0419C B1.4), a breakpoint on the timer's handler stops there in
/// Handler mode (IPSR 24, LR an EXC_RETURN), and GDB steps one instruction.
/// </summary>
public sealed class Mps2M0GdbTests
{
    private const int Timeout = 180_000;

    private static string Elf => Path.Combine(Paths.RepoRoot, "tests", "assets", "cortex-m", "timer_irq_m0.elf");

    [Fact(Timeout = Timeout)]
    public async Task ReadsRegisters_BreaksOnTheHandler_Steps()
    {
        await Task.Yield();
        using var socsim = new SocsimProcess(Elf, "--board", "mps2-an383");
        var gdb = Gdb.Batch(Elf, socsim.Port, ["info registers", "break timer0_isr", "continue", "info registers xpsr lr",
            "stepi", "print/x $pc", "print/x $r2", "kill"]);
        int code = socsim.WaitForExit();
        var o = gdb.Output;
        // At reset: SP and PC from the vector table (the top of SSRAM1, reset_handler), Thread mode on the MSP.
        Assert.Matches(@"sp\s+0x400000\s", o);
        Assert.Matches(@"pc\s+0x27c\s+0x27c <reset_handler>", o);
        Assert.Matches(@"xpsr\s+0x1000000\s", o);
        Assert.Matches(@"msp\s+0x400000\s", o);
        Assert.Matches(@"primask\s+0x0\s", o);
        Assert.DoesNotContain("basepri", o);
        Assert.DoesNotContain("faultmask", o);
        // The handler: exception 24 (NVIC line 8), entered from Thread mode on the MSP (EXC_RETURN 0xFFFFFFF9).
        Assert.Contains("Breakpoint 1, timer0_isr ()", o);
        Assert.Matches(@"xpsr\s+0x[0-9a-f]*18\s", o);
        Assert.Matches(@"lr\s+0xfffffff9\s", o);
        Assert.Contains("$1 = 0x66", o);                         // MOVS r2, #1 executed: one 16-bit instruction on
        Assert.Contains("$2 = 0x1", o);
        Assert.Contains("[Inferior 1 (Remote target) killed]", o);
        Assert.Equal(126, code);
    }
}
