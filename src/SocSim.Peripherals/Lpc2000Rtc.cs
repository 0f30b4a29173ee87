using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The real-time clock of the NXP LPC2104/2105/2106 (UM10275 chapter 16, 0xE0024000, VIC channel 13):
/// the reference clock divider (PREINT/PREFRAC, §16.7) making 32768 reference clocks a second from
/// PCLK, the clock tick counter CTC, the eight time counters (Table 180), the counter increment
/// interrupt (CIIR), the alarm registers with their mask (AMR), and ILR.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Prescaler (§16.7.4, Table 186): reference clock cycle f (f = 0..32767, the fraction counter) lasts
/// PREINT + 1 PCLK cycles, one more when f's lowest set bit is bit b and PREFRAC bit 14 − b is 1 (f = 0:
/// never), so PREFRAC of the 32768 cycles are longer and a second is (PREINT + 1)·32768 + PREFRAC PCLK
/// cycles. Nothing ticks: CTC is computed from the PCLK edges since the second began (a binary search
/// over the closed-form sum of cycle lengths); one event per second moves the time counters.</item>
/// <item>CTC (Table 173) reads the fraction counter in bits 15:1 (bit 0 reads 0). The seconds counter
/// increments on the PCLK edge where it wraps from 32767 to 0.</item>
/// <item>Choices where the manual is silent: CCR.CLKEN = 0 stops the divider and CTC as well as the time
/// counters (they resume where they stopped); CCR.CTCRST holds the divider and CTC at 0. PREINT below 1
/// ("must be greater than or equal to 1", §16.7.1) stops the divider with a warning. A write to PREINT
/// or PREFRAC keeps the reference cycle in progress and its elapsed PCLKs.</item>
/// <item>Time counters (Table 180): SEC 0-59 → MIN 0-59 → HOUR 0-23 → DOM (1-28/29/30/31), DOW (0-6),
/// DOY (1-365/366) → MONTH 1-12 (on DOM's wrap) → YEAR 0-4095 (on MONTH's wrap). A year whose two low
/// bits are 0 is a leap year (§16.5.13). A counter written at or above its maximum wraps to its
/// minimum at its next increment (and carries). Writes keep the register's width (Table 181).</item>
/// <item>Interrupts (§16.5.1, 5.6, 5.7): an increment of a counter whose CIIR bit is 1 sets ILR.RTCCIF;
/// the alarm sets ILR.RTCALF when the comparison of every unmasked alarm register with its counter
/// "first changes from no match to match" (evaluated after each second and each write); all AMR bits
/// set disable it. Writing 1 to an ILR bit clears it. INT is ILR[1:0] ≠ 0.</item>
/// <item>Reset (Table 170 note 1): a chip reset clears PREINT and PREFRAC only; the other registers have
/// no reset value and keep their contents (0 at power-on, our choice).</item>
/// </list>
/// </remarks>
public sealed class Lpc2000Rtc : IBusDevice, IDeviceModel, IStateful
{
    public static DeviceType Type { get; } = DeviceType.Define<Lpc2000Rtc>("lpc_rtc", "NXP LPC2000 real-time clock with its PCLK prescaler (UM10275 chapter 16)")
        .Window(0x4000)
        .Output("INT", r => r.Int, "interrupt request: ILR.RTCCIF or ILR.RTCALF (VIC channel 13)")
        .Signals((r, s) =>
        {
            s.Line("INT", r.Int);
            s.Sampled("CTC", 15, () => r.Ctc, r._pclk);
            s.Sampled("SEC", 6, () => r.Counter(0), r._pclk);
        })
        .Build(c => new Lpc2000Rtc(c.Name, c.Scheduler, c.Clock, c.Warn));

    // Register offsets (Table 170).
    public const uint ILR = 0x00, CTC = 0x04, CCR = 0x08, CIIR = 0x0C, AMR = 0x10;
    public const uint CTIME0 = 0x14, CTIME1 = 0x18, CTIME2 = 0x1C;
    public const uint SEC = 0x20, MIN = 0x24, HOUR = 0x28, DOM = 0x2C, DOW = 0x30, DOY = 0x34, MONTH = 0x38, YEAR = 0x3C;
    public const uint ALSEC = 0x60, ALMIN = 0x64, ALHOUR = 0x68, ALDOM = 0x6C, ALDOW = 0x70, ALDOY = 0x74, ALMON = 0x78, ALYEAR = 0x7C;
    public const uint PREINT = 0x80, PREFRAC = 0x84;

    public const uint RTCCIF = 1u << 0, RTCALF = 1u << 1;
    public const uint CLKEN = 1u << 0, CTCRST = 1u << 1;

