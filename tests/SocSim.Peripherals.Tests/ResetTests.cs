using SocSim.Core;
using SocSim.Peripherals;

namespace SocSim.Peripherals.Tests;

/// <summary>nRESET brings every register back to its documented reset value and drops pending work.</summary>
public class ResetTests
{
    private static (Scheduler, ClockDomain) Clocks() => (new Scheduler(48_000_000, 1), new ClockDomain("clk", 24_000_000, 2));

    private static uint R(IBusDevice d, uint off) { bool a = false; return d.Read(0x1000_0000 + off, 4, AccessFlags.Privileged, ref a); }
    private static void W(IBusDevice d, uint off, uint v) { bool a = false; d.Write(0x1000_0000 + off, 4, v, AccessFlags.Privileged, ref a); }

    [Fact]
    public void Pl011ResetEmptiesTheFifosAndRestoresTheRegisters()
    {
        var (s, clk) = Clocks();
        var u = new Pl011Uart("uart", s, clk);
        var sent = new List<byte>();
        u.TxSink = sent.Add;
        W(u, 0x24, 13); W(u, 0x28, 1); W(u, 0x2C, 0x70); W(u, 0x38, 0x10); W(u, 0x30, 0x301);
        for (int i = 0; i < 5; i++) W(u, 0x00, 'a');
        Assert.True(u.TxFifoLevel > 0);
        u.Reset();
        Assert.Equal(0, u.TxFifoLevel);
        Assert.Equal(0x90u, R(u, 0x18));   // UARTFR: TXFE | RXFE
        Assert.Equal(0x300u, R(u, 0x30));  // UARTCR
        Assert.Equal(0x12u, R(u, 0x34));   // UARTIFLS
        Assert.Equal(0u, R(u, 0x24));
        Assert.Equal(0u, R(u, 0x2C));
        Assert.Equal(0u, R(u, 0x38));
        Assert.False(u.UartIntr.Level);
        s.Cycles = 1_000_000; s.RunDue();
        Assert.Empty(sent);                // the abandoned frame never completes
    }

    [Fact]
    public void Sp804ResetStopsTheCountersAndClearsTheInterrupt()
    {
        var (s, clk) = Clocks();
        var t = new Sp804Timer("timer", s, clk);
        W(t, 0x00, 10);
        W(t, 0x08, 0xE2);                  // enabled, periodic, interrupt enabled, 32-bit
        s.Cycles = 100; s.RunDue();
        Assert.True(t.TimIntC.Level);
        t.Reset();
        Assert.False(t.TimIntC.Level);
        Assert.Equal(0x20u, R(t, 0x08));   // TimerXControl reset value
        Assert.Equal(0u, R(t, 0x00));
        Assert.Equal(0xFFFFFFFFu, R(t, 0x04));
        s.Cycles = 10_000; s.RunDue();
        Assert.False(t.TimIntC.Level);     // disabled after reset: no further interrupt
    }

    [Fact]
    public void Pl190ResetClearsEnablesVectorsAndThePriorityStack()
    {
        var v = new Pl190Vic("vic");
        var src = new IrqLine("src");
        v.ConnectSource(4, src);
        W(v, 0x010, 1u << 4);              // VICIntEnable
        W(v, 0x100, 0x1234);               // VICVectAddr0
        W(v, 0x200, 0x20 | 4);             // VICVectCntl0: enabled, source 4
        src.Set(true);
        Assert.True(v.Irq.Level);
        Assert.Equal(0x1234u, R(v, 0x030)); // read VICVectAddr: slot 0 in service
        v.Reset();
        Assert.False(v.Irq.Level);
        Assert.Equal(0u, R(v, 0x010));
        Assert.Equal(0u, R(v, 0x100));
        Assert.Equal(1u << 4, R(v, 0x008)); // VICRawIntr still shows the wire, which is still high
        W(v, 0x010, 1u << 4);
        Assert.True(v.Irq.Level);          // no stale in-service level masks it
    }
}
