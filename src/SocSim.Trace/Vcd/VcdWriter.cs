using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;
using SocSim.Core.Signals;

namespace SocSim.Trace.Vcd;

public sealed class VcdWriterOptions
{
    public string Version { get; init; } = "SocSim";
    public string? Comment { get; init; }
    /// <summary>First tick written; the values at that tick go into <c>$dumpvars</c>.</summary>
    public long FromTick { get; init; }
    /// <summary>Last tick written (inclusive).</summary>
    public long ToTick { get; init; } = long.MaxValue;
    /// <summary>Forced time unit in femtoseconds; null picks the exact one or 1 fs (see <see cref="VcdTime"/>).</summary>
    public long? UnitFs { get; init; }
    /// <summary>The present tick (the scheduler's Now): changes older than it by <see cref="ReorderTicks"/> are written out.</summary>
    public Func<long>? Now { get; init; }
    /// <summary>How late a change may arrive relative to Now (the CPU finishes an instruction before events run).</summary>
    public long ReorderTicks { get; init; }
}

/// <summary>
/// Streams value changes of a <see cref="SignalRegistry"/> as a Value Change Dump (IEEE 1364-2005
/// section 18): header, nested <c>$scope module</c>s, <c>$var</c>s with widths, <c>$dumpvars</c> with the
/// values at the start of the window, then changes only under monotonic <c>#time</c>s.
/// Changes can arrive a little out of order (a UART frame is known before its bits are on the line,
/// an event callback runs at the end of the instruction during which it fell due), so they pass
/// through a small time-ordered queue that is drained up to Now minus a window: memory stays bounded
/// by the changes of that window plus the future UART bits.
/// The header goes through the <see cref="TextWriter"/>; the body (time stamps and values, the bulk of a bus
/// trace) is formatted as UTF-8 bytes into one buffer, written straight to the stream under a UTF-8
/// <see cref="StreamWriter"/> (any other writer receives the same text decoded): the bytes are the same.
/// </summary>
public sealed class VcdWriter : ISignalSink, IDisposable
{
    private readonly TextWriter _w;
    private readonly SignalRegistry _registry;
    private readonly VcdWriterOptions _o;
    private readonly VcdTime _time;
    private readonly Signal[] _signals;
    private readonly string?[] _ids;
    private readonly byte[]?[] _idBytes;
    private readonly Stream? _stream;
    private readonly byte[] _buf = new byte[1 << 16];
    private int _n;
    private readonly ulong[] _value;
    private readonly PriorityQueue<(int Signal, ulong Value), (long Tick, long Seq)> _queue = new();
    private long _seq;
    private long _lastTick = long.MinValue;
    private long _lastWrittenUnits = -1;
    private long _unitsTick = long.MinValue, _units;
    private bool _started, _closed;

    public VcdWriter(TextWriter writer, SignalRegistry registry, VcdWriterOptions? options = null)
    {
        _w = writer;
        _registry = registry;
        _o = options ?? new VcdWriterOptions();
        _time = new VcdTime(registry.TicksPerSecond, _o.UnitFs);
        _signals = registry.Signals.ToArray();
        _ids = new string?[_signals.Length];
        _idBytes = new byte[]?[_signals.Length];
        _value = new ulong[_signals.Length];
        int n = 0;
        for (int i = 0; i < _signals.Length; i++)
        {
            _value[i] = _signals[i].Value;
            if (_signals[i].Enabled) _idBytes[i] = Encoding.ASCII.GetBytes(_ids[i] = IdCode(n++));
        }
        // The body's bytes go to the stream itself when the writer would encode them as they are.
        if (writer is StreamWriter { Encoding.CodePage: 65001 } sw) _stream = sw.BaseStream;
        VariableCount = n;
        WriteHeader();
        registry.Sink = this;
    }

    public VcdTime Time => _time;
    public int VariableCount { get; }
    /// <summary>Changes that arrived later than the reorder window allowed and were written at the last time instead.</summary>
    public long LateChanges { get; private set; }
    public long ChangesWritten { get; private set; }

    /// <summary>VCD identifier codes: base-94 numbers in the printable ASCII range '!'..'~'.</summary>
    public static string IdCode(int n)
    {
        var sb = new StringBuilder();
        do { sb.Append((char)('!' + n % 94)); n /= 94; } while (n > 0);
        return sb.ToString();
    }

