using SocSim.Core;
using SocSim.Core.Devices;
using static SocSim.Peripherals.Lpc2000Uart;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests;

public sealed class Lpc2000UartTests
{
    // The FreeRTOS demo's setting: PCLK = CCLK = 58.9824 MHz, 115200 baud = PCLK / (16 · 32).
    // Time base: 2 ticks per PCLK cycle, so PCLK can also drop to /2 (4 ticks) and /4 (8 ticks).
    private const long Tps = 117_964_800;
    private const long Pclk = 58_982_400;
    private const long T = 2;                     // ticks per PCLK cycle at 58.9824 MHz
    private const int Div = 32;
    private const long Bit = 16 * Div * T;        // one bit: 16 RCLK of 32 PCLK cycles = 1024 ticks
    private const long Frame8N1 = 10 * Bit;       // 10 × 16 × 32 PCLK cycles = 10240 ticks
    private const long MidStop8N1 = (9 * 16 + 8) * Div * T; // a received character enters the FIFO at the middle of its stop bit

    private readonly Scheduler _s = new(Tps, 2);
    private readonly ClockDomain _pclk = ClockDomain.OnTimeBase("PCLK", Pclk, Tps);
    private readonly List<string> _warnings = new();
    private readonly Lpc2000Uart _u;
    private readonly List<(long Tick, byte Data)> _sent = new();

    public Lpc2000UartTests()
    {
        _u = New("uart0");
        _u.TxSink = d => _sent.Add((_s.EventTime, d));
    }

    private Lpc2000Uart New(string name, bool modem = false) => new(name, _s, _pclk, modem, _warnings.Add);

    /// <summary>Moves time to <paramref name="tick"/> (a CPU cycle boundary) and runs what is due.</summary>
    private void At(long tick)
    {
        Assert.True(tick >= _s.Now);
        _s.Cycles = _s.CpuClock.EdgeAtOrAfter(tick);
        _s.RunDue();
    }

    private static void Init(Lpc2000Uart u, uint lcr = 0x03, uint dll = Div, uint fcr = 0x07, uint ier = 0)
    {
        W(u, UnLCR, LCR_DLAB);
        W(u, UnDLL, dll);
        W(u, UnDLM, 0);
        W(u, UnLCR, lcr);
        W(u, UnFCR, fcr);
        W(u, UnIER, ier);
    }

    private List<(long Tick, bool Level)> RecordTxd(Lpc2000Uart u)
    {
        var edges = new List<(long, bool)>();
        u.Txd.Subscribe(l => edges.Add((_s.EventTime, l)));
        return edges;
    }

    /// <summary>Schedules level changes on <paramref name="line"/>: bit i of <paramref name="bits"/> ('0'/'1') from <paramref name="start"/> + i·<paramref name="bitTicks"/>.</summary>
    private void Drive(IrqLine line, long start, string bits, long bitTicks = Bit)
    {
        for (int i = 0; i < bits.Length; i++)
        {
            bool level = bits[i] == '1';
            _s.Schedule(new Event("drive", EventPriority.Peripheral, _ => line.Set(level)), start + i * bitTicks);
        }
    }

    private static string Bits8N1(byte b) => "0" + string.Concat(Enumerable.Range(0, 8).Select(i => ((b >> i) & 1) == 1 ? '1' : '0')) + "1";

    [Fact]
    public void Declaration()
    {
        Assert.Equal("lpc_uart", Lpc2000Uart.Type.Name);
        Assert.Equal(0x4000u, Lpc2000Uart.Type.WindowSize);
        Assert.Equal(false, Lpc2000Uart.Type.FindParameter("console")!.Default);
        Assert.Equal(false, Lpc2000Uart.Type.FindParameter("modem")!.Default);
        Assert.Equal(["INT", "TXD", "RTS", "DTR"], Lpc2000Uart.Type.Outputs);
        Assert.Equal(["RXD", "CTS", "DSR", "RI", "DCD"], Lpc2000Uart.Type.InputPins.Select(i => i.Name));
        var dev = Lpc2000Uart.Type.Create(new DeviceContext
        {
            Name = "uart1",
            Scheduler = _s,
            Clock = _pclk,
            Parameters = new Dictionary<string, object> { ["console"] = false, ["modem"] = true },
        });
        Assert.False(Lpc2000Uart.Type.Output(dev, "INT").Level);
        Assert.True(Lpc2000Uart.Type.Output(dev, "TXD").Level);
        W(dev, UnMCR, MCR_RTS);
        Assert.False(Lpc2000Uart.Type.Output(dev, "RTS").Level);
    }

