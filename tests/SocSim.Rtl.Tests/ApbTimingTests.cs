using SocSim.Rtl;

namespace SocSim.Rtl.Tests;

public class ApbTimingTests
{
    // mov r0, #0x10000000; orr r0, r0, #0x100000; mov r1, #WAITS; str r1, [r0, #4]; ldr r2, [r0, #8]; b .
    private static uint[] SlowRead(int waits) => [0xe3a00201, 0xe3800601, 0xe3a01000u | (uint)waits, 0xe5801004, 0xe5902008, 0xeafffffe];

    private static (long Cycles, long Stall) RunSlowRead(int waits)
    {
        using var m = RtlTestBoards.WithProgram("wait.json", SlowRead(waits));
        var dev = m.Device<RtlPeripheral>("waitblk");
        // Stop on the branch-to-self: 5 instructions done.
        while (m.Cpu.Instructions < 5) m.Run(m.Scheduler.Cycles + 1);
        return (m.Scheduler.Cycles, dev.LastStallCycles);
    }

    [Fact]
    public void Late_read_stalls_the_cpu_for_exactly_the_cycles_PREADY_is_low()
    {
        var (c0, s0) = RunSlowRead(0);
        Assert.Equal(0, s0);
        foreach (int w in new[] { 1, 5, 17 })
        {
            var (c, s) = RunSlowRead(w);
            Assert.Equal(w, s);
            Assert.Equal(c0 + w, c);
        }
    }
}
