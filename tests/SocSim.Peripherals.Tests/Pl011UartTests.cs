using static SocSim.Peripherals.Pl011Uart;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests;

public sealed class Pl011UartTests
{
    // 115200 baud from 24 MHz: BAUDDIV = 24e6 / (16 * 115200) = 13.0208 -> IBRD 13, FBRD round(0.0208*64) = 1.
    private const uint Ibrd = 13, Fbrd = 1;
    private const int Div64 = 13 * 64 + 1;                 // 833
    private const long FrameTicks = 2 * (10L * Div64 / 4);  // 8N1: 10 bits = 2082 UARTCLK cycles = 4164 ticks

    /// <summary>
    /// End tick of the n-th of several frames sent back to back from tick 0. The Baud16 generator runs
    /// on between frames (TRM 2.4.3), so n frames last floor(n · 10 · Div64 / 4) UARTCLK cycles: 2082,
    /// 4165, 6247... — not n · 2082.
    /// </summary>
    private static long BackToBackEnd(int n) => 2 * (n * 10L * Div64 / 4);
    private const long TimeoutTicks = 2 * (8L * Div64);    // 32 bit periods = 6664 UARTCLK cycles

    private readonly Bench _b = new();
    private readonly Pl011Uart _u;
    private readonly List<(long Tick, byte Data)> _sent = new();
    private readonly List<UartFrame> _frames = new();

    public Pl011UartTests()
    {
        _u = new Pl011Uart("uart0", _b.Scheduler, _b.UartClk);
        _u.TxSink = d => _sent.Add((_b.Scheduler.Now, d));
        _u.FrameTransmitted += _frames.Add;
    }

    private void Init(bool fifo, uint cr = CR_UARTEN | CR_TXE | CR_RXE)
    {
        W(_u, UARTIBRD, Ibrd);
        W(_u, UARTFBRD, Fbrd);
        W(_u, UARTLCR_H, (3u << (int)LCR_H_WLEN_SHIFT) | (fifo ? LCR_H_FEN : 0));
        W(_u, UARTCR, cr);
    }

    [Fact]
    public void ResetValues()
    {
        Assert.Equal(0u, R(_u, UARTDR));
        Assert.Equal(0u, R(_u, UARTRSR));
        Assert.Equal(0x90u, R(_u, UARTFR));
        Assert.Equal(0u, R(_u, UARTILPR));
        Assert.Equal(0u, R(_u, UARTIBRD));
        Assert.Equal(0u, R(_u, UARTFBRD));
        Assert.Equal(0u, R(_u, UARTLCR_H));
        Assert.Equal(0x300u, R(_u, UARTCR));
        Assert.Equal(0x12u, R(_u, UARTIFLS));
        Assert.Equal(0u, R(_u, UARTIMSC));
        Assert.Equal(0u, R(_u, UARTRIS));
        Assert.Equal(0u, R(_u, UARTMIS));
        Assert.Equal(0u, R(_u, UARTDMACR));
        uint[] ids = [0x11, 0x10, 0x34, 0x00, 0x0D, 0xF0, 0x05, 0xB1];
        for (int i = 0; i < 8; i++) Assert.Equal(ids[i], R(_u, 0xFE0 + 4u * (uint)i));
        Assert.False(_u.UartIntr.Level);
        Assert.Equal(0x14u, R(new Pl011Uart("qemu", _b.Scheduler, _b.UartClk, revision: 1), 0xFE8));
    }

    [Fact]
    public void RegisterWidthsAreMasked()
    {
        W(_u, UARTIBRD, 0xFFFFFFFF);
        W(_u, UARTFBRD, 0xFFFFFFFF);
        W(_u, UARTLCR_H, 0xFFFFFFFF);
        W(_u, UARTCR, 0xFFFFFFFF);
        W(_u, UARTIFLS, 0xFFFFFFFF);
        W(_u, UARTIMSC, 0xFFFFFFFF);
        W(_u, UARTDMACR, 0xFFFFFFFF);
        W(_u, UARTILPR, 0xFFFFFFFF);
        Assert.Equal(0xFFFFu, R(_u, UARTIBRD));
        Assert.Equal(0x3Fu, R(_u, UARTFBRD));
        Assert.Equal(0xFFu, R(_u, UARTLCR_H));
        Assert.Equal(0xFF87u, R(_u, UARTCR));
        Assert.Equal(0x3Fu, R(_u, UARTIFLS));
        Assert.Equal(0x7FFu, R(_u, UARTIMSC));
        Assert.Equal(0x7u, R(_u, UARTDMACR));
        Assert.Equal(0xFFu, R(_u, UARTILPR));
        Assert.Equal(0u, R(_u, 0x00C)); // reserved
    }