    [Fact]
    public void ResetValues()
    {
        Assert.Equal(0u, R(_u, UnRBR));
        Assert.Equal(0u, R(_u, UnIER));
        Assert.Equal(ResetIIR, R(_u, UnIIR));
        Assert.Equal(0u, R(_u, UnLCR));
        Assert.Equal(ResetLSR, R(_u, UnLSR));
        Assert.Equal(0u, R(_u, UnSCR));
        W(_u, UnLCR, LCR_DLAB);
        Assert.Equal(ResetDLL, R(_u, UnDLL));
        Assert.Equal(0u, R(_u, UnDLM));
        Assert.False(_u.Int.Level);
        Assert.True(_u.Txd.Level);
        Assert.Empty(_warnings);
        // After use, Reset brings everything back.
        Init(_u, ier: 7);
        W(_u, UnSCR, 0x5A);
        W(_u, UnTHR, 'x');
        _u.Reset();
        Assert.Equal(ResetIIR, R(_u, UnIIR));
        Assert.Equal(ResetLSR, R(_u, UnLSR));
        Assert.Equal(0u, R(_u, UnSCR));
        Assert.Equal(0u, R(_u, UnIER));
        At(2 * Frame8N1);
        Assert.Empty(_sent);
    }

    [Fact]
    public void DlabSelectsTheDivisorLatches()
    {
        W(_u, UnLCR, LCR_DLAB | 0x03);
        W(_u, UnDLL, 0x20);
        W(_u, UnDLM, 0x01);
        Assert.Equal(0x20u, R(_u, UnDLL));
        Assert.Equal(0x01u, R(_u, UnDLM));
        Assert.Equal(0x120, _u.Divisor);
        W(_u, UnLCR, 0x03);
        Assert.Equal(0u, R(_u, UnIER));
        W(_u, UnIER, 0xFF);
        Assert.Equal(0x07u, R(_u, UnIER));      // UART0: IER[2:0]
        Assert.Equal(0x03u, R(_u, UnLCR));
        W(_u, UnSCR, 0xA5);
        Assert.Equal(0xA5u, R(_u, UnSCR));
        W(_u, UnLCR, LCR_DLAB);
        Assert.Equal(0x20u, R(_u, UnDLL));
        Assert.Equal(0x01u, R(_u, UnDLM));
        // Bytes and words: the registers are 8 bits wide at word offsets.
        W(_u, UnSCR, 0x3C, size: 1);
        Assert.Equal(0x3Cu, R(_u, UnSCR, size: 1));
        W(_u, UnSCR, 0x1234_5678);
        Assert.Equal(0x78u, R(_u, UnSCR));
    }

    [Fact]
    public void DivisorZeroIsTreatedAsOne()
    {
        Init(_u, dll: 0);
        Assert.Equal(1, _u.Divisor);
        W(_u, UnTHR, 'z');
        At(10 * 16 * T - 2);
        Assert.Empty(_sent);
        At(10 * 16 * T);
        Assert.Equal((10 * 16 * T, (byte)'z'), Assert.Single(_sent));
    }

    [Fact]
    public void FrameLastsTenTimesSixteenTimesTheDivisorInPclkCycles()
    {
        Init(_u);
        W(_u, UnTHR, 'A');
        // The character went straight to the shift register: THR empty, transmitter busy.
        Assert.Equal(LSR_THRE, R(_u, UnLSR));
        At(Frame8N1 - T);
        Assert.Empty(_sent);
        Assert.Equal(LSR_THRE, R(_u, UnLSR));
        At(Frame8N1);
        Assert.Equal((Frame8N1, (byte)'A'), Assert.Single(_sent));
        Assert.Equal(Frame8N1 / T, 10 * 16 * 32);
        Assert.Equal(LSR_THRE | LSR_TEMT, R(_u, UnLSR));
    }

    [Fact]
    public void TxdEdgesFallOnTheExactTicks()
    {
        Init(_u);
        var edges = RecordTxd(_u);
        At(1000); // a tick between PCLK edges is impossible here (CPU = PCLK), so start mid-run
        W(_u, UnTHR, 0x41); // 'A': 1000 0010 LSB first
        long s = 1000;
        Assert.Equal(
            [(s, false), (s + Bit, true), (s + 2 * Bit, false), (s + 7 * Bit, true), (s + 8 * Bit, false), (s + 9 * Bit, true)],
            Collect());
        List<(long, bool)> Collect() { At(s + 2 * Frame8N1); return edges; }
    }

