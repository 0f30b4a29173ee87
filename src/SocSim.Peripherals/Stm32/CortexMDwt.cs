using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals.Stm32;

/// <summary>
/// The Cortex-M3 data watchpoint and trace unit's cycle counter (ARMv7-M C1.8, DDI 0337I §8.3, at
/// 0xE0001000): DWT_CTRL (NUMCOMP = 4, CYCCNTENA) and DWT_CYCCNT, which counts core clock cycles while
/// CYCCNTENA is set (the scheduler's cycle count: the same cycles <c>--stats</c> reports). The
/// comparators, the profiling counters and the trace outputs are not modelled: their registers read 0
/// and warn once each. DEMCR.TRCENA (in the SCS) is not required (choice: the core's SCS does not model it).
/// </summary>
public sealed class CortexMDwt : IBusDevice, IDeviceModel, IStateful
{
    public const uint CTRL = 0x000, CYCCNT = 0x004;
    public const uint CYCCNTENA = 1u << 0;
    /// <summary>DWT_CTRL's read-only NUMCOMP field: the Cortex-M3 has four comparators (DDI 0337I §8.3).</summary>
    public const uint NumComp = 4u << 28;

    public static DeviceType Type { get; } = DeviceType.Define<CortexMDwt>("cortexm_dwt",
            "Cortex-M3 DWT cycle counter (ARMv7-M C1.8): DWT_CTRL.CYCCNTENA and DWT_CYCCNT counting core cycles")
        .Window(0x1000)
        .Build(c => new CortexMDwt(c.Name, c.Scheduler, c.Warn));

    private readonly string _name;
    private readonly Scheduler _s;
    private readonly Action<string> _warn;
    private uint _ctrl, _base;
    private long _since;

    public CortexMDwt(string name, Scheduler scheduler, Action<string> warn)
    {
        _name = name;
        _s = scheduler;
        _warn = warn;
    }

    public void Reset()
    {
        _ctrl = 0;
        _base = 0;
        _since = _s.Cycles;
    }

    /// <summary>CYCCNT now: the value written or held, plus the core cycles since while enabled (wrapping at 2^32).</summary>
    public uint CycleCount => (_ctrl & CYCCNTENA) != 0 ? unchecked(_base + (uint)(_s.Cycles - _since)) : _base;

    public void SaveState(StateWriter w) { w.Write(_ctrl); w.Write(_base); w.Write(_since); }
    public void LoadState(StateReader r) { _ctrl = r.ReadUInt(); _base = r.ReadUInt(); _since = r.ReadLong(); }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        uint off = address & 0xFFC;
        uint v = off switch
        {
            CTRL => NumComp | _ctrl,
            CYCCNT => CycleCount,
            _ => Unmodelled(off, "read"),
        };
        return PrimeCell.NarrowRead(v, address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        uint off = address & 0xFFC;
        value = PrimeCell.NarrowWrite(value, address, size);
        switch (off)
        {
            case CTRL:
                _base = CycleCount;
                _since = _s.Cycles;
                _ctrl = value & CYCCNTENA;
                if ((value & 0x0FFF_FFFE) != 0) _warn($"{_name}: DWT_CTRL = 0x{value:X8}: only CYCCNTENA is modelled (the profiling counters and trace events are not)");
                break;
            case CYCCNT:
                _base = value;
                _since = _s.Cycles;
                break;
            default: Unmodelled(off, "write"); break;
        }
    }

    private uint Unmodelled(uint off, string what)
    {
        _warn($"{_name}: {what} of DWT offset 0x{off:X3}: only DWT_CTRL.CYCCNTENA and DWT_CYCCNT are modelled (reads 0)");
        return 0;
    }
}
