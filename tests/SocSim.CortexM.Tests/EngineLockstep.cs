using SocSim.Core;

namespace SocSim.CortexM.Tests;

/// <summary>
/// The comparison the block-engine lockstep tests make after every run slice: two cores with the same program,
/// one per engine, on registers, xPSR, both stack pointers, cycles, instructions, the scheduler's clock, the
/// core's state, the DWT's CPI/LSU/EXC/SLEEP counts and the given memory windows.
/// </summary>
internal static class EngineLockstep
{
    public static void AssertSame(string what, CortexMCpu a, Scheduler sa, Bus ba, CortexMCpu b, Scheduler sb, Bus bb, params (uint From, uint To)[] windows)
    {
        for (int r = 0; r < 16; r++) Assert.True(a.GetRegister(r) == b.GetRegister(r), $"{what}: r{r} 0x{a.GetRegister(r):X8} (interpreter) != 0x{b.GetRegister(r):X8} (blocks)");
        Assert.True(a.Xpsr == b.Xpsr, $"{what}: xPSR 0x{a.Xpsr:X8} != 0x{b.Xpsr:X8}");
        Assert.True(a.Cycles == b.Cycles, $"{what}: cycles {a.Cycles} != {b.Cycles}");
        Assert.True(a.Instructions == b.Instructions, $"{what}: instructions {a.Instructions} != {b.Instructions}");
        Assert.True(sa.Cycles == sb.Cycles, $"{what}: scheduler clock {sa.Cycles} != {sb.Cycles}");
        Assert.Equal(a.State, b.State);
        Assert.Equal(a.Msp, b.Msp);
        Assert.Equal(a.Psp, b.Psp);
        Assert.True((a.CpiCycles, a.LsuCycles, a.ExceptionCycles, a.SleepCycles) == (b.CpiCycles, b.LsuCycles, b.ExceptionCycles, b.SleepCycles), $"{what}: DWT CPI/LSU/EXC/SLEEP counts differ");
        foreach (var (from, to) in windows)
            for (uint x = from; x < to; x += 4)
                if (ba.DebugRead32(x) != bb.DebugRead32(x))
                    Assert.Fail($"{what}: memory at 0x{x:X8}: 0x{ba.DebugRead32(x):X8} != 0x{bb.DebugRead32(x):X8}");
    }
}
