using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals.Stm32;

/// <summary>
/// STM32F10x USART (RM0008 §27, USART1 at 0x40013800 on APB2, USART2/3 on APB1) in asynchronous and synchronous mode:
/// SR, DR, BRR, CR1-CR3, GTPR; the transmitter and receiver bit by bit on the TX and RX pins, with
/// TXE, TC, RXNE, IDLE, ORE, FE and PE and their interrupts.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Baud rate (§27.3.4): Tx/Rx baud = f<sub>PCLK</sub> / (16 × USARTDIV), BRR = 16 × USARTDIV
/// (mantissa and 4-bit fraction), so one bit lasts exactly BRR PCLK cycles. Bit edges are PCLK edges
/// counted from the frame's start edge: no rounding, no drift. BRR &lt; 16 is outside the manual's
/// range: warned, run as written (at least 1 cycle a bit).</item>
/// <item>Frame: start bit, 8 or 9 data bits (CR1.M) LSB first, the last replaced by parity when PCE,
/// stop bits 1, 0.5, 2 or 1.5 (CR2.STOP) counted in half bits.</item>
/// <item>Transmitter (§27.3.2): setting TE (with UE) first sends an idle frame (all ones, one frame
/// long). A DR write clears TXE and TC; the data moves to the shift register at once when it is idle
/// (TXE set again), else when the frame in progress ends. TC is set at the end of a frame with TXE
/// set. The byte reaches the console (<see cref="TxSink"/>) at the end of its last stop bit.</item>
/// <item>TC is cleared by a read of SR followed by a write of DR, or by writing 0 to it; RXNE by a
/// read of DR or writing 0; ORE, NE, FE, PE and IDLE by a read of SR followed by a read of DR.</item>
/// <item>Receiver: frames on the RX pin (input <c>RX</c>, idle high) are sampled at the middle of each
/// bit from the falling edge of the start bit (the chip's 16× oversampling majority vote is not
/// modelled); bytes from the host (<see cref="EnqueueHostInput"/>) arrive as back-to-back frames at the
/// programmed rate. A frame completes at the middle of its (first) stop bit: DR, RXNE (ORE instead
/// when RXNE is still set: the byte is lost), FE when the stop bit is 0, PE on a parity mismatch. IDLE
/// is set one frame time after the last frame ends with the line idle.</item>
/// <item>Synchronous mode (§27.3.10, CR2.CLKEN): the CK output gives one clock pulse per data bit of
/// each transmitted frame (none for the start and stop bits nor for idle frames), the last data bit's
/// pulse only when LBCL. CPHA = 0: CK leaves its idle level CPOL at the middle of the bit (the capture
/// edge) and returns at its end; CPHA = 1: it leaves at the bit's start and returns at the middle (the
/// capture edge). With RE, the receiver samples RX at each data bit's capture edge (the middle of the
/// bit, whether or not LBCL outputs the last pulse) and receives the word at the end of the frame,
/// as asynchronous RX frames are not looked for (choice: §27.3.10 says the receiver samples on CK
/// without oversampling; a frame without a transmitted frame receives nothing). While CLKEN is 0, CK
/// is low (the pad belongs to the GPIO).</item>
/// <item>Not modelled (registers only): LIN, smartcard, IrDA, half-duplex, hardware
/// flow control, DMA, the wake-up unit, break frames (CR1.SBK sends nothing, warned).</item>
/// </list>
/// </remarks>
public sealed class Stm32Usart : IBusDevice, ISerialPort, IDeviceModel, IStateful
{
    public const uint SR = 0x00, DR = 0x04, BRR = 0x08, CR1 = 0x0C, CR2 = 0x10, CR3 = 0x14, GTPR = 0x18;
    public const uint PE = 1u << 0, FE = 1u << 1, NE = 1u << 2, ORE = 1u << 3, IDLE = 1u << 4, RXNE = 1u << 5, TC = 1u << 6, TXE = 1u << 7;
    public const uint SBK = 1u << 0, RE = 1u << 2, TE = 1u << 3, IDLEIE = 1u << 4, RXNEIE = 1u << 5, TCIE = 1u << 6, TXEIE = 1u << 7;
    public const uint PEIE = 1u << 8, PS = 1u << 9, PCE = 1u << 10, M = 1u << 12, UE = 1u << 13;
    public const uint SrReset = TXE | TC;
    public const uint LBCL = 1u << 8, CPHA = 1u << 9, CPOL = 1u << 10, CLKEN = 1u << 11;

