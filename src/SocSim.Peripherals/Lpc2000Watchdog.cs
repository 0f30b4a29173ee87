using SocSim.Core;
using SocSim.Core.Cores;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The watchdog of the NXP LPC2104/2105/2106 (user manual, chapter "Watchdog"): a fixed divide-by-4
/// prescaler and a 32-bit down counter clocked by PCLK, reloaded from WDTC by the feed sequence
/// 0xAA, 0x55 on WDFEED; on underflow it sets WDTOF and WDINT (output <c>INT</c>, to the VIC) and, with
/// WDRESET, resets the chip. Nothing ticks: WDTV is computed from the PCLK edges since the last feed
/// and the underflow is a scheduled event at its PCLK edge (moved when PCLK changes frequency).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Time-out ("Description", "Watchdog Timer Constant register"): the counter is loaded with WDTC
/// (at least 0xFF: "Setting a value lower than 0xFF causes 0xFF to be loaded") and decrements every 4
/// PCLK cycles; it underflows after WDTC+1 counts, so the interval is TPCLK × (WDTC+1) × 4, which is the
/// manual's range "from (tpclk x 256 x 4) to (tpclk x 2^32 x 4)" for WDTC = 0xFF … 0xFFFFFFFF. Choice:
/// the feed restarts the divide-by-4 phase, so the underflow is on PCLK edge feed + 4·(WDTC+1), where
/// "feed" is the last PCLK edge at or before the 0x55 write. WDTV reads the count (WDTC down to 0).</item>
/// <item>Start ("Watchdog Feed register"): "Setting the WDEN bit ... is not sufficient": the counter runs
/// from the first valid feed after WDEN is set; until then feed errors are ignored. A feed with WDEN
/// clear still reloads WDTV from WDTC.</item>
/// <item>Feed error (same section): after 0xAA, any access to a watchdog register other than writing
/// 0x55 to WDFEED triggers the watchdog when it runs: WDTOF and WDINT set, and a reset with WDRESET, "during
/// the second PCLK following an incorrect access" (PCLK edge access + 2). Choice: a second 0xAA is such an
/// access; a write other than 0xAA to WDFEED outside a sequence is ignored.</item>
/// <item>An interrupt during the feed (UM10275 §17.4.3: "an abort condition will occur if an interrupt
/// happens during the feed sequence"): the core's IRQ or FIQ entry (vector 0x18 or 0x1C, or their high
/// vectors) between the 0xAA and the 0x55 is an incorrect access at the entry's time, whether or not the
/// handler touches the watchdog (<see cref="ICoreObserver"/>). A data or prefetch abort, SWI or undefined
/// instruction is not an interrupt and leaves the sequence open.</item>
/// <item>WDMOD ("Watchdog Mode register"): WDEN and WDRESET can be set, not cleared, by software; "both
/// flags are cleared by an external reset or a Watchdog timer underflow", so the counter stops after an
/// underflow (WDTV then reads 0). WDTOF is cleared by writing 0 to it (writing 1 leaves it); WDINT is read-only
/// and cleared by any reset.</item>
/// <item>Reset: the chip reset the watchdog requests (<see cref="Reset"/>) keeps WDTOF, so that software
/// can tell a watchdog reset ("The Watchdog time-out flag (WDTOF) can be examined to determine if the
/// Watchdog has caused the reset condition. The WDTOF flag must be cleared by software"; WDMOD reset
/// value 0 "only after external reset"). <see cref="ExternalReset"/> (power-on, RESET pin) clears it too.</item>
/// </list>
/// </remarks>
public sealed class Lpc2000Watchdog : IBusDevice, IDeviceModel, IStateful, ICoreObserver
{
    /// <summary>LPC2106 watchdog: a 16 KiB APB slot (0xE0000000), clocked by PCLK.</summary>
    public static DeviceType Type { get; } = DeviceType.Define<Lpc2000Watchdog>("lpc_wdt", "NXP LPC2000 watchdog (WDMOD/WDTC/WDFEED/WDTV) with reset on time-out")
        .Window(0x4000)
        .Output("INT", w => w.Int, "watchdog interrupt (WDMOD.WDINT, to the VIC)")
        .Signals((w, s) =>
        {
            s.Line("INT", w.Int);
            s.Sampled("WDTV", 32, () => w.Wdtv, w._pclk);
        })
        .Build(c => new Lpc2000Watchdog(c.Name, c.Scheduler, c.Clock, c.Warn, c.RequestSystemReset));

