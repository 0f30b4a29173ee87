using SocSim.Core;

namespace SocSim.Arm.Tests;

/// <summary>Thumb formats 1-19 (TRM DDI 0210C chapter 5), one behaviour per test with hand-computed values.</summary>
public sealed class ThumbTests
{
    private const uint Code = 0x100;
    private const uint Data = 0x2000;
    private const uint N = Psr.N, Z = Psr.Z, C = Psr.C, V = Psr.V;

    private static ThumbTestMachine Run(uint flags, Action<ThumbTestMachine> setup, params ushort[] code)
    {
        var m = new ThumbTestMachine();
        m.Write16(Code, code);
        m.Start(Code, thumb: true, flags: flags);
        setup(m);
        return m;
    }

    private static uint Flags(ThumbTestMachine m) => m.Cpu.Cpsr & 0xF000_0000;

    [Fact]
    public void Format1_ShiftByImmediate()
    {
        using var m = Run(0, m => { m[1] = 0x8000_0001; }, T.Lsl(0, 1, 1), T.Lsr(2, 1, 0), T.Asr(3, 1, 4), T.Lsl(4, 1, 0));
        m.Step();
        Assert.Equal(0x0000_0002u, m[0]);
        Assert.Equal(C, Flags(m));                    // bit 31 shifted out
        m.Step();
        Assert.Equal(0u, m[2]);                       // LSR #0 encodes LSR #32
        Assert.Equal(Z | C, Flags(m));
        m.Step();
        Assert.Equal(0xF800_0000u, m[3]);
        Assert.Equal(N, Flags(m));                    // bit 3 shifted out was 0
        m.Cpu.SetCpsr(m.Cpu.Cpsr | C);
        m.Step();
        Assert.Equal(0x8000_0001u, m[4]);             // LSL #0 keeps the carry
        Assert.Equal(N | C, Flags(m));
    }

    [Fact]
    public void Format2_AddSubtract()
    {
        using var m = Run(0, m => { m[1] = 0xFFFF_FFFF; m[2] = 1; m[3] = 0x7FFF_FFFF; },
            T.AddReg(0, 1, 2), T.SubImm3(4, 3, 7), T.AddImm3(5, 3, 1), T.SubReg(6, 2, 2));
        m.Step();
        Assert.Equal(0u, m[0]);
        Assert.Equal(Z | C, Flags(m));
        m.Step();
        Assert.Equal(0x7FFF_FFF8u, m[4]);
        Assert.Equal(C, Flags(m));                    // no borrow
        m.Step();
        Assert.Equal(0x8000_0000u, m[5]);
        Assert.Equal(N | V, Flags(m));
        m.Step();
        Assert.Equal(0u, m[6]);
        Assert.Equal(Z | C, Flags(m));
    }

    [Fact]
    public void Format3_MovCmpAddSubImmediate()
    {
        using var m = Run(C | V, m => { m[1] = 5; m[2] = 0xFFFF_FFF0; },
            T.MovImm(0, 0), T.CmpImm(1, 6), T.AddImm8(2, 0x10), T.SubImm8(1, 5));
        m.Step();
        Assert.Equal(0u, m[0]);
        Assert.Equal(Z | C | V, Flags(m));            // MOV sets N and Z only
        m.Step();
        Assert.Equal(N, Flags(m));                    // 5 - 6: borrow, C clear
        Assert.Equal(5u, m[1]);
        m.Step();
        Assert.Equal(0u, m[2]);
        Assert.Equal(Z | C, Flags(m));
        m.Step();
        Assert.Equal(0u, m[1]);
        Assert.Equal(Z | C, Flags(m));
    }

