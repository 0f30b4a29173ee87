using SocSim.Core;

namespace SocSim.Peripherals.Tests;

/// <summary>The three devices on a real <see cref="Bus"/> at Versatile-like addresses, wired to the VIC.</summary>
public sealed class IntegrationTests : IDisposable
{
    private const uint VicBase = 0x1014_0000, TimerBase = 0x101E_2000, UartBase = 0x101F_1000;
    private const AccessFlags Priv = AccessFlags.Privileged;
    private readonly Bench _b = new();
    private readonly Bus _bus;
    private readonly Pl190Vic _vic = new("vic");
    private readonly Sp804Timer _timer;
    private readonly Pl011Uart _uart;

    public IntegrationTests()
    {
        _bus = new Bus(_b.Scheduler);
        _timer = new Sp804Timer("timer01", _b.Scheduler, _b.TimClk);
        _uart = new Pl011Uart("uart0", _b.Scheduler, _b.UartClk);
        _bus.AddDevice("vic", VicBase, 0x1000, _vic, WaitStates.Zero);
        _bus.AddDevice("timer01", TimerBase, 0x1000, _timer, WaitStates.Zero);
        _bus.AddDevice("uart0", UartBase, 0x1000, _uart, WaitStates.Zero);
        _vic.ConnectSource(4, _timer.TimIntC);
        _vic.ConnectSource(12, _uart.UartIntr);
    }

    public void Dispose() => _bus.Dispose();

    [Fact]
    public void TimerAndUartInterruptsReachTheVicAtTheirTicks()
    {
        _bus.Write32(VicBase + Pl190Vic.VICVectAddr0, 0x100, Priv | AccessFlags.Write);
        _bus.Write32(VicBase + Pl190Vic.VICVectCntl0, Pl190Vic.VectCntlE | 4, Priv | AccessFlags.Write);
        _bus.Write32(VicBase + Pl190Vic.VICVectAddr0 + 4, 0x200, Priv | AccessFlags.Write);
        _bus.Write32(VicBase + Pl190Vic.VICVectCntl0 + 4, Pl190Vic.VectCntlE | 12, Priv | AccessFlags.Write);
        _bus.Write32(VicBase + Pl190Vic.VICIntEnable, (1u << 4) | (1u << 12), Priv | AccessFlags.Write);

        long t0 = _b.Scheduler.Now; // each write above cost one cycle
        Assert.Equal(5, t0);
        _bus.Write32(TimerBase + Sp804Timer.TimerXLoad, 99, Priv | AccessFlags.Write);
        _bus.Write32(TimerBase + Sp804Timer.TimerXControl, 0xE2, Priv | AccessFlags.Write);
        Assert.Equal(0xF0u, _bus.Read8(TimerBase + 0xFF4, Priv)); // TimerPCellID1

        // Load written at tick 5: loaded at TIMCLK edge 1 (tick 48), zero 99 edges later at edge 100.
        _b.At(100 * 48 - 1);
        Assert.False(_vic.Irq.Level);
        _b.At(100 * 48);
        Assert.True(_vic.Irq.Level);
        Assert.Equal(0x100u, _bus.Read32(VicBase + Pl190Vic.VICVectAddr, Priv));
        Assert.False(_vic.Irq.Level);

        // While the timer ISR runs, the UART (lower priority) finishes a character and waits.
        _bus.Write32(UartBase + Pl011Uart.UARTIBRD, 13, Priv | AccessFlags.Write);
        _bus.Write32(UartBase + Pl011Uart.UARTFBRD, 1, Priv | AccessFlags.Write);
        _bus.Write32(UartBase + Pl011Uart.UARTLCR_H, 0x60, Priv | AccessFlags.Write);
        _bus.Write32(UartBase + Pl011Uart.UARTCR, 0x301, Priv | AccessFlags.Write);
        _bus.Write32(UartBase + Pl011Uart.UARTIMSC, Pl011Uart.RXI, Priv | AccessFlags.Write);
        _uart.EnqueueHostInput("!"u8);
        long rxStart = _b.Scheduler.Now;
        _b.At(rxStart + 4164 + 1);
        Assert.True(_uart.UartIntr.Level);
        Assert.False(_vic.Irq.Level);
        _bus.Write32(TimerBase + Sp804Timer.TimerXIntClr, 0, Priv | AccessFlags.Write);
        _bus.Write32(VicBase + Pl190Vic.VICVectAddr, 0, Priv | AccessFlags.Write);
        Assert.True(_vic.Irq.Level);
        Assert.Equal(0x200u, _bus.Read32(VicBase + Pl190Vic.VICVectAddr, Priv));
        Assert.Equal((uint)'!', _bus.Read8(UartBase + Pl011Uart.UARTDR, Priv));
        _bus.Write32(VicBase + Pl190Vic.VICVectAddr, 0, Priv | AccessFlags.Write);
        Assert.False(_vic.Irq.Level);
        Assert.False(_bus.Aborted);
    }
}