    private void WriteHeader()
    {
        _w.Write("$date\n\t");
        _w.Write(DateTime.UtcNow.ToString("R", CultureInfo.InvariantCulture));
        _w.Write("\n$end\n$version\n\t");
        _w.Write(_o.Version);
        _w.Write("\n$end\n$comment\n\t");
        _w.Write(_time.Explanation);
        if (_o.Comment != null) { _w.Write("\n\t"); _w.Write(_o.Comment); }
        _w.Write("\n$end\n$timescale ");
        _w.Write(_time.Timescale.Replace(" ", ""));
        _w.Write(" $end\n");
        // Scopes nest by the dots of the scope path; signals of one scope are written together.
        var open = new List<string>();
        foreach (var group in _signals.Where(s => s.Enabled).GroupBy(s => s.Scope).OrderBy(g => ScopeKey(g.Key), StringComparer.Ordinal))
        {
            var path = group.Key.Length == 0 ? [] : group.Key.Split('.');
            int common = 0;
            while (common < open.Count && common < path.Length && open[common] == path[common]) common++;
            for (int i = open.Count; i > common; i--) _w.Write("$upscope $end\n");
            open.RemoveRange(common, open.Count - common);
            for (int i = common; i < path.Length; i++) { _w.Write($"$scope module {path[i]} $end\n"); open.Add(path[i]); }
            foreach (var s in group)
                _w.Write(s.Kind == SignalKind.String
                    ? $"$var string 1 {_ids[s.Index]} {s.Name} $end\n"
                    : $"$var {(s.Kind == SignalKind.Reg ? "reg" : "wire")} {s.Width} {_ids[s.Index]} {s.Name}{(s.Width > 1 ? $" [{s.Width - 1}:0]" : "")} $end\n");
        }
        for (int i = open.Count; i > 0; i--) _w.Write("$upscope $end\n");
        _w.Write("$enddefinitions $end\n");
    }

    // Keeps a component's sub-scopes right after it (cpu, cpu.pipe, timer0, ...) in first-declared component order.
    private string ScopeKey(string scope)
    {
        string top = scope.Split('.')[0];
        int first = Array.FindIndex(_signals, s => s.Scope.Split('.')[0] == top);
        return first.ToString("D6", CultureInfo.InvariantCulture) + "." + scope;
    }

    public void OnChange(Signal signal, long tick, ulong value)
    {
        if (_closed) return;
        // Most changes come in time order (bus cycles, instructions): they queue in a plain FIFO.
        // Only the others (future UART bits, edges stamped back to their clock edge) pay for the heap.
        if (tick >= _fifoLastTick)
        {
            if (_fifoCount == _fifo.Length) GrowFifo();
            _fifo[(_fifoHead + _fifoCount) & (_fifo.Length - 1)] = new Pending(tick, _seq++, signal.Index, value);
            _fifoCount++;
            _fifoLastTick = tick;
        }
        else _queue.Enqueue((signal.Index, value), (tick, _seq++));
        if (_fifoCount + _queue.Count >= 4096 && _o.Now != null) Drain(_o.Now() - _o.ReorderTicks);
    }

    private readonly record struct Pending(long Tick, long Seq, int Signal, ulong Value);
    private Pending[] _fifo = new Pending[8192];
    private int _fifoHead, _fifoCount;
    private long _fifoLastTick = long.MinValue;

    private void GrowFifo()
    {
        var bigger = new Pending[_fifo.Length * 2];
        for (int i = 0; i < _fifoCount; i++) bigger[i] = _fifo[(_fifoHead + i) & (_fifo.Length - 1)];
        _fifo = bigger;
        _fifoHead = 0;
    }

    /// <summary>Writes every queued change at or before <paramref name="tick"/>, in (time, arrival) order.</summary>
    public void Drain(long tick)
    {
        if (_queue.Count == 0)
        {
            // Only in-order changes (a bus trace): no heap to merge with (Emit queues nothing).
            var fifo = _fifo;
            int mask = fifo.Length - 1;
            while (_fifoCount > 0 && fifo[_fifoHead].Tick <= tick)
            {
                ref readonly var p = ref fifo[_fifoHead];
                _fifoHead = (_fifoHead + 1) & mask;
                _fifoCount--;
                Emit(p.Tick, p.Signal, p.Value);
            }
            return;
        }
        while (true)
        {
            bool haveHeap = _queue.TryPeek(out var c, out var at) && at.Tick <= tick;
            bool haveFifo = _fifoCount > 0 && _fifo[_fifoHead].Tick <= tick;
            if (haveFifo && (!haveHeap || (_fifo[_fifoHead].Tick, _fifo[_fifoHead].Seq).CompareTo(at) < 0))
            {
                var p = _fifo[_fifoHead];
                _fifoHead = (_fifoHead + 1) & (_fifo.Length - 1);
                _fifoCount--;
                Emit(p.Tick, p.Signal, p.Value);
            }
            else if (haveHeap)
            {
                _queue.Dequeue();
                Emit(at.Tick, c.Signal, c.Value);
            }
            else break;
        }
    }

