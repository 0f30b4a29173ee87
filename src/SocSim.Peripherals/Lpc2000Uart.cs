using System.Numerics;
using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// UART0 / UART1 of the NXP LPC2104/2105/2106 (user manual, chapters "UART0" and "UART1"): the
/// 16550-style register set with 16-byte receive and transmit FIFOs, the interrupt identification
/// and priorities, the character time-out, line errors, UART1's modem interface (parameter
/// <c>modem</c>), and the serial lines bit by bit on the TXD and RXD pins.
/// </summary>
/// <remarks>
/// Nothing ticks. Every deadline is a PCLK edge number (the frame end, the next receive sample, the
/// character time-out, the THRE delay, the next TXD edge) turned into a tick through the clock
/// domain, so a PCLK that changes frequency mid-frame (VPBDIV, the PLL) re-times what is pending:
/// the bits already on the line keep their length, the rest follow the new rate.
/// <list type="bullet">
/// <item>Baud: one bit is 16 cycles of the 16× clock RCLK = PCLK / divisor, divisor = UnDLM:UnDLL;
/// 0 is treated as 1 (UnDLL/UnDLM description: division by zero is not allowed). Format and
/// divisor are latched when a frame starts; a frame starts on the first PCLK edge at or after the
/// character is available (the phase of the free-running baud generator is not modelled: it would
/// delay a start bit by 0 to divisor−1 PCLK cycles), and back to back on the previous frame's end edge.</item>
/// <item>Transmit: start bit low, 5–8 data bits LSB first, parity, 1, 1.5 (5-bit words) or 2 stop
/// bits. The character goes from UnTHR (the TX FIFO) to the shift register when the frame starts;
/// it reaches <see cref="TxSink"/> at the end of the last stop bit.</item>
/// <item>Receive: the receiver watches its line (the RXD pin AND the host's line, see
/// <see cref="EnqueueHostInput"/>). A falling edge while idle starts its 16× counter on the first
/// PCLK edge at or after the edge; the start bit is checked 8 RCLK later (a high level there is a
/// false start), then every bit at its middle, 16 RCLK apart. The level sampled at a tick is the
/// level the line had just before it. The character enters the RX FIFO at the middle of the first
/// stop bit (only the first stop bit is checked). A low stop bit is a framing error; the receiver then
/// takes the low stop bit as the start bit of the next character (UnLSR.FE description). A line held
/// low from the start bit to the stop bit is a break: a 0 character with BI (and FE), after which the
/// receiver waits for the line to go high.</item>
/// <item>Character time-out (UnIIR, table "Interrupt handling"): [(word length)·7 − 2]·8 +
/// [(trigger level − number of characters)·8 + 1] RCLKs after the last RX FIFO activity (a character
/// received or read). "Word length" is read as the length of a whole character in bits (start,
/// data, parity, stop: 10 for 8N1), the only reading near the manual's "3.5 to 4.5 character times"
/// (the data bits alone, 8, give 2.7): for 8N1 (7·10 − 2)·8 = 544 RCLKs = 3.4 character times, plus
/// 8 RCLKs (half a bit) per character the FIFO lacks to its trigger level, plus 1: 545 RCLKs = 3.41
/// character times with one character at trigger level 1, 649 = 4.06 at trigger level 14. The number
/// of characters is the FIFO level after that activity.</item>
/// <item>THRE interrupt (UnIIR, THRE description): when the THR FIFO becomes empty it is set at once if
/// the FIFO held two or more characters at a time since the last THRE event, else one character time
/// minus the stop bits later (if the FIFO is still empty). Writing UnTHR or reading UnIIR while THRE is
/// the interrupt shown clears it. Enabling it in UnIER while the FIFO is empty sets it, as on a 16550
/// (the manual does not say).</item>
/// <item>With UnFCR.0 = 0 (the manual says it must be 1) the FIFOs are one character deep, the trigger
/// level is 1 and there is no character time-out; UnFCR[7:1] are written only together with FCR0 = 1.</item>
/// <item>Fractional divider (parameter <c>part</c> = <c>01</c>: the LPC2106/01's UnFDR at offset 0x28,
/// UM10275 §9.5.4 Table 82, §10.5.4 Table 99; reset 0x10: MULVAL 1, DIVADDVAL 0, no effect). It pre-scales
/// PCLK before the divisor, so baud = PCLK / (16 × (256 × UnDLM + UnDLL) × (1 + DIVADDVAL / MULVAL))
/// (§9.5.4, equation 2): one RCLK lasts divisor × (MULVAL + DIVADDVAL) / MULVAL PCLK cycles on average. The
/// manual does not say which PCLK pulses the pre-scaler drops; we spread them evenly from the frame's start:
/// RCLK n of a frame is PCLK edge StartEdge + ⌊n × divisor × (MULVAL + DIVADDVAL) / MULVAL⌋, so every bit
/// time is the formula's within one PCLK and a whole frame is exact to one PCLK. UnFDR is latched with the
/// format when a frame starts (the manual: it "should not be modified while transmitting/receiving").
/// A value outside the manual's conditions (0 &lt; MULVAL ≤ 15, DIVADDVAL &lt; MULVAL; "the fractional divider
/// output is undefined") is kept in the register, warned, and divides as the reset value (no pre-scaling); an
/// active divider with UnDLM = 0 and UnDLL &lt; 3 ("must be 3 or greater") is warned when a frame starts and
/// used as written. The /01's auto-baud (UnACR), UnTER and UART1's auto-flow control are not modelled. On the
/// legacy part offset 0x28 is reserved (a warning, reads 0).</item>
/// </list>
/// </remarks>
public sealed class Lpc2000Uart : IBusDevice, ISerialPort, IDeviceModel, IStateful
{
    /// <summary>
    /// LPC2000 UART (UART0, or UART1 with <c>modem</c>), a 16 KiB APB slot. Outputs: INT to the VIC,
    /// the TXD pin (and RTS, DTR); inputs: the RXD pin (and CTS, DSR, DCD, RI). Modem pins carry the
    /// pin level: active low, as on the chip (an unconnected input is high, i.e. inactive).
    /// </summary>
    public static DeviceType Type { get; } = DeviceType.Define<Lpc2000Uart>("lpc_uart", "NXP LPC2104/2105/2106 UART0/UART1 (16550-style, 16-byte FIFOs)")
        .Window(0x4000)
        .Parameter("console", false, "connect the UART to the host terminal: transmitted bytes go to stdout, stdin feeds the receiver")
        .Parameter("modem", false, "UART1's modem interface: U1MCR, U1MSR, the modem status interrupt, inputs CTS/DSR/DCD/RI and outputs RTS/DTR")
        .Parameter("part", "legacy", Lpc2106Part.Describe("the fractional baud rate divider UnFDR (UM10275 §9.5.4)"))
        .Output("INT", u => u.Int, "interrupt request: high while UnIIR shows a pending interrupt that UnIER enables")
        .Output("TXD", u => u.Txd, "transmit data pin, idle high", resetHigh: true)
        .Output("RTS", u => u.Rts, "request to send pin (active low), idle high", resetHigh: true)
        .Output("DTR", u => u.Dtr, "data terminal ready pin (active low), idle high", resetHigh: true)
        .Input("RXD", (u, l) => u.ConnectRxd(l), "receive data pin (high when idle)")
        .Input("CTS", (u, l) => u.ConnectModem(0, l), "clear to send pin (active low, modem only)")
        .Input("DSR", (u, l) => u.ConnectModem(1, l), "data set ready pin (active low, modem only)")
        .Input("RI", (u, l) => u.ConnectModem(2, l), "ring indicator pin (active low, modem only)")
        .Input("DCD", (u, l) => u.ConnectModem(3, l), "data carrier detect pin (active low, modem only)")
        .Signals((u, s) =>
        {
            s.Line("TXD", u.Txd);
            u._rxdTrace = s.Driven("RXD", 1, u._lineLevel ? 1UL : 0UL);
            s.Line("INT", u.Int);
            s.Sampled("TxFifoLevel", 5, () => (ulong)u.TxFifoLevel, 0);
            s.Sampled("RxFifoLevel", 5, () => (ulong)u.RxFifoLevel, 0);
        })
        .Build(c => new Lpc2000Uart(c.Name, c.Scheduler, c.Clock, c.Parameter<bool>("modem"), c.Warn, Lpc2106Part.Is01(c)));


