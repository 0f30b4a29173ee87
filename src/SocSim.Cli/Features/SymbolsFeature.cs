using System.CommandLine;
using SocSim.Boards.Elf;

namespace SocSim.Cli.Features;

/// <summary>
/// `--elf-symbols ELF`: the symbol table that names code for `--profile` and that `--until`, `--break` and
/// `--measure` resolve names through, in place of the loaded firmware's. A Linux zImage has none:
/// `--kernel zImage --elf-symbols vmlinux` makes `--until start_kernel` stop at the kernel's virtual
/// address (the core's pc is virtual). Only the symbol table is read, nothing is loaded.
/// </summary>
internal sealed class SymbolsFeature : IRunFeature
{
    private readonly Option<string?> _symbols = new("--elf-symbols")
    {
        Description = "name code from this ELF's symbols (e.g. vmlinux for a --kernel zImage) in --profile, --until, --break and --measure; nothing is loaded from it",
    };

    public void AddOptions(Command run) => run.Options.Add(_symbols);

    public void Prepare(ParseResult parse, Machine machine, RunContext context)
    {
        if (parse.GetValue(_symbols) is { } path) context.Symbols = Read(path);
    }

    public void Attach(ParseResult parse, Machine machine, RunContext context) { }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context) { }

    /// <summary>
    /// A code location for <paramref name="option"/>: a number, a symbol or symbol+offset. Names come from
    /// --elf-symbols when given (and only from there), else from the loaded ELF; one line says why not.
    /// </summary>
    internal static uint Resolve(Machine machine, RunContext context, string location, string option)
    {
        context.SymbolsWanted = true;
        int plus = location.LastIndexOf('+');
        string name = (plus > 0 ? location[..plus] : location).Trim();
        bool isName = name.Length > 0 && !char.IsAsciiDigit(name[0]);
        try
        {
            if (context.Symbols is not { } elf || !isName) return machine.ResolveAddress(location);
            if (elf.FindSymbol(name) is not { } sym)
            {
                string? near = Usage.Closest(name, elf.Symbols.Where(s => s.IsFunction).Select(s => s.Name));
                throw new KeyNotFoundException($"no symbol {name} in {elf.Name}" + (near != null ? $" (did you mean {near}?)" : ""));
            }
            return sym.Address + (plus > 0 ? machine.ResolveAddress(location[(plus + 1)..]) : 0);
        }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException)
        {
            string why = isName && context.Symbols == null && machine.Elf == null
                ? "not a number, and no symbols to resolve it by: give --elf-symbols ELF (a --kernel zImage has none: --elf-symbols vmlinux)"
                : e.Message;
            throw new RunFeatureException($"{option} {Usage.Quote(location)}: {Usage.Quote(why, 160)}");
        }
    }

    private static ElfFile Read(string path)
    {
        if (!File.Exists(path)) throw new RunFeatureException($"--elf-symbols {path}: no such file");
        try
        {
            var elf = ElfFile.Parse(path);
            if (!elf.Symbols.Any(s => s.Type == ElfSymbolType.Func)) throw new RunFeatureException($"--elf-symbols {path}: the ELF has no function symbols (stripped?)");
            return elf;
        }
        catch (ElfException e) { throw new RunFeatureException($"--elf-symbols {path}: {e.Message}"); }
    }
}
