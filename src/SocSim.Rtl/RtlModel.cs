using System.Runtime.InteropServices;

namespace SocSim.Rtl;

/// <summary>
/// One instance of a Verilated model, loaded from the shared library <see cref="VerilatorBuild"/> made,
/// through the shim's C functions (bound once as unmanaged function pointers: no marshalling per call).
/// </summary>
public sealed unsafe class RtlModel : IDisposable
{
    private readonly nint _lib;
    private nint _h;
    private readonly delegate* unmanaged<nint, void> _eval;
    private readonly delegate* unmanaged<nint, int, int, uint, void> _set;
    private readonly delegate* unmanaged<nint, int, int, uint> _get;
    private readonly delegate* unmanaged<nint, int, int*, ulong, int> _cycles;
    private readonly delegate* unmanaged<nint, int, int*, int*, int> _watch;
    private readonly delegate* unmanaged<nint, int, int*, int*, int*, int*, int> _link;
    private readonly delegate* unmanaged<nint, int> _watchChanged;
    private readonly delegate* unmanaged<nint, byte*, int, int> _traceOpen;
    private readonly delegate* unmanaged<nint, ulong, void> _traceDump;
    private readonly delegate* unmanaged<nint, void> _traceClose;
    private readonly delegate* unmanaged<nint, byte**, long> _traceTake;
    private readonly delegate* unmanaged<nint, void> _traceClear;
    private readonly delegate* unmanaged<nint, byte**, long> _save;
    private readonly delegate* unmanaged<nint, byte*, long, void> _restore;
    private readonly delegate* unmanaged<nint, void> _snapshot, _rollback;
    private readonly delegate* unmanaged<nint, int, int> _rewind;
    private readonly delegate* unmanaged<nint, int*, int, uint, uint, int, uint*, long**, int*, int> _apb;
    private readonly delegate* unmanaged<nint, byte**, long> _snapshotData;
    private readonly delegate* unmanaged<nint, void> _destroy;
    private readonly delegate* unmanaged<nint, int, void> _reference;
    private readonly delegate* unmanaged<nint, int, long*, int> _check;

    public RtlModel(string library, IReadOnlyList<RtlPort> ports, int clockPort)
    {
        Ports = ports;
        Library = library;
        // Instances of one build share the library (dlopen counts); each has its own VerilatedContext.
        _lib = NativeLibrary.Load(library);
        nint F(string name) => NativeLibrary.GetExport(_lib, name);
        if (((delegate* unmanaged<int>)F("socsim_rtl_abi"))() != 1) throw new InvalidOperationException($"{library}: shim ABI mismatch");
        if (((delegate* unmanaged<int>)F("socsim_rtl_port_count"))() != ports.Count) throw new InvalidOperationException($"{library}: port table mismatch");
        _eval = (delegate* unmanaged<nint, void>)F("socsim_rtl_eval");
        _set = (delegate* unmanaged<nint, int, int, uint, void>)F("socsim_rtl_set");
        _get = (delegate* unmanaged<nint, int, int, uint>)F("socsim_rtl_get");
        _cycles = (delegate* unmanaged<nint, int, int*, ulong, int>)F("socsim_rtl_cycles");
        _watch = (delegate* unmanaged<nint, int, int*, int*, int>)F("socsim_rtl_watch");
        _link = (delegate* unmanaged<nint, int, int*, int*, int*, int*, int>)F("socsim_rtl_link");
        _watchChanged = (delegate* unmanaged<nint, int>)F("socsim_rtl_watch_changed");
        _traceOpen = (delegate* unmanaged<nint, byte*, int, int>)F("socsim_rtl_trace_open");
        _traceDump = (delegate* unmanaged<nint, ulong, void>)F("socsim_rtl_trace_dump");
        _traceClose = (delegate* unmanaged<nint, void>)F("socsim_rtl_trace_close");
        _traceTake = (delegate* unmanaged<nint, byte**, long>)F("socsim_rtl_trace_take");
        _traceClear = (delegate* unmanaged<nint, void>)F("socsim_rtl_trace_clear");
        _save = (delegate* unmanaged<nint, byte**, long>)F("socsim_rtl_save");
        _restore = (delegate* unmanaged<nint, byte*, long, void>)F("socsim_rtl_restore");
        _snapshot = (delegate* unmanaged<nint, void>)F("socsim_rtl_snapshot");
        _rollback = (delegate* unmanaged<nint, void>)F("socsim_rtl_rollback");
        _rewind = (delegate* unmanaged<nint, int, int>)F("socsim_rtl_rewind");
        _apb = (delegate* unmanaged<nint, int*, int, uint, uint, int, uint*, long**, int*, int>)F("socsim_rtl_apb");
        _snapshotData = (delegate* unmanaged<nint, byte**, long>)F("socsim_rtl_snapshot_data");
        _destroy = (delegate* unmanaged<nint, void>)F("socsim_rtl_destroy");
        _reference = (delegate* unmanaged<nint, int, void>)F("socsim_rtl_reference");
        _check = (delegate* unmanaged<nint, int, long*, int>)F("socsim_rtl_check");
        _h = ((delegate* unmanaged<int, nint>)F("socsim_rtl_create"))(clockPort);
    }

