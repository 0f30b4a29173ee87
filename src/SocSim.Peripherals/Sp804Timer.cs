using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// ARM SP804 Dual-Timer module (TRM DDI 0271): two 32/16-bit down counters clocked by TIMCLK
/// (TIMCLKEN tied high), with prescalers of 1, 16 or 256, free-running, periodic and one-shot modes.
/// Nothing ticks: each counter remembers the value it held at a reference count index and derives its
/// value from <see cref="Scheduler.Now"/>; the instant it reaches zero is scheduled as an event.
/// </summary>
/// <remarks>
/// Timing conventions (TIMCLK edge n is at tick n·period, edge 0 at tick 0):
/// <list type="bullet">
/// <item>Prescaler: the counter decrements on TIMCLK edges whose index is a multiple of 1, 16 or 256,
/// i.e. the prescale divider runs freely from reset and is not restarted by register writes (the TRM's
/// prescale unit is a clock-enable generator; its phase after a Load write is not specified).</item>
/// <item>Writing TimerXLoad: "the current count immediately resets to the new value at the next rising
/// edge of TIMCLK which is enabled by TIMCLKEN" (DDI 0271, TimerXLoad), i.e. the first TIMCLK edge
/// strictly after the write, whatever the prescale; TimerXValue "reflects the new load value
/// immediately" (TimerXValue). The load edge does not also decrement.</item>
/// <item>Zero: the interrupt is raised at the enabled edge where the counter decrements to 0. The counter
/// holds 0 for one count; the next enabled edge reloads TimerXLoad (periodic), wraps to 0xFFFFFFFF /
/// 0xFFFF (free-running) or nothing happens (one-shot halts at 0). Hence a periodic interrupt every
/// (Load+1)·prescale TIMCLK periods. With prescale 1 the first interrupt comes Load edges after the
/// load edge, i.e. Load+1 TIMCLK periods after a write made on (or just after) a TIMCLK edge.</item>
/// <item>Load = 0: "If TimerXLoad is set to 0 then an interrupt is generated immediately" — at the load
/// edge (when the counter becomes 0), if the timer is enabled.</item>
/// <item>TimerXBGLoad writes the reload value (the same register TimerXLoad reads back) without touching
/// the count.</item>
/// <item>16-bit mode counts in bits [15:0]; bits [31:16] of TimerXValue keep what they held ("not
/// automatically set to 0 when in 16-bit timer mode", TimerXValue note); a load sets all 32 bits.</item>
/// <item>Clock select (the <c>sp804</c> type's TIMCLKSEL1/2 inputs, wired on the Versatile/PB926EJ-S to the
/// SP810's TIMEREN0SEL-TIMEREN3SEL, SCCTRL.TimerEnXSel, DDI 0254 3.3.1): high or unconnected, the counter
/// counts the device's clock (TIMCLK, 1 MHz on the Versatile); low, REFCLK (parameter <c>refclkHz</c>,
/// 32.768 kHz). A change takes the count up to that instant under the old clock and counts on from the
/// new clock's next edge; the prescaler's phase then follows the new clock's edge count since reset
/// (the TRMs do not say how the prescale unit follows a change of its clock enable). REFCLK's edges
/// that do not fall on a whole tick of the board's time base are taken at the next tick, without drift.</item>
/// </list>
/// </remarks>
public sealed class Sp804Timer : IBusDevice, IDeviceModel, IStateful
{
    /// <summary>
    /// SP804 dual timer (DDI 0271), a 4 KiB window: TIMINT1, TIMINT2 and their OR, TIMINTC. The
    /// counters are computed lazily from time; traces sample them after each instruction and stamp
    /// them at the TIMCLK edge that moved them (an instruction is shorter than a TIMCLK period on the
    /// boards that use it).
    /// </summary>
    public static DeviceType Type { get; } = Declare("sp804", "ARM dual-timer module (SP804)", null, clockSelects: true);

    /// <summary>REFCLK of the Versatile boards (the SP810's 32.768 kHz reference), the default of <c>refclkHz</c>.</summary>
    public const long DefaultRefClkHz = 32_768;