    // Register offsets (user manual, "Watchdog", register map from 0xE0000000).
    public const uint WDMOD = 0x00;
    public const uint WDTC = 0x04;
    public const uint WDFEED = 0x08;
    public const uint WDTV = 0x0C;

    // WDMOD bits.
    public const uint WDEN = 1u << 0;
    public const uint WDRESET = 1u << 1;
    public const uint WDTOF = 1u << 2;
    public const uint WDINT = 1u << 3;

    public const uint WdtcMinimum = 0xFF;

    private readonly Scheduler _s;
    private readonly ClockDomain _pclk;
    private readonly Action<string> _warn;
    private readonly Action<string> _requestReset;
    private readonly DeviceEvents _events;
    private readonly DeviceEvent _underflow, _feedError;

    private uint _mod; // WDEN, WDRESET, WDINT (WDTOF is kept apart: it survives the watchdog's reset)
    private bool _wdtof;
    private uint _wdtc = WdtcMinimum;
    // The counter: _tv while stopped; while running it held _tv just after PCLK edge _loadEdge and
    // decrements every fourth edge after it.
    private uint _tv = 0xFF;
    private bool _running;
    private long _loadEdge;
    private bool _feedStarted; // 0xAA written, 0x55 expected next
    private long _underflowEdge = -1, _feedErrorEdge = -1;

    public Lpc2000Watchdog(string name, Scheduler scheduler, ClockDomain pclk, Action<string>? warn = null, Action<string>? requestSystemReset = null)
    {
        Name = name;
        _s = scheduler;
        _pclk = pclk;
        _warn = warn ?? (_ => { });
        _requestReset = requestSystemReset ?? (_ => { });
        _events = new DeviceEvents(scheduler);
        _underflow = _events.Create(name + ".underflow", _ => Trigger("watchdog timeout"));
        _feedError = _events.Create(name + ".feed_error", _ => Trigger("watchdog feed sequence error"));
        Int = new IrqLine(name + ".INT");
        pclk.Changing += (_, tick) => _events.CatchUp(tick);
        pclk.Changed += (_, _) => Arm();
    }

    public string Name { get; }
    /// <summary>WDINT: the watchdog interrupt request.</summary>
    public IrqLine Int { get; }

    /// <summary>WDTV at <see cref="Scheduler.Now"/>.</summary>
    public uint Wdtv
    {
        get
        {
            if (!_running) return _tv;
            long counts = (CurrentEdge - _loadEdge) / 4;
            return counts >= _tv ? 0 : (uint)(_tv - counts);
        }
    }

    private long CurrentEdge => _pclk.EdgesAt(_s.Now);

    /// <summary>The chip reset (including the one the watchdog requests): every register to its reset value except WDTOF.</summary>
    public void Reset()
    {
        _underflow.Cancel();
        _feedError.Cancel();
        _underflowEdge = _feedErrorEdge = -1;
        _mod = 0;
        _wdtc = WdtcMinimum;
        _tv = 0xFF;
        _running = false;
        _feedStarted = false;
        Int.Set(false);
    }

    /// <summary>An external reset (power-on, the RESET pin): as <see cref="Reset"/>, and WDTOF cleared.</summary>
    public void ExternalReset()
    {
        Reset();
        _wdtof = false;
    }

    /// <summary>
    /// WDMOD and WDTOF, WDTC, the lazily counted WDTV (its value and load edge, whether it runs), the
    /// feed sequence in progress, the edges of the time-out and of the feed error and their events'
    /// due ticks, and the INT level.
    /// </summary>
    public void SaveState(StateWriter w)
    {
        w.Write(_mod);
        w.Write(_wdtof);
        w.Write(_wdtc);
        w.Write(_tv);
        w.Write(_running);
        w.Write(_loadEdge);
        w.Write(_feedStarted);
        w.Write(_underflowEdge);
        w.Write(_feedErrorEdge);
        _events.SaveState(w);
        w.Write(Int.Level);
    }

