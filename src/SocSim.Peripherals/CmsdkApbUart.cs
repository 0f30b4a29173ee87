using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The CMSDK APB UART (Cortex-M System Design Kit TRM DDI 0479C, 4.3): 8N1, a one-byte transmit buffer in front
/// of the transmit shift register, a one-byte receive buffer, BAUDDIV (20 bits) PCLK cycles per bit, and
/// TX, RX, TX-overrun and RX-overrun interrupts with their OR, UARTINT.
/// </summary>
/// <remarks>
/// What the TRM leaves open, and the choice made here:
/// <list type="bullet">
/// <item>A byte written to DATA with the shifter idle (and CTRL.TX_EN set) moves to the shifter at the next
/// PCLK edge: STATE.TXFULL clears there, and the frame's start bit begins on that edge. A frame is 10 bits of
/// BAUDDIV PCLK cycles; the byte reaches the host at the frame's end, and a byte waiting in the buffer moves to
/// the shifter then (back to back).</item>
/// <item>The TX interrupt (INTSTATUS.TX, CTRL.TX_INTEN) is set when the buffer goes from full to empty (the
/// byte moved to the shifter), as the TRM's "TX buffer becomes not full" says; RX when a byte arrives in the
/// buffer. Both stay set until written 1 to INTSTATUS. The overrun interrupts are STATE's overrun bits gated
/// by CTRL.TXO_INTEN / RXO_INTEN, cleared with STATE or INTSTATUS (write one).</item>
/// <item>A write to DATA while TXFULL sets TXOVERRUN and replaces the buffered byte (the buffer register is
/// written on every DATA write in the CMSDK RTL).</item>
/// <item>BAUDDIV below 16, the TRM's minimum: the UART shifts at 16 PCLK cycles per bit and warns once.</item>
/// <item>Parameter <c>instantTx</c> (default false) is not the hardware: each byte written to DATA (with TX_EN)
/// reaches the host at the write, TXFULL never sets and the TX interrupt sets at once, as QEMU's model
/// transmits. Firmware that writes DATA without waiting for TXFULL (FreeRTOS's MPS2 demo's printf) loses bytes
/// on the real UART and prints everything on QEMU; <c>boards/overrides/mps2-qemu-uart.json</c> selects it.</item>
/// <item>Received host bytes arrive one frame (10 bits at the programmed rate) after the receiver is free; a byte
/// arriving while RXFULL sets RXOVERRUN and replaces the buffer; with RX_EN clear it is dropped.</item>
/// </list>
/// </remarks>
public sealed class CmsdkApbUart : IBusDevice, IDeviceModel, IStateful, ISerialPort
{
    public static DeviceType Type { get; } = DeviceType.Define<CmsdkApbUart>("cmsdk_apb_uart",
            "ARM CMSDK APB UART (DDI 0479C 4.3): 8N1, one-byte buffers, BAUDDIV PCLK cycles per bit")
        .Window(PrimeCell.Window)
        .Parameter("console", false, "connect the UART to the host terminal: transmitted bytes go to stdout, stdin feeds the receiver")
        .Parameter("instantTx", false, "not the hardware: each byte written to DATA is transmitted at the write, with no frame time and no TXFULL (QEMU's model; firmware that does not wait for TXFULL loses bytes on the real UART)")
        .Output("TXINT", u => u.TxInt, "transmit buffer emptied (INTSTATUS.TX)")
        .Output("RXINT", u => u.RxInt, "a byte received (INTSTATUS.RX)")
        .Output("TXOVRINT", u => u.TxOvrInt, "transmit overrun (STATE.TXOVERRUN and CTRL.TXO_INTEN)")
        .Output("RXOVRINT", u => u.RxOvrInt, "receive overrun (STATE.RXOVERRUN and CTRL.RXO_INTEN)")
        .Output("UARTINT", u => u.UartInt, "the OR of the four")
        .Signals((u, s) =>
        {
            UartLines.Declare(s, d => u.FrameTransmitted += d, d => u.FrameReceived += d,
                () => u._txBusy ? u._txFrame : null, () => u._rxBusy ? u._rxFrame : null);
            s.Line("TXINT", u.TxInt);
            s.Line("RXINT", u.RxInt);
            s.Line("UARTINT", u.UartInt);
            s.Sampled("STATE", 4, () => u._state, 0);
        })
        .Build(c => new CmsdkApbUart(c.Name, c.Scheduler, c.Clock, c.Warn) { InstantTx = c.Parameter<bool>("instantTx") });

    // Registers (DDI 0479C table 4-7).
    public const uint DATA = 0x00, STATE = 0x04, CTRL = 0x08, INTSTATUS = 0x0C, BAUDDIV = 0x10;
    public const uint TXFULL = 1, RXFULL = 2, TXOVERRUN = 4, RXOVERRUN = 8;
    public const uint TX_EN = 1, RX_EN = 2, TX_INTEN = 4, RX_INTEN = 8, TXO_INTEN = 0x10, RXO_INTEN = 0x20, HSTEST = 0x40;
    public const uint INT_TX = 1, INT_RX = 2, INT_TXO = 4, INT_RXO = 8;
    /// <summary>The minimum BAUDDIV (DDI 0479C 4.3.3).</summary>
    public const uint MinBaudDiv = 16;

