using System.Globalization;
using SocSim.Core;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// A Maxim DS1338 serial real-time clock as an I²C slave at 7-bit address 0x68 (DS1338 data sheet;
/// QEMU's hw/rtc/ds1338.c models the same part): registers 00h-06h BCD seconds, minutes, hours
/// (bit 6 = 12-hour mode, bit 5 = PM there), day of week 1-7, date, month, year 00-99 (2000-2099);
/// 07h control; 08h-3Fh 56 bytes of RAM; the register pointer auto-increments and wraps from 3Fh to 00h.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Time: the 32.768 kHz oscillator counts simulated time, so the seconds advance once per simulated
/// second from the last time set (the <c>rtcTime</c> parameter at power-up, a write of the seconds register
/// later: the data sheet's "countdown chain is reset whenever the seconds register is written").</item>
/// <item>Reads: the time registers are copied into a user buffer on every START (data sheet, "I²C serial data
/// bus": a read sees a consistent time while the clock runs on).</item>
/// <item>Writes to 00h-06h go to the buffer; at the STOP (or a repeated START) the clock is set from it. The
/// data sheet leaves an invalid date undefined: here it is reported once as a warning and the clock keeps
/// its previous time (choice). CH (seconds bit 7) stops the oscillator; the time reads frozen until cleared.</item>
/// <item>Control (07h) resets to 0 (choice: the data sheet gives OSF set at first power-up, which would make
/// Linux's rtc-ds1307 report a stopped oscillator every boot). Bit level as <see cref="I2cEeprom24Cxx"/> (<see cref="I2cSlavePart"/>): a bit
/// is sampled as SCL rises, SDA changes as SCL falls.</item>
/// </list>
/// </remarks>
public sealed class Ds1338Rtc : I2cSlavePart, IStateful
{
    public const int Address = 0x68;
    public const string DefaultTime = "2026-01-01T00:00:00";

    /// <summary>Which byte of a write comes next (while listening).</summary>
    private enum St : byte { DevAddr, Pointer, Write }

    private readonly Scheduler _s;
    private readonly Action<string> _warn;
    private readonly byte[] _regs = new byte[64];
    private DateTime _base;
    private long _baseTick;
    private bool _halted, _h12, _timeWritten, _secondsWritten, _warnedInvalid;
    private long _secondsTick;

    private St _st;
    private int _ptr;

