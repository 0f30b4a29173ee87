using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The CMSDK APB timer (Cortex-M System Design Kit TRM DDI 0479C, 4.4): a 32-bit down counter clocked by PCLK,
/// CTRL (EN, SELEXTEN: EXTIN gates the count, SELEXTCLK: EXTIN's rising edges clock it, IRQEN), VALUE, RELOAD and
/// INTSTATUS/INTCLEAR, one interrupt output TIMERINT. Counted lazily from the scheduler's time.
/// </summary>
/// <remarks>
/// Choices where the TRM is terse (the same as QEMU's model and the CMSDK RTL's behaviour):
/// <list type="bullet">
/// <item>Each enabled PCLK edge decrements VALUE; at 0 the next decrement reloads RELOAD instead (the counter
/// holds 0 for one cycle), so the period is RELOAD + 1 cycles.</item>
/// <item>The interrupt is set at the 1-to-0 transition, when CTRL.IRQEN is set then; RELOAD = 0 therefore gives
/// no further interrupt. INTSTATUS stays set until a write of 1 to INTCLEAR (0x0C).</item>
/// <item>Writing RELOAD also sets VALUE (TRM table 4-9); writing VALUE sets the count. A write takes effect at
/// the write's time: the first decrement after it is at the next PCLK edge.</item>
/// <item>EXTIN is used as the counter's logic sees it after synchronisation; the RTL's two-flop synchroniser
/// delay (2 PCLK cycles) is not modelled: a level change acts from the next PCLK edge.</item>
/// </list>
/// </remarks>
public sealed class CmsdkApbTimer : IBusDevice, IDeviceModel, IStateful
{
    public static DeviceType Type { get; } = DeviceType.Define<CmsdkApbTimer>("cmsdk_apb_timer",
            "ARM CMSDK APB timer (DDI 0479C 4.4): 32-bit down counter on PCLK, reload, EXTIN as enable or clock")
        .Window(PrimeCell.Window)
        .Output("TIMERINT", t => t.TimerInt, "timer interrupt (INTSTATUS)")
        .Input("EXTIN", (t, line) => line.Subscribe(t.SetExtIn), "external input: a count enable (CTRL.SELEXTEN) or a clock (CTRL.SELEXTCLK)")
        .Signals((t, s) =>
        {
            s.Line("TIMERINT", t.TimerInt);
            s.Sampled("VALUE", 32, () => t.Value, t._clk);
        })
        .Build(c => new CmsdkApbTimer(c.Name, c.Scheduler, c.Clock));

    public const uint CTRL = 0x00, VALUE = 0x04, RELOAD = 0x08, INTSTATUS = 0x0C;
    public const uint EN = 1, SELEXTEN = 2, SELEXTCLK = 4, IRQEN = 8;

    /// <summary>PID0 of the CMSDK timer.</summary>
    private const byte PartNumber = 0x22;

    private readonly Scheduler _s;
    private readonly long _clk;
    private readonly DeviceEvents _events;
    private readonly DeviceEvent _zero;
    private uint _ctrl, _reload, _intStatus;
    private bool _extIn;
    // The count held _baseValue just after PCLK edge _baseEdge; while counting on PCLK it decrements on every later edge.
    private uint _baseValue;
    private long _baseEdge;

    public CmsdkApbTimer(string name, Scheduler scheduler, ClockDomain pclk)
    {
        Name = name;
        _s = scheduler;
        _clk = pclk.PeriodTicks;
        _events = new DeviceEvents(scheduler);
        _zero = _events.Create(name + ".zero", OnZero);
        TimerInt = new IrqLine(name + ".TIMERINT");
    }

    public string Name { get; }
    public IrqLine TimerInt { get; }

    /// <summary>VALUE now.</summary>
    public uint Value => ValueAtEdge(_s.Now / _clk);