    public static DeviceType Type { get; } = DeviceType.Define<Stm32Usart>("stm32f1_usart",
            "STM32F10x USART (RM0008 §27), asynchronous and synchronous (CK): BRR, SR/DR with TXE/TC/RXNE and interrupts, CR1-3, TX/RX bit by bit on their pins")
        .Window(0x400)
        .Parameter("console", false, "connect the USART to the host terminal: transmitted bytes go to stdout, stdin feeds the receiver")
        .Output("INT", u => u.Interrupt, "the USART global interrupt (NVIC: USART1 37, USART2 38, USART3 39)")
        .Output("TX", u => u.Tx, "transmit data, idle high (wire to the GPIO's AF input of its pin)", resetHigh: true)
        .Output("CK", u => u.Ck, "synchronous clock CK (CR2.CLKEN; wire to the GPIO's AF input of its pin)")
        .Input("RX", (u, l) => u.ConnectRx(l), "receive data (wire from the GPIO pad of its pin); idle high")
        .Input("CLKEN", (u, l) => u.ConnectClockEnable(l), "the RCC's clock enable (rcc.USART1EN...): while low the USART's clock is stopped; unwired, it runs")
        .Signals((u, b) =>
        {
            b.Line("INT", u.Interrupt);
            b.Line("TX", u.Tx);
            b.Line("CK", u.Ck);
        })
        .Build(c => new Stm32Usart(c.Name, c.Scheduler, c.Clock, c.Warn));

    private readonly string _name;
    private readonly Scheduler _s;
    private readonly ClockDomain _pclk;
    private readonly Action<string> _warn;
    private readonly DeviceEvents _events;
    private readonly DeviceEvent _txBit, _rxSample, _hostFrame, _idleEvent, _ckHalf;
    private readonly Queue<byte> _host = new();
    private IrqLine? _rx;

    private uint _sr, _brr, _cr1, _cr2, _cr3, _gtpr;
    private ushort _tdr, _rdr;
    private bool _tdrFull, _srRead;
    // The frame on TX: its start edge (PCLK), the bits (LSB = start bit), its length in half bits, the bit now driven, whether it is an idle frame.
    private long _txStartEdge = -1;
    private ulong _txBits;
    private int _txHalfBits, _txBit_, _txData;
    private bool _txIdleFrame;
    // The frame on RX: the start edge, the bit being sampled next, the bits so far.
    private long _rxStartEdge = -1;
    private int _rxBit;
    private uint _rxBits;
    // Synchronous mode: the half bit of the frame on TX that the next CK event starts, the word sampled on RX.
    private int _ckHalf_;
    private uint _syncRxBits;
    // The RCC clock enable (RM0008 §7.3.7-7.3.8): while off, the bit timing stands still; the PCLK edge it stopped at, and the due edges of the events it held.
    private bool _clockOn = true;
    private long _offEdge;
    private readonly long[] _heldEdges = [-1, -1, -1, -1, -1];

    public Stm32Usart(string name, Scheduler scheduler, ClockDomain pclk, Action<string> warn)
    {
        _name = name;
        _s = scheduler;
        _pclk = pclk;
        _warn = warn;
        _events = new DeviceEvents(scheduler);
        _txBit = _events.Create(name + ".txBit", OnTxBit);
        _rxSample = _events.Create(name + ".rxSample", OnRxSample);
        _hostFrame = _events.Create(name + ".hostFrame", OnHostFrame);
        _idleEvent = _events.Create(name + ".idle", _ => { _sr |= IDLE; UpdateInterrupt(); });
        Interrupt = new IrqLine(name + ".INT");
        Tx = new IrqLine(name + ".TX");
        Ck = new IrqLine(name + ".CK");
        _ckHalf = _events.Create(name + ".ck", OnCkHalf);
        Reset();
    }

    public string Name => _name;
    public IrqLine Interrupt { get; }
    public IrqLine Tx { get; }
    public IrqLine Ck { get; }
    public Action<byte>? TxSink { get; set; }