    /// <summary>
    /// The declaration of an SP804-compatible block (the SP804 itself; the CMSDK dual timer with its own IDs);
    /// <paramref name="clockSelects"/> adds the TIMCLKSEL1/2 inputs and REFCLK (the Versatile's SP810 wiring).
    /// </summary>
    internal static DeviceType Declare(string name, string description, byte[]? periphId, bool clockSelects = false)
    {
        var b = DeviceType.Define<Sp804Timer>(name, description).Window(PrimeCell.Window);
        if (clockSelects)
        {
            b.Parameter("refclkHz", DefaultRefClkHz, "REFCLK in Hz, counted by a timer whose TIMCLKSELn input is low")
             .Input("TIMCLKSEL1", (t, l) => t.ConnectClockSelect(1, l), "Timer1 counts TIMCLK when high or unconnected, REFCLK when low (the SP810's TIMERENxSEL)")
             .Input("TIMCLKSEL2", (t, l) => t.ConnectClockSelect(2, l), "Timer2's clock select, as TIMCLKSEL1");
        }
        return b
        .Output("TIMINT1", t => t.TimInt1, "Timer1 interrupt")
        .Output("TIMINT2", t => t.TimInt2, "Timer2 interrupt")
        .Output("TIMINTC", t => t.TimIntC, "combined interrupt")
        .Signals((t, s) =>
        {
            s.Line("TIMINT1", t.TimInt1);
            s.Line("TIMINT2", t.TimInt2);
            s.Line("TIMINTC", t.TimIntC);
            s.Sampled("Value1", 32, () => t.Value(1), t._timers[0].ClockPeriod);
            s.Sampled("Value2", 32, () => t.Value(2), t._timers[1].ClockPeriod);
        })
        .Build(c => new Sp804Timer(c.Name, c.Scheduler, c.Clock, periphId: periphId,
            refClk: clockSelects ? RefClock(c.Name, c.Parameter<long>("refclkHz"), c.Scheduler) : null));
    }

    private static ClockDomain RefClock(string name, long hz, Scheduler s)
    {
        if (hz <= 0 || hz > s.TicksPerSecond)
            throw new ArgumentException($"{name}: refclkHz {hz} must be between 1 and the board's time base ({s.TicksPerSecond} Hz)");
        return ClockDomain.OnTimeBase(name + ".REFCLK", hz, s.TicksPerSecond);
    }

    // Register offsets for Timer1; Timer2's are 0x20 higher (TRM 3.2 "Summary of registers").
    public const uint TimerXLoad = 0x00;
    public const uint TimerXValue = 0x04;
    public const uint TimerXControl = 0x08;
    public const uint TimerXIntClr = 0x0C;
    public const uint TimerXRIS = 0x10;
    public const uint TimerXMIS = 0x14;
    public const uint TimerXBGLoad = 0x18;
    public const uint Timer2Offset = 0x20;
    public const uint TimerITCR = 0xF00;
    public const uint TimerITOP = 0xF04;

    // TimerXControl bits (TRM 3.3.3).
    public const uint OneShot = 1u << 0;
    public const uint TimerSize = 1u << 1;   // 1 = 32-bit
    public const uint TimerPreShift = 2;     // [3:2]: 00 /1, 01 /16, 10 /256, 11 undefined (treated as /256)
    public const uint IntEnable = 1u << 5;
    public const uint TimerMode = 1u << 6;   // 1 = periodic
    public const uint TimerEn = 1u << 7;
    public const uint ControlReset = IntEnable;

    private static readonly byte[] Sp804PeriphId = [0x04, 0x18, 0x14, 0x00];
    private readonly byte[] _periphId;

    private readonly Scheduler _s;
    private readonly DeviceEvents _events;
    private readonly Counter[] _timers = new Counter[2];
    private bool _testMode;
    private uint _itop;

    /// <param name="periphId">PeriphID0-3 (default the SP804's; the CMSDK dual timer, an SP804 in the CMSDK, reads its own).</param>
    /// <param name="refClk">REFCLK, which a counter counts while its clock select is low (<see cref="SelectClock"/>); none: always TIMCLK.</param>
    public Sp804Timer(string name, Scheduler scheduler, ClockDomain timClk, ClockDomain? timClk2 = null, byte[]? periphId = null, ClockDomain? refClk = null)
    {
        Name = name;
        _periphId = periphId ?? Sp804PeriphId;
        _s = scheduler;
        _events = new DeviceEvents(scheduler);
        TimInt1 = new IrqLine(name + ".TIMINT1");
        TimInt2 = new IrqLine(name + ".TIMINT2");
        TimIntC = new IrqLine(name + ".TIMINTC");
        _timers[0] = new Counter(this, name + ".Timer1", timClk, refClk);
        _timers[1] = new Counter(this, name + ".Timer2", timClk2 ?? timClk, refClk);
    }

