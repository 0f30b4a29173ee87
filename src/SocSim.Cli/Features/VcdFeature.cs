using System.CommandLine;
using System.Globalization;
using System.Text;
using SocSim.Core;
using SocSim.Peripherals;
using SocSim.Trace.Signals;
using SocSim.Trace.Vcd;

namespace SocSim.Cli.Features;

/// <summary>
/// `socsim run ... --vcd FILE [--signals GLOB,GLOB...] [--vcd-from CYCLE] [--vcd-to CYCLE] [--vcd-mclk] [--vcd-timescale UNIT]`:
/// a Value Change Dump of the bus, pipeline, registers, interrupts and pins. Without --vcd nothing is attached.
/// The tracer is attached only inside the window: a scheduler event at --vcd-from attaches it (the
/// values at that instant go into $dumpvars) and one at --vcd-to detaches it, so outside the window the
/// core runs at its untraced speed.
/// </summary>
internal sealed class VcdFeature : IRunFeature
{
    private readonly Option<FileInfo?> _vcd = new("--vcd") { Description = "write a VCD waveform of bus, pipeline, registers, interrupts and pins to FILE" };
    private readonly Option<string[]> _signals = new("--signals") { Description = "only signals matching these globs (comma-separated or repeated), e.g. 'cpu.A,cpu.D,uart0.*'", AllowMultipleArgumentsPerToken = false };
    private readonly Option<long?> _from = new Option<long?>("--vcd-from") { Description = "start tracing at this CPU cycle (values at that cycle go into $dumpvars); before it the run is untraced" }.InRange(0, long.MaxValue);
    private readonly Option<long?> _to = new Option<long?>("--vcd-to") { Description = "stop tracing at this CPU cycle; after it the run is untraced" }.InRange(0, long.MaxValue);
    private readonly Option<bool> _mclk = new("--vcd-mclk") { Description = "also trace the CPU clock cpu.MCLK (doubles the file)" };
    private readonly Option<string?> _timescale = new("--vcd-timescale") { Description = "force the VCD time unit (1fs..100s, e.g. 1ps); times are rounded to it. Default: the coarsest unit that holds the CPU clock's edges exactly (10ns at 50 MHz), else 1ns" };

    private Machine? _machine;
    private List<string> _globs = new();
    private bool _withMclk;
    private long _unitFs;
    private string _comment = "";
    private long _fromCycle, _toCycle;
    private StreamWriter? _text;
    private MachineSignals? _tracer;
    private VcdWriter? _writer;
    private Event? _open, _close;
    private bool _opened;
    private long _tracedFrom = -1, _tracedTo = -1;
    private bool _cpuExact;
    // The last frame each UART sent and received, so that a frame already on the line when the window opens is drawn whole.
    private readonly Dictionary<string, UartFrame> _lastTx = new(), _lastRx = new();

    /// <summary>The VCD written (for the GTKWave save file), or null without --vcd.</summary>
    public string? Path { get; private set; }
    /// <summary>The signals the VCD declares, in file order (GTKWave names them scope.name[msb:0]).</summary>
    public IReadOnlyList<(string Scope, string Name, int Width)> Signals { get; private set; } = [];
    /// <summary>Tick to VCD time, for markers.</summary>
    public VcdTime? Time { get; private set; }
    /// <summary>Tick at which tracing started (the $dumpvars time), or null if the run ended before the window.</summary>
    public long? StartTick { get; private set; }

    public void AddOptions(Command run)
    {
        run.Options.Add(_vcd);
        run.Options.Add(_signals);
        run.Options.Add(_from);
        run.Options.Add(_to);
        run.Options.Add(_mclk);
        run.Options.Add(_timescale);
    }