    [Fact]
    public void Format4_LogicalAndArithmetic()
    {
        using var m = Run(0, m =>
        {
            m[0] = 0xF0F0_F0F0; m[1] = 0x0FF0_0FF0; m[2] = 0x8000_0000; m[3] = 0x8000_0000;
            m[4] = 10; m[5] = 3; m[6] = 0x1234; m[7] = 0;
        },
            T.Alu(0x0, 0, 1),   // AND r0, r1 -> 0x00F0_00F0
            T.Alu(0x1, 0, 1),   // EOR r0, r1 -> 0x0F00_0F00
            T.Alu(0xC, 0, 1),   // ORR -> 0x0FF0_0FF0
            T.Alu(0xE, 0, 1),   // BIC -> 0
            T.Alu(0xF, 7, 6),   // MVN r7, r6 -> 0xFFFF_EDCB
            T.Alu(0x9, 7, 6),   // NEG r7, r6 -> 0xFFFF_EDCC
            T.Alu(0x5, 2, 3),   // ADC r2, r3 (C=0 from NEG? see below)
            T.Alu(0x6, 4, 5),   // SBC r4, r5
            T.Alu(0x8, 1, 1),   // TST r1, r1
            T.Alu(0xA, 5, 4),   // CMP r5, r4
            T.Alu(0xB, 5, 4));  // CMN r5, r4
        m.Step(); Assert.Equal(0x00F0_00F0u, m[0]); Assert.Equal(0u, Flags(m));
        m.Step(); Assert.Equal(0x0F00_0F00u, m[0]);
        m.Step(); Assert.Equal(0x0FF0_0FF0u, m[0]);
        m.Step(); Assert.Equal(0u, m[0]); Assert.Equal(Z, Flags(m));
        m.Step(); Assert.Equal(0xFFFF_EDCBu, m[7]); Assert.Equal(N, Flags(m));
        m.Step(); Assert.Equal(0xFFFF_EDCCu, m[7]); Assert.Equal(N, Flags(m));   // 0 - 0x1234 borrows: C clear
        m.Step(); Assert.Equal(0u, m[2]); Assert.Equal(Z | C | V, Flags(m));      // 0x8000_0000 * 2 + 0
        m.Step(); Assert.Equal(7u, m[4]); Assert.Equal(C, Flags(m));              // 10 - 3 - !C(=0)
        m.Step(); Assert.Equal(C, Flags(m));                                      // TST keeps C
        m.Step(); Assert.Equal(N, Flags(m));                                      // 3 - 7
        m.Step(); Assert.Equal(0u, Flags(m));                                     // 3 + 7
        Assert.Equal(3u, m[5]);
    }

    [Fact]
    public void Format4_ShiftsByRegister()
    {
        using var m = Run(0, m => { m[0] = 0x8000_0001; m[1] = 33; m[2] = 0x0000_0101; m[3] = 0x8000_0001; m[4] = 32; m[5] = 0x8000_0001; m[6] = 0; },
            T.Alu(0x2, 0, 2),   // LSL r0, r2: amount = bottom byte = 1 -> 2, C = 1
            T.Alu(0x3, 3, 4),   // LSR r3, #32 -> 0, C = bit 31
            T.Alu(0x7, 5, 1),   // ROR r5, 33 -> ROR 1 -> 0xC000_0000, C = 1
            T.Alu(0x4, 5, 6));  // ASR by 0: unchanged, C unchanged
        m.Step(); Assert.Equal(2u, m[0]); Assert.Equal(C, Flags(m));
        m.Step(); Assert.Equal(0u, m[3]); Assert.Equal(Z | C, Flags(m));
        m.Step(); Assert.Equal(0xC000_0000u, m[5]); Assert.Equal(N | C, Flags(m));
        m.Step(); Assert.Equal(0xC000_0000u, m[5]); Assert.Equal(N | C, Flags(m));
    }

    [Fact]
    public void Format4_Mul()
    {
        using var m = Run(0, m => { m[0] = 0x0001_0001; m[1] = 0xFFFF_FFFF; m[2] = 0; m[3] = 1234; },
            T.Alu(0xD, 0, 1), T.Alu(0xD, 2, 3));
        m.Step(); Assert.Equal(0xFFFE_FFFFu, m[0]); Assert.Equal(N, Flags(m) & (N | Z));
        m.Step(); Assert.Equal(0u, m[2]); Assert.Equal(Z, Flags(m) & (N | Z));
    }