    // Register offsets (UART0/UART1 chapters, "Register description"); DLAB = UnLCR.7.
    public const uint UnRBR = 0x00, UnTHR = 0x00, UnDLL = 0x00; // RBR read / THR write with DLAB = 0; DLL with DLAB = 1
    public const uint UnIER = 0x04, UnDLM = 0x04;               // IER with DLAB = 0; DLM with DLAB = 1
    public const uint UnIIR = 0x08, UnFCR = 0x08;               // IIR read, FCR write
    public const uint UnLCR = 0x0C;
    public const uint UnMCR = 0x10;                              // UART1 only
    public const uint UnLSR = 0x14;
    public const uint UnMSR = 0x18;                              // UART1 only
    public const uint UnSCR = 0x1C;
    public const uint UnFDR = 0x28;                              // part 01 only
    public const uint ResetFDR = 0x10;

    // UnIER bits.
    public const uint IER_RBR = 1u << 0, IER_THRE = 1u << 1, IER_RLS = 1u << 2, IER_MS = 1u << 3;
    // UnIIR: bit 0 IntStatus (1 = none pending), [3:1] IntId, [7:6] FIFO enable.
    public const uint IIR_NONE = 0x01, IIR_RLS = 0x06, IIR_RDA = 0x04, IIR_CTI = 0x0C, IIR_THRE = 0x02, IIR_MS = 0x00, IIR_FIFO = 0xC0;
    // UnFCR bits.
    public const uint FCR_FIFO = 1u << 0, FCR_RXRESET = 1u << 1, FCR_TXRESET = 1u << 2;
    // UnLCR bits.
    public const uint LCR_STOP2 = 1u << 2, LCR_PARITY = 1u << 3, LCR_BREAK = 1u << 6, LCR_DLAB = 1u << 7;
    // UnLSR bits.
    public const uint LSR_RDR = 1u << 0, LSR_OE = 1u << 1, LSR_PE = 1u << 2, LSR_FE = 1u << 3, LSR_BI = 1u << 4,
        LSR_THRE = 1u << 5, LSR_TEMT = 1u << 6, LSR_RXFE = 1u << 7;
    // U1MCR bits.
    public const uint MCR_DTR = 1u << 0, MCR_RTS = 1u << 1, MCR_LOOP = 1u << 4;
    // U1MSR bits.
    public const uint MSR_DCTS = 1u << 0, MSR_DDSR = 1u << 1, MSR_TERI = 1u << 2, MSR_DDCD = 1u << 3,
        MSR_CTS = 1u << 4, MSR_DSR = 1u << 5, MSR_RI = 1u << 6, MSR_DCD = 1u << 7;

    public const uint ResetIIR = 0x01, ResetLSR = 0x60, ResetDLL = 0x01;
    public const int FifoDepth = 16;
    private const uint ErrorBits = LSR_OE | LSR_PE | LSR_FE | LSR_BI;

    private readonly Scheduler _s;
    private readonly ClockDomain _clk;
    private readonly Action<string> _warn;
    private readonly bool _modem;
    private readonly IrqLine _txd;

    private readonly Deadline _txEnd, _threDelay, _cti, _rxSample, _hostEdge, _pin;
    private readonly Deadline[] _catchUp;
    private bool _inCatchUp;

    // Registers.
    private uint _ier, _lcr, _scr, _mcr, _dll = ResetDLL, _dlm, _fdr = ResetFDR;
    private readonly bool _part01;
    private bool _fifoEnabled;
    private uint _rxTriggerSel;
    private uint _lsrErr;      // OE, PE, FE, BI: set by events, cleared by reading UnLSR
    private bool _rxfe;
    private uint _msr;         // U1MSR: state [7:4] and deltas [3:0]
    private bool _threInt, _ctiInt, _thrHeldTwo;

    // FIFOs. RX entries carry the LSR error bits of their character in bits [12:8].
    private readonly byte[] _txFifo = new byte[FifoDepth];
    private int _txHead, _txCount;
    private readonly ushort[] _rxFifo = new ushort[FifoDepth];
    private int _rxHead, _rxCount, _rxErrCount;

    // Transmitter.
    private bool _txBusy;
    private Frame _txFrame;
    private bool _txdObserved;
    private bool _txLine = true; // the shift register's output (before break and loopback)
    private readonly Frame[] _pinFrames = new Frame[8];
    private int _pinHead, _pinCount, _pinBit;

    // Receiver and its line.
    private enum RxState : byte { Idle, Frame, BreakWait }
    private RxState _rxState;
    private Frame _rxFrame;
    private int _rxBit, _rxData;
    private bool _rxParity, _rxSawHigh;
    private IrqLine? _rxdIn;
    private bool _wiredLevel = true, _hostLevel = true, _loopLevel = true;
    private bool _lineLevel = true, _prevLineLevel = true;
    private long _lineTick = long.MinValue;
    private Action<long, ulong>? _rxdTrace;