    public IReadOnlyList<RtlPort> Ports { get; }
    public string Library { get; }

    // What was done to the model since it was created, while recording: replayed into another build
    // of the same design (one with tracing compiled in) it brings that one to the same state.
    private enum Op : byte { Eval, Set, Cycles, Watch, Link }
    private List<(Op Op, int A, int B, uint V)>? _log = new();
    private int[]? _watchPorts, _watchBits;
    private (int OutPort, int OutBit, int InPort, int InBit)[] _links = [];

    /// <summary>Whether the model's history is still recorded (see <see cref="ReplayInto"/>).</summary>
    public bool Recording => _log != null;

    /// <summary>Stops recording (the history would grow with every clock edge).</summary>
    public void StopRecording() => _log = null;

    /// <summary>Repeats everything done to this model on <paramref name="other"/> (a fresh model of the same design).</summary>
    public void ReplayInto(RtlModel other)
    {
        if (_log == null) throw new InvalidOperationException("the model's history was not recorded");
        foreach (var (op, a, b, v) in _log)
            switch (op)
            {
                case Op.Eval: other.Eval(); break;
                case Op.Set: other.SetWord(a, b, v); break;
                case Op.Cycles: other.Cycles(a, out _, out _); break;
                case Op.Watch: other.Watch(_watchPorts, _watchBits); break;
                case Op.Link: other.Link(_links); break;
            }
    }

    public void Eval()
    {
        _log?.Add((Op.Eval, 0, 0, 0));
        _eval(_h);
    }

    /// <summary>Sets a port of up to 64 bits.</summary>
    public void Set(int port, ulong value)
    {
        SetWord(port, 0, (uint)value);
        if (Ports[port].Width > 32) SetWord(port, 1, (uint)(value >> 32));
    }

    /// <summary>Sets 32-bit word <paramref name="word"/> of a port (wide ports).</summary>
    public void SetWord(int port, int word, uint value)
    {
        _log?.Add((Op.Set, port, word, value));
        _set(_h, port, word, value);
    }

    public uint Get(int port, int word = 0) => _get(_h, port, word);

    /// <summary>
    /// Evaluates the model through Verilator's <c>eval()</c> and reaches the clock, watched and looped bits
    /// through the port table's functions (the reference), instead of the root's eval and the bytes in
    /// place (the default where the build allows it; see <c>VerilatorBuild.IsPlainEvalStep</c>). For the
    /// tests that compare both; the same states either way.
    /// </summary>
    internal void UseReference(bool on) => _reference(_h, on ? 1 : 0);

