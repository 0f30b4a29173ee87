using SocSim.Core;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests;

/// <summary>
/// The CMSDK APB UART, APB timer and dual timer (DDI 0479C), and the MPS2 FPGA I/O and SCC blocks, on PCLK =
/// <see cref="Bench.UartClk"/> (2 ticks per cycle): reset values, IDs, the UART's frame timing from BAUDDIV,
/// its one-byte buffer and overrun, the timer's reload and 1-to-0 interrupt, the prescaled counter.
/// </summary>
public sealed class CmsdkTests
{
    private const long P = 2;   // ticks per PCLK cycle
    private readonly Bench _b = new();

    private CmsdkApbUart Uart(List<(long Tick, byte Data)> sent, bool instant = false)
    {
        var u = new CmsdkApbUart("uart0", _b.Scheduler, _b.UartClk) { InstantTx = instant };
        u.TxSink = d => sent.Add((_b.Scheduler.Now, d));
        return u;
    }

    [Fact]
    public void Uart_ResetValuesAndIds()
    {
        var u = Uart([]);
        foreach (uint off in new uint[] { CmsdkApbUart.DATA, CmsdkApbUart.STATE, CmsdkApbUart.CTRL, CmsdkApbUart.INTSTATUS, CmsdkApbUart.BAUDDIV })
            Assert.Equal(0u, R(u, off));
        uint[] ids = [0x04, 0, 0, 0, 0x21, 0xB8, 0x1B, 0, 0x0D, 0xF0, 0x05, 0xB1];
        for (int i = 0; i < ids.Length; i++) Assert.Equal(ids[i], R(u, 0xFD0 + 4u * (uint)i));
    }

    [Fact]
    public void Uart_AFrameIsTenBitsOfBauddivCycles_BehindAOneByteBuffer()
    {
        var sent = new List<(long, byte)>();
        var u = Uart(sent);
        W(u, CmsdkApbUart.BAUDDIV, 16);
        W(u, CmsdkApbUart.CTRL, CmsdkApbUart.TX_EN | CmsdkApbUart.TX_INTEN);
        W(u, CmsdkApbUart.DATA, 'A');
        Assert.Equal(CmsdkApbUart.TXFULL, R(u, CmsdkApbUart.STATE));
        // The byte moves to the shifter at the next PCLK edge: the buffer is free, the TX interrupt sets.
        _b.At(P);
        Assert.Equal(0u, R(u, CmsdkApbUart.STATE));
        Assert.True(u.TxInt.Level);
        Assert.True(u.UartInt.Level);
        W(u, CmsdkApbUart.INTSTATUS, CmsdkApbUart.INT_TX);
        Assert.False(u.TxInt.Level);
        W(u, CmsdkApbUart.DATA, 'B');            // waits in the buffer behind the shifter
        W(u, CmsdkApbUart.DATA, 'C');            // overruns: replaces it
        Assert.Equal(CmsdkApbUart.TXFULL | CmsdkApbUart.TXOVERRUN, R(u, CmsdkApbUart.STATE));
        _b.At(P + 160 * P - 1);
        Assert.Empty(sent);
        _b.At(P + 160 * P);                     // start bit, 8 data bits, stop bit: 10 x 16 cycles
        Assert.Equal([(P + 160 * P, (byte)'A')], sent);
        _b.At(P + 320 * P);
        Assert.Equal((byte)'C', sent[1].Item2);
        Assert.Equal(P + 320 * P, sent[1].Item1);
        // The overrun bit is write-one-to-clear, in STATE or INTSTATUS.
        W(u, CmsdkApbUart.STATE, CmsdkApbUart.TXOVERRUN);
        Assert.Equal(0u, R(u, CmsdkApbUart.STATE));
    }