    /// <summary>
    /// Timer <paramref name="timer"/> (1 or 2) counts TIMCLK (<paramref name="timClk"/>) or REFCLK from now
    /// on; the count so far is kept. Without a REFCLK the counter stays on TIMCLK.
    /// </summary>
    public void SelectClock(int timer, bool timClk)
    {
        CatchUp();
        _timers[timer - 1].Select(timClk);
    }

    /// <summary>True when timer <paramref name="timer"/> counts TIMCLK, false when REFCLK.</summary>
    public bool CountsTimClk(int timer) => _timers[timer - 1].OnTimClk;

    private void ConnectClockSelect(int timer, IrqLine line)
    {
        line.Subscribe(level => SelectClock(timer, level));
        SelectClock(timer, line.Level);
    }

    public string Name { get; }

    /// <summary>PRESETn: both counters to their reset state (TRM 3.1), test mode off, interrupts deasserted.</summary>
    public void Reset()
    {
        _timers[0].Reset();
        _timers[1].Reset();
        _testMode = false;
        _itop = 0;
        UpdateOutputs();
    }
    public IrqLine TimInt1 { get; }
    public IrqLine TimInt2 { get; }
    /// <summary>TIMINTC: TIMINT1 OR TIMINT2.</summary>
    public IrqLine TimIntC { get; }

    /// <summary>Current TimerXValue of timer 1 or 2, computed at <see cref="Scheduler.Now"/>.</summary>
    public uint Value(int timer) => _timers[timer - 1].ValueAt(_s.Now);

