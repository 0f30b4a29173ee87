using SocSim.Core.Cores;

namespace SocSim.Arm;

/// <summary>Semihosting's trap on the ARM7TDMI: SWI 0x123456 in ARM state, SWI 0xAB in Thumb state (a call like any SWI that returned at once).</summary>
public sealed unsafe partial class ArmCpu : ISemihostingCore
{
    private Func<bool>? _semihostingCall;

    string ISemihostingCore.SemihostingTrap => "SWI 0x123456 (ARM) / SWI 0xAB (Thumb)";

    Func<bool>? ISemihostingCore.SemihostingCall
    {
        get => _semihostingCall;
        set
        {
            _semihostingCall = value;
            SwiHook = value == null ? null : (cpu, comment) => comment == (cpu.Thumb ? Semihosting.ThumbSwi : Semihosting.ArmSwi) && value();
        }
    }
}
