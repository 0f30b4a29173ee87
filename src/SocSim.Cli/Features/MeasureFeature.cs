using System.CommandLine;
using SocSim.Trace.Timing;

namespace SocSim.Cli.Features;

/// <summary>
/// `--measure FROM:TO` (repeatable): the cycles of every pass from FROM to TO (see <see cref="MeasureProbe"/>),
/// printed to stderr after the run as <c>measure FROM:TO count=N min=A max=B mean=C</c> (count=0 when no pass completed).
/// </summary>
internal sealed class MeasureFeature : IRunFeature
{
    private readonly Option<string[]> _measure = new("--measure") { Description = "FROM:TO (symbols or addresses): cycles of every pass from FROM to TO; prints count, min, max, mean" };
    private readonly List<MeasureProbe> _probes = new();

    public void AddOptions(Command run) => run.Options.Add(_measure);

    public void Attach(ParseResult parse, Machine machine, RunContext context)
    {
        foreach (var spec in parse.GetValue(_measure) ?? [])
        {
            int colon = spec.IndexOf(':');
            if (colon <= 0 || colon == spec.Length - 1) throw new RunFeatureException($"--measure {spec}: expected FROM:TO");
            uint from = UntilFeature.Resolve(machine, spec[..colon], "--measure");
            uint to = UntilFeature.Resolve(machine, spec[(colon + 1)..], "--measure");
            var probe = new MeasureProbe(spec, from, to);
            _probes.Add(probe);
            machine.AddHook(probe);
        }
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context)
    {
        foreach (var p in _probes)
        {
            machine.RemoveHook(p);
            Console.Error.WriteLine($"measure {p.Label} {p.Stats}");
        }
    }
}
