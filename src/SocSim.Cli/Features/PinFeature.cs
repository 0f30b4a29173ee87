using System.CommandLine;

namespace SocSim.Cli.Features;

/// <summary>
/// `socsim run --pin P0_5=0 [--pin gpio.P0_6=1]...`: drives input pins from the host before the run,
/// as an external driver held at that level (Machine.DrivePin). PIN is an input pin of one device,
/// or component.INPUT; a pin the board's wiring already drives is refused.
/// </summary>
internal sealed class PinFeature : IRunFeature
{
    private readonly Option<string[]> _pins = new("--pin") { Description = "drive an input pin from outside, e.g. P0_5=0 or gpio.P0_5=1 (repeatable)" };

    public void AddOptions(Command run) => run.Options.Add(_pins);

    public void Attach(ParseResult parse, Machine machine, RunContext context)
    {
        foreach (var p in parse.GetValue(_pins) ?? [])
        {
            int eq = p.IndexOf('=');
            string level = eq < 0 ? "" : p[(eq + 1)..].Trim();
            if (eq <= 0 || level is not ("0" or "1"))
                throw new RunFeatureException($"--pin {p}: expected PIN=0 or PIN=1, e.g. P0_5=0");
            try { machine.DrivePin(p[..eq].Trim(), level == "1"); }
            catch (ArgumentException e) { throw new RunFeatureException($"--pin {p}: {e.Message}"); }
        }
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context) { }
}
