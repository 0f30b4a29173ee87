using SocSim.Core;
using static SocSim.Peripherals.Pl190Vic;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests;

public sealed class Pl190VicTests
{
    private readonly Pl190Vic _v = new("vic");

    private void Vector(int slot, int source, uint isr)
    {
        W(_v, VICVectAddr0 + 4u * (uint)slot, isr);
        W(_v, VICVectCntl0 + 4u * (uint)slot, VectCntlE | (uint)source);
    }

    [Fact]
    public void ResetValues()
    {
        foreach (uint off in new uint[] { VICIRQStatus, VICFIQStatus, VICRawIntr, VICIntSelect, VICIntEnable, VICSoftInt, VICProtection, VICDefVectAddr, VICITCR })
            Assert.Equal(0u, R(_v, off));
        for (uint i = 0; i < 16; i++)
        {
            Assert.Equal(0u, R(_v, VICVectAddr0 + 4 * i));
            Assert.Equal(0u, R(_v, VICVectCntl0 + 4 * i));
        }
        uint[] ids = [0x90, 0x11, 0x04, 0x00, 0x0D, 0xF0, 0x05, 0xB1];
        for (int i = 0; i < 8; i++) Assert.Equal(ids[i], R(_v, 0xFE0 + 4u * (uint)i));
        Assert.Equal(0u, R(_v, VICVectAddr)); // VICDefVectAddr
        Assert.False(_v.Irq.Level);
        Assert.False(_v.Fiq.Level);
    }

    [Fact]
    public void EnableSetAndClear()
    {
        _v.Input(3).Set(true);
        Assert.Equal(0x8u, R(_v, VICRawIntr));
        Assert.Equal(0u, R(_v, VICIRQStatus));
        Assert.False(_v.Irq.Level);
        W(_v, VICIntEnable, 0x8);
        W(_v, VICIntEnable, 0x0); // writing 0 does not disable
        Assert.Equal(0x8u, R(_v, VICIntEnable));
        Assert.Equal(0x8u, R(_v, VICIRQStatus));
        Assert.True(_v.Irq.Level);
        _v.Input(3).Set(false);
        Assert.False(_v.Irq.Level);
        _v.Input(3).Set(true);
        Assert.True(_v.Irq.Level);
        W(_v, VICIntEnClear, 0x8);
        Assert.Equal(0u, R(_v, VICIntEnable));
        Assert.Equal(0u, R(_v, VICIntEnClear)); // write-only
        Assert.False(_v.Irq.Level);
    }

    [Fact]
    public void FiqRoutingBySelect()
    {
        W(_v, VICIntSelect, 1u << 31);
        W(_v, VICIntEnable, 0xFFFFFFFF);
        _v.Input(31).Set(true);
        Assert.Equal(0x80000000u, R(_v, VICFIQStatus));
        Assert.Equal(0u, R(_v, VICIRQStatus));
        Assert.True(_v.Fiq.Level);
        Assert.False(_v.Irq.Level);
        W(_v, VICIntSelect, 0);
        Assert.False(_v.Fiq.Level);
        Assert.True(_v.Irq.Level);
    }

    [Fact]
    public void SoftwareInterrupts()
    {
        W(_v, VICSoftInt, 0x11);
        W(_v, VICSoftInt, 0x100);
        Assert.Equal(0x111u, R(_v, VICSoftInt));
        Assert.Equal(0x111u, R(_v, VICRawIntr));
        Assert.False(_v.Irq.Level);
        W(_v, VICIntEnable, 0x10);
        Assert.Equal(0x10u, R(_v, VICIRQStatus));
        Assert.True(_v.Irq.Level);
        W(_v, VICSoftIntClear, 0x10);
        Assert.Equal(0x101u, R(_v, VICSoftInt));
        Assert.False(_v.Irq.Level);
    }

    [Fact]
    public void ConnectSourceFollowsTheDeviceLine()
    {
        var line = new IrqLine("dev");
        line.Set(true);
        _v.ConnectSource(7, line);
        Assert.Equal(0x80u, R(_v, VICRawIntr));
        line.Set(false);
        Assert.Equal(0u, R(_v, VICRawIntr));
    }

    [Fact]
    public void VectoredPriorityOrder()
    {
        W(_v, VICDefVectAddr, 0xDEF0);
        Vector(0, 5, 0x1000);
        Vector(1, 3, 0x2000);
        W(_v, VICIntEnable, 0xFFFFFFFF);
        _v.Input(3).Set(true);
        _v.Input(5).Set(true);
        _v.Input(9).Set(true); // non-vectored
        Assert.Equal(0x1000u, R(_v, VICVectAddr));
        W(_v, VICVectAddr, 0); // done with slot 0 (source 5 still high: it would be taken again)
        _v.Input(5).Set(false);
        Assert.Equal(0x2000u, R(_v, VICVectAddr));
        W(_v, VICVectAddr, 0);
        _v.Input(3).Set(false);
        Assert.Equal(0xDEF0u, R(_v, VICVectAddr));
    }

