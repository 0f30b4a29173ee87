using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The SPI interface SPI0 of the NXP LPC2104/2105/2106 (UM10275 chapter 12, 0xE0020000, VIC channel 10),
/// master and slave, bit by bit on the SCK, MOSI, MISO pads with SSEL as its slave select: S0SPCR (CPHA,
/// CPOL, MSTR, LSBF, SPIE), S0SPSR (ABRT, MODF, ROVR, WCOL, SPIF), S0SPDR, S0SPCCR, S0SPINT.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Part: the legacy LPC2106 (boards/README.md): 8 bits per transfer; SPCR's BitEnable and BITS
/// (Table 137, /01 parts only) are reserved and read 0.</item>
/// <item>Master timing (§12.6.4): SCK = PCLK / S0SPCCR; a transfer starts on the PCLK edge after the
/// S0SPDR write and lasts 8 × S0SPCCR PCLKs, in half periods of S0SPCCR / 2. Table 134 and Fig 41:
/// with CPHA = 0 the first bit is on MOSI at the start, SCK's leading edge (away from CPOL) comes half a
/// period later and samples MISO, the trailing edge shifts out the next bit; SPIF is set at the eighth
/// trailing edge ("the end of the last cycle"). With CPHA = 1 the leading edge is at the start of each
/// period and drives the bit, the trailing edge samples; SPIF is set half a period after the last
/// sampling edge, again 8 × S0SPCCR PCLKs after the start. MOSI keeps the last bit between transfers.
/// S0SPCCR must be even and at least 8 ("violations ... unpredictable"): our choice is a warning and
/// the value rounded down to even, 8 if less.</item>
/// <item>Slave (§12.4.3.3): SCK and MOSI are read from the pads at the tick they change (the manual's
/// PCLK ≥ 8 × SCK requirement is not checked; no synchronizer delay is given, so none is modelled).
/// MISO is driven only while SSEL is low (Table 135: "When a slave device is not selected, the slave
/// drives the signal high impedance"). CPHA = 0: the transfer starts as SSEL falls (first bit on
/// MISO) and ends at the eighth sampling edge; the next transfer needs SSEL high again (Fig 41).
/// CPHA = 1: a transfer starts at the first SCK edge while selected. SPIF is set on the last sampling
/// edge. SSEL rising after the transfer started and before that edge: ABRT, data lost (§12.4.3.4.4).
/// A transfer completing while SPIF is still set: ROVR, the data lost (§12.4.3.4.1).</item>
/// <item>Status clearing (Table 138): SPIF and WCOL by reading S0SPSR while set, then reading or
/// writing S0SPDR; MODF by reading S0SPSR then writing S0SPCR; ROVR and ABRT by reading S0SPSR.
/// S0SPDR written from the start of a transfer until S0SPSR has been read with SPIF set: WCOL, the
/// write lost (§12.4.3.4.2).</item>
/// <item>Mode fault (§12.4.3.4.3): SSEL low while MSTR is 1 (when it falls, or when MSTR is written
/// with SSEL low): MODF, the transfer in progress stops, the drivers are released and MSTR clears.</item>
/// <item>Interrupt (Table 141): S0SPINT's flag is set when SPIE = 1 and SPIF or MODF goes from 0 to 1,
/// cleared by writing 1; INT is the flag. Table 141 names bits 7:1 but calls bit 0 reserved; every
/// other LPC2000 manual (UM10114 among them) has the flag in bit 0, and so do we.</item>
/// <item>Drives: SCK_OUT, MOSI_OUT, MISO_OUT at 1 release the pad (the board's pins are a wired AND,
/// Lpc2106Pins); as a master SCK_OUT rests at CPOL and MISO_OUT is 1, as a slave SCK_OUT and MOSI_OUT
/// are 1. The legacy part's master "MUST select SSEL functionality on P0.7 and have HIGH level"
/// (Table 135): an unselected SSEL shows 1 to the block (Lpc2106Pins), so this is not checked.</item>
/// <item>All registers are byte, halfword and word accessible (§12.6).</item>
/// </list>
/// </remarks>
public sealed class Lpc2000Spi : IBusDevice, IDeviceModel, IStateful
{
    public static DeviceType Type { get; } = DeviceType.Define<Lpc2000Spi>("lpc_spi", "NXP LPC2000 SPI0, master and slave, bit by bit on the SCK/MOSI/MISO/SSEL pads (UM10275 chapter 12)")
        .Window(0x4000)
        .Output("INT", d => d.Int, "interrupt request: the S0SPINT flag (VIC channel 10)")
        .Output("SCK_OUT", d => d._sckOut, "SCK drive (master): CPOL when idle; 1 releases the pad", resetHigh: true)
        .Output("MOSI_OUT", d => d._mosiOut, "MOSI drive (master); 1 releases the pad", resetHigh: true)
        .Output("MISO_OUT", d => d._misoOut, "MISO drive (selected slave); 1 releases the pad", resetHigh: true)
        .Input("SCK", (d, l) => d.ConnectSck(l), "SCK as the pad shows it (the clock in slave mode)")
        .Input("MOSI", (d, l) => d._mosiIn = l, "MOSI as the pad shows it (sampled in slave mode)")
        .Input("MISO", (d, l) => d._misoIn = l, "MISO as the pad shows it (sampled in master mode)")
        .Input("SSEL", (d, l) => d.ConnectSsel(l), "SSEL, active low: selects the slave; low in master mode is a mode fault")
        .Signals((d, s) => { s.Line("INT", d.Int); s.Line("SCK_OUT", d._sckOut); s.Line("MOSI_OUT", d._mosiOut); s.Line("MISO_OUT", d._misoOut); })
        .Build(c => new Lpc2000Spi(c.Name, c.Scheduler, c.Clock, c.Warn));

