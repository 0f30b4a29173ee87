using System.Text.RegularExpressions;

namespace SocSim.Core;

/// <summary>
/// Input from the host's files, read with bounds: a directory, a device that never ends (/dev/zero)
/// or an absurdly large file is one error naming the limit, never an exhausted memory; and bad input
/// quoted back in an error is one short line, however long the input was.
/// </summary>
public static partial class HostInput
{
    /// <summary>The longest piece of input an error message quotes.</summary>
    public const int QuoteLimit = 40;

    /// <summary><paramref name="text"/> on one line, control characters escaped, cut to <paramref name="limit"/> characters (the cut says how long it was).</summary>
    public static string Quote(string text, int limit = QuoteLimit)
    {
        var cut = text.AsSpan(0, Math.Min(text.Length, limit));
        var sb = new System.Text.StringBuilder(cut.Length + 24);
        foreach (char c in cut)
            if (char.IsControl(c)) sb.Append(c == '\n' || c == '\r' ? " " : $"\\x{(int)c:X2}");
            else sb.Append(c);
        if (text.Length > limit) sb.Append($"... ({text.Length} characters)");
        return sb.ToString();
    }

    /// <summary>
    /// The whole of <paramref name="path"/>, refused with an <see cref="IOException"/> when it is a
    /// directory or holds more than <paramref name="maxBytes"/> bytes (a device is read only that far).
    /// </summary>
    public static byte[] ReadAllBytes(string path, long maxBytes, string what)
    {
        if (Directory.Exists(path)) throw new IOException($"is a directory, not {what}");
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        if (f.CanSeek && f.Length > maxBytes) throw new IOException($"{f.Length} bytes, more than {Size(maxBytes)}, the largest {what} read");
        var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        for (int n; (n = f.Read(chunk)) > 0;)
        {
            if (buffer.Length + n > maxBytes) throw new IOException($"more than {Size(maxBytes)}, the largest {what} read");
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    /// <summary>Why a file could not be read, without repeating its (possibly long) path.</summary>
    public static string Reason(Exception e) => e switch
    {
        FileNotFoundException => "no such file",
        DirectoryNotFoundException => "no such directory",
        UnauthorizedAccessException => "permission denied",
        PathTooLongException => "the name is too long",
        _ => Quote(e.Message, 200),
    };

    /// <summary>
    /// <paramref name="message"/> with every "double-quoted" piece longer than <see cref="QuoteLimit"/>
    /// cut as <see cref="Quote"/> cuts it: a message that quotes a bad value stays one short line.
    /// </summary>
    public static string ShortenQuoted(string message) =>
        message.Length <= QuoteLimit ? message : QuotedPiece().Replace(message, m => m.Groups[1].Length > QuoteLimit ? $"\"{Quote(m.Groups[1].Value)}\"" : m.Value);

    [GeneratedRegex("\"([^\"]*)\"")]
    private static partial Regex QuotedPiece();

    /// <summary>A path quoted in a message (longer than <see cref="QuoteLimit"/>: paths are legitimately long).</summary>
    public static string QuotePath(string path) => Quote(path, 200);

    private static string Size(long bytes) => bytes % (1 << 20) == 0 ? $"{bytes >> 20} MiB" : $"{bytes} bytes";
}