    [Fact]
    public void CharacterLeavesAfterExactlyOneFrame()
    {
        Init(fifo: true);
        Assert.Equal(Div64, _u.Divisor64);
        W(_u, UARTDR, 'A');
        Assert.Equal(FR_BUSY | FR_TXFE | FR_RXFE, R(_u, UARTFR));
        var f = Assert.Single(_frames);
        Assert.Equal(0, f.StartTick);
        Assert.Equal((ushort)'A', f.Data);
        Assert.Equal(8, f.WordLength);
        Assert.Equal(UartParity.None, f.Parity);
        Assert.Equal(1, f.StopBits);
        Assert.Equal(10, f.BitCount);
        Assert.Equal(2 * 208, f.BitStartTick(1));   // floor(833/4) UARTCLK cycles
        Assert.Equal(FrameTicks, f.EndTick);
        Assert.False(f.BitLevel(0));                // start bit
        Assert.True(f.BitLevel(1));                 // 'A' = 0x41, LSB first
        Assert.False(f.BitLevel(2));
        Assert.True(f.BitLevel(9));                 // stop bit

        _b.At(FrameTicks - 1);
        Assert.Empty(_sent);
        Assert.Equal(FR_BUSY | FR_TXFE | FR_RXFE, R(_u, UARTFR));
        _b.At(FrameTicks);
        Assert.Equal(((long)FrameTicks, (byte)'A'), Assert.Single(_sent));
        Assert.Equal(FR_TXFE | FR_RXFE, R(_u, UARTFR));
    }

    [Fact]
    public void FramesGoBackToBack()
    {
        Init(fifo: true);
        W(_u, UARTDR, 'a');
        W(_u, UARTDR, 'b');
        W(_u, UARTDR, 'c');
        Assert.Equal(2, _u.TxFifoLevel);
        for (int i = 1; i <= 3; i++) _b.At(BackToBackEnd(i));
        Assert.Equal(new[] { (4164L, (byte)'a'), (8330L, (byte)'b'), (12494L, (byte)'c') }, _sent);
        Assert.Equal(new long[] { 0, 4164, 8330 }, _frames.Select(f => f.StartTick));
        // The second frame starts half a UARTCLK cycle into the generator's period.
        Assert.Equal(new[] { 0, 2, 0 }, _frames.Select(f => f.PhaseQuarters));
    }

    [Fact]
    public void FrameFormatChangesTheFrameTime()
    {
        W(_u, UARTIBRD, Ibrd);
        W(_u, UARTFBRD, Fbrd);
        // 7 data bits, even parity, 2 stop bits: 1 + 7 + 1 + 2 = 11 bits.
        W(_u, UARTLCR_H, (2u << (int)LCR_H_WLEN_SHIFT) | LCR_H_PEN | LCR_H_EPS | LCR_H_STP2);
        W(_u, UARTCR, CR_UARTEN | CR_TXE);
        W(_u, UARTDR, 0xFF);
        var f = Assert.Single(_frames);
        Assert.Equal(UartParity.Even, f.Parity);
        Assert.Equal(11, f.BitCount);
        Assert.True(f.ParityBit);                   // 0x7F has seven 1s: even parity sends a 1
        Assert.True(f.BitLevel(8));
        Assert.True(f.BitLevel(10));
        _b.At(2 * (11L * Div64 / 4));
        Assert.Equal((byte)0x7F, Assert.Single(_sent).Data);
    }

