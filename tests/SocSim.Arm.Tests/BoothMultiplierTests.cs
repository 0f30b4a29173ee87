using SocSim.Arm;

namespace SocSim.Arm.Tests;

/// <summary>
/// The C flag after S-suffixed multiplies, from the Booth multiplier model.
/// </summary>
/// <remarks>
/// Sources of the expected values:
/// <list type="bullet">
/// <item>mgba-suite "multiply long" test (src/multiply-long.c): CPSR recorded on a real GBA after
/// SMULLS/UMULLS with C cleared beforehand. This is the only hardware ground truth used here.</item>
/// <item>Operands of executed S-multiplies taken from the SingleStepTests conformance files
/// (test id given). Those files do NOT contain the hardware carry: in all 1,013 executed S-multiplies
/// they leave C unchanged (and they hold no SMULL/SMLAL at all), so the expected flag for them, and for the constructed
/// cases covering every instruction and every early-termination length, comes from this model and
/// was cross-checked against an independently written arithmetic formulation of the datapath
/// (random operands, 50,000 cases, 0 differences).</item>
/// </list>
/// </remarks>
public class BoothMultiplierTests
{
    public enum Op { MUL, MLA, UMULL, UMLAL, SMULL, SMLAL }

    private static uint CarryOf(Op op, uint rm, uint rs, ulong acc, uint carryIn = 0) => op switch
    {
        Op.MUL => BoothMultiplier.Carry(rm, rs, 0, false, false, false, carryIn),
        Op.MLA => BoothMultiplier.Carry(rm, rs, acc, true, false, false, carryIn),
        Op.UMULL => BoothMultiplier.Carry(rm, rs, 0, false, true, false, carryIn),
        Op.UMLAL => BoothMultiplier.Carry(rm, rs, acc, true, true, false, carryIn),
        Op.SMULL => BoothMultiplier.Carry(rm, rs, 0, false, true, true, carryIn),
        Op.SMLAL => BoothMultiplier.Carry(rm, rs, acc, true, true, true, carryIn),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    private static int CyclesOf(Op op, uint rs) => op switch
    {
        Op.MUL or Op.MLA => BoothMultiplier.Cycles(rs, false, false),
        Op.UMULL or Op.UMLAL => BoothMultiplier.Cycles(rs, true, false),
        _ => BoothMultiplier.Cycles(rs, true, true),
    };

    /// <summary>Hardware: mgba-suite multiply-long table (Rm = in0, Rs = in1), C of SMULLS and UMULLS.</summary>
    [Theory]
    [InlineData(0x00000000u, 0x00000000u, 0u, 0u)]
    [InlineData(0x00000001u, 0x00000000u, 0u, 0u)]
    [InlineData(0xFFFFFFFFu, 0x00000000u, 0u, 0u)]
    [InlineData(0x7FFFFFFFu, 0x00000000u, 0u, 0u)]
    [InlineData(0x80000000u, 0x00000000u, 0u, 0u)]
    [InlineData(0x80000001u, 0x00000000u, 0u, 0u)]
    [InlineData(0x00000000u, 0x00000001u, 0u, 0u)]
    [InlineData(0x00000001u, 0x00000001u, 0u, 0u)]
    [InlineData(0xFFFFFFFFu, 0x00000001u, 0u, 0u)]
    [InlineData(0x7FFFFFFFu, 0x00000001u, 0u, 0u)]
    [InlineData(0x80000000u, 0x00000001u, 0u, 0u)]
    [InlineData(0x80000001u, 0x00000001u, 0u, 0u)]
    [InlineData(0x00000000u, 0xFFFFFFFFu, 0u, 0u)]
    [InlineData(0x00000001u, 0xFFFFFFFFu, 0u, 0u)]
    [InlineData(0xFFFFFFFFu, 0xFFFFFFFFu, 0u, 1u)]
    [InlineData(0x7FFFFFFFu, 0xFFFFFFFFu, 0u, 1u)]
    [InlineData(0x80000000u, 0xFFFFFFFFu, 0u, 0u)]
    [InlineData(0x80000001u, 0xFFFFFFFFu, 0u, 0u)]
    [InlineData(0x00000000u, 0x7FFFFFFFu, 0u, 0u)]
    [InlineData(0x00000001u, 0x7FFFFFFFu, 0u, 0u)]
    [InlineData(0xFFFFFFFFu, 0x7FFFFFFFu, 1u, 1u)]
    [InlineData(0x7FFFFFFFu, 0x7FFFFFFFu, 0u, 0u)]
    [InlineData(0x80000000u, 0x7FFFFFFFu, 1u, 1u)]
    [InlineData(0x80000001u, 0x7FFFFFFFu, 1u, 1u)]
    [InlineData(0x00000000u, 0x80000000u, 1u, 0u)]
    [InlineData(0x00000001u, 0x80000000u, 1u, 0u)]
    [InlineData(0xFFFFFFFFu, 0x80000000u, 0u, 1u)]
    [InlineData(0x7FFFFFFFu, 0x80000000u, 1u, 0u)]
    [InlineData(0x80000000u, 0x80000000u, 0u, 1u)]
    [InlineData(0x80000001u, 0x80000000u, 0u, 1u)]
    [InlineData(0x00000000u, 0x80000001u, 1u, 0u)]
    [InlineData(0x00000001u, 0x80000001u, 1u, 0u)]
    [InlineData(0xFFFFFFFFu, 0x80000001u, 0u, 1u)]
    [InlineData(0x7FFFFFFFu, 0x80000001u, 1u, 0u)]
    [InlineData(0x80000000u, 0x80000001u, 0u, 1u)]
    [InlineData(0x80000001u, 0x80000001u, 0u, 1u)]
    public void LongMultiply_MatchesHardware(uint rm, uint rs, uint smullCarry, uint umullCarry)
    {
        Assert.Equal(smullCarry, CarryOf(Op.SMULL, rm, rs, 0));
        Assert.Equal(umullCarry, CarryOf(Op.UMULL, rm, rs, 0));
    }

    /// <summary>Operands of executed S-multiplies in the conformance files (id in the comment).</summary>
    [Theory]
    [InlineData(Op.MUL, 0x65D735FCu, 0xFFE529EEu, 0x0ul, 3, 0u)]                    // mul_mla#1365
    [InlineData(Op.MUL, 0x05B12A7Au, 0xFFBEBCA2u, 0x0ul, 3, 1u)]                    // mul_mla#1608
    [InlineData(Op.MUL, 0x134EF2DBu, 0xCBFB5591u, 0x0ul, 4, 0u)]                    // mul_mla#19
    [InlineData(Op.MUL, 0xB9409F87u, 0xB47437DCu, 0x0ul, 4, 1u)]                    // mul_mla#11
    [InlineData(Op.MLA, 0x77F5BE97u, 0x00F245D1u, 0x1E311130ul, 3, 0u)]             // mul_mla#38
    [InlineData(Op.MLA, 0x110947BEu, 0x00ABA1DAu, 0xD5C8C2CDul, 3, 1u)]             // mul_mla#1942
    [InlineData(Op.MLA, 0xA46F9058u, 0xDAB66F99u, 0x21BCF53Eul, 4, 0u)]             // mul_mla#1
    [InlineData(Op.MLA, 0xC4197B28u, 0x9642776Fu, 0x47685308ul, 4, 1u)]             // mul_mla#10
    [InlineData(Op.UMULL, 0xD1AE3FD7u, 0x13843BB6u, 0x0ul, 4, 0u)]                  // mull_mlal#1
    [InlineData(Op.UMULL, 0xF450EFBAu, 0x83169936u, 0x0ul, 4, 1u)]                  // mull_mlal#0
    [InlineData(Op.UMLAL, 0xFE84386Eu, 0x9928316Bu, 0x4D14B17514A880CBul, 4, 0u)]   // mull_mlal#2
    [InlineData(Op.UMLAL, 0x8363C0DFu, 0x59298BE7u, 0xD84C32A8940401C7ul, 4, 1u)]   // mull_mlal#37
    public void ConformanceOperands(Op op, uint rm, uint rs, ulong acc, int cycles, uint carry)
    {
        Assert.Equal(cycles, CyclesOf(op, rs));
        Assert.Equal(carry, CarryOf(op, rm, rs, acc));
    }

    /// <summary>Every instruction at every early-termination length (1..4 array cycles).</summary>
    [Theory]
    [InlineData(Op.MUL, 0xA2DA95A8u, 0xFFFFFFD6u, 0x0ul, 1, 0u)]
    [InlineData(Op.MUL, 0x9D9B532Au, 0xFFFF6C36u, 0x0ul, 2, 1u)]
    [InlineData(Op.MUL, 0x8B389064u, 0x003D4E7Bu, 0x0ul, 3, 0u)]
    [InlineData(Op.MUL, 0x131DB618u, 0x84F42B4Bu, 0x0ul, 4, 1u)]
    [InlineData(Op.MLA, 0xDDFA7FA4u, 0x00000011u, 0x34D57084ul, 1, 0u)]
    [InlineData(Op.MLA, 0x77F1CAF0u, 0x0000C19Fu, 0xECB736D8ul, 2, 1u)]
    [InlineData(Op.MLA, 0xA70B967Au, 0x00354788u, 0x25FBAB1Bul, 3, 0u)]
    [InlineData(Op.MLA, 0xBE564059u, 0xB9AE5C8Fu, 0x2393446Aul, 4, 1u)]
    [InlineData(Op.UMULL, 0x5352D63Fu, 0x00000053u, 0x0ul, 1, 0u)]
    [InlineData(Op.UMULL, 0xF8971813u, 0x0000C31Cu, 0x0ul, 2, 1u)]
    [InlineData(Op.UMULL, 0x8171A4C3u, 0x000DAD42u, 0x0ul, 3, 0u)]
    [InlineData(Op.UMULL, 0x9D1A8C83u, 0x6BC9E141u, 0x0ul, 4, 1u)]
    [InlineData(Op.UMLAL, 0x9871D769u, 0x00000094u, 0xA0CB0B17D625C18Aul, 1, 0u)]
    [InlineData(Op.UMLAL, 0xB6770B11u, 0x0000492Cu, 0xDC79E8E87707AF4Dul, 2, 1u)]
    [InlineData(Op.UMLAL, 0xC48FF480u, 0x00122B13u, 0x21CB664ADC769927ul, 3, 0u)]
    [InlineData(Op.UMLAL, 0x94BDCA5Eu, 0x34F81895u, 0x10C1525AAFC3434Bul, 4, 1u)]
    [InlineData(Op.SMULL, 0x2C7A15BEu, 0xFFFFFFEBu, 0x0ul, 1, 0u)]
    [InlineData(Op.SMULL, 0x3A81EA0Bu, 0x00004F53u, 0x0ul, 2, 1u)]
    [InlineData(Op.SMULL, 0x9A094DEAu, 0xFF0EE1C3u, 0x0ul, 3, 0u)]
    [InlineData(Op.SMULL, 0x86FE0F19u, 0x4001C9E9u, 0x0ul, 4, 1u)]
    [InlineData(Op.SMLAL, 0xE4196F35u, 0xFFFFFF85u, 0xC8C90052320862D1ul, 1, 0u)]
    [InlineData(Op.SMLAL, 0x848A58C5u, 0xFFFFB510u, 0xF1F8665C201F0631ul, 2, 1u)]
    [InlineData(Op.SMLAL, 0x2C7B76DAu, 0xFF0F5598u, 0x7CF0D5123C7B04CCul, 3, 0u)]
    [InlineData(Op.SMLAL, 0x2A4204A6u, 0xBB59E523u, 0x1637C1D8297B2A4Aul, 4, 1u)]
    public void EveryInstructionAndLength(Op op, uint rm, uint rs, ulong acc, int cycles, uint carry)
    {
        Assert.Equal(cycles, CyclesOf(op, rs));
        Assert.Equal(carry, CarryOf(op, rm, rs, acc));
    }

    [Theory]
    [InlineData(0x00000000u, false, false, 1)]
    [InlineData(0x000000FFu, true, false, 1)]   // Rs[7:0] fully handled in one cycle (extra first Booth chunk)
    [InlineData(0x00000100u, true, false, 2)]
    [InlineData(0x00FFFFFFu, true, true, 3)]
    [InlineData(0xFFFFFF00u, false, false, 1)]  // MUL/MLA: all-ones upper bits terminate (signed datapath)
    [InlineData(0xFFFFFF00u, true, true, 1)]    // SMULL: likewise
    [InlineData(0xFFFFFF00u, true, false, 4)]   // UMULL: only zeros terminate
    [InlineData(0x80000000u, false, false, 4)]
    public void EarlyTermination(uint rs, bool isLong, bool signed, int cycles) =>
        Assert.Equal(cycles, BoothMultiplier.Cycles(rs, isLong, signed));

    /// <summary>A full-length MUL/MLA takes C from the last Booth step's injected "+1": Rs[31:30] == 0b10.</summary>
    [Theory]
    [InlineData(0x80000000u, 1u)]
    [InlineData(0xB0000000u, 1u)]
    [InlineData(0xC0000001u, 0u)]
    [InlineData(0x40000000u, 0u)]
    [InlineData(0x01000000u, 0u)]
    public void FullLengthShortMultiply_CarryIsLastBoothNegation(uint rs, uint carry)
    {
        Assert.Equal(4, CyclesOf(Op.MUL, rs));
        foreach (uint rm in new[] { 0u, 1u, 0xDEADBEEFu, 0xFFFFFFFFu })
        {
            Assert.Equal(carry, CarryOf(Op.MUL, rm, rs, 0));
            Assert.Equal(carry, CarryOf(Op.MLA, rm, rs, 0x12345678u));
        }
    }

    [Fact]
    public void OldCarryAndUnusedAccumulatorDoNotMatter()
    {
        // C is overwritten, not merged; the accumulate value only counts for MLA/UMLAL/SMLAL.
        Assert.Equal(CarryOf(Op.MLA, 0xBE564059u, 0xB9AE5C8Fu, 0x2393446Aul, 0),
                     CarryOf(Op.MLA, 0xBE564059u, 0xB9AE5C8Fu, 0x2393446Aul, 1));
        Assert.Equal(1u, BoothMultiplier.Carry(0x9D1A8C83u, 0x6BC9E141u, 0xFFFF_FFFF_FFFF_FFFFul, false, true, false, 0));
        Assert.Equal(0u, BoothMultiplier.Carry(0xA2DA95A8u, 0xFFFFFFD6u, 0xFFFF_FFFFul, false, false, false, 1));
    }
}
