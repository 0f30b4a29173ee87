using System.Globalization;
using SocSim.Core;
using SocSim.Core.Devices;

namespace SocSim.Peripherals;

/// <summary>
/// A scripted I²C bus master on a board's SCL/SDA wires (a board part, for driving a chip's I²C slave
/// from outside): each script entry is one transaction (START, address, bytes, STOP, repeated STARTs
/// between its parts), started at a given simulated time or together with another master's START, and
/// logged as a bus analyser prints it.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Script entry: <c>[at TIME | after TIME] [on start] OP [then OP]...</c> (at least one of the
/// first two); OP is <c>write ADDR [BYTE...]</c> or <c>read ADDR COUNT</c> (ADDR 7-bit; numbers 0x.. hex or
/// decimal; TIME a number with ns, us, ms or s). <c>then</c> is a repeated START. Entries run in order:
/// each waits until simulated time TIME (<c>at</c>) or TIME after the previous entry ended (<c>after</c>),
/// then for a free bus (a STOP after the last START seen: I²C-bus specification UM10204 §3.1.4), or, with
/// <c>on start</c>, for the next START on the bus, and makes its own at once, as two masters starting
/// together do (§3.1.8: both go on, arbitration decides).</item>
/// <item>Bit level: SCL low and high for half a period each (<c>clockHz</c>; half a period is rounded down
/// to whole ticks of the board's time base, a choice: the part is a stimulus, not a chip); SDA changes half a period
/// before SCL is released. After releasing SCL the part waits until the wire is high (a stretching slave,
/// a slower master) and samples SDA then; another device pulling SCL low ends its high period (clock
/// synchronisation, §3.1.7). A read acknowledges every byte but the last.</item>
/// <item>Arbitration (§3.1.8): when the part releases SDA for a 1 of its address or data and samples 0,
/// it has lost; it releases both lines, logs <c>arbitration lost</c> and goes to its next entry (no retry).
/// A NACK of the address or of a written byte ends the transaction with a STOP.</item>
/// <item>Log, one line per entry, from the START's time: <c>12.345 us: START 21+W ACK 11 ACK STOP</c>;
/// read bytes are followed by the part's own ACK/NACK; <c>Sr</c> is a repeated START. Kept in
/// <see cref="Log"/> and, with <c>log</c>, written to that file (relative to the board file).</item>
/// <item>Wiring: SCL_OUT and SDA_OUT are open-drain drives (0 pulls the wire low). A board whose SDA pad is
/// already driven by a slave part wires that part's drive to SDA_OTHER: SDA_OUT is then the AND of both,
/// the one wire they share. A reset of the SoC does not reach the part. It keeps no checkpoint state
/// (<c>--save-state</c> on a board with it is a one-line error).</item>
/// </list>
/// </remarks>
public sealed class I2cMasterPart : IBusDevice, IDeviceModel
{
    public static DeviceType Type { get; } = DeviceType.Define<I2cMasterPart>("i2c_master", "Scripted I2C bus master (board part): timed write/read transactions on SCL/SDA with clock synchronisation and arbitration, logged")
        .PinsOnly()
        .Output("SCL_OUT", p => p._sclOut, "SCL drive: 0 pulls the wire low", resetHigh: true)
        .Output("SDA_OUT", p => p._sdaOut, "SDA drive: 0 pulls the wire low (AND of SDA_OTHER)", resetHigh: true)
        .Input("SCL", (p, l) => p.ConnectScl(l), "the bus's SCL wire")
        .Input("SDA", (p, l) => p.ConnectSda(l), "the bus's SDA wire")
        .Input("SDA_OTHER", (p, l) => p.ConnectSdaOther(l), "another open-drain drive of the same SDA wire (a slave part): SDA_OUT is the AND of both")
        .Parameter("script", Array.Empty<string>(), "transactions in order: '[at TIME|after TIME] [on start]' then 'write ADDR BYTE...' or 'read ADDR COUNT', joined by 'then' (repeated START)")
        .Parameter("clockHz", 100_000L, "SCL frequency: low and high each last 1/(2 clockHz)")
        .Parameter("log", "", "file for the log, one line per transaction (relative to the board file); empty: in memory only")
        .Signals((p, s) => { s.Line("SCL_OUT", p._sclOut); s.Line("SDA_OUT", p._sdaOut); })
        .Build(c => new I2cMasterPart(c.Name, c.Scheduler, c.Parameter<IReadOnlyList<string>>("script"), c.Parameter<long>("clockHz"),
            c.Parameter<string>("log") is { Length: > 0 } log ? c.ResolvePath("log", log) : null));

