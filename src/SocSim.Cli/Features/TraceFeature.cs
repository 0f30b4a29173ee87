using System.CommandLine;
using SocSim.Trace.InstructionTrace;

namespace SocSim.Cli.Features;

/// <summary>`--trace-instr FILE`: one line per executed instruction (format: <see cref="InstructionTracer"/>); "-" writes to stderr.</summary>
internal sealed class TraceFeature : IRunFeature
{
    private readonly Option<string?> _file = new("--trace-instr") { Description = "write one line per executed instruction (cycle, mode, pc, opcode, disassembly, registers and memory written/read) to FILE ('-' = stderr)" };
    private InstructionTracer? _tracer;

    public void AddOptions(Command run) => run.Options.Add(_file);

    public void Attach(ParseResult parse, Machine machine, RunContext context)
    {
        if (parse.GetValue(_file) is not { } path) return;
        if (path.EndsWith(".elf", StringComparison.OrdinalIgnoreCase))
            throw new RunFeatureException($"--trace-instr {path}: refusing to overwrite what looks like an ELF");
        if (path != "-" && OutputFile.Problem(path, "--trace-instr") is string problem) throw new RunFeatureException(problem);
        if (machine.Core is not SocSim.Core.Cores.ICoreTraceView)
            throw new RunFeatureException($"--trace-instr: core {machine.Board.Cpu.Type.Name} offers no view for the instruction-level tools");
        TextWriter w = path == "-" ? Console.Error : new StreamWriter(path, false) { AutoFlush = false };
        _tracer = new InstructionTracer(w, machine.Core, ownsWriter: path != "-");
        machine.AddHook(_tracer);
        machine.AddBusObserver(_tracer);
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context)
    {
        if (_tracer == null) return;
        machine.RemoveHook(_tracer);
        machine.RemoveBusObserver(_tracer);
        _tracer.Dispose();
    }
}
