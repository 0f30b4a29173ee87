using System.Globalization;
using System.Text.RegularExpressions;
using SocSim.Trace.Vcd;

namespace SocSim.Cli.Tests;

/// <summary>
/// Issue 18 section 4, "everything SocSim does for the ARM7TDMI works for every new core and board": the command-line
/// tools on each Cortex-M core of the MPS2 boards, running the timer-interrupt program built for it (timer_irq_m0,
/// ARMv6-M, on the M0 and M0+; timer_irq_m3, ARMv7-M, on the M3 and M4F: CMSDK timer 0 every 1 ms on NVIC line 8,
/// five ticks, exit through semihosting). Each tool's figure is checked against another tool's account of the same
/// run (--trace-instr, --stats) or against the core's entry figure (16 cycles on the M0, DDI 0432C 3.3; 15 on the M0+,
/// DDI 0484C; 12 on the M3/M4, DDI 0337I 5.5.1 / DDI 0439B 3.3.1, docs/cortex-m.md "Exception timing"): the time from
/// the timer's line rising (the core asleep in WFI) to the handler's first instruction.
/// </summary>
public sealed class CortexMToolsOnEveryBoardTests
{
    private const long FsPerCycle = 40_000_000;   // 25 MHz

    public static TheoryData<string, string, int> Boards => new()
    {
        { "mps2-an383", "timer_irq_m0", 16 },
        { "mps2-an383+overrides/mps2-an383-m0plus", "timer_irq_m0", 15 },
        { "mps2-an385", "timer_irq_m3", 12 },
        { "mps2-an386", "timer_irq_m3", 12 },
    };

    private static string[] BoardArgs(string board) => board.Split('+').SelectMany(b => new[] { "--board", b }).ToArray();

    private static Socsim.Result Run(string board, string program, params string[] args) =>
        Socsim.Run([.. new[] { "run" }, .. BoardArgs(board), Elf(program), "--semihosting", .. args]);

    private static string Elf(string program) => Path.Combine(Socsim.RepoRoot, "tests", "assets", "cortex-m", program + ".elf");

    private static ulong Value(string v) => Convert.ToUInt64(v.TrimStart('b'), 2);

    private static long Long(string s) => long.Parse(s, CultureInfo.InvariantCulture);

    private static string Ticks(string program) =>
        $"{program}: CMSDK timer0 @0x40000000, NVIC line 8, period 1000 us\ntick 1\ntick 2\ntick 3\ntick 4\ntick 5\n{program} done: 5 ticks\n";

    [Theory]
    [MemberData(nameof(Boards))]
    public void EveryTool_OnEveryCortexMBoard(string board, string program, int entry)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"socsim-cm-tools-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string trace = Path.Combine(dir, "t.txt"), vcd = Path.Combine(dir, "w.vcd"), profile = Path.Combine(dir, "p.txt");
            uint isr = Symbol(program, "timer0_isr");

            // The whole run with --stats, --trace-instr and --vcd: the program's text, the latency line, one trace line per instruction.
            var full = Run(board, program, "--stats", "--trace-instr", trace, "--vcd", vcd, "--signals", "cpu.pipe.*,cpu.irq8");
            Assert.True(full.ExitCode == 0, full.Stderr);
            Assert.Equal(Ticks(program), full.Stdout);
            var stats = Regex.Match(full.Stderr, @"cycles=(\d+) instructions=(\d+)");
            Assert.True(stats.Success, full.Stderr);
            long cycles = Long(stats.Groups[1].Value), instructions = Long(stats.Groups[2].Value);
            Assert.Contains($"irq_latency cpu.irq8 (timer0.TIMERINT) to_vector: count=5 min={entry} ", full.Stderr);
            Assert.Contains($" max={entry} ", full.Stderr);

            var lines = CortexMVcdTests.ReadTrace(trace);
            var executed = lines.Where(l => l.Pc != null).ToList();
            Assert.Equal(instructions, executed.Count);
            Assert.Equal(Symbol(program, "reset_handler") & ~1u, executed[0].Pc);
            Assert.Equal(0, executed[0].Cycle);
            // The handler's calls as the trace shows them: from its first instruction to the first one after its
            // return, its BX LR (0x4770: the handler is a leaf).
            var calls = new List<(long Start, long End, int Instructions)>();
            for (int i = 0; i < executed.Count; i++)
            {
                if (executed[i].Pc != isr) continue;
                int j = i;
                while (executed[j].Opcode != 0x4770) j++;
                calls.Add((executed[i].Cycle, executed[j + 1].Cycle, j + 1 - i));
            }
            Assert.Equal(5, calls.Count);

