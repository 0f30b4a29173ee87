using System.CommandLine;
using System.Globalization;
using System.Text;
using SocSim.Arm;
using SocSim.Trace.Vcd;
using SocSim.Core.Cores;

namespace SocSim.Cli.Features;

/// <summary>
/// `--gtkw FILE` (with --vcd): a GTKWave save file that opens the VCD with its signals grouped (CPU
/// pins, pipeline, registers, then each peripheral and any other scope), buses in hex, bits in binary,
/// and named markers at the first interrupt entry (the first instruction at the IRQ or FIQ vector) and
/// at each --until/--break stop. Written after the VCD is closed.
/// </summary>
internal sealed class GtkwFeature : IRunFeature
{
    private readonly Option<FileInfo?> _gtkw = new("--gtkw") { Description = "with --vcd: write a GTKWave save file (signals grouped, buses in hex, markers at the first interrupt entry and each --until/--break stop)" };
    private FirstInterruptEntry? _entry;

    public void AddOptions(Command run) => run.Options.Add(_gtkw);

    public void Attach(ParseResult parse, Machine machine, RunContext context)
    {
        if (parse.GetValue(_gtkw) is not { } file) return;
        if (parse.GetValue<FileInfo?>("--vcd") == null) throw new RunFeatureException("--gtkw needs --vcd FILE");
        if (OutputFile.Problem(file.FullName, "--gtkw") is string problem) throw new RunFeatureException(problem);
        _entry = new FirstInterruptEntry(machine);
        context.AfterDetach.Add((m, _) =>
        {
            _entry.Stop();
            if (context.Vcd is not { Path: { } vcd, Time: { } time } v) return;
            var markers = new List<(string, long)>();
            if (_entry.Cycle is long c) markers.Add(($"first {_entry.Kind} entry", c));
            markers.AddRange(context.Markers);
            long start = v.StartTick ?? 0, end = m.Scheduler.Now;
            File.WriteAllText(file.FullName, Write(vcd, file.FullName, m, v.Signals, time, start, end, markers));
            context.StatsLines.Add($"gtkw={file.FullName} markers={markers.Count}");
        });
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context) => _entry?.Stop();

    /// <summary>GTKWave's internal time: the VCD time in the timescale's dimension (10 ns units count as ns).</summary>
    private static long GtkwTime(VcdTime time, long tick)
    {
        long dim = 1;
        while (dim * 1000 <= time.UnitFs) dim *= 1000;
        return time.ToUnits(tick) * (time.UnitFs / dim);
    }

    private const int WindowWidth = 1400, SstWidth = 240, SignalsWidth = 220;

    /// <summary>
    /// The wave pane's width assumed for the zoom: the window less the hierarchy (sst) and signal-name panes
    /// and 100 pixels of borders and scrollbars (GTKWave 3.3 under Xvfb draws 880 pixels at this layout).
    /// </summary>
    internal const int WaveWidth = WindowWidth - SstWidth - SignalsWidth - 100;

    /// <summary>
    /// The `*` line's zoom that shows <paramref name="span"/> time units across the wave pane. GTKWave
    /// (src/wavewindow.c calczoom) draws zoombase^-zoom time units per 200-pixel frame, zoombase 2 by
    /// default, and its own "zoom full" (src/zoombuttons.c service_zoom_full) picks
    /// -log((span+1) / (wavewidth-4) * 200) / log(zoombase), at most 0: the same here, on the width above.
    /// Rounded down to the six decimals written, so the rounding never zooms in past the end.
    /// </summary>
    internal static double FitZoom(long span) => Math.Min(0, Math.Floor(-Math.Log2((span + 1.0) / (WaveWidth - 4) * 200.0) * 1e6) / 1e6);