    public void Reset()
    {
        _txBit.Cancel(); _rxSample.Cancel(); _hostFrame.Cancel(); _idleEvent.Cancel(); _ckHalf.Cancel();
        _sr = SrReset;
        _brr = _cr1 = _cr2 = _cr3 = _gtpr = 0;
        _tdr = _rdr = 0;
        _tdrFull = _srRead = false;
        _txStartEdge = _rxStartEdge = -1;
        Array.Fill(_heldEdges, -1);
        Tx.Set(true);
        Ck.Set(false);
        Interrupt.Set(false);
    }

    private int WordBits => (_cr1 & M) != 0 ? 9 : 8;
    /// <summary>Stop bits in half bits: STOP 00 = 1, 01 = 0.5, 10 = 2, 11 = 1.5 (§27.6.5).</summary>
    private int StopHalves => ((_cr2 >> 12) & 3) switch { 0 => 2, 1 => 1, 2 => 4, _ => 3 };
    private long BitCycles => Math.Max(1, _brr);
    private bool Enabled => (_cr1 & UE) != 0;

    // ---- registers ----

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = address & 0x3FC;
        uint v;
        switch (off)
        {
            case SR: v = _sr; _srRead = true; break;
            case DR:
                v = _rdr;
                _sr &= ~RXNE;
                if (_srRead) _sr &= ~(ORE | NE | FE | PE | IDLE);
                _srRead = false;
                UpdateInterrupt();
                break;
            case BRR: v = _brr; break;
            case CR1: v = _cr1; break;
            case CR2: v = _cr2; break;
            case CR3: v = _cr3; break;
            case GTPR: v = _gtpr; break;
            default: v = 0; _warn($"{_name}: read of reserved USART offset 0x{off:X2} ignored, reads 0"); break;
        }
        return PrimeCell.NarrowRead(v, address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = address & 0x3FC;
        value = PrimeCell.NarrowWrite(value, address, size);
        switch (off)
        {
            case SR:
                // rc_w0: RXNE and TC are cleared by writing 0; the other bits are read-only.
                _sr &= value | ~(RXNE | TC);
                UpdateInterrupt();
                break;
            case DR:
                if (_srRead) _sr &= ~TC;
                _srRead = false;
                _tdr = (ushort)(value & 0x1FF);
                _tdrFull = true;
                _sr &= ~TXE;
                if (!Enabled || (_cr1 & TE) == 0) _warn($"{_name}: DR written while the transmitter is off (CR1.UE/TE = 0): the data waits in DR");
                StartTransmitIfIdle();
                UpdateInterrupt();
                break;
            case BRR:
                _brr = value & 0xFFFF;
                if (_brr < 16) _warn($"{_name}: BRR = {_brr} gives USARTDIV below 1 (RM0008 §27.3.4); each bit lasts {BitCycles} PCLK cycles");
                break;
            case CR1:
                uint old = _cr1;
                _cr1 = value & 0x3FFF;
                if ((_cr1 & SBK) != 0) { _warn($"{_name}: CR1.SBK: break frames are not modelled (nothing is sent)"); _cr1 &= ~SBK; }
                if ((_cr1 & (UE | TE)) == (UE | TE) && (old & (UE | TE)) != (UE | TE)) StartIdleFrame();
                if (!Enabled) { _txBit.Cancel(); _ckHalf.Cancel(); _txStartEdge = -1; Tx.Set(true); CkIdle(); }
                else StartTransmitIfIdle();
                if (Enabled && (_cr1 & RE) != 0 && _host.Count > 0 && !_hostFrame.IsArmed) _hostFrame.Arm(FrameEndTick(_pclk.EdgeAtOrAfter(_s.Now)));
                UpdateInterrupt();
                break;
            case CR2:
                _cr2 = value & 0x7F7F;
                if (!_ckHalf.IsArmed) CkIdle();
                break;
            case CR3:
                _cr3 = value & 0x07FF;
                if ((_cr3 & 0x7FF) != 0) _warn($"{_name}: CR3 = 0x{_cr3:X3}: DMA, flow control, smartcard, IrDA and half-duplex are not modelled");
                break;
            case GTPR: _gtpr = value & 0xFFFF; break;
            default: _warn($"{_name}: write to reserved USART offset 0x{off:X2} ignored"); break;
        }
    }

