using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The I²C interface of the NXP LPC2104/2105/2106 (UM10275 chapter 11, 0xE001C000, VIC channel 9) as bus
/// master and slave, bit by bit on the open-drain SCL and SDA pads: I2CONSET/I2CONCLR (AA, SI, STO, STA,
/// I2EN), I2STAT with every status code of Tables 129-133, I2DAT, I2ADR (with GC), I2SCLH/I2SCLL.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Master timing (§11.8.8): SCL is low I2SCLL and high I2SCLH PCLK cycles (values below 4 are used as 4,
/// with a warning). An action starts on the PCLK edge after the register write that releases it.
/// START: SDA falls with SCL high, SCL falls I2SCLH later, status 0x08. A bit: SDA set while SCL is low,
/// SCL released I2SCLL later, SDA sampled as SCL falls I2SCLH after that; the ninth bit is the
/// acknowledge. Repeated START: SDA released, SCL high after I2SCLL, SDA low after I2SCLH, SCL low after
/// I2SCLH more (0x10). STOP: SDA low, SCL high after I2SCLL, SDA high after I2SCLH; STO clears, status
/// 0xF8, SI stays 0.</item>
/// <item>Clock synchronisation (§11.7.5, Fig 33): the high period is counted from the moment SCL is seen
/// high (a slave stretching SCL or a slower master holds it), and another device pulling SCL low ends it
/// early (the shortest mark wins).</item>
/// <item>The bus monitor (§11.7.1, §11.7.7): the pads are seen at the tick they change (choice: the input
/// synchroniser and the three-PCLK spike filter are not modelled; a two-valued line has no spikes). START
/// and STOP are SDA edges with SCL high; a bit is sampled as SCL rises and counts when SCL falls again
/// without a START or STOP. A START or STOP is legal only before the first bit of a byte (after the
/// acknowledge); elsewhere it is a bus error (§11.9.13) for a master or an addressed slave: lines released,
/// not-addressed slave, SI with status 0x00; STO with SI cleared recovers without a STOP on the bus (Table
/// 133). The bus is busy from a START to a STOP: STA then waits for the STOP and the START follows it after
/// half a clock period (§11.8.1; we take I2SCLH PCLKs).</item>
/// <item>Slave (§11.6.3, §11.6.4, Tables 131 and 132): with AA set the address byte after a START is compared
/// with I2ADR[7:1] (own address: 0x60 write, 0xA8 read) and, if I2ADR.GC, with the general call 0x00 (0x70);
/// the acknowledge is driven on SDA as SCL falls after the eighth bit. Slave receiver: a data byte is
/// acknowledged if AA is set when its eighth bit ends (0x80/0x90), else not (0x88/0x98, then not addressed).
/// Slave transmitter: I2DAT is shifted out from the SI clear, AA = 0 then marks the last byte (0xB8 ACK,
/// 0xC0 NOT ACK, 0xC8 ACK of the last byte). A STOP or repeated START while addressed gives 0xA0. I2DAT
/// takes each byte on the bus while SI is 0 (§11.7.4).</item>
/// <item>SI set holds SCL low from its next low period until software clears it (§11.7.5, §11.8.1); the
/// slave's next action (release SCL, first data bit) starts on the PCLK edge after the SI clear.
/// State 0x00 releases both lines.</item>
/// <item>Arbitration (§11.7.5, Fig 32): a master transmitter that sends a 1 and samples 0 has lost; it
/// releases SDA, becomes a slave receiver at once and clocks the rest of the byte and its acknowledge
/// (choice: the manual says "until transmission of the current serial byte is complete"); then 0x68, 0x78
/// or 0xB0 if the byte was its own address or the general call with AA set, else 0x38. A master receiver
/// returning NOT ACK that samples 0 loses with 0x38 and makes no further clock. With STA set from 0x38 a
/// START follows the next STOP (§11.9.10).</item>
/// <item>A register access in the middle of an instruction runs the interface's overdue steps first, as the
/// scheduler would (<see cref="DeviceEvents"/> with exact catch-up): their edges carry their own tick.</item>
/// <item>Not modelled: STA and STO together in master mode (the STOP is sent, the START is not); the SDA
/// obstruction recovery clocks of §11.9.12; simultaneous repeated STARTs of §11.9.9.</item>
/// </list>
/// </remarks>
public sealed class Lpc2000I2c : IBusDevice, IDeviceModel, IStateful
{
    public static DeviceType Type { get; } = DeviceType.Define<Lpc2000I2c>("lpc_i2c", "NXP LPC2000 I2C interface, master and slave, bit by bit on the SCL/SDA pads (UM10275 chapter 11)")
        .Window(0x4000)
        .Output("INT", d => d.Int, "interrupt request: SI while I2EN (VIC channel 9)")
        .Output("SCL_OUT", d => d._sclOut, "SCL drive: 0 pulls the open-drain pad low, 1 releases it", resetHigh: true)
        .Output("SDA_OUT", d => d._sdaOut, "SDA drive: 0 pulls the open-drain pad low, 1 releases it", resetHigh: true)
        .Input("SCL", (d, l) => d.ConnectScl(l), "SCL as the pad shows it")
        .Input("SDA", (d, l) => d.ConnectSda(l), "SDA as the pad shows it")
        .Signals((d, s) => { s.Line("INT", d.Int); s.Line("SCL_OUT", d._sclOut); s.Line("SDA_OUT", d._sdaOut); })
        .Build(c => new Lpc2000I2c(c.Name, c.Scheduler, c.Clock, c.Warn));