    /// <summary>PID0 of the CMSDK UART (PrimeCell.CmsdkId gives the other identification bytes).</summary>
    private const byte PartNumber = 0x21;

    private readonly Scheduler _s;
    private readonly long _clk;
    private readonly Action<string> _warn;
    private readonly DeviceEvents _events;
    private readonly DeviceEvent _txLoad, _txDone, _rxDone;
    private readonly Queue<byte> _hostInput = new();
    private uint _state, _ctrl, _intStatus, _baudDiv;
    private byte _txBuf, _rxBuf;
    private bool _txBusy, _rxBusy;
    private UartFrame _txFrame, _rxFrame;

    public CmsdkApbUart(string name, Scheduler scheduler, ClockDomain pclk, Action<string>? warn = null)
    {
        Name = name;
        _s = scheduler;
        _clk = pclk.PeriodTicks;
        _warn = warn ?? (_ => { });
        _events = new DeviceEvents(scheduler);
        _txLoad = _events.Create(name + ".txLoad", OnTxLoad);
        _txDone = _events.Create(name + ".txDone", OnTxFrameEnd);
        _rxDone = _events.Create(name + ".rxDone", OnRxFrameEnd);
        TxInt = new IrqLine(name + ".TXINT");
        RxInt = new IrqLine(name + ".RXINT");
        TxOvrInt = new IrqLine(name + ".TXOVRINT");
        RxOvrInt = new IrqLine(name + ".RXOVRINT");
        UartInt = new IrqLine(name + ".UARTINT");
    }

    public string Name { get; }
    /// <summary>QEMU's transmitter: each byte leaves at its DATA write (see the remarks).</summary>
    public bool InstantTx { get; init; }
    public IrqLine TxInt { get; }
    public IrqLine RxInt { get; }
    public IrqLine TxOvrInt { get; }
    public IrqLine RxOvrInt { get; }
    public IrqLine UartInt { get; }
    public Action<byte>? TxSink { get; set; }
    /// <summary>Raised when a frame starts on TXD (for tracers).</summary>
    public event Action<UartFrame>? FrameTransmitted;
    public event Action<UartFrame>? FrameReceived;

