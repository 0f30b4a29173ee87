using SocSim.Tests;

namespace SocSim.CortexM.Tests;

/// <summary>
/// The Cortex-M0's instruction timing (Cortex-M0 TRM DDI 0432C 3.3, table 3-1; <see cref="CortexM0Timing"/>) on
/// <c>boards/mps2-an383.json</c>: one case per instruction class, each expected figure derived from the table in
/// its comment. The code runs from ZBT SSRAM (zero wait states); a case that reads the FPGA I/O block (an APB
/// slave with 1 wait state on this board) shows the wait states add.
/// </summary>
public sealed class M0TimingTests
{
    private const uint Code = 0x100, StackTop = 0x2000_1000, SvcHandler = 0x80;

    /// <summary>
    /// Runs <paramref name="setup"/> and a NOP on mps2-an383, then returns the cycles of the next
    /// <paramref name="count"/> steps (instructions, or an exception entry), checking that the core's count and the
    /// scheduler's clock advance together.
    /// </summary>
    private static int Cycles(string setup, string code, int count = 1, params string[] overrides) =>
        Cycles([Path.Combine(RepoPaths.Root, "boards", "mps2-an383.json")], setup, code, count, overrides);

    /// <summary><see cref="Cycles(string, string, int, string[])"/> on the board <paramref name="boards"/> layers.</summary>
    internal static int Cycles(string[] boards, string setup, string code, int count = 1, params string[] overrides)
    {
        var lines = setup.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var m = Machine.Create(boards, overrides);
        var cpu = (CortexMCpu)m.Core;
        m.Bus.DebugWrite(Code, Asm.Assemble(string.Join('\n', lines) + "\nnop\n" + code + "\n.ltorg", "cortex-m0"));
        // The SVCall handler returns at once (exception 11's vector).
        m.Bus.DebugWrite(SvcHandler, Asm.Assemble("bx lr", "cortex-m0"));
        m.Bus.DebugWrite32(0, StackTop);
        m.Bus.DebugWrite32(4, Code | 1);
        m.Bus.DebugWrite32(4 * CortexMCpu.ExcSvCall, SvcHandler | 1);
        cpu.Reset(0);
        for (int i = 0; i <= lines.Length; i++) cpu.Step();
        long c0 = cpu.Cycles, s0 = m.Scheduler.Cycles;
        int sum = 0;
        for (int i = 0; i < count; i++) sum += cpu.Step();
        Assert.Equal(sum, cpu.Cycles - c0);
        Assert.Equal(sum, m.Scheduler.Cycles - s0);
        return sum;
    }

