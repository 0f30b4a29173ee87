using System.Diagnostics;
using Xunit.Abstractions;

namespace SocSim.CortexM.Tests;

/// <summary>A long loop through <see cref="CortexMCpu.RunTo"/>: its result and its cycles, exact; the speed is printed, not asserted.</summary>
public sealed class LoopTests(ITestOutputHelper output)
{
    [Fact]
    public void ChecksumLoopRunsToBkptWithExactCycles()
    {
        const uint n = 1_000_000;
        string program = $"movs r0, #0\nldr r1, ={n}\n1: adds r0, r0, r1\neor r0, r0, r0, lsl #3\nsubs r1, #1\nbne 1b\nbkpt #0\n.ltorg";
        using (var warm = new TestCore().Load(program).Reset()) warm.Cpu.RunTo(long.MaxValue);    // the tiered JIT's warm-up
        using var t = new TestCore().Load(program).Reset();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        long executed = t.Cpu.RunTo(long.MaxValue);
        sw.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        uint r0 = 0;
        for (uint r1 = n; r1 != 0; r1--) { r0 += r1; r0 ^= r0 << 3; }
        Assert.Equal(CoreState.Halted, t.Cpu.State);
        Assert.Equal(r0, t.Cpu.GetRegister(0));
        Assert.Equal(2 + 4 * (long)n + 1, executed);
        // MOVS 1, LDR literal 2; per iteration ADDS 1, EOR 1, SUBS 1, BNE taken 1 + P (P = 1); the last BNE falls through (1); BKPT 1.
        Assert.Equal(1 + 2 + 5 * (long)n - 1 + 1, t.Cpu.Cycles);
        Assert.Equal(t.Cpu.Cycles, t.Scheduler.Cycles);
        output.WriteLine($"{executed:N0} instructions in {sw.Elapsed.TotalMilliseconds:F0} ms wall, {cpu.TotalMilliseconds:F0} ms CPU: " +
                         $"{executed / sw.Elapsed.TotalSeconds / 1e6:F1} MIPS wall, {executed / cpu.TotalSeconds / 1e6:F1} MIPS per CPU second (this host)");
    }
}