    [Fact]
    public void BaudRateIsLatchedByLcrHWrite()
    {
        W(_u, UARTCR, CR_UARTEN | CR_TXE);
        W(_u, UARTIBRD, Ibrd);
        W(_u, UARTFBRD, Fbrd);
        W(_u, UARTDR, 'x');                          // divisor still invalid (IBRD was 0 at the last LCR_H write)
        _b.At(100_000);
        Assert.Empty(_sent);
        Assert.Equal(1, _u.TxFifoLevel);
        Assert.Equal(FR_BUSY | FR_TXFF | FR_RXFE, R(_u, UARTFR)); // FEN=0: one-deep holding register full
        W(_u, UARTLCR_H, 3u << (int)LCR_H_WLEN_SHIFT);
        _b.At(100_000 + FrameTicks);
        Assert.Equal((100_000 + FrameTicks, (byte)'x'), Assert.Single(_sent));
    }

    [Fact]
    public void FrameStartsOnAUartClkEdge()
    {
        Init(fifo: true);
        _b.At(101);                                  // odd tick: between UARTCLK edges
        W(_u, UARTDR, 'q');
        Assert.Equal(102, Assert.Single(_frames).StartTick);
        _b.At(102 + FrameTicks);
        Assert.Single(_sent);
    }

    [Fact]
    public void TxFifoFullAtSixteen()
    {
        Init(fifo: true, cr: CR_UARTEN | CR_RXE);   // transmitter disabled: data stays in the FIFO
        for (int i = 0; i < 15; i++) W(_u, UARTDR, (uint)('a' + i));
        Assert.Equal(FR_BUSY | FR_RXFE, R(_u, UARTFR));
        W(_u, UARTDR, 'p');
        Assert.Equal(16, _u.TxFifoLevel);
        Assert.Equal(FR_BUSY | FR_TXFF | FR_RXFE, R(_u, UARTFR));
        W(_u, UARTDR, 'z');                          // lost
        Assert.Equal(16, _u.TxFifoLevel);
        _b.At(1000);
        Assert.Empty(_sent);
        W(_u, UARTCR, CR_UARTEN | CR_TXE | CR_RXE);
        Assert.Equal(15, _u.TxFifoLevel);
        _b.At(1000 + BackToBackEnd(16) - 1);
        Assert.Equal(15, _sent.Count);
        _b.At(1000 + BackToBackEnd(16));
        Assert.Equal("abcdefghijklmnop", new string(_sent.Select(s => (char)s.Data).ToArray()));
    }

    [Fact]
    public void HoldingRegisterWhenFifoDisabled()
    {
        Init(fifo: false, cr: CR_UARTEN);
        W(_u, UARTDR, '1');
        Assert.Equal(FR_BUSY | FR_TXFF | FR_RXFE, R(_u, UARTFR));
        W(_u, UARTDR, '2');                          // lost
        W(_u, UARTCR, CR_UARTEN | CR_TXE);
        Assert.Equal(FR_BUSY | FR_TXFE | FR_RXFE, R(_u, UARTFR)); // holding register moved to the shifter
        _b.At(1000 + 2 * FrameTicks);
        Assert.Equal((byte)'1', Assert.Single(_sent).Data);
    }

    [Fact]
    public void TxInterruptWhenFifoDrainsToTheTriggerLevel()
    {
        Init(fifo: true, cr: CR_UARTEN);             // IFLS reset: TX at <= 8 entries
        W(_u, UARTIMSC, TXI);
        for (int i = 0; i < 10; i++) W(_u, UARTDR, (uint)('0' + i));
        Assert.Equal(0u, R(_u, UARTRIS));
        W(_u, UARTCR, CR_UARTEN | CR_TXE);           // 10 -> 9 (one in the shifter)
        Assert.Equal(0u, R(_u, UARTRIS) & TXI);
        _b.At(FrameTicks - 1);
        Assert.False(_u.UartTxIntr.Level);
        _b.At(FrameTicks);                           // 9 -> 8: at the trigger level
        Assert.Equal(8, _u.TxFifoLevel);
        Assert.Equal(TXI, R(_u, UARTRIS));
        Assert.Equal(TXI, R(_u, UARTMIS));
        Assert.True(_u.UartTxIntr.Level);
        Assert.True(_u.UartIntr.Level);
        W(_u, UARTDR, 'x');                          // back above the level: cleared
        Assert.Equal(0u, R(_u, UARTRIS));
        Assert.False(_u.UartIntr.Level);
    }

