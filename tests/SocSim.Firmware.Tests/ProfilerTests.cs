using SocSim.Trace.Profiling;

namespace SocSim.Firmware.Tests;

/// <summary>The profiler: exact totals, call counts, inclusive times checked against run-until.</summary>
public class ProfilerTests
{
    public static TheoryData<string> Firmware => new() { "hello", "timer_irq", "uart_echo", "thumb", "rdimon", "bench_small" };

    [Theory]
    [MemberData(nameof(Firmware))]
    public void ExclusiveCyclesAndInstructions_SumExactlyToTheRun(string elf)
    {
        var (r, p, _) = Repo.Profile(elf);
        Assert.Equal(StopReason.Exit, r.Reason);
        Assert.Equal(r.Cycles, p.TotalCycles);
        Assert.Equal(r.Cycles, p.Functions.Sum(f => f.ExclusiveCycles));
        Assert.Equal(r.Instructions, p.Functions.Sum(f => f.ExclusiveInstructions));
        Assert.Equal(r.Cycles, p.Stacks.Sum(s => s.Cycles));
        Assert.All(p.Functions, f => Assert.True(f.InclusiveCycles >= f.ExclusiveCycles, f.Name));
        Assert.All(p.Functions, f => Assert.True(f.InclusiveCycles <= r.Cycles, f.Name));
        Assert.Equal(4, p["[reset]"]!.ExclusiveCycles);
    }

    [Fact]
    public void TimerDemo_CallCountsAndInterruptFrames()
    {
        var (r, p, _) = Repo.Profile("timer_irq");
        Assert.Equal(9, p["puts0"]!.Calls);
        Assert.Equal(7, p["put_dec"]!.Calls);
        Assert.Equal(5, p["timer0_isr"]!.Calls);
        Assert.Equal(5, p["irq_handler"]!.Calls);
        Assert.Equal(5, p["[irq]"]!.Calls);
        Assert.Equal(1, p["main"]!.Calls);
        // [irq] = entry cycles + the vector + irq_handler, which includes the ISR.
        var irq = p["[irq]"]!;
        Assert.Equal(irq.ExclusiveCycles + p["_vectors"]!.ExclusiveCycles - 9 + p["irq_handler"]!.InclusiveCycles, irq.InclusiveCycles);
        Assert.Equal(p["irq_handler"]!.ExclusiveCycles + p["timer0_isr"]!.InclusiveCycles, p["irq_handler"]!.InclusiveCycles);
        Assert.Contains(p.Stacks, s => s.ToString() == "reset_handler;main;[irq];irq_handler;timer0_isr");
        Assert.Equal("puts0", p.Functions[0].Name);
    }

    [Fact]
    public void InclusiveCyclesOfMain_EqualRunUntilItReturns()
    {
        var (_, p, _) = Repo.Profile("timer_irq");
        using var m = Repo.Load("timer_irq");
        m.RunUntil("main");
        long start = m.Cycles, startInstr = m.Instructions;
        m.RunUntilReturn();
        Assert.Equal(m.Cycles - start, p["main"]!.InclusiveCycles);
        Assert.Equal(m.Instructions - startInstr, p["main"]!.InclusiveInstructions);
    }

    /// <summary>Inclusive cycles of functions called once, cross-checked with run-until-return, interrupts included.</summary>
    [Theory]
    [InlineData("bench_small", "kernel_crc32")]
    [InlineData("bench_small", "kernel_sieve")]
    [InlineData("bench_small", "kernel_qsort")]
    [InlineData("bench_small", "kernel_thumb")]
    [InlineData("uart_echo", "main")]
    [InlineData("thumb", "main")]
    [InlineData("thumb", "arm_sort")]
    public void InclusiveCycles_OfASingleCall_EqualRunUntilReturn(string elf, string function)
    {
        var (_, p, _) = Repo.Profile(elf);
        Assert.Equal(1, p[function]!.Calls);
        using var m = Repo.Load(elf);
        m.RunUntil(function);
        long start = m.Cycles;
        m.RunUntilReturn();
        Assert.Equal(m.Cycles - start, p[function]!.InclusiveCycles);
    }

