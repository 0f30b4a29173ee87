using System.CommandLine;
using SocSim.CortexM;

namespace SocSim.Cli.Features;

/// <summary>
/// `--itm FILE`: the bytes the firmware writes to ITM stimulus port 0 (ARMv7-M C1.7; what CMSIS's
/// ITM_SendChar writes: the port is enabled in ITM_TER and ITM_TCR.ITMENA, and DEMCR.TRCENA is set), to FILE, or
/// with '-' to stdout beside the console UART. A write of 2 or 4 bytes gives its bytes in little-endian order,
/// as the ITM's SWO packets carry them. Only the Cortex-M cores of ARMv7-M have an ITM.
/// </summary>
internal sealed class ItmFeature : IRunFeature
{
    private readonly Option<string?> _file = new("--itm") { Description = "write what the firmware sends to ITM stimulus port 0 to FILE ('-' = stdout); Cortex-M3/M4 boards" };
    private Stream? _out;
    private Action<int, uint, int>? _handler;
    private InstrumentationTrace? _itm;

    public void AddOptions(Command run) => run.Options.Add(_file);

    public void Attach(ParseResult parse, Machine machine, RunContext context)
    {
        if (parse.GetValue(_file) is not { } path) return;
        if (machine.Core is not CortexMCpu { Itm: { } itm })
            throw new RunFeatureException($"--itm: core {machine.Board.Cpu.Type.Name} has no ITM (ARMv7-M Cortex-M3/M4 cores have one)");
        if (path != "-" && OutputFile.Problem(path, "--itm") is string problem) throw new RunFeatureException(problem);
        var stdout = path == "-";
        _out = stdout ? Console.OpenStandardOutput() : new FileStream(path, FileMode.Create, FileAccess.Write);
        var o = _out;
        _handler = (port, value, size) =>
        {
            if (port != 0) return;
            Span<byte> b = [(byte)value, (byte)(value >> 8), (byte)(value >> 16), (byte)(value >> 24)];
            o.Write(b[..size]);
            if (stdout) o.Flush();
        };
        _itm = itm;
        itm.Stimulus += _handler;
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context)
    {
        if (_itm == null) return;
        _itm.Stimulus -= _handler;
        _out!.Flush();
        _out.Dispose();
    }
}
