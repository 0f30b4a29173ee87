using SocSim.Core;

namespace SocSim.CortexM.Tests;

/// <summary>
/// One case per row of the Cortex-M3 TRM's instruction-timing table (DDI 0337I table 3-1 / 18-1), on
/// zero-wait RAM, with the rules chosen where the table gives a range (docs/cortex-m.md): P is 1 for a
/// branch whose target is known at decode, 2 for a register or loaded target, +1 for a 32-bit target at a
/// halfword address; loads pipeline behind loads (18.3); the clock of the scheduler advances by the same
/// cycles as the core's count.
/// </summary>
public sealed class TimingTests
{
    /// <summary>
    /// Runs <paramref name="setup"/> (one instruction per line) and a NOP (so nothing pipelines into the
    /// measured instruction), then returns the cycles of the next <paramref name="count"/> instructions.
    /// </summary>
    private static int Cycles(string setup, string code, int count = 1, WaitStates? slow = null, uint at = TestCore.Code)
    {
        var lines = setup.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var t = new TestCore(slow: slow);
        t.Load(string.Join('\n', lines) + "\nnop\n" + code + "\n.ltorg", at);
        t.Bus.DebugWrite32(4, at | 1);
        t.Reset();
        for (int i = 0; i <= lines.Length; i++) t.Cpu.Step();
        long c0 = t.Cpu.Cycles, s0 = t.Scheduler.Cycles;
        int sum = 0;
        for (int i = 0; i < count; i++) sum += t.Cpu.Step();
        Assert.Equal(sum, t.Cpu.Cycles - c0);
        Assert.Equal(sum, t.Scheduler.Cycles - s0);
        return sum;
    }

    private const string Data = "ldr r1, =0x4000\nldr r2, =0x4008\nmovs r3, #4";