    internal static string Write(string vcd, string savefile, Machine m, IReadOnlyList<(string Scope, string Name, int Width)> signals, VcdTime time,
        long startTick, long endTick, IReadOnlyList<(string Label, long Cycle)> markers)
    {
        var sb = new StringBuilder();
        sb.Append("[*]\n[*] SocSim socsim run --gtkw\n[*]\n");
        sb.Append($"[dumpfile] \"{vcd}\"\n");
        sb.Append($"[savefile] \"{savefile}\"\n");
        long t0 = GtkwTime(time, startTick), t1 = Math.Max(t0 + 1, GtkwTime(time, endTick));
        sb.Append(string.Create(CultureInfo.InvariantCulture, $"[timestart] {t0}\n"));
        sb.Append(string.Create(CultureInfo.InvariantCulture, $"[size] {WindowWidth} 900\n[pos] -1 -1\n"));
        double zoom = FitZoom(t1 - t0);
        var named = new long[26];
        Array.Fill(named, -1L);
        var used = markers.Take(26).ToList();
        for (int i = 0; i < used.Count; i++) named[i] = GtkwTime(time, used[i].Cycle * m.Scheduler.CpuPeriod);
        sb.Append(string.Create(CultureInfo.InvariantCulture, $"*{zoom:F6} -1 {string.Join(' ', named)}\n"));
        for (int i = 0; i < used.Count; i++) sb.Append($"[markername] {(char)('A' + i)}{used[i].Label}\n");
        sb.Append(string.Create(CultureInfo.InvariantCulture, $"[sst_width] {SstWidth}\n[signals_width] {SignalsWidth}\n[sst_expanded] 1\n[sst_vpaned_height] 200\n"));

        // Groups in a fixed order: CPU pins, pipeline, registers, then every other scope as the VCD declares it.
        var groups = new List<(string Title, List<(string Scope, string Name, int Width)> Members)>();
        void Add(string title, IEnumerable<(string, string, int)> members)
        {
            var list = members.ToList();
            if (list.Count > 0) groups.Add((title, list));
        }
        static bool IsRegister(string n) => n is "cpsr" or "mode" || (n.Length >= 2 && n[0] == 'r' && n[1..].All(char.IsAsciiDigit));
        Add("CPU pins", signals.Where(s => s.Scope == "cpu" && !IsRegister(s.Name)));
        Add("CPU pipeline", signals.Where(s => s.Scope == "cpu.pipe"));
        Add("CPU registers", signals.Where(s => s.Scope == "cpu" && IsRegister(s.Name))
            .OrderBy(s => s.Name switch { "cpsr" => 100, "mode" => 101, _ => int.Parse(s.Name[1..], CultureInfo.InvariantCulture) }));
        foreach (var scope in signals.Select(s => s.Scope).Where(s => s != "cpu" && !s.StartsWith("cpu.", StringComparison.Ordinal)).Distinct())
        {
            string top = scope.Split('.')[0];
            var spec = m.Board.Peripheral(top);
            Add(spec != null ? $"{scope} ({spec.Type.Name})" : scope, signals.Where(s => s.Scope == scope));
        }

        const int Hex = 0x02, Bin = 0x08, RightJustify = 0x20, Blank = 0x200, GroupBegin = 0x800000, GroupEnd = 0x1000000;
        foreach (var (title, members) in groups)
        {
            sb.Append($"@{GroupBegin | Blank:x}\n-{title}\n");
            int flags = -1;
            foreach (var (scope, name, width) in members)
            {
                int f = (width > 1 ? Hex : Bin) | RightJustify;
                if (f != flags) { sb.Append($"@{f:x}\n"); flags = f; }
                sb.Append($"{scope}.{name}{(width > 1 ? $"[{width - 1}:0]" : "")}\n");
            }
            sb.Append($"@{GroupEnd | Blank:x}\n-{title}\n");
        }
        sb.Append("[pattern_trace] 1\n[pattern_trace] 0\n");
        return sb.ToString();
    }

    /// <summary>
    /// The cycle of the first instruction at the IRQ (0x18) or FIQ (0x1C) vector. Hooks the core only from
    /// the first rise of nIRQ/nFIQ until that entry, like the latency probe.
    /// </summary>
    private sealed class FirstInterruptEntry : IExecutionHook
    {
        private readonly Machine _m;
        private bool _hooked, _done;

        public FirstInterruptEntry(Machine m)
        {
            _m = m;
            foreach (var c in m.Board.Interrupts.Where(i => i.TargetsCpu))
            {
                var line = m.InterruptOutput(c.SourceComponent, c.SourceOutput);
                line.Subscribe(level => { if (level) Hook(); });
                if (line.Level) Hook();
            }
        }

        public long? Cycle { get; private set; }
        public string Kind { get; private set; } = "IRQ";

        private void Hook()
        {
            if (_done || _hooked) return;
            _hooked = true;
            _m.AddHook(this);
        }

        public void Stop()
        {
            _done = true;
            if (_hooked) { _m.RemoveHook(this); _hooked = false; }
        }

        public bool BeforeInstruction(ICore core, uint pc, uint opcode)
        {
            if (!_done && (pc == 0x18 || pc == 0x1C) && core is ArmCpu { Thumb: false })
            {
                Cycle = _m.Cycles;
                Kind = pc == 0x18 ? "IRQ" : "FIQ";
                _done = true;
            }
            return false;
        }

        public void AfterInstruction(ICore core)
        {
            // Removed after the instruction, not from inside the fan-out that is calling it.
            if (_done && _hooked) { _m.RemoveHook(this); _hooked = false; }
        }
    }
}
