using SocSim.Core;
using SocSim.Peripherals.Stm32;
using static SocSim.Peripherals.Stm32.Stm32Usart;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests.Stm32;

/// <summary>
/// USART synchronous mode (RM0008 §27.3.10, Figures 281-283) on the CK pin: PCLK = 72 MHz, one tick per
/// cycle, BRR = 16 so a bit lasts 16 cycles and half a bit 8. Setting TE sends an idle frame first (10
/// bits, no clock: ticks 0-160); the data frame written at tick 200 starts there: data bit b (b = 0..7)
/// occupies ticks 216 + 16b .. 232 + 16b.
/// </summary>
public sealed class Stm32UsartSyncTests
{
    private const long FrameStart = 200, Bit = 16;
    private readonly Scheduler _s = new(72_000_000, 1);
    private readonly ClockDomain _pclk = new("PCLK2", 72_000_000, 1);
    private readonly List<string> _warnings = new();
    private readonly Stm32Usart _u;

    public Stm32UsartSyncTests() => _u = new Stm32Usart("usart1", _s, _pclk, _warnings.Add);

    private void At(long tick) { _s.Cycles = tick; _s.RunDue(); }

    private List<(long, bool)> SendOne(uint cr2, uint cr1Extra, byte data)
    {
        var ck = new List<(long, bool)>();
        _u.Ck.Subscribe(v => ck.Add((_s.EventTime, v)));
        W(_u, BRR, 16);
        W(_u, CR2, cr2);
        W(_u, CR1, UE | TE | cr1Extra);
        At(FrameStart);
        W(_u, DR, data);
        At(FrameStart + 20 * Bit);
        return ck;
    }

    /// <summary>
    /// The CK edges from §27.3.10: one pulse per data bit, none for start or stop bits, the 8th (last)
    /// bit's pulse only with LBCL. CPHA 0: the pulse's first transition at the bit's middle (the capture
    /// edge), its second at the bit's end; CPHA 1: at the bit's start and its middle. CPOL: the idle level.
    /// </summary>
    [Theory]
    [InlineData(false, false, false)]
    [InlineData(false, false, true)]
    [InlineData(false, true, false)]
    [InlineData(true, false, false)]
    [InlineData(true, true, true)]
    public void ClockPulsesPerDataBit(bool cpol, bool cpha, bool lbcl)
    {
        uint cr2 = CLKEN | (cpol ? CPOL : 0) | (cpha ? CPHA : 0) | (lbcl ? LBCL : 0);
        var ck = SendOne(cr2, 0, 0x5A);
        var expected = new List<(long, bool)>();
        if (cpol) expected.Add((0, true));     // the CR2 write: CK idles at CPOL
        for (int b = 0; b < (lbcl ? 8 : 7); b++)
        {
            long start = FrameStart + (b + 1) * Bit;
            long first = cpha ? start : start + Bit / 2, second = cpha ? start + Bit / 2 : start + Bit;
            expected.Add((first, !cpol));
            expected.Add((second, cpol));
        }
        Assert.Equal(expected, ck);
        Assert.Empty(_warnings);
    }

    /// <summary>CPOL 0, CPHA 0, no LBCL, written out: 7 pulses rising at 224, 240, ..., 320.</summary>
    [Fact]
    public void SevenPulsesWithoutLastBitClock()
    {
        var ck = SendOne(CLKEN, 0, 0xFF);
        Assert.Equal(14, ck.Count);
        Assert.Equal((224L, true), ck[0]);
        Assert.Equal((232L, false), ck[1]);
        Assert.Equal((320L, true), ck[12]);
        Assert.Equal((328L, false), ck[13]);
    }

    /// <summary>Without CLKEN, CK stays low through the frame (asynchronous mode).</summary>
    [Fact]
    public void NoClockInAsynchronousMode() => Assert.Empty(SendOne(0, 0, 0x5A));

    /// <summary>
    /// With RE the receiver samples RX at each data bit's capture edge (its middle): a slave drives 0xA5
    /// LSB first, changing RX at each bit's start; at the frame's stop bit DR holds 0xA5 and RXNE is set.
    /// </summary>
    [Fact]
    public void ReceiverSamplesRxAtTheCaptureEdges()
    {
        var rx = new IrqLine("rx");
        rx.Set(true);
        Stm32Usart.Type.ConnectInput(_u, "RX", rx);
        W(_u, BRR, 16);
        W(_u, CR2, CLKEN | LBCL);
        W(_u, CR1, UE | TE | RE);
        At(FrameStart);
        W(_u, DR, 0x00);
        const byte slave = 0xA5;
        for (int b = 0; b < 8; b++)
        {
            At(FrameStart + (b + 1) * Bit);
            rx.Set(((slave >> b) & 1) != 0);
        }
        At(FrameStart + 9 * Bit);
        rx.Set(true);
        At(FrameStart + 12 * Bit);
        Assert.Equal(RXNE, R(_u, SR) & RXNE);
        Assert.Equal(0xA5u, R(_u, DR));
    }
}
