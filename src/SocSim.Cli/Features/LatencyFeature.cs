using System.CommandLine;
using SocSim.Trace.Timing;

namespace SocSim.Cli.Features;

/// <summary>
/// With `--stats`, interrupt latency per interrupt line (see <see cref="InterruptLatencyProbe"/>) under the
/// stats line, one line per line that rose:
/// <c>irq_latency vic.4 (timer0.TIMINTC) to_isr timer0_isr: count=5 min=55 (1.10 us) max=55 (1.10 us) mean=55.0 (1.10 us) to_vector: count=5 ... unserved=0</c>;
/// <c>irq_latency vic.12 (scb.PLL) never served: rises=1 unserved=0</c> for a line that rose and was never served.
/// The figures go into a checkpoint, so `socsim resume --stats` reports the whole run.
/// </summary>
internal sealed class LatencyFeature : IRunFeature
{
    private InterruptLatencyProbe? _probe;

    public void AddOptions(Command run) { }

    public void Attach(ParseResult parse, Machine machine, RunContext context)
    {
        if (!parse.GetValue<bool>("--stats")) return;
        _probe = new InterruptLatencyProbe(machine);
        MeasureFeature.RestoreFromCheckpoint(machine, context, "irq_latency", _probe);
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context)
    {
        if (_probe == null) return;
        _probe.Stop();
        var lines = _probe.Results;
        // One line per interrupt line that rose; none when none did, so that a run without
        // interrupts keeps `--stats` to its single cycles= line.
        foreach (var l in lines) context.StatsLines.Add(l.ToString());
    }
}
