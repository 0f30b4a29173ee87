using System.Globalization;
using System.Text;

namespace SocSim.Trace.Vcd;

/// <summary>One value change: the time in the file's units and the value as the file spells it ("1", "x", "1010", "3.5").</summary>
public readonly record struct VcdChange(long Time, string Value);

/// <summary>A declared variable. Variables that share an identifier code share their changes.</summary>
public sealed class VcdVariable
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required int Width { get; init; }
    /// <summary>The reference without its bit range ("data" for "data [7:0]").</summary>
    public required string Name { get; init; }
    /// <summary>Dot-separated scope path, outermost first.</summary>
    public required string Scope { get; init; }
    public string FullName => Scope.Length == 0 ? Name : Scope + "." + Name;
    public bool IsReal => Type is "real" or "realtime";
    public required List<VcdChange> Changes { get; init; }

    /// <summary>The value at <paramref name="time"/> (after every change at that time); "x" before the first change.</summary>
    public string ValueAt(long time)
    {
        int i = LastIndexAtOrBefore(time);
        return i < 0 ? "x" : Changes[i].Value;
    }

    /// <summary>Index of the last change at or before <paramref name="time"/>, or -1.</summary>
    public int LastIndexAtOrBefore(long time)
    {
        int lo = 0, hi = Changes.Count - 1, r = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (Changes[mid].Time <= time) { r = mid; lo = mid + 1; } else hi = mid - 1;
        }
        return r;
    }

    public override string ToString() => $"{FullName}[{Width}]";
}

/// <summary>A parsed VCD file.</summary>
public sealed class VcdFile
{
    public string? Date { get; internal set; }
    public string? Version { get; internal set; }
    public string? Timescale { get; internal set; }
    /// <summary>The time unit in femtoseconds (1 s when the file has no $timescale).</summary>
    public long UnitFs { get; internal set; } = VcdTime.FsPerSecond;
    public List<VcdVariable> Variables { get; } = new();
    public long StartTime { get; internal set; }
    public long EndTime { get; internal set; }

    /// <summary>A variable by full name (scope.name), else by a unique dot-suffix ("TXD", "uart0.TXD" for "top.uart0.TXD").</summary>
    public VcdVariable? Find(string name)
    {
        var exact = Variables.FirstOrDefault(v => v.FullName == name);
        if (exact != null) return exact;
        var suffix = Variables.Where(v => v.FullName.EndsWith("." + name, StringComparison.Ordinal) || v.Name == name).ToList();
        return suffix.Count == 1 ? suffix[0] : null;
    }

    public VcdVariable Get(string name) =>
        Find(name) ?? throw new KeyNotFoundException(
            Variables.Count(v => v.FullName.EndsWith("." + name, StringComparison.Ordinal) || v.Name == name) > 1
                ? $"signal '{name}' is ambiguous: {string.Join(", ", Variables.Where(v => v.FullName.EndsWith("." + name, StringComparison.Ordinal) || v.Name == name).Select(v => v.FullName))}"
                : $"no signal '{name}' (signals: {string.Join(", ", Variables.Take(20).Select(v => v.FullName))}{(Variables.Count > 20 ? ", ..." : "")})");

    public long ToFs(long time) => checked(time * UnitFs);
}

/// <summary>
/// Reads Value Change Dump files (IEEE 1364-2005 section 18, also the four-state output of Icarus
/// Verilog and Verilator): header declarations, nested scopes, $dumpvars/$dumpon/$dumpoff blocks,
/// scalar, vector (b/B) and real (r/R) changes.
/// </summary>
public static class VcdReader
{
    private static string Quote(string text) => SocSim.Core.HostInput.Quote(text);

    /// <summary>The longest word (a value, an identifier, a vector) read; a longer one means the input is no VCD (e.g. /dev/zero).</summary>
    public const int MaxWordLength = 1 << 20;

    /// <summary>The widest vector a $var may declare (IEEE 1364 asks tools for at least 2^16 bits).</summary>
    public const int MaxWidth = 1 << 20;

    public static VcdFile Read(string path)
    {
        if (Directory.Exists(path)) throw new IOException($"{path}: is a directory, not a VCD file");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        // Every writer ends a VCD with a newline: a file that ends mid-line was cut short (a full disk, a killed run).
        if (stream.CanSeek && stream.Length > 0)
        {
            stream.Seek(-1, SeekOrigin.End);
            int last = stream.ReadByte();
            if (last is not ('\n' or '\r' or ' ' or '\t'))
                throw new FormatException($"{path}: ends mid-line at byte {stream.Length}: the file was cut short (a full disk, a run killed while writing?)");
            stream.Position = 0;
        }
        using var r = new StreamReader(stream, Encoding.UTF8, true, 1 << 16);
        try { return Read(r); }
        catch (FormatException e) { throw new FormatException($"{path}: {e.Message}", e); }
    }

    public static VcdFile Parse(string text) => Read(new StringReader(text));

