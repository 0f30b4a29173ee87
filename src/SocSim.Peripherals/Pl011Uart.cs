using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// ARM PrimeCell PL011 UART (TRM DDI 0183, r1p5). Register-exact programmer's model with 16-deep
/// transmit and receive FIFOs (1-deep holding registers when UARTLCR_H.FEN = 0), the fractional baud
/// rate generator, frame timing and the FIFO-level, timeout and error interrupts. IrDA SIR, modem
/// lines and DMA handshakes are registers only.
/// </summary>
/// <remarks>
/// Nothing ticks. The transmitter schedules one event per frame (its end); the receiver one per
/// received frame plus the receive-timeout deadline.
/// <list type="bullet">
/// <item>Frame timing: a frame starts on the first UARTCLK edge at or after the moment the character
/// is available (the phase of the Baud16 divider is not modelled) and its bits follow
/// <see cref="UartFrame"/>: BitCount·Divisor64/4 UARTCLK cycles, rounded down as the fractional
/// divider does.</item>
/// <item>Transmit: the transmitter takes the next character from the FIFO (or holding register) when
/// it is idle or when the previous frame ends; <see cref="FrameTransmitted"/> is raised when a frame
/// starts (with its start tick and format), and the character reaches <see cref="TxSink"/> at the
/// frame end, after the last stop bit — the moment a receiver on the line would have it.</item>
/// <item>Receive: host bytes queue up on the "line"; each arrives in the receive FIFO one full frame
/// after it started, frames back to back. The receiver only runs while UARTEN and RXE are set; bytes
/// queued while it is disabled wait (a real line would lose them).</item>
/// <item>The line format (UARTLCR_H) and the baud divisor latched at the last UARTLCR_H write
/// (TRM 3.3.6: UARTIBRD/UARTFBRD are updated by the UARTLCR_H write strobe) apply to a frame when it
/// starts. With UARTIBRD = 0 (its reset value) the divisor is invalid (TRM 3.3.6) and no frame starts:
/// characters wait in the FIFO until a valid divisor is latched.</item>
/// </list>
/// </remarks>
public sealed class Pl011Uart : IBusDevice, ISerialPort, IDeviceModel, IStateful
{
    /// <summary>
    /// PL011 UART (DDI 0183), a 4 KiB PrimeCell window. Outputs as in TRM 2.9 "Interrupts": the
    /// combined UARTINTR and the individual sources. Traced: the serial lines bit by bit, the
    /// combined and FIFO interrupts, the FIFO levels.
    /// </summary>
    public static DeviceType Type { get; } = DeviceType.Define<Pl011Uart>("pl011", "ARM PrimeCell UART (PL011)")
        .Window(PrimeCell.Window)
        .Parameter("console", false, "connect the UART to the host terminal: transmitted bytes go to stdout, stdin feeds the receiver")
        .Output("UARTINTR", u => u.UartIntr, "combined interrupt")
        .Output("UARTRXINTR", u => u.UartRxIntr, "receive FIFO level")
        .Output("UARTTXINTR", u => u.UartTxIntr, "transmit FIFO level")
        .Output("UARTRTINTR", u => u.UartRtIntr, "receive timeout")
        .Output("UARTMSINTR", u => u.UartMsIntr, "modem status")
        .Output("UARTEINTR", u => u.UartEIntr, "error")
        .Signals((u, s) =>
        {
            UartLines.Declare(s, d => u.FrameTransmitted += d, d => u.FrameReceived += d,
                () => u._txBusy ? u._txFrame : null, () => u._rxBusy ? u._rxFrame : null);
            s.Line("UARTINTR", u.UartIntr);
            s.Line("UARTTXINTR", u.UartTxIntr);
            s.Line("UARTRXINTR", u.UartRxIntr);
            s.Sampled("TxFifoLevel", 5, () => (ulong)u.TxFifoLevel, 0);
            s.Sampled("RxFifoLevel", 5, () => (ulong)u.RxFifoLevel, 0);
        })
        .Parameter("revision", 3L, "UARTPeriphID2[7:4]: 0 = r1p0, 1 = r1p1 (QEMU's), 2 = r1p3, 3 = r1p5; Linux takes 32-entry FIFOs from revision 3 on")
        .Build(c => new Pl011Uart(c.Name, c.Scheduler, c.Clock, (int)Math.Clamp(c.Parameter<long>("revision"), 0, 15)));

