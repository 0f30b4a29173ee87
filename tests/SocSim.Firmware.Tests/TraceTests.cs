using SocSim.Trace.InstructionTrace;

namespace SocSim.Firmware.Tests;

/// <summary>The instruction trace: line format, effects, condition-failed and interrupt-entry lines.</summary>
public class TraceTests
{
    private static (string[] Lines, RunResult Result) Trace(string elf, long maxCycles)
    {
        using var m = Repo.Load(elf);
        var w = new StringWriter();
        var tracer = new InstructionTracer(w);
        m.AddHook(tracer);
        m.AddBusObserver(tracer);
        var r = m.Run(maxCycles);
        tracer.Dispose();
        return (w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), r);
    }

    [Fact]
    public void FirstLines_ShowCycleModePcOpcodeDisassemblyAndEffects()
    {
        var (lines, _) = Trace("timer_irq", 200);
        Assert.Equal("         4 +9  svc:A 00000000 e59ff018 ldr pc, [pc, #24]                pc=000001dc R4 00000020=000001dc", lines[0]);
        Assert.Equal("        13 +1  svc:A 000001dc e321f0db msr CPSR_c, #219                 cpsr=000000db", lines[1]);
        Assert.Equal("        14 +5  und:A 000001e0 e59fd110 ldr sp, [pc, #272]               sp=03fbd800 R4 000002f8=03fbd800", lines[2]);
        // .bss clearing: a store with post-increment, then the loop's last pass where the condition fails.
        Assert.Contains("        76 +3  svc:A 00000238 34813004 strcc r3, [r1], #4               r1=00000930 W4 0000092c=00000000", lines);
        Assert.Contains("        98 +1  svc:A 00000238 34813004 strcc r3, [r1], #4               (condition failed)", lines);
    }

    [Fact]
    public void OneLinePerInstructionAndInterruptEntry_CyclesAddUp()
    {
        var (lines, r) = Trace("timer_irq", 10_000_000);
        Assert.Equal(StopReason.Exit, r.Reason);
        var entries = lines.Where(l => l.Contains("<IRQ entry", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, entries.Count);
        Assert.Equal(r.Instructions + entries.Count, lines.Length);
        // cycle(first) + sum of +N = total cycles of the run.
        long sum = lines.Sum(l => long.Parse(l.Substring(12, 3).Trim()));
        Assert.Equal(r.Cycles, 4 + sum);
        Assert.Matches(@"^ +\d+ \+5  irq:A -------- -------- <IRQ entry, return to [0-9a-f]{8}> +sp=03fbf000 lr=[0-9a-f]{8} pc=00000018 cpsr=[0-9a-f]{8}$", entries[0]);
    }

    [Fact]
    public void ThumbLines_ShowHalfwordOpcodesAndBothHalvesOfBl()
    {
        var (lines, _) = Trace("thumb", 900);
        Assert.Contains(lines, l => l.Contains(" sys:T 00000040     b5f0 push {r4, r5, r6, r7, lr}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" sys:T 00000054     f000 bl d88 ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" sys:T 00000056     fe98 (bl, second half)" + new string(' ', 16) + "lr=00000059 pc=00000d88", StringComparison.Ordinal));
    }

    [Fact]
    public void ThumbConditionalBranch_NotTaken_IsShownAsConditionFailed()
    {
        var (lines, _) = Trace("thumb", 2_000_000);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @" sys:T [0-9a-f]{8}     d[0-9a-d][0-9a-f]{2} b(eq|ne|cs|cc|mi|pl|vs|vc|hi|ls|ge|lt|gt|le)\.n [0-9a-f]+ +\(condition failed\)$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @" sys:T [0-9a-f]{8}     d[0-9a-d][0-9a-f]{2} b(eq|ne|cs|cc|mi|pl|vs|vc|hi|ls|ge|lt|gt|le)\.n [0-9a-f]+ +pc=[0-9a-f]{8}$"));
    }

    [Fact]
    public void StartedAtARunUntilStop_MarksTheResumedInstruction()
    {
        using var m = Repo.Load("timer_irq");
        m.RunUntil("main");
        var w = new StringWriter();
        var tracer = new InstructionTracer(w, m.Cpu);
        m.AddHook(tracer);
        m.Run(m.Cycles + 20);
        var lines = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^       117 \+\d +sys:A -------- -------- <instruction begun before the trace>$", lines[0]);
        Assert.Contains(" sys:A 00000044 ", lines[1]);
    }

    [Fact]
    public void DataAccesses_OfDevices_AreListedInBusOrder()
    {
        var (lines, _) = Trace("hello", 10_000_000);
        // A byte written to UART0's data register.
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @" W[14] 101f1000=[0-9a-f]+$"));
        // A load multiple lists every word.
        Assert.Contains(lines, l => l.Contains(" pop {", StringComparison.Ordinal) && l.Split(" R4 ").Length > 2);
    }
}