    /// <summary>
    /// The shim's shortcuts checked against the long way, for the tests. Returns whether the clock's falling
    /// edge is two bytes set instead of an eval (the build proved it inert: <c>VerilatorBuild.InertFallingEdges</c>).
    /// With <paramref name="on"/>, from now on every such edge is evaluated as well and its bytes compared with the
    /// two set, and every state a rewind gives (the ring keeps every 8th, the cycles after it are clocked again)
    /// with the snapshot's clocked again as far; the long way's state is kept.
    /// </summary>
    internal bool Check(bool on, out RtlShimChecks counts)
    {
        long* c = stackalloc long[4];
        bool set = _check(_h, on ? 1 : 0, c) != 0;
        counts = new RtlShimChecks(c[0], c[1], c[2], c[3]);
        return set;
    }

    public bool GetBit(int port, int bit) => ((_get(_h, port, bit >> 5) >> (bit & 31)) & 1) != 0;

    /// <summary>
    /// Runs up to <paramref name="n"/> clock cycles, stopping after one that changes a watched bit; see
    /// the shim. While tracing, cycle i is dumped at VCD times <paramref name="dump"/> + 2i (rising
    /// edge) and + 2i + 1 (falling edge).
    /// </summary>
    public int Cycles(int n, out bool fixedPoint, out bool changed, ulong dump = 0)
    {
        int f;
        int ran = _cycles(_h, n, &f, dump);
        _log?.Add((Op.Cycles, ran, 0, 0));
        if (_log is { Count: > 1 << 20 }) _log = null; // too long a history to keep
        fixedPoint = (f & 1) != 0;
        changed = (f & 2) != 0;
        return ran;
    }

    public void Watch(ReadOnlySpan<int> ports, ReadOnlySpan<int> bits)
    {
        _watchPorts = ports.ToArray();
        _watchBits = bits.ToArray();
        _log?.Add((Op.Watch, 0, 0, 0));
        fixed (int* p = ports)
        fixed (int* b = bits)
            if (_watch(_h, ports.Length, p, b) != 0) throw new ArgumentException("at most 64 output lines per RTL block");
    }

    /// <summary>
    /// Loopbacks: each input bit follows its output bit at every rising edge, in the same delta as the
    /// output changes (a wire), inside every native call that clocks the model.
    /// </summary>
    public void Link(ReadOnlySpan<(int OutPort, int OutBit, int InPort, int InBit)> links)
    {
        _links = links.ToArray();
        _log?.Add((Op.Link, 0, 0, 0));
        int n = links.Length;
        var a = new int[4 * n];
        for (int i = 0; i < n; i++) (a[i], a[n + i], a[2 * n + i], a[3 * n + i]) = links[i];
        fixed (int* p = a)
            if (_link(_h, n, p, p + n, p + 2 * n, p + 3 * n) != 0) throw new ArgumentException("at most 64 loopbacks per RTL block");
    }

    /// <summary>Whether a watched bit changed since the last cycle or check (after inputs changed between edges).</summary>
    public bool WatchChanged() => _watchChanged(_h) != 0;

