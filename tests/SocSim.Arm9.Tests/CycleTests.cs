namespace SocSim.Arm9.Tests;

/// <summary>
/// Cycle counts per instruction class and interlock, with caches on (every access a hit), against the
/// ARM9EJ-S table (DDI 0222B table 8.2); and what an uncached access adds (the AHB's clocks).
/// </summary>
public sealed class CycleTests
{
    private static Rig Cached()
    {
        var r = new Rig();
        r.MapRamFlat();
        r.EnableMmu();
        // The code the tests run (from here on, and the branch targets up to CodeBase + 0x400) in the
        // I-cache, the data line at 0x9000 in the D-cache: every access below is a hit.
        r.PrefetchCode(r.NextCode, Rig.CodeBase + 0x400 - r.NextCode);
        r.Cpu.SetRegister(4, 0x9000);
        r.Run(Enc.Ldr(3, 4), Enc.Nop, Enc.Nop, Enc.Nop, Enc.Nop, Enc.Nop, Enc.Nop, Enc.Nop, Enc.Nop, Enc.Nop, Enc.Nop);   // the data's line filled, no load in flight
        r.Cpu.SetRegister(1, 3);
        r.Cpu.SetRegister(2, 5);
        return r;
    }

    [Theory]
    [InlineData("data op", 1, new uint[] { 0xE0810002 })]                       // ADD r0, r1, r2
    [InlineData("register-controlled shift", 2, new uint[] { 0xE0810312 })]     // ADD r0, r1, r2, LSL r3
    [InlineData("CLZ", 1, new uint[] { 0xE16F0F12 })]
    [InlineData("B", 3, new uint[] { 0xEAFFFFFF })]                              // B to the next instruction
    [InlineData("LDR", 1, new uint[] { 0xE5943000 })]                            // LDR r3, [r4]
    [InlineData("LDR, scaled offset", 2, new uint[] { 0xE7943101 })]             // LDR r3, [r4, r1, LSL #2]
    [InlineData("LDR then use: 1-cycle interlock", 3, new uint[] { 0xE5943000, 0xE0835003 })]
    [InlineData("LDR, other, use: none", 3, new uint[] { 0xE5943000, 0xE1A00000, 0xE0835003 })]
    [InlineData("LDRB then use: 2-cycle interlock", 4, new uint[] { 0xE5D43000, 0xE0835003 })]
    [InlineData("LDRB, other, use: 1 cycle", 4, new uint[] { 0xE5D43000, 0xE1A00000, 0xE0835003 })]
    [InlineData("LDR then STR of it (C port)", 3, new uint[] { 0xE5943000, 0xE5843004 })]
    [InlineData("STR", 1, new uint[] { 0xE5843004 })]
    [InlineData("LDRD", 2, new uint[] { 0xE1C420D0 })]                           // LDRD r2, [r4]
    [InlineData("STRD", 2, new uint[] { 0xE1C420F0 })]
    [InlineData("LDM 1 register", 2, new uint[] { 0xE8940008 })]
    [InlineData("LDM 4 registers", 4, new uint[] { 0xE8940F00 })]
    [InlineData("STM 1 register", 2, new uint[] { 0xE8840008 })]
    [InlineData("STM 5 registers", 5, new uint[] { 0xE8841F00 })]
    [InlineData("LDM 4 registers, use of the last: 1-cycle interlock", 6, new uint[] { 0xE8940F00, 0xE083500B })]
    [InlineData("LDM 4 registers, use of an earlier one: none", 5, new uint[] { 0xE8940F00, 0xE0835008 })]
    [InlineData("LDR then STM storing it first: interlock", 4, new uint[] { 0xE5943000, 0xE8840028 })]
    [InlineData("LDR then STM storing it second: none", 3, new uint[] { 0xE5948000, 0xE8840108 })]
    [InlineData("LDR then MLA accumulating it (C port)", 4, new uint[] { 0xE5943000, 0xE0253291 })]
    // Multiplies: DDI 0214B 9.9 (Timing.cs [E]); the halfword forms Timing.cs [G].
    [InlineData("MUL", 2, new uint[] { 0xE0000291 })]
    [InlineData("MLA", 2, new uint[] { 0xE0200291 })]
    [InlineData("MUL then use: 1-cycle interlock", 4, new uint[] { 0xE0000291, 0xE0835000 })]
    [InlineData("MUL then STR of it (first Memory cycle): interlock", 4, new uint[] { 0xE0000291, 0xE5840004 })]
    [InlineData("MLA then MLA accumulating it: none", 4, new uint[] { 0xE0200291, 0xE0200193 })]
    [InlineData("MULS", 4, new uint[] { 0xE0100291 })]
    [InlineData("MLAS", 4, new uint[] { 0xE0303291 })]
    [InlineData("MULS then use: none", 5, new uint[] { 0xE0100291, 0xE0835000 })]
    [InlineData("UMULL", 3, new uint[] { 0xE0865291 })]
    [InlineData("SMULL", 3, new uint[] { 0xE0C65291 })]
    [InlineData("SMLAL", 3, new uint[] { 0xE0E65291 })]
    [InlineData("UMULL then use of RdLo: interlock", 5, new uint[] { 0xE0865291, 0xE0857003 })]
    [InlineData("UMULL then use of RdHi: interlock", 5, new uint[] { 0xE0865291, 0xE0867003 })]
    [InlineData("UMLAL then UMLAL accumulating it: none", 6, new uint[] { 0xE0A65291, 0xE0A65192 })]
    [InlineData("UMULLS", 5, new uint[] { 0xE0965291 })]
    [InlineData("UMLALS", 5, new uint[] { 0xE0B65291 })]
    [InlineData("UMULLS then use: none", 6, new uint[] { 0xE0965291, 0xE0857003 })]
    [InlineData("SMULBB", 1, new uint[] { 0xE1600281 })]
    [InlineData("SMLABB", 1, new uint[] { 0xE1003281 })]
    [InlineData("SMULWB", 1, new uint[] { 0xE12002A1 })]
    [InlineData("SMLAWB", 1, new uint[] { 0xE1203281 })]
    [InlineData("SMLALBB", 2, new uint[] { 0xE1465281 })]
    [InlineData("SMULBB then use: interlock", 3, new uint[] { 0xE1600281, 0xE0835000 })]
    [InlineData("SMULBB then SMLABB accumulating it: none", 2, new uint[] { 0xE1600281, 0xE1000281 })]
    [InlineData("SMLALBB then use of RdLo: interlock", 4, new uint[] { 0xE1465281, 0xE0857003 })]
    [InlineData("QADD", 1, new uint[] { 0xE1020051 })]
    [InlineData("QADD then use: interlock", 3, new uint[] { 0xE1020051, 0xE0835000 })]
    [InlineData("QADD then STR of it (first Memory cycle): none", 2, new uint[] { 0xE1020051, 0xE5840004 })]
    [InlineData("QADD then MLA accumulating it: none", 3, new uint[] { 0xE1020051, 0xE0250291 })]
    [InlineData("MRS", 2, new uint[] { 0xE10F0000 })]
    [InlineData("MSR flags", 1, new uint[] { 0xE328F000 })]
    [InlineData("SWP", 2, new uint[] { 0xE1043091 })]
    public void ArmClass(string what, int cycles, uint[] ops)
    {
        using var r = Cached();
        long got = r.Cycles(ops);
        Assert.True(cycles == got, $"{what}: {got} cycles, expected {cycles}");
    }