    public void Attach(ParseResult parse, Machine machine, RunContext context)
    {
        var file = parse.GetValue(_vcd);
        _globs = (parse.GetValue(_signals) ?? []).SelectMany(g => g.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (file == null)
        {
            if (_globs.Count > 0 || parse.GetValue(_from) != null || parse.GetValue(_to) != null || parse.GetValue(_mclk) || parse.GetValue(_timescale) != null)
                throw new RunFeatureException("--signals, --vcd-from, --vcd-to, --vcd-mclk and --vcd-timescale need --vcd FILE");
            return;
        }
        var s = machine.Scheduler;
        VcdTime time;
        if (parse.GetValue(_timescale) is string ts)
        {
            long unit;
            try { unit = VcdTime.ParseUnitFs(ts); }
            catch (FormatException e) { throw new RunFeatureException($"--vcd-timescale: {e.Message}"); }
            if (!VcdTime.IsLegalUnit(unit)) throw new RunFeatureException($"--vcd-timescale: '{ts}' is not 1, 10 or 100 of fs, ps, ns, us, ms or s");
            time = new VcdTime(s.TicksPerSecond, unit);
        }
        else time = VcdTime.ForCpuClock(s.TicksPerSecond, s.CpuPeriod);
        _unitFs = time.UnitFs;
        _cpuExact = CpuEdgeErrorFs(machine, time) == 0;
        Time = time;
        _withMclk = parse.GetValue(_mclk);
        // Check the globs now, before anything runs; the tracer itself is built when the window opens.
        var probe = new MachineSignals(machine, new MachineSignalsOptions { Mclk = _withMclk, Signals = _globs });
        int n = probe.Registry.Filter(_globs);
        if (n == 0)
            throw new RunFeatureException($"--signals {string.Join(',', _globs)} matches no signal (try 'cpu.*', 'uart0.TXD'; there are {probe.Registry.Signals.Count}: {string.Join(' ', probe.Registry.Signals.Take(12).Select(x => x.FullName))} ...)");
        _fromCycle = parse.GetValue(_from) ?? 0;
        _toCycle = parse.GetValue(_to) ?? long.MaxValue / s.CpuPeriod;
        if (_fromCycle < 0 || _toCycle < _fromCycle) throw new RunFeatureException($"--vcd-from {_fromCycle} is after --vcd-to {_toCycle}");
        // A resumed run starts where its state was saved: a window that closed before that holds nothing.
        if (_toCycle < s.Cycles) throw new RunFeatureException($"--vcd-to {_toCycle}: the run starts at cycle {s.Cycles} (where its state was saved), after the window");
        if (OutputFile.Problem(file.FullName, "--vcd") is string problem) throw new RunFeatureException(problem);
        _comment = $"board: {machine.Board.Description}; clocks: {string.Join(", ", machine.Board.Clocks.Select(c => $"{c.Name} {c.FrequencyHz} Hz"))}; CPU cycle = {s.CpuPeriod} ticks; "
                   + EdgeReport(machine, time, parse.GetValue(_timescale) != null);
        Path = file.FullName;
        FileStream stream;
        try { stream = new FileStream(file.FullName, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new RunFeatureException($"--vcd {HostInput.QuotePath(file.FullName)}: cannot write: {HostInput.Reason(e)}"); }
        _text = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        _machine = machine;
        if (_fromCycle > s.Cycles)
            foreach (var (name, port) in machine.Uarts)
            {
                // The PL011 reports whole frames; a frame in flight when the window opens is drawn whole.
                if (port is not SocSim.Peripherals.Pl011Uart u) continue;
                u.FrameTransmitted += f => _lastTx[name] = f;
                u.FrameReceived += f => _lastRx[name] = f;
            }
        if (_fromCycle <= s.Cycles) Open(probe);
        else
        {
            _open = new Event("vcd-from", EventPriority.Observer, _ => Open(null));
            s.Schedule(_open, s.TimeOfCycle(_fromCycle));
        }
        if (_toCycle < long.MaxValue / s.CpuPeriod)
        {
            _close = new Event("vcd-to", EventPriority.Observer, _ => CloseWindow());
            s.Schedule(_close, s.TimeOfCycle(_toCycle));
        }
        // A clock tree that changes the CPU's frequency moves the tick of a future cycle: follow it.
        s.CpuClock.Changed += (_, _) =>
        {
            if (_open is { IsScheduled: true } && _fromCycle > s.Cycles) s.Schedule(_open, s.TimeOfCycle(_fromCycle));
            if (_close is { IsScheduled: true } && _toCycle > s.Cycles) s.Schedule(_close, s.TimeOfCycle(_toCycle));
        };
    }

    /// <summary>The $comment's account of the time unit: the CPU clock's edges, and the worst rounding of every other clock's.</summary>
    private static double CpuEdgeErrorFs(Machine machine, VcdTime time)
    {
        long p = machine.Scheduler.CpuPeriod;
        return Math.Max(time.MaxEdgeErrorFs(p), p % 2 == 0 ? time.MaxEdgeErrorFs(p / 2) : 0);
    }

    private static string EdgeReport(Machine machine, VcdTime time, bool forced)
    {
        var cpu = machine.Board.Cpu.Clock;
        var s = machine.Scheduler;
        var sb = new StringBuilder();
        double cpuErr = CpuEdgeErrorFs(machine, time);
        sb.Append(cpuErr == 0
            ? $"unit {time.Timescale}: every {cpu.Name} (CPU clock) edge is exact"
            : forced
                ? $"unit {time.Timescale} (--vcd-timescale): {cpu.Name} (CPU clock) edges are rounded by at most {VcdTime.FormatDuration(cpuErr)}"
                : $"unit {time.Timescale}: no decimal unit holds the {cpu.Name} (CPU clock) period exactly, so {time.Timescale} was chosen and its edges are rounded by at most {VcdTime.FormatDuration(cpuErr)}");
        var others = machine.Board.Clocks.Where(c => c.Name != cpu.Name).ToList();
        if (others.Count > 0)
        {
            sb.Append("; largest rounding error of the other clocks' edges: ");
            sb.Append(string.Join(", ", others.Select(c => $"{c.Name} {VcdTime.FormatDuration(time.MaxEdgeErrorFs(c.PeriodTicks))}")));
            double worst = others.Max(c => time.MaxEdgeErrorFs(c.PeriodTicks));
            sb.Append($" (max {VcdTime.FormatDuration(worst)})");
        }
        return sb.ToString();
    }

    private void Open(MachineSignals? tracer)
    {
        if (_opened || _machine == null || _text == null) return;
        _opened = true;
        var m = _machine;
        var s = m.Scheduler;
        // Declared now, the signals start from the machine's present state (lines, counters, registers).
        tracer ??= new MachineSignals(m, new MachineSignalsOptions { Mclk = _withMclk, Signals = _globs });
        tracer.Registry.Filter(_globs);
        long slowest = m.Board.Clocks.Max(c => c.PeriodTicks);
        // A trace of the whole run starts at time 0, as every VCD of another tool does: the machine's state
        // when tracing starts (after the loader and reset, a few cycles in) is the $dumpvars at #0, so two
        // boards' traces line up at 0 in vcd-diff. A window (--vcd-from) or a resumed run starts where it starts.
        long start = _fromCycle == 0 && !m.Resumed ? 0 : s.Now;
        StartTick = start;
        _writer = new VcdWriter(_text, tracer.Registry, new VcdWriterOptions
        {
            Version = $"SocSim {typeof(VcdFeature).Assembly.GetName().Version} socsim run {System.IO.Path.GetFileName(m.Options.CommandLine)}",
            Comment = _comment + (_fromCycle > 0 || _toCycle < long.MaxValue / s.CpuPeriod
                ? $"; traced from cycle {s.Cycles}{(_toCycle < long.MaxValue / s.CpuPeriod ? $" to cycle {_toCycle}" : "")} only"
                : ""),
            FromTick = start,
            ToTick = _toCycle < long.MaxValue / s.CpuPeriod ? _toCycle * s.CpuPeriod : long.MaxValue,
            UnitFs = _unitFs,
            Now = () => s.Now,
            ReorderTicks = 2 * slowest + 4096 * s.CpuPeriod,
        });
        Signals = tracer.Registry.Signals.Where(x => x.Enabled).Select(x => (x.Scope, x.Name, x.Width)).ToList();
        _tracer = tracer;
        _tracedFrom = s.Cycles;
        tracer.Attach();
        // A frame on the line now: its earlier bits set the $dumpvars level, the later ones are changes.
        foreach (var (frames, pin) in new[] { (_lastTx, "TXD"), (_lastRx, "RXD") })
            foreach (var (name, f) in frames)
                if (f.EndTick > start && tracer.Registry.Find($"{name}.{pin}") is { Enabled: true } line)
                {
                    for (int i = 0; i < f.BitCount; i++) line.Set(f.BitStartTick(i), f.BitLevel(i));
                    line.Set(f.EndTick, true);
                }
    }

    private void CloseWindow()
    {
        if (_writer == null || _tracer == null || _machine == null) return;
        _tracer.Detach();
        _tracedTo = _machine.Scheduler.Cycles;
        _writer.Close(_machine.Scheduler.Now);
        _tracer = null;
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context)
    {
        if (Path == null || _text == null) return;
        if (_open != null) machine.Scheduler.Cancel(_open);
        if (_close != null) machine.Scheduler.Cancel(_close);
        if (!_opened)
        {
            // The run ended before the window: the file holds the values at the end.
            Console.Error.WriteLine($"socsim run: the run ended at cycle {machine.Scheduler.Cycles}, before --vcd-from {_fromCycle}: the VCD holds only the values at the end");
            Open(null);
        }
        CloseWindow();
        var writer = _writer!;
        writer.Dispose();
        long bytes = new FileInfo(Path).Length;
        context.StatsLines.Add(string.Create(CultureInfo.InvariantCulture,
            $"vcd={Path} signals={writer.VariableCount} changes={writer.ChangesWritten} bytes={bytes} timescale={writer.Time.Timescale.Replace(" ", "")} exact={(writer.Time.Exact ? "yes" : "no")} cpu_edges={(_cpuExact ? "exact" : "rounded")} traced_cycles={_tracedFrom}..{_tracedTo}{(writer.LateChanges > 0 ? $" late_changes={writer.LateChanges}" : "")}"));
        context.Vcd = this;
        _writer = null;
        _text = null;
    }
}