    public void LoadState(StateReader r)
    {
        _mod = r.ReadUInt();
        _wdtof = r.ReadBool();
        _wdtc = r.ReadUInt();
        _tv = r.ReadUInt();
        _running = r.ReadBool();
        _loadEdge = r.ReadLong();
        _feedStarted = r.ReadBool();
        _underflowEdge = r.ReadLong();
        _feedErrorEdge = r.ReadLong();
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
            case WDMOD: v = _mod | (_wdtof ? WDTOF : 0); break;
            case WDTC: v = _wdtc; break;
            case WDFEED: v = 0; break; // write-only
            case WDTV: v = Wdtv; break;
            default:
                _warn($"{Name}: read of reserved offset 0x{off:X3}");
                return 0;
        }
        FeedInterrupted();
        return PrimeCell.NarrowRead(v, address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = address & 0x3FFC;
        value = PrimeCell.NarrowWrite(value, address, size);
        switch (off)
        {
            case WDMOD:
                FeedInterrupted();
                _mod |= value & (WDEN | WDRESET); // set-only
                if ((value & WDTOF) == 0) _wdtof = false;
                break;
            case WDTC:
                FeedInterrupted();
                _wdtc = Math.Max(value, WdtcMinimum);
                break;
            case WDFEED:
                Feed(value & 0xFF);
                break;
            case WDTV:
                FeedInterrupted(); // read-only
                break;
            default:
                _warn($"{Name}: write to reserved offset 0x{off:X3} ignored");
                break;
        }
    }

    private void Feed(uint b)
    {
        if (_feedStarted && b == 0x55)
        {
            _feedStarted = false;
            _tv = _wdtc;
            _loadEdge = CurrentEdge;
            _running = (_mod & WDEN) != 0;
            _underflowEdge = _running ? _loadEdge + 4 * ((long)_tv + 1) : -1;
            Arm();
            return;
        }
        if (_feedStarted) FeedInterrupted();
        else if (b == 0xAA) _feedStarted = true;
    }

    /// <summary>Subscribes to the core's exception entries (<see cref="InterruptEntered"/>).</summary>
    public void CoreBuilt(ICore core) => core.ExceptionEntered += vector =>
    {
        if ((vector & 0xFFFF) is 0x18 or 0x1C) InterruptEntered();
    };

    /// <summary>The core took an IRQ or FIQ: a feed sequence in progress is broken (§17.4.3).</summary>
    public void InterruptEntered()
    {
        if (!_feedStarted) return;
        _events.CatchUp();
        FeedInterrupted();
    }

    /// <summary>An access other than the 0x55 write while a feed sequence is open: the watchdog triggers, if it runs.</summary>
    private void FeedInterrupted()
    {
        if (!_feedStarted) return;
        _feedStarted = false;
        if (!_running || _feedErrorEdge >= 0) return;
        _feedErrorEdge = CurrentEdge + 2;
        Arm();
    }

    private void Arm()
    {
        ArmAt(_underflow, _underflowEdge);
        ArmAt(_feedError, _feedErrorEdge);
    }

    private void ArmAt(DeviceEvent e, long edge)
    {
        long tick = edge < 0 ? long.MaxValue : _pclk.TimeOfEdge(edge);
        if (tick == long.MaxValue) e.Cancel();
        else e.Arm(tick);
    }

    /// <summary>Underflow or feed error: WDTOF and WDINT set, WDEN and WDRESET cleared, the counter stopped where it is (0 after an underflow), the chip reset with WDRESET.</summary>
    private void Trigger(string reason)
    {
        bool reset = (_mod & WDRESET) != 0;
        _wdtof = true;
        _mod = (_mod | WDINT) & ~(WDEN | WDRESET);
        _tv = Wdtv;
        _running = false;
        _underflowEdge = _feedErrorEdge = -1;
        _underflow.Cancel();
        _feedError.Cancel();
        Int.Set(true);
        if (reset) _requestReset(reason);
    }
}
