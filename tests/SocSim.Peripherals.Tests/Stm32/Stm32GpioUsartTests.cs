using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Peripherals.Stm32;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests.Stm32;

public sealed class Stm32GpioTests
{
    private readonly List<string> _warnings = new();
    private readonly Stm32Gpio _g;

    public Stm32GpioTests() => _g = (Stm32Gpio)Stm32Gpio.Type.Create(new DeviceContext
    {
        Name = "gpioc",
        Scheduler = new Scheduler(8_000_000, 1),
        Clock = new ClockDomain("PCLK2", 8_000_000, 1),
        Parameters = new Dictionary<string, object> { ["port"] = "C" },
        Warn = _warnings.Add,
    });

    [Fact]
    public void DeclarationNamesEveryPad()
    {
        var p = new Dictionary<string, object> { ["port"] = "C" };
        Assert.Equal(Enumerable.Range(0, 16).Select(n => $"PC{n}"), Stm32Gpio.Type.OutputsOf(p));
        Assert.Contains("AF_PC12", Stm32Gpio.Type.InputsOf(p));
        Assert.Same(_g.Pad(12), Stm32Gpio.Type.Output(_g, "PC12"));
        Assert.Throws<ArgumentException>(() => Stm32Gpio.Type.Output(_g, "PC16"));
    }

    /// <summary>RM0008 §9.2: CRL/CRH reset 0x44444444 (floating inputs), ODR 0; an undriven floating input reads 1 (the model's pull-up choice).</summary>
    [Fact]
    public void ResetValues()
    {
        Assert.Equal(0x4444_4444u, R(_g, Stm32Gpio.CRL));
        Assert.Equal(0x4444_4444u, R(_g, Stm32Gpio.CRH));
        Assert.Equal(0u, R(_g, Stm32Gpio.ODR));
        Assert.Equal(0xFFFFu, R(_g, Stm32Gpio.IDR));
    }

    /// <summary>miniblink's gpio_set_mode(GPIOC, 2 MHz, push-pull, PC8) then gpio_toggle: BSRR 0x100 sets, 0x01000000 resets.</summary>
    [Fact]
    public void PushPullOutputFollowsBsrrAndBrr()
    {
        var levels = new List<bool>();
        _g.Pad(8).Subscribe(levels.Add);
        W(_g, Stm32Gpio.CRH, 0x4444_4442);
        Assert.False(_g.Pad(8).Level);
        W(_g, Stm32Gpio.BSRR, 0x0000_0100);
        Assert.True(_g.Pad(8).Level);
        Assert.Equal(0x100u, R(_g, Stm32Gpio.ODR));
        W(_g, Stm32Gpio.BSRR, 0x0100_0000);
        Assert.False(_g.Pad(8).Level);
        W(_g, Stm32Gpio.BSRR, 0x0100_0100);    // set wins (§9.2.5)
        Assert.True(_g.Pad(8).Level);
        W(_g, Stm32Gpio.BRR, 0x100);
        Assert.False(_g.Pad(8).Level);
        Assert.Equal([false, true, false, true, false], levels);
    }

    /// <summary>Table 20: input pull-up/-down by ODR; open-drain releases to the external level; alternate function follows the peripheral; analog reads 0.</summary>
    [Fact]
    public void ModesAndExternalDrivers()
    {
        var ext = new IrqLine("ext");
        Stm32Gpio.Type.ConnectInput(_g, "PC0", ext);
        var af = new IrqLine("af");
        Stm32Gpio.Type.ConnectInput(_g, "AF_PC1", af);
        W(_g, Stm32Gpio.CRL, 0x4444_44B8);     // PC0 input pull, PC1 AF push-pull 50 MHz
        Assert.Equal(0u, R(_g, Stm32Gpio.IDR) & 1);
        ext.Set(true);
        Assert.Equal(1u, R(_g, Stm32Gpio.IDR) & 1);
        Assert.False(_g.Pad(1).Level);
        af.Set(true);
        Assert.True(_g.Pad(1).Level);
        W(_g, Stm32Gpio.CRL, 0x4444_4406);     // PC0 GP open-drain 10 MHz (ODR 0: low), PC1 analog
        Assert.False(_g.Pad(0).Level);
        W(_g, Stm32Gpio.ODR, 1);               // released: the external level
        Assert.True(_g.Pad(0).Level);
        ext.Set(false);
        Assert.False(_g.Pad(0).Level);
        Assert.Equal(0u, R(_g, Stm32Gpio.IDR) & 2);
    }

    /// <summary>§9.2.7: the lock sequence freezes the locked pins' configuration until reset.</summary>
    [Fact]
    public void LockSequence()
    {
        W(_g, Stm32Gpio.LCKR, Stm32Gpio.LCKK | 1);
        W(_g, Stm32Gpio.LCKR, 1);
        W(_g, Stm32Gpio.LCKR, Stm32Gpio.LCKK | 1);
        Assert.Equal(0u, R(_g, Stm32Gpio.LCKR) & Stm32Gpio.LCKK);
        Assert.Equal(Stm32Gpio.LCKK, R(_g, Stm32Gpio.LCKR) & Stm32Gpio.LCKK);
        W(_g, Stm32Gpio.CRL, 0x3333_3333);
        Assert.Equal(0x3333_3334u, R(_g, Stm32Gpio.CRL));
        _g.Reset();
        W(_g, Stm32Gpio.CRL, 0x3333_3333);
        Assert.Equal(0x3333_3333u, R(_g, Stm32Gpio.CRL));
    }
}

/// <summary>USART at PCLK2 = 72 MHz on a 72 MHz time base (1 tick per PCLK cycle).</summary>
public sealed class Stm32UsartTests
{
    private readonly Scheduler _s = new(72_000_000, 1);
    private readonly ClockDomain _pclk = new("PCLK2", 72_000_000, 1);
    private readonly List<string> _warnings = new();
    private readonly Stm32Usart _u;

