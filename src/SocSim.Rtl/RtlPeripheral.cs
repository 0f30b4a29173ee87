using System.Globalization;
using System.Text.RegularExpressions;
using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Rtl;

/// <summary>
/// A peripheral whose behaviour is its RTL: Verilog/SystemVerilog sources built with Verilator (see
/// <see cref="VerilatorBuild"/>) and clocked on the board clock the entry names, edge by edge, in step
/// with the CPU. The bus is AMBA APB3 (IHI 0024C): every CPU access runs the setup and access phases on
/// real PCLK edges and waits for PREADY.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Clocking: PCLK edge k is at the clock domain's <c>TimeOfEdge(k)</c>. An event at the next
/// unclocked edge makes the CPU stop at the instruction boundary after it; the edges up to the present
/// are then run in one native call (clock 1, eval, clock 0, eval each), which stops at the first edge
/// that changes an output line. Changes are delivered by an event at the tick of their edge, so an
/// interrupt reaches the VIC and the core exactly as a modelled peripheral's event would.</item>
/// <item>Idle: when a cycle leaves the whole model state unchanged (byte for byte), its inputs being
/// constant, every further cycle is the same no-op; the block then stops being clocked until an input
/// changes (an access, an input pin, reset), and the skipped edges are counted, not run. This is exact
/// (a fixed point of a deterministic next-state function) and costs nothing while the block is idle.
/// It is off while the RTL's own signals are traced.</item>
/// <item>Running ahead: a block that is not idle is clocked ahead of the CPU in batches (doubling from
/// 8 edges up to 4096 while nothing interrupts them; after an access or an input change, as long as the
/// gap since the previous one was) from a snapshot of the whole model kept in the shim, one snapshot per
/// gap between input changes (successive batches continue from it, up to 4096 edges); an output change
/// found ahead is delivered by an event at the tick of its edge, as ever. When an input changes before
/// the frontier (an access, a pin, reset, a clock change), the model goes back to its state at the
/// edge the change needs and the changes found beyond it are dropped. A design whose state is plain
/// data in Verilator's root module (<see cref="VerilatorBuild.IsFlat"/>) keeps the root's bytes after
/// every edge of the batch (up to 4 MiB), so going back is one copy; any other goes back to the
/// snapshot (Verilator's serialization) and is clocked again up to that edge (same inputs, so the
/// same states and output changes). Exact, and one native call per batch instead of one scheduler
/// event per edge. Off while the RTL's own signals are traced.</item>
/// <item>Tracing: a waveform that selects the block's internal signals (<c>--vcd</c>, <c>--signals</c>)
/// switches the block to a build with Verilator tracing (built on demand, cached apart) brought to the
/// same state by replaying what was done to the model so far (only possible before it has been clocked
/// by the run: tracing is asked for when the run starts). Verilator's VCD text is traced into memory and
/// merged: every change is stamped at the tick of the PCLK edge that produced it (the falling edge
/// half-way to the next), an input driven by the bus bridge or a pin at the tick it was driven, under
/// the scope <c>name.top.…</c>.</item>
/// <item>Access (untraced: one native call for the whole transfer, its output changes returned with their edges): at the first PCLK edge E0 at or after the access starts, the bridge drives PSEL,
/// PADDR, PWRITE and PWDATA (setup phase, sampled at E0+1), then PENABLE (access phase); the transfer
/// ends at the first edge E0+1+n (n &gt;= 1) where PREADY is high, PRDATA and PSLVERR being sampled
/// there; the CPU has the response in the cycle after that edge. The bus charges the board's wait
/// states (as for every APB peripheral on the board) and the block stalls the CPU for whatever the
/// transfer takes beyond them: with PCLK the CPU clock and 2 wait states a zero-wait transfer costs
/// exactly the wait states and each PCLK cycle PREADY stays low adds one CPU cycle; on a slower PCLK
/// the CPU waits for the whole transfer, as it would behind a real AHB-to-APB bridge.</item>
/// <item>Loopbacks (<c>connect</c>): a wire inside the block. The shim drives the input from its output
/// right after the rising edge's eval in every native call that clocks the model, so the block samples
/// the new level at the next edge in every mode (edge by edge, running ahead, a transfer).</item>
/// <item>Data: PWDATA carries a byte or halfword replicated across the bus, as the ARM7TDMI drives D[31:0]
/// for STRB/STRH; a narrow read takes its byte lane of PRDATA by address (little-endian).</item>
/// <item>Checkpoints: the Verilated model is saved whole (Verilator's <c>--savable</c> serialization,
/// every model is built with it) with the bridge's own state: the edge count, the idle state, the input
/// levels, the output changes not yet delivered. A checkpoint names the build it came from and is
/// loaded only into the same build (same sources, top module, tool versions; with or without tracing,
/// switching this block to that variant if needed).</item>
/// </list>
/// </remarks>
public sealed class RtlPeripheral : IBusDevice, IDeviceModel, IStateful, IDisposable
{
    public const uint Window = 0x1000;

    /// <summary>The bus signals a board maps to module ports, with their default port names.</summary>
    public static readonly string[] BusSignals = ["PCLK", "PRESETn", "PRESET", "PADDR", "PSEL", "PENABLE", "PWRITE", "PWDATA", "PRDATA", "PREADY", "PSLVERR"];

    public static DeviceType Type { get; } = DeviceType.Define<RtlPeripheral>("rtl", "RTL co-simulated with Verilator (APB3 slave)")
        .Window(Window)
        .Parameter("sources", Array.Empty<string>(), "Verilog/SystemVerilog source files, relative to the board file, in compilation order")
        .Parameter("top", "", "the top module")
        .Parameter("bus", "apb3", "the bus protocol: apb3")
        .Parameter("ports", new Dictionary<string, string>(), "bus and reset signal -> module port (defaults: PCLK, PRESETn, PADDR, PSEL, PENABLE, PWRITE, PWDATA, PRDATA, PREADY, PSLVERR; map PRESET instead of PRESETn for an active-high reset; a module without PREADY or PSLVERR has them tied as APB2: ready, no error)")
        .Parameter("outputs", new Dictionary<string, string>(), "output line name -> module output port, or one bit of it as port[bit]: usable in interrupts like a modelled peripheral's outputs")
        .Parameter("inputs", new Dictionary<string, string>(), "input pin name -> module input port, or one bit of it as port[bit]")
        .Parameter("connect", new Dictionary<string, string>(), "input pin -> output line of the same block driving it (a loopback such as RXD <- TXD)")
        .Parameter("tie", 1L, "level (0 or 1) of every module input nothing drives (1: the idle level of a serial line); a multi-bit input gets all bits at that level")
        .Parameter("tieports", new Dictionary<string, string>(), "module input -> value (decimal or 0x hex) for an undriven input that must not sit at the tie level")
        .Parameter("addressShift", 0L, "PADDR = offset >> addressShift (2 for a block whose registers are numbered by PADDR[n:0] but sit at word addresses)")
        .Parameter("ignorePslverr", false, "treat PSLVERR as OKAY instead of a data abort")
        .Parameter("readyTimeout", 4096L, "PCLK cycles an access may wait for PREADY before it ends in a bus error")
        .Parameter("idleSkip", true, "stop clocking the block while it sits at a fixed point (exact; false clocks every edge, for measurements)")
        .Parameter("runAhead", true, "clock a busy block ahead of the CPU in batches, rolling back to a snapshot when an input changes before the frontier (exact; false clocks it edge by edge, for measurements)")
        .Parameter("trace", false, "load the build with Verilator tracing from the start (a waveform that selects the block's signals switches to it by itself; this builds it ahead with socsim rtl build)")
        .InstancePorts(
            p => new InstancePorts(Names(p, "outputs"), Names(p, "inputs")),
            (d, name) => d._outputLines.TryGetValue(name, out var l) ? l : null,
            (d, name, line) => d.ConnectPin(name, line))
        .Signals((d, s) => d.DeclareSignals(s))
        .Build(c => new RtlPeripheral(c));