    // Register offsets (TRM 3.2 "Summary of registers").
    public const uint UARTDR = 0x000;
    public const uint UARTRSR = 0x004; // read: UARTRSR; write: UARTECR
    public const uint UARTECR = 0x004;
    public const uint UARTFR = 0x018;
    public const uint UARTILPR = 0x020;
    public const uint UARTIBRD = 0x024;
    public const uint UARTFBRD = 0x028;
    public const uint UARTLCR_H = 0x02C;
    public const uint UARTCR = 0x030;
    public const uint UARTIFLS = 0x034;
    public const uint UARTIMSC = 0x038;
    public const uint UARTRIS = 0x03C;
    public const uint UARTMIS = 0x040;
    public const uint UARTICR = 0x044;
    public const uint UARTDMACR = 0x048;

    // UARTDR read bits (TRM 3.3.1).
    public const uint DR_FE = 1u << 8, DR_PE = 1u << 9, DR_BE = 1u << 10, DR_OE = 1u << 11;
    // UARTRSR bits (TRM 3.3.2).
    public const uint RSR_FE = 1u << 0, RSR_PE = 1u << 1, RSR_BE = 1u << 2, RSR_OE = 1u << 3;
    // UARTFR bits (TRM 3.3.3).
    public const uint FR_CTS = 1u << 0, FR_DSR = 1u << 1, FR_DCD = 1u << 2, FR_BUSY = 1u << 3,
        FR_RXFE = 1u << 4, FR_TXFF = 1u << 5, FR_RXFF = 1u << 6, FR_TXFE = 1u << 7, FR_RI = 1u << 8;
    // UARTLCR_H bits (TRM 3.3.7).
    public const uint LCR_H_BRK = 1u << 0, LCR_H_PEN = 1u << 1, LCR_H_EPS = 1u << 2, LCR_H_STP2 = 1u << 3,
        LCR_H_FEN = 1u << 4, LCR_H_WLEN_SHIFT = 5, LCR_H_SPS = 1u << 7;
    // UARTCR bits (TRM 3.3.8).
    public const uint CR_UARTEN = 1u << 0, CR_SIREN = 1u << 1, CR_SIRLP = 1u << 2, CR_LBE = 1u << 7,
        CR_TXE = 1u << 8, CR_RXE = 1u << 9, CR_DTR = 1u << 10, CR_RTS = 1u << 11, CR_Out1 = 1u << 12,
        CR_Out2 = 1u << 13, CR_RTSEn = 1u << 14, CR_CTSEn = 1u << 15;
    private const uint CrMask = 0xFF87; // bits [6:3] reserved
    // Interrupt bits, common to UARTIMSC/RIS/MIS/ICR (TRM 3.3.10-3.3.13).
    public const uint RIMI = 1u << 0, CTSMI = 1u << 1, DCDMI = 1u << 2, DSRMI = 1u << 3, RXI = 1u << 4,
        TXI = 1u << 5, RTI = 1u << 6, FEI = 1u << 7, PEI = 1u << 8, BEI = 1u << 9, OEI = 1u << 10;
    private const uint IntMask = 0x7FF;

    public const uint ResetCR = 0x300;   // TXE | RXE
    public const uint ResetIFLS = 0x12;  // both FIFOs at 1/2
    public const int FifoDepth = 16;

    private readonly Scheduler _s;
    private readonly long _clk;
    private readonly byte[] _periphId;
    private readonly DeviceEvents _events;
    private readonly DeviceEvent _txDone, _rxDone, _rxTimeout;

    private readonly byte[] _txFifo = new byte[FifoDepth];
    private int _txHead, _txCount;
    private readonly ushort[] _rxFifo = new ushort[FifoDepth];
    private int _rxHead, _rxCount;
    private readonly Queue<ushort> _hostInput = new();

    private uint _rsr, _ilpr, _ibrd, _fbrd, _lcrh, _cr = ResetCR, _ifls = ResetIFLS, _imsc, _ris, _dmacr;
    private int _divisor64; // 64·IBRD + FBRD as latched by the last UARTLCR_H write; 0 = invalid
    private bool _txBusy;
    private UartFrame _txFrame, _rxFrame;
    private bool _rxBusy;
    private ushort _rxShift;
    private int _rxWordLength;
    private bool _overrunPending;

