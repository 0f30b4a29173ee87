using System.Text.RegularExpressions;

namespace SocSim.Core.Signals;

/// <summary>
/// The named signals of a machine, grouped in scopes named after the board's components (<c>cpu</c>,
/// <c>vic</c>, <c>timer0</c>, <c>uart0</c>...). Nothing here runs unless a tracer declares and drives
/// signals: a machine without a waveform attached never creates a registry, so tracing costs nothing
/// when it is off.
/// </summary>
public sealed class SignalRegistry
{
    private readonly List<Signal> _signals = new();
    private readonly Dictionary<string, Signal> _byName = new(StringComparer.Ordinal);

    /// <param name="ticksPerSecond">The scheduler's time base, so that sinks can turn ticks into real time.</param>
    public SignalRegistry(long ticksPerSecond) => TicksPerSecond = ticksPerSecond;

    public long TicksPerSecond { get; }
    public IReadOnlyList<Signal> Signals => _signals;
    public ISignalSink? Sink { get; set; }

    /// <summary>Declares a signal; its full name (scope.name) must be new.</summary>
    public Signal Declare(string scope, string name, int width, SignalKind kind = SignalKind.Wire, ulong initial = 0)
    {
        if (width is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(width), "signal width must be 1..64 bits");
        var s = new Signal(this, _signals.Count, scope, name, width, kind, initial);
        if (!_byName.TryAdd(s.FullName, s)) throw new ArgumentException($"signal '{s.FullName}' declared twice");
        _signals.Add(s);
        return s;
    }

    /// <summary>
    /// Declares a text signal (<see cref="SignalKind.String"/>): its value is an index into <paramref name="texts"/>, a list
    /// the declarer only appends to, so a value written once always names the same text.
    /// </summary>
    public Signal DeclareText(string scope, string name, IReadOnlyList<string> texts, int initial = 0)
    {
        var s = new Signal(this, _signals.Count, scope, name, 32, SignalKind.String, (ulong)initial) { Texts = texts };
        if (!_byName.TryAdd(s.FullName, s)) throw new ArgumentException($"signal '{s.FullName}' declared twice");
        _signals.Add(s);
        return s;
    }

    public Signal? Find(string fullName) => _byName.GetValueOrDefault(fullName);

    /// <summary>
    /// Enables exactly the signals that match one of the globs (<c>*</c> any run of characters,
    /// <c>?</c> one character; <c>cpu.*</c>, <c>*.TXD</c>, <c>uart0.*</c>); null or empty enables all.
    /// Returns the number enabled.
    /// </summary>
    public int Filter(IReadOnlyCollection<string>? globs)
    {
        if (globs == null || globs.Count == 0)
        {
            foreach (var s in _signals) s.Enabled = true;
            return _signals.Count;
        }
        var rx = globs.Select(GlobToRegex).ToArray();
        int n = 0;
        foreach (var s in _signals)
        {
            s.Enabled = rx.Any(r => r.IsMatch(s.FullName));
            if (s.Enabled) n++;
        }
        return n;
    }

    /// <summary>Whether <paramref name="glob"/> matches some name that starts with <paramref name="prefix"/>.</summary>
    public static bool GlobMayMatchPrefix(string glob, string prefix)
    {
        glob = glob.Trim();
        // Consume the prefix with the glob; once it is used up, the rest of the glob matches some suffix.
        var states = new HashSet<int> { 0 };
        foreach (char ch in prefix)
        {
            var next = new HashSet<int>();
            foreach (int g in Closure(states))
                if (g < glob.Length)
                {
                    if (glob[g] == '*') next.Add(g);
                    else if (glob[g] == '?' || glob[g] == ch) next.Add(g + 1);
                }
            if (next.Count == 0) return false;
            states = next;
        }
        return true;

        IEnumerable<int> Closure(HashSet<int> s)
        {
            var all = new HashSet<int>(s);
            foreach (int g in s)
                for (int k = g; k < glob.Length && glob[k] == '*'; k++) all.Add(k + 1);
            return all;
        }
    }

    public static Regex GlobToRegex(string glob) =>
        new("^" + Regex.Escape(glob.Trim()).Replace(@"\*", ".*").Replace(@"\?", ".") + "$", RegexOptions.CultureInvariant);
}