    public Ds1338Rtc(string name, Scheduler scheduler, string initialTime, Action<string> warn)
    {
        _s = scheduler;
        _warn = warn;
        if (!DateTime.TryParseExact(initialTime, "yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out _base)
            || _base.Year < 2000 || _base.Year > 2099)
            throw new ArgumentException($"{name}: rtcTime \"{initialTime}\" is not a date-time yyyy-MM-ddTHH:mm:ss from 2000 to 2099");
        _baseTick = 0;
        SdaOut = true;
    }

    /// <summary>The part's SDA drive: false pulls the open-drain line low.</summary>
    public bool SdaOut { get; private set; }

    /// <summary>The clock's time now (simulated time since it was last set, unless CH stops it).</summary>
    public DateTime Now => _halted ? _base : _base.AddSeconds((_s.EventTime - _baseTick) / _s.TicksPerSecond);

    /// <summary>The register file as a read would see it now (00h-06h the time, 07h-3Fh control and RAM).</summary>
    public byte Register(int index) { Latch(); return _regs[index & 0x3F]; }

    private static byte Bcd(int v) => (byte)(((v / 10) << 4) | (v % 10));
    private static int FromBcd(int b) => (b >> 4) * 10 + (b & 0xF);

    private void Latch()
    {
        var t = Now;
        _regs[0] = (byte)(Bcd(t.Second) | (_halted ? 0x80 : 0));
        _regs[1] = Bcd(t.Minute);
        int h = t.Hour;
        _regs[2] = _h12 ? (byte)(0x40 | (h >= 12 ? 0x20 : 0) | Bcd(h % 12 == 0 ? 12 : h % 12)) : Bcd(h);
        _regs[3] = (byte)((int)t.DayOfWeek + 1); // 1 = Sunday (the data sheet leaves the meaning to the user)
        _regs[4] = Bcd(t.Day);
        _regs[5] = Bcd(t.Month);
        _regs[6] = Bcd(t.Year % 100);
    }

    private void SetClock()
    {
        _timeWritten = false;
        byte hr = _regs[2];
        _h12 = (hr & 0x40) != 0;
        int hour = _h12 ? FromBcd(hr & 0x1F) % 12 + ((hr & 0x20) != 0 ? 12 : 0) : FromBcd(hr & 0x3F);
        int sec = FromBcd(_regs[0] & 0x7F), min = FromBcd(_regs[1] & 0x7F), day = FromBcd(_regs[4] & 0x3F), mon = FromBcd(_regs[5] & 0x1F), yr = 2000 + FromBcd(_regs[6]);
        long now = _s.EventTime;
        if (sec > 59 || min > 59 || hour > 23 || mon < 1 || mon > 12 || day < 1 || day > DateTime.DaysInMonth(yr, mon))
        {
            if (!_warnedInvalid) _warn($"ds1338: an invalid date-time was written (registers {Convert.ToHexString(_regs, 0, 7)}); the clock keeps its time");
            _warnedInvalid = true;
            return;
        }
        // Without a seconds write the sub-second phase of the countdown chain carries on.
        long phase = _secondsWritten ? now - _secondsTick : (now - _baseTick) % _s.TicksPerSecond;
        if (_halted) phase = 0;
        _base = new DateTime(yr, mon, day, hour, min, sec);
        _baseTick = now - phase;
        _halted = (_regs[0] & 0x80) != 0;
        _secondsWritten = false;
    }

    /// <summary>The bus's SCL line changed to <paramref name="scl"/>; <paramref name="sda"/> is the SDA line.</summary>
    public void OnScl(bool scl, bool sda) => SclChanged(scl, sda);

    /// <summary>The bus's SDA line changed to <paramref name="sda"/> while SCL is <paramref name="scl"/>: START or STOP.</summary>
    public void OnSda(bool sda, bool scl) => SdaChanged(sda, scl);

    protected override void DriveSda(bool level) => SdaOut = level;

    protected override void OnStart()
    {
        if (_timeWritten) SetClock();
        _st = St.DevAddr;
        Latch();
    }

    protected override void OnStop()
    {
        if (_timeWritten) SetClock();
    }

    protected override bool Received(byte b)
    {
        switch (_st)
        {
            case St.DevAddr:
                if (b >> 1 != Address) { BusMode = Mode.Ignore; return false; }
                if ((b & 1) != 0) BusMode = Mode.Read;
                else _st = St.Pointer;
                return true;
            case St.Pointer: _ptr = b & 0x3F; _st = St.Write; return true;
            case St.Write:
                if (_ptr < 7) { _timeWritten = true; if (_ptr == 0) { _secondsWritten = true; _secondsTick = _s.EventTime; } }
                _regs[_ptr] = b;
                _ptr = (_ptr + 1) & 0x3F;
                return true;
        }
        return false;
    }

    protected override byte NextByte()
    {
        byte b = _regs[_ptr];
        _ptr = (_ptr + 1) & 0x3F;
        return b;
    }

    public void SaveState(StateWriter w)
    {
        foreach (byte b in _regs) w.Write(b);
        w.Write(_base.Ticks); w.Write(_baseTick); w.Write(_halted); w.Write(_h12); w.Write(_timeWritten); w.Write(_secondsWritten); w.Write(_secondsTick);
        w.Write((int)_st); w.Write(_ptr);
        SaveBits(w);
        w.Write(SdaOut);
    }

    public void LoadState(StateReader r)
    {
        for (int i = 0; i < _regs.Length; i++) _regs[i] = r.ReadByte();
        _base = new DateTime(r.ReadLong()); _baseTick = r.ReadLong(); _halted = r.ReadBool(); _h12 = r.ReadBool(); _timeWritten = r.ReadBool(); _secondsWritten = r.ReadBool(); _secondsTick = r.ReadLong();
        _st = DeviceState.ReadEnum<St>(r, 3); _ptr = r.ReadInt();
        LoadBits(r);
        SdaOut = r.ReadBool();
    }
}
