using SocSim.Core;
using SocSim.Core.State;

namespace SocSim.CortexM;

/// <summary>
/// The Data Watchpoint and Trace unit at 0xE0001000 (ARMv7-M C1.8; Cortex-M3 TRM DDI 0337I 11.5): CTRL with
/// four comparators, CYCCNT (the core's cycles, 32 bits), the 8-bit profiling counters CPICNT, EXCCNT,
/// SLEEPCNT, LSUCNT, FOLDCNT, PCSR, and COMP/MASK/FUNCTION 0-3 (watchpoints, <see cref="CortexMCpu.SetComparator"/>).
/// A counter runs while its CTRL enable and DEMCR.TRCENA are both set, and holds its value otherwise; it is
/// computed lazily from the core's counts, so an idle DWT costs nothing. A read of CYCCNT returns the core's
/// cycle count when the reading instruction began executing, after any wait for its fetch (a constant offset
/// from the data phase: differences are exact; <see cref="CortexMCpu.ExecuteCycles"/>). No trace packets are emitted (no TPIU).
/// <para>On ARMv6-M (the Cortex-M0; ARMv6-M ARM DDI 0419 C1.8, Cortex-M0 TRM DDI 0432C) the DWT has only PCSR and
/// two watchpoint comparators (COMP/MASK/FUNCTION 0-1): CTRL reads NUMCOMP = 2 and nothing else, there is no
/// CYCCNT and no profiling counter. Chosen for the absent registers (CYCCNT..FOLDCNT, comparators 2-3, CTRL's
/// enables), where DDI 0419 calls the addresses reserved: RAZ/WI, so firmware reading CYCCNT reads 0, as on an
/// M0 without the counter.</para>
/// <para>The DWT is on the Private Peripheral Bus and privileged only (ARMv7-M B3.1.1 "unprivileged access to the PPB
/// causes BusFault errors unless otherwise stated", C1.2.1): an unprivileged access (nPRIV Thread mode, or LDRT/STRT)
/// aborts with no effect, which the core takes as a precise BusFault with BFAR, as the SCS does.</para>
/// </summary>
public sealed class DataWatchpointTrace : IBusDevice
{
    public const uint Base = 0xE000_1000, Size = 0x1000;

    private readonly CortexMCpu _cpu;
    private uint _ctrl;
    // CYCCNT, CPICNT, EXCCNT, SLEEPCNT, LSUCNT, FOLDCNT: the value when last synchronised, the source count then, and whether it runs.
    private readonly uint[] _value = new uint[6];
    private readonly long[] _mark = new long[6];
    private readonly bool[] _running = new bool[6];
    private static readonly int[] EnableBit = [0, 17, 18, 19, 20, 21];
    private static readonly uint[] Width = [0xFFFF_FFFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];

    private readonly bool _v6m;
    private readonly int _comparators;

    public DataWatchpointTrace(CortexMCpu cpu)
    {
        _cpu = cpu;
        _v6m = cpu.Profile == CortexMProfile.V6M;
        _comparators = _v6m ? ArmV6MComparators : CortexMCpu.Comparators;
        cpu.DebugControlChanged += Sync;
        cpu.SystemReset += Reset;
    }

    /// <summary>The Cortex-M0's watchpoint comparators (DDI 0432C: two, when the debug is implemented).</summary>
    public const int ArmV6MComparators = 2;

    public void Reset()
    {
        _ctrl = 0;
        Array.Clear(_value); Array.Clear(_running);
        for (int n = 0; n < CortexMCpu.Comparators; n++) _cpu.SetComparator(n, 0, 0, 0);
        Sync();
    }

    private long Source(int k) => k switch
    {
        0 => _cpu.ExecuteCycles,
        1 => _cpu.CpiCycles,
        2 => _cpu.ExceptionCycles,
        3 => _cpu.SleepCycles,
        4 => _cpu.LsuCycles,
        _ => _cpu.FoldedInstructions,
    };

    private uint Value(int k) => _running[k] ? (uint)(_value[k] + (Source(k) - _mark[k])) & Width[k] : _value[k];

    private void Set(int k, uint v)
    {
        _value[k] = v & Width[k];
        _mark[k] = Source(k);
    }

    /// <summary>CTRL and each counter's value and run state (the comparators are the core's).</summary>
    public void SaveState(StateWriter w)
    {
        w.Write(_ctrl);
        for (int k = 0; k < 6; k++) { w.Write(Value(k)); w.Write(_running[k]); }
    }

    /// <summary>Restores what <see cref="SaveState"/> wrote; the core's counts must be restored first.</summary>
    public void LoadState(StateReader r)
    {
        _ctrl = r.ReadUInt();
        for (int k = 0; k < 6; k++) { Set(k, r.ReadUInt()); _running[k] = r.ReadBool(); }
    }

    /// <summary>Starts or holds each counter from its CTRL enable and DEMCR.TRCENA.</summary>
    private void Sync()
    {
        for (int k = 0; k < 6; k++)
        {
            Set(k, Value(k));
            _running[k] = _cpu.TraceEnabled && (_ctrl & (1u << EnableBit[k])) != 0;
        }
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        if (!_cpu.DataAccessPrivileged) { abort = true; return 0; }
        uint off = address - Base, word = ReadWord(off & ~3u);
        return size == 4 ? word : (word >> (int)(8 * (off & 3))) & (size == 1 ? 0xFFu : 0xFFFFu);
    }

    private uint ReadWord(uint off)
    {
        switch (off)
        {
            case 0x000: return (uint)_comparators << 28 | _ctrl;
            case >= 0x004 and <= 0x018: return _v6m ? 0 : Value((int)(off - 4) / 4);
            case 0x01C: return _cpu.PC;                                   // PCSR: a sample of the PC
            case >= 0x020 and < 0x060:
                {
                    int n = (int)(off - 0x20) / 16;
                    if (n >= _comparators) return 0;
                    return ((off - 0x20) % 16) switch { 0 => _cpu.GetComparator(n), 4 => _cpu.GetComparatorMask(n), 8 => _cpu.ReadComparatorFunction(n), _ => 0 };
                }
            default: return 0;
        }
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        if (!_cpu.DataAccessPrivileged) { abort = true; return; }
        uint off = (address - Base) & ~3u;
        switch (off)
        {
            case 0x000 when !_v6m: Sync(); _ctrl = value & 0x003F_1FFF; Sync(); break;   // the event enables, POSTPRESET/POSTINIT, CYCTAP, SYNCTAP, PCSAMPLENA, EXCTRCENA...
            case >= 0x004 and <= 0x018 when !_v6m: Set((int)(off - 4) / 4, value); break;
            case >= 0x020 and < 0x060:
                {
                    int n = (int)(off - 0x20) / 16;
                    if (n >= _comparators) break;
                    uint comp = _cpu.GetComparator(n), mask = _cpu.GetComparatorMask(n), function = _cpu.ReadComparatorFunction(n) & 15;
                    switch ((off - 0x20) % 16)
                    {
                        case 0: comp = value; break;
                        case 4: mask = value; break;
                        case 8: function = value; break;
                    }
                    _cpu.SetComparator(n, comp, mask, function);
                    break;
                }
        }
    }
}
