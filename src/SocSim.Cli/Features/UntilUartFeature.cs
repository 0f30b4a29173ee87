using System.CommandLine;

namespace SocSim.Cli.Features;

/// <summary>
/// `socsim run --until-uart TEXT`: stops the run (exit status 0) at the instruction boundary after the
/// console UART has transmitted TEXT (the end of the frame of its last character), on any board.
/// One stderr line names the cycle. Not printed: the run ends as it otherwise would (a limit, an exit).
/// </summary>
internal sealed class UntilUartFeature : IRunFeature
{
    private readonly Option<string?> _text = new("--until-uart") { Description = "stop (exit status 0) once the console UART has printed TEXT" };
    private ConsoleTextWatch? _watch;

    public void AddOptions(Command run) => run.Options.Add(_text);

    public void Attach(ParseResult parse, Machine machine, RunContext context)
    {
        string? text = parse.GetValue(_text);
        if (text == null) return;
        _watch = new ConsoleTextWatch(machine, text);
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context)
    {
        if (_watch is not { } w || !w.StoppedTheRun(result)) return;
        Console.Error.WriteLine($"socsim run: the console printed '{Usage.Quote(parse.GetValue(_text)!)}' at cycle={w.HitCycle}");
        context.ExitStatus ??= 0;
    }
}
