using System.Text.Json;

namespace SocSim.Tests;

/// <summary>
/// The whole-run totals of a firmware in firmware/elf on its own board (versatilepb, or lpc2106 for
/// lpc2106_*), kept in one place: the committed snapshot SnapshotTests writes and checks
/// (tests/SocSim.Firmware.Tests/__snapshots__/SnapshotTests.Run_NAME.snap). No independent rule gives
/// these figures (they are the cycle model's output); a timing change shows as that snapshot's diff, and
/// every test that needs a total reads it here instead of repeating the number. Compiled into every test project.
/// </summary>
internal static class FirmwareTotals
{
    public sealed record Totals(long Cycles, long Instructions, long SimulatedNanoseconds);

    public static Totals Of(string firmware)
    {
        string path = Path.Combine(RepoPaths.Root, "tests", "SocSim.Firmware.Tests", "__snapshots__", $"SnapshotTests.Run_{firmware}.snap");
        if (!File.Exists(path)) throw new FileNotFoundException($"no snapshot of {firmware}: {path}");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        return new Totals(root.GetProperty("Cycles").GetInt64(), root.GetProperty("Instructions").GetInt64(), root.GetProperty("SimulatedNanoseconds").GetInt64());
    }
}