    // The host's line (EnqueueHostInput).
    private readonly Queue<byte> _hostQueue = new();
    private bool _hostBusy;
    private Frame _hostFrame;
    private int _hostBit;

    // Modem inputs: pin levels of CTS, DSR, RI, DCD (high = inactive).
    private readonly bool[] _modemPins = [true, true, true, true];

    /// <param name="part01">The LPC2106/01: UnFDR exists (see the class remarks).</param>
    public Lpc2000Uart(string name, Scheduler scheduler, ClockDomain pclk, bool modem = false, Action<string>? warn = null, bool part01 = false)
    {
        Name = name;
        _part01 = part01;
        _s = scheduler;
        _clk = pclk;
        _modem = modem;
        _warn = warn ?? (_ => { });
        _txEnd = new Deadline(this, name + ".txFrameEnd", OnTxFrameEnd, true);
        _threDelay = new Deadline(this, name + ".threDelay", OnThreDelay, true);
        _cti = new Deadline(this, name + ".charTimeout", OnCharTimeout, true);
        _rxSample = new Deadline(this, name + ".rxSample", OnRxSample, true);
        _hostEdge = new Deadline(this, name + ".hostLine", OnHostEdge, true);
        // TXD edges are driven from the scheduler only, never from a register access's catch-up, so
        // that a listener (another UART's RXD) sees them at Scheduler.EventTime = the edge's own tick.
        _pin = new Deadline(this, name + ".txdEdge", OnPinEdge, false);
        _catchUp = [_txEnd, _threDelay, _cti, _rxSample, _hostEdge];
        Int = new IrqLine(name + ".INT");
        _txd = new IrqLine(name + ".TXD");
        _txd.Set(true);
        Rts = new IrqLine(name + ".RTS");
        Rts.Set(true);
        Dtr = new IrqLine(name + ".DTR");
        Dtr.Set(true);
        _msr = ModemState();
        pclk.Changing += (_, tick) => CatchUp(tick);
        pclk.Changed += OnClockChanged;
    }

    public string Name { get; }

    /// <summary>The interrupt request to the VIC.</summary>
    public IrqLine Int { get; }

    /// <summary>
    /// The TXD pin, high when idle. Its bit edges are only scheduled once somebody has taken the line
    /// (the board's wiring, a tracer, a test): a line nobody holds cannot be observed.
    /// </summary>
    public IrqLine Txd
    {
        get
        {
            if (!_txdObserved) ObserveTxd();
            return _txd;
        }
    }

    /// <summary>RTS pin of UART1 (active low: low while U1MCR.RTS = 1).</summary>
    public IrqLine Rts { get; }
    /// <summary>DTR pin of UART1 (active low: low while U1MCR.DTR = 1).</summary>
    public IrqLine Dtr { get; }

    /// <summary>Receives each transmitted character at the end of its last stop bit.</summary>
    public Action<byte>? TxSink { get; set; }

    public int TxFifoLevel => _txCount;
    public int RxFifoLevel => _rxCount;
    public bool IsTransmitting => _txBusy;
    /// <summary>Bytes the host has queued that have not yet entered the receiver's line.</summary>
    public int HostInputPending => _hostQueue.Count + (_hostBusy ? 1 : 0);
    /// <summary>The divisor in force: UnDLM:UnDLL, 0 taken as 1.</summary>
    public int Divisor => Math.Max(1, (int)((_dlm << 8) | _dll));

    private bool Loopback => _modem && (_mcr & MCR_LOOP) != 0;
    private int Capacity => _fifoEnabled ? FifoDepth : 1;
    private int RxTrigger => !_fifoEnabled ? 1 : _rxTriggerSel switch { 0 => 1, 1 => 4, 2 => 8, _ => 14 };

    /// <summary>Reset (RESET pin, watchdog): registers to their reset values, FIFOs empty, frames abandoned. The host's line is outside the UART and carries on.</summary>
    public void Reset()
    {
        foreach (var d in _catchUp) if (d != _hostEdge) d.Cancel();
        _pin.Cancel();
        _ier = _lcr = _scr = _mcr = _dlm = 0;
        _fdr = ResetFDR;
        _dll = ResetDLL;
        _fifoEnabled = false;
        _rxTriggerSel = 0;
        _lsrErr = 0;
        _rxfe = _threInt = _ctiInt = _thrHeldTwo = false;
        _txHead = _txCount = _rxHead = _rxCount = _rxErrCount = 0;
        _txBusy = false;
        _txLine = true;
        _pinCount = _pinHead = 0;
        _rxState = RxState.Idle;
        _loopLevel = true;
        _txd.Set(true);
        Rts.Set(true);
        Dtr.Set(true);
        _msr = ModemState();
        UpdateLine(_s.EventTime);
        UpdateInt();
    }

    // ---- events ----

    /// <summary>
    /// One deadline of the model, kept as a PCLK edge number so that a change of the PCLK frequency
    /// re-times it. Catch-up deadlines run from <see cref="CatchUp"/> on register access as well.
    /// </summary>
    private sealed class Deadline
    {
        private readonly Lpc2000Uart _u;
        private readonly Event _event;
        private readonly Action<long, long> _callback;
        private readonly bool _catchUp;

        public Deadline(Lpc2000Uart u, string name, Action<long, long> callback, bool catchUp)
        {
            _u = u;
            _callback = callback;
            _catchUp = catchUp;
            _event = u._s.CreateEvent(name, EventPriority.Peripheral, _ => Fire());
        }

        /// <summary>The PCLK edge it is due at; -1 when not armed.</summary>
        public long Edge { get; private set; } = -1;
        /// <summary>The tick of <see cref="Edge"/> (<see cref="long.MaxValue"/> while PCLK is stopped).</summary>
        public long Due { get; private set; } = -1;
        public bool IsArmed => Edge >= 0;
        /// <summary>TXD edges catch up only in modem loopback, where they reach nobody but this UART's receiver.</summary>
        public bool CatchesUp => _catchUp || (this == _u._pin && _u.Loopback);

        public void Arm(long edge)
        {
            Edge = edge;
            Retime();
        }

        public void Retime()
        {
            var s = _u._s;
            Due = _u._clk.TimeOfEdge(Edge);
            if (Due == long.MaxValue) { s.Cancel(_event); return; }
            long floor = s.EventTime;
            if (Due >= floor) s.Schedule(_event, Due);
            else if (CatchesUp && _u._inCatchUp) s.Cancel(_event); // the catch-up loop in progress runs it
            else s.Schedule(_event, floor);
        }