    public const uint I2CONSET = 0x00, I2STAT = 0x04, I2DAT = 0x08, I2ADR = 0x0C, I2SCLH = 0x10, I2SCLL = 0x14, I2CONCLR = 0x18;
    public const uint AA = 1u << 2, SI = 1u << 3, STO = 1u << 4, STA = 1u << 5, I2EN = 1u << 6;

    private enum Phase : byte { Idle, Begin, StartScl, BitHigh, BitFall, RsHigh, RsStart, RsScl, StopHigh, StopEnd, WaitHigh }

    /// <summary>The slave side: not addressed, reading an address byte, addressed receiver (own or general
    /// call), own address read acknowledged, transmitter, or arbitration lost in a data byte.</summary>
    private enum Slave : byte { None, Address, Rx, RxGc, TxAddr, Tx, Lost }

    private readonly Scheduler _s;
    private readonly ClockDomain _pclk;
    private readonly Action<string> _warn;
    private readonly DeviceEvents _events;
    private readonly DeviceEvent _step;
    private readonly IrqLine _sclOut, _sdaOut;
    private IrqLine? _sclIn, _sdaIn;

    private uint _con, _stat = 0xF8, _dat, _adr, _sclh = 4, _scll = 4;
    // master
    private Phase _phase, _afterHigh;
    private bool _master, _rx, _sla, _lost;
    private int _bit;
    private uint _shift;
    private bool _ack;
    // bus monitor and slave
    private bool _busBusy, _rose, _sample, _txLast;
    private int _fbits;
    private uint _fshift, _txShift, _nextStat;
    private Slave _sl;

    public Lpc2000I2c(string name, Scheduler scheduler, ClockDomain pclk, Action<string>? warn = null)
    {
        Name = name;
        _s = scheduler;
        _pclk = pclk;
        _warn = warn ?? (_ => { });
        _events = new DeviceEvents(scheduler, exactCatchUp: true);
        _step = _events.Create(name + ".bit", OnStep);
        Int = new IrqLine(name + ".INT");
        _sclOut = new IrqLine(name + ".SCL_OUT");
        _sdaOut = new IrqLine(name + ".SDA_OUT");
        _sclOut.Set(true);
        _sdaOut.Set(true);
    }

    public string Name { get; }
    public IrqLine Int { get; }
    public IrqLine SclOut => _sclOut;
    public IrqLine SdaOut => _sdaOut;
    public void ConnectScl(IrqLine l) { _sclIn = l; l.Subscribe(OnSclPad); }
    public void ConnectSda(IrqLine l) { _sdaIn = l; l.Subscribe(OnSdaPad); }

    public void Reset()
    {
        _step.Cancel();
        _con = _dat = _adr = 0;
        _stat = 0xF8;
        _sclh = _scll = 4;
        _phase = Phase.Idle;
        _master = _lost = false;
        NotInvolved();
        _sclOut.Set(true);
        _sdaOut.Set(true);
        UpdateInt();
    }