    public Stm32UsartTests() => _u = new Stm32Usart("usart1", _s, _pclk, _warnings.Add);

    private void At(long tick) { _s.Cycles = tick; _s.RunDue(); }

    [Fact]
    public void ResetValues()
    {
        Assert.Equal(0xC0u, R(_u, Stm32Usart.SR));
        Assert.Equal(0u, R(_u, Stm32Usart.CR1));
        Assert.True(_u.Tx.Level);
    }

    /// <summary>
    /// usart_irq_printf's set-up: BRR = 625 at PCLK2 72 MHz = 115200 baud, each bit exactly 625 cycles
    /// (§27.3.4: baud = PCLK / BRR). Setting TE first sends an idle frame (10 bits = 6250 cycles), then
    /// 'A' (0x41) as start bit, 1,0,0,0,0,0,1,0, stop: edges at 6250 + 625·k, the byte delivered at the
    /// end of the stop bit (6250 + 6250). TXE comes back when the data moves to the shift register, TC at
    /// the end of the last frame.
    /// </summary>
    [Fact]
    public void TransmitsBitByBitAtBrrCyclesPerBit()
    {
        var edges = new List<(long, bool)>();
        _u.Tx.Subscribe(l => edges.Add((_s.EventTime, l)));
        var bytes = new List<(long, byte)>();
        _u.TxSink = b => bytes.Add((_s.EventTime, b));
        W(_u, Stm32Usart.BRR, 625);
        W(_u, Stm32Usart.CR1, Stm32Usart.UE | Stm32Usart.TE | Stm32Usart.RE);
        W(_u, Stm32Usart.DR, 'A');             // the idle frame is on the line: 'A' waits in DR
        Assert.Equal(0u, R(_u, Stm32Usart.SR) & Stm32Usart.TXE);
        At(6250);
        Assert.Equal([(6250L, false)], edges);
        Assert.Equal(Stm32Usart.TXE, R(_u, Stm32Usart.SR) & Stm32Usart.TXE); // 'A' moved to the shifter
        W(_u, Stm32Usart.DR, 'B');             // after the SR read: TC cleared, 'B' waits
        Assert.Equal(0u, R(_u, Stm32Usart.SR) & (Stm32Usart.TXE | Stm32Usart.TC));
        At(12500);
        Assert.Equal([(6250L, false), (6875L, true), (7500L, false), (10625L, true), (11250L, false), (11875L, true)], edges.Take(6));
        Assert.Equal([(12500L, (byte)'A')], bytes);
        At(18750);
        Assert.Equal((18750L, (byte)'B'), bytes[1]);
        Assert.Equal(Stm32Usart.TC | Stm32Usart.TXE, R(_u, Stm32Usart.SR) & (Stm32Usart.TXE | Stm32Usart.TC));
        Assert.Empty(_warnings);
    }

    /// <summary>§27.6.4: TXEIE raises the interrupt while TXE; RXNEIE while RXNE or ORE; TC cleared by SR read then DR write.</summary>
    [Fact]
    public void InterruptsAndFlagClearing()
    {
        W(_u, Stm32Usart.BRR, 625);
        W(_u, Stm32Usart.CR1, Stm32Usart.UE | Stm32Usart.TE | Stm32Usart.RE | Stm32Usart.TXEIE);
        Assert.True(_u.Interrupt.Level);
        _ = R(_u, Stm32Usart.SR);
        W(_u, Stm32Usart.DR, 'x');
        Assert.Equal(0u, R(_u, Stm32Usart.SR) & Stm32Usart.TC);
        W(_u, Stm32Usart.CR1, Stm32Usart.UE | Stm32Usart.TE | Stm32Usart.RE | Stm32Usart.RXNEIE);
        Assert.False(_u.Interrupt.Level);
        // Host bytes: each frame received at the middle of its stop bit: 9.5 bits = 5937.5 -> cycle 5937 after the start edge.
        _u.EnqueueHostInput("hi"u8);
        At(_s.Now + 5937);
        Assert.True(_u.Interrupt.Level);
        Assert.Equal((uint)'h', R(_u, Stm32Usart.DR));
        Assert.False(_u.Interrupt.Level);
        At(_s.Now + 6250);
        Assert.Equal((uint)'i', R(_u, Stm32Usart.DR));
    }

    /// <summary>A frame on the RX pin sampled at mid-bit: 0x55 at BRR 625; a second frame before DR is read sets ORE and is lost.</summary>
    [Fact]
    public void ReceivesFromThePinAndOverruns()
    {
        var rx = new IrqLine("rx");
        rx.Set(true);
        Stm32Usart.Type.ConnectInput(_u, "RX", rx);
        W(_u, Stm32Usart.BRR, 625);
        W(_u, Stm32Usart.CR1, Stm32Usart.UE | Stm32Usart.RE);
        long t = 1000;
        foreach (byte b in new byte[] { 0x55, 0x0F })
        {
            for (int bit = 0; bit < 10; bit++)
            {
                At(t + bit * 625);
                rx.Set(bit == 0 ? false : bit == 9 || ((b >> (bit - 1)) & 1) != 0);
            }
            t += 6250;
        }
        At(t + 100);
        Assert.Equal(Stm32Usart.RXNE | Stm32Usart.ORE, R(_u, Stm32Usart.SR) & (Stm32Usart.RXNE | Stm32Usart.ORE | Stm32Usart.FE));
        Assert.Equal(0x55u, R(_u, Stm32Usart.DR));
        Assert.Equal(0u, R(_u, Stm32Usart.SR) & (Stm32Usart.RXNE | Stm32Usart.ORE));
    }
}