        /// <summary>Edge and due tick; the scheduler saves and restores its queue entry by the event's name.</summary>
        public void SaveState(StateWriter w)
        {
            w.Write(Edge);
            w.Write(Due);
        }

        public void LoadState(StateReader r)
        {
            Edge = r.ReadLong();
            Due = r.ReadLong();
        }

        public void Cancel()
        {
            Edge = Due = -1;
            _u._s.Cancel(_event);
        }

        public void Fire()
        {
            long edge = Edge, due = Due;
            if (edge < 0) return;
            Edge = Due = -1;
            _u._s.Cancel(_event);
            _callback(edge, due);
            _u.UpdateInt();
        }
    }

    /// <summary>Runs every catch-up deadline due at or before <paramref name="limit"/>, in time order.</summary>
    // ---- checkpoint ----

    private Deadline[] AllDeadlines => [_txEnd, _threDelay, _cti, _rxSample, _hostEdge, _pin];

    private void WriteFrame(StateWriter w, in Frame f)
    {
        if (_part01) { w.Write(f.FdrMul); w.Write(f.FdrSum); } // the legacy part's state is as it always was
        w.Write(f.StartEdge);
        w.Write(f.Data);
        w.Write(f.WordLength);
        w.Write(f.StopHalfBits);
        w.Write(f.Divisor);
        w.Write((int)f.Parity);
    }

    private Frame ReadFrame(StateReader r) => new()
    {
        FdrMul = _part01 ? r.ReadInt() : 1,
        FdrSum = _part01 ? r.ReadInt() : 1,
        StartEdge = r.ReadLong(),
        Data = r.ReadInt(),
        WordLength = r.ReadInt(),
        StopHalfBits = r.ReadInt(),
        Divisor = r.ReadInt(),
        Parity = DeviceState.ReadEnum<UartParity>(r, 5),
    };

    /// <summary>
    /// Registers, both FIFOs, the transmitter (frame in flight, the TXD pin's queue of frames and
    /// its bit), the receiver (state, frame, bit, partial character), every level of the receive line
    /// (wired input as latched, host, loopback, the line and its previous level), the host's line
    /// (queued bytes, the frame on it and its bit), the latched modem pins, the six deadlines and the
    /// output levels (INT, TXD, RTS, DTR).
    /// </summary>
    /// <remarks>
    /// Whether TXD is observed (someone took <see cref="Txd"/>: a wire, a tracer) belongs to the
    /// machine loading the checkpoint, so loading ORs the saved flag into this machine's. A machine
    /// that observes TXD loading a checkpoint saved while nothing did follows TXD bit by bit from the
    /// next frame on (the frame in flight has no pin edges scheduled, and loading schedules nothing);
    /// a tool that takes <see cref="Txd"/> after loading sees the frame in flight too.
    /// </remarks>
    public void SaveState(StateWriter w)
    {
        w.Write(_ier); w.Write(_lcr); w.Write(_scr); w.Write(_mcr); w.Write(_dll); w.Write(_dlm);
        if (_part01) w.Write(_fdr);
        w.Write(_fifoEnabled);
        w.Write(_rxTriggerSel);
        w.Write(_lsrErr);
        w.Write(_rxfe);
        w.Write(_msr);
        w.Write(_threInt); w.Write(_ctiInt); w.Write(_thrHeldTwo);
        DeviceState.WriteFifo(w, _txFifo, _txHead, _txCount);
        DeviceState.WriteFifo(w, _rxFifo, _rxHead, _rxCount);
        w.Write(_rxErrCount);
        w.Write(_txBusy);
        WriteFrame(w, _txFrame);
        w.Write(_txdObserved);
        w.Write(_txLine);
        w.Write(_pinCount);
        for (int i = 0; i < _pinCount; i++) WriteFrame(w, _pinFrames[(_pinHead + i) % _pinFrames.Length]);
        w.Write(_pinBit);
        w.Write((int)_rxState);
        WriteFrame(w, _rxFrame);
        w.Write(_rxBit); w.Write(_rxData);
        w.Write(_rxParity); w.Write(_rxSawHigh);
        w.Write(_wiredLevel); w.Write(_hostLevel); w.Write(_loopLevel);
        w.Write(_lineLevel); w.Write(_prevLineLevel);
        w.Write(_lineTick);
        DeviceState.WriteQueue(w, _hostQueue);
        w.Write(_hostBusy);
        WriteFrame(w, _hostFrame);
        w.Write(_hostBit);
        foreach (bool p in _modemPins) w.Write(p);
        foreach (var d in AllDeadlines) d.SaveState(w);
        w.Write(Int.Level); w.Write(_txd.Level); w.Write(Rts.Level); w.Write(Dtr.Level);
    }

    public void LoadState(StateReader r)
    {
        _ier = r.ReadUInt(); _lcr = r.ReadUInt(); _scr = r.ReadUInt(); _mcr = r.ReadUInt(); _dll = r.ReadUInt(); _dlm = r.ReadUInt();
        if (_part01) _fdr = r.ReadUInt();
        _fifoEnabled = r.ReadBool();
        _rxTriggerSel = r.ReadUInt();
        _lsrErr = r.ReadUInt();
        _rxfe = r.ReadBool();
        _msr = r.ReadUInt();
        _threInt = r.ReadBool(); _ctiInt = r.ReadBool(); _thrHeldTwo = r.ReadBool();
        _txHead = _rxHead = 0;
        _txCount = DeviceState.ReadFifo(r, _txFifo);
        _rxCount = DeviceState.ReadFifo(r, _rxFifo);
        _rxErrCount = r.ReadCount(FifoDepth);
        _txBusy = r.ReadBool();
        _txFrame = ReadFrame(r);
        _txdObserved |= r.ReadBool();
        _txLine = r.ReadBool();
        Array.Clear(_pinFrames);
        _pinHead = 0;
        _pinCount = r.ReadCount(_pinFrames.Length);
        for (int i = 0; i < _pinCount; i++) _pinFrames[i] = ReadFrame(r);
        _pinBit = r.ReadInt();
        _rxState = DeviceState.ReadEnum<RxState>(r, 3);
        _rxFrame = ReadFrame(r);
        _rxBit = r.ReadInt(); _rxData = r.ReadInt();
        _rxParity = r.ReadBool(); _rxSawHigh = r.ReadBool();
        _wiredLevel = r.ReadBool(); _hostLevel = r.ReadBool(); _loopLevel = r.ReadBool();
        _lineLevel = r.ReadBool(); _prevLineLevel = r.ReadBool();
        _lineTick = r.ReadLong();
        DeviceState.ReadQueue(r, _hostQueue);
        _hostBusy = r.ReadBool();
        _hostFrame = ReadFrame(r);
        _hostBit = r.ReadInt();
        for (int i = 0; i < _modemPins.Length; i++) _modemPins[i] = r.ReadBool();
        foreach (var d in AllDeadlines) d.LoadState(r);
        Int.Restore(r.ReadBool()); _txd.Restore(r.ReadBool()); Rts.Restore(r.ReadBool()); Dtr.Restore(r.ReadBool());
    }