    private void UpdateInterrupt()
    {
        bool on = ((_cr1 & TXEIE) != 0 && (_sr & TXE) != 0)
            || ((_cr1 & TCIE) != 0 && (_sr & TC) != 0)
            || ((_cr1 & RXNEIE) != 0 && (_sr & (RXNE | ORE)) != 0)
            || ((_cr1 & IDLEIE) != 0 && (_sr & IDLE) != 0)
            || ((_cr1 & PEIE) != 0 && (_sr & PE) != 0);
        Interrupt.Set(on);
    }

    // ---- transmitter ----

    private bool TxBusy => _txStartEdge >= 0;

    private void StartIdleFrame()
    {
        if (TxBusy) return;
        _txIdleFrame = true;
        BeginFrame(ulong.MaxValue, 0);
    }

    private void StartTransmitIfIdle()
    {
        if (TxBusy || !_tdrFull || !Enabled || (_cr1 & TE) == 0) return;
        _tdrFull = false;
        _sr |= TXE;
        int data = _tdr & ((1 << WordBits) - 1);
        if ((_cr1 & PCE) != 0)
        {
            // The MSB of the word is the parity bit (§27.3.2 Table 175).
            int dataBits = WordBits - 1;
            data &= (1 << dataBits) - 1;
            bool odd = (System.Numerics.BitOperations.PopCount((uint)data) & 1) != 0;
            bool parity = (_cr1 & PS) != 0 ? !odd : odd;
            if (parity) data |= 1 << dataBits;
        }
        _txIdleFrame = false;
        // Start bit 0, the word LSB first, stop bits 1.
        ulong bits = ((ulong)(uint)data << 1) | (~0UL << (1 + WordBits));
        BeginFrame(bits, _tdr);
        UpdateInterrupt();
    }

    private void BeginFrame(ulong bits, int data)
    {
        _txBits = bits;
        _txData = data;
        _txHalfBits = 2 * (1 + WordBits) + StopHalves;
        _txStartEdge = _pclk.EdgeAtOrAfter(_s.EventTime);
        _txBit_ = 0;
        Tx.Set((bits & 1) != 0);
        _txBit.Arm(TxTick(1));
        if (Synchronous && !_txIdleFrame)
        {
            // CK: the start bit has no pulse; the first possible transition is at the middle of the start bit's end, half 2.
            _ckHalf_ = 2;
            _syncRxBits = 0;
            _ckHalf.Arm(HalfTick(2));
        }
    }

    private bool Synchronous => (_cr2 & CLKEN) != 0;

    /// <summary>CK outside a frame: CPOL while CLKEN, else low.</summary>
    private void CkIdle() => Ck.Set(Synchronous && (_cr2 & CPOL) != 0);

    private long HalfTick(int half) => _pclk.TimeOfEdge(_txStartEdge + half * BitCycles / 2);

    /// <summary>Half bit <see cref="_ckHalf_"/> of the frame starts: CK's level for it, RX sampled at a capture edge (a data bit's middle).</summary>
    private void OnCkHalf(long due)
    {
        int half = _ckHalf_;
        int bit = half / 2;                     // frame bit: 1..WordBits are the data bits
        int lastPulsed = (_cr2 & LBCL) != 0 ? WordBits : WordBits - 1;
        bool firstHalf = (half & 1) == 0;
        bool active = bit >= 1 && bit <= lastPulsed && firstHalf == ((_cr2 & CPHA) != 0);
        Ck.Set(active ^ ((_cr2 & CPOL) != 0));
        if (!firstHalf && bit >= 1 && bit <= WordBits && (_rx?.Level ?? true)) _syncRxBits |= 1u << (bit - 1);
        if (bit <= WordBits) { _ckHalf_ = half + 1; _ckHalf.Arm(HalfTick(half + 1)); return; }
        // The first stop bit: the frame's data are all clocked; the receiver takes the word.
        if ((_cr1 & RE) != 0) Receive((int)_syncRxBits, stopOk: true);
    }

    /// <summary>Tick at which bit <paramref name="bit"/> of the frame on TX starts (half bits at the end for the stop bits).</summary>
    private long TxTick(int bit)
    {
        int dataBits = 1 + WordBits;
        long halves = bit <= dataBits ? 2L * bit : Math.Min(_txHalfBits, 2L * bit);
        return _pclk.TimeOfEdge(_txStartEdge + halves * BitCycles / 2);
    }

