using SocSim.Arm;
using SocSim.Core;
using Xunit;

namespace SocSim.Boards.Tests;

/// <summary>
/// Every committed firmware on the default board, the translator (threshold 0: every block translated
/// the first time it is reached) in lockstep with the interpreter: after every translated block the
/// interpreting machine runs to the same cycle and the core state of every mode must be identical;
/// at the end the UART and semihosting output, exit, cycles, instructions and all memory too.
/// </summary>
public sealed class TranslationFirmwareTests
{
    private static string Elf(string name) => Path.Combine(TestFiles.RepoRoot, "firmware", "elf", name);

    public static IEnumerable<object[]> Firmware() =>
        Directory.GetFiles(Path.Combine(TestFiles.RepoRoot, "firmware", "elf"), "*.elf").Order(StringComparer.Ordinal).Select(f => new object[] { Path.GetFileName(f) });

    private static readonly CpuMode[] Modes = [CpuMode.User, CpuMode.Fiq, CpuMode.Irq, CpuMode.Supervisor, CpuMode.Abort, CpuMode.Undefined];

    internal static string? CompareCores(Machine a, Machine b)
    {
        if (a.Scheduler.Cycles != b.Scheduler.Cycles) return $"cycles {a.Scheduler.Cycles} != {b.Scheduler.Cycles}";
        if (a.Cpu.Instructions != b.Cpu.Instructions) return $"instructions {a.Cpu.Instructions} != {b.Cpu.Instructions}";
        if (a.Cpu.Cpsr != b.Cpu.Cpsr) return $"cpsr {a.Cpu.Cpsr:X8} != {b.Cpu.Cpsr:X8}";
        if (a.Cpu.Pipeline != b.Cpu.Pipeline) return $"pipeline {a.Cpu.Pipeline} != {b.Cpu.Pipeline}";
        foreach (var m in Modes)
        {
            for (int r = 0; r < 16; r++)
                if (a.Cpu.GetBankedRegister(m, r) != b.Cpu.GetBankedRegister(m, r))
                    return $"{m} r{r} {a.Cpu.GetBankedRegister(m, r):X8} != {b.Cpu.GetBankedRegister(m, r):X8}";
            if (m != CpuMode.User && a.Cpu.GetSpsr(m) != b.Cpu.GetSpsr(m)) return $"spsr_{m}";
        }
        return null;
    }

    [Theory]
    [MemberData(nameof(Firmware))]
    public void FirmwareRunsIdenticallyTranslatedInLockstep(string name)
    {
        // The LPC2106 programs run on their chip from the flash behind the MAM: translated with the
        // MAM's own timing model.
        bool lpc = name.StartsWith("lpc2106", StringComparison.Ordinal);
        var board = BoardLoader.Load([Path.Combine(TestFiles.BoardsDir, lpc ? "lpc2106.json" : "versatilepb.json")], []);
        // bench.elf's 229 M cycles and irq_bench.elf's 180 M are covered by the full-speed tests below;
        // here their first 20 M.
        var (rb, translated) = Lockstep(board, Elf(name), name is "bench.elf" or "irq_bench.elf" ? 20_000_000 : 30_000_000);
        Assert.True(translated > 0);
        if (lpc) Assert.True(translated > rb.Instructions / 2, $"{translated} of {rb.Instructions} instructions translated");
    }

    /// <summary>
    /// FreeRTOS's LPC2106 demo (unmodified, ../shared/freertos), which runs from the MAM's flash with
    /// the MAM on, interrupts from timer 0 and UART0 (looped back) and task switches: 50 M cycles in
    /// lockstep, and most of it translated.
    /// </summary>
    [Fact]
    public void FreeRtosDemoRunsIdenticallyTranslatedInLockstep()
    {
        string elf = Path.GetFullPath(Path.Combine(TestFiles.RepoRoot, "..", "shared", "freertos", "elf", "rtosdemo-arm.elf"));
        var board = BoardLoader.Load([Path.Combine(TestFiles.BoardsDir, "lpc2106.json"), Path.Combine(TestFiles.BoardsDir, "overrides", "lpc2106-uart0-loopback.json")], []);
        var (rb, translated) = Lockstep(board, elf, 50_000_000, gpio: true);
        Assert.Equal(StopReason.CycleLimit, rb.Reason);
        Assert.True(translated > rb.Instructions * 8 / 10, $"{translated} of {rb.Instructions} instructions translated");
    }

