using System.CommandLine;

namespace SocSim.Cli.Features;

/// <summary>
/// A group of `socsim run` options (waveforms, tracing, profiling, the GDB stub...). Every
/// non-abstract implementation in this assembly is discovered and created once per invocation, so a
/// feature lives in its own file and nothing else needs editing to add one.
/// </summary>
internal interface IRunFeature
{
    /// <summary>Adds the feature's options to the run command.</summary>
    void AddOptions(Command run);

    /// <summary>Before any feature attaches: what other features read from the context (the symbols of --elf-symbols).</summary>
    void Prepare(ParseResult parse, Machine machine, RunContext context) { }

    /// <summary>After the machine is built and the firmware loaded, before it runs. Throw <see cref="RunFeatureException"/> for bad input.</summary>
    void Attach(ParseResult parse, Machine machine, RunContext context);

    /// <summary>After the run, whatever stopped it (also on Ctrl-C): flush and close files, print reports.</summary>
    void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context);
}

/// <summary>A feature's one-line complaint about its options; `socsim run` prints it and exits 2.</summary>
internal sealed class RunFeatureException(string message) : Exception(message);

/// <summary>What features share during one run.</summary>
internal sealed class RunContext
{
    /// <summary>Replaces the plain run loop (the GDB stub serves the target instead). Null: `machine.Run(maxCycles)`.</summary>
    public Func<Machine, long, RunResult>? Runner { get; set; }

    /// <summary>Extra lines printed to stderr under the --stats line (e.g. interrupt latency).</summary>
    public List<string> StatsLines { get; } = new();

    /// <summary>Set by a feature to override the exit status (e.g. a run-until that was reached exits 0).</summary>
    public int? ExitStatus { get; set; }

    /// <summary>Named instants of the run (a --break/--until stop) for the GTKWave save file: label and CPU cycle.</summary>
    public List<(string Label, long Cycle)> Markers { get; } = new();

    /// <summary>Work for after every feature has detached (files that need another feature's results).</summary>
    public List<Action<Machine, RunResult>> AfterDetach { get; } = new();

    /// <summary>The VCD written by --vcd, once it is closed.</summary>
    public VcdFeature? Vcd { get; set; }

    /// <summary>The symbols of --elf-symbols (null: the loaded ELF's, if any); see <see cref="SymbolsFeature.Resolve"/>.</summary>
    public SocSim.Boards.Elf.ElfFile? Symbols { get; set; }

    /// <summary>Set by a feature that names code by symbols (--profile, --until, --break, --measure): --elf-symbols has a use.</summary>
    public bool SymbolsWanted { get; set; }

    /// <summary>Set by Ctrl-C: features flush what they have.</summary>
    public CancellationToken Cancelled { get; init; }
}

internal static class RunFeatures
{
    public static IReadOnlyList<IRunFeature> CreateAll() =>
        typeof(IRunFeature).Assembly.GetTypes()
            .Where(t => typeof(IRunFeature).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (IRunFeature)Activator.CreateInstance(t)!)
            .ToList();
}
