using System.CommandLine;
using SocSim.Core.Cores;
using SocSim.Core.State;
using SocSim.Trace.Timing;

namespace SocSim.Cli.Features;

/// <summary>
/// `--measure FROM:TO` (repeatable): the cycles of every pass from FROM to TO (see <see cref="MeasureProbe"/>);
/// `--measure FUNC`: every call of a function from its entry to its return (see <see cref="FunctionMeasureProbe"/>).
/// Printed to stderr after the run as <c>measure LABEL count=N min=A (T) max=B (T) mean=C (T)</c>, each cycle
/// figure followed by its simulated time; <c>count=0 (never completed)</c> when no pass completed. The
/// figures go into a checkpoint, so `socsim resume` with the same option reports the whole run.
/// </summary>
internal sealed class MeasureFeature : IRunFeature
{
    private readonly Option<string[]> _measure = new("--measure") { Description = "FROM:TO (symbols or addresses): cycles and time of every pass from FROM to TO; FUNC: of every call of a function, entry to return; prints count, min, max, mean" };
    private readonly List<(string Label, Durations Passes)> _probes = new();
    private readonly List<IExecutionHook> _hooks = new();

    public void AddOptions(Command run) => run.Options.Add(_measure);

    public void Attach(ParseResult parse, Machine machine, RunContext context)
    {
        foreach (var spec in parse.GetValue(_measure) ?? [])
        {
            int colon = spec.IndexOf(':');
            if (colon == 0 || colon == spec.Length - 1) throw new RunFeatureException($"--measure {spec}: expected FROM:TO or a function name");
            IExecutionHook hook;
            Durations passes;
            if (colon < 0)
            {
                var cpu = machine.Board.Cpu.Type;
                var probe = new FunctionMeasureProbe(spec, Function(machine, context, spec), cpu.RegisterIndex("lr"), cpu.RegisterIndex("sp"), cpu.RegisterIndex("xpsr"));
                (hook, passes) = (probe, probe.Durations);
            }
            else
            {
                uint from = SymbolsFeature.Resolve(machine, context, spec[..colon], "--measure");
                uint to = SymbolsFeature.Resolve(machine, context, spec[(colon + 1)..], "--measure");
                var probe = new MeasureProbe(spec, from, to);
                (hook, passes) = (probe, probe.Durations);
            }
            RestoreFromCheckpoint(machine, context, "measure " + spec, (IStateful)hook);
            _probes.Add((spec, passes));
            _hooks.Add(hook);
            machine.AddHook(hook);
        }
    }

    /// <summary>
    /// Registers a probe's figures for the checkpoints this run saves and, after `socsim resume`, loads those the
    /// checkpoint holds; when it holds none (saved without the option), says that the figures cover the resumed part only.
    /// </summary>
    internal static void RestoreFromCheckpoint(Machine machine, RunContext context, string name, IStateful probe)
    {
        try
        {
            if (!machine.AddToolState(name, probe) && machine.Resumed)
                context.StatsLines.Add($"note: the checkpoint was saved without {name}: its figures cover the resumed part only");
        }
        catch (StateException e) { throw new RunFeatureException(e.Message); }
    }

    /// <summary>The entry of the function named <paramref name="name"/> (or at an address); an unknown name suggests the nearest function symbol.</summary>
    private static uint Function(Machine machine, RunContext context, string name)
    {
        if (name.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || char.IsAsciiDigit(name[0])) return SymbolsFeature.Resolve(machine, context, name, "--measure");
        context.SymbolsWanted = true;
        var elf = context.Symbols ?? machine.Elf ?? throw new RunFeatureException($"--measure {Usage.Quote(name)}: no symbols to find the function in: give --elf-symbols ELF (a --kernel zImage has none: --elf-symbols vmlinux)");
        if (elf.FindSymbol(name) is { } sym) return sym.Address;
        string? near = Usage.Closest(name, elf.Symbols.Where(s => s.IsFunction).Select(s => s.Name));
        throw new RunFeatureException($"--measure {Usage.Quote(name)}: no function of that name in {elf.Name}" + (near != null ? $" (did you mean {near}?)" : ""));
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context)
    {
        foreach (var h in _hooks) machine.RemoveHook(h);
        foreach (var (label, passes) in _probes)
            Console.Error.WriteLine($"measure {label} {(passes.Count == 0 ? "count=0 (never completed)" : passes.Format(machine.Scheduler.TicksPerSecond))}");
    }
}