    [Fact]
    public void Uart_OverrunInterrupts_FollowStateAndTheirEnables()
    {
        var u = Uart([]);
        W(u, CmsdkApbUart.BAUDDIV, 16);
        W(u, CmsdkApbUart.CTRL, CmsdkApbUart.TXO_INTEN);      // TX not enabled: the buffer never drains
        W(u, CmsdkApbUart.DATA, 1);
        Assert.False(u.TxOvrInt.Level);
        W(u, CmsdkApbUart.DATA, 2);
        Assert.True(u.TxOvrInt.Level);
        Assert.Equal(CmsdkApbUart.INT_TXO, R(u, CmsdkApbUart.INTSTATUS));
        W(u, CmsdkApbUart.INTSTATUS, CmsdkApbUart.INT_TXO);
        Assert.False(u.TxOvrInt.Level);
        Assert.Equal(CmsdkApbUart.TXFULL, R(u, CmsdkApbUart.STATE));
    }

    [Fact]
    public void Uart_ReceivesHostBytesOneFrameEach()
    {
        var u = Uart([]);
        W(u, CmsdkApbUart.BAUDDIV, 20);
        W(u, CmsdkApbUart.CTRL, CmsdkApbUart.RX_EN | CmsdkApbUart.RX_INTEN);
        u.EnqueueHostInput("hi"u8);
        _b.At(200 * P - 1);
        Assert.Equal(0u, R(u, CmsdkApbUart.STATE));
        _b.At(200 * P);
        Assert.Equal(CmsdkApbUart.RXFULL, R(u, CmsdkApbUart.STATE));
        Assert.True(u.RxInt.Level);
        Assert.Equal((uint)'h', R(u, CmsdkApbUart.DATA));
        Assert.Equal(0u, R(u, CmsdkApbUart.STATE));
        _b.At(400 * P);
        Assert.Equal((uint)'i', R(u, CmsdkApbUart.DATA));
    }

    [Fact]
    public void Uart_InstantTx_TransmitsAtTheWrite()
    {
        var sent = new List<(long, byte)>();
        var u = Uart(sent, instant: true);
        W(u, CmsdkApbUart.CTRL, CmsdkApbUart.TX_EN);
        W(u, CmsdkApbUart.DATA, 'x');
        W(u, CmsdkApbUart.DATA, 'y');
        Assert.Equal([(0L, (byte)'x'), (0L, (byte)'y')], sent);
        Assert.Equal(0u, R(u, CmsdkApbUart.STATE));
    }

    [Fact]
    public void Timer_CountsDownFromReload_InterruptsAt1To0_ThenReloads()
    {
        var t = new CmsdkApbTimer("timer0", _b.Scheduler, _b.UartClk);
        uint[] ids = [0x04, 0, 0, 0, 0x22, 0xB8, 0x1B, 0, 0x0D, 0xF0, 0x05, 0xB1];
        for (int i = 0; i < ids.Length; i++) Assert.Equal(ids[i], R(t, 0xFD0 + 4u * (uint)i));
        W(t, CmsdkApbTimer.RELOAD, 9);
        Assert.Equal(9u, R(t, CmsdkApbTimer.VALUE));     // writing RELOAD sets VALUE
        W(t, CmsdkApbTimer.CTRL, CmsdkApbTimer.EN | CmsdkApbTimer.IRQEN);
        _b.At(4 * P);
        Assert.Equal(5u, R(t, CmsdkApbTimer.VALUE));
        _b.At(9 * P - 1);
        Assert.False(t.TimerInt.Level);
        _b.At(9 * P);
        Assert.True(t.TimerInt.Level);
        Assert.Equal(0u, R(t, CmsdkApbTimer.VALUE));
        _b.At(10 * P);
        Assert.Equal(9u, R(t, CmsdkApbTimer.VALUE));      // held 0 for one cycle, then reloaded
        W(t, CmsdkApbTimer.INTSTATUS, 1);
        Assert.False(t.TimerInt.Level);
        _b.At(19 * P);                                   // period RELOAD + 1
        Assert.True(t.TimerInt.Level);
    }

