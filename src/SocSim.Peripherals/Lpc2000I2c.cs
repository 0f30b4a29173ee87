using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The I²C interface of the NXP LPC2104/2105/2106 (UM10275 chapter 11, 0xE001C000, VIC channel 9) as a
/// bus master, bit by bit on the open-drain SCL and SDA pads: I2CONSET/I2CONCLR (AA, SI, STO, STA,
/// I2EN), I2STAT with the master transmitter and receiver status codes, I2DAT, I2ADR, I2SCLH/I2SCLL.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Timing (§11.8.8): SCL is low I2SCLL and high I2SCLH PCLK cycles (values below 4 are used as 4,
/// with a warning). An action starts on the PCLK edge after the register write that releases it.
/// START: SDA falls with SCL high, SCL falls I2SCLH later, status 0x08. A bit: SDA set while SCL is low,
/// SCL released I2SCLL later, SDA sampled as SCL falls I2SCLH after that; the ninth bit is the
/// acknowledge. Repeated START: SDA released, SCL high after I2SCLL, SDA low after I2SCLH, SCL low after
/// I2SCLH more (0x10). STOP: SDA low, SCL high after I2SCLL, SDA high after I2SCLH; STO clears, status
/// 0xF8, SI stays 0.</item>
/// <item>Status codes (master transmitter and receiver tables): 0x08 START, 0x10 repeated START, 0x18/0x20
/// SLA+W acknowledged/not, 0x28/0x30 data acknowledged/not, 0x40/0x48 SLA+R acknowledged/not,
/// 0x50/0x58 data received with ACK/NOT ACK returned (AA), 0xF8 nothing to do. SI is set on each state
/// change but 0xF8 and holds SCL low until software clears it (§11.8.1); INT is SI while I2EN.</item>
/// <item>Not modelled: slave mode (I2ADR is stored; the block never answers an address), arbitration
/// (a single master is assumed; 0x38 never occurs), clock stretching by a slave (the master does not
/// wait for SCL to rise), STA and STO together (the STOP is sent, the START is not), bus errors
/// (0x00). Our EEPROM part neither stretches nor shares the bus with a second master.</item>
/// </list>
/// </remarks>
public sealed class Lpc2000I2c : IBusDevice, IDeviceModel, IStateful
{
    public static DeviceType Type { get; } = DeviceType.Define<Lpc2000I2c>("lpc_i2c", "NXP LPC2000 I2C interface, master mode, bit by bit on the SCL/SDA pads (UM10275 chapter 11)")
        .Window(0x4000)
        .Output("INT", d => d.Int, "interrupt request: SI while I2EN (VIC channel 9)")
        .Output("SCL_OUT", d => d._sclOut, "SCL drive: 0 pulls the open-drain pad low, 1 releases it", resetHigh: true)
        .Output("SDA_OUT", d => d._sdaOut, "SDA drive: 0 pulls the open-drain pad low, 1 releases it", resetHigh: true)
        .Input("SCL", (d, l) => d._sclIn = l, "SCL as the pad shows it")
        .Input("SDA", (d, l) => d._sdaIn = l, "SDA as the pad shows it (sampled as SCL falls)")
        .Signals((d, s) => { s.Line("INT", d.Int); s.Line("SCL_OUT", d._sclOut); s.Line("SDA_OUT", d._sdaOut); })
        .Build(c => new Lpc2000I2c(c.Name, c.Scheduler, c.Clock, c.Warn));

    public const uint I2CONSET = 0x00, I2STAT = 0x04, I2DAT = 0x08, I2ADR = 0x0C, I2SCLH = 0x10, I2SCLL = 0x14, I2CONCLR = 0x18;
    public const uint AA = 1u << 2, SI = 1u << 3, STO = 1u << 4, STA = 1u << 5, I2EN = 1u << 6;

    private enum Phase : byte { Idle, Begin, StartScl, BitHigh, BitFall, RsHigh, RsStart, RsScl, StopHigh, StopEnd }

    private readonly Scheduler _s;
    private readonly ClockDomain _pclk;
    private readonly Action<string> _warn;
    private readonly DeviceEvents _events;
    private readonly DeviceEvent _step;
    private readonly IrqLine _sclOut, _sdaOut;
    private IrqLine? _sclIn, _sdaIn;

    private uint _con, _stat = 0xF8, _dat, _adr, _sclh = 4, _scll = 4;
    private Phase _phase;
    private bool _master, _rx, _sla;
    private int _bit;
    private uint _shift;
    private bool _ack;

