using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SocSim.Boards;

namespace SocSim.Cli;

/// <summary>
/// `socsim bench [ELF] [--board FILE]... [--repeat N]`: runs compute-bound firmware (default: the
/// bundled bench.elf) N times with tracing off and reports instructions and simulated cycles per
/// host second. Speed is measured here and reported, never asserted in a test.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var elf = new Argument<FileInfo?>("ELF") { Description = "firmware to run (default: bundled bench.elf)", Arity = ArgumentArity.ZeroOrOne };
        var boards = new Option<string[]>("--board") { Description = "board JSON (default boards/versatilepb.json)" };
        var repeat = new Option<int>("--repeat") { Description = "number of runs (the best and the median are reported)", DefaultValueFactory = _ => 3 };
        var cmd = new Command("bench", "measure simulation speed on compute-bound firmware") { elf, boards, repeat };
        cmd.SetAction(r => Run(r.GetValue(elf)?.FullName ?? Defaults.BenchElf, Defaults.ResolveBoards(r.GetValue(boards) ?? []), Math.Max(1, r.GetValue(repeat))));
        return cmd;
    }

    private static int Run(string elf, string[] boards, int repeat)
    {
        var board = BoardLoader.Load(boards, []);
        var mips = new List<double>();
        for (int i = 0; i < repeat; i++)
        {
            using var m = Machine.Create(board);
            m.LoadElf(elf);
            var sw = Stopwatch.StartNew();
            var r = m.Run();
            sw.Stop();
            double s = sw.Elapsed.TotalSeconds;
            mips.Add(r.Instructions / s / 1e6);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {i + 1}: {r.Reason} exit={r.ExitCode} instructions={r.Instructions} cycles={r.Cycles} host_s={s:F3} mips={r.Instructions / s / 1e6:F2} mcycles_per_s={r.Cycles / s / 1e6:F2}"));
            if (r.Reason != StopReason.Exit || r.ExitCode != 0)
            {
                Console.Error.WriteLine($"socsim bench: {Path.GetFileName(elf)} did not exit cleanly ({r.Reason}, {r.Fault})");
                return 1;
            }
        }
        mips.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"best_mips={mips[^1]:F2} median_mips={mips[mips.Count / 2]:F2}"));
        return 0;
    }
}