    /// <summary>Counting on PCLK edges: enabled, not clocked by EXTIN, not gated off by a low EXTIN.</summary>
    private bool CountsOnPclk => (_ctrl & EN) != 0 && (_ctrl & SELEXTCLK) == 0 && ((_ctrl & SELEXTEN) == 0 || _extIn);

    private uint ValueAtEdge(long edge)
    {
        if (!CountsOnPclk) return _baseValue;
        return After(_baseValue, edge - _baseEdge);
    }

    /// <summary>The count <paramref name="steps"/> decrements after <paramref name="v0"/>.</summary>
    private uint After(uint v0, long steps)
    {
        if (steps <= 0) return v0;
        if (steps <= v0) return (uint)(v0 - steps);
        long after = steps - v0 - 1;      // decrements since the one that left 0 (a reload)
        return (uint)(_reload - after % (_reload + 1L));
    }

    /// <summary>Freezes the count at the present edge (before a change of settings or of EXTIN).</summary>
    private void Rebase()
    {
        long edge = _s.Now / _clk;
        _baseValue = ValueAtEdge(edge);
        _baseEdge = edge;
    }

    /// <summary>Schedules the next 1-to-0 transition under the present settings.</summary>
    private void Reschedule()
    {
        if (!CountsOnPclk) { _zero.Cancel(); return; }
        long steps = _baseValue > 0 ? _baseValue : _reload > 0 ? 1L + _reload : -1;
        if (steps < 0) { _zero.Cancel(); return; }
        _zero.Arm((_baseEdge + steps) * _clk);
    }

    private void OnZero(long due)
    {
        if ((_ctrl & IRQEN) != 0) _intStatus = 1;
        _baseEdge = due / _clk;
        _baseValue = 0;
        Reschedule();
        UpdateOutput();
    }

    private void SetExtIn(bool level)
    {
        _events.CatchUp();
        bool rising = level && !_extIn;
        Rebase();
        _extIn = level;
        // SELEXTCLK: one decrement per rising edge of EXTIN (gated by EXTIN too when SELEXTEN is also set: it is high).
        if (rising && (_ctrl & EN) != 0 && (_ctrl & SELEXTCLK) != 0)
        {
            if (_baseValue == 1 && (_ctrl & IRQEN) != 0) _intStatus = 1;
            _baseValue = _baseValue == 0 ? _reload : _baseValue - 1;
        }
        Reschedule();
        UpdateOutput();
    }

    private void UpdateOutput() => TimerInt.Set(_intStatus != 0);

    public void Reset()
    {
        _zero.Cancel();
        _ctrl = _reload = _intStatus = 0;
        _baseValue = 0;
        _baseEdge = _s.Now / _clk;
        UpdateOutput();
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = PrimeCell.Offset(address);
        uint v = off switch
        {
            CTRL => _ctrl,
            VALUE => Value,
            RELOAD => _reload,
            INTSTATUS => _intStatus,
            >= 0xFD0 => PrimeCell.CmsdkId(off, PartNumber),
            _ => 0,
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
            case CTRL: Rebase(); _ctrl = value & 0xF; break;
            case VALUE: Rebase(); _baseValue = value; break;
            case RELOAD: Rebase(); _reload = value; _baseValue = value; break;
            case INTSTATUS: if ((value & 1) != 0) _intStatus = 0; break;
            default: return;
        }
        Reschedule();
        UpdateOutput();
    }

    public void SaveState(StateWriter w)
    {
        w.Write(_ctrl); w.Write(_reload); w.Write(_intStatus); w.Write(_extIn);
        w.Write(_baseValue); w.Write(_baseEdge);
        _events.SaveState(w);
        w.Write(TimerInt.Level);
    }

    public void LoadState(StateReader r)
    {
        _ctrl = r.ReadUInt(); _reload = r.ReadUInt(); _intStatus = r.ReadUInt(); _extIn = r.ReadBool();
        _baseValue = r.ReadUInt(); _baseEdge = r.ReadLong();
        _events.LoadState(r);
        TimerInt.Restore(r.ReadBool());
    }
}