    [Fact]
    public void Timer_ExtinGatesOrClocksTheCount()
    {
        var t = new CmsdkApbTimer("timer0", _b.Scheduler, _b.UartClk);
        var extin = new IrqLine("extin");
        CmsdkApbTimer.Type.ConnectInput(t, "EXTIN", extin);
        W(t, CmsdkApbTimer.RELOAD, 100);
        W(t, CmsdkApbTimer.CTRL, CmsdkApbTimer.EN | CmsdkApbTimer.SELEXTEN);
        _b.At(10 * P);
        Assert.Equal(100u, R(t, CmsdkApbTimer.VALUE));   // EXTIN low: no count
        extin.Set(true);
        _b.At(20 * P);
        Assert.Equal(90u, R(t, CmsdkApbTimer.VALUE));
        W(t, CmsdkApbTimer.CTRL, CmsdkApbTimer.EN | CmsdkApbTimer.SELEXTCLK);
        extin.Set(false);
        _b.At(30 * P);
        Assert.Equal(90u, R(t, CmsdkApbTimer.VALUE));
        extin.Set(true);                                 // one rising edge, one count
        Assert.Equal(89u, R(t, CmsdkApbTimer.VALUE));
    }

    [Fact]
    public void DualTimer_IsTheSp804WithTheCmsdkIds()
    {
        var d = (Sp804Timer)CmsdkDualTimer.Type.Create(new SocSim.Core.Devices.DeviceContext
        {
            Name = "dualtimer", Scheduler = _b.Scheduler, Clock = _b.UartClk, Parameters = new Dictionary<string, object>(),
        });
        uint[] ids = [0x23, 0xB8, 0x1B, 0x00, 0x0D, 0xF0, 0x05, 0xB1];
        for (int i = 0; i < ids.Length; i++) Assert.Equal(ids[i], R(d, 0xFE0 + 4u * (uint)i));
        Assert.Equal(0xFFFF_FFFFu, R(d, Sp804Timer.TimerXValue));
    }

    [Fact]
    public void FpgaIo_LedsCountersAndPrescaler()
    {
        var f = new Mps2FpgaIo("fpgaio", _b.Scheduler, _b.UartClk);
        W(f, Mps2FpgaIo.LED0, 0xFF);
        Assert.Equal(3u, R(f, Mps2FpgaIo.LED0));
        Assert.True(f.Led0.Level);
        Assert.True(f.Led1.Level);
        W(f, Mps2FpgaIo.PRESCALE, 4);
        W(f, Mps2FpgaIo.PSCNTR, 2);
        _b.At(2 * P);
        Assert.Equal(0u, R(f, Mps2FpgaIo.PSCNTR));
        Assert.Equal(0u, R(f, Mps2FpgaIo.COUNTER));
        _b.At(3 * P);                                    // reload from PRESCALE, COUNTER + 1
        Assert.Equal(4u, R(f, Mps2FpgaIo.PSCNTR));
        Assert.Equal(1u, R(f, Mps2FpgaIo.COUNTER));
        _b.At(3 * P + 5 * P * 10);                       // every PRESCALE + 1 cycles
        Assert.Equal(11u, R(f, Mps2FpgaIo.COUNTER));
        _b.At(TicksPerSecond * 3 / 2);
        Assert.Equal(1u, R(f, Mps2FpgaIo.CLK1HZ));
        Assert.Equal(150u, R(f, Mps2FpgaIo.CLK100HZ));
    }

    [Fact]
    public void Scc_IdsConfigurationAndMccRequests()
    {
        var warnings = new List<string>();
        var s = new Mps2Scc("scc", 0x4104_3850, 0x0020_0008, 2, warnings.Add);
        Assert.Equal(0x4104_3850u, R(s, Mps2Scc.ID));
        Assert.Equal(0x0020_0008u, R(s, Mps2Scc.AID));
        Assert.Equal(2u, R(s, Mps2Scc.CFG_REG4));
        Assert.Equal(Mps2Scc.DllLocked, R(s, Mps2Scc.DLL));
        W(s, Mps2Scc.CFG_REG0 + 4, 0x5A);
        Assert.Equal(0x5Au, R(s, Mps2Scc.CFG_REG0 + 4));
        W(s, Mps2Scc.SYS_CFGCTRL, 0xC010_0000);
        Assert.Equal(1u, R(s, Mps2Scc.SYS_CFGSTAT));
        Assert.Single(warnings);
        Assert.Contains("SYS_CFGCTRL function 1", warnings[0]);
    }
}