    [Fact]
    public void Format5_HiRegisterOperations_ReadPcAsAddressPlus4()
    {
        using var m = Run(0, m => { m[8] = 0x100; m[9] = 0xFFFF_FF00; m[1] = 7; },
            T.AddHi(8, 1),      // r8 = 0x107, flags unchanged
            T.CmpHi(8, 9),      // 0x107 - 0xFFFF_FF00: borrow
            T.MovHi(2, 15),     // r2 = PC = 0x104 + 4
            T.AddHi(3, 15));    // r3 += 0x106 + 4
        m[3] = 1;
        m.Step(); Assert.Equal(0x107u, m[8]); Assert.Equal(0u, Flags(m));
        m.Step(); Assert.Equal(0u, Flags(m));          // 0x107 - 0xFFFF_FF00 = 0x207: borrow, positive, no overflow
        m.Step(); Assert.Equal(Code + 4 + 4, m[2]);
        m.Step(); Assert.Equal(1 + Code + 6 + 4, m[3]);
    }

    [Fact]
    public void Format5_MovToPc_RefillsInThumbState()
    {
        using var m = Run(0, m => { m[0] = 0x201; },   // bit 0 ignored, stays in Thumb
            T.MovHi(15, 0));
        m.Write16(0x200, T.MovImm(1, 42));
        m.Step();
        Assert.True(m.Cpu.Thumb);
        Assert.Equal(0x200u, m.Cpu.Pc);
        Assert.Equal(0x204u, m[15]);
        m.Step();
        Assert.Equal(42u, m[1]);
    }

    [Fact]
    public void Format5_AddToPc_Branches()
    {
        using var m = Run(0, m => { m[0] = 0x20; }, T.AddHi(15, 0));
        m.Step();
        Assert.Equal(Code + 4 + 0x20, m.Cpu.Pc);
    }

    [Fact]
    public void Bx_ToArmAndBack()
    {
        using var m = Run(0, m => { m[0] = 0x400; },   // bit 0 clear: ARM state
            T.Bx(0));
        m.Write32(0x400, A.DpImm(0xD, false, 1, 0, 0x31), A.DpImm(0x4, false, 1, 1, 0x01, 8), A.Bx(1));
        // ARM: MOV r1, #0x31; ADD r1, r1, #0x10000 (1 ROR 16); BX r1
        m.Step();
        Assert.False(m.Cpu.Thumb);
        Assert.Equal(0x400u, m.Cpu.Pc);
        Assert.Equal(0x408u, m[15]);
        m.Step();
        Assert.Equal(0x31u, m[1]);
        m.Step();
        Assert.Equal(0x1_0031u, m[1]);
        m.Write16(0x1_0030, T.MovImm(7, 9));
        m.Step();                                      // BX r1: bit 0 set -> Thumb at 0x10030
        Assert.True(m.Cpu.Thumb);
        Assert.Equal(0x1_0030u, m.Cpu.Pc);
    }

    [Fact]
    public void BxPc_FromThumb_GoesToArmAtTheWordAfter()
    {
        // At 0x100 (word-aligned, as the architecture requires): BX PC reads 0x104 -> ARM at 0x104.
        using var m = Run(0, _ => { }, T.Bx(15), T.Nop, (ushort)(A.Nop & 0xFFFF), (ushort)(A.Nop >> 16));
        m.Step(1);
        Assert.False(m.Cpu.Thumb);
        Assert.Equal(0x104u, m.Cpu.Pc);
    }

    [Fact]
    public void BxPc_FromAHalfwordAddress_KeepsA1InArmState()
    {
        // UNPREDICTABLE in the architecture. At 0x102: BX PC reads 0x106 -> ARM state with R15 keeping
        // bit 1, as the conformance data records for ARM-state BX; the fetch returns the word at 0x104.
        using var m = Run(0, _ => { }, T.Nop, T.Bx(15), (ushort)(A.Nop & 0xFFFF), (ushort)(A.Nop >> 16));
        m.Step(2);
        Assert.False(m.Cpu.Thumb);
        Assert.Equal(0x106u, m.Cpu.Pc);
        Assert.Equal(0x10Eu, m[15]);
    }