            // The VCD: the pipeline's execute stage shows the handler `entry` cycles after each rise of the line, the
            // cycles cpu.pipe.exc marks as the entry.
            var f = VcdReader.Read(vcd);
            long Cycle(long time) => f.ToFs(time) / FsPerCycle;
            var rises = f.Get("cpu.irq8").Changes.Where(c => c.Value == "1").Select(c => Cycle(c.Time)).ToList();
            var handlerStarts = f.Get("cpu.pipe.execute").Changes.Where(c => Value(c.Value) == isr).Select(c => Cycle(c.Time)).ToList();
            Assert.Equal(5, rises.Count);
            Assert.Equal(rises.Select(r => r + entry), handlerStarts);
            Assert.Equal(calls.Select(c => c.Start), handlerStarts);
            var exc = f.Get("cpu.pipe.exc").Changes;
            foreach (long r in rises)
            {
                Assert.Contains(exc, c => Cycle(c.Time) == r && Value(c.Value) == 1);
                Assert.Contains(exc, c => Cycle(c.Time) == r + entry && Value(c.Value) == 0);
            }

            // --measure FUNC on the handler: entry to the first instruction after its exception return, as the trace says.
            var measure = Run(board, program, "--measure", "timer0_isr");
            Assert.True(measure.ExitCode == 0, measure.Stderr);
            long call = calls[0].End - calls[0].Start;
            Assert.All(calls, c => Assert.Equal(call, c.End - c.Start));
            Assert.Contains($"measure timer0_isr count=5 min={call} ", measure.Stderr);

            // --profile: the handler's five calls and its instructions.
            var p = Run(board, program, "--profile", profile);
            Assert.True(p.ExitCode == 0, p.Stderr);
            var row = File.ReadLines(profile).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Single(x => x.Length == 8 && x[7] == "timer0_isr");
            Assert.Equal("5", row[4]);
            Assert.Equal(calls.Sum(c => c.Instructions).ToString(CultureInfo.InvariantCulture), row[5]);

            // --until and --break stop before the handler's first and third instruction, at the cycles the trace gives.
            var until = Run(board, program, "--until", "timer0_isr");
            Assert.True(until.ExitCode == 0, until.Stderr);
            Assert.Contains($"until timer0_isr reached at cycle={calls[0].Start} ", until.Stderr);
            var brk = Run(board, program, "--break", "timer0_isr:3");
            Assert.True(brk.ExitCode == 0, brk.Stderr);
            Assert.Contains($"break timer0_isr#3 reached at cycle={calls[2].Start} ", brk.Stderr);
            Assert.EndsWith("tick 2\n", brk.Stdout);

            // A checkpoint before the second tick's handler, resumed: the rest of the text, and the whole run's cycles.
            string state = Path.Combine(dir, "s.bin");
            var save = Run(board, program, "--save-state", state, "--at", "timer0_isr:2");
            Assert.True(save.ExitCode == 0, save.Stderr);
            Assert.Contains($"state saved at cycle={calls[1].Start} ", save.Stderr);
            var resume = Socsim.Run("resume", state, "--semihosting", "--stats");
            Assert.True(resume.ExitCode == 0, resume.Stderr);
            Assert.Equal(Ticks(program), save.Stdout + resume.Stdout);
            Assert.Contains($"cycles={cycles} instructions={instructions} ", resume.Stderr);

            // A two-point sweep of SSRAM1's non-sequential read wait states: the vector read (and the handler's first
            // fetch) pays it, so each entry takes one cycle more at 1.
            string csv = Path.Combine(dir, "sweep.csv");
            var sweep = Socsim.Run([.. new[] { "sweep", Elf(program) }, .. BoardArgs(board), "--vary", "memory.ssram1.waitStates.readN=0,1",
                "--measure", "main:timer0_isr", "--max-cycles", "130000", "--out", csv]);
            Assert.True(sweep.ExitCode == 0, sweep.Stderr);
            var table = File.ReadAllLines(csv).Select(l => l.Split(',')).ToArray();
            int min = Array.IndexOf(table[0], "cpu.irq8.to_vector.min"), max = Array.IndexOf(table[0], "cpu.irq8.to_vector.max");
            int window = Array.IndexOf(table[0], "main:timer0_isr.min");
            Assert.Equal(["0", "1"], table[1..].Select(x => x[0]));
            Assert.Equal((entry.ToString(CultureInfo.InvariantCulture), entry.ToString(CultureInfo.InvariantCulture)), (table[1][min], table[1][max]));
            Assert.Equal(((entry + 1).ToString(CultureInfo.InvariantCulture), (entry + 1).ToString(CultureInfo.InvariantCulture)), (table[2][min], table[2][max]));
            Assert.Equal(calls[0].Start - executed.First(l => l.Pc == Symbol(program, "main")).Cycle, Long(table[1][window]));
            Assert.True(Long(table[2][window]) > Long(table[1][window]), string.Join(",", table[1..].Select(x => x[window])));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>A function's address (Thumb bit clear) from the ELF's symbols, through arm-none-eabi-nm.</summary>
    private static uint Symbol(string program, string name)
    {
        string nm = PackagesFixture.Run("arm-none-eabi-nm", Path.GetTempPath(), [Elf(program)], null);
        var m = Regex.Match(nm, $@"^([0-9a-f]{{8}}) T {Regex.Escape(name)}$", RegexOptions.Multiline);
        Assert.True(m.Success, $"{name} not in {program}.elf");
        return Convert.ToUInt32(m.Groups[1].Value, 16) & ~1u;
    }
}
