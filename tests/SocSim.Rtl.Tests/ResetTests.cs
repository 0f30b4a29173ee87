namespace SocSim.Rtl.Tests;

public class ResetTests
{
    [Fact]
    public void The_RTL_sees_reset_with_the_SoC()
    {
        // mov r0, #0x10000000; orr r0, r0, #0x100000; mov r4, #1; str r4, [r0, #0x14] (IRQ register); b .
        using var m = RtlTestBoards.WithProgram("wait.json", [0xe3a00201, 0xe3800601, 0xe3a04001, 0xe5804014, 0xeafffffe]);
        var irq = m.Device<RtlPeripheral>("waitblk").Output("IRQ");
        m.Run(200);
        Assert.True(irq.Level);
        m.Reset();
        Assert.False(irq.Level);
        m.Run(m.Scheduler.Cycles + 200);
        Assert.True(irq.Level);
    }
}