    private void Emit(long tick, int index, ulong value)
    {
        if (tick < _lastTick) { LateChanges++; tick = _lastTick; }
        _lastTick = tick;
        if (tick < _o.FromTick) { _value[index] = value; return; }
        if (!_started) Start(_o.FromTick);
        if (tick > _o.ToTick) return;
        if (_value[index] == value) return;
        _value[index] = value;
        // Several changes share a tick (a bus cycle's pins): its units are converted once.
        if (tick != _unitsTick) { _unitsTick = tick; _units = _time.ToUnits(tick); }
        long units = _units;
        if (units != _lastWrittenUnits)
        {
            WriteTime(units);
            _lastWrittenUnits = units;
        }
        WriteValue(index, value);
        ChangesWritten++;
    }

    private void Start(long tick)
    {
        _started = true;
        _lastWrittenUnits = _time.ToUnits(tick);
        WriteTime(_lastWrittenUnits);
        WriteAscii("$dumpvars\n");
        for (int i = 0; i < _signals.Length; i++)
            if (_ids[i] != null) WriteValue(i, _value[i]);
        WriteAscii("$end\n");
    }

    /// <summary>The eight ASCII binary digits of each byte, most significant first, as one little-endian word.</summary>
    private static readonly ulong[] ByteDigits = MakeByteDigits();

    private static ulong[] MakeByteDigits()
    {
        var t = new ulong[256];
        for (int v = 0; v < 256; v++)
            for (int i = 0; i < 8; i++) t[v] |= (ulong)('0' + ((v >> (7 - i)) & 1)) << (8 * i);
        return t;
    }

    private void WriteValue(int index, ulong value)
    {
        var id = _idBytes[index];
        if (id == null) return;
        var signal = _signals[index];
        if (signal.Texts is { } texts)
        {
            // A VCD word ends at white space: spaces become '_' (as the profile's [task_NAME] frames write them).
            string text = value < (ulong)texts.Count ? texts[(int)value].Replace(' ', '_') : "?";
            Reserve(Encoding.UTF8.GetMaxByteCount(text.Length) + id.Length + 3);
            _buf[_n++] = (byte)'s';
            _n += Encoding.UTF8.GetBytes(text, _buf.AsSpan(_n));
            _buf[_n++] = (byte)' ';
            id.CopyTo(_buf, _n);
            _n += id.Length;
            _buf[_n++] = (byte)'\n';
            return;
        }
        // 'b', up to 64 digits, ' ', the id, '\n'.
        Reserve(id.Length + 67);
        var buf = _buf;
        int n = _n;
        if (signal.Width == 1) buf[n++] = value != 0 ? (byte)'1' : (byte)'0';
        else
        {
            buf[n++] = (byte)'b';
            int top = value == 0 ? 0 : 63 - BitOperations.LeadingZeroCount(value);
            // The digits above the last whole byte one by one, then eight at a time from a table.
            int b = top;
            for (; (b & 7) != 7; b--) buf[n++] = (byte)('0' + (int)((value >> b) & 1));
            for (; b >= 0; b -= 8, n += 8)
                Unsafe.WriteUnaligned(ref buf[n], ByteDigits[(int)((value >> (b - 7)) & 0xFF)]);
            buf[n++] = (byte)' ';
        }
        for (int i = 0; i < id.Length; i++) buf[n++] = id[i];
        buf[n++] = (byte)'\n';
        _n = n;
    }

    private void WriteTime(long units)
    {
        Reserve(22);
        _buf[_n++] = (byte)'#';
        units.TryFormat(_buf.AsSpan(_n), out int written, default, CultureInfo.InvariantCulture);
        _n += written;
        _buf[_n++] = (byte)'\n';
    }

    private void WriteAscii(string text)
    {
        Reserve(text.Length);
        _n += Encoding.ASCII.GetBytes(text, _buf.AsSpan(_n));
    }

    private void Reserve(int bytes)
    {
        if (_n + bytes > _buf.Length) FlushBytes();
    }

    /// <summary>Hands the body's bytes on: after the header still buffered in the writer, straight to its stream.</summary>
    private void FlushBytes()
    {
        if (_n == 0) return;
        if (_stream != null)
        {
            _w.Flush();
            _stream.Write(_buf, 0, _n);
        }
        else _w.Write(Encoding.UTF8.GetString(_buf, 0, _n));
        _n = 0;
    }

    /// <summary>Writes everything queued, a final time stamp at <paramref name="endTick"/>, and flushes.</summary>
    public void Close(long endTick)
    {
        if (_closed) return;
        Drain(long.MaxValue);
        if (!_started) Start(Math.Min(Math.Max(_o.FromTick, 0), endTick));
        long end = _time.ToUnits(Math.Min(Math.Max(endTick, _lastTick), _o.ToTick));
        if (end > _lastWrittenUnits) WriteTime(end);
        FlushBytes();
        _closed = true;
        if (_registry.Sink == this) _registry.Sink = null;
        _w.Flush();
    }

    public void Dispose()
    {
        Close(_lastTick == long.MinValue ? 0 : _lastTick);
        _w.Dispose();
    }
}