    [Fact]
    public void PcWrites()
    {
        using var r = Cached();
        uint next = Rig.CodeBase + 0x100;
        r.Cpu.SetRegister(0, next);
        Assert.Equal(4, r.Cycles(0xE1A0F000));          // MOV pc, r0: logical result to the PC
        r.Cpu.SetRegister(0, next - 0x40);
        r.Cpu.SetRegister(1, 0x40);
        Assert.Equal(3, r.Cycles(0xE080F001));          // ADD pc, r0, r1: arithmetic
        r.M.Write32(0x9000, next);
        Assert.Equal(5, r.Cycles(0xE594F000));          // LDR pc, [r4]
        Assert.Equal(3, r.Cycles(0xE12FFF10));          // BX r0
        // LDM loading the PC: the non-PC count + 4 (Timing.BlockPcExtra, a documented choice).
        Assert.Equal(2 + 4, r.Cycles(0xE8948000));      // LDMIA r4, {pc}
        r.M.Write32(0x9008, next);
        Assert.Equal(3 + 4, r.Cycles(0xE8948060));      // LDMIA r4, {r5, r6, pc}
    }

    /// <summary>Thumb interlocks: the registers each format reads (ThumbSources), store data included; an STMIA or PUSH waits only for its first register.</summary>
    [Theory]
    [InlineData("LDR then MOVS #imm to it (reads nothing): none", 2, new ushort[] { 0x6823, 0x2301 })]
    [InlineData("LDR then ADDS using it: interlock", 3, new ushort[] { 0x6823, 0x1818 })]
    [InlineData("LDR then STR of it (store data): interlock", 3, new ushort[] { 0x6823, 0x6063 })]
    [InlineData("LDR then MOV r8 from it (high registers): interlock", 3, new ushort[] { 0x6823, 0x4698 })]
    [InlineData("LDR then PUSH storing it first: interlock", 4, new ushort[] { 0x6823, 0xB508 })]
    [InlineData("LDR then PUSH storing it second: none", 3, new ushort[] { 0x6825, 0xB428 })]
    [InlineData("LDR then STMIA storing it second: none", 3, new ushort[] { 0x6825, 0xC428 })]
    [InlineData("LDR, other, use: none", 3, new ushort[] { 0x6825, 0x2301, 0x1940 })]
    public void ThumbInterlocks(string what, int cycles, ushort[] ops)
    {
        using var r = Cached();
        uint at = Rig.CodeBase + 0x200;
        r.M.Load(at, ops.SelectMany(BitConverter.GetBytes).ToArray());
        r.Cpu.SetRegister(13, 0x9018);                  // PUSH stores into the cached data line
        r.Cpu.SetRegister(15, at | 1);
        r.Cpu.SetCpsr(r.Cpu.Cpsr | 0x20);
        long start = r.M.Scheduler.Cycles;
        for (int i = 0; i < ops.Length; i++) r.Cpu.Step();
        long got = r.M.Scheduler.Cycles - start;
        Assert.True(cycles == got, $"{what}: {got} cycles, expected {cycles}");
    }