    private void OnTxBit(long due)
    {
        _txBit_++;
        int frameBits = 1 + WordBits;
        if (2 * _txBit_ < _txHalfBits)
        {
            Tx.Set(((_txBits >> _txBit_) & 1) != 0);
            long next = _txBit_ + 1 <= frameBits ? TxTick(_txBit_ + 1) : _pclk.TimeOfEdge(_txStartEdge + _txHalfBits * BitCycles / 2);
            _txBit.Arm(next);
            return;
        }
        // The frame has ended.
        Tx.Set(true);
        _txStartEdge = -1;
        if (!_txIdleFrame) TxSink?.Invoke((byte)_txData);
        if (_tdrFull) StartTransmitIfIdle();
        else _sr |= TC;
        UpdateInterrupt();
    }

    // ---- receiver ----

    private void ConnectRx(IrqLine line)
    {
        _rx = line;
        line.Subscribe(level =>
        {
            _events.CatchUp(_s.EventTime);
            if (!level && _clockOn && _rxStartEdge < 0 && Enabled && (_cr1 & RE) != 0 && !Synchronous) StartRxFrame(_s.EventTime);
        });
    }

    private DeviceEvent[] TimedEvents => [_txBit, _rxSample, _hostFrame, _idleEvent, _ckHalf];

    private void ConnectClockEnable(IrqLine line)
    {
        _clockOn = line.Level;
        line.Subscribe(ClockGate);
    }

    /// <summary>
    /// The RCC stops or restarts the USART's clock: every bit edge to come (TX, CK, RX sampling, IDLE) is
    /// held where it stood and shifted, on restart, by the PCLK edges the clock was off, so a frame
    /// resumes mid-bit as the stopped shift registers would; the RX line is not watched meanwhile.
    /// </summary>
    private void ClockGate(bool on)
    {
        if (on == _clockOn) return;
        _events.CatchUp(_s.EventTime);
        long edge = _pclk.EdgesAt(_s.EventTime);
        var events = TimedEvents;
        _clockOn = on;
        if (!on)
        {
            _offEdge = edge;
            for (int i = 0; i < events.Length; i++)
            {
                _heldEdges[i] = events[i].IsArmed ? _pclk.EdgeAtOrAfter(events[i].Due) : -1;
                events[i].Cancel();
            }
            return;
        }
        long delta = edge - _offEdge;
        if (_txStartEdge >= 0) _txStartEdge += delta;
        if (_rxStartEdge >= 0) _rxStartEdge += delta;
        for (int i = 0; i < events.Length; i++)
            if (_heldEdges[i] >= 0) events[i].Arm(_pclk.TimeOfEdge(_heldEdges[i] + delta));
        if (!_hostFrame.IsArmed && _host.Count > 0 && Enabled && (_cr1 & RE) != 0) _hostFrame.Arm(FrameEndTick(_pclk.EdgeAtOrAfter(_s.EventTime)));
    }

    private void StartRxFrame(long tick)
    {
        _idleEvent.Cancel();
        _rxStartEdge = _pclk.EdgeAtOrAfter(tick);
        _rxBit = 0;
        _rxBits = 0;
        _rxSample.Arm(_pclk.TimeOfEdge(_rxStartEdge + BitCycles / 2));
    }

    private void OnRxSample(long due)
    {
        bool level = _rx?.Level ?? true;
        if (_rxBit == 0 && level) { _rxStartEdge = -1; return; } // a glitch, not a start bit
        if (level) _rxBits |= 1u << _rxBit;
        _rxBit++;
        if (_rxBit <= 1 + WordBits)
        {
            _rxSample.Arm(_pclk.TimeOfEdge(_rxStartEdge + BitCycles / 2 + _rxBit * BitCycles));
            return;
        }
        _rxStartEdge = -1;
        Receive((int)((_rxBits >> 1) & ((1u << WordBits) - 1)), stopOk: level);
        _idleEvent.Arm(_pclk.TimeOfEdge(_pclk.EdgeAtOrAfter(due) + (2L * (1 + WordBits) + StopHalves) * BitCycles / 2));
    }