    public const uint SPCR = 0x00, SPSR = 0x04, SPDR = 0x08, SPCCR = 0x0C, SPINT = 0x1C;
    public const uint CPHA = 1u << 3, CPOL = 1u << 4, MSTR = 1u << 5, LSBF = 1u << 6, SPIE = 1u << 7;
    public const uint ABRT = 1u << 3, MODF = 1u << 4, ROVR = 1u << 5, WCOL = 1u << 6, SPIF = 1u << 7;

    private readonly Scheduler _s;
    private readonly ClockDomain _pclk;
    private readonly Action<string> _warn;
    private readonly DeviceEvents _events;
    // SCK/MOSI edges and MISO samples, and SPIF at the end: a register access catches both up, each at its
    // own tick (DeviceEvents exactCatchUp, as the I2C does), so no edge carries the access's tick.
    private readonly DeviceEvent _step;
    private readonly DeviceEvent _end;
    private readonly IrqLine _sckOut, _mosiOut, _misoOut;
    private IrqLine? _sckIn, _mosiIn, _misoIn, _sselIn;

    private uint _cr, _sr, _ccr, _int;
    private uint _rx;          // the read buffer (S0SPDR reads)
    private uint _shift;       // the shift register: transmit bits out, received bits in
    private uint _armed;       // SPSR bits seen set by an S0SPSR read, cleared by the next S0SPDR (SPIF, WCOL) or S0SPCR (MODF) access
    private bool _busy;        // a transfer is in progress (master: started; slave: started, not complete)
    private bool _done;        // slave, CPHA = 0: the byte is complete, waiting for SSEL to rise
    private int _half;         // slave: bits sampled
    private int _stepHalf = -1; // master: the half period (0..16) the pending _step performs, -1 none
    private long _stepDue = -1;
    private bool _chained;     // master: a transfer started while the last edge of the one before was pending
    private uint _rxAcc;       // bits received so far, first on the wire in the highest place
    private long _start;       // master: the transfer's start tick
    private uint _halfPclks;   // master: half an SCK period in PCLKs, fixed at the start