    /// <param name="revision">PL011 revision for UARTPeriphID2[7:4]: 0 = r1p0, 1 = r1p1, 2 = r1p3, 3 = r1p5 (the default, PL011 TRM DDI 0183G 3.3.14); QEMU reports 1 (UARTPeriphID2 = 0x14).</param>
    public Pl011Uart(string name, Scheduler scheduler, ClockDomain uartClk, int revision = 3)
    {
        Name = name;
        _s = scheduler;
        _clk = uartClk.PeriodTicks;
        _periphId = [0x11, 0x10, (byte)((revision << 4) | 0x4), 0x00];
        _events = new DeviceEvents(scheduler);
        _txDone = _events.Create(name + ".txFrameEnd", OnTxFrameEnd);
        _rxDone = _events.Create(name + ".rxFrameEnd", OnRxFrameEnd);
        _rxTimeout = _events.Create(name + ".rxTimeout", OnRxTimeout);
        UartIntr = new IrqLine(name + ".UARTINTR");
        UartRxIntr = new IrqLine(name + ".UARTRXINTR");
        UartTxIntr = new IrqLine(name + ".UARTTXINTR");
        UartRtIntr = new IrqLine(name + ".UARTRTINTR");
        UartEIntr = new IrqLine(name + ".UARTEINTR");
        UartMsIntr = new IrqLine(name + ".UARTMSINTR");
    }

    public string Name { get; }

    /// <summary>
    /// nUARTRST (TRM 2.2): every register to its reset value, both FIFOs empty, a frame in progress
    /// abandoned, interrupts deasserted. Bytes the host has queued stay queued: they are outside the
    /// UART, and arrive once the receiver is enabled again.
    /// </summary>
    public void Reset()
    {
        _txDone.Cancel();
        _rxDone.Cancel();
        _rxTimeout.Cancel();
        _txHead = _txCount = _rxHead = _rxCount = 0;
        _rsr = _ilpr = _ibrd = _fbrd = _lcrh = _imsc = _ris = _dmacr = 0;
        _cr = ResetCR;
        _ifls = ResetIFLS;
        _divisor64 = 0;
        _txBusy = _rxBusy = _overrunPending = false;
        UpdateOutputs();
    }

    /// <summary>UARTINTR: OR of all masked interrupts (TRM 2.8.6).</summary>
    public IrqLine UartIntr { get; }
    public IrqLine UartRxIntr { get; }
    public IrqLine UartTxIntr { get; }
    public IrqLine UartRtIntr { get; }
    /// <summary>UARTEINTR: masked framing, parity, break or overrun error.</summary>
    public IrqLine UartEIntr { get; }
    /// <summary>UARTMSINTR: modem status; the modem inputs are not modelled, so it stays low.</summary>
    public IrqLine UartMsIntr { get; }

    /// <summary>Receives each transmitted character (masked to the word length) at its frame end.</summary>
    public Action<byte>? TxSink { get; set; }

    /// <summary>Raised when a transmit frame starts, with everything needed to draw UARTTXD.</summary>
    public event Action<UartFrame>? FrameTransmitted;
    /// <summary>Raised when a receive frame from the host starts on UARTRXD.</summary>
    public event Action<UartFrame>? FrameReceived;

    /// <summary>
    /// When true the host holds back its next byte while the receive FIFO is full (as if RTS/CTS flow
    /// control were wired to the host), so pasted input is never overrun. Default false: the line
    /// runs on and overruns as the TRM describes.
    /// </summary>
    public bool HostInputFlowControl { get; set; }

    public int TxFifoLevel => _txCount;
    public int RxFifoLevel => _rxCount;
    public int HostInputPending => _hostInput.Count + (_rxBusy ? 1 : 0);
    public bool IsTransmitting => _txBusy;
    /// <summary>64·IBRD + FBRD as latched at the last UARTLCR_H write (0 when invalid).</summary>
    public int Divisor64 => _divisor64;

    private bool Fen => (_lcrh & LCR_H_FEN) != 0;
    private int Capacity => Fen ? FifoDepth : 1;
    private bool TxEnabled => (_cr & (CR_UARTEN | CR_TXE)) == (CR_UARTEN | CR_TXE);
    private bool RxEnabled => (_cr & (CR_UARTEN | CR_RXE)) == (CR_UARTEN | CR_RXE);

    /// <summary>UARTIFLS encodings 0-4 select 1/8, 1/4, 1/2, 3/4, 7/8 of 16 entries; 5-7 are reserved (taken as 7/8).</summary>
    private static int TriggerLevel(uint sel) => sel switch { 0 => 2, 1 => 4, 2 => 8, 3 => 12, _ => 14 };

