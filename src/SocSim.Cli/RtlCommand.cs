using System.CommandLine;
using System.Globalization;
using SocSim.Boards;
using SocSim.Rtl;

namespace SocSim.Cli;

/// <summary>`socsim rtl build BOARD... [--set K=V]...`: builds every rtl peripheral's model into the cache ahead of a run.</summary>
internal static class RtlCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("BOARD") { Description = "board JSON files, later ones override earlier ones", Arity = ArgumentArity.OneOrMore };
        var sets = new Option<string[]>("--set") { Description = "override one key, e.g. peripherals.uartx.parameters.trace=true" };
        var build = new Command("build", $"build the Verilator models of the board's rtl peripherals into the cache ({VerilatorBuild.CacheDirectory}), one line per peripheral") { files, sets };
        build.SetAction(r =>
        {
            try
            {
                using var m = Machine.Create(r.GetValue(files)!, r.GetValue(sets) ?? []);
                int n = 0;
                foreach (var (name, dev) in m.Devices.OrderBy(d => d.Key, StringComparer.Ordinal))
                {
                    if (dev is not RtlPeripheral p) continue;
                    n++;
                    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{name}: {(p.BuildCached ? "cached" : "built")} in {p.BuildTime.TotalSeconds:F1} s, {p.Ports.Count} ports: {p.Library}"));
                }
                if (n == 0) Console.Out.WriteLine("no rtl peripherals on this board");
                return 0;
            }
            catch (Exception e) when (e is BoardException or ArgumentException or IOException)
            {
                Console.Error.WriteLine($"socsim rtl build: {e.Message}");
                return Defaults.ExitUsage;
            }
        });
        return new Command("rtl", "RTL peripherals co-simulated with Verilator") { build };
    }
}