    [Fact]
    public void TxInterruptLevelFollowsIfls()
    {
        Init(fifo: true, cr: CR_UARTEN);
        W(_u, UARTIFLS, 0);                          // TX at <= 2 (1/8)
        for (int i = 0; i < 4; i++) W(_u, UARTDR, 'x');
        W(_u, UARTCR, CR_UARTEN | CR_TXE);           // 4 -> 3
        _b.At(FrameTicks);                           // 3 -> 2
        Assert.Equal(TXI, R(_u, UARTRIS));
        W(_u, UARTICR, TXI);
        Assert.Equal(0u, R(_u, UARTRIS));
        _b.At(2 * FrameTicks);                       // 2 -> 1: no new crossing
        Assert.Equal(0u, R(_u, UARTRIS));
    }

    [Fact]
    public void TxInterruptWithFifoDisabled()
    {
        Init(fifo: false);
        W(_u, UARTIMSC, TXI);
        W(_u, UARTDR, 'a');                          // the holding register empties into the shifter
        Assert.Equal(TXI, R(_u, UARTRIS));
        W(_u, UARTDR, 'b');                          // a write clears it
        Assert.Equal(0u, R(_u, UARTRIS));
        _b.At(FrameTicks);                           // 'b' moves to the shifter
        Assert.True(_u.UartTxIntr.Level);
        W(_u, UARTICR, TXI);
        Assert.False(_u.UartTxIntr.Level);
    }

    [Fact]
    public void ReceivedByteArrivesAfterOneFrame()
    {
        Init(fifo: false);
        W(_u, UARTIMSC, RXI);
        _u.EnqueueHostInput("hi"u8);
        _b.At(FrameTicks - 1);
        Assert.Equal(0, _u.RxFifoLevel);
        Assert.Equal(FR_RXFE | FR_TXFE, R(_u, UARTFR));
        _b.At(FrameTicks);
        Assert.Equal(1, _u.RxFifoLevel);
        Assert.Equal(FR_RXFF | FR_TXFE, R(_u, UARTFR)); // FEN=0: holding register full
        Assert.Equal(RXI, R(_u, UARTRIS));
        Assert.True(_u.UartRxIntr.Level);
        Assert.True(_u.UartIntr.Level);
        Assert.Equal((uint)'h', R(_u, UARTDR));
        Assert.Equal(0u, R(_u, UARTRIS));
        Assert.False(_u.UartIntr.Level);
        _b.At(2 * FrameTicks);
        Assert.Equal((uint)'i', R(_u, UARTDR, 1));   // byte read of UARTDR
    }

    [Fact]
    public void RxInterruptAtIflsLevel()
    {
        Init(fifo: true);
        W(_u, UARTIFLS, 0);                          // RX at >= 2 (1/8)
        _u.EnqueueHostInput("abc"u8);
        _b.At(FrameTicks);
        Assert.Equal(0u, R(_u, UARTRIS));
        _b.At(2 * FrameTicks);
        Assert.Equal(RXI, R(_u, UARTRIS));
        R(_u, UARTDR);                               // 1 left: below the level
        Assert.Equal(0u, R(_u, UARTRIS));
        _b.At(3 * FrameTicks);
        Assert.Equal(RXI, R(_u, UARTRIS));
    }

    [Fact]
    public void ReceiveTimeoutAfter32BitPeriods()
    {
        Init(fifo: true);                            // RX level 8: one byte does not reach it
        W(_u, UARTIMSC, RTI);
        _u.EnqueueHostInput("z"u8);
        _b.At(FrameTicks + TimeoutTicks - 1);
        Assert.Equal(0u, R(_u, UARTRIS));
        Assert.False(_u.UartRtIntr.Level);
        _b.At(FrameTicks + TimeoutTicks);
        Assert.Equal(RTI, R(_u, UARTRIS));
        Assert.True(_u.UartRtIntr.Level);
        Assert.True(_u.UartIntr.Level);
        Assert.Equal((uint)'z', R(_u, UARTDR));     // emptying the FIFO clears it
        Assert.Equal(0u, R(_u, UARTRIS));
        Assert.False(_u.UartIntr.Level);
    }