    [Fact]
    public void Format6_PcRelativeLoad_WordAlignsPc()
    {
        // At 0x102: PC = 0x106, aligned to 0x104, + 4 -> 0x108.
        using var m = Run(0, _ => { }, T.Nop, T.LdrPc(3, 1));
        m.Write32(0x104, 0x1111_1111, 0xCAFE_BABE);
        m.Step(2);
        Assert.Equal(0xCAFE_BABEu, m[3]);
    }

    [Fact]
    public void Format7_RegisterOffset_WordAndByte()
    {
        using var m = Run(0, m => { m[0] = 0x8765_4321; m[1] = Data; m[2] = 8; m[3] = 3; },
            T.StrReg(0, 1, 2), T.StrbReg(0, 1, 3), T.LdrReg(4, 1, 2), T.LdrbReg(5, 1, 3));
        m.Step(2);
        Assert.Equal(0x8765_4321u, m.Read32(Data + 8));
        Assert.Equal(0x2100_0000u, m.Read32(Data));
        m.Step(2);
        Assert.Equal(0x8765_4321u, m[4]);
        Assert.Equal(0x21u, m[5]);
    }

    [Fact]
    public void UnalignedWordLoad_Rotates()
    {
        using var m = Run(0, m => { m[1] = Data + 1; m[2] = Data; }, T.LdrImm(0, 1, 0), T.LdrImm(3, 2, 0));
        m.Write32(Data, 0x4433_2211);
        m.Step();
        Assert.Equal(0x1144_3322u, m[0]);
        m.Step();
        Assert.Equal(0x4433_2211u, m[3]);
    }

    [Fact]
    public void Format8_SignExtendedAndHalfword_RegisterOffset()
    {
        using var m = Run(0, m => { m[0] = 0xABCD_8765; m[1] = Data; m[2] = 2; m[3] = 3; m[6] = 1; },
            T.StrhReg(0, 1, 2),     // [Data+2] = 0x8765
            T.LdrhReg(4, 1, 2),     // 0x0000_8765
            T.LdshReg(5, 1, 2),     // 0xFFFF_8765
            T.LdsbReg(7, 1, 3),     // byte at Data+3 = 0x87 -> 0xFFFF_FF87
            T.LdshReg(6, 1, 3));    // odd address: the addressed byte sign-extended -> 0xFFFF_FF87
        m.Step();
        Assert.Equal(0x8765_0000u, m.Read32(Data));
        m.Step(); Assert.Equal(0x0000_8765u, m[4]);
        m.Step(); Assert.Equal(0xFFFF_8765u, m[5]);
        m.Step(); Assert.Equal(0xFFFF_FF87u, m[7]);
        m.Step(); Assert.Equal(0xFFFF_FF87u, m[6]);
    }

    [Fact]
    public void LdrhOddAddress_RotatesBy8()
    {
        using var m = Run(0, m => { m[1] = Data + 1; }, T.LdrhImm(0, 1, 0));
        m.Write32(Data, 0x0000_BEEF);
        m.Step();
        Assert.Equal(0xEF00_00BEu, m[0]);
    }

    [Fact]
    public void Format9And10_ImmediateOffsets()
    {
        using var m = Run(0, m => { m[0] = 0x1234_5678; m[1] = Data; },
            T.StrImm(0, 1, 31), T.LdrImm(2, 1, 31), T.StrbImm(0, 1, 31), T.LdrbImm(3, 1, 31),
            T.StrhImm(0, 1, 31), T.LdrhImm(4, 1, 31));
        m.Step(2);
        Assert.Equal(0x1234_5678u, m.Read32(Data + 124));
        Assert.Equal(0x1234_5678u, m[2]);
        m.Step(2);
        Assert.Equal(0x78u, (uint)m.Bus.DebugRead8(Data + 31));
        Assert.Equal(0x78u, m[3]);
        m.Step(2);
        Assert.Equal(0x5678u, (uint)m.Read16(Data + 62));
        Assert.Equal(0x5678u, m[4]);
    }

