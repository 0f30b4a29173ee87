using SocSim.Tests;

namespace SocSim.CortexM.Tests;

/// <summary>
/// Firmware that measures the timing table's row groups itself with DWT CYCCNT (<c>firmware/mps2/row_cycles.S</c>)
/// on mps2-an385 (Cortex-M3) and mps2-an386 (Cortex-M4F), with the data RAM (SSRAM2/3, System bus) at 0 and 1 wait
/// states; the code stays in zero-wait SSRAM1 on I-Code, so only the data accesses' wait states add. Each figure
/// is derived below from the TRMs (Cortex-M3 TRM DDI 0337I table 18-1 and 18.3, Cortex-M4 TRM DDI 0439B tables
/// 3-1 and 7-1) and the choices in docs/cortex-m.md "Timing". The core's own count (what --stats prints) is
/// checked to agree with every CYCCNT difference.
/// </summary>
public sealed class RowCyclesFirmwareTests
{
    private const uint Code = 0x100, Results = 0x2000_0000, StackTop = 0x2000_1000;

    /// <summary>The groups in the firmware's order, with their cycles for (M4, w).</summary>
    private static (string Group, int Cycles)[] Expected(bool m4, int w) =>
    [
        // Two NOPs and the first CYCCNT read's LDR (2; after a NOP, so not pipelined).
        ("empty", 4),
        // ADDS, ADD.W with shift, MOV, EOR: 1 each.
        ("data processing", 4),
        // M3: MUL 1, MLA 2, UMULL 3 (3 to 5: operands of 3 bits, the rule's minimum). M4: 1 each (single-cycle MAC).
        ("multiply", m4 ? 3 : 6),
        // UDIV 2 to 12: 2 when the dividend is below the divisor; 0xFFFFFFFF / 1: 2 + ceil(32 / 3) capped at 12.
        ("divide min", 2),
        ("divide max", 12),
        // LDR 2, STR right after it pipelined 1 (its address does not use the load's destination); each access + w.
        ("load/store single", 3 + 2 * w),
        // LDM {r0-r3} 1 + 4, STM {r0-r3} 1 + 4; eight accesses + w each.
        ("LDM/STM n = 4", 10 + 8 * w),
        // B taken to a 16-bit target: 1 + P, P = 1 (a target known at decode, zero-wait I-Code).
        ("branch taken", 2),
        // B<c> not taken: 1.
        ("branch not taken", 1),
        // IT after a 16-bit instruction that went straight on folds (0; docs "IT folding"), ADDEQ 1.
        ("IT + conditional", 1),
        // DMB 1, DSB 1 (B = 0), ISB 1 + P = 2.
        ("barriers", 4),
        // M4F (table 7-1): VADD 1, VMUL 1, VDIV 14, VLDR .32 2 + w.
        .. (m4 ? new[] { ("FP", 18 + w) } : Array.Empty<(string, int)>()),
    ];

    [Theory]
    [InlineData("mps2-an385", 0)]
    [InlineData("mps2-an385", 1)]
    [InlineData("mps2-an386", 0)]
    [InlineData("mps2-an386", 1)]
    public void FirmwareMeasuresEachRowGroupWithCyccnt(string board, int w)
    {
        bool m4 = board == "mps2-an386";
        string[] overrides = w == 0 ? [] : new[] { "readN", "readS", "writeN", "writeS" }.Select(k => $"memory.ssram23.waitStates.{k}={w}").ToArray();
        using var m = Machine.Create([Path.Combine(RepoPaths.Root, "boards", board + ".json")], overrides);
        var cpu = (CortexMCpu)m.Core;
        string source = File.ReadAllText(Path.Combine(RepoPaths.Root, "firmware", "mps2", "row_cycles.S"));
        m.Bus.DebugWrite(Code, Asm.Assemble((m4 ? ".set FPU, 1\n.fpu fpv4-sp-d16\n" : "") + source, m4 ? "cortex-m4" : "cortex-m3"));
        m.Bus.DebugWrite32(0, StackTop);
        m.Bus.DebugWrite32(4, Code | 1);
        cpu.Reset(0);
        // The core's count at each CYCCNT read (an LDR from [r7]: zero-wait code, so it starts without a fetch wait).
        var reads = new List<long>();
        for (int i = 0; i < 10_000 && cpu.State == CoreState.Running; i++)
        {
            if (cpu.DecodeAt(cpu.PC) is { Op: Op.Ldr, Rn: 7 }) reads.Add(cpu.Cycles);
            cpu.Step();
        }
        Assert.Equal(CoreState.Halted, cpu.State);
        var expected = Expected(m4, w);
        Assert.Equal(2 * expected.Length, reads.Count);
        for (int k = 0; k < expected.Length; k++)
        {
            uint cyccnt = m.Bus.DebugRead32(Results + 4u * (uint)k);
            int measured = (int)cyccnt - (k == 0 ? 0 : (int)m.Bus.DebugRead32(Results));
            Assert.True(expected[k].Cycles == measured, $"{expected[k].Group}: CYCCNT gives {measured}, the TRM {expected[k].Cycles}");
            Assert.Equal(reads[2 * k + 1] - reads[2 * k], (long)cyccnt);
        }
    }
}
