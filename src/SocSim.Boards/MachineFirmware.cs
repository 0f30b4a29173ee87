using SocSim.Boards.Elf;

namespace SocSim;

/// <summary>How firmware starts on the board's core, and the firmware a core cannot run.</summary>
public sealed partial class Machine
{
    /// <summary>
    /// Why the board's core cannot run <paramref name="elf"/> (one line), or null. The ELF's build attributes
    /// (Tag_CPU_arch, Tag_CPU_arch_profile) name the architecture: an M-profile core runs only M-profile
    /// Thumb code, a classic ARM core none of it. Without attributes an M-profile core needs a Thumb entry point.
    /// </summary>
    private string? FirmwareProfileProblem(ElfFile elf)
    {
        var core = Board.Cpu.Type;
        var attributes = elf.ArmAttributes;
        if (core.MProfile)
        {
            if (attributes != null && !attributes.IsMProfile && attributes.CpuArch != null)
                return $"built for {attributes.Describe()} (its .ARM.attributes), not an M-profile architecture: {core.Name} executes only Thumb code for ARMv6-M/ARMv7-M (build with -mcpu={core.Name.Replace("cortex-m4f", "cortex-m4")} -mthumb)";
            if (attributes == null && !elf.EntryIsThumb)
                return $"entry point 0x{elf.Entry:X8} is ARM state (bit 0 clear) and the file has no M-profile build attributes: {core.Name} executes only Thumb code";
        }
        else if (attributes is { IsMProfile: true })
            return $"built for {attributes.Describe()} (its .ARM.attributes), an M-profile architecture that {core.Name} cannot run: use a board with a Cortex-M core (mps2-an385)";
        return null;
    }

    /// <summary>
    /// Starts the core after a load or reset. An M-profile core starts as QEMU's <c>-kernel</c> starts M-profile
    /// firmware (and as silicon leaves reset, ARMv7-M B1.5.5): SP and PC from the vector table at address 0,
    /// which must be in memory and hold a Thumb reset vector; other cores start at <paramref name="entry"/>.
    /// </summary>
    private void StartCore(uint entry, Func<string, Exception> error)
    {
        if (!Board.Cpu.Type.MProfile)
        {
            Core.ResetTo(entry);
            return;
        }
        if (!Board.Memory.Any(r => r.Base == 0 && r.End >= 8))
            throw error($"the vector table at 0x00000000 is outside memory: {Board.Cpu.Type.Name} reads its initial SP and reset vector there, and no memory region of the board covers 0x00000000-0x00000007");
        uint reset = Bus.DebugRead32(4);
        if ((reset & 1) == 0)
            throw error($"the reset vector (word 1 of the vector table at 0x00000000) is 0x{reset:X8}, without the Thumb bit: {Board.Cpu.Type.Name} would take a HardFault (INVSTATE) at its first instruction (a vector is a Thumb function's address + 1)");
        Core.Reset();
    }
}
