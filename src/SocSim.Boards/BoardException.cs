namespace SocSim.Boards;

/// <summary>
/// A board description that cannot be loaded. <see cref="Source"/> is the file that supplied the
/// offending key (or <c>--set</c>), <see cref="KeyPath"/> the dotted key path inside the JSON.
/// </summary>
public sealed class BoardException : Exception
{
    public BoardException(string source, string keyPath, string problem)
        : base(Format(source, keyPath, Core.HostInput.ShortenQuoted(problem)))
    {
        SourceName = source;
        KeyPath = keyPath;
        Problem = Core.HostInput.ShortenQuoted(problem);
    }

    public BoardException(string message) : base(message)
    {
        SourceName = "";
        KeyPath = "";
        Problem = message;
    }

    /// <summary>The file (or <c>--set</c>) the offending key came from.</summary>
    public string SourceName { get; }
    public string KeyPath { get; }
    public string Problem { get; }

    private static string Format(string source, string keyPath, string problem) =>
        keyPath.Length == 0 ? $"{Core.HostInput.Quote(source, PathLimit)}: {problem}" : $"{Core.HostInput.Quote(source, PathLimit)}: {Core.HostInput.Quote(keyPath, KeyPathLimit)}: {problem}";

    /// <summary>A file name quoted in a message is cut to this many characters.</summary>
    private const int PathLimit = 200;

    /// <summary>A key path is cut shorter: the longest real one (peripherals.NAME.parameters.KEY) is a few dozen characters.</summary>
    private const int KeyPathLimit = 80;
}
