using System.Text;
using Snapshooter;
using Snapshooter.Xunit;
using SocSim.Boards;
using SocSim.Trace.Profiling;
using SocSim.Trace.Timing;

namespace SocSim.Firmware.Tests;

/// <summary>
/// Snapshot tests: every board resolved and printed, every firmware run with its output, exit,
/// cycles, instructions, per-function profile and interrupt latency. The snapshots live in
/// <c>__snapshots__/</c>; a change in timing shows as a diff there (see docs/firmware-testing.md for
/// reviewing and accepting one).
/// </summary>
public class SnapshotTests
{
    public static TheoryData<string> Boards()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(Repo.Root, "boards"), "*.json").Where(f => !f.EndsWith(".schema.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(f));
        // Each override, layered on the board it names first (lpc2106-*.json) or on the default board.
        foreach (var f in Directory.GetFiles(Path.Combine(Repo.Root, "boards", "overrides"), "*.json").Order(StringComparer.Ordinal))
            data.Add(BaseBoardOf(Path.GetFileNameWithoutExtension(f)) + "+" + Path.GetFileNameWithoutExtension(f));
        return data;
    }

    /// <summary>Files named after a board (lpc2106-*, lpc2106_*; mps2-an383-* on mps2-an383, other mps2-* on mps2-an385) belong to it; the rest to the default board.</summary>
    internal static string BaseBoardOf(string name) =>
        name.StartsWith("lpc2106", StringComparison.Ordinal) ? "lpc2106" : name.StartsWith("mps2-an383", StringComparison.Ordinal) ? "mps2-an383"
        : name.StartsWith("mps2", StringComparison.Ordinal) ? "mps2-an385" : "versatilepb";

    private static string[] BoardFiles(string name)
    {
        var parts = name.Split('+');
        return [Repo.Board(parts[0]), .. parts.Skip(1).Select(Repo.Override)];
    }

    [Theory]
    [MemberData(nameof(Boards))]
    public void Board(string name)
    {
        var board = BoardLoader.Load(BoardFiles(name), []);
        var snapshot = new
        {
            Board = name,
            Resolved = Lines(BoardPrinter.Print(board, includeSources: false)),
        };
        Snapshot.Match(snapshot, SnapshotNameExtension.Create(name));
    }

    /// <summary>
    /// The long benchmarks, not snapshotted: bench.elf (98 M instructions: bench_small is the same code
    /// at SCALE=1) and irq_bench.elf (58 M instructions, 347438 interrupts; TranslationFirmwareTests
    /// runs it to the end on both engines and checks every tick arrived).
    /// </summary>
    private static readonly string[] LongBenchmarks = ["bench", "irq_bench"];

    /// <summary>Every ELF in firmware/elf but the long benchmarks.</summary>
    public static TheoryData<string> Firmware()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(Repo.Root, "firmware", "elf"), "*.elf").Order(StringComparer.Ordinal))
            if (!LongBenchmarks.Contains(Path.GetFileNameWithoutExtension(f))) data.Add(Path.GetFileNameWithoutExtension(f));
        return data;
    }

    /// <summary>
    /// Every board and every firmware but the long benchmarks has its committed snapshot, by name:
    /// Snapshooter would write a missing one and pass (test.sh sets SNAPSHOOTER_STRICT_MODE against
    /// that; this holds without it too).
    /// </summary>
    [Fact]
    public void EveryBoardAndFirmwareButTheLongBenchmarks_HasItsSnapshot()
    {
        string dir = Path.Combine(Repo.Root, "tests", "SocSim.Firmware.Tests", "__snapshots__");
        var elfs = Directory.GetFiles(Path.Combine(Repo.Root, "firmware", "elf"), "*.elf").Select(f => Path.GetFileNameWithoutExtension(f)!).ToList();
        Assert.NotEmpty(elfs);
        var expected = elfs.Where(e => !LongBenchmarks.Contains(e)).Select(e => $"SnapshotTests.Run_{e}.snap")
            .Concat(Boards().Select((object[] b) => $"SnapshotTests.Board_{(string)b[0]}.snap")).ToList();
        Assert.Equal(elfs.Count - LongBenchmarks.Length + Boards().Count, expected.Count);
        var missing = expected.Where(f => !File.Exists(Path.Combine(dir, f))).ToList();
        Assert.True(missing.Count == 0, $"snapshots missing from {dir}: {string.Join(", ", missing)}");
    }

    [Theory]
    [MemberData(nameof(Firmware))]
    public void Run(string elf) => Snapshot.Match(RunSnapshot(elf, [Repo.Board(BaseBoardOf(elf))]), SnapshotNameExtension.Create(elf));

    /// <summary>The snapshots do catch timing: the timer demo on 4/2 wait-state RAM no longer matches its snapshot.</summary>
    [Fact]
    public void ATimingChange_FailsTheSnapshot()
    {
        string dir = Path.Combine(Repo.Root, "tests", "SocSim.Firmware.Tests", "__snapshots__");
        Assert.True(File.Exists(Path.Combine(dir, "SnapshotTests.Run_timer_irq.snap")));
        var slow = RunSnapshot("timer_irq", [Repo.Board(), Repo.Override("slow-ram")]) with { Board = "versatilepb" };
        // Snapshooter writes the mismatching result to a scratch folder; keep the real one clean.
        string scratch = Path.Combine(Path.GetTempPath(), "socsim-snap-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(scratch, "__snapshots__"));
        try
        {
            File.Copy(Path.Combine(dir, "SnapshotTests.Run_timer_irq.snap"), Path.Combine(scratch, "__snapshots__", "timer_irq"));
            Assert.ThrowsAny<Exception>(() => Snapshot.Match(slow, new SnapshotFullName("timer_irq", scratch)));
        }
        finally { Directory.Delete(scratch, recursive: true); }
    }

    private sealed record RunResultSnapshot(string Firmware, string Board, StopReason Reason, int? ExitCode, long Cycles, long Instructions,
        long SimulatedNanoseconds, string[] Console, object Uarts, List<string> Profile, List<string> InterruptLatency);

    private static RunResultSnapshot RunSnapshot(string elf, string[] boards)
    {
        var console = new MemoryStream();
        using var m = Machine.Create(boards, [], new MachineOptions { Console = console, Warnings = TextWriter.Null });
        m.LoadElf(Repo.Elf(elf));
        string input = Path.Combine(Repo.Root, "firmware", "input", elf + ".txt");
        if (File.Exists(input)) m.Uarts["uart0"].EnqueueHostInput(File.ReadAllBytes(input));
        var profiler = new Profiler(m.Cpu, m.Elf);
        var latency = new InterruptLatencyProbe(m);
        m.AddHook(profiler);
        var r = m.Run(200_000_000);
        var p = profiler.Snapshot(m.Cpu);
        Assert.Equal(r.Cycles, p.Functions.Sum(f => f.ExclusiveCycles));
        return new RunResultSnapshot(
            Firmware: elf,
            Board: string.Join('+', boards.Select(Path.GetFileNameWithoutExtension)),
            r.Reason,
            r.ExitCode,
            r.Cycles,
            r.Instructions,
            m.SimulatedNanoseconds,
            Lines(Encoding.Latin1.GetString(console.ToArray())),
            m.Uarts.Keys.Order(StringComparer.Ordinal).Where(u => m.UartOutput(u).Length > 0)
                .Select(u => new { Uart = u, Text = Lines(m.UartOutput(u)) }).ToList(),
            p.Functions.Select(f =>
                $"{f.Name}: calls={f.Calls} excl_cycles={f.ExclusiveCycles} incl_cycles={f.InclusiveCycles} excl_instr={f.ExclusiveInstructions} incl_instr={f.InclusiveInstructions}").ToList(),
            latency.Results.Select(l => l.ToString()).ToList());
    }

    private static string[] Lines(string text) => text.Replace("\r\n", "\n").Split('\n');
}