    /// <summary>One part of a transaction: a write of <see cref="Bytes"/> or a read of <see cref="Count"/> bytes.</summary>
    private sealed record Op(int Address, bool Read, byte[] Bytes, int Count);
    /// <summary>A transaction: not before tick <see cref="At"/>, or <see cref="After"/> ticks after the previous one ended (-1: no such
    /// condition), then on a free bus, or with the next START another master makes (<see cref="OnStart"/>).</summary>
    private sealed record Entry(long At, long After, bool OnStart, Op[] Ops);

    private enum WaitKind : byte { Delay, SclHigh, SclLowOrDelay, BusFree, OtherStart }
    private readonly record struct Wait(WaitKind Kind, long Ticks = 0);

    private readonly Scheduler _s;
    private readonly Event _event;
    private readonly IrqLine _sclOut, _sdaOut;
    private readonly Entry[] _entries;
    private readonly long _half;
    private readonly string? _logPath;
    private readonly List<string> _log = new();
    private IrqLine? _scl, _sda, _sdaOther;
    private IEnumerator<Wait>? _run;
    private Wait _wait;
    private bool _waiting, _sdaOwn = true, _busBusy;
    private bool _bit, _lost;

    public I2cMasterPart(string name, Scheduler scheduler, IReadOnlyList<string> script, long clockHz, string? logPath)
    {
        Name = name;
        _s = scheduler;
        if (clockHz <= 0 || clockHz > 3_400_000) throw new ArgumentException($"{name}: clockHz {clockHz} is not an I2C clock (1 to 3400000 Hz)");
        _half = scheduler.TicksPerSecond / (2 * clockHz);   // rounded down to whole ticks (the board's time base)
        if (_half < 1) throw new ArgumentException($"{name}: clockHz {clockHz} is faster than this board's time base ({scheduler.TicksPerSecond} ticks a second)");
        _entries = script.Select((e, i) => Parse(name, i, e, scheduler.TicksPerSecond)).ToArray();
        _logPath = logPath;
        if (logPath != null)
        {
            try { File.WriteAllText(logPath, ""); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new ArgumentException($"{name}: cannot write the log file {logPath}: {e.Message}"); }
        }
        _sclOut = new IrqLine(name + ".SCL_OUT");
        _sdaOut = new IrqLine(name + ".SDA_OUT");
        _sclOut.Set(true);
        _sdaOut.Set(true);
        _event = scheduler.CreateEvent(name + ".step", EventPriority.Peripheral, _ => Step());
        if (_entries.Length > 0)
        {
            _run = Script().GetEnumerator();
            _s.Schedule(_event, _s.EventTime);
        }
    }

    public string Name { get; }
    /// <summary>One line per transaction run so far.</summary>
    public IReadOnlyList<string> Log => _log;
    /// <summary>Whether every entry of the script has run.</summary>
    public bool Finished => _run == null;
    public IrqLine SclOut => _sclOut;
    public IrqLine SdaOut => _sdaOut;

    public void ConnectScl(IrqLine l) { _scl = l; l.Subscribe(OnScl); }
    public void ConnectSda(IrqLine l) { _sda = l; l.Subscribe(OnSda); }
    public void ConnectSdaOther(IrqLine l) { _sdaOther = l; l.Subscribe(_ => DriveSda(_sdaOwn)); DriveSda(_sdaOwn); }

