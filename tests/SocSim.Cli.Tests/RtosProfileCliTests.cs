using System.Globalization;
using System.Text.RegularExpressions;
using SocSim.Trace.Vcd;

namespace SocSim.Cli.Tests;

/// <summary>
/// RTOS-aware profiling (issue 23 section 4, docs/rtos.md) on the two FreeRTOS demos nobody here wrote: the LPC2106
/// ARM7 demo (shared/freertos) and the MPS2 Cortex-M3 demo (shared/cortex-m). The task names come from the TCBs in
/// simulated memory (offset 52, checked by xStateListItem.pvOwner) and must be names the demo's sources give
/// xTaskCreate; the per-task cycles must equal the collapsed stacks under each task's root; no stack mixes a task
/// with an interrupt or another task.
/// </summary>
public sealed class RtosProfileCliTests
{
    private static string Shared(params string[] parts) => Path.GetFullPath(Path.Combine([Socsim.RepoRoot, "..", "shared", .. parts]));

    private static readonly string Lpc2106Elf = Shared("freertos", "elf", "rtosdemo-arm.elf");
    private static readonly string Mps2Elf = Shared("cortex-m", "freertos-mps2", "elf", "RTOSDemo-full.elf");

    internal sealed record TaskRow(long Cycles, long IsrCycles, long SwitchesIn, long SwitchCycles, string StackFree, string StackUntouched, string Name);

