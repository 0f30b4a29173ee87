using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SocSim.Cli.Features;

/// <summary>
/// `socsim run --max-time DURATION` (10s, 250ms, 40us, 1.5ms, 800ns): stops the run when simulated
/// time reaches DURATION, exit status 124 as for --max-cycles. The natural limit on a board whose
/// CPU clock changes at run time (a PLL), where a cycle count is no fixed time.
/// </summary>
internal sealed partial class MaxTimeFeature : IRunFeature
{
    private readonly Option<string?> _maxTime = new("--max-time") { Description = "stop when simulated time reaches DURATION, e.g. 10s, 250ms, 40us (exit status 124)" };
    private string? _text;

    public void AddOptions(Command run) => run.Options.Add(_maxTime);

    public void Attach(ParseResult parse, Machine machine, RunContext context)
    {
        _text = parse.GetValue(_maxTime);
        if (_text == null) return;
        var limit = ParseDuration(_text) ?? throw new RunFeatureException($"--max-time: expected a duration like 10s, 250ms, 40us or 800ns, got '{_text}'");
        machine.SetTimeLimit(limit);
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context)
    {
        if (_text == null || result.Reason != StopReason.TimeLimit) return;
        Console.Error.WriteLine($"socsim run: time limit of {_text} reached at cycle={result.Cycles} pc=0x{machine.Core.Pc:X8}");
        context.ExitStatus ??= Defaults.ExitCycleLimit;
    }

    [GeneratedRegex(@"^\s*([0-9]+(?:\.[0-9]+)?)\s*(s|ms|us|µs|ns)\s*$")]
    private static partial Regex DurationPattern();

    /// <summary>A positive duration with a unit (s, ms, us or µs, ns); null when malformed.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        var m = DurationPattern().Match(text);
        if (!m.Success) return null;
        decimal v = decimal.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        decimal ticksPerUnit = m.Groups[2].Value switch
        {
            "s" => TimeSpan.TicksPerSecond,
            "ms" => TimeSpan.TicksPerMillisecond,
            "ns" => 0.01m,
            _ => TimeSpan.TicksPerMicrosecond,
        };
        decimal ticks = v * ticksPerUnit;
        if (ticks <= 0 || ticks > TimeSpan.MaxValue.Ticks || ticks != decimal.Truncate(ticks)) return ticks > 0 && ticks < TimeSpan.MaxValue.Ticks ? TimeSpan.FromTicks((long)decimal.Ceiling(ticks)) : null;
        return TimeSpan.FromTicks((long)ticks);
    }
}