    public void SaveState(StateWriter w)
    {
        w.Write(_con); w.Write(_stat); w.Write(_dat); w.Write(_adr); w.Write(_sclh); w.Write(_scll);
        w.Write((int)_phase); w.Write((int)_afterHigh); w.Write(_master); w.Write(_rx); w.Write(_sla); w.Write(_lost); w.Write(_bit); w.Write(_shift); w.Write(_ack);
        w.Write(_busBusy); w.Write(_rose); w.Write(_sample); w.Write(_txLast); w.Write(_fbits); w.Write(_fshift); w.Write(_txShift); w.Write(_nextStat); w.Write((int)_sl);
        _events.SaveState(w);
        w.Write(Int.Level); w.Write(_sclOut.Level); w.Write(_sdaOut.Level);
    }

    public void LoadState(StateReader r)
    {
        _con = r.ReadUInt(); _stat = r.ReadUInt(); _dat = r.ReadUInt(); _adr = r.ReadUInt(); _sclh = r.ReadUInt(); _scll = r.ReadUInt();
        _phase = DeviceState.ReadEnum<Phase>(r, 11); _afterHigh = DeviceState.ReadEnum<Phase>(r, 11);
        _master = r.ReadBool(); _rx = r.ReadBool(); _sla = r.ReadBool(); _lost = r.ReadBool(); _bit = r.ReadInt(); _shift = r.ReadUInt(); _ack = r.ReadBool();
        _busBusy = r.ReadBool(); _rose = r.ReadBool(); _sample = r.ReadBool(); _txLast = r.ReadBool(); _fbits = r.ReadInt(); _fshift = r.ReadUInt(); _txShift = r.ReadUInt(); _nextStat = r.ReadUInt();
        _sl = DeviceState.ReadEnum<Slave>(r, 7);
        _events.LoadState(r);
        Int.Restore(r.ReadBool()); _sclOut.Restore(r.ReadBool()); _sdaOut.Restore(r.ReadBool());
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = address & 0x3FFC;
        uint v;
        switch (off)
        {
            case I2CONSET: v = _con; break;
            case I2STAT: v = _stat; break;
            case I2DAT: v = _dat; break;
            case I2ADR: v = _adr; break;
            case I2SCLH: v = _sclh; break;
            case I2SCLL: v = _scll; break;
            case I2CONCLR: _warn($"{Name}: read of write-only I2CONCLR"); return 0;
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
            case I2CONSET:
                _con |= value & (AA | STO | STA | I2EN); // SI is set by the hardware only (our choice)
                if ((_con & I2EN) == 0) _con &= ~STO;
                Kick();
                break;
            case I2CONCLR:
            {
                bool siCleared = (value & SI) != 0 && (_con & SI) != 0;
                _con &= ~(value & (AA | SI | STA | I2EN));
                if ((value & I2EN) != 0) Disable();
                else if (siCleared) Kick();
                break;
            }
            case I2STAT: _warn($"{Name}: write to read-only I2STAT ignored"); return;
            case I2DAT: _dat = value & 0xFF; return;
            case I2ADR: _adr = value & 0xFF; return;
            case I2SCLH: _sclh = value & 0xFFFF; return;
            case I2SCLL: _scll = value & 0xFFFF; return;
            default: _warn($"{Name}: write to reserved offset 0x{off:X3} ignored"); return;
        }
        UpdateInt();
    }

    /// <summary>I2EN cleared: the bus status is lost, the block is a not-addressed slave (§11.8.1), lines released.</summary>
    private void Disable()
    {
        _step.Cancel();
        _phase = Phase.Idle;
        _master = _lost = false;
        NotInvolved();
        _busBusy = false;
        _con &= ~(STO | SI);
        _stat = 0xF8;
        _sclOut.Set(true);
        _sdaOut.Set(true);
    }

    private void NotInvolved()
    {
        _sl = Slave.None;
        _fbits = 0;
        _rose = false;
    }

    private uint Half(uint v, string reg)
    {
        if (v >= 4) return v;
        _warn($"{Name}: {reg} = {v}: each of I2SCLH and I2SCLL must be 4 or more (UM10275 §11.8.8); using 4");
        return 4;
    }