    /// <summary>
    /// Runs <paramref name="elf"/> interpreted and translated (threshold 0) in lockstep: after every
    /// translated block the full core state; at the end the run result, console, UARTs, memory and
    /// (with <paramref name="gpio"/>) every GPIO edge. Returns the translated run and how many of its
    /// instructions were translated.
    /// </summary>
    private static (RunResult Result, long Translated) Lockstep(Board board, string elf, long limit, bool gpio = false)
    {
        var outA = new MemoryStream();
        var outB = new MemoryStream();
        using var a = Machine.Create(board, new MachineOptions { Console = outA, Warnings = TextWriter.Null });
        using var b = Machine.Create(board, new MachineOptions { Console = outB, Warnings = TextWriter.Null, Engine = ExecutionEngine.Translate, TranslationThreshold = 0 });
        a.LoadElf(elf);
        b.LoadElf(elf);
        var edgesA = new List<(string, long, bool)>();
        var edgesB = new List<(string, long, bool)>();
        if (gpio)
            foreach (var pin in new[] { "P0_7", "P0_10", "P0_11", "P0_12", "P0_13" })
            {
                a.InterruptOutput("gpio", pin).Subscribe(l => edgesA.Add((pin, a.Scheduler.EventTime, l)));
                b.InterruptOutput("gpio", pin).Subscribe(l => edgesB.Add((pin, b.Scheduler.EventTime, l)));
            }
        string? failure = null;
        long checks = 0;
        b.Cpu.BlockExited = _ =>
        {
            if (failure != null) return;
            a.Cpu.Run(b.Scheduler.Cycles);
            checks++;
            if (CompareCores(a, b) is { } d) { failure = $"block exit #{checks} at pc=0x{b.Cpu.Pc:X8}: {d}"; b.Cpu.RequestStop(); }
        };
        var rb = b.Run(limit);
        Assert.True(failure == null, failure);
        var ra = a.Run(rb.Reason == StopReason.CycleLimit ? limit : long.MaxValue);
        Assert.Equal(ra, rb);
        Assert.Null(CompareCores(a, b));
        Assert.Equal(outA.ToArray(), outB.ToArray());
        foreach (var uart in a.Uarts.Keys) Assert.Equal(a.UartOutput(uart), b.UartOutput(uart));
        for (int i = 0; i < a.Bus.Mappings.Count; i++)
            if (a.Bus.Mappings[i].Region is { } ra2)
                Assert.True(ra2.AsSpan().SequenceEqual(b.Bus.Mappings[i].Region!.AsSpan()), $"memory of {ra2.Name} differs");
        Assert.Equal(edgesA, edgesB);
        return (rb, b.Cpu.Translator!.TranslatedInstructions);
    }

    /// <summary>
    /// bench.elf to its end with the default threshold, the JIT on a worker thread (the default) and
    /// in line: identical to the interpreter either way. In line, what is translated does not depend on
    /// the host's timing, so its share is asserted there.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BenchRunsIdenticallyAtFullSpeedWithTheDefaultThreshold(bool background)
    {
        var (a, b, rb) = RunBothAtFullSpeed("bench.elf", background);
        Assert.Equal(background, b.Cpu.Translator!.Background);
        // On a worker thread, how much is translated before the run ends depends on the host (a loaded CI runner
        // may finish first): only the equality above is asserted there.
        if (!background) Assert.True(b.Cpu.Translator.TranslatedInstructions > rb.Instructions * 9 / 10);
        a.Dispose();
        b.Dispose();
    }

    /// <summary>
    /// The interrupt benchmark to its end on both engines: identical, exit 0, and one interrupt per
    /// 10 us timer period (its exit code cannot demand that: QEMU's timer delivers far fewer).
    /// </summary>
    [Fact]
    public void IrqBenchRunsIdenticallyAtFullSpeedAndSeesEveryTick()
    {
        var (a, b, rb) = RunBothAtFullSpeed("irq_bench.elf");
        Assert.Equal(0, rb.ExitCode);
        foreach (var m in new[] { a, b })
        {
            Assert.Equal(0u, m.Bus.DebugRead32(m.Symbol("ticks_lost")));
            Assert.Equal(347438u, m.Bus.DebugRead32(m.Symbol("irq_vector_count")));
        }
        a.Dispose();
        b.Dispose();
    }

    private static (Machine A, Machine B, RunResult Rb) RunBothAtFullSpeed(string elf, bool background = true)
    {
        var board = BoardLoader.Load([Path.Combine(TestFiles.BoardsDir, "versatilepb.json")], []);
        var outA = new MemoryStream();
        var outB = new MemoryStream();
        var a = Machine.Create(board, new MachineOptions { Console = outA });
        var b = Machine.Create(board, new MachineOptions { Console = outB, Engine = ExecutionEngine.Translate, TranslateInBackground = background });
        a.LoadElf(Elf(elf));
        b.LoadElf(Elf(elf));
        var ra = a.Run();
        var rb = b.Run();
        Assert.Equal(ra, rb);
        Assert.Null(CompareCores(a, b));
        Assert.Equal(outA.ToArray(), outB.ToArray());
        for (int i = 0; i < a.Bus.Mappings.Count; i++)
            if (a.Bus.Mappings[i].Region is { } r)
                Assert.True(r.AsSpan().SequenceEqual(b.Bus.Mappings[i].Region!.AsSpan()), $"memory of {r.Name} differs");
        return (a, b, rb);
    }
}