    public void Reset()
    {
        _events.CatchUp();
        _txLoad.Cancel(); _txDone.Cancel(); _rxDone.Cancel();
        _state = _ctrl = _intStatus = _baudDiv = 0;
        _txBuf = _rxBuf = 0;
        _txBusy = _rxBusy = false;
        _hostInput.Clear();
        UpdateOutputs();
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = PrimeCell.Offset(address);
        uint v;
        switch (off)
        {
            case DATA:
                v = _rxBuf;
                if ((_state & RXFULL) != 0)
                {
                    _state &= ~RXFULL;
                    StartRx(_s.Now);
                }
                break;
            case STATE: v = _state; break;
            case CTRL: v = _ctrl; break;
            case INTSTATUS: v = IntStatus; break;
            case BAUDDIV: v = _baudDiv; break;
            case >= 0xFD0: v = PrimeCell.CmsdkId(off, PartNumber); break;
            default: v = 0; break;
        }
        return PrimeCell.NarrowRead(v, address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = PrimeCell.Offset(address);
        value = PrimeCell.NarrowWrite(value, address, size);
        switch (off)
        {
            case DATA:
                _txBuf = (byte)value;
                if (InstantTx)
                {
                    if ((_ctrl & TX_EN) == 0) _state |= TXFULL;
                    else
                    {
                        TxSink?.Invoke(_txBuf);
                        if ((_ctrl & TX_INTEN) != 0) _intStatus |= INT_TX;
                    }
                }
                else if ((_state & TXFULL) != 0) _state |= TXOVERRUN;
                else
                {
                    _state |= TXFULL;
                    ScheduleTxLoad();
                }
                break;
            case STATE:
                _state &= ~(value & (TXOVERRUN | RXOVERRUN));
                break;
            case CTRL:
                _ctrl = value & 0x7F;
                ScheduleTxLoad();
                StartRx(_s.Now);
                break;
            case INTSTATUS:
                _state &= ~(value & (INT_TXO | INT_RXO));     // the overrun bits are STATE's (table 4-7)
                _intStatus &= ~(value & (INT_TX | INT_RX));
                break;
            case BAUDDIV:
                _baudDiv = value & 0xF_FFFF;
                break;
        }
        UpdateOutputs();
    }

    /// <summary>INTSTATUS: the latched TX and RX bits, and the overrun bits as STATE AND their enables.</summary>
    private uint IntStatus => _intStatus | (_state & (_ctrl >> 2) & (INT_TXO | INT_RXO));

    private void UpdateOutputs()
    {
        uint i = IntStatus;
        TxInt.Set((i & INT_TX) != 0);
        RxInt.Set((i & INT_RX) != 0);
        TxOvrInt.Set((i & INT_TXO) != 0);
        RxOvrInt.Set((i & INT_RXO) != 0);
        UartInt.Set(i != 0);
    }

    /// <summary>PCLK cycles per bit (BAUDDIV, at least the minimum).</summary>
    private int BitCycles()
    {
        if (_baudDiv >= MinBaudDiv) return (int)_baudDiv;
        _warn($"{Name}: BAUDDIV {_baudDiv} is below the minimum {MinBaudDiv} (DDI 0479C 4.3.3): the UART shifts at {MinBaudDiv} PCLK cycles per bit");
        return (int)MinBaudDiv;
    }

    private UartFrame MakeFrame(long start, byte data) => new(start, data, 8, UartParity.None, 1, 4 * BitCycles(), _clk);

    private long NextEdge(long tick) => (tick / _clk + 1) * _clk;

    // ---- transmitter ----

    private void ScheduleTxLoad()
    {
        if (InstantTx && (_state & TXFULL) != 0 && (_ctrl & TX_EN) != 0)
        {
            // A byte written while TX_EN was clear leaves when the transmitter is enabled.
            _state &= ~TXFULL;
            TxSink?.Invoke(_txBuf);
            if ((_ctrl & TX_INTEN) != 0) _intStatus |= INT_TX;
            return;
        }
        if (_txBusy || (_state & TXFULL) == 0 || (_ctrl & TX_EN) == 0 || _txLoad.IsArmed) return;
        _txLoad.Arm(NextEdge(_s.Now));
    }

    private void OnTxLoad(long due)
    {
        if (_txBusy || (_state & TXFULL) == 0 || (_ctrl & TX_EN) == 0) return;
        _state &= ~TXFULL;
        if ((_ctrl & TX_INTEN) != 0) _intStatus |= INT_TX;
        _txFrame = MakeFrame(due, _txBuf);
        _txBusy = true;
        _txDone.Arm(_txFrame.EndTick);
        FrameTransmitted?.Invoke(_txFrame);
        UpdateOutputs();
    }

    private void OnTxFrameEnd(long due)
    {
        _txBusy = false;
        TxSink?.Invoke((byte)_txFrame.Data);
        // A byte waiting in the buffer goes out back to back.
        if ((_state & TXFULL) != 0 && (_ctrl & TX_EN) != 0) OnTxLoad(due);
    }

    // ---- receiver ----

    public void EnqueueHostInput(ReadOnlySpan<byte> data)
    {
        _events.CatchUp();
        foreach (byte b in data) _hostInput.Enqueue(b);
        StartRx(_s.Now);
    }

    private void StartRx(long at)
    {
        if (_rxBusy || _hostInput.Count == 0 || (_ctrl & RX_EN) == 0) return;
        _rxFrame = MakeFrame((at + _clk - 1) / _clk * _clk, _hostInput.Dequeue());
        _rxBusy = true;
        _rxDone.Arm(_rxFrame.EndTick);
        FrameReceived?.Invoke(_rxFrame);
    }

    private void OnRxFrameEnd(long due)
    {
        _rxBusy = false;
        if ((_ctrl & RX_EN) != 0)
        {
            if ((_state & RXFULL) != 0) _state |= RXOVERRUN;
            _rxBuf = (byte)_rxFrame.Data;
            _state |= RXFULL;
            if ((_ctrl & RX_INTEN) != 0) _intStatus |= INT_RX;
        }
        UpdateOutputs();
        // The host's next byte follows once the firmware has read this one (the host waits: no overrun from a paste).
        if ((_state & RXFULL) == 0) StartRx(due);
    }

    // ---- checkpoints ----

    public void SaveState(StateWriter w)
    {
        w.Write(_state); w.Write(_ctrl); w.Write(_intStatus); w.Write(_baudDiv);
        w.Write(_txBuf); w.Write(_rxBuf);
        w.Write(_txBusy); w.Write(_rxBusy);
        DeviceState.WriteFrame(w, _txFrame);
        DeviceState.WriteFrame(w, _rxFrame);
        DeviceState.WriteQueue(w, _hostInput);
        _events.SaveState(w);
        w.Write(TxInt.Level); w.Write(RxInt.Level); w.Write(TxOvrInt.Level); w.Write(RxOvrInt.Level); w.Write(UartInt.Level);
    }

    public void LoadState(StateReader r)
    {
        _state = r.ReadUInt(); _ctrl = r.ReadUInt(); _intStatus = r.ReadUInt(); _baudDiv = r.ReadUInt();
        _txBuf = r.ReadByte(); _rxBuf = r.ReadByte();
        _txBusy = r.ReadBool(); _rxBusy = r.ReadBool();
        _txFrame = DeviceState.ReadFrame(r, _clk);
        _rxFrame = DeviceState.ReadFrame(r, _clk);
        DeviceState.ReadQueue(r, _hostInput);
        _events.LoadState(r);
        TxInt.Restore(r.ReadBool()); RxInt.Restore(r.ReadBool()); TxOvrInt.Restore(r.ReadBool()); RxOvrInt.Restore(r.ReadBool()); UartInt.Restore(r.ReadBool());
    }
}
