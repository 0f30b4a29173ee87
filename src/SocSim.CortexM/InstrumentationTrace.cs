using SocSim.Core;
using SocSim.Core.State;

namespace SocSim.CortexM;

/// <summary>
/// The Instrumentation Trace Macrocell at 0xE0000000 (ARMv7-M C1.7; DDI 0337I 11.6): 32 stimulus ports, TER,
/// TPR, TCR and the lock (LAR/LSR). A write to stimulus port n while DEMCR.TRCENA, TCR.ITMENA and TER bit n are
/// set is delivered at once to <see cref="Stimulus"/> (port, value, size in bytes): a machine routes port 0 to
/// an output stream like a console (CMSIS ITM_SendChar writes one byte there). A stimulus port reads 1
/// (FIFOREADY) while the ITM is enabled, else 0. TER, TPR and TCR ignore writes until software unlocks them by
/// writing 0xC5ACCE55 to LAR (a host or debugger sets them through the properties).
/// <para>Privilege: the ITM is on the Private Peripheral Bus, privileged only "unless otherwise stated" (ARMv7-M
/// B3.1.1); the cores' TRMs state otherwise (Cortex-M3 DDI 0337E 11.6.1 and DDI 0337G p. 11-33, Cortex-M4 DDI 0439
/// ITM chapter): unprivileged code reads every ITM register, and its writes are accepted only to a stimulus port n
/// whose TPR.PRIVMASK bit n/8 is clear (each bit guards a group of 8 ports) and to TER; every other unprivileged
/// write is discarded (no fault, no effect). Chosen for TER (the TRMs tie it to "the corresponding Trace Privilege
/// Register bit" without more): an unprivileged TER write is taken only if every TER bit it changes belongs to a
/// port group whose PRIVMASK bit is clear, else it is discarded whole (docs/cortex-m.md).</para>
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
    /// <summary>TPR: PRIVMASK (bits 3:0), one bit per group of 8 stimulus ports; set: privileged access only.</summary>
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

    /// <summary>The TER bits of the port groups whose PRIVMASK bit is set (privileged access only).</summary>
    private uint PrivilegedPorts()
    {
        uint mask = 0;
        for (int g = 0; g < 4; g++)
            if ((Tpr & (1u << g)) != 0) mask |= 0xFFu << (8 * g);
        return mask;
    }

    /// <summary>Whether the write in progress to <paramref name="off"/> is taken: privileged, or unprivileged to a
    /// stimulus port whose group is open, or to TER changing only open groups' bits (DDI 0337G p. 11-33).</summary>
    private bool WriteTaken(uint off, uint value)
    {
        if (_cpu.DataAccessPrivileged) return true;
        if (off < 0x80) return (PrivilegedPorts() & (1u << (int)(off / 4))) == 0;
        return (off & ~3u) == 0xE00 && ((value ^ Ter) & PrivilegedPorts()) == 0;
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
        if (!WriteTaken(off, value)) return;
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
