using System.CommandLine;

namespace SocSim.Cli.Features;

/// <summary>
/// `socsim run --no-reboot`: a reset of the whole board that the firmware asks for (the Versatile's
/// SYS_RESETCTL, as Linux's reboot does; a watchdog) ends the run with exit status 0 and one stderr
/// line naming the cycle and the cause, as QEMU's <c>-no-reboot</c>. Without it the board resets and runs on.
/// </summary>
internal sealed class NoRebootFeature : IRunFeature
{
    private readonly Option<bool> _noReboot = new("--no-reboot") { Description = "end the run (exit status 0) when the firmware resets the board, instead of resetting" };

    public void AddOptions(Command run) => run.Options.Add(_noReboot);

    public void Attach(ParseResult parse, Machine machine, RunContext context) => machine.StopOnSystemReset = parse.GetValue(_noReboot);

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context)
    {
        if (result.Reason != StopReason.Reset) return;
        var (cycle, reason) = machine.SystemResets[^1];
        Console.Error.WriteLine($"socsim run: board reset at cycle={cycle} ({reason}); --no-reboot ends the run");
        context.ExitStatus ??= 0;
    }
}