    private void Schedule(Phase p, long fromTick, uint pclks)
    {
        _phase = p;
        _step.Arm(_pclk.TimeOfEdge(_pclk.EdgesAt(fromTick) + pclks));
    }

    private static bool MasterContinues(uint stat) => stat is 0x08 or 0x10 or 0x18 or 0x20 or 0x28 or 0x30 or 0x40 or 0x50;

    /// <summary>
    /// What STA, STO or a cleared SI ask for starts on the next PCLK edge, when the interface is waiting;
    /// a START for a busy bus waits for its STOP (<see cref="OnSdaPad"/>), then <paramref name="pclks"/> is half a clock period.
    /// </summary>
    private void Kick(uint pclks = 1)
    {
        if ((_con & I2EN) == 0 || _phase != Phase.Idle || (_con & SI) != 0) return;
        if (_master)
        {
            if ((_con & (STA | STO)) == 0 && !MasterContinues(_stat)) return;
        }
        else if (_stat == 0xF8 && (_con & STO) == 0 && ((_con & STA) == 0 || _busBusy)) return;
        _phase = Phase.Begin;
        _step.Arm(_pclk.TimeOfEdge(_pclk.EdgesAt(_s.EventTime) + pclks));
    }

    private void Begin(long t)
    {
        _phase = Phase.Idle;
        if ((_con & I2EN) == 0 || (_con & SI) != 0) return;
        if (!_master)
        {
            if (_stat != 0xF8) SlaveContinue();
            if ((_con & STO) != 0)
            {
                // Table 133 and §11.8.1: STO in slave mode behaves as a STOP received; none is sent.
                _con &= ~STO;
                NotInvolved();
                _busBusy = false;
                _sclOut.Set(true);
                _sdaOut.Set(true);
            }
            if ((_con & STA) == 0 || _busBusy || _sl != Slave.None) return;
            _master = true;
            _sdaOut.Set(false);
            Schedule(Phase.StartScl, t, Half(_sclh, "I2SCLH"));
            return;
        }
        if ((_con & STO) != 0) { _sdaOut.Set(false); Schedule(Phase.StopHigh, t, Half(_scll, "I2SCLL")); return; }
        if ((_con & STA) != 0) { _sdaOut.Set(true); Schedule(Phase.RsHigh, t, Half(_scll, "I2SCLL")); return; }
        switch (_stat)
        {
            case 0x08: case 0x10: case 0x18: case 0x20: case 0x28: case 0x30:
                _rx = false; _sla = _stat is 0x08 or 0x10; _shift = _dat; break;
            case 0x40: case 0x50:
                _rx = true; _sla = false; _shift = 0; break;
            default: return;
        }
        _bit = 0;
        BitLow(t);
    }

    /// <summary>SI cleared in a slave state (or 0x38, 0x00): the next action of Tables 131-133, SCL released.</summary>
    private void SlaveContinue()
    {
        switch (_stat)
        {
            case 0xA8: case 0xB0: case 0xB8:
                _sl = Slave.Tx;
                _txShift = _dat;
                _txLast = (_con & AA) == 0;
                _sdaOut.Set((_txShift & 0x80) != 0);
                break;
            case 0x88: case 0x98: case 0xC0: case 0xC8: case 0x38: case 0x00:
                _sl = Slave.None;
                _sdaOut.Set(true);
                break;
        }
        _stat = 0xF8;
        _sclOut.Set(true);
    }

    /// <summary>SCL is low: put the next bit (or the acknowledge) on SDA, release SCL I2SCLL later.</summary>
    private void BitLow(long t)
    {
        bool level = _bit < 8 ? _rx || ((_shift >> (7 - _bit)) & 1) != 0 : !_rx || (_con & AA) == 0;
        if (!_lost) _sdaOut.Set(level); // after a lost arbitration the slave side drives SDA
        Schedule(Phase.BitHigh, t, Half(_scll, "I2SCLL"));
    }

    private bool SdaPad => _sdaIn?.Level ?? _sdaOut.Level;
    private bool SclPad => _sclIn?.Level ?? _sclOut.Level;