    [Fact]
    public void Format11_SpRelative()
    {
        using var m = Run(0, m => { m[13] = Data; m[5] = 0xDEAD_BEEF; }, T.StrSp(5, 255), T.LdrSp(6, 255));
        m.Step(2);
        Assert.Equal(0xDEAD_BEEFu, m.Read32(Data + 1020));
        Assert.Equal(0xDEAD_BEEFu, m[6]);
    }

    [Fact]
    public void Format12And13_AddressGenerationAndSpAdjust()
    {
        // At 0x102: ADD r0, PC, #4 -> (0x106 & ~2) + 4 = 0x108.
        using var m = Run(C, m => { m[13] = 0x3000; },
            T.Nop, T.AddPc(0, 1), T.AddSpRd(1, 255), T.AddSp(127, false), T.AddSp(1, true));
        m.Step(2);
        Assert.Equal(0x108u, m[0]);
        m.Step();
        Assert.Equal(0x3000u + 1020, m[1]);
        m.Step();
        Assert.Equal(0x3000u + 508, m[13]);
        m.Step();
        Assert.Equal(0x3000u + 504, m[13]);
        Assert.Equal(C, Flags(m));                    // no flags change
    }

    [Fact]
    public void Format14_PushPop()
    {
        using var m = Run(0, m => { m[13] = 0x3000; m[0] = 10; m[2] = 12; m[7] = 17; m[14] = 0x1EE; },
            T.Push(0x85, true), T.MovImm(0, 0), T.MovImm(2, 0), T.Pop(0x05, false));
        m.Step();
        Assert.Equal(0x3000u - 16, m[13]);
        Assert.Equal(10u, m.Read32(0x3000 - 16));
        Assert.Equal(12u, m.Read32(0x3000 - 12));
        Assert.Equal(17u, m.Read32(0x3000 - 8));
        Assert.Equal(0x1EEu, m.Read32(0x3000 - 4));
        m.Step(3);
        Assert.Equal(10u, m[0]);
        Assert.Equal(12u, m[2]);
        Assert.Equal(0x3000u - 8, m[13]);
    }

    [Fact]
    public void PopPc_IgnoresBit0_StaysInThumb()
    {
        using var m = Run(0, m => { m[13] = 0x3000; }, T.Pop(0x01, true));
        m.Write32(0x3000, 0x55, 0x400);   // r0 = 0x55, PC = 0x400 (bit 0 clear: ARMv4T does not interwork)
        m.Write16(0x400, T.MovImm(1, 1));
        m.Step();
        Assert.True(m.Cpu.Thumb);
        Assert.Equal(0x55u, m[0]);
        Assert.Equal(0x400u, m.Cpu.Pc);
        Assert.Equal(0x3008u, m[13]);
        m.Step();
        Assert.Equal(1u, m[1]);
    }

    [Fact]
    public void PopPc_OddAddress_StaysInThumbAligned()
    {
        using var m = Run(0, m => { m[13] = 0x3000; }, T.Pop(0, true));
        m.Write32(0x3000, 0x403);
        m.Step();
        Assert.True(m.Cpu.Thumb);
        Assert.Equal(0x402u, m.Cpu.Pc);
    }

    [Fact]
    public void Format15_LdmiaStmia()
    {
        using var m = Run(0, m => { m[0] = Data; m[1] = 1; m[2] = 2; m[3] = 3; m[4] = Data; },
            T.Stmia(0, 0x0E), T.Ldmia(4, 0xE0));
        m.Step();
        Assert.Equal(Data + 12, m[0]);
        Assert.Equal(new uint[] { 1, 2, 3 }, new[] { m.Read32(Data), m.Read32(Data + 4), m.Read32(Data + 8) });
        m.Step();
        Assert.Equal(Data + 12, m[4]);
        Assert.Equal(new uint[] { 1, 2, 3 }, new[] { m[5], m[6], m[7] });
    }