    [Fact]
    public void ReceiveTimeoutRestartsWithEachCharacterAndIcrClearsIt()
    {
        Init(fifo: true);
        _u.EnqueueHostInput("xy"u8);
        _b.At(FrameTicks + TimeoutTicks);            // second byte arrived at 2*FrameTicks: timer restarted
        Assert.Equal(0u, R(_u, UARTRIS));
        _b.At(2 * FrameTicks + TimeoutTicks);
        Assert.Equal(RTI, R(_u, UARTRIS));
        W(_u, UARTICR, RTI);
        Assert.Equal(0u, R(_u, UARTRIS));
        Assert.Equal(2, _u.RxFifoLevel);
    }

    [Fact]
    public void OverrunWhenTheFifoIsFull()
    {
        Init(fifo: false);
        W(_u, UARTIMSC, OEI);
        _u.EnqueueHostInput("abc"u8);
        _b.At(FrameTicks);
        Assert.Equal(0u, R(_u, UARTRSR));
        _b.At(2 * FrameTicks);                       // 'b' finds the holding register full
        Assert.Equal(RSR_OE, R(_u, UARTRSR));
        Assert.Equal(OEI | RXI, R(_u, UARTRIS));
        Assert.Equal(OEI, R(_u, UARTMIS));
        Assert.True(_u.UartEIntr.Level);
        _b.At(3 * FrameTicks);                       // 'c' lost as well
        Assert.Equal((uint)'a', R(_u, UARTDR));      // the stored character is intact
        _u.EnqueueHostInput("d"u8);
        _b.At(4 * FrameTicks);
        Assert.Equal('d' | DR_OE, R(_u, UARTDR));   // the next stored character carries OE
        W(_u, UARTECR, 0);
        Assert.Equal(0u, R(_u, UARTRSR));
        W(_u, UARTICR, 0x7FF);
        Assert.Equal(0u, R(_u, UARTRIS));
        Assert.False(_u.UartEIntr.Level);
    }

    [Fact]
    public void SixteenDeepRxFifo()
    {
        Init(fifo: true);
        _u.EnqueueHostInput(Enumerable.Range(0, 17).Select(i => (byte)('A' + i)).ToArray());
        _b.At(16 * FrameTicks);
        Assert.Equal(16, _u.RxFifoLevel);
        Assert.Equal(FR_RXFF | FR_TXFE, R(_u, UARTFR));
        Assert.Equal(0u, R(_u, UARTRSR));
        _b.At(17 * FrameTicks);
        Assert.Equal(RSR_OE, R(_u, UARTRSR));
        for (int i = 0; i < 16; i++) Assert.Equal((uint)('A' + i), R(_u, UARTDR));
        Assert.Equal(FR_RXFE | FR_TXFE, R(_u, UARTFR));
    }

    [Fact]
    public void HostFlowControlAvoidsOverrun()
    {
        Init(fifo: false);
        _u.HostInputFlowControl = true;
        _u.EnqueueHostInput("ab"u8);
        _b.At(5 * FrameTicks);
        Assert.Equal(1, _u.RxFifoLevel);
        Assert.Equal(0u, R(_u, UARTRSR));
        Assert.Equal((uint)'a', R(_u, UARTDR));     // frees the register: 'b' starts now
        _b.At(6 * FrameTicks - 1);
        Assert.Equal(0, _u.RxFifoLevel);
        _b.At(6 * FrameTicks);
        Assert.Equal((uint)'b', R(_u, UARTDR));
    }

    [Fact]
    public void ReceiveErrorsReachDrRsrAndRis()
    {
        Init(fifo: true);
        W(_u, UARTIMSC, FEI | PEI | BEI);
        _u.EnqueueHostInput(0x55, UartRxErrors.Framing | UartRxErrors.Parity);
        _b.At(FrameTicks);
        Assert.Equal(FEI | PEI, R(_u, UARTRIS));
        Assert.True(_u.UartEIntr.Level);
        Assert.Equal(0x55 | DR_FE | DR_PE, R(_u, UARTDR));
        Assert.Equal(RSR_FE | RSR_PE, R(_u, UARTRSR));
        _u.EnqueueHostInput(0, UartRxErrors.Break);
        _b.At(2 * FrameTicks);
        Assert.Equal(DR_BE, R(_u, UARTDR));
        Assert.Equal(RSR_FE | RSR_PE | RSR_BE, R(_u, UARTRSR));
        W(_u, UARTECR, 0xFF);
        Assert.Equal(0u, R(_u, UARTRSR));
        W(_u, UARTICR, FEI | PEI | BEI);
        Assert.False(_u.UartIntr.Level);
    }