    /// <summary>Time counters in register order: SEC, MIN, HOUR, DOM, DOW, DOY, MONTH, YEAR.</summary>
    private const int Sec = 0, Min = 1, Hour = 2, Dom = 3, Dow = 4, Doy = 5, Month = 6, Year = 7;
    private static readonly uint[] Width = [0x3F, 0x3F, 0x1F, 0x1F, 0x7, 0x1FF, 0xF, 0xFFF];

    private readonly Scheduler _s;
    private readonly ClockDomain _pclk;
    private readonly Action<string> _warn;
    private readonly DeviceEvents _events;
    private readonly DeviceEvent _second;
    private readonly uint[] _time = new uint[8];
    private readonly uint[] _alarm = new uint[8];
    private uint _ilr, _ccr, _ciir, _amr, _preint, _prefrac;
    private bool _alarmMatch;
    // While the divider runs: the PCLK edge at which the present second began (CTC = 0). While it is
    // stopped: _heldPos, the PCLK cycles into the second it stopped at.
    private long _secStart, _heldPos;

    public Lpc2000Rtc(string name, Scheduler scheduler, ClockDomain pclk, Action<string>? warn = null)
    {
        Name = name;
        _s = scheduler;
        _pclk = pclk;
        _warn = warn ?? (_ => { });
        _events = new DeviceEvents(scheduler);
        _second = _events.Create(name + ".second", OnSecond);
        Int = new IrqLine(name + ".INT");
        pclk.Changing += (_, tick) => _events.CatchUp(tick);
        pclk.Changed += (_, _) => Arm();
    }

    public string Name { get; }
    public IrqLine Int { get; }

    private long CurrentEdge => _pclk.EdgesAt(_s.Now);
    private bool Running => (_ccr & (CLKEN | CTCRST)) == CLKEN && _preint >= 1;
    /// <summary>PCLK cycles in one second of the divider.</summary>
    private long PerSecond => 32768L * (_preint + 1) + _prefrac;

    /// <summary>Time counter <paramref name="i"/> (0 = SEC ... 7 = YEAR).</summary>
    public uint Counter(int i) => _time[i];

    /// <summary>The fraction counter (CTC[15:1]) now.</summary>
    public uint Ctc => (uint)CyclesBefore(Position(CurrentEdge));

    /// <summary>PCLK cycles into the present second at edge <paramref name="e"/>.</summary>
    private long Position(long e) => Running ? e - _secStart : _heldPos;

    /// <summary>PCLK cycles of reference cycles 0..c−1: c·(PREINT+1) plus the extended ones (Table 186).</summary>
    private long Sum(long c)
    {
        long s = c * (_preint + 1);
        for (int j = 0; j < 15; j++)
            if ((_prefrac & (1u << j)) != 0)
            {
                long step = 1L << (15 - j), first = 1L << (14 - j);
                s += (c - first + step - 1) / step; // values f < c with f ≡ first (mod step)
            }
        return s;
    }

