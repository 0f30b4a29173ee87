using SocSim.Core;
using SocSim.Core.State;

namespace SocSim.CortexM;

/// <summary>
/// The Instrumentation Trace Macrocell at 0xE0000000 (ARMv7-M C1.7; DDI 0337I 11.6): 32 stimulus ports, TER,
/// TPR, TCR and the lock (LAR/LSR). A write to stimulus port n while DEMCR.TRCENA, TCR.ITMENA and TER bit n are
/// set is delivered at once to <see cref="Stimulus"/> (port, value, size in bytes): a machine routes port 0 to
/// an output stream like a console (CMSIS ITM_SendChar writes one byte there). A stimulus port reads 1
/// (FIFOREADY) while the ITM is enabled, else 0. TER, TPR and TCR ignore writes until software unlocks them by
/// writing 0xC5ACCE55 to LAR (a host or debugger sets them through the properties). TPR's
/// unprivileged-access masks are stored and not enforced.
/// </summary>
public sealed class InstrumentationTrace : IBusDevice
{
    public const uint Base = 0xE000_0000, Size = 0x1000, UnlockKey = 0xC5AC_CE55;

    private readonly CortexMCpu _cpu;
    private bool _locked = true;

    public InstrumentationTrace(CortexMCpu cpu)
    {
        _cpu = cpu;
        cpu.SystemReset += Reset;
    }

    /// <summary>TER: the enabled stimulus ports.</summary>
    public uint Ter { get; set; }
    /// <summary>TPR: stored.</summary>
    public uint Tpr { get; set; }
    /// <summary>TCR: ITMENA is bit 0; the other bits are stored.</summary>
    public uint Tcr { get; set; }

    /// <summary>A stimulus write: port, value, size in bytes.</summary>
    public event Action<int, uint, int>? Stimulus;

    private bool Enabled => _cpu.TraceEnabled && (Tcr & 1) != 0;

    public void Reset()
    {
        Ter = 0; Tpr = 0; Tcr = 0; _locked = true;
    }

    public void SaveState(StateWriter w)
    {
        w.Write(Ter); w.Write(Tpr); w.Write(Tcr); w.Write(_locked);
    }

    public void LoadState(StateReader r)
    {
        Ter = r.ReadUInt(); Tpr = r.ReadUInt(); Tcr = r.ReadUInt(); _locked = r.ReadBool();
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        uint off = address - Base;
        uint word = (off & ~3u) switch
        {
            < 0x80 => Enabled ? 1u : 0u,
            0xE00 => Ter,
            0xE40 => Tpr,
            0xE80 => Tcr,
            0xFB4 => 1u | (_locked ? 2u : 0),     // LSR: lock implemented, locked
            _ => 0,
        };
        return size == 4 ? word : (word >> (int)(8 * (off & 3))) & (size == 1 ? 0xFFu : 0xFFFFu);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        uint off = address - Base;
        if (off < 0x80)
        {
            int port = (int)(off / 4);
            if (Enabled && (Ter & (1u << port)) != 0)
                Stimulus?.Invoke(port, size == 4 ? value : value & (size == 1 ? 0xFFu : 0xFFFFu), size);
            return;
        }
        switch (off & ~3u)
        {
            case 0xFB0: _locked = value != UnlockKey; return;
        }
        if (_locked) return;
        switch (off & ~3u)
        {
            case 0xE00: Ter = value; break;
            case 0xE40: Tpr = value & 0xF; break;
            case 0xE80: Tcr = value & 0x00FF_FF1F; break;
        }
    }
}
