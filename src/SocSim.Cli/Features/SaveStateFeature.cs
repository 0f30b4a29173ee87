using System.CommandLine;
using System.Globalization;
using SocSim.Core.State;
using SocSim.Trace.Timing;

namespace SocSim.Cli.Features;

/// <summary>
/// `--save-state FILE --at WHEN` runs to WHEN, writes a checkpoint of the whole SoC to FILE and exits
/// 0 with <c>socsim run: state saved at cycle=N pc=XXXXXXXX to FILE</c> on stderr. WHEN is a CPU
/// cycle number (the first instruction boundary at or after it), <c>SYMBOL[:N]</c> or
/// <c>0xADDR[:N]</c> (before the N-th execution of that instruction, default the first) or a simulated
/// time such as <c>2.5ms</c> (the first instruction boundary at or after it). `socsim resume FILE`
/// goes on from there. If the run ends before WHEN, nothing is written and the exit status is 123.
/// `--save-state FILE --until-uart TEXT` saves where --until-uart stops the run instead (a Linux boot
/// at its shell prompt, docs/linux.md).
/// </summary>
internal sealed class SaveStateFeature : IRunFeature
{
    private readonly Option<FileInfo?> _save = new("--save-state") { Description = "write a checkpoint of the whole SoC to FILE at --at WHEN, then exit 0 (resume it with `socsim resume FILE`)", HelpName = "FILE" };
    private readonly Option<string?> _at = new("--at") { Description = "when --save-state saves: a cycle number, SYMBOL[:N], 0xADDR[:N] (before its N-th execution) or a time like 2.5ms", HelpName = "WHEN" };

    public void AddOptions(Command run)
    {
        run.Options.Add(_save);
        run.Options.Add(_at);
    }

    public void Attach(ParseResult parse, Machine machine, RunContext context)
    {
        var file = parse.GetValue(_save);
        string? at = parse.GetValue(_at);
        if (file == null && at == null) return;
        if (file == null) throw new RunFeatureException("--at needs --save-state FILE");
        string? untilUart = parse.GetValue<string?>("--until-uart");
        if (at == null && untilUart == null) throw new RunFeatureException("--save-state needs --at WHEN (a cycle number, SYMBOL[:N], 0xADDR[:N] or a time like 2.5ms) or --until-uart TEXT");
        if (at != null && untilUart != null) throw new RunFeatureException("--save-state saves at --at WHEN or where --until-uart TEXT stops the run: give one");
        if (context.Runner != null) throw new RunFeatureException("--save-state cannot be combined with another option that drives the run (--gdb)");
        at ??= "--until-uart";
        Func<Machine, long, (RunResult Result, bool Reached)> when = untilUart != null
            ? (m, maxCycles) =>
            {
                // --until-uart stops the run at the instruction boundary after TEXT's last character.
                var r = m.Run(maxCycles);
                return (r, r.Reason == StopReason.Stopped && m.UartOutput(m.ConsoleUart!).EndsWith(untilUart, StringComparison.Ordinal));
            }
            : ParseWhen(machine, context, at, parse.GetValue<string?>("--max-time") != null || parse.GetValue<string?>("--duration") != null);
        string path = file.FullName;
        if (OutputFile.Problem(path, "--save-state") is string problem) throw new RunFeatureException(problem);
        context.Runner = (m, maxCycles) =>
        {
            var (result, reached) = when(m, maxCycles);
            if (!reached)
            {
                Console.Error.WriteLine(untilUart != null
                    ? $"socsim run: --until-uart '{Usage.Quote(untilUart)}' not printed: {WhyNot(result)}; no state saved"
                    : $"socsim run: --at {at} not reached: {WhyNot(result)}; no state saved");
                context.ExitStatus = UntilFeature.ExitNotReached;
                return result;
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try { m.SaveState(path); }
            catch (Exception e) when (e is StateException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"socsim run: cannot save the state to {path}: {e.Message}");
                context.ExitStatus = Defaults.ExitUsage;
                return result;
            }
            clock.Stop();
            Console.Error.WriteLine($"socsim run: state saved at cycle={m.Cycles} pc={m.Core.Pc:X8} to {path}");
            context.StatsLines.Add(string.Create(CultureInfo.InvariantCulture, $"state: saved bytes={new FileInfo(path).Length} save_ms={clock.Elapsed.TotalMilliseconds:F1}"));
            context.ExitStatus = 0;
            return result;
        };
    }

    private static string WhyNot(RunResult result) => result.Reason switch
    {
        StopReason.Exit => $"the firmware exited with {result.ExitCode} at cycle={result.Cycles}",
        StopReason.Fault => $"the core stopped on a fault at cycle={result.Cycles}: {result.Fault}",
        StopReason.Stuck => $"the core is {result.Fault}",
        StopReason.CycleLimit => $"--max-cycles reached at cycle={result.Cycles}",
        _ => $"the run stopped at cycle={result.Cycles}",
    };

    /// <summary>The run to WHEN, and whether WHEN was what stopped it.</summary>
    private static Func<Machine, long, (RunResult Result, bool Reached)> ParseWhen(Machine machine, RunContext context, string at, bool hasMaxTime)
    {
        if (long.TryParse(at, NumberStyles.None, CultureInfo.InvariantCulture, out long cycle))
            return (m, maxCycles) =>
            {
                var r = m.Run(Math.Min(cycle, maxCycles));
                return (r, r.Reason == StopReason.CycleLimit && m.Cycles >= cycle);
            };
        if (MaxTimeFeature.ParseDuration(at) != null)
        {
            if (hasMaxTime) throw new RunFeatureException($"--at {at}: a time cannot be combined with --max-time or --duration (give it to the resumed run)");
            machine.SetTimeLimit(MaxTimeFeature.TimeLimit(machine, at, "--at"));
            return (m, maxCycles) =>
            {
                var r = m.Run(maxCycles);
                return (r, r.Reason == StopReason.TimeLimit);
            };
        }
        if (at.Length == 0) throw new RunFeatureException("--at: expected a cycle number, SYMBOL[:N], 0xADDR[:N] or a time like 2.5ms, got ''");
        if (char.IsAsciiDigit(at[0]) && !at.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            throw new RunFeatureException($"--at {at}: expected a cycle number, SYMBOL[:N], 0xADDR[:N] or a time like 2.5ms");
        var (loc, count) = UntilFeature.CountedLocation(at, "--at");
        uint address = SymbolsFeature.Resolve(machine, context, loc, "--at");
        var points = new Breakpoints([new Breakpoint(loc, address, count)]);
        return (m, maxCycles) =>
        {
            m.AddHook(points);
            RunResult r;
            try { r = m.Run(maxCycles); }
            finally { m.RemoveHook(points); }
            return (r, r.Reason == StopReason.Stopped && points.Hit != null);
        };
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context)
    {
    }
}
