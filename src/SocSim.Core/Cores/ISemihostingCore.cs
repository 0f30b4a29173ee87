namespace SocSim.Core.Cores;

/// <summary>
/// A core with a semihosting trap (the ARM "Semihosting" specification): the operation in r0, its parameter
/// block in r1, the result back in r0 (<see cref="ICore.ReadRegister"/>/<see cref="ICore.WriteRegister"/>,
/// indices 0 and 1). ARM cores trap SWI 0x123456 (ARM state) and SWI 0xAB (Thumb state); M-profile cores BKPT 0xAB.
/// </summary>
public interface ISemihostingCore
{
    /// <summary>The trap's instructions, for messages.</summary>
    string SemihostingTrap { get; }

    /// <summary>The bus the host reads and writes the target's memory through (debug accesses, no time).</summary>
    Bus Bus { get; }

    /// <summary>Called at the trap; returns true when it handled the call (the core goes on after the trap instruction), false to let the core take it as it would without a host.</summary>
    Func<bool>? SemihostingCall { get; set; }
}