    /// <summary>
    /// Transmit interrupt condition (TRM 2.8.2 UARTTXINTR): FIFO at or below the TXIFLSEL level, or the
    /// holding register empty when FEN = 0.
    /// </summary>
    private bool TxCondition => Fen ? _txCount <= TriggerLevel(_ifls & 7) : _txCount == 0;

    /// <summary>Receive interrupt condition (TRM 2.8.3 UARTRXINTR): FIFO at or above RXIFLSEL, or holding register full.</summary>
    private bool RxCondition => Fen ? _rxCount >= TriggerLevel((_ifls >> 3) & 7) : _rxCount >= 1;

    /// <summary>Queues bytes on the receive line; each takes one frame time to arrive.</summary>
    public void EnqueueHostInput(ReadOnlySpan<byte> data)
    {
        _events.CatchUp();
        foreach (byte b in data) _hostInput.Enqueue(b);
        StartRx(_s.Now);
    }

    /// <summary>Queues one character, optionally received with errors (a break should be data 0 with <see cref="UartRxErrors.Break"/>).</summary>
    public void EnqueueHostInput(byte data, UartRxErrors errors)
    {
        _events.CatchUp();
        _hostInput.Enqueue((ushort)(data | (ushort)errors));
        StartRx(_s.Now);
    }

    private long AlignToClock(long tick) => (tick + _clk - 1) / _clk * _clk;

    private UartFrame MakeFrame(long start, ushort data, int phase = 0)
    {
        int wlen = (int)((_lcrh >> (int)LCR_H_WLEN_SHIFT) & 3) + 5;
        UartParity parity = (_lcrh & LCR_H_PEN) == 0 ? UartParity.None
            : (_lcrh & LCR_H_SPS) != 0 ? ((_lcrh & LCR_H_EPS) != 0 ? UartParity.Space : UartParity.Mark)
            : (_lcrh & LCR_H_EPS) != 0 ? UartParity.Even : UartParity.Odd;
        int stop = (_lcrh & LCR_H_STP2) != 0 ? 2 : 1;
        return new UartFrame(start, (ushort)(data & ((1 << wlen) - 1)), wlen, parity, stop, _divisor64, _clk, phase);
    }

    // ---- transmitter ----

    private void StartTx(long at, UartFrame? previous = null)
    {
        if (_txBusy || _txCount == 0 || !TxEnabled || _divisor64 == 0) return;
        bool before = TxCondition;
        byte data = _txFifo[_txHead];
        _txHead = (_txHead + 1) % FifoDepth;
        _txCount--;
        // TXRIS is set when the level drops to (or through) the trigger level, not merely while it is
        // below it: after reset it stays clear until the FIFO has been filled above the level and
        // drains (TRM 2.8.2; this is why drivers prime the FIFO before relying on the TX interrupt).
        if (!before && TxCondition) _ris |= TXI;
        // Back to back with the same divisor, the Baud16 generator (TRM 2.4.3) has run on: the new
        // start bit begins at the previous frame's exact, fractional end.
        _txFrame = previous is { } p && p.Divisor64 == _divisor64
            ? MakeFrame(at, data, p.EndPhaseQuarters)
            : MakeFrame(AlignToClock(at), data);
        _txBusy = true;
        _txDone.Arm(_txFrame.EndTick);
        FrameTransmitted?.Invoke(_txFrame);
    }

    private void OnTxFrameEnd(long due)
    {
        _txBusy = false;
        byte data = (byte)_txFrame.Data;
        // Loopback (UARTCR.LBE, TRM 3.3.8): UARTTXD is fed to UARTRXD internally.
        if ((_cr & CR_LBE) != 0)
        {
            if (RxEnabled) Receive(data, due);
        }
        else
        {
            TxSink?.Invoke(data);
        }
        StartTx(due, _txFrame);
        UpdateOutputs();
    }

    // ---- receiver ----

    private void StartRx(long at)
    {
        if (_rxBusy || _hostInput.Count == 0 || !RxEnabled || _divisor64 == 0) return;
        if (HostInputFlowControl && _rxCount >= Capacity) return;
        _rxShift = _hostInput.Dequeue();
        _rxBusy = true;
        var frame = _rxFrame = MakeFrame(AlignToClock(at), _rxShift);
        _rxWordLength = frame.WordLength;
        _rxDone.Arm(frame.EndTick);
        FrameReceived?.Invoke(frame);
    }

