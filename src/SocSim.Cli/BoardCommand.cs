using System.CommandLine;
using SocSim.Boards;

namespace SocSim.Cli;

/// <summary>`socsim board show FILE... [--set K=V]...`: the resolved board after layering.</summary>
internal static class BoardCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("FILE") { Description = Defaults.BoardHelp("later ones override earlier ones"), Arity = ArgumentArity.OneOrMore };
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
        var schemaOut = new Option<FileInfo?>("-o", "--output") { Description = "write the schema to FILE instead of stdout (e.g. boards/board.schema.json)" };
        var schemaIn = new Argument<FileInfo?>("SCHEMA") { Description = "the schema to update (default: the board.schema.json installed beside socsim)", Arity = ArgumentArity.ZeroOrOne };
        var schema = new Command("schema", "print board.schema.json with its cpu.type and peripheral parts regenerated from the core and device declarations") { schemaIn, schemaOut };
        schema.SetAction(r =>
        {
            try
            {
                string text = BoardSchema.Update(File.ReadAllText(r.GetValue(schemaIn)?.FullName ?? Defaults.BoardSchema));
                if (r.GetValue(schemaOut) is { } f) File.WriteAllText(f.FullName, text);
                else Console.Out.Write(text);
                return 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
            {
                Console.Error.WriteLine($"socsim board schema: {e.Message}");
                return Defaults.ExitUsage;
            }
        });
        var types = new Command("types", "list the core types (clock, inputs, registers) and the peripheral types (register window, parameters with defaults, outputs and inputs)");
        types.SetAction(_ =>
        {
            Console.Out.Write(BoardPrinter.PrintTypes(CoreCatalog.Default, PeripheralCatalog.All));
            return 0;
        });
        return new Command("board", "inspect board descriptions") { show, schema, types };
    }
}