    [Fact]
    public void Stmia_BaseInList_StoresOldBaseWhenFirstElseNew()
    {
        using var m = Run(0, m => { m[1] = Data; m[0] = 0x77; m[3] = Data + 0x100; },
            T.Stmia(1, 0x06),     // r1 first in {r1, r2}: old base stored
            T.Stmia(3, 0x09));    // r3 not first in {r0, r3}: new base stored
        m[2] = 0x22;
        m.Step();
        Assert.Equal(Data, m.Read32(Data));
        Assert.Equal(Data + 8, m[1]);
        m.Step();
        Assert.Equal(0x77u, m.Read32(Data + 0x100));
        Assert.Equal(Data + 0x108, m.Read32(Data + 0x104));
        Assert.Equal(Data + 0x108, m[3]);
    }

    [Fact]
    public void Ldmia_BaseInList_NoWriteback()
    {
        using var m = Run(0, m => { m[2] = Data; }, T.Ldmia(2, 0x0C));
        m.Write32(Data, 0xAAAA, 0xBBBB);
        m.Step();
        Assert.Equal(0xAAAAu, m[2]);
        Assert.Equal(0xBBBBu, m[3]);
    }

    [Fact]
    public void LdmiaStmia_EmptyList_TransferPcAndMoveBaseBy0x40()
    {
        using var m = Run(0, m => { m[0] = Data; m[1] = Data + 0x100; }, T.Stmia(0, 0), T.Ldmia(1, 0));
        m.Write32(Data + 0x100, 0x501);
        m.Write16(0x500, T.MovImm(7, 0x77));
        m.Step();
        Assert.Equal(Data + 0x40, m[0]);
        Assert.Equal(Code + 6, m.Read32(Data));   // R15 after the fetch: address + 6
        m.Step();
        Assert.Equal(Data + 0x140, m[1]);
        Assert.True(m.Cpu.Thumb);
        Assert.Equal(0x500u, m.Cpu.Pc);
        m.Step();
        Assert.Equal(0x77u, m[7]);
    }

    [Fact]
    public void Format16_ConditionalBranch()
    {
        using var m = Run(Z, _ => { }, T.BCond(1, 0x20), T.BCond(0, -8));
        m.Step();                                   // BNE not taken
        Assert.Equal(Code + 2, m.Cpu.Pc);
        m.Step();                                   // BEQ at 0x102 to 0x106 - 8
        Assert.Equal(Code + 2 + 4 - 8, m.Cpu.Pc);
    }

    [Fact]
    public void Format16_AllConditions()
    {
        // (condition, NZCV) -> taken
        var cases = new (int cond, uint flags, bool taken)[]
        {
            (0, Z, true), (0, 0, false), (1, 0, true), (2, C, true), (3, C, false), (4, N, true), (5, N, false),
            (6, V, true), (7, V, false), (8, C, true), (8, C | Z, false), (9, Z, true), (10, N | V, true),
            (11, N, true), (12, 0, true), (12, Z, false), (13, V, true),
        };
        foreach (var (cond, flags, taken) in cases)
        {
            using var m = Run(flags, _ => { }, T.BCond(cond, 0x40));
            m.Step();
            Assert.True((taken ? Code + 0x44 : Code + 2) == m.Cpu.Pc, $"cond {cond} flags {flags:X8}");
        }
    }

    [Fact]
    public void Condition1110_IsUndefined()
    {
        using var m = Run(0, _ => { }, (ushort)0xDE00);
        m.Step();
        Assert.Equal(CpuMode.Undefined, m.Cpu.Mode);
        Assert.False(m.Cpu.Thumb);
        Assert.Equal(Vectors.Undefined, m.Cpu.Pc);
        Assert.Equal(Code + 2, m[14]);
        Assert.Equal(Psr.T | (uint)CpuMode.Supervisor, m.Cpu.GetSpsr(CpuMode.Undefined) & 0xFF & ~(Psr.I | Psr.F));
    }

    [Theory]
    [InlineData(0xB100)]   // CBZ (ARMv7)
    [InlineData(0xB200)]   // SXTH (ARMv6)
    [InlineData(0xBE00)]   // BKPT (ARMv5)
    [InlineData(0xE800)]   // BLX suffix (ARMv5)
    public void LaterArchitectureEncodings_AreUndefined(int op)
    {
        using var m = Run(0, _ => { }, (ushort)op);
        m.Step();
        Assert.Equal(CpuMode.Undefined, m.Cpu.Mode);
        Assert.Equal(Vectors.Undefined, m.Cpu.Pc);
    }