    /// <summary>
    /// At other CPU clocks the timer interrupts land on other instructions (after a BL, on a
    /// return, inside a loop); the inferred call stack must give the same call counts every time.
    /// </summary>
    [Theory]
    [InlineData(13_000_000)]
    [InlineData(17_000_000)]
    [InlineData(23_000_000)]
    [InlineData(31_000_000)]
    [InlineData(37_000_000)]
    [InlineData(41_000_000)]
    [InlineData(47_000_000)]
    [InlineData(53_000_000)]
    public void CallStack_IsStableWhereverInterruptsLand(long cpuHz)
    {
        string set = $"clocks.CPUCLK={cpuHz}";
        using var m = Repo.Load("timer_irq", set);
        var profiler = new Profiler(m.Cpu, m.Elf);
        m.AddHook(profiler);
        var r = m.Run(100_000_000);
        Assert.Equal(0, r.ExitCode);
        var p = profiler.Snapshot(m.Cpu);
        Assert.Equal(r.Cycles, p.Functions.Sum(f => f.ExclusiveCycles));
        long irqs = m.ReadWord("irq_vector_count");
        Assert.Equal(irqs, p["[irq]"]!.Calls);
        Assert.Equal(irqs, p["irq_handler"]!.Calls);
        Assert.Equal(irqs, p["timer0_isr"]!.Calls);
        Assert.Equal(9, p["puts0"]!.Calls);
        Assert.Equal(7, p["put_dec"]!.Calls);
        Assert.Equal(1, p["main"]!.Calls);
        // Everything but the reset refill and the reset vector's ldr pc (9 cycles) runs under reset_handler.
        Assert.Equal(r.Cycles - p["[reset]"]!.ExclusiveCycles - 9, p["reset_handler"]!.InclusiveCycles);

        using var check = Repo.Load("timer_irq", set);
        check.RunUntil("main");
        long start = check.Cycles;
        check.RunUntilReturn();
        Assert.Equal(check.Cycles - start, p["main"]!.InclusiveCycles);
    }

    [Fact]
    public void ThumbInterworking_VeneersAndLibgccCallsAreSeen()
    {
        var (_, p, _) = Repo.Profile("thumb");
        // Thumb main -> veneer (bx pc; b arm_write) -> arm_write -> puts0.
        Assert.Equal(7, p["__arm_write_from_thumb"]!.Calls);
        Assert.Equal(7, p["arm_write"]!.Calls);
        Assert.True(p["arm_write"]!.InclusiveCycles >= p["puts0"]!.InclusiveCycles);
        Assert.Contains(p.Stacks, s => s.ToString().EndsWith("main;arm_write;puts0", StringComparison.Ordinal));
        // __aeabi_idivmod calls a label inside __divsi3.
        Assert.Equal(32, p["__divsi3"]!.Calls);
        Assert.Equal(333, p["thumb_cmp_desc"]!.Calls);
    }

    [Fact]
    public void Recursion_CountsInclusiveTimeOnce()
    {
        var (r, p, _) = Repo.Profile("bench_small");
        var q = p["quicksort.constprop.0"]!;
        Assert.True(q.Calls > 1000);
        Assert.Equal(q.ExclusiveCycles, q.InclusiveCycles);
        Assert.True(p["kernel_qsort"]!.InclusiveCycles >= q.InclusiveCycles);
        Assert.True(p["main"]!.InclusiveCycles < r.Cycles);
    }

    [Fact]
    public void Table_And_CollapsedFormats()
    {
        var (r, p, _) = Repo.Profile("timer_irq");
        var table = p.FormatTable().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("  excl_cycles  excl%  incl_cycles  incl%     calls  excl_instr  incl_instr  function", table[0]);
        Assert.EndsWith("  puts0", table[1]);
        Assert.EndsWith("(total)", table[^1]);
        Assert.StartsWith($"{r.Cycles,13} 100.00", table[^1]);
        var collapsed = p.FormatCollapsed().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("reset_handler;main;puts0 356191", collapsed);
        Assert.Equal(r.Cycles, collapsed.Sum(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..])));
    }

    [Fact]
    public void StartedMidRun_CoversOnlyTheRestOfTheRun()
    {
        using var m = Repo.Load("timer_irq");
        m.RunUntil("main");
        long start = m.Cycles;
        var profiler = new Profiler(m.Cpu, m.Elf, fromReset: false);
        m.AddHook(profiler);
        var r = m.Run(10_000_000);
        var p = profiler.Snapshot(m.Cpu);
        Assert.Equal(r.Cycles - start, p.TotalCycles);
        Assert.Equal(p.TotalCycles, p.Functions.Sum(f => f.ExclusiveCycles));
        Assert.Null(p["[reset]"]);
    }
}
