using SocSim.Core;
using SocSim.Core.Cores;

namespace SocSim.CortexM;

/// <summary>Semihosting's trap on the Cortex-M: BKPT 0xAB (<see cref="CortexMCpu.Semihosting"/>), the call completing in the BKPT's cycle.</summary>
public sealed partial class CortexMCpu : ISemihostingCore
{
    private Func<bool>? _semihostingCall;

    string ISemihostingCore.SemihostingTrap => "BKPT 0xAB";

    Bus ISemihostingCore.Bus => _bus;

    Func<bool>? ISemihostingCore.SemihostingCall
    {
        get => _semihostingCall;
        set
        {
            _semihostingCall = value;
            Semihosting = value == null ? null : _ => value();
        }
    }
}