    internal static List<TaskRow> Tasks(string table)
    {
        var lines = table.Split('\n');
        int header = Array.FindIndex(lines, l => l.TrimStart().StartsWith("cycles   cpu%", StringComparison.Ordinal));
        Assert.True(header > 0, "no task table:\n" + table);
        var rows = new List<TaskRow>();
        foreach (var l in lines.Skip(header + 1))
        {
            if (l.StartsWith("context switches", StringComparison.Ordinal) || l.Length == 0) break;
            var m = Regex.Match(l, @"^\s*(\d+)\s+\S+\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+\s+(-?\d+|-)\s+(\d+|-)  (.+)$");
            Assert.True(m.Success, l);
            rows.Add(new TaskRow(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
                long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture),
                m.Groups[5].Value, m.Groups[6].Value, m.Groups[7].Value));
        }
        return rows;
    }

    /// <summary>Every string literal of the demo's C sources (task names are among them).</summary>
    private static HashSet<string> Literals(string dir) =>
        Directory.EnumerateFiles(dir, "*.*", SearchOption.AllDirectories).Where(f => f.EndsWith(".c", StringComparison.Ordinal) || f.EndsWith(".h", StringComparison.Ordinal))
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), "\"([^\"\\\\\\n]{1,16})\"").Select(m => m.Groups[1].Value)).ToHashSet();

    private static (string Table, string[] Collapsed, long Cycles) Profile(string board, string elf, string time)
    {
        string table = Path.GetTempFileName(), collapsed = Path.GetTempFileName();
        try
        {
            var r = Socsim.Run("run", "--board", board, elf, "--max-time", time, "--stats", "--profile=" + table);
            Assert.True(r.ExitCode == 124, r.Stderr);
            var r2 = Socsim.Run("run", "--board", board, elf, "--max-time", time, "--profile=" + collapsed, "--profile-format", "collapsed");
            Assert.True(r2.ExitCode == 124, r2.Stderr);
            return (File.ReadAllText(table), File.ReadAllLines(collapsed), CoreToolsCliTests.StatsCycles(r.Stderr));
        }
        finally
        {
            File.Delete(table);
            File.Delete(collapsed);
        }
    }

    private static long Cycles(string collapsedLine) => long.Parse(collapsedLine[(collapsedLine.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);

    public static TheoryData<string, string, string, string> Demos => new()
    {
        { "lpc2106", Lpc2106Elf, "200ms", "freertos" },
        { "mps2-an385", Mps2Elf, "200ms", "cortex-m/freertos-mps2/src" },
    };

    [Theory]
    [MemberData(nameof(Demos))]
    public void PerTaskProfile_NamesTheDemosTasks_AndKeepsEveryStackInOneContext(string board, string elf, string time, string sources)
    {
        var (table, collapsed, cycles) = Profile(board, elf, time);
        var tasks = Tasks(table);
        var literals = Literals(Shared(sources.Split('/')));
        Assert.True(tasks.Count >= 4, table);
        // A name is one the sources give (tasks that share one get #2, #3), or its first configMAX_TASK_NAME_LEN - 1
        // characters (11 on the MPS2 demo: "ArrayNotifi" for "ArrayNotified").
        Assert.All(tasks, t =>
        {
            string name = Regex.Replace(t.Name, "#[0-9]+$", "");
            Assert.True(literals.Contains(name) || (name.Length >= 11 && literals.Any(l => l.StartsWith(name, StringComparison.Ordinal))), name);
        });
        Assert.Contains(tasks, t => t.Name == "IDLE");
        Assert.Equal(cycles, collapsed.Sum(Cycles));
        // No stack mixes tasks, or a task with an exception: a task's stacks start at its root, an interrupt's at its frame.
        foreach (var line in collapsed)
        {
            var frames = line[..line.LastIndexOf(' ')].Split(';');
            Assert.True(frames.Count(f => f.StartsWith("[task_", StringComparison.Ordinal)) <= 1, line);
            if (frames[0].StartsWith("[task_", StringComparison.Ordinal))
                Assert.DoesNotContain(frames, f => f is "[irq]" or "[swi]" or "[fiq]" or "[SysTick]" or "[PendSV]" or "[SVCall]" || f.StartsWith("[irq_", StringComparison.Ordinal));
        }
        // Two computations of a task's time agree: its context's run time, and the cycles of the stacks under its root.
        foreach (var t in tasks)
            Assert.Equal(t.Cycles, collapsed.Where(l => l.StartsWith($"[task_{t.Name.Replace(' ', '_')}];", StringComparison.Ordinal) || l.StartsWith($"[task_{t.Name.Replace(' ', '_')}] ", StringComparison.Ordinal)).Sum(Cycles));
        // Switches: every task but the first ran after a switch to it; the switches cost cycles.
        Assert.All(tasks, t => Assert.True(t.SwitchesIn >= 1, t.Name));
        Assert.All(tasks.Where(t => t.SwitchesIn > 1), t => Assert.True(t.SwitchCycles > 0, t.Name));
        Assert.Matches(@"context switches: \d+, \d+ cycles, mean [\d.]+ cycles", table);
        // Stacks: the deepest stack pointer seen is within the stack, and (where FreeRTOS filled the stacks, the MPS2 demo)
        // exactly the bytes the firmware left untouched: every write to a task's stack is seen, the task's own pushes (its
        // SP before each instruction), the frame an exception entered from the task stacks on the PSP (8 words on the M3,
        // with or without a switch: without it H1QRx read 352 for 336 untouched) and the context a switch saves (pxTopOfStack).
        Assert.All(tasks, t => Assert.True(long.Parse(t.StackFree, CultureInfo.InvariantCulture) > 0, t.Name + " " + t.StackFree));
        foreach (var t in tasks.Where(t => t.StackUntouched != "-"))
            Assert.True(t.StackFree == t.StackUntouched, $"{t.Name}: free {t.StackFree}, untouched {t.StackUntouched}");
    }

    [Fact]
    public void Mps2_TickAndSwitchFigures_ComeFromTheirFrames()
    {
        var (table, _, cycles) = Profile("mps2-an385", Mps2Elf, "200ms");
        var p = CoreToolsCliTests.Table(table[..table.IndexOf("\n\n", StringComparison.Ordinal)]);
        // Every tick is a [SysTick] frame calling the port's handler (the full demo starts its scheduler after ~7 ms of set-up).
        Assert.InRange(p["[SysTick]"].Calls, 150, 200);
        Assert.Equal(p["[SysTick]"].Calls, p["xPortSysTickHandler"].Calls);
        var tasks = Tasks(table);
        long isr = tasks.Sum(t => t.IsrCycles), run = tasks.Sum(t => t.Cycles);
        Assert.True(run + isr <= cycles);
        Assert.True(isr >= p["[SysTick]"].Incl, "tick time is within the interrupts' time");
    }

    [Fact]
    public void RtosNone_GivesThePlainProfile_AndFreeRtosWithoutTheSymbolIsOneLine()
    {
        string table = Path.GetTempFileName();
        try
        {
            var r = Socsim.Run("run", "--board", "lpc2106", Lpc2106Elf, "--max-time", "20ms", "--profile=" + table, "--rtos", "none");
            Assert.True(r.ExitCode == 124, r.Stderr);
            Assert.DoesNotContain("context switches", File.ReadAllText(table));
        }
        finally { File.Delete(table); }
        BadInputTests.AssertOneLine(Socsim.Run("run", Path.Combine(Socsim.RepoRoot, "firmware", "elf", "hello.elf"), "--profile=/dev/null", "--rtos", "freertos"),
            "has no symbol pxCurrentTCB to find FreeRTOS's tasks by");
        BadInputTests.AssertOneLine(Socsim.Run("run", Path.Combine(Socsim.RepoRoot, "firmware", "elf", "hello.elf"), "--rtos", "freertos"),
            "--rtos: applies to --profile; add --profile");
    }

    [Fact]
    public void Vcd_RtosTask_FollowsTheRunningTask()
    {
        string vcd = Path.GetTempFileName() + ".vcd";
        try
        {
            var r = Socsim.Run("run", "--board", "mps2-an385", Shared("cortex-m", "freertos-mps2", "elf", "RTOSDemo-blinky.elf"), "--max-time", "450ms",
                "--vcd", vcd, "--signals", "rtos.*");
            Assert.True(r.ExitCode == 124, r.Stderr);
            var f = VcdReader.Read(vcd);
            var task = f.Find("rtos.task")!;
            var names = task.Changes.Select(c => c.Value).Distinct().ToList();
            // Blinky's tasks (main_blinky.c: "Rx", "TX") and the kernel's (IDLE, the timer service "Tmr Svc", its space as '_').
            Assert.Contains("Rx", names);
            Assert.Contains("TX", names);
            Assert.Contains("IDLE", names);
            Assert.Contains("Tmr_Svc", names);
            Assert.Contains("$var string 1 ", File.ReadAllText(vcd));
            // GTKWave's converter reads the string signal: its FST, dumped back, holds the names as strings.
            string fst = vcd + ".fst";
            try
            {
                PackagesFixture.Run("/usr/bin/vcd2fst", Path.GetTempPath(), [vcd, fst], null);
                string back = PackagesFixture.Run("/usr/bin/fst2vcd", Path.GetTempPath(), [fst], null);
                Assert.Contains("$var string ", back);
                Assert.Contains("sTmr_Svc ", back);
                Assert.Contains("sIDLE ", back);
            }
            finally { File.Delete(fst); }
        }
        finally { File.Delete(vcd); }
    }

}