    /// <summary>SCL released: the high period counts from when SCL is seen high (§11.7.5: a stretched or synchronised clock).</summary>
    private void ReleaseScl(Phase next, long t)
    {
        _sclOut.Set(true);
        if (!_master) return;   // a bus error seen as SCL rose ended the transfer
        if (!SclPad) { _afterHigh = next; _phase = Phase.WaitHigh; return; }
        Schedule(next, t, Half(_sclh, "I2SCLH"));
    }

    private void OnStep(long due)
    {
        switch (_phase)
        {
            case Phase.Begin:
                Begin(due);
                return;
            case Phase.StartScl:
                _sclOut.Set(false);
                _phase = Phase.Idle;
                Done(0x08);
                return;
            case Phase.BitHigh:
                ReleaseScl(Phase.BitFall, due);
                return;
            case Phase.BitFall:
                BitFall(due);
                return;
            case Phase.RsHigh:
                ReleaseScl(Phase.RsStart, due);
                return;
            case Phase.RsStart:
                _sdaOut.Set(false);
                Schedule(Phase.RsScl, due, Half(_sclh, "I2SCLH"));
                return;
            case Phase.RsScl:
                _sclOut.Set(false);
                _con &= ~STA; // our choice: as after the first START, software clears STA; harmless if already clear
                _phase = Phase.Idle;
                Done(0x10);
                return;
            case Phase.StopHigh:
                ReleaseScl(Phase.StopEnd, due);
                return;
            case Phase.StopEnd:
                _phase = Phase.Idle;
                _con &= ~STO;
                _sdaOut.Set(true);
                _master = false;
                _stat = 0xF8;
                UpdateInt();
                Kick();
                return;
        }
    }

    /// <summary>The end of a master's SCL high period: sample SDA, check arbitration, SCL low.</summary>
    private void BitFall(long due)
    {
        _phase = Phase.Idle;
        bool sda = SdaPad;
        if (_bit < 8)
        {
            if (_rx) _shift = (_shift << 1) | (sda ? 1u : 0u);
            else if (!_lost && ((_shift >> (7 - _bit)) & 1) != 0 && !sda)
            {
                // §11.7.5: a transmitted 1 seen as 0: arbitration lost; a slave receiver from now on.
                _lost = true;
                _sdaOut.Set(true);
                _sl = _sla ? Slave.Address : Slave.Lost;
            }
        }
        else if (!_rx) _ack = !sda;
        else if ((_con & AA) == 0 && !sda)
        {
            // §11.7.5: a master receiver returning NOT ACK loses to a device pulling SDA low; no more clocks.
            _sclOut.Set(false);
            _master = false;
            _dat = _shift & 0xFF;
            Done(0x38);
            return;
        }
        _sclOut.Set(false);
        _bit++;
        if (_bit <= 8) { BitLow(due); return; }
        if (_lost)
        {
            // The byte and its acknowledge are complete: the slave side has reported (0x38, 0x68, 0x78, 0xB0).
            _lost = false;
            _master = false;
            return;
        }
        _sdaOut.Set(true);
        if (_rx) { _dat = _shift & 0xFF; Done((_con & AA) != 0 ? 0x50u : 0x58u); }
        else if (_sla) Done((_shift & 1) == 0 ? (_ack ? 0x18u : 0x20u) : (_ack ? 0x40u : 0x48u));
        else Done(_ack ? 0x28u : 0x30u);
    }

    // ---- the bus monitor and the slave ----

    private bool Addressed => _sl is Slave.Rx or Slave.RxGc or Slave.TxAddr or Slave.Tx;
    private bool Involved => _master || Addressed || _sl == Slave.Lost;

