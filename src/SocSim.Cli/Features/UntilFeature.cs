using System.CommandLine;
using System.Globalization;
using SocSim.Trace.Timing;

namespace SocSim.Cli.Features;

/// <summary>
/// `--until SYMBOL|0xADDR` stops the run when that instruction is about to execute (its first time);
/// `--break LOC[:N]` (repeatable) stops at the N-th time LOC is about to execute (default 1), whichever
/// breakpoint comes first. LOC is a symbol (of the ELF, or of --elf-symbols), an address, or symbol+offset.
/// On a stop, stderr gets
/// <c>socsim run: until main reached at cycle=N instructions=M pc=0x...</c> (or <c>break LOC#N reached ...</c>)
/// and the exit status is 0; with --break every point's hit count follows as
/// <c>socsim run: break LOC hits=K</c>. If the run ends otherwise (exit, cycle limit, fault) stderr gets
/// <c>socsim run: until main not reached</c> and the exit status is 123.
/// </summary>
internal sealed class UntilFeature : IRunFeature
{
    public const int ExitNotReached = 123;

    private readonly Option<string?> _until = new("--until") { Description = "stop when this instruction (SYMBOL, 0xADDR or SYMBOL+OFFSET) is about to execute; exit 0 (123 if never reached)" };
    private readonly Option<string[]> _break = new("--break") { Description = "LOC[:N]: stop at the N-th time LOC is about to execute (repeatable; the first to trigger stops)" };
    private Breakpoints? _points;
    private bool _isUntil;

    public void AddOptions(Command run)
    {
        run.Options.Add(_until);
        run.Options.Add(_break);
    }

    public void Attach(ParseResult parse, Machine machine, RunContext context)
    {
        var list = new List<Breakpoint>();
        if (parse.GetValue(_until) is { } until)
        {
            _isUntil = true;
            list.Add(new Breakpoint(until, SymbolsFeature.Resolve(machine, context, until, "--until")));
        }
        foreach (var b in parse.GetValue(_break) ?? [])
        {
            var (loc, count) = CountedLocation(b, "--break");
            list.Add(new Breakpoint(loc, SymbolsFeature.Resolve(machine, context, loc, "--break"), count));
        }
        if (list.Count == 0) return;
        _points = new Breakpoints(list);
        machine.AddHook(_points);
    }

    /// <summary>LOC[:N]: the location and its count (default 1).</summary>
    internal static (string Location, int Count) CountedLocation(string text, string option)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0) return (text, 1);
        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1)
            throw new RunFeatureException($"{option} {Usage.Quote(text)}: the count after ':' must be a positive number");
        return (text[..colon], count);
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context)
    {
        if (_points == null) return;
        machine.RemoveHook(_points);
        if (_points.Hit is { } hit && result.Reason == StopReason.Stopped)
        {
            var p = hit.Breakpoint;
            string what = _isUntil && ReferenceEquals(p, _points.Points[0]) ? $"until {p.Label}" : $"break {p.Label}#{p.Count}";
            Console.Error.WriteLine($"socsim run: {what} reached at cycle={hit.Cycle} instructions={hit.Instructions} pc=0x{p.Address:X8}");
            context.Markers.Add((what, hit.Cycle));
            context.ExitStatus = 0;
        }
        else if (_isUntil)
        {
            Console.Error.WriteLine($"socsim run: until {_points.Points[0].Label} not reached");
            context.ExitStatus = ExitNotReached;
        }
        else
        {
            Console.Error.WriteLine("socsim run: no breakpoint reached its count");
            context.ExitStatus = ExitNotReached;
        }
        for (int i = 0; i < _points.Points.Count; i++)
            if (!(_isUntil && i == 0))
                Console.Error.WriteLine($"socsim run: break {_points.Points[i].Label} hits={_points.Hits[i]}");
    }
}
