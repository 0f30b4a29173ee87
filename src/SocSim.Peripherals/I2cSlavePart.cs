using SocSim.Core;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The bit level shared by the board's I²C slave parts (<see cref="I2cEeprom24Cxx"/>, <see cref="Ds1338Rtc"/>):
/// START and STOP are SDA edges while SCL is high; a bit is sampled as SCL rises; the part changes its SDA
/// drive (acknowledge, read data) as SCL falls; in a read the master's acknowledge asks for the next byte
/// and its NOT ACK ends the read. A part says what a received byte means (<see cref="Received"/>, which
/// returns the acknowledge) and which byte a read sends next (<see cref="NextByte"/>).
/// </summary>
public abstract class I2cSlavePart
{
    /// <summary>Idle until a START; listening to bytes; sending bytes to the master; ignoring the bus until the next START.</summary>
    protected enum Mode : byte { Idle, Listen, Read, Ignore }

    private Mode _mode;
    private int _bits, _shift, _pending;
    private bool _ackPhase, _sending;

    protected Mode BusMode { get => _mode; set => _mode = value; }

    /// <summary>The part's SDA drive: false pulls the open-drain line low.</summary>
    protected abstract void DriveSda(bool level);
    /// <summary>A whole byte was received (address or data); returns whether the part acknowledges it.</summary>
    protected abstract bool Received(byte b);
    /// <summary>The next byte a read sends.</summary>
    protected abstract byte NextByte();
    protected virtual void OnStart() { }
    protected virtual void OnStop() { }

    /// <summary>The bus's SCL line changed to <paramref name="high"/>; <paramref name="sda"/> is the SDA line.</summary>
    protected void SclChanged(bool high, bool sda)
    {
        if (_mode is Mode.Idle or Mode.Ignore) return;
        if (high)
        {
            if (_ackPhase) { if (_mode == Mode.Read && sda) _mode = Mode.Ignore; return; } // the master's NOT ACK ends a read
            if (!_sending) { _shift = (_shift << 1) | (sda ? 1 : 0); _bits++; }
            return;
        }
        if (_ackPhase)
        {
            _ackPhase = false;
            DriveSda(true);
            if (_mode == Mode.Read) { SendNext(); return; }
            _bits = 0; _shift = 0;
            return;
        }
        if (_sending)
        {
            _bits++;
            if (_bits < 8) { DriveSda(((_pending >> (7 - _bits)) & 1) != 0); return; }
            _sending = false;
            DriveSda(true);
            _ackPhase = true; // the master acknowledges on the ninth clock
            return;
        }
        if (_bits < 8) return;
        // A whole byte received: the acknowledge is driven for the ninth clock.
        bool ack = Received((byte)_shift);
        _ackPhase = true;
        DriveSda(!ack);
    }

    /// <summary>The bus's SDA line changed to <paramref name="level"/> while SCL is <paramref name="sclHigh"/>: START or STOP.</summary>
    protected void SdaChanged(bool level, bool sclHigh)
    {
        if (!sclHigh) return;
        if (!level)
        {
            OnStart();
            _mode = Mode.Listen;
            _bits = 0; _shift = 0; _ackPhase = false; _sending = false;
        }
        else
        {
            OnStop();
            _mode = Mode.Idle;
            DriveSda(true);
        }
    }

    private void SendNext()
    {
        _pending = NextByte();
        _sending = true;
        _bits = 0;
        DriveSda((_pending & 0x80) != 0);
    }

    protected void SaveBits(StateWriter w)
    {
        w.Write((int)_mode); w.Write(_bits); w.Write(_shift); w.Write(_pending); w.Write(_ackPhase); w.Write(_sending);
    }

    protected void LoadBits(StateReader r)
    {
        _mode = DeviceState.ReadEnum<Mode>(r, 4); _bits = r.ReadInt(); _shift = r.ReadInt(); _pending = r.ReadInt(); _ackPhase = r.ReadBool(); _sending = r.ReadBool();
    }
}