    /// <summary>The reference cycles completed <paramref name="pos"/> PCLK cycles into a second (0..32767).</summary>
    private long CyclesBefore(long pos)
    {
        long lo = 0, hi = 32767;
        while (lo < hi)
        {
            long mid = (lo + hi + 1) / 2;
            if (Sum(mid) <= pos) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    public void Reset()
    {
        _events.CatchUp();
        Hold();
        _preint = _prefrac = 0;
        Arm();
    }

    public void SaveState(StateWriter w)
    {
        w.Write(_time); w.Write(_alarm);
        w.Write(_ilr); w.Write(_ccr); w.Write(_ciir); w.Write(_amr); w.Write(_preint); w.Write(_prefrac);
        w.Write(_alarmMatch); w.Write(_secStart); w.Write(_heldPos);
        _events.SaveState(w);
        w.Write(Int.Level);
    }

    public void LoadState(StateReader r)
    {
        r.ReadUIntArray(8).CopyTo(_time, 0); r.ReadUIntArray(8).CopyTo(_alarm, 0);
        _ilr = r.ReadUInt(); _ccr = r.ReadUInt(); _ciir = r.ReadUInt(); _amr = r.ReadUInt(); _preint = r.ReadUInt(); _prefrac = r.ReadUInt();
        _alarmMatch = r.ReadBool(); _secStart = r.ReadLong(); _heldPos = r.ReadLong();
        _events.LoadState(r);
        Int.Restore(r.ReadBool());
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = address & 0x3FFC;
        uint v;
        switch (off)
        {
            case ILR: v = _ilr; break;
            case CTC: v = (uint)CyclesBefore(Position(CurrentEdge)) << 1; break;
            case CCR: v = _ccr; break;
            case CIIR: v = _ciir; break;
            case AMR: v = _amr; break;
            case CTIME0: v = _time[Sec] | _time[Min] << 8 | _time[Hour] << 16 | _time[Dow] << 24; break;
            case CTIME1: v = _time[Dom] | _time[Month] << 8 | _time[Year] << 16; break;
            case CTIME2: v = _time[Doy]; break;
            case >= SEC and <= YEAR: v = _time[(off - SEC) >> 2]; break;
            case >= ALSEC and <= ALYEAR: v = _alarm[(off - ALSEC) >> 2]; break;
            case PREINT: v = _preint; break;
            case PREFRAC: v = _prefrac; break;
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
            case ILR: _ilr &= ~(value & 3); UpdateInt(); return;
            case CTC: case CTIME0: case CTIME1: case CTIME2:
                _warn($"{Name}: write to read-only offset 0x{off:X3} ignored");
                return;
            case CCR:
            {
                Hold();
                uint old = _ccr;
                _ccr = value & 0xF;
                if ((_ccr & CTCRST) != 0) _heldPos = 0;
                if ((_ccr & CLKEN) != 0 && (old & CLKEN) == 0 && _preint < 1)
                    _warn($"{Name}: CCR.CLKEN with PREINT = {_preint}: the prescaler needs PREINT >= 1 (UM10275 §16.7.1), the RTC does not count");
                Resume();
                return;
            }
            case CIIR: _ciir = value & 0xFF; return;
            case AMR: _amr = value & 0xFF; CheckAlarm(); return;
            case >= SEC and <= YEAR: { int i = (int)((off - SEC) >> 2); _time[i] = value & Width[i]; CheckAlarm(); return; }
            case >= ALSEC and <= ALYEAR: { int i = (int)((off - ALSEC) >> 2); _alarm[i] = value & Width[i]; CheckAlarm(); return; }
            case PREINT: case PREFRAC:
            {
                // Keep the reference cycle in progress and the PCLKs spent in it.
                long pos = Position(CurrentEdge);
                long c = CyclesBefore(pos), into = pos - Sum(c);
                Hold();
                if (off == PREINT) _preint = value & 0x1FFF; else _prefrac = value & 0x7FFF;
                _heldPos = Math.Min(Sum(c) + into, Sum(c + 1) - 1);
                Resume();
                return;
            }
            default: _warn($"{Name}: write to reserved offset 0x{off:X3} ignored"); return;
        }
    }

    /// <summary>Freezes the position into the second (before a change of what makes the divider run).</summary>
    private void Hold()
    {
        _heldPos = Position(CurrentEdge);
        _secStart = -1;
        _second.Cancel();
    }

    private void Resume()
    {
        if (Running) _secStart = CurrentEdge - _heldPos;
        Arm();
    }

    private void Arm()
    {
        if (!Running || _secStart < 0) { _second.Cancel(); return; }
        long tick = _pclk.TimeOfEdge(_secStart + PerSecond);
        if (tick == long.MaxValue) _second.Cancel();
        else _second.Arm(tick);
    }

    private void OnSecond(long due)
    {
        _secStart += PerSecond;
        Increment();
        Arm();
    }

    private static uint DaysInMonth(uint month, uint year) => month switch
    {
        2 => (year & 3) == 0 ? 29u : 28u,
        4 or 6 or 9 or 11 => 30u,
        _ => 31u,
    };

    /// <summary>Counter <paramref name="i"/> moves on: true when it wrapped from its maximum to its minimum.</summary>
    private bool Step(int i, uint min, uint max)
    {
        if ((_ciir & (1u << i)) != 0) _ilr |= RTCCIF;
        if (_time[i] >= max) { _time[i] = min; return true; }
        _time[i]++;
        return false;
    }

    /// <summary>One second (Table 180).</summary>
    private void Increment()
    {
        if (Step(Sec, 0, 59) && Step(Min, 0, 59) && Step(Hour, 0, 23))
        {
            Step(Dow, 0, 6);
            Step(Doy, 1, (_time[Year] & 3) == 0 ? 366u : 365u);
            if (Step(Dom, 1, DaysInMonth(_time[Month], _time[Year])) && Step(Month, 1, 12))
                Step(Year, 0, 4095);
        }
        CheckAlarm();
    }

    private void CheckAlarm()
    {
        bool match = (_amr & 0xFF) != 0xFF;
        for (int i = 0; i < 8 && match; i++)
            if ((_amr & (1u << i)) == 0 && _alarm[i] != _time[i]) match = false;
        if (match && !_alarmMatch) _ilr |= RTCALF;
        _alarmMatch = match;
        UpdateInt();
    }

    private void UpdateInt() => Int.Set((_ilr & 3) != 0);
}
