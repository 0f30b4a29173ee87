namespace SocSim.CortexM.Tests;

/// <summary>
/// Where the Cortex-M4's table (DDI 0439B table 3-1) differs from the Cortex-M3's: its single-cycle multiplier
/// (MUL, MLA, MLS, SMULL, UMULL, SMLAL, UMLAL 1 each, <see cref="CortexMTiming.M4Multiply"/>), where the M3 gives
/// MLA/MLS 2 and the long multiplies 3 to 7 by operand size. The same instruction on both profiles, the operands
/// chosen for the M3's slowest case.
/// </summary>
public sealed class M4TimingTests
{
    private static int Cycles(CortexMProfile profile, string instruction)
    {
        using var t = new TestCore(profile);
        t.Load("ldr r2, =0xFFFFFFFF\nldr r3, =0x7FFFFFFF\nnop\n" + instruction + "\n.ltorg", cpu: "cortex-m4").Reset();
        for (int i = 0; i < 3; i++) t.Cpu.Step();
        return t.Cpu.Step();
    }

    [Theory]
    [InlineData("mul r0, r2, r3", 1, 1)]
    [InlineData("mla r0, r2, r3, r1", 2, 1)]
    [InlineData("mls r0, r2, r3, r1", 2, 1)]
    [InlineData("umull r0, r1, r2, r2", 5, 1)]       // M3: 3 + 1 (b > 16 bits) + 1 (> 24)
    [InlineData("smull r0, r1, r3, r3", 5, 1)]
    [InlineData("umlal r0, r1, r2, r2", 7, 1)]       // M3: 5 + 1 + 1 (a > 16 bits)
    [InlineData("smlal r0, r1, r3, r3", 7, 1)]
    public void TheM4MultipliesInOneCycle(string instruction, int m3, int m4)
    {
        Assert.Equal(m3, Cycles(CortexMProfile.V7M, instruction));
        Assert.Equal(m4, Cycles(CortexMProfile.V7EM, instruction));
    }
}
