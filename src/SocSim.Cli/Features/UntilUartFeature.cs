using System.CommandLine;
using System.Text;

namespace SocSim.Cli.Features;

/// <summary>
/// `socsim run --until-uart TEXT`: stops the run (exit status 0) at the instruction boundary after the
/// console UART has transmitted TEXT (the end of the frame of its last character), on any board.
/// One stderr line names the cycle. Not printed: the run ends as it otherwise would (a limit, an exit).
/// </summary>
internal sealed class UntilUartFeature : IRunFeature
{
    private readonly Option<string?> _text = new("--until-uart") { Description = "stop (exit status 0) once the console UART has printed TEXT" };
    private byte[]? _pattern;
    private int[] _fail = [];
    private int _matched;
    private long? _hitCycle;

    public void AddOptions(Command run) => run.Options.Add(_text);

    public void Attach(ParseResult parse, Machine machine, RunContext context)
    {
        string? text = parse.GetValue(_text);
        if (text == null) return;
        if (text.Length == 0) throw new RunFeatureException("--until-uart: expected some text to wait for, got an empty string");
        if (machine.ConsoleUart == null) throw new RunFeatureException("--until-uart: the board has no console UART (give --uart NAME)");
        _pattern = Encoding.Latin1.GetBytes(text);
        _fail = FailureTable(_pattern);
        machine.ConsoleOutput += b =>
        {
            if (_hitCycle != null) return;
            while (_matched > 0 && _pattern[_matched] != b) _matched = _fail[_matched - 1];
            if (_pattern[_matched] == b) _matched++;
            if (_matched < _pattern.Length) return;
            _hitCycle = machine.Cycles;
            machine.RequestStop();
        };
    }

    /// <summary>Knuth–Morris–Pratt: the longest proper prefix of the pattern that is also a suffix of its first i+1 bytes.</summary>
    private static int[] FailureTable(byte[] p)
    {
        var f = new int[p.Length];
        for (int i = 1, k = 0; i < p.Length; i++)
        {
            while (k > 0 && p[i] != p[k]) k = f[k - 1];
            if (p[i] == p[k]) k++;
            f[i] = k;
        }
        return f;
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context)
    {
        if (_hitCycle is not long cycle || result.Reason != StopReason.Stopped) return;
        Console.Error.WriteLine($"socsim run: the console printed '{Usage.Quote(parse.GetValue(_text)!)}' at cycle={cycle}");
        context.ExitStatus ??= 0;
    }
}
