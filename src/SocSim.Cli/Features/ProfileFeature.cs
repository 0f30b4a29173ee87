using System.CommandLine;
using SocSim.Core.Cores;
using SocSim.Trace.Profiling;

namespace SocSim.Cli.Features;

/// <summary>
/// `--profile [FILE]`: per-function cycles and instructions (exclusive, inclusive, calls) as a table
/// sorted by exclusive cycles, to FILE or stderr; `--profile-format collapsed` writes collapsed
/// stacks ("main;puts0 1234") for flame-graph tools instead. Method: <see cref="Profiler"/>.
/// `--elf-symbols ELF` (<see cref="SymbolsFeature"/>) names the code from that ELF's symbols instead of the firmware's.
/// </summary>
internal sealed class ProfileFeature : IRunFeature
{
    private readonly Option<string?> _profile = new("--profile")
    {
        Description = "profile cycles and instructions per ELF function; write the report to FILE (default stderr)",
        Arity = ArgumentArity.ZeroOrOne,
    };
    private readonly Option<string> _rtos = new("--rtos") { Description = "auto (default: FreeRTOS when the ELF has pxCurrentTCB), freertos, or none: profile per RTOS task (docs/rtos.md)", DefaultValueFactory = _ => "auto" };
    private readonly Option<string> _format = new("--profile-format") { Description = "table (default) or collapsed (flame-graph stacks)", DefaultValueFactory = _ => "table" };
    private Profiler? _profiler;

    public void AddOptions(Command run)
    {
        _format.AcceptOnlyFromAmong("table", "collapsed");
        _rtos.AcceptOnlyFromAmong("auto", "freertos", "none");
        run.Options.Add(_rtos);
        run.Options.Add(_profile);
        run.Options.Add(_format);
    }

    public void Attach(ParseResult parse, Machine machine, RunContext context)
    {
        if (parse.GetResult(_profile) == null)
        {
            if (parse.GetResult(_rtos) is { Implicit: false }) throw new RunFeatureException("--rtos: applies to --profile; add --profile");
            return;
        }
        if (parse.GetValue(_profile) is { } path && path.EndsWith(".elf", StringComparison.OrdinalIgnoreCase))
            throw new RunFeatureException($"--profile {path}: that looks like the firmware; give the ELF before --profile, or --profile=FILE");
        if (parse.GetValue(_profile) is { } file && OutputFile.Problem(file, "--profile") is string problem) throw new RunFeatureException(problem);
        if (machine.Core is not ICoreTraceView)
            throw new RunFeatureException($"--profile: core {machine.Board.Cpu.Type.Name} offers no view for the instruction-level tools");
        context.SymbolsWanted = true;
        var elf = context.Symbols ?? machine.Elf;
        string rtosMode = parse.GetValue(_rtos) ?? "auto";
        var rtos = rtosMode == "none" ? null : FreeRtos.Find(elf, machine.Bus.DebugRead32);
        if (rtosMode == "freertos" && rtos == null)
            throw new RunFeatureException($"--rtos freertos: {(elf == null ? "no ELF is loaded" : $"{elf.Name} has no symbol pxCurrentTCB")} to find FreeRTOS's tasks by");
        _profiler = new Profiler(machine.Core, elf, rtos: rtos, coreType: machine.Board.Cpu.Type);
        machine.AddHook(_profiler);
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context)
    {
        if (_profiler == null) return;
        machine.RemoveHook(_profiler);
        var profile = _profiler.Snapshot(machine.Core);
        string text = parse.GetValue(_format) == "collapsed" ? profile.FormatCollapsed() : profile.FormatTable();
        if (parse.GetValue(_profile) is { } path) File.WriteAllText(path, text);
        else Console.Error.Write(text);
    }
}