    [Fact]
    public void HigherPriorityNestsLowerWaitsForVectAddrWrite()
    {
        Vector(0, 5, 0x1000);
        Vector(1, 3, 0x2000);
        Vector(2, 4, 0x3000);
        W(_v, VICIntEnable, 0xFFFFFFFF);

        _v.Input(3).Set(true);
        Assert.True(_v.Irq.Level);
        Assert.Equal(0x2000u, R(_v, VICVectAddr)); // slot 1 in service
        Assert.False(_v.Irq.Level);                // same level masked while in service
        Assert.Equal(0x8u, R(_v, VICIRQStatus));   // but still visible in the status

        _v.Input(4).Set(true);                     // lower priority (slot 2): waits
        Assert.False(_v.Irq.Level);

        _v.Input(5).Set(true);                     // higher priority (slot 0): nests
        Assert.True(_v.Irq.Level);
        Assert.Equal(0x1000u, R(_v, VICVectAddr));
        Assert.False(_v.Irq.Level);
        _v.Input(5).Set(false);
        W(_v, VICVectAddr, 0);                     // end of slot 0: back to slot 1 in service
        Assert.False(_v.Irq.Level);
        _v.Input(3).Set(false);
        W(_v, VICVectAddr, 0);                     // end of slot 1: slot 2 may now interrupt
        Assert.True(_v.Irq.Level);
        Assert.Equal(0x3000u, R(_v, VICVectAddr));
        _v.Input(4).Set(false);
        W(_v, VICVectAddr, 0);
        Assert.False(_v.Irq.Level);
        Assert.Equal(17, _v.CurrentPriority);
    }

    [Fact]
    public void NonVectoredUsesDefaultVectorAndIsPreemptedByVectored()
    {
        W(_v, VICDefVectAddr, 0xDEF0);
        Vector(15, 2, 0xF000);
        W(_v, VICIntEnable, 0xFFFFFFFF);
        _v.Input(20).Set(true);
        Assert.Equal(0xDEF0u, R(_v, VICVectAddr));
        Assert.False(_v.Irq.Level);
        _v.Input(21).Set(true);                    // another non-vectored: same level, waits
        Assert.False(_v.Irq.Level);
        _v.Input(2).Set(true);                     // even the lowest vectored slot preempts
        Assert.True(_v.Irq.Level);
        Assert.Equal(0xF000u, R(_v, VICVectAddr));
        W(_v, VICVectAddr, 0);
        _v.Input(2).Set(false);
        Assert.False(_v.Irq.Level);
        W(_v, VICVectAddr, 0);
        Assert.True(_v.Irq.Level);                 // sources 20 and 21 still active
    }

    [Fact]
    public void DisabledVectorSlotMakesSourceNonVectored()
    {
        W(_v, VICDefVectAddr, 0xDEF0);
        W(_v, VICVectAddr0, 0x1000);
        W(_v, VICVectCntl0, 5); // E clear
        Assert.Equal(5u, R(_v, VICVectCntl0));
        W(_v, VICIntEnable, 1u << 5);
        _v.Input(5).Set(true);
        Assert.Equal(0xDEF0u, R(_v, VICVectAddr));
    }

    [Fact]
    public void FiqIgnoresPriorityLogic()
    {
        Vector(0, 1, 0x1000);
        W(_v, VICIntSelect, 1u << 1);
        W(_v, VICIntEnable, 0x2);
        _v.Input(1).Set(true);
        Assert.True(_v.Fiq.Level);
        Assert.False(_v.Irq.Level);
        Assert.Equal(0u, R(_v, VICVectAddr)); // no IRQ pending: VICDefVectAddr (0)
        Assert.True(_v.Fiq.Level);
    }

    [Fact]
    public void ProtectionBlocksUserModeAccess()
    {
        const AccessFlags userRead = AccessFlags.None;
        const AccessFlags userWrite = AccessFlags.Write;
        W(_v, VICIntEnable, 0x3);
        W(_v, VICIntEnable, 0x4, flags: userWrite); // unprotected: user mode may write
        Assert.Equal(0x7u, R(_v, VICIntEnable, flags: userRead));
        W(_v, VICProtection, 1, flags: userWrite);   // VICProtection is privileged-only
        Assert.Equal(0u, R(_v, VICProtection));
        W(_v, VICProtection, 1);
        Assert.Equal(1u, R(_v, VICProtection));
        Assert.Equal(0u, R(_v, VICIntEnable, flags: userRead));
        W(_v, VICIntEnClear, 0x7, flags: userWrite);
        Assert.Equal(0x7u, R(_v, VICIntEnable));
        _v.ProtectionViolationAborts = true;
        bool abort = false;
        _v.Read(VICIntEnable, 4, userRead, ref abort);
        Assert.True(abort);
    }

    [Fact]
    public void IntegrationTestOutputs()
    {
        W(_v, VICIntEnable, 1);
        _v.Input(0).Set(true);
        Assert.Equal(ITOP1_I, R(_v, VICITOP1));
        W(_v, VICITCR, 1);
        W(_v, VICITOP1, ITOP1_F);
        Assert.True(_v.Fiq.Level);
        Assert.False(_v.Irq.Level);
        W(_v, VICITCR, 0);
        Assert.False(_v.Fiq.Level);
        Assert.True(_v.Irq.Level);
    }
}