    private static IReadOnlyList<string> Names(IReadOnlyDictionary<string, object> p, string key) =>
        p.TryGetValue(key, out var v) && v is IReadOnlyDictionary<string, string> m ? m.Keys.ToList() : [];

    private readonly Scheduler _s;
    private readonly ClockDomain _clk;
    private RtlModel _model;
    private readonly IReadOnlyList<string> _sources;
    private readonly string _top;
    private bool _builtTraced;
    private readonly string _key;
    private readonly Action<string> _warn;
    private readonly Event _tick, _deliver;
    private readonly int _pclk, _reset, _paddr, _psel, _penable, _pwrite, _pwdata, _prdata, _pready, _pslverr;
    private readonly bool _resetActiveHigh, _ignorePslverr;
    private readonly int _paddrWidth, _addressShift;
    private readonly int[] _apbPorts;
    private readonly long _readyTimeout;

    /// <summary>
    /// The longest wait for PREADY: one access is one bus cycle to the core, so it cannot stop at
    /// --max-cycles or --max-time midway; this bounds how far past them a stalled block can take a run.
    /// </summary>
    public const long MaxReadyTimeout = 1 << 20;
    private readonly WaitStates _waitStates;

    // Output lines: name, port, bit, line.
    private readonly List<(string Name, int Port, int Bit, IrqLine Line)> _outputs = new();
    private readonly Dictionary<string, IrqLine> _outputLines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Port, int Bit)> _inputs = new(StringComparer.Ordinal);
    private readonly Dictionary<int, ulong> _inputValues = new();
    private readonly HashSet<string> _linked = new(StringComparer.Ordinal);
    private readonly HashSet<int> _linkedPorts = new(); // ports with a looped-back bit: the shim changes them
    private readonly (int, int, int, int)[] _links = [];
    private readonly Queue<(long Tick, ulong Bits)> _pending = new();

    private long _edge;       // the last PCLK edge the model has been clocked through (ahead of the present while running ahead)
    private bool _idle;       // at a fixed point: edges are counted, not run
    private long _idleFrom;   // the first edge of the fixed point
    private bool _runAhead;
    private long _snapEdge;   // the edge of the shim's snapshot (running ahead)
    private bool _speculative; // the edges after _snapEdge were run ahead, with inputs that may yet change
    private int _ahead = MinAhead;
    private const int MinAhead = 8, MaxAhead = 4096;
    private Action<long, ulong>[]? _traceOutputs;

    // The RTL's own signals (see Tracing above).
    private bool _traceOn;
    private RtlTrace? _trace;
    private List<Action<long, ulong>>[] _traceSubscribers = [];
    private ulong[] _traceDelivered = [];
    private ulong _dumpNext = 1;
    private readonly List<(long Tick, long Seq, int Code, ulong Value)> _held = new();
    private long _heldSeq;
    // How the dump times of the native call being parsed map to ticks.
    private ulong _mapBase;
    private long _mapEdge, _mapTick;
    private Action<ulong, int, ulong>? _onTraceChange;

    public RtlPeripheral(DeviceContext c)
    {
        Name = c.Name;
        _s = c.Scheduler;
        _clk = c.Clock;
        _warn = c.Warn;
        _waitStates = c.WaitStates;
        _key = $"peripherals.{c.Name}.parameters";
        string bus = c.Parameter<string>("bus");
        if (bus != "apb3")
            throw new RtlException($"{_key}.bus", $"unsupported bus \"{bus}\" (supported: apb3)");
        string top = c.Parameter<string>("top");
        if (top.Length == 0) throw new RtlException($"{_key}.top", "missing: the top module's name");
        var sources = c.Parameter<IReadOnlyList<string>>("sources").Select(s => c.ResolvePath("sources", s)).ToList();
        _sources = sources;
        _top = top;
        bool trace = c.Parameter<bool>("trace");
        _builtTraced = trace;
        var built = VerilatorBuild.Build(new RtlBuildRequest(sources, top, trace), _key);
        Library = built.Library;
        BuildCached = built.Cached;
        BuildTime = built.Elapsed;
        var ports = VerilatorBuild.PortsOf(built.Library);
        Ports = ports;

        var map = c.Parameter<IReadOnlyDictionary<string, string>>("ports");
        foreach (var k in map.Keys)
            if (!BusSignals.Contains(k))
                throw new RtlException($"{_key}.ports.{k}", $"unknown bus signal \"{k}\" (expected one of: {string.Join(", ", BusSignals)})");
        if (map.ContainsKey("PRESET") && map.ContainsKey("PRESETn"))
            throw new RtlException($"{_key}.ports.PRESET", "map either PRESETn (active-low reset) or PRESET (active-high), not both");

        RtlPort? Find(string name) => ports.FirstOrDefault(p => p.Name == name);
        int Bus(string signal, PortDirection dir, int minWidth, int maxWidth, bool optional = false)
        {
            bool mapped = map.TryGetValue(signal, out var portName);
            portName ??= signal;
            var p = Find(portName);
            if (p == null)
            {
                if (optional && !mapped) return -1;
                throw new RtlException(mapped ? $"{_key}.ports.{signal}" : $"{_key}.ports",
                    $"module {top} has no port \"{portName}\" for {signal}{(mapped ? "" : " (map it in ports)")} (ports: {string.Join(", ", ports.Select(q => q.Name))})");
            }
            if (p.Direction != dir)
                throw new RtlException(mapped ? $"{_key}.ports.{signal}" : $"{_key}.ports", $"port \"{portName}\" of {top} is an {p.Direction.ToString().ToLowerInvariant()}, {signal} needs an {dir.ToString().ToLowerInvariant()}");
            if (p.Width < minWidth || p.Width > maxWidth)
                throw new RtlException(mapped ? $"{_key}.ports.{signal}" : $"{_key}.ports",
                    $"port \"{portName}\" of {top} is {p.Width} bits wide, {signal} needs {(minWidth == maxWidth ? minWidth.ToString(CultureInfo.InvariantCulture) : $"{minWidth} to {maxWidth}")}");
            return p.Index;
        }
        _pclk = Bus("PCLK", PortDirection.Input, 1, 1);
        _resetActiveHigh = map.ContainsKey("PRESET");
        _reset = Bus(_resetActiveHigh ? "PRESET" : "PRESETn", PortDirection.Input, 1, 1);
        _paddr = Bus("PADDR", PortDirection.Input, 1, 32);
        _psel = Bus("PSEL", PortDirection.Input, 1, 1);
        _penable = Bus("PENABLE", PortDirection.Input, 1, 1);
        _pwrite = Bus("PWRITE", PortDirection.Input, 1, 1);
        _pwdata = Bus("PWDATA", PortDirection.Input, 8, 32);
        _prdata = Bus("PRDATA", PortDirection.Output, 8, 32);
        _pready = Bus("PREADY", PortDirection.Output, 1, 1, optional: true);
        _pslverr = Bus("PSLVERR", PortDirection.Output, 1, 1, optional: true);
        _apbPorts = [_psel, _penable, _pwrite, _paddr, _pwdata, _prdata, _pready, _pslverr];
        _paddrWidth = ports[_paddr].Width;
        _addressShift = (int)c.Parameter<long>("addressShift");
        if (_addressShift is < 0 or > 11) throw new RtlException($"{_key}.addressShift", $"expected 0 to 11, got {_addressShift}");
        _ignorePslverr = c.Parameter<bool>("ignorePslverr");
        _readyTimeout = c.Parameter<long>("readyTimeout");
        if (_readyTimeout is < 1 or > MaxReadyTimeout)
            throw new RtlException($"{_key}.readyTimeout", $"expected 1 to {MaxReadyTimeout} PCLK cycles, got {_readyTimeout}");

        (int Port, int Bit) PortBit(string key, string spec, PortDirection dir)
        {
            var m = Regex.Match(spec, @"^([A-Za-z_][A-Za-z0-9_$]*)(?:\[(\d+)\])?$");
            if (!m.Success) throw new RtlException(key, $"\"{spec}\" is not a port name or port[bit]");
            var p = Find(m.Groups[1].Value)
                ?? throw new RtlException(key, $"module {top} has no port \"{m.Groups[1].Value}\" (ports: {string.Join(", ", ports.Select(q => q.Name))})");
            if (p.Direction != dir)
                throw new RtlException(key, $"port \"{p.Name}\" of {top} is an {p.Direction.ToString().ToLowerInvariant()}, not an {dir.ToString().ToLowerInvariant()}");
            if (m.Groups[2].Success)
            {
                int bit = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                if (bit >= p.Width) throw new RtlException(key, $"port \"{p.Name}\" of {top} is {p.Width} bits wide: no bit {bit}");
                return (p.Index, bit);
            }
            if (p.Width != 1) throw new RtlException(key, $"port \"{p.Name}\" of {top} is {p.Width} bits wide; a line is 1 bit: name one bit as {p.Name}[n]");
            return (p.Index, 0);
        }
        foreach (var (name, spec) in c.Parameter<IReadOnlyDictionary<string, string>>("outputs"))
        {
            var (port, bit) = PortBit($"{_key}.outputs.{name}", spec, PortDirection.Output);
            var line = new IrqLine(c.Name + "." + name);
            _outputs.Add((name, port, bit, line));
            _outputLines[name] = line;
        }
        if (_outputs.Count > 64) throw new RtlException($"{_key}.outputs", "at most 64 output lines");
        foreach (var (name, spec) in c.Parameter<IReadOnlyDictionary<string, string>>("inputs"))
            _inputs[name] = PortBit($"{_key}.inputs.{name}", spec, PortDirection.Input);

        _model = new RtlModel(built.Library, ports, _pclk);
        // Inputs nothing drives sit at the tie level, or at the value tieports gives.
        long tie = c.Parameter<long>("tie");
        if (tie is not (0 or 1)) throw new RtlException($"{_key}.tie", $"expected 0 or 1, got {tie}");
        var busPorts = new HashSet<int> { _pclk, _reset, _paddr, _psel, _penable, _pwrite, _pwdata };
        var tiePorts = c.Parameter<IReadOnlyDictionary<string, string>>("tieports");
        foreach (var (name, value) in tiePorts)
        {
            var p = Find(name) ?? throw new RtlException($"{_key}.tieports.{name}", $"module {top} has no port \"{name}\"");
            if (p.Direction != PortDirection.Input || busPorts.Contains(p.Index))
                throw new RtlException($"{_key}.tieports.{name}", $"port \"{name}\" is not an undriven input of {top}");
        }
        foreach (var p in ports.Where(p => p.Direction == PortDirection.Input && !busPorts.Contains(p.Index)))
        {
            ulong v = tie == 1 ? (p.Width >= 64 ? ulong.MaxValue : (1UL << p.Width) - 1) : 0;
            if (tiePorts.TryGetValue(p.Name, out var text))
            {
                bool hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
                if (!ulong.TryParse(hex ? text[2..] : text, hex ? NumberStyles.HexNumber : NumberStyles.None, CultureInfo.InvariantCulture, out v))
                    throw new RtlException($"{_key}.tieports.{p.Name}", $"expected a number, got \"{text}\"");
            }
            if (p.Width > 64)
                for (int w = 0; w < (p.Width + 31) / 32; w++) _model.SetWord(p.Index, w, tie == 1 ? uint.MaxValue : 0);
            else _model.Set(p.Index, v);
            _inputValues[p.Index] = v;
        }
        _model.Set(_psel, 0);
        _model.Set(_penable, 0);
        _model.Set(_pwrite, 0);
        _model.Set(_pclk, 0);
        _model.Watch(_outputs.Select(o => o.Port).ToArray(), _outputs.Select(o => o.Bit).ToArray());

        _tick = _s.CreateEvent(c.Name + ".pclk", EventPriority.Peripheral, OnTick);
        _deliver = _s.CreateEvent(c.Name + ".outputs", EventPriority.Peripheral, OnDeliver);
        _edge = _clk.EdgesAt(_s.Now);
        ApplyReset();
        IdleSkipping = c.Parameter<bool>("idleSkip");
        _runAhead = c.Parameter<bool>("runAhead");
        // A clock change moves the edges not reached yet: none may have been run ahead.
        _clk.Changing += (_, at) => { if (_speculative && _edge > _clk.EdgesAt(at)) { RollBack(_clk.EdgesAt(at)); _speculative = false; } };
        _clk.Changed += (_, _) => { if (_tick.IsScheduled) _s.Schedule(_tick, Math.Max(_clk.TimeOfEdge(_edge + 1), _s.EventTime)); };
        // A loopback is a wire inside the block: the shim drives the input from the output at the
        // rising edge that changes it, in every mode (edge by edge, running ahead, a transfer), not
        // through the output line's event, which would reach the model only after the catch-up that
        // found the change (see Loopbacks in boards/README.md).
        var links = new List<(int, int, int, int)>();
        foreach (var (input, output) in c.Parameter<IReadOnlyDictionary<string, string>>("connect"))
        {
            if (!_outputLines.ContainsKey(output))
                throw new RtlException($"{_key}.connect.{input}", $"no output line \"{output}\" (outputs: {string.Join(", ", _outputLines.Keys)})");
            if (!_inputs.TryGetValue(input, out var pin))
                throw new RtlException($"{_key}.connect.{input}", $"no input pin \"{input}\" (inputs: {string.Join(", ", _inputs.Keys)})");
            var o = _outputs.First(x => x.Name == output);
            links.Add((o.Port, o.Bit, pin.Port, pin.Bit));
            _linked.Add(input);
            _linkedPorts.Add(pin.Port);
            DriveInput(pin, o.Line.Level);
        }
        _links = links.ToArray();
        if (_links.Length > 0) _model.Link(_links);
    }

    public string Name { get; }
    /// <summary>The shared library the model was loaded from.</summary>
    public string Library { get; }
    public bool BuildCached { get; }
    public TimeSpan BuildTime { get; }
    public IReadOnlyList<RtlPort> Ports { get; }
    /// <summary>The last PCLK edge the model has been clocked through (skipped idle edges included).</summary>
    public long Edge => _edge;
    /// <summary>Whether the block may stop being clocked at a fixed point (exact either way).</summary>
    public bool IdleSkipping { get; set; } = true;
    /// <summary>Whether the block is at a fixed point and not being clocked.</summary>
    public bool IsIdle => _idle;
    /// <summary>PCLK edges run in the model (not skipped), those run again after a rollback included.</summary>
    public long EdgesRun { get; private set; }
    /// <summary>PCLK edges the model has been clocked beyond the present (running ahead).</summary>
    public long EdgesAhead => _speculative ? Math.Max(0, _edge - _clk.EdgesAt(_s.Now)) : 0;
    /// <summary>Times an input changed before the frontier of a run-ahead batch and the model went back to its snapshot.</summary>
    public long Rollbacks { get; private set; }
    /// <summary>
    /// What the bridge asked of the model, counted for measurements (bench/README.md, issue 21 RTL);
    /// none of it is simulated state. With <c>SOCSIM_RTL_STATS</c> set, <see cref="Dispose"/> prints it.
    /// </summary>
    public RtlBridgeCounters Counters => _n;
    private RtlBridgeCounters _n = new();
    /// <summary>CPU cycles the last access stalled beyond the board's wait states (PREADY low).</summary>
    public long LastStallCycles { get; private set; }
    public long TotalStallCycles { get; private set; }

    /// <summary>See <see cref="RtlModel.UseReference"/> (for the current model; tests only).</summary>
    internal void UseReferenceModelPath(bool on) => _model.UseReference(on);

    /// <summary>See <see cref="RtlModel.Check"/>.</summary>
    internal bool CheckShim(bool on, out RtlShimChecks counts) => _model.Check(on, out counts);

    public IrqLine Output(string name) => _outputLines.TryGetValue(name, out var l) ? l : throw new KeyNotFoundException($"{Name} has no output {name}");

    /// <summary>Drives input pin <paramref name="name"/> from now on (a test bench, the host).</summary>
    public void SetInput(string name, bool level)
    {
        if (!_inputs.TryGetValue(name, out var pin)) throw new KeyNotFoundException($"{Name} has no input {name}");
        if (_linked.Contains(name)) throw new InvalidOperationException($"{Name}: input {name} is driven by its loopback (connect)");
        DriveInput(pin, level);
    }

    private bool ConnectPin(string name, IrqLine line)
    {
        if (!_inputs.TryGetValue(name, out var pin)) return false;
        if (_linked.Contains(name)) throw new RtlException($"{_key}.connect.{name}", $"input pin \"{name}\" is driven by its loopback and cannot also be wired to {line.Name}");
        line.Subscribe(level => DriveInput(pin, level));
        DriveInput(pin, line.Level);
        return true;
    }

    private void DriveInput((int Port, int Bit) pin, bool level)
    {
        // The new level is seen from the first edge after the change.
        ulong cur = _inputValues.TryGetValue(pin.Port, out var known) ? known : 0;
        bool linked = _linkedPorts.Contains(pin.Port);
        ulong v = level ? cur | (1UL << pin.Bit) : cur & ~(1UL << pin.Bit);
        if (v == cur && !linked) return;
        CatchUp(_s.EventTime);
        if (linked)
        {
            // Another bit of the port follows a loopback in the shim: the port's value is the model's.
            cur = _model.Get(pin.Port) | (Ports[pin.Port].Width > 32 ? (ulong)_model.Get(pin.Port, 1) << 32 : 0);
            v = level ? cur | (1UL << pin.Bit) : cur & ~(1UL << pin.Bit);
        }
        _speculative = false;
        _inputValues[pin.Port] = v;
        _model.Set(pin.Port, v);
        _model.Eval();
        AfterInputChange(_s.EventTime);
        Wake();
        if (_traceOn) FlushTrace(false);
    }

    // ---------------------------------------------------------------- clocking

    private ulong WatchedBits()
    {
        ulong bits = 0;
        for (int i = 0; i < _outputs.Count; i++)
            if (_model.GetBit(_outputs[i].Port, _outputs[i].Bit)) bits |= 1UL << i;
        return bits;
    }

    /// <summary>Runs every edge up to and including <paramref name="lastEdge"/>.</summary>
    private void RunTo(long lastEdge)
    {
        if (_edge > lastEdge && _speculative)
        {
            // Run ahead: the inputs are about to change at lastEdge.
            if (_idle && lastEdge >= _idleFrom) _edge = lastEdge; // the same fixed point
            else RollBack(lastEdge);
            _speculative = false;
            return;
        }
        // The inputs change exactly at the frontier: the next batch as long as this gap was.
        if (_speculative && _edge == lastEdge && !_idle) _ahead = (int)Math.Clamp(lastEdge - _snapEdge, MinAhead, MaxAhead);
        if (_idle)
        {
            // A fixed point: the skipped edges change nothing.
            if (lastEdge > _edge) { _n.EdgesSkipped += lastEdge - _edge; _edge = lastEdge; }
            return;
        }
        if (_edge < lastEdge && _model.Recording) _model.StopRecording();
        while (_edge < lastEdge)
        {
            int n = (int)Math.Min(lastEdge - _edge, _traceOn ? 1024 : 1 << 20);
            ulong dump = _traceOn ? NextDumps(n) : 0;
            long first = _edge + 1;
            int ran = _model.Cycles(n, out bool fixedPoint, out bool changed, dump);
            _n.CyclesCalls++;
            if (_traceOn) TraceCycles(dump, first);
            _edge += ran;
            EdgesRun += ran;
            if (changed) Changed(_clk.TimeOfEdge(_edge));
            else if (fixedPoint && IdleSkipping && !_traceOn && _edge == lastEdge)
            {
                _idle = true;
                _idleFrom = _edge - 1;
                _s.Cancel(_tick);
            }
        }
    }

    private void CatchUp(long time) => RunTo(_clk.EdgesAt(time));

    private void OnTick(long due)
    {
        _n.Ticks++;
        // Running ahead, the batch covers the present too: a change at an edge the CPU has passed is
        // delivered by an event at once, stamped at its own tick.
        if (_runAhead && !_traceOn) { if (!_idle) RunAhead(Math.Max(_edge + _ahead, _clk.EdgesAt(_s.Now))); }
        else CatchUp(_s.Now);
        if (!_idle) _s.Schedule(_tick, _clk.TimeOfEdge(_edge > _clk.EdgesAt(_s.Now) ? _edge : _edge + 1));
        if (_traceOn) FlushTrace(false);
    }

    /// <summary>Clocks the block one batch ahead of the present from a snapshot (see Running ahead).</summary>
    private void RunAhead(long goal)
    {
        if (_model.Recording) _model.StopRecording();
        // A batch right after another, no input having changed since, continues from the same snapshot
        // (a flat design's shim keeps recording every edge's state): one snapshot per gap between
        // accesses, and a rollback sizes the next batch on the whole gap, not on the last batch's part
        // of it (rtl_uart_busy.elf: 1.4 -> 1.0x the cycles clocked, bench/README.md, issue 21 RTL).
        if (!_speculative || _edge - _snapEdge >= MaxAhead)
        {
            _model.Snapshot();
            _n.Snapshots++;
            _snapEdge = _edge;
        }
        _speculative = true;
        _n.Batches++;
        while (_edge < goal)
        {
            int ran = _model.Cycles((int)Math.Min(goal - _edge, 1 << 20), out bool fixedPoint, out bool changed);
            _n.CyclesCalls++;
            _edge += ran;
            EdgesRun += ran;
            if (changed) Changed(_clk.TimeOfEdge(_edge));
            else if (fixedPoint && IdleSkipping && _edge == goal)
            {
                _idle = true;
                _idleFrom = _edge - 1;
                _s.Cancel(_tick);
                return;
            }
        }
        _ahead = Math.Min(_ahead * 2, MaxAhead);
    }

    /// <summary>Goes back to the snapshot and clocks the model again up to <paramref name="target"/>, dropping what was found beyond it.</summary>
    private void RollBack(long target)
    {
        if (target < _snapEdge) throw new InvalidOperationException($"{Name}: an input changed at edge {target}, before the snapshot at edge {_snapEdge}");
        Rollbacks++;
        _n.EdgesDropped += _edge - target;
        _idle = false;
        if (target - _snapEdge <= int.MaxValue && _model.Rewind((int)(target - _snapEdge)))
        {
            _n.Rewinds++;
            // The shim kept the state of every edge of the batch: no edge is clocked again.
            _edge = target;
            _model.WatchChanged();
        }
        else
        {
            _model.Rollback();
            _edge = _snapEdge;
            _model.WatchChanged();
        }
        while (_edge < target)
        {
            // The same inputs as the first time: the same states, the same output changes (already queued).
            int ran = _model.Cycles((int)Math.Min(target - _edge, 1 << 20), out _, out _);
            _n.CyclesCalls++;
            _n.EdgesReclocked += ran;
            _edge += ran;
            EdgesRun += ran;
        }
        long limit = _clk.TimeOfEdge(target);
        if (_pending.Count > 0 && _pending.Last().Tick > limit)
        {
            var kept = _pending.Where(p => p.Tick <= limit).ToList();
            _pending.Clear();
            foreach (var p in kept) _pending.Enqueue(p);
            if (_pending.Count == 0) _s.Cancel(_deliver);
        }
        // The next batch as long as this one turned out useful: a block accessed every n edges is
        // clocked about n edges ahead, not many more that the next access would throw away.
        _ahead = (int)Math.Clamp(target - _snapEdge, MinAhead, MaxAhead);
    }

    /// <summary>Leaves the idle state after an input changed and clocks on from the next edge.</summary>
    private void Wake()
    {
        _idle = false;
        _s.Schedule(_tick, Math.Max(_clk.TimeOfEdge(_edge + 1), _s.EventTime));
    }

    /// <summary>Watched outputs changed at <paramref name="tick"/>: delivered by an event at that tick, or at once if it is past.</summary>
    private void Changed(long tick) => Changed(tick, WatchedBits());

    private void Changed(long tick, ulong bits)
    {
        if (tick >= _s.EventTime)
        {
            _pending.Enqueue((tick, bits));
            if (!_deliver.IsScheduled) _s.Schedule(_deliver, _pending.Peek().Tick);
        }
        else
        {
            // Found while catching up in the middle of an instruction, before the access that
            // triggered the catch-up: the core sees it at the same instruction boundary either way.
            _pending.Clear();
            _s.Cancel(_deliver);
            Apply(bits, _s.EventTime);
        }
    }

    private void AfterInputChange(long tick)
    {
        if (_traceOn) TraceAt(tick);
        if (_outputs.Count > 0 && _model.WatchChanged()) Changed(tick);
    }

    private void OnDeliver(long due)
    {
        while (_pending.Count > 0 && _pending.Peek().Tick <= due)
            Apply(_pending.Dequeue().Bits, due);
        if (_pending.Count > 0) _s.Schedule(_deliver, _pending.Peek().Tick);
    }

    private void Apply(ulong bits, long tick)
    {
        for (int i = 0; i < _outputs.Count; i++)
        {
            bool level = ((bits >> i) & 1) != 0;
            if (_traceOutputs != null && level != _outputs[i].Line.Level) _traceOutputs[i](tick, level ? 1UL : 0UL);
            _outputs[i].Line.Set(level);
        }
    }

    // ---------------------------------------------------------------- reset

    /// <summary>
    /// The SoC's reset reaches the block: the reset input is asserted for one PCLK cycle taken outside
    /// time (the SoC's reset is instantaneous), then released; outputs take their reset levels at once.
    /// </summary>
    public void Reset()
    {
        CatchUp(_s.EventTime);
        _speculative = false;
        ApplyReset();
    }

    private void ApplyReset()
    {
        _model.Set(_psel, 0);
        _model.Set(_penable, 0);
        _model.Set(_reset, _resetActiveHigh ? 1UL : 0UL);
        _model.Eval();
        // Outside time: the reset cycle's dumps are all stamped now.
        ulong dump = _traceOn ? NextDumps(1) : 0;
        _model.Cycles(1, out _, out _, dump);
        if (_traceOn) TraceAt(_s.EventTime, dump);
        _model.Set(_reset, _resetActiveHigh ? 0UL : 1UL);
        _model.Eval();
        if (_traceOn) { TraceAt(_s.EventTime); FlushTrace(false); }
        _model.WatchChanged();
        _pending.Clear();
        _s.Cancel(_deliver);
        Apply(WatchedBits(), _s.EventTime);
        _idle = false;
        _s.Schedule(_tick, Math.Max(_clk.TimeOfEdge(_edge + 1), _s.EventTime));
    }

    // ---------------------------------------------------------------- APB3

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        uint data = Transfer(address, write: false, 0, flags, ref abort);
        int shift = (int)(address & 3) * 8;
        return size switch { 1 => (data >> shift) & 0xFF, 2 => (data >> (shift & 16)) & 0xFFFF, _ => data };
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        // The ARM7TDMI repeats a byte or halfword across D[31:0] (ARM7TDMI TRM, "Data bus").
        uint d = size switch { 1 => (value & 0xFF) * 0x01010101u, 2 => (value & 0xFFFF) * 0x00010001u, _ => value };
        Transfer(address, write: true, d, flags, ref abort);
    }

    private uint Transfer(uint address, bool write, uint wdata, AccessFlags flags, ref bool abort)
    {
        long start = _s.Now;
        long e0 = _clk.EdgeAtOrAfter(start);
        RunTo(e0);
        if (_model.Recording) _model.StopRecording();
        _speculative = false;
        _idle = false;
        uint offset = (address & (Window - 1)) >> _addressShift;
        ulong paddr = _paddrWidth >= 32 ? offset : offset & ((1UL << _paddrWidth) - 1);
        uint rdata;
        bool error, timedOut;
        // Untraced, the whole transfer is one native call. Its output changes are stamped at edges at or
        // after E0, not before the present: all are delivered by events, in order, as the steps below do.
        if (!_traceOn && _clk.TimeOfEdge(e0) >= _s.EventTime)
        {
            long first = _edge;
            _n.Transfers++;
            int ran = _model.Apb(_apbPorts, write, (uint)paddr, wdata, (int)_readyTimeout, out rdata, out error, out timedOut, out var changes);
            for (int i = 0; i < changes.Length; i += 2)
                Changed(changes[i] == 0 ? _clk.TimeOfEdge(e0) : _clk.TimeOfEdge(first + changes[i]), (ulong)changes[i + 1]);
            _edge = first + ran;
            EdgesRun += ran;
        }
        else (rdata, error, timedOut) = SteppedTransfer(e0, write, paddr, wdata);
        return Finish(address, write, flags, rdata, error, timedOut, ref abort);
    }

    /// <summary>The transfer edge by edge, each step apart (the RTL's own signals traced).</summary>
    private (uint Data, bool Error, bool TimedOut) SteppedTransfer(long e0, bool write, ulong paddr, uint wdata)
    {
        // Setup phase: driven after E0, sampled at E0+1.
        _model.Set(_psel, 1);
        _model.Set(_penable, 0);
        _model.Set(_pwrite, write ? 1UL : 0UL);
        _model.Set(_paddr, paddr);
        if (write) _model.Set(_pwdata, wdata);
        _model.Eval();
        AfterInputChange(_clk.TimeOfEdge(e0));
        Step();
        // Access phase: PENABLE after E0+1; the transfer ends at the first edge that samples PREADY high.
        _model.Set(_penable, 1);
        _model.Eval();
        AfterInputChange(_clk.TimeOfEdge(_edge));
        uint rdata = 0;
        bool error = false, timedOut = false;
        long waited = 0;
        while (true)
        {
            bool ready = _pready < 0 || _model.GetBit(_pready, 0);
            if (ready)
            {
                rdata = _model.Get(_prdata);
                error = _pslverr >= 0 && _model.GetBit(_pslverr, 0);
            }
            Step();
            if (ready) break;
            if (++waited >= _readyTimeout) { timedOut = true; break; }
        }
        // Back to IDLE after the last edge of the transfer.
        _model.Set(_psel, 0);
        _model.Set(_penable, 0);
        _model.Eval();
        AfterInputChange(_clk.TimeOfEdge(_edge));
        return (rdata, error, timedOut);
    }

    private uint Finish(uint address, bool write, AccessFlags flags, uint rdata, bool error, bool timedOut, ref bool abort)
    {
        // The CPU gets the response in the cycle after the completing edge; the bus charges the board's
        // wait states, so the stall is what the transfer takes beyond them (0 for a zero-wait transfer
        // on a PCLK as fast as the CPU clock with 2 wait states; the whole slow transfer on a slow PCLK).
        long length = _s.CycleAtOrAfter(_clk.TimeOfEdge(_edge)) + 1 - _s.Cycles;
        int cost = AccessCost.Clocks(_waitStates, 32, write, (flags & AccessFlags.Seq) != 0, 4);
        long stall = Math.Max(0, length - cost);
        LastStallCycles = stall;
        TotalStallCycles += stall;
        _s.Cycles += stall;
        _s.Schedule(_tick, _clk.TimeOfEdge(_edge + 1));
        if (timedOut)
        {
            _warn($"{Name}: PREADY stayed low for {_readyTimeout} PCLK cycles (readyTimeout) at offset 0x{address & (Window - 1):X3}: bus error");
            abort = true;
        }
        else if (error && !_ignorePslverr) abort = true;
        if (_traceOn) FlushTrace(false);
        return rdata;
    }

    /// <summary>One PCLK cycle during an access (edge _edge+1).</summary>
    private void Step()
    {
        ulong dump = _traceOn ? NextDumps(1) : 0;
        _model.Cycles(1, out _, out bool changed, dump);
        if (_traceOn) TraceCycles(dump, _edge + 1);
        _edge++;
        EdgesRun++;
        if (changed) Changed(_clk.TimeOfEdge(_edge));
    }

    // ---------------------------------------------------------------- tracing

    private void DeclareSignals(ISignalBinder s)
    {
        _traceOutputs = new Action<long, ulong>[_outputs.Count];
        for (int i = 0; i < _outputs.Count; i++)
            _traceOutputs[i] = s.Driven(_outputs[i].Name, 1, _outputs[i].Line.Level ? 1UL : 0UL);
        // The RTL's own signals, only if the run's selection may want them.
        if (!s.MaySelect(_top + ".")) return;
        if (!StartTrace())
        {
            _warn($"{Name}: the RTL's own signals are not traced: the block was already clocked when the waveform asked for them (select them before the run starts)");
            return;
        }
        var trace = _trace!;
        var declared = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in trace.Variables)
        {
            if (!declared.Add(v.Scope + "." + v.Name)) continue;
            _traceSubscribers[v.Code].Add(s.Driven(v.Scope, v.Name, v.Width, _traceDelivered[v.Code]));
        }
        s.BeforeDetach(() => FlushTrace(true));
    }

    /// <summary>
    /// Starts tracing the RTL's own signals into memory: switches to the build with tracing first
    /// (replaying the model's history into it), unless the model has been clocked by the run already.
    /// </summary>
    private bool StartTrace()
    {
        if (_traceOn) return true;
        if (!_builtTraced)
        {
            if (!_model.Recording) return false;
            var built = VerilatorBuild.Build(new RtlBuildRequest(_sources, _top, true), _key);
            var traced = new RtlModel(built.Library, Ports, _pclk);
            _model.ReplayInto(traced);
            _model.Dispose();
            _model = traced;
            _builtTraced = true;
        }
        if (!_model.TraceOpen(null)) throw new InvalidOperationException($"{Name}: the build with tracing cannot trace");
        _trace = new RtlTrace();
        _onTraceChange = OnTraceChange;
        _traceOn = true;
        // The first dump has every value: the state now.
        TraceAt(_s.EventTime);
        _traceSubscribers = new List<Action<long, ulong>>[_trace.CodeCount];
        for (int i = 0; i < _traceSubscribers.Length; i++) _traceSubscribers[i] = new();
        _traceDelivered = new ulong[_trace.CodeCount];
        for (int i = 0; i < _traceDelivered.Length; i++) _traceDelivered[i] = _trace.Value(i);
        _held.Clear();
        if (_idle) Wake();
        return true;
    }

    /// <summary>Reserves Verilator dump times for <paramref name="cycles"/> clock cycles (two each).</summary>
    private ulong NextDumps(int cycles)
    {
        ulong b = _dumpNext;
        _dumpNext += 2 * (ulong)cycles;
        return b;
    }

    /// <summary>After a native call that ran cycles from edge <paramref name="firstEdge"/> on with dump times from <paramref name="dump"/>.</summary>
    private void TraceCycles(ulong dump, long firstEdge)
    {
        _mapBase = dump;
        _mapEdge = firstEdge;
        _mapTick = -1;
        TakeTrace();
    }

    /// <summary>Dumps the changes since the last dump (inputs driven between edges) at <paramref name="tick"/>.</summary>
    private void TraceAt(long tick)
    {
        ulong t = _dumpNext++;
        _model.TraceDump(t);
        TraceAt(tick, t);
    }

    /// <summary>Parses what was dumped since the last parse, stamping every dump time at <paramref name="tick"/>.</summary>
    private void TraceAt(long tick, ulong dump)
    {
        _mapBase = dump;
        _mapTick = tick;
        TakeTrace();
    }

    private void TakeTrace()
    {
        var text = _model.TakeTrace();
        if (text.IsEmpty) return;
        _trace!.Parse(text, _onTraceChange!);
        _model.ClearTrace();
    }

    private void OnTraceChange(ulong time, int code, ulong value)
    {
        long tick = _mapTick;
        if (tick < 0)
        {
            long i = (long)(time - _mapBase);
            long edge = _mapEdge + i / 2;
            long rise = _clk.TimeOfEdge(edge);
            tick = (i & 1) == 0 ? rise : rise + (_clk.TimeOfEdge(edge + 1) - rise) / 2;
        }
        _held.Add((tick, _heldSeq++, code, value));
    }

    /// <summary>
    /// Hands the held changes to the signals in time order, coalescing several changes of one signal at
    /// one tick (a bus input driven at the tick of the edge that was just dumped). Changes are held until
    /// no later dump can still stamp an earlier tick: a few PCLK and CPU cycles behind the present.
    /// </summary>
    private void FlushTrace(bool all)
    {
        if (_held.Count == 0) return;
        long horizon = all ? long.MaxValue
            : Math.Min(_clk.TimeOfEdge(_edge), _s.Now) - 2 * (_clk.TimeOfEdge(_edge + 1) - _clk.TimeOfEdge(_edge)) - 64 * _s.CpuPeriod;
        _held.Sort(static (a, b) => a.Tick != b.Tick ? a.Tick.CompareTo(b.Tick) : a.Seq.CompareTo(b.Seq));
        int n = 0;
        while (n < _held.Count && _held[n].Tick < horizon) n++;
        if (n == 0) return;
        for (int i = 0; i < n; i++)
        {
            var (tick, _, code, value) = _held[i];
            // Only the last change of a signal at one tick counts.
            bool later = false;
            for (int j = i + 1; j < n && _held[j].Tick == tick; j++)
                if (_held[j].Code == code) { later = true; break; }
            if (later) continue;
            if (_traceDelivered[code] == value) continue;
            _traceDelivered[code] = value;
            foreach (var set in _traceSubscribers[code]) set(tick, value);
        }
        _held.RemoveRange(0, n);
    }

    /// <summary>Whether the RTL's own signals are being traced (see Tracing in the remarks).</summary>
    public bool Tracing => _traceOn;

    // ---------------------------------------------------------------- checkpoints

    /// <summary>The build a model was loaded from: its cache directory's name (top module and content hash).</summary>
    private static string BuildId(RtlModel m) => Path.GetFileName(Path.GetDirectoryName(m.Library)!);

    public void SaveState(StateWriter w)
    {
        if (_traceOn) FlushTrace(false);
        w.Write(BuildId(_model));
        w.Write(_builtTraced);
        byte[] model = _model.Save();
        w.WriteBytes(model);
        w.WriteBytes(System.Security.Cryptography.SHA256.HashData(model));
        // Running ahead: the snapshot too, so that the loaded block can go back to it.
        bool ahead = _speculative;
        w.Write(ahead);
        if (ahead)
        {
            byte[] snap = _model.SnapshotData();
            w.WriteBytes(snap);
            w.WriteBytes(System.Security.Cryptography.SHA256.HashData(snap));
            w.Write(_snapEdge);
        }
        w.Write(_edge);
        w.Write(_idle);
        w.Write(_idleFrom);
        w.Write(_ahead);
        w.Write(EdgesRun);
        w.Write(LastStallCycles);
        w.Write(TotalStallCycles);
        var inputs = _inputValues.OrderBy(kv => kv.Key).ToList();
        w.Write(inputs.Count);
        foreach (var (port, value) in inputs) { w.Write(port); w.Write(value); }
        w.Write(_pending.Count);
        foreach (var (tick, bits) in _pending) { w.Write(tick); w.Write(bits); }
        w.Write(_outputs.Count);
        foreach (var o in _outputs) w.Write(o.Line.Level);
    }

    public void LoadState(StateReader r)
    {
        string where = $"peripheral '{Name}' (rtl)";
        if (_traceOn)
            throw new StateException($"{where}: its own signals are being traced; load the checkpoint before a waveform that traces them is attached");
        string id = r.ReadString();
        bool traced = r.ReadBool();
        byte[] model = r.ReadBytes();
        byte[] hash = r.ReadBytes();
        if (!hash.AsSpan().SequenceEqual(System.Security.Cryptography.SHA256.HashData(model)))
            throw new StateException($"{where}: the saved model state is corrupted (its checksum does not match)");
        var target = _model;
        if (traced != _builtTraced)
        {
            // Saved by the other variant (with or without tracing): load that one.
            var built = VerilatorBuild.Build(new RtlBuildRequest(_sources, _top, traced), _key);
            target = new RtlModel(built.Library, Ports, _pclk);
        }
        if (BuildId(target) != id)
        {
            if (target != _model) target.Dispose();
            throw new StateException($"{where}: the checkpoint holds a model built as {id}, this board builds {BuildId(target)} (the sources, the top module or the tool versions differ)");
        }
        bool ahead = r.ReadBool();
        byte[]? snapshot = ahead ? r.ReadBytes() : null;
        if (snapshot != null && !r.ReadBytes().AsSpan().SequenceEqual(System.Security.Cryptography.SHA256.HashData(snapshot)))
            throw new StateException($"{where}: the saved model snapshot is corrupted (its checksum does not match)");
        long snapEdge = ahead ? r.ReadLong() : 0;
        long edge = r.ReadLong();
        bool idle = r.ReadBool();
        long idleFrom = r.ReadLong();
        int aheadBatch = r.ReadInt();
        long edgesRun = r.ReadLong(), lastStall = r.ReadLong(), totalStall = r.ReadLong();
        var inputs = new List<(int, ulong)>();
        for (int i = r.ReadCount(4096); i > 0; i--) inputs.Add((r.ReadInt(), r.ReadULong()));
        var pending = new List<(long, ulong)>();
        for (int i = r.ReadCount(1 << 20); i > 0; i--) pending.Add((r.ReadLong(), r.ReadULong()));
        int outputs = r.ReadCount(64);
        if (outputs != _outputs.Count) throw new StateException($"{where}: the checkpoint has {outputs} output lines, the board {_outputs.Count}");
        var levels = new bool[outputs];
        for (int i = 0; i < outputs; i++) levels[i] = r.ReadBool();

        if (target != _model)
        {
            target.Watch(_outputs.Select(o => o.Port).ToArray(), _outputs.Select(o => o.Bit).ToArray());
            if (_links.Length > 0) target.Link(_links);
            _model.Dispose();
            _model = target;
            _builtTraced = traced;
        }
        if (snapshot != null)
        {
            _model.Restore(snapshot);
            _model.Snapshot();
            _snapEdge = snapEdge;
            // Clocked again from the snapshot to the frontier with the same inputs (the same states),
            // so that the shim keeps every state in between as the saving block did: going back
            // then costs what it cost there (EdgesRun counts the run's edges, not these).
            for (long e = snapEdge; e < edge;)
                e += _model.Cycles((int)Math.Min(edge - e, 1 << 20), out _, out _);
        }
        _speculative = ahead;
        _model.Restore(model);
        _model.WatchChanged(); // the remembered output bits follow the restored model
        _edge = edge;
        _idle = idle;
        _idleFrom = idleFrom;
        _ahead = aheadBatch;
        EdgesRun = edgesRun;
        LastStallCycles = lastStall;
        TotalStallCycles = totalStall;
        _inputValues.Clear();
        foreach (var (port, value) in inputs) _inputValues[port] = value;
        _pending.Clear();
        foreach (var p in pending) _pending.Enqueue(p);
        for (int i = 0; i < outputs; i++) _outputs[i].Line.Restore(levels[i]);
    }

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("SOCSIM_RTL_STATS") is { Length: > 0 })
            Console.Error.WriteLine($"rtl {Name}: edges_run={EdgesRun} rollbacks={Rollbacks} {_n}");
        _model.Dispose();
    }
}