    public Lpc2000Spi(string name, Scheduler scheduler, ClockDomain pclk, Action<string>? warn = null)
    {
        Name = name;
        _s = scheduler;
        _pclk = pclk;
        _warn = warn ?? (_ => { });
        _events = new DeviceEvents(scheduler, exactCatchUp: true);
        _step = _events.Create(name + ".sck", _ => OnStep());
        _end = _events.Create(name + ".end", OnEnd);
        Int = new IrqLine(name + ".INT");
        _sckOut = new IrqLine(name + ".SCK_OUT");
        _mosiOut = new IrqLine(name + ".MOSI_OUT");
        _misoOut = new IrqLine(name + ".MISO_OUT");
        _sckOut.Set(true);
        _mosiOut.Set(true);
        _misoOut.Set(true);
    }

    public string Name { get; }
    public IrqLine Int { get; }
    public IrqLine SckOut => _sckOut;
    public IrqLine MosiOut => _mosiOut;
    public IrqLine MisoOut => _misoOut;
    public void ConnectSck(IrqLine l) { _sckIn = l; l.Subscribe(OnSck); }
    public void ConnectMosi(IrqLine l) => _mosiIn = l;
    public void ConnectMiso(IrqLine l) => _misoIn = l;
    public void ConnectSsel(IrqLine l) { _sselIn = l; l.Subscribe(OnSsel); }

    private bool Master => (_cr & MSTR) != 0;
    private bool Cpha => (_cr & CPHA) != 0;
    private bool Cpol => (_cr & CPOL) != 0;
    private bool Selected => !(_sselIn?.Level ?? true);

    public void Reset()
    {
        StopMaster();
        _cr = _sr = _ccr = _int = _rx = _shift = _armed = 0;
        _busy = _done = false;
        _half = 0;
        Drive();
        _mosiOut.Set(true);
        UpdateInt();
    }

    public void SaveState(StateWriter w)
    {
        w.Write(_cr); w.Write(_sr); w.Write(_ccr); w.Write(_int); w.Write(_rx); w.Write(_shift); w.Write(_armed);
        w.Write(_busy); w.Write(_done); w.Write(_half); w.Write(_stepHalf); w.Write(_stepDue); w.Write(_chained); w.Write(_rxAcc); w.Write(_start); w.Write(_halfPclks);
        _events.SaveState(w);
        w.Write(Int.Level); w.Write(_sckOut.Level); w.Write(_mosiOut.Level); w.Write(_misoOut.Level);
    }