    [Fact]
    public void FramesGoBackToBack()
    {
        Init(_u);
        var edges = RecordTxd(_u);
        foreach (char c in "abc") W(_u, UnTHR, c);
        At(4 * Frame8N1);
        Assert.Equal([(Frame8N1, (byte)'a'), (2 * Frame8N1, (byte)'b'), (3 * Frame8N1, (byte)'c')], _sent);
        // 'a' = 0x61 ends with bit 7 = 0 then the stop bit; 'b' starts on the very edge 'a' ends.
        Assert.Contains((Frame8N1, false), edges);
        Assert.Equal((3 * Frame8N1 - Bit, true), edges[^1]);
    }

    [Fact]
    public void WordLengthParityAndStopBitsShapeTheFrame()
    {
        // 7 data bits, even parity, 2 stop bits: (1 + 7 + 1) × 16 + 32 = 176 RCLK.
        Init(_u, lcr: 0x02 | LCR_STOP2 | LCR_PARITY | 0x10);
        var edges = RecordTxd(_u);
        W(_u, UnTHR, 0x43); // 100 0011: three ones, even parity bit = 1
        At(176 * Div * T);
        Assert.Equal((176L * Div * T, (byte)0x43), Assert.Single(_sent));
        Assert.Equal([(0, false), (Bit, true), (3 * Bit, false), (7 * Bit, true)], edges);

        // 5 data bits with "2" stop bits are 1.5 stop bits: (1 + 5) × 16 + 24 = 120 RCLK; data masked to 5 bits.
        _sent.Clear();
        Init(_u, lcr: 0x00 | LCR_STOP2);
        long t0 = _s.Now;
        W(_u, UnTHR, 0xFF);
        At(t0 + 120L * Div * T);
        Assert.Equal((t0 + 120L * Div * T, (byte)0x1F), Assert.Single(_sent));

        // Forced parity: "1" stick (LCR[5:4] = 10) and "0" stick (11).
        foreach (var (sel, level) in new[] { (0x20u, true), (0x30u, false) })
        {
            edges.Clear();
            Init(_u, lcr: 0x03 | LCR_PARITY | sel);
            long t = _s.Now;
            W(_u, UnTHR, 0x00);
            At(t + 12 * Bit);
            Assert.Equal(level ? [(t, false), (t + 9 * Bit, true)] : [(t, false), (t + 10 * Bit, true)], edges);
        }
    }

    [Fact]
    public void BreakHoldsTxdLow()
    {
        Init(_u);
        var edges = RecordTxd(_u);
        W(_u, UnLCR, 0x03 | LCR_BREAK);
        Assert.False(_u.Txd.Level);
        At(100);
        W(_u, UnLCR, 0x03);
        Assert.True(_u.Txd.Level);
        Assert.Equal([(0, false), (100, true)], edges);
    }

    [Fact]
    public void ThreInterruptCycle()
    {
        Init(_u, ier: IER_THRE);
        // Enabling THRE with an empty THR raises it at once; reading IIR while it is shown clears it.
        Assert.True(_u.Int.Level);
        Assert.Equal(IIR_FIFO | IIR_THRE, R(_u, UnIIR));
        Assert.False(_u.Int.Level);
        Assert.Equal(IIR_FIFO | IIR_NONE, R(_u, UnIIR));

        // One character: THR empties at once, but THRE waits one character minus the stop bit (9 bits).
        W(_u, UnTHR, 'a');
        At(9 * Bit - T);
        Assert.False(_u.Int.Level);
        At(9 * Bit);
        Assert.True(_u.Int.Level);
        // Writing THR clears it; two characters in the FIFO at once make the next THRE immediate.
        W(_u, UnTHR, 'b');
        Assert.False(_u.Int.Level);
        W(_u, UnTHR, 'c');
        At(2 * Frame8N1 - T);
        Assert.False(_u.Int.Level); // 'b' left the FIFO at 1 frame, 'c' is still in it
        At(2 * Frame8N1);
        Assert.True(_u.Int.Level);  // 'c' moved to the shift register: FIFO empty, THRE at once
        Assert.Equal(IIR_FIFO | IIR_THRE, R(_u, UnIIR));
        Assert.False(_u.Int.Level);
        At(3 * Frame8N1);
        Assert.Equal([(byte)'a', (byte)'b', (byte)'c'], _sent.Select(x => x.Data));
        Assert.False(_u.Int.Level);
    }

    [Fact]
    public void HostInputArrivesAtTheMiddleOfTheStopBit()
    {
        Init(_u, ier: IER_RBR);
        _u.EnqueueHostInput("hi"u8);
        At(MidStop8N1 - T);
        Assert.Equal(0u, R(_u, UnLSR) & LSR_RDR);
        Assert.False(_u.Int.Level);
        At(MidStop8N1);
        Assert.True(_u.Int.Level);
        Assert.Equal(IIR_FIFO | IIR_RDA, R(_u, UnIIR));
        Assert.Equal((uint)'h', R(_u, UnRBR));
        Assert.False(_u.Int.Level);
        At(Frame8N1 + MidStop8N1);
        Assert.Equal((uint)'i', R(_u, UnRBR));
        Assert.Equal(1, _u.HostInputPending); // its stop bit is still on the line
        At(2 * Frame8N1);
        Assert.Equal(0, _u.HostInputPending);
    }