    private void OnRxFrameEnd(long due)
    {
        _rxBusy = false;
        // The word length is the one in force when the frame started.
        Receive((ushort)((_rxShift & ((1 << _rxWordLength) - 1)) | (_rxShift & 0x700)), due);
        StartRx(due);
        UpdateOutputs();
    }

    /// <summary>A complete character (data plus DR error bits) leaves the receive shift register at <paramref name="due"/>.</summary>
    private void Receive(ushort ch, long due)
    {
        if (_rxCount >= Capacity)
        {
            // Overrun (TRM 3.3.2): the FIFO keeps its contents, the shift register's character is
            // lost; OE is flagged at once in UARTRSR and UARTRIS, and in UARTDR with the next
            // character that finds room in the FIFO.
            _rsr |= RSR_OE;
            _ris |= OEI;
            _overrunPending = true;
        }
        else
        {
            if (_overrunPending)
            {
                ch |= (ushort)DR_OE;
                _overrunPending = false;
            }
            _rxFifo[(_rxHead + _rxCount) % FifoDepth] = ch;
            _rxCount++;
            // DR FE/PE/BE (bits 8-10) map to RIS FEIS/PEIS/BEIS (bits 7-9).
            _ris |= (uint)(ch >> 1) & (FEI | PEI | BEI);
            if (RxCondition) _ris |= RXI;
        }
        // Receive timeout (TRM 2.8.4): the FIFO is not empty and nothing more arrives for 32 bit
        // periods = 32·16·BAUDDIV = 8·Divisor64 UARTCLK cycles after this character.
        _rxTimeout.Arm(due + 8L * _divisor64 * _clk);
    }

    private void OnRxTimeout(long due)
    {
        if (_rxCount > 0)
        {
            _ris |= RTI;
            UpdateOutputs();
        }
    }

    private uint ReadDr()
    {
        if (_rxCount == 0) return 0;
        ushort ch = _rxFifo[_rxHead];
        _rxHead = (_rxHead + 1) % FifoDepth;
        _rxCount--;
        // UARTRSR gives the error status of the character just read from UARTDR (TRM 3.3.2); the
        // bits stay set until a write to UARTECR.
        _rsr |= (uint)(ch >> 8) & (RSR_FE | RSR_PE | RSR_BE);
        if (!RxCondition) _ris &= ~RXI;
        if (_rxCount == 0) _ris &= ~RTI;
        if (HostInputFlowControl) StartRx(_s.Now);
        UpdateOutputs();
        return ch;
    }

    private void WriteDr(uint value)
    {
        // A write to a full FIFO is lost (TXFF tells software not to).
        if (_txCount < Capacity)
        {
            _txFifo[(_txHead + _txCount) % FifoDepth] = (byte)value;
            _txCount++;
            if (!TxCondition) _ris &= ~TXI;
        }
        StartTx(_s.Now);
        UpdateOutputs();
    }

    private uint Flags
    {
        get
        {
            uint fr = 0; // CTS, DSR, DCD, RI: modem inputs not driven (inactive)
            if (_txBusy || _txCount > 0) fr |= FR_BUSY; // TRM 3.3.3: set as soon as the TX FIFO is non-empty
            if (_rxCount == 0) fr |= FR_RXFE;
            if (_txCount >= Capacity) fr |= FR_TXFF;
            if (_rxCount >= Capacity) fr |= FR_RXFF;
            if (_txCount == 0) fr |= FR_TXFE;
            return fr;
        }
    }

    private void UpdateOutputs()
    {
        uint mis = _ris & _imsc;
        UartRxIntr.Set((mis & RXI) != 0);
        UartTxIntr.Set((mis & TXI) != 0);
        UartRtIntr.Set((mis & RTI) != 0);
        UartEIntr.Set((mis & (FEI | PEI | BEI | OEI)) != 0);
        UartMsIntr.Set((mis & (RIMI | CTSMI | DCDMI | DSRMI)) != 0);
        UartIntr.Set(mis != 0);
    }

    private IrqLine[] Outputs => [UartIntr, UartRxIntr, UartTxIntr, UartRtIntr, UartEIntr, UartMsIntr];