    [Theory]
    // Move, add, subtract, compare, logical, shift, extend, reverse: 1 each.
    [InlineData("MOVS Rd, #imm: 1", "", "movs r0, #1", 1)]
    [InlineData("MOV Rd, Rm (any): 1", "", "mov r8, r1", 1)]
    [InlineData("ADDS Rd, Rn, Rm: 1", "", "adds r0, r1, r2", 1)]
    [InlineData("ADD SP, SP, #imm: 1", "", "add sp, #8", 1)]
    [InlineData("ADR: 1", "", "adr r0, t\n.align 2\nt: nop", 1)]
    [InlineData("SBCS: 1", "", "sbcs r0, r1", 1)]
    [InlineData("RSBS Rd, Rn, #0: 1", "", "rsbs r0, r1, #0", 1)]
    [InlineData("CMP Rn, #imm: 1", "", "cmp r0, #3", 1)]
    [InlineData("ANDS: 1", "", "ands r0, r1", 1)]
    [InlineData("RORS by register: 1", "", "rors r0, r1", 1)]
    [InlineData("SXTH: 1", "", "sxth r0, r1", 1)]
    [InlineData("REV16: 1", "", "rev16 r0, r1", 1)]
    // Any to PC: 3 (1 + P, P = 2).
    [InlineData("MOV PC, Rm: 3", "ldr r1, =t", "mov pc, r1\nnop\nt: nop", 1 + CortexM0Timing.Refill)]
    [InlineData("ADD PC, PC, Rm: 3", "movs r1, #2", "add pc, r1\nnop\nnop\nnop", 3)]
    // Multiply: 1 with the fast multiplier (mps2-an383's choice, docs/cortex-m.md).
    [InlineData("MULS (fast): 1", "movs r1, #7", "muls r0, r1", 1)]
    // Loads and stores: 2 each, whatever precedes them (no pipelining on the M0: the M3 would give 2 + 1 here).
    [InlineData("LDR Rd, [Rn, #imm]: 2", "ldr r1, =0x20000100", "ldr r0, [r1, #4]", 2)]
    [InlineData("LDR then LDR: 2 + 2 (no pipelining)", "ldr r1, =0x20000100", "ldr r0, [r1]\nldr r2, [r1, #4]", 4, 2)]
    [InlineData("LDRSB Rd, [Rn, Rm]: 2", "ldr r1, =0x20000100\nmovs r2, #3", "ldrsb r0, [r1, r2]", 2)]
    [InlineData("LDR Rd, <label>: 2", "", "ldr r0, =0x12345678", 2)]
    [InlineData("LDR Rd, [SP, #imm]: 2", "", "ldr r0, [sp, #4]", 2)]
    [InlineData("STRH Rd, [Rn, #imm]: 2", "ldr r1, =0x20000100", "strh r0, [r1, #2]", 2)]
    [InlineData("STR Rd, [SP, #imm]: 2", "", "str r0, [sp, #4]", 2)]
    // Multiple: 1 + N.
    [InlineData("LDM Rn!, {3 registers}: 1 + 3", "ldr r1, =0x20000100", "ldm r1!, {r2, r3, r4}", 4)]
    [InlineData("STM Rn!, {2 registers}: 1 + 2", "ldr r1, =0x20000100", "stm r1!, {r2, r3}", 3)]
    [InlineData("PUSH {r4, lr}: 1 + 2", "", "push {r4, lr}", 3)]
    [InlineData("POP {r4, r5, r6}: 1 + 3", "push {r4, r5, r6}", "pop {r4, r5, r6}", 4)]
    // POP {..., PC}: 4 + N, N = 2 (r4 and pc).
    [InlineData("POP {r4, pc}: 4 + 2", "ldr r0, =t + 1\npush {r0}\npush {r4}", "pop {r4, pc}\nnop\nt: nop", 6)]
    // Branches: conditional 1 not taken, 3 taken; B 3; BL 4; BX 3; BLX 3.
    [InlineData("B<cc> not taken: 1", "movs r0, #1", "beq t\nt: nop", 1)]
    [InlineData("B<cc> taken: 3", "movs r0, #0", "beq t\nnop\nt: nop", 3)]
    [InlineData("B: 3", "", "b t\nnop\nt: nop", 3)]
    [InlineData("BL: 4", "", "bl t\nnop\nt: nop", CortexM0Timing.Bl + CortexM0Timing.Refill)]
    [InlineData("BX: 3", "ldr r1, =t + 1", "bx r1\nnop\nt: nop", 3)]
    [InlineData("BLX: 3", "ldr r1, =t + 1", "blx r1\nnop\nt: nop", 3)]
    // State change: CPSID/CPSIE 1, MRS 4, MSR 4.
    [InlineData("CPSID i: 1", "", "cpsid i", 1)]
    [InlineData("MRS: 4", "", "mrs r0, primask", 4)]
    [InlineData("MSR: 4", "", "msr primask, r0", 4)]
    // Hints: SEV, YIELD, NOP 1; WFE 2 (with the event set it does not sleep).
    [InlineData("SEV: 1", "", "sev", 1)]
    [InlineData("YIELD: 1", "", "yield", 1)]
    [InlineData("WFE (event set): 2", "sev", "wfe", 2)]
    // Barriers: 4.
    [InlineData("ISB: 4", "", "isb", 4)]
    [InlineData("DMB: 4", "", "dmb", 4)]
    [InlineData("DSB: 4", "", "dsb", 4)]
    // Exception entry 16 (SVC's entry: the table's "-"), and return 16 in place of BX LR's P: 1 + 16.
    [InlineData("SVC: entry 16", "", "svc #0", CortexM0Timing.Entry)]
    [InlineData("SVC entry 16, BX LR return 1 + 16", "", "svc #0", CortexM0Timing.Entry + 1 + CortexM0Timing.Return, 2)]
    public void TableRow(string row, string setup, string code, int cycles, int count = 1)
    {
        Assert.True(cycles == Cycles(setup, code, count), row);
    }

    [Fact]
    public void MulsTakes32CyclesWithTheSmallMultiplier()
    {
        // Table 3-1 footnote a: 32 cycles with the small multiplier.
        Assert.Equal(32, Cycles("movs r1, #7", "muls r0, r1", 1, "cpu.parameters.multiplyCycles=32"));
        var e = Assert.Throws<ArgumentException>(() => Cycles("", "nop", 1, "cpu.parameters.multiplyCycles=2"));
        Assert.Equal("cpu.parameters.multiplyCycles: 2; the Cortex-M0 multiplier takes 1 (fast) or 32 (small) cycles", e.Message);
    }

    [Fact]
    public void WfiCosts2AndThenSleeps()
    {
        using var m = Machine.Create([Path.Combine(RepoPaths.Root, "boards", "mps2-an383.json")]);
        var cpu = (CortexMCpu)m.Core;
        m.Bus.DebugWrite(Code, Asm.Assemble("wfi\nnop", "cortex-m0"));
        m.Bus.DebugWrite32(0, StackTop);
        m.Bus.DebugWrite32(4, Code | 1);
        cpu.Reset(0);
        Assert.Equal(CortexM0Timing.Sleep, cpu.Step());
        Assert.Equal(CoreState.Sleeping, cpu.State);
    }

    [Fact]
    public void ADataAccessToAnApbSlaveAddsItsWaitStates()
    {
        // LDR 2 + the FPGA I/O block's 2 read wait states (mps2-an383.json: the CMSDK AHB-to-APB bridge's
        // registered read data, boards/README.md).
        Assert.Equal(2 + 2, Cycles("ldr r1, =0x40028000", "ldr r0, [r1]"));
    }

    [Fact]
    public void TheBoardDeclaresTheMultiplier()
    {
        using var m = Machine.Create([Path.Combine(RepoPaths.Root, "boards", "mps2-an383.json")]);
        Assert.Equal(CortexM0Timing.MultiplyFast, ((CortexMCpu)m.Core).MultiplyCycles);
        Assert.NotNull(CortexMCoreTypes.M0.FindParameter(CortexMCoreTypes.MultiplyCyclesParameter));
        Assert.Null(CortexMCoreTypes.M3.FindParameter(CortexMCoreTypes.MultiplyCyclesParameter));
    }
}