    private void CatchUp(long limit)
    {
        bool saved = _inCatchUp;
        _inCatchUp = true;
        try
        {
            while (true)
            {
                Deadline? first = null;
                foreach (var d in _catchUp)
                    if (d.IsArmed && d.Due <= limit && (first == null || d.Due < first.Due)) first = d;
                if (Loopback && _pin.IsArmed && _pin.Due <= limit && (first == null || _pin.Due < first.Due)) first = _pin;
                if (first == null) return;
                first.Fire();
            }
        }
        finally { _inCatchUp = saved; }
    }

    private void OnClockChanged(ClockDomain _, long atTick)
    {
        // Deadlines after the change move to the new rate; their edge numbers stay.
        foreach (var d in _catchUp) if (d.IsArmed && (d.Due > atTick || d.Due == long.MaxValue)) d.Retime();
        if (_pin.IsArmed && (_pin.Due > atTick || _pin.Due == long.MaxValue)) _pin.Retime();
    }

    private long NowEdge => _clk.EdgeAtOrAfter(_s.Now);

    // ---- frames ----

    /// <summary>One character frame: its first PCLK edge, format and divisor.</summary>
    private struct Frame
    {
        public long StartEdge;
        public int Data, WordLength, StopHalfBits, Divisor;
        /// <summary>The fractional pre-scaler: MULVAL and MULVAL + DIVADDVAL (1 and 1 when it does not divide).</summary>
        public int FdrMul, FdrSum;
        public UartParity Parity;

        /// <summary>Start, data and parity bits (the bits before the stop bits).</summary>
        public readonly int BitsBeforeStop => 1 + WordLength + (Parity == UartParity.None ? 0 : 1);
        /// <summary>Length of the frame in RCLK cycles (16 per bit; 1.5 stop bits are 24).</summary>
        public readonly int Rclks => 16 * BitsBeforeStop + 8 * StopHalfBits;
        /// <summary>PCLK edge at which bit <paramref name="i"/> begins (i = BitsBeforeStop: the stop bits).</summary>
        public readonly long BitEdge(int i) => StartEdge + Edges(16L * i);
        public readonly long EndEdge => StartEdge + Edges(Rclks);
        /// <summary>PCLK cycles from a frame's start to its RCLK <paramref name="rclks"/>: ⌊rclks × divisor × (MULVAL + DIVADDVAL) / MULVAL⌋.</summary>
        public readonly long Edges(long rclks) => rclks * Divisor * FdrSum / FdrMul;
        /// <summary>The bit in progress <paramref name="rel"/> PCLK cycles after the start: the last i with Edges(16 i) ≤ rel.</summary>
        public readonly int BitAt(long rel) => (int)(((rel + 1) * FdrMul - 1) / (16L * Divisor * FdrSum));
        public readonly bool ParityBit => ParityOf(Data, WordLength, Parity);

        /// <summary>Line level of bit <paramref name="i"/>: start low, data LSB first, parity, stop bits high.</summary>
        public readonly bool Level(int i)
        {
            if (i == 0) return false;
            if (i <= WordLength) return ((Data >> (i - 1)) & 1) != 0;
            if (i < BitsBeforeStop) return ParityBit;
            return true;
        }

        /// <summary>The next bit after <paramref name="i"/> whose level differs, or BitsBeforeStop + 1 for the end.</summary>
        public readonly int NextChange(int i)
        {
            bool l = Level(i);
            for (int j = i + 1; j <= BitsBeforeStop; j++) if (Level(j) != l) return j;
            return BitsBeforeStop + 1;
        }
    }

    private static bool ParityOf(int data, int wordLength, UartParity p)
    {
        bool odd = (BitOperations.PopCount((uint)data & ((1u << wordLength) - 1)) & 1) != 0;
        return p switch { UartParity.Odd => !odd, UartParity.Even => odd, UartParity.Mark => true, _ => false };
    }

    /// <summary>The frame format UnLCR selects now, with the divisor in force.</summary>
    private Frame Format(long startEdge, int data)
    {
        int wl = (int)(_lcr & 3) + 5;
        var parity = (_lcr & LCR_PARITY) == 0 ? UartParity.None : ((_lcr >> 4) & 3) switch
        {
            0 => UartParity.Odd,
            1 => UartParity.Even,
            2 => UartParity.Mark,   // forced "1" stick parity
            _ => UartParity.Space,  // forced "0" stick parity
        };
        // UnLCR.2: 1 stop bit, or 2 (1.5 with 5-bit characters).
        int stopHalf = (_lcr & LCR_STOP2) == 0 ? 2 : wl == 5 ? 3 : 4;
        (int mul, int add) = FractionalDivider();
        return new Frame { StartEdge = startEdge, Data = data & ((1 << wl) - 1), WordLength = wl, Parity = parity, StopHalfBits = stopHalf, Divisor = Divisor, FdrMul = mul, FdrSum = mul + add };
    }

    /// <summary>UnFDR's MULVAL and DIVADDVAL in effect: (1, 0) on the legacy part and for a value the manual calls undefined.</summary>
    private (int Mul, int Add) FractionalDivider()
    {
        int mul = (int)(_fdr >> 4) & 0xF, add = (int)_fdr & 0xF;
        if (!_part01 || add == 0 || add >= mul) return (1, 0);
        if (_dlm == 0 && _dll < 3)
            _warn($"{Name}: UnDLL = {_dll} with UnDLM = 0 and the fractional divider active (DIVADDVAL = {add}): the manual asks UnDLL >= 3 (UM10275 §9.5.4)");
        return (mul, add);
    }

    // ---- transmitter ----

    private void WriteThr(uint value)
    {
        // A write to a full FIFO is lost (UnLSR.THRE tells software when there is room).
        if (_txCount < Capacity)
        {
            _txFifo[(_txHead + _txCount) % FifoDepth] = (byte)value;
            _txCount++;
            if (_txCount >= 2) _thrHeldTwo = true;
        }
        _threInt = false;
        _threDelay.Cancel();
        StartTx(NowEdge);
    }

