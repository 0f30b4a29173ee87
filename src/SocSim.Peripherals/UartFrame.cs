using SocSim.Core.Devices;

namespace SocSim.Peripherals;

/// <summary>The TXD and RXD lines of a UART's traces, drawn bit by bit from the frames it sends and receives.</summary>
internal static class UartLines
{
    /// <summary>
    /// Declares TXD and RXD (idle high): each frame <paramref name="transmitted"/> or <paramref name="received"/>
    /// raises is drawn, and a frame on the line when tracing starts (<paramref name="txOnLine"/>,
    /// <paramref name="rxOnLine"/>) is drawn from that tick.
    /// </summary>
    public static void Declare(ISignalBinder s, Action<Action<UartFrame>> transmitted, Action<Action<UartFrame>> received,
        Func<UartFrame?> txOnLine, Func<UartFrame?> rxOnLine)
    {
        var txd = s.Driven("TXD", 1, 1);
        var rxd = s.Driven("RXD", 1, 1);
        transmitted(f => f.Drive(txd));
        received(f => f.Drive(rxd));
        s.WhenAttached(now =>
        {
            txOnLine()?.DriveFrom(now, txd);
            rxOnLine()?.DriveFrom(now, rxd);
        });
    }
}

/// <summary>Parity as UARTLCR_H PEN/EPS/SPS select it (PL011 TRM 3.3.7).</summary>
public enum UartParity : byte
{
    None,
    Odd,
    Even,
    /// <summary>Stick parity, bit transmitted as 1 (PEN=1, SPS=1, EPS=0).</summary>
    Mark,
    /// <summary>Stick parity, bit transmitted as 0 (PEN=1, SPS=1, EPS=1).</summary>
    Space,
}

/// <summary>
/// Receive errors a host can attach to an injected character; the values are the UARTDR bits
/// (PL011 TRM 3.3.1) the character carries through the receive FIFO.
/// </summary>
[Flags]
public enum UartRxErrors : ushort
{
    None = 0,
    /// <summary>FE: no valid stop bit.</summary>
    Framing = 1 << 8,
    /// <summary>PE: parity did not match EPS/SPS.</summary>
    Parity = 1 << 9,
    /// <summary>BE: the line was held low for longer than a full frame (the character is 0).</summary>
    Break = 1 << 10,
}

/// <summary>
/// One character frame on a UART line: start bit, 5-8 data bits LSB first, optional parity bit,
/// 1 or 2 stop bits. Enough for a waveform tracer to draw TXD bit by bit.
/// </summary>
/// <remarks>
/// Bit timing follows the PL011 fractional baud generator (TRM 2.4.3, 3.3.6): Baud16 pulses come every
/// IBRD or IBRD+1 UARTCLK cycles so that on average they are BAUDDIV = IBRD + FBRD/64 cycles apart,
/// and a bit lasts 16 Baud16 pulses. Bit edge i therefore falls floor(i·16·(64·IBRD+FBRD)/64) =
/// floor(i·<see cref="Divisor64"/>/4) whole UARTCLK cycles after the start edge, which keeps every edge
/// on a UARTCLK edge (the real generator's up-to-one-cycle jitter) with no rounding drift.
/// </remarks>
public readonly record struct UartFrame(
    long StartTick,
    ushort Data,
    int WordLength,
    UartParity Parity,
    int StopBits,
    int Divisor64,
    long UartClkPeriodTicks,
    int PhaseQuarters = 0)
{
    /// <summary>Bits on the line, start and stop bits included.</summary>
    public int BitCount => 1 + WordLength + (Parity == UartParity.None ? 0 : 1) + StopBits;

    /// <summary>
    /// UARTCLK cycles from the start edge to the start of bit <paramref name="bit"/> (bit = BitCount: end).
    /// <see cref="PhaseQuarters"/> is where the free-running generator stood, in quarter UARTCLK cycles,
    /// when the frame began: a frame that follows another back to back carries its fraction on.
    /// </summary>
    public long CyclesToBit(int bit) => (PhaseQuarters + (long)bit * Divisor64) / 4;

    /// <summary>Tick at which bit <paramref name="bit"/> (0 = start bit) begins; BitCount gives the frame end.</summary>
    public long BitStartTick(int bit) => StartTick + UartClkPeriodTicks * CyclesToBit(bit);

    /// <summary>The generator's phase at the end of this frame, for a frame that starts right then.</summary>
    public int EndPhaseQuarters => (int)((PhaseQuarters + (long)BitCount * Divisor64) % 4);

    public long EndTick => BitStartTick(BitCount);

    /// <summary>Nominal bit duration in ticks (exact as a fraction: UartClkPeriodTicks·Divisor64/4).</summary>
    public double BitTicks => UartClkPeriodTicks * Divisor64 / 4.0;

    public bool ParityBit => Parity switch
    {
        UartParity.Odd => (System.Numerics.BitOperations.PopCount(Data & ((1u << WordLength) - 1)) & 1) == 0,
        UartParity.Even => (System.Numerics.BitOperations.PopCount(Data & ((1u << WordLength) - 1)) & 1) != 0,
        UartParity.Mark => true,
        _ => false,
    };

    /// <summary>Line level (true = mark/high) during bit <paramref name="bit"/> of the frame.</summary>
    public bool BitLevel(int bit)
    {
        if (bit == 0) return false;
        if (bit <= WordLength) return ((Data >> (bit - 1)) & 1) != 0;
        if (Parity != UartParity.None && bit == WordLength + 1) return ParityBit;
        return true;
    }

    /// <summary>Drives a serial line with this frame: start bit low, data LSB first, parity, stop bits high (idle high after).</summary>
    public void Drive(Action<long, ulong> line)
    {
        for (int i = 0; i < BitCount; i++) line(BitStartTick(i), BitLevel(i) ? 1UL : 0UL);
        line(EndTick, 1);
    }

    /// <summary>
    /// Drives the part of this frame from <paramref name="tick"/> on: the level of the bit under way
    /// at that tick, then the later bits (a tracer that starts while the frame is on the line).
    /// </summary>
    public void DriveFrom(long tick, Action<long, ulong> line)
    {
        if (tick >= EndTick) return;
        if (tick <= StartTick) { Drive(line); return; }
        int bit = 0;
        while (bit + 1 < BitCount && BitStartTick(bit + 1) <= tick) bit++;
        line(tick, BitLevel(bit) ? 1UL : 0UL);
        for (int i = bit + 1; i < BitCount; i++) line(BitStartTick(i), BitLevel(i) ? 1UL : 0UL);
        line(EndTick, 1);
    }
}
