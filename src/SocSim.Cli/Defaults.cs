using SocSim.Boards;

namespace SocSim.Cli;

/// <summary>
/// The default board and the bundled demo, copied beside the binary at build time (and packed with it
/// into the dotnet tool, so an installed `socsim` finds them wherever it runs).
/// </summary>
internal static class Defaults
{
    /// <summary>The bundled boards: boards/*.json, boards/overrides/*.json and board.schema.json beside socsim.dll.</summary>
    public static string BoardsDirectory => Path.Combine(AppContext.BaseDirectory, "boards");
    public static string Board => Path.Combine(BoardsDirectory, "versatilepb.json");
    public static string BoardSchema => Path.Combine(BoardsDirectory, "board.schema.json");
    public static string DemoElf => Path.Combine(AppContext.BaseDirectory, "firmware", "timer_irq.elf");
    public static string Firmware(string fileName) => Path.Combine(AppContext.BaseDirectory, "firmware", fileName);
    public static string BenchElf => Path.Combine(AppContext.BaseDirectory, "firmware", "bench.elf");

    /// <summary>
    /// A --board argument: a file when one exists at that path, else the name of a bundled board
    /// (`versatilepb`, `ram`, `overrides/slow-ram`, with or without `.json`). Neither is one
    /// <see cref="BoardException"/> that lists the bundled boards and the nearest name.
    /// </summary>
    public static string ResolveBoard(string board)
    {
        if (File.Exists(board)) return board;
        string name = board.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? board : board + ".json";
        if (!Path.IsPathRooted(name) && !name.StartsWith('.'))
        {
            var bundled = Path.Combine(BoardsDirectory, name);
            if (File.Exists(bundled)) return InCheckout(name, bundled) ?? bundled;
        }
        if (Directory.Exists(board)) return board; // the loader says it is a directory
        var names = BundledBoards();
        string given = board.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? board[..^5] : board;
        string? near = Usage.Closest(given, names)
            ?? names.FirstOrDefault(n => Usage.Closest(Path.GetFileName(given), [Path.GetFileName(n)]) != null);
        throw new BoardException(SocSim.Core.HostInput.Quote(board), "", $"no such file, nor a bundled board of that name (bundled: {string.Join(", ", names)})" +
            (near != null ? $"; did you mean {near}?" : ""));
    }

    /// <summary>
    /// A bundled board's file in the checkout it was copied from (recorded at build time in boards/origin.txt),
    /// when that file is still the same: its relative paths (an rtl peripheral's sources, ../../../shared/rtl/...)
    /// then resolve as they do from the checkout. Null for an installed tool, or a checkout since changed: the
    /// copy is used, and a source it cannot reach is the loader's one line naming it (boards/README.md).
    /// </summary>
    private static string? InCheckout(string name, string bundled)
    {
        var record = Path.Combine(BoardsDirectory, "origin.txt");
        if (!File.Exists(record)) return null;
        var original = Path.Combine(File.ReadAllText(record).Trim(), name);
        return File.Exists(original) && File.ReadAllBytes(original).AsSpan().SequenceEqual(File.ReadAllBytes(bundled)) ? original : null;
    }

    /// <summary>For --board's help: what it takes, with the bundled boards' names.</summary>
    public static string BoardHelp(string rest) =>
        $"board JSON, or a bundled board by name ({string.Join(", ", BundledBoards())}); {rest}";

    /// <summary>The bundled boards' names as --board takes them: `lpc2106`, `overrides/slow-ram`, ...</summary>
    public static IReadOnlyList<string> BundledBoards() => _bundledBoards ??= FindBundledBoards();

    // Scanned once: the help texts of several commands name them, and every start builds every command.
    private static IReadOnlyList<string>? _bundledBoards;

    private static IReadOnlyList<string> FindBundledBoards() =>
        Directory.Exists(BoardsDirectory)
            ? Directory.GetFiles(BoardsDirectory, "*.json", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(BoardsDirectory, f)[..^5].Replace(Path.DirectorySeparatorChar, '/'))
                .Where(n => n != "board.schema")
                .Order(StringComparer.Ordinal).ToList()
            : [];

    public static string[] ResolveBoards(string[] boards) => boards.Length == 0 ? [Board] : boards.Select(ResolveBoard).ToArray();

    /// <summary>Exit statuses of `socsim run` other than the firmware's own exit code.</summary>
    public const int ExitUsage = 2;
    public const int ExitCycleLimit = 124;
    public const int ExitFault = 125;
    public const int ExitStopped = 126;
}
