using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SocSim.Cli.Features;

/// <summary>
/// `socsim run --max-time DURATION` (10s, 250ms, 40us, 1.5ms, 800ns): stops the run when simulated
/// time reaches DURATION, exit status 124 as for --max-cycles. The natural limit on a board whose
/// CPU clock changes at run time (a PLL), where a cycle count is no fixed time.
/// `--duration DURATION` is the same limit for a run whose intended end it is: reaching it exits 0
/// without a message. Giving both is an error. A run --max-time ends says where the console got to
/// (its last line) on a second stderr line, so a kernel that hangs or never prints is told apart.
/// </summary>
internal sealed partial class MaxTimeFeature : IRunFeature
{
    private readonly Option<string?> _maxTime = new("--max-time") { Description = "stop when simulated time reaches DURATION, e.g. 10s, 250ms, 40us (exit status 124)" };
    private readonly Option<string?> _duration = new("--duration") { Description = "run for DURATION of simulated time, e.g. 10s, 250ms, 40us: the intended end (exit status 0)" };
    private string? _text;
    private bool _isDuration;

    public void AddOptions(Command run)
    {
        run.Options.Add(_maxTime);
        run.Options.Add(_duration);
    }

    public void Attach(ParseResult parse, Machine machine, RunContext context)
    {
        _text = parse.GetValue(_maxTime);
        string? duration = parse.GetValue(_duration);
        if (_text != null && duration != null)
            throw new RunFeatureException("--duration and --max-time both limit simulated time: give one (--duration ends the run with exit status 0, --max-time with 124)");
        _isDuration = duration != null;
        _text ??= duration;
        if (_text == null) return;
        machine.SetTimeLimit(TimeLimit(machine, _text, _isDuration ? "--duration" : "--max-time"));
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context)
    {
        if (_text == null || result.Reason != StopReason.TimeLimit) return;
        if (_isDuration)
        {
            context.ExitStatus ??= 0;
            return;
        }
        Console.Error.WriteLine($"socsim run: time limit of {_text} reached at cycle={result.Cycles} pc=0x{machine.Core.Pc:X8}");
        Console.Error.WriteLine($"socsim run: {ConsoleTail(machine)}");
        context.ExitStatus ??= Defaults.ExitCycleLimit;
    }

    /// <summary>
    /// Where the console got to, for a run that a limit ended (a kernel that hangs, or never prints): its
    /// last line (the partial one when the output stops mid-line), quoted with control characters escaped.
    /// </summary>
    internal static string ConsoleTail(Machine machine)
    {
        if (machine.ConsoleUart is not string uart) return "the board has no console UART";
        string text = machine.UartOutput(uart).TrimEnd('\r', '\n');
        if (text.Length == 0) return $"nothing was printed on the console ({uart})";
        string last = text[(text.LastIndexOf('\n') + 1)..].TrimEnd('\r');
        // A carriage return redraws the line: what is after the last one is what a terminal shows.
        last = last[(last.LastIndexOf('\r') + 1)..];
        return $"the console's ({uart}) last line: \"{Usage.Quote(last, 160)}\"";
    }

    [GeneratedRegex(@"^\s*([0-9]+(?:\.[0-9]+)?)\s*(s|ms|us|µs|ns)\s*$")]
    private static partial Regex DurationPattern();

    /// <summary>
    /// <paramref name="text"/> as a time limit on <paramref name="machine"/>: refused (naming
    /// <paramref name="option"/>) when malformed, zero, or past the longest time the board's 64-bit
    /// tick counter holds (which depends on its time base), never wrapped.
    /// </summary>
    public static TimeSpan TimeLimit(Machine machine, string text, string option)
    {
        if (ParseDuration(text) is not TimeSpan t)
            throw new RunFeatureException($"{option}: expected a duration like 10s, 250ms, 40us or 800ns, got '{Usage.Quote(text)}'");
        // Whole seconds the tick counter holds, rounded down so that the largest value named is itself accepted.
        long maxSeconds = Math.Min(long.MaxValue / machine.Scheduler.TicksPerSecond, TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerSecond);
        if (t == TimeSpan.MaxValue || t.Ticks > maxSeconds * TimeSpan.TicksPerSecond)
            throw new RunFeatureException($"{option} {Usage.Quote(text)}: longer than this board's simulated time can count (at most {maxSeconds}s on its time base of {machine.Scheduler.TicksPerSecond} ticks per second)");
        return t;
    }

    /// <summary>A positive duration with a unit (s, ms, us or µs, ns); null when malformed; <see cref="TimeSpan.MaxValue"/> when longer than that.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        var m = DurationPattern().Match(text);
        if (!m.Success) return null;
        // Any number of digits is well formed; one too large for a TimeSpan is "too long", not "malformed".
        if (!decimal.TryParse(m.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal v) || v > 1e15m) return TimeSpan.MaxValue;
        decimal ticksPerUnit = m.Groups[2].Value switch
        {
            "s" => TimeSpan.TicksPerSecond,
            "ms" => TimeSpan.TicksPerMillisecond,
            "ns" => 0.01m,
            _ => TimeSpan.TicksPerMicrosecond,
        };
        decimal ticks = v * ticksPerUnit;
        if (ticks <= 0) return null;
        if (ticks >= TimeSpan.MaxValue.Ticks) return TimeSpan.MaxValue;
        return TimeSpan.FromTicks((long)decimal.Ceiling(ticks));
    }
}