    /// <summary>
    /// Starts tracing every signal of the design (a build with tracing only; false otherwise): into
    /// memory when <paramref name="file"/> is null (<see cref="TakeTrace"/> hands over the VCD text),
    /// else into a VCD file of its own.
    /// </summary>
    public bool TraceOpen(string? file, int depth = 99)
    {
        int r;
        if (file == null) r = _traceOpen(_h, null, depth);
        else
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(file + "\0");
            fixed (byte* b = bytes) r = _traceOpen(_h, b, depth);
        }
        if (r == -2) throw new IOException($"cannot write {file}");
        if (r == -3) throw new InvalidOperationException("the model is already traced");
        return r == 0;
    }

    /// <summary>Dumps the signals that changed since the last dump at VCD time <paramref name="time"/> (strictly increasing).</summary>
    public void TraceDump(ulong time) => _traceDump(_h, time);

    /// <summary>The VCD text traced into memory since the last <see cref="ClearTrace"/>; valid until the next call on the model.</summary>
    public ReadOnlySpan<byte> TakeTrace()
    {
        byte* p;
        long n = _traceTake(_h, &p);
        return n == 0 ? default : new ReadOnlySpan<byte>(p, checked((int)n));
    }

    public void ClearTrace() => _traceClear(_h);
    public void TraceClose() => _traceClose(_h);

    /// <summary>Keeps a snapshot of the whole model in the shim (see <see cref="Rollback"/>).</summary>
    public void Snapshot() => _snapshot(_h);

    /// <summary>The last <see cref="Snapshot"/>, serialized as <see cref="Save"/> does (empty if none).</summary>
    public byte[] SnapshotData()
    {
        byte* p;
        long n = _snapshotData(_h, &p);
        return n == 0 ? [] : new ReadOnlySpan<byte>(p, checked((int)n)).ToArray();
    }

    /// <summary>Puts the model back in the state of the last <see cref="Snapshot"/>.</summary>
    public void Rollback()
    {
        _log = null;
        _rollback(_h);
    }

    /// <summary>
    /// Puts the model in its state <paramref name="cycles"/> clock cycles after the last <see cref="Snapshot"/>,
    /// if the shim kept it (a design whose state is plain data, no input changed since, within its
    /// ring of states); false otherwise (then <see cref="Rollback"/> and clock again).
    /// </summary>
    public bool Rewind(int cycles)
    {
        if (_rewind(_h, cycles) == 0) return false;
        _log = null;
        return true;
    }

    /// <summary>
    /// Runs a whole APB3 transfer in one native call (see the shim's <c>socsim_rtl_apb</c>); the model's
    /// history is not recorded. <paramref name="ports"/>: PSEL, PENABLE, PWRITE, PADDR, PWDATA, PRDATA,
    /// PREADY, PSLVERR (-1 when tied). Returns the clock cycles run; <paramref name="changes"/> gets the
    /// changes of the watched bits as (cycles after the first edge, watched bits), valid until the next call.
    /// </summary>
    public int Apb(ReadOnlySpan<int> ports, bool write, uint paddr, uint pwdata, int timeout, out uint rdata, out bool slverr, out bool timedOut, out ReadOnlySpan<long> changes)
    {
        _log = null;
        uint* o = stackalloc uint[2];
        long* c;
        int n;
        int ran;
        fixed (int* p = ports) ran = _apb(_h, p, write ? 1 : 0, paddr, pwdata, timeout, o, &c, &n);
        rdata = o[0];
        slverr = (o[1] & 1) != 0;
        timedOut = (o[1] & 2) != 0;
        changes = n == 0 ? default : new ReadOnlySpan<long>(c, 2 * n);
        return ran;
    }

    /// <summary>The model's whole state (Verilator's <c>--savable</c> serialization).</summary>
    public byte[] Save()
    {
        byte* p;
        long n = _save(_h, &p);
        return new ReadOnlySpan<byte>(p, checked((int)n)).ToArray();
    }

    /// <summary>
    /// Restores a state <see cref="Save"/> returned from a model of the same build. Verilator aborts
    /// the process on data of another model, so the caller checks the build first.
    /// </summary>
    public void Restore(ReadOnlySpan<byte> state)
    {
        _log = null;
        fixed (byte* p = state) _restore(_h, p, state.Length);
    }

    public void Dispose()
    {
        if (_h != 0)
        {
            _destroy(_h);
            _h = 0;
        }
    }
}

/// <summary>What <see cref="RtlModel.Check"/> compared: falling edges and rewinds checked, and those that differed.</summary>
internal readonly record struct RtlShimChecks(long FallingEdges, long FallingEdgeMismatches, long Rewinds, long RewindMismatches);
