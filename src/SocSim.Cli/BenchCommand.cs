using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SocSim.Arm;
using SocSim.Boards;
using SocSim.Core;

namespace SocSim.Cli;

/// <summary>
/// `socsim bench [ELF] [--board FILE]... [--repeat N] [--engine interpret|translate|both] [--threshold N] [--compile background|inline]`:
/// runs compute-bound firmware (default: the bundled bench.elf) N times per engine with tracing off and
/// reports instructions and simulated cycles per host second, both engines side by side by default.
/// Speed is measured here and reported, never asserted in a test.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var elf = new Argument<FileInfo?>("ELF") { Description = "firmware to run (default: bundled bench.elf)", Arity = ArgumentArity.ZeroOrOne };
        var boards = new Option<string[]>("--board") { Description = Defaults.BoardHelp("repeat to layer overrides; default versatilepb") };
        var repeat = new Option<int>("--repeat") { Description = "number of runs per engine (the best and the median are reported)", DefaultValueFactory = _ => 3 }.InRange(1, 1000);
        var engine = new Option<string>("--engine") { Description = "interpret, translate or both (default: both, side by side)", DefaultValueFactory = _ => "both" };
        engine.AcceptOnlyFromAmong("interpret", "translate", "both");
        var threshold = new Option<int?>("--threshold") { Description = "executions of an instruction before its region is translated (default: the translator's; 0 translates at once, in line)" }.InRange(0, int.MaxValue);
        var compile = new Option<string>("--compile") { Description = "where the translator's JIT runs: background (a worker thread, the default) or inline (on the simulation's thread)", DefaultValueFactory = _ => "background" };
        compile.AcceptOnlyFromAmong("background", "inline");
        var cmd = new Command("bench", "measure simulation speed on compute-bound firmware") { elf, boards, repeat, engine, threshold, compile };
        cmd.SetAction(r =>
        {
            try
            {
                return Run(r.GetValue(elf)?.FullName ?? Defaults.BenchElf, Defaults.ResolveBoards(r.GetValue(boards) ?? []),
                    Math.Max(1, r.GetValue(repeat)), r.GetValue(engine) ?? "both", r.GetValue(threshold), r.GetValue(compile) != "inline");
            }
            catch (BoardException e)
            {
                Console.Error.WriteLine($"socsim bench: {e.Message}");
                return Defaults.ExitUsage;
            }
        });
        return cmd;
    }

    private static int Run(string elf, string[] boards, int repeat, string engines, int? threshold, bool background)
    {
        var board = BoardLoader.Load(boards, []);
        var list = engines == "both" ? new[] { ExecutionEngine.Interpret, ExecutionEngine.Translate }
            : [engines == "translate" ? ExecutionEngine.Translate : ExecutionEngine.Interpret];
        var summary = new List<string>();
        foreach (var engine in list)
        {
            string name = engine == ExecutionEngine.Translate ? "translate" : "interpret";
            var mips = new List<double>();
            for (int i = 0; i < repeat; i++)
            {
                using var m = Machine.Create(board, new MachineOptions { Engine = engine, TranslationThreshold = threshold, TranslateInBackground = background });
                m.LoadElf(elf);
                long mem0 = GC.GetTotalMemory(false);
                var sw = Stopwatch.StartNew();
                var r = m.Run();
                sw.Stop();
                double s = sw.Elapsed.TotalSeconds;
                mips.Add(r.Instructions / s / 1e6);
                string extra = "";
                if (m.Cpu.Translator is { } t)
                    extra = string.Create(CultureInfo.InvariantCulture,
                        $" blocks={t.BlocksCompiled} compile_us_per_block={t.CompileMicrosecondsPerBlock:F1} compile_s={t.CompileTicks / (double)Stopwatch.Frequency:F3} block_runs={t.BlockRuns} resumes={t.Resumes} device_accesses={t.DeviceAccesses} device_exits={t.DeviceExits} interrupt_entries={t.InterruptEntries} instructions_per_block_run={(t.BlockRuns == 0 ? 0 : (double)t.TranslatedInstructions / t.BlockRuns):F1} invalidations={t.Invalidations} evictions={t.Evictions} translated_share={(r.Instructions == 0 ? 0 : 100.0 * t.TranslatedInstructions / r.Instructions):F1}% managed_mb_delta={(GC.GetTotalMemory(false) - mem0) / 1e6:F1}");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name} run {i + 1}: {r.Reason} exit={r.ExitCode} instructions={r.Instructions} cycles={r.Cycles} host_s={s:F3} mips={r.Instructions / s / 1e6:F2} mcycles_per_s={r.Cycles / s / 1e6:F2}{extra}"));
                // What the interpreter still executed, by kind (largest first): what falls back.
                if (m.Cpu.Translator is { } tf) Console.WriteLine($"  fallback: {tf.Fallback.Format()}");
                if (r.Reason != StopReason.Exit || r.ExitCode != 0)
                {
                    Console.Error.WriteLine($"socsim bench: {Path.GetFileName(elf)} did not exit cleanly ({r.Reason}, {r.Fault})");
                    return 1;
                }
            }
            mips.Sort();
            summary.Add(string.Create(CultureInfo.InvariantCulture, $"{name}: best_mips={mips[^1]:F2} median_mips={mips[mips.Count / 2]:F2}"));
        }
        foreach (var l in summary) Console.WriteLine(l);
        return 0;
    }
}
