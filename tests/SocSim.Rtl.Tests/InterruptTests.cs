using SocSim.Arm;

namespace SocSim.Rtl.Tests;

public class InterruptTests
{
    // Vectors at 0 (b start; 0x18: b .), then: VICIntEnable = 1 << 20, IRQs on, r3 = waitblk, r4 = 1,
    // the raising store, three movs and b . (see ApbTimingTests for the encoding source).
    private static uint[] Program(uint raisingStore) =>
    [
        0xea00000e, 0, 0, 0, 0, 0, 0xeafffffe, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0xe3a00201, 0xe3800705, 0xe3a01601, 0xe5801010, 0xe10f2000, 0xe3c22080, 0xe121f002,
        0xe3a03201, 0xe3833601, 0xe3a04001, raisingStore, 0xe3a05001, 0xe3a06002, 0xe3a07003, 0xeafffffe,
    ];

    private const uint StoreToRtlIrq = 0xe5834014;   // str r4, [r3, #0x14]: waitblk IRQ register
    private const uint StoreToVicSoftInt = 0xe5801018; // str r1, [r0, #0x18]: VICSoftInt bit 20
    private const uint RaisingStoreAddress = 0x68;

    private static (long Cycle, long Instructions, uint ReturnAddress) RunToIrq(uint store)
    {
        using var m = RtlTestBoards.WithProgram("wait.json", Program(store));
        var stop = new StopAt(0x18);
        m.AddHook(stop);
        m.Run(10_000);
        Assert.True(stop.Cycle >= 0, "the IRQ vector was never reached");
        Assert.Equal(CpuMode.Irq, m.Cpu.Mode);
        return (stop.Cycle, stop.Instructions, m.Cpu.GetRegister(14));
    }

    [Fact]
    public void An_RTL_interrupt_is_taken_at_the_same_instruction_as_a_modelled_peripherals()
    {
        var rtl = RunToIrq(StoreToRtlIrq);
        var vic = RunToIrq(StoreToVicSoftInt);
        // Both are raised during the store's data access and taken at the boundary right after it:
        // the return address is the store's successor + 4 (LR_irq = next instruction + 4).
        Assert.Equal(RaisingStoreAddress + 8, vic.ReturnAddress);
        Assert.Equal(vic.ReturnAddress, rtl.ReturnAddress);
        Assert.Equal(vic.Instructions, rtl.Instructions);
        // The APB store costs the board's 2 wait states more than the VIC's (an AHB slave, 0 wait states).
        Assert.Equal(vic.Cycle + 2, rtl.Cycle);
    }
}