    [Fact]
    public void Swi_EntersSvcInArmState_LrIsNextInstruction()
    {
        using var m = Run(C | N, _ => { }, T.Nop, T.Swi(0x12));
        m.Cpu.SetCpsr((uint)CpuMode.User | Psr.T | C | N);
        m.Step(2);
        Assert.Equal(CpuMode.Supervisor, m.Cpu.Mode);
        Assert.False(m.Cpu.Thumb);
        Assert.Equal(Vectors.Swi, m.Cpu.Pc);
        Assert.Equal(Code + 4, m[14]);
        Assert.Equal((uint)CpuMode.User | Psr.T | C | N, m.Cpu.GetSpsr(CpuMode.Supervisor));
        Assert.Equal(Psr.I, m.Cpu.Cpsr & (Psr.I | Psr.F));
    }

    [Fact]
    public void Swi_Hook_GetsEightBitComment()
    {
        using var m = Run(0, _ => { }, T.Swi(0xAB), T.MovImm(0, 3));
        uint seen = 0;
        m.Cpu.SwiHook = (_, c) => { seen = c; return true; };
        m.Step(2);
        Assert.Equal(0xABu, seen);
        Assert.True(m.Cpu.Thumb);
        Assert.Equal(3u, m[0]);
    }

    [Fact]
    public void Format18_UnconditionalBranch()
    {
        using var m = Run(0, _ => { }, T.B(-4));   // branch to itself
        m.Step();
        Assert.Equal(Code, m.Cpu.Pc);
        using var m2 = Run(0, _ => { }, T.B(0x7FE));
        m2.Step();
        Assert.Equal(Code + 4 + 0x7FE, m2.Cpu.Pc);
    }

    [Fact]
    public void Format19_BlPair()
    {
        var bl = T.Bl(0x1234 - 4);    // from 0x100: target 0x100 + 4 + 0x1230 = 0x1334
        using var m = Run(0, _ => { }, bl[0], bl[1]);
        m.Step();
        Assert.Equal(Code + 4 + 0x1000, m[14]);     // LR = PC + (hi << 12)
        Assert.Equal(Code + 2, m.Cpu.Pc);
        m.Step();
        Assert.Equal(0x1334u, m.Cpu.Pc);
        Assert.Equal((Code + 4) | 1, m[14]);
        Assert.True(m.Cpu.Thumb);
    }

    [Fact]
    public void Format19_BlBackwardsFarOffset()
    {
        // Target 0x100 + 4 - 0x400000 wraps: offset -4 MiB (the limit of a BL pair).
        var bl = T.Bl(-0x40_0000);
        using var m = Run(0, _ => { }, bl[0], bl[1]);
        m.Step();
        Assert.Equal(unchecked(Code + 4 - 0x40_0000u), m[14]);
    }

    [Fact]
    public void Interrupt_InThumb_LrIsNextInstructionPlus4()
    {
        using var m = Run(0, _ => { }, T.Nop, T.Nop, T.Nop);
        m.Cpu.SetCpsr((uint)CpuMode.Supervisor | Psr.T);
        m.Step();
        m.Cpu.SetIrq(true);
        m.Step();
        Assert.Equal(CpuMode.Irq, m.Cpu.Mode);
        Assert.False(m.Cpu.Thumb);
        Assert.Equal(Code + 2 + 4, m[14]);          // SUBS PC, LR, #4 returns to 0x102
    }

