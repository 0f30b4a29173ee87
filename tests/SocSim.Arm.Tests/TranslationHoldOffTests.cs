using SocSim.Arm;
using SocSim.Arm.Translation;
using SocSim.Core;
using Xunit;

namespace SocSim.Arm.Tests;

/// <summary>
/// BlockTranslator.HoldOff (`socsim run --translate-after`): nothing is translated before the core has executed
/// that many instructions, hot code is translated after it, and the run is the interpreter's throughout.
/// </summary>
public sealed class TranslationHoldOffTests
{
    // add r1, r1, #1; ldr r3, [r1]; add r3, r3, r2; subs r2, r2, #1; str r3, [r1, #4]; bne start; bx lr
    private static readonly uint[] Loop = [0xE2811001, 0xE5913000, 0xE0833002, 0xE2522001, 0xE5813004, 0x1AFFFFF9, 0xE12FFF1E];

    [Theory]
    [InlineData(0L)]
    [InlineData(3_000L)]
    [InlineData(9_001L)]
    public void NothingIsTranslatedBeforeTheHoldOffAndHotCodeIsAfterIt(long holdOff)
    {
        using var ls = new TranslationLockstep();
        // In line (not in the background): what is translated when does not depend on the host.
        ls.Trans.Cpu.SetEngine(ExecutionEngine.Translate, threshold: 4, background: false, holdOff: holdOff);
        var t = ls.Trans.Cpu.Translator!;
        Assert.Equal(holdOff, t.HoldOff);
        ls.Write32(0x1000, Loop);
        ls.Write32(0x2000, 0xEAFFFFFE); // b . : where the loop returns
        ls.Start(0x1000, (uint)CpuMode.Supervisor | Psr.I | Psr.F, (m, r) => r switch { 1 => 0x8000, 2 => 2_000, 14 => 0x2000, _ => (uint)(r * 0x01010101) });
        long firstCompiledAt = -1;
        for (long cycles = 500; cycles <= 60_000; cycles += 500)
        {
            Assert.True(ls.Run(cycles), ls.Failure);
            if (t.BlocksCompiled > 0 && firstCompiledAt < 0) firstCompiledAt = ls.Trans.Cpu.Instructions;
            if (ls.Trans.Cpu.Instructions < holdOff) Assert.Equal(0, t.BlocksCompiled);
        }
        // The loop ran 12,000 instructions (2,000 iterations of 6), then spins on `b .`.
        Assert.True(ls.Trans.Cpu.Instructions > 12_000);
        Assert.True(firstCompiledAt >= holdOff, $"compiled at {firstCompiledAt} instructions, hold-off {holdOff}");
        Assert.True(t.BlocksCompiled > 0);
        Assert.True(t.TranslatedInstructions > 0);
    }
}
