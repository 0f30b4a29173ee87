using System.CommandLine;
using SocSim.Trace.Profiling;

namespace SocSim.Cli.Features;

/// <summary>
/// `--profile [FILE]`: per-function cycles and instructions (exclusive, inclusive, calls) as a table
/// sorted by exclusive cycles, to FILE or stderr; `--profile-format collapsed` writes collapsed
/// stacks ("main;puts0 1234") for flame-graph tools instead. Method: <see cref="Profiler"/>.
/// </summary>
internal sealed class ProfileFeature : IRunFeature
{
    private readonly Option<string?> _profile = new("--profile")
    {
        Description = "profile cycles and instructions per ELF function; write the report to FILE (default stderr)",
        Arity = ArgumentArity.ZeroOrOne,
    };
    private readonly Option<string> _format = new("--profile-format") { Description = "table (default) or collapsed (flame-graph stacks)", DefaultValueFactory = _ => "table" };
    private Profiler? _profiler;

    public void AddOptions(Command run)
    {
        _format.AcceptOnlyFromAmong("table", "collapsed");
        run.Options.Add(_profile);
        run.Options.Add(_format);
    }

    public void Attach(ParseResult parse, Machine machine, RunContext context)
    {
        if (parse.GetResult(_profile) == null) return;
        if (parse.GetValue(_profile) is { } path && path.EndsWith(".elf", StringComparison.OrdinalIgnoreCase))
            throw new RunFeatureException($"--profile {path}: that looks like the firmware; give the ELF before --profile, or --profile=FILE");
        if (parse.GetValue(_profile) is { } file && OutputFile.Problem(file, "--profile") is string problem) throw new RunFeatureException(problem);
        if (machine.Core is not SocSim.Arm.ArmCpu cpu)
            throw new RunFeatureException($"--profile: not available on a {machine.Board.Cpu.Type.Name} yet (the profiler's exception pseudo-functions are the ARM7TDMI's modes)");
        _profiler = new Profiler(cpu, machine.Elf);
        machine.AddHook(_profiler);
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context)
    {
        if (_profiler == null) return;
        machine.RemoveHook(_profiler);
        var profile = _profiler.Snapshot(machine.Cpu);
        string text = parse.GetValue(_format) == "collapsed" ? profile.FormatCollapsed() : profile.FormatTable();
        if (parse.GetValue(_profile) is { } path) File.WriteAllText(path, text);
        else Console.Error.Write(text);
    }
}