    [Fact]
    public void StepCountsInstructions()
    {
        using var m = Run(0, _ => { }, T.Nop, T.Nop);
        long before = m.Cpu.Instructions;
        m.Step(2);
        Assert.Equal(before + 2, m.Cpu.Instructions);
    }
    [Fact]
    public void PushPop_EmptyList_BehaveAsEmptyLdmStm()
    {
        // PUSH {} / POP {} (R = 0, no registers): as LDM/STM with an empty list, R15 is transferred and
        // SP moves by 0x40 (ARM7TDMI behaviour, as documented for GBA hardware).
        using var m = Run(0, m => { m[13] = 0x3000; }, (ushort)0xB400, (ushort)0xBC00);
        m.Step();
        Assert.Equal(0x3000u - 0x40, m[13]);
        Assert.Equal(Code + 6, m.Read32(0x3000 - 0x40));
        m.Write32(0x3000 - 0x40, 0x600);
        m.Step();
        Assert.Equal(0x3000u, m[13]);
        Assert.Equal(0x600u, m.Cpu.Pc);
        Assert.True(m.Cpu.Thumb);
    }

    [Fact]
    public void DataAbort_InThumb_LrIsAddressPlus8_SpsrHasT()
    {
        // 0x4000_0000 is unmapped: the bus signals ABORT.
        using var m = Run(0, m => { m[1] = 0x4000_0000; }, T.Nop, T.LdrImm(0, 1, 0));
        m[0] = 0x1234;
        m.Step(2);
        Assert.Equal(CpuMode.Abort, m.Cpu.Mode);
        Assert.False(m.Cpu.Thumb);
        Assert.Equal(Vectors.DataAbort, m.Cpu.Pc);
        Assert.Equal(Code + 2 + 8, m[14]);                          // SUBS PC, LR, #8 re-executes the load
        Assert.NotEqual(0u, m.Cpu.GetSpsr(CpuMode.Abort) & Psr.T);
        Assert.Equal(0x1234u, m.Cpu.GetBankedRegister(CpuMode.Supervisor, 0));
    }

    [Fact]
    public void DataAbort_OnStore_InThumb()
    {
        using var m = Run(0, m => { m[1] = 0x4000_0000; }, T.StrImm(0, 1, 0));
        m.Step();
        Assert.Equal(CpuMode.Abort, m.Cpu.Mode);
        Assert.Equal(Code + 8, m[14]);
    }

    [Fact]
    public void PrefetchAbort_InThumb_LrIsAddressPlus4()
    {
        // Branch into unmapped space: the aborted halfword reaches execute and traps.
        using var m = Run(0, m => { m[0] = 0x4000_0001; }, T.Bx(0));
        m.Step();
        Assert.True(m.Cpu.Thumb);
        m.Step();
        Assert.Equal(CpuMode.Abort, m.Cpu.Mode);
        Assert.Equal(Vectors.PrefetchAbort, m.Cpu.Pc);
        Assert.Equal(0x4000_0000u + 4, m[14]);                       // SUBS PC, LR, #4 retries the fetch
        Assert.NotEqual(0u, m.Cpu.GetSpsr(CpuMode.Abort) & Psr.T);
    }

    [Fact]
    public void Undefined_InThumb_ReturnsWithMovsPcLr()
    {
        // The undefined handler returns to the next Thumb instruction with MOVS PC, LR.
        using var m = Run(0, _ => { }, (ushort)0xDE00, T.MovImm(3, 33));
        m.Write32(Vectors.Undefined, A.DpReg(0xD, true, 15, 0, 14));
        m.Step();
        Assert.Equal(CpuMode.Undefined, m.Cpu.Mode);
        m.Step();
        Assert.Equal(CpuMode.Supervisor, m.Cpu.Mode);
        Assert.True(m.Cpu.Thumb);
        Assert.Equal(Code + 2, m.Cpu.Pc);
        m.Step();
        Assert.Equal(33u, m[3]);
    }

    [Fact]
    public void Swi_ReturnsToThumbWithMovsPcLr()
    {
        using var m = Run(0, _ => { }, T.Swi(5), T.MovImm(3, 44));
        m.Write32(Vectors.Swi, A.DpReg(0xD, true, 15, 0, 14));
        m.Step(2);
        Assert.True(m.Cpu.Thumb);
        Assert.Equal(Code + 2, m.Cpu.Pc);
        m.Step();
        Assert.Equal(44u, m[3]);
    }
}