    [Fact]
    public void ThumbMulSetsFlagsSoNeverInterlocks()
    {
        // Thumb MUL is MULS: 4 cycles and no result interlock (DDI 0214B 9.9.1), then ADDS r2, r0, r0.
        using var r = Cached();
        uint at = Rig.CodeBase + 0x200;
        r.M.Write32(at, 0x1802_4348);
        r.Cpu.SetRegister(0, 2);
        r.Cpu.SetRegister(15, at | 1);
        r.Cpu.SetCpsr(r.Cpu.Cpsr | 0x20);
        long start = r.M.Scheduler.Cycles;
        for (int i = 0; i < 2; i++) r.Cpu.Step();
        Assert.Equal(4 + 1, r.M.Scheduler.Cycles - start);
        Assert.Equal(12u, r.Cpu.GetRegister(2));
    }

    [Fact]
    public void ExceptionEntryTakesThreeCycles()
    {
        using var r = Cached();
        Assert.Equal(3, r.Cycles(0xEF000000));          // SWI
    }

    [Fact]
    public void UncachedAccessesAddTheBusClocks()
    {
        // MMU and caches off: every fetch and data access is an AHB transfer (zero-wait RAM: one clock each).
        using var r = new Rig();
        r.Cpu.SetRegister(4, 0x9000);
        Assert.Equal(1 + 1, r.Cycles(Enc.Nop));
        Assert.Equal(1 + 1 + 1, r.Cycles(Enc.Ldr(3, 4)));
    }

    [Fact]
    public void ThumbClasses()
    {
        using var r = Cached();
        uint at = Rig.CodeBase + 0x200;
        // MOVS r0, #1; LDR r3, [r4]; ADDS r0, r3, r0 (interlock); B to the next
        r.M.Write32(at, 0x6823_2001, 0xE7FF_18C0);
        r.Cpu.SetRegister(15, at | 1);
        r.Cpu.SetCpsr(r.Cpu.Cpsr | 0x20);
        long start = r.M.Scheduler.Cycles;
        for (int i = 0; i < 4; i++) r.Cpu.Step();
        Assert.Equal(1 + 1 + 2 + 3, r.M.Scheduler.Cycles - start);
    }
}
