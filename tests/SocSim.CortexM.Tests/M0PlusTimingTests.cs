using SocSim.Tests;

namespace SocSim.CortexM.Tests;

/// <summary>
/// The Cortex-M0+ (<c>cortex-m0plus</c>; Cortex-M0+ TRM DDI 0484C 3.3, table 3-1; <see cref="CortexM0PlusTiming"/>)
/// on <c>boards/mps2-an383.json</c> with <c>boards/overrides/mps2-an383-m0plus.json</c>: one case per row the M0+
/// changes from the M0 (each figure from the table in its comment; the M0's in brackets), and the rows it keeps.
/// </summary>
public sealed class M0PlusTimingTests
{
    private static readonly string[] Board =
        [Path.Combine(RepoPaths.Root, "boards", "mps2-an383.json"), Path.Combine(RepoPaths.Root, "boards", "overrides", "mps2-an383-m0plus.json")];

    [Theory]
    // Branches: P = 1 (the two-stage pipeline). B<cc> taken 2 [3], not taken 1; B 2 [3]; BL 3 [4]; BX, BLX 2 [3].
    [InlineData("B<cc> taken: 2", "movs r0, #0", "beq t\nnop\nt: nop", 2)]
    [InlineData("B<cc> not taken: 1", "movs r0, #1", "beq t\nt: nop", 1)]
    [InlineData("B: 2", "", "b t\nnop\nt: nop", 2)]
    [InlineData("BL: 3", "", "bl t\nnop\nt: nop", 3)]
    [InlineData("BX: 2", "ldr r1, =t + 1", "bx r1\nnop\nt: nop", 2)]
    [InlineData("BLX: 2", "ldr r1, =t + 1", "blx r1\nnop\nt: nop", 2)]
    // Any to PC: MOV PC, Rm 2 [3]; ADD PC, PC, Rm 2 [3].
    [InlineData("MOV PC, Rm: 2", "ldr r1, =t", "mov pc, r1\nnop\nt: nop", 2)]
    [InlineData("ADD PC, PC, Rm: 2", "movs r1, #2", "add pc, r1\nnop\nnop\nnop", 2)]
    // POP {..., PC}: 3 + N [4 + N], N = 2 (r4 and pc).
    [InlineData("POP {r4, pc}: 3 + 2", "ldr r0, =t + 1\npush {r0}\npush {r4}", "pop {r4, pc}\nnop\nt: nop", 5)]
    // MRS, MSR 3 [4]; ISB, DMB, DSB 3 [4].
    [InlineData("MRS: 3", "", "mrs r0, primask", 3)]
    [InlineData("MSR: 3", "", "msr primask, r0", 3)]
    [InlineData("ISB: 3", "", "isb", 3)]
    [InlineData("DMB: 3", "", "dmb", 3)]
    [InlineData("DSB: 3", "", "dsb", 3)]
    // Unchanged: data processing 1, MULS 1 (fast), loads and stores 2 (no I/O port on MPS2), LDM/PUSH 1 + N, WFE 2.
    [InlineData("ADDS: 1", "", "adds r0, r1, r2", 1)]
    [InlineData("MULS (fast): 1", "movs r1, #7", "muls r0, r1", 1)]
    [InlineData("LDR then LDR: 2 + 2", "ldr r1, =0x20000100", "ldr r0, [r1]\nldr r2, [r1, #4]", 4, 2)]
    [InlineData("STR: 2", "ldr r1, =0x20000100", "str r0, [r1]", 2)]
    [InlineData("LDM {3 registers}: 1 + 3", "ldr r1, =0x20000100", "ldm r1!, {r2, r3, r4}", 4)]
    [InlineData("PUSH {r4, lr}: 1 + 2", "", "push {r4, lr}", 3)]
    [InlineData("WFE (event set): 2", "sev", "wfe", 2)]
    // Exception entry 15 [16]; return 15 in place of BX LR's P: 15 + 1 + 15.
    [InlineData("SVC: entry 15", "", "svc #0", 15)]
    [InlineData("SVC entry 15, BX LR return 1 + 15", "", "svc #0", 15 + 1 + 15, 2)]
    public void TableRow(string row, string setup, string code, int cycles, int count = 1)
    {
        Assert.True(cycles == M0TimingTests.Cycles(Board, setup, code, count), row);
    }

    [Fact]
    public void TheBoardOptionMakesACortexM0PlusThatSaysSo()
    {
        using var m = Machine.Create(Board);
        var cpu = (CortexMCpu)m.Core;
        Assert.Equal(CortexMProfile.V6M, cpu.Profile);
        Assert.True(cpu.IsM0Plus);
        // CPUID (DDI 0484C 4.3): implementer ARM, PARTNO 0xC60, r0p1.
        m.Bus.DebugWrite(0x100, Asm.Assemble("ldr r1, =0xE000ED00\nldr r0, [r1]\n.ltorg", "cortex-m0plus"));
        m.Bus.DebugWrite32(0, 0x2000_1000);
        m.Bus.DebugWrite32(4, 0x101);
        cpu.Reset(0);
        cpu.Step(); cpu.Step();
        Assert.Equal(SystemControlSpace.CpuidM0Plus, cpu.GetRegister(0));
    }
}