    [Theory]
    // Move
    [InlineData("MOV Rd, op2", "", "mov r0, r1", 1)]
    [InlineData("MOVW", "", "movw r0, #0x1234", 1)]
    [InlineData("MOVT", "", "movt r0, #0x1234", 1)]
    [InlineData("MOV PC, Rm (1+P, P=2)", "ldr r1, =t", "mov pc, r1\nnop\nt: nop", 3)]
    // Add, subtract
    [InlineData("ADD Rd, Rn, op2", "", "add.w r0, r1, r2, lsl #3", 1)]
    [InlineData("ADD PC, PC, Rm (1+P)", "movs r1, #2", "add pc, r1\nnop\nnop\nnop", 3)]
    [InlineData("ADC", "", "adc r0, r1, #7", 1)]
    [InlineData("ADR", "", "adr r0, t\nt: nop", 1)]
    [InlineData("SUB", "", "sub r0, r1, r2", 1)]
    [InlineData("SBC", "", "sbc r0, r1, r2", 1)]
    [InlineData("RSB", "", "rsb r0, r1, #9", 1)]
    // Multiply
    [InlineData("MUL", "", "mul r0, r1, r2", 1)]
    [InlineData("MLA", "", "mla r0, r1, r2, r3", 2)]
    [InlineData("MLS", "", "mls r0, r1, r2, r3", 2)]
    [InlineData("SMULL small (3)", "movs r2, #100", "smull r0, r1, r2, r2", 3)]
    [InlineData("SMULL 20-bit (4)", "ldr r2, =0x80000", "smull r0, r1, r3, r2", 4)]
    [InlineData("UMULL 32-bit (5)", "ldr r2, =0xFFFFFFFF", "umull r0, r1, r3, r2", 5)]
    [InlineData("SMLAL small (4)", "movs r2, #3\nmovs r3, #3", "smlal r0, r1, r2, r3", 4)]
    [InlineData("UMLAL large (7)", "ldr r2, =0xFFFFFFFF\nldr r3, =0xFFFFFFFF", "umlal r0, r1, r2, r3", 7)]
    // Divide: 2 + ceil(quotient bits / 3), 2..12
    [InlineData("UDIV 100/7 (4)", "movs r1, #100\nmovs r2, #7", "udiv r0, r1, r2", 4)]
    [InlineData("UDIV max/1 (12)", "ldr r1, =0xFFFFFFFF\nmovs r2, #1", "udiv r0, r1, r2", 12)]
    [InlineData("UDIV small/large (2)", "movs r1, #1\nmovs r2, #5", "udiv r0, r1, r2", 2)]
    [InlineData("SDIV by zero (2)", "movs r1, #100\nmovs r2, #0", "sdiv r0, r1, r2", 2)]
    [InlineData("SDIV -1000/10 (5)", "ldr r1, =-1000\nmovs r2, #10", "sdiv r0, r1, r2", 5)]
    // Saturate, compare, logical, shift, count
    [InlineData("SSAT", "", "ssat r0, #8, r1", 1)]
    [InlineData("USAT", "", "usat r0, #8, r1, lsl #2", 1)]
    [InlineData("CMP", "", "cmp r0, r1", 1)]
    [InlineData("CMN", "", "cmn.w r0, #5", 1)]
    [InlineData("AND", "", "and r0, r1, r2", 1)]
    [InlineData("EOR", "", "eor r0, r1, #0xFF00", 1)]
    [InlineData("ORR", "", "orr r0, r1", 1)]
    [InlineData("ORN", "", "orn r0, r1, r2", 1)]
    [InlineData("BIC", "", "bic r0, r1, #3", 1)]
    [InlineData("MVN", "", "mvn r0, r1", 1)]
    [InlineData("TST", "", "tst r0, #1", 1)]
    [InlineData("TEQ", "", "teq r0, r1", 1)]
    [InlineData("LSL", "", "lsl r0, r1, #3", 1)]
    [InlineData("LSR by register", "", "lsr.w r0, r1, r2", 1)]
    [InlineData("ASR", "", "asrs r0, r1, #1", 1)]
    [InlineData("ROR", "", "ror r0, r1, r2", 1)]
    [InlineData("RRX", "", "rrx r0, r1", 1)]
    [InlineData("CLZ", "", "clz r0, r1", 1)]
    // Load
    [InlineData("LDR word", Data, "ldr r0, [r1]", 2)]
    [InlineData("LDRH", Data, "ldrh r0, [r1, #2]", 2)]
    [InlineData("LDRB", Data, "ldrb.w r0, [r1, r3]", 2)]
    [InlineData("LDRSH", Data, "ldrsh r0, [r1, r3]", 2)]
    [InlineData("LDRSB", Data, "ldrsb.w r0, [r1, #-1]", 2)]
    [InlineData("LDRT", Data, "ldrt r0, [r1, #4]", 2)]
    [InlineData("LDR literal", "", "ldr r0, =0x12345678", 2)]
    [InlineData("LDR PC (2+P)", "ldr r1, =0x4000\nldr r2, =t+1\nstr r2, [r1]", "ldr pc, [r1]\nnop\nt: nop", 4)]
    [InlineData("LDRD (1+N)", Data, "ldrd r4, r5, [r1]", 3)]
    [InlineData("LDM (1+N)", Data, "ldm r1, {r4, r5, r6}", 4)]
    [InlineData("LDM with PC (1+N+P)", "ldr r1, =0x4000\nldr r2, =t+1\nstr r2, [r1, #4]", "ldm r1, {r4, pc}\nnop\nt: nop", 5)]
    // Store
    [InlineData("STR word", Data, "str r0, [r1]", 2)]
    [InlineData("STRH", Data, "strh r0, [r1, #2]", 2)]
    [InlineData("STRB", Data, "strb r0, [r1, r3]", 2)]
    [InlineData("STRT", Data, "strt r0, [r1]", 2)]
    [InlineData("STRD (1+N)", Data, "strd r4, r5, [r1, #8]", 3)]
    [InlineData("STM (1+N)", Data, "stmia r1!, {r4, r5, r6, r7}", 5)]
    // Push, pop
    [InlineData("PUSH (1+N)", "", "push {r4, r5}", 3)]
    [InlineData("PUSH with LR (1+N)", "", "push {r4, r5, lr}", 4)]
    [InlineData("POP (1+N)", "", "pop {r4, r5}", 3)]
    [InlineData("POP and return (1+N+P)", "ldr r0, =t+1\npush {r0}", "pop {pc}\nnop\nt: nop", 4)]
    // Semaphore
    [InlineData("LDREX", Data, "ldrex r0, [r1]", 2)]
    [InlineData("LDREXH", Data, "ldrexh r0, [r1]", 2)]
    [InlineData("LDREXB", Data, "ldrexb r0, [r1]", 2)]
    [InlineData("STREX", Data, "strex r0, r3, [r1]", 2)]
    [InlineData("STREXH", Data, "strexh r0, r3, [r1]", 2)]
    [InlineData("STREXB", Data, "strexb r0, r3, [r1]", 2)]
    [InlineData("CLREX", "", "clrex", 1)]
    // Branch
    [InlineData("B<cc> not taken (1)", "movs r0, #1", "beq t\nnop\nt: nop", 1)]
    [InlineData("B<cc> taken (1+P, P=1)", "movs r0, #0", "beq t\nnop\nt: nop", 2)]
    [InlineData("B (1+P)", "", "b t\nnop\nt: nop", 2)]
    [InlineData("B.W to a halfword-aligned 32-bit instruction (P=2)", "", "b.w t\nnop\nnop\nt: mov.w r0, #1", 3)]
    [InlineData("BL (1+P)", "", "bl t\nnop\nt: nop", 2)]
    [InlineData("BX (1+P, P=2)", "ldr r1, =t+1", "bx r1\nnop\nt: nop", 3)]
    [InlineData("BLX (1+P)", "ldr r1, =t+1", "blx r1\nnop\nt: nop", 3)]
    [InlineData("CBZ not taken (1)", "movs r0, #1", "cbz r0, t\nnop\nt: nop", 1)]
    [InlineData("CBZ taken (1+P)", "movs r0, #0", "cbz r0, t\nnop\nt: nop", 2)]
    [InlineData("IT folded onto the harness's 16-bit NOP (0)", "", "it eq\nmoveq r0, r1", 0)]
    [InlineData("TBB (2+P)", "movs r1, #1", "tbb [pc, r1]\n.byte 0, 2\nnop\nnop", 4)]
    [InlineData("TBH (2+P)", "movs r1, #1", "tbh [pc, r1, lsl #1]\n.short 0, 2\nnop\nnop", 4)]
    // State change
    [InlineData("SVC (exception entry)", "", "svc 0", CortexMCpu.EntryCycles)]
    [InlineData("CPSID", "", "cpsid i", 1)]
    [InlineData("CPSIE", "", "cpsie i", 1)]
    [InlineData("MRS", "", "mrs r0, primask", 1)]
    [InlineData("MSR", "", "msr basepri, r0", 1)]
    // Extend, bitfield, reverse
    [InlineData("SXTH", "", "sxth r0, r1", 1)]
    [InlineData("SXTB", "", "sxtb.w r0, r1, ror #8", 1)]
    [InlineData("UXTH", "", "uxth r0, r1", 1)]
    [InlineData("UXTB", "", "uxtb r0, r1", 1)]
    [InlineData("UBFX", "", "ubfx r0, r1, #4, #8", 1)]
    [InlineData("SBFX", "", "sbfx r0, r1, #4, #8", 1)]
    [InlineData("BFC", "", "bfc r0, #4, #8", 1)]
    [InlineData("BFI", "", "bfi r0, r1, #4, #8", 1)]
    [InlineData("REV", "", "rev r0, r1", 1)]
    [InlineData("REV16", "", "rev16 r0, r1", 1)]
    [InlineData("REVSH", "", "revsh r0, r1", 1)]
    [InlineData("RBIT", "", "rbit r0, r1", 1)]
    // Hint, barriers
    [InlineData("SEV", "", "sev", 1)]
    [InlineData("WFE with an event (1)", "sev", "wfe", 1)]
    [InlineData("NOP", "", "nop", 1)]
    [InlineData("YIELD", "", "yield", 1)]
    [InlineData("ISB (1+B, B=P=1)", "", "isb", 2)]
    [InlineData("DMB (1+B, B=0)", "", "dmb", 1)]
    [InlineData("DSB (1+B, B=0)", "", "dsb", 1)]
    public void TableRow(string row, string setup, string code, int cycles)
    {
        Assert.True(cycles == Cycles(setup, code), row);
    }