    /// <summary>
    /// Registers, both FIFOs, the host bytes still waiting on the line, the frame being transmitted,
    /// the character in the receive shift register, the pending overrun flag, the due ticks of the
    /// three events and the six output levels. <see cref="HostInputFlowControl"/> is a host setting,
    /// not state.
    /// </summary>
    public void SaveState(StateWriter w)
    {
        w.Write(_rsr); w.Write(_ilpr); w.Write(_ibrd); w.Write(_fbrd); w.Write(_lcrh);
        w.Write(_cr); w.Write(_ifls); w.Write(_imsc); w.Write(_ris); w.Write(_dmacr);
        w.Write(_divisor64);
        DeviceState.WriteFifo(w, _txFifo, _txHead, _txCount);
        DeviceState.WriteFifo(w, _rxFifo, _rxHead, _rxCount);
        DeviceState.WriteQueue(w, _hostInput);
        w.Write(_txBusy);
        DeviceState.WriteFrame(w, _txFrame);
        w.Write(_rxBusy);
        w.Write((int)_rxShift);
        w.Write(_rxWordLength);
        DeviceState.WriteFrame(w, _rxFrame);
        w.Write(_overrunPending);
        _events.SaveState(w);
        foreach (var l in Outputs) w.Write(l.Level);
    }

    public void LoadState(StateReader r)
    {
        _rsr = r.ReadUInt(); _ilpr = r.ReadUInt(); _ibrd = r.ReadUInt(); _fbrd = r.ReadUInt(); _lcrh = r.ReadUInt();
        _cr = r.ReadUInt(); _ifls = r.ReadUInt(); _imsc = r.ReadUInt(); _ris = r.ReadUInt(); _dmacr = r.ReadUInt();
        _divisor64 = r.ReadInt();
        _txHead = _rxHead = 0;
        _txCount = DeviceState.ReadFifo(r, _txFifo);
        _rxCount = DeviceState.ReadFifo(r, _rxFifo);
        DeviceState.ReadQueue(r, _hostInput);
        _txBusy = r.ReadBool();
        _txFrame = DeviceState.ReadFrame(r, _clk);
        _rxBusy = r.ReadBool();
        _rxShift = DeviceState.ReadUShort(r);
        _rxWordLength = r.ReadInt();
        _rxFrame = DeviceState.ReadFrame(r, _clk);
        _overrunPending = r.ReadBool();
        _events.LoadState(r);
        foreach (var l in Outputs) l.Restore(r.ReadBool());
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp(); // frame ends already due but not yet dispatched (mid-instruction access)
        uint off = PrimeCell.Offset(address);
        uint v = off switch
        {
            UARTDR => ReadDr(),
            UARTRSR => _rsr,
            UARTFR => Flags,
            UARTILPR => _ilpr,
            UARTIBRD => _ibrd,
            UARTFBRD => _fbrd,
            UARTLCR_H => _lcrh,
            UARTCR => _cr,
            UARTIFLS => _ifls,
            UARTIMSC => _imsc,
            UARTRIS => _ris,
            UARTMIS => _ris & _imsc,
            UARTDMACR => _dmacr,
            >= 0xFE0 => PrimeCell.ReadId(off, _periphId),
            _ => 0u, // UARTICR is write-only; reserved and test offsets read as zero
        };
        return PrimeCell.NarrowRead(v, address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = PrimeCell.Offset(address);
        value = PrimeCell.NarrowWrite(value, address, size);
        switch (off)
        {
            case UARTDR: WriteDr(value & 0xFF); break;
            case UARTECR: _rsr = 0; break; // any write clears FE, PE, BE, OE
            case UARTILPR: _ilpr = value & 0xFF; break;
            case UARTIBRD: _ibrd = value & 0xFFFF; break;
            case UARTFBRD: _fbrd = value & 0x3F; break;
            case UARTLCR_H:
                _lcrh = value & 0xFF;
                // IBRD, FBRD and LCR_H form one 30-bit register updated by the LCR_H write strobe
                // (TRM 3.3.6). IBRD = 0 is invalid, and so is IBRD = 0xFFFF with FBRD != 0.
                _divisor64 = _ibrd == 0 || (_ibrd == 0xFFFF && _fbrd != 0) ? 0 : (int)(_ibrd * 64 + _fbrd);
                StartTx(_s.Now);
                StartRx(_s.Now);
                break;
            case UARTCR:
                // Disabling lets the frame in progress finish (TRM 3.3.8); enabling starts waiting data.
                _cr = value & CrMask;
                StartTx(_s.Now);
                StartRx(_s.Now);
                break;
            case UARTIFLS: _ifls = value & 0x3F; break;
            case UARTIMSC: _imsc = value & IntMask; break;
            case UARTICR: _ris &= ~(value & IntMask); break;
            case UARTDMACR: _dmacr = value & 0x7; break;
            default: return; // read-only, reserved and ID offsets ignore writes
        }
        UpdateOutputs();
    }
}