    [Theory]
    [InlineData(0x07u, 1)]
    [InlineData(0x47u, 4)]
    [InlineData(0x87u, 8)]
    [InlineData(0xC7u, 14)]
    public void ReceiveDataAvailableAtTheTriggerLevel(uint fcr, int trigger)
    {
        Init(_u, fcr: fcr, ier: IER_RBR);
        _u.EnqueueHostInput(Enumerable.Range(0, 16).Select(i => (byte)('A' + i)).ToArray());
        long arrival = (trigger - 1) * Frame8N1 + MidStop8N1;
        At(arrival - T);
        Assert.False(_u.Int.Level);
        Assert.Equal(trigger - 1, _u.RxFifoLevel);
        At(arrival);
        Assert.True(_u.Int.Level);
        Assert.Equal(IIR_FIFO | IIR_RDA, R(_u, UnIIR));
        // Below the trigger level again: RDA goes.
        Assert.Equal((uint)'A', R(_u, UnRBR));
        Assert.False(_u.Int.Level);
    }

    [Fact]
    public void CharacterTimeoutAfterTheManualsRclkCount()
    {
        Init(_u, fcr: 0x47, ier: IER_RBR); // trigger level 4
        _u.EnqueueHostInput("x"u8);
        // [(10 bits)·7 − 2]·8 + [(4 − 1)·8 + 1] = 569 RCLK after the character arrived.
        long cti = MidStop8N1 + 569L * Div * T;
        At(cti - T);
        Assert.False(_u.Int.Level);
        At(cti);
        Assert.True(_u.Int.Level);
        Assert.Equal(IIR_FIFO | IIR_CTI, R(_u, UnIIR));
        Assert.Equal((uint)'x', R(_u, UnRBR));
        Assert.False(_u.Int.Level);

        // Two characters, one read: the timer restarts at the read, with one character left (trigger − 1 = 3).
        _u.EnqueueHostInput("yz"u8);
        long t0 = _pclk.TimeOfEdge(_pclk.EdgeAtOrAfter(_s.Now));
        At(t0 + Frame8N1 + MidStop8N1);
        Assert.Equal(2, _u.RxFifoLevel);
        long read = _s.Now + 100 * T;
        At(read);
        Assert.Equal((uint)'y', R(_u, UnRBR));
        long cti2 = read + 569L * Div * T;
        At(cti2 - T);
        Assert.False(_u.Int.Level);
        At(cti2);
        Assert.Equal(IIR_FIFO | IIR_CTI, R(_u, UnIIR));
    }

    [Fact]
    public void TxdToRxdWireDeliversBackToBackFrames()
    {
        var rx = New("uart1");
        Lpc2000Uart.Type.ConnectInput(rx, "RXD", Lpc2000Uart.Type.Output(_u, "TXD"));
        Init(_u);
        Init(rx, fcr: 0xC7);
        byte[] data = Enumerable.Range(0, 16).Select(i => (byte)(0x30 + 7 * i)).ToArray();
        foreach (byte b in data) W(_u, UnTHR, b);
        for (int k = 0; k < 16; k++)
        {
            At(k * Frame8N1 + MidStop8N1 - T);
            Assert.Equal(k, rx.RxFifoLevel);
            At(k * Frame8N1 + MidStop8N1);
            Assert.Equal(k + 1, rx.RxFifoLevel);
        }
        Assert.Equal(LSR_RDR | LSR_THRE | LSR_TEMT, R(rx, UnLSR));
        foreach (byte b in data) Assert.Equal(b, R(rx, UnRBR));
        Assert.Equal(0u, R(rx, UnLSR) & (LSR_RDR | LSR_OE | LSR_FE | LSR_PE | LSR_BI));
    }