    public static VcdFile Read(TextReader reader)
    {
        var f = new VcdFile();
        var tok = new Tokenizer(reader);
        var scopes = new List<string>();
        var byId = new Dictionary<string, List<VcdChange>>(StringComparer.Ordinal);
        string? t;
        // ---- declarations ----
        while ((t = tok.Next()) != null)
        {
            switch (t)
            {
                case "$date": f.Date = tok.UntilEnd(); break;
                case "$version": f.Version = tok.UntilEnd(); break;
                case "$comment": tok.UntilEnd(); break;
                case "$timescale":
                    f.Timescale = tok.UntilEnd().Replace(" ", "");
                    f.UnitFs = VcdTime.ParseUnitFs(f.Timescale);
                    break;
                case "$scope":
                    {
                        var parts = tok.UntilEnd().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        scopes.Add(parts.Length > 1 ? parts[1] : parts.Length > 0 ? parts[0] : "");
                        break;
                    }
                case "$upscope": tok.UntilEnd(); if (scopes.Count > 0) scopes.RemoveAt(scopes.Count - 1); break;
                case "$var":
                    {
                        var parts = tok.UntilEnd().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        if (parts.Length < 4) throw new FormatException($"bad $var: {Quote(string.Join(' ', parts))}");
                        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int width) || width < 1 || width > MaxWidth)
                            throw new FormatException($"$var {Quote(parts[3])}: width '{Quote(parts[1])}' is not a whole number from 1 to {MaxWidth}");
                        string id = parts[2];
                        if (!byId.TryGetValue(id, out var changes)) byId[id] = changes = new List<VcdChange>();
                        string name = parts[3];
                        // "data[7:0]" or "data [7:0]": the range is not part of the name.
                        int br = name.IndexOf('[');
                        if (br > 0 && name.EndsWith(']') && name.Contains(':')) name = name[..br];
                        if (parts.Length > 4 && parts[4].StartsWith('[') && !parts[4].Contains(':') && parts[4].EndsWith(']'))
                            name += parts[4]; // a bit-select such as "mem [3]" stays: it names an element
                        f.Variables.Add(new VcdVariable
                        {
                            Id = id, Type = parts[0], Width = width, Name = name,
                            Scope = string.Join('.', scopes), Changes = changes,
                        });
                        break;
                    }
                case "$enddefinitions": tok.UntilEnd(); goto body;
                default:
                    if (t.StartsWith('$')) tok.UntilEnd();
                    else throw new FormatException($"unexpected '{Quote(t)}' in the VCD header");
                    break;
            }
        }
        throw new FormatException(f.Variables.Count == 0 ? "no VCD header ($var ... $enddefinitions)" : "no $enddefinitions: the header never ends (a VCD cut short?)");
    body:
        long time = 0;
        bool any = false;
        while ((t = tok.Next()) != null)
        {
            char c = t[0];
            if (c == '#')
            {
                if (!long.TryParse(t.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out long nt))
                    throw new FormatException($"bad time '{Quote(t)}' after #{time}");
                // Times are handled in femtoseconds (64-bit): at 1s units that is about 2.5 hours.
                if (nt > long.MaxValue / f.UnitFs)
                    throw new FormatException($"#{nt} at timescale {f.Timescale} is past {long.MaxValue / f.UnitFs} units ({long.MaxValue / VcdTime.FsPerSecond} s), the longest trace socsim reads");
                if (!any) { f.StartTime = nt; any = true; }
                if (nt < time) throw new FormatException($"time goes backwards: #{nt} after #{time}");
                time = nt;
                f.EndTime = Math.Max(f.EndTime, time);
            }
            else if (c is '0' or '1' or 'x' or 'X' or 'z' or 'Z')
                Add(byId, t[1..], time, char.ToLowerInvariant(c).ToString());
            else if (c is 'b' or 'B')
                Add(byId, tok.Next() ?? throw new FormatException("vector change without identifier"), time, NormalizeVector(t.AsSpan(1)));
            else if (c is 'r' or 'R')
                Add(byId, tok.Next() ?? throw new FormatException("real change without identifier"), time, t[1..]);
            else if (c is 's' or 'S')
                Add(byId, tok.Next() ?? throw new FormatException("string change without identifier"), time, t[1..]);
            else if (t == "$comment") tok.UntilEnd();
            else if (t.StartsWith('$')) { } // $dumpvars, $dumpon, $dumpoff, $dumpall, $end: values follow normally
            else throw new FormatException($"unexpected '{Quote(t)}' at #{time}");
        }
        return f;
    }

    private static void Add(Dictionary<string, List<VcdChange>> byId, string id, long time, string value)
    {
        if (!byId.TryGetValue(id, out var list)) return; // an undeclared id: ignore, as GTKWave does
        if (list.Count > 0 && list[^1].Time == time) list[^1] = new VcdChange(time, value);
        else if (list.Count == 0 || list[^1].Value != value) list.Add(new VcdChange(time, value));
    }

    /// <summary>Lower-case, leading zeros dropped ("b0010" = "10", "b0" = "0"); x/z kept.</summary>
    public static string NormalizeVector(ReadOnlySpan<char> bits)
    {
        int i = 0;
        while (i < bits.Length - 1 && bits[i] == '0') i++;
        return bits[i..].ToString().ToLowerInvariant();
    }

    private sealed class Tokenizer(TextReader r)
    {
        private readonly StringBuilder _sb = new();

        public string? Next()
        {
            int ch;
            do { ch = r.Read(); } while (ch >= 0 && char.IsWhiteSpace((char)ch));
            if (ch < 0) return null;
            _sb.Clear();
            while (ch >= 0 && !char.IsWhiteSpace((char)ch))
            {
                if (_sb.Length == MaxWordLength)
                    throw new FormatException($"a word longer than {MaxWordLength} characters ('{Quote(_sb.ToString())}'): not a VCD file");
                _sb.Append((char)ch);
                ch = r.Read();
            }
            return _sb.ToString();
        }

        /// <summary>The words up to $end, joined by single spaces.</summary>
        public string UntilEnd()
        {
            var words = new List<string>();
            string? t;
            long length = 0;
            while ((t = Next()) != null && t != "$end")
            {
                if ((length += t.Length + 1) > MaxWordLength) throw new FormatException($"a $-section longer than {MaxWordLength} characters without $end: not a VCD file");
                words.Add(t);
            }
            return string.Join(' ', words);
        }
    }
}
