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
    private readonly delegate* unmanaged<nint, int, int*, ulong, ulong, int> _cycles;
    private readonly delegate* unmanaged<nint, int, int*, int*, int> _watch;
    private readonly delegate* unmanaged<nint, int> _watchChanged;
    private readonly delegate* unmanaged<nint, byte*, int, int> _traceOpen;
    private readonly delegate* unmanaged<nint, ulong, void> _traceDump;
    private readonly delegate* unmanaged<nint, void> _traceClose;
    private readonly delegate* unmanaged<nint, void> _destroy;

    public RtlModel(string library, IReadOnlyList<RtlPort> ports, int clockPort)
    {
        Ports = ports;
        // Instances of one build share the library (dlopen counts); each has its own VerilatedContext.
        _lib = NativeLibrary.Load(library);
        nint F(string name) => NativeLibrary.GetExport(_lib, name);
        if (((delegate* unmanaged<int>)F("socsim_rtl_abi"))() != 1) throw new InvalidOperationException($"{library}: shim ABI mismatch");
        if (((delegate* unmanaged<int>)F("socsim_rtl_port_count"))() != ports.Count) throw new InvalidOperationException($"{library}: port table mismatch");
        _eval = (delegate* unmanaged<nint, void>)F("socsim_rtl_eval");
        _set = (delegate* unmanaged<nint, int, int, uint, void>)F("socsim_rtl_set");
        _get = (delegate* unmanaged<nint, int, int, uint>)F("socsim_rtl_get");
        _cycles = (delegate* unmanaged<nint, int, int*, ulong, ulong, int>)F("socsim_rtl_cycles");
        _watch = (delegate* unmanaged<nint, int, int*, int*, int>)F("socsim_rtl_watch");
        _watchChanged = (delegate* unmanaged<nint, int>)F("socsim_rtl_watch_changed");
        _traceOpen = (delegate* unmanaged<nint, byte*, int, int>)F("socsim_rtl_trace_open");
        _traceDump = (delegate* unmanaged<nint, ulong, void>)F("socsim_rtl_trace_dump");
        _traceClose = (delegate* unmanaged<nint, void>)F("socsim_rtl_trace_close");
        _destroy = (delegate* unmanaged<nint, void>)F("socsim_rtl_destroy");
        _h = ((delegate* unmanaged<int, nint>)F("socsim_rtl_create"))(clockPort);
    }

    public IReadOnlyList<RtlPort> Ports { get; }

    public void Eval() => _eval(_h);

    /// <summary>Sets a port of up to 64 bits.</summary>
    public void Set(int port, ulong value)
    {
        _set(_h, port, 0, (uint)value);
        if (Ports[port].Width > 32) _set(_h, port, 1, (uint)(value >> 32));
    }

    /// <summary>Sets 32-bit word <paramref name="word"/> of a port (wide ports).</summary>
    public void SetWord(int port, int word, uint value) => _set(_h, port, word, value);

    public uint Get(int port, int word = 0) => _get(_h, port, word);

    public bool GetBit(int port, int bit) => ((_get(_h, port, bit >> 5) >> (bit & 31)) & 1) != 0;

    /// <summary>Runs up to <paramref name="n"/> clock cycles, stopping after one that changes a watched bit; see the shim.</summary>
    public int Cycles(int n, out bool fixedPoint, out bool changed, ulong t0 = 0, ulong period = 0)
    {
        int f;
        int ran = _cycles(_h, n, &f, t0, period);
        fixedPoint = (f & 1) != 0;
        changed = (f & 2) != 0;
        return ran;
    }

    public void Watch(ReadOnlySpan<int> ports, ReadOnlySpan<int> bits)
    {
        fixed (int* p = ports)
        fixed (int* b = bits)
            if (_watch(_h, ports.Length, p, b) != 0) throw new ArgumentException("at most 64 output lines per RTL block");
    }

    /// <summary>Whether a watched bit changed since the last cycle or check (after inputs changed between edges).</summary>
    public bool WatchChanged() => _watchChanged(_h) != 0;

    /// <summary>Opens the model's own VCD (a build with tracing only); false when the build has no tracing.</summary>
    public bool TraceOpen(string file, int depth = 99)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(file + "\0");
        fixed (byte* b = bytes)
        {
            int r = _traceOpen(_h, b, depth);
            if (r == -2) throw new IOException($"cannot write {file}");
            return r == 0;
        }
    }

    public void TraceDump(ulong time) => _traceDump(_h, time);
    public void TraceClose() => _traceClose(_h);

    public void Dispose()
    {
        if (_h != 0)
        {
            _destroy(_h);
            _h = 0;
        }
    }
}
