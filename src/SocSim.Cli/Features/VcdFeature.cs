using System.CommandLine;
using System.Globalization;
using System.Text;
using SocSim.Trace.Signals;
using SocSim.Trace.Vcd;

namespace SocSim.Cli.Features;

/// <summary>
/// `socsim run ... --vcd FILE [--signals GLOB,GLOB...] [--vcd-from CYCLE] [--vcd-to CYCLE] [--vcd-mclk] [--vcd-timescale UNIT]`:
/// a Value Change Dump of the bus, pipeline, registers, interrupts and pins. Without --vcd nothing is attached.
/// </summary>
internal sealed class VcdFeature : IRunFeature
{
    private readonly Option<FileInfo?> _vcd = new("--vcd") { Description = "write a VCD waveform of bus, pipeline, registers, interrupts and pins to FILE" };
    private readonly Option<string[]> _signals = new("--signals") { Description = "only signals matching these globs (comma-separated or repeated), e.g. 'cpu.A,cpu.D,uart0.*'", AllowMultipleArgumentsPerToken = false };
    private readonly Option<long?> _from = new("--vcd-from") { Description = "start the VCD at this CPU cycle (values at that cycle go into $dumpvars)" };
    private readonly Option<long?> _to = new("--vcd-to") { Description = "end the VCD at this CPU cycle" };
    private readonly Option<bool> _mclk = new("--vcd-mclk") { Description = "also trace the CPU clock cpu.MCLK (doubles the file)" };
    private readonly Option<string?> _timescale = new("--vcd-timescale") { Description = "force the VCD time unit (1fs..100s, e.g. 1ps); times are rounded to it. Default: exact, else 1 fs" };

    private MachineSignals? _tracer;
    private VcdWriter? _writer;
    private string? _path;

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
        var globs = (parse.GetValue(_signals) ?? []).SelectMany(g => g.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (file == null)
        {
            if (globs.Count > 0 || parse.GetValue(_from) != null || parse.GetValue(_to) != null || parse.GetValue(_mclk) || parse.GetValue(_timescale) != null)
                throw new RunFeatureException("--signals, --vcd-from, --vcd-to, --vcd-mclk and --vcd-timescale need --vcd FILE");
            return;
        }
        long? unitFs = null;
        if (parse.GetValue(_timescale) is string ts)
        {
            try { unitFs = VcdTime.ParseUnitFs(ts); }
            catch (FormatException e) { throw new RunFeatureException($"--vcd-timescale: {e.Message}"); }
            if (!VcdTime.IsLegalUnit(unitFs.Value)) throw new RunFeatureException($"--vcd-timescale: '{ts}' is not 1, 10 or 100 of fs, ps, ns, us, ms or s");
        }
        var tracer = new MachineSignals(machine, new MachineSignalsOptions { Mclk = parse.GetValue(_mclk) });
        int n = tracer.Registry.Filter(globs);
        if (n == 0)
            throw new RunFeatureException($"--signals {string.Join(',', globs)} matches no signal (try 'cpu.*', 'uart0.TXD'; there are {tracer.Registry.Signals.Count}: {string.Join(' ', tracer.Registry.Signals.Take(12).Select(s => s.FullName))} ...)");
        var s = machine.Scheduler;
        long from = parse.GetValue(_from) ?? 0, to = parse.GetValue(_to) ?? long.MaxValue / s.CpuPeriod;
        if (from < 0 || to < from) throw new RunFeatureException("--vcd-from/--vcd-to: need 0 <= from <= to");
        long slowest = machine.Board.Clocks.Max(c => c.PeriodTicks);
        var stream = new FileStream(file.FullName, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        var text = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        _writer = new VcdWriter(text, tracer.Registry, new VcdWriterOptions
        {
            Version = $"SocSim {typeof(VcdFeature).Assembly.GetName().Version} socsim run {Path.GetFileName(machine.Options.CommandLine)}",
            Comment = $"board: {machine.Board.Description}; clocks: {string.Join(", ", machine.Board.Clocks.Select(c => $"{c.Name} {c.FrequencyHz} Hz"))}; CPU cycle = {s.CpuPeriod} ticks",
            FromTick = checked(from * s.CpuPeriod),
            ToTick = checked(to * s.CpuPeriod),
            UnitFs = unitFs,
            Now = () => s.Now,
            ReorderTicks = 2 * slowest + 4096 * s.CpuPeriod,
        });
        _tracer = tracer;
        _path = file.FullName;
        tracer.Attach();
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context)
    {
        if (_writer == null || _tracer == null) return;
        _tracer.Detach();
        _writer.Close(machine.Scheduler.Now);
        _writer.Dispose();
        long bytes = new FileInfo(_path!).Length;
        context.StatsLines.Add(string.Create(CultureInfo.InvariantCulture,
            $"vcd={_path} signals={_writer.VariableCount} changes={_writer.ChangesWritten} bytes={bytes} timescale={_writer.Time.Timescale.Replace(" ", "")} exact={(_writer.Time.Exact ? "yes" : "no")}{(_writer.LateChanges > 0 ? $" late_changes={_writer.LateChanges}" : "")}"));
        _writer = null;
        _tracer = null;
    }
}