    private void OnSclPad(bool high)
    {
        if ((_con & I2EN) == 0) return;   // §11.8.1: with I2EN 0 the inputs are ignored
        _events.CatchUp(_s.EventTime);
        if (high)
        {
            _sample = SdaPad;
            _rose = true;
            if (_phase == Phase.WaitHigh) Schedule(_afterHigh, _s.EventTime, Half(_sclh, "I2SCLH"));
            return;
        }
        if (_master && _phase == Phase.BitFall && _sclOut.Level)
        {
            // Fig 33: another master pulled SCL low first: our high period ends with it.
            _step.Cancel();
            BitFall(_s.EventTime);
        }
        if ((_con & SI) != 0 && _stat != 0x00) _sclOut.Set(false);   // SI stretches the low period (§11.8.1)
        if (!_rose) return;   // the fall that ends a START's hold time is no bit
        _rose = false;
        if (_fbits < 8)
        {
            _fshift = ((_fshift << 1) | (_sample ? 1u : 0u)) & 0xFF;
            _fbits++;
            if (_fbits == 8) ByteEnd();
            else if (_sl == Slave.Tx) _sdaOut.Set(((_txShift >> (7 - _fbits)) & 1) != 0);
            return;
        }
        _fbits = 0;
        AckEnd(!_sample);
    }

    /// <summary>SCL fell after the eighth bit of a byte: the slave's acknowledge goes on SDA for the ninth clock.</summary>
    private void ByteEnd()
    {
        if ((_con & SI) == 0) _dat = _fshift;   // §11.7.4: I2DAT holds the last byte on the bus
        bool aa = (_con & AA) != 0;
        switch (_sl)
        {
            case Slave.Address:
            {
                uint b = _fshift;
                if (aa && b >> 1 != 0 && b >> 1 == _adr >> 1)
                {
                    bool read = (b & 1) != 0;
                    _sl = read ? Slave.TxAddr : Slave.Rx;
                    _nextStat = _lost ? (read ? 0xB0u : 0x68u) : (read ? 0xA8u : 0x60u);
                    _sdaOut.Set(false);
                }
                else if (aa && b == 0x00 && (_adr & 1) != 0)
                {
                    _sl = Slave.RxGc;
                    _nextStat = _lost ? 0x78u : 0x70u;
                    _sdaOut.Set(false);
                }
                else _sl = _lost ? Slave.Lost : Slave.None;
                return;
            }
            case Slave.Rx: case Slave.RxGc:
                _nextStat = _sl == Slave.Rx ? (aa ? 0x80u : 0x88u) : (aa ? 0x90u : 0x98u);
                _sdaOut.Set(!aa);
                return;
            case Slave.Tx:
                _sdaOut.Set(true);   // the master acknowledges
                return;
        }
    }

    /// <summary>SCL fell after the ninth (acknowledge) clock: the slave's status, SI, SCL held low.</summary>
    private void AckEnd(bool acked)
    {
        switch (_sl)
        {
            case Slave.Rx: case Slave.RxGc: case Slave.TxAddr:
                _sdaOut.Set(true);
                SlaveDone(_nextStat);
                return;
            case Slave.Tx:
                SlaveDone(!acked ? 0xC0u : _txLast ? 0xC8u : 0xB8u);
                return;
            case Slave.Lost:
                SlaveDone(0x38);
                return;
        }
    }

    private void SlaveDone(uint status)
    {
        _sclOut.Set(false);
        Done(status);
    }

    private void OnSdaPad(bool level)
    {
        if ((_con & I2EN) == 0) return;
        _events.CatchUp(_s.EventTime);
        if (!SclPad) return;
        // A START (SDA falls) or a STOP (SDA rises) with SCL high.
        bool illegal = _fbits != 0 && Involved;
        bool addressed = Addressed;
        _busBusy = !level;
        _fbits = 0;
        _fshift = 0;
        _rose = false;
        if (illegal) { BusError(); return; }
        if (addressed) { _sl = Slave.None; _sdaOut.Set(true); Done(0xA0); }
        if (_master) return;
        _sl = level ? Slave.None : Slave.Address;
        if (level) Kick(Half(_sclh, "I2SCLH"));   // the bus is free: a waiting START follows half a clock period later
    }

    /// <summary>§11.9.13: lines released, not-addressed slave, SI with status 0x00.</summary>
    private void BusError()
    {
        _step.Cancel();
        _phase = Phase.Idle;
        _master = _lost = false;
        _sl = Slave.None;
        Done(0x00);
        _sclOut.Set(true);
        _sdaOut.Set(true);
    }

    private void Done(uint status)
    {
        _stat = status;
        _con |= SI;
        UpdateInt();
    }

    private void UpdateInt() => Int.Set((_con & (SI | I2EN)) == (SI | I2EN));
}