    /// <summary>A reset of the SoC does not reach a board part.</summary>
    public void Reset() { }
    public uint Read(uint address, int size, AccessFlags flags, ref bool abort) { abort = true; return 0; }
    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort) => abort = true;

    private static Entry Parse(string name, int index, string text, long ticksPerSecond)
    {
        string where = $"{name}: script entry {index} \"{text}\"";
        var t = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        long at = -1, after = -1;
        int k = 0;
        if (t.Length >= 2 && t[0] == "at") { at = ParseTime(where, t[1], ticksPerSecond); k = 2; }
        else if (t.Length >= 2 && t[0] == "after") { after = ParseTime(where, t[1], ticksPerSecond); k = 2; }
        bool onStart = t.Length >= k + 2 && t[k] == "on" && t[k + 1] == "start";
        if (onStart) k += 2;
        if (k == 0) throw new ArgumentException($"{where}: begins with none of 'at TIME', 'after TIME', 'on start'");
        var ops = new List<Op>();
        while (true)
        {
            if (k + 1 >= t.Length || (t[k] != "write" && t[k] != "read")) throw new ArgumentException($"{where}: expected 'write ADDR BYTE...' or 'read ADDR COUNT' at word {k + 1}");
            bool read = t[k] == "read";
            int addr = (int)ParseNumber(where, t[k + 1], 0x7F, "a 7-bit address");
            k += 2;
            var bytes = new List<byte>();
            while (k < t.Length && t[k] != "then") bytes.Add((byte)ParseNumber(where, t[k++], 0xFF, "a byte"));
            if (read && bytes.Count != 1) throw new ArgumentException($"{where}: 'read ADDR COUNT' takes one count");
            int count = read ? bytes[0] : 0;
            if (read && count == 0) throw new ArgumentException($"{where}: a read of 0 bytes");
            ops.Add(new Op(addr, read, read ? [] : bytes.ToArray(), count));
            if (k == t.Length) break;
            k++; // then
        }
        return new Entry(at, after, onStart, ops.ToArray());
    }

    private static long ParseNumber(string where, string s, long max, string what)
    {
        bool ok = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long v)
            : long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out v);
        if (!ok || v > max) throw new ArgumentException($"{where}: '{s}' is not {what} (0 to 0x{max:X})");
        return v;
    }

    private static long ParseTime(string where, string s, long ticksPerSecond)
    {
        (string Unit, long PerSecond)[] units = [("ns", 1_000_000_000), ("us", 1_000_000), ("ms", 1_000), ("s", 1)];
        foreach (var (unit, per) in units)
        {
            if (!s.EndsWith(unit, StringComparison.Ordinal)) continue;
            if (!decimal.TryParse(s[..^unit.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal v))
                break;
            decimal ticks = v * ticksPerSecond / per;
            if (ticks != decimal.Truncate(ticks)) throw new ArgumentException($"{where}: {s} is not a whole number of ticks ({ticksPerSecond} a second)");
            return (long)ticks;
        }
        throw new ArgumentException($"{where}: '{s}' is not a time (a number with ns, us, ms or s)");
    }

    // ---- the engine: a script of waits, resumed by the step event or by a line change ----

    private void Step()
    {
        _waiting = false;
        while (_run != null && _run.MoveNext())
        {
            var w = _run.Current;
            if (Satisfied(w)) continue;
            _wait = w;
            _waiting = true;
            if (w.Kind is WaitKind.Delay or WaitKind.SclLowOrDelay) _s.Schedule(_event, _s.EventTime + w.Ticks);
            return;
        }
        _run = null;
    }

    private bool Satisfied(Wait w) => w.Kind switch
    {
        WaitKind.Delay => w.Ticks <= 0,
        WaitKind.SclHigh => SclLevel,
        WaitKind.SclLowOrDelay => !SclLevel,
        WaitKind.BusFree => !_busBusy,
        _ => false,
    };

    private bool SclLevel => _scl?.Level ?? _sclOut.Level;
    private bool SdaLevel => _sda?.Level ?? _sdaOut.Level;

    private void Resume()
    {
        _waiting = false;
        _s.Cancel(_event);
        _s.Schedule(_event, _s.EventTime);
    }

    private void OnScl(bool high)
    {
        if (_waiting && ((_wait.Kind == WaitKind.SclHigh && high) || (_wait.Kind == WaitKind.SclLowOrDelay && !high))) Resume();
    }

    private void OnSda(bool level)
    {
        if (!SclLevel) return;
        _busBusy = !level;   // START: the bus is busy; STOP: free
        if (_waiting && ((!level && _wait.Kind == WaitKind.OtherStart) || (level && _wait.Kind == WaitKind.BusFree))) Resume();
    }

    private void DriveSda(bool level)
    {
        _sdaOwn = level;
        _sdaOut.Set(level && (_sdaOther?.Level ?? true));
    }

    private IEnumerable<Wait> Script()
    {
        foreach (var e in _entries)
            foreach (var w in Transaction(e)) yield return w;
    }

    private IEnumerable<Wait> Transaction(Entry e)
    {
        if (e.At >= 0) yield return new Wait(WaitKind.Delay, e.At - _s.EventTime);
        if (e.After >= 0) yield return new Wait(WaitKind.Delay, e.After);
        yield return new Wait(e.OnStart ? WaitKind.OtherStart : WaitKind.BusFree);
        var line = new System.Text.StringBuilder();
        line.Append(((decimal)_s.EventTime * 1_000_000 / _s.TicksPerSecond).ToString("0.000", CultureInfo.InvariantCulture)).Append(" us: START");
        DriveSda(false);
        yield return new Wait(WaitKind.Delay, _half);
        _sclOut.Set(false);
        for (int i = 0; i < e.Ops.Length && !_lost; i++)
        {
            var op = e.Ops[i];
            if (i > 0)
            {
                line.Append(" Sr");
                DriveSda(true);
                yield return new Wait(WaitKind.Delay, _half);
                _sclOut.Set(true);
                yield return new Wait(WaitKind.SclHigh);
                yield return new Wait(WaitKind.Delay, _half);
                DriveSda(false);
                yield return new Wait(WaitKind.Delay, _half);
                _sclOut.Set(false);
            }
            line.Append(CultureInfo.InvariantCulture, $" {op.Address:X2}+{(op.Read ? 'R' : 'W')}");
            foreach (var w in WriteByte((uint)(op.Address << 1 | (op.Read ? 1 : 0)), line)) yield return w;
            if (_lost) break;
            bool ack = !_bit;
            for (int b = 0; ack && !op.Read && b < op.Bytes.Length && !_lost; b++)
            {
                line.Append(CultureInfo.InvariantCulture, $" {op.Bytes[b]:X2}");
                foreach (var w in WriteByte(op.Bytes[b], line)) yield return w;
                ack = !_bit;
            }
            for (int b = 0; ack && op.Read && b < op.Count; b++)
            {
                uint v = 0;
                for (int k = 0; k < 8; k++)
                {
                    foreach (var w in Clock(true, arbitrate: false)) yield return w;
                    v = (v << 1) | (_bit ? 1u : 0u);
                }
                bool last = b == op.Count - 1;
                line.Append(CultureInfo.InvariantCulture, $" {v:X2} {(last ? "NACK" : "ACK")}");
                foreach (var w in Clock(last, arbitrate: false)) yield return w;
            }
            if (!ack) break;
        }
        if (_lost)
        {
            _lost = false;
            DriveSda(true);
            _sclOut.Set(true);
        }
        else
        {
            line.Append(" STOP");
            DriveSda(false);
            yield return new Wait(WaitKind.Delay, _half);
            _sclOut.Set(true);
            yield return new Wait(WaitKind.SclHigh);
            yield return new Wait(WaitKind.Delay, _half);
            DriveSda(true);
            yield return new Wait(WaitKind.Delay, _half);
        }
        AddLog(line.ToString());
    }

    /// <summary>Eight bits and the slave's acknowledge (in <see cref="_bit"/>: 0 is ACK); sets <see cref="_lost"/> on arbitration loss.</summary>
    private IEnumerable<Wait> WriteByte(uint b, System.Text.StringBuilder line)
    {
        for (int i = 7; i >= 0; i--)
        {
            foreach (var w in Clock(((b >> i) & 1) != 0, arbitrate: true)) yield return w;
            if (_lost) { line.Append(CultureInfo.InvariantCulture, $" arbitration lost at bit {i}"); yield break; }
        }
        foreach (var w in Clock(true, arbitrate: false)) yield return w;
        line.Append(_bit ? " NACK" : " ACK");
    }

    /// <summary>One clock: SDA to <paramref name="level"/>, SCL released and seen high, SDA sampled into <see cref="_bit"/>, SCL low.</summary>
    private IEnumerable<Wait> Clock(bool level, bool arbitrate)
    {
        DriveSda(level);
        yield return new Wait(WaitKind.Delay, _half);
        _sclOut.Set(true);
        yield return new Wait(WaitKind.SclHigh);
        _bit = SdaLevel;
        if (arbitrate && level && !_bit) { _lost = true; yield break; }
        yield return new Wait(WaitKind.SclLowOrDelay, _half);
        _sclOut.Set(false);
    }

    private void AddLog(string line)
    {
        _log.Add(line);
        if (_logPath != null) File.AppendAllText(_logPath, line + "\n");
    }
}