    /// <summary>Moves the next character into the shift register and starts its frame at <paramref name="edge"/>.</summary>
    private void StartTx(long edge)
    {
        if (_txBusy || _txCount == 0) return;
        byte data = _txFifo[_txHead];
        _txHead = (_txHead + 1) % FifoDepth;
        _txCount--;
        _txFrame = Format(edge, data);
        _txBusy = true;
        _txEnd.Arm(_txFrame.EndEdge);
        if (_txdObserved || Loopback) QueuePinFrame(_txFrame);
        if (_txCount == 0) ThrEmptied(edge);
    }

    /// <summary>The THR FIFO has just become empty (a "THRE = 1 event").</summary>
    private void ThrEmptied(long edge)
    {
        if (_thrHeldTwo) _threInt = true;
        else
        {
            // One character time minus the stop bits, in the format in force now.
            var f = Format(edge, 0);
            _threDelay.Arm(edge + f.Edges(16L * f.BitsBeforeStop));
        }
        _thrHeldTwo = false;
    }

    private void OnThreDelay(long edge, long due)
    {
        if (_txCount == 0) _threInt = true;
    }

    private void OnTxFrameEnd(long edge, long due)
    {
        _txBusy = false;
        // In modem loopback the character goes to the receiver only, not out of the chip.
        if (!Loopback) TxSink?.Invoke((byte)_txFrame.Data);
        StartTx(edge);
    }

    // ---- the TXD pin, bit by bit ----

    private void ObserveTxd()
    {
        _txdObserved = true;
        if (!_txBusy || Loopback) return;
        // Taken mid-frame: show the bit on the line now and follow the frame from its next change.
        var f = _txFrame;
        long rel = _clk.EdgesAt(_s.Now) - f.StartEdge;
        int bit = rel < 0 ? 0 : Math.Min(f.BitAt(rel), f.BitsBeforeStop);
        _pinFrames[0] = f;
        _pinHead = 0;
        _pinCount = 1;
        _txLine = f.Level(bit);
        _txd.Set(_txLine && (_lcr & LCR_BREAK) == 0);
        _pinBit = f.NextChange(bit);
        _pin.Arm(_pinBit <= f.BitsBeforeStop ? f.BitEdge(_pinBit) : f.EndEdge);
    }

    private void QueuePinFrame(Frame f)
    {
        if (_pinCount == _pinFrames.Length) { _pinHead = (_pinHead + 1) % _pinFrames.Length; _pinCount--; }
        _pinFrames[(_pinHead + _pinCount) % _pinFrames.Length] = f;
        _pinCount++;
        if (!_pin.IsArmed && _pinCount == 1)
        {
            _pinBit = 0;
            _pin.Arm(f.StartEdge);
        }
    }

    private void OnPinEdge(long edge, long due)
    {
        ref var f = ref _pinFrames[_pinHead];
        if (_pinBit <= f.BitsBeforeStop)
        {
            SetTxLine(f.Level(_pinBit), due);
            _pinBit = f.NextChange(_pinBit);
            _pin.Arm(_pinBit <= f.BitsBeforeStop ? f.BitEdge(_pinBit) : f.EndEdge);
            return;
        }
        // The end of the stop bits: the next frame, back to back or later, or idle (high).
        _pinHead = (_pinHead + 1) % _pinFrames.Length;
        _pinCount--;
        _pinBit = 0;
        if (_pinCount == 0) { SetTxLine(true, due); return; }
        ref var next = ref _pinFrames[_pinHead];
        if (next.StartEdge <= edge) OnPinEdge(edge, due);
        else
        {
            SetTxLine(true, due);
            _pin.Arm(next.StartEdge);
        }
    }

    /// <summary>The shift register's output changes at <paramref name="tick"/>: to the pin, or to the receiver in loopback.</summary>
    private void SetTxLine(bool level, long tick)
    {
        _txLine = level;
        if (Loopback)
        {
            CatchUp(tick - 1); // samples due before this edge see the old level
            _loopLevel = level && (_lcr & LCR_BREAK) == 0;
            UpdateLine(tick);
        }
        else _txd.Set(level && (_lcr & LCR_BREAK) == 0);
    }

    // ---- the receiver's line ----

    private void ConnectRxd(IrqLine line)
    {
        _rxdIn = line;
        _wiredLevel = line.Level;
        line.Subscribe(OnWiredRxd);
        UpdateLine(_s.EventTime);
    }

    private void OnWiredRxd(bool level)
    {
        long tick = _s.EventTime;
        CatchUp(tick - 1); // samples due before this edge see the old level
        _wiredLevel = level;
        UpdateLine(tick);
        UpdateInt();
    }

    /// <summary>
    /// The receiver's line: in modem loopback the transmitter's output; otherwise the RXD pin AND the
    /// host's line (both idle high, so a low on either is a low: if both are active at once they
    /// corrupt each other as two drivers of one open-drain line would).
    /// </summary>
    private bool EffectiveLevel => Loopback ? _loopLevel : _wiredLevel && _hostLevel;

    private void UpdateLine(long tick)
    {
        bool level = EffectiveLevel;
        if (level == _lineLevel) return;
        if (tick > _lineTick) { _prevLineLevel = _lineLevel; _lineTick = tick; }
        _lineLevel = level;
        _rxdTrace?.Invoke(tick, level ? 1UL : 0UL);
        if (level)
        {
            if (_rxState == RxState.Frame) _rxSawHigh = true;
            else if (_rxState == RxState.BreakWait) _rxState = RxState.Idle;
        }
        else if (_rxState == RxState.Idle) StartRx(_clk.EdgeAtOrAfter(tick), 0);
    }

    /// <summary>The level the line had just before <paramref name="tick"/>.</summary>
    private bool LevelBefore(long tick) => tick > _lineTick ? _lineLevel : _prevLineLevel;

    /// <summary>Starts receiving a frame whose start bit began at PCLK edge <paramref name="startEdge"/>; <paramref name="bit"/> is the next bit to sample.</summary>
    private void StartRx(long startEdge, int bit)
    {
        _rxFrame = Format(startEdge, 0);
        _rxState = RxState.Frame;
        _rxBit = bit;
        _rxData = 0;
        _rxSawHigh = false;
        _rxSample.Arm(_rxFrame.StartEdge + _rxFrame.Edges(16L * bit + 8));
    }