    [Fact]
    public void OwnTxdWiredToOwnRxdLoopsBack()
    {
        Lpc2000Uart.Type.ConnectInput(_u, "RXD", _u.Txd);
        Init(_u);
        var got = new List<uint>();
        int next = 0;
        while (next < 40)
        {
            // Keep the FIFO fed and drain the receiver as a polling driver would, once per bit time.
            if ((R(_u, UnLSR) & LSR_THRE) != 0)
                for (int k = 0; k < 8 && next < 40; k++) W(_u, UnTHR, (uint)('!' + next++));
            while ((R(_u, UnLSR) & LSR_RDR) != 0) got.Add(R(_u, UnRBR));
            At(_s.Now + Bit);
        }
        At(_s.Now + 20 * Frame8N1);
        while ((R(_u, UnLSR) & LSR_RDR) != 0) got.Add(R(_u, UnRBR));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (uint)('!' + i)), got);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (byte)('!' + i)), _sent.Select(s => s.Data));
        // Back to back: frame k ends at (k + 1) frames.
        Assert.Equal(Enumerable.Range(1, 40).Select(k => k * Frame8N1), _sent.Select(s => s.Tick));
    }

    [Fact]
    public void ReceiveErrorsFromTheLineLevels()
    {
        var line = new IrqLine("rxd");
        line.Set(true);
        Lpc2000Uart.Type.ConnectInput(_u, "RXD", line);
        Init(_u, lcr: 0x03 | LCR_PARITY | 0x10, ier: IER_RBR | IER_RLS); // 8E1
        // 'A' = 0x41 has two ones: even parity bit 0. Send 1: parity error.
        Drive(line, 0, "0" + "10000010" + "1" + "1");
        At(11 * Bit);
        Assert.Equal(IIR_FIFO | IIR_RLS, R(_u, UnIIR));
        Assert.Equal(LSR_RDR | LSR_PE | LSR_THRE | LSR_TEMT | LSR_RXFE, R(_u, UnLSR));
        // The LSR read cleared PE (RLS gone); RXFE stays while the erroneous character is in the FIFO.
        Assert.Equal(IIR_FIFO | IIR_RDA, R(_u, UnIIR));
        Assert.Equal(0x41u, R(_u, UnRBR));
        Assert.Equal(LSR_THRE | LSR_TEMT | LSR_RXFE, R(_u, UnLSR));
        Assert.Equal(LSR_THRE | LSR_TEMT, R(_u, UnLSR));

        // 8N1 framing error: stop bit low (and the line not low throughout).
        W(_u, UnLCR, 0x03);
        long t = 20 * Bit;
        Drive(line, t, "0" + "11111111" + "0" + "1");
        At(t + 9 * Bit + Bit / 2);
        Assert.Equal(LSR_RDR | LSR_FE | LSR_THRE | LSR_TEMT | LSR_RXFE, R(_u, UnLSR));
        Assert.Equal(0xFFu, R(_u, UnRBR));
        // The low stop bit was taken as the next start bit: a second character of ones, without error.
        // (RXFE still shows once: the LSR read above found the erroneous character in the FIFO.)
        At(t + 19 * Bit);
        Assert.Equal(LSR_RDR | LSR_THRE | LSR_TEMT | LSR_RXFE, R(_u, UnLSR));
        Assert.Equal(0xFFu, R(_u, UnRBR));
        Assert.Equal(LSR_THRE | LSR_TEMT, R(_u, UnLSR));

        // Break: low for more than a character: one 0 character with BI, nothing more until the line is high.
        t = 40 * Bit;
        Drive(line, t, "0");
        Drive(line, t + 25 * Bit, "1");
        At(t + 25 * Bit);
        Assert.Equal(1, _u.RxFifoLevel);
        Assert.Equal(LSR_RDR | LSR_BI | LSR_FE | LSR_THRE | LSR_TEMT | LSR_RXFE, R(_u, UnLSR));
        Assert.Equal(0u, R(_u, UnRBR));
        // Then a normal character is received again.
        t = 30 * Bit + t;
        Drive(line, t, Bits8N1(0x5A));
        At(t + 10 * Bit);
        Assert.Equal(0x5Au, R(_u, UnRBR));
        Assert.Equal(LSR_THRE | LSR_TEMT | LSR_RXFE, R(_u, UnLSR));
        Assert.Equal(LSR_THRE | LSR_TEMT, R(_u, UnLSR));
    }

    [Fact]
    public void FalseStartBitIsIgnored()
    {
        var line = new IrqLine("rxd");
        line.Set(true);
        Lpc2000Uart.Type.ConnectInput(_u, "RXD", line);
        Init(_u);
        Drive(line, 0, "01", bitTicks: Bit / 4); // a glitch shorter than half a bit
        At(2 * Frame8N1);
        Assert.Equal(0, _u.RxFifoLevel);
        Assert.Equal(LSR_THRE | LSR_TEMT, R(_u, UnLSR));
    }

    [Fact]
    public void OverrunKeepsTheFifoAndLosesTheNewCharacter()
    {
        Init(_u, ier: IER_RLS);
        _u.EnqueueHostInput(Enumerable.Range(0, 17).Select(i => (byte)('a' + i)).ToArray());
        At(16 * Frame8N1 + MidStop8N1);
        Assert.Equal(16, _u.RxFifoLevel);
        Assert.True(_u.Int.Level);
        Assert.Equal(LSR_RDR | LSR_OE | LSR_THRE | LSR_TEMT, R(_u, UnLSR));
        Assert.False(_u.Int.Level);
        for (int i = 0; i < 16; i++) Assert.Equal((uint)('a' + i), R(_u, UnRBR));
    }

    [Fact]
    public void FifoResetBits()
    {
        Init(_u);
        foreach (char c in "abc") W(_u, UnTHR, c);
        Assert.Equal(2, _u.TxFifoLevel);
        W(_u, UnFCR, FCR_FIFO | FCR_TXRESET);
        Assert.Equal(0, _u.TxFifoLevel);
        Assert.Equal(LSR_THRE, R(_u, UnLSR)); // the character in the shift register carries on
        _u.EnqueueHostInput("xyz"u8);
        At(3 * Frame8N1);
        Assert.Equal([(byte)'a'], _sent.Select(s => s.Data));
        Assert.Equal(3, _u.RxFifoLevel);
        W(_u, UnFCR, FCR_FIFO | FCR_RXRESET);
        Assert.Equal(0, _u.RxFifoLevel);
        Assert.Equal(LSR_THRE | LSR_TEMT, R(_u, UnLSR));
        // The trigger level bits are kept from the write that enabled them.
        Assert.Equal(IIR_FIFO | IIR_NONE, R(_u, UnIIR));
        W(_u, UnFCR, 0); // FIFOs off: one-character holding registers, IIR[7:6] = 0
        Assert.Equal(IIR_NONE, R(_u, UnIIR));
    }

    [Fact]
    public void IirPriorityOrder()
    {
        var line = new IrqLine("rxd");
        line.Set(true);
        Lpc2000Uart.Type.ConnectInput(_u, "RXD", line);
        Init(_u, ier: IER_RBR | IER_THRE | IER_RLS);
        Assert.Equal(IIR_FIFO | IIR_THRE, R(_u, UnIIR)); // clears THRE
        W(_u, UnIER, 0);
        W(_u, UnIER, IER_RBR | IER_THRE | IER_RLS);      // THRE pending again
        Drive(line, 0, "0" + "11111111" + "0" + "1" + "1111111111"); // framing error, then idle
        At(12 * Bit);
        // RLS > RDA > THRE.
        Assert.Equal(IIR_FIFO | IIR_RLS, R(_u, UnIIR));
        R(_u, UnLSR);
        Assert.Equal(IIR_FIFO | IIR_RDA, R(_u, UnIIR));
        // resync after FE: the low stop bit started a second character of ones.
        At(20 * Bit);
        R(_u, UnRBR);
        R(_u, UnRBR);
        Assert.Equal(IIR_FIFO | IIR_THRE, R(_u, UnIIR));
        Assert.Equal(IIR_FIFO | IIR_NONE, R(_u, UnIIR));
        Assert.False(_u.Int.Level);
        // An interrupt that IER does not enable is not shown.
        W(_u, UnIER, IER_RBR);
        W(_u, UnTHR, 'q');
        At(_s.Now + 2 * Frame8N1);
        Assert.Equal(IIR_FIFO | IIR_NONE, R(_u, UnIIR));
    }

    [Fact]
    public void PclkChangeMidFrameStretchesTheRemainingBits()
    {
        var rx = New("uart1");
        Lpc2000Uart.Type.ConnectInput(rx, "RXD", _u.Txd);
        Init(_u);
        Init(rx);
        var edges = RecordTxd(_u);
        W(_u, UnTHR, 0x55); // 1010 1010 LSB first: an edge every bit
        At(5 * Bit);
        // VPBDIV: PCLK = CCLK / 2 from here on. The 5 bits left take twice as long.
        _pclk.SetFrequency(Pclk / 2, _s.Now);
        long end = 5 * Bit + 5 * 2 * Bit;
        At(end - 2);
        Assert.Empty(_sent);
        At(end);
        Assert.Equal((end, (byte)0x55), Assert.Single(_sent));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (i <= 5 ? i * Bit : 5 * Bit + (i - 5) * 2 * Bit, i % 2 == 1)), edges);
        // The receiver on the same PCLK follows the change and gets the byte, at its stop bit's middle.
        Assert.Equal(1, rx.RxFifoLevel);
        Assert.Equal(0x55u, R(rx, UnRBR));
        Assert.Equal(0u, R(rx, UnLSR) & (LSR_FE | LSR_PE | LSR_BI));
        // A frame after the change: 10 × 16 × 32 cycles of the new PCLK (4 ticks each).
        W(_u, UnTHR, 0x01);
        long t0 = _s.Now;
        At(t0 + 2 * Frame8N1);
        Assert.Equal(t0 + 2 * Frame8N1, _sent[1].Tick);
    }

    [Fact]
    public void UnobservedTxdSchedulesNoBitEdgesAndKeepsItsTiming()
    {
        var quiet = New("quiet");
        var seen = new List<long>();
        quiet.TxSink = _ => seen.Add(_s.EventTime);
        Init(quiet);
        Init(_u);
        RecordTxd(_u);
        W(quiet, UnTHR, 0x55);
        int quietPending = _s.PendingCount;
        W(_u, UnTHR, 0x55);
        // _u: frame end, THRE delay and its TXD edge; quiet: no TXD edge event.
        Assert.Equal(2, quietPending);
        Assert.Equal(5, _s.PendingCount);
        At(Frame8N1);
        Assert.Equal([Frame8N1], seen);
        Assert.Equal(Frame8N1, Assert.Single(_sent).Tick);
        // Taking the line mid-frame shows the bit on the line at once.
        W(quiet, UnTHR, 0x0F);
        At(Frame8N1 + 2 * Bit + 10);
        Assert.True(quiet.Txd.Level);     // bit 1 of 0x0F (data bit 1) is 1
        var edges = RecordTxd(quiet);
        At(3 * Frame8N1);
        Assert.Equal([(Frame8N1 + 5 * Bit, false), (Frame8N1 + 9 * Bit, true)], edges);
    }

    /// <summary>
    /// UM10275 Table 89: RXFE is set when a character with an error is loaded into UnRBR (reaches the
    /// top of the FIFO), not when it enters the FIFO behind a good one.
    /// </summary>
    [Fact]
    public void RxfeIsSetWhenTheErroredCharacterReachesRbr()
    {
        var line = new IrqLine("rxd");
        line.Set(true);
        Lpc2000Uart.Type.ConnectInput(_u, "RXD", line);
        Init(_u, lcr: 0x03 | LCR_PARITY | 0x10, ier: 0); // 8E1
        Drive(line, 0, "0" + "10000010" + "0" + "1");     // 'A' with its even parity: good
        Drive(line, 11 * Bit, "0" + "10000010" + "1" + "1"); // 'A' with a parity error
        At(23 * Bit);
        Assert.Equal(2, _u.RxFifoLevel);
        Assert.Equal(LSR_RDR | LSR_THRE | LSR_TEMT, R(_u, UnLSR)); // the errored one is behind the good one
        Assert.Equal(0x41u, R(_u, UnRBR));
        Assert.Equal(LSR_RDR | LSR_PE | LSR_THRE | LSR_TEMT | LSR_RXFE, R(_u, UnLSR));
        Assert.Equal(0x41u, R(_u, UnRBR));
        // That LSR read found the errored character still in the FIFO: RXFE shows once more, then clears.
        Assert.Equal(LSR_THRE | LSR_TEMT | LSR_RXFE, R(_u, UnLSR));
        Assert.Equal(LSR_THRE | LSR_TEMT, R(_u, UnLSR));
    }

    [Fact]
    public void ModemLinesStatusAndInterrupt()
    {
        var u1 = New("uart1", modem: true);
        var cts = new IrqLine("cts");
        var ri = new IrqLine("ri");
        cts.Set(true);
        ri.Set(true);
        Lpc2000Uart.Type.ConnectInput(u1, "CTS", cts);
        Lpc2000Uart.Type.ConnectInput(u1, "RI", ri);
        Assert.Equal(0u, R(u1, UnMSR));
        Assert.Equal(0u, R(u1, UnMCR));
        W(u1, UnIER, 0x0F);
        Assert.Equal(0x0Fu, R(u1, UnIER));
        Assert.Equal(IIR_THRE, R(u1, UnIIR)); // clear the initial THRE
        // RTS/DTR pins are active low.
        W(u1, UnMCR, MCR_RTS | MCR_DTR);
        Assert.False(u1.Rts.Level);
        Assert.False(u1.Dtr.Level);
        // CTS asserted (pin low): CTS and DCTS, modem status interrupt (the lowest priority).
        cts.Set(false);
        Assert.True(u1.Int.Level);
        Assert.Equal(IIR_MS, R(u1, UnIIR));
        Assert.Equal(MSR_CTS | MSR_DCTS, R(u1, UnMSR));
        Assert.False(u1.Int.Level);
        Assert.Equal(MSR_CTS, R(u1, UnMSR));
        // RI: TERI on the pin's low-to-high transition only.
        ri.Set(false);
        Assert.Equal(MSR_CTS | MSR_RI, R(u1, UnMSR));
        ri.Set(true);
        Assert.Equal(MSR_CTS | MSR_TERI, R(u1, UnMSR));
        // THRE outranks modem status.
        cts.Set(true);
        W(u1, UnIER, 0x0D);
        W(u1, UnIER, 0x0F);
        Assert.Equal(IIR_THRE, R(u1, UnIIR));
        Assert.Equal(IIR_MS, R(u1, UnIIR));
        Assert.Equal(MSR_DCTS, R(u1, UnMSR));

        // Loopback: CTS = RTS, DSR = DTR, the transmitter feeds the receiver, TXD stays high.
        Init(u1, ier: 0);
        var sent = new List<byte>();
        u1.TxSink = sent.Add;
        var txd = RecordTxd(u1);
        W(u1, UnMCR, MCR_LOOP | MCR_RTS);
        Assert.Equal(MCR_LOOP, R(u1, UnMCR));        // Table 106: DTR and RTS read 0 in loopback
        Assert.True(u1.Rts.Level);
        Assert.Equal(MSR_CTS | MSR_DCTS, R(u1, UnMSR));
        long t0 = _s.Now;
        W(u1, UnTHR, 0xA7);
        At(t0 + MidStop8N1);
        Assert.Equal(LSR_RDR, R(u1, UnLSR) & LSR_RDR);
        Assert.Equal(0xA7u, R(u1, UnRBR));
        At(t0 + 2 * Frame8N1);
        Assert.Empty(sent);
        Assert.Empty(txd);
        W(u1, UnMCR, 0);
        Assert.Equal(MSR_DCTS, R(u1, UnMSR));
    }

    [Fact]
    public void ReservedOffsetsWarnAndReadZero()
    {
        Assert.Equal(0u, R(_u, 0x20));
        W(_u, 0x3FFC, 1);
        Assert.Equal(0u, R(_u, UnMCR)); // UART0 has no modem registers
        W(_u, UnLSR, 0xFF);
        Assert.Equal(
            ["uart0: read of reserved offset 0x020", "uart0: write to reserved offset 0x3FFC ignored", "uart0: read of reserved offset 0x010", "uart0: write to read-only UnLSR ignored"],
            _warnings);
        Assert.Equal(ResetLSR, R(_u, UnLSR));
    }

    [Fact]
    public void RegisterAccessCatchesUpDeadlinesPassedWithinAnInstruction()
    {
        Init(_u);
        _u.EnqueueHostInput("k"u8);
        W(_u, UnTHR, 'm');
        // The CPU is past the frame ends in the middle of an instruction; the scheduler has not run yet.
        _s.Cycles = _s.CpuClock.EdgeAtOrAfter(Frame8N1 + 10);
        Assert.Equal(LSR_RDR | LSR_THRE | LSR_TEMT, R(_u, UnLSR));
        Assert.Equal([(byte)'m'], _sent.Select(x => x.Data));
        Assert.Equal((uint)'k', R(_u, UnRBR));
        _s.RunDue();
        Assert.Single(_sent);
        Assert.Equal(0, _u.RxFifoLevel);
    }

    private sealed class TraceProbe : ISignalBinder
    {
        public readonly Dictionary<string, List<(long, ulong)>> Changes = new();
        public readonly List<string> SampledNames = new();
        private readonly Scheduler _s;
        public TraceProbe(Scheduler s) => _s = s;
        public long EventTime => _s.EventTime;
        public void Line(string name, IrqLine line)
        {
            var l = Changes[name] = new();
            line.Subscribe(v => l.Add((_s.EventTime, v ? 1UL : 0UL)));
        }
        public void Sampled(string name, int width, Func<ulong> sample, long edgePeriodTicks) => SampledNames.Add(name);
        public Action<long, ulong> Driven(string name, int width, ulong initial)
        {
            var l = Changes[name] = new();
            return (t, v) => l.Add((t, v));
        }
    }

    [Fact]
    public void TraceSignalsFollowTheLinesBitByBit()
    {
        var probe = new TraceProbe(_s);
        Lpc2000Uart.Type.DeclareSignals(_u, probe);
        Assert.Equal(["TXD", "RXD", "INT"], probe.Changes.Keys);
        Assert.Equal(["TxFifoLevel", "RxFifoLevel"], probe.SampledNames);
        Init(_u, ier: IER_RBR);
        _u.EnqueueHostInput([0x0F]);
        W(_u, UnTHR, 0xF0);
        At(2 * Frame8N1);
        Assert.Equal([(0L, 0UL), (Bit, 1UL), (5 * Bit, 0UL), (9 * Bit, 1UL)], probe.Changes["RXD"]);
        Assert.Equal([(0L, 0UL), (5 * Bit, 1UL)], probe.Changes["TXD"]);
        Assert.Equal([(MidStop8N1, 1UL)], probe.Changes["INT"]);
    }
}
