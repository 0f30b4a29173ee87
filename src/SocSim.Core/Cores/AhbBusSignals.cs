using SocSim.Core.Signals;

namespace SocSim.Core.Cores;

/// <summary>
/// A core's AHB-Lite transfers as its trace shows them (the Cortex-M's and the ARM926EJ-S's): HADDR, HWRITE,
/// HSIZE, <c>data</c> (HRDATA or HWDATA) and <c>fetch</c> (an instruction fetch), changing at each N or S cycle.
/// </summary>
public sealed class AhbBusSignals
{
    private readonly Signal _haddr, _hwrite, _hsize, _data, _fetch;

    public AhbBusSignals(SignalRegistry r, string scope)
    {
        _haddr = r.Declare(scope, "HADDR", 32);
        _hwrite = r.Declare(scope, "HWRITE", 1);
        _hsize = r.Declare(scope, "HSIZE", 2, initial: 2);
        _data = r.Declare(scope, "data", 32);
        _fetch = r.Declare(scope, "fetch", 1);
    }

    /// <summary>Whether any of them is traced (the bus observer is needed).</summary>
    public bool Enabled => _haddr.Enabled || _hwrite.Enabled || _hsize.Enabled || _data.Enabled || _fetch.Enabled;

    public void OnBusCycle(in BusCycle c, Scheduler s)
    {
        if (c.Kind is not (CycleKind.N or CycleKind.S)) return;
        long t = s.TimeOfCycle(c.Cycle);
        _haddr.Set(t, c.Address);
        _hwrite.Set(t, c.IsWrite);
        _hsize.Set(t, c.Size switch { 1 => 0UL, 2 => 1UL, _ => 2UL });
        _data.Set(t, c.Data);
        _fetch.Set(t, c.IsOpcodeFetch);
    }
}