    private void OnRxSample(long edge, long due)
    {
        bool b = LevelBefore(due);
        ref var f = ref _rxFrame;
        if (_rxBit == 0)
        {
            if (b) { _rxState = RxState.Idle; return; } // false start bit
        }
        else if (_rxBit <= f.WordLength)
        {
            if (b) _rxData |= 1 << (_rxBit - 1);
        }
        else if (_rxBit < f.BitsBeforeStop)
        {
            _rxParity = b;
        }
        else
        {
            StopBit(b, edge);
            return;
        }
        if (b) _rxSawHigh = true;
        _rxBit++;
        _rxSample.Arm(f.StartEdge + f.Edges(16L * _rxBit + 8));
    }

    private void StopBit(bool stop, long edge)
    {
        ref var f = ref _rxFrame;
        uint errors = 0;
        if (f.Parity != UartParity.None && _rxParity != ParityOf(_rxData, f.WordLength, f.Parity)) errors |= LSR_PE;
        if (!stop) errors |= LSR_FE;
        if (!stop && !_rxSawHigh)
        {
            // Break (UnLSR.BI): low for a whole character; one 0 character, then idle until the line is high.
            Receive(0, LSR_BI | LSR_FE, edge);
            _rxState = _lineLevel ? RxState.Idle : RxState.BreakWait;
            return;
        }
        Receive(_rxData, errors, edge);
        if (!stop) StartRx(edge - f.Edges(8), 1); // the bad stop bit taken as the next start bit
        else _rxState = RxState.Idle;
    }

    /// <summary>A character leaves the receive shift register at PCLK edge <paramref name="edge"/>.</summary>
    private void Receive(int data, uint errors, long edge)
    {
        if (_rxCount >= Capacity)
        {
            // Overrun (UnLSR.OE): the FIFO is not overwritten, the shift register's character is lost.
            _lsrErr |= LSR_OE;
        }
        else
        {
            _rxFifo[(_rxHead + _rxCount) % FifoDepth] = (ushort)((uint)data | (errors << 8));
            _rxCount++;
            // PE, FE and BI show in UnLSR for the character at the top of the FIFO.
            if (_rxCount == 1) _lsrErr |= errors;
            if (errors != 0) _rxErrCount++;
            // Table 89: RXFE "is set when a character with a Rx error ... is loaded into the U0RBR".
            if (errors != 0 && _rxCount == 1) _rxfe = true;
        }
        _ctiInt = false;
        RestartCharTimeout(edge);
    }

    private uint ReadRbr()
    {
        if (_rxCount == 0) return 0;
        ushort ch = _rxFifo[_rxHead];
        _rxHead = (_rxHead + 1) % FifoDepth;
        _rxCount--;
        if ((ch >> 8) != 0) _rxErrCount--;
        if (_rxCount > 0 && (_rxFifo[_rxHead] >> 8) != 0)
        {
            _lsrErr |= (uint)(_rxFifo[_rxHead] >> 8);
            _rxfe = true; // an errored character reaches UnRBR (Table 89)
        }
        _ctiInt = false;
        RestartCharTimeout(NowEdge);
        return ch & 0xFFu;
    }

    private void RestartCharTimeout(long edge)
    {
        if (!_fifoEnabled || _rxCount == 0) { _cti.Cancel(); return; }
        var f = Format(edge, 0);
        int halfBits = 2 * f.BitsBeforeStop + f.StopHalfBits;
        long rclks = (halfBits * 7 - 4) * 4 + (RxTrigger - _rxCount) * 8 + 1;
        _cti.Arm(edge + f.Edges(rclks));
    }

    private void OnCharTimeout(long edge, long due)
    {
        if (_fifoEnabled && _rxCount > 0) _ctiInt = true;
    }

    private void ResetRxFifo()
    {
        _rxHead = _rxCount = _rxErrCount = 0;
        _ctiInt = false;
        _cti.Cancel();
    }

    private void ResetTxFifo()
    {
        bool had = _txCount > 0;
        _txHead = _txCount = 0;
        if (had) ThrEmptied(NowEdge);
    }

    // ---- the host's line ----

    /// <summary>
    /// Bytes arriving from the host: each is sent as one frame on the host's line in the format and at
    /// the baud rate programmed when its frame starts, back to back, and the receiver takes them from
    /// the line like any other (see <see cref="EffectiveLevel"/> for a wired RXD active at the same time).
    /// </summary>
    public void EnqueueHostInput(ReadOnlySpan<byte> data)
    {
        CatchUp(_s.Now);
        foreach (byte b in data) _hostQueue.Enqueue(b);
        if (!_hostBusy) StartHostFrame(NowEdge);
        UpdateInt();
    }

    private void StartHostFrame(long edge)
    {
        if (_hostQueue.Count == 0) { _hostBusy = false; return; }
        _hostFrame = Format(edge, _hostQueue.Dequeue());
        _hostBusy = true;
        _hostBit = 0;
        _hostEdge.Arm(edge);
    }

    private void OnHostEdge(long edge, long due)
    {
        ref var f = ref _hostFrame;
        if (_hostBit <= f.BitsBeforeStop)
        {
            _hostLevel = f.Level(_hostBit);
            UpdateLine(due);
            _hostBit = f.NextChange(_hostBit);
            _hostEdge.Arm(_hostBit <= f.BitsBeforeStop ? f.BitEdge(_hostBit) : f.EndEdge);
            return;
        }
        _hostLevel = true;
        UpdateLine(due);
        StartHostFrame(edge);
        if (_hostBusy) OnHostEdge(edge, due);
    }

    // ---- modem (UART1) ----

    private void ConnectModem(int pin, IrqLine line)
    {
        _modemPins[pin] = line.Level;
        line.Subscribe(level =>
        {
            CatchUp(_s.Now);
            _modemPins[pin] = level;
            UpdateMsr();
            UpdateInt();
        });
        UpdateMsr();
        UpdateInt();
    }

    /// <summary>U1MSR[7:4]: the complements of the CTS, DSR, RI and DCD pins; in loopback CTS = RTS and DSR = DTR control, RI and DCD 0.</summary>
    private uint ModemState()
    {
        if (!_modem) return 0;
        if (Loopback)
            return ((_mcr & MCR_RTS) != 0 ? MSR_CTS : 0) | ((_mcr & MCR_DTR) != 0 ? MSR_DSR : 0);
        return (_modemPins[0] ? 0 : MSR_CTS) | (_modemPins[1] ? 0 : MSR_DSR) | (_modemPins[2] ? 0 : MSR_RI) | (_modemPins[3] ? 0 : MSR_DCD);
    }