    [Theory]
    // DDI 0337I 18.3: neighbouring loads pipeline unless the next one's address uses the first's destination.
    [InlineData("LDR R0,[R1]; LDR R1,[R2]: 3", "ldr r0, [r1]\nldr r1, [r2]", 2, 3)]
    [InlineData("LDR R0,[R1,R2]; STR R0,[R3,#20]: 3", "ldr r0, [r1, r3]\nstr r0, [r2, #20]", 2, 3)]
    [InlineData("LDR R0,[R1,R5]; LDR R1,[R2]; LDR R2,[R3,#4]: 4", "ldr r0, [r1, r3]\nldr r1, [r2]\nldr r2, [r1, #4]", 3, 5)]
    [InlineData("dependent address: LDR R0,[R1]; LDR R2,[R0]: 4", "ldr r0, [r1]\nldr r2, [r0]", 2, 4)]
    [InlineData("nothing pipelines after a store: STR; LDR: 4", "str r0, [r1]\nldr r2, [r2]", 2, 4)]
    [InlineData("address from the previous ALU result stalls: ADD; LDR: 4", "adds r1, #0\nldr r0, [r1]", 2, 4)]
    public void LoadStorePipelining(string row, string code, int count, int cycles)
    {
        Assert.True(cycles == Cycles(Data, code, count), row);
    }

    [Fact]
    public void WaitStatesOfDataAccessesAdd()
    {
        // 2 wait states on the slow region: a load is 2 + 2.
        Assert.Equal(4, Cycles($"ldr r1, =0x{TestCore.Slow:X}", "ldr r0, [r1]"));
        Assert.Equal(3 + 2 * 2, Cycles($"ldr r1, =0x{TestCore.Slow:X}", "ldm r1, {r4, r5}"));
    }

    [Fact]
    public void WaitStatesOfTheTargetFetchAddToP()
    {
        // Code in the slow region: a taken branch refills from it (1 + P, P = 1 + 2 wait states).
        Assert.Equal(4, Cycles("", "b t\nnop\nt: nop", at: TestCore.Slow));
    }

    [Fact]
    public void WfiSleepsForTheRestOfTheSlice()
    {
        using var t = new TestCore().Load("wfi").Reset();
        Assert.Equal(1, t.Cpu.Step());
        Assert.Equal(CoreState.Sleeping, t.Cpu.State);
    }
}
