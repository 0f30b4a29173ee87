using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals.Stm32;

/// <summary>
/// STM32F10x independent watchdog (RM0008 §19, at 0x40003000): KR, PR, RLR, SR, clocked by the LSI
/// (the board's 40 kHz <c>LSI</c> clock, DS5319 Table 25 typical). Nothing ticks: the down-counter is
/// computed from the LSI edges since its last reload, and the timeout is one scheduled event.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>KR = 0xCCCC starts the watchdog (it cannot be stopped; the LSI is forced on), 0xAAAA reloads
/// the counter with RLR, 0x5555 opens PR and RLR to writes; any other key closes them (§19.3.2).</item>
/// <item>The counter counts LSI / (4 · 2^PR) (PR 6 and 7 both /256) down from RLR; a system reset is
/// asked when it would pass 0: (RLR + 1) · divider LSI cycles after the reload (Table 96: 0.1 ms at
/// RL = 0, /4).</item>
/// <item>New PR and RLR values take effect at the next reload (start or 0xAAAA); SR.PVU/RVU read 0
/// (choice: the update to the LSI domain, about 5 LSI cycles on the chip, is immediate here).</item>
/// <item>The hardware watchdog option and the debug freeze (DBGMCU) are not modelled.</item>
/// </list>
/// </remarks>
public sealed class Stm32Iwdg : IBusDevice, IDeviceModel, IStateful
{
    public const uint KR = 0x00, PR = 0x04, RLR = 0x08, SR = 0x0C;
    public const uint KeyStart = 0xCCCC, KeyReload = 0xAAAA, KeyAccess = 0x5555;

    public static DeviceType Type { get; } = DeviceType.Define<Stm32Iwdg>("stm32f1_iwdg",
            "STM32F10x independent watchdog (RM0008 §19): KR/PR/RLR/SR on the LSI; a timeout resets the system")
        .Window(0x400)
        .Output("RST", d => d.ResetOut, "the watchdog's reset: high from a timeout until the system reset it causes (RCC_CSR.IWDGRSTF, RM0008 §7.3.10)")
        .Signals((d, b) => b.Sampled("counter", 12, () => d.Counter, d._lsi))
        .Build(c => new Stm32Iwdg(c.Name, c.Scheduler, c.Clock, c.Warn, c.RequestSystemReset));

    private readonly string _name;
    private readonly Scheduler _s;
    private readonly ClockDomain _lsi;
    private readonly Action<string> _warn;
    private readonly Action<string> _reset;
    private readonly DeviceEvents _events;
    private readonly DeviceEvent _timeout;

    private uint _pr, _rlr, _activeRlr, _activeDivider;
    private bool _running, _access;
    private long _reloadEdge;

    public Stm32Iwdg(string name, Scheduler scheduler, ClockDomain lsi, Action<string> warn, Action<string> requestSystemReset)
    {
        _name = name;
        _s = scheduler;
        _lsi = lsi;
        _warn = warn;
        _reset = requestSystemReset;
        _events = new DeviceEvents(scheduler);
        _timeout = _events.Create(name + ".timeout", OnTimeout);
        _lsi.Changed += (_, _) => { if (_running) Arm(); };
        Reset();
    }

    public string Name => _name;
    public bool Running => _running;
    /// <summary>The reset the watchdog drives: the RCC records it in CSR.IWDGRSTF.</summary>
    public IrqLine ResetOut { get; } = new("iwdg.RST");

    public void Reset()
    {
        _timeout.Cancel();
        _pr = 0;
        _rlr = _activeRlr = 0xFFF;
        _activeDivider = 4;
        _running = _access = false;
        _reloadEdge = 0;
        ResetOut.Set(false);
    }

    private static uint Divider(uint pr) => 4u << (int)Math.Min(pr, 6);

    /// <summary>The down-counter now (RLR after reset and while stopped).</summary>
    public uint Counter
    {
        get
        {
            if (!_running) return _activeRlr;
            long ticks = (_lsi.EdgesAt(_s.Now) - _reloadEdge) / _activeDivider;
            return (uint)Math.Max(0, _activeRlr - ticks);
        }
    }

    private void Reload()
    {
        _activeRlr = _rlr;
        _activeDivider = Divider(_pr);
        _reloadEdge = _lsi.EdgesAt(_s.Now);
        Arm();
    }

    private void Arm() => _timeout.Arm(_lsi.TimeOfEdge(_reloadEdge + (_activeRlr + 1L) * _activeDivider));

    private void OnTimeout(long due)
    {
        _running = false;
        ResetOut.Set(true);
        _reset($"{_name}: independent watchdog timeout (RLR = {_activeRlr}, LSI / {_activeDivider})");
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = address & 0x3FC;
        uint v = off switch
        {
            KR => 0,
            PR => _pr,
            RLR => _rlr,
            SR => 0,
            _ => Reserved(off, "read"),
        };
        return PrimeCell.NarrowRead(v, address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = address & 0x3FC;
        value = PrimeCell.NarrowWrite(value, address, size);
        switch (off)
        {
            case KR:
                uint key = value & 0xFFFF;
                _access = key == KeyAccess;
                if (key == KeyStart) { _running = true; Reload(); }
                else if (key == KeyReload && _running) Reload();
                break;
            case PR or RLR:
                if (!_access) { _warn($"{_name}: write to IWDG_{(off == PR ? "PR" : "RLR")} without the 0x5555 key (RM0008 §19.4.1) ignored"); break; }
                if (off == PR) _pr = value & 7; else _rlr = value & 0xFFF;
                break;
            case SR: break;
            default: Reserved(off, "write"); break;
        }
    }

    private uint Reserved(uint off, string what) => Stm32Reserved.Access(_warn, _name, "IWDG", off, what);

    public void SaveState(StateWriter w)
    {
        w.Write(_pr); w.Write(_rlr); w.Write(_activeRlr); w.Write(_activeDivider);
        w.Write(_running); w.Write(_access); w.Write(_reloadEdge);
        _events.SaveState(w);
    }

    public void LoadState(StateReader r)
    {
        _pr = r.ReadUInt(); _rlr = r.ReadUInt(); _activeRlr = r.ReadUInt(); _activeDivider = r.ReadUInt();
        _running = r.ReadBool(); _access = r.ReadBool(); _reloadEdge = r.ReadLong();
        _events.LoadState(r);
    }
}
