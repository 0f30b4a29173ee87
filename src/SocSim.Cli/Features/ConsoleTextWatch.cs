using System.Text;

namespace SocSim.Cli.Features;

/// <summary>
/// Watches the console UART's transmitted bytes for a text and stops the machine at the instruction
/// boundary after its last character's frame: what `--until-uart` does for `socsim run` and for each
/// point of `socsim sweep`.
/// </summary>
internal sealed class ConsoleTextWatch
{
    private readonly byte[] _pattern;
    private readonly int[] _fail;
    private int _matched;

    /// <summary>The cycle the text was complete at, once it was.</summary>
    public long? HitCycle { get; private set; }

    /// <summary>A one-line complaint for text no run could wait for, or a board without a console UART; null when fine.</summary>
    public static string? Problem(Machine machine, string text) =>
        text.Length == 0 ? "--until-uart: expected some text to wait for, got an empty string"
        : machine.ConsoleUart == null ? "--until-uart: the board has no console UART (give --uart NAME)"
        : null;

    public ConsoleTextWatch(Machine machine, string text)
    {
        if (Problem(machine, text) is string problem) throw new RunFeatureException(problem);
        _pattern = Encoding.Latin1.GetBytes(text);
        _fail = FailureTable(_pattern);
        machine.ConsoleOutput += b =>
        {
            if (HitCycle != null) return;
            while (_matched > 0 && _pattern[_matched] != b) _matched = _fail[_matched - 1];
            if (_pattern[_matched] == b) _matched++;
            if (_matched < _pattern.Length) return;
            HitCycle = machine.Cycles;
            machine.RequestStop();
        };
    }

    /// <summary>Whether the run stopped because the text was printed.</summary>
    public bool StoppedTheRun(RunResult result) => HitCycle != null && result.Reason == StopReason.Stopped;

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
}
