using SocSim.Arm;

namespace SocSim.Rtl.Tests;

public class BusErrorTests
{
    // mov r0, #0x10000000; orr r0, r0, #0x100000; ldr r2, [r0, #OFFSET]; b .   (abort vector 0x10: b . via the data words being 0)
    private static uint[] Load(uint offset) => [0xe3a00201, 0xe3800601, 0xe5902000u | offset, 0xeafffffe, 0xeafffffe];

    [Fact]
    public void PSLVERR_is_a_data_abort()
    {
        using var m = RtlTestBoards.WithProgram("wait.json", Load(0xC));
        var stop = new StopAt(0x10);
        m.AddHook(stop);
        m.Run(1000);
        Assert.True(stop.Cycle >= 0, "no data abort");
        Assert.Equal(CpuMode.Abort, m.Cpu.Mode);
    }

    [Fact]
    public void PSLVERR_can_be_ignored()
    {
        using var m = RtlTestBoards.WithProgram("wait.json", Load(0xC), ["peripherals.waitblk.parameters.ignorePslverr=true"]);
        var stop = new StopAt(0x10);
        m.AddHook(stop);
        m.Run(1000);
        Assert.Equal(-1, stop.Cycle);
        Assert.Equal(0xDEADBEEFu, m.Cpu.GetRegister(2));
    }

    [Fact]
    public void A_block_that_never_raises_PREADY_ends_the_access_with_a_bus_error_after_the_limit()
    {
        using var m = RtlTestBoards.WithProgram("wait.json", Load(0x10));
        var dev = m.Device<RtlPeripheral>("waitblk");
        var stop = new StopAt(0x10);
        m.AddHook(stop);
        m.Run(1000);
        Assert.True(stop.Cycle >= 0, "no data abort");
        // readyTimeout is 64 in tests/assets/rtl/wait.json: PREADY is sampled low at E0+2 ... E0+65 and the
        // transfer ends there with the error, 63 PCLK (= CPU) cycles after a zero-wait transfer would have.
        Assert.Equal(63, dev.LastStallCycles);
    }
}
