using System.CommandLine;
using SocSim.Boards;

namespace SocSim.Cli;

/// <summary>`socsim board show FILE... [--set K=V]...`: the resolved board after layering.</summary>
internal static class BoardCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("FILE") { Description = "board JSON files or bundled board names (versatilepb, ram, overrides/slow-ram), later ones override earlier ones", Arity = ArgumentArity.OneOrMore };
        var sets = new Option<string[]>("--set") { Description = "override one key, e.g. memory.ram.waitStates.readN=2" };
        var show = new Command("show", "print the resolved board: memory map with wait states, peripherals, clocks, interrupt wiring") { files, sets };
        show.SetAction(r =>
        {
            try
            {
                Console.Out.Write(BoardPrinter.Print(BoardLoader.Load(Defaults.ResolveBoards(r.GetValue(files)!), r.GetValue(sets) ?? [])));
                return 0;
            }
            catch (BoardException e)
            {
                Console.Error.WriteLine($"socsim board show: {e.Message}");
                return Defaults.ExitUsage;
            }
        });
        return new Command("board", "inspect board descriptions") { show };
    }
}
