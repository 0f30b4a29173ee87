using SocSim.Tests;

namespace SocSim.CortexM.Tests;

/// <summary>
/// The first-abort warnings on a Cortex-M, as on the ARM7TDMI (docs/stuck-detection.md): the first bus error
/// at an address names the instruction, the access and the board's nearest region, once per address. On
/// mps2-an385, whose HardFault handler here returns to the faulting instruction (so it faults again and again).
/// </summary>
public sealed class BusFaultWarningTests
{
    private static List<string> Run(string code)
    {
        var warnings = new StringWriter();
        using var m = Machine.Create([Path.Combine(RepoPaths.Root, "boards", "mps2-an385.json")], [], new MachineOptions { Warnings = warnings });
        var cpu = (CortexMCpu)m.Core;
        m.Bus.DebugWrite32(0, 0x2000_1000);
        m.Bus.DebugWrite32(4, 0x101);
        m.Bus.DebugWrite32(4 * CortexMCpu.ExcHardFault, 0x81);
        m.Bus.DebugWrite(0x80, Asm.Assemble("bx lr"));           // back to the faulting instruction
        m.Bus.DebugWrite(0x100, Asm.Assemble(code));
        cpu.Reset(0);
        m.Run(20_000);
        return warnings.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    [Theory]
    // mov.w r0, #0x30000000 is 4 bytes: the load or store is at 0x104.
    [InlineData("mov r0, #0x30000000\nldr r1, [r0]\nb .", "BusFault at pc=0x00000104: 4-byte read of 0x30000000")]
    [InlineData("mov r0, #0x30000000\nstrh r1, [r0, #2]\nb .", "BusFault at pc=0x00000104: 2-byte write to 0x30000002")]
    // The fetch at 0x30000000 faults (IBUSERR), and again at each return to it: one warning.
    [InlineData("ldr r2, =0x30000001\nbx r2\n.ltorg", "BusFault at pc=0x30000000: instruction fetch from 0x30000000")]
    public void AnUnmappedAccessWarnsOnceNamingPcAccessAndTheNearestRegion(string code, string warning)
    {
        var w = Run(code);
        Assert.Equal([$"socsim: warning: {warning}, where nothing is mapped (nearest: memory 'psram' 0x21000000-0x21FFFFFF)"],
            w.Where(l => l.Contains("BusFault")));
    }
}