/// <summary>What an <see cref="RtlPeripheral"/> asked of its model (see <see cref="RtlPeripheral.Counters"/>).</summary>
public sealed class RtlBridgeCounters
{
    /// <summary>APB transfers run as one native call each.</summary>
    public long Transfers;
    /// <summary>Scheduler events of the block's clock (a batch ahead, or a catch-up edge by edge).</summary>
    public long Ticks;
    /// <summary>Run-ahead batches, and the snapshots they started from (one per gap between input changes).</summary>
    public long Batches, Snapshots;
    /// <summary>Rollbacks served from the shim's ring of root states (no edge clocked again).</summary>
    public long Rewinds;
    /// <summary>Edges clocked ahead and thrown away by rollbacks; edges clocked again after one.</summary>
    public long EdgesDropped, EdgesReclocked;
    /// <summary>Native calls that clock the model (<c>socsim_rtl_cycles</c>), transfers apart.</summary>
    public long CyclesCalls;
    /// <summary>Edges counted, not run, at a fixed point.</summary>
    public long EdgesSkipped;

    public override string ToString() =>
        $"transfers={Transfers} ticks={Ticks} batches={Batches} snapshots={Snapshots} rewinds={Rewinds} edges_dropped={EdgesDropped} edges_reclocked={EdgesReclocked} cycles_calls={CyclesCalls} edges_skipped={EdgesSkipped}";
}
