using SocSim.Core.State;

namespace SocSim.CortexM;

public sealed partial class SystemControlSpace
{
    /// <summary>SysTick (its registers and the lazy count's origin), AIRCR.PRIGROUP, CCR; the wrap event is the scheduler's.</summary>
    public void SaveState(StateWriter w)
    {
        w.Write(_csr); w.Write(_rvr); w.Write(_calib);
        w.Write(_startCycle); w.Write(_startValue);
        w.Write((uint)_cpu.Prigroup); w.Write(_ccr);
        w.Write(ResetRequested);
    }

    public void LoadState(StateReader r)
    {
        _csr = r.ReadUInt(); _rvr = r.ReadUInt(); _calib = r.ReadUInt();
        _startCycle = r.ReadLong(); _startValue = r.ReadUInt();
        _cpu.Prigroup = (int)r.ReadUInt(); _ccr = r.ReadUInt();
        ResetRequested = r.ReadBool();
    }
}