    private void Receive(int word, bool stopOk)
    {
        if ((_sr & RXNE) != 0) _sr |= ORE;
        else
        {
            _rdr = (ushort)word;
            _sr |= RXNE;
            if (!stopOk) _sr |= FE;
            // The word read includes the parity bit (§27.3.2); even parity (PS = 0): an even count of ones.
            if ((_cr1 & PCE) != 0 && ((System.Numerics.BitOperations.PopCount((uint)word) & 1) != 0) != ((_cr1 & PS) != 0)) _sr |= PE;
        }
        UpdateInterrupt();
    }

    /// <summary>Bytes from the host arrive one frame each, back to back, from the next PCLK edge.</summary>
    public void EnqueueHostInput(ReadOnlySpan<byte> data)
    {
        foreach (byte b in data) _host.Enqueue(b);
        if (_clockOn && !_hostFrame.IsArmed && Enabled && (_cr1 & RE) != 0) _hostFrame.Arm(FrameEndTick(_pclk.EdgeAtOrAfter(_s.EventTime)));
    }

    /// <summary>Where a frame starting at edge <paramref name="startEdge"/> is received: the middle of its first stop bit.</summary>
    private long FrameEndTick(long startEdge) => _pclk.TimeOfEdge(startEdge + (1 + WordBits) * BitCycles + BitCycles / 2);

    private void OnHostFrame(long due)
    {
        if (_host.Count == 0) return;
        if (!Enabled || (_cr1 & RE) == 0) return;
        Receive(_host.Dequeue(), stopOk: true);
        // The next frame starts when this one's stop bits end.
        long nextStart = _pclk.EdgeAtOrAfter(due) + StopHalves * BitCycles / 2 - BitCycles / 2;
        if (_host.Count > 0) _hostFrame.Arm(FrameEndTick(nextStart));
        else _idleEvent.Arm(_pclk.TimeOfEdge(nextStart + (2L * (1 + WordBits) + StopHalves) * BitCycles / 2));
    }

    // ---- checkpoints ----

    public void SaveState(StateWriter w)
    {
        foreach (uint v in new[] { _sr, _brr, _cr1, _cr2, _cr3, _gtpr }) w.Write(v);
        w.Write(_ckHalf_); w.Write(_syncRxBits); w.Write(Ck.Level);
        w.Write((int)_tdr); w.Write((int)_rdr);
        w.Write(_tdrFull); w.Write(_srRead);
        w.Write(_txStartEdge); w.Write((long)_txBits); w.Write(_txHalfBits); w.Write(_txBit_); w.Write(_txData); w.Write(_txIdleFrame);
        w.Write(_rxStartEdge); w.Write(_rxBit); w.Write(_rxBits);
        DeviceState.WriteQueue(w, _host);
        w.Write(Tx.Level); w.Write(Interrupt.Level);
        w.Write(_clockOn); w.Write(_offEdge);
        foreach (long e in _heldEdges) w.Write(e);
        _events.SaveState(w);
    }

    public void LoadState(StateReader r)
    {
        _sr = r.ReadUInt(); _brr = r.ReadUInt(); _cr1 = r.ReadUInt(); _cr2 = r.ReadUInt(); _cr3 = r.ReadUInt(); _gtpr = r.ReadUInt();
        _ckHalf_ = r.ReadInt(); _syncRxBits = r.ReadUInt(); Ck.Restore(r.ReadBool());
        _tdr = DeviceState.ReadUShort(r); _rdr = DeviceState.ReadUShort(r);
        _tdrFull = r.ReadBool(); _srRead = r.ReadBool();
        _txStartEdge = r.ReadLong(); _txBits = (ulong)r.ReadLong(); _txHalfBits = r.ReadInt(); _txBit_ = r.ReadInt(); _txData = r.ReadInt(); _txIdleFrame = r.ReadBool();
        _rxStartEdge = r.ReadLong(); _rxBit = r.ReadInt(); _rxBits = r.ReadUInt();
        DeviceState.ReadQueue(r, _host);
        Tx.Restore(r.ReadBool()); Interrupt.Restore(r.ReadBool());
        _clockOn = r.ReadBool(); _offEdge = r.ReadLong();
        for (int i = 0; i < _heldEdges.Length; i++) _heldEdges[i] = r.ReadLong();
        _events.LoadState(r);
    }
}