    /// <summary>Runs zero crossings already due (the CPU may access a register before the scheduler dispatches them).</summary>
    private void CatchUp() => _events.CatchUp();

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        CatchUp();
        uint off = PrimeCell.Offset(address);
        return PrimeCell.NarrowRead(ReadRegister(off), address, size);
    }

    private uint ReadRegister(uint off)
    {
        if (off < 0x40)
        {
            var t = _timers[off >> 5];
            switch (off & 0x1F)
            {
                case TimerXLoad: return t.Load;
                case TimerXValue: return t.ValueAt(_s.Now);
                case TimerXControl: return t.Control;
                case TimerXRIS: return t.Ris ? 1u : 0u;
                case TimerXMIS: return t.Mis ? 1u : 0u;
                case TimerXBGLoad: return t.Load;
                default: return 0; // TimerXIntClr is write-only
            }
        }
        if (off == TimerITCR) return _testMode ? 1u : 0u;
        if (off >= 0xFE0) return PrimeCell.ReadId(off, _periphId);
        return 0; // TimerITOP is write-only; reserved offsets read as zero
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        CatchUp();
        uint off = PrimeCell.Offset(address);
        value = PrimeCell.NarrowWrite(value, address, size);
        if (off < 0x40)
        {
            var t = _timers[off >> 5];
            switch (off & 0x1F)
            {
                case TimerXLoad: t.WriteLoad(value); break;
                case TimerXControl: t.WriteControl(value & 0xEF); break; // bit 4 reserved
                case TimerXIntClr: t.ClearInterrupt(); break;
                case TimerXBGLoad: t.WriteBgLoad(value); break;
            }
            return;
        }
        if (off == TimerITCR)
        {
            _testMode = (value & 1) != 0;
            UpdateOutputs();
        }
        else if (off == TimerITOP)
        {
            _itop = value & 3;
            UpdateOutputs();
        }
    }

    /// <summary>
    /// Drives TIMINT1/2/C. In integration test mode (TimerITCR[0]) TimerITOP[0]/[1] drive TIMINT1/2
    /// instead of the counters (TRM 4.2 "Integration test registers").
    /// </summary>
    /// <summary>
    /// Both counters (TimerXLoad, TimerXControl, RIS, the lazily counted value's reference and a
    /// pending load edge), the integration test registers, the due ticks of the zero events and the
    /// three output levels.
    /// </summary>
    public void SaveState(StateWriter w)
    {
        foreach (var t in _timers) t.SaveState(w);
        w.Write(_testMode);
        w.Write(_itop);
        _events.SaveState(w);
        w.Write(TimInt1.Level);
        w.Write(TimInt2.Level);
        w.Write(TimIntC.Level);
    }

    public void LoadState(StateReader r)
    {
        foreach (var t in _timers) t.LoadState(r);
        _testMode = r.ReadBool();
        _itop = r.ReadUInt();
        _events.LoadState(r);
        TimInt1.Restore(r.ReadBool());
        TimInt2.Restore(r.ReadBool());
        TimIntC.Restore(r.ReadBool());
    }

    private void UpdateOutputs()
    {
        bool i1 = _testMode ? (_itop & 1) != 0 : _timers[0].Mis;
        bool i2 = _testMode ? (_itop & 2) != 0 : _timers[1].Mis;
        TimInt1.Set(i1);
        TimInt2.Set(i2);
        TimIntC.Set(i1 || i2);
    }

    /// <summary>One of the two identical counters (FRC) with its registers.</summary>
    private sealed class Counter
    {
        private readonly Sp804Timer _owner;
        private readonly Scheduler _s;
        private readonly ClockDomain _timClk;
        private readonly ClockDomain? _refClk;
        // The clock counted now: TIMCLK, or REFCLK while the select input is low.
        private ClockDomain _clk;
        private readonly DeviceEvent _zero;

        public uint Load;
        public uint Control = ControlReset;
        public bool Ris;

        // The counter held _baseValue just after TIMCLK edge _baseEdge; while enabled it decrements on
        // every later enabled edge (edge index a multiple of the prescale).
        private uint _baseValue = 0xFFFFFFFF;
        private long _baseEdge;
        // TIMCLK edge index at which a written TimerXLoad takes effect; the count does not move before.
        private long _loadEdge = -1;

        public Counter(Sp804Timer owner, string name, ClockDomain timClk, ClockDomain? refClk)
        {
            _owner = owner;
            _s = owner._s;
            _timClk = _clk = timClk;
            _refClk = refClk;
            _zero = owner._events.Create(name + ".zero", OnZero);
        }

        public bool OnTimClk => _clk == _timClk;

        private long EdgeAt(long tick) => _clk.EdgesAt(tick);

        /// <summary>Counts on under TIMCLK or REFCLK from the present: the count so far is kept, a pending load still happens (at the new clock's next edge).</summary>
        public void Select(bool timClk)
        {
            var next = timClk || _refClk == null ? _timClk : _refClk;
            if (next == _clk) return;
            long now = _s.Now;
            Rebase();
            bool loadPending = _loadEdge > EdgeAt(now);
            _clk = next;
            long edge = EdgeAt(now);
            _loadEdge = loadPending ? edge + 1 : -1;
            _baseEdge = Math.Max(edge, _loadEdge);
            Reschedule(zeroAtLoadEdge: loadPending && (_baseValue & Mask) == 0);
        }

        public bool Mis => Ris && (Control & IntEnable) != 0;

        public void SaveState(StateWriter w)
        {
            w.Write(Load);
            w.Write(Control);
            w.Write(Ris);
            w.Write(_baseValue);
            w.Write(_baseEdge);
            w.Write(_loadEdge);
            w.Write(OnTimClk);
        }

        public void LoadState(StateReader r)
        {
            Load = r.ReadUInt();
            Control = r.ReadUInt();
            Ris = r.ReadBool();
            _baseValue = r.ReadUInt();
            _baseEdge = r.ReadLong();
            _loadEdge = r.ReadLong();
            bool onTimClk = r.ReadBool();
            if (!onTimClk && _refClk == null) throw new StateException("SP804 counter saved on REFCLK, which this timer does not have");
            _clk = onTimClk ? _timClk : _refClk!;
        }
        /// <summary>TIMCLK period in ticks.</summary>
        public long ClockPeriod => _timClk.PeriodTicks;

        public void Reset()
        {
            _zero.Cancel();
            Load = 0;
            Control = ControlReset;
            Ris = false;
            _baseValue = 0xFFFFFFFF;
            _baseEdge = EdgeAt(_s.Now);
            _loadEdge = -1;
        }
        private bool Enabled => (Control & TimerEn) != 0;
        private bool Is32 => (Control & TimerSize) != 0;
        private uint Mask => Is32 ? 0xFFFFFFFFu : 0xFFFFu;
        private long Prescale => ((Control >> (int)TimerPreShift) & 3) switch { 0 => 1, 1 => 16, _ => 256 };

        /// <summary>Number of enabled edges with index in (0, edge]: the count index of that edge.</summary>
        private long IndexAtEdge(long edge) => edge / Prescale;
        private long TickOfIndex(long index) => _clk.TimeOfEdge(index * Prescale);

        public uint ValueAt(long now)
        {
            if (!Enabled) return _baseValue;
            long steps = IndexAtEdge(EdgeAt(now)) - IndexAtEdge(_baseEdge);
            return steps <= 0 ? _baseValue : Advance(steps);
        }

        /// <summary>The counter value after <paramref name="steps"/> decrements from the base value.</summary>
        private uint Advance(long steps)
        {
            uint mask = Mask;
            uint upper = _baseValue & ~mask;
            long v0 = _baseValue & mask;
            if (steps <= v0) return upper | (uint)(v0 - steps);
            long after = steps - v0 - 1; // count indices since the one after reaching zero
            if ((Control & OneShot) != 0) return upper; // halted at zero
            if ((Control & TimerMode) != 0)
            {
                long r = Load & mask;
                return (Load & ~mask) | (uint)(r - after % (r + 1));
            }
            long max = mask;
            return upper | (uint)(max - after % (max + 1));
        }

        /// <summary>
        /// Takes the current count as the new base at the present TIMCLK edge. Called before any change
        /// of mode, size, prescale, enable or reload value, so that the count up to now is preserved and
        /// counting continues from the next enabled edge under the new settings.
        /// </summary>
        private void Rebase()
        {
            long now = _s.Now;
            long edge = EdgeAt(now);
            if (Enabled) _baseValue = ValueAt(now);
            // A pending Load still takes effect at its edge: counting restarts from there.
            _baseEdge = Math.Max(edge, _loadEdge);
        }

        private void Reschedule(bool zeroAtLoadEdge = false)
        {
            if (!Enabled) { _zero.Cancel(); return; }
            if (zeroAtLoadEdge)
            {
                _zero.Arm(_clk.TimeOfEdge(_loadEdge));
                return;
            }
            uint mask = Mask;
            long v0 = _baseValue & mask;
            long baseIndex = IndexAtEdge(_baseEdge);
            long zeroIndex;
            if (v0 > 0) zeroIndex = baseIndex + v0;
            else if ((Control & OneShot) != 0) { _zero.Cancel(); return; }
            else if ((Control & TimerMode) != 0) zeroIndex = baseIndex + 1 + (Load & mask);
            else zeroIndex = baseIndex + 1 + mask;
            _zero.Arm(TickOfIndex(zeroIndex));
        }

        private void OnZero(long due)
        {
            Ris = true;
            _owner.UpdateOutputs();
            if ((Control & OneShot) != 0) return;
            // Next zero: periodic after Load+1 counts (one count at 0, then reload, then Load
            // decrements), free-running after 2^16 or 2^32 counts.
            long counts = (Control & TimerMode) != 0 ? (long)(Load & Mask) + 1 : (long)Mask + 1;
            _zero.Arm(TickOfIndex(IndexAtEdge(EdgeAt(due)) + counts));
        }

        public void WriteLoad(uint value)
        {
            Load = value;
            _loadEdge = EdgeAt(_s.Now) + 1;
            _baseValue = value;
            _baseEdge = _loadEdge;
            Reschedule(zeroAtLoadEdge: (value & Mask) == 0);
        }

        public void WriteBgLoad(uint value)
        {
            Rebase();
            Load = value;
            Reschedule();
        }

        public void WriteControl(uint value)
        {
            // Freeze the count under the old settings, then continue under the new ones.
            Rebase();
            Control = value;
            Reschedule();
            _owner.UpdateOutputs();
        }

        public void ClearInterrupt()
        {
            Ris = false;
            _owner.UpdateOutputs();
        }
    }
}