    private void UpdateMsr()
    {
        if (!_modem) return;
        uint old = _msr & 0xF0, now = ModemState(), changed = old ^ now;
        uint delta = _msr & 0x0F;
        if ((changed & MSR_CTS) != 0) delta |= MSR_DCTS;
        if ((changed & MSR_DSR) != 0) delta |= MSR_DDSR;
        if ((changed & MSR_DCD) != 0) delta |= MSR_DDCD;
        // TERI: the RI pin went from low to high (the RI state bit from 1 to 0).
        if ((old & MSR_RI) != 0 && (now & MSR_RI) == 0) delta |= MSR_TERI;
        _msr = now | delta;
    }

    private void WriteMcr(uint value)
    {
        bool wasLoop = Loopback;
        _mcr = value & (MCR_DTR | MCR_RTS | MCR_LOOP);
        // Outputs are active low; in loopback they are held inactive and looped back internally.
        Rts.Set(Loopback || (_mcr & MCR_RTS) == 0);
        Dtr.Set(Loopback || (_mcr & MCR_DTR) == 0);
        if (Loopback != wasLoop)
        {
            _loopLevel = true;
            _txd.Set(Loopback || (_txLine && (_lcr & LCR_BREAK) == 0));
            UpdateLine(_s.Now);
        }
        UpdateMsr();
    }

    // ---- interrupts ----

    /// <summary>UnIIR[3:0] of the highest-priority enabled pending interrupt (table "Interrupt handling"), or IIR_NONE.</summary>
    private uint InterruptId
    {
        get
        {
            if ((_ier & IER_RLS) != 0 && (_lsrErr & ErrorBits) != 0) return IIR_RLS;
            if ((_ier & IER_RBR) != 0 && _rxCount > 0 && _rxCount >= RxTrigger) return IIR_RDA;
            if ((_ier & IER_RBR) != 0 && _ctiInt) return IIR_CTI;
            if ((_ier & IER_THRE) != 0 && _threInt) return IIR_THRE;
            if ((_ier & IER_MS) != 0 && (_msr & 0x0F) != 0) return IIR_MS;
            return IIR_NONE;
        }
    }

    private void UpdateInt() => Int.Set(InterruptId != IIR_NONE);

    private uint ReadIir()
    {
        uint id = InterruptId;
        if (id == IIR_THRE) _threInt = false; // reading UnIIR clears THRE when it is the source shown
        return id | (_fifoEnabled ? IIR_FIFO : 0);
    }

    private uint ReadLsr()
    {
        uint v = _lsrErr;
        if (_rxCount > 0) v |= LSR_RDR;
        if (_txCount == 0) v |= LSR_THRE;
        if (_txCount == 0 && !_txBusy) v |= LSR_TEMT;
        if (_rxfe) v |= LSR_RXFE;
        _lsrErr = 0;
        _rxfe = _rxErrCount > 0;
        return v;
    }

    // ---- bus ----

    private uint IerMask => _modem ? 0x0Fu : 0x07u;

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        CatchUp(_s.Now);
        uint off = address & 0x3FFC;
        bool dlab = (_lcr & LCR_DLAB) != 0;
        uint v;
        switch (off)
        {
            case UnRBR: v = dlab ? _dll : ReadRbr(); break;
            case UnIER: v = dlab ? _dlm : _ier; break;
            case UnIIR: v = ReadIir(); break;
            case UnLCR: v = _lcr; break;
            case UnLSR: v = ReadLsr(); break;
            case UnSCR: v = _scr; break;
            case UnFDR when _part01: v = _fdr; break;
            // Table 106: DTR and RTS Control "read as 0 when modem loopback mode is active".
            case UnMCR when _modem: v = Loopback ? _mcr & ~(MCR_DTR | MCR_RTS) : _mcr; break;
            case UnMSR when _modem:
                v = _msr;
                _msr &= 0xF0; // reading U1MSR clears the delta bits
                break;
            default:
                _warn($"{Name}: read of reserved offset 0x{off:X3}");
                v = 0;
                break;
        }
        UpdateInt();
        return PrimeCell.NarrowRead(v, address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        CatchUp(_s.Now);
        uint off = address & 0x3FFC;
        value = PrimeCell.NarrowWrite(value, address, size) & 0xFF; // 8-bit registers: bits [31:8] are reserved
        bool dlab = (_lcr & LCR_DLAB) != 0;
        switch (off)
        {
            case UnTHR:
                if (dlab) _dll = value;
                else WriteThr(value);
                break;
            case UnIER:
                if (dlab) { _dlm = value; break; }
                uint old = _ier;
                _ier = value & IerMask;
                if ((_ier & ~old & IER_THRE) != 0 && _txCount == 0) _threInt = true;
                break;
            case UnFCR: WriteFcr(value); break;
            case UnLCR:
                bool breakChanged = ((_lcr ^ value) & LCR_BREAK) != 0;
                _lcr = value;
                if (breakChanged)
                {
                    if (Loopback) { _loopLevel = _txLine && (_lcr & LCR_BREAK) == 0; UpdateLine(_s.Now); }
                    else _txd.Set(_txLine && (_lcr & LCR_BREAK) == 0);
                }
                break;
            case UnSCR: _scr = value; break;
            case UnFDR when _part01:
                _fdr = value;
                int mul = (int)(value >> 4), add = (int)(value & 0xF);
                if (mul == 0 || add >= mul)
                    _warn($"{Name}: UnFDR = 0x{value:X2} (MULVAL {mul}, DIVADDVAL {add}) breaks 0 < MULVAL, DIVADDVAL < MULVAL: the divider's output is undefined (UM10275 §9.5.4); it does not pre-scale");
                break;
            case UnMCR when _modem: WriteMcr(value); break;
            case UnLSR:
            case UnMSR when _modem:
                _warn($"{Name}: write to read-only {(off == UnLSR ? "UnLSR" : "U1MSR")} ignored");
                break;
            default:
                _warn($"{Name}: write to reserved offset 0x{off:X3} ignored");
                break;
        }
        UpdateInt();
    }

    private void WriteFcr(uint value)
    {
        bool enable = (value & FCR_FIFO) != 0;
        if (enable != _fifoEnabled)
        {
            // Any transition on FCR0 clears both FIFOs (UnFCR.0 description).
            ResetRxFifo();
            ResetTxFifo();
            _fifoEnabled = enable;
        }
        if (!enable) return; // FCR[7:1] are only accessible with FCR0 = 1
        if ((value & FCR_RXRESET) != 0) ResetRxFifo();
        if ((value & FCR_TXRESET) != 0) ResetTxFifo();
        _rxTriggerSel = (value >> 6) & 3;
    }
}
