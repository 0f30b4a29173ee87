using System.Text;

namespace SocSim.Rtl;

/// <summary>
/// Reads the VCD text Verilator traces into memory (see <see cref="RtlModel.TraceOpen"/>) so that the
/// RTL's own signals can be merged into SocSim's VCD: the header gives the variables (scope path, name,
/// width, Verilator's identifier code, which several aliased variables may share), each value-change
/// section gives the changes at one Verilator dump time. The caller maps dump times to ticks.
/// </summary>
public sealed class RtlTrace
{
    /// <summary>One traced variable: its scope below the model's TOP (e.g. <c>apb_uart_sv.uart_tx_i</c>), name, width and code number.</summary>
    public sealed record Variable(string Scope, string Name, int Width, int Code);

    private readonly Dictionary<long, int> _codes = new();
    private readonly List<int> _codeWidths = new();
    private ulong[] _values = [];

    public List<Variable> Variables { get; } = new();
    /// <summary>Variables left out: wider than 64 bits, or real-valued.</summary>
    public List<string> Skipped { get; } = new();
    public bool HeaderRead { get; private set; }
    public int CodeCount => _codeWidths.Count;

    /// <summary>The current value of code <paramref name="code"/> (after everything parsed so far).</summary>
    public ulong Value(int code) => _values[code];

    /// <summary>
    /// Parses VCD text: the header first (up to <c>$enddefinitions</c>, which must be complete in the
    /// first call), then value changes, reported as (dump time, code, value) in text order.
    /// </summary>
    public void Parse(ReadOnlySpan<byte> text, Action<ulong, int, ulong> change)
    {
        int pos = 0;
        if (!HeaderRead)
        {
            int end = IndexOf(text, "$enddefinitions"u8);
            if (end < 0) throw new InvalidOperationException("Verilator's VCD header is incomplete");
            ReadHeader(Encoding.ASCII.GetString(text[..end]));
            pos = end + "$enddefinitions"u8.Length;
            int e = IndexOf(text[pos..], "$end"u8);
            pos += e + 4;
            HeaderRead = true;
        }
        ulong time = 0;
        while (pos < text.Length)
        {
            byte c = text[pos];
            if (c is (byte)'\n' or (byte)' ' or (byte)'\r' or (byte)'\t') { pos++; continue; }
            int eol = text[pos..].IndexOf((byte)'\n');
            var line = eol < 0 ? text[pos..] : text.Slice(pos, eol);
            pos += eol < 0 ? line.Length : eol + 1;
            switch (c)
            {
                case (byte)'#':
                    time = 0;
                    for (int i = 1; i < line.Length; i++) time = time * 10 + (ulong)(line[i] - '0');
                    break;
                case (byte)'b':
                case (byte)'B':
                {
                    int sp = line.IndexOf((byte)' ');
                    ulong v = 0;
                    for (int i = 1; i < sp; i++) v = (v << 1) | (line[i] == (byte)'1' ? 1UL : 0UL);
                    if (_codes.TryGetValue(Key(line[(sp + 1)..]), out int code)) Report(time, code, v, change);
                    break;
                }
                case (byte)'0' or (byte)'1' or (byte)'x' or (byte)'X' or (byte)'z' or (byte)'Z':
                    if (_codes.TryGetValue(Key(line[1..]), out int code1)) Report(time, code1, c == (byte)'1' ? 1UL : 0UL, change);
                    break;
                default:
                    break; // r<real> <code>, $dumpvars/$end keywords: nothing to merge
            }
        }
    }

    private void Report(ulong time, int code, ulong value, Action<ulong, int, ulong> change)
    {
        _values[code] = value;
        change(time, code, value);
    }

    private void ReadHeader(string header)
    {
        var scope = new List<string>();
        var tokens = header.Split((char[])[' ', '\n', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < tokens.Length; i++)
        {
            switch (tokens[i])
            {
                case "$scope":
                    scope.Add(tokens[i + 2]);
                    i += 3;
                    break;
                case "$upscope":
                    scope.RemoveAt(scope.Count - 1);
                    i += 1;
                    break;
                case "$var":
                {
                    // $var wire 8 ( regs_q[0] [7:0] $end
                    string kind = tokens[i + 1];
                    int width = int.Parse(tokens[i + 2], System.Globalization.CultureInfo.InvariantCulture);
                    string id = tokens[i + 3];
                    string name = tokens[i + 4];
                    int j = i + 5;
                    while (tokens[j] != "$end") j++;
                    i = j;
                    // The variables directly in TOP repeat the top module's ports, which its own scope has too.
                    if (scope.Count < 2) break;
                    string path = string.Join('.', scope.Skip(1));
                    if (kind == "real" || width > 64)
                    {
                        Skipped.Add($"{path}.{name} ({(kind == "real" ? "real" : $"{width} bits")})");
                        break;
                    }
                    if (!_codes.TryGetValue(Key(Encoding.ASCII.GetBytes(id)), out int code))
                    {
                        code = _codeWidths.Count;
                        _codes[Key(Encoding.ASCII.GetBytes(id))] = code;
                        _codeWidths.Add(width);
                    }
                    Variables.Add(new Variable(path, name, width, code));
                    break;
                }
                default:
                    break;
            }
        }
        _values = new ulong[_codeWidths.Count];
    }

    // An identifier code (printable ASCII '!'..'~', a few characters) as a number.
    private static long Key(ReadOnlySpan<byte> id)
    {
        long k = 0;
        foreach (byte b in id.TrimEnd((byte)'\r')) k = k * 95 + (b - '!' + 1);
        return k;
    }

    private static int IndexOf(ReadOnlySpan<byte> text, ReadOnlySpan<byte> what) => text.IndexOf(what);
}