    [Fact]
    public void MisMasksRisAndIcrClears()
    {
        Init(fifo: false);
        _u.EnqueueHostInput("k"u8);
        _b.At(FrameTicks);
        Assert.Equal(RXI, R(_u, UARTRIS));
        Assert.Equal(0u, R(_u, UARTMIS));
        Assert.False(_u.UartIntr.Level);
        W(_u, UARTIMSC, RXI | TXI);
        Assert.Equal(RXI, R(_u, UARTMIS));
        Assert.True(_u.UartIntr.Level);
        Assert.True(_u.UartRxIntr.Level);
        Assert.False(_u.UartTxIntr.Level);
        W(_u, UARTICR, RXI);
        Assert.Equal(0u, R(_u, UARTRIS));
        Assert.Equal(0u, R(_u, UARTICR));            // write-only
        Assert.False(_u.UartIntr.Level);
        Assert.Equal(1, _u.RxFifoLevel);
    }

    [Fact]
    public void DisabledReceiverHoldsHostInput()
    {
        Init(fifo: true, cr: CR_UARTEN | CR_TXE);
        _u.EnqueueHostInput("w"u8);
        _b.At(3 * FrameTicks);
        Assert.Equal(0, _u.RxFifoLevel);
        W(_u, UARTCR, CR_UARTEN | CR_RXE);
        _b.At(4 * FrameTicks);
        Assert.Equal(1, _u.RxFifoLevel);
    }

    [Fact]
    public void DisablingMidFrameFinishesTheCharacter()
    {
        Init(fifo: true);
        W(_u, UARTDR, 'a');
        W(_u, UARTDR, 'b');
        _b.At(100);
        W(_u, UARTCR, 0);
        _b.At(5 * FrameTicks);
        Assert.Equal((byte)'a', Assert.Single(_sent).Data);
        Assert.Equal(1, _u.TxFifoLevel);
    }

    [Fact]
    public void LoopbackFeedsTheReceiver()
    {
        Init(fifo: true, cr: CR_UARTEN | CR_TXE | CR_RXE | CR_LBE);
        W(_u, UARTDR, 'L', size: 1);                 // STRB to UARTDR
        _b.At(FrameTicks - 1);
        Assert.Equal(0, _u.RxFifoLevel);
        _b.At(FrameTicks);
        Assert.Empty(_sent);
        Assert.Equal((uint)'L', R(_u, UARTDR));
    }

    [Fact]
    public void NarrowAccesses()
    {
        Assert.Equal(0x90u, R(_u, UARTFR, 1));
        Assert.Equal(0x03u, R(_u, UARTCR + 1, 1));
        Assert.Equal(0x0300u, R(_u, UARTCR, 2));
        Assert.Equal(0x34u, R(_u, 0xFE8, 1));
        W(_u, UARTIBRD, 0x1234, size: 2);
        Assert.Equal(0x1234u, R(_u, UARTIBRD));
    }

    [Fact]
    public void MidInstructionReadSeesAFrameEndThatIsDueButNotDispatched()
    {
        Init(fifo: true);
        W(_u, UARTDR, 'a');
        W(_u, UARTDR, 'b');
        _b.Scheduler.Cycles = FrameTicks + 5;        // RunDue not called yet
        Assert.Equal(FR_BUSY | FR_TXFE | FR_RXFE, R(_u, UARTFR)); // 'b' now shifting
        Assert.Equal((byte)'a', Assert.Single(_sent).Data);
        Assert.Equal(FrameTicks, _frames[1].StartTick); // 'b' started at the exact frame end
        _b.Scheduler.RunDue();
        Assert.Single(_sent);
        _b.At(BackToBackEnd(2));
        Assert.Equal(2, _sent.Count);
    }
}