    public Lpc2000I2c(string name, Scheduler scheduler, ClockDomain pclk, Action<string>? warn = null)
    {
        Name = name;
        _s = scheduler;
        _pclk = pclk;
        _warn = warn ?? (_ => { });
        _events = new DeviceEvents(scheduler);
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
    public void ConnectScl(IrqLine l) => _sclIn = l;
    public void ConnectSda(IrqLine l) => _sdaIn = l;

    public void Reset()
    {
        _step.Cancel();
        _con = _dat = _adr = 0;
        _stat = 0xF8;
        _sclh = _scll = 4;
        _phase = Phase.Idle;
        _master = false;
        _sclOut.Set(true);
        _sdaOut.Set(true);
        UpdateInt();
    }

    public void SaveState(StateWriter w)
    {
        w.Write(_con); w.Write(_stat); w.Write(_dat); w.Write(_adr); w.Write(_sclh); w.Write(_scll);
        w.Write((int)_phase); w.Write(_master); w.Write(_rx); w.Write(_sla); w.Write(_bit); w.Write(_shift); w.Write(_ack);
        _events.SaveState(w);
        w.Write(Int.Level); w.Write(_sclOut.Level); w.Write(_sdaOut.Level);
    }

    public void LoadState(StateReader r)
    {
        _con = r.ReadUInt(); _stat = r.ReadUInt(); _dat = r.ReadUInt(); _adr = r.ReadUInt(); _sclh = r.ReadUInt(); _scll = r.ReadUInt();
        _phase = DeviceState.ReadEnum<Phase>(r, 10); _master = r.ReadBool(); _rx = r.ReadBool(); _sla = r.ReadBool(); _bit = r.ReadInt(); _shift = r.ReadUInt(); _ack = r.ReadBool();
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

    /// <summary>I2EN cleared: the bus status is lost (§11.8.1), lines released.</summary>
    private void Disable()
    {
        _step.Cancel();
        _phase = Phase.Idle;
        _master = false;
        _con &= ~(STO | SI);
        _stat = 0xF8;
        _sclOut.Set(true);
        _sdaOut.Set(true);
    }

    private uint Half(uint v, string reg)
    {
        if (v >= 4) return v;
        _warn($"{Name}: {reg} = {v}: each of I2SCLH and I2SCLL must be 4 or more (UM10275 §11.8.8); using 4");
        return 4;
    }

    private long NextEdgeTime(long afterEdges) => _pclk.TimeOfEdge(_pclk.EdgesAt(_s.Now) + afterEdges);

    private void Schedule(Phase p, long fromTick, uint pclks)
    {
        _phase = p;
        _step.Arm(_pclk.TimeOfEdge(_pclk.EdgesAt(fromTick) + pclks));
    }

    /// <summary>What STA, STO or a cleared SI ask for starts on the next PCLK edge, when the interface is waiting.</summary>
    private void Kick()
    {
        if ((_con & I2EN) == 0 || _phase != Phase.Idle || (_con & SI) != 0) return;
        if (!_master && (_con & STA) == 0) return;
        if (_master && (_con & (STA | STO)) == 0 && _stat is not (0x08 or 0x10 or 0x18 or 0x20 or 0x28 or 0x30 or 0x40 or 0x50)) return;
        _phase = Phase.Begin;
        _step.Arm(NextEdgeTime(1));
    }

    private void Begin(long t)
    {
        _phase = Phase.Idle;
        if ((_con & I2EN) == 0 || (_con & SI) != 0) return;
        if (!_master)
        {
            if ((_con & STA) == 0) return;
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

    /// <summary>SCL is low: put the next bit (or the acknowledge) on SDA, release SCL I2SCLL later.</summary>
    private void BitLow(long t)
    {
        bool level = _bit < 8 ? _rx || ((_shift >> (7 - _bit)) & 1) != 0 : !_rx || (_con & AA) == 0;
        _sdaOut.Set(level);
        Schedule(Phase.BitHigh, t, Half(_scll, "I2SCLL"));
    }

    private bool SdaPad => _sdaIn?.Level ?? _sdaOut.Level;

    private void OnStep(long due)
    {
        switch (_phase)
        {
            case Phase.Begin:
                Begin(due);
                return;
            case Phase.StartScl:
                _sclOut.Set(false);
                Done(0x08);
                return;
            case Phase.BitHigh:
                _sclOut.Set(true);
                Schedule(Phase.BitFall, due, Half(_sclh, "I2SCLH"));
                return;
            case Phase.BitFall:
            {
                bool sda = SdaPad;
                if (_bit < 8) { if (_rx) _shift = (_shift << 1) | (sda ? 1u : 0u); }
                else if (!_rx) _ack = !sda;
                _sclOut.Set(false);
                _bit++;
                if (_bit <= 8) { BitLow(due); return; }
                _sdaOut.Set(true);
                if (_rx) { _dat = _shift & 0xFF; Done((_con & AA) != 0 ? 0x50u : 0x58u); }
                else if (_sla) Done((_shift & 1) == 0 ? (_ack ? 0x18u : 0x20u) : (_ack ? 0x40u : 0x48u));
                else Done(_ack ? 0x28u : 0x30u);
                return;
            }
            case Phase.RsHigh:
                _sclOut.Set(true);
                Schedule(Phase.RsStart, due, Half(_sclh, "I2SCLH"));
                return;
            case Phase.RsStart:
                _sdaOut.Set(false);
                Schedule(Phase.RsScl, due, Half(_sclh, "I2SCLH"));
                return;
            case Phase.RsScl:
                _sclOut.Set(false);
                _con &= ~STA; // our choice: as after the first START, software clears STA; harmless if already clear
                Done(0x10);
                return;
            case Phase.StopHigh:
                _sclOut.Set(true);
                Schedule(Phase.StopEnd, due, Half(_sclh, "I2SCLH"));
                return;
            case Phase.StopEnd:
                _sdaOut.Set(true);
                _phase = Phase.Idle;
                _master = false;
                _con &= ~STO;
                _stat = 0xF8;
                UpdateInt();
                Kick();
                return;
        }
    }

    private void Done(uint status)
    {
        _phase = Phase.Idle;
        _stat = status;
        _con |= SI;
        UpdateInt();
    }

    private void UpdateInt() => Int.Set((_con & (SI | I2EN)) == (SI | I2EN));
}
