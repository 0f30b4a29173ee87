using SocSim.Core;
using SocSim.Arm;
using SocSim.Tests;

namespace SocSim.Firmware.Tests;

/// <summary>
/// The stuck-core detector (docs/stuck-detection.md) never fires on legitimate firmware: every ELF in
/// firmware/elf runs to its normal end with it on, on both engines, with the same totals as without it;
/// FreeRTOS (timer tick, idle task, context switches through SWI, a comtest that fails without the
/// loopback) runs for seconds of simulated time.
/// </summary>
public sealed class NotStuckTests
{
    private static readonly string[] LongBenchmarks = ["bench", "irq_bench"];

    public static TheoryData<string, ExecutionEngine> FirmwareAndEngines()
    {
        var data = new TheoryData<string, ExecutionEngine>();
        foreach (var f in Directory.GetFiles(Path.Combine(Repo.Root, "firmware", "elf"), "*.elf").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileNameWithoutExtension(f);
            if (LongBenchmarks.Contains(name)) continue;
            data.Add(name, ExecutionEngine.Interpret);
            data.Add(name, ExecutionEngine.Translate);
        }
        return data;
    }

    private static Machine Create(string[] boards, ExecutionEngine engine) =>
        Machine.Create(boards, [], new MachineOptions { Engine = engine, TranslateInBackground = false, StopWhenStuck = true });

    [Theory, MemberData(nameof(FirmwareAndEngines))]
    public void EveryFirmwareRunsToItsEnd(string elf, ExecutionEngine engine)
    {
        using var m = Create([Repo.Board(SnapshotTests.BaseBoardOf(elf))], engine);
        m.LoadElf(Repo.Elf(elf));
        string input = Path.Combine(Repo.Root, "firmware", "input", elf + ".txt");
        if (File.Exists(input)) m.Uarts[m.ConsoleUart!].EnqueueHostInput(File.ReadAllBytes(input));
        var r = m.Run(200_000_000);
        Assert.True(r.Reason == StopReason.Exit, $"{elf}: {r.Reason} {r.Fault}");
        string expected = Path.Combine(Repo.Root, "firmware", "expected", elf + ".exit");
        Assert.Equal(File.Exists(expected) ? int.Parse(File.ReadAllText(expected).Trim()) : 0, r.ExitCode);
        // The checks between slices change nothing: the totals of the snapshot (taken without them).
        Assert.Equal(FirmwareTotals.Of(elf).Cycles, r.Cycles);
        Assert.Equal(FirmwareTotals.Of(elf).Instructions, r.Instructions);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FreeRtosRunsForSecondsWithoutBeingCalledStuck(bool loopback)
    {
        string elf = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "freertos", "elf", "rtosdemo-arm.elf"));
        string[] boards = loopback ? [Repo.Board("lpc2106"), Repo.Override("lpc2106-uart0-loopback")] : [Repo.Board("lpc2106")];
        using var m = Create(boards, ExecutionEngine.Translate);
        m.LoadElf(elf);
        m.SetTimeLimit(TimeSpan.FromSeconds(4));
        var r = m.Run();
        Assert.True(r.Reason == StopReason.TimeLimit, $"{r.Reason} {r.Fault}");
        Assert.Null(m.StuckDetector.Verdict);
    }
}