    public void LoadState(StateReader r)
    {
        _cr = r.ReadUInt(); _sr = r.ReadUInt(); _ccr = r.ReadUInt(); _int = r.ReadUInt(); _rx = r.ReadUInt(); _shift = r.ReadUInt(); _armed = r.ReadUInt();
        _busy = r.ReadBool(); _done = r.ReadBool(); _half = r.ReadInt(); _stepHalf = r.ReadInt(); _stepDue = r.ReadLong(); _chained = r.ReadBool(); _rxAcc = r.ReadUInt(); _start = r.ReadLong(); _halfPclks = r.ReadUInt();
        _events.LoadState(r);
        Int.Restore(r.ReadBool()); _sckOut.Restore(r.ReadBool()); _mosiOut.Restore(r.ReadBool()); _misoOut.Restore(r.ReadBool());
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = address & 0x3FFC;
        uint v;
        switch (off)
        {
            case SPCR: v = _cr; break;
            case SPSR:
                v = _sr;
                _armed = _sr & (SPIF | WCOL | MODF);
                _sr &= ~(ROVR | ABRT);
                break;
            case SPDR: v = _rx; DataAccessed(); break;
            case SPCCR: v = _ccr; break;
            case SPINT: v = _int; break;
            default: _warn($"{Name}: read of reserved offset 0x{off:X3}"); return 0;
        }
        return PrimeCell.NarrowRead(v, address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = address & 0x3FFC;
        value = PrimeCell.NarrowWrite(value, address, size);
        switch (off)
        {
            case SPCR:
            {
                if ((_armed & MODF) != 0) { _sr &= ~MODF; _armed &= ~MODF; }
                bool wasMaster = Master;
                _cr = value & (CPHA | CPOL | MSTR | LSBF | SPIE);
                if (wasMaster != Master) { StopMaster(); _busy = _done = false; _half = 0; }
                if (Master && Selected) ModeFault();
                Drive();
                break;
            }
            case SPSR: _warn($"{Name}: write to read-only S0SPSR ignored"); return;
            case SPDR:
                if (_busy || ((_sr & SPIF) != 0 && (_armed & SPIF) == 0)) { _sr |= WCOL; _armed &= ~WCOL; return; }
                DataAccessed();
                _shift = value & 0xFF;
                if (Master) StartMaster();
                return;
            case SPCCR: _ccr = value & 0xFF; return;
            case SPINT: if ((value & 1) != 0) { _int = 0; UpdateInt(); } return;
            default: _warn($"{Name}: write to reserved offset 0x{off:X3} ignored"); return;
        }
    }

    /// <summary>An S0SPDR read or write after an S0SPSR read clears the SPIF and WCOL that read saw.</summary>
    private void DataAccessed()
    {
        _sr &= ~(_armed & (SPIF | WCOL));
        _armed &= ~(SPIF | WCOL);
    }

    /// <summary>Bit <paramref name="i"/> (0 first on the wire) of the shift register.</summary>
    private bool TxBit(int i) => ((_shift >> ((_cr & LSBF) != 0 ? i : 7 - i)) & 1) != 0;

    private uint Received(uint acc) => (_cr & LSBF) != 0 ? Reverse8(acc) : acc & 0xFF;

    private static uint Reverse8(uint b)
    {
        uint r = 0;
        for (int i = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
        return r;
    }

    private uint HalfPeriod()
    {
        uint c = _ccr;
        if (c >= 8 && (c & 1) == 0) return c / 2;
        uint used = c < 8 ? 8 : c & ~1u;
        _warn($"{Name}: S0SPCCR = {c}: it must be even and 8 or more (UM10275 §12.6.4); using {used}");
        return used / 2;
    }

    // ---- master ----

    private void StartMaster()
    {
        _busy = true;
        _rxAcc = 0;
        _halfPclks = HalfPeriod();
        _start = _pclk.TimeOfEdge(_pclk.EdgesAt(_s.Now) + 1);
        _end.Arm(_pclk.TimeOfEdge(_pclk.EdgesAt(_start) + 16L * _halfPclks));
        if (_stepHalf < 0) ArmStep(0);
        else _chained = true;            // the previous transfer's last edge is still to come: it arms this one
    }

    private long HalfTime(int h) => _pclk.TimeOfEdge(_pclk.EdgesAt(_start) + h * (long)_halfPclks);

    private void ArmStep(int h)
    {
        _stepHalf = h;
        _stepDue = HalfTime(h);
        _step.Arm(Math.Max(_stepDue, _s.EventTime));
    }

    private void StopMaster()
    {
        _step.Cancel();
        _end.Cancel();
        _stepHalf = -1;
        _stepDue = -1;
        _chained = false;
    }

    private void OnStep()
    {
        int h = _stepHalf;
        _stepHalf = -1;
        _stepDue = -1;
        Step(h);
        if (h < 16) ArmStep(h + 1);
        else if (_chained) { _chained = false; ArmStep(0); }   // a transfer started before this last edge was dispatched
    }

    /// <summary>Half period <paramref name="h"/> (0..16) of a master transfer, at start + h × S0SPCCR / 2 PCLKs.</summary>
    private void Step(int h)
    {
        bool active = !Cpol;
        if (h == 16) { _sckOut.Set(Cpol); return; }
        if (!Cpha)
        {
            if (h == 0) _mosiOut.Set(TxBit(0));
            else if ((h & 1) == 1) { _sckOut.Set(active); SampleMiso(); }
            else { _sckOut.Set(!active); _mosiOut.Set(TxBit(h >> 1)); }
        }
        else if ((h & 1) == 0) { _sckOut.Set(active); _mosiOut.Set(TxBit(h >> 1)); }
        else { _sckOut.Set(!active); SampleMiso(); }
    }

    private void SampleMiso() => _rxAcc = (_rxAcc << 1) | ((_misoIn?.Level ?? true) ? 1u : 0u);

    /// <summary>
    /// The end of the eighth cycle: SPIF. Every sampling step is due before it, so has run (from the
    /// scheduler, or caught up in time order by the register access that catches this up).
    /// </summary>
    private void OnEnd(long due)
    {
        _busy = false;
        Complete(_rxAcc);
    }

    /// <summary>A transfer is complete: the data goes to the read buffer unless SPIF is still set (ROVR).</summary>
    private void Complete(uint acc)
    {
        _shift = Received(acc); // the shift register holds what came in: sent again unless S0SPDR is written
        if ((_sr & SPIF) != 0) { _sr |= ROVR; return; }
        _rx = _shift;
        SetFlag(SPIF);
    }

    private void SetFlag(uint bit)
    {
        bool rose = (_sr & bit) == 0;
        _sr |= bit;
        if (rose && (_cr & SPIE) != 0) { _int = 1; UpdateInt(); }
    }

    private void ModeFault()
    {
        StopMaster();
        _busy = false;
        _half = 0;
        _cr &= ~MSTR;
        SetFlag(MODF);
        Drive();
    }

    /// <summary>The drivers as the mode asks: a master's SCK rests at CPOL; a slave drives nothing but MISO while selected.</summary>
    private void Drive()
    {
        if (Master)
        {
            if (!_busy) _sckOut.Set(Cpol);
            _misoOut.Set(true);
        }
        else
        {
            _sckOut.Set(true);
            _mosiOut.Set(true);
            if (!Selected) _misoOut.Set(true);
        }
    }

    // ---- slave ----

    private void DriveMiso(int bit) => _misoOut.Set(TxBit(bit));

    private void OnSsel(bool level)
    {
        if (Master)
        {
            if (!level) ModeFault();
            return;
        }
        if (!level)
        {
            _done = false;
            _half = 0;
            _rxAcc = 0;
            _busy = !Cpha;          // CPHA = 0: the transfer starts as SSEL goes active
            if (!Cpha) DriveMiso(0);
            return;
        }
        if (_busy) SetFlag(ABRT);   // ABRT does not interrupt (Table 141 names SPIF and MODF only)
        _busy = _done = false;
        _half = 0;
        _misoOut.Set(true);
    }

    private void OnSck(bool level)
    {
        if (Master || !Selected || _done) return;
        bool leading = level != Cpol;
        if (!Cpha)
        {
            if (!_busy) return;
            if (leading) { _rxAcc = (_rxAcc << 1) | ((_mosiIn?.Level ?? true) ? 1u : 0u); _half++; if (_half == 8) SlaveComplete(); }
            else if (_half < 8) DriveMiso(_half);
            return;
        }
        if (leading)
        {
            if (!_busy) { _busy = true; _half = 0; _rxAcc = 0; }
            DriveMiso(_half);
        }
        else if (_busy)
        {
            _rxAcc = (_rxAcc << 1) | ((_mosiIn?.Level ?? true) ? 1u : 0u);
            if (++_half == 8) SlaveComplete();
        }
    }

    private void SlaveComplete()
    {
        _busy = false;
        _done = !Cpha;
        _half = 0;
        Complete(_rxAcc);
    }

    private void UpdateInt() => Int.Set(_int != 0);
}
